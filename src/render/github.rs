//! The built-in GitHub pull-request comment: [`Report`] + [`RenderContext`] -> [`GithubMessage`].
//!
//! Top to bottom a comment says: what ran and how it ended (heading with the CI build link),
//! the counts by action with a colour bar, errors, a caution block naming every resource
//! destroyed or replaced, then the details: resource lists by action, each resource's diff in
//! plan order, output changes, drift and warnings.
//!
//! Everything from the plan goes through [`super::inert`], so no plan text becomes live Markdown.
//! The body always fits GitHub's limit: the pieces are built once, a budget decides which
//! optional ones are shown (least important cut first: diffs, then list entries), and the
//! template is rendered a bounded number of times, so a 50,000-resource plan costs linear time.

use std::fmt::Write as _;

use askama::Template;

use super::RenderContext;
use super::inert::{
    code_block, cut_lines, github_len, html_code, inline_code, link, shorten_middle,
    terraform_diff_or,
};
use crate::message::{GITHUB_COMMENT_MAX_CHARS, GithubMessage};
use crate::model::{Action, Diagnostic, Kind, Outcome, Report, ResourceChange};
use crate::words::{self, action_square, action_title, action_word, count_verb};

/// The longest body tfpost renders: GitHub's limit less room for the hidden marker the GitHub
/// notifier puts before it (JSON of a few hundred characters), so posting never has to cut.
pub const BODY_MAX_CHARS: usize = GITHUB_COMMENT_MAX_CHARS - NOTIFIER_ROOM;
const NOTIFIER_ROOM: usize = 2_048;
/// Room kept free below the limit for the joins the estimate does not count exactly.
const SLACK_ROOM: usize = 2_000;
/// A single diff longer than this is cut inside its block: one resource must not crowd out all
/// the others.
const MAX_DIFF_CHARS: usize = 20_000;
/// Caps on the parts that are always kept, so that together they always fit.
const MAX_MESSAGE_CHARS: usize = 4_000;
const MAX_ERRORS_CHARS: usize = 24_000;
const MAX_ERROR_DETAIL_CHARS: usize = 4_000;
const MAX_DESTROY_CHARS: usize = 24_000;
/// The longest address (and reason) named in the caution block, in characters: long enough for
/// any real address, short enough that thousands of resources fit.
const CAUTION_ADDRESS_MAX_CHARS: usize = 300;
const MAX_WARNING_DETAIL_CHARS: usize = 4_000;
const MAX_SECTIONS_CHARS: usize = 4_000;
const MAX_TITLE_CHARS: usize = 1_000;
/// Lists longer than this are collapsed into `<details>`.
const COLLAPSE_LIST_AT: usize = 15;
/// Destructive diffs are shown open when there are at most this many of them.
const OPEN_DESTRUCTIVE_DIFFS: usize = 5;
/// Squares in the colour bar.
const BAR_WIDTH: usize = 20;

/// Render the built-in comment for a report, plan or apply by `report.kind`, with the split
/// parts when the comment had to be cut.
pub fn render(report: &Report, ctx: &RenderContext) -> GithubMessage {
    render_with(report, ctx, true)
}

/// [`render`], computing the split parts only when `with_parts` (`--overflow split`): on a plan
/// of tens of thousands of resources they cost more than the comment itself.
pub fn render_with(report: &Report, ctx: &RenderContext, with_parts: bool) -> GithubMessage {
    Pieces::new(report, ctx, report.kind).message(with_parts)
}

/// The built-in comment for a plan.
pub fn plan(report: &Report, ctx: &RenderContext) -> GithubMessage {
    Pieces::new(report, ctx, Kind::Plan).message(true)
}

/// The built-in comment for an apply.
pub fn apply(report: &Report, ctx: &RenderContext) -> GithubMessage {
    Pieces::new(report, ctx, Kind::Apply).message(true)
}

/// The comment posted when the output could not be parsed: the parser's error and the raw output
/// in a collapsed block, so that nothing is lost.
pub fn parse_failure(raw: &[u8], error: &str, ctx: &RenderContext) -> GithubMessage {
    let text = words::printable_output(raw);
    let title = ctx
        .title
        .as_deref()
        .map(|t| cap_text(&one_line(t), MAX_TITLE_CHARS))
        .unwrap_or_else(|| "Terraform".to_string());
    let mut heading = format!("{title}{}", target_suffix(ctx));
    heading.push_str(" — ⚠️ output not understood");
    if let Some(url) = &ctx.build_url {
        let _ = write!(heading, " · {}", link("CI build", url));
    }
    let render = |raw_block: &str, cut: Option<String>| {
        ParseFailureTemplate {
            heading: &heading,
            error: &inline_code(error),
            message: ctx
                .message
                .as_deref()
                .map(|m| cap_text(m, MAX_MESSAGE_CHARS)),
            raw_block,
            lines: text.lines().count(),
            cut: cut.as_deref(),
        }
        .render()
        .map(with_final_newline)
        .unwrap_or_else(|e| format!("### {heading}\n\ntfpost could not render this comment: {e}\n"))
    };
    let full = render(&code_block(&text, ""), None);
    if github_len(&full) <= BODY_MAX_CHARS {
        return GithubMessage {
            body: full,
            parts: Vec::new(),
        };
    }
    // Terraform prints what went wrong at the end: keep the head for context and most room
    // for the tail.
    let overhead = github_len(&render("", Some(String::new()))) + 600;
    let room = BODY_MAX_CHARS.saturating_sub(overhead);
    let (head, tail, dropped) = head_and_tail(&text, room / 5, room - room / 5);
    let kept = format!("{head}\n… {dropped} lines cut here …\n\n{tail}");
    let cut = format!(
        "The output is too long for one comment: {dropped} lines in the middle are not shown.{}",
        build_hint(ctx)
    );
    let body = ensure_fits(render(&code_block(&kept, ""), Some(cut)));
    let chunk = BODY_MAX_CHARS / 2;
    let mut segments = Vec::new();
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let (piece, _) = cut_lines(rest, chunk);
        let piece = if piece.is_empty() { rest } else { piece };
        segments.push(Segment::Block(code_block(piece, "")));
        rest = &rest[piece.len()..];
    }
    let head = render("", None);
    let parts = pack_parts(&head, segments, &heading);
    GithubMessage { body, parts }
}

