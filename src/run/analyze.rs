//! The parser thread's side: take the tee'd bytes off the spool, assemble them into lines per
//! stream, feed the right parser, and keep a bounded copy of the raw output.

use std::collections::VecDeque;

use crate::model::{Kind, Report};
use crate::parse::{ParseError, ParseOptions, Parser};

use super::settings::RunKind;
use super::spool::{Spool, Stream};
use crate::parse::fmt::{FmtParser, FmtReport};

/// What the run's output was understood to be.
// A run has exactly one, so the size of the larger variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    /// `plan` / `apply`: the report, or why there is none.
    Terraform(Result<Report, ParseError>),
    /// `fmt`: the unformatted files and their diffs.
    Fmt(FmtReport),
}

/// Resource changes kept per run; the rest are counted (`Report::left_out`). A comment lists a
/// few thousand at most, and a 100,000-resource model takes about 25 MiB: the bound that keeps
/// a producer writing resource headers without end within tfpost's memory budget.
pub const RESOURCES_KEPT: usize = 100_000;

/// Resource diffs kept per run. A comment shows at most 65,536 characters and a Slack message
/// far less, so keeping every diff of a 50,000-resource plan would only cost memory.
pub const DIFF_BUDGET_BYTES: usize = 2 << 20;

/// The run's raw output (stdout and, in wrap mode, stderr, in the order tfpost read them), kept
/// within a fixed size: the first [`RAW_HEAD_BYTES`] and the last [`RAW_TAIL_BYTES`]. That is
/// what `use_raw_output`-style templates show and where a failed run's errors are; the full log
/// is in CI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawOutput {
    head: Vec<u8>,
    /// The last bytes, oldest first, in the buffers they were read into: a read's buffer is
    /// kept rather than copied (a ring would copy every byte of the output once, on the parser
    /// thread). Holds at least the last [`RAW_TAIL_BYTES`] once that much came, and less than
    /// that plus one buffer.
    tail: VecDeque<TailPiece>,
    /// Bytes in `tail`.
    tail_bytes: usize,
    total: u64,
    /// Some byte so far was not ASCII whitespace.
    anything_but_whitespace: bool,
}

/// A buffer of the tail, from `start`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct TailPiece {
    bytes: Vec<u8>,
    start: usize,
}

impl TailPiece {
    fn len(&self) -> usize {
        self.bytes.len() - self.start
    }
}

pub const RAW_HEAD_BYTES: usize = 256 << 10;
pub const RAW_TAIL_BYTES: usize = 256 << 10;

/// A read smaller than this is copied into the tail rather than kept: its buffer may be far
/// larger than its bytes (the tee reads into 64 KiB buffers, Terraform often writes a line at a
/// time), and many such buffers would hold far more memory than the tail's size.
const TAIL_COPY_BELOW: usize = 16 << 10;

impl RawOutput {
    /// Takes a read's bytes. `recycle` gets back the buffers the output no longer needs (this
    /// one at once when it was copied).
    pub fn push(&mut self, bytes: Vec<u8>, mut recycle: impl FnMut(Vec<u8>)) {
        self.total += bytes.len() as u64;
        // Checked only until the first such byte: a real output has one at once.
        if !self.anything_but_whitespace {
            self.anything_but_whitespace = bytes.iter().any(|b| !b.is_ascii_whitespace());
        }
        let mut start = 0;
        if self.head.len() < RAW_HEAD_BYTES {
            start = bytes.len().min(RAW_HEAD_BYTES - self.head.len());
            self.head.extend_from_slice(&bytes[..start]);
        }
        let len = bytes.len() - start;
        if len == 0 {
            recycle(bytes);
            return;
        }
        if len > RAW_TAIL_BYTES {
            // A read larger than the tail (not the tee's, whose buffers are smaller): only its
            // end can be kept, and the buffer goes back.
            let end = bytes[bytes.len() - RAW_TAIL_BYTES..].to_vec();
            recycle(bytes);
            for piece in self.tail.drain(..) {
                recycle(piece.bytes);
            }
            self.tail.push_back(TailPiece {
                bytes: end,
                start: 0,
            });
            self.tail_bytes = RAW_TAIL_BYTES;
            return;
        }
        if len < TAIL_COPY_BELOW {
            match self.tail.back_mut() {
                // Into the last piece when it has room: small reads fill one buffer.
                Some(last) if last.bytes.capacity() - last.bytes.len() >= len => {
                    last.bytes.extend_from_slice(&bytes[start..]);
                }
                _ => {
                    let mut piece = Vec::with_capacity(TAIL_COPY_BELOW.max(len) * 4);
                    piece.extend_from_slice(&bytes[start..]);
                    self.tail.push_back(TailPiece {
                        bytes: piece,
                        start: 0,
                    });
                }
            }
            recycle(bytes);
        } else {
            self.tail.push_back(TailPiece { bytes, start });
        }
        self.tail_bytes += len;
        // Drop the oldest pieces the last RAW_TAIL_BYTES no longer reach.
        while let Some(oldest) = self.tail.front()
            && self.tail_bytes - oldest.len() >= RAW_TAIL_BYTES
        {
            self.tail_bytes -= oldest.len();
            if let Some(piece) = self.tail.pop_front() {
                recycle(piece.bytes);
            }
        }
    }

