//! Plan text is inert (docs/security.md): text from a plan never becomes live Markdown or HTML in a
//! GitHub comment.
//!
//! Each comment is rendered to HTML by a real GitHub-flavoured Markdown renderer (comrak, and
//! `cmark-gfm`, GitHub's own fork, when it is installed) with raw HTML allowed, as GitHub's
//! renderer does before sanitizing. Two checks:
//! - the hostile report gives exactly the same HTML tag sequence as a twin whose strings are
//!   harmless: plan text added no tag, link or autolink and closed none;
//! - outside `<code>` and `<pre>`, the HTML text holds no `@mention` or `#123` reference that
//!   GitHub would link.

use std::io::Write as _;
use std::process::{Command, Stdio};

use tfpost::message::GITHUB_COMMENT_MAX_CHARS;
use tfpost::model::{
    Action, Diagnostic, Drift, Kind, Mode, Outcome, OutputChange, Report, ResourceChange, Summary,
};
use tfpost::render::inert::github_len;
use tfpost::render::user_template::UserTemplate;
use tfpost::render::{RenderContext, github};

/// Everything that has broken out of a comment somewhere.
const HOSTILE: &str = "```` ~~~ </details></summary><script>alert(1)</script> <img src=x onerror=alert(1)> \
<!-- hidden --> @octocat #123 GH-7 [x](javascript:alert(1)) [y]: javascript:alert(2) www.evil.example \
https://evil.example/p <https://evil.example> ` `` |a|b| <!channel> <@U123> *em* _u_ \\ &amp; \
\n\n# Heading\n- item\n> quote\n</code></pre><b>bold</b>";

fn hostile_report(s: &str) -> Report {
    let key = |i: u32| format!("null_resource.x[\"{s}{i}\"]");
    let diff = format!(
        "  ~ resource \"null_resource\" \"x\" {{\n      ~ triggers = {{\n          ~ \"{s}\" = \"{s}\" -> \"{s}\"\n        }}\n    }}"
    );
    let resource = |i: u32, action: Action| ResourceChange {
        address: key(i).into(),
        module: Some(format!("module.m[\"{s}\"]").into()),
        resource_type: "null_resource".into(),
        name: "x".into(),
        index: Some(format!("\"{s}\"").into()),
        mode: Mode::Managed,
        action,
        reason: Some(s.into()),
        from_address: (action == Action::Move).then(|| key(99).into()),
        import_id: (action == Action::Import).then(|| s.into()),
        imported: action == Action::Update,
        replace_order: None,
        deposed: (action == Action::Delete).then(|| s.into()),
        section: Some(s.into()),
        diff: Some(diff.as_str().into()),
    };
    let diagnostic = Diagnostic {
        summary: s.to_string(),
        detail: format!("{s}\n{s}"),
        file: Some(s.to_string()),
        line: Some(1),
        address: Some(key(0)),
        section: Some(s.to_string()),
    };
    let mut report = Report::empty(Kind::Plan);
    report.result = Outcome::Error;
    report.summary = Some(Summary {
        add: 2,
        change: 1,
        destroy: 2,
        ..Summary::default()
    });
    report.resources = [
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Replace,
        Action::Import,
        Action::Move,
        Action::Forget,
        Action::Read,
    ]
    .into_iter()
    .enumerate()
    .map(|(i, a)| resource(i as u32, a))
    .collect();
    report.outputs = vec![OutputChange {
        name: s.to_string(),
        action: Action::Create,
        sensitive: false,
        diff: Some(format!("  + {s} = \"{s}\"")),
        section: None,
    }];
    report.drift = vec![Drift {
        address: key(7).into(),
        action: Action::Update,
        diff: Some(diff.clone()),
        section: Some(s.to_string()),
    }];
    report.warnings = vec![diagnostic.clone()];
    report.errors = vec![diagnostic];
    report
}