#[derive(Template)]
#[template(path = "github_parse_failure.md", escape = "none")]
struct ParseFailureTemplate<'a> {
    heading: &'a str,
    error: &'a str,
    message: Option<String>,
    raw_block: &'a str,
    lines: usize,
    cut: Option<&'a str>,
}

#[derive(Template)]
#[template(path = "github_plan.md", escape = "none")]
struct PlanTemplate<'a> {
    v: &'a Shown<'a>,
}

#[derive(Template)]
#[template(path = "github_apply.md", escape = "none")]
struct ApplyTemplate<'a> {
    v: &'a Shown<'a>,
}

/// Every piece of a comment, rendered once; [`Shown`] picks which appear.
struct Pieces<'r> {
    report: &'r Report,
    kind: Kind,
    /// The tense of the counts and lists: an apply that failed is described by its plan, since
    /// the log, not the text's structure, says which changes were made.
    wording: Kind,
    heading: String,
    summary: String,
    bar: String,
    terraform_line: Option<String>,
    sections: Option<String>,
    message: Option<String>,
    vars: Option<String>,
    build_hint: String,
    errors: Vec<String>,
    errors_more: usize,
    destroy_headline: Option<String>,
    destroy_items: Vec<String>,
    destroy_more: usize,
    lists: Vec<List>,
    outputs: Option<String>,
    drift: Capped,
    warnings: Vec<String>,
    /// The resources with a diff, in plan order; their blocks are rendered when first needed.
    diffs: Vec<DiffPiece<'r>>,
    /// Whether the diffs of destroyed and replaced resources are shown open.
    open_destructive: bool,
}

/// Resources of one action.
struct List {
    title: String,
    items: Capped,
}

/// The first entries of a list, rendered, and how many there are in all.
///
/// A cut comment shows each list from its start up to the first entry that does not fit, so
/// entries past a whole comment's worth are never shown and never rendered: on a plan of
/// 50,000 resources that is most of the rendering time.
struct Capped {
    rendered: Vec<String>,
    total: usize,
}

impl Capped {
    fn new<T>(entries: impl Iterator<Item = T>, render: impl Fn(T) -> String) -> Capped {
        let mut entries = entries;
        let mut rendered = Vec::new();
        let mut len = 0;
        // Past the limit, the entry that crossed it is kept: the rendered entries alone then
        // show that the whole list cannot fit.
        for entry in entries.by_ref() {
            let text = render(entry);
            len += github_len(&text) + 6;
            rendered.push(text);
            if len > BODY_MAX_CHARS {
                break;
            }
        }
        let total = rendered.len() + entries.count();
        Capped { rendered, total }
    }

    /// Every entry, rendered (the split parts show them all).
    fn all<T>(entries: impl Iterator<Item = T>, render: impl Fn(T) -> String) -> Vec<String> {
        entries.map(render).collect()
    }
}

/// A resource's diff block, rendered on first use.
struct DiffPiece<'r> {
    resource: &'r ResourceChange,
    diff: &'r str,
    block: std::cell::OnceCell<String>,
}

/// What one rendering shows.
struct Shown<'a> {
    heading: &'a str,
    summary: &'a str,
    bar: &'a str,
    terraform_line: Option<&'a str>,
    sections: Option<&'a str>,
    message: Option<&'a str>,
    vars: Option<&'a str>,
    cut_notice: Option<String>,
    errors: &'a [String],
    errors_more: usize,
    destroy_headline: Option<&'a str>,
    destroy_items: &'a [String],
    destroy_more: usize,
    build_hint: &'a str,
    lists: Vec<ListShown<'a>>,
    /// Resource changes the parser counted beyond the ones it keeps, of any action.
    resources_left_out: usize,
    outputs: Option<&'a str>,
    drift: Vec<&'a str>,
    drift_more: usize,
    warnings: Vec<&'a str>,
    warnings_more: usize,
    diffs: Vec<&'a str>,
    diffs_more: usize,
    diffs_total: usize,
}

impl Shown<'_> {
    /// A count with thousands separators, for the templates.
    fn n(&self, count: impl std::borrow::Borrow<usize>) -> String {
        group_digits(*count.borrow() as u64)
    }
}

struct ListShown<'a> {
    title: &'a str,
    items: &'a [String],
    more: usize,
    collapsed: bool,
}

/// Which optional pieces a rendering includes.
#[derive(Debug, Clone, Default)]
struct Selection {
    warnings: usize,
    list_items: Vec<usize>,
    outputs: bool,
    drift: usize,
    diffs: Vec<bool>,
}

