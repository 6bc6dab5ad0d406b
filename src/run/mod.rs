//! `tfpost plan` / `apply` / `fmt`: read Terraform's output (stdin, or a wrapped command), tee it
//! to stdout as it arrives, parse the same bytes on another thread, then hand the result to a
//! [`Delivery`] and exit with the code CI must see.
//!
//! ```text
//!  Delivery::prepare --> Masker (config `mask:`, tfpost's credentials): masks stdout, stderr
//!           |            and every line of the Log from the first byte on
//!           v
//!  stdin | child stdout --tee--> stdout          child stderr --tee--> stderr     (never wait)
//!                  \                                   /
//!                   +---> spool (memory, then disk) <-+    (raw bytes: the delivery masks
//!                                  |                         what it renders)
//!                           parser thread  --> Parsed + RawOutput --> Delivery --> exit code
//! ```
//!
//! Whatever fails after the tee (parse, render, post), the bytes already reached stdout and the
//! exit code still follows the exit-code table (README, "Exit codes") ([`exit_code`]).

pub mod analyze;
pub mod delivery;
pub mod log;
mod masking;
pub mod post;
pub mod settings;
mod signals;
pub mod spool;
pub mod summary;
pub mod tee;

use std::ffi::OsString;
use std::io::{ErrorKind, IsTerminal};
use std::path::PathBuf;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Arc;

pub use analyze::{Parsed, RawOutput};
pub use delivery::{Delivery, DeliveryError, DestinationFailure};
pub use log::Log;
pub use post::Post;
pub use settings::{RunKind, RunSettings, Verbosity};

use crate::config::Masker;
use crate::env::Env;
use spool::{Spool, Stream};

/// Backlog kept in memory between the tee and the parser before it spills to disk (see
/// [`spool`]). Terraform writes far slower than the parser reads, so a real run never spills;
/// `cat huge-plan.txt | tfpost plan` does, and then every MiB kept here counts against tfpost's
/// 32 MiB budget. The report of a 50,000-resource plan takes about 11 MiB; 6 MiB here leaves
/// the peak near 27 MiB and spills a third less than 2 MiB did, and a spilled byte costs a write,
/// a read and a page-cache release (bench/tee.sh).
pub const SPOOL_MEMORY_BYTES: usize = 6 << 20;

/// Where Terraform's output comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// Pipe mode: `terraform plan | tfpost plan`.
    Stdin,
    /// Wrap mode: `tfpost plan -- terraform plan`; program and arguments.
    Command(Vec<OsString>),
}

/// How the output's producer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandStatus {
    /// Pipe mode: tfpost cannot see the upstream command's exit code.
    Piped,
    /// The wrapped command exited with this code.
    Exited(i32),
    /// The wrapped command was killed by this signal.
    Signaled(i32),
}

impl CommandStatus {
    fn from_exit_status(status: ExitStatus) -> CommandStatus {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => CommandStatus::Exited(code),
            (None, Some(signal)) => CommandStatus::Signaled(signal),
            // Neither exit code nor signal (stopped/continued are not reported by wait).
            (None, None) => CommandStatus::Exited(1),
        }
    }
}

/// What the delivery sees once the output has ended.
#[derive(Debug)]
pub struct RunOutput<'a> {
    pub kind: RunKind,
    /// The parsed output (or why it could not be parsed).
    pub parsed: &'a Parsed,
    /// The head and tail of the raw output.
    pub raw: &'a RawOutput,
    pub status: CommandStatus,
    /// Our stdout stopped accepting bytes (reader gone), so the `stdout` target cannot work.
    pub stdout_closed: bool,
    /// The tee'd stdout ended without a newline: whatever is appended must start on a new line.
    pub stdout_mid_line: bool,
}

/// Facts about the process that the run needs, passed in rather than read deep inside.
#[derive(Debug, Clone)]
pub struct Environment {
    /// The process environment (`NO_COLOR`, `TMPDIR`, ...).
    pub vars: Env,
    /// Whether stdin is a terminal: then the wrapped command stays in tfpost's process group so
    /// it can prompt (`terraform apply` asks for approval), and the terminal's Ctrl-C reaches it
    /// directly. Otherwise (CI) it gets a process group of its own and tfpost forwards signals.
    pub stdin_is_terminal: bool,
}

impl Environment {
    /// The environment of this process.
    pub fn of_process(vars: Env) -> Environment {
        Environment {
            vars,
            stdin_is_terminal: std::io::stdin().is_terminal(),
        }
    }

    fn spill_dir(&self) -> Option<PathBuf> {
        self.vars.get("TMPDIR").map(PathBuf::from)
    }
}

