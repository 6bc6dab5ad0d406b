//! Terraform plan/apply text to [`Report`]. Knows nothing of IO: bytes in, model out.
//!
//! The parser is streaming and line based: [`Parser::feed`] takes chunks of any size (the tee
//! hands it what it reads), splits them into lines, removes colour, CR and Terragrunt prefixes
//! ([`line`]), classifies each line ([`classify`]) and hands it to the state machine of the plan
//! it belongs to ([`section`]). Work per byte is constant, so time is linear in the input, and
//! memory is bounded by the model plus one line (lines are capped at [`MAX_LINE_BYTES`]).

mod address;
mod classify;
mod diagnostic;
mod line;
mod newlines;
mod section;

use std::collections::HashMap;

use crate::model::{Kind, Outcome, Report, SCHEMA_VERSION, Section, Summary, Tool};
use section::{DiagnosticCap, DiffBudget, Feed, SectionParser, SectionReport};

pub use address::{Address, parse_address};
pub use line::strip_ansi;

/// Lines longer than this are cut for parsing: nothing Terraform prints that the model needs is
/// that long, and a 50 MB line of a value must not cost 50 MB of memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// How to parse.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Plan or apply, when the caller knows; detected from the text otherwise.
    pub kind: Option<Kind>,
    /// Keep resource diffs only until their total size reaches this many bytes (`None`: keep
    /// all). A renderer never shows more than a comment's worth, and dropping the rest keeps
    /// memory flat on plans of tens of thousands of resources.
    pub max_diff_bytes: Option<usize>,
    /// Keep the first this many `Error:` and as many `Warning:` blocks; the rest are only
    /// counted (`Report::left_out`). A comment shows a few hundred at most, and an output of
    /// millions of them must not take memory without bound.
    pub max_diagnostics: usize,
    /// Keep the first this many resource changes (`None`: keep all); the rest are only counted
    /// (`Report::left_out`). The runner sets it, so that a producer writing resource headers
    /// without end cannot take memory without bound; `tfpost parse` keeps all.
    pub max_resources: Option<usize>,
}

/// Diagnostics of each severity a report keeps by default.
pub const DIAGNOSTICS_KEPT: usize = 1000;

impl Default for ParseOptions {
    fn default() -> ParseOptions {
        ParseOptions {
            kind: None,
            max_diff_bytes: None,
            max_diagnostics: DIAGNOSTICS_KEPT,
            max_resources: None,
        }
    }
}

/// Why no report could be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error(
        "no Terraform plan or apply output found in {lines} line(s) ({bytes} bytes): expected lines such as \
         `Terraform will perform the following actions:`, `Plan: N to add, ...`, `No changes.`, `Error: ...` or \
         `Apply complete!`"
    )]
    NothingRecognized { bytes: u64, lines: u64 },
}

/// Streaming parser: feed it the bytes as they arrive, in chunks of any size.
#[derive(Debug)]
pub struct Parser {
    options: ParseOptions,
    bytes: u64,
    lines: u64,
    /// The unfinished last line of what was fed so far.
    partial: Vec<u8>,
    /// Bytes of the current line beyond [`MAX_LINE_BYTES`], dropped.
    partial_overflow: bool,
    sections: Vec<SectionParser>,
    /// The newest section of each label.
    current: HashMap<Option<String>, usize>,
    /// The module named by Terragrunt's `- Module PATH` group header, for the lines after it.
    group_label: Option<String>,
    /// The section the previous line went to.
    last_section: Option<usize>,
    budget: DiffBudget,
    diagnostics: DiagnosticCap,
}

impl Parser {
    pub fn new(options: ParseOptions) -> Parser {
        let budget = DiffBudget::new(options.max_diff_bytes);
        let diagnostics = DiagnosticCap::new(options.max_diagnostics, options.max_resources);
        Parser {
            options,
            bytes: 0,
            lines: 0,
            partial: Vec::new(),
            partial_overflow: false,
            sections: Vec::new(),
            current: HashMap::new(),
            group_label: None,
            last_section: None,
            budget,
            diagnostics,
        }
    }

    /// Feeds the next chunk of output.
    pub fn feed(&mut self, chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        let mut rest = chunk;
        // First the line left unfinished by the previous chunk, if any.
        if !self.partial.is_empty() || self.partial_overflow {
            let Some(newline) = memchr::memchr(b'\n', rest) else {
                self.push_partial(rest);
                return;
            };
            self.push_partial(&rest[..newline]);
            let line = std::mem::take(&mut self.partial);
            self.partial_overflow = false;
            self.line(&line);
            self.partial = line;
            self.partial.clear();
            rest = &rest[newline + 1..];
        }
        // Then this chunk's complete lines, parsed where they lie. UTF-8 and colour are checked
        // once for all of them: per line, both checks cost more than the rest of the parse.
        let complete = memchr::memrchr(b'\n', rest).map_or(0, |last| last + 1);
        let (lines, unfinished) = rest.split_at(complete);
        match std::str::from_utf8(lines) {
            Ok(text) => {
                let coloured = memchr::memchr(0x1b, lines).is_some();
                let mut start = 0;
                for newline in newlines::newlines(lines) {
                    let line = &text[start..newline];
                    start = newline + 1;
                    if !coloured && self.take_body_line(line) {
                        continue;
                    }
                    if line.len() > MAX_LINE_BYTES {
                        self.line(line.as_bytes());
                    } else {
                        self.text_line(line, coloured);
                    }
                }
            }
            Err(_) => {
                for line in lines.split_inclusive(|b| *b == b'\n') {
                    self.line(&line[..line.len() - 1]);
                }
            }
        }
        self.push_partial(unfinished);
    }

