//! The GitHub notifier against a stateful fake GitHub on 127.0.0.1: what ends up on the pull
//! request (visible comments, their bodies, labels), how failures are retried or reported, and
//! that every request matches GitHub's official REST description.

#[path = "support/fake_github.rs"]
mod fake_github;
#[path = "support/graphql_schema.rs"]
mod graphql_schema;
#[path = "support/openapi.rs"]
mod openapi;

use std::time::{Duration, Instant};

use fake_github::{FakeGithub, Fault};
use tfpost::message::{GITHUB_COMMENT_MAX_CHARS, GithubMessage};
use tfpost::model::Outcome;
use tfpost::notify::github::{
    CommentKind, CommentMarker, Destination, GithubError, GithubNotifier, GithubOptions,
    GithubTarget, Overflow, PostAction, PostOutcome, PostRequest, RetryPolicy,
};

const TOKEN: &str = "ghp_tfpostTESTtoken0123456789abcdef";
const PR: u64 = 42;

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        timeout: Duration::from_secs(5),
        max_attempts: 4,
        base_delay: Duration::from_millis(20),
        max_total_wait: Duration::from_secs(5),
        write_interval: Duration::ZERO,
    }
}

fn options() -> GithubOptions {
    GithubOptions {
        retry: fast_retry(),
        ..GithubOptions::default()
    }
}

fn fake() -> FakeGithub {
    let fake = FakeGithub::start();
    fake.add_token(TOKEN, "tfpost-bot", "User");
    fake.add_pull(PR, "open", "1111111aaaaaaa", None);
    fake
}

fn target(fake: &FakeGithub, pr: Option<u64>, sha: &str) -> GithubTarget {
    GithubTarget {
        api_url: fake.api_url(),
        token: TOKEN.into(),
        owner: "acme".into(),
        repo: "infra".into(),
        pr,
        sha: Some(sha.into()),
    }
}

/// A rendered plan as the renderer would write it: it names the commit and the build.
fn plan_body(what: &str, sha: &str, build: &str) -> GithubMessage {
    GithubMessage {
        body: format!(
            "## Plan result\n\n[CI link]({build}) for commit {sha}\n\n```diff\n{what}\n```\n"
        ),
        parts: Vec::new(),
    }
}

struct Run<'a> {
    target_key: &'a str,
    kind: CommentKind,
    result: Outcome,
    destroys: bool,
    build: &'a str,
}

impl Default for Run<'_> {
    fn default() -> Self {
        Run {
            target_key: "envs/prod",
            kind: CommentKind::Plan,
            result: Outcome::Changes,
            destroys: false,
            build: "https://ci.example/build/1",
        }
    }
}

async fn post(
    target: &GithubTarget,
    message: &GithubMessage,
    run: &Run<'_>,
    options: &GithubOptions,
) -> Result<PostOutcome, GithubError> {
    let notifier = GithubNotifier::new(target, options.retry.clone())?;
    notifier
        .post(&PostRequest {
            target_key: run.target_key,
            kind: run.kind,
            message,
            result: run.result,
            destroys: run.destroys,
            build_url: Some(run.build),
            options,
            counts: None,
        })
        .await
}

fn marker_of(body: &str) -> CommentMarker {
    CommentMarker::parse(body)
        .unwrap_or_else(|| panic!("no tfpost marker at the start of {body:?}"))
}

fn visible_for(fake: &FakeGithub, target_key: &str) -> Vec<fake_github::FakeComment> {
    fake.visible_comments(PR)
        .into_iter()
        .filter(|c| CommentMarker::parse(&c.body).is_some_and(|m| m.target == target_key))
        .collect()
}

