//! The tee: copy one input stream to its output as each read arrives, and hand the same bytes to
//! the parser thread through the spool. Nothing on this path waits for parsing.

use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::log::Log;
use super::spool::{Chunk, Spool, Stream};
use crate::config::{MaskStream, Masker};

/// Terraform writes in small pieces; 64 KiB keeps syscalls few when the input is a file.
const READ_BUFFER_BYTES: usize = 64 << 10;

/// How a tee ended, for diagnostics.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TeeStats {
    pub bytes: u64,
    /// The output stopped accepting bytes (EPIPE: the reader went away) at this byte count;
    /// everything was still read and parsed.
    pub output_closed_at: Option<u64>,
    /// The last byte written (masked), to know whether the output ended mid-line.
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

/// How long the input may stay silent before the unfinished line the masker holds back for the
/// patterns is written: a prompt without a newline (`Enter a value: `) must show while Terraform
/// waits for an answer. The possible start of a secret is not written then: it waits for the
/// bytes that decide it, however long they take.
pub const IDLE_FLUSH: Duration = Duration::from_millis(100);

/// Where the tee writes, and through what.
pub struct TeeOutput<'a> {
    writer: &'a mut dyn Write,
    /// `None` when there is nothing to mask: each read is written as it is, without a copy.
    mask: Option<MaskStream>,
    /// The masked bytes of the current read (reused).
    masked: Vec<u8>,
}