    fn push_partial(&mut self, bytes: &[u8]) {
        let room = MAX_LINE_BYTES.saturating_sub(self.partial.len());
        if bytes.len() > room {
            self.partial.extend_from_slice(&bytes[..room]);
            self.partial_overflow = true;
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    /// Hands a colour-free resource body line straight to its block, skipping the
    /// normalisation and classification every other line goes through; false when `text` is
    /// not one (see [`SectionParser::take_body_line`]).
    #[inline]
    fn take_body_line(&mut self, text: &str) -> bool {
        // Such a line has no Terragrunt prefix, so its section is the one `feed_section` would
        // pick when that is the section of the previous line.
        let Some(last) = self.last_section else {
            return false;
        };
        let section = &mut self.sections[last];
        if section.label != self.group_label
            || text.len() > MAX_LINE_BYTES
            || !section.take_body_line(text, &self.budget)
        {
            return false;
        }
        self.lines += 1;
        true
    }

    /// One complete line of any bytes, without its `\n`.
    fn line(&mut self, raw: &[u8]) {
        // Longer lines are cut: what the model needs is never that long.
        let raw = &raw[..raw.len().min(MAX_LINE_BYTES)];
        // Valid UTF-8 is the norm; checking it first is much cheaper than the lossy decoder.
        match std::str::from_utf8(raw) {
            Ok(text) => self.text_line(text, true),
            Err(_) => self.text_line(&String::from_utf8_lossy(raw), true),
        }
    }

    /// One complete line of text, without its `\n`; `coloured` is false when it is known to
    /// hold no escape sequence.
    fn text_line(&mut self, text: &str, coloured: bool) {
        self.lines += 1;
        let uncoloured;
        let text = if coloured {
            uncoloured = line::strip_ansi(text);
            &uncoloured
        } else {
            text
        };
        // CRLF, and some CIs and wrappers leave a CR before the colour reset.
        let text = if text.ends_with('\r') {
            text.trim_end_matches('\r')
        } else {
            text
        };
        // Only a line starting with a digit or `[` can carry a Terragrunt prefix, and only one
        // starting with `-` or `G` is a Terragrunt group line: the rest, nearly every line,
        // goes straight to its section.
        if !text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '[' | '-' | 'G')) {
            self.feed_section(None, text);
            return;
        }
        let prefixed = line::split_prefix(text);
        if !prefixed.had_prefix {
            if let Some(path) = prefixed.text.strip_prefix("- Module ") {
                self.group_label = Some(path.trim().to_string());
                return;
            }
            if prefixed.text.starts_with("Group ")
                && prefixed.text[6..]
                    .trim()
                    .bytes()
                    .all(|b| b.is_ascii_digit())
            {
                return;
            }
        }
        self.feed_section(prefixed.label, prefixed.text);
    }

    /// Hands a line to the section of its Terragrunt module: the one its prefix names, else
    /// the one of the last `- Module` group header, else the unlabelled one.
    fn feed_section(&mut self, prefix_label: Option<&str>, text: &str) {
        // The group label is cloned only for Terragrunt group output; it is None otherwise.
        let group_label = if prefix_label.is_none() {
            self.group_label.clone()
        } else {
            None
        };
        let label = prefix_label.or(group_label.as_deref());
        let index = self.section_for(label);
        if self.sections[index].feed(text, &mut self.budget, &mut self.diagnostics)
            == Feed::NewSection
        {
            let index = self.new_section(label.map(str::to_string));
            self.sections[index].feed(text, &mut self.budget, &mut self.diagnostics);
        }
    }

    fn section_for(&mut self, label: Option<&str>) -> usize {
        // Consecutive lines almost always belong to the same section: check that first,
        // without allocating a key.
        if let Some(last) = self.last_section
            && self.sections[last].label.as_deref() == label
        {
            return last;
        }
        let key = label.map(str::to_string);
        let index = match self.current.get(&key) {
            Some(index) => *index,
            None => self.new_section(key),
        };
        self.last_section = Some(index);
        index
    }

    fn new_section(&mut self, label: Option<String>) -> usize {
        self.sections.push(SectionParser::new(label.clone()));
        let index = self.sections.len() - 1;
        self.current.insert(label, index);
        self.last_section = Some(index);
        index
    }