#[tokio::test]
async fn two_runs_leave_one_current_comment_per_target() {
    let fake = fake();
    // Someone pastes a tfpost marker for the same target into their own comment.
    let sha = "1111111aaaaaaa";
    let pasted = "<!-- tfpost:v1 {\"target\":\"envs/prod\",\"kind\":\"plan\",\"hash\":\"x\",\"run\":\"r\"} -->\nI copied this from tfpost".to_string();
    assert!(
        CommentMarker::parse(&pasted).is_some(),
        "a well-formed marker"
    );
    let mallory = fake.seed_comment(PR, "mallory", "User", &pasted);
    let t = target(&fake, Some(PR), sha);
    let opts = options();

    let first = post(
        &t,
        &plan_body("+ a", sha, "https://ci/1"),
        &Run::default(),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(first.action, PostAction::Created);
    let staging = Run {
        target_key: "envs/staging",
        ..Run::default()
    };
    post(&t, &plan_body("+ s", sha, "https://ci/1"), &staging, &opts)
        .await
        .unwrap();
    let staging_before = visible_for(&fake, "envs/staging");

    let second = post(
        &t,
        &plan_body("+ b", sha, "https://ci/2"),
        &Run::default(),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(second.action, PostAction::Created);
    assert_eq!(second.hidden, 1);

    let prod: Vec<_> = visible_for(&fake, "envs/prod")
        .into_iter()
        .filter(|c| c.author == "tfpost-bot")
        .collect();
    assert_eq!(prod.len(), 1, "exactly one visible prod comment");
    assert!(prod[0].body.contains("+ b"));
    assert_eq!(second.comment_urls.len(), 1);
    assert!(second.comment_urls[0].ends_with(&format!("#issuecomment-{}", prod[0].id)));
    // The other target's comment and the pasted marker are untouched.
    assert_eq!(visible_for(&fake, "envs/staging").len(), 1);
    assert_eq!(
        visible_for(&fake, "envs/staging")[0].body,
        staging_before[0].body
    );
    let all = fake.comments_of(PR);
    let pasted_now = all.iter().find(|c| c.id == mallory).unwrap();
    assert!(pasted_now.minimized.is_none());
    assert_eq!(pasted_now.body, pasted);
    let hidden: Vec<_> = all.iter().filter(|c| c.minimized.is_some()).collect();
    assert_eq!(hidden.len(), 1);
    assert_eq!(hidden[0].minimized.as_deref(), Some("outdated"));
    assert!(hidden[0].body.contains("+ a"));

    openapi::assert_all_documented(&fake.requests());
}

#[tokio::test]
async fn patch_updates_the_current_comment_in_place() {
    let fake = fake();
    let sha = "1111111aaaaaaa";
    let t = target(&fake, Some(PR), sha);
    let opts = GithubOptions {
        patch: true,
        ..options()
    };
    let first = post(
        &t,
        &plan_body("+ a", sha, "https://ci/1"),
        &Run::default(),
        &opts,
    )
    .await
    .unwrap();
    let staging = Run {
        target_key: "envs/staging",
        ..Run::default()
    };
    post(&t, &plan_body("+ s", sha, "https://ci/1"), &staging, &opts)
        .await
        .unwrap();
    let second = post(
        &t,
        &plan_body("+ b", sha, "https://ci/2"),
        &Run::default(),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(second.action, PostAction::Updated);
    assert_eq!(first.comment_urls, second.comment_urls, "same comment");
    let all = fake.comments_of(PR);
    assert_eq!(all.len(), 2, "one comment per target, no new one");
    assert!(all.iter().all(|c| c.minimized.is_none()));
    let prod = visible_for(&fake, "envs/prod");
    assert!(prod[0].body.contains("+ b") && !prod[0].body.contains("+ a"));
    assert!(visible_for(&fake, "envs/staging")[0].body.contains("+ s"));
    openapi::assert_all_documented(&fake.requests());
}

#[tokio::test]
async fn the_same_plan_again_adds_no_comment_but_updates_commit_and_link() {
    let fake = fake();
    let opts = options();
    let t1 = target(&fake, Some(PR), "1111111aaaaaaa");
    let run1 = Run {
        build: "https://ci/1",
        ..Run::default()
    };
    post(
        &t1,
        &plan_body("+ a", "1111111aaaaaaa", "https://ci/1"),
        &run1,
        &opts,
    )
    .await
    .unwrap();
    // A new push that changes nothing in this root: new commit, new build, same plan.
    let t2 = target(&fake, Some(PR), "2222222bbbbbbb");
    let run2 = Run {
        build: "https://ci/2",
        ..Run::default()
    };
    let again = post(
        &t2,
        &plan_body("+ a", "2222222bbbbbbb", "https://ci/2"),
        &run2,
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(again.action, PostAction::Refreshed);
    let all = fake.comments_of(PR);
    assert_eq!(all.len(), 1, "no new comment");
    assert!(all[0].minimized.is_none());
    assert!(all[0].body.contains("2222222bbbbbbb") && all[0].body.contains("https://ci/2"));
    assert_eq!(
        marker_of(&all[0].body).sha.as_deref(),
        Some("2222222bbbbbbb")
    );

    // The very same run again (a re-run of the job) writes nothing at all.
    fake.clear_requests();
    let same = post(
        &t2,
        &plan_body("+ a", "2222222bbbbbbb", "https://ci/2"),
        &run2,
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(same.action, PostAction::Unchanged);
    let writes: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && !r.path.contains("/labels"))
        .collect();
    assert!(writes.is_empty(), "{writes:?}");
    // GET /user, list comments, add label.
    assert_eq!(same.api_calls, 3);
}

#[tokio::test]
async fn api_calls_per_run_are_few() {
    let fake = fake();
    let opts = options();
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let first = post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &opts,
    )
    .await
    .unwrap();
    // GET /user, list comments, create, list again (a run posting at the same moment would
    // show there), add label, set the new label's colour.
    assert_eq!(first.api_calls, 6, "{:?}", fake.requests());
    let second = post(
        &t,
        &plan_body("+ b", "1", "https://ci/1"),
        &Run::default(),
        &opts,
    )
    .await
    .unwrap();
    // GET /user, list comments, create, list again, minimize the old one, add label.
    assert_eq!(second.api_calls, 6);
    // With the login configured, GET /user is skipped.
    let with_login = GithubOptions {
        login: Some("tfpost-bot".into()),
        ..options()
    };
    let third = post(
        &t,
        &plan_body("+ c", "1", "https://ci/1"),
        &Run::default(),
        &with_login,
    )
    .await
    .unwrap();
    assert_eq!(third.api_calls, 5);
    assert_eq!(visible_for(&fake, "envs/prod").len(), 1);
    // Comments are listed 100 a page.
    assert!(fake.requests().iter().any(|r| r.path.ends_with("/comments")
        && r.method == "GET"
        && r.query.contains(&("per_page".into(), "100".into()))));
}

#[tokio::test]
async fn comments_are_found_across_pages() {
    let fake = fake();
    let opts = options();
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &opts,
    )
    .await
    .unwrap();
    // A busy pull request: 250 comments after tfpost's first one.
    for i in 0..250 {
        fake.seed_comment(PR, "reviewer", "User", &format!("LGTM {i}"));
    }
    fake.clear_requests();
    let second = post(
        &t,
        &plan_body("+ b", "1", "https://ci/1"),
        &Run::default(),
        &opts,
    )
    .await
    .unwrap();
    assert_eq!(second.hidden, 1);
    assert_eq!(visible_for(&fake, "envs/prod").len(), 1);
    let pages: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/comments"))
        .collect();
    assert_eq!(
        pages.len(),
        4,
        "251 + 0 comments at 100 a page, then the last page again after posting"
    );
    assert!(pages[2].query.contains(&("page".into(), "3".into())));
    assert_eq!(
        pages[3].query, pages[2].query,
        "only the last page is read again"
    );
    // The next pages are fetched from GitHub's Link URLs as given.
    assert!(
        pages[1].path.starts_with("/repositories/"),
        "{:?}",
        pages[1]
    );
    openapi::assert_all_documented(&fake.requests());
}

#[tokio::test]
async fn server_errors_and_secondary_rate_limits_are_retried() {
    let fake = fake();
    fake.inject("POST", "/issues/42/comments", Fault::Status(502), 2);
    fake.inject(
        "GET",
        "/issues/42/comments",
        Fault::SecondaryRateLimit { retry_after: 1 },
        1,
    );
    fake.inject("POST", "/graphql", Fault::Status(503), 1);
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let opts = options();
    fake.seed_comment(
        PR,
        "tfpost-bot",
        "User",
        &format!(
            "{}old plan",
            CommentMarker {
                target: "envs/prod".into(),
                kind: CommentKind::Plan,
                sha: None,
                version: "0.0.9".into(),
                hash: "old".into(),
                run: "old".into(),
                part: 1,
                parts: 1,
                state: None,
                counts: None,
            }
            .render()
        ),
    );
    let started = Instant::now();
    let outcome = post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &opts,
    )
    .await
    .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(outcome.action, PostAction::Created);
    assert_eq!(outcome.hidden, 1);
    assert_eq!(visible_for(&fake, "envs/prod").len(), 1);
    let posts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/42/comments"))
        .count();
    assert_eq!(posts, 3, "two 502s, then the comment");
    assert_eq!(fake.comments_of(PR).len(), 2, "no duplicate comment");
}

#[tokio::test]
async fn a_rate_limit_that_resets_too_late_fails_at_once_with_the_reason() {
    let fake = fake();
    fake.inject(
        "GET",
        "/user",
        Fault::RateLimitExhausted { in_secs: 3000 },
        1,
    );
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let started = Instant::now();
    let err = post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(err, GithubError::RateLimited { .. }), "{err:?}");
    assert!(err.is_transient());
    let text = err.to_string();
    assert!(
        text.contains("API rate limit exceeded") && text.contains("clears in"),
        "{text}"
    );
}

