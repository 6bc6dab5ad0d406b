//! The seam between the runner and rendering/notifying: after the tee, the runner calls one
//! [`Delivery`] with the parsed output, and turns its result into the exit code.
//!
//! [`LocalDelivery`] is what this build does without the renderer and notifiers wired in: a
//! plain-text summary to stdout, or to stderr under `--dry-run`. The lead replaces it with a
//! delivery that renders and posts to GitHub and Slack.

use std::fmt::Write as _;
use std::io::Write;

use super::RunOutput;
use super::analyze::Parsed;
use super::fmt::FmtReport;
use super::log::Log;
use super::settings::{RunSettings, Target};
use crate::model::{Action, Report, Summary};

/// Renders and posts a finished run. Called once, after the tee ended; the raw output is
/// already on stdout, so an implementation must never write Terraform's output again, and for
/// SPEC guarantee 3 it writes every message it could not post to stderr before returning the
/// failure.
pub trait Delivery {
    fn deliver(
        &mut self,
        run: &RunOutput<'_>,
        settings: &RunSettings,
        log: &Log,
    ) -> Result<(), DeliveryError>;
}

/// Posts that failed. The runner reports each on stderr and sets the exit code.
#[derive(Debug, thiserror::Error)]
#[error("{} notification(s) failed", failures.len())]
pub struct DeliveryError {
    pub failures: Vec<TargetFailure>,
}

/// One target that could not be posted to, and why (what the user can do about it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetFailure {
    pub target: Target,
    pub reason: String,
}

/// No renderer or notifier wired: a plain-text summary of the model to the `stdout` target, and
/// to stderr for `--dry-run`. `github` and `slack` fail with a clear reason, their message
/// written to stderr instead.
#[derive(Debug, Default)]
pub struct LocalDelivery;

/// Resources listed per summary before "... and N more": the summary is for a terminal.
const LISTED_RESOURCES: usize = 50;

impl Delivery for LocalDelivery {
    fn deliver(
        &mut self,
        run: &RunOutput<'_>,
        settings: &RunSettings,
        log: &Log,
    ) -> Result<(), DeliveryError> {
        let targets = settings
            .notify
            .clone()
            .unwrap_or_else(|| vec![Target::Stdout]);
        let text = summary_text(run, settings);
        let mut failures = Vec::new();
        for target in targets {
            if settings.dry_run {
                let _ = log.write_raw(
                    format!("tfpost: --dry-run: would post to {target}:\n{text}").as_bytes(),
                );
                continue;
            }
            match target {
                Target::Stdout => {
                    let written = if run.stdout_closed {
                        Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
                    } else {
                        let mut out = std::io::stdout().lock();
                        let newline: &[u8] = if run.stdout_mid_line { b"\n" } else { b"" };
                        out.write_all(newline)
                            .and_then(|()| out.write_all(text.as_bytes()))
                            .and_then(|()| out.flush())
                    };
                    if let Err(err) = written {
                        let _ = log.write_raw(
                            format!("tfpost: the message for stdout:\n{text}").as_bytes(),
                        );
                        failures.push(TargetFailure {
                            target,
                            reason: format!("cannot write to stdout: {err}"),
                        });
                    }
                }
                Target::Github | Target::Slack => {
                    let _ = log.write_raw(
                        format!("tfpost: the message for {target}, not posted:\n{text}").as_bytes(),
                    );
                    failures.push(TargetFailure {
                        target,
                        reason: format!("this build of tfpost has no {target} notifier; use --notify stdout or --dry-run"),
                    });
                }
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(DeliveryError { failures })
        }
    }
}

/// A few lines a person reads in a terminal: title, outcome, counts, the changed resources.
pub fn summary_text(run: &RunOutput<'_>, settings: &RunSettings) -> String {
    let mut text = String::new();
    if let Some(title) = &settings.title {
        let _ = writeln!(text, "{title}");
    }
    if let Some(message) = &settings.message {
        let _ = writeln!(text, "{message}");
    }
    match run.parsed {
        Parsed::Terraform(Ok(report)) => report_text(&mut text, report),
        Parsed::Terraform(Err(err)) => {
            let _ = writeln!(
                text,
                "tfpost {}: the output could not be parsed: {err}",
                run.kind.as_str()
            );
        }
        Parsed::Fmt(report) => fmt_text(&mut text, report),
    }
    text
}

fn report_text(text: &mut String, report: &Report) {
    let _ = writeln!(
        text,
        "tfpost {}: {}",
        if report.kind == crate::model::Kind::Apply {
            "apply"
        } else {
            "plan"
        },
        match report.result {
            crate::model::Outcome::Changes => "changes",
            crate::model::Outcome::NoChanges => "no changes",
            crate::model::Outcome::Error => "error",
            crate::model::Outcome::Applied => "applied",
        }
    );
    if let Some(summary) = report.summary {
        let _ = writeln!(text, "{}", summary_line(summary));
    }
    for (i, resource) in report.resources.iter().enumerate() {
        if i == LISTED_RESOURCES {
            let _ = writeln!(
                text,
                "  ... and {} more",
                report.resources.len() - LISTED_RESOURCES
            );
            break;
        }
        let _ = writeln!(
            text,
            "  {:<8} {}",
            action_word(resource.action),
            resource.address
        );
    }
    for error in &report.errors {
        let _ = writeln!(
            text,
            "Error: {}{}",
            error.summary,
            location(error.file.as_deref(), error.line)
        );
    }
    for warning in &report.warnings {
        let _ = writeln!(text, "Warning: {}", warning.summary);
    }
}

fn fmt_text(text: &mut String, report: &FmtReport) {
    if !report.failed() {
        let _ = writeln!(text, "tfpost fmt: every file is formatted");
        return;
    }
    let _ = writeln!(
        text,
        "tfpost fmt: {} file(s) not formatted",
        report.files.len()
    );
    for (i, file) in report.files.iter().enumerate() {
        if i == LISTED_RESOURCES {
            let _ = writeln!(
                text,
                "  ... and {} more",
                report.files.len() - LISTED_RESOURCES
            );
            break;
        }
        let _ = writeln!(text, "  {}", file.path);
    }
    for error in &report.errors {
        let _ = writeln!(
            text,
            "Error: {}{}",
            error.summary,
            location(error.file.as_deref(), error.line)
        );
    }
}

fn summary_line(s: Summary) -> String {
    let mut line = format!(
        "Plan: {} to add, {} to change, {} to destroy",
        s.add, s.change, s.destroy
    );
    for (count, what) in [
        (s.import, "to import"),
        (s.moved, "to move"),
        (s.forget, "to forget"),
    ] {
        if count > 0 {
            let _ = write!(line, ", {count} {what}");
        }
    }
    line.push('.');
    line
}

fn action_word(action: Action) -> &'static str {
    action.as_str()
}

