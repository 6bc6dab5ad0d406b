//! Report + context -> a Slack Block Kit message ([`SlackMessage`]).
//!
//! The message is read in a channel, often on a phone, so it leads with what happens: a header
//! with the target and the result, the counts by action, and a loud warning naming every
//! resource that is destroyed or replaced. The details (errors, per-resource diffs) go to a
//! thread reply in bot mode; a webhook cannot thread, so the message also carries a cut-down
//! copy of the details in blocks whose `block_id` starts with [`DETAILS_BLOCK_PREFIX`], which
//! the bot notifier drops when it posts the thread reply instead.
//!
//! Inert text (SPEC guarantee 4): everything that comes from the plan is escaped (`&`, `<`,
//! `>`), shown in code, and every mrkdwn object is `verbatim`, so `<!channel>`, `<!here>` and
//! `<@U…>` in a value or key never broadcast or ping and a triple backtick never closes a code
//! section.
//!
//! Limits (SPEC guarantee 5): see [`limits`]. What does not fit is cut and the message says so,
//! with a link to the CI build.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::message::SlackMessage;
use crate::model::{Action, Diagnostic, Drift, Kind, Outcome, Report, ResourceChange, Tool};
use crate::render::RenderContext;
use crate::render::inert::visible;
use crate::words;

/// Slack's documented limits, and the budgets tfpost keeps below them.
pub mod limits {
    /// A header block's `plain_text` (Block Kit reference: "Maximum length ... 150 characters").
    pub const HEADER_TEXT_MAX: usize = 150;
    /// A section block's `text` ("Maximum length ... 3000 characters").
    pub const SECTION_TEXT_MAX: usize = 3000;
    /// One of a section's `fields` ("Maximum length for the text in each item is 2000").
    pub const FIELD_TEXT_MAX: usize = 2000;
    /// A section's `fields` ("Maximum number of items is 10").
    pub const FIELDS_MAX: usize = 10;
    /// A context block's `elements` ("Maximum number of items is 10").
    pub const CONTEXT_ELEMENTS_MAX: usize = 10;
    /// Blocks in one message ("up to 50 blocks in each message").
    pub const BLOCKS_MAX: usize = 50;
    /// `chat.postMessage` truncates `text` beyond 40,000 characters. The fallback is what a
    /// notification shows, so tfpost keeps it far shorter.
    pub const TEXT_MAX: usize = 40_000;
    /// tfpost's own cap on the fallback `text`.
    pub const FALLBACK_TEXT_MAX: usize = 3_000;
    /// Slack also rejects messages whose blocks hold too much text in total
    /// (`msg_blocks_too_long`), at about 13,000 characters in reports, below any documented
    /// per-block limit; tfpost keeps every message's block text under this.
    pub const BLOCKS_TEXT_BUDGET: usize = 12_000;
    /// At most this many chained thread replies carry the details of one run.
    pub const THREAD_REPLIES_MAX: usize = 3;
}

/// `block_id` prefix of the blocks that carry the cut-down details for webhook posts. A
/// notifier that posts [`SlackMessage::thread_reply`] drops them from the parent message.
pub const DETAILS_BLOCK_PREFIX: &str = "tfpost_details";

/// Renders a parsed plan or apply.
pub fn render(report: &Report, ctx: &RenderContext) -> SlackMessage {
    let mut blocks = Vec::new();
    blocks.push(header_block(&header_text(report, ctx)));
    if let Some(block) = links_block(ctx) {
        blocks.push(block);
    }
    blocks.push(summary_block(report));
    let mut cut = Vec::new();
    if report.has_destructive_changes() {
        let (text, omitted) = destroy_warning_text(report);
        if omitted > 0 {
            cut.push(format!(
                "{omitted} destroyed or replaced resource(s) not listed"
            ));
        }
        blocks.push(section(&text));
    }
    if !report.errors.is_empty() {
        let (text, omitted) = errors_text(report);
        if omitted > 0 {
            cut.push(format!("{omitted} error(s) not listed"));
        }
        blocks.push(section(&text));
    }
    if let Some(block) = notes_block(report) {
        blocks.push(block);
    }

    let details = Details::of(report);
    let has_details = !details.is_empty();
    let thread_reply = if has_details {
        thread_replies(&details, report, ctx)
    } else {
        None
    };

    // The webhook copy of the details takes what is left of the message's text budget.
    let footer_reserve = 600;
    let used = blocks_text_len(&blocks) + footer_reserve;
    let inline_budget = limits::BLOCKS_TEXT_BUDGET.saturating_sub(used);
    let mut footer_notes = cut;
    if has_details {
        let inline = inline_details(&details, inline_budget);
        if inline.omitted > 0 {
            footer_notes.push(format!(
                "webhook copy of the details shows {} of {}",
                details.len() - inline.omitted,
                details.len()
            ));
        }
        blocks.extend(inline.blocks);
    }
    if report.omitted_diffs > 0 {
        footer_notes.push(format!(
            "{} resource diff(s) too large to keep",
            report.omitted_diffs
        ));
    }
    blocks.push(footer_block(&footer_notes, ctx));

    SlackMessage {
        text: fallback_text(report, ctx),
        blocks,
        thread_reply,
    }
}

/// Renders the message for output tfpost could not parse: nothing is lost, the raw output's
/// tail (where Terraform prints its errors) goes in the message and its thread.
pub fn render_parse_failure(
    raw: &[u8],
    kind: Option<Kind>,
    reason: &str,
    ctx: &RenderContext,
) -> SlackMessage {
    let what = match kind {
        Some(Kind::Plan) => "plan",
        Some(Kind::Apply) => "apply",
        None => "run",
    };
    let title = match (&ctx.title, &ctx.target) {
        (Some(title), _) => title.clone(),
        (None, Some(target)) => format!("{target} · Terraform {what}: output not understood"),
        (None, None) => format!("Terraform {what}: output not understood"),
    };
    let header = format!(":grey_question: {title}");
    let raw = words::printable_output(raw);
    let mut blocks = vec![header_block(&header)];
    if let Some(block) = links_block(ctx) {
        blocks.push(block);
    }
    let mut explanation = String::from(
        "*tfpost could not read this output*, so there are no counts. The raw output follows; \
         check the CI log for the whole run.\n",
    );
    explanation.push_str(&code_block(reason, 600).0);
    blocks.push(section(&explanation));

    // The tail matters most: Terraform prints its errors last.
    let lines: Vec<&str> = raw.lines().collect();
    let inline = tail_code(&lines, 2_800);
    let mut inline_text = String::from("*Last lines of the output*\n");
    inline_text.push_str(&inline.text);
    blocks.push(details_section(0, &inline_text));

    let thread = {
        let tail = tail_code(&lines, limits::SECTION_TEXT_MAX - 100);
        let mut reply_blocks = vec![section(&format!(
            "*Raw output* (last {} of {} lines)\n{}",
            lines.len() - tail.skipped_lines,
            lines.len(),
            tail.text
        ))];
        reply_blocks.push(footer_block(&[], ctx));
        Some(Box::new(SlackMessage {
            text: escape(&format!("Raw output of the {what} (last lines)")),
            blocks: reply_blocks,
            thread_reply: None,
        }))
    };
    let mut notes = Vec::new();
    if inline.skipped_lines > 0 {
        notes.push(format!(
            "first {} of {} lines not shown",
            inline.skipped_lines,
            lines.len()
        ));
    }
    blocks.push(footer_block(&notes, ctx));
    let text = truncate(
        &escape(&format!(
            "{title}. tfpost could not read the output: {reason}"
        )),
        limits::FALLBACK_TEXT_MAX,
    );
    SlackMessage {
        text,
        blocks,
        thread_reply: thread,
    }
}