#[tokio::test]
async fn a_server_that_never_answers_times_out() {
    let fake = fake();
    fake.inject("POST", "/issues/42/comments", Fault::Hang, 10);
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let opts = GithubOptions {
        retry: RetryPolicy {
            timeout: Duration::from_millis(800),
            ..fast_retry()
        },
        ..options()
    };
    let started = Instant::now();
    let err = post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &opts,
    )
    .await
    .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(3),
        "gave up after {elapsed:?}"
    );
    assert!(matches!(err, GithubError::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("did not answer POST /repos/acme/infra/issues/42/comments")
    );
}

#[tokio::test]
async fn an_unreachable_api_is_retried_then_reported() {
    // A port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let t = GithubTarget {
        api_url: format!("http://127.0.0.1:{port}"),
        token: TOKEN.into(),
        owner: "acme".into(),
        repo: "infra".into(),
        pr: Some(PR),
        sha: None,
    };
    let err = post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap_err();
    match &err {
        GithubError::Connection { attempts, .. } => assert_eq!(*attempts, 4),
        other => panic!("{other:?}"),
    }
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn apply_on_merge_comments_on_the_merged_pull_request() {
    let fake = fake();
    fake.add_pull(7, "closed", "feature-head-sha", Some("mergeCommitSha777"));
    let t = target(&fake, None, "mergeCommitSha777");
    let apply = Run {
        kind: CommentKind::Apply,
        result: Outcome::Applied,
        ..Run::default()
    };
    let message = GithubMessage {
        body: "## Apply result\n\nApply complete!".into(),
        parts: Vec::new(),
    };
    let outcome = post(&t, &message, &apply, &options()).await.unwrap();
    assert_eq!(outcome.destination, Destination::PullRequest(7));
    let comments = fake.comments_of(7);
    assert_eq!(comments.len(), 1);
    assert_eq!(marker_of(&comments[0].body).kind, CommentKind::Apply);
    assert!(outcome.labels.is_empty(), "applies set no plan label");

    // A commit no pull request merged: a commit comment.
    let direct = target(&fake, None, "directPushSha");
    let outcome = post(&direct, &message, &apply, &options()).await.unwrap();
    assert_eq!(
        outcome.destination,
        Destination::Commit("directPushSha".into())
    );
    assert_eq!(fake.commit_comments("directPushSha").len(), 1);
    assert!(outcome.comment_urls[0].contains("#commitcomment-"));

    // A plan on a push finds the open pull request whose head the commit is.
    let plan_on_push = target(&fake, None, "1111111aaaaaaa");
    let outcome = post(
        &plan_on_push,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(outcome.destination, Destination::PullRequest(PR));
    openapi::assert_all_documented(&fake.requests());
}

#[tokio::test]
async fn labels_follow_the_plan_result_across_runs() {
    let fake = fake();
    fake.lock()
        .issue_labels
        .insert(PR, vec!["team/infra".into()]);
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let opts = options();
    let body = |s: &str| plan_body(s, "1", "https://ci/1");

    let o = post(&t, &body("+ a"), &Run::default(), &opts)
        .await
        .unwrap();
    assert_eq!(o.labels, ["add-or-update"]);
    assert_eq!(fake.labels_of(PR), ["team/infra", "add-or-update"]);
    assert_eq!(
        fake.lock().repo_labels["add-or-update"].0,
        "1d76db",
        "configured colour"
    );

    let destroy = Run {
        destroys: true,
        ..Run::default()
    };
    post(&t, &body("- a"), &destroy, &opts).await.unwrap();
    assert_eq!(fake.labels_of(PR), ["team/infra", "destroy"]);

    let none = Run {
        result: Outcome::NoChanges,
        ..Run::default()
    };
    post(&t, &body("no changes"), &none, &opts).await.unwrap();
    assert_eq!(fake.labels_of(PR), ["team/infra", "no-changes"]);

    // Another root of the monorepo fails: the pull request shows the error.
    let failing = Run {
        target_key: "envs/staging",
        result: Outcome::Error,
        ..Run::default()
    };
    post(&t, &body("Error: boom"), &failing, &opts)
        .await
        .unwrap();
    assert_eq!(fake.labels_of(PR), ["team/infra", "error"]);
    // Prod re-planned with no changes still leaves the error up while staging fails.
    post(&t, &body("no changes again"), &none, &opts)
        .await
        .unwrap();
    assert_eq!(fake.labels_of(PR), ["team/infra", "error"]);

    // A state whose label is switched off (empty name): the stale label of the set goes.
    let no_none_label = GithubOptions {
        labels: tfpost::notify::github::LabelConfig {
            no_changes: tfpost::notify::github::LabelSpec {
                name: String::new(),
                color: String::new(),
                description: String::new(),
            },
            ..Default::default()
        },
        ..options()
    };
    let calm = Run {
        target_key: "envs/staging",
        result: Outcome::NoChanges,
        ..Run::default()
    };
    post(&t, &body("fixed"), &calm, &no_none_label)
        .await
        .unwrap();
    assert_eq!(fake.labels_of(PR), ["team/infra"]);

    // Labels off: nothing touched.
    let off = GithubOptions {
        labels: tfpost::notify::github::LabelConfig {
            enabled: false,
            ..Default::default()
        },
        ..options()
    };
    fake.clear_requests();
    post(&t, &body("+ z"), &Run::default(), &off).await.unwrap();
    assert!(!fake.requests().iter().any(|r| r.path.contains("labels")));
    openapi::assert_all_documented(&fake.requests());
}

#[tokio::test]
async fn a_label_failure_never_stops_the_comment() {
    let fake = fake();
    fake.inject("POST", "/issues/42/labels", Fault::Status(500), 100);
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let outcome = post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(outcome.action, PostAction::Created);
    assert_eq!(visible_for(&fake, "envs/prod").len(), 1);
    assert!(
        outcome
            .warnings
            .iter()
            .any(|w| w.contains("cannot add label") && w.contains("500")),
        "{:?}",
        outcome.warnings
    );
}

/// A plan of `n` resources rendered and split the way the renderer does for `--overflow split`.
fn big_split_plan(n: usize) -> GithubMessage {
    let lines: Vec<String> = (0..n)
        .map(|i| format!("+ resource \"aws_instance\" \"web_{i:05}\" {{ ami = \"ami-{i:08x}\" }}"))
        .collect();
    let budget = GITHUB_COMMENT_MAX_CHARS - 1024;
    let mut chunks: Vec<Vec<&str>> = vec![Vec::new()];
    let mut size = 0;
    for line in &lines {
        if size + line.len() + 1 > budget - 200 {
            chunks.push(Vec::new());
            size = 0;
        }
        size += line.len() + 1;
        chunks.last_mut().unwrap().push(line);
    }
    let total = chunks.len();
    let parts = chunks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            format!(
                "## Plan (part {} of {total})\n\n```diff\n{}\n```\n",
                i + 1,
                c.join("\n")
            )
        })
        .collect();
    GithubMessage {
        body: "## Plan\n\n(cut)".into(),
        parts,
    }
}

