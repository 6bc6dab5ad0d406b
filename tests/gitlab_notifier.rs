//! The GitLab notifier against a stateful fake GitLab on 127.0.0.1: what ends up on the merge
//! request (notes, their bodies, labels, quick actions run), how failures are retried or
//! reported, that no token reaches any output, and that every request is a documented one.

#[path = "support/fake_gitlab.rs"]
mod fake_gitlab;

use std::time::Duration;

use fake_gitlab::{FakeGitlab, Fault, NOTE_MAX_CHARS};
use tfpost::model::{Diagnostic, Kind, Outcome, OutputChange, Report};
use tfpost::notify::github::{CommentKind, CommentMarker, LabelState, RetryPolicy};
use tfpost::notify::gitlab::{
    Destination, GitlabError, GitlabOptions, GitlabTarget, GitlabToken, NoteRequest, OutdatedNotes,
    PostAction, PostOutcome, post_blocking,
};
use tfpost::parse::{ParseOptions, parse};
use tfpost::render::gitlab_inert::GitlabMarkdown;
use tfpost::render::{RenderContext, github};

const TOKEN: &str = "glpat-tfpostTESTtoken0123456789";
const JOB_TOKEN: &str = "glcbt-64_jobTOKENtfpost987654";
const BOT: u64 = 77;
const MR: u64 = 5;
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        timeout: Duration::from_secs(5),
        max_attempts: 3,
        base_delay: Duration::from_millis(20),
        max_total_wait: Duration::from_secs(5),
        write_interval: Duration::ZERO,
    }
}

fn options() -> GitlabOptions {
    GitlabOptions {
        retry: fast_retry(),
        ..GitlabOptions::default()
    }
}

/// A fake with the bot's token and an open merge request.
fn fake() -> FakeGitlab {
    let gitlab = FakeGitlab::start();
    gitlab.add_token(TOKEN, BOT, "tfpost-bot", false);
    gitlab.add_token("glpat-someone-else", 12, "alice", false);
    gitlab.add_token(JOB_TOKEN, 13, "pipeline-user", true);
    gitlab.add_merge_request(MR, "opened", SHA, None);
    gitlab
}

fn target(gitlab: &FakeGitlab) -> GitlabTarget {
    GitlabTarget {
        api_url: gitlab.api_url(),
        token: GitlabToken::Private(TOKEN.into()),
        project: "42".into(),
        merge_request: Some(MR),
        sha: Some(SHA.into()),
    }
}

/// Posts `body` as the plan of `envs/prod`.
fn post_plan(
    target: &GitlabTarget,
    body: &str,
    result: Outcome,
    destroys: bool,
    options: &GitlabOptions,
) -> Result<PostOutcome, GitlabError> {
    post_as(
        target,
        "envs/prod",
        CommentKind::Plan,
        body,
        result,
        destroys,
        options,
    )
}

fn post_as(
    target: &GitlabTarget,
    key: &str,
    kind: CommentKind,
    body: &str,
    result: Outcome,
    destroys: bool,
    options: &GitlabOptions,
) -> Result<PostOutcome, GitlabError> {
    let body = GitlabMarkdown::from_github(body);
    let request = NoteRequest {
        target_key: key,
        kind,
        body: &body,
        result,
        destroys,
        build_url: Some("https://gitlab.example/acme/infra/-/jobs/1"),
        options,
    };
    post_blocking(target, &request)
}

/// Notes of the merge request that carry tfpost's marker, oldest first.
fn current_notes(gitlab: &FakeGitlab) -> Vec<(u64, CommentMarker, String)> {
    gitlab
        .notes_of(MR)
        .into_iter()
        .filter_map(|n| CommentMarker::parse(&n.body).map(|m| (n.id, m, n.body)))
        .collect()
}

fn assert_documented(gitlab: &FakeGitlab) {
    for request in gitlab.requests() {
        if let Err(why) = fake_gitlab::check_documented(&request) {
            panic!("{why}");
        }
    }
}

