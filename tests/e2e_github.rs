//! `tfpost plan` end to end against a local fake GitHub, under CircleCI's variables: the runner,
//! the config, CI detection, the renderer and the GitHub notifier together, as a pipeline runs them.

#[path = "support/fake_github.rs"]
mod fake_github;
#[path = "support/graphql_schema.rs"]
mod graphql_schema;
#[path = "support/openapi.rs"]
mod openapi;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use fake_github::FakeGithub;

const TOKEN: &str = "ghp_e2eSECRETtoken0123456789abcdef";
const PR: u64 = 42;

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    )
    .expect("fixture")
}

fn fake() -> FakeGithub {
    let fake = FakeGithub::start();
    fake.add_token(TOKEN, "tfpost-bot", "User");
    fake.add_pull(PR, "open", "abc123", None);
    fake
}

/// `tfpost plan` in a clean environment holding only what CircleCI sets for a PR build.
fn plan(fake: &FakeGithub, dir: &Path, target: &str, extra: &[&str]) -> Command {
    tfpost(fake, dir, "plan", target, extra)
}

/// `tfpost SUBCOMMAND` (plan or apply) under CircleCI's variables for a PR build.
fn tfpost(
    fake: &FakeGithub,
    dir: &Path,
    subcommand: &str,
    target: &str,
    extra: &[&str],
) -> Command {
    let mut cmd = Command::cargo_bin("tfpost").expect("binary");
    cmd.env_clear()
        .current_dir(dir)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CI", "true")
        .env("CIRCLECI", "true")
        .env("CIRCLE_PROJECT_USERNAME", "acme")
        .env("CIRCLE_PROJECT_REPONAME", "infra")
        .env(
            "CIRCLE_PULL_REQUEST",
            format!("https://github.com/acme/infra/pull/{PR}"),
        )
        .env("CIRCLE_SHA1", "abc123")
        .env("CIRCLE_BUILD_URL", "https://circleci.com/gh/acme/infra/7")
        .env("CIRCLE_BRANCH", "feature")
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", fake.api_url())
        .args([subcommand, "--var", &format!("target={target}")])
        .args(extra);
    cmd
}

fn workdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    (dir, path)
}

fn run_ok(mut cmd: Command, input: &[u8]) -> (String, String) {
    let out = cmd.write_stdin(input.to_vec()).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout == input, "the tee is byte for byte");
    assert!(!stderr.contains(TOKEN), "the token never shows");
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

#[test]
fn two_runs_leave_one_current_comment_per_target() {
    let fake = fake();
    let (_keep, dir) = workdir();
    run_ok(
        plan(&fake, &dir, "envs/staging", &[]),
        &fixture("tf-1.15.5/update-in-place.plan.txt"),
    );
    run_ok(
        plan(&fake, &dir, "envs/prod", &[]),
        &fixture("tf-1.15.5/mixed.plan.txt"),
    );
    run_ok(
        plan(&fake, &dir, "envs/prod", &[]),
        &fixture("tf-1.15.5/kitchen-sink.plan.txt"),
    );

    let visible = fake.visible_comments(PR);
    assert_eq!(visible.len(), 2, "one per target: {visible:#?}");
    let prod: Vec<_> = visible
        .iter()
        .filter(|c| c.body.contains("envs/prod"))
        .collect();
    assert_eq!(prod.len(), 1);
    assert!(
        prod[0].body.contains("terraform_data.s_e"),
        "the second plan: {}",
        prod[0].body
    );
    assert!(
        visible.iter().any(|c| c.body.contains("envs/staging")),
        "the other target is untouched"
    );
    assert_eq!(
        fake.comments_of(PR).len(),
        3,
        "the first prod comment is hidden, not deleted"
    );
    assert!(
        fake.labels_of(PR).iter().any(|l| l.contains("destroy")),
        "{:?}",
        fake.labels_of(PR)
    );
}

#[test]
fn patch_from_the_config_updates_the_comment_in_place() {
    let fake = fake();
    let (_keep, dir) = workdir();
    std::fs::write(dir.join("tfpost.yaml"), "github:\n  patch: true\n").expect("config");
    run_ok(
        plan(&fake, &dir, "envs/prod", &[]),
        &fixture("tf-1.15.5/mixed.plan.txt"),
    );
    run_ok(
        plan(&fake, &dir, "envs/prod", &[]),
        &fixture("tf-1.15.5/kitchen-sink.plan.txt"),
    );
    let all = fake.comments_of(PR);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert!(all[0].body.contains("terraform_data.s_e"));
}