/// Run `plan` / `apply` / `fmt` to the end and return the process exit code.
pub fn run(
    settings: &RunSettings,
    input: Input,
    env: &Environment,
    delivery: &mut dyn Delivery,
    log: &Log,
) -> u8 {
    // Before anything is read: the masker applies to the tee from its first byte, and to every
    // line tfpost writes from here on.
    let masker = delivery.prepare(settings, log);
    let log = &log.masked_by(masker.clone());
    let signals = match signals::Signals::install() {
        Ok(signals) => Some(signals),
        Err(err) => {
            log.warn(format_args!(
                "cannot handle SIGINT/SIGTERM ({err}); they will stop tfpost at once"
            ));
            None
        }
    };
    let producers = if matches!(input, Input::Stdin) { 1 } else { 2 };
    let spool = Arc::new(Spool::new(SPOOL_MEMORY_BYTES, env.spill_dir(), producers));
    let parser_thread = {
        let spool = spool.clone();
        let kind = settings.kind;
        std::thread::spawn(move || {
            let _guard = spool::ConsumerGuard(&spool);
            analyze::analyze(&spool, kind)
        })
    };

    let (status, stdout) = match input {
        Input::Stdin => {
            if env.stdin_is_terminal {
                log.warn(
                    "reading Terraform's output from the terminal; pipe it in \
                     (`terraform plan 2>&1 | tfpost plan`) or give the command after `--`",
                );
            }
            let watcher = signals.map(|s| s.watch_pipe(log.clone()));
            // The tee polls stdin's fd to notice idleness (masking). The lock's 8 KiB buffer
            // never holds bytes the fd no longer shows: reads of 64 KiB bypass it while empty.
            let stats = tee::tee(
                std::io::stdin().lock(),
                tee::TeeOutput::new(&mut std::io::stdout().lock(), &masker),
                Stream::Stdout,
                &spool,
                log,
            );
            spool.close_producer();
            if let Some(watcher) = watcher {
                watcher.output_ended();
            }
            log.debug(format_args!("read {} bytes from stdin", stats.bytes));
            (CommandStatus::Piped, stats)
        }
        Input::Command(argv) => match wrap(&argv, signals, env, &spool, &masker, log) {
            Ok(result) => result,
            Err(code) => {
                // Nothing ran, so there is nothing to parse or post.
                spool.close_producer();
                spool.close_producer();
                let _ = parser_thread.join();
                return code;
            }
        },
    };

    let analysis = match parser_thread.join() {
        Ok(analysis) => analysis,
        Err(_) => {
            log.error("the parser crashed; the output above is complete, but nothing was posted");
            return exit_code(status, None, false, settings.ignore_notify_errors);
        }
    };
    if let Some(err) = &analysis.read_error {
        log.error(format_args!("the parser's queue could not be read back ({err}); the report covers only part of the output"));
    }
    if spool.spilled_bytes() > 0 {
        log.debug(format_args!(
            "{} bytes waited for the parser on disk",
            spool.spilled_bytes()
        ));
    }
    // `terraform plan | tfpost plan` without `2>&1`: a Terraform that failed early wrote only to
    // its stderr. A comment saying "output not understood" would hide the last useful one.
    // (`fmt` writes nothing when every file is formatted: for it, nothing read is a success.)
    if status == CommandStatus::Piped && settings.kind != RunKind::Fmt && analysis.raw.is_blank() {
        log.error(format_args!(
            "nothing was read on stdin ({} bytes, {}), so nothing was posted. Terraform writes \
             its errors to stderr, which a pipe does not carry: pipe both \
             (`terraform plan 2>&1 | tfpost plan`) or let tfpost run it (`tfpost plan -- terraform plan`)",
            analysis.raw.total_bytes(),
            if analysis.raw.total_bytes() == 0 { "empty" } else { "only whitespace" }
        ));
        return 1;
    }
    match &analysis.parsed {
        Parsed::Terraform(Err(err)) => log.warn(format_args!("cannot parse the output: {err}")),
        Parsed::Terraform(Ok(report)) => log.debug(format_args!(
            "parsed a {:?} with {} resource change(s), result {:?}",
            report.kind,
            report.resources.len(),
            report.result
        )),
        Parsed::Fmt(report) => {
            log.debug(format_args!("{} file(s) not formatted", report.files.len()))
        }
    }

    let output = RunOutput {
        kind: settings.kind,
        parsed: &analysis.parsed,
        raw: &analysis.raw,
        status,
        stdout_closed: stdout.output_closed_at.is_some(),
        stdout_mid_line: stdout.last_byte.is_some_and(|b| b != b'\n'),
    };
    // Whether the exit code may stay a success: every post went through, or the config says
    // to ignore the ones that did not.
    let delivered = match delivery.deliver(&output, settings, log) {
        Ok(()) => true,
        Err(err) => {
            for failure in err.failures.iter().filter(|f| !f.reported) {
                log.error(format_args!(
                    "could not post to {}: {}",
                    failure.destination, failure.reason
                ));
            }
            err.ignored
        }
    };
    let code = exit_code(
        status,
        Some(&analysis.parsed),
        delivered,
        settings.ignore_notify_errors,
    );
    // The process ends right after this, and the OS takes its memory back at once: freeing a
    // report of tens of thousands of resources piece by piece would cost a fifth of the parse.
    std::mem::forget(analysis);
    code
}

