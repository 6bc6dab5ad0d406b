//! The documentation cannot drift from the binary: every `console` code block of README.md and
//! docs/ runs here through trycmd and its output is compared with what the page shows (`...` on
//! a line of its own stands for any lines, `[..]` for the rest of a line). `TRYCMD=overwrite
//! cargo test --test docs_cli` rewrites the pages' outputs after an intended change.
//!
//! Examples that cannot run here (they need Terraform, GitHub, a CI machine or write outside the
//! checkout) stay in `sh` code blocks, and each one is listed in [`NOT_RUN`] with what runs
//! the same code instead; an unlisted one fails this test.

use std::path::PathBuf;

/// `(page, first line of the block, what covers it instead)`: the `sh` code blocks that are not
/// run.
const NOT_RUN: &[(&str, &str, &str)] = &[
    (
        "docs/security.md",
        "git show \"origin/$GITHUB_BASE_REF:tfpost.yaml\"",
        "git and GitHub Actions' variables, not tfpost; tests/trust.rs runs TFPOST_CONFIG naming a file",
    ),
    (
        "README.md",
        "cargo run --quiet -- render fixtures/tf-1.15.5/kitchen-sink.plan.txt",
        "`tfpost render` of that fixture runs in tests/cli_render.rs; .ci/run is the suite itself",
    ),
    (
        "README.md",
        "curl -fsSL https://raw.githubusercontent.com/tfpost/tfpost/v0.1.0/dist/install.sh",
        "needs GitHub; tests/install_ci_files.rs runs dist/install.sh against a local release",
    ),
    (
        "README.md",
        "v=0.1.0 t=x86_64-unknown-linux-gnu",
        "needs GitHub; tests/install_dist.rs unpacks and runs the archive dist/build.sh makes",
    ),
    (
        "README.md",
        "terraform plan -no-color 2>&1 | tfpost plan",
        "needs Terraform; docs/running.md runs both modes on a saved plan, tests/runner_terraform.rs with Terraform",
    ),
    (
        "docs/monorepo.md",
        "tfpost roots",
        "reads this repository's git history; tests/roots.rs runs each command on a git repository it builds",
    ),
    (
        "docs/running.md",
        "tfpost completions bash > /etc/bash_completion.d/tfpost",
        "writes outside the checkout; tests/runner.rs runs `tfpost completions` and `tfpost man`",
    ),
    (
        "docs/slack.md",
        "cargo run --example slack_message -- fixtures/tf-1.15.5/kitchen-sink.plan.txt > docs/slack-example.json",
        "needs Chromium; it redraws a picture",
    ),
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// README.md and the reference pages of docs/ (the `example-*.md` files there are rendered
/// comments, not documentation with commands).
fn pages() -> Vec<String> {
    let mut pages = vec!["README.md".to_string()];
    let mut docs: Vec<String> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .map(|entry| {
            entry
                .expect("docs/ entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".md") && !name.starts_with("example-"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
}

/// The opening line of every fenced block of a page, with the page's line number and the
/// block's first line.
fn fences(text: &str) -> Vec<(usize, String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    for (i, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let ticks = trimmed.chars().take_while(|c| *c == '`').count();
        if ticks < 3 {
            continue;
        }
        match &open {
            Some(fence) if trimmed.trim_end() == fence => open = None,
            Some(_) => {}
            None => {
                let info = trimmed[ticks..].trim().to_string();
                out.push((
                    i + 1,
                    info,
                    lines.get(i + 1).unwrap_or(&"").trim().to_string(),
                ));
                open = Some("`".repeat(ticks));
            }
        }
    }
    out
}

// One test in this binary: it changes the process environment, which is sound only while no
// other thread reads it.
#[test]
fn every_console_example_in_the_docs_runs_as_shown() {
    check_the_examples_not_run();
    // The examples show what a user sees outside CI: a CI machine's variables (GITHUB_ACTIONS,
    // CIRCLECI, ... and tokens) must not reach them.
    let keep = ["PATH", "HOME", "TMPDIR", "LANG", "LC_ALL"];
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if !keep.contains(&name.as_str())
            && !name.starts_with("CARGO")
            && !name.starts_with("TRYCMD")
        {
            // SAFETY: no other thread of this test binary reads or writes the environment.
            unsafe { std::env::remove_var(&name) };
        }
    }
    let cases = trycmd::TestCases::new();
    cases.register_bin("tfpost", PathBuf::from(env!("CARGO_BIN_EXE_tfpost")));
    let mut examples = 0;
    for page in pages() {
        let text = std::fs::read_to_string(repo().join(&page)).expect("page");
        examples += fences(&text)
            .iter()
            .filter(|(_, info, _)| info == "console")
            .count();
        cases.case(repo().join(&page));
    }
    assert!(
        examples >= 7,
        "the docs' console examples were not found: {examples}"
    );
    cases.run();
}

/// Every `sh` code block is in [`NOT_RUN`], and every entry there is still in the docs.
fn check_the_examples_not_run() {
    let mut unlisted = Vec::new();
    let mut listed_and_found = 0;
    for page in pages() {
        let text = std::fs::read_to_string(repo().join(&page)).expect("page");
        for (line, info, first) in fences(&text) {
            // A block without a language is read as commands by trycmd: give every block one.
            assert!(
                !info.is_empty(),
                "{page}:{line}: a fenced block without a language"
            );
            if !matches!(info.as_str(), "sh" | "bash" | "shell" | "console,ignore") {
                continue;
            }
            if NOT_RUN
                .iter()
                .any(|(p, start, _)| *p == page && first.starts_with(start))
            {
                listed_and_found += 1;
            } else {
                unlisted.push(format!("{page}:{line}: {first}"));
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "examples that are not run: make them ```console examples, or list them in NOT_RUN with the test that covers them:\n{}",
        unlisted.join("\n")
    );
    assert_eq!(
        listed_and_found,
        NOT_RUN.len(),
        "an entry of NOT_RUN names a block that is no longer there"
    );
}