#[test]
fn the_same_plan_again_adds_no_comment() {
    let fake = fake();
    let (_keep, dir) = workdir();
    let input = fixture("tf-1.15.5/mixed.plan.txt");
    run_ok(plan(&fake, &dir, "envs/prod", &[]), &input);
    run_ok(plan(&fake, &dir, "envs/prod", &[]), &input);
    assert_eq!(fake.comments_of(PR).len(), 1);
}

#[test]
fn a_refused_post_keeps_the_log_and_the_message_and_fails_the_run() {
    let fake = fake();
    let (_keep, dir) = workdir();
    let input = fixture("tf-1.15.5/mixed.plan.txt");
    let mut cmd = plan(&fake, &dir, "envs/prod", &[]);
    cmd.env("GITHUB_TOKEN", "ghp_revokedTOKEN");
    let out = cmd.write_stdin(input.clone()).output().expect("runs");
    assert!(out.stdout == input, "the raw output reached stdout");
    assert_eq!(
        out.status.code(),
        Some(1),
        "Terraform succeeded, the post did not"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("401"), "{stderr}");
    assert!(
        stderr.contains("not posted"),
        "the message is on stderr: {stderr}"
    );
    assert!(stderr.contains("null_resource.s_new"), "{stderr}");
    assert!(!stderr.contains("ghp_revokedTOKEN"));
    assert!(fake.comments_of(PR).is_empty());

    let mut ignored = plan(&fake, &dir, "envs/prod", &["--ignore-notify-errors"]);
    ignored.env("GITHUB_TOKEN", "ghp_revokedTOKEN");
    ignored.write_stdin(input).assert().code(0);
}

#[test]
fn a_masked_secret_never_reaches_the_comment_the_log_or_stderr() {
    let fake = fake();
    let (_keep, dir) = workdir();
    std::fs::write(dir.join("tfpost.yaml"), "mask:\n  env: [DB_PASSWORD]\n").expect("config");
    // A value the provider does not mark sensitive, printed in clear in a real plan.
    let secret = "s3cr3t-s-1";
    let input = fixture("tf-1.15.5/sensitive-update.plan.txt");
    assert!(String::from_utf8_lossy(&input).contains(secret));
    for wrap in [false, true] {
        let mut cmd = plan(&fake, &dir, "envs/prod", &["-v"]);
        cmd.env("DB_PASSWORD", secret);
        let out = if wrap {
            std::fs::write(dir.join("plan.txt"), &input).expect("input");
            // The secret starts at byte 593: half of it, a pause, the other half (two reads).
            let script = r#"head -c 598 plan.txt; sleep 0.02; tail -c +599 plan.txt; echo "$DB_PASSWORD" >&2"#;
            cmd.args(["--", "sh", "-c", script]).output()
        } else {
            cmd.write_stdin(input.clone()).output()
        }
        .expect("runs");
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert_eq!(
            stdout,
            String::from_utf8_lossy(&input).replace(secret, "***"),
            "wrap {wrap}: only the secret changes in the log"
        );
        assert!(stdout.contains("token = (sensitive value)"));
        assert!(!stderr.contains(secret), "wrap {wrap}: {stderr}");
        assert!(!stderr.contains(TOKEN), "wrap {wrap}: {stderr}");
    }
    assert_eq!(fake.visible_comments(PR).len(), 1);
    for comment in fake.comments_of(PR) {
        assert!(!comment.body.contains(secret), "{}", comment.body);
        assert!(comment.body.contains("***"), "{}", comment.body);
    }
    for request in fake.requests() {
        let body = request.body.map(|b| b.to_string()).unwrap_or_default();
        assert!(
            !body.contains(secret),
            "{} {}: {body}",
            request.method,
            request.path
        );
    }
}

#[test]
fn the_token_is_masked_in_the_log_and_the_comment_without_any_mask_configured() {
    let fake = fake();
    let (_keep, dir) = workdir();
    let mut input = fixture("tf-1.15.5/mixed.plan.txt");
    input.extend_from_slice(format!("\nWarning: GITHUB_TOKEN={TOKEN}\n").as_bytes());
    let out = plan(&fake, &dir, "envs/prod", &[])
        .write_stdin(input.clone())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&input).replace(TOKEN, "***")
    );
    let comments = fake.comments_of(PR);
    assert_eq!(comments.len(), 1);
    assert!(!comments[0].body.contains(TOKEN), "{}", comments[0].body);
}