#[test]
fn one_current_note_per_target_across_two_plans() {
    let gitlab = fake();
    let target = target(&gitlab);
    let opts = options();

    let first = post_plan(
        &target,
        "## Plan A\n1 to add\n",
        Outcome::Changes,
        false,
        &opts,
    )
    .unwrap();
    assert_eq!(first.action, PostAction::Created);
    assert_eq!(first.destination, Destination::MergeRequest(MR));
    let first_id = current_notes(&gitlab)[0].0;
    assert_eq!(
        first.note_url.as_deref(),
        Some(
            format!("https://gitlab.example/acme/infra/-/merge_requests/{MR}#note_{first_id}")
                .as_str()
        )
    );

    let second = post_plan(
        &target,
        "## Plan B\n2 to add\n",
        Outcome::Changes,
        false,
        &opts,
    )
    .unwrap();
    assert_eq!(second.action, PostAction::Created);
    assert_eq!(second.outdated, 1);
    let current = current_notes(&gitlab);
    assert_eq!(current.len(), 1, "one current note: {current:?}");
    assert!(current[0].2.contains("Plan B"));
    let notes = gitlab.notes_of(MR);
    let old = notes.iter().find(|n| n.id == first_id).unwrap();
    assert!(old.body.starts_with("Outdated"), "{}", old.body);
    assert!(
        old.body.contains(&format!("#note_{})", current[0].0)),
        "{}",
        old.body
    );
    assert!(!old.body.contains("Plan A"));

    // The same plan at another commit and job: the note is refreshed, nothing is posted.
    let mut moved = target.clone();
    moved.sha = Some("fedcba9876543210fedcba9876543210fedcba98".into());
    let body = "## Plan B\n2 to add\n";
    let again = post_plan(&moved, body, Outcome::Changes, false, &opts).unwrap();
    assert_eq!(again.action, PostAction::Refreshed);
    let again = post_plan(&moved, body, Outcome::Changes, false, &opts).unwrap();
    assert_eq!(again.action, PostAction::Unchanged);
    assert_eq!(gitlab.notes_of(MR).len(), 2);
    assert_eq!(current_notes(&gitlab).len(), 1);
    assert_eq!(
        current_notes(&gitlab)[0].1.sha.as_deref(),
        moved.sha.as_deref()
    );
    assert!(gitlab.lock().executed_quick_actions.is_empty());
    assert_documented(&gitlab);
}

#[test]
fn outdated_notes_can_be_deleted_and_other_notes_are_left_alone() {
    let gitlab = fake();
    let target = target(&gitlab);
    let opts = GitlabOptions {
        outdated: OutdatedNotes::Delete,
        ..options()
    };
    // Someone copies a tfpost note of the target: not the bot's, never touched.
    post_plan(&target, "plan 1\n", Outcome::Changes, false, &opts).unwrap();
    let copied = gitlab.notes_of(MR)[0].body.clone();
    let foreign = gitlab.seed_note(MR, 12, &copied, false);
    let system = gitlab.seed_note(MR, BOT, &copied, true);
    // Another target and an apply of the same target: their own current notes.
    post_as(
        &target,
        "envs/stage",
        CommentKind::Plan,
        "stage\n",
        Outcome::NoChanges,
        false,
        &opts,
    )
    .unwrap();
    post_as(
        &target,
        "envs/prod",
        CommentKind::Apply,
        "applied\n",
        Outcome::Applied,
        false,
        &opts,
    )
    .unwrap();

    let outcome = post_plan(&target, "plan 2\n", Outcome::Changes, false, &opts).unwrap();
    assert_eq!(outcome.outdated, 1);
    let notes = gitlab.notes_of(MR);
    assert!(notes.iter().any(|n| n.id == foreign) && notes.iter().any(|n| n.id == system));
    let ours: Vec<String> = current_notes(&gitlab)
        .into_iter()
        .filter(|(id, _, _)| *id != foreign && *id != system)
        .map(|(_, m, _)| format!("{}/{:?}", m.target, m.kind))
        .collect();
    assert_eq!(
        ours,
        ["envs/stage/Plan", "envs/prod/Apply", "envs/prod/Plan"]
    );
    assert!(
        !notes
            .iter()
            .any(|n| n.body.contains("plan 1") && n.author == BOT && !n.system)
    );
    assert_documented(&gitlab);
}

