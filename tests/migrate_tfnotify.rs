//! A team switching from tfnotify: its configs run through the binary against a local fake
//! GitHub, and the posted comment checked against what tfnotify's templates print. The
//! configs follow tfnotify's README (https://github.com/mercari/tfnotify/blob/master/README.md).

#[path = "support/circleci.rs"]
mod circleci;
#[path = "support/fake_github.rs"]
mod fake_github;

use std::path::Path;

use assert_cmd::Command;
use fake_github::FakeGithub;

const TOKEN: &str = "ghp_tfnotifySECRETtoken0123456789ab";
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

fn fake() -> FakeGithub {
    let fake = FakeGithub::start();
    fake.add_token(TOKEN, "tfpost-bot", "User");
    fake.add_pull(PR, "open", "abc123", None);
    fake
}

/// `tfpost plan` with `config` as tfnotify.yaml, under CircleCI's variables for a PR build.
fn plan(fake: &FakeGithub, config: &str, input: &[u8], extra: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tfnotify.yaml"), config).unwrap();
    let mut cmd = Command::cargo_bin("tfpost").unwrap();
    let out = circleci::pull_request_build(&mut cmd, PR, "abc123", BUILD_URL)
        .current_dir(dir.path())
        .env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", fake.api_url())
        .arg("plan")
        .args(extra)
        .write_stdin(input.to_vec())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(out.stdout, input, "the tee is byte for byte");
    let visible = fake.visible_comments(PR);
    assert_eq!(visible.len(), 1, "{visible:#?}\n{stderr}");
    let body = &visible[0].body;
    // Without the hidden metadata line tfpost puts first.
    match body.split_once('\n') {
        Some((first, rest)) if first.starts_with("<!-- tfpost:") => rest.to_string(),
        _ => body.clone(),
    }
}

/// The README's GitHub example with a destroy warning.
const WITH_DESTROY: &str = r#"# after https://github.com/mercari/tfnotify/blob/master/README.md (GitHub, when_destroy)
ci: circleci
notifier:
  github:
    token: $GITHUB_TOKEN
    repository:
      owner: "acme"
      name: "infra"
terraform:
  plan:
    template: |
      {{ .Title }} <sup>[CI link]( {{ .Link }} )</sup>
      {{ .Message }}
      {{if .Result}}
      <pre><code>{{ .Result }}
      </pre></code>
      {{end}}
      <details><summary>Details (Click me)</summary>

      <pre><code>{{ .Body }}
      </pre></code></details>
    when_destroy:
      template: |
        ## :warning: WARNING: Resource Deletion will happen :warning:

        This plan contains **resource deletion**. Please check the plan result very carefully!
"#;

#[test]
fn the_destroy_warning_comes_with_the_plan_comment_not_instead_of_it() {
    let github = fake();
    let body = plan(
        &github,
        WITH_DESTROY,
        &fixture("tf-1.15.5/destroy-plan.plan.txt"),
        &[],
    );
    let warning = "## :warning: WARNING: Resource Deletion will happen :warning:\n\nThis plan contains **resource deletion**. Please check the plan result very carefully!\n";
    let plan_part = format!(
        "## Plan result <sup>[CI link]( {BUILD_URL} )</sup>\n\n\n<pre><code>Plan: 0 to add, 0 to change, 3 to destroy.\n</pre></code>\n\n<details><summary>Details (Click me)</summary>"
    );
    assert!(body.starts_with(warning), "{body}");
    let at = body.find(&plan_part).unwrap_or_else(|| panic!("{body}"));
    assert!(at > warning.len() - 1);

    let github = fake();
    let body = plan(
        &github,
        WITH_DESTROY,
        &fixture("tf-1.15.5/create-count.plan.txt"),
        &[],
    );
    assert!(body.starts_with("## Plan result <sup>"), "{body}");
    assert!(!body.contains("Resource Deletion"), "{body}");
}

#[test]
fn raw_output_prints_an_unset_message_as_nothing_and_the_default_title() {
    // after the README's `use_raw_output` example
    let config = r#"ci: circleci
notifier:
  github:
    token: $GITHUB_TOKEN
    repository:
      owner: "acme"
      name: "infra"
terraform:
  use_raw_output: true
  plan:
    template: |
      [{{ .Title }}][{{ .Message }}]
      {{ .Result }}
"#;
    let github = fake();
    let body = plan(
        &github,
        config,
        &fixture("tf-1.15.5/create-count.plan.txt"),
        &[],
    );
    assert!(
        body.starts_with("[## Plan result][]\nPlan: 3 to add, 0 to change, 0 to destroy.\n"),
        "{body}"
    );
    assert!(!body.to_lowercase().contains("none"), "{body}");
    // `--title` / `--message` (tfnotify's `-title` / `-message`) fill them.
    let github = fake();
    let body = plan(
        &github,
        config,
        &fixture("tf-1.15.5/create-count.plan.txt"),
        &["--title", "## prod", "--message", "by CI"],
    );
    assert!(body.starts_with("[## prod][by CI]\n"), "{body}");
}

#[test]
fn every_key_of_a_tfnotify_config_is_used_or_named() {
    let config = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/migrate/tfnotify-every-key.yaml"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tfnotify.yaml"), &config).unwrap();
    let out = Command::cargo_bin("tfpost")
        .unwrap()
        .env_clear()
        .current_dir(dir.path())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // Named by the pipeline, so trusted with `ci:` and the GitLab project.
        .args(["config", "show", "--config", "tfnotify.yaml"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // `ci: gitlabci` is GitLab CI; `notifier.gitlab` is the GitLab section.
    assert!(stdout.contains("platform: gitlab_ci"), "{stdout}");
    assert!(stdout.contains("project: acme/infra"), "{stdout}");
    assert!(
        stdout.contains("api_url: https://gitlab.example.com/api/v4"),
        "{stdout}"
    );
    // What tfpost does not use is named with its line.
    for (line, key) in [
        (21, "`notifier.slack.bot` is not used"),
        (22, "`notifier.typetalk` is not used"),
        (26, "`ghe_graphql_endpoint` is not used"),
        (42, "`terraform.plan.ignore_warning` is not used"),
        (34, "`terraform.fmt` is not used"),
    ] {
        assert!(
            stderr.contains(&format!("tfnotify.yaml:{line}: {key}")),
            "{stderr}"
        );
    }
}
