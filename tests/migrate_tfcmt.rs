//! A team switching from tfcmt: its configs and pipeline variables, run through the binary
//! against a local fake GitHub, and the posted comment checked against what tfcmt's template
//! prints. The configs follow tfcmt's documentation; each names the page.

#[path = "support/circleci.rs"]
mod circleci;
#[path = "support/fake_github.rs"]
mod fake_github;

use std::path::Path;

use assert_cmd::Command;
use fake_github::FakeGithub;

const TOKEN: &str = "ghp_migrateSECRETtoken0123456789abcd";
const PR: u64 = 42;
const BUILD_URL: &str = "https://circleci.com/gh/acme/infra/7";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    )
    .expect("fixture")
}

fn data(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/migrate")
            .join(name),
    )
    .expect("test data")
}

fn fake(enterprise: bool) -> FakeGithub {
    let fake = if enterprise {
        FakeGithub::start_enterprise()
    } else {
        FakeGithub::start()
    };
    fake.add_token(TOKEN, "tfpost-bot", "User");
    fake.add_pull(PR, "open", "abc123", None);
    fake
}

/// `tfpost SUBCOMMAND` in `dir` under CircleCI's variables for a PR build, with no token
/// variable but the one given in `env`.
fn tfpost(fake: &FakeGithub, dir: &Path, subcommand: &str, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::cargo_bin("tfpost").expect("binary");
    circleci::pull_request_build(&mut cmd, PR, "abc123", BUILD_URL)
        .current_dir(dir)
        .env("GITHUB_API_URL", fake.api_url())
        .args([subcommand]);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run(mut cmd: Command, input: &[u8]) -> (Vec<u8>, String) {
    let out = cmd.write_stdin(input.to_vec()).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains(TOKEN), "the token never shows");
    (out.stdout, stderr)
}

/// The one visible comment, without the hidden metadata line tfpost puts first.
fn comment(fake: &FakeGithub) -> String {
    let visible = fake.visible_comments(PR);
    assert_eq!(visible.len(), 1, "{visible:#?}");
    let body = &visible[0].body;
    match body.split_once('\n') {
        Some((first, rest)) if first.starts_with("<!-- tfpost:") => rest.to_string(),
        _ => body.clone(),
    }
}

/// tfcmt's default plan template, as its configuration page prints it.
const TFCMT_DEFAULT_PLAN: &str = r#"# after https://suzuki-shunsuke.github.io/tfcmt/config ("Default Configuration")
terraform:
  plan:
    template: |
      {{template "plan_title" .}}

      {{if .Link}}[CI link]({{.Link}}){{end}}

      {{template "deletion_warning" .}}
      {{template "result" .}}
      {{template "updated_resources" .}}

      {{template "changed_result" .}}
      {{template "change_outside_terraform" .}}
      {{template "warning" .}}
      {{template "error_messages" .}}
"#;

#[test]
fn the_default_template_warns_of_deletion_only_when_something_is_destroyed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tfcmt.yaml"), TFCMT_DEFAULT_PLAN).unwrap();
    let env = [("GITHUB_TOKEN", TOKEN)];

    let add_only = fake(false);
    run(
        tfpost(&add_only, dir.path(), "plan", &env),
        &fixture("tf-1.15.5/create-count.plan.txt"),
    );
    let body = comment(&add_only);
    // What tfcmt prints for this plan, line for line (its blank lines included).
    let expected = format!(
        "## Plan Result\n\n[CI link]({BUILD_URL})\n\n\n<pre><code>Plan: 3 to add, 0 to change, 0 to destroy.</code></pre>\n\n* Create\n  * null_resource.s_web[0]\n  * null_resource.s_web[1]\n  * null_resource.s_web[2]\n"
    );
    assert!(body.starts_with(&expected), "{body}");
    assert!(!body.contains("Resource Deletion"), "{body}");

    let destroys = fake(false);
    run(
        tfpost(&destroys, dir.path(), "plan", &env),
        &fixture("tf-1.15.5/destroy-plan.plan.txt"),
    );
    let body = comment(&destroys);
    assert!(
        body.contains(&format!("[CI link]({BUILD_URL})\n\n\n### :warning: Resource Deletion will happen :warning:\nThis plan contains resource delete operation. Please check the plan result very carefully!\n\n<pre><code>Plan: 0 to add, 0 to change, 3 to destroy.</code></pre>")),
        "{body}"
    );
}

#[test]
fn tfcmt_masks_hide_values_in_the_log_and_the_comment() {
    // after https://suzuki-shunsuke.github.io/tfcmt/mask-secrets
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tfcmt.yaml"),
        TFCMT_DEFAULT_PLAN.replace(
            "{{template \"updated_resources\" .}}",
            "{{template \"updated_resources\" .}}\n      <details>{{wrapCode .CombinedOutput}}</details>",
        ),
    )
    .unwrap();
    let plan = String::from_utf8(fixture("tf-1.15.5/create-count.plan.txt"))
        .unwrap()
        .replace("small", "dd-api-key-0123");
    for (masks, separator) in [
        ("env:DD_API_KEY,regexp:s-web-[0-9]", None),
        ("env:DD_API_KEY/regexp:s-web-[0-9]", Some("/")),
    ] {
        let github = fake(false);
        let mut env = vec![
            ("GITHUB_TOKEN", TOKEN),
            ("DD_API_KEY", "dd-api-key-0123"),
            ("TFCMT_MASKS", masks),
        ];
        if let Some(separator) = separator {
            env.push(("TFCMT_MASKS_SEPARATOR", separator));
        }
        let (stdout, _) = run(tfpost(&github, dir.path(), "plan", &env), plan.as_bytes());
        let log = String::from_utf8(stdout).unwrap();
        let body = comment(&github);
        for text in [&log, &body] {
            assert!(!text.contains("dd-api-key-0123"), "{text}");
            assert!(!text.contains("s-web-1"), "{text}");
            assert!(text.contains("\"size\" = \"***\""), "{text}");
        }
        assert!(log.contains("\"name\" = \"***\""), "{log}");
    }
}