#[tokio::test]
async fn a_50000_resource_plan_arrives_whole_across_comments() {
    let fake = fake();
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let opts = GithubOptions {
        overflow: Overflow::Split,
        ..options()
    };
    let message = big_split_plan(50_000);
    let n = message.parts.len();
    assert!(n > 30, "{n} parts");
    let outcome = post(&t, &message, &Run::default(), &opts).await.unwrap();
    assert_eq!(outcome.comment_urls.len(), n);
    let comments = visible_for(&fake, "envs/prod");
    assert_eq!(comments.len(), n);
    let mut whole = String::new();
    for (i, c) in comments.iter().enumerate() {
        assert!(c.body.chars().count() <= GITHUB_COMMENT_MAX_CHARS);
        let m = marker_of(&c.body);
        assert_eq!((m.part as usize, m.parts as usize), (i + 1, n));
        whole.push_str(c.body.split_once(" -->\n").unwrap().1);
    }
    assert_eq!(
        whole,
        message.parts.concat(),
        "every resource arrived, in order"
    );
    for i in [0, 24_999, 49_999] {
        assert!(whole.contains(&format!("\"web_{i:05}\"")));
    }

    // The next run hides every part of the previous one together.
    let mut smaller = big_split_plan(100);
    smaller.parts[0].push_str("changed");
    let next = post(&t, &smaller, &Run::default(), &opts).await.unwrap();
    assert_eq!(next.hidden, n);
    assert_eq!(visible_for(&fake, "envs/prod").len(), smaller.parts.len());
    // With 50 minimizations per GraphQL request.
    let graphql = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/graphql")
        .count();
    assert_eq!(graphql, n.div_ceil(50));
}

