//! The state machine for one plan or apply: classified lines in, model parts out.

use std::collections::HashMap;

use compact_str::CompactString;

use super::address::Address;
use super::classify::{Header, HeaderVerb, LegacyResource, Line, Progress, Severity, classify};
use super::diagnostic::build_diagnostic;
use crate::model::{
    Action, Diagnostic, Drift, Kind, LeftOut, Mode, Outcome, OutputChange, ReplaceOrder,
    ResourceChange, Summary, Tool,
};

/// How many bytes of resource diffs may still be kept (shared by all sections of a stream).
#[derive(Debug)]
pub struct DiffBudget {
    remaining: Option<usize>,
    /// Diffs not kept.
    pub omitted: usize,
}

impl DiffBudget {
    pub fn new(limit: Option<usize>) -> DiffBudget {
        DiffBudget {
            remaining: limit,
            omitted: 0,
        }
    }

    fn has_room_for(&self, bytes: usize) -> bool {
        self.remaining.is_none_or(|r| bytes <= r)
    }

    /// Keeps `diff` if it fits. Once one diff did not fit, later ones are dropped too, so that
    /// the diffs kept are the first ones of the plan, not a random selection of small ones.
    fn take(&mut self, diff: String, too_big: bool) -> Option<String> {
        if too_big || !self.has_room_for(diff.len()) {
            self.omitted += 1;
            self.remaining = Some(0);
            return None;
        }
        if let Some(r) = self.remaining.as_mut() {
            *r -= diff.len();
        }
        Some(diff)
    }
}

/// How many diagnostics of each severity, and how many resource changes, may still be kept
/// (shared by all sections of a stream). The first ones are kept in full; the rest are only
/// counted.
#[derive(Debug)]
pub struct DiagnosticCap {
    limit: usize,
    errors: usize,
    warnings: usize,
    /// Resource changes that may still be kept; `None`: all.
    resources_left: Option<usize>,
    /// What was not kept.
    pub left_out: LeftOut,
}

impl DiagnosticCap {
    pub fn new(limit: usize, resources: Option<usize>) -> DiagnosticCap {
        DiagnosticCap {
            limit,
            errors: 0,
            warnings: 0,
            resources_left: resources,
            left_out: LeftOut::default(),
        }
    }

    /// Whether one more resource change may be kept; when not, it is counted as left out.
    fn admit_resource(&mut self, action: Action) -> bool {
        match &mut self.resources_left {
            None => true,
            Some(0) => {
                self.left_out.resources = self.left_out.resources.saturating_add(1);
                if action.is_destructive() {
                    self.left_out.destructive_resources =
                        self.left_out.destructive_resources.saturating_add(1);
                }
                false
            }
            Some(left) => {
                *left -= 1;
                true
            }
        }
    }

    /// Whether one more diagnostic of `severity` may be kept; when not, it is counted as left
    /// out.
    fn admit(&mut self, severity: Severity) -> bool {
        let (kept, left_out) = match severity {
            Severity::Error => (&mut self.errors, &mut self.left_out.errors),
            Severity::Warning => (&mut self.warnings, &mut self.left_out.warnings),
        };
        if *kept < self.limit {
            *kept += 1;
            true
        } else {
            *left_out = left_out.saturating_add(1);
            false
        }
    }
}

/// Text kept of one diagnostic's body. Terraform's longest (a type mismatch quoting a value)
/// run to a few KiB; an endless one must not grow without bound.
const DIAGNOSTIC_TEXT_BYTES: usize = 16 << 10;

/// Where the section's lines currently go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between sections of the output: prose, refresh lines.
    Top,
    /// After `Terraform will perform the following actions:`.
    Actions,
    /// Inside `Objects have changed outside of Terraform`.
    Drift,
    /// Inside `Changes to Outputs:`.
    Outputs,
}

/// What the lines being collected belong to.
#[derive(Debug)]
enum Open {
    Resource {
        index: usize,
        legacy: bool,
    },
    Drift {
        index: usize,
    },
    Output {
        index: usize,
    },
    /// Lines that belong to nothing the model reports (a deferred change's body).
    Discard,
}

