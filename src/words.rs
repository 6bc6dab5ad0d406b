//! Terraform's words: how its summary line, its actions and its results read, written once for
//! every renderer (GitHub, GitLab and Slack messages, user templates, the monorepo summary).
//!
//! Two rules hold everywhere:
//! - A line quoted "as printed" is one Terraform prints for what the text holds: an apply's
//!   `Apply complete!` line is only quoted when the text had one.
//! - An apply that did not print `Apply complete!` (it failed, or was cut off) is described by
//!   the plan it started from ([`wording`]): its counts are planned, not done.
//!
//! Pure functions of the model: no IO.

use std::borrow::Cow;

use crate::model::{Action, Kind, Outcome, Report, Summary, Tool};

/// What Terraform prints when a plan changes nothing.
pub const NO_CHANGES: &str = "No changes. Your infrastructure matches the configuration.";

/// How an apply that did not complete is named: it failed (an `Error:`), or its text ends
/// without `Apply complete!` (cut off, or not an apply's output).
pub fn unfinished_apply(result: Outcome) -> &'static str {
    match result {
        Outcome::Error => "This apply failed",
        _ => "This apply did not complete",
    }
}

/// Said beside the counts of an apply that did not complete, which are those of its plan.
pub fn unfinished_apply_note(result: Outcome) -> String {
    format!(
        "{}: these are the planned changes, and the CI log shows which of them were made.",
        unfinished_apply(result)
    )
}

/// The kind whose words fit what the report knows. An apply is worded as done only when it
/// completed ([`Outcome::Applied`]); otherwise its counts and resources are the plan it
/// started from, and some of it may not have happened, so it is worded as a plan ("will be
/// created", "2 to add").
pub fn wording(report: &Report) -> Kind {
    wording_of(report.kind, report.result)
}

/// [`wording`] for a report rendered as `kind`.
pub fn wording_of(kind: Kind, result: Outcome) -> Kind {
    if apply_not_complete(kind, result) {
        Kind::Plan
    } else {
        kind
    }
}

/// Whether a report rendered as `kind` is an apply that stopped before `Apply complete!`.
pub fn apply_not_complete(kind: Kind, result: Outcome) -> bool {
    kind == Kind::Apply && matches!(result, Outcome::Error | Outcome::Changes)
}

/// The colour square of an action, used in the summary, the bar and the lists. Emoji read the
/// same in GitHub's light and dark themes.
pub fn action_square(action: Action) -> &'static str {
    match action {
        Action::Delete => "🟥",
        Action::Replace => "🟧",
        Action::Create => "🟩",
        Action::Update => "🟨",
        Action::Import => "🟦",
        Action::Move => "🟪",
        Action::Forget => "🟫",
        Action::Read => "⬜",
    }
}

/// The program's name: `Terraform` or `OpenTofu`.
pub fn tool_name(tool: Tool) -> &'static str {
    match tool {
        Tool::Terraform => "Terraform",
        Tool::OpenTofu => "OpenTofu",
    }
}

/// The counts of Terraform's summary line in its own order and words, without the lead:
/// `1 to import, 2 to add, 0 to change, 1 to destroy, 1 to forget` (plan) or
/// `1 imported, 2 added, 0 changed, 1 destroyed, 1 forgotten` (apply). Add, change and destroy
/// are always printed; import and forget only when not zero, as Terraform does.
pub fn summary_counts(s: Summary, wording: Kind) -> String {
    let (import, add, change, destroy, forget) = match wording {
        Kind::Plan => (
            "to import",
            "to add",
            "to change",
            "to destroy",
            "to forget",
        ),
        Kind::Apply => ("imported", "added", "changed", "destroyed", "forgotten"),
    };
    let mut parts = Vec::with_capacity(5);
    if s.import > 0 {
        parts.push(format!("{} {import}", s.import));
    }
    parts.push(format!("{} {add}", s.add));
    parts.push(format!("{} {change}", s.change));
    parts.push(format!("{} {destroy}", s.destroy));
    if s.forget > 0 {
        parts.push(format!("{} {forget}", s.forget));
    }
    parts.join(", ")
}

/// Terraform's summary line for these counts: `Plan: 2 to add, 0 to change, 1 to destroy.` or
/// `Apply complete! Resources: 2 added, 0 changed, 1 destroyed.`
pub fn summary_line(s: Summary, wording: Kind) -> String {
    let lead = match wording {
        Kind::Plan => "Plan:",
        Kind::Apply => "Apply complete! Resources:",
    };
    format!("{lead} {}.", summary_counts(s, wording))
}

/// The summary line of a report as Terraform printed it (tfcmt's `.Result`): the apply's line
/// for a completed apply, the plan's line otherwise, Terraform's "No changes." line for a plan
/// without changes, and empty when the text had none of them.
pub fn report_summary_line(report: &Report) -> String {
    match (report.summary, report.result) {
        (Some(s), _) => summary_line(s, wording(report)),
        (None, Outcome::NoChanges) if report.kind == Kind::Plan => NO_CHANGES.to_string(),
        _ => String::new(),
    }
}

/// The count of `action` in a summary line: `2 to add` reads as "to create" in a list of
/// actions, so the verb goes with the action, in the tense of `wording`.
pub fn count_verb(action: Action, wording: Kind) -> &'static str {
    match (wording, action) {
        (Kind::Plan, Action::Delete) => "to destroy",
        (Kind::Plan, Action::Replace) => "to replace",
        (Kind::Plan, Action::Create) => "to create",
        (Kind::Plan, Action::Update) => "to update",
        (Kind::Plan, Action::Import) => "to import",
        (Kind::Plan, Action::Move) => "to move",
        (Kind::Plan, Action::Forget) => "to forget",
        (Kind::Plan, Action::Read) => "to read",
        (Kind::Apply, Action::Delete) => "destroyed",
        (Kind::Apply, Action::Replace) => "replaced",
        (Kind::Apply, Action::Create) => "created",
        (Kind::Apply, Action::Update) => "updated",
        (Kind::Apply, Action::Import) => "imported",
        (Kind::Apply, Action::Move) => "moved",
        (Kind::Apply, Action::Forget) => "forgotten",
        (Kind::Apply, Action::Read) => "read",
    }
}