fn context(s: &str) -> RenderContext {
    let mut ctx = RenderContext {
        target: Some(s.to_string()),
        build_url: Some("https://ci.example/build/1".into()),
        ..RenderContext::default()
    };
    ctx.vars.insert("branch".into(), s.to_string());
    ctx
}

/// A harmless string of the same role: the twin's comment has the structure the hostile one
/// must keep.
const BENIGN: &str = "harmless";

fn comrak_html(markdown: &str) -> String {
    let mut options = comrak::Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.alerts = true;
    options.render.r#unsafe = true;
    options.render.hardbreaks = true;
    comrak::markdown_to_html(markdown, &options)
}

/// `cmark-gfm` (Debian package `cmark-gfm`) when installed.
fn cmark_gfm_html(markdown: &str) -> Option<String> {
    let mut child = Command::new("cmark-gfm")
        .args([
            "--unsafe",
            "--hardbreaks",
            "-e",
            "table",
            "-e",
            "strikethrough",
            "-e",
            "autolink",
            "-e",
            "tasklist",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(markdown.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    assert!(out.status.success(), "cmark-gfm failed");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn renderers(markdown: &str) -> Vec<(&'static str, String)> {
    let mut out = vec![("comrak", comrak_html(markdown))];
    if let Some(html) = cmark_gfm_html(markdown) {
        out.push(("cmark-gfm", html));
    }
    out
}

/// The sequence of tags in HTML, each as its name and attribute names; escaped text
/// (`&lt;b&gt;`) is not a tag.
fn tags(html: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut chars = html.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '<' {
            continue;
        }
        let mut tag = String::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() || c == '>' {
                break;
            }
            tag.push(c);
            chars.next();
        }
        // Attributes: names kept, quoted values skipped whole.
        loop {
            match chars.next() {
                None | Some('>') => break,
                Some(c) if c.is_whitespace() => {}
                Some('=') => match chars.peek() {
                    Some(&q) if q == '"' || q == '\'' => {
                        chars.next();
                        for c in chars.by_ref() {
                            if c == q {
                                break;
                            }
                        }
                    }
                    _ => {
                        while chars
                            .peek()
                            .is_some_and(|c| !c.is_whitespace() && *c != '>')
                        {
                            chars.next();
                        }
                    }
                },
                Some(c) => {
                    tag.push(' ');
                    tag.push(c);
                    while let Some(&c) = chars.peek() {
                        if c.is_whitespace() || c == '=' || c == '>' {
                            break;
                        }
                        tag.push(c);
                        chars.next();
                    }
                }
            }
        }
        tags.push(tag);
    }
    tags
}

/// HTML text outside `<code>`/`<pre>` elements, where GitHub links mentions and references.
fn linkable_text(html: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        if depth == 0 {
            out.push_str(&rest[..i]);
        }
        let end = rest[i..].find('>').map_or(rest.len(), |e| i + e + 1);
        let tag = &rest[i..end];
        if tag.starts_with("<code") || tag.starts_with("<pre") {
            depth += 1;
        } else if tag.starts_with("</code") || tag.starts_with("</pre") {
            depth = depth.saturating_sub(1);
        }
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

fn assert_inert(hostile_md: &str, benign_md: &str) {
    for ((name, hostile), (_, benign)) in
        renderers(hostile_md).into_iter().zip(renderers(benign_md))
    {
        let (hostile_tags, benign_tags) = (tags(&hostile), tags(&benign));
        let first_difference = hostile_tags
            .iter()
            .zip(&benign_tags)
            .position(|(h, b)| h != b);
        assert_eq!(
            hostile_tags, benign_tags,
            "{name}: plan text changed the HTML structure (first difference at tag {first_difference:?})\n\
             --- html ---\n{hostile}\n--- twin html ---\n{benign}"
        );
        assert_no_live_text(name, &hostile);
    }
}

fn assert_no_live_text(name: &str, html: &str) {
    for forbidden in [
        "<script",
        "<img",
        "<!--",
        "href=\"javascript",
        "<b>",
        "<iframe",
    ] {
        assert!(
            !html.contains(forbidden),
            "{name}: `{forbidden}` is live in\n{html}"
        );
    }
    let text = linkable_text(html);
    for reference in ["@octocat", "#123", "GH-7", "@U123"] {
        assert!(
            !text.contains(reference),
            "{name}: `{reference}` outside code in\n{text}"
        );
    }
}

#[test]
fn plan_comment_is_inert() {
    let hostile = github::plan(&hostile_report(HOSTILE), &context(HOSTILE)).body;
    let benign = github::plan(&hostile_report(BENIGN), &context(BENIGN)).body;
    assert!(hostile.contains("[!CAUTION]"));
    assert_inert(&hostile, &benign);
}

#[test]
fn apply_comment_is_inert() {
    let mut report = hostile_report(HOSTILE);
    report.kind = Kind::Apply;
    let mut twin = hostile_report(BENIGN);
    twin.kind = Kind::Apply;
    let hostile = github::apply(&report, &context(HOSTILE)).body;
    let benign = github::apply(&twin, &context(BENIGN)).body;
    assert_inert(&hostile, &benign);
}

#[test]
fn parse_failure_comment_is_inert() {
    let raw = format!("{HOSTILE}\n\u{0}\u{1b}[31mred\u{1b}[0m\r\n{HOSTILE}");
    let hostile = github::parse_failure(raw.as_bytes(), HOSTILE, &context(HOSTILE)).body;
    let benign = github::parse_failure(BENIGN.as_bytes(), BENIGN, &context(BENIGN)).body;
    assert_inert(&hostile, &benign);
}

#[test]
fn cut_comment_and_parts_are_inert() {
    let mut report = hostile_report(HOSTILE);
    let template = report.resources.clone();
    for i in 0..100 {
        for r in &template {
            let mut r = r.clone();
            r.address = format!("{}{i}", r.address).into();
            report.resources.push(r);
        }
    }
    let message = github::plan(&report, &context(HOSTILE));
    assert!(github_len(&message.body) <= GITHUB_COMMENT_MAX_CHARS);
    assert!(message.body.contains("This comment is shortened"));
    for body in std::iter::once(&message.body).chain(&message.parts) {
        for (name, html) in renderers(body) {
            assert_no_live_text(name, &html);
            assert_eq!(
                html.matches("<details").count(),
                html.matches("</details>").count(),
                "{name}"
            );
        }
    }
}

#[test]
fn user_template_filters_are_inert() {
    let source = "{{ title|md_escape }}\n\n{{ title|inline_code }} {{ body|inline_code }}\n\n\
                  {{ body|code_block('diff') }}\n{{ body|diff_block }}\n\
                  {{ body|code_block|details(title) }}\n<p title=\"{{ title|html_escape }}\">{{ body|html_escape }}</p>\n\n\
                  {% for r in created_resources %}- {{ r|inline_code }}\n{% endfor %}";
    let template = UserTemplate::from_source("inert.md", source);
    let render = |s: &str| {
        let mut ctx = context(s);
        ctx.title = Some(s.to_string());
        template
            .render(&hostile_report(s), &ctx, s.as_bytes())
            .map_err(|e| e.to_string())
    };
    let hostile = render(HOSTILE).unwrap_or_else(|e| panic!("{e}"));
    let benign = render(BENIGN).unwrap_or_else(|e| panic!("{e}"));
    assert_inert(&hostile, &benign);
}

/// The tags the built-in comment writes; anything else in the HTML came from plan text.
const OWN_TAGS: &[&str] = &[
    "h3",
    "h4",
    "p",
    "strong",
    "em",
    "code",
    "pre",
    "ul",
    "li",
    "details",
    "summary",
    "sub",
    "br",
    "div",
    "a",
    // `cmark-gfm` has no alerts: `> [!CAUTION]` stays a blockquote.
    "blockquote",
];

/// A real Terraform 1.15.5 plan (`tests/data/adversarial.tf`, applied, then planned with
/// `-var phase=2`) whose for_each keys, values, output and check message carry the payloads.
#[test]
fn real_adversarial_plan_renders_inert() {
    let raw = std::fs::read("tests/data/adversarial.plan.txt").unwrap_or_default();
    let report = tfpost::parse::parse(&raw, tfpost::parse::ParseOptions::default())
        .unwrap_or_else(|e| panic!("the adversarial plan must parse: {e}"));
    let ctx = context(BENIGN);
    let body = github::plan(&report, &ctx).body;
    // Not vacuous: the payloads are in the comment, as text.
    assert!(body.contains("This plan destroys **4** and replaces **4** resources:"));
    assert!(body.contains("</details></summary><script>alert(1)</script>"));
    assert!(body.contains("#### ⚠️ Warnings"));
    let generated_details = body.lines().filter(|l| l.starts_with("<details")).count();
    assert!(generated_details >= 13, "{generated_details}");
    for (name, html) in renderers(&body) {
        assert_no_live_text(name, &html);
        for tag in tags(&html) {
            let tag_name = tag.trim_start_matches('/');
            let tag_name = tag_name.split(' ').next().unwrap_or_default();
            assert!(
                OWN_TAGS.contains(&tag_name),
                "{name}: `<{tag}>` came from plan text"
            );
            if tag.starts_with("a ") {
                assert_eq!(tag, "a href", "{name}");
            }
        }
        assert_eq!(
            html.matches("<details").count(),
            generated_details,
            "{name}"
        );
        assert_eq!(
            html.matches("</details>").count(),
            generated_details,
            "{name}"
        );
        assert_eq!(
            html.matches("href=").count(),
            html.matches("href=\"https://ci.example/build/1\"").count(),
            "{name}: a link that is not the build's"
        );
    }
}

/// A resource destroyed at `address`, with nothing else to show.
fn destroyed(address: &str) -> ResourceChange {
    let mut r = hostile_report(BENIGN).resources[2].clone();
    assert_eq!(r.action, Action::Delete);
    r.address = address.into();
    (r.reason, r.deposed, r.section, r.diff) = (None, None, None, None);
    r
}

#[test]
fn caution_block_names_every_destroyed_resource_whatever_its_length() {
    let long = format!("null_resource.x[\"{}\"]", "k".repeat(25_000));
    let mut report = Report::empty(Kind::Plan);
    report.resources = vec![destroyed(&long), destroyed("aws_db_instance.main")];
    let body = github::plan(&report, &context(BENIGN)).body;
    let caution_start = body.find("> [!CAUTION]").expect("a caution block");
    let caution: String = body[caution_start..]
        .lines()
        .take_while(|l| l.starts_with('>'))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        caution.contains("`aws_db_instance.main`"),
        "the real destroy is named: {caution}"
    );
    assert!(
        caution.contains("`null_resource.x[\"kkk") && caution.contains("kkk\"]`"),
        "the long address is named, both ends kept"
    );
    assert!(caution.contains('…'), "and visibly shortened");
    assert!(caution.len() < 2_000, "{}", caution.len());
}

/// Characters that reorder or hide text, each in an address, a key and a reason.
const HIDDEN: [char; 10] = [
    '\u{202A}',
    '\u{202E}',
    '\u{2066}',
    '\u{2069}',
    '\u{200B}',
    '\u{200F}',
    '\u{2028}',
    '\u{FEFF}',
    '\u{061C}',
    '\u{E0041}',
];

#[test]
fn bidi_and_zero_width_characters_are_shown_visibly() {
    for c in HIDDEN {
        let spoof = format!("aws_iam_role.admin{c}nimda");
        let mut r = destroyed(&format!("{spoof}[\"k{c}\"]"));
        r.reason = Some(format!("because key [\"k{c}\"] is not in for_each map").into());
        let mut report = Report::empty(Kind::Plan);
        report.resources = vec![r];
        let escape = format!("\\u{:04X}", c as u32);
        let github = github::plan(&report, &context(BENIGN)).body;
        let slack = slack_strings(&tfpost::render::slack::render(&report, &context(BENIGN)));
        for (name, text) in [("github", github), ("slack", slack)] {
            assert!(!text.contains(c), "{name}: {escape} copied verbatim");
            assert!(
                text.contains(&format!("aws_iam_role.admin{escape}nimda")),
                "{name}: {escape} not shown in {text}"
            );
        }
    }
}

/// Every string of a Slack message (text, blocks and thread reply), one a line.
fn slack_strings(message: &tfpost::message::SlackMessage) -> String {
    fn walk(value: &serde_json::Value, out: &mut String) {
        match value {
            serde_json::Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(map) => map.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = String::new();
    walk(&serde_json::to_value(message).unwrap_or_default(), &mut out);
    out
}

/// The structure of a Slack message: in its texts, in order, the code delimiters and the
/// characters that format or link outside code (`*`, `_`, `~`, `<`, `>`). Plan text is in code or
/// escaped, so it adds none of these and removes none. Section boundaries are left out: a longer
/// text moves an item to the next section. Also the texts, to show a difference.
fn slack_structure(message: &tfpost::message::SlackMessage) -> (Vec<String>, Vec<String>) {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>, texts: &mut Vec<String>) {
        match value {
            serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out, texts)),
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(text)) = map.get("text") {
                    let plain = map.get("type").and_then(|t| t.as_str()) == Some("plain_text");
                    let tokens = mrkdwn_tokens(text);
                    for delimiter in ["`", "```"] {
                        assert!(
                            tokens.iter().filter(|t| *t == delimiter).count() % 2 == 0,
                            "a code span or block left open in {text}"
                        );
                    }
                    // Slack reads no formatting in plain text; entities are still escaped.
                    out.extend(
                        tokens
                            .into_iter()
                            .filter(|t| !plain || t == "<" || t == ">")
                            .map(|t| format!("{t} (text {})", texts.len())),
                    );
                    texts.push(text.clone());
                }
                for (key, v) in map {
                    if key != "text" || !v.is_string() {
                        walk(v, out, texts);
                    }
                }
            }
            _ => {}
        }
    }
    let (mut out, mut texts) = (Vec::new(), Vec::new());
    walk(
        &serde_json::to_value(message).unwrap_or_default(),
        &mut out,
        &mut texts,
    );
    (out, texts)
}

