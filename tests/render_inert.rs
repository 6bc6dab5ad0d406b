//! SPEC guarantee 4: text from a plan never becomes live Markdown or HTML in a GitHub comment.
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