/// The parent message without the webhook copy of the details: what a notifier posts when it
/// posts [`SlackMessage::thread_reply`] under it.
pub fn without_inline_details(message: &SlackMessage) -> SlackMessage {
    let blocks = message
        .blocks
        .iter()
        .filter(|block| {
            !block
                .get("block_id")
                .and_then(Value::as_str)
                .is_some_and(|id| id.starts_with(DETAILS_BLOCK_PREFIX))
        })
        .cloned()
        .collect();
    SlackMessage {
        text: message.text.clone(),
        blocks,
        thread_reply: None,
    }
}

/// Escapes Slack's three control characters. Slack reads `<...>` as links and mentions
/// (`<!channel>`, `<@U024BE7LH>`, `<!subteam^S1>`) in every text field, inside code too, and
/// decodes these three entities back for display.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// Text length as Slack may count it: UTF-16 code units, never fewer than characters, so a
/// limit kept in these units is kept in characters too.
pub fn slack_len(text: &str) -> usize {
    text.encode_utf16().count()
}

const ZWSP: char = '\u{200B}';

/// Escaped text for inside a ``` code section: a run of backticks is broken with zero-width
/// spaces so it cannot close the section early.
fn escape_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_backtick = false;
    for c in visible(text).chars() {
        match c {
            '`' if prev_backtick => {
                out.push(ZWSP);
                out.push('`');
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
        prev_backtick = c == '`';
    }
    out
}

/// Plan text as inline code: escaped, one line, and a backtick (which would end the span)
/// shown as the look-alike U+02CB.
fn inline_code(text: &str) -> String {
    let one_line: String = visible(text)
        .chars()
        .map(|c| match c {
            '`' => '\u{02CB}',
            '\n' | '\r' => ' ',
            c => c,
        })
        .collect();
    format!("`{}`", escape(&one_line))
}

/// Cuts escaped text to `max` units, on a character boundary and never inside an entity.
fn truncate(text: &str, max: usize) -> String {
    if slack_len(text) <= max {
        return text.to_string();
    }
    let ellipsis = '…';
    let mut out = String::new();
    let mut len = 0;
    for c in text.chars() {
        if len + c.len_utf16() + 1 > max {
            break;
        }
        out.push(c);
        len += c.len_utf16();
    }
    // `&amp;` cut to `&am` would show garbage: drop a partial entity.
    if let Some(amp) = out.rfind('&') {
        let tail = &out[amp..];
        let partial = ["&amp;", "&lt;", "&gt;"]
            .iter()
            .any(|entity| entity.len() > tail.len() && entity.starts_with(tail));
        if partial {
            out.truncate(amp);
        }
    }
    out.push(ellipsis);
    out
}

/// A ``` code section of `content`, cut to at most `max` units on a line boundary; returns
/// whether it was cut.
fn code_block(content: &str, max: usize) -> (String, bool) {
    let lines: Vec<&str> = content.lines().collect();
    let fitted = head_code(&lines, max);
    (fitted.text, fitted.skipped_lines > 0)
}

struct FittedCode {
    text: String,
    skipped_lines: usize,
}

/// The first lines that fit in a code section of at most `max` units, with a note of how many
/// lines were left out.
fn head_code(lines: &[&str], max: usize) -> FittedCode {
    let note_reserve = 60;
    let mut body = String::new();
    let mut body_len = 0;
    let mut taken = 0;
    for line in lines {
        let escaped = escape_code(line);
        let line_len = slack_len(&escaped);
        if body_len + line_len + 1 + 8 + note_reserve > max {
            if taken == 0 {
                // One line longer than the section: show its start.
                let room = max.saturating_sub(8 + note_reserve);
                body.push_str(&truncate(&escaped, room));
                body.push('\n');
                taken = 1;
            }
            break;
        }
        body.push_str(&escaped);
        body.push('\n');
        body_len += line_len + 1;
        taken += 1;
    }
    let skipped = lines.len() - taken;
    if skipped > 0 {
        let _ = writeln!(body, "… {skipped} more line(s) not shown");
    }
    FittedCode {
        text: format!("```\n{body}```"),
        skipped_lines: skipped,
    }
}

/// The last lines that fit in a code section of at most `max` units.
fn tail_code(lines: &[&str], max: usize) -> FittedCode {
    let note_reserve = 60;
    let mut kept: Vec<String> = Vec::new();
    let mut len = 0;
    for line in lines.iter().rev() {
        let escaped = escape_code(line);
        if len + slack_len(&escaped) + 1 + 8 + note_reserve > max {
            if kept.is_empty() {
                let room = max.saturating_sub(8 + note_reserve);
                kept.push(truncate(&escaped, room));
            }
            break;
        }
        len += slack_len(&escaped) + 1;
        kept.push(escaped);
    }
    kept.reverse();
    let skipped = lines.len() - kept.len();
    let mut body = String::new();
    if skipped > 0 {
        let _ = writeln!(body, "… {skipped} earlier line(s) not shown");
    }
    for line in kept {
        body.push_str(&line);
        body.push('\n');
    }
    FittedCode {
        text: format!("```\n{body}```"),
        skipped_lines: skipped,
    }
}

fn result_emoji(report: &Report) -> &'static str {
    match report.result {
        Outcome::Error => ":x:",
        Outcome::NoChanges => ":white_check_mark:",
        Outcome::Changes if report.has_destructive_changes() => ":warning:",
        Outcome::Changes => ":large_yellow_circle:",
        Outcome::Applied => ":large_green_circle:",
    }
}

fn result_phrase(report: &Report) -> &'static str {
    match (report.kind, report.result) {
        (Kind::Plan, Outcome::Error) => "plan failed",
        (Kind::Apply, Outcome::Error) => "apply failed",
        (_, Outcome::NoChanges) => "no changes",
        (Kind::Apply, Outcome::Changes) => "apply did not complete",
        (_, Outcome::Changes) if report.has_destructive_changes() => "plan destroys resources",
        (_, Outcome::Changes) => "plan has changes",
        (_, Outcome::Applied) => "apply complete",
    }
}

fn header_text(report: &Report, ctx: &RenderContext) -> String {
    let emoji = result_emoji(report);
    let tool = words::tool_name(report.tool);
    match (&ctx.title, &ctx.target) {
        (Some(title), _) => format!("{emoji} {title}: {}", result_phrase(report)),
        (None, Some(target)) => format!("{emoji} {target} · {tool} {}", result_phrase(report)),
        (None, None) => format!("{emoji} {tool} {}", result_phrase(report)),
    }
}

/// Header blocks are `plain_text`: no mrkdwn, but Slack still reads `&`, `<` and `>` as
/// entities and control sequences, so they are escaped here too.
fn header_block(text: &str) -> Value {
    json!({
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(&escape(text), limits::HEADER_TEXT_MAX), "emoji": true},
    })
}

fn mrkdwn(text: &str) -> Value {
    json!({"type": "mrkdwn", "text": text, "verbatim": true})
}

/// A section of mrkdwn text that is already escaped; cut to the section limit as a last guard.
fn section(text: &str) -> Value {
    json!({"type": "section", "text": mrkdwn(&truncate(text, limits::SECTION_TEXT_MAX))})
}

fn details_section(index: usize, text: &str) -> Value {
    json!({
        "type": "section",
        "block_id": format!("{DETAILS_BLOCK_PREFIX}_{index}"),
        "text": mrkdwn(&truncate(text, limits::SECTION_TEXT_MAX)),
    })
}