impl<'a> TeeOutput<'a> {
    /// `writer`, masked by `masker` unless it hides nothing.
    pub fn new(writer: &'a mut dyn Write, masker: &Masker) -> TeeOutput<'a> {
        TeeOutput {
            writer,
            mask: (!masker.is_empty()).then(|| MaskStream::new(masker.clone())),
            masked: Vec::new(),
        }
    }

    fn is_holding(&self) -> bool {
        self.mask.as_ref().is_some_and(MaskStream::is_holding)
    }

    /// Writes one read (masked) and flushes. A failing output is reported once and then
    /// skipped.
    fn write(&mut self, read: &[u8], stats: &mut TeeStats, stream: Stream, log: &Log) {
        if stats.output_closed_at.is_some() {
            return;
        }
        let bytes = match &mut self.mask {
            None => read,
            Some(mask) => {
                self.masked.clear();
                mask.push(read, &mut self.masked);
                &self.masked
            }
        };
        write_flushed(self.writer, bytes, stats, stream, log);
    }

    /// Writes what the masker holds back: all of it when the input ended; when it is idle,
    /// all but the possible start of a secret ([`MaskStream::flush_idle`]).
    fn flush_held(&mut self, stats: &mut TeeStats, stream: Stream, log: &Log, ended: bool) {
        let Some(mask) = &mut self.mask else {
            return;
        };
        if stats.output_closed_at.is_some() || !mask.is_holding() {
            return;
        }
        self.masked.clear();
        if ended {
            mask.flush(&mut self.masked);
        } else {
            mask.flush_idle(&mut self.masked);
        }
        if !self.masked.is_empty() {
            write_flushed(self.writer, &self.masked, stats, stream, log);
        }
    }
}

fn write_flushed(
    writer: &mut dyn Write,
    bytes: &[u8],
    stats: &mut TeeStats,
    stream: Stream,
    log: &Log,
) {
    if let Some(&last) = bytes.last() {
        stats.last_byte = Some(last);
    }
    if let Err(err) = writer.write_all(bytes).and_then(|()| writer.flush()) {
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
}

/// Copy `input` to `output` until EOF, flushing after every read, and queue each read on
/// `spool`. A failing output (reader gone, disk full) is reported once and then skipped: the
/// input is still drained to the end, so a wrapped Terraform never blocks on a full pipe, and
/// still parsed. A failing input ends the copy. The parser gets the bytes as read: what it
/// produces is masked when it is rendered.
pub fn tee(
    input: impl Read + AsRawFd,
    output: TeeOutput<'_>,
    stream: Stream,
    spool: &Spool,
    log: &Log,
) -> TeeStats {
    let fd = input.as_raw_fd();
    tee_while(input, Some(fd), output, stream, Some(spool), log, |_| {
        Next::Read
    })
}

/// [`tee`] without a parser behind it: `input` is copied to `output` (masked) and nothing else
/// keeps its bytes. For when tfpost cannot parse or post but the log must still be whole.
pub fn copy(
    input: impl Read + AsRawFd,
    output: TeeOutput<'_>,
    stream: Stream,
    log: &Log,
) -> TeeStats {
    let fd = input.as_raw_fd();
    tee_while(input, Some(fd), output, stream, None, log, |_| Next::Read)
}

/// [`tee`] for a wrapped command's pipe: reads until EOF, or until the [`Cutoff`] once the
/// command has exited.
pub fn tee_child_pipe(
    input: impl Read + AsRawFd,
    output: TeeOutput<'_>,
    stream: Stream,
    spool: &Spool,
    log: &Log,
    cutoff: &Cutoff,
) -> TeeStats {
    let fd = input.as_raw_fd();
    let mut bytes_at_deadline = None;
    tee_while(input, Some(fd), output, stream, Some(spool), log, |bytes| {
        cutoff.next(fd, bytes, &mut bytes_at_deadline)
    })
}

/// The tee loop. `fd` is the input's, to notice when it goes idle while the masker holds bytes
/// back; without one, held bytes wait for the next read or the end.
fn tee_while(
    mut input: impl Read,
    fd: Option<RawFd>,
    mut output: TeeOutput<'_>,
    stream: Stream,
    spool: Option<&Spool>,
    log: &Log,
    mut next: impl FnMut(u64) -> Next,
) -> TeeStats {
    let mut stats = TeeStats::default();
    let mut spool_warned = false;
    // Without a spool, one buffer serves every read.
    let mut own_buffer = Vec::new();
    // Once idle-flushed, what is still held waits for the next read: no point polling again.
    let mut idle_flushed = false;
    loop {
        if !idle_flushed
            && output.is_holding()
            && let Some(fd) = fd
            && !readable_within(fd, IDLE_FLUSH)
        {
            output.flush_held(&mut stats, stream, log, false);
            idle_flushed = true;
        }
        if next(stats.bytes) == Next::Stop {
            stats.cut_off = true;
            break;
        }
        // The read goes straight into the buffer the parser will get: no copy on this path.
        let mut buf = match spool {
            Some(spool) => spool.buffer(READ_BUFFER_BYTES),
            None => {
                let mut buf = std::mem::take(&mut own_buffer);
                buf.resize(READ_BUFFER_BYTES, 0);
                buf
            }
        };
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
        idle_flushed = false;
        output.write(&buf, &mut stats, stream, log);
        stats.bytes += n as u64;
        let Some(spool) = spool else {
            own_buffer = buf;
            continue;
        };
        if let Some(warning) = spool.push(Chunk { stream, bytes: buf })
            && !spool_warned
        {
            spool_warned = true;
            log.warn(warning);
        }
    }
    output.flush_held(&mut stats, stream, log, true);
    stats
}

/// Whether `fd` becomes readable (or hung up, or in error: the read then says what) within
/// `timeout`.
fn readable_within(fd: RawFd, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let timeout_ms = i32::try_from(left.as_millis()).unwrap_or(i32::MAX);
        let mut pollfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll(2) reads and writes only `pollfd`, which lives across the call; `fd` is
        // the input the caller owns for the duration of the tee.
        let ready = unsafe { libc::poll(&mut pollfd, 1, timeout_ms) };
        match ready {
            0 => return false,
            n if n > 0 => return true,
            _ if std::io::Error::last_os_error().kind() == ErrorKind::Interrupted => continue,
            _ => return true,
        }
    }
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
/// diagnostics never interleave within a line. The tee masks the bytes before (across reads),
/// so they are written as they come.
pub struct LogWriter<'a>(pub &'a Log);

impl Write for LogWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write_masked(buf)?;
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
        let output = TeeOutput::new(&mut out, &Masker::default());
        let stats = tee_while(
            &input[..],
            None,
            output,
            Stream::Stdout,
            Some(&spool),
            &log,
            |_| Next::Read,
        );
        spool.close_producer();
        assert_eq!(stats.bytes, 1_000_000);
        assert!(stats.output_closed_at.is_some());
        let mut fed = 0;
        while let Some(c) = spool.pop().unwrap() {
            fed += c.bytes.len();
        }
        assert_eq!(fed, 1_000_000);
    }

    /// A writer another thread can watch.
    #[derive(Clone, Default)]
    struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("test lock").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Shared {
        fn contents(&self) -> Vec<u8> {
            self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
        }

        fn wait_for(&self, expected: &[u8], limit: Duration) -> bool {
            let deadline = Instant::now() + limit;
            while Instant::now() < deadline {
                if self.contents() == expected {
                    return true;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            false
        }
    }

    /// A masked tee over a socket pair, fed by the test: (writing end, output, tee thread).
    fn masked_tee(
        masker: Masker,
    ) -> (
        std::os::unix::net::UnixStream,
        Shared,
        std::thread::JoinHandle<(TeeStats, Vec<u8>)>,
    ) {
        let (writer, reader) = std::os::unix::net::UnixStream::pair().expect("socket pair");
        let out = Shared::default();
        let thread = {
            let mut out = out.clone();
            std::thread::spawn(move || {
                let spool = Spool::new(usize::MAX, None, 1);
                let log = Log::to_writer(Verbosity::Quiet, false, Box::new(std::io::sink()));
                let output = TeeOutput::new(&mut out, &masker);
                let stats = tee(reader, output, Stream::Stdout, &spool, &log);
                spool.close_producer();
                let mut parsed = Vec::new();
                while let Some(c) = spool.pop().expect("spool") {
                    parsed.extend_from_slice(&c.bytes);
                }
                (stats, parsed)
            })
        };
        (writer, out, thread)
    }

    #[test]
    fn a_masked_prompt_shows_while_the_input_waits() {
        let masker = Masker::new(vec!["s3cr3t".into()], &["AKIA[A-Z]{4}".to_string()])
            .expect("valid masker");
        let (mut writer, out, thread) = masked_tee(masker);
        // An unfinished line, held for the patterns.
        writer.write_all(b"plan\nEnter a value: ").expect("write");
        assert!(
            out.wait_for(b"plan\nEnter a value: ", IDLE_FLUSH * 20),
            "the prompt must show while the input is idle: {:?}",
            String::from_utf8_lossy(&out.contents())
        );
        writer.write_all(b"yes AKIAABCD\n").expect("write");
        drop(writer);
        let (stats, parsed) = thread.join().expect("tee thread");
        assert_eq!(out.contents(), b"plan\nEnter a value: yes ***\n");
        assert_eq!(
            parsed, b"plan\nEnter a value: yes AKIAABCD\n",
            "the parser gets the raw bytes"
        );
        assert_eq!(stats.last_byte, Some(b'\n'));
    }

    #[test]
    fn a_secret_split_by_a_short_pause_is_masked() {
        let masker = Masker::new(vec!["s3cr3t-value".into()], &[]).expect("valid masker");
        let (mut writer, out, thread) = masked_tee(masker);
        writer.write_all(b"password = s3cr").expect("write");
        std::thread::sleep(IDLE_FLUSH / 5);
        writer.write_all(b"3t-value\n").expect("write");
        drop(writer);
        thread.join().expect("tee thread");
        assert_eq!(out.contents(), b"password = ***\n");
    }

    #[test]
    fn a_secret_split_by_a_long_pause_is_never_written() {
        let webhook = "https://hooks.slack.com/services/T0001/B0002/AbCdEfGhIjKlMnOpQrStUvWx";
        let masker =
            Masker::new(vec![webhook.into()], &["AKIA[A-Z]{4}".to_string()]).expect("valid masker");
        let (mut writer, out, thread) = masked_tee(masker);
        // The raw URL, then its secret segment alone, each cut in two with a pause between.
        writer
            .write_all(b"url = https://hooks.slack.com/services/T0001/B0")
            .expect("write");
        assert!(
            out.wait_for(b"url = ", IDLE_FLUSH * 20),
            "the line shows up to the possible secret: {:?}",
            String::from_utf8_lossy(&out.contents())
        );
        std::thread::sleep(Duration::from_secs(2));
        assert_eq!(out.contents(), b"url = ", "the secret's first part waits");
        writer
            .write_all(b"002/AbCdEfGhIjKlMnOpQrStUvWx\nkey AbCdEfGh\x1b[0mIjKl")
            .expect("write");
        assert!(out.wait_for(b"url = ***\nkey ", IDLE_FLUSH * 20));
        std::thread::sleep(Duration::from_secs(2));
        assert_eq!(out.contents(), b"url = ***\nkey ");
        writer.write_all(b"MnOpQrStUvWx done\n").expect("write");
        drop(writer);
        thread.join().expect("tee thread");
        // The colour code the secret held follows the mask.
        assert_eq!(out.contents(), b"url = ***\nkey ***\x1b[0m done\n");
    }

    #[test]
    fn a_held_tail_is_written_at_the_end() {
        let masker = Masker::new(vec!["s3cr3t".into()], &[]).expect("valid masker");
        let (mut writer, out, thread) = masked_tee(masker);
        writer.write_all(b"ends with s3c").expect("write");
        drop(writer);
        let (stats, _) = thread.join().expect("tee thread");
        assert_eq!(out.contents(), b"ends with s3c");
        assert_eq!(stats.last_byte, Some(b'c'));
    }
}
