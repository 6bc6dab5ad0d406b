//! The Slack notifier against a local fake Slack (127.0.0.1, port 0): both ways in, the thread
//! reply, the `when` policy, mentions, retries, and each Slack error mapped to what to fix.

mod fake_slack;

use std::time::{Duration, Instant};

use fake_slack::{FakeSlack, Reply};
use serde_json::{Value, json};
use tfpost::http::RetryPolicy;
use tfpost::message::SlackMessage;
use tfpost::model::{Kind, Report, RunKind};
use tfpost::notify::slack::{PostOutcome, SlackError, SlackNotifier, SlackOptions, SlackTarget};
use tfpost::notify::{RunFacts, When};
use tfpost::parse::{ParseOptions, parse};
use tfpost::render::RenderContext;
use tfpost::render::slack::{DETAILS_BLOCK_PREFIX, render};

const TOKEN: &str = "xoxb-1111-2222-SECRETTOKENVALUE";
const WEBHOOK_SECRET: &str = "SECRETWEBHOOKPATHxyz123";

fn fixture(name: &str) -> Report {
    let path = format!("{}/fixtures/tf-1.15.5/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    parse(&text, ParseOptions::default()).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ctx() -> RenderContext {
    RenderContext {
        target: Some("envs/prod".into()),
        build_url: Some("https://ci.example.com/build/7".into()),
        ..RenderContext::default()
    }
}

/// Quick retries so failure tests take milliseconds.
fn fast() -> SlackOptions {
    SlackOptions {
        retry: RetryPolicy {
            timeout: Duration::from_secs(5),
            base_delay: Duration::from_millis(10),
            max_total_wait: Duration::from_secs(2),
            ..RetryPolicy::default()
        },
        ..SlackOptions::default()
    }
}

fn bot(fake: &FakeSlack, channel: &str, options: SlackOptions) -> SlackNotifier {
    let target = SlackTarget::Bot {
        api_url: fake.api_url(),
        token: TOKEN.into(),
        channel: channel.into(),
    };
    SlackNotifier::new(target, options).expect("valid bot target")
}

fn webhook(fake: &FakeSlack, options: SlackOptions) -> SlackNotifier {
    let target = SlackTarget::Webhook {
        url: fake.webhook_url(WEBHOOK_SECRET),
    };
    SlackNotifier::new(target, options).expect("valid webhook target")
}

/// Neither secret in the error's message, its sources or its Debug form.
fn assert_no_secret(err: &SlackError) {
    let mut texts = vec![err.to_string(), format!("{err:?}")];
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        texts.push(inner.to_string());
        source = inner.source();
    }
    for text in texts {
        assert!(
            !text.contains(TOKEN) && !text.contains("SECRETTOKEN"),
            "token leaked: {text}"
        );
        assert!(!text.contains(WEBHOOK_SECRET), "webhook URL leaked: {text}");
    }
}

fn plan_with_destroys() -> (Report, SlackMessage, RunFacts) {
    let report = fixture("kitchen-sink.plan.txt");
    let message = render(&report, &ctx());
    let facts = RunFacts::of(&report);
    (report, message, facts)
}

fn has_details_blocks(body: &Value) -> bool {
    body["blocks"].as_array().is_some_and(|b| {
        b.iter().any(|b| {
            b["block_id"]
                .as_str()
                .is_some_and(|id| id.starts_with(DETAILS_BLOCK_PREFIX))
        })
    })
}

#[tokio::test]
async fn webhook_posts_the_blocks_with_the_details_inline() {
    let fake = FakeSlack::start().await;
    let (_, message, facts) = plan_with_destroys();
    let outcome = webhook(&fake, fast())
        .post(&message, &facts)
        .await
        .expect("posted");
    assert_eq!(
        outcome,
        PostOutcome {
            channel: None,
            ts: None,
            thread_replies: 0
        }
    );
    let requests = fake.requests();
    assert_eq!(requests.len(), 1, "a webhook cannot thread: one post");
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/services/T0001/B0001/{WEBHOOK_SECRET}")
    );
    assert!(
        request.header("authorization").is_none(),
        "no token goes to a webhook"
    );
    let body = request.json();
    assert_eq!(body["text"], json!(message.text));
    assert_eq!(body["blocks"], json!(message.blocks));
    assert!(has_details_blocks(&body));
}