/// A URL for `<url|label>`: Slack ends the URL at `|` or `>`, so those (and `<`, spaces) are
/// percent-encoded, and `&` is written as the entity Slack expects.
fn link_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("%3C"),
            '>' => out.push_str("%3E"),
            '|' => out.push_str("%7C"),
            ' ' => out.push_str("%20"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Only http(s) URLs become links; anything else (a `javascript:` or a typo) shows as text.
fn link(url: &str, label: &str) -> String {
    if url.starts_with("https://") || url.starts_with("http://") {
        format!("<{}|{}>", link_url(url), escape(label))
    } else {
        format!("{} ({})", escape(label), inline_code(url))
    }
}

fn links_block(ctx: &RenderContext) -> Option<Value> {
    let mut elements = Vec::new();
    let pr_label = match (ctx.pr_number, &ctx.pr_title) {
        (Some(n), Some(title)) => Some(format!("#{n} {title}")),
        (Some(n), None) => Some(format!("PR #{n}")),
        (None, Some(title)) => Some(title.clone()),
        (None, None) => None,
    };
    if let Some(label) = pr_label {
        let label = truncate(&label, 200);
        let mut text = match &ctx.pr_url {
            Some(url) => format!(":twisted_rightwards_arrows: {}", link(url, &label)),
            None => format!(":twisted_rightwards_arrows: {}", escape(&label)),
        };
        if let Some(author) = &ctx.pr_author {
            // A login, not a Slack mention: shown as text, never `<@...>`.
            let _ = write!(text, " by {}", escape(author));
        }
        elements.push(mrkdwn(&text));
    }
    match (&ctx.repository, &ctx.sha) {
        (Some(repo), Some(sha)) => {
            let short: String = sha.chars().take(8).collect();
            elements.push(mrkdwn(&format!(
                "{} @ {}",
                escape(repo),
                inline_code(&short)
            )));
        }
        (Some(repo), None) => elements.push(mrkdwn(&escape(repo))),
        (None, Some(sha)) => {
            let short: String = sha.chars().take(8).collect();
            elements.push(mrkdwn(&inline_code(&short)));
        }
        (None, None) => {}
    }
    if let Some(url) = &ctx.build_url {
        elements.push(mrkdwn(&format!(
            ":hammer_and_wrench: {}",
            link(url, "CI build")
        )));
    }
    if let Some(message) = &ctx.message {
        elements.push(mrkdwn(&truncate(&escape(message), 1_000)));
    }
    if elements.is_empty() {
        return None;
    }
    elements.truncate(limits::CONTEXT_ELEMENTS_MAX);
    Some(json!({"type": "context", "elements": elements}))
}

fn action_label(action: Action) -> (&'static str, &'static str) {
    match action {
        Action::Delete => (":wastebasket:", "Destroy"),
        Action::Replace => (":recycle:", "Replace"),
        Action::Create => (":heavy_plus_sign:", "Create"),
        Action::Update => (":pencil2:", "Update"),
        Action::Import => (":inbox_tray:", "Import"),
        Action::Move => (":truck:", "Move"),
        Action::Forget => (":outbox_tray:", "Forget"),
        Action::Read => (":mag:", "Read"),
    }
}

/// Terraform's own summary line, rebuilt from the counts it printed: a completed apply's
/// `Resources:` line, the plan's otherwise (`Planned:` for an apply that did not complete).
fn summary_line(report: &Report) -> Option<String> {
    let s = report.summary?;
    let wording = words::wording(report);
    let label = match (wording, report.kind) {
        (Kind::Apply, _) => "Resources",
        (Kind::Plan, Kind::Apply) => "Planned",
        (Kind::Plan, Kind::Plan) => "Plan",
    };
    Some(format!("*{label}:* {}.", words::summary_counts(s, wording)))
}

fn summary_block(report: &Report) -> Value {
    let mut text = String::new();
    match summary_line(report) {
        Some(line) => {
            text.push_str(&line);
            if words::apply_not_complete(report.kind, report.result) {
                text.push('\n');
                text.push_str(&words::unfinished_apply_note(report.result));
            }
        }
        None => match (report.kind, report.result) {
            (_, Outcome::NoChanges) => {
                text.push_str("*No changes.* The infrastructure matches the configuration.")
            }
            (_, Outcome::Error) => {
                text.push_str("*Terraform reported an error* before it could finish.")
            }
            (Kind::Plan, _) => text.push_str("*Plan* (no summary line printed)."),
            (Kind::Apply, _) => text.push_str("*Apply* (no summary line printed)."),
        },
    }
    if !report.sections.is_empty() {
        let _ = write!(text, "\n{} modules:", report.sections.len());
        let mut listed = 0;
        for section in &report.sections {
            let label = section.label.as_deref().unwrap_or("(unnamed)");
            let counts = section
                .summary
                .map(|s| format!("+{} ~{} -{}", s.add, s.change, s.destroy))
                .unwrap_or_else(|| match section.result {
                    Outcome::NoChanges => "no changes".to_string(),
                    Outcome::Error => "error".to_string(),
                    _ => "—".to_string(),
                });
            let line = format!("\n• {} {}", inline_code(label), counts);
            if slack_len(&text) + slack_len(&line) > limits::SECTION_TEXT_MAX - 100 {
                break;
            }
            text.push_str(&line);
            listed += 1;
        }
        if listed < report.sections.len() {
            let _ = write!(text, "\n… and {} more", report.sections.len() - listed);
        }
    }
    let mut fields: Vec<Value> = report
        .action_counts()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(action, n)| {
            let (emoji, label) = action_label(action);
            mrkdwn(&format!("{emoji} {label}: *{n}*"))
        })
        .collect();
    if !report.outputs.is_empty() {
        fields.push(mrkdwn(&format!(
            ":page_facing_up: Outputs: *{}*",
            report.outputs.len()
        )));
    }
    fields.truncate(limits::FIELDS_MAX);
    let mut block =
        json!({"type": "section", "text": mrkdwn(&truncate(&text, limits::SECTION_TEXT_MAX))});
    if !fields.is_empty() {
        block["fields"] = Value::Array(fields);
    }
    block
}

/// The destroy/replace warning, naming the resources; returns how many did not fit.
fn destroy_warning_text(report: &Report) -> (String, usize) {
    let deletes = report.resources_with(Action::Delete).count();
    let replaces = report.resources_with(Action::Replace).count();
    let (d, r) = match words::wording(report) {
        Kind::Plan => ("to destroy", "to replace"),
        Kind::Apply => ("destroyed", "replaced"),
    };
    let mut counts = Vec::new();
    if deletes > 0 {
        counts.push(format!("{deletes} {d}"));
    }
    if replaces > 0 {
        counts.push(format!("{replaces} {r}"));
    }
    let mut text = format!(":warning: *{}*", counts.join(", "));
    // Destroys first (nothing comes back), then replaces; the plan's order within each.
    let destructive: Vec<&ResourceChange> = report
        .resources_with(Action::Delete)
        .chain(report.resources_with(Action::Replace))
        .collect();
    // Past a screenful, one line per resource is a wall: instances of the same resource
    // (`aws_subnet.a["x"]`, `aws_subnet.a["y"]`) are folded into one line with a count.
    let lines: Vec<(Action, String, usize, Option<&str>)> = if destructive.len() <= WARNING_LIST_MAX
    {
        destructive
            .iter()
            .map(|r| (r.action, r.address.to_string(), 1, r.reason.as_deref()))
            .collect()
    } else {
        let mut groups: Vec<(Action, String, usize, Option<&str>)> = Vec::new();
        for r in &destructive {
            let base = resource_without_key(r);
            match groups.iter_mut().find(|g| g.0 == r.action && g.1 == base) {
                Some(group) => {
                    group.2 += 1;
                    if group.3 != r.reason.as_deref() {
                        group.3 = None;
                    }
                }
                None => groups.push((r.action, base, 1, r.reason.as_deref())),
            }
        }
        groups
    };
    let mut listed = 0;
    let mut listed_lines = 0;
    for (action, address, count, reason) in &lines {
        let mut line = format!("\n• {} {}", action_label(*action).0, inline_code(address));
        if *count > 1 {
            let _ = write!(line, " × {count}");
        }
        if let Some(reason) = reason {
            let _ = write!(line, " ({})", inline_code(&truncate(reason, 120)));
        }
        if slack_len(&text) + slack_len(&line) > limits::SECTION_TEXT_MAX - 120 {
            break;
        }
        text.push_str(&line);
        listed += count;
        listed_lines += 1;
    }
    let omitted = destructive.len() - listed;
    if listed_lines < lines.len() {
        let _ = write!(text, "\n… and {omitted} more (see the CI build)");
    }
    (text, omitted)
}