#[test]
fn a_server_that_never_answers_is_given_up_on_within_the_timeout() {
    let fake = fake();
    let (_keep, dir) = workdir();
    std::fs::write(dir.join("tfpost.yaml"), "github:\n  timeout_seconds: 1\n").expect("config");
    fake.inject("GET", "/comments", fake_github::Fault::Hang, 100);
    let input = fixture("tf-1.15.5/mixed.plan.txt");
    let started = std::time::Instant::now();
    let out = plan(&fake, &dir, "envs/prod", &[])
        .write_stdin(input.clone())
        .output()
        .expect("runs");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(20),
        "gave up in time"
    );
    assert!(out.stdout == input, "the raw output reached stdout");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not posted"), "{stderr}");
    assert!(
        stderr.contains("null_resource.s_new"),
        "the message is on stderr: {stderr}"
    );
    assert!(!stderr.contains(TOKEN));
}

#[test]
fn injected_502s_and_a_secondary_rate_limit_are_retried() {
    let fake = fake();
    let (_keep, dir) = workdir();
    fake.inject("POST", "/comments", fake_github::Fault::Status(502), 1);
    fake.inject(
        "GET",
        "/comments",
        fake_github::Fault::SecondaryRateLimit { retry_after: 1 },
        1,
    );
    run_ok(
        plan(&fake, &dir, "envs/prod", &[]),
        &fixture("tf-1.15.5/mixed.plan.txt"),
    );
    assert_eq!(fake.visible_comments(PR).len(), 1);
}

#[test]
fn an_apply_on_the_merge_commit_comments_on_the_merged_pull_request() {
    let fake = fake();
    fake.add_pull(7, "closed", "f00d", Some("3e4a9c1"));
    let (_keep, dir) = workdir();
    let input = fixture("tf-1.15.5/kitchen-sink.apply.txt");
    let mut apply = tfpost(&fake, &dir, "apply", "envs/prod", &["--notify", "github"]);
    // A push build of main: no pull request in CircleCI's variables, the merge commit's SHA.
    apply
        .env_remove("CIRCLE_PULL_REQUEST")
        .env("CIRCLE_SHA1", "3e4a9c1")
        .env("CIRCLE_BRANCH", "main");
    run_ok(apply, &input);
    let comments = fake.visible_comments(7);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert!(comments[0].body.contains("apply"), "{}", comments[0].body);
    assert!(fake.visible_comments(PR).is_empty());
}

#[test]
fn a_comment_github_creates_while_answering_502_is_posted_once_and_reported_posted() {
    let fake = fake();
    let (_keep, dir) = workdir();
    // Each time: the comment is created, the answer is 502.
    fake.inject(
        "POST",
        "/comments",
        fake_github::Fault::StatusAfterDoing(502),
        4,
    );
    let (_, stderr) = run_ok(
        plan(&fake, &dir, "envs/prod", &[]),
        &fixture("tf-1.15.5/mixed.plan.txt"),
    );
    assert_eq!(fake.comments_of(PR).len(), 1, "exactly one comment");
    assert_eq!(fake.visible_comments(PR).len(), 1);
    assert!(stderr.contains("GitHub: Created"), "{stderr}");
    assert!(!stderr.contains("not posted"), "{stderr}");
}

#[test]
fn the_patch_flag_updates_the_comment_in_place_and_wins_over_the_config() {
    let fake = fake();
    let (_keep, dir) = workdir();
    run_ok(
        plan(&fake, &dir, "envs/prod", &["--patch"]),
        &fixture("tf-1.15.5/mixed.plan.txt"),
    );
    run_ok(
        plan(&fake, &dir, "envs/prod", &["--patch"]),
        &fixture("tf-1.15.5/kitchen-sink.plan.txt"),
    );
    let all = fake.comments_of(PR);
    assert_eq!(all.len(), 1, "edited, not added: {all:#?}");
    assert!(all[0].body.contains("terraform_data.s_e"));

    // The flag wins over the config, either way.
    std::fs::write(dir.join("tfpost.yaml"), "github:\n  patch: true\n").expect("config");
    run_ok(
        plan(&fake, &dir, "envs/prod", &["--patch=false"]),
        &fixture("tf-1.15.5/mixed.plan.txt"),
    );
    assert_eq!(fake.comments_of(PR).len(), 2, "a new comment");
    assert_eq!(fake.visible_comments(PR).len(), 1, "the old one hidden");
    std::fs::write(dir.join("tfpost.yaml"), "github:\n  patch: false\n").expect("config");
    run_ok(
        plan(&fake, &dir, "envs/prod", &["--patch"]),
        &fixture("tf-1.15.5/kitchen-sink.plan.txt"),
    );
    assert_eq!(fake.comments_of(PR).len(), 2, "edited in place");
}

