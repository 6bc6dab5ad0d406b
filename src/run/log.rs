//! tfpost's own diagnostics. They go to stderr only: stdout carries Terraform's bytes and nothing
//! else (until the `stdout` target appends its message after them).
//!
//! Everything written through a [`Log`] is masked (config `mask:` and tfpost's own credentials)
//! once the run knows its masker ([`Log::masked_by`]).

use std::io::Write;
use std::sync::{Arc, Mutex};

use super::settings::Verbosity;
use crate::config::Masker;

/// Where diagnostics go: stderr, shared between threads (the stderr tee writes Terraform's
/// stderr there too, so a whole line of ours is written under the lock at once).
#[derive(Clone)]
pub struct Log {
    verbosity: Verbosity,
    colour: bool,
    sink: Arc<Mutex<Box<dyn Write + Send>>>,
    masker: Arc<Masker>,
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("verbosity", &self.verbosity)
            .field("colour", &self.colour)
            .finish()
    }
}

#[derive(Clone, Copy)]
enum Level {
    Error,
    Warn,
    Info,
    Debug,
}

impl Log {
    /// A log on the process's stderr. Colour only when stderr is a terminal and `NO_COLOR` is
    /// unset or empty (<https://no-color.org>); CI logs that render ANSI still get plain text,
    /// which greps better.
    pub fn stderr(verbosity: Verbosity, env: &crate::env::Env) -> Log {
        use std::io::IsTerminal;
        let no_color = env.get("NO_COLOR").is_some();
        let colour = !no_color && std::io::stderr().is_terminal();
        Log::to_writer(verbosity, colour, Box::new(std::io::stderr()))
    }

    /// A log into any writer (tests).
    pub fn to_writer(verbosity: Verbosity, colour: bool, sink: Box<dyn Write + Send>) -> Log {
        Log {
            verbosity,
            colour,
            sink: Arc::new(Mutex::new(sink)),
            masker: Arc::new(Masker::default()),
        }
    }

    /// The same log (same sink, same lock), masking everything it writes with `masker`.
    pub fn masked_by(&self, masker: Masker) -> Log {
        Log {
            masker: Arc::new(masker),
            ..self.clone()
        }
    }

    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    pub fn error(&self, msg: impl std::fmt::Display) {
        self.line(Level::Error, &msg.to_string());
    }

    pub fn warn(&self, msg: impl std::fmt::Display) {
        self.line(Level::Warn, &msg.to_string());
    }

    pub fn info(&self, msg: impl std::fmt::Display) {
        self.line(Level::Info, &msg.to_string());
    }

    pub fn debug(&self, msg: impl std::fmt::Display) {
        self.line(Level::Debug, &msg.to_string());
    }

    /// Write a whole text of raw bytes (a dry-run message body, a message that could not be
    /// posted), masked, under the same lock, so it never interleaves mid-line with a diagnostic.
    /// Errors are returned: the caller decides.
    pub fn write_raw(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.write_masked(&self.masker.mask_bytes(bytes))
    }

    /// Write bytes the caller has masked already: Terraform's stderr, which a
    /// [`crate::config::MaskStream`] masks across reads (masking each read alone would miss a
    /// secret split between two).
    pub fn write_masked(&self, bytes: &[u8]) -> std::io::Result<()> {
        let mut sink = self
            .sink
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        sink.write_all(bytes)?;
        sink.flush()
    }

    fn line(&self, level: Level, msg: &str) {
        let shown = match level {
            Level::Error => true,
            Level::Warn | Level::Info => self.verbosity >= Verbosity::Normal,
            Level::Debug => self.verbosity >= Verbosity::Verbose,
        };
        if !shown {
            return;
        }
        let (label, colour) = match level {
            Level::Error => ("error: ", "\x1b[1;31m"),
            Level::Warn => ("warning: ", "\x1b[1;33m"),
            Level::Info => ("", "\x1b[1m"),
            Level::Debug => ("debug: ", "\x1b[2m"),
        };
        let msg = self.masker.mask_str(msg);
        let text = if self.colour {
            format!("{colour}tfpost:\x1b[0m {label}{msg}\n")
        } else {
            format!("tfpost: {label}{msg}\n")
        };
        // A diagnostic that cannot be written (stderr closed) has nowhere else to go.
        let _ = self.write_masked(text.as_bytes());
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A writer whose contents a test can read back.
    #[derive(Clone, Default)]
    pub(crate) struct Captured(pub Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Captured {
        pub(crate) fn text(&self) -> String {
            String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
        }
    }

    #[test]
    fn quiet_shows_only_errors_and_verbose_shows_debug() {
        let out = Captured::default();
        let log = Log::to_writer(Verbosity::Quiet, false, Box::new(out.clone()));
        log.info("posted");
        log.warn("careful");
        log.debug("detail");
        log.error("broken");
        assert_eq!(out.text(), "tfpost: error: broken\n");

        let out = Captured::default();
        let log = Log::to_writer(Verbosity::Verbose, false, Box::new(out.clone()));
        log.debug("detail");
        assert_eq!(out.text(), "tfpost: debug: detail\n");
    }

    #[test]
    fn masked_values_never_reach_stderr() {
        let out = Captured::default();
        let masker =
            Masker::new(vec!["s3cr3t".into()], &["tok_[a-z]+".to_string()]).expect("valid masker");
        let log = Log::to_writer(Verbosity::Verbose, false, Box::new(out.clone()));
        let masked = log.masked_by(masker);
        masked.error("cannot run `s3cr3t`");
        masked.debug(format_args!("token tok_abc"));
        masked.write_raw(b"body s3cr3t\n").expect("captured writer");
        // Already masked by the caller's stream: written as it is.
        masked
            .write_masked(b"*** as is\n")
            .expect("captured writer");
        log.warn("the unmasked log is the same sink");
        assert_eq!(
            out.text(),
            "tfpost: error: cannot run `***`\ntfpost: debug: token ***\nbody ***\n*** as is\n\
             tfpost: warning: the unmasked log is the same sink\n"
        );
    }

    #[test]
    fn colour_only_when_asked() {
        let out = Captured::default();
        Log::to_writer(Verbosity::Normal, true, Box::new(out.clone())).warn("w");
        assert!(out.text().contains("\x1b["));
    }
}