fn location(file: Option<&str>, line: Option<u32>) -> String {
    match (file, line) {
        (Some(file), Some(line)) => format!(" ({file}:{line})"),
        (Some(file), None) => format!(" ({file})"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Outcome};
    use crate::run::CommandStatus;
    use crate::run::analyze::RawOutput;
    use crate::run::log::tests::Captured;
    use crate::run::settings::{RunKind, Verbosity};

    fn output<'a>(parsed: &'a Parsed, raw: &'a RawOutput) -> RunOutput<'a> {
        RunOutput {
            kind: RunKind::Plan,
            parsed,
            raw,
            status: CommandStatus::Piped,
            stdout_closed: false,
            stdout_mid_line: false,
        }
    }

    #[test]
    fn dry_run_writes_each_destination_to_stderr_and_posts_nothing() {
        let mut report = Report::empty(Kind::Plan);
        report.result = Outcome::Changes;
        report.summary = Some(Summary {
            add: 1,
            destroy: 2,
            ..Summary::default()
        });
        let parsed = Parsed::Terraform(Ok(report));
        let raw = RawOutput::default();
        let mut settings = RunSettings::new(RunKind::Plan);
        settings.dry_run = true;
        settings.title = Some("prod".into());
        settings.notify = Some(vec![Target::Github, Target::Slack]);
        let err = Captured::default();
        let log = Log::to_writer(Verbosity::Normal, false, Box::new(err.clone()));
        LocalDelivery
            .deliver(&output(&parsed, &raw), &settings, &log)
            .unwrap();
        let text = err.text();
        assert!(text.contains("would post to github:\nprod\ntfpost plan: changes\nPlan: 1 to add, 0 to change, 2 to destroy.\n"));
        assert!(text.contains("would post to slack:"));
    }

    #[test]
    fn unwired_targets_fail_and_keep_their_message_on_stderr() {
        let parsed = Parsed::Fmt(FmtReport::default());
        let raw = RawOutput::default();
        let mut settings = RunSettings::new(RunKind::Fmt);
        settings.notify = Some(vec![Target::Slack]);
        let err = Captured::default();
        let log = Log::to_writer(Verbosity::Quiet, false, Box::new(err.clone()));
        let failure = LocalDelivery
            .deliver(&output(&parsed, &raw), &settings, &log)
            .unwrap_err();
        assert_eq!(failure.failures[0].target, Target::Slack);
        assert!(err.text().contains("every file is formatted"));
    }
}