#[tokio::test]
async fn bot_posts_the_summary_then_the_details_in_its_thread() {
    let fake = FakeSlack::start().await;
    let (_, message, facts) = plan_with_destroys();
    assert!(message.thread_reply.is_some());
    let outcome = bot(&fake, "C0PLANS0001", fast())
        .post(&message, &facts)
        .await
        .expect("posted");
    let PostOutcome {
        channel,
        ts,
        thread_replies,
    } = outcome;
    assert_eq!(channel.as_deref(), Some("C0PLANS0001"));
    assert_eq!(ts.as_deref(), Some("1700000000.000001"));
    assert_eq!(thread_replies, 1);

    let requests = fake.requests();
    assert_eq!(requests.len(), 2);
    for r in &requests {
        assert_eq!(r.path, "/api/chat.postMessage");
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    let parent = requests[0].json();
    assert_eq!(parent["channel"], "C0PLANS0001");
    assert!(parent.get("thread_ts").is_none());
    assert!(
        !has_details_blocks(&parent),
        "details go to the thread, not the parent"
    );
    assert_eq!(parent["link_names"], json!(false));
    assert_eq!(parent["unfurl_links"], json!(false));
    assert_eq!(parent["text"], json!(message.text));
    let reply = requests[1].json();
    assert_eq!(reply["thread_ts"], "1700000000.000001");
    assert_eq!(reply["channel"], "C0PLANS0001");
    let expected = message.thread_reply.as_deref().map(|r| json!(r.blocks));
    assert_eq!(Some(reply["blocks"].clone()), expected);
}

#[tokio::test]
async fn a_channel_name_is_answered_with_its_id_and_replies_use_the_id() {
    let fake = FakeSlack::start().await;
    let (_, message, facts) = plan_with_destroys();
    bot(&fake, "#infra", fast())
        .post(&message, &facts)
        .await
        .expect("posted");
    let requests = fake.requests();
    assert_eq!(requests[0].json()["channel"], "infra");
    assert_eq!(requests[1].json()["channel"], "C0NAMED0001");
}

#[tokio::test]
async fn threads_can_be_turned_off_so_the_details_stay_inline() {
    let fake = FakeSlack::start().await;
    let (_, message, facts) = plan_with_destroys();
    let options = SlackOptions {
        thread_details: false,
        ..fast()
    };
    bot(&fake, "C1", options)
        .post(&message, &facts)
        .await
        .expect("posted");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert!(has_details_blocks(&requests[0].json()));
}

#[tokio::test]
async fn per_kind_channels_route_plans_and_applies() {
    let fake = FakeSlack::start().await;
    let options = SlackOptions {
        plan_channel: Some("C0PLAN".into()),
        apply_channel: Some("C0APPLY".into()),
        ..fast()
    };
    let notifier = bot(&fake, "C0DEFAULT", options);
    let apply = fixture("create-count.apply.txt");
    assert_eq!(apply.kind, Kind::Apply);
    notifier
        .post(&render(&apply, &ctx()), &RunFacts::of(&apply))
        .await
        .expect("posted");
    let plan = fixture("create-count.plan.txt");
    notifier
        .post(&render(&plan, &ctx()), &RunFacts::of(&plan))
        .await
        .expect("posted");
    let channels: Vec<Value> = fake
        .requests()
        .iter()
        .map(|r| r.json()["channel"].clone())
        .collect();
    assert_eq!(channels.first(), Some(&json!("C0APPLY")));
    assert!(channels.contains(&json!("C0PLAN")));
    assert!(!channels.contains(&json!("C0DEFAULT")));
    assert_eq!(
        notifier.destination(&RunFacts::of(&apply)),
        format!(
            "Slack channel `C0APPLY` via {}/chat.postMessage",
            fake.api_url().trim_end_matches('/')
        )
    );
}

/// The `when:` policy is the runner's (the notifier posts what it is given): which runs each
/// list of conditions lets through.
#[test]
fn when_conditions_match_the_runs_they_name() {
    let no_changes = fixture("no-changes.plan.txt");
    let destroy = fixture("destroy-plan.plan.txt");
    let failed = fixture("invalid-reference.plan.txt");
    let apply = fixture("create-count.apply.txt");
    let cases: &[(&[When], &Report, bool)] = &[
        (&[], &no_changes, true),
        (&[When::Always], &no_changes, true),
        (&[When::Changes], &no_changes, false),
        (&[When::Changes], &destroy, true),
        (&[When::Changes], &failed, true),
        (&[When::Destroy], &destroy, true),
        (&[When::Destroy], &failed, false),
        (&[When::Error], &failed, true),
        (&[When::Error], &destroy, false),
        (&[When::Apply], &destroy, false),
        (&[When::Apply], &apply, true),
        (&[When::Destroy, When::Error], &failed, true),
    ];
    for (when, report, posts) in cases {
        assert_eq!(
            When::any(when, &RunFacts::of(report)),
            *posts,
            "{when:?} on {:?}",
            report.result
        );
    }
    assert!(When::any(
        &[When::Error],
        &RunFacts::parse_failure(RunKind::Plan)
    ));
}

#[tokio::test]
async fn a_configured_group_is_mentioned_on_destroy_or_failure_only() {
    let fake = FakeSlack::start().await;
    let options = SlackOptions {
        mention_group: Some("S0SRE0001".into()),
        thread_details: false,
        ..fast()
    };
    let notifier = webhook(&fake, options);
    let (_, message, facts) = plan_with_destroys();
    notifier.post(&message, &facts).await.expect("posted");
    let creates = fixture("create-count.plan.txt");
    notifier
        .post(&render(&creates, &ctx()), &RunFacts::of(&creates))
        .await
        .expect("posted");
    let failed = fixture("invalid-reference.plan.txt");
    notifier
        .post(&render(&failed, &ctx()), &RunFacts::of(&failed))
        .await
        .expect("posted");
    let bodies: Vec<String> = fake.requests().iter().map(|r| r.body.clone()).collect();
    assert!(bodies[0].contains("<!subteam^S0SRE0001>"));
    assert!(bodies[0].contains("resources are destroyed or replaced"));
    assert!(
        !bodies[1].contains("subteam"),
        "no mention for a plan that only creates"
    );
    assert!(bodies[2].contains("<!subteam^S0SRE0001> Terraform failed"));
    // The mention sits right under the header.
    let first = fake.requests()[0].json();
    assert_eq!(first["blocks"][0]["type"], "header");
    assert!(
        first["blocks"][1]["text"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("<!subteam^S0SRE0001>"))
    );
}

#[test]
fn a_mention_group_must_be_an_id_not_text() {
    for bad in ["", "S01 <!channel>", "here>", "<!subteam^S1>"] {
        let options = SlackOptions {
            mention_group: Some(bad.into()),
            ..SlackOptions::default()
        };
        let target = SlackTarget::Webhook {
            url: "https://hooks.slack.com/services/T/B/x".into(),
        };
        let err = SlackNotifier::new(target, options).expect_err(bad);
        assert!(matches!(err, SlackError::Config(_)), "{err}");
    }
}

#[tokio::test]
async fn rate_limits_are_retried_after_retry_after() {
    let fake = FakeSlack::start().await;
    fake.script([Reply::rate_limited(1)]);
    let (_, message, facts) = plan_with_destroys();
    let started = Instant::now();
    let outcome = bot(&fake, "C1", fast())
        .post(&message, &facts)
        .await
        .expect("posted after retry");
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "waited {:?}",
        started.elapsed()
    );
    assert!(matches!(
        outcome,
        PostOutcome {
            thread_replies: 1,
            ..
        }
    ));
    assert_eq!(fake.requests().len(), 3, "429, parent, reply");
}

