//! What one (normalised) line of Terraform output is.
//!
//! Terraform's text is line-structured: every section starts with a fixed sentence, every
//! resource with a header line. Classifying a line needs only that line; what it means in context
//! is the section parser's business.

use nom::Parser as _;
use nom::bytes::complete::tag;
use nom::character::complete::{alpha1, digit1, space1};
use nom::combinator::{map_res, opt};
use nom::multi::separated_list1;
use nom::sequence::{separated_pair, terminated};

use super::address::{Address, parse_address, parse_exact};
use crate::model::{Action, Summary};

/// The kind of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line<'a> {
    Blank,
    /// `  # ADDR will be created` and the other header sentences of Terraform 0.12+.
    ResourceHeader(Header<'a>),
    /// `  # (because ... is not in configuration)`: the parenthesised note under a header.
    HeaderNote(&'a str),
    /// Terraform 0.11's `  + ADDR`, `-/+ ADDR (new resource required)`, `<= data.x.y`.
    LegacyResource(LegacyResource<'a>),
    /// `Terraform will perform the following actions:` (all versions, and OpenTofu's wording).
    ActionsIntro,
    /// A line that only opens a new plan: `Terraform used the selected providers ...`,
    /// `An execution plan has been generated ...`, `Refreshing Terraform state in-memory ...`.
    PlanStart,
    /// `Note: Objects have changed outside of Terraform`.
    DriftIntro,
    /// The sentence that closes the drift section.
    DriftEnd,
    /// `Plan: 1 to import, 2 to add, 0 to change, 1 to destroy.`
    PlanSummary(Summary),
    /// `Apply complete! Resources: ...` / `Destroy complete! Resources: ...`.
    ApplySummary(Summary),
    /// `No changes.` in any version's wording.
    NoChanges,
    /// `Changes to Outputs:`.
    OutputsIntro,
    /// `Outputs:` after an apply.
    AppliedOutputsIntro,
    /// `Error: ...` / `Warning: ...`, boxed or not.
    Diagnostic {
        severity: Severity,
        summary: &'a str,
    },
    /// `╵`: the end of a boxed diagnostic.
    BoxEnd,
    /// `───────` or `-------`: Terraform's rule between the plan and what follows.
    Rule,
    /// `ADDR: Creating...` and the other progress lines of refresh and apply.
    Progress {
        address: &'a str,
        event: Progress,
    },
    /// `Terraform v1.5.7` / `OpenTofu v1.8.0`.
    Version {
        opentofu: bool,
        version: &'a str,
    },
    /// Anything else: resource bodies, prose, output values.
    Other,
}

/// Error or warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

/// A 0.12+ resource header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header<'a> {
    pub address: Address<'a>,
    /// The key of a deposed object (`ADDR (deposed object 1a2b3c) will be destroyed`).
    pub deposed: Option<&'a str>,
    pub what: HeaderVerb<'a>,
}

/// What a header says happens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderVerb<'a> {
    /// A planned action, with the reason the sentence itself gives.
    Planned {
        action: Action,
        reason: Option<&'static str>,
    },
    /// `has moved to NEW`.
    MovedTo(&'a str),
    /// Drift: `has changed`, `has been changed`, `has been deleted`.
    ChangedOutside(Action),
    /// `was deferred` (Terraform 1.9+ deferred actions): not part of this plan's changes.
    Deferred,
}

/// A Terraform 0.11 resource line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegacyResource<'a> {
    pub address: Address<'a>,
    pub action: Action,
    /// `-/+` is delete-before-create, `+/-` create-before-delete.
    pub create_first: bool,
    pub tainted: bool,
    pub deposed: bool,
    pub new_resource_required: bool,
}

/// The event of a progress line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Refreshing,
    Creating,
    Created,
    Destroying,
    Destroyed,
    Modifying,
    Modified,
    Reading,
    Read,
    Importing,
    Imported,
    /// `Still creating...`, provisioner output and the like.
    Other,
}