/// A block of lines being collected for a resource, drift entry or output.
#[derive(Debug)]
struct Block {
    target: Open,
    text: String,
    /// Blank lines seen but not yet appended (trailing ones are dropped).
    pending_blank: usize,
    /// Whether the body has started (the symbol line was seen); header notes come before it.
    started: bool,
    /// The text outgrew the diff budget; it is no longer collected.
    too_big: bool,
}

impl Block {
    /// Adds a body line (after the blank lines seen before it), while the diff budget lasts.
    fn append(&mut self, text: &str, budget: &DiffBudget) {
        self.started = true;
        if !self.too_big {
            // Checked before the text grows: once the budget is spent, the bodies of the
            // remaining resources are never copied.
            let grown = self.text.len() + self.pending_blank + text.len() + 1;
            if budget.has_room_for(grown) {
                if self.text.capacity() == 0 {
                    // Most resource diffs are a few hundred bytes: growing from nothing took
                    // five reallocations each. The diff is shrunk to size when the block closes.
                    self.text.reserve(FIRST_BLOCK_CAPACITY.max(grown));
                }
                for _ in 0..self.pending_blank {
                    self.text.push('\n');
                }
                self.text.push_str(text);
                self.text.push('\n');
            } else {
                self.too_big = true;
                self.text = String::new();
            }
        }
        self.pending_blank = 0;
    }
}

/// What a block's text starts with room for.
const FIRST_BLOCK_CAPACITY: usize = 512;

/// A diagnostic being collected.
#[derive(Debug)]
struct OpenDiagnostic {
    severity: Severity,
    summary: String,
    lines: Vec<String>,
    /// Bytes in `lines`, each line counting one more; lines past [`DIAGNOSTIC_TEXT_BYTES`] are
    /// dropped.
    bytes: usize,
    boxed: bool,
}

/// What one apply progress line told about a resource.
#[derive(Debug, Default, Clone, Copy)]
struct Applied {
    created: bool,
    destroyed: bool,
    modified: bool,
    read: bool,
    imported: bool,
}

/// One plan or apply, as its lines arrive.
#[derive(Debug)]
pub struct SectionParser {
    pub label: Option<String>,
    state: State,
    block: Option<Block>,
    diagnostic: Option<OpenDiagnostic>,
    resources: Vec<ResourceChange>,
    outputs: Vec<OutputChange>,
    drift: Vec<Drift>,
    warnings: Vec<Diagnostic>,
    errors: Vec<Diagnostic>,
    /// An `Error:` was seen (kept in `errors` or only counted).
    failed: bool,
    plan_summary: Option<Summary>,
    apply_summary: Option<Summary>,
    no_changes: bool,
    refresh_only: bool,
    /// Something plan- or apply-shaped was seen.
    recognized: bool,
    /// Apply progress (`Creating...`) was seen.
    applying: bool,
    progress_order: Vec<String>,
    progress: HashMap<String, Applied>,
    pub tool: Option<Tool>,
    pub version: Option<String>,
}

/// What the section wants done with a line it cannot take.
#[derive(Debug, PartialEq, Eq)]
pub enum Feed {
    Taken,
    /// The line starts a new plan: the caller opens a new section and feeds it the line.
    NewSection,
}

/// A finished section's parts.
#[derive(Debug)]
pub struct SectionReport {
    pub label: Option<String>,
    pub kind: Kind,
    pub result: Outcome,
    pub summary: Option<Summary>,
    pub resources: Vec<ResourceChange>,
    pub outputs: Vec<OutputChange>,
    pub drift: Vec<Drift>,
    pub warnings: Vec<Diagnostic>,
    pub errors: Vec<Diagnostic>,
    pub recognized: bool,
}

impl SectionParser {
    pub fn new(label: Option<String>) -> SectionParser {
        SectionParser {
            label,
            state: State::Top,
            block: None,
            diagnostic: None,
            resources: Vec::new(),
            outputs: Vec::new(),
            drift: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
            failed: false,
            plan_summary: None,
            apply_summary: None,
            no_changes: false,
            refresh_only: false,
            recognized: false,
            applying: false,
            progress_order: Vec::new(),
            progress: HashMap::new(),
            tool: None,
            version: None,
        }
    }

