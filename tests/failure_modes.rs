//! What a CI job sees when something goes wrong, running the real binary as a pipeline does:
//! Terraform's output reaches stdout byte for byte, the exit code follows the exit-code table
//! (README, "Exit codes"), and a message that could not be posted is on stderr with the reason
//! (guarantee 3).
//!
//! Covered elsewhere and not repeated here: a GitHub 401 in pipe mode, a listing that never
//! answers, 502s and a secondary rate limit retried to success (tests/e2e_github.rs); a wrapped
//! command that is not executable (126), and signal-killed and stdout-closing runs with
//! `--dry-run` (tests/runner.rs).

#[path = "support/fake_github.rs"]
mod fake_github;
#[allow(dead_code)]
mod fake_slack;
#[path = "support/graphql_schema.rs"]
mod graphql_schema;
#[path = "support/openapi.rs"]
mod openapi;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use fake_github::{FakeGithub, Fault, http_server};
use fake_slack::{FakeSlack, Reply};

const TFPOST: &str = env!("CARGO_BIN_EXE_tfpost");
const TOKEN: &str = "ghp_failmodesSECRETtoken0123456789ab";
const SLACK_TOKEN: &str = "xoxb-failmodes-SECRET-token";
const PR: u64 = 42;
const TARGET: &str = "envs/prod";
/// A plan that destroys and replaces; Terraform's `-detailed-exitcode` for it is 2.
const PLAN: &str = "tf-1.15.5/mixed.plan.txt";
/// Text only the rendered comment has (not the plan itself): proof the message reached stderr.
const COMMENT_TEXT: &str = "----- message not posted (github) -----\n### Terraform plan";
const COMMENT_DETAIL: &str = "> This plan destroys **1** and replaces **1** resources:";
/// The same for the Slack message's text.
const SLACK_TEXT: &str = "----- message not posted (slack) -----\n:warning: envs/prod · Terraform plan destroys resources";

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

fn plan_bytes() -> Vec<u8> {
    std::fs::read(fixture_path(PLAN)).expect("fixture")
}

fn github() -> FakeGithub {
    let fake = FakeGithub::start();
    fake.add_token(TOKEN, "tfpost-bot", "User");
    fake.add_pull(PR, "open", "abc123", None);
    fake
}

/// `tfpost ARGS` in a clean environment holding what CircleCI sets for a pull-request build,
/// in `dir`. GitHub and Slack are reached only where the test points them.
fn tfpost(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(TFPOST);
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
        .args(args)
        .args(["--var", &format!("target={TARGET}")])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// tfpost set up to post to the fake GitHub.
fn to_github(fake: &FakeGithub, dir: &Path, args: &[&str]) -> Command {
    let mut cmd = tfpost(dir, args);
    cmd.env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", fake.api_url());
    cmd
}

/// tfpost set up to post to the fake Slack Web API with a bot token.
fn to_slack(fake: &FakeSlack, dir: &Path) -> Command {
    let mut cmd = tfpost(dir, &["plan", "--notify", "slack"]);
    cmd.env("SLACK_BOT_TOKEN", SLACK_TOKEN)
        .env("SLACK_CHANNEL", "C0123")
        .env("SLACK_API_URL", fake.api_url());
    cmd
}

struct Run {
    code: Option<i32>,
    stdout: Vec<u8>,
    stderr: String,
    took: Duration,
}

/// Waits for a child with a deadline, so a hang fails the test instead of stalling the suite.
fn wait_with_timeout(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tfpost did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `cmd` with `input` on stdin (pipe mode) or none, collecting both streams.
fn run(mut cmd: Command, input: Option<&[u8]>) -> Run {
    if input.is_some() {
        cmd.stdin(Stdio::piped());
    }
    let started = Instant::now();
    let mut child = cmd.spawn().expect("tfpost starts");
    let writer = input.map(|bytes| {
        let mut stdin = child.stdin.take().expect("stdin");
        let bytes = bytes.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        })
    });
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let status = wait_with_timeout(&mut child, Duration::from_secs(60));
    let took = started.elapsed();
    if let Some(writer) = writer {
        writer.join().expect("stdin writer");
    }
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = String::from_utf8_lossy(&err_reader.join().expect("stderr reader")).into_owned();
    assert!(
        !stderr.contains(TOKEN) && !stderr.contains(SLACK_TOKEN),
        "a token reached stderr: {stderr}"
    );
    Run {
        code: status.code(),
        stdout,
        stderr,
        took,
    }
}