    /// The report, or an error when nothing plan-like was found.
    pub fn finish(mut self) -> Result<Report, ParseError> {
        if !self.partial.is_empty() {
            let last = std::mem::take(&mut self.partial);
            self.line(&last);
        }
        let mut tool = None;
        let mut version = None;
        let mut parts: Vec<SectionReport> = Vec::with_capacity(self.sections.len());
        for section in self.sections {
            tool = tool.or(section.tool);
            version = version.or_else(|| section.version.clone());
            parts.push(section.finish(self.options.kind, &mut self.budget, &mut self.diagnostics));
        }
        parts.retain(|p| p.recognized);
        if parts.is_empty() {
            return Err(ParseError::NothingRecognized {
                bytes: self.bytes,
                lines: self.lines,
            });
        }
        let kind = self
            .options
            .kind
            .unwrap_or(if parts.iter().any(|p| p.kind == Kind::Apply) {
                Kind::Apply
            } else {
                Kind::Plan
            });
        let result = if parts.iter().any(|p| p.result == Outcome::Error) {
            Outcome::Error
        } else if kind == Kind::Apply && parts.iter().all(|p| p.result == Outcome::Applied) {
            Outcome::Applied
        } else if parts.iter().any(|p| p.result == Outcome::Changes) {
            Outcome::Changes
        } else {
            Outcome::NoChanges
        };
        let summary = parts.iter().filter_map(|p| p.summary).reduce(Summary::plus);
        let sections = if parts.len() > 1 {
            parts
                .iter()
                .map(|p| Section {
                    label: p.label.clone(),
                    kind: p.kind,
                    result: p.result,
                    summary: p.summary,
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut report = Report {
            schema: SCHEMA_VERSION,
            kind,
            result,
            tool: tool.unwrap_or(Tool::Terraform),
            terraform_version: version,
            summary,
            resources: Vec::new(),
            outputs: Vec::new(),
            drift: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            sections,
            omitted_diffs: self.budget.omitted,
            left_out: self.diagnostics.left_out,
        };
        for part in parts {
            // Moved rather than copied when empty: on a 50,000-resource plan a copy would
            // double the model's peak memory.
            if report.resources.is_empty() {
                report.resources = part.resources;
            } else {
                report.resources.extend(part.resources);
            }
            report.outputs.extend(part.outputs);
            report.drift.extend(part.drift);
            report.warnings.extend(part.warnings);
            report.errors.extend(part.errors);
        }
        Ok(report)
    }
}

/// The report of a run whose stdout and stderr were parsed apart (see `run::analyze`): stdout's,
/// with what stderr adds, Terraform's diagnostics above all; stderr's alone when stdout held
/// nothing recognisable (a wrapper that prints everything there).
pub fn merge_streams(
    stdout: Result<Report, ParseError>,
    stderr: Result<Report, ParseError>,
) -> Result<Report, ParseError> {
    match (stdout, stderr) {
        (Ok(mut report), Ok(extra)) => {
            absorb(&mut report, extra);
            Ok(report)
        }
        (Ok(report), Err(_)) | (Err(_), Ok(report)) => Ok(report),
        (
            Err(ParseError::NothingRecognized { bytes, lines }),
            Err(ParseError::NothingRecognized {
                bytes: more_bytes,
                lines: more_lines,
            }),
        ) => Err(ParseError::NothingRecognized {
            bytes: bytes + more_bytes,
            lines: lines + more_lines,
        }),
    }
}

/// Adds `extra`'s findings to `report`; where both say something (summary, version), `report`'s
/// stands.
fn absorb(report: &mut Report, extra: Report) {
    for error in &extra.errors {
        if let Some(section) = report
            .sections
            .iter_mut()
            .find(|section| section.label == error.section)
        {
            section.result = Outcome::Error;
        }
    }
    report.resources.extend(extra.resources);
    report.outputs.extend(extra.outputs);
    report.drift.extend(extra.drift);
    report.warnings.extend(extra.warnings);
    report.errors.extend(extra.errors);
    report.summary = report.summary.or(extra.summary);
    report.terraform_version = report.terraform_version.take().or(extra.terraform_version);
    report.omitted_diffs += extra.omitted_diffs;
    // Each stream kept its own first diagnostics: at most twice the cap in all.
    report.left_out.errors = report.left_out.errors.saturating_add(extra.left_out.errors);
    report.left_out.warnings = report
        .left_out
        .warnings
        .saturating_add(extra.left_out.warnings);
    report.left_out.resources = report
        .left_out
        .resources
        .saturating_add(extra.left_out.resources);
    report.left_out.destructive_resources = report
        .left_out
        .destructive_resources
        .saturating_add(extra.left_out.destructive_resources);
    if !report.errors.is_empty() || report.left_out.errors > 0 {
        report.result = Outcome::Error;
    } else if report.result == Outcome::NoChanges && extra.result == Outcome::Changes {
        report.result = Outcome::Changes;
    }
}

/// Parses a whole output at once.
pub fn parse(text: &[u8], options: ParseOptions) -> Result<Report, ParseError> {
    let mut parser = Parser::new(options);
    parser.feed(text);
    parser.finish()
}