/// The action as one word beside a resource: imperative for a plan, past for an apply.
pub fn action_word(action: Action, wording: Kind) -> &'static str {
    let verb = count_verb(action, wording);
    verb.strip_prefix("to ").unwrap_or(verb)
}

/// The heading of a list of resources with one action.
pub fn action_title(action: Action, wording: Kind) -> &'static str {
    match (wording, action) {
        (_, Action::Delete) => "Destroy",
        (_, Action::Replace) => "Replace",
        (Kind::Plan, Action::Create) => "Create",
        (Kind::Plan, Action::Update) => "Update in place",
        (Kind::Plan, Action::Import) => "Import",
        (Kind::Plan, Action::Move) => "Move",
        (Kind::Plan, Action::Forget) => "Forget: removed from state, not destroyed",
        (Kind::Plan, Action::Read) => "Read data sources",
        (Kind::Apply, Action::Create) => "Created",
        (Kind::Apply, Action::Update) => "Updated in place",
        (Kind::Apply, Action::Import) => "Imported",
        (Kind::Apply, Action::Move) => "Moved",
        (Kind::Apply, Action::Forget) => "Forgotten: removed from state, not destroyed",
        (Kind::Apply, Action::Read) => "Data sources read",
    }
}

/// What Terraform says will happen (plan) or happened (apply) to a resource, after its
/// address: `# aws_instance.a will be created`.
pub fn resource_phrase(action: Action, wording: Kind) -> &'static str {
    match (wording, action) {
        (Kind::Plan, Action::Create) => "will be created",
        (Kind::Plan, Action::Update) => "will be updated in-place",
        (Kind::Plan, Action::Delete) => "will be destroyed",
        (Kind::Plan, Action::Replace) => "must be replaced",
        (Kind::Plan, Action::Read) => "will be read during apply",
        (Kind::Plan, Action::Import) => "will be imported",
        (Kind::Plan, Action::Move) => "has moved",
        (Kind::Plan, Action::Forget) => "will no longer be managed (not destroyed)",
        (Kind::Apply, Action::Create) => "created",
        (Kind::Apply, Action::Update) => "updated",
        (Kind::Apply, Action::Delete) => "destroyed",
        (Kind::Apply, Action::Replace) => "replaced",
        (Kind::Apply, Action::Read) => "read",
        (Kind::Apply, Action::Import) => "imported",
        (Kind::Apply, Action::Move) => "moved",
        (Kind::Apply, Action::Forget) => "removed from state (not destroyed)",
    }
}

/// The count of each action in Terraform's summary line (a replace is counted there as one add
/// and one destroy, so it has no count of its own).
pub fn summary_count(s: Summary, action: Action) -> u64 {
    match action {
        Action::Create => s.add,
        Action::Update => s.change,
        Action::Delete => s.destroy,
        Action::Import => s.import,
        Action::Move => s.moved,
        Action::Forget => s.forget,
        Action::Replace | Action::Read => 0,
    }
}

/// Raw output as text a message can show: invalid UTF-8 replaced, escape sequences (colours,
/// cursor moves, OSC-8 hyperlinks) removed by the rule the parser reads Terraform's output
/// with, CRLF read as LF, NUL marked with U+FFFD, and other control characters (which would
/// show as garbage or be refused) dropped.
pub fn printable_output(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw);
    let text: Cow<'_, str> = match crate::parse::strip_ansi(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(stripped) => Cow::Owned(stripped),
    };
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return text.into_owned();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            '\0' => out.push('\u{FFFD}'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_counts() -> Summary {
        Summary {
            add: 2,
            change: 1,
            destroy: 3,
            import: 4,
            moved: 5,
            forget: 6,
        }
    }

    #[test]
    fn summary_lines_read_as_terraform_prints_them() {
        let s = all_counts();
        assert_eq!(
            summary_line(s, Kind::Plan),
            "Plan: 4 to import, 2 to add, 1 to change, 3 to destroy, 6 to forget."
        );
        assert_eq!(
            summary_line(s, Kind::Apply),
            "Apply complete! Resources: 4 imported, 2 added, 1 changed, 3 destroyed, 6 forgotten."
        );
        let plain = Summary {
            add: 1,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(plain, Kind::Plan),
            "Plan: 1 to add, 0 to change, 0 to destroy."
        );
    }

    #[test]
    fn an_apply_that_did_not_complete_is_worded_as_its_plan() {
        let mut report = Report::empty(Kind::Apply);
        report.summary = Some(all_counts());
        for (result, expected) in [
            (Outcome::Applied, Kind::Apply),
            (Outcome::Error, Kind::Plan),
            (Outcome::Changes, Kind::Plan),
        ] {
            report.result = result;
            assert_eq!(wording(&report), expected, "{result:?}");
        }
        report.result = Outcome::Changes;
        assert!(report_summary_line(&report).starts_with("Plan: "));
    }

    #[test]
    fn printable_output_drops_escapes_and_controls() {
        let raw = b"\x1b[31mError:\x1b[0m a\x1b]8;;https://x\x07link\x1b]8;;\x1b\\ b\0c\r\nd\x07\n";
        assert_eq!(printable_output(raw), "Error: alink b\u{FFFD}c\nd\n");
        assert_eq!(printable_output(b"plain\n"), "plain\n");
    }
}
