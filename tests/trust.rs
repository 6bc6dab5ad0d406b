//! The trust boundary, through the binary against local fake GitHubs: a config found in the
//! checkout (which a pull request's author writes) may change how the comment looks, never where
//! the token goes, which token is sent, where the comment goes, which comment a run replaces, or
//! which variables reach the comment; the same keys from a config the pipeline names work. And
//! tfpost's own comments are the ones its token's login wrote, never any bot's carrying its
//! marker.

#[path = "support/circleci.rs"]
mod circleci;
#[path = "support/fake_github.rs"]
mod fake_github;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use fake_github::FakeGithub;

const TOKEN: &str = "ghp_trustSECRETtoken0123456789abcdef";
/// A variable of the job that is not tfpost's business.
const AWS_SECRET: &str = "wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY";
const PR: u64 = 42;
const OTHER_PR: u64 = 41;

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
    fake.add_pull(OTHER_PR, "open", "def456", None);
    fake
}

/// A checkout: a repository root (it holds `.git`) with the given files.
fn checkout(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().to_path_buf();
    std::fs::create_dir(root.join(".git")).expect(".git");
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
        std::fs::write(path, text).expect("file");
    }
    (dir, root)
}

/// `tfpost plan` in `dir` under CircleCI's variables for a build of PR 42, with the job's other
/// variables (an AWS secret among them).
fn plan(fake: &FakeGithub, dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tfpost").expect("binary");
    circleci::pull_request_build(
        &mut cmd,
        PR,
        "abc123",
        "https://circleci.com/gh/acme/infra/7",
    )
    .current_dir(dir)
    .env("GITHUB_TOKEN", TOKEN)
    .env("GITHUB_API_URL", fake.api_url())
    .env("AWS_SECRET_ACCESS_KEY", AWS_SECRET)
    .arg("plan");
    cmd
}

/// Runs it on a plan; it must succeed. Returns stderr.
fn run_ok(mut cmd: Command, input: &[u8]) -> String {
    let out = cmd.write_stdin(input.to_vec()).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(out.stdout, input, "the tee is byte for byte");
    stderr
}

fn update_plan() -> Vec<u8> {
    fixture("tf-1.15.5/update-in-place.plan.txt")
}

#[test]
fn a_found_config_cannot_send_the_token_to_another_api() {
    let real = fake();
    let other = fake();
    for (name, text) in [
        (
            "tfpost.yaml",
            format!(
                "title: Looks fine\ngithub:\n  api_url: {}\n",
                other.api_url()
            ),
        ),
        // tfcmt's key for the same thing.
        (
            "tfcmt.yaml",
            format!(
                "ghe_base_url: http://127.0.0.1:{}/\nterraform:\n  plan:\n    template: x\n",
                other.port
            ),
        ),
    ] {
        let (_keep, root) = checkout(&[(name, &text)]);
        let stderr = run_ok(plan(&real, &root), &update_plan());
        assert!(
            other.requests().is_empty(),
            "{name}: {:#?}",
            other.requests()
        );
        assert!(
            stderr.contains(&format!("{name}:")) && stderr.contains("github.api_url"),
            "{name}: the refusal names the file, the line and the key: {stderr}"
        );
        let line = if name == "tfpost.yaml" { 3 } else { 1 };
        assert!(
            stderr.contains(&format!("{name}:{line}:")),
            "{name}: {stderr}"
        );
    }
    assert_eq!(real.comments_of(PR).len(), 2, "the real API got the posts");
    assert!(
        real.comments_of(PR)[0].body.contains("Looks fine"),
        "presentation from a found config is kept"
    );

    // Named by the pipeline, the same key is honoured.
    let (_keep, root) = checkout(&[]);
    let trusted = root.join("..").join("trusted-tfpost.yaml");
    std::fs::write(
        &trusted,
        format!("github:\n  api_url: {}\n", other.api_url()),
    )
    .expect("write");
    let mut cmd = plan(&real, &root);
    cmd.env("TFPOST_CONFIG", &trusted);
    run_ok(cmd, &update_plan());
    std::fs::remove_file(&trusted).expect("remove");
    assert_eq!(other.visible_comments(PR).len(), 1);
    assert!(
        other
            .requests()
            .iter()
            .all(|r| r.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))),
        "{:#?}",
        other.requests()
    );
}