impl<'r> Pieces<'r> {
    fn new(report: &'r Report, ctx: &RenderContext, kind: Kind) -> Pieces<'r> {
        let counts = counts(report);
        let build_hint = build_hint(ctx);
        let wording = words::wording_of(kind, report.result);
        let (errors, errors_more) = error_blocks(&report.errors);
        // The parser keeps the first diagnostics only; the rest are "more" as well.
        let errors_more = errors_more + report.left_out.errors as usize;
        let (destroy_headline, destroy_items, destroy_more) =
            destroy_block(report, kind, MAX_DESTROY_CHARS);
        Pieces {
            report,
            kind,
            wording,
            heading: heading(report, ctx, kind),
            summary: summary_line(report, &counts, kind, wording),
            bar: color_bar(&counts),
            terraform_line: report.summary.map(|s| terraform_line(s, wording)),
            sections: sections_block(report, wording),
            message: ctx
                .message
                .as_deref()
                .map(|m| cap_text(m, MAX_MESSAGE_CHARS)),
            vars: vars_line(ctx),
            build_hint,
            errors,
            errors_more,
            destroy_headline,
            destroy_items,
            destroy_more,
            lists: lists(report, wording),
            outputs: outputs_block(report),
            drift: Capped::new(report.drift.iter(), drift_block),
            warnings: report.warnings.iter().map(warning_block).collect(),
            diffs: report
                .resources
                .iter()
                .filter_map(|r| {
                    Some(DiffPiece {
                        resource: r,
                        diff: r.diff.as_deref()?,
                        block: std::cell::OnceCell::new(),
                    })
                })
                .collect(),
            open_destructive: report
                .resources
                .iter()
                .filter(|r| r.action.is_destructive())
                .count()
                <= OPEN_DESTRUCTIVE_DIFFS,
        }
    }

    /// The diff block of the `i`th resource with a diff.
    fn diff_block(&self, i: usize) -> &str {
        let piece = &self.diffs[i];
        piece.block.get_or_init(|| {
            diff_block(
                piece.resource,
                piece.diff,
                self.wording,
                self.open_destructive,
                MAX_DIFF_CHARS,
            )
        })
    }

    /// The length of the optional pieces together, a lower bound of the full comment's; once
    /// past the limit, only that it is past.
    fn optional_len(&self) -> usize {
        let lists: usize = self
            .lists
            .iter()
            .flat_map(|l| &l.items.rendered)
            .map(|i| github_len(i))
            .sum();
        let drift: usize = self.drift.rendered.iter().map(|d| github_len(d)).sum();
        let warnings: usize = self.warnings.iter().map(|w| github_len(w)).sum();
        let mut len = lists + drift + warnings + self.outputs.as_deref().map_or(0, github_len);
        for i in 0..self.diffs.len() {
            if len > BODY_MAX_CHARS {
                break;
            }
            len += github_len(self.diff_block(i));
        }
        len
    }

    /// Everything; only used when [`Pieces::optional_len`] says it can fit, so every list
    /// was rendered whole.
    fn all(&self) -> Selection {
        Selection {
            warnings: self.warnings.len(),
            list_items: self.lists.iter().map(|l| l.items.rendered.len()).collect(),
            outputs: self.outputs.is_some(),
            drift: self.drift.rendered.len(),
            diffs: vec![true; self.diffs.len()],
        }
    }

    fn none(&self) -> Selection {
        Selection {
            list_items: vec![0; self.lists.len()],
            diffs: vec![false; self.diffs.len()],
            ..Selection::default()
        }
    }

    fn shown(&self, sel: &Selection, cut_notice: Option<String>, parts_mode: bool) -> Shown<'_> {
        let lists = self
            .lists
            .iter()
            .zip(&sel.list_items)
            .map(|(l, &n)| ListShown {
                title: &l.title,
                items: &l.items.rendered[..n],
                more: l.items.total - n,
                collapsed: !parts_mode && l.items.total > COLLAPSE_LIST_AT,
            })
            .collect();
        let diffs: Vec<&str> = (0..self.diffs.len())
            .filter(|&i| sel.diffs[i])
            .map(|i| self.diff_block(i))
            .collect();
        Shown {
            heading: &self.heading,
            summary: &self.summary,
            bar: &self.bar,
            terraform_line: self.terraform_line.as_deref(),
            sections: self.sections.as_deref(),
            message: self.message.as_deref(),
            vars: self.vars.as_deref(),
            cut_notice,
            errors: &self.errors,
            errors_more: self.errors_more,
            destroy_headline: self.destroy_headline.as_deref(),
            destroy_items: &self.destroy_items,
            destroy_more: self.destroy_more,
            build_hint: &self.build_hint,
            lists,
            resources_left_out: (self.report.left_out.resources
                - self.report.left_out.destructive_resources)
                as usize,
            outputs: if sel.outputs {
                self.outputs.as_deref()
            } else {
                None
            },
            drift: self.drift.rendered[..sel.drift]
                .iter()
                .map(String::as_str)
                .collect(),
            drift_more: self.drift.total - sel.drift,
            warnings: self.warnings[..sel.warnings]
                .iter()
                .map(String::as_str)
                .collect(),
            warnings_more: self.warnings.len() - sel.warnings
                + self.report.left_out.warnings as usize,
            diffs_more: self.diffs.len() - diffs.len(),
            diffs,
            diffs_total: self.diffs.len(),
        }
    }

    fn render(&self, shown: &Shown<'_>) -> String {
        let rendered = match self.kind {
            Kind::Plan => PlanTemplate { v: shown }.render(),
            Kind::Apply => ApplyTemplate { v: shown }.render(),
        };
        // Rendering only fails when writing to a String fails, which it does not; still, a
        // comment must be posted.
        let body = rendered.unwrap_or_else(|e| {
            format!(
                "### {}\n\n{}\n\ntfpost could not render this comment: {e}\n",
                self.heading, self.summary
            )
        });
        with_final_newline(body)
    }

    /// The comment within the limit, plus the split parts when something had to be cut.
    fn message(&self, with_parts: bool) -> GithubMessage {
        // Rendering everything is only worth it when it can fit: a big plan's full rendering is
        // megabytes.
        if self.optional_len() <= BODY_MAX_CHARS {
            let full = self.render(&self.shown(&self.all(), None, false));
            if github_len(&full) <= BODY_MAX_CHARS {
                return GithubMessage {
                    body: full,
                    parts: Vec::new(),
                };
            }
        }
        // The estimate errs on the long side; should it still miss, choose again with the
        // overshoot kept free (twice at most, then nothing optional).
        let mut spare = SLACK_ROOM;
        let mut body = String::new();
        for _ in 0..3 {
            let (sel, cut) = self.select_within_budget(spare);
            let notice = self.cut_notice(&cut);
            body = self.render(&self.shown(&sel, Some(notice), false));
            let len = github_len(&body);
            if len <= BODY_MAX_CHARS {
                break;
            }
            spare += 2 * (len - BODY_MAX_CHARS) + SLACK_ROOM;
        }
        if github_len(&body) > BODY_MAX_CHARS {
            let (sel, cut) = (self.none(), self.cut_all());
            body = self.render(&self.shown(&sel, Some(self.cut_notice(&cut)), false));
        }
        GithubMessage {
            body: ensure_fits(body),
            parts: if with_parts { self.parts() } else { Vec::new() },
        }
    }