#[test]
fn labels_follow_the_latest_plan_of_every_target() {
    let gitlab = fake();
    let target = target(&gitlab);
    let opts = options();
    let outcome = post_plan(&target, "adds\n", Outcome::Changes, false, &opts).unwrap();
    assert_eq!(outcome.labels, ["add-or-update"]);
    assert_eq!(gitlab.merge_request(MR).labels, ["add-or-update"]);

    assert_eq!(
        gitlab.lock().labels["add-or-update"],
        "#1d76db",
        "created in its colour"
    );
    // A label someone made before keeps its colour.
    gitlab
        .lock()
        .labels
        .insert("destroy".into(), "#000000".into());
    let outcome = post_plan(&target, "destroys\n", Outcome::Changes, true, &opts).unwrap();
    assert_eq!(outcome.labels, ["destroy"]);
    assert!(outcome.warnings.is_empty(), "{:?}", outcome.warnings);
    assert_eq!(gitlab.lock().labels["destroy"], "#000000");
    assert_eq!(gitlab.merge_request(MR).labels, ["destroy"]);

    // A second target with no changes: the merge request still shows the worst state.
    let outcome = post_as(
        &target,
        "envs/stage",
        CommentKind::Plan,
        "nothing\n",
        Outcome::NoChanges,
        false,
        &opts,
    )
    .unwrap();
    assert_eq!(outcome.labels, ["destroy"]);
    // The first target is fixed: now no target changes anything.
    let outcome = post_plan(
        &target,
        "nothing either\n",
        Outcome::NoChanges,
        false,
        &opts,
    )
    .unwrap();
    assert_eq!(outcome.labels, ["no-changes"]);
    assert_eq!(gitlab.merge_request(MR).labels, ["no-changes"]);

    let marker = current_notes(&gitlab).pop().unwrap().1;
    assert_eq!(marker.state, Some(LabelState::NoChanges));
    // Labels off: nothing is touched.
    let mut off = options();
    off.labels.enabled = false;
    let outcome = post_plan(&target, "adds again\n", Outcome::Changes, false, &off).unwrap();
    assert!(outcome.labels.is_empty());
    assert_eq!(gitlab.merge_request(MR).labels, ["no-changes"]);
    assert_documented(&gitlab);
}

#[test]
fn apply_on_merge_finds_the_merged_merge_request_else_comments_on_the_commit() {
    let gitlab = fake();
    let merge_commit = "aaaabbbbccccddddeeeeffff0000111122223333";
    gitlab.add_merge_request(
        9,
        "merged",
        "9999999999999999999999999999999999999999",
        Some(merge_commit),
    );
    let mut on_main = target(&gitlab);
    on_main.merge_request = None;
    on_main.sha = Some(merge_commit.into());
    let opts = options();
    let outcome = post_as(
        &on_main,
        "envs/prod",
        CommentKind::Apply,
        "Apply complete\n",
        Outcome::Applied,
        false,
        &opts,
    )
    .unwrap();
    assert_eq!(outcome.destination, Destination::MergeRequest(9));
    assert_eq!(gitlab.notes_of(9).len(), 1);
    assert!(outcome.labels.is_empty(), "an apply sets no label");

    // A commit pushed without a merge request: a commit comment, once per plan.
    let direct = "1111111111111111111111111111111111111111";
    on_main.sha = Some(direct.into());
    let outcome = post_as(
        &on_main,
        "envs/prod",
        CommentKind::Apply,
        "Apply complete\n",
        Outcome::Applied,
        false,
        &opts,
    )
    .unwrap();
    assert_eq!(outcome.destination, Destination::Commit(direct.into()));
    assert_eq!(outcome.action, PostAction::Created);
    let again = post_as(
        &on_main,
        "envs/prod",
        CommentKind::Apply,
        "Apply complete\n",
        Outcome::Applied,
        false,
        &opts,
    )
    .unwrap();
    assert_eq!(again.action, PostAction::Unchanged);
    let comments = gitlab.lock().commit_comments.clone();
    assert_eq!(comments.len(), 1);
    assert!(comments[0].note.contains("Apply complete"));

    // No merge request and no commit: a clear error.
    on_main.sha = None;
    let err = post_as(
        &on_main,
        "envs/prod",
        CommentKind::Apply,
        "x\n",
        Outcome::Applied,
        false,
        &opts,
    )
    .unwrap_err();
    assert!(matches!(err, GitlabError::NoDestination), "{err}");
    assert_documented(&gitlab);
}