    /// Bytes seen in total.
    pub fn total_bytes(&self) -> u64 {
        self.total
    }

    /// The last bytes kept: the last [`RAW_TAIL_BYTES`] after the head, or all of them.
    fn tail(&self) -> Vec<u8> {
        let mut skip = self.tail_bytes.saturating_sub(RAW_TAIL_BYTES);
        let mut tail = Vec::with_capacity(self.tail_bytes - skip);
        for piece in &self.tail {
            let bytes = &piece.bytes[piece.start..];
            let cut = skip.min(bytes.len());
            tail.extend_from_slice(&bytes[cut..]);
            skip -= cut;
        }
        tail
    }

    /// True when the output was empty or only whitespace (spaces, tabs, line breaks).
    pub fn is_blank(&self) -> bool {
        !self.anything_but_whitespace
    }

    /// True when the middle of the output was not kept.
    pub fn is_truncated(&self) -> bool {
        self.total > (self.head.len() + self.tail_bytes.min(RAW_TAIL_BYTES)) as u64
    }

    /// The kept output as text (invalid UTF-8 replaced), with a line saying how much of the
    /// middle was left out, if anything was.
    pub fn to_text_lossy(&self) -> String {
        let tail = self.tail();
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        let omitted = self.total - (self.head.len() + tail.len()) as u64;
        if omitted > 0 {
            text.push_str(&format!("\n[... {omitted} bytes omitted ...]\n"));
        }
        text.push_str(&String::from_utf8_lossy(&tail));
        text
    }
}

/// Joins reads into whole lines, so that stdout and stderr chunks taken in turn never splice
/// half a line of one into the other in `fmt`'s one parser (Terraform's streams have a parser
/// each, which keeps its own unfinished line).
#[derive(Debug, Default)]
struct LineAssembler {
    pending: Vec<u8>,
}

impl LineAssembler {
    /// Calls `emit` with the complete lines now available (several lines at once, with their
    /// newlines), keeping any unfinished line for later.
    fn push(&mut self, chunk: &[u8], mut emit: impl FnMut(&[u8])) {
        let Some(last) = memchr::memrchr(b'\n', chunk) else {
            self.pending.extend_from_slice(chunk);
            return;
        };
        let (mut lines, rest) = chunk.split_at(last + 1);
        if !self.pending.is_empty() {
            // Only the line the previous chunk left unfinished is joined; the chunk's other
            // lines are handed on where they lie (reads rarely end on a line break).
            let first_end = memchr::memchr(b'\n', lines).map_or(lines.len(), |i| i + 1);
            self.pending.extend_from_slice(&lines[..first_end]);
            emit(&self.pending);
            self.pending.clear();
            lines = &lines[first_end..];
        }
        if !lines.is_empty() {
            emit(lines);
        }
        self.pending.extend_from_slice(rest);
    }

    fn finish(&mut self, mut emit: impl FnMut(&[u8])) {
        if !self.pending.is_empty() {
            emit(&self.pending);
            self.pending = Vec::new();
        }
    }
}

/// One parser per stream: Terraform writes the plan to stdout and diagnostics to stderr, and the
/// two are read by different threads, so a stderr line can arrive in the middle of a resource's
/// block on stdout; fed to the same parser it would end that block.
struct StreamParsers {
    options: ParseOptions,
    stdout: Parser,
    /// Made on the first stderr bytes.
    stderr: Option<Parser>,
}

/// `terraform fmt`'s output, both streams into one parser, whole lines at a time.
#[derive(Default)]
struct FmtStreams {
    parser: FmtParser,
    stdout: LineAssembler,
    stderr: LineAssembler,
}

