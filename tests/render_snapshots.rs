//! The rendered GitHub comment of every fixture in `fixtures/`, as insta snapshots.
//!
//! Each fixture is parsed as `tfpost render` does (kind detected from the text); one the parser
//! cannot read renders the parse-failure comment, which is what would be posted.

use std::path::{Path, PathBuf};

use tfpost::message::GITHUB_COMMENT_MAX_CHARS;
use tfpost::parse::{ParseOptions, parse};
use tfpost::render::inert::github_len;
use tfpost::render::{RenderContext, github};

fn fixtures(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            // The benchmark plans are large generated inputs, measured elsewhere.
            if path.file_name().is_some_and(|n| n != "bench") {
                fixtures(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(path);
        }
    }
}

fn render(path: &Path) -> String {
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let ctx = RenderContext {
        target: Some(
            path.parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
        build_url: Some("https://ci.example/build/1".into()),
        ..RenderContext::default()
    };
    let message = match parse(&raw, ParseOptions::default()) {
        Ok(report) => github::render(&report, &ctx),
        Err(err) => github::parse_failure(&raw, &err.to_string(), &ctx),
    };
    assert!(
        github_len(&message.body) <= GITHUB_COMMENT_MAX_CHARS,
        "{}",
        path.display()
    );
    message.body
}

#[test]
fn every_fixture_renders() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut paths = Vec::new();
    fixtures(&root, &mut paths);
    assert!(
        paths.len() > 50,
        "fixtures not found under {}",
        root.display()
    );
    // The adversarial plan of `tests/render_inert.rs`, to see what it looks like.
    paths.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/adversarial.plan.txt"));
    paths.sort();
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    // Beside the parser's snapshots of the same fixtures, under their own directory.
    settings.set_snapshot_path("snapshots/github");
    settings.set_omit_expression(true);
    settings.bind(|| {
        for path in &paths {
            let name = path
                .strip_prefix(&root)
                .or_else(|_| path.strip_prefix(env!("CARGO_MANIFEST_DIR")))
                .unwrap_or(path)
                .to_string_lossy()
                .trim_end_matches(".txt")
                .replace(['/', '\\'], "__");
            settings_snapshot(&name, &render(path), path);
        }
    });
}

fn settings_snapshot(name: &str, body: &str, path: &Path) {
    let mut settings = insta::Settings::clone_current();
    settings.set_info(
        &path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap_or(path)
            .display()
            .to_string(),
    );
    settings.bind(|| insta::assert_snapshot!(name, body));
}