    /// A plan whose closing line was seen; a new plan start after it is another plan.
    fn is_complete(&self) -> bool {
        self.plan_summary.is_some() || self.apply_summary.is_some() || self.no_changes
    }

    /// The open block, when `text` is one of its body lines: most lines of a big plan are
    /// resource bodies, indented four or more, and inside a block whose symbol line was seen they
    /// always continue it (see `block_takes`); nothing else needs to look at them.
    fn body_block(&mut self, text: &str) -> Option<&mut Block> {
        if self.diagnostic.is_some() || !text.starts_with("    ") {
            return None;
        }
        self.block.as_mut().filter(|block| block.started)
    }

    /// Takes `text` when it is a body line of the open block that ends in a visible character,
    /// and says whether it did. A colour-free line like that is already normalised (no CR at
    /// its end, no Terragrunt prefix before four spaces), so the caller tries this first: it is
    /// the parse's hot path.
    #[inline]
    pub fn take_body_line(&mut self, text: &str, budget: &DiffBudget) -> bool {
        if text
            .as_bytes()
            .last()
            .is_some_and(|b| !b.is_ascii_whitespace())
            && let Some(block) = self.body_block(text)
        {
            block.append(text, budget);
            return true;
        }
        false
    }

    /// Feeds one line (colour, CR and prefix already removed).
    pub fn feed(&mut self, text: &str, budget: &mut DiffBudget, cap: &mut DiagnosticCap) -> Feed {
        if !is_blank(text)
            && let Some(block) = self.body_block(text)
        {
            block.append(text, budget);
            return Feed::Taken;
        }
        // Terraform 1.x draws a box around diagnostics on a terminal: `╷`, `│ text`, `╵`.
        let (text, boxed) = match text.strip_prefix('│') {
            Some(rest) => (rest.strip_prefix(' ').unwrap_or(rest), true),
            None => (text, false),
        };
        if !boxed && text.starts_with('╷') {
            return Feed::Taken;
        }
        if text.starts_with("OpenTofu ") {
            // "OpenTofu will perform ...", "OpenTofu used the selected providers ...".
            self.tool = Some(Tool::OpenTofu);
        }
        let line = classify(text);

        if self.diagnostic.is_some() && self.diagnostic_takes(&line, text, boxed, cap) {
            return Feed::Taken;
        }
        if self.block.is_some() && self.block_takes(&line, text, budget) {
            return Feed::Taken;
        }
        self.structural(line, text, boxed, cap)
    }

    /// Adds the line to the open diagnostic, or closes it; true when the line was used up.
    fn diagnostic_takes(
        &mut self,
        line: &Line<'_>,
        text: &str,
        boxed: bool,
        cap: &mut DiagnosticCap,
    ) -> bool {
        let Some(diag) = self.diagnostic.as_mut() else {
            return false;
        };
        let ends = match line {
            Line::BoxEnd => {
                self.close_diagnostic(cap);
                return true;
            }
            Line::Diagnostic { .. } => true,
            // Inside a box, everything up to `╵` is the diagnostic's.
            _ if diag.boxed && boxed => false,
            Line::Progress { event, .. } => *event != Progress::Other,
            Line::ResourceHeader(_)
            | Line::PlanSummary(_)
            | Line::ApplySummary(_)
            | Line::NoChanges
            | Line::ActionsIntro
            | Line::PlanStart
            | Line::DriftIntro
            | Line::OutputsIntro
            | Line::AppliedOutputsIntro
            | Line::Rule
            | Line::Version { .. } => true,
            _ => false,
        };
        if ends {
            self.close_diagnostic(cap);
            return false;
        }
        if diag.bytes < DIAGNOSTIC_TEXT_BYTES {
            diag.bytes += text.len() + 1;
            diag.lines.push(text.to_string());
        }
        true
    }

    fn close_diagnostic(&mut self, cap: &mut DiagnosticCap) {
        if let Some(open) = self.diagnostic.take() {
            if open.severity == Severity::Error {
                self.failed = true;
            }
            if !cap.admit(open.severity) {
                return;
            }
            let diagnostic = build_diagnostic(&open.summary, &open.lines, self.label.clone());
            match open.severity {
                Severity::Error => self.errors.push(diagnostic),
                Severity::Warning => self.warnings.push(diagnostic),
            }
        }
    }