/// The code delimiters of Slack mrkdwn text and the formatting characters outside code; `<` and
/// `>` everywhere, since Slack reads links and mentions even inside code.
fn mrkdwn_tokens(text: &str) -> Vec<String> {
    let (mut in_block, mut in_code) = (false, false);
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if !in_code && rest.starts_with("```") {
            in_block = !in_block;
            tokens.push("```".to_string());
            rest = &rest[3..];
            continue;
        }
        let formatting = !in_block && !in_code && matches!(c, '*' | '_' | '~');
        if !in_block && c == '`' {
            in_code = !in_code;
            tokens.push(c.to_string());
        } else if formatting || matches!(c, '<' | '>') {
            tokens.push(c.to_string());
        }
        rest = &rest[c.len_utf8()..];
    }
    tokens
}

fn assert_slack_inert(
    hostile: &tfpost::message::SlackMessage,
    benign: &tfpost::message::SlackMessage,
) {
    let ((h, h_texts), (b, b_texts)) = (slack_structure(hostile), slack_structure(benign));
    let token = |t: &String| t.split(' ').next().unwrap_or_default().to_string();
    let (h_tokens, b_tokens): (Vec<String>, Vec<String>) =
        (h.iter().map(token).collect(), b.iter().map(token).collect());
    if h_tokens != b_tokens {
        let at = h_tokens
            .iter()
            .zip(&b_tokens)
            .position(|(h, b)| h != b)
            .unwrap_or(h.len().min(b.len()));
        let text_of = |tokens: &[String], at: usize| {
            tokens
                .get(at.min(tokens.len().saturating_sub(1)))
                .and_then(|t| t.rsplit(' ').next())
                .and_then(|n| n.trim_end_matches(')').parse::<usize>().ok())
                .unwrap_or(0)
        };
        panic!(
            "plan text changed the Slack message's structure: {:?} against {:?}\n{}\n--- twin ---\n{}",
            &h[at.saturating_sub(3)..(at + 3).min(h.len())],
            &b[at.saturating_sub(3)..(at + 3).min(b.len())],
            h_texts.get(text_of(&h, at)).map_or("", String::as_str),
            b_texts.get(text_of(&b, at)).map_or("", String::as_str),
        );
    }
}