enum Analyzer {
    Terraform(Box<StreamParsers>),
    Fmt(Box<FmtStreams>),
}

impl Analyzer {
    /// Takes a read of `stream`, as it came.
    fn feed(&mut self, stream: Stream, bytes: &[u8]) {
        match self {
            Analyzer::Terraform(parsers) => match stream {
                Stream::Stdout => parsers.stdout.feed(bytes),
                Stream::Stderr => parsers
                    .stderr
                    .get_or_insert_with(|| Parser::new(parsers.options.clone()))
                    .feed(bytes),
            },
            Analyzer::Fmt(fmt) => {
                let lines = match stream {
                    Stream::Stdout => &mut fmt.stdout,
                    Stream::Stderr => &mut fmt.stderr,
                };
                lines.push(bytes, |l| fmt.parser.feed(l));
            }
        }
    }

    fn finish(self) -> Parsed {
        match self {
            Analyzer::Terraform(parsers) => {
                let StreamParsers { stdout, stderr, .. } = *parsers;
                let stdout = stdout.finish();
                Parsed::Terraform(match stderr {
                    Some(stderr) => crate::parse::merge_streams(stdout, stderr.finish()),
                    None => stdout,
                })
            }
            Analyzer::Fmt(fmt) => {
                let FmtStreams {
                    mut parser,
                    mut stdout,
                    mut stderr,
                } = *fmt;
                // An unfinished last line (no trailing newline) still counts; a line break keeps
                // it from running into the other stream's last line.
                for lines in [&mut stdout, &mut stderr] {
                    lines.finish(|l| {
                        parser.feed(l);
                        parser.feed(b"\n");
                    });
                }
                Parsed::Fmt(parser.finish())
            }
        }
    }
}

/// What the parser thread hands back.
#[derive(Debug)]
pub struct Analysis {
    pub parsed: Parsed,
    pub raw: RawOutput,
    /// The spill file could not be read back: the parse saw only part of the output.
    pub read_error: Option<std::io::Error>,
}