    /// Adds the line to the open block, or closes it; true when the line was used up.
    fn block_takes(&mut self, line: &Line<'_>, text: &str, budget: &mut DiffBudget) -> bool {
        let Some(block) = self.block.as_mut() else {
            return false;
        };
        let legacy = matches!(block.target, Open::Resource { legacy: true, .. });
        let is_output = matches!(block.target, Open::Output { .. });
        let continues = match line {
            Line::Blank => {
                block.pending_blank += 1;
                return true;
            }
            Line::HeaderNote(note) if !block.started => {
                let note = note.to_string();
                self.apply_note(&note);
                return true;
            }
            Line::HeaderNote(_) => true,
            Line::Other => {
                let at_column_zero = !text.starts_with(' ');
                if is_output {
                    // Output values continue indented deeper than the `  + name` line.
                    text.starts_with("    ")
                        || (text.starts_with("  ")
                            && block.pending_blank == 0
                            && !starts_output(text))
                } else if at_column_zero {
                    // Replace and read symbol lines start at column 0; nothing else in a body does.
                    !legacy
                        && (text.starts_with("-/+ ")
                            || text.starts_with("+/- ")
                            || text.starts_with("<= "))
                } else {
                    true
                }
            }
            // `+ ADDR` lines inside a 0.12+ body do not occur; inside a 0.11 body they start
            // the next resource.
            Line::LegacyResource(_) => !legacy && text.starts_with("    "),
            _ => false,
        };
        if !continues {
            self.close_block(budget);
            return false;
        }
        if let Some(block) = self.block.as_mut() {
            if !block.started
                && let Open::Resource { index, .. } = block.target
                && let Some(resource) = self.resources.get_mut(index)
                && resource.action == Action::Replace
            {
                // The symbol line says which object goes first.
                let symbol = text.trim_start();
                if symbol.starts_with("-/+ ") {
                    resource.replace_order = Some(ReplaceOrder::DeleteBeforeCreate);
                } else if symbol.starts_with("+/- ") {
                    resource.replace_order = Some(ReplaceOrder::CreateBeforeDelete);
                }
            }
            block.append(text, budget);
        }
        true
    }

    /// A `# (...)` note under a resource header.
    fn apply_note(&mut self, note: &str) {
        let Some(Block {
            target: Open::Resource { index, .. },
            ..
        }) = self.block.as_ref()
        else {
            return;
        };
        let Some(resource) = self.resources.get_mut(*index) else {
            return;
        };
        if let Some(from) = note.strip_prefix("moved from ") {
            resource.from_address = Some(from.into());
        } else if let Some(id) = note.strip_prefix("imported from ") {
            resource.imported = true;
            resource.import_id = Some(unquote(id).into());
        } else if note == "will be imported first" {
            resource.imported = true;
        } else if resource.reason.is_none() {
            resource.reason = Some(note.into());
        }
    }

    fn close_block(&mut self, budget: &mut DiffBudget) {
        let Some(block) = self.block.take() else {
            return;
        };
        if matches!(block.target, Open::Discard) {
            return;
        }
        let diff = if block.text.is_empty() && !block.too_big {
            None
        } else {
            budget.take(block.text, block.too_big)
        };
        match block.target {
            Open::Resource { index, .. } => {
                if let Some(r) = self.resources.get_mut(index) {
                    if r.action == Action::Replace
                        && r.reason.is_none()
                        && diff
                            .as_deref()
                            .is_some_and(|d| d.contains("# forces replacement"))
                    {
                        r.reason = Some("forces replacement".into());
                    }
                    r.diff = diff.map(String::into_boxed_str);
                }
            }
            Open::Drift { index } => {
                if let Some(d) = self.drift.get_mut(index) {
                    d.diff = diff;
                }
            }
            Open::Discard => {}
            Open::Output { index } => {
                if let Some(o) = self.outputs.get_mut(index) {
                    o.sensitive = diff
                        .as_deref()
                        .is_some_and(|d| d.contains("(sensitive value)"));
                    o.diff = diff;
                }
            }
        }
    }