#[test]
fn a_found_config_sends_only_a_documented_token_variable() {
    let fake = fake();
    fake.add_token(AWS_SECRET, "aws-ci-user", "User");
    let (_keep, root) = checkout(&[("tfpost.yaml", "github:\n  token: $AWS_SECRET_ACCESS_KEY\n")]);
    let stderr = run_ok(plan(&fake, &root), &update_plan());
    assert!(
        stderr.contains("tfpost.yaml:2:") && stderr.contains("AWS_SECRET_ACCESS_KEY"),
        "{stderr}"
    );
    assert!(!stderr.contains(AWS_SECRET));
    let sent: Vec<Option<String>> = fake
        .requests()
        .into_iter()
        .map(|r| r.authorization)
        .collect();
    assert!(!sent.is_empty());
    assert!(
        sent.iter()
            .all(|a| a.as_deref() == Some(&format!("Bearer {TOKEN}"))),
        "only the pipeline's token is sent: {sent:?}"
    );
    assert_eq!(fake.visible_comments(PR)[0].author, "tfpost-bot");

    // tfnotify's `token: $GITHUB_TOKEN` keeps working, without a word.
    let fake = self::fake();
    let (_keep, root) = checkout(&[(
        "tfnotify.yaml",
        "ci: circleci\nnotifier:\n  github:\n    token: $GITHUB_TOKEN\n    repository:\n      owner: acme\n      name: infra\n",
    )]);
    let stderr = run_ok(plan(&fake, &root), &update_plan());
    assert!(!stderr.contains("token"), "{stderr}");
    assert_eq!(fake.visible_comments(PR).len(), 1);

    // Named by the pipeline, any variable may hold the token.
    let fake = self::fake();
    fake.add_token(AWS_SECRET, "aws-ci-user", "User");
    let (_keep, root) = checkout(&[(
        "ci/tfpost.yaml",
        "github:\n  token: $AWS_SECRET_ACCESS_KEY\n",
    )]);
    let mut cmd = plan(&fake, &root);
    cmd.args(["--config", "ci/tfpost.yaml"]);
    run_ok(cmd, &update_plan());
    assert_eq!(fake.visible_comments(PR)[0].author, "aws-ci-user");
}

#[test]
fn a_found_config_puts_only_allowed_variables_into_the_comment() {
    let fake = fake();
    let config = "title: \"Plan ${AWS_SECRET_ACCESS_KEY} for ${TF_ENV:-somewhere}\"\nmessage: \"$CIRCLE_BUILD_URL\"\n";
    let (_keep, root) = checkout(&[("tfpost.yaml", config)]);
    let mut cmd = plan(&fake, &root);
    cmd.env("TF_ENV", "prod");
    let stderr = run_ok(cmd, &update_plan());
    let body = &fake.visible_comments(PR)[0].body;
    assert!(!body.contains(AWS_SECRET), "{body}");
    assert!(
        body.contains("Plan  for somewhere"),
        "refused variables read as unset: {body}"
    );
    assert!(
        body.contains("https://circleci.com/gh/acme/infra/7"),
        "CI's own variables expand: {body}"
    );
    for name in ["AWS_SECRET_ACCESS_KEY", "TF_ENV"] {
        assert!(
            stderr.contains(&format!(
                "tfpost.yaml:1: `title`: `${name}` is not expanded"
            )),
            "{stderr}"
        );
    }

    // The pipeline allows TF_ENV.
    let fake = self::fake();
    let mut cmd = plan(&fake, &root);
    cmd.env("TF_ENV", "prod").env("TFPOST_ALLOW_ENV", "TF_ENV");
    let stderr = run_ok(cmd, &update_plan());
    assert!(fake.visible_comments(PR)[0].body.contains("Plan  for prod"));
    assert!(!stderr.contains("TF_ENV"), "{stderr}");

    // Named by the pipeline, every variable expands.
    let fake = self::fake();
    let mut cmd = plan(&fake, &root);
    cmd.args(["--config", "tfpost.yaml"]);
    run_ok(cmd, &update_plan());
    assert!(
        fake.visible_comments(PR)[0]
            .body
            .contains(&format!("Plan {AWS_SECRET} for")),
        "the pipeline chose to post it"
    );
}

#[test]
fn a_found_config_cannot_move_the_comment_to_another_pull_request() {
    let fake = fake();
    let (_keep, root) = checkout(&[("tfpost.yaml", "ci:\n  owner: acme\n  pr: 41\n")]);
    let stderr = run_ok(plan(&fake, &root), &update_plan());
    assert!(fake.comments_of(OTHER_PR).is_empty());
    assert_eq!(fake.visible_comments(PR).len(), 1);
    assert!(
        stderr.contains("tfpost.yaml:3: `ci.pr` is not read from a config found in the checkout"),
        "{stderr}"
    );
    assert!(stderr.contains("tfpost.yaml:2: `ci.owner`"), "{stderr}");

    let mut cmd = plan(&fake, &root);
    cmd.env("TFPOST_CONFIG", root.join("tfpost.yaml"));
    run_ok(cmd, &update_plan());
    assert_eq!(fake.visible_comments(OTHER_PR).len(), 1);
}