#[tokio::test]
async fn github_enterprise_paths_and_graphql_endpoint() {
    let fake = FakeGithub::start_enterprise();
    fake.add_token(TOKEN, "tfpost-bot", "User");
    fake.add_pull(PR, "open", "abc", None);
    let t = target(&fake, Some(PR), "abc");
    assert!(t.api_url.ends_with("/api/v3"));
    post(
        &t,
        &plan_body("+ a", "abc", "https://ci/1"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap();
    let second = post(
        &t,
        &plan_body("+ b", "abc", "https://ci/1"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap();
    assert_eq!(second.hidden, 1, "GraphQL reached at /api/graphql");
    assert_eq!(visible_for(&fake, "envs/prod").len(), 1);
    openapi::assert_all_documented(&fake.requests());
}

#[tokio::test]
async fn app_tokens_own_only_the_configured_or_documented_login_never_any_bot() {
    let fake = fake();
    fake.add_token("ghs_apptoken123456", "github-actions[bot]", "Bot");
    let t = GithubTarget {
        token: "ghs_apptoken123456".into(),
        ..target(&fake, Some(PR), "1111111aaaaaaa")
    };
    // A human's pasted marker must not count even without the exact login.
    let pasted = fake.seed_comment(
        PR,
        "mallory",
        "User",
        "<!-- tfpost:v1 {\"target\":\"envs/prod\",\"kind\":\"plan\",\"hash\":\"x\",\"run\":\"r\"} -->\nfake",
    );
    // Nor another bot's.
    let forged = fake.seed_comment(
        PR,
        "renovate[bot]",
        "Bot",
        "<!-- tfpost:v1 {\"target\":\"envs/prod\",\"kind\":\"plan\",\"hash\":\"x\",\"run\":\"r\"} -->\nfake",
    );
    let first = post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap();
    assert!(
        first
            .warnings
            .iter()
            .any(|w| w.contains("cannot tell which account")),
        "{:?}",
        first.warnings
    );
    assert_eq!(
        first.hidden, 0,
        "no login: nothing is taken as tfpost's own"
    );
    let configured = GithubOptions {
        login: Some("github-actions[bot]".into()),
        ..options()
    };
    fake.clear_requests();
    let second = post(
        &t,
        &plan_body("+ b", "1", "https://ci/1"),
        &Run::default(),
        &configured,
    )
    .await
    .unwrap();
    assert!(second.warnings.is_empty(), "{:?}", second.warnings);
    assert!(!fake.requests().iter().any(|r| r.path == "/user"));
    assert_eq!(second.hidden, 1);
    // The login GitHub documents for the token (Actions' `github-actions[bot]`) when
    // `GET /user` is refused.
    let documented = GithubOptions {
        login_if_refused: Some("github-actions[bot]".into()),
        ..options()
    };
    let third = post(
        &t,
        &plan_body("+ c", "1", "https://ci/1"),
        &Run::default(),
        &documented,
    )
    .await
    .unwrap();
    assert!(third.warnings.is_empty(), "{:?}", third.warnings);
    let own_visible = fake
        .visible_comments(PR)
        .into_iter()
        .filter(|c| c.author == "github-actions[bot]")
        .count();
    assert_eq!(own_visible, 1, "the second run's comment is hidden");
    for id in [pasted, forged] {
        assert!(
            fake.comments_of(PR)
                .iter()
                .find(|c| c.id == id)
                .unwrap()
                .minimized
                .is_none()
        );
    }
}

#[tokio::test]
async fn errors_say_what_to_fix_and_never_show_the_token() {
    let fake = fake();
    fake.add_pull(9, "open", "x", None);
    fake.lock().locked.push(9);
    let mut texts = Vec::new();

    let bad_token = GithubTarget {
        token: format!("{TOKEN}-revoked"),
        ..target(&fake, Some(PR), "1")
    };
    let err = post(
        &bad_token,
        &plan_body("+ a", "1", "u"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, GithubError::Unauthorized { .. }));
    assert!(err.to_string().contains("GITHUB_TOKEN"), "{err}");
    assert!(!err.is_transient());
    texts.push(format!("{err} {err:?}"));

    let wrong_repo = GithubTarget {
        repo: "nope".into(),
        ..target(&fake, Some(PR), "1")
    };
    let err = post(
        &wrong_repo,
        &plan_body("+ a", "1", "u"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, GithubError::NotFound { .. }));
    assert!(
        err.to_string()
            .contains("/repos/acme/nope/issues/42/comments"),
        "{err}"
    );
    assert!(err.to_string().contains("cannot see it"), "{err}");
    texts.push(format!("{err} {err:?}"));

    let locked = target(&fake, Some(9), "1");
    let err = post(
        &locked,
        &plan_body("+ a", "1", "u"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("locked"), "{err}");
    texts.push(format!("{err} {err:?}"));

    fake.inject("POST", "/issues/42/comments", Fault::Status(502), 100);
    let err = post(
        &target(&fake, Some(PR), "1"),
        &plan_body("+ a", "1", "u"),
        &Run::default(),
        &options(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.status(), Some(502));
    assert!(err.to_string().contains("after 4 attempt(s)"), "{err}");
    texts.push(format!("{err} {err:?}"));

    let ok = post(
        &target(&fake, Some(9), "1"),
        &plan_body("+ a", "1", "u"),
        &Run {
            kind: CommentKind::Apply,
            ..Run::default()
        },
        &options(),
    )
    .await;
    texts.push(format!("{ok:?}"));
    texts.push(format!("{:?}", target(&fake, Some(PR), "1")));

    for text in &texts {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
    }
    // The token went where it belongs: the Authorization header, and only there.
    for r in fake.requests() {
        if let Some(auth) = &r.authorization {
            assert!(auth.starts_with("Bearer "));
        }
        assert!(!r.path.contains(TOKEN) && !r.query.iter().any(|(_, v)| v.contains(TOKEN)));
        assert!(
            !r.body
                .as_ref()
                .is_some_and(|b| b.to_string().contains(TOKEN))
        );
    }
}

#[test]
fn the_openapi_check_catches_undocumented_requests() {
    // The validator must be able to fail: a wrong field, a wrong method, a wrong path.
    let bad = |method: &str, path: &str, body: Option<serde_json::Value>| fake_github::Recorded {
        method: method.into(),
        path: path.into(),
        query: Vec::new(),
        body,
        authorization: None,
    };
    assert!(
        !openapi::check(&bad(
            "POST",
            "/repos/a/b/issues/1/comments",
            Some(serde_json::json!({"text": "x"}))
        ))
        .is_empty()
    );
    assert!(
        !openapi::check(&bad(
            "PUT",
            "/repos/a/b/issues/comments/1",
            Some(serde_json::json!({"body": "x"}))
        ))
        .is_empty()
    );
    assert!(!openapi::check(&bad("GET", "/repos/a/b/issue/1/comments", None)).is_empty());
    assert!(
        !openapi::check(&bad(
            "POST",
            "/repos/a/b/labels",
            Some(serde_json::json!({"name": 5}))
        ))
        .is_empty()
    );
    assert!(
        openapi::check(&bad(
            "POST",
            "/repos/a/b/issues/1/comments",
            Some(serde_json::json!({"body": "x"}))
        ))
        .is_empty()
    );
}

#[tokio::test]
async fn a_comment_created_despite_a_502_is_found_not_posted_again() {
    let fake = fake();
    // GitHub creates the comment, then answers 502, on every attempt tfpost would make.
    fake.inject(
        "POST",
        "/issues/42/comments",
        Fault::StatusAfterDoing(502),
        4,
    );
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let outcome = post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &options(),
    )
    .await
    .expect("the comment GitHub made is found: posted");
    assert_eq!(outcome.action, PostAction::Created);
    assert_eq!(fake.comments_of(PR).len(), 1, "exactly one comment");
    let visible = visible_for(&fake, "envs/prod");
    assert_eq!(visible.len(), 1);
    assert!(outcome.comment_urls[0].ends_with(&format!("-{}", visible[0].id)));
    let posts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/42/comments"))
        .count();
    assert_eq!(posts, 1, "not sent again once found");
    openapi::assert_all_documented(&fake.requests());
}

#[tokio::test]
async fn after_a_timeout_the_comment_is_looked_for_and_never_posted_blindly_again() {
    let posts = |fake: &FakeGithub| {
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/42/comments"))
            .count()
    };
    let mut opts = options();
    opts.retry.timeout = Duration::from_millis(500);
    // GitHub made the comment but did not answer in time: it is found.
    let fake = fake();
    fake.inject("POST", "/issues/42/comments", Fault::HangAfterDoing, 1);
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let outcome = post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &opts,
    )
    .await
    .expect("found: posted");
    assert_eq!(outcome.action, PostAction::Created);
    assert_eq!((posts(&fake), fake.comments_of(PR).len()), (1, 1));
    // GitHub did nothing and did not answer: not sent again, and said so.
    let fake = self::fake();
    fake.inject("POST", "/issues/42/comments", Fault::Hang, 1);
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let err = post(
        &t,
        &plan_body("+ a", "1", "https://ci/1"),
        &Run::default(),
        &opts,
    )
    .await
    .expect_err("not posted");
    assert!(err.to_string().contains("did not answer"), "{err}");
    assert_eq!((posts(&fake), fake.comments_of(PR).len()), (1, 0));
}

#[test]
fn post_blocking_runs_without_a_caller_runtime() {
    let fake = fake();
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let opts = options();
    let message = plan_body("+ a", "1", "https://ci/1");
    let outcome = tfpost::notify::github::post_blocking(
        &t,
        &PostRequest {
            target_key: "envs/prod",
            kind: CommentKind::Plan,
            message: &message,
            result: Outcome::Changes,
            destroys: false,
            build_url: None,
            options: &opts,
            counts: None,
        },
    )
    .unwrap();
    assert_eq!(outcome.destination, Destination::PullRequest(PR));
    assert_eq!(visible_for(&fake, "envs/prod").len(), 1);
}

#[tokio::test]
async fn the_parts_of_a_split_plan_are_paced() {
    let fake = fake();
    let t = target(&fake, Some(PR), "1111111aaaaaaa");
    let opts = GithubOptions {
        overflow: Overflow::Split,
        retry: RetryPolicy {
            write_interval: Duration::from_millis(300),
            ..fast_retry()
        },
        ..options()
    };
    let message = GithubMessage {
        body: "cut".into(),
        parts: vec![
            "part 1 of 3".into(),
            "part 2 of 3".into(),
            "part 3 of 3".into(),
        ],
    };
    let started = Instant::now();
    let outcome = post(&t, &message, &Run::default(), &opts).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!(outcome.comment_urls.len(), 3);
}

#[tokio::test]
async fn a_missing_token_is_said_plainly() {
    let fake = fake();
    let t = GithubTarget {
        token: "  ".into(),
        ..target(&fake, Some(PR), "1")
    };
    let err = post(&t, &plan_body("+ a", "1", "u"), &Run::default(), &options())
        .await
        .unwrap_err();
    assert!(matches!(err, GithubError::MissingToken));
    assert!(err.to_string().contains("GITHUB_TOKEN"));
    assert!(fake.requests().is_empty(), "nothing sent without a token");
}

#[test]
fn the_graphql_check_catches_what_github_would_refuse() {
    use serde_json::json;
    let good = json!({
        "query": "mutation m($s0: ID!) { m0: minimizeComment(input: {subjectId: $s0, classifier: OUTDATED}) { minimizedComment { isMinimized } } }",
        "variables": {"s0": "IC_1"}
    });
    assert_eq!(graphql_schema::check(&good), Vec::<String>::new());
    for (query, why) in [
        (
            "mutation m($s0: ID!) { m0: minimizeComment(input: {subjectId: $s0, classifier: STALE}) { minimizedComment { isMinimized } } }",
            "enum value",
        ),
        (
            "mutation m($s0: String!) { m0: minimizeComment(input: {subjectId: $s0, classifier: OUTDATED}) { minimizedComment { isMinimized } } }",
            "variable type",
        ),
        (
            "mutation m($s0: ID!) { m0: minimizeComment(input: {subjectId: $s0}) { minimizedComment { isMinimized } } }",
            "required field",
        ),
        (
            "mutation m($s0: ID!) { m0: minimiseComment(input: {subjectId: $s0, classifier: OUTDATED}) { minimizedComment { isMinimized } } }",
            "field name",
        ),
        (
            "mutation m($s0: ID!) { m0: minimizeComment(input: {subjectId: $s0, classifier: OUTDATED}) { minimizedComment { hidden } } }",
            "selection",
        ),
        (
            "mutation m($s0: ID!) { m0: minimizeComment(input: {subjectId: $s0, classifier: OUTDATED}) }",
            "missing selection",
        ),
    ] {
        let payload = json!({ "query": query, "variables": {"s0": "IC_1"} });
        assert!(
            !graphql_schema::check(&payload).is_empty(),
            "{why} not caught"
        );
    }
    let undeclared = json!({ "query": good["query"], "variables": {} });
    assert!(
        !graphql_schema::check(&undeclared).is_empty(),
        "unsupplied variable not caught"
    );
}