/// Every line start an attacker could reach, and every reference sigil.
const ATTACK: &str = "/merge\n/close\n/label ~pwned\n/approve\n  /unapprove\n````\n/assign @me\n```\n~~~\n/shrug\r/title x\n@alice #12 !3 ~bug %v1 &4 $5 ~\"two words\"";

fn attack_report() -> Report {
    let mut report = Report::empty(Kind::Plan);
    report.result = Outcome::Error;
    report.errors = vec![Diagnostic {
        summary: ATTACK.into(),
        detail: format!("{ATTACK}\n{ATTACK}"),
        file: Some(ATTACK.into()),
        line: Some(1),
        address: Some(format!("null_resource.x[\"{ATTACK}\"]")),
        section: Some(ATTACK.into()),
    }];
    report.outputs = vec![OutputChange {
        name: ATTACK.into(),
        action: tfpost::model::Action::Create,
        sensitive: false,
        diff: Some(format!("  + x = <<-EOT\n{ATTACK}\nEOT")),
        section: None,
    }];
    report
}

const PLAN: &str = r#"Terraform will perform the following actions:

  # null_resource.x["/merge"] will be created
  + resource "null_resource" "x" {
      + id       = (known after apply)
      + triggers = {
          + "/close" = <<-EOT
                /label ~pwned
                /approve @alice #1 !2
            EOT
        }
    }

Plan: 1 to add, 0 to change, 0 to destroy.
"#;

/// What in a posted note GitLab could act on: lines that begin with `/` (anywhere: GitLab's
/// extractor knows only three-backtick fences), and reference sigils followed by a name or
/// number in the rendered note's text outside `<code>` and `<pre>` (rendered by comrak, a
/// CommonMark + GFM renderer, with raw HTML on as GitLab allows it).
fn live_text(note: &str) -> Vec<String> {
    let mut found: Vec<String> = note
        .split(['\n', '\r'])
        .filter(|l| l.trim_start_matches([' ', '\t']).starts_with('/'))
        .map(|l| format!("quick action: {l}"))
        .collect();
    let mut options = comrak::Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.render.r#unsafe = true;
    let html = comrak::markdown_to_html(note, &options);
    let text = text_outside_code(&html);
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied().unwrap_or(' ');
        if matches!(c, '@' | '#' | '!' | '~' | '%' | '&' | '$')
            && (next.is_alphanumeric() || next == '"')
        {
            let context: String = chars[i.saturating_sub(20)..(i + 20).min(chars.len())]
                .iter()
                .collect();
            found.push(format!("reference {c}{next} in {context:?}"));
        }
    }
    found
}