/// How many destroyed or replaced resources the warning lists one per line.
const WARNING_LIST_MAX: usize = 20;

/// The address without its instance key: `module.m["a"].aws_subnet.s[3]` ->
/// `module.m["a"].aws_subnet.s[…]`. Module keys stay: they often name the environment.
fn resource_without_key(r: &ResourceChange) -> String {
    match &r.index {
        Some(index) => {
            let suffix = format!("[{index}]");
            match r.address.strip_suffix(&suffix) {
                Some(base) => format!("{base}[…]"),
                None => r.address.to_string(),
            }
        }
        None => r.address.to_string(),
    }
}

fn diagnostic_location(d: &Diagnostic) -> String {
    let mut parts = Vec::new();
    if let Some(file) = &d.file {
        match d.line {
            Some(line) => parts.push(format!("{file}:{line}")),
            None => parts.push(file.clone()),
        }
    }
    if let Some(address) = &d.address {
        parts.push(address.clone());
    }
    if let Some(section) = &d.section {
        parts.push(section.clone());
    }
    parts.join(", ")
}

/// The errors, one line each; returns how many did not fit.
fn errors_text(report: &Report) -> (String, usize) {
    let total = report.errors.len() + report.left_out.errors as usize;
    let mut text = format!(":x: *{total} error(s)*");
    let mut listed = 0;
    for d in &report.errors {
        let mut line = format!("\n• {}", inline_code(&truncate(&d.summary, 300)));
        let location = diagnostic_location(d);
        if !location.is_empty() {
            let _ = write!(line, " in {}", inline_code(&location));
        }
        if slack_len(&text) + slack_len(&line) > limits::SECTION_TEXT_MAX - 120 {
            break;
        }
        text.push_str(&line);
        listed += 1;
    }
    let omitted = total - listed;
    if omitted > 0 {
        let _ = write!(text, "\n… and {omitted} more (see the CI build)");
    }
    (text, omitted)
}

/// Warnings and drift: worth a line, not a section.
fn notes_block(report: &Report) -> Option<Value> {
    let mut elements = Vec::new();
    if !report.warnings.is_empty() {
        let first = &report.warnings[0].summary;
        let more = if report.warnings.len() > 1 {
            format!(" and {} more", report.warnings.len() - 1)
        } else {
            String::new()
        };
        elements.push(mrkdwn(&format!(
            ":warning: {} warning(s): {}{more}",
            report.warnings.len(),
            inline_code(&truncate(first, 300))
        )));
    }
    if !report.drift.is_empty() {
        elements.push(mrkdwn(&format!(
            ":mag: {} object(s) changed outside of {}",
            report.drift.len(),
            words::tool_name(report.tool)
        )));
    }
    if elements.is_empty() {
        None
    } else {
        Some(json!({"type": "context", "elements": elements}))
    }
}