    /// A line outside any block or diagnostic.
    fn structural(
        &mut self,
        line: Line<'_>,
        text: &str,
        boxed: bool,
        cap: &mut DiagnosticCap,
    ) -> Feed {
        match line {
            Line::PlanStart | Line::ActionsIntro if self.is_complete() => return Feed::NewSection,
            Line::ResourceHeader(_) | Line::LegacyResource(_)
                if self.is_complete() && self.state == State::Top && !self.applying =>
            {
                // A resource list after a finished plan, with no intro: the next plan of a
                // stream that prints only resource lists (Terragrunt run-all).
                return Feed::NewSection;
            }
            _ => {}
        }
        match line {
            Line::Blank | Line::HeaderNote(_) | Line::BoxEnd => {}
            Line::ResourceHeader(header) => {
                self.recognized = true;
                self.header(header, cap);
            }
            Line::LegacyResource(legacy) => {
                if self.state == State::Actions {
                    self.recognized = true;
                    self.legacy(legacy, cap);
                } else if self.state == State::Outputs {
                    self.output_line(text);
                }
            }
            Line::ActionsIntro => {
                self.recognized = true;
                self.state = State::Actions;
            }
            Line::PlanStart => {
                self.recognized = true;
                self.state = State::Top;
            }
            Line::DriftIntro => {
                self.recognized = true;
                self.state = State::Drift;
            }
            Line::DriftEnd => {
                if text.starts_with("This is a refresh-only plan") {
                    self.refresh_only = true;
                }
                self.state = State::Top;
            }
            Line::PlanSummary(summary) => {
                self.recognized = true;
                self.plan_summary = Some(summary);
                self.state = State::Top;
            }
            Line::ApplySummary(summary) => {
                self.recognized = true;
                self.applying = true;
                self.apply_summary = Some(summary);
                self.state = State::Top;
            }
            Line::NoChanges => {
                self.recognized = true;
                self.no_changes = true;
                self.state = State::Top;
            }
            Line::OutputsIntro => {
                self.recognized = true;
                self.state = State::Outputs;
            }
            Line::AppliedOutputsIntro | Line::Rule => self.state = State::Top,
            Line::Diagnostic { severity, summary } => {
                self.recognized = true;
                self.diagnostic = Some(OpenDiagnostic {
                    severity,
                    summary: summary.to_string(),
                    lines: Vec::new(),
                    bytes: 0,
                    boxed,
                });
            }
            Line::Progress { address, event } => self.progress_line(address, event),
            Line::Version { opentofu, version } => {
                self.version = Some(version.trim().to_string());
                if opentofu {
                    self.tool = Some(Tool::OpenTofu);
                }
            }
            Line::Other => {
                if self.state == State::Outputs {
                    if text.starts_with(' ') {
                        self.output_line(text);
                    } else {
                        self.state = State::Top;
                    }
                } else if text.starts_with("Would you like to update the Terraform state") {
                    self.refresh_only = true;
                }
            }
        }
        Feed::Taken
    }

    fn header(&mut self, header: Header<'_>, cap: &mut DiagnosticCap) {
        let Header {
            address,
            deposed,
            what,
        } = header;
        let (action, reason, from) = match what {
            HeaderVerb::ChangedOutside(action) => {
                self.push_drift(address.text, action);
                return;
            }
            HeaderVerb::Deferred => {
                self.open(Open::Discard);
                return;
            }
            HeaderVerb::Planned { action, reason } => (action, reason, None),
            HeaderVerb::MovedTo(to) => (Action::Move, None, Some(to)),
        };
        if self.state == State::Drift {
            // Drift sections list what changed, not what will be done.
            let action = if action == Action::Delete {
                Action::Delete
            } else {
                Action::Update
            };
            self.push_drift(address.text, action);
            return;
        }
        let (address_text, from_address) = match from {
            Some(to) => (to, Some(Box::from(address.text))),
            None => (address.text, None),
        };
        if !cap.admit_resource(action) {
            // Its body still belongs to it.
            self.open(Open::Discard);
            return;
        }
        // A move names the new address second; its parts are what the resource is now.
        let parts = match from {
            Some(to) => super::address::parse_exact(to).unwrap_or(address),
            None => address,
        };
        self.resources.push(ResourceChange {
            address: address_text.into(),
            reason: reason.map(Box::from),
            from_address,
            deposed: deposed.map(Box::from),
            ..new_resource(&parts, action, self.label.clone())
        });
        self.open(Open::Resource {
            index: self.resources.len() - 1,
            legacy: false,
        });
    }

