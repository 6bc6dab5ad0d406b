//! `tfpost plan` end to end against a local fake Slack Web API: a real plan whose values and
//! for_each keys carry `<!channel>` and `<@U...>` posts a message and its thread reply, and
//! neither broadcasts.

#[allow(dead_code)]
mod fake_slack;

use std::path::{Path, PathBuf};

use fake_slack::FakeSlack;

const TOKEN: &str = "xoxb-e2e-SECRET-token";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_plan_posts_inert_with_its_thread() {
    let fake = FakeSlack::start().await;
    let api_url = fake.api_url();
    let input = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/adversarial.plan.txt"),
    )
    .expect("fixture");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = plan(api_url, dir.path().to_path_buf(), input.clone()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout == input, "the tee is byte for byte");
    assert!(!stderr.contains(TOKEN));

    let posts: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("chat.postMessage"))
        .collect();
    assert_eq!(
        posts.len(),
        2,
        "the message and its thread reply: {posts:#?}"
    );
    assert!(
        posts[1].json()["thread_ts"].is_string(),
        "the reply is in the thread"
    );
    for post in &posts {
        for live in ["<!channel>", "<!here>", "<@U"] {
            assert!(!post.body.contains(live), "{live} is live in {}", post.body);
        }
    }
    assert!(
        posts.iter().any(|p| p.body.contains("&lt;!channel&gt;")),
        "the text is still shown, escaped"
    );
}

/// `tfpost plan` under CircleCI's variables with a bot token, in `dir`, reading `input`.
async fn plan(api_url: String, dir: PathBuf, input: Vec<u8>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        assert_cmd::Command::cargo_bin("tfpost")
            .expect("binary")
            .env_clear()
            .current_dir(dir)
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("CI", "true")
            .env("CIRCLECI", "true")
            .env("CIRCLE_PROJECT_USERNAME", "acme")
            .env("CIRCLE_PROJECT_REPONAME", "infra")
            .env("CIRCLE_SHA1", "abc123")
            .env("CIRCLE_BUILD_URL", "https://circleci.com/gh/acme/infra/7")
            .env("SLACK_BOT_TOKEN", TOKEN)
            .env("SLACK_CHANNEL", "C0123")
            .env("SLACK_API_URL", api_url)
            .args(["plan", "--var", "target=envs/prod"])
            .write_stdin(input)
            .output()
            .expect("runs")
    })
    .await
    .expect("joined")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threads_false_keeps_the_details_in_the_one_message() {
    let fake = FakeSlack::start().await;
    let input = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/tf-1.15.5/kitchen-sink.plan.txt"),
    )
    .expect("fixture");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("tfpost.yaml"), "slack:\n  threads: false\n").expect("config");
    let out = plan(fake.api_url(), dir.path().to_path_buf(), input.clone()).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout == input, "the tee is byte for byte");
    let posts: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("chat.postMessage"))
        .collect();
    assert_eq!(posts.len(), 1, "one message, no thread: {posts:#?}");
    let message = posts[0].json();
    assert!(message["thread_ts"].is_null());
    // The summary and, below it, a diff that the thread would otherwise carry.
    assert!(
        posts[0].body.contains("terraform_data.s_e"),
        "{}",
        posts[0].body
    );
    let blocks = message["blocks"].as_array().expect("blocks");
    assert!(
        blocks.iter().any(|b| b["type"] == "divider"),
        "the details below a divider: {message:#}"
    );

    // The same run with threads on (the default) posts the details as a reply.
    let fake = FakeSlack::start().await;
    std::fs::write(dir.path().join("tfpost.yaml"), "slack:\n  threads: true\n").expect("config");
    let out = plan(fake.api_url(), dir.path().to_path_buf(), input).await;
    assert_eq!(out.status.code(), Some(0));
    let posts = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("chat.postMessage"))
        .count();
    assert!(posts >= 2, "a message and its thread: {posts}");
}