#[test]
fn a_nested_config_cannot_take_over_another_roots_comment() {
    let fake = fake();
    let (_keep, root) = checkout(&[
        ("envs/prod/main.tf", ""),
        (
            "envs/dev/tfpost.yaml",
            "vars:\n  target: envs/prod\n  team: dev\n",
        ),
    ]);
    run_ok(
        plan(&fake, &root.join("envs/prod")),
        &fixture("tf-1.15.5/destroy-plan.plan.txt"),
    );
    let stderr = run_ok(plan(&fake, &root.join("envs/dev")), &update_plan());
    assert!(
        stderr.contains("tfpost.yaml:2: `vars.target` is not read"),
        "{stderr}"
    );
    let visible = fake.visible_comments(PR);
    assert_eq!(visible.len(), 2, "{visible:#?}");
    let prod: Vec<_> = visible
        .iter()
        .filter(|c| c.body.contains("\"target\":\"envs/prod\""))
        .collect();
    assert_eq!(prod.len(), 1, "{visible:#?}");
    assert!(
        prod[0].body.contains("destroy"),
        "envs/prod's comment is still the destroying plan: {}",
        prod[0].body
    );
    assert!(
        visible
            .iter()
            .any(|c| c.body.contains("\"target\":\"envs/dev\""))
    );

    // The pipeline may still say it (a flag, or a named config).
    let mut cmd = plan(&fake, &root.join("envs/dev"));
    cmd.args(["--config", "tfpost.yaml"]);
    run_ok(cmd, &update_plan());
    let prod: Vec<_> = fake
        .visible_comments(PR)
        .into_iter()
        .filter(|c| c.body.contains("\"target\":\"envs/prod\""))
        .collect();
    assert_eq!(prod.len(), 1);
    assert!(prod[0].body.contains("update"), "{}", prod[0].body);
}

#[test]
fn a_nested_config_keeps_the_masks_of_the_one_above_it() {
    let fake = fake();
    let secret = "s3cr3t-db-password-42";
    let (_keep, root) = checkout(&[
        ("tfpost.yaml", "mask:\n  env: [DB_PASSWORD]\n"),
        (
            "envs/dev/tfpost.yaml",
            "title: Dev plan\nmask:\n  patterns: ['AKIA[0-9A-Z]{16}']\n",
        ),
    ]);
    let mut input = update_plan();
    input.extend_from_slice(
        format!("\nWarning: password is {secret}, key AKIAABCDEFGHIJKLMNOP\n").as_bytes(),
    );
    let mut cmd = plan(&fake, &root.join("envs/dev"));
    cmd.env("DB_PASSWORD", secret);
    let out = cmd.write_stdin(input).output().expect("runs");
    let log = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        !log.contains(secret),
        "the root's mask holds in the log: {log}"
    );
    assert!(
        !log.contains("AKIAABCDEFGHIJKLMNOP"),
        "and the nested one's"
    );
    let body = &fake.visible_comments(PR)[0].body;
    assert!(body.contains("Dev plan"), "{body}");
    assert!(!body.contains(secret), "{body}");
}

/// `tfpost plan` under GitHub Actions for PR 42 with the job's `GITHUB_TOKEN`, an installation
/// token for which GitHub refuses `GET /user`.
fn actions_plan(fake: &FakeGithub, dir: &Path, token: &str) -> Command {
    let mut cmd = Command::cargo_bin("tfpost").expect("binary");
    cmd.env_clear()
        .current_dir(dir)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CI", "true")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_REPOSITORY", "acme/infra")
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_REF", format!("refs/pull/{PR}/merge"))
        .env("GITHUB_SHA", "abc123")
        .env("GITHUB_TOKEN", token)
        .env("GITHUB_API_URL", fake.api_url())
        .args(["plan", "--var", "target=envs/prod"]);
    cmd
}

fn forged_marker(fake: &FakeGithub) -> u64 {
    fake.seed_comment(
        PR,
        "renovate[bot]",
        "Bot",
        "<!-- tfpost:v1 {\"target\":\"envs/prod\",\"kind\":\"plan\",\"sha\":\"abc123\",\"hash\":\"x\",\"run\":\"r\",\"part\":1,\"parts\":1,\"state\":\"no_changes\"} -->\n## Plan: no changes",
    )
}