/// Drain the spool until every producer closed, then finish the parse.
pub fn analyze(spool: &Spool, kind: RunKind) -> Analysis {
    let mut analyzer = match kind {
        RunKind::Fmt => Analyzer::Fmt(Box::default()),
        RunKind::Plan | RunKind::Apply => {
            let options = ParseOptions {
                kind: Some(if kind == RunKind::Apply {
                    Kind::Apply
                } else {
                    Kind::Plan
                }),
                max_diff_bytes: Some(DIFF_BUDGET_BYTES),
                max_resources: Some(RESOURCES_KEPT),
                ..ParseOptions::default()
            };
            Analyzer::Terraform(Box::new(StreamParsers {
                stdout: Parser::new(options.clone()),
                stderr: None,
                options,
            }))
        }
    };
    let mut raw = RawOutput::default();
    let mut read_error = None;
    loop {
        match spool.pop() {
            Ok(Some(chunk)) => {
                analyzer.feed(chunk.stream, &chunk.bytes);
                raw.push(chunk.bytes, |buffer| spool.recycle(buffer));
            }
            Ok(None) => break,
            Err(err) => {
                read_error = Some(err);
                break;
            }
        }
    }
    let parsed = analyzer.finish();
    Analysis {
        parsed,
        raw,
        read_error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;
    use crate::run::spool::Chunk;

    #[test]
    fn lines_are_whole_whatever_the_reads() {
        let mut asm = LineAssembler::default();
        let mut out: Vec<Vec<u8>> = Vec::new();
        for piece in [&b"ab"[..], b"c\nde", b"f", b"\n", b"g\nh\n", b"tail"] {
            asm.push(piece, |l| out.push(l.to_vec()));
        }
        asm.finish(|l| out.push(l.to_vec()));
        let out: Vec<String> = out
            .into_iter()
            .map(|v| String::from_utf8(v).unwrap())
            .collect();
        assert_eq!(out, ["abc\n", "def\n", "g\nh\n", "tail"]);
        // A chunk that ends one line and holds more: only the first is joined.
        let mut asm = LineAssembler::default();
        let mut out: Vec<Vec<u8>> = Vec::new();
        for piece in [&b"a"[..], b"b\nc\nd\ne", b"\n"] {
            asm.push(piece, |l| out.push(l.to_vec()));
        }
        assert_eq!(out, [b"ab\n".to_vec(), b"c\nd\n".to_vec(), b"e\n".to_vec()]);
    }

    #[test]
    fn raw_output_keeps_head_and_tail() {
        let mut raw = RawOutput::default();
        raw.push(b"start\n".to_vec(), drop);
        let filler = vec![b'x'; 100_000];
        for _ in 0..20 {
            raw.push(filler.clone(), drop);
        }
        raw.push(b"\nError: the end\n".to_vec(), drop);
        assert!(raw.is_truncated());
        let text = raw.to_text_lossy();
        assert!(text.starts_with("start\n"));
        assert!(text.ends_with("\nError: the end\n"));
        assert!(text.contains("bytes omitted"));
        assert!(text.len() < RAW_HEAD_BYTES + RAW_TAIL_BYTES + 100);
        assert_eq!(raw.total_bytes(), 6 + 2_000_000 + 16);
    }

    #[test]
    fn raw_tail_is_the_last_bytes_whatever_the_pushes() {
        let input: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let expected_tail = &input[input.len() - RAW_TAIL_BYTES..];
        // Big reads (kept), small ones (copied), a mix, and everything at once.
        for sizes in [
            &[65_531][..],
            &[100],
            &[1, 70_000, 3, 16_384, 16_383],
            &[input.len()],
        ] {
            let mut raw = RawOutput::default();
            let mut recycled = 0;
            let mut at = 0;
            for size in sizes.iter().cycle() {
                if at == input.len() {
                    break;
                }
                let end = (at + size).min(input.len());
                raw.push(input[at..end].to_vec(), |_| recycled += 1);
                at = end;
            }
            assert!(raw.tail() == expected_tail, "{sizes:?}");
            assert!(raw.head == input[..RAW_HEAD_BYTES], "{sizes:?}");
            assert!(raw.is_truncated());
            // What is held stays near the tail's size, however small the reads.
            let held: usize = raw.tail.iter().map(|p| p.bytes.capacity()).sum();
            assert!(held <= 4 * RAW_TAIL_BYTES, "{sizes:?}: {held}");
            assert!(recycled > 0, "{sizes:?}");
        }
    }

    #[test]
    fn short_output_is_all_head() {
        let mut raw = RawOutput::default();
        raw.push(b"one\n".to_vec(), drop);
        raw.push(b"two\n".to_vec(), drop);
        assert!(!raw.is_truncated());
        assert_eq!(raw.to_text_lossy(), "one\ntwo\n");
    }

    #[test]
    fn a_stderr_line_between_two_stdout_reads_does_not_cut_a_block() {
        let spool = Spool::new(1 << 20, None, 2);
        let plan = "Terraform will perform the following actions:\n\n  \
                    # null_resource.a will be updated in-place\n  \
                    ~ resource \"null_resource\" \"a\" {\n      \
                    ~ triggers = {\n          - token = \"abc\"\n        }\n    }\n\n\
                    Plan: 0 to add, 1 to change, 0 to destroy.\n";
        let cut = plan.find("- token").expect("line") + 4;
        let chunk = |stream, text: &str| Chunk {
            stream,
            bytes: text.as_bytes().to_vec(),
        };
        // What a wrapped command's two pipes can give: stdout stops mid-line, stderr speaks, and
        // stdout goes on.
        spool.push(chunk(Stream::Stdout, &plan[..cut]));
        spool.push(chunk(Stream::Stderr, "Warning: Deprecated attribute\n"));
        spool.push(chunk(Stream::Stdout, &plan[cut..]));
        spool.close_producer();
        spool.close_producer();
        let Parsed::Terraform(Ok(report)) = analyze(&spool, RunKind::Plan).parsed else {
            panic!("no report");
        };
        let diff = report.resources[0].diff.as_deref().expect("diff");
        assert!(diff.contains("- token = \"abc\""), "{diff}");
        assert!(diff.ends_with("    }\n"), "{diff}");
        assert_eq!(report.warnings.len(), 1);
        assert_eq!(report.warnings[0].summary, "Deprecated attribute");
        assert_eq!(report.result, Outcome::Changes);
    }

    #[test]
    fn small_raw_output_is_kept_whole() {
        let mut raw = RawOutput::default();
        raw.push(b"a\xffb\n".to_vec(), drop);
        assert!(!raw.is_truncated());
        assert_eq!(raw.to_text_lossy(), "a\u{fffd}b\n");
    }
}
