//! The queue between the tee and the parser thread.
//!
//! The tee must never wait for the parser (docs/running.md, "Parsing never slows the log": the log
//! is not delayed by a slow parse), and memory must stay flat when the input comes faster than the
//! parser eats it (`cat 17MB.txt | tfpost plan`). A plain channel gives only one of the two:
//! unbounded, it buffers the whole backlog in memory; bounded, it stalls the tee. So the spool
//! keeps up to `memory_limit` bytes of backlog in memory and spills the rest, in order, to an
//! unlinked temporary file that the parser reads back; once the parser has caught up with the file,
//! it is dropped and the spool is back in memory. Writes to a temporary file go to the page cache,
//! so the tee keeps its pace, and the disk holds at most the backlog.
//!
//! If no temporary file can be made (read-only or full disk), the spool falls back to
//! backpressure: the tee waits for the parser until the backlog is under the limit again.
//! Slowing the log is better than being killed for memory, and it is said on stderr.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex};

/// Where the bytes came from, so the parser can assemble lines per stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

/// One read of the input.
#[derive(Debug)]
pub struct Chunk {
    pub stream: Stream,
    pub bytes: Vec<u8>,
}

/// Multi-producer, single-consumer byte queue with a memory limit and disk spill.
#[derive(Debug)]
pub struct Spool {
    state: Mutex<State>,
    ready: Condvar,
    memory_limit: usize,
    spill_dir: Option<PathBuf>,
}

#[derive(Debug, Default)]
struct State {
    memory: VecDeque<Chunk>,
    memory_bytes: usize,
    /// While present, every new chunk goes here (after everything in `memory`), so order holds.
    spill: Option<Spill>,
    /// Once creating a spill file failed, producers wait instead (see module doc).
    spill_failed: bool,
    producers: usize,
    /// The parser thread is gone (it panicked): chunks are dropped, so the tee never waits for
    /// a consumer that will not come.
    consumer_gone: bool,
    /// Buffers the parser is done with, handed back to the tee: reusing them saves an
    /// allocation, a copy and fresh-page faults per read.
    free: Vec<Vec<u8>>,
    /// How many bytes ever went to disk, for `-v`.
    spilled_total: u64,
}

#[derive(Debug)]
struct Spill {
    file: File,
    /// End of the written records.
    written: u64,
    /// Start of the next unread record.
    read: u64,
}

/// Free buffers kept for reuse (of [`Spool::buffer`]'s size, 64 KiB in the tee: 1 MiB).
const FREE_BUFFERS: usize = 16;

/// A record on disk: 1 byte stream tag, 4 bytes little-endian length, the bytes.
const RECORD_HEADER: usize = 5;