fn untouched(fake: &FakeGithub, id: u64) {
    let forged = fake
        .comments_of(PR)
        .into_iter()
        .find(|c| c.id == id)
        .expect("still there");
    assert!(forged.minimized.is_none(), "not hidden: {forged:#?}");
    assert!(forged.body.ends_with("## Plan: no changes"), "not edited");
    assert!(
        !fake
            .requests()
            .iter()
            .any(|r| r.path.ends_with(&format!("/comments/{id}"))),
        "never written to"
    );
}

#[test]
fn another_bots_comment_with_a_forged_marker_is_never_taken_as_tfposts() {
    let app_token = "ghs_installationTOKEN0123456789";
    let fake = fake();
    fake.add_token(app_token, "github-actions[bot]", "Bot");
    let forged = forged_marker(&fake);
    let (_keep, root) = checkout(&[]);
    // Under Actions with its own token: tfpost's comments are github-actions[bot]'s.
    let patch = root.join("..").join("patch.yaml");
    std::fs::write(&patch, "github:\n  patch: true\n").expect("write");
    for _ in 0..2 {
        let mut cmd = actions_plan(&fake, &root, app_token);
        cmd.arg("--config").arg(&patch);
        let stderr = run_ok(cmd, &fixture("tf-1.15.5/mixed.plan.txt"));
        assert!(!stderr.contains("cannot tell"), "{stderr}");
        run_ok(actions_plan(&fake, &root, app_token), &update_plan());
    }
    std::fs::remove_file(&patch).expect("remove");
    untouched(&fake, forged);
    let visible = fake.visible_comments(PR);
    let ours: Vec<_> = visible
        .iter()
        .filter(|c| c.author == "github-actions[bot]")
        .collect();
    assert_eq!(
        ours.len(),
        1,
        "tfpost's own older comments are hidden: {visible:#?}"
    );
    assert!(
        fake.requests().iter().any(|r| r.method == "PATCH"),
        "patch edits its own"
    );

    // Another App's installation token outside Actions: the login is unknown, so nothing is
    // hidden or edited, and stderr says why.
    let fake = self::fake();
    fake.add_token(app_token, "my-app[bot]", "Bot");
    let forged = forged_marker(&fake);
    let mut cmd = plan(&fake, &root);
    cmd.env("GITHUB_TOKEN", app_token);
    let stderr = run_ok(cmd, &update_plan());
    assert!(
        stderr.contains("cannot tell which account the token belongs to")
            && stderr.contains("github.login"),
        "{stderr}"
    );
    untouched(&fake, forged);
    assert_eq!(fake.visible_comments(PR).len(), 2);

    // `github.login` in a named config says it.
    let (_keep, root) = checkout(&[("ci/tfpost.yaml", "github:\n  login: my-app[bot]\n")]);
    for _ in 0..2 {
        let mut cmd = plan(&fake, &root);
        cmd.env("GITHUB_TOKEN", app_token)
            .args(["--config", "ci/tfpost.yaml"]);
        let stderr = run_ok(cmd, &fixture("tf-1.15.5/mixed.plan.txt"));
        assert!(!stderr.contains("cannot tell"), "{stderr}");
    }
    untouched(&fake, forged);
    let mine: Vec<_> = fake
        .visible_comments(PR)
        .into_iter()
        .filter(|c| c.author == "my-app[bot]")
        .collect();
    assert_eq!(mine.len(), 1, "{mine:#?}");

    // ... but a found one cannot claim another account's comments.
    let (_keep, root) = checkout(&[("tfpost.yaml", "github:\n  login: renovate[bot]\n")]);
    let mut cmd = plan(&fake, &root);
    cmd.env("GITHUB_TOKEN", app_token);
    let stderr = run_ok(cmd, &update_plan());
    assert!(
        stderr.contains("tfpost.yaml:2: `github.login` is not read"),
        "{stderr}"
    );
    untouched(&fake, forged);
}

#[test]
fn the_summary_counts_only_comments_by_tfposts_own_login() {
    let app_token = "ghs_installationTOKEN0123456789";
    let fake = fake();
    fake.add_token(app_token, "my-app[bot]", "Bot");
    // A forged "envs/prod destroys nothing" row.
    forged_marker(&fake);
    let (_keep, root) = checkout(&[]);
    let out = Command::cargo_bin("tfpost")
        .expect("binary")
        .env_clear()
        .current_dir(&root)
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
        .env("GITHUB_TOKEN", app_token)
        .env("GITHUB_API_URL", fake.api_url())
        .args(["summary", "--dry-run"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stdout.contains("envs/prod"), "{stdout}\n{stderr}");
    assert!(stderr.contains("cannot tell which account"), "{stderr}");
}