/// Header sentences, longest first where one is a prefix of another.
const HEADER_SENTENCES: &[(&str, Action, Option<&str>)] = &[
    ("will be created", Action::Create, None),
    ("will be destroyed", Action::Delete, None),
    ("will be updated in-place", Action::Update, None),
    ("must be replaced", Action::Replace, None),
    (
        "is tainted, so must be replaced",
        Action::Replace,
        Some("tainted"),
    ),
    (
        "will be replaced, as requested",
        Action::Replace,
        Some("replace requested"),
    ),
    (
        "will be replaced due to changes in replace_triggered_by",
        Action::Replace,
        Some("replace_triggered_by"),
    ),
    ("will be read during apply", Action::Read, None),
    ("will be imported", Action::Import, None),
    (
        "will no longer be managed by Terraform, but will not be destroyed",
        Action::Forget,
        None,
    ),
    (
        "will no longer be managed by OpenTofu, but will not be destroyed",
        Action::Forget,
        None,
    ),
    (
        "will be removed from the OpenTofu state but will not be destroyed",
        Action::Forget,
        None,
    ),
    (
        "will be removed from the Terraform state but will not be destroyed",
        Action::Forget,
        None,
    ),
    ("will be forgotten", Action::Forget, None),
    // A deposed object left over from a failed replace, under a `removed` block.
    (
        "will be removed from Terraform state, but will not be destroyed",
        Action::Forget,
        None,
    ),
    // `create_before_destroy` replace whose old object is only forgotten (`removed` block).
    (
        "must be replaced, but the existing object will not be destroyed",
        Action::Create,
        Some("replacement; the existing object will not be destroyed"),
    ),
];

const DRIFT_SENTENCES: &[(&str, Action)] = &[
    ("has changed", Action::Update),
    ("has been changed", Action::Update),
    ("has been deleted", Action::Delete),
];

const PROGRESS_EVENTS: &[(&str, Progress)] = &[
    ("Refreshing state...", Progress::Refreshing),
    ("Preparing import...", Progress::Refreshing),
    ("Creating...", Progress::Creating),
    ("Creation complete", Progress::Created),
    ("Destroying...", Progress::Destroying),
    ("Destruction complete", Progress::Destroyed),
    ("Modifying...", Progress::Modifying),
    ("Modifications complete", Progress::Modified),
    ("Reading...", Progress::Reading),
    ("Read complete", Progress::Read),
    ("Importing...", Progress::Importing),
    ("Import complete", Progress::Imported),
    ("Still ", Progress::Other),
    ("Provisioning with", Progress::Other),
    ("Creation errored", Progress::Other),
    ("Destruction errored", Progress::Other),
    ("Modifications errored", Progress::Other),
];

/// Classifies one line (already free of colour, CR and Terragrunt prefix).
pub fn classify(line: &str) -> Line<'_> {
    let indent = line.bytes().position(|b| b != b' ').unwrap_or(line.len());
    let trimmed_start = &line[indent..];
    if trimmed_start.trim_end().is_empty() {
        return Line::Blank;
    }
    let first = trimmed_start.as_bytes()[0];

    // Resource bodies are indented four or more; nothing structural is, so they are the cheap
    // common case.
    if indent >= 4 {
        return Line::Other;
    }
    if first == b'#' {
        return classify_hash(trimmed_start);
    }
    if indent > 0 {
        if let Some(legacy) = legacy_resource(trimmed_start) {
            return Line::LegacyResource(legacy);
        }
        return Line::Other;
    }
    match first {
        b'-' | b'+' | b'<' | b'~' => {
            if let Some(legacy) = legacy_resource(line) {
                return Line::LegacyResource(legacy);
            }
            if line.starts_with("------") {
                return Line::Rule;
            }
            Line::Other
        }
        b'E' | b'W' => classify_diagnostic(line).unwrap_or_else(|| classify_prose(line)),
        // `─` (U+2500) and `╵` (U+2575) both start with 0xE2.
        0xE2 => {
            if line.starts_with("╵") {
                Line::BoxEnd
            } else if line.starts_with("───") {
                Line::Rule
            } else {
                Line::Other
            }
        }
        _ => classify_prose(line),
    }
}