/// What breaks out of Slack mrkdwn, short enough that no section of the message is cut.
const SLACK_HOSTILE: &str = "```*b*``` _i_ `c` <!here> &amp;\n> q";

#[test]
fn slack_message_is_inert() {
    // The target and title come from the pipeline, not the plan: the twin's context.
    let slack = |s: &str| tfpost::render::slack::render(&hostile_report(s), &context(BENIGN));
    // Short enough that no section is cut: a cut message has another structure.
    assert_slack_inert(&slack(SLACK_HOSTILE), &slack(BENIGN));
    // A reason holding a code fence must not flip the code blocks after it into live mrkdwn.
    let reason = |s: &str| {
        let mut report = hostile_report(BENIGN);
        for r in &mut report.resources {
            r.reason = Some(format!("because key [\"{s}\"] is not in configuration").into());
        }
        tfpost::render::slack::render(&report, &context(BENIGN))
    };
    assert_slack_inert(&reason("```*bold*```<!channel>"), &reason(BENIGN));
}

/// Plan-derived strings: pieces that have broken a renderer somewhere, and random text around them.
fn plan_string() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let piece = prop_oneof![
        proptest::sample::select(vec![
            "`",
            "```",
            "~~~",
            "*",
            "_",
            "~",
            "<",
            ">",
            "&",
            "&amp;",
            "@",
            "#1",
            "GH-1",
            "[",
            "]",
            "(",
            ")",
            "!",
            "|",
            ":",
            "\\",
            "\"",
            "'",
            "\n",
            "\n\n",
            "\r",
            " ",
            "    ",
            "-",
            "+",
            "<!channel>",
            "<@U1>",
            "<https://x|y>",
            "<b>",
            "</details>",
            "<summary>",
            "<!--",
            "javascript:",
            "https://x.example",
            "www.x.example",
            "\u{202E}",
            "\u{200B}",
            "\u{2028}",
            "# ",
            "> ",
            "- ",
            "1. ",
            "[x](y)",
            "&lt;",
            "\u{0}",
            "é",
            "😀",
        ])
        .prop_map(str::to_string),
        "[a-z0-9 .]{0,6}",
    ];
    // Few pieces: a long string gets a section cut, and a cut message has another structure.
    proptest::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat())
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Random plan-derived strings in every field of a plan and an apply: the GitHub comment has
    /// the HTML tag sequence of its harmless twin, and the Slack message the blocks and code
    /// spans of its twin.
    #[test]
    fn random_plan_text_never_changes_the_rendered_structure(s in plan_string(), apply: bool) {
        // Blank text has less to show than its twin: another structure, rightly.
        proptest::prop_assume!(!s.trim().is_empty());
        let report = |s: &str| {
            let mut report = hostile_report(s);
            if apply {
                report.kind = Kind::Apply;
            }
            report
        };
        let (hostile, benign) = (report(&s), report(BENIGN));
        let github = |r: &Report, s: &str| {
            if apply { github::apply(r, &context(s)).body } else { github::plan(r, &context(s)).body }
        };
        assert_inert(&github(&hostile, &s), &github(&benign, BENIGN));
        assert_slack_inert(
            &tfpost::render::slack::render(&hostile, &context(BENIGN)),
            &tfpost::render::slack::render(&benign, &context(BENIGN)),
        );
    }
}