    /// Pick the optional pieces that fit: warnings, outputs, drift and list entries first, then
    /// diffs (destroyed and replaced resources first), each in plan order; a piece too big for
    /// the room left is skipped and smaller ones after it still get their chance.
    fn select_within_budget(&self, spare: usize) -> (Selection, Cut) {
        let skeleton =
            self.render(&self.shown(&self.none(), Some(self.cut_notice_placeholder()), false));
        let mut room = BODY_MAX_CHARS.saturating_sub(github_len(&skeleton) + spare);
        let mut sel = self.none();
        // A piece costs its length plus the template's joins: a blank line before a block, a
        // list item's `- ` (indented when nested) and line end.
        let take = |len: usize, room: &mut usize| {
            let cost = len + 6;
            if cost <= *room {
                *room -= cost;
                true
            } else {
                false
            }
        };
        // Section headings and `<details>` wrappers.
        let section_cost = 200;
        // Warnings, outputs and drift are short and matter to a reviewer, but may not crowd
        // out the resource lists: each gets at most a third of the room left.
        let mut warnings_room = room / 3;
        for w in &self.warnings {
            let len = github_len(w);
            if len + 6 > warnings_room || !take(len, &mut room) {
                break;
            }
            warnings_room -= len + 6;
            sel.warnings += 1;
        }
        if let Some(outputs) = &self.outputs {
            let len = github_len(outputs) + section_cost;
            sel.outputs = len <= room / 3 && take(len, &mut room);
        }
        if self.drift.total > 0 && take(section_cost, &mut room) {
            let mut drift_room = room / 3;
            for d in &self.drift.rendered {
                let len = github_len(d);
                if len + 6 > drift_room || !take(len, &mut room) {
                    break;
                }
                drift_room -= len + 6;
                sel.drift += 1;
            }
        }
        for (i, list) in self.lists.iter().enumerate() {
            if !take(section_cost, &mut room) {
                break;
            }
            for item in &list.items.rendered {
                if !take(github_len(item), &mut room) {
                    break;
                }
                sel.list_items[i] += 1;
            }
        }
        if !self.diffs.is_empty() && take(section_cost, &mut room) {
            for destructive_pass in [true, false] {
                for (i, piece) in self.diffs.iter().enumerate() {
                    if piece.resource.action.is_destructive() == destructive_pass
                        && take(github_len(self.diff_block(i)), &mut room)
                    {
                        sel.diffs[i] = true;
                    }
                    // Nothing fits any more once the room is below the smallest diff block.
                    if room < 150 {
                        break;
                    }
                }
            }
        }
        let cut = Cut {
            list_items: self.lists.iter().map(|l| l.items.total).sum::<usize>()
                - sel.list_items.iter().sum::<usize>(),
            diffs: sel.diffs.iter().filter(|k| !**k).count(),
            drift: self.drift.total - sel.drift,
            warnings: self.warnings.len() - sel.warnings,
            outputs: self.outputs.is_some() && !sel.outputs,
        };
        (sel, cut)
    }

    /// Everything optional left out.
    fn cut_all(&self) -> Cut {
        Cut {
            list_items: self.lists.iter().map(|l| l.items.total).sum(),
            diffs: self.diffs.len(),
            drift: self.drift.total,
            warnings: self.warnings.len(),
            outputs: self.outputs.is_some(),
        }
    }

    fn cut_notice_placeholder(&self) -> String {
        // As long as any real notice: counts take at most 7 digits each.
        self.cut_notice(&Cut {
            list_items: 9_999_999,
            diffs: 9_999_999,
            drift: 9_999_999,
            warnings: 9_999_999,
            outputs: true,
        })
    }

    fn cut_notice(&self, cut: &Cut) -> String {
        let mut what = Vec::new();
        if cut.diffs > 0 {
            what.push(format!(
                "{} of {} diffs",
                group_digits(cut.diffs as u64),
                group_digits(self.diffs.len() as u64)
            ));
        }
        if cut.list_items > 0 {
            what.push(format!(
                "{} list entries",
                group_digits(cut.list_items as u64)
            ));
        }
        if cut.outputs {
            what.push("the output changes".to_string());
        }
        if cut.drift > 0 {
            what.push(format!("{} drifted objects", cut.drift));
        }
        if cut.warnings > 0 {
            what.push(format!("{} warnings", cut.warnings));
        }
        if self.destroy_more > 0 {
            what.push(format!(
                "{} destroyed or replaced resources in the list above",
                group_digits(self.destroy_more as u64)
            ));
        }
        if self.errors_more > 0 {
            what.push(format!(
                "{} error details",
                group_digits(self.errors_more as u64)
            ));
        }
        format!(
            "This comment is shortened to GitHub's limit of {} characters. Not shown: {}.{}",
            group_digits(GITHUB_COMMENT_MAX_CHARS as u64),
            what.join(", "),
            self.build_hint
        )
    }