/// Guarantees 1 to 3 for a run whose post failed: the output intact on stdout, the exit code,
/// every part of the reason and the unposted message on stderr.
fn assert_not_posted(run: &Run, input: &[u8], code: i32, reason: &[&str], message: &[&str]) {
    assert!(
        run.stdout == input,
        "stdout is not the output byte for byte ({} bytes instead of {}); stderr: {}",
        run.stdout.len(),
        input.len(),
        run.stderr
    );
    assert_eq!(run.code, Some(code), "exit code; stderr: {}", run.stderr);
    for part in reason {
        assert!(
            run.stderr.contains(part),
            "the reason lacks {part:?}: {}",
            run.stderr
        );
    }
    for part in message {
        assert!(
            run.stderr.contains(part),
            "the unposted message lacks {part:?}: {}",
            run.stderr
        );
    }
    // The one-line reason comes before the message, which ends with its closing rule.
    if let Some(start) = run.stderr.find("----- message not posted (") {
        let reason = run.stderr.find("could not post to");
        assert!(
            reason.is_some_and(|r| r < start),
            "the reason must come first: {}",
            run.stderr
        );
        assert!(
            run.stderr[start..].contains("\n----- end -----\n"),
            "the message must end with its rule: {}",
            run.stderr
        );
    }
}

fn workdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// `sh -c 'cat FIXTURE; exit CODE'`: a wrapped "terraform" that prints a real plan.
fn wrapped_plan(code: i32) -> String {
    format!("cat '{}'; exit {code}", fixture_path(PLAN).display())
}

// --- 1. The config file ---------------------------------------------------------------------

#[test]
fn a_missing_config_file_is_named_nothing_is_posted_and_the_run_fails() {
    let fake = github();
    let dir = workdir();
    let input = plan_bytes();
    let out = run(
        to_github(
            &fake,
            dir.path(),
            &["plan", "--config", "does-not-exist.yaml"],
        ),
        Some(&input),
    );
    assert_not_posted(
        &out,
        &input,
        1,
        &[
            "cannot read config file",
            "does-not-exist.yaml",
            "No such file",
            "could not post to github",
        ],
        &[COMMENT_TEXT, COMMENT_DETAIL],
    );
    assert!(
        fake.requests().is_empty(),
        "nothing is sent to GitHub: {:?}",
        fake.requests()
    );
}