    fn legacy(&mut self, legacy: LegacyResource<'_>, cap: &mut DiagnosticCap) {
        let LegacyResource {
            address,
            action,
            create_first,
            tainted,
            deposed,
            new_resource_required,
        } = legacy;
        if !cap.admit_resource(action) {
            self.open(Open::Discard);
            return;
        }
        let reason = if tainted {
            Some("tainted")
        } else if new_resource_required {
            Some("forces replacement")
        } else {
            None
        };
        self.resources.push(ResourceChange {
            mode: if action == Action::Read {
                Mode::Data
            } else {
                address.mode
            },
            reason: reason.map(Box::from),
            // 0.11 prints `-/+` for create_before_destroy replacements too, so only `+/-` says
            // anything about the order.
            replace_order: (action == Action::Replace && create_first)
                .then_some(ReplaceOrder::CreateBeforeDelete),
            deposed: deposed.then(|| "deposed".into()),
            ..new_resource(&address, action, self.label.clone())
        });
        self.open(Open::Resource {
            index: self.resources.len() - 1,
            legacy: true,
        });
    }

    /// A `has changed` / `has been deleted` entry, whose body follows.
    fn push_drift(&mut self, address: &str, action: Action) {
        self.drift.push(Drift {
            address: address.into(),
            action,
            diff: None,
            section: self.label.clone(),
        });
        self.open(Open::Drift {
            index: self.drift.len() - 1,
        });
    }

    fn open(&mut self, target: Open) {
        self.block = Some(Block {
            target,
            text: String::new(),
            pending_blank: 0,
            started: false,
            too_big: false,
        });
    }

    /// `  + name = value` under `Changes to Outputs:`.
    fn output_line(&mut self, text: &str) {
        let Some((action, name)) = output_change(text) else {
            return;
        };
        self.outputs.push(OutputChange {
            name: name.to_string(),
            action,
            sensitive: false,
            diff: None,
            section: self.label.clone(),
        });
        self.open(Open::Output {
            index: self.outputs.len() - 1,
        });
        if let Some(block) = self.block.as_mut() {
            block.started = true;
            block.text.push_str(text);
            block.text.push('\n');
        }
    }

    fn progress_line(&mut self, address: &str, event: Progress) {
        match event {
            Progress::Refreshing | Progress::Reading | Progress::Read | Progress::Other => {}
            _ => {
                self.applying = true;
                self.recognized = true;
            }
        }
        // Terraform 0.11 reads a data source during apply with a `Refreshing state...` line
        // among the apply's progress lines: after `Creating...`, that line is a read.
        let event = if event == Progress::Refreshing
            && self.applying
            && super::address::parse_exact(address).is_some_and(|a| a.mode == Mode::Data)
        {
            Progress::Read
        } else {
            event
        };
        if matches!(event, Progress::Refreshing | Progress::Other) {
            return;
        }
        let done = match self.progress.get_mut(address) {
            Some(done) => done,
            None => {
                self.progress_order.push(address.to_string());
                self.progress.entry(address.to_string()).or_default()
            }
        };
        match event {
            Progress::Created => done.created = true,
            Progress::Destroyed => done.destroyed = true,
            Progress::Modified => done.modified = true,
            Progress::Read => done.read = true,
            Progress::Imported => done.imported = true,
            _ => {}
        }
    }