/// Pipe mode when tfpost's own command line cannot be understood: the bytes on stdin still reach
/// stdout unchanged (masked as the config says, as in a normal run), so the CI log keeps
/// Terraform's output and the upstream Terraform never dies of a closed pipe. Nothing is parsed
/// or posted; the caller reports what is wrong and exits with its usage code.
pub fn pass_through(
    settings: &RunSettings,
    delivery: &mut dyn Delivery,
    log: &Log,
) -> tee::TeeStats {
    let masker = delivery.prepare(settings, log);
    let log = &log.masked_by(masker.clone());
    tee::copy(
        std::io::stdin().lock(),
        tee::TeeOutput::new(&mut std::io::stdout().lock(), &masker),
        Stream::Stdout,
        log,
    )
}

/// Spawn the command and tee its stdout and stderr until it exits. `Err` is the exit code when
/// it could not be started at all (127 not found, 126 not executable, as a shell says).
fn wrap(
    argv: &[OsString],
    signals: Option<signals::Signals>,
    env: &Environment,
    spool: &Arc<Spool>,
    masker: &Masker,
    log: &Log,
) -> Result<(CommandStatus, tee::TeeStats), u8> {
    let Some((program, args)) = argv.split_first() else {
        log.error("no command given after `--`");
        return Err(2);
    };
    let name = program.to_string_lossy().into_owned();
    let mut command = Command::new(program);
    command
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !env.stdin_is_terminal {
        use std::os::unix::process::CommandExt;
        // Its own process group: a signal to tfpost's group (a CI runner cancelling the job) is
        // then forwarded by tfpost exactly once instead of arriving twice, to the whole group
        // as a terminal would (see `signals`).
        command.process_group(0);
    }
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            let (code, what) = match err.kind() {
                ErrorKind::NotFound => (127, "command not found".to_string()),
                ErrorKind::PermissionDenied => {
                    (126, "permission denied (is it executable?)".to_string())
                }
                _ => (126, err.to_string()),
            };
            log.error(format_args!("cannot run `{name}`: {what}"));
            return Err(code);
        }
    };
    log.debug(format_args!("running `{name}` (pid {})", child.id()));
    let pid = child.id();
    let forwarder =
        signals.map(|s| s.forward_to(pid, name.clone(), env.stdin_is_terminal, log.clone()));

    let (Some(child_stdout), Some(child_stderr)) = (child.stdout.take(), child.stderr.take())
    else {
        // Both were requested as pipes above, so std always provides them.
        log.error("internal error: the command's output pipes are missing");
        return Err(1);
    };
    let cutoff = Arc::new(tee::Cutoff::default());
    let out_thread = {
        let (spool, log, cutoff) = (spool.clone(), log.clone(), cutoff.clone());
        let masker = masker.clone();
        std::thread::spawn(move || {
            let mut stdout = std::io::stdout().lock();
            let stats = tee::tee_child_pipe(
                child_stdout,
                tee::TeeOutput::new(&mut stdout, &masker),
                Stream::Stdout,
                &spool,
                &log,
                &cutoff,
            );
            spool.close_producer();
            stats
        })
    };
    let err_thread = {
        let (spool, log, cutoff) = (spool.clone(), log.clone(), cutoff.clone());
        let masker = masker.clone();
        std::thread::spawn(move || {
            let mut stderr = tee::LogWriter(&log);
            let stats = tee::tee_child_pipe(
                child_stderr,
                tee::TeeOutput::new(&mut stderr, &masker),
                Stream::Stderr,
                &spool,
                &log,
                &cutoff,
            );
            spool.close_producer();
            stats
        })
    };

    signals::wait_exited_not_reaped(pid);
    cutoff.set(std::time::Instant::now() + tee::CUTOFF_GRACE);
    // Unlike a shell pipeline, tfpost does not wait for background processes the command left
    // holding its pipes (see `tee::CUTOFF_GRACE`).
    let stdout_stats = out_thread.join().unwrap_or_default();
    let stderr_stats = err_thread.join().unwrap_or_default();
    if stdout_stats.cut_off || stderr_stats.cut_off {
        log.warn(format_args!(
            "`{name}` exited, but a process it started still holds its output open; stopped reading it {} s later",
            tee::CUTOFF_GRACE.as_secs()
        ));
    }
    // Before reaping: until then the pid is the zombie's and cannot name another process.
    if let Some(forwarder) = forwarder {
        forwarder.output_ended();
    }
    let status = match child.wait() {
        Ok(status) => CommandStatus::from_exit_status(status),
        Err(err) => {
            log.error(format_args!(
                "cannot get the exit status of `{name}`: {err}"
            ));
            CommandStatus::Exited(1)
        }
    };
    log.debug(format_args!("`{name}` ended: {status:?}"));
    Ok((status, stdout_stats))
}