/// The text of an HTML fragment outside `<code>`/`<pre>` elements, tags removed and the
/// entities GitLab's text would hold decoded.
fn text_outside_code(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut code_depth = 0usize;
    while let Some(lt) = rest.find('<') {
        if code_depth == 0 {
            out.push_str(&rest[..lt]);
        }
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = rest[lt + 1..lt + gt].to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name == "code" || name == "pre" {
            if tag.starts_with('/') {
                code_depth = code_depth.saturating_sub(1);
            } else {
                code_depth += 1;
            }
        }
        out.push(' ');
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    out.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[test]
fn quick_actions_and_references_in_plan_text_stay_inert() {
    let gitlab = fake();
    let target = target(&gitlab);
    let ctx = RenderContext {
        target: Some("envs/prod".into()),
        build_url: Some("https://gitlab.example/acme/infra/-/jobs/1".into()),
        ..RenderContext::default()
    };
    let parsed = parse(PLAN.as_bytes(), ParseOptions::default()).expect("the plan parses");
    let unparsable = github::parse_failure(ATTACK.as_bytes(), ATTACK, &ctx);
    for body in [
        github::render(&parsed, &ctx).body,
        github::render(&attack_report(), &ctx).body,
        unparsable.body,
    ] {
        let outcome = post_plan(&target, &body, Outcome::Error, false, &options()).unwrap();
        assert_eq!(outcome.action, PostAction::Created);
        let note = current_notes(&gitlab).pop().unwrap().2;
        assert!(
            note.contains("pwned"),
            "the plan text is in the note: {note}"
        );
        assert_eq!(live_text(&note), Vec::<String>::new(), "{note}");
    }
    // The check can fail: the GitHub comment as it is would run commands and link references.
    let unconverted = github::render(&attack_report(), &ctx).body;
    let live = live_text(&unconverted);
    assert!(
        live.iter().any(|l| l.starts_with("quick action: /merge")),
        "{live:?}"
    );
    let escaped_only = live_text("\\~bug \\!3 &amp;4 `~code`\n");
    assert_eq!(escaped_only.len(), 3, "{escaped_only:?}");
    assert!(live_text(GitlabMarkdown::from_github("\\~bug \\!3 &amp;4\n").as_str()).is_empty());
    let st = gitlab.lock();
    assert_eq!(st.executed_quick_actions, Vec::<(u64, String)>::new());
    assert_eq!(st.merge_requests[&MR].state, "opened");
    assert_eq!(st.merge_requests[&MR].labels, ["error"]);
}

#[test]
fn a_note_over_gitlabs_limit_is_cut_and_says_so() {
    let gitlab = fake();
    let target = target(&gitlab);
    let body = format!(
        "## Plan\n\n```diff\n{}```\n",
        "+ a line of a very long plan\n".repeat(40_000)
    );
    assert!(body.chars().count() > NOTE_MAX_CHARS);
    let outcome = post_plan(&target, &body, Outcome::Changes, false, &options()).unwrap();
    assert_eq!(outcome.action, PostAction::Created);
    let note = current_notes(&gitlab).pop().unwrap().2;
    assert!(note.chars().count() <= NOTE_MAX_CHARS);
    assert!(
        note.contains("to stay within GitLab's"),
        "{}",
        &note[note.len() - 300..]
    );
    assert!(
        note.trim_end()
            .ends_with("[the CI log](https://gitlab.example/acme/infra/-/jobs/1).")
    );
    assert_eq!(
        note.matches("```").count() % 2,
        0,
        "the code block is closed"
    );
}

#[test]
fn the_fake_refuses_a_note_over_the_limit_and_the_error_says_why() {
    // The limit is GitLab's: the client surfaces its 400 on one line.
    let gitlab = fake();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let err = runtime
        .block_on(async {
            let client = tfpost::notify::gitlab::GitlabClient::new(
                &gitlab.api_url(),
                "acme/infra",
                GitlabToken::Private(TOKEN.into()),
                fast_retry(),
            )?;
            client
                .create_note(MR, &"x".repeat(NOTE_MAX_CHARS + 1))
                .await
        })
        .unwrap_err();
    assert_eq!(err.status(), Some(400));
    let text = err.to_string();
    assert!(
        text.contains("note is too long (maximum is 1000000 characters)"),
        "{text}"
    );
    assert!(!text.contains('\n'));
    assert_documented(&gitlab);
}

#[test]
fn pagination_finds_the_older_note_among_many() {
    for link_only in [false, true] {
        let gitlab = fake();
        gitlab.lock().link_only = link_only;
        let target = target(&gitlab);
        post_plan(&target, "first plan\n", Outcome::Changes, false, &options()).unwrap();
        for i in 0..260 {
            gitlab.seed_note(
                MR,
                12 + (i % 2),
                &format!("review comment {i} @tfpost-bot"),
                i % 3 == 0,
            );
        }
        let outcome = post_plan(
            &target,
            "second plan\n",
            Outcome::Changes,
            false,
            &options(),
        )
        .unwrap();
        assert_eq!(outcome.outdated, 1, "link only: {link_only}");
        assert_eq!(current_notes(&gitlab).len(), 1);
        let pages: Vec<String> = gitlab
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with("/notes"))
            .filter_map(|r| {
                r.query
                    .iter()
                    .find(|(k, _)| k == "page")
                    .map(|(_, v)| v.clone())
            })
            .collect();
        assert!(pages.contains(&"3".to_string()), "{pages:?}");
        assert_documented(&gitlab);
    }
}

#[test]
fn failures_are_typed_retried_where_safe_and_never_show_the_token() {
    let gitlab = fake();
    let good = target(&gitlab);
    let mut texts = Vec::new();

    // 401: a wrong token.
    let mut wrong = good.clone();
    wrong.token = GitlabToken::Private(format!("{TOKEN}-revoked"));
    let err = post_plan(&wrong, "x\n", Outcome::Changes, false, &options()).unwrap_err();
    assert!(matches!(err, GitlabError::Unauthorized { .. }), "{err}");
    assert!(err.to_string().contains("401 Unauthorized"), "{err}");
    texts.push(format!("{err} {err:?}"));

    // A job token: it cannot tell its user, and this instance does not let it write notes.
    let mut job = good.clone();
    job.token = GitlabToken::Job(JOB_TOKEN.into());
    let err = post_plan(&job, "x\n", Outcome::Changes, false, &options()).unwrap_err();
    assert!(matches!(err, GitlabError::Forbidden { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("CI job token lacks the permission"),
        "{err}"
    );
    texts.push(format!("{err} {err:?}"));
    gitlab.lock().job_token_writes = true;
    let posted = post_plan(&job, "x\n", Outcome::Changes, false, &options()).unwrap();
    assert!(
        posted
            .warnings
            .iter()
            .any(|w| w.contains("cannot tell which user")),
        "{:?}",
        posted.warnings
    );
    texts.push(format!(
        "{posted:?} {}",
        serde_json::to_string(&posted).unwrap()
    ));

    // 404: a project the token cannot see.
    let mut elsewhere = good.clone();
    elsewhere.project = "acme/other".into();
    let err = post_plan(&elsewhere, "x\n", Outcome::Changes, false, &options()).unwrap_err();
    assert!(matches!(err, GitlabError::NotFound { .. }), "{err}");
    texts.push(format!("{err} {err:?}"));

    // 5xx on reads: retried; on the POST that creates the note: not sent again.
    gitlab.inject("GET", "/notes", Fault::Status(502), 2);
    let ok = post_plan(&good, "y\n", Outcome::Changes, false, &options()).unwrap();
    assert_eq!(ok.action, PostAction::Created);
    texts.push(format!("{ok:?}"));
    let posts_before = gitlab
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .count();
    gitlab.inject("POST", "/notes", Fault::Status(502), 1);
    let err = post_plan(&good, "z\n", Outcome::Changes, false, &options()).unwrap_err();
    assert!(
        matches!(
            err,
            GitlabError::Server {
                status: 502,
                attempts: 1,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        gitlab
            .requests()
            .iter()
            .filter(|r| r.method == "POST")
            .count(),
        posts_before + 1
    );
    texts.push(format!("{err} {err:?}"));
    gitlab.inject("GET", "/user", Fault::Status(503), 5);
    let err = post_plan(&good, "z\n", Outcome::Changes, false, &options()).unwrap_err();
    assert!(
        matches!(
            err,
            GitlabError::Server {
                status: 503,
                attempts: 3,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.is_transient());
    texts.push(format!("{err} {err:?}"));

    // 429: waits as asked, then goes on.
    gitlab.inject(
        "GET",
        "/merge_requests/5",
        Fault::RateLimited { retry_after: 0 },
        1,
    );
    post_plan(&good, "z\n", Outcome::Changes, false, &options()).unwrap();
    // A hang: the timeout, not sent again.
    gitlab.inject("GET", "/user", Fault::Hang, 1);
    let quick = GitlabOptions {
        retry: RetryPolicy {
            timeout: Duration::from_millis(200),
            ..fast_retry()
        },
        ..options()
    };
    let err = post_plan(&good, "w\n", Outcome::Changes, false, &quick).unwrap_err();
    assert!(
        matches!(err, GitlabError::Timeout { attempts: 1, .. }),
        "{err}"
    );
    texts.push(format!("{err} {err:?}"));

    // Plain http to another host would send the token in the clear.
    let mut remote = good.clone();
    remote.api_url = "http://gitlab.example/api/v4".into();
    let err = post_plan(&remote, "x\n", Outcome::Changes, false, &options()).unwrap_err();
    assert!(err.to_string().contains("unencrypted"), "{err}");
    texts.push(format!("{err} {err:?} {remote:?}"));

    // A token that cannot be an HTTP header: an error naming the variable, nothing sent.
    let sent_before = gitlab.requests().len();
    let mut broken = good.clone();
    broken.token = GitlabToken::Private("glpat-first\nsecond".into());
    let err = post_plan(&broken, "x\n", Outcome::Changes, false, &options()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("GITLAB_TOKEN") && text.contains("a line break at character 12"),
        "{text}"
    );
    assert!(!text.contains("second"), "{text}");
    assert_eq!(gitlab.requests().len(), sent_before);

    for text in texts {
        assert!(!text.contains(TOKEN) && !text.contains(JOB_TOKEN), "{text}");
    }
    // The token went only in GitLab's headers.
    for r in gitlab.requests() {
        assert!(r.private_token.is_some() != r.job_token.is_some());
        let seen = format!("{} {:?} {:?}", r.path, r.query, r.body);
        assert!(!seen.contains(TOKEN) && !seen.contains(JOB_TOKEN), "{seen}");
    }
    assert_documented(&gitlab);
}

#[test]
fn runs_posting_at_the_same_moment_leave_one_current_note() {
    for outdated in [OutdatedNotes::Edit, OutdatedNotes::Delete] {
        let gitlab = fake();
        let target = target(&gitlab);
        let opts = GitlabOptions {
            outdated,
            ..options()
        };
        post_plan(&target, "before\n", Outcome::Changes, false, &opts).unwrap();
        std::thread::scope(|scope| {
            let runs: Vec<_> = (0..4)
                .map(|i| {
                    let (target, opts) = (&target, &opts);
                    scope.spawn(move || {
                        let body = format!("plan of run {i}\n");
                        post_plan(target, &body, Outcome::Changes, false, opts).unwrap()
                    })
                })
                .collect();
            for run in runs {
                assert_eq!(run.join().unwrap().action, PostAction::Created);
            }
        });
        let current = current_notes(&gitlab);
        assert_eq!(current.len(), 1, "{outdated:?}: {current:?}");
        let newest = gitlab.notes_of(MR).iter().map(|n| n.id).max();
        assert_eq!(
            Some(current[0].0),
            newest,
            "the newest note is the current one"
        );
        if outdated == OutdatedNotes::Edit {
            let notes = gitlab.notes_of(MR);
            assert_eq!(notes.len(), 5);
            assert!(
                notes
                    .iter()
                    .filter(|n| n.id != current[0].0)
                    .all(|n| n.body.starts_with("Outdated"))
            );
        }
    }
}