/// Lines starting with `#`: resource headers and their notes.
fn classify_hash(text: &str) -> Line<'_> {
    let Some(rest) = text.strip_prefix("# ") else {
        return Line::Other;
    };
    if let Some(note) = rest.strip_prefix('(') {
        return match note.trim_end().strip_suffix(')') {
            Some(inner) => Line::HeaderNote(inner),
            None => Line::Other,
        };
    }
    let Some((address, after)) = parse_address(rest) else {
        return Line::Other;
    };
    let mut after = after;
    let mut deposed = None;
    if let Some(d) = after.strip_prefix(" (deposed object ")
        && let Some(end) = d.find(')')
    {
        deposed = Some(&d[..end]);
        after = &d[end + 1..];
    }
    let Some(sentence) = after.strip_prefix(' ') else {
        return Line::Other;
    };
    let sentence = sentence.trim_end();
    let what = if let Some(to) = sentence.strip_prefix("has moved to ") {
        match parse_exact(to) {
            Some(target) => HeaderVerb::MovedTo(target.text),
            None => return Line::Other,
        }
    } else if let Some((_, action, reason)) =
        HEADER_SENTENCES.iter().find(|(s, _, _)| *s == sentence)
    {
        HeaderVerb::Planned {
            action: *action,
            reason: *reason,
        }
    } else if let Some((_, action)) = DRIFT_SENTENCES.iter().find(|(s, _)| *s == sentence) {
        HeaderVerb::ChangedOutside(*action)
    } else if sentence == "was deferred" {
        HeaderVerb::Deferred
    } else {
        return Line::Other;
    };
    Line::ResourceHeader(Header {
        address,
        deposed,
        what,
    })
}

/// Terraform 0.11: `+ ADDR`, `- ADDR`, `~ ADDR`, `-/+ ADDR (new resource required)`,
/// `+/- ADDR`, `<= ADDR`, followed only by the annotations 0.11 prints.
fn legacy_resource(text: &str) -> Option<LegacyResource<'_>> {
    // The symbol is at most three bytes: no need to search the line for the space after it.
    let space = text.bytes().take(4).position(|b| b == b' ')?;
    let (symbol, rest) = (&text[..space], &text[space + 1..]);
    let (action, create_first) = match symbol {
        "+" => (Action::Create, false),
        "-" => (Action::Delete, false),
        "~" => (Action::Update, false),
        "-/+" => (Action::Replace, false),
        "+/-" => (Action::Replace, true),
        "<=" => (Action::Read, false),
        _ => return None,
    };
    let rest = rest.trim_start();
    // An address has its type's dot before any space; 0.12+ body lines such as
    // `+ resource "aws_x" "y" {` and `~ tags = {` do not, and are told apart here cheaply: one
    // of them comes with every resource of a plan.
    if !rest.bytes().take_while(|b| *b != b' ').any(|b| b == b'.') {
        return None;
    }
    let (address, mut after) = parse_address(rest)?;
    let mut legacy = LegacyResource {
        address,
        action,
        create_first,
        tainted: false,
        deposed: false,
        new_resource_required: false,
    };
    loop {
        after = after.trim_start();
        if after.is_empty() {
            return Some(legacy);
        }
        if let Some(r) = after.strip_prefix("(tainted)") {
            legacy.tainted = true;
            after = r;
        } else if let Some(r) = after.strip_prefix("(deposed)") {
            legacy.deposed = true;
            after = r;
        } else if let Some(r) = after.strip_prefix("(new resource required)") {
            legacy.new_resource_required = true;
            after = r;
        } else {
            return None;
        }
    }
}

fn classify_diagnostic(line: &str) -> Option<Line<'_>> {
    let (severity, summary) = if let Some(s) = line.strip_prefix("Error: ") {
        (Severity::Error, s)
    } else if let Some(s) = line.strip_prefix("Warning: ") {
        (Severity::Warning, s)
    } else if line.trim_end() == "Error:" {
        (Severity::Error, "")
    } else {
        return None;
    };
    Some(Line::Diagnostic {
        severity,
        summary: summary.trim(),
    })
}

/// Unindented prose: the fixed sentences that structure the output, and progress lines.
fn classify_prose(line: &str) -> Line<'_> {
    let line = line.trim_end();
    // Every fixed sentence starts with a capital; a progress line starts with its address,
    // whose first step (a type, `module`, `data`) never does.
    if line.starts_with(|c: char| c.is_ascii_lowercase()) {
        return progress(line).unwrap_or(Line::Other);
    }
    if let Some(summary) = counts(line, "Plan: ", "to ") {
        return Line::PlanSummary(summary);
    }
    for lead in [
        "Apply complete! Resources: ",
        "Destroy complete! Resources: ",
    ] {
        if let Some(summary) = counts(line, lead, "") {
            return Line::ApplySummary(summary);
        }
    }
    if line.starts_with("No changes.") {
        return Line::NoChanges;
    }
    for (sentence, kind) in PROSE {
        if line.starts_with(sentence) {
            return kind.clone();
        }
    }
    if let Some(v) = line.strip_prefix("Terraform v") {
        return Line::Version {
            opentofu: false,
            version: v,
        };
    }
    if let Some(v) = line.strip_prefix("OpenTofu v") {
        return Line::Version {
            opentofu: true,
            version: v,
        };
    }
    progress(line).unwrap_or(Line::Other)
}