    /// Closes what is open and returns the section's parts.
    pub fn finish(
        mut self,
        forced_kind: Option<Kind>,
        budget: &mut DiffBudget,
        cap: &mut DiagnosticCap,
    ) -> SectionReport {
        self.close_diagnostic(cap);
        self.close_block(budget);
        let kind = forced_kind.unwrap_or(if self.applying {
            Kind::Apply
        } else {
            Kind::Plan
        });
        if kind == Kind::Apply && self.resources.is_empty() {
            self.resources_from_progress();
        }
        let summary = match kind {
            Kind::Apply => self.apply_summary.or(self.plan_summary),
            Kind::Plan => self.plan_summary,
        };
        // An apply is applied only when Terraform said so: without its `Apply complete!` line
        // (cut off, or a plan's text read as an apply) it is what its plan shows.
        let result = if self.failed {
            Outcome::Error
        } else if kind == Kind::Apply && self.apply_summary.is_some() {
            Outcome::Applied
        } else if !self.resources.is_empty()
            || !self.outputs.is_empty()
            || summary.is_some_and(|s| !s.is_empty())
            || (self.refresh_only && !self.drift.is_empty())
        {
            Outcome::Changes
        } else {
            Outcome::NoChanges
        };
        SectionReport {
            label: self.label,
            kind,
            result,
            summary,
            resources: self.resources,
            outputs: self.outputs,
            drift: self.drift,
            warnings: self.warnings,
            errors: self.errors,
            recognized: self.recognized,
        }
    }

    /// An apply of a saved plan prints no resource list: what was done shows in its progress.
    fn resources_from_progress(&mut self) {
        for address in std::mem::take(&mut self.progress_order) {
            let Some(done) = self.progress.get(&address).copied() else {
                continue;
            };
            let action = match done {
                Applied {
                    created: true,
                    destroyed: true,
                    ..
                } => Action::Replace,
                Applied { created: true, .. } => Action::Create,
                Applied {
                    destroyed: true, ..
                } => Action::Delete,
                Applied { modified: true, .. } => Action::Update,
                Applied { imported: true, .. } => Action::Import,
                Applied { read: true, .. } => Action::Read,
                _ => continue,
            };
            let Some(parts) = super::address::parse_exact(&address) else {
                continue;
            };
            let resource = ResourceChange {
                imported: done.imported && action != Action::Import,
                ..new_resource(&parts, action, self.label.clone())
            };
            self.resources.push(resource);
        }
    }
}

/// A resource change with its address parts and action, and nothing else known yet.
fn new_resource(address: &Address<'_>, action: Action, section: Option<String>) -> ResourceChange {
    ResourceChange {
        address: address.text.into(),
        module: address.module.map(CompactString::from),
        resource_type: address.resource_type.into(),
        name: address.name.into(),
        index: address.index.map(CompactString::from),
        mode: address.mode,
        action,
        reason: None,
        from_address: None,
        import_id: None,
        imported: false,
        replace_order: None,
        deposed: None,
        section: section.map(String::into_boxed_str),
        diff: None,
    }
}

/// A line of spaces only. Body lines end in a visible character, so that is checked first.
fn is_blank(text: &str) -> bool {
    text.as_bytes()
        .last()
        .is_none_or(|b| b.is_ascii_whitespace())
        && text.trim_end().is_empty()
}

/// True when the line opens an output change (`  + name = ...`).
fn starts_output(text: &str) -> bool {
    output_change(text).is_some()
}

/// `  + name = value` -> (create, name).
fn output_change(text: &str) -> Option<(Action, &str)> {
    let rest = text.strip_prefix("  ")?;
    let (symbol, rest) = rest.split_once(' ')?;
    let action = match symbol {
        "+" => Action::Create,
        "~" => Action::Update,
        "-" => Action::Delete,
        _ => return None,
    };
    let (name, value) = rest.split_once(" =").or_else(|| rest.split_once('='))?;
    let name = name.trim_end();
    let _ = value;
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    Some((action, name))
}

/// `"abc"` -> `abc` (Terraform prints import IDs quoted, with Go escapes).
fn unquote(text: &str) -> String {
    let inner = text.strip_prefix('"').and_then(|t| t.strip_suffix('"'));
    match inner {
        Some(inner) => inner.replace("\\\"", "\"").replace("\\\\", "\\"),
        None => text.to_string(),
    }
}