#[tokio::test]
async fn a_retry_after_past_the_budget_is_not_waited_for() {
    let fake = FakeSlack::start().await;
    fake.script([Reply::rate_limited(3600)]);
    let started = Instant::now();
    let (_, message, facts) = plan_with_destroys();
    let err = webhook(&fake, fast())
        .post(&message, &facts)
        .await
        .expect_err("an hour is past the budget");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "waited {:?}",
        started.elapsed()
    );
    assert!(
        matches!(err, SlackError::RateLimited { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Retry-After: 3600s"), "{err}");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn rate_limited_on_every_attempt_is_a_clear_error() {
    let fake = FakeSlack::start().await;
    fake.script([Reply::rate_limited(1), Reply::api_error("ratelimited")]);
    let mut options = fast();
    options.retry.max_attempts = 2;
    let (_, message, facts) = plan_with_destroys();
    let err = bot(&fake, "C1", options)
        .post(&message, &facts)
        .await
        .expect_err("rate limited");
    assert!(
        matches!(err, SlackError::RateLimited { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert!(err.to_string().contains("retry the job later"), "{err}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_server_error_on_a_post_is_not_sent_again() {
    // Slack may have posted the message before failing: a second post could show it twice.
    for reply in [
        Reply::status(503, "upstream down"),
        Reply::status(500, "oops"),
        Reply::api_error("internal_error"),
    ] {
        let fake = FakeSlack::start().await;
        fake.script([reply]);
        let (_, message, facts) = plan_with_destroys();
        let err = webhook(&fake, fast())
            .post(&message, &facts)
            .await
            .expect_err("5xx");
        assert!(
            matches!(&err, SlackError::Server { attempts: 1, .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("may or may not have been posted"),
            "{err}"
        );
        assert_eq!(fake.requests().len(), 1, "one post at most");
        assert_no_secret(&err);
    }
}

#[tokio::test]
async fn a_rate_limit_is_waited_out_then_a_server_error_ends_the_post() {
    let fake = FakeSlack::start().await;
    fake.script([Reply::rate_limited(0), Reply::status(502, "bad gateway")]);
    let (_, message, facts) = plan_with_destroys();
    let err = bot(&fake, "C1", fast())
        .post(&message, &facts)
        .await
        .expect_err("5xx");
    assert!(
        matches!(&err, SlackError::Server { status, attempts: 2, .. } if status == "HTTP 502"),
        "{err:?}"
    );
    assert!(err.to_string().contains("chat.postMessage"), "{err}");
    assert_eq!(fake.requests().len(), 2);
    assert_no_secret(&err);
}

#[tokio::test]
async fn web_api_error_codes_say_what_to_fix_and_are_not_retried() {
    type Check = fn(&SlackError) -> bool;
    let cases: &[(Reply, Check, &str)] = &[
        (
            Reply::api_error("channel_not_found"),
            |e| matches!(e, SlackError::ChannelNotFound { channel } if channel == "C0GONE"),
            "SLACK_CHANNEL",
        ),
        (
            Reply::api_error("not_in_channel"),
            |e| matches!(e, SlackError::NotInChannel { .. }),
            "/invite",
        ),
        (
            Reply::api_error("invalid_auth"),
            |e| matches!(e, SlackError::InvalidAuth { .. }),
            "Bot User OAuth Token",
        ),
        (
            Reply::api_error("token_revoked"),
            |e| matches!(e, SlackError::TokenRevoked { .. }),
            "reinstall",
        ),
        (
            Reply::Json(
                json!({"ok": false, "error": "missing_scope", "needed": "chat:write", "provided": "users:read"}),
            ),
            |e| matches!(e, SlackError::MissingScope { needed: Some(n) } if n == "chat:write"),
            "needs `chat:write`",
        ),
        (
            Reply::api_error("msg_too_long"),
            |e| matches!(e, SlackError::MessageRejected { .. }),
            "msg_too_long",
        ),
        (
            Reply::Json(
                json!({"ok": false, "error": "invalid_blocks", "response_metadata": {"messages": ["[ERROR] must be less than 3001 characters [json-pointer:/blocks/3/text/text]"]}}),
            ),
            |e| matches!(e, SlackError::MessageRejected { detail: Some(d), .. } if d.contains("3001")),
            "json-pointer:/blocks/3",
        ),
        (
            Reply::api_error("is_archived"),
            |e| matches!(e, SlackError::ChannelArchived { .. }),
            "unarchive",
        ),
        (
            Reply::api_error("something_new"),
            |e| matches!(e, SlackError::Api { code, .. } if code == "something_new"),
            "something_new",
        ),
    ];
    for (reply, check, hint) in cases {
        let fake = FakeSlack::start().await;
        fake.script([reply.clone()]);
        let (_, message, facts) = plan_with_destroys();
        let err = bot(&fake, "C0GONE", fast())
            .post(&message, &facts)
            .await
            .expect_err("error");
        assert!(check(&err), "{err:?}");
        assert!(err.to_string().contains(hint), "{err} lacks {hint}");
        assert!(!err.is_transient());
        assert_eq!(fake.requests().len(), 1, "{err}: not retried");
        assert_no_secret(&err);
    }
}

#[tokio::test]
async fn webhook_error_answers_say_what_to_fix() {
    type Check = fn(&SlackError) -> bool;
    let cases: &[(Reply, Check)] = &[
        (Reply::status(404, "no_service"), |e| {
            matches!(e, SlackError::WebhookGone { .. })
        }),
        (Reply::status(403, "invalid_token"), |e| {
            matches!(e, SlackError::InvalidAuth { .. })
        }),
        (Reply::status(400, "invalid_payload"), |e| {
            matches!(e, SlackError::MessageRejected { .. })
        }),
        (Reply::status(410, "channel_is_archived"), |e| {
            matches!(e, SlackError::ChannelArchived { .. })
        }),
        (Reply::status(403, "action_prohibited"), |e| {
            matches!(e, SlackError::Prohibited { .. })
        }),
        (Reply::status(404, "<html>Not Found</html>"), |e| {
            matches!(e, SlackError::WebhookGone { .. })
        }),
    ];
    for (reply, check) in cases {
        let fake = FakeSlack::start().await;
        fake.script([reply.clone()]);
        let (_, message, facts) = plan_with_destroys();
        let err = webhook(&fake, fast())
            .post(&message, &facts)
            .await
            .expect_err("error");
        assert!(check(&err), "{err:?}");
        assert_eq!(fake.requests().len(), 1);
        assert_no_secret(&err);
    }
}

#[tokio::test]
async fn a_failed_thread_reply_reports_the_posted_parent() {
    let fake = FakeSlack::start().await;
    let (_, message, facts) = plan_with_destroys();
    // The parent is posted, the reply in its thread is refused.
    fake.script([
        Reply::Json(json!({"ok": true, "channel": "C1", "ts": "1.000001", "message": {"type": "message", "ts": "1.000001", "text": ""}})),
        Reply::api_error("not_in_channel"),
    ]);
    let notifier = bot(&fake, "C1", fast());
    let err = notifier
        .post(&message, &facts)
        .await
        .expect_err("reply refused");
    let SlackError::ThreadReply {
        channel,
        ts,
        source,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((channel.as_str(), ts.as_str()), ("C1", "1.000001"));
    assert!(matches!(**source, SlackError::NotInChannel { .. }));
    assert!(err.to_string().contains("posted the summary"), "{err}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn an_unanswered_post_times_out_and_is_not_sent_again() {
    let fake = FakeSlack::start().await;
    fake.script([Reply::Hang, Reply::Hang]);
    let mut options = fast();
    options.retry.timeout = Duration::from_millis(300);
    options.retry.max_attempts = 2;
    let (_, message, facts) = plan_with_destroys();
    let started = Instant::now();
    let err = webhook(&fake, options)
        .post(&message, &facts)
        .await
        .expect_err("timeout");
    assert!(matches!(err, SlackError::Timeout { .. }), "{err:?}");
    assert_eq!(fake.requests().len(), 1, "one post at most");
    assert!(started.elapsed() < Duration::from_secs(3));
    let text = err.to_string();
    assert!(text.contains("did not answer within 0.3s"), "{text}");
    assert!(text.contains("may or may not have been posted"), "{text}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn an_unreachable_slack_is_a_connection_error_without_secrets() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let mut options = fast();
    options.retry.max_attempts = 2;
    let (_, message, facts) = plan_with_destroys();
    let url = format!("http://127.0.0.1:{port}/services/T/B/{WEBHOOK_SECRET}");
    let notifier =
        SlackNotifier::new(SlackTarget::Webhook { url }, options.clone()).expect("valid");
    let err = notifier.post(&message, &facts).await.expect_err("refused");
    assert!(
        matches!(err, SlackError::Connection { attempts: 2, .. }),
        "{err:?}"
    );
    assert_no_secret(&err);
    let target = SlackTarget::Bot {
        api_url: format!("http://127.0.0.1:{port}/api"),
        token: TOKEN.into(),
        channel: "C1".into(),
    };
    let err = SlackNotifier::new(target, options)
        .expect("valid")
        .post(&message, &facts)
        .await
        .expect_err("refused");
    assert!(matches!(err, SlackError::Connection { .. }), "{err:?}");
    assert_no_secret(&err);
}

#[tokio::test]
async fn a_wrong_api_url_answering_html_is_an_unexpected_response() {
    let fake = FakeSlack::start().await;
    fake.script([Reply::status(200, "<html>proxy login</html>")]);
    let (_, message, facts) = plan_with_destroys();
    let err = bot(&fake, "C1", fast())
        .post(&message, &facts)
        .await
        .expect_err("not Slack");
    assert!(
        matches!(err, SlackError::UnexpectedResponse { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("SLACK_API_URL"), "{err}");
    assert_no_secret(&err);
}

#[test]
fn secrets_stay_out_of_debug_and_destinations() {
    let webhook = SlackTarget::Webhook {
        url: format!("https://hooks.slack.com/services/T/B/{WEBHOOK_SECRET}"),
    };
    let bot = SlackTarget::Bot {
        api_url: "https://slack.com/api/".into(),
        token: TOKEN.into(),
        channel: "C1".into(),
    };
    for target in [webhook, bot] {
        let notifier = SlackNotifier::new(target.clone(), SlackOptions::default()).expect("valid");
        for text in [
            format!("{target:?}"),
            format!("{notifier:?}"),
            notifier.destination(&RunFacts::parse_failure(RunKind::Plan)),
        ] {
            assert!(
                !text.contains(WEBHOOK_SECRET) && !text.contains("SECRETTOKEN"),
                "{text}"
            );
        }
    }
}

#[test]
fn plain_http_is_refused_except_to_this_machine() {
    let remote = SlackTarget::Webhook {
        url: format!("http://hooks.slack.com/services/T/B/{WEBHOOK_SECRET}"),
    };
    let err = SlackNotifier::new(remote, SlackOptions::default()).expect_err("plain http");
    assert!(err.to_string().contains("use https"), "{err}");
    assert_no_secret(&err);
    let remote_api = SlackTarget::Bot {
        api_url: "http://slack.example.com/api/".into(),
        token: TOKEN.into(),
        channel: "C1".into(),
    };
    assert!(SlackNotifier::new(remote_api, SlackOptions::default()).is_err());
    let not_a_url = SlackTarget::Webhook {
        url: format!("hooks.slack.com/{WEBHOOK_SECRET}"),
    };
    let err = SlackNotifier::new(not_a_url, SlackOptions::default()).expect_err("not a URL");
    assert_no_secret(&err);
    let local = SlackTarget::Bot {
        api_url: "http://localhost:1/api/".into(),
        token: TOKEN.into(),
        channel: "C1".into(),
    };
    assert!(SlackNotifier::new(local, SlackOptions::default()).is_ok());
}

#[tokio::test]
async fn a_hostile_plan_posts_with_no_live_mention() {
    let plan = r#"
Terraform will perform the following actions:

  # null_resource.k["<!channel>"] will be destroyed
  - resource "null_resource" "k" {
      - triggers = {
          - "who" = "<@U024BE7LH> <!here>"
        } -> null
    }

Plan: 0 to add, 0 to change, 1 to destroy.
"#;
    let report = parse(plan.as_bytes(), ParseOptions::default()).expect("parses");
    let message = render(&report, &ctx());
    for target in ["webhook", "bot"] {
        let fake = FakeSlack::start().await;
        let notifier = if target == "webhook" {
            webhook(&fake, fast())
        } else {
            bot(&fake, "C1", fast())
        };
        notifier
            .post(&message, &RunFacts::of(&report))
            .await
            .expect("posted");
        let requests = fake.requests();
        assert!(!requests.is_empty());
        for r in requests {
            // The body is JSON: decode it so escapes like \u003c cannot hide a live `<`.
            let decoded = r.json().to_string();
            for live in ["<!channel>", "<@U024BE7LH>", "<!here>"] {
                assert!(
                    !r.body.contains(live) && !decoded.contains(live),
                    "{target}: {live} in {decoded}"
                );
            }
            assert!(
                decoded.contains("&lt;!channel&gt;") || decoded.contains("&lt;@U024BE7LH&gt;"),
                "{decoded}"
            );
        }
    }
}

#[tokio::test]
async fn https_to_a_server_that_is_not_tls_fails_cleanly_without_secrets() {
    // Exercises the real TLS path (rustls with the ring provider and native roots): the fake
    // speaks plain http, so the handshake fails and is reported as a connection error.
    let fake = FakeSlack::start().await;
    let url = format!("https://{}/services/T/B/{WEBHOOK_SECRET}", fake.addr);
    let mut options = fast();
    options.retry.max_attempts = 1;
    let notifier = SlackNotifier::new(SlackTarget::Webhook { url }, options).expect("valid");
    let (_, message, facts) = plan_with_destroys();
    let err = notifier
        .post(&message, &facts)
        .await
        .expect_err("no TLS there");
    assert!(
        matches!(err, SlackError::Connection { attempts: 1, .. }),
        "{err:?}"
    );
    assert_no_secret(&err);
}

#[tokio::test]
async fn failed_and_destroying_runs_go_to_their_own_channels() {
    let fake = FakeSlack::start().await;
    let options = SlackOptions {
        plan_channel: Some("C0PLAN".into()),
        destroy_channel: Some("C0DESTROY".into()),
        error_channel: Some("C0ERROR".into()),
        thread_details: false,
        ..fast()
    };
    let notifier = bot(&fake, "C0DEFAULT", options);
    for name in [
        "create-count.plan.txt",
        "destroy-plan.plan.txt",
        "invalid-reference.plan.txt",
    ] {
        let report = fixture(name);
        notifier
            .post(&render(&report, &ctx()), &RunFacts::of(&report))
            .await
            .expect("posted");
    }
    let channels: Vec<Value> = fake
        .requests()
        .iter()
        .map(|r| r.json()["channel"].clone())
        .collect();
    assert_eq!(
        channels,
        vec![json!("C0PLAN"), json!("C0DESTROY"), json!("C0ERROR")]
    );
}

#[tokio::test]
async fn mention_when_chooses_the_runs_that_mention() {
    let fake = FakeSlack::start().await;
    let options = SlackOptions {
        mention_group: Some("S0OPS".into()),
        mention_when: vec![When::Apply],
        ..fast()
    };
    let notifier = webhook(&fake, options);
    let destroy = fixture("destroy-plan.plan.txt");
    notifier
        .post(&render(&destroy, &ctx()), &RunFacts::of(&destroy))
        .await
        .expect("posted");
    let apply = fixture("create-count.apply.txt");
    notifier
        .post(&render(&apply, &ctx()), &RunFacts::of(&apply))
        .await
        .expect("posted");
    let bodies: Vec<String> = fake.requests().iter().map(|r| r.body.clone()).collect();
    assert!(
        !bodies[0].contains("subteam"),
        "destroy is not in mention_when"
    );
    assert!(
        bodies[1].contains("<!subteam^S0OPS> changes were applied"),
        "{}",
        bodies[1]
    );
}