    /// The whole comment as several bodies, each within the limit, for split mode.
    fn parts(&self) -> Vec<String> {
        let head = self.render(&self.shown(&self.none(), None, true));
        let part_room = BODY_MAX_CHARS / 2;
        let mut segments = Vec::new();
        // The caution block of the head names as many as fit; the parts name the rest.
        if self.destroy_more > 0 {
            segments.push(Segment::Block(
                "#### 🟥 Destroyed or replaced (continued)".to_string(),
            ));
            let (_, all, _) = destroy_block(self.report, self.kind, usize::MAX);
            for item in all.into_iter().skip(self.destroy_items.len()) {
                segments.push(Segment::Item(format!("- {item}")));
            }
        }
        if !self.warnings.is_empty() {
            segments.push(Segment::Block("#### ⚠️ Warnings".to_string()));
            segments.extend(self.warnings.iter().cloned().map(Segment::Block));
        }
        if let Some(outputs) = &self.outputs {
            segments.push(Segment::Block(format!(
                "#### 📤 Output changes\n\n{outputs}"
            )));
        }
        if self.drift.total > 0 {
            segments.push(Segment::Block(
                "#### 🌀 Changed outside of Terraform".to_string(),
            ));
            let drift = Capped::all(self.report.drift.iter(), drift_block);
            segments.extend(drift.into_iter().map(Segment::Block));
        }
        for (list, action) in self.lists.iter().zip(list_actions(self.report)) {
            segments.push(Segment::Block(format!("#### {}", list.title)));
            for item in Capped::all(self.report.resources_with(action), list_item) {
                segments.push(Segment::Item(format!("- {item}")));
            }
        }
        // Parts hold the whole plan: diffs are cut only to what one part can carry.
        let any_cut = self
            .report
            .resources
            .iter()
            .filter_map(|r| r.diff.as_deref())
            .any(|d| d.len() * 3 > MAX_DIFF_CHARS);
        let max = if any_cut { part_room } else { MAX_DIFF_CHARS };
        let diffs: Vec<(String, bool)> = self
            .diffs
            .iter()
            .map(|piece| {
                let block = diff_block(
                    piece.resource,
                    piece.diff,
                    self.wording,
                    self.open_destructive,
                    max,
                );
                (block, piece.resource.action.is_destructive())
            })
            .collect();
        if !diffs.is_empty() {
            segments.push(Segment::Block("#### Changes in plan order".to_string()));
            segments.extend(diffs.into_iter().map(|(d, _)| Segment::Block(d)));
        }
        pack_parts(&head, segments, &self.heading)
    }
}

/// What a cut comment leaves out.
struct Cut {
    list_items: usize,
    diffs: usize,
    drift: usize,
    warnings: usize,
    outputs: bool,
}

/// askama drops a template's final newline; a comment ends with one.
fn with_final_newline(mut body: String) -> String {
    if !body.ends_with('\n') {
        body.push('\n');
    }
    body
}

/// A piece of a split comment: a block stands apart (blank lines around it), an item joins
/// the list before it.
enum Segment {
    Block(String),
    Item(String),
}

/// Pack `head` and `segments` into bodies within the limit, each saying "part i of n".
fn pack_parts(head: &str, segments: Vec<Segment>, heading: &str) -> Vec<String> {
    // Room for the "part i of n" line and the continued heading.
    let marker_room = github_len(heading) + 200;
    let room = BODY_MAX_CHARS.saturating_sub(marker_room + SLACK_ROOM);
    let mut bodies: Vec<String> = vec![ensure_fits(head.trim_end().to_string())];
    let mut used = github_len(&bodies[0]);
    let mut after_item = false;
    for segment in segments {
        let (text, is_item) = match &segment {
            Segment::Block(text) => (text.trim_end(), false),
            Segment::Item(text) => (text.trim_end(), true),
        };
        // Separator (up to a blank line, 4) and the text.
        let len = github_len(text) + 4;
        if used + len > room {
            bodies.push(String::new());
            used = 0;
        }
        if let Some(body) = bodies.last_mut() {
            if !body.is_empty() {
                body.push_str(if is_item && after_item { "\n" } else { "\n\n" });
            }
            body.push_str(text);
            used += len;
        }
        after_item = is_item;
    }
    let n = bodies.len();
    bodies
        .into_iter()
        .enumerate()
        .map(|(i, body)| {
            let marker = if i == 0 {
                format!("{body}\n\n<sub>📄 part 1 of {n}</sub>\n")
            } else {
                format!(
                    "### {heading} (continued)\n<sub>📄 part {} of {n}</sub>\n\n{body}\n",
                    i + 1
                )
            };
            ensure_fits(marker)
        })
        .collect()
}

/// Last resort: a body that is still too long is cut at a line end. The optional pieces are
/// chosen so that this does not happen; it guards the limit against estimate errors.
fn ensure_fits(body: String) -> String {
    if github_len(&body) <= BODY_MAX_CHARS {
        return body;
    }
    let note = "\n\n**Cut here:** tfpost's comment exceeded GitHub's size limit.\n";
    // Close a fence the cut may leave open, with a fence longer than any backtick run inside;
    // a fence so long it would not fit is not worth keeping the text for.
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence_len = longest.max(2) + 1;
    let room = BODY_MAX_CHARS.saturating_sub(github_len(note) + fence_len + 8);
    if room < BODY_MAX_CHARS / 2 {
        return note.trim_start().to_string();
    }
    let (kept, _) = cut_lines(&body, room);
    format!("{kept}\n{}\n{note}", "`".repeat(fence_len))
}

// ---- pieces -----------------------------------------------------------------------------

/// How many resources have each action: from the resource list, or from Terraform's summary
/// line when the text listed no resources.
fn counts(report: &Report) -> Vec<(Action, u64)> {
    let from_resources: Vec<(Action, u64)> = report
        .action_counts()
        .into_iter()
        .map(|(a, n)| (a, n as u64))
        .collect();
    if !report.resources.is_empty() {
        return from_resources;
    }
    match report.summary {
        Some(s) => Action::ALL
            .iter()
            .map(|&a| (a, words::summary_count(s, a)))
            .collect(),
        None => from_resources,
    }
}

