//! A monorepo pull request end to end against the local fake GitHub: 70 roots planned 8 at a time
//! (real saved plans from `fixtures/`, one root in wrap mode with `terraform -chdir=DIR`), each
//! keyed by its directory, under GitHub's secondary limit on content creation; then
//! `tfpost summary` as the fan-in job; then three roots re-planned on a new commit and the
//! summary again.

#[path = "support/fake_github.rs"]
mod fake_github;
// Its scripted failures are for other tests.
#[allow(dead_code)]
mod fake_slack;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use fake_github::{FakeComment, FakeGithub};
use tfpost::parse::{ParseOptions, parse};
use tfpost::summary::{RootResult, RootStatus};

const TOKEN: &str = "ghp_monorepoSECRET0123456789abcdef";
const PR: u64 = 77;
const ROOTS: usize = 70;
const AT_ONCE: usize = 8;
const SUMMARY_MARKER: &str = "\"kind\":\"summary\"";

fn fixtures() -> Vec<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut plans: Vec<PathBuf> = ["tf-1.15.5", "tf-1.0.3", "tf-0.13.5", "tf-0.11.11"]
        .iter()
        .flat_map(|v| std::fs::read_dir(base.join(v)).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".plan.txt"))
        .collect();
    plans.sort();
    plans
}

fn root_dir(i: usize) -> String {
    format!("services/svc-{i:02}")
}

/// What the summary must say of a root planned with `plan`: from the parser's model of the same
/// text (the parser itself is checked against `terraform show -json` elsewhere).
fn expected(target: &str, plan: &Path) -> RootStatus {
    let report = parse(&std::fs::read(plan).unwrap(), ParseOptions::default()).unwrap();
    RootStatus::of_report(target, &report)
}

struct Pipeline {
    fake: FakeGithub,
    repo: tempfile::TempDir,
    /// A `terraform` that prints the plan named by `$FAKE_PLAN`, for wrap mode.
    bin: tempfile::TempDir,
}

impl Pipeline {
    fn new() -> Pipeline {
        let fake = FakeGithub::start();
        fake.add_token(TOKEN, "tfpost-bot", "User");
        fake.add_pull(PR, "open", "sha-one", None);
        let repo = tempfile::tempdir().unwrap();
        std::fs::create_dir(repo.path().join(".git")).unwrap();
        for i in 0..ROOTS {
            let dir = repo.path().join(root_dir(i));
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("main.tf"), "# a root\n").unwrap();
        }
        let bin = tempfile::tempdir().unwrap();
        let terraform = bin.path().join("terraform");
        std::fs::write(&terraform, "#!/bin/sh\nexec cat \"$FAKE_PLAN\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&terraform, std::fs::Permissions::from_mode(0o755)).unwrap();
        Pipeline { fake, repo, bin }
    }

    /// `tfpost ARGS` under CircleCI's variables for the pull request at commit `sha`.
    fn tfpost(&self, dir: &Path, sha: &str) -> Command {
        let path = format!(
            "{}:{}",
            self.bin.path().display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = Command::cargo_bin("tfpost").unwrap();
        cmd.env_clear()
            .current_dir(dir)
            .env("PATH", path)
            .env("CI", "true")
            .env("CIRCLECI", "true")
            .env("CIRCLE_PROJECT_USERNAME", "acme")
            .env("CIRCLE_PROJECT_REPONAME", "infra")
            .env(
                "CIRCLE_PULL_REQUEST",
                format!("https://github.com/acme/infra/pull/{PR}"),
            )
            .env("CIRCLE_SHA1", sha)
            .env("CIRCLE_BUILD_URL", "https://circleci.com/gh/acme/infra/9")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", self.fake.api_url())
            .timeout(Duration::from_secs(240));
        cmd
    }

    /// Plans root `i` with `plan`: pipe mode in the root's directory, or for `wrap` wrap mode
    /// from the repository root with `terraform -chdir=DIR plan`.
    fn plan(&self, i: usize, plan: &Path, sha: &str, wrap: bool) {
        let dir = root_dir(i);
        let text = std::fs::read(plan).unwrap();
        let out = if wrap {
            self.tfpost(self.repo.path(), sha)
                .env("FAKE_PLAN", plan)
                .args(["plan", "--", "terraform", &format!("-chdir={dir}"), "plan"])
                .output()
                .unwrap()
        } else {
            self.tfpost(&self.repo.path().join(&dir), sha)
                .arg("plan")
                .write_stdin(text.clone())
                .output()
                .unwrap()
        };
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.stdout, text, "{dir}: the tee is byte for byte");
        assert!(
            !stderr.contains("not posted") && !stderr.contains("error:"),
            "{dir} ({}): {stderr}",
            plan.display()
        );
        assert!(!stderr.contains(TOKEN));
    }