impl Spool {
    /// `producers`: how many [`Spool::close_producer`] calls end the input.
    pub fn new(memory_limit: usize, spill_dir: Option<PathBuf>, producers: usize) -> Spool {
        Spool {
            state: Mutex::new(State {
                producers,
                ..State::default()
            }),
            ready: Condvar::new(),
            memory_limit,
            spill_dir,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panicking thread cannot leave State half-updated in a way that matters more than
        // losing the parse; keep going with what is there.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Queue a chunk. Returns an error message (once) when the spool fell back to backpressure.
    pub fn push(&self, chunk: Chunk) -> Option<String> {
        let mut warning = None;
        let mut state = self.lock();
        loop {
            if state.consumer_gone {
                return warning;
            }
            if state.spill.is_none()
                && state.memory_bytes + chunk.bytes.len() <= self.memory_limit.max(1)
                || state.memory.is_empty() && state.spill.is_none() && state.spill_failed
            {
                state.memory_bytes += chunk.bytes.len();
                state.memory.push_back(chunk);
                self.ready.notify_all();
                return warning;
            }
            if state.spill.is_none() && !state.spill_failed {
                match self.new_spill_file() {
                    Ok(file) => {
                        state.spill = Some(Spill {
                            file,
                            written: 0,
                            read: 0,
                        })
                    }
                    Err(err) => {
                        state.spill_failed = true;
                        warning = Some(format!(
                            "cannot create a temporary file to queue output for the parser ({err}); \
                             the output is now passed on only as fast as it is parsed"
                        ));
                        // An empty queue takes the chunk now; a full one is waited on below.
                        continue;
                    }
                }
            }
            if let Some(spill) = state.spill.as_mut() {
                match append_record(spill, &chunk) {
                    Ok(()) => {
                        state.spilled_total += chunk.bytes.len() as u64;
                        // The bytes are on disk: the buffer goes straight back to the tee,
                        // which would otherwise take a fresh (zeroed, page-faulting) one.
                        recycle_into(&mut state.free, chunk.bytes);
                        self.ready.notify_all();
                        return warning;
                    }
                    Err(err) => {
                        let drained = spill.read == spill.written;
                        // Disk full mid-run: stop spilling once the parser has drained the
                        // file (order must hold), and wait until then.
                        state.spill_failed = true;
                        warning.get_or_insert(format!(
                            "cannot write the parser's queue to disk ({err}); the output is now \
                             passed on only as fast as it is parsed"
                        ));
                        if drained {
                            // Nothing on disk for the parser to drain: back to memory now.
                            state.spill = None;
                            continue;
                        }
                    }
                }
            }
            state = self.ready.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }

    fn new_spill_file(&self) -> std::io::Result<File> {
        match &self.spill_dir {
            Some(dir) => tempfile::tempfile_in(dir),
            None => tempfile::tempfile(),
        }
    }

    /// A buffer of `len` zeroed-or-reused bytes to read into; hand it over with
    /// [`Spool::push`].
    pub fn buffer(&self, len: usize) -> Vec<u8> {
        let mut buf = self.lock().free.pop().unwrap_or_default();
        buf.resize(len, 0);
        buf
    }

    /// The consumer is done with a chunk's bytes.
    pub fn recycle(&self, buf: Vec<u8>) {
        recycle_into(&mut self.lock().free, buf);
    }

    /// The consumer stopped for good (see [`ConsumerGuard`]).
    pub fn close_consumer(&self) {
        let mut state = self.lock();
        state.consumer_gone = true;
        state.memory.clear();
        state.memory_bytes = 0;
        state.spill = None;
        self.ready.notify_all();
    }

    /// One producer is done (EOF on its stream).
    pub fn close_producer(&self) {
        let mut state = self.lock();
        state.producers = state.producers.saturating_sub(1);
        self.ready.notify_all();
    }

    /// The next chunk in order, waiting for one; `None` once every producer closed and all was
    /// taken. A spill file that cannot be read back ends the input early with an error.
    pub fn pop(&self) -> Result<Option<Chunk>, std::io::Error> {
        let mut state = self.lock();
        loop {
            if let Some(chunk) = state.memory.pop_front() {
                state.memory_bytes -= chunk.bytes.len();
                self.ready.notify_all();
                return Ok(Some(chunk));
            }
            let queue = &mut *state;
            if let Some(spill) = queue.spill.as_mut() {
                if spill.read < spill.written {
                    let chunk = read_record(spill, queue.free.pop().unwrap_or_default())?;
                    if spill.read == spill.written {
                        // Caught up: drop the file (it is unlinked, so its space is freed) and
                        // let producers use memory again.
                        state.spill = None;
                    }
                    self.ready.notify_all();
                    return Ok(Some(chunk));
                }
                state.spill = None;
                self.ready.notify_all();
                continue;
            }
            if state.producers == 0 {
                return Ok(None);
            }
            state = self.ready.wait(state).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Bytes that went through the disk, for diagnostics.
    pub fn spilled_bytes(&self) -> u64 {
        self.lock().spilled_total
    }
}

/// Calls [`Spool::close_consumer`] when the consumer's thread ends, by return or by panic.
pub struct ConsumerGuard<'a>(pub &'a Spool);

impl Drop for ConsumerGuard<'_> {
    fn drop(&mut self) {
        self.0.close_consumer();
    }
}

fn append_record(spill: &mut Spill, chunk: &Chunk) -> std::io::Result<()> {
    let len = u32::try_from(chunk.bytes.len())
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidInput, "chunk over 4 GiB"))?;
    let tag = match chunk.stream {
        Stream::Stdout => 0u8,
        Stream::Stderr => 1u8,
    };
    let mut header = [0u8; RECORD_HEADER];
    header[0] = tag;
    header[1..].copy_from_slice(&len.to_le_bytes());
    spill.file.seek(SeekFrom::Start(spill.written))?;
    spill.file.write_all(&header)?;
    spill.file.write_all(&chunk.bytes)?;
    spill.written += (RECORD_HEADER + chunk.bytes.len()) as u64;
    Ok(())
}

/// Keeps `buf` for reuse, at its length: [`Spool::buffer`] then has nothing to zero for a
/// read of that size.
fn recycle_into(free: &mut Vec<Vec<u8>>, buf: Vec<u8>) {
    if free.len() < FREE_BUFFERS {
        free.push(buf);
    }
}

/// Reads the next record into `bytes` (a recycled buffer, resized to the record).
fn read_record(spill: &mut Spill, mut bytes: Vec<u8>) -> std::io::Result<Chunk> {
    let mut header = [0u8; RECORD_HEADER];
    spill.file.read_exact_at(&mut header, spill.read)?;
    let stream = if header[0] == 0 {
        Stream::Stdout
    } else {
        Stream::Stderr
    };
    let len = u32::from_le_bytes([header[1], header[2], header[3], header[4]]) as usize;
    bytes.resize(len, 0);
    spill
        .file
        .read_exact_at(&mut bytes, spill.read + RECORD_HEADER as u64)?;
    spill.read += (RECORD_HEADER + len) as u64;
    Ok(Chunk { stream, bytes })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(stream: Stream, s: &str) -> Chunk {
        Chunk {
            stream,
            bytes: s.as_bytes().to_vec(),
        }
    }

    #[test]
    fn keeps_order_across_memory_and_disk() {
        let dir = tempfile::tempdir().unwrap();
        let spool = std::sync::Arc::new(Spool::new(8, Some(dir.path().to_path_buf()), 1));
        let producer = {
            let spool = spool.clone();
            std::thread::spawn(move || {
                for i in 0..1000 {
                    let stream = if i % 3 == 0 {
                        Stream::Stderr
                    } else {
                        Stream::Stdout
                    };
                    assert!(spool.push(chunk(stream, &format!("{i},"))).is_none());
                }
                spool.close_producer();
            })
        };
        let mut seen = String::new();
        let mut streams = Vec::new();
        while let Some(c) = spool.pop().unwrap() {
            streams.push(c.stream);
            seen.push_str(std::str::from_utf8(&c.bytes).unwrap());
        }
        producer.join().unwrap();
        let expected: String = (0..1000).map(|i| format!("{i},")).collect();
        assert_eq!(seen, expected);
        assert_eq!(streams[3], Stream::Stderr);
        assert_eq!(streams[4], Stream::Stdout);
    }

    #[test]
    fn a_slow_consumer_does_not_block_the_producer() {
        let dir = tempfile::tempdir().unwrap();
        let spool = Spool::new(16, Some(dir.path().to_path_buf()), 1);
        // Nobody pops: with a plain bounded queue this would block forever.
        for _ in 0..100 {
            spool.push(chunk(Stream::Stdout, "0123456789"));
        }
        spool.close_producer();
        assert!(spool.spilled_bytes() >= 900);
        let mut total = 0;
        while let Some(c) = spool.pop().unwrap() {
            total += c.bytes.len();
        }
        assert_eq!(total, 1000);
    }

    #[test]
    fn a_dead_consumer_never_blocks_the_producer() {
        let spool = std::sync::Arc::new(Spool::new(4, Some(PathBuf::from("/nonexistent/dir")), 1));
        let consumer = {
            let spool = spool.clone();
            std::thread::spawn(move || {
                let _guard = ConsumerGuard(&spool);
                let _ = spool.pop();
                panic!("parser bug");
            })
        };
        for _ in 0..100 {
            spool.push(chunk(Stream::Stdout, "abcdef"));
        }
        spool.close_producer();
        assert!(consumer.join().is_err());
    }

    #[test]
    fn without_a_spill_file_chunks_over_the_limit_still_pass() {
        let spool = std::sync::Arc::new(Spool::new(4, Some(PathBuf::from("/nonexistent/dir")), 1));
        let consumer = {
            let spool = spool.clone();
            std::thread::spawn(move || {
                let mut total = 0;
                while let Some(c) = spool.pop().unwrap() {
                    total += c.bytes.len();
                }
                total
            })
        };
        for _ in 0..50 {
            spool.push(chunk(Stream::Stdout, "0123456789"));
        }
        spool.close_producer();
        assert_eq!(consumer.join().unwrap(), 500);
    }

    #[test]
    fn without_a_spill_file_the_producer_waits_for_the_consumer() {
        let spool = std::sync::Arc::new(Spool::new(
            4,
            Some(PathBuf::from("/nonexistent/tfpost-spill-dir")),
            1,
        ));
        let consumer = {
            let spool = spool.clone();
            std::thread::spawn(move || {
                let mut total = 0;
                while let Some(c) = spool.pop().unwrap() {
                    total += c.bytes.len();
                }
                total
            })
        };
        let mut warnings = 0;
        for _ in 0..50 {
            warnings += usize::from(spool.push(chunk(Stream::Stdout, "abc")).is_some());
        }
        spool.close_producer();
        assert_eq!(consumer.join().unwrap(), 150);
        assert_eq!(warnings, 1, "the fallback is announced once");
    }
}
