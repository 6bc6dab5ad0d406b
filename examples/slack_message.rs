//! Prints the Slack messages tfpost would post for a Terraform output, as the JSON payloads of
//! `chat.postMessage` (the parent, then each thread reply): how `docs/slack-example.json` is
//! made. Posts nothing.
//!
//! ```sh
//! cargo run --example slack_message -- fixtures/tf-1.15.5/kitchen-sink.plan.txt > docs/slack-example.json
//! ```

use std::process::ExitCode;

use serde_json::json;
use tfpost::parse::{ParseOptions, parse};
use tfpost::render::RenderContext;
use tfpost::render::slack::{render, render_parse_failure};

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: slack_message FILE");
        return ExitCode::FAILURE;
    };
    let raw = match std::fs::read(&path) {
        Ok(raw) => raw,
        Err(err) => {
            eprintln!("cannot read {path}: {err}");
            return ExitCode::FAILURE;
        }
    };
    // An example context: what CI detection fills in on a pull request.
    let ctx = RenderContext {
        target: Some("envs/prod".into()),
        build_url: Some(
            "https://app.circleci.com/pipelines/github/acme/infra/812/workflows/1/jobs/2040".into(),
        ),
        repository: Some("acme/infra".into()),
        pr_number: Some(42),
        pr_url: Some("https://github.com/acme/infra/pull/42".into()),
        pr_title: Some("Rotate the app subnets".into()),
        pr_author: Some("alice".into()),
        sha: Some("4c3b2a1f0e9d8c7b6a59".into()),
        ..RenderContext::default()
    };
    let message = match parse(&raw, ParseOptions::default()) {
        Ok(report) => render(&report, &ctx),
        Err(err) => render_parse_failure(&raw, None, &err.to_string(), &ctx),
    };
    let mut payloads = vec![];
    let parent = message.without_inline_details();
    payloads.push(json!({"channel": "C0INFRA01", "text": parent.text, "blocks": parent.blocks}));
    let mut next = message.thread_reply.as_deref();
    while let Some(reply) = next {
        payloads.push(json!({
            "channel": "C0INFRA01",
            "thread_ts": "(ts of the message above)",
            "text": reply.text,
            "blocks": reply.blocks,
        }));
        next = reply.thread_reply.as_deref();
    }
    match serde_json::to_string_pretty(&payloads) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("{err}");
            ExitCode::FAILURE
        }
    }
}