fn one_line(text: &str) -> String {
    text.split(['\n', '\r'])
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn target_suffix(ctx: &RenderContext) -> String {
    match &ctx.target {
        Some(t) if !t.is_empty() => format!(" · {}", inline_code(&cap_text(t, MAX_TITLE_CHARS))),
        _ => String::new(),
    }
}

fn heading(report: &Report, ctx: &RenderContext, kind: Kind) -> String {
    let default_title = match kind {
        Kind::Plan => format!("{} plan", words::tool_name(report.tool)),
        Kind::Apply => format!("{} apply", words::tool_name(report.tool)),
    };
    // The title is the user's own Markdown (from CI configuration), kept on one line.
    let title = ctx
        .title
        .as_deref()
        .map(|t| cap_text(&one_line(t), MAX_TITLE_CHARS))
        .unwrap_or(default_title);
    let result = match (kind, report.result) {
        (_, Outcome::Error) => "❌ failed",
        (Kind::Plan, Outcome::NoChanges) => "✅ no changes",
        (Kind::Plan, _) if report.has_destructive_changes() => "⚠️ destroys resources",
        (Kind::Plan, _) => "📝 changes",
        (Kind::Apply, Outcome::Applied) => "✅ applied",
        (Kind::Apply, Outcome::Changes) => "⚠️ not applied: no `Apply complete!` line",
        (Kind::Apply, Outcome::NoChanges) => "✅ nothing to apply",
    };
    let mut out = format!("{title}{} — {result}", target_suffix(ctx));
    if let Some(url) = &ctx.build_url {
        let _ = write!(out, " · {}", link("CI build", url));
    }
    out
}

fn summary_line(report: &Report, counts: &[(Action, u64)], kind: Kind, wording: Kind) -> String {
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(a, n)| {
            format!(
                "{} **{}** {}",
                action_square(*a),
                group_digits(*n),
                count_verb(*a, wording)
            )
        })
        .collect();
    let lead = match (kind, wording) {
        (Kind::Plan, _) => "**Plan:**",
        (Kind::Apply, Kind::Apply) => "**Apply:**",
        (Kind::Apply, Kind::Plan) => "**Planned for this apply:**",
    };
    if !parts.is_empty() {
        let mut line = format!("{lead} {}", parts.join(" · "));
        if !report.outputs.is_empty() {
            let _ = write!(line, " · 📤 **{}** output changes", report.outputs.len());
        }
        return line;
    }
    match (kind, report.result) {
        (_, Outcome::Error) => format!("{lead} no resource changes could be planned."),
        (_, _) if !report.outputs.is_empty() => {
            format!(
                "{lead} no resource changes · 📤 **{}** output changes",
                report.outputs.len()
            )
        }
        (Kind::Plan, _) => {
            format!("{lead} no changes. The infrastructure matches the configuration.")
        }
        (Kind::Apply, _) => format!("{lead} no resources changed."),
    }
}

/// Always [`BAR_WIDTH`] squares, shared in proportion to the counts (largest remainder
/// first), every present action at least one square.
fn color_bar(counts: &[(Action, u64)]) -> String {
    bar_widths(counts, BAR_WIDTH)
        .into_iter()
        .map(|(a, w)| action_square(a).repeat(w))
        .collect()
}

/// How many of `width` squares each present action gets; they add up to `width` (or to the
/// number of present actions when there are more of those than squares).
fn bar_widths(counts: &[(Action, u64)], width: usize) -> Vec<(Action, usize)> {
    let present: Vec<(Action, u64)> = counts.iter().copied().filter(|(_, n)| *n > 0).collect();
    let total: u128 = present.iter().map(|(_, n)| u128::from(*n)).sum();
    if total == 0 {
        return Vec::new();
    }
    let width_u = width as u128;
    // Each action's exact share is n * width / total; start from the floor, at least one.
    let mut widths: Vec<usize> = present
        .iter()
        .map(|(_, n)| ((u128::from(*n) * width_u / total) as usize).max(1))
        .collect();
    let target = width.max(present.len());
    // Short of the width: the largest remainders of the exact shares get one more each.
    let mut by_remainder: Vec<usize> = (0..present.len()).collect();
    by_remainder.sort_by_key(|&i| std::cmp::Reverse((u128::from(present[i].1) * width_u) % total));
    let short = target.saturating_sub(widths.iter().sum::<usize>());
    for &i in by_remainder.iter().cycle().take(short) {
        widths[i] += 1;
    }
    // Over the width (the one-square minimum): take back from the widest.
    while widths.iter().sum::<usize>() > target {
        match widths.iter_mut().filter(|w| **w > 1).max_by_key(|w| **w) {
            Some(w) => *w -= 1,
            None => break,
        }
    }
    present.iter().map(|(a, _)| *a).zip(widths).collect()
}

/// Terraform's own summary line, as it printed it (a replace counts as one add and one destroy).
fn terraform_line(s: crate::model::Summary, wording: Kind) -> String {
    format!(
        "as printed: {}",
        inline_code(&words::summary_line(s, wording))
    )
}

/// One line per plan of a stream that holds several (Terragrunt `run-all`), with its result and
/// Terraform's counts; capped like the other parts that are always shown.
fn sections_block(report: &Report, wording: Kind) -> Option<String> {
    if report.sections.is_empty() {
        return None;
    }
    let mut out = String::new();
    for (i, section) in report.sections.iter().enumerate() {
        let label = section
            .label
            .as_deref()
            .map_or_else(|| format!("plan {}", i + 1), inline_code);
        let result = match section.result {
            Outcome::Error => "❌ failed",
            Outcome::NoChanges => "✅ no changes",
            Outcome::Changes => "📝 changes",
            Outcome::Applied => "✅ applied",
        };
        let line = match section.summary {
            Some(s) => format!(
                "- {label} — {result} · {}\n",
                terraform_line(s, wording).trim_start_matches("as printed: ")
            ),
            None => format!("- {label} — {result}\n"),
        };
        if github_len(&out) + github_len(&line) > MAX_SECTIONS_CHARS {
            let _ = writeln!(out, "- … and {} more", report.sections.len() - i);
            break;
        }
        out.push_str(&line);
    }
    Some(out)
}