/// One piece of the details: an error with its explanation, a resource with its diff, or the
/// output changes.
enum Detail<'a> {
    Error(&'a Diagnostic),
    Resource(&'a ResourceChange),
    Outputs,
    Drift(&'a Drift),
    Warning(&'a Diagnostic),
}

/// The details in the order they are shown, rendered on demand: a plan of 50,000 resources
/// has that many, of which a message shows a few dozen.
struct Details<'a> {
    report: &'a Report,
    items: Vec<Detail<'a>>,
}

impl<'a> Details<'a> {
    fn of(report: &'a Report) -> Details<'a> {
        let mut items: Vec<Detail<'a>> = report.errors.iter().map(Detail::Error).collect();
        // Destroyed and replaced resources first: the thread is read top-down and often not to
        // the end. Within each group, the plan's order.
        let destructive = report
            .resources_with(Action::Delete)
            .chain(report.resources_with(Action::Replace));
        let rest = report
            .resources
            .iter()
            .filter(|r| !r.action.is_destructive());
        items.extend(destructive.chain(rest).map(Detail::Resource));
        if !report.outputs.is_empty() {
            items.push(Detail::Outputs);
        }
        items.extend(report.drift.iter().map(Detail::Drift));
        items.extend(report.warnings.iter().map(Detail::Warning));
        Details { report, items }
    }

    fn len(&self) -> usize {
        self.items.len()
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Item `i` as escaped mrkdwn, at most a section long.
    fn text(&self, i: usize) -> String {
        match self.items.get(i) {
            Some(Detail::Error(d)) => error_item(d),
            Some(Detail::Resource(r)) => resource_item(r, words::wording(self.report)),
            Some(Detail::Outputs) => outputs_item(self.report),
            Some(Detail::Drift(d)) => drift_item(d, self.report.tool),
            Some(Detail::Warning(d)) => diagnostic_item(":warning: *Warning:*", d),
            None => String::new(),
        }
    }
}

fn error_item(d: &Diagnostic) -> String {
    diagnostic_item(":x: *Error:*", d)
}

fn drift_item(d: &Drift, tool: Tool) -> String {
    let what = match d.action {
        Action::Delete => "has been deleted",
        _ => "has changed",
    };
    let mut item = format!(
        ":mag: {} {what} outside of {}",
        inline_code(&d.address),
        words::tool_name(tool)
    );
    if let Some(section) = &d.section {
        let _ = write!(item, " in {}", inline_code(section));
    }
    if let Some(diff) = &d.diff {
        item.push('\n');
        let room = limits::SECTION_TEXT_MAX.saturating_sub(slack_len(&item) + 50);
        item.push_str(&code_block(&dedent(diff), room).0);
    }
    item
}

fn diagnostic_item(label: &str, d: &Diagnostic) -> String {
    let mut item = format!("{label} {}", inline_code(&truncate(&d.summary, 300)));
    let location = diagnostic_location(d);
    if !location.is_empty() {
        let _ = write!(item, "\n{}", inline_code(&location));
    }
    if !d.detail.trim().is_empty() {
        item.push('\n');
        let room = limits::SECTION_TEXT_MAX.saturating_sub(slack_len(&item) + 50);
        item.push_str(&code_block(&d.detail, room).0);
    }
    item
}

fn outputs_item(report: &Report) -> String {
    let mut text = String::new();
    for o in &report.outputs {
        match &o.diff {
            Some(diff) => {
                text.push_str(diff.trim_end());
                text.push('\n');
            }
            None => {
                let _ = writeln!(text, "{} ({})", o.name, o.action.as_str());
            }
        }
    }
    let mut item = String::from(":page_facing_up: *Changes to outputs*\n");
    let room = limits::SECTION_TEXT_MAX - slack_len(&item) - 50;
    item.push_str(&code_block(&dedent(&text), room).0);
    item
}

fn resource_item(r: &ResourceChange, kind: Kind) -> String {
    let (emoji, _) = action_label(r.action);
    let mut item = format!(
        "{emoji} {} {}",
        inline_code(&r.address),
        words::resource_phrase(r.action, kind)
    );
    if let Some(section) = &r.section {
        let _ = write!(item, " in {}", inline_code(section));
    }
    if let Some(from) = &r.from_address {
        if r.action == Action::Move {
            let _ = write!(item, " from {}", inline_code(from));
        } else {
            let _ = write!(item, " (moved from {})", inline_code(from));
        }
    }
    if r.imported {
        item.push_str(" (imported)");
    }
    if let Some(reason) = &r.reason {
        let _ = write!(item, " ({})", inline_code(&truncate(reason, 200)));
    }
    if let Some(diff) = &r.diff {
        let diff = dedent(diff);
        let diff = diff.as_str();
        item.push('\n');
        let room = limits::SECTION_TEXT_MAX.saturating_sub(slack_len(&item) + 50);
        item.push_str(&code_block(diff, room).0);
    }
    item
}

/// Removes the indentation every line shares: Terraform indents change blocks by two to four
/// spaces, which only costs width on a phone.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        out.push_str(line.get(indent..).unwrap_or(line.trim_start_matches(' ')));
        out.push('\n');
    }
    out
}

struct InlineDetails {
    blocks: Vec<Value>,
    omitted: usize,
}

/// The webhook copy of the details: as many items as fit in `budget`, in two sections at most.
fn inline_details(items: &Details, budget: usize) -> InlineDetails {
    let mut sections: Vec<String> = Vec::new();
    let mut used = 0;
    let mut taken = 0;
    let max_sections = 2;
    for i in 0..items.len() {
        let item = &items.text(i);
        let len = slack_len(item) + 1;
        if used + len > budget {
            break;
        }
        let fits_last = sections
            .last()
            .is_some_and(|last| slack_len(last) + len <= limits::SECTION_TEXT_MAX);
        if fits_last {
            if let Some(last) = sections.last_mut() {
                last.push('\n');
                last.push_str(item);
            }
        } else if sections.len() < max_sections {
            sections.push(item.clone());
        } else {
            break;
        }
        used += len;
        taken += 1;
    }
    let mut blocks = Vec::new();
    if !sections.is_empty() {
        blocks.push(
            json!({"type": "divider", "block_id": format!("{DETAILS_BLOCK_PREFIX}_divider")}),
        );
    }
    for (i, text) in sections.iter().enumerate() {
        blocks.push(details_section(i, text));
    }
    InlineDetails {
        blocks,
        omitted: items.len() - taken,
    }
}

/// The details as chained thread replies: items packed into sections, sections into
/// messages within the block and text budgets, at most [`limits::THREAD_REPLIES_MAX`].
fn thread_replies(
    items: &Details,
    report: &Report,
    ctx: &RenderContext,
) -> Option<Box<SlackMessage>> {
    // Leave room in each message for the closing note.
    let budget = limits::BLOCKS_TEXT_BUDGET - 600;
    let max_blocks = limits::BLOCKS_MAX - 2;
    let mut messages: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut current_len = 0;
    let mut taken = 0;
    for i in 0..items.len() {
        let item = &items.text(i);
        let len = slack_len(item) + 1;
        let fits_section = current
            .last()
            .is_some_and(|last| slack_len(last) + len <= limits::SECTION_TEXT_MAX);
        let needs_block = !fits_section;
        if current_len + len > budget || (needs_block && current.len() >= max_blocks) {
            if messages.len() + 1 >= limits::THREAD_REPLIES_MAX {
                break;
            }
            messages.push(std::mem::take(&mut current));
            current_len = 0;
        }
        match current.last_mut() {
            Some(last) if slack_len(last) + len <= limits::SECTION_TEXT_MAX => {
                last.push('\n');
                last.push_str(item);
            }
            _ => current.push(item.clone()),
        }
        current_len += len;
        taken += 1;
    }
    if !current.is_empty() {
        messages.push(current);
    }
    let omitted = items.len() - taken;
    let total = messages.len();
    let what = match report.kind {
        Kind::Plan => "plan",
        Kind::Apply => "apply",
    };
    let mut chain: Option<Box<SlackMessage>> = None;
    for (i, sections) in messages.into_iter().enumerate().rev() {
        let mut blocks: Vec<Value> = sections.iter().map(|s| section(s)).collect();
        let mut notes = Vec::new();
        if total > 1 {
            notes.push(format!("details {} of {total}", i + 1));
        }
        if i + 1 == total && omitted > 0 {
            notes.push(format!("{omitted} more item(s) not shown"));
        }
        if i + 1 == total && report.omitted_diffs > 0 {
            notes.push(format!(
                "{} resource diff(s) too large to keep",
                report.omitted_diffs
            ));
        }
        blocks.push(footer_block(&notes, ctx));
        let text = if total > 1 {
            escape(&format!("Details of the {what} ({} of {total})", i + 1))
        } else {
            escape(&format!("Details of the {what}"))
        };
        chain = Some(Box::new(SlackMessage {
            text,
            blocks,
            thread_reply: chain,
        }));
    }
    chain
}

/// The closing line: what was cut, and where the whole log is.
fn footer_block(notes: &[String], ctx: &RenderContext) -> Value {
    let mut text = String::new();
    if !notes.is_empty() {
        let _ = write!(
            text,
            ":scissors: Cut to fit Slack: {}.",
            escape(&notes.join("; "))
        );
        match &ctx.build_url {
            Some(url) => {
                let _ = write!(text, " Full output: {}", link(url, "CI build log"));
            }
            None => text.push_str(" Full output: the CI log."),
        }
    } else {
        text.push_str("Posted by tfpost");
        if let Some(url) = &ctx.build_url {
            let _ = write!(text, " · {}", link(url, "CI build log"));
        }
    }
    json!({"type": "context", "elements": [mrkdwn(&truncate(&text, limits::SECTION_TEXT_MAX))]})
}

/// The plain-text fallback: header, summary and the destroyed resources, for notifications
/// and clients without Block Kit.
fn fallback_text(report: &Report, ctx: &RenderContext) -> String {
    let mut text = escape(&header_text(report, ctx));
    if let Some(line) = summary_line(report) {
        let _ = write!(text, " — {}", line.replace('*', ""));
    }
    let destructive: Vec<&str> = report
        .resources
        .iter()
        .filter(|r| r.action.is_destructive())
        .map(|r| r.address.as_str())
        .collect();
    if !destructive.is_empty() {
        let list: Vec<String> = destructive
            .iter()
            .take(10)
            .map(|a| inline_code(a))
            .collect();
        let _ = write!(text, " Destroys or replaces: {}", list.join(", "));
        if destructive.len() > 10 {
            let _ = write!(text, " and {} more", destructive.len() - 10);
        }
        text.push('.');
    }
    if !report.errors.is_empty() {
        let _ = write!(
            text,
            " {} error(s), first: {}",
            report.errors.len(),
            inline_code(&truncate(&report.errors[0].summary, 300))
        );
    }
    truncate(&text, limits::FALLBACK_TEXT_MAX)
}

fn blocks_text_len(blocks: &[Value]) -> usize {
    fn walk(value: &Value) -> usize {
        match value {
            Value::String(s) => slack_len(s),
            Value::Array(items) => items.iter().map(walk).sum(),
            Value::Object(map) => map
                .iter()
                .filter(|(k, _)| {
                    k.as_str() == "text" || k.as_str() == "fields" || k.as_str() == "elements"
                })
                .map(|(_, v)| walk(v))
                .sum(),
            _ => 0,
        }
    }
    blocks.iter().map(walk).sum()
}

/// Every way `message` (and its thread replies) breaks one of [`limits`]; empty when it fits.
/// The renderer keeps within them by construction; this is the independent check that tests
/// (and a cautious caller) run on its output.
pub fn limit_violations(message: &SlackMessage) -> Vec<String> {
    let mut out = Vec::new();
    let mut next = Some(message);
    let mut depth = 0;
    while let Some(m) = next {
        let at = if depth == 0 {
            "message".to_string()
        } else {
            format!("thread reply {depth}")
        };
        if slack_len(&m.text) > limits::TEXT_MAX {
            out.push(format!("{at}: text of {} characters", slack_len(&m.text)));
        }
        if m.blocks.len() > limits::BLOCKS_MAX {
            out.push(format!("{at}: {} blocks", m.blocks.len()));
        }
        let total = blocks_text_len(&m.blocks);
        if total > limits::BLOCKS_TEXT_BUDGET {
            out.push(format!("{at}: {total} characters of block text"));
        }
        for (i, block) in m.blocks.iter().enumerate() {
            let text_len = |v: &Value| {
                v.pointer("/text/text")
                    .and_then(Value::as_str)
                    .map(slack_len)
            };
            match block.get("type").and_then(Value::as_str) {
                Some("header") => {
                    if text_len(block).is_some_and(|n| n > limits::HEADER_TEXT_MAX) {
                        out.push(format!("{at}: header block {i} too long"));
                    }
                }
                Some("section") => {
                    if text_len(block).is_some_and(|n| n > limits::SECTION_TEXT_MAX) {
                        out.push(format!("{at}: section block {i} text too long"));
                    }
                    let fields = block.get("fields").and_then(Value::as_array);
                    if let Some(fields) = fields {
                        if fields.len() > limits::FIELDS_MAX {
                            out.push(format!(
                                "{at}: section block {i} has {} fields",
                                fields.len()
                            ));
                        }
                        for f in fields {
                            let n = f.get("text").and_then(Value::as_str).map_or(0, slack_len);
                            if n > limits::FIELD_TEXT_MAX {
                                out.push(format!("{at}: a field of block {i} too long"));
                            }
                        }
                    }
                }
                Some("context") => {
                    let n = block
                        .get("elements")
                        .and_then(Value::as_array)
                        .map_or(0, Vec::len);
                    if n > limits::CONTEXT_ELEMENTS_MAX {
                        out.push(format!("{at}: context block {i} has {n} elements"));
                    }
                }
                Some("divider") => {}
                other => out.push(format!("{at}: block {i} of unexpected type {other:?}")),
            }
        }
        next = m.thread_reply.as_deref();
        depth += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Mode, Summary};
    use crate::parse::{ParseOptions, parse};

    fn resource(address: &str, action: Action, diff: Option<&str>) -> ResourceChange {
        ResourceChange {
            address: address.into(),
            module: None,
            resource_type: "null_resource".into(),
            name: "x".into(),
            index: None,
            mode: Mode::Managed,
            action,
            reason: None,
            from_address: None,
            import_id: None,
            imported: false,
            replace_order: None,
            deposed: None,
            section: None,
            diff: diff.map(Box::from),
        }
    }

    fn ctx() -> RenderContext {
        RenderContext {
            target: Some("envs/prod".into()),
            build_url: Some("https://ci.example.com/build/42".into()),
            pr_number: Some(42),
            pr_url: Some("https://github.com/acme/infra/pull/42".into()),
            pr_title: Some("Rotate subnets".into()),
            pr_author: Some("alice".into()),
            repository: Some("acme/infra".into()),
            sha: Some("0123456789abcdef".into()),
            ..RenderContext::default()
        }
    }

    /// Everything Slack would read as text, thread replies included.
    fn all_json(message: &SlackMessage) -> String {
        serde_json::to_string(message).unwrap_or_default()
    }

    /// The text of every text object, decoded as JSON, thread replies included.
    fn all_texts(message: &SlackMessage) -> Vec<String> {
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(map) => {
                    for (k, v) in map {
                        if k == "text"
                            && let Value::String(s) = v
                        {
                            out.push(s.clone());
                        }
                        walk(v, out);
                    }
                }
                Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
                _ => {}
            }
        }
        let mut out = Vec::new();
        let mut next = Some(message);
        while let Some(m) = next {
            out.push(m.text.clone());
            m.blocks.iter().for_each(|b| walk(b, &mut out));
            next = m.thread_reply.as_deref();
        }
        out
    }

    const HOSTILE_PLAN: &str = r#"
Terraform used the selected providers to generate the following execution
plan. Resource actions are indicated with the following symbols:
  + create
  - destroy

Terraform will perform the following actions:

  # null_resource.k["<!channel>"] will be created
  + resource "null_resource" "k" {
      + id       = (known after apply)
      + triggers = {
          + "key" = "<!channel>"
        }
    }

  # null_resource.k["<@U024BE7LH>"] will be destroyed
  # (because key ["<@U024BE7LH>"] is not in for_each map)
  - resource "null_resource" "k" {
      - id       = "123" -> null
      - triggers = {
          - "key"   = "<@U024BE7LH>"
          - "fence" = "```</code> <!here> &amp; <!subteam^S0> *bold* `tick`"
        } -> null
    }

Plan: 1 to add, 0 to change, 1 to destroy.
"#;

    #[test]
    fn mentions_in_for_each_keys_and_values_never_reach_slack_unescaped() {
        let report = parse(HOSTILE_PLAN.as_bytes(), ParseOptions::default()).expect("parses");
        assert_eq!(report.resources.len(), 2, "{report:#?}");
        let message = render(&report, &ctx());
        let json = all_json(&message);
        for live in [
            "<!channel>",
            "<@U024BE7LH>",
            "<!here>",
            "<!subteam^S0>",
            "</code>",
        ] {
            assert!(!json.contains(live), "{live} appears unescaped in {json}");
        }
        // Shown, escaped, in the destroy warning, the details and the fallback text.
        let texts = all_texts(&message);
        assert!(
            texts
                .iter()
                .any(|t| t.contains("null_resource.k[\"&lt;@U024BE7LH&gt;\"]"))
        );
        assert!(texts.iter().any(|t| t.contains("&lt;!channel&gt;")));
        assert!(
            message.text.contains("&lt;@U024BE7LH&gt;"),
            "{}",
            message.text
        );
        // `&amp;` from the plan is shown as typed, not decoded into `&`.
        assert!(json.contains("&amp;amp;"));
    }

    #[test]
    fn a_triple_backtick_in_a_value_cannot_close_the_code_section() {
        let report = parse(HOSTILE_PLAN.as_bytes(), ParseOptions::default()).expect("parses");
        let message = render(&report, &ctx());
        for text in all_texts(&message) {
            // Fences tfpost writes open at a line start ("```\n") and close after a newline;
            // any other run of backticks would be plan text closing the section.
            let mut rest = text.as_str();
            let mut fences = 0;
            while let Some(i) = rest.find("``") {
                let run = &rest[i..];
                assert!(
                    run.starts_with("```\n") || rest[..i].ends_with('\n') || i == 0,
                    "{text}"
                );
                assert!(!run.starts_with("````"), "{text}");
                fences += 1;
                rest = &rest[i + 3..];
            }
            assert_eq!(fences % 2, 0, "unbalanced fences in {text}");
        }
        let details = all_texts(&message).join("\n");
        assert!(
            details.contains("`\u{200B}`\u{200B}`&lt;/code&gt;"),
            "{details}"
        );
    }

    #[test]
    fn header_names_target_kind_and_result_with_an_emoji() {
        let mut report = Report::empty(Kind::Plan);
        report.result = Outcome::Changes;
        report
            .resources
            .push(resource("null_resource.a", Action::Create, None));
        let header = |r: &Report| {
            render(r, &ctx()).blocks[0]["text"]["text"]
                .as_str()
                .unwrap_or("")
                .to_string()
        };
        assert_eq!(
            header(&report),
            ":large_yellow_circle: envs/prod · Terraform plan has changes"
        );
        report
            .resources
            .push(resource("null_resource.b", Action::Delete, None));
        assert_eq!(
            header(&report),
            ":warning: envs/prod · Terraform plan destroys resources"
        );
        report.result = Outcome::Error;
        assert_eq!(header(&report), ":x: envs/prod · Terraform plan failed");
        let mut apply = Report::empty(Kind::Apply);
        apply.result = Outcome::Applied;
        apply.tool = Tool::OpenTofu;
        assert_eq!(
            header(&apply),
            ":large_green_circle: envs/prod · OpenTofu apply complete"
        );
        let mut none = Report::empty(Kind::Plan);
        none.result = Outcome::NoChanges;
        let titled = RenderContext {
            title: Some("Network <prod>".into()),
            ..RenderContext::default()
        };
        let header = render(&none, &titled).blocks[0]["text"]["text"].clone();
        assert_eq!(
            header,
            json!(":white_check_mark: Network &lt;prod&gt;: no changes")
        );
    }

    #[test]
    fn summary_counts_links_and_destroy_warning() {
        let mut report = Report::empty(Kind::Plan);
        report.result = Outcome::Changes;
        report.summary = Some(Summary {
            add: 1,
            change: 0,
            destroy: 2,
            ..Summary::default()
        });
        report
            .resources
            .push(resource("aws_db.main", Action::Replace, None));
        report.resources[0].reason = Some("forces replacement".into());
        report
            .resources
            .push(resource("aws_s3_bucket.logs", Action::Delete, None));
        let message = render(&report, &ctx());
        let json = all_json(&message);
        assert!(json.contains("*Plan:* 1 to add, 0 to change, 2 to destroy."));
        assert!(json.contains(":wastebasket: Destroy: *1*"));
        assert!(json.contains(":recycle: Replace: *1*"));
        assert!(json.contains(":warning: *1 to destroy, 1 to replace*"));
        assert!(json.contains("`aws_db.main` (`forces replacement`)"));
        assert!(
            json.contains("<https://github.com/acme/infra/pull/42|#42 Rotate subnets> by alice")
        );
        assert!(json.contains("<https://ci.example.com/build/42|CI build>"));
        assert!(json.contains("acme/infra @ `01234567`"));
        assert!(
            message
                .text
                .contains("Destroys or replaces: `aws_db.main`, `aws_s3_bucket.logs`.")
        );
    }

    #[test]
    fn links_only_for_http_urls_and_labels_are_escaped() {
        let context = RenderContext {
            pr_number: Some(7),
            pr_title: Some("<!channel> hi".into()),
            pr_url: Some("javascript:alert(1)".into()),
            build_url: Some("https://ci.example.com/b?a=1&b=<x>|y".into()),
            ..RenderContext::default()
        };
        let message = render(&Report::empty(Kind::Plan), &context);
        let json = all_json(&message);
        assert!(!json.contains("<javascript"));
        assert!(json.contains("#7 &lt;!channel&gt; hi (`javascript:alert(1)`)"));
        assert!(json.contains("<https://ci.example.com/b?a=1&amp;b=%3Cx%3E%7Cy|CI build>"));
    }

    fn huge_report(kind: Kind) -> Report {
        let mut report = Report::empty(kind);
        report.result = Outcome::Error;
        let diff: String = (0..400)
            .map(|i| format!("  + attr_{i} = \"{}\"\n", "v".repeat(40)))
            .collect();
        for i in 0..3000 {
            let action = [
                Action::Create,
                Action::Delete,
                Action::Replace,
                Action::Update,
            ][i % 4];
            let address = format!("module.m[\"{}\"].null_resource.r[{i}]", "k".repeat(60));
            report
                .resources
                .push(resource(&address, action, Some(&diff)));
        }
        for i in 0..200 {
            report.errors.push(Diagnostic {
                summary: format!("Error number {i} {}", "x".repeat(500)),
                detail: "detail line\n".repeat(400),
                file: Some("main.tf".into()),
                line: Some(i),
                address: None,
                section: None,
            });
        }
        report.warnings = report.errors.clone();
        report.summary = Some(Summary {
            add: 1500,
            change: 750,
            destroy: 1500,
            ..Summary::default()
        });
        report.omitted_diffs = 10;
        report
    }

    #[test]
    fn a_huge_plan_stays_within_slack_limits_and_says_what_was_cut() {
        for kind in [Kind::Plan, Kind::Apply] {
            let report = huge_report(kind);
            let long = RenderContext {
                target: Some("t".repeat(400)),
                message: Some("m".repeat(5000)),
                ..ctx()
            };
            let message = render(&report, &long);
            assert_eq!(limit_violations(&message), Vec::<String>::new());
            let parent = without_inline_details(&message);
            assert_eq!(limit_violations(&parent), Vec::<String>::new());
            assert!(slack_len(&message.text) <= limits::FALLBACK_TEXT_MAX);
            // The destroy warning and the errors are still there, cut with a count.
            let json = all_json(&message);
            assert!(json.contains("… and "), "no cut note");
            assert!(json.contains(":scissors: Cut to fit Slack:"));
            assert!(json.contains("<https://ci.example.com/build/42|CI build log>"));
            // Thread replies: chained, each within limits, the last one says what is missing.
            let mut replies = 0;
            let mut next = message.thread_reply.as_deref();
            let mut last = None;
            while let Some(reply) = next {
                replies += 1;
                last = Some(reply);
                next = reply.thread_reply.as_deref();
            }
            assert_eq!(replies, limits::THREAD_REPLIES_MAX);
            let last = serde_json::to_string(&last).unwrap_or_default();
            assert!(last.contains("more item(s) not shown"), "{last}");
            assert!(
                last.contains("10 resource diff(s) too large to keep"),
                "{last}"
            );
        }
    }

    #[test]
    fn a_single_enormous_line_is_cut_not_dropped() {
        let mut report = Report::empty(Kind::Plan);
        report.result = Outcome::Changes;
        let line = format!("+ blob = \"{}\"", "&<>".repeat(5000));
        report
            .resources
            .push(resource("null_resource.big", Action::Create, Some(&line)));
        let message = render(&report, &ctx());
        assert_eq!(limit_violations(&message), Vec::<String>::new());
        let reply = message
            .thread_reply
            .as_deref()
            .map(all_json)
            .unwrap_or_default();
        assert!(reply.contains("+ blob = \\\"&amp;&lt;&gt;"), "{reply}");
        assert!(!reply.contains("&a…") && !reply.contains("&l…") && !reply.contains("&g…"));
    }

    #[test]
    fn webhook_copy_of_the_details_is_marked_and_dropped_for_threads() {
        let mut report = Report::empty(Kind::Plan);
        report.result = Outcome::Changes;
        report.resources.push(resource(
            "null_resource.a",
            Action::Create,
            Some("  + resource \"null_resource\" \"a\" {}\n"),
        ));
        let message = render(&report, &ctx());
        let marked = |m: &SlackMessage| {
            m.blocks
                .iter()
                .filter(|b| {
                    b["block_id"]
                        .as_str()
                        .is_some_and(|id| id.starts_with(DETAILS_BLOCK_PREFIX))
                })
                .count()
        };
        assert_eq!(marked(&message), 2, "divider + one section");
        let parent = without_inline_details(&message);
        assert_eq!(marked(&parent), 0);
        assert_eq!(parent.blocks.len(), message.blocks.len() - 2);
        assert!(parent.thread_reply.is_none());
        let reply = message
            .thread_reply
            .as_deref()
            .map(all_json)
            .unwrap_or_default();
        // Dedented diff under the address and its verb.
        assert!(
            reply.contains("`null_resource.a` will be created\\n```\\n+ resource"),
            "{reply}"
        );
    }

    #[test]
    fn drift_and_warnings_follow_the_changes_in_the_thread() {
        let mut report = Report::empty(Kind::Plan);
        report.result = Outcome::Changes;
        let mut r = resource("null_resource.a", Action::Create, None);
        r.section = Some("live/prod/vpc".into());
        report.resources.push(r);
        report.drift.push(Drift {
            address: "aws_s3_bucket.logs".into(),
            action: Action::Update,
            diff: Some("  ~ tags = {} -> {\"x\" = \"<!here>\"}\n".into()),
            section: None,
        });
        report.warnings.push(Diagnostic {
            summary: "Resource targeting is in effect".into(),
            detail: "You are creating a plan with the -target option".into(),
            file: None,
            line: None,
            address: None,
            section: None,
        });
        let message = render(&report, &ctx());
        let reply = message
            .thread_reply
            .as_deref()
            .map(all_json)
            .unwrap_or_default();
        let at = |needle: &str| {
            reply
                .find(needle)
                .unwrap_or_else(|| panic!("{needle} not in {reply}"))
        };
        assert!(
            at("`null_resource.a` will be created in `live/prod/vpc`")
                < at("`aws_s3_bucket.logs` has changed outside of Terraform")
        );
        assert!(
            at("has changed outside of Terraform")
                < at(":warning: *Warning:* `Resource targeting is in effect`")
        );
        assert!(
            reply.contains("-target option")
                && reply.contains("&lt;!here&gt;")
                && !reply.contains("<!here>")
        );
    }

    #[test]
    fn many_destroyed_instances_fold_into_one_line_per_resource() {
        let mut report = Report::empty(Kind::Plan);
        report.result = Outcome::Changes;
        for i in 0..30 {
            let mut r = resource(&format!("aws_subnet.a[\"k{i}\"]"), Action::Replace, None);
            r.index = Some(compact_str::format_compact!("\"k{i}\""));
            r.reason = Some("forces replacement".into());
            report.resources.push(r);
        }
        let mut db = resource("aws_db_instance.main", Action::Delete, None);
        db.reason = Some("because it is not in configuration".into());
        report.resources.push(db);
        let (text, omitted) = destroy_warning_text(&report);
        assert_eq!(
            text,
            ":warning: *1 to destroy, 30 to replace*\n\
             • :wastebasket: `aws_db_instance.main` (`because it is not in configuration`)\n\
             • :recycle: `aws_subnet.a[…]` × 30 (`forces replacement`)"
        );
        assert_eq!(omitted, 0);
        // A few stay one per line, destroys first.
        report.resources.truncate(3);
        report
            .resources
            .push(resource("aws_db_instance.main", Action::Delete, None));
        let (text, _) = destroy_warning_text(&report);
        assert!(text.contains("*1 to destroy, 3 to replace*\n• :wastebasket: `aws_db_instance.main`\n• :recycle: `aws_subnet.a[\"k0\"]`"), "{text}");
    }

    #[test]
    fn a_failed_apply_is_worded_as_the_plan_it_started_from() {
        let mut report = Report::empty(Kind::Apply);
        report.result = Outcome::Error;
        report.summary = Some(Summary {
            add: 1,
            destroy: 1,
            ..Summary::default()
        });
        report
            .resources
            .push(resource("null_resource.a", Action::Create, Some("+ x\n")));
        report
            .resources
            .push(resource("null_resource.b", Action::Delete, None));
        let json = all_json(&render(&report, &ctx()));
        assert!(
            json.contains("*Planned:* 1 to add, 0 to change, 1 to destroy."),
            "{json}"
        );
        assert!(json.contains("This apply failed: these are the planned changes"));
        assert!(json.contains(":warning: *1 to destroy*"));
        assert!(json.contains("`null_resource.a` will be created"));
        assert!(
            !json.contains("` created") && !json.contains("` destroyed"),
            "{json}"
        );
        report.result = Outcome::Applied;
        let json = all_json(&render(&report, &ctx()));
        assert!(json.contains("*Resources:* 1 added, 0 changed, 1 destroyed."));
        assert!(json.contains("`null_resource.a` created"));
    }

    #[test]
    fn no_changes_has_no_details_and_no_thread() {
        let mut report = Report::empty(Kind::Plan);
        report.result = Outcome::NoChanges;
        let message = render(&report, &RenderContext::default());
        assert!(message.thread_reply.is_none());
        let json = all_json(&message);
        assert!(json.contains("*No changes.*"));
        assert!(json.contains("Posted by tfpost"));
        assert!(!json.contains(DETAILS_BLOCK_PREFIX));
    }

    #[test]
    fn blocks_are_block_kit_that_slack_morphism_reads_without_loss() {
        let report = parse(HOSTILE_PLAN.as_bytes(), ParseOptions::default()).expect("parses");
        let message = render(&report, &ctx());
        let mut next = Some(&message);
        while let Some(m) = next {
            let original = Value::Array(m.blocks.clone());
            let typed: Vec<slack_morphism::prelude::SlackBlock> =
                serde_json::from_value(original.clone()).expect("Block Kit");
            let back = serde_json::to_value(&typed).expect("serializes");
            assert_eq!(back, original);
            next = m.thread_reply.as_deref();
        }
    }

    #[test]
    fn parse_failure_keeps_the_tail_of_the_raw_output_escaped() {
        let mut raw = Vec::new();
        for i in 0..2000 {
            raw.extend_from_slice(
                format!("line {i} <!channel> \x1b[31mred\x1b[0m ```\r\n").as_bytes(),
            );
        }
        raw.extend_from_slice(b"\xff\xfe the last line\n");
        let message = render_parse_failure(&raw, Some(Kind::Plan), "no plan found <@U1>", &ctx());
        assert_eq!(limit_violations(&message), Vec::<String>::new());
        let json = all_json(&message);
        assert!(!json.contains("<!channel>") && !json.contains("<@U1>"));
        assert!(!json.contains("\\u001b"), "ANSI escapes removed");
        assert!(json.contains("the last line"));
        assert!(json.contains("line 1999 &lt;!channel&gt; red `\u{200B}`\u{200B}`"));
        assert!(json.contains("earlier line(s) not shown"));
        assert_eq!(
            message.blocks[0]["text"]["text"],
            json!(":grey_question: envs/prod · Terraform plan: output not understood")
        );
        assert!(message.thread_reply.is_some());
    }

    #[test]
    fn escaping_and_truncation_helpers() {
        assert_eq!(escape("a & <b> c"), "a &amp; &lt;b&gt; c");
        assert_eq!(
            escape_code("``` ````"),
            "`\u{200B}`\u{200B}` `\u{200B}`\u{200B}`\u{200B}`"
        );
        assert_eq!(inline_code("a`b\nc<"), "`aˋb c&lt;`");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("ab&amp;cd", 5), "ab…");
        assert_eq!(truncate("a & b & c d e", 6), "a & b…");
        assert_eq!(slack_len("😀"), 2);
        assert_eq!(dedent("  + a\n      b\n"), "+ a\n    b\n");
    }
}