#[test]
fn an_invalid_config_names_file_line_and_key_and_posts_nothing() {
    let fake = github();
    let input = plan_bytes();
    for (text, reason) in [
        // Bad YAML: indented with a tab.
        (
            "github:\n\tpatch: true\n",
            "tfpost.yaml:2:1: key `github`: found character that cannot start any token",
        ),
        // A key tfpost does not know.
        (
            "github:\n  timeout_secs: 5\n",
            "tfpost.yaml:2:3: key `github.timeout_secs`: unknown field `timeout_secs`",
        ),
        // A value of the wrong type.
        (
            "github:\n  patch: sometimes\n",
            "tfpost.yaml:2:10: key `github.patch`: invalid type",
        ),
    ] {
        let dir = workdir();
        std::fs::write(dir.path().join("tfpost.yaml"), text).expect("config");
        let out = run(to_github(&fake, dir.path(), &["plan"]), Some(&input));
        assert_not_posted(&out, &input, 1, &[reason], &[COMMENT_TEXT]);
        // Wrap mode: Terraform's own code (2, changes present) is kept, not replaced by 1.
        let out = run(
            to_github(
                &fake,
                dir.path(),
                &["plan", "--", "sh", "-c", &wrapped_plan(2)],
            ),
            None,
        );
        assert_not_posted(&out, &input, 2, &[reason], &[COMMENT_TEXT]);
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
}

// --- 2. The user's template -----------------------------------------------------------------

/// Posts the plan with `--template` holding `template`; returns the run and the comment posted.
fn post_with_template(template: &str) -> (Run, String) {
    let fake = github();
    let dir = workdir();
    let path = dir.path().join("comment.md.j2");
    std::fs::write(&path, template).expect("template");
    let path = path.to_string_lossy().into_owned();
    let input = plan_bytes();
    let out = run(
        to_github(&fake, dir.path(), &["plan", "--template", &path]),
        Some(&input),
    );
    assert!(out.stdout == input, "stdout is the plan byte for byte");
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    let comments = fake.visible_comments(PR);
    assert_eq!(comments.len(), 1, "{comments:#?}");
    (out, comments[0].body.clone())
}

#[test]
fn a_template_with_a_syntax_error_falls_back_to_the_builtin_comment_naming_the_line() {
    let (out, body) = post_with_template("## {{ title }}\n{% if %}\n");
    assert!(
        out.stderr.contains("comment.md.j2 line 2: syntax error"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("the built-in template was used"),
        "{}",
        out.stderr
    );
    assert!(
        body.contains(COMMENT_DETAIL),
        "the built-in comment: {body}"
    );
}

#[test]
fn a_template_failing_at_render_time_falls_back_to_the_builtin_comment_naming_the_line() {
    // It parses; only rendering finds that a count is not a list.
    let (out, body) = post_with_template(
        "## {{ title }}\n{% for r in report.summary.add %}{{ r }}{% endfor %}\n",
    );
    assert!(
        out.stderr
            .contains("comment.md.j2 line 2: invalid operation: number is not iterable"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("the built-in template was used"),
        "{}",
        out.stderr
    );
    assert!(
        body.contains(COMMENT_DETAIL),
        "the built-in comment: {body}"
    );
}

// --- 3. GitHub answers with an error, or not at all -----------------------------------------

#[test]
fn github_401_in_wrap_mode_keeps_the_commands_code_or_fails_a_success() {
    let fake = github();
    let dir = workdir();
    let input = plan_bytes();
    let reason = [
        "GitHub answered 401 for GET /user",
        "check GITHUB_TOKEN",
        "could not post to github",
    ];
    for (command_code, expected) in [(2, 2), (0, 1)] {
        let mut cmd = to_github(
            &fake,
            dir.path(),
            &["plan", "--", "sh", "-c", &wrapped_plan(command_code)],
        );
        cmd.env("GITHUB_TOKEN", "ghp_revokedTOKEN000");
        let out = run(cmd, None);
        assert_not_posted(
            &out,
            &input,
            expected,
            &reason,
            &[COMMENT_TEXT, COMMENT_DETAIL],
        );
        assert!(!out.stderr.contains("ghp_revokedTOKEN000"));
    }
    assert!(fake.comments_of(PR).is_empty());
}

#[test]
fn github_403_keeps_log_prints_message_and_fails() {
    let fake = github();
    let dir = workdir();
    let input = plan_bytes();
    fake.inject("POST", "/issues/42/comments", Fault::Status(403), 2);
    let out = run(to_github(&fake, dir.path(), &["plan"]), Some(&input));
    assert_not_posted(
        &out,
        &input,
        1,
        &[
            "GitHub answered 403 for POST /repos/acme/infra/issues/42/comments",
            "the token lacks `pull-requests: write`",
        ],
        &[COMMENT_TEXT, COMMENT_DETAIL],
    );
    let posts = |fake: &FakeGithub| {
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/comments"))
            .count()
    };
    assert_eq!(posts(&fake), 1, "a 403 is not retried");

    // The config's ignore_notify_errors keeps the run green; the failure is still reported.
    std::fs::write(
        dir.path().join("tfpost.yaml"),
        "ignore_notify_errors: true\n",
    )
    .expect("config");
    let out = run(to_github(&fake, dir.path(), &["plan"]), Some(&input));
    assert_not_posted(&out, &input, 0, &["403"], &[COMMENT_TEXT]);
    assert!(fake.comments_of(PR).is_empty());
    openapi::assert_all_documented(&fake.requests());
}

#[test]
fn github_404_names_the_repository_and_fails() {
    let fake = github();
    let dir = workdir();
    let input = plan_bytes();
    let mut cmd = to_github(&fake, dir.path(), &["plan"]);
    cmd.env("CIRCLE_PROJECT_REPONAME", "infra-typo");
    let out = run(cmd, Some(&input));
    assert_not_posted(
        &out,
        &input,
        1,
        &[
            "GitHub answered 404 for GET /repos/acme/infra-typo/issues/42/comments",
            "or the token cannot see it",
        ],
        &[COMMENT_TEXT, COMMENT_DETAIL],
    );
    openapi::assert_all_documented(&fake.requests());
}

#[test]
fn github_422_says_what_github_refused_and_fails() {
    let fake = github();
    let dir = workdir();
    let input = plan_bytes();
    fake.inject(
        "POST",
        "/issues/42/comments",
        Fault::ValidationFailed("body is too long (maximum is 65536 characters)".into()),
        1,
    );
    let out = run(to_github(&fake, dir.path(), &["plan"]), Some(&input));
    assert_not_posted(
        &out,
        &input,
        1,
        &[
            "GitHub answered 422 for POST /repos/acme/infra/issues/42/comments",
            "Validation Failed: body is too long",
            "use `--overflow split`",
        ],
        &[COMMENT_TEXT, COMMENT_DETAIL],
    );
    openapi::assert_all_documented(&fake.requests());
}

#[test]
fn github_5xx_is_retried_then_reported_with_the_message() {
    let fake = github();
    let dir = workdir();
    let input = plan_bytes();
    fake.inject("POST", "/issues/42/comments", Fault::Status(502), 100);
    let out = run(to_github(&fake, dir.path(), &["plan"]), Some(&input));
    assert_not_posted(
        &out,
        &input,
        1,
        &["GitHub answered 502 for POST /repos/acme/infra/issues/42/comments (after 4 attempt(s))"],
        &[COMMENT_TEXT, COMMENT_DETAIL],
    );
    let posts = fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/comments"))
        .count();
    assert_eq!(posts, 4, "the first attempt and three retries");
    assert!(fake.comments_of(PR).is_empty());
}

#[test]
fn github_connection_refused_is_retried_then_reported() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let dir = workdir();
    let input = plan_bytes();
    let mut cmd = tfpost(dir.path(), &["plan"]);
    cmd.env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{port}"));
    let out = run(cmd, Some(&input));
    assert_not_posted(
        &out,
        &input,
        1,
        &[
            &format!(
                "cannot reach GitHub at http://127.0.0.1:{port} for GET /user (after 4 attempt(s))"
            ),
            "Connection refused",
        ],
        &[COMMENT_TEXT, COMMENT_DETAIL],
    );
}

#[test]
fn github_not_answering_is_given_up_on_after_the_configured_timeout() {
    let fake = github();
    let dir = workdir();
    std::fs::write(
        dir.path().join("tfpost.yaml"),
        "github:\n  timeout_seconds: 1\n",
    )
    .expect("config");
    let input = plan_bytes();
    fake.inject("POST", "/issues/42/comments", Fault::Hang, 10);
    let out = run(to_github(&fake, dir.path(), &["plan"]), Some(&input));
    assert_not_posted(
        &out,
        &input,
        1,
        &["GitHub did not answer POST /repos/acme/infra/issues/42/comments within 1s"],
        &[COMMENT_TEXT, COMMENT_DETAIL],
    );
    // A hang is not retried: one timeout, not four timeouts and 7 s of backoff between them.
    assert!(out.took < Duration::from_secs(8), "took {:?}", out.took);
}

#[test]
fn sigterm_while_a_post_hangs_writes_the_message_to_stderr_before_exiting_143() {
    let fake = github();
    let dir = workdir();
    std::fs::write(
        dir.path().join("tfpost.yaml"),
        "github:\n  timeout_seconds: 120\n",
    )
    .expect("config");
    let input = plan_bytes();
    fake.inject("POST", "/issues/42/comments", Fault::Hang, 10);
    let mut cmd = to_github(&fake, dir.path(), &["plan"]);
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("tfpost starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&input).expect("write stdin");
    drop(stdin);
    let mut stdout = child.stdout.take().expect("stdout");
    let mut stderr = child.stderr.take().expect("stderr");
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = String::new();
        let _ = stderr.read_to_string(&mut buf);
        buf
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while !fake
        .requests()
        .iter()
        .any(|r| r.method == "POST" && r.path.ends_with("/issues/42/comments"))
    {
        assert!(Instant::now() < deadline, "the comment was never posted");
        std::thread::sleep(Duration::from_millis(20));
    }
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let status = wait_with_timeout(&mut child, Duration::from_secs(10));
    let stdout = out_reader.join().expect("stdout reader");
    let stderr = err_reader.join().expect("stderr reader");
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert!(stdout == input, "stdout is not the output byte for byte");
    assert!(stderr.contains("SIGTERM: stopping now"), "{stderr}");
    assert!(
        stderr.contains(
            "the GitHub message for GitHub acme/infra#42 [envs/prod], being posted:\n### Terraform plan"
        ),
        "{stderr}"
    );
    assert!(stderr.contains(COMMENT_DETAIL), "{stderr}");
    assert!(!stderr.contains(TOKEN), "a token reached stderr");
}

#[test]
fn github_dns_failure_is_reported_with_the_host() {
    // `.invalid` never resolves (RFC 6761). The resolver options bound each lookup to a second
    // and one try, so the test stays quick even where no DNS server answers.
    let dir = workdir();
    let input = plan_bytes();
    let mut cmd = tfpost(dir.path(), &["plan"]);
    cmd.env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", "https://nonexistent.invalid/api/v3")
        .env("RES_OPTIONS", "timeout:1 attempts:1");
    let out = run(cmd, Some(&input));
    assert_not_posted(
        &out,
        &input,
        1,
        &[
            "cannot reach GitHub at https://nonexistent.invalid/api/v3 for GET /user",
            "dns error",
        ],
        &[COMMENT_TEXT, COMMENT_DETAIL],
    );
    assert!(out.took < Duration::from_secs(30), "took {:?}", out.took);
}

// --- 4. Slack says no -----------------------------------------------------------------------

/// A runtime for the fake Slack's tasks while the test itself waits on tfpost.
fn slack_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

fn slack_posts(fake: &FakeSlack) -> Vec<fake_slack::Recorded> {
    fake.requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/chat.postMessage"))
        .collect()
}

#[test]
fn slack_ok_false_is_not_retried_and_says_what_to_fix() {
    let runtime = slack_runtime();
    let input = plan_bytes();
    for (code, fix) in [
        ("channel_not_found", "set SLACK_CHANNEL to a channel ID"),
        ("invalid_auth", "SLACK_BOT_TOKEN"),
    ] {
        let fake = runtime.block_on(FakeSlack::start());
        fake.script([Reply::api_error(code)]);
        let dir = workdir();
        let out = run(to_slack(&fake, dir.path()), Some(&input));
        assert_not_posted(
            &out,
            &input,
            1,
            &["could not post to slack", code, fix],
            &[SLACK_TEXT],
        );
        assert_eq!(slack_posts(&fake).len(), 1, "{code} is not retried");
    }
}

#[test]
fn slack_429_is_retried_after_retry_after_then_posts() {
    let runtime = slack_runtime();
    let fake = runtime.block_on(FakeSlack::start());
    fake.script([Reply::rate_limited(1)]);
    let dir = workdir();
    let input = plan_bytes();
    let out = run(to_slack(&fake, dir.path()), Some(&input));
    assert!(out.stdout == input);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(
        out.took >= Duration::from_secs(1),
        "Retry-After honoured: {:?}",
        out.took
    );
    let posts = slack_posts(&fake);
    assert_eq!(
        posts.len(),
        3,
        "the refused message, the message again, its thread reply"
    );
    assert_eq!(posts[0].body, posts[1].body, "the same message again");
    assert!(posts[2].json()["thread_ts"].is_string());
}

#[test]
fn slack_429_on_every_attempt_gives_up_and_prints_the_message() {
    let runtime = slack_runtime();
    let fake = runtime.block_on(FakeSlack::start());
    fake.script((0..4).map(|_| Reply::rate_limited(1)));
    let dir = workdir();
    let input = plan_bytes();
    let out = run(to_slack(&fake, dir.path()), Some(&input));
    assert_not_posted(
        &out,
        &input,
        1,
        &[
            "answered \"rate limited\" on all 4 attempt(s) (last Retry-After: 1s)",
            "retry the job later",
        ],
        &[SLACK_TEXT],
    );
    assert_eq!(slack_posts(&fake).len(), 4);
    assert!(out.took >= Duration::from_secs(3), "{:?}", out.took);
}

// --- 5. The wrapped command cannot be run ---------------------------------------------------

#[test]
fn a_wrapped_command_not_found_exits_127_like_a_shell_and_posts_nothing() {
    let fake = github();
    let dir = workdir();
    let out = run(
        to_github(
            &fake,
            dir.path(),
            &["plan", "--", "no-such-terraform", "plan"],
        ),
        None,
    );
    assert_eq!(out.code, Some(127), "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .contains("cannot run `no-such-terraform`: command not found"),
        "{}",
        out.stderr
    );
    assert!(
        fake.requests().is_empty(),
        "nothing ran, so nothing is posted: {:?}",
        fake.requests()
    );
}

// --- 6. A wrapped command killed by a signal ------------------------------------------------

#[test]
fn a_command_killed_by_a_signal_keeps_its_output_posts_and_exits_128_plus_9() {
    let fake = github();
    let dir = workdir();
    let input = plan_bytes();
    let script = format!("cat '{}'; kill -9 $$", fixture_path(PLAN).display());
    let out = run(
        to_github(&fake, dir.path(), &["plan", "--", "sh", "-c", &script]),
        None,
    );
    assert!(out.stdout == input, "the output before the kill, intact");
    assert_eq!(out.code, Some(137), "{}", out.stderr);
    let comments = fake.visible_comments(PR);
    assert_eq!(comments.len(), 1, "what was read is still posted");
    assert!(
        comments[0].body.contains(COMMENT_DETAIL),
        "{}",
        comments[0].body
    );

    // A failed post does not hide the signal either.
    fake.inject("POST", "/issues/42/comments", Fault::Status(403), 1);
    let out = run(
        to_github(
            &fake,
            dir.path(),
            &["plan", "--message", "again", "--", "sh", "-c", &script],
        ),
        None,
    );
    assert_not_posted(&out, &input, 137, &["403"], &[COMMENT_TEXT]);
}

// --- 7. The reader of stdout goes away ------------------------------------------------------

#[test]
fn a_reader_closing_stdout_early_neither_hangs_the_command_nor_stops_the_post() {
    let fake = github();
    let dir = workdir();
    // About 12 MB of refresh lines, far more than a pipe holds, then the plan.
    let script = format!(
        "yes 'null_resource.x: Refreshing state... [id=1]' | head -n 300000; cat '{}'; echo finished >&2",
        fixture_path(PLAN).display()
    );
    let mut child = to_github(&fake, dir.path(), &["plan", "--", "sh", "-c", &script])
        .spawn()
        .expect("tfpost starts");
    // `| head -c 100`: read a little, then close.
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 100];
    stdout.read_exact(&mut first).expect("the first bytes");
    drop(stdout);
    assert!(first.starts_with(b"null_resource.x: Refreshing state... [id=1]\n"));
    let mut stderr = child.stderr.take().expect("stderr");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let status = wait_with_timeout(&mut child, Duration::from_secs(60));
    let stderr = reader.join().expect("stderr reader");
    assert_eq!(status.code(), Some(0), "the command's code: {stderr}");
    assert!(
        stderr.contains("finished\n"),
        "the command ran to its end: {stderr}"
    );
    let comments = fake.visible_comments(PR);
    assert_eq!(
        comments.len(),
        1,
        "the plan was still parsed and posted: {stderr}"
    );
    assert!(
        comments[0].body.contains(COMMENT_DETAIL),
        "{}",
        comments[0].body
    );
}

// --- 8. Two runs for the same target at the same moment -------------------------------------

/// Starts tfpost on the plan, posting to the fake GitHub with `message` in the comment.
fn start_post(fake: &FakeGithub, dir: &Path, message: &str) -> Child {
    let mut cmd = to_github(fake, dir, &["plan", "--message", message]);
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().expect("tfpost starts");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&plan_bytes()).expect("plan written");
    drop(stdin);
    child
}

/// The tfpost comments of the target on the pull request: (id, visible).
fn target_comments(fake: &FakeGithub) -> Vec<(u64, bool)> {
    fake.comments_of(PR)
        .into_iter()
        .filter(|c| c.body.starts_with("<!-- tfpost:v1 ") && c.body.contains(TARGET))
        .map(|c| (c.id, c.minimized.is_none()))
        .collect()
}

/// Rounds of two runs posting at once; the fake makes both pass a step of `steps` (a method and
/// a path, taken in turn) together, e.g. each lists the comments before the other posts. After
/// each round exactly one comment of the target is visible.
fn race(fake: &FakeGithub, dir: &Path, rounds: usize, steps: &[(&str, &str)]) {
    for round in 0..rounds {
        let (method, path) = steps[round % steps.len()];
        fake.gate(method, path, 2);
        // Every fourth round both post the same plan; else each its own.
        let (a, b) = if round % 4 == 3 {
            (format!("round {round}"), format!("round {round}"))
        } else {
            (
                format!("round {round}, run A"),
                format!("round {round}, run B"),
            )
        };
        let mut runs = [start_post(fake, dir, &a), start_post(fake, dir, &b)];
        for child in &mut runs {
            let status = wait_with_timeout(child, Duration::from_secs(60));
            let mut stderr = String::new();
            let _ = child
                .stderr
                .take()
                .expect("stderr")
                .read_to_string(&mut stderr);
            assert_eq!(status.code(), Some(0), "round {round}: {stderr}");
        }
        assert_eq!(
            (fake.gates_pending(), fake.gate_timeouts()),
            (0, 0),
            "round {round}: the two runs did not meet at {method} {path}"
        );
        let comments = target_comments(fake);
        let visible: Vec<u64> = comments.iter().filter(|c| c.1).map(|c| c.0).collect();
        assert_eq!(
            visible.len(),
            1,
            "round {round}: one visible comment for the target, not {comments:?}"
        );
    }
}

#[test]
fn two_runs_posting_at_once_end_with_one_visible_comment_for_the_target() {
    let fake = github();
    let dir = workdir();
    // Both list the comments before either posts; or both comments are created at once.
    race(
        &fake,
        dir.path(),
        20,
        &[
            ("GET", "/issues/42/comments"),
            ("POST", "/issues/42/comments"),
        ],
    );
    // The survivor is the newest comment: the one both runs agreed on.
    let comments = target_comments(&fake);
    let newest = comments.iter().map(|c| c.0).max();
    let visible: Vec<u64> = comments.iter().filter(|c| c.1).map(|c| c.0).collect();
    assert_eq!(visible, newest.into_iter().collect::<Vec<_>>());
    openapi::assert_all_documented(&fake.requests());
}

#[test]
fn two_runs_posting_at_once_in_patch_mode_end_with_one_visible_comment() {
    let fake = github();
    let dir = workdir();
    std::fs::write(dir.path().join("tfpost.yaml"), "github:\n  patch: true\n").expect("config");
    // From the second round on, both edit the same comment: there is no POST to meet at.
    race(&fake, dir.path(), 6, &[("GET", "/issues/42/comments")]);
    openapi::assert_all_documented(&fake.requests());
}

// --- 9. Transport rules: where a secret may go, what is printed, what is read ---------------

/// A port nobody listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

#[test]
fn plain_http_to_another_host_is_refused_for_github_and_slack_alike() {
    let dir = workdir();
    let input = plan_bytes();
    // A host that is loopback only once normalised (`127.1`) is refused too: the rule is about
    // the URL as written.
    for url in ["http://github.example/api/v3", "http://127.1:1/api/v3"] {
        let mut cmd = tfpost(dir.path(), &["plan"]);
        cmd.env("GITHUB_TOKEN", TOKEN).env("GITHUB_API_URL", url);
        let out = run(cmd, Some(&input));
        assert_not_posted(
            &out,
            &input,
            1,
            &["GITHUB_API_URL", "unencrypted: use https"],
            &[COMMENT_TEXT],
        );
    }
    let mut cmd = tfpost(dir.path(), &["plan", "--notify", "slack"]);
    cmd.env("SLACK_BOT_TOKEN", SLACK_TOKEN)
        .env("SLACK_CHANNEL", "C0123")
        .env("SLACK_API_URL", "http://slack.example/api");
    let out = run(cmd, Some(&input));
    assert_not_posted(
        &out,
        &input,
        1,
        &["SLACK_API_URL", "unencrypted: use https"],
        &[SLACK_TEXT],
    );
}

#[test]
fn the_userinfo_of_an_api_url_is_never_printed() {
    let dir = workdir();
    let input = plan_bytes();
    let password = "pw-SECRET-in-url";
    for url in [
        format!("http://alice:{password}@127.0.0.1:{}", closed_port()),
        format!("http://alice:{password}@github.example/api/v3"),
    ] {
        let mut cmd = tfpost(dir.path(), &["plan"]);
        cmd.env("GITHUB_TOKEN", TOKEN).env("GITHUB_API_URL", &url);
        let out = run(cmd, Some(&input));
        assert_not_posted(&out, &input, 1, &["http://"], &[COMMENT_TEXT]);
        assert!(
            !out.stderr.contains(password) && !out.stderr.contains("alice"),
            "{}",
            out.stderr
        );
    }
}

#[test]
fn a_token_that_cannot_be_a_header_is_a_clear_error_not_a_crash() {
    let dir = workdir();
    let input = plan_bytes();
    let fake = github();
    for (token, found) in [
        (
            "ghp_first-half\nsecond-half",
            "a line break at character 15",
        ),
        ("ghp_bell\u{7}token", "a control character (U+0007)"),
    ] {
        let mut cmd = tfpost(dir.path(), &["plan"]);
        cmd.env("GITHUB_TOKEN", token)
            .env("GITHUB_API_URL", fake.api_url());
        let out = run(cmd, Some(&input));
        assert_not_posted(&out, &input, 1, &["GITHUB_TOKEN", found], &[COMMENT_TEXT]);
        assert!(!out.stderr.contains("second-half"), "{}", out.stderr);
    }
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    // Wrap mode: Terraform's own exit code (2, changes present) is kept.
    let script = wrapped_plan(2);
    let mut cmd = tfpost(
        dir.path(),
        &["plan", "--notify", "slack", "--", "sh", "-c", &script],
    );
    cmd.env("SLACK_BOT_TOKEN", "xoxb-bell\u{7}token")
        .env("SLACK_CHANNEL", "C0123")
        .env(
            "SLACK_API_URL",
            format!("http://127.0.0.1:{}/api", closed_port()),
        );
    let out = run(cmd, None);
    assert_not_posted(
        &out,
        &input,
        2,
        &["SLACK_BOT_TOKEN", "a control character (U+0007)"],
        // The target (`--var`) went to the wrapped command: the message names the directory.
        &[
            "----- message not posted (slack) -----\n:warning:",
            "Terraform plan destroys resources",
        ],
    );
}

#[test]
fn an_answer_larger_than_any_github_sends_is_not_read_whole() {
    // Every request gets a 100 MB answer; tfpost stops reading at its cap and says so.
    let port = http_server::serve(|_| {
        Some(http_server::HttpResponse {
            status: 200,
            headers: Vec::new(),
            body: format!("[{}]", " ".repeat(100 * 1024 * 1024)),
        })
    });
    let dir = workdir();
    let input = plan_bytes();
    let mut cmd = tfpost(dir.path(), &["plan"]);
    cmd.env("GITHUB_TOKEN", TOKEN)
        .env("GITHUB_API_URL", format!("http://127.0.0.1:{port}"));
    let out = run(cmd, Some(&input));
    assert_not_posted(
        &out,
        &input,
        1,
        &["the answer is larger than 16 MiB"],
        &[COMMENT_TEXT],
    );
}