fn vars_line(ctx: &RenderContext) -> Option<String> {
    if ctx.vars.is_empty() {
        return None;
    }
    let vars: Vec<String> = ctx
        .vars
        .iter()
        .map(|(k, v)| format!("{} = {}", inline_code(k), inline_code(v)))
        .collect();
    Some(cap_text(&vars.join(" · "), MAX_MESSAGE_CHARS))
}

fn build_hint(ctx: &RenderContext) -> String {
    match &ctx.build_url {
        Some(url) => format!(" The full output is in the {}.", link("CI build log", url)),
        None => " The full output is in the CI build log.".to_string(),
    }
}

/// Cut user text to `max` characters on a character boundary.
fn cap_text(text: &str, max: usize) -> String {
    let (kept, dropped) = cut_lines(text, max);
    if dropped == 0 && kept.len() == text.len() {
        text.to_string()
    } else {
        format!("{kept} …")
    }
}

fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn location(d: &Diagnostic) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(file) = &d.file {
        let at = match d.line {
            Some(line) => format!("{file} line {line}"),
            None => file.clone(),
        };
        parts.push(format!("on {}", inline_code(&at)));
    }
    if let Some(address) = &d.address {
        parts.push(format!("with {}", inline_code(address)));
    }
    if let Some(section) = &d.section {
        parts.push(format!("in {}", inline_code(section)));
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// Error blocks, each shown in full up to a cap; beyond the total cap only counted.
fn error_blocks(errors: &[Diagnostic]) -> (Vec<String>, usize) {
    let mut blocks = Vec::new();
    let mut used = 0;
    for (i, e) in errors.iter().enumerate() {
        let mut block = format!("**{}**", inline_code(&e.summary));
        if let Some(at) = location(e) {
            let _ = write!(block, " — {at}");
        }
        block.push('\n');
        if !e.detail.is_empty() {
            block.push('\n');
            block.push_str(&code_block(
                &capped_detail(&e.detail, MAX_ERROR_DETAIL_CHARS),
                "",
            ));
        }
        used += github_len(&block);
        if used > MAX_ERRORS_CHARS {
            return (blocks, errors.len() - i);
        }
        blocks.push(block);
    }
    (blocks, 0)
}

fn capped_detail(detail: &str, max: usize) -> String {
    let (kept, dropped) = cut_lines(detail, max);
    if dropped == 0 {
        detail.to_string()
    } else {
        format!("{kept}\n… {dropped} more lines in the CI build log")
    }
}

fn reason_suffix(r: &ResourceChange) -> String {
    let mut out = String::new();
    if let Some(reason) = &r.reason {
        let reason = shorten_middle(reason, CAUTION_ADDRESS_MAX_CHARS);
        let _ = write!(out, " — {}", inline_code(&reason));
    }
    if let Some(from) = &r.from_address {
        let from = shorten_middle(from, CAUTION_ADDRESS_MAX_CHARS);
        let _ = write!(out, " (moved from {})", inline_code(&from));
    }
    if r.action == Action::Import {
        if let Some(id) = &r.import_id {
            let _ = write!(out, " (id {})", inline_code(id));
        }
    } else if r.imported {
        match &r.import_id {
            Some(id) => {
                let _ = write!(out, " (imported, id {})", inline_code(id));
            }
            None => out.push_str(" (imported)"),
        }
    }
    if let Some(deposed) = &r.deposed {
        let _ = write!(out, " (deposed object {})", inline_code(deposed));
    }
    if let Some(section) = &r.section {
        let _ = write!(out, " in {}", inline_code(section));
    }
    out
}

/// The caution block's content: every destroyed or replaced resource, up to a cap.
fn destroy_block(
    report: &Report,
    kind: Kind,
    max_chars: usize,
) -> (Option<String>, Vec<String>, usize) {
    let destroyed = report.resources_with(Action::Delete).count();
    let replaced = report.resources_with(Action::Replace).count();
    // Destroys and replacements beyond the resources the parser keeps: counted, never dropped.
    let beyond = report.left_out.destructive_resources as usize;
    if destroyed + replaced + beyond == 0 {
        return (None, Vec::new(), 0);
    }
    let failed_apply = words::apply_not_complete(kind, report.result);
    let (destroy, replace) = match (kind, failed_apply) {
        (Kind::Plan, _) => ("destroys", "replaces"),
        (Kind::Apply, true) => ("destroy", "replace"),
        (Kind::Apply, false) => ("destroyed", "replaced"),
    };
    let mut what = Vec::new();
    if destroyed > 0 {
        what.push(format!("{destroy} **{}**", group_digits(destroyed as u64)));
    }
    if replaced > 0 {
        what.push(format!("{replace} **{}**", group_digits(replaced as u64)));
    }
    let noun = if destroyed + replaced + beyond == 1 {
        "resource"
    } else {
        "resources"
    };
    if beyond > 0 {
        what.push(format!(
            "{destroy} or {replace} **{}** more",
            group_digits(beyond as u64)
        ));
    }
    let what = what.join(" and ");
    let headline = match (kind, failed_apply) {
        (Kind::Plan, _) => format!("This plan {what} {noun}:"),
        (Kind::Apply, true) => {
            format!(
                "{}. It was to {what} {noun}; the log says which of these happened:",
                words::unfinished_apply(report.result)
            )
        }
        (Kind::Apply, false) => format!("This apply {what} {noun}:"),
    };
    let wording = if failed_apply { Kind::Plan } else { kind };
    let mut items = Vec::new();
    let mut used = 0;
    let total = destroyed + replaced;
    // Destroyed first, then replaced: the most final loss at the top.
    let destructive = report
        .resources_with(Action::Delete)
        .chain(report.resources_with(Action::Replace));
    for r in destructive {
        // A long address (a `for_each` key holding a document) is shortened rather than left
        // out: every destroyed resource is named.
        let item = format!(
            "{} **{}** {}{}",
            action_square(r.action),
            action_word(r.action, wording),
            inline_code(&shorten_middle(&r.address, CAUTION_ADDRESS_MAX_CHARS)),
            reason_suffix(r)
        );
        used += github_len(&item) + 6;
        if used > max_chars {
            break;
        }
        items.push(item);
    }
    let more = total - items.len() + beyond;
    (Some(headline), items, more)
}

fn list_item(r: &ResourceChange) -> String {
    let mut item = inline_code(&r.address);
    item.push_str(&reason_suffix(r));
    item
}

/// The non-destructive resources by action (destroyed and replaced ones are in the caution
/// block), in [`Action::ALL`] order.
fn lists(report: &Report, kind: Kind) -> Vec<List> {
    list_actions(report)
        .map(|action| {
            let items = Capped::new(report.resources_with(action), list_item);
            List {
                title: format!(
                    "{} {} ({})",
                    action_square(action),
                    action_title(action, kind),
                    group_digits(items.total as u64),
                ),
                items,
            }
        })
        .collect()
}

/// The actions that get a list: non-destructive ones with at least one resource.
fn list_actions(report: &Report) -> impl Iterator<Item = Action> + '_ {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| !a.is_destructive())
        .filter(|&a| report.resources_with(a).next().is_some())
}

