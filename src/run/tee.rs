//! The tee: copy one input stream to its output as each read arrives, and hand the same bytes to
//! the parser thread through the spool. Nothing on this path waits for parsing.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::log::Log;
use super::spool::{Chunk, Spool, Stream};

/// Terraform writes in small pieces; 64 KiB keeps syscalls few when the input is a file.
const READ_BUFFER_BYTES: usize = 64 << 10;

/// How a tee ended, for diagnostics.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TeeStats {
    pub bytes: u64,
    /// The output stopped accepting bytes (EPIPE: the reader went away) at this byte count;
    /// everything was still read and parsed.
    pub output_closed_at: Option<u64>,
    /// The last byte read, to know whether the output ended mid-line.
    pub last_byte: Option<u8>,
    /// Reading stopped at the [`Cutoff`], before EOF: something the command started still held
    /// the pipe open after it exited.
    pub cut_off: bool,
}

/// Whether to read on or stop before the next read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Read,
    Stop,
}

/// Copy `input` to `output` until EOF, flushing after every read, and queue each read on
/// `spool`. A failing output (reader gone, disk full) is reported once and then skipped: the
/// input is still drained to the end, so a wrapped Terraform never blocks on a full pipe, and
/// still parsed. A failing input ends the copy.
pub fn tee(
    input: impl Read,
    output: &mut dyn Write,
    stream: Stream,
    spool: &Spool,
    log: &Log,
) -> TeeStats {
    tee_while(input, output, stream, spool, log, |_| Next::Read)
}

/// [`tee`] for a wrapped command's pipe: reads until EOF, or until the [`Cutoff`] once the
/// command has exited.
pub fn tee_child_pipe(
    input: impl Read + AsRawFd,
    output: &mut dyn Write,
    stream: Stream,
    spool: &Spool,
    log: &Log,
    cutoff: &Cutoff,
) -> TeeStats {
    let fd = input.as_raw_fd();
    let mut bytes_at_deadline = None;
    tee_while(input, output, stream, spool, log, |bytes| {
        cutoff.next(fd, bytes, &mut bytes_at_deadline)
    })
}

fn tee_while(
    mut input: impl Read,
    output: &mut dyn Write,
    stream: Stream,
    spool: &Spool,
    log: &Log,
    mut next: impl FnMut(u64) -> Next,
) -> TeeStats {
    let mut stats = TeeStats::default();
    let mut spool_warned = false;
    loop {
        if next(stats.bytes) == Next::Stop {
            stats.cut_off = true;
            break;
        }
        // The read goes straight into the buffer the parser will get: no copy on this path.
        let mut buf = spool.buffer(READ_BUFFER_BYTES);
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == ErrorKind::Interrupted => continue,
            Err(err) => {
                log.error(format_args!(
                    "cannot read {}: {err}; the output may be incomplete",
                    input_name(stream)
                ));
                break;
            }
        };
        buf.truncate(n);
        if stats.output_closed_at.is_none()
            && let Err(err) = output.write_all(&buf).and_then(|()| output.flush())
        {
            stats.output_closed_at = Some(stats.bytes);
            if err.kind() == ErrorKind::BrokenPipe {
                log.warn(format_args!(
                    "{} was closed by its reader after {} bytes; still reading the output to the end to parse and post it",
                    output_name(stream),
                    stats.bytes
                ));
            } else {
                log.warn(format_args!(
                    "cannot write to {}: {err}; still reading the output to the end to parse and post it",
                    output_name(stream)
                ));
            }
        }
        stats.bytes += n as u64;
        stats.last_byte = buf.last().copied();
        if let Some(warning) = spool.push(Chunk { stream, bytes: buf })
            && !spool_warned
        {
            spool_warned = true;
            log.warn(warning);
        }
    }
    stats
}

/// How long the pipes of a command that exited are still read: Terraform has written everything
/// by then, and a process it started in the background (a provisioner's `nohup ... &`) that
/// inherited the pipe must not keep tfpost, and the CI job, waiting for it.
pub const CUTOFF_GRACE: Duration = Duration::from_secs(2);

/// After the deadline, what is already in the pipe is still read, up to this much (a pipe holds
/// 64 KiB by default; this bounds a background writer that never stops).
const FINAL_DRAIN_BYTES: u64 = 1 << 20;

/// Set when the wrapped command exits: from then on its pipes are read until EOF or the
/// deadline, whichever comes first.
#[derive(Debug, Default)]
pub struct Cutoff {
    deadline: Mutex<Option<Instant>>,
}

impl Cutoff {
    pub fn set(&self, deadline: Instant) {
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner()) = Some(deadline);
    }

    fn deadline(&self) -> Option<Instant> {
        *self.deadline.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait until `fd` is readable (or at EOF), or decide to stop.
    fn next(&self, fd: RawFd, bytes: u64, bytes_at_deadline: &mut Option<u64>) -> Next {
        loop {
            let timeout_ms = match self.deadline() {
                // Wake up now and then to notice the command's exit.
                None => 200,
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        let start = *bytes_at_deadline.get_or_insert(bytes);
                        if bytes - start >= FINAL_DRAIN_BYTES {
                            return Next::Stop;
                        }
                        0
                    } else {
                        i32::try_from((deadline - now).as_millis().min(200)).unwrap_or(200)
                    }
                }
            };
            let mut pollfd = libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            };
            // SAFETY: poll(2) reads and writes only `pollfd`, which lives across the call; `fd`
            // is the open pipe the caller owns for the duration of the tee.
            let ready = unsafe { libc::poll(&mut pollfd, 1, timeout_ms) };
            if ready > 0 {
                // Readable, or hung up (the read returns 0: EOF), or in error (the read says
                // what): either way the read decides.
                return Next::Read;
            }
            if ready < 0 && std::io::Error::last_os_error().kind() != ErrorKind::Interrupted {
                return Next::Read;
            }
            if ready == 0 && timeout_ms == 0 {
                return Next::Stop;
            }
        }
    }
}

fn input_name(stream: Stream) -> &'static str {
    match stream {
        Stream::Stdout => "the command's output",
        Stream::Stderr => "the command's stderr",
    }
}

fn output_name(stream: Stream) -> &'static str {
    match stream {
        Stream::Stdout => "stdout",
        Stream::Stderr => "stderr",
    }
}

/// Writes to tfpost's stderr through the [`Log`] lock, so Terraform's stderr and tfpost's own
/// diagnostics never interleave within a line.
pub struct LogWriter<'a>(pub &'a Log);

impl Write for LogWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_raw(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::settings::Verbosity;

    struct ClosedAfter {
        accepted: usize,
        limit: usize,
    }

    impl Write for ClosedAfter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            if self.accepted >= self.limit {
                return Err(std::io::Error::from(ErrorKind::BrokenPipe));
            }
            let n = buf.len().min(self.limit - self.accepted);
            self.accepted += n;
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_output_does_not_stop_the_parse_feed() {
        let input = vec![b'x'; 1_000_000];
        let spool = Spool::new(usize::MAX, None, 1);
        let log = Log::to_writer(Verbosity::Quiet, false, Box::new(std::io::sink()));
        let mut out = ClosedAfter {
            accepted: 0,
            limit: 10,
        };
        let stats = tee(&input[..], &mut out, Stream::Stdout, &spool, &log);
        spool.close_producer();
        assert_eq!(stats.bytes, 1_000_000);
        assert!(stats.output_closed_at.is_some());
        let mut fed = 0;
        while let Some(c) = spool.pop().unwrap() {
            fed += c.bytes.len();
        }
        assert_eq!(fed, 1_000_000);
    }
}