const PROSE: &[(&str, Line<'static>)] = &[
    (
        "Terraform will perform the following actions",
        Line::ActionsIntro,
    ),
    (
        "OpenTofu will perform the following actions",
        Line::ActionsIntro,
    ),
    (
        "Terraform planned the following actions, but then encountered a problem",
        Line::ActionsIntro,
    ),
    (
        "OpenTofu planned the following actions, but then encountered a problem",
        Line::ActionsIntro,
    ),
    (
        "Terraform used the selected providers to generate",
        Line::PlanStart,
    ),
    (
        "OpenTofu used the selected providers to generate",
        Line::PlanStart,
    ),
    (
        "An execution plan has been generated and is shown below",
        Line::PlanStart,
    ),
    (
        "Refreshing Terraform state in-memory prior to plan",
        Line::PlanStart,
    ),
    (
        "Note: Objects have changed outside of Terraform",
        Line::DriftIntro,
    ),
    (
        "Note: Objects have changed outside of OpenTofu",
        Line::DriftIntro,
    ),
    (
        "Unless you have made equivalent changes to your configuration",
        Line::DriftEnd,
    ),
    ("This is a refresh-only plan, so", Line::DriftEnd),
    ("Changes to Outputs:", Line::OutputsIntro),
    ("Outputs:", Line::AppliedOutputsIntro),
];

/// `ADDR: Creating...`, `ADDR (local-exec): ...`, `ADDR (deposed object x): Destroying...`.
fn progress(line: &str) -> Option<Line<'_>> {
    let (address, mut rest) = parse_address(line)?;
    if let Some(r) = rest.strip_prefix(" (")
        && let Some(end) = r.find("): ")
    {
        // Provisioner output and deposed objects: progress of that resource, nothing else.
        let event = if r.starts_with("deposed object") {
            progress_event(&r[end + 3..])
        } else {
            Progress::Other
        };
        return Some(Line::Progress {
            address: address.text,
            event,
        });
    }
    rest = rest.strip_prefix(": ")?;
    Some(Line::Progress {
        address: address.text,
        event: progress_event(rest),
    })
}

fn progress_event(text: &str) -> Progress {
    PROGRESS_EVENTS
        .iter()
        .find(|(prefix, _)| text.starts_with(prefix))
        .map_or(Progress::Other, |(_, event)| *event)
}