    /// Plans the given roots, `AT_ONCE` at a time, as a CI fan-out does.
    fn plan_all(&self, roots: &[(usize, PathBuf)], sha: &str, wrapped: usize) {
        for batch in roots.chunks(AT_ONCE) {
            std::thread::scope(|scope| {
                for (i, plan) in batch {
                    scope.spawn(move || self.plan(*i, plan, sha, *i == wrapped));
                }
            });
        }
    }

    fn summary(&self, sha: &str) -> String {
        let out = self
            .tfpost(self.repo.path(), sha)
            .arg("summary")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert!(!stderr.contains(TOKEN));
        stderr
    }

    fn visible_summaries(&self) -> Vec<FakeComment> {
        self.fake
            .visible_comments(PR)
            .into_iter()
            .filter(|c| c.body.contains(SUMMARY_MARKER))
            .collect()
    }

    /// Every summary comment, hidden ones included.
    fn all_summaries(&self) -> Vec<FakeComment> {
        self.fake
            .comments_of(PR)
            .into_iter()
            .filter(|c| c.body.contains(SUMMARY_MARKER))
            .collect()
    }

    fn visible_root_comments(&self) -> Vec<FakeComment> {
        self.fake
            .visible_comments(PR)
            .into_iter()
            .filter(|c| !c.body.contains(SUMMARY_MARKER))
            .collect()
    }
}

/// The summary's line for `root`, checked against what the root's plan says.
fn check_row(summary: &str, status: &RootStatus, stale: bool) {
    let line = summary
        .lines()
        .find(|l| l.contains(&format!("`{}`", status.target)))
        .unwrap_or_else(|| panic!("{} is missing from the summary:\n{summary}", status.target));
    let (emoji, words) = status.result.label();
    if status.result != RootResult::NoChanges {
        assert!(line.starts_with(&format!("| {emoji} |")), "{line}");
    }
    if status.result == RootResult::Failed || status.counts.is_empty() {
        if status.result != RootResult::NoChanges {
            assert!(line.contains(words), "{line}");
        }
    } else {
        for (action, n) in &status.counts {
            assert!(
                line.contains(&format!("{} {n}", tfpost::words::action_square(*action))),
                "{line} should count {n} {action:?}"
            );
        }
    }
    assert_eq!(line.contains("stale"), stale, "{line}");
    assert!(line.contains("[view](#issuecomment-"), "{line}");
}

