//! Parse + render on arbitrary bytes: no panic, and every message within its platform's limits
//! (docs/github.md and docs/slack.md on size limits), whatever the plan holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tfpost::message::GITHUB_COMMENT_MAX_CHARS;
use tfpost::parse::{ParseOptions, parse};
use tfpost::render::inert::github_len;
use tfpost::render::{RenderContext, github, slack};

fuzz_target!(|data: &[u8]| {
    let ctx = RenderContext {
        target: Some("envs/prod".into()),
        build_url: Some("https://ci.example/1".into()),
        ..RenderContext::default()
    };
    let (comment, message) = match parse(data, ParseOptions::default()) {
        Ok(report) => (github::render(&report, &ctx), slack::render(&report, &ctx)),
        Err(err) => (
            github::parse_failure(data, &err.to_string(), &ctx),
            slack::render_parse_failure(data, None, &err.to_string(), &ctx),
        ),
    };
    assert!(github_len(&comment.body) <= GITHUB_COMMENT_MAX_CHARS);
    for part in &comment.parts {
        assert!(github_len(part) <= GITHUB_COMMENT_MAX_CHARS);
    }
    let violations = slack::limit_violations(&message);
    assert!(violations.is_empty(), "{violations:?}");
});