/// `N to add, N to change` (plan) or `N added, N changed` (apply) after `lead`.
fn counts(line: &str, lead: &str, joiner: &str) -> Option<Summary> {
    let list = line.strip_prefix(lead)?.strip_suffix('.')?;
    let number = map_res(digit1::<&str, nom::error::Error<&str>>, str::parse::<u64>);
    let item = separated_pair(number, (space1, tag(joiner)), alpha1);
    let (rest, items) = terminated(separated_list1(tag(", "), item), opt(tag(" ")))
        .parse(list)
        .ok()?;
    if !rest.is_empty() {
        return None;
    }
    let mut summary = Summary::default();
    for (n, word) in items {
        match word {
            "import" | "imported" => summary.import = n,
            "add" | "added" => summary.add = n,
            "change" | "changed" => summary.change = n,
            "destroy" | "destroyed" => summary.destroy = n,
            "move" | "moved" => summary.moved = n,
            "forget" | "forgotten" => summary.forget = n,
            _ => return None,
        }
    }
    Some(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(line: &str) -> Header<'_> {
        match classify(line) {
            Line::ResourceHeader(h) => h,
            other => panic!("{line:?} classified as {other:?}"),
        }
    }

    #[test]
    fn headers_of_every_sentence() {
        let h = header("  # null_resource.s_n will be created");
        assert_eq!(h.address.text, "null_resource.s_n");
        assert_eq!(
            h.what,
            HeaderVerb::Planned {
                action: Action::Create,
                reason: None
            }
        );
        let h = header("  # terraform_data.s_b has moved to terraform_data.s_b2");
        assert_eq!(h.what, HeaderVerb::MovedTo("terraform_data.s_b2"));
        let h = header(
            " # terraform_data.s_d will no longer be managed by Terraform, but will not be destroyed",
        );
        assert_eq!(
            h.what,
            HeaderVerb::Planned {
                action: Action::Forget,
                reason: None
            }
        );
        let h = header("  # aws_x.y (deposed object 1a2b) will be destroyed");
        assert_eq!(h.deposed, Some("1a2b"));
        let h = header("  # null_resource.x has been deleted");
        assert_eq!(h.what, HeaderVerb::ChangedOutside(Action::Delete));
        let h =
            header(r#"  # null_resource.k["a will be created"] is tainted, so must be replaced"#);
        assert_eq!(h.address.index, Some(r#""a will be created""#));
        assert_eq!(
            h.what,
            HeaderVerb::Planned {
                action: Action::Replace,
                reason: Some("tainted")
            }
        );
    }

    #[test]
    fn notes_and_body_comments() {
        assert_eq!(
            classify("  # (moved from x.y)"),
            Line::HeaderNote("moved from x.y")
        );
        assert_eq!(
            classify("        # (2 unchanged attributes hidden)"),
            Line::Other
        );
        assert_eq!(classify("  # some comment"), Line::Other);
    }

    #[test]
    fn legacy_lines() {
        let Line::LegacyResource(l) =
            classify("-/+ null_resource.s_chg (tainted) (new resource required)")
        else {
            panic!()
        };
        assert_eq!(
            (l.action, l.tainted, l.create_first),
            (Action::Replace, true, false)
        );
        let Line::LegacyResource(l) = classify("  - null_resource.s_old") else {
            panic!()
        };
        assert_eq!(l.action, Action::Delete);
        let Line::LegacyResource(l) = classify("<= data.null_data_source.s_info") else {
            panic!()
        };
        assert_eq!(l.address.text, "data.null_data_source.s_info");
        // 0.12+ symbol lines are not 0.11 resources.
        assert_eq!(
            classify(r#"  + resource "null_resource" "x" {"#),
            Line::Other
        );
        assert_eq!(classify("      id: <computed>"), Line::Other);
    }

    #[test]
    fn summaries() {
        let Line::PlanSummary(s) =
            classify("Plan: 1 to import, 2 to add, 1 to change, 2 to destroy.")
        else {
            panic!()
        };
        assert_eq!((s.import, s.add, s.change, s.destroy), (1, 2, 1, 2));
        let Line::PlanSummary(s) =
            classify("Plan: 0 to add, 0 to change, 0 to destroy, 1 to forget.")
        else {
            panic!()
        };
        assert_eq!(s.forget, 1);
        let Line::ApplySummary(s) =
            classify("Apply complete! Resources: 1 imported, 2 added, 1 changed, 2 destroyed.")
        else {
            panic!()
        };
        assert_eq!((s.import, s.add, s.change, s.destroy), (1, 2, 1, 2));
        let Line::ApplySummary(s) = classify("Destroy complete! Resources: 3 destroyed.") else {
            panic!()
        };
        assert_eq!(s.destroy, 3);
        assert_eq!(classify("Plan: something else."), Line::Other);
    }

    #[test]
    fn prose_and_progress() {
        assert_eq!(
            classify("Terraform will perform the following actions:"),
            Line::ActionsIntro
        );
        assert_eq!(
            classify("No changes. Infrastructure is up-to-date."),
            Line::NoChanges
        );
        assert_eq!(classify("─────────────"), Line::Rule);
        assert_eq!(
            classify("null_resource.s_ok: Creation complete after 0s [id=1]"),
            Line::Progress {
                address: "null_resource.s_ok",
                event: Progress::Created
            }
        );
        assert_eq!(
            classify("null_resource.s_fail (local-exec): Executing: x"),
            Line::Progress {
                address: "null_resource.s_fail",
                event: Progress::Other
            }
        );
        assert_eq!(
            classify("Error: Invalid reference"),
            Line::Diagnostic {
                severity: Severity::Error,
                summary: "Invalid reference"
            }
        );
    }
}