#[test]
fn a_wrong_tfcmt_mask_is_named_and_nothing_is_posted() {
    let dir = tempfile::tempdir().unwrap();
    let github = fake(false);
    let out = tfpost(
        &github,
        dir.path(),
        "plan",
        &[("GITHUB_TOKEN", TOKEN), ("TFCMT_MASKS", "regexp:(unclosed")],
    )
    .write_stdin(fixture("tf-1.15.5/create-count.plan.txt"))
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("TFCMT_MASKS item 1 (`regexp:***`): not a regular expression"),
        "{stderr}"
    );
    assert!(github.visible_comments(PR).is_empty());
    assert_eq!(
        out.stdout,
        fixture("tf-1.15.5/create-count.plan.txt"),
        "the log is kept"
    );
}

#[test]
fn tfcmt_variables_give_the_token_and_the_pull_request() {
    // after https://suzuki-shunsuke.github.io/tfcmt/usage: TFCMT_GITHUB_TOKEN, TFCMT_REPO_OWNER,
    // TFCMT_REPO_NAME, TFCMT_SHA, TFCMT_PR_NUMBER, outside any CI platform tfpost knows.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tfcmt.yaml"), TFCMT_DEFAULT_PLAN).unwrap();
    let github = fake(false);
    let mut cmd = Command::cargo_bin("tfpost").unwrap();
    cmd.env_clear()
        .current_dir(dir.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CI", "true")
        .env("GITHUB_API_URL", github.api_url())
        .env("TFCMT_GITHUB_TOKEN", TOKEN)
        .env("TFCMT_REPO_OWNER", "acme")
        .env("TFCMT_REPO_NAME", "infra")
        .env("TFCMT_SHA", "abc123")
        .env("TFCMT_PR_NUMBER", PR.to_string())
        .arg("plan");
    let (stdout, _) = run(cmd, &fixture("tf-1.15.5/create-count.plan.txt"));
    assert_eq!(stdout, fixture("tf-1.15.5/create-count.plan.txt"));
    assert!(comment(&github).starts_with("## Plan Result\n"));
    assert!(
        github
            .requests()
            .iter()
            .all(|r| r.authorization.as_deref().is_none_or(|a| a.contains(TOKEN))),
        "every call carries TFCMT_GITHUB_TOKEN"
    );
}

#[test]
fn every_key_of_a_tfcmt_config_on_github_enterprise() {
    let github = fake(true);
    let base = github.api_url().trim_end_matches("/api/v3").to_string();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tfcmt.yaml"), data("tfcmt-every-key.yaml")).unwrap();
    let env = [("GITHUB_TOKEN", TOKEN), ("GHE_URL", base.as_str())];
    let mut cmd = tfpost(&github, dir.path(), "plan", &env);
    cmd.args(["--var", "target=envs/prod", "--var", "team=platform"]);
    let (_, stderr) = run(cmd, &fixture("tf-1.15.5/destroy-plan.plan.txt"));
    // The keys tfpost does not use are named with their line.
    for (line, key) in [(11, "ghe_graphql_endpoint"), (14, "log")] {
        assert!(
            stderr.contains(&format!("tfcmt.yaml:{line}: `{key}`")),
            "{stderr}"
        );
    }
    let body = comment(&github);
    // `when_destroy.template` is the comment of a plan that destroys; the config's own
    // `plan_title` replaces tfcmt's; `use_raw_output` leaves values unescaped.
    assert!(
        body.starts_with("## Plan of platform (envs/prod)\n\n:bomb: \n### :warning: Resource Deletion will happen :warning:\n"),
        "{body}"
    );
    assert!(
        body.contains("<pre><code>Plan: 0 to add, 0 to change, 3 to destroy.</code></pre>"),
        "{body}"
    );
    // `disable_label: true`: no label.
    assert!(
        github.labels_of(PR).is_empty(),
        "{:?}",
        github.labels_of(PR)
    );
    // `embedded_var_names`: the target and team are in the comment's metadata.
    assert!(body.contains("platform"), "{body}");
}

#[test]
fn apply_when_no_changes_disable_comment_posts_nothing_for_an_unchanged_apply() {
    // after https://suzuki-shunsuke.github.io/tfcmt/skip-no-changes
    let config = "terraform:\n  apply:\n    when_no_changes:\n      disable_comment: true\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tfcmt.yaml"), config).unwrap();
    let env = [("GITHUB_TOKEN", TOKEN)];
    let unchanged = b"\nApply complete! Resources: 0 added, 0 changed, 0 destroyed.\n";
    let github = fake(false);
    let (_, stderr) = run(tfpost(&github, dir.path(), "apply", &env), unchanged);
    assert!(github.comments_of(PR).is_empty(), "{stderr}");
    // An apply that changed something is still posted, and so is a plan without changes.
    run(
        tfpost(&github, dir.path(), "apply", &env),
        &fixture("tf-1.15.5/create-count.apply.txt"),
    );
    assert_eq!(github.comments_of(PR).len(), 1);
    let plan_only = fake(false);
    run(
        tfpost(&plan_only, dir.path(), "plan", &env),
        &fixture("tf-1.15.5/no-changes.plan.txt"),
    );
    assert_eq!(plan_only.comments_of(PR).len(), 1);
}