#[test]
fn seventy_roots_one_comment_each_and_one_summary() {
    let pipeline = Pipeline::new();
    // GitHub's secondary limit, scaled down so the test meets it within seconds: 70 comments
    // plus their labels do not fit 30 creations per 3 s.
    pipeline
        .fake
        .limit_content_creation(30, Duration::from_secs(3));
    // On a loaded machine the window may never fill: a burst of refusals is met whatever the
    // speed.
    pipeline.fake.refuse_creations_after(20, 6);
    let plans = fixtures();
    assert!(plans.len() >= ROOTS + 3, "{} plans", plans.len());
    let roots: Vec<(usize, PathBuf)> = (0..ROOTS).map(|i| (i, plans[i].clone())).collect();
    let wrapped = 69;
    pipeline.plan_all(&roots, "sha-one", wrapped);
    assert!(
        pipeline.fake.lock().creations_refused > 0,
        "the test should meet the secondary rate limit"
    );

    let visible = pipeline.visible_root_comments();
    assert_eq!(visible.len(), ROOTS, "one visible comment per root");
    for (i, _) in &roots {
        let key = format!("\"target\":\"{}\"", root_dir(*i));
        assert_eq!(
            visible.iter().filter(|c| c.body.contains(&key)).count(),
            1,
            "{} (wrap mode: {})",
            root_dir(*i),
            *i == wrapped
        );
    }

    pipeline.summary("sha-one");
    let summaries = pipeline.visible_summaries();
    assert_eq!(summaries.len(), 1, "exactly one visible summary");
    let summary = &summaries[0].body;
    assert!(summary.contains(&format!("({ROOTS} roots)")), "{summary}");
    let statuses: Vec<RootStatus> = roots
        .iter()
        .map(|(i, plan)| expected(&root_dir(*i), plan))
        .collect();
    for status in &statuses {
        check_row(summary, status, false);
    }
    // Failing and destroying roots come before those with changes, which come before the
    // collapsed roots without changes.
    let first = |result: RootResult| {
        statuses
            .iter()
            .filter(|s| s.result == result)
            .map(|s| summary.find(&format!("`{}`", s.target)).unwrap())
            .min()
    };
    let last = |result: RootResult| {
        statuses
            .iter()
            .filter(|s| s.result == result)
            .map(|s| summary.find(&format!("`{}`", s.target)).unwrap())
            .max()
    };
    let (destroys, none) = (last(RootResult::Destroys), first(RootResult::NoChanges));
    assert!(
        destroys.is_some() && none.is_some(),
        "fixtures of both kinds"
    );
    assert!(
        destroys < none,
        "destroying roots before roots without changes"
    );
    assert!(last(RootResult::Failed) < first(RootResult::Destroys));
    assert!(summary.contains("<details><summary>✅"));
    let summary_id = summaries[0].id;

    // A new push changes three roots; only they are planned again.
    pipeline.fake.add_pull(PR, "open", "sha-two", None);
    let replanned: Vec<(usize, PathBuf)> = [3, 30, wrapped]
        .iter()
        .zip(&plans[ROOTS..ROOTS + 3])
        .map(|(i, p)| (*i, p.clone()))
        .collect();
    pipeline.plan_all(&replanned, "sha-two", wrapped);
    pipeline.summary("sha-two");

    assert_eq!(pipeline.visible_root_comments().len(), ROOTS);
    let summaries = pipeline.visible_summaries();
    assert_eq!(summaries.len(), 1, "still exactly one visible summary");
    assert_eq!(summaries[0].id, summary_id, "updated in place");
    let summary = &summaries[0].body;
    let mut now: BTreeMap<usize, (RootStatus, bool)> = statuses
        .into_iter()
        .enumerate()
        .map(|(i, s)| (i, (s, true)))
        .collect();
    for (i, plan) in &replanned {
        now.insert(*i, (expected(&root_dir(*i), plan), false));
    }
    for (status, stale) in now.values() {
        check_row(summary, status, *stale);
    }
}

#[test]
fn two_summaries_racing_leave_one_summary_comment() {
    let pipeline = Pipeline::new();
    let plans = fixtures();
    let roots: Vec<(usize, PathBuf)> = (0..3).map(|i| (i, plans[i * 7].clone())).collect();
    pipeline.plan_all(&roots, "sha-one", usize::MAX);
    // Both fan-in runs list the comments before either posts, so both create a summary.
    pipeline.fake.gate("GET", "/issues/77/comments", 2);
    std::thread::scope(|scope| {
        scope.spawn(|| pipeline.summary("sha-one"));
        scope.spawn(|| pipeline.summary("sha-one"));
    });
    assert_eq!(
        pipeline.fake.gate_timeouts(),
        0,
        "both runs met at the gate"
    );
    // The summary is edited in place: the racing run's comment is deleted, not left hidden.
    let summaries = pipeline.all_summaries();
    assert_eq!(summaries.len(), 1, "{summaries:#?}");
    assert_eq!(pipeline.visible_summaries().len(), 1);
    assert_eq!(pipeline.visible_root_comments().len(), 3);
    // The next run edits that one comment in place.
    pipeline.summary("sha-one");
    let after = pipeline.all_summaries();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, summaries[0].id);
}