fn details(open: bool, summary: &str, body: &str) -> String {
    format!(
        "<details{}><summary>{summary}</summary>\n\n{body}\n</details>\n",
        if open { " open" } else { "" }
    )
}

/// A diff block, cut at `max` characters with a note in the block. `action` marks the lines of
/// a diff that carries no change symbols (Terraform 0.11).
fn diff_code(diff: &str, max: usize, action: Option<Action>) -> String {
    let mark = match action {
        Some(Action::Create) => '+',
        Some(Action::Delete) => '-',
        Some(Action::Update | Action::Replace) => '!',
        _ => ' ',
    };
    let diff = terraform_diff_or(diff, mark);
    let (kept, dropped) = cut_lines(&diff, max);
    if dropped == 0 {
        code_block(&diff, "diff")
    } else {
        code_block(
            &format!("{kept}  … {dropped} more lines in the CI build log\n"),
            "diff",
        )
    }
}

/// One resource's diff in a `<details>` block; destroyed and replaced resources' blocks are
/// open in a plan when `open_destructive`.
fn diff_block(
    r: &ResourceChange,
    diff: &str,
    kind: Kind,
    open_destructive: bool,
    max: usize,
) -> String {
    let open = kind == Kind::Plan && r.action.is_destructive() && open_destructive;
    let mut summary = format!(
        "{} {} {}",
        action_square(r.action),
        action_word(r.action, kind),
        html_code(&r.address)
    );
    if let Some(reason) = &r.reason {
        let _ = write!(summary, " — {}", html_code(reason));
    }
    if let Some(from) = &r.from_address {
        let _ = write!(summary, " from {}", html_code(from));
    }
    if r.imported {
        summary.push_str(" (imported)");
    }
    details(open, &summary, &diff_code(diff, max, Some(r.action)))
}

fn outputs_block(report: &Report) -> Option<String> {
    if report.outputs.is_empty() {
        return None;
    }
    let mut text = String::new();
    for o in &report.outputs {
        match &o.diff {
            Some(d) => text.push_str(d),
            None => {
                let symbol = match o.action {
                    Action::Create => "+",
                    Action::Delete => "-",
                    _ => "~",
                };
                let _ = write!(text, "{symbol} {}", o.name);
                if o.sensitive {
                    text.push_str(" = (sensitive value)");
                }
            }
        }
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    Some(diff_code(&text, MAX_DIFF_CHARS, None))
}

fn drift_block(d: &crate::model::Drift) -> String {
    let verb = if d.action == Action::Delete {
        "deleted"
    } else {
        "changed"
    };
    let summary = format!("🌀 {} {verb} outside of Terraform", html_code(&d.address));
    match &d.diff {
        Some(diff) => details(false, &summary, &diff_code(diff, MAX_DIFF_CHARS, None)),
        None => format!(
            "- {} {verb} outside of Terraform\n",
            inline_code(&d.address)
        ),
    }
}

fn warning_block(w: &Diagnostic) -> String {
    let mut summary = format!("⚠️ {}", html_code(&w.summary));
    if let Some(section) = &w.section {
        let _ = write!(summary, " in {}", html_code(section));
    }
    let mut body = String::new();
    if let Some(at) = location(w) {
        body.push_str(&at);
        body.push_str("\n\n");
    }
    if !w.detail.is_empty() {
        body.push_str(&code_block(
            &capped_detail(&w.detail, MAX_WARNING_DETAIL_CHARS),
            "",
        ));
    }
    if body.is_empty() {
        format!("- {}\n", inline_code(&w.summary))
    } else {
        details(false, &summary, &body)
    }
}

/// The first `head_max` and last `tail_max` characters' worth of whole lines, and how many
/// lines lie between.
fn head_and_tail(text: &str, head_max: usize, tail_max: usize) -> (&str, &str, usize) {
    let (head, _) = cut_lines(text, head_max);
    let rest = &text[head.len()..];
    // Walk back from the end by whole lines.
    let mut used = 0;
    let mut start = rest.len();
    for (i, _) in rest.match_indices('\n').rev() {
        let len = github_len(&rest[i + 1..start]);
        if used + len > tail_max {
            break;
        }
        used += len;
        start = i + 1;
    }
    let tail = &rest[start..];
    let dropped = rest[..start].lines().count();
    (head, tail, dropped)
}

#[cfg(test)]
mod tests;