/// A Terraform 1.x plan of `n` created resources, each with a few long attribute lines.
fn big_plan(n: usize) -> Vec<u8> {
    let mut text = String::from("\nTerraform will perform the following actions:\n\n");
    for i in 0..n {
        text.push_str(&format!(
            "  # aws_instance.web_{i:05} will be created\n  + resource \"aws_instance\" \"web_{i:05}\" {{\n      + ami           = \"ami-{i:08x}\"\n      + instance_type = \"t3.micro\"\n      + user_data     = \"{}\"\n    }}\n\n",
            "x".repeat(200)
        ));
    }
    text.push_str(&format!("Plan: {n} to add, 0 to change, 0 to destroy.\n"));
    text.into_bytes()
}

#[test]
fn the_overflow_flag_splits_a_big_plan_and_wins_over_the_config() {
    let input = big_plan(600);
    // Default (and the config's `truncate`): one comment, cut to fit.
    let github = fake();
    let (_keep, dir) = workdir();
    run_ok(plan(&github, &dir, "envs/prod", &[]), &input);
    assert_eq!(github.comments_of(PR).len(), 1);

    let github = fake();
    std::fs::write(dir.join("tfpost.yaml"), "github:\n  overflow: truncate\n").expect("config");
    run_ok(
        plan(&github, &dir, "envs/prod", &["--overflow", "split"]),
        &input,
    );
    let parts = github.visible_comments(PR);
    assert!(parts.len() >= 3, "the whole plan in parts: {}", parts.len());
    for (i, part) in parts.iter().enumerate() {
        assert!(
            part.body
                .contains(&format!("part {} of {}", i + 1, parts.len())),
            "{}",
            part.body
        );
    }
    for i in [0, 299, 599] {
        let address = format!("aws_instance.web_{i:05}");
        assert!(
            parts.iter().any(|p| p.body.contains(&address)),
            "{address} is in a part"
        );
    }

    std::fs::write(dir.join("tfpost.yaml"), "github:\n  overflow: split\n").expect("config");
    let github = fake();
    run_ok(
        plan(&github, &dir, "envs/prod", &["--overflow=truncate"]),
        &input,
    );
    assert_eq!(github.comments_of(PR).len(), 1, "the flag wins");

    let out = plan(&github, &dir, "envs/prod", &["--overflow", "spilt"])
        .write_stdin(input.clone())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("spilt") && stderr.contains("split"),
        "{stderr}"
    );
}

#[test]
fn configured_label_descriptions_reach_github() {
    let fake = fake();
    let (_keep, dir) = workdir();
    std::fs::write(
        dir.join("tfpost.yaml"),
        "github:\n  labels:\n    destroy: {name: prod/destroy, color: d93f0b, description: Destroys something in prod}\n",
    )
    .expect("config");
    run_ok(
        plan(&fake, &dir, "envs/prod", &[]),
        &fixture("tf-1.15.5/mixed.plan.txt"),
    );
    assert_eq!(fake.labels_of(PR), vec!["prod/destroy".to_string()]);
    let labels = fake.lock().repo_labels.clone();
    assert_eq!(
        labels.get("prod/destroy"),
        Some(&(
            "d93f0b".to_string(),
            "Destroys something in prod".to_string()
        ))
    );

    // A label that already has the colour gets the new description too.
    std::fs::write(
        dir.join("tfpost.yaml"),
        "github:\n  labels:\n    destroy: {name: prod/destroy, color: d93f0b, description: Look before merging}\n",
    )
    .expect("config");
    run_ok(
        plan(&fake, &dir, "envs/prod", &[]),
        &fixture("tf-1.15.5/kitchen-sink.plan.txt"),
    );
    let labels = fake.lock().repo_labels.clone();
    assert_eq!(labels["prod/destroy"].1, "Look before merging");
    openapi::assert_all_documented(&fake.requests());
}