#[test]
fn summary_dry_run_prints_and_posts_nothing() {
    let pipeline = Pipeline::new();
    let plans = fixtures();
    pipeline.plan_all(&[(0, plans[0].clone())], "sha-one", usize::MAX);
    let before = pipeline.fake.comments_of(PR).len();
    let out = pipeline
        .tfpost(pipeline.repo.path(), "sha-one")
        .args(["summary", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("`services/svc-00`"), "{stdout}");
    assert_eq!(pipeline.fake.comments_of(PR).len(), before);

    // stdout as the destination prints it without posting; GitLab is not one.
    let out = pipeline
        .tfpost(pipeline.repo.path(), "sha-one")
        .args(["summary", "--notify", "stdout"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("`services/svc-00`"));
    assert_eq!(pipeline.fake.comments_of(PR).len(), before);
    let out = pipeline
        .tfpost(pipeline.repo.path(), "sha-one")
        .args(["summary", "--notify", "gitlab"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not to gitlab"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A multi-threaded runtime that keeps serving the fake Slack while the test blocks on tfpost.
fn slack_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn summary_goes_to_slack_as_one_message_routed_by_what_the_roots_do() {
    let runtime = slack_runtime();
    let slack = runtime.block_on(fake_slack::FakeSlack::start());
    let pipeline = Pipeline::new();
    let plans = fixtures();
    let destroying = plans
        .iter()
        .find(|p| expected("x", p).result == RootResult::Destroys)
        .expect("a fixture plan that destroys");
    let mut roots: Vec<(usize, PathBuf)> = (0..5).map(|i| (i, plans[i * 5].clone())).collect();
    roots.push((5, destroying.clone()));
    pipeline.plan_all(&roots, "sha-one", usize::MAX);
    let statuses: Vec<RootStatus> = roots
        .iter()
        .map(|(i, plan)| expected(&root_dir(*i), plan))
        .collect();
    let with_slack = |cmd: &mut Command| {
        cmd.env("SLACK_BOT_TOKEN", "xoxb-monorepo-SECRET")
            .env("SLACK_CHANNEL", "C0PLANS")
            .env("SLACK_API_URL", slack.api_url());
    };

    // Default: every destination that is set up, GitHub and Slack.
    let mut cmd = pipeline.tfpost(pipeline.repo.path(), "sha-one");
    with_slack(&mut cmd);
    let out = cmd.arg("summary").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("xoxb-monorepo-SECRET"), "{stderr}");
    assert_eq!(pipeline.visible_summaries().len(), 1);
    let posts: Vec<_> = slack
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat.postMessage"))
        .collect();
    assert_eq!(posts.len(), 1, "one Slack message per summary run");
    let payload = posts[0].json();
    assert_eq!(payload["channel"], "C0PLANS");
    let blocks = payload["blocks"].to_string();
    assert!(blocks.contains("Terraform summary (6 roots)"), "{blocks}");
    for status in statuses
        .iter()
        .filter(|s| s.result != RootResult::NoChanges)
    {
        assert!(
            blocks.contains(&status.target),
            "{} in {blocks}",
            status.target
        );
    }

    // `--notify slack` with `slack.when: [destroy]` and a destroy channel: posted there only
    // when some root destroys; GitHub is only read. Channels come from a config the pipeline
    // names.
    let config = pipeline.repo.path().join("tfpost.yaml");
    std::fs::write(
        &config,
        "slack:\n  when: [destroy]\n  channels: {destroy: C0DESTROY}\n",
    )
    .unwrap();
    let comments_before = pipeline.fake.comments_of(PR).len();
    let mut cmd = pipeline.tfpost(pipeline.repo.path(), "sha-one");
    with_slack(&mut cmd);
    cmd.env("TFPOST_CONFIG", &config);
    let out = cmd.args(["summary", "--notify", "slack"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(pipeline.fake.comments_of(PR).len(), comments_before);
    let posts: Vec<_> = slack
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat.postMessage"))
        .collect();
    assert_eq!(posts.len(), 2, "{stderr}");
    assert_eq!(posts[1].json()["channel"], "C0DESTROY");

    // `slack.when: [apply]`: a summary of plans is not posted, and tfpost says why.
    std::fs::write(&config, "slack:\n  when: [apply]\n").unwrap();
    let mut cmd = pipeline.tfpost(pipeline.repo.path(), "sha-one");
    with_slack(&mut cmd);
    let out = cmd.args(["summary", "--notify", "slack"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("slack.when"), "{stderr}");
    let posts = slack
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat.postMessage"))
        .count();
    assert_eq!(posts, 2);
}