/// True when the parsed output says the run failed: an `Error:`, no recognisable plan at all
/// (Terraform most likely failed and wrote only to the stderr the pipe did not carry), or, for
/// `fmt`, files that need formatting.
pub fn output_shows_failure(parsed: &Parsed) -> bool {
    match parsed {
        Parsed::Terraform(Ok(report)) => report.result == crate::model::Outcome::Error,
        Parsed::Terraform(Err(_)) => true,
        Parsed::Fmt(report) => report.failed(),
    }
}

/// The exit-code table of the README ("Exit codes"). Wrap mode: the command's code, 128+N for a
/// signal. Pipe mode: 1 when the output shows a failure, else 0. A failed post turns a success (0)
/// into 1 unless `--ignore-notify-errors`; it never hides a failure code.
pub fn exit_code(
    status: CommandStatus,
    parsed: Option<&Parsed>,
    delivered: bool,
    ignore_notify_errors: bool,
) -> u8 {
    let code = match status {
        // Exit codes are 0-255 on Unix; `code()` already reports the low 8 bits.
        CommandStatus::Exited(code) => u8::try_from(code & 0xff).unwrap_or(1),
        CommandStatus::Signaled(signal) => u8::try_from((128 + signal).min(255)).unwrap_or(255),
        CommandStatus::Piped => u8::from(parsed.is_none_or(output_shows_failure)),
    };
    if code == 0 && !delivered && !ignore_notify_errors {
        1
    } else {
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Outcome, Report};
    use crate::parse::ParseError;

    fn report(result: Outcome) -> Parsed {
        let mut report = Report::empty(Kind::Plan);
        report.result = result;
        Parsed::Terraform(Ok(report))
    }

    #[test]
    fn wrap_mode_passes_the_command_code_through() {
        for code in [0, 1, 2, 3, 127] {
            assert_eq!(
                exit_code(
                    CommandStatus::Exited(code),
                    Some(&report(Outcome::Changes)),
                    true,
                    false
                ),
                code as u8
            );
        }
        assert_eq!(
            exit_code(CommandStatus::Signaled(9), None, true, false),
            137
        );
        assert_eq!(
            exit_code(
                CommandStatus::Signaled(2),
                Some(&report(Outcome::Error)),
                false,
                false
            ),
            130
        );
    }

    #[test]
    fn pipe_mode_follows_the_parsed_output() {
        assert_eq!(
            exit_code(
                CommandStatus::Piped,
                Some(&report(Outcome::Changes)),
                true,
                false
            ),
            0
        );
        assert_eq!(
            exit_code(
                CommandStatus::Piped,
                Some(&report(Outcome::NoChanges)),
                true,
                false
            ),
            0
        );
        assert_eq!(
            exit_code(
                CommandStatus::Piped,
                Some(&report(Outcome::Error)),
                true,
                false
            ),
            1
        );
        let unparsed = Parsed::Terraform(Err(ParseError::NothingRecognized { bytes: 0, lines: 0 }));
        assert_eq!(
            exit_code(CommandStatus::Piped, Some(&unparsed), true, false),
            1
        );
        assert_eq!(
            exit_code(
                CommandStatus::Piped,
                Some(&Parsed::Fmt(Default::default())),
                true,
                false
            ),
            0
        );
    }

    #[test]
    fn a_failed_post_fails_only_a_successful_run() {
        let ok = report(Outcome::Changes);
        assert_eq!(
            exit_code(CommandStatus::Exited(0), Some(&ok), false, false),
            1
        );
        assert_eq!(
            exit_code(CommandStatus::Exited(0), Some(&ok), false, true),
            0
        );
        assert_eq!(
            exit_code(CommandStatus::Exited(2), Some(&ok), false, false),
            2
        );
        assert_eq!(exit_code(CommandStatus::Piped, Some(&ok), false, false), 1);
        assert_eq!(
            exit_code(
                CommandStatus::Piped,
                Some(&report(Outcome::Error)),
                false,
                true
            ),
            1
        );
    }
}
