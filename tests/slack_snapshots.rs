//! The Slack message of every fixture (plan and apply outputs of every Terraform version, and
//! the public ones), as insta snapshots in `tests/snapshots/slack/`; output the parser cannot
//! read renders the parse-failure message. Every message is also checked against Slack's
//! limits and for live `<...>` sequences other than tfpost's own links.

use std::path::{Path, PathBuf};

use tfpost::message::SlackMessage;
use tfpost::parse::{ParseOptions, parse};
use tfpost::render::RenderContext;
use tfpost::render::slack::{limit_violations, render, render_parse_failure};

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs = vec![];
    for entry in std::fs::read_dir(&root).expect("fixtures/") {
        let path = entry.expect("entry").path();
        // bench/ holds only big copies of the same kind of plan, for benchmarks.
        if path.is_dir() && !path.ends_with("bench") {
            dirs.push(path);
        }
    }
    let public = root.join("public");
    if let Ok(entries) = std::fs::read_dir(&public) {
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                dirs.push(entry.path());
            }
        }
    }
    let mut files = vec![];
    for dir in dirs {
        for entry in std::fs::read_dir(&dir).expect("fixture dir").flatten() {
            let path = entry.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            // The `.ansi.txt` twins parse to the same report as their plain versions.
            if name.ends_with(".txt") && !name.ends_with(".ansi.txt") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `tf-1.15.5/kitchen-sink.plan`: the fixture's path under `fixtures/`, without `.txt`.
fn fixture_name(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let relative = path.strip_prefix(&root).unwrap_or(path);
    relative
        .to_string_lossy()
        .trim_end_matches(".txt")
        .to_string()
}

fn context(name: &str) -> RenderContext {
    RenderContext {
        target: Some(name.to_string()),
        build_url: Some("https://ci.example.com/acme/infra/builds/1234".to_string()),
        repository: Some("acme/infra".to_string()),
        pr_number: Some(42),
        pr_url: Some("https://github.com/acme/infra/pull/42".to_string()),
        pr_title: Some("Rotate the subnets".to_string()),
        pr_author: Some("alice".to_string()),
        sha: Some("4c3b2a1f0e9d8c7b".to_string()),
        ..RenderContext::default()
    }
}

/// `<` starts a link or mention in Slack; tfpost writes only links to http(s) URLs and, in the
/// notifier, configured group mentions. Anything else came from the plan unescaped.
fn live_sequences(message: &SlackMessage) -> Vec<String> {
    let json = serde_json::to_string(message).unwrap_or_default();
    let value: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
    let decoded = value.to_string();
    let mut out = vec![];
    for (i, _) in decoded.match_indices('<') {
        let rest = &decoded[i..];
        if !(rest.starts_with("<https://") || rest.starts_with("<http://")) {
            out.push(rest.chars().take(40).collect());
        }
    }
    out
}

#[test]
fn every_fixture_renders_a_slack_message_within_limits() {
    let files = fixtures();
    assert!(files.len() > 100, "found only {} fixtures", files.len());
    let mut parse_failures = 0;
    for path in files {
        let name = fixture_name(&path);
        let raw = std::fs::read(&path).expect("read fixture");
        let message = match parse(&raw, ParseOptions::default()) {
            Ok(report) => render(&report, &context(&name)),
            Err(err) => {
                parse_failures += 1;
                render_parse_failure(&raw, None, &err.to_string(), &context(&name))
            }
        };
        assert_eq!(limit_violations(&message), Vec::<String>::new(), "{name}");
        assert_eq!(live_sequences(&message), Vec::<String>::new(), "{name}");
        insta::with_settings!({
            snapshot_path => "snapshots/slack",
            prepend_module_to_snapshot => false,
            description => path.strip_prefix(env!("CARGO_MANIFEST_DIR")).unwrap_or(&path).display().to_string(),
            omit_expression => true,
        }, {
            insta::assert_json_snapshot!(name.replace(['/', '.'], "__"), message);
        });
    }
    // The tfnotify `fmt` outputs are not plans: they exercise the parse-failure message.
    assert!(parse_failures >= 2, "{parse_failures} parse failures");
}
