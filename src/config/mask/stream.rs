//! Masking a stream (the tee'd output) as it arrives, without waiting for its end.
//!
//! A secret may arrive split across two reads, so some bytes must wait until it is known whether
//! they begin a secret. [`MaskStream`] writes everything that is decided and holds back only:
//! - for literal values, the longest tail that is the beginning of a value (`s3c` while the value
//!   is `s3cr3t`): usually nothing, at most one byte less than the longest value;
//! - for regex patterns, which cannot be matched on a stream in general, the unfinished last line:
//!   a pattern is matched within a line. A line longer than [`LINE_HOLD_MAX`] is not held further;
//!   it is masked as far as it has come and written.
//!
//! Escape sequences (colours) are seen through: a secret cut by one is still one, and a sequence
//! the input ends in the middle of is held with the possible secret before it.
//!
//! When the input goes quiet, the tee calls [`MaskStream::flush_idle`]: everything is written
//! (masked as far as it goes: so that a prompt without a newline, `Enter a value: `, still shows)
//! except the possible start of a literal value, which waits, however long, for the bytes that
//! decide it. A writer pausing in the middle of a secret therefore never gets it, or its first
//! part, written. Only at the end of the stream, [`MaskStream::flush`] writes what is held: a
//! value that never completed is not one.
//!
//! With no regex match spanning a line break, the result is exactly [`Masker::mask_bytes`] of the
//! whole input, however it was cut into pieces (tested below on random inputs and cuts).

use super::ansi::{UNFINISHED_ESCAPE_MAX, Visible, push_escapes};
use super::{MASK, Masker};

/// The longest unfinished line held back for the regex patterns. Terraform's lines are short; a
/// megabyte-long one (a huge JSON value) still flows, with pattern matches cut at this size.
pub const LINE_HOLD_MAX: usize = 64 << 10;

/// Bytes already written that are kept as the next search's look-behind: `\b` and `^` look at the
/// one character before a match, and a UTF-8 character is at most 4 bytes.
const LOOK_BEHIND_BYTES: usize = 4;

/// Masks a byte stream piece by piece (see the module documentation).
#[derive(Debug, Clone)]
pub struct MaskStream {
    masker: Masker,
    /// The original bytes not written yet, after `look_behind` original bytes already written.
    pending: Vec<u8>,
    look_behind: usize,
}

impl MaskStream {
    pub fn new(masker: Masker) -> MaskStream {
        MaskStream {
            masker,
            pending: Vec::new(),
            look_behind: 0,
        }
    }

    /// Whether bytes are held back, waiting for more input or a [`MaskStream::flush`].
    pub fn is_holding(&self) -> bool {
        self.pending.len() > self.look_behind
    }

    /// Takes the next piece of the stream and appends to `out` everything that can be written
    /// now, masked; holds back the rest.
    pub fn push(&mut self, input: &[u8], out: &mut Vec<u8>) {
        if self.masker.is_empty() {
            out.extend_from_slice(input);
            return;
        }
        self.pending.extend_from_slice(input);
        let decided = self.decided_up_to();
        self.write_up_to(decided, out);
    }

    /// Appends to `out` everything held back, masked as far as it goes: at the end of the
    /// stream.
    pub fn flush(&mut self, out: &mut Vec<u8>) {
        self.write_up_to(self.pending.len(), out);
    }

    /// Appends to `out` what is held back but the possible start of a literal value (and an
    /// unfinished escape sequence): when the input has gone quiet, the rest of an unfinished
    /// line shows, and a secret's first part still waits for the bytes that decide it.
    pub fn flush_idle(&mut self, out: &mut Vec<u8>) {
        if self.masker.is_empty() {
            return;
        }
        let held_from = self.literal_held_from();
        self.write_up_to(held_from, out);
    }

    /// The position in `pending` before which every match is decided: a match starting there
    /// is the one the whole stream would have.
    fn decided_up_to(&self) -> usize {
        let start = self.look_behind;
        let unwritten = &self.pending[start..];
        let lines_end = if !self.masker.has_patterns || unwritten.len() > LINE_HOLD_MAX {
            self.pending.len()
        } else {
            memchr::memrchr(b'\n', unwritten).map_or(start, |i| start + i + 1)
        };
        lines_end.min(self.literal_held_from())
    }

    /// Where the bytes held for the literal values start: the longest tail of the unwritten
    /// bytes that is a proper prefix of a literal, seen through escape sequences, and an escape
    /// sequence the input ends in the middle of.
    fn literal_held_from(&self) -> usize {
        let start = self.look_behind;
        let unwritten = &self.pending[start..];
        if memchr::memchr(0x1b, unwritten).is_none() {
            return self.pending.len() - self.literal_prefix_tail(unwritten);
        }
        let visible = Visible::of(unwritten);
        let tail = self.literal_prefix_tail(&visible.bytes);
        let mut held_from = if tail == 0 {
            self.pending.len()
        } else {
            start + visible.origin[visible.bytes.len() - tail]
        };
        if let Some(escape) = visible.unfinished_escape
            && unwritten.len() - escape <= UNFINISHED_ESCAPE_MAX
        {
            held_from = held_from.min(start + escape);
        }
        held_from
    }

    /// The length of the longest tail of `unwritten` that is a proper prefix of a literal value:
    /// the next bytes may complete it.
    fn literal_prefix_tail(&self, unwritten: &[u8]) -> usize {
        let Some(&last) = unwritten.last() else {
            return 0;
        };
        let mut longest = 0;
        for literal in &self.masker.literals {
            let max = literal.len().saturating_sub(1).min(unwritten.len());
            // Longest first; only lengths that would beat the tail found so far.
            for k in (longest + 1..=max).rev() {
                if literal[k - 1] == last && unwritten.ends_with(&literal[..k]) {
                    longest = k;
                    break;
                }
            }
        }
        longest
    }

    /// Writes the pending bytes up to `limit`, masked: every match starting before `limit`, whole
    /// (so a match may take the write beyond `limit`). Keeps the look-behind and the rest.
    fn write_up_to(&mut self, limit: usize, out: &mut Vec<u8>) {
        let hay = &self.pending;
        let (mut copied, mut written) = (self.look_behind, limit);
        for (start, end) in self.masker.spans(hay, self.look_behind, limit) {
            out.extend_from_slice(&hay[copied..start]);
            out.extend_from_slice(MASK.as_bytes());
            push_escapes(&hay[start..end], out);
            copied = end;
            written = written.max(end);
        }
        out.extend_from_slice(&hay[copied..written]);
        let keep_from = written.saturating_sub(LOOK_BEHIND_BYTES);
        self.pending.drain(..keep_from);
        self.look_behind = written - keep_from;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The stream fed `pieces` in turn, then flushed at the end.
    fn streamed(masker: &Masker, pieces: &[&[u8]]) -> Vec<u8> {
        let mut stream = MaskStream::new(masker.clone());
        let mut out = Vec::new();
        for piece in pieces {
            stream.push(piece, &mut out);
        }
        stream.flush(&mut out);
        assert!(!stream.is_holding());
        out
    }

    #[test]
    fn a_secret_split_at_every_offset_is_masked() {
        let secret = "s3cr3t-Value_42";
        let m = Masker::of(&[secret], &[]);
        let input = format!("token = \"{secret}\"\nnext {secret}");
        let expected = b"token = \"***\"\nnext ***".to_vec();
        for cut in 0..=input.len() {
            let (a, b) = input.as_bytes().split_at(cut);
            assert_eq!(
                streamed(&m, &[a, b]),
                expected,
                "cut at {cut}: {:?} | {:?}",
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b)
            );
        }
        // And byte by byte.
        let bytes: Vec<&[u8]> = input.as_bytes().chunks(1).collect();
        assert_eq!(streamed(&m, &bytes), expected);
    }

    #[test]
    fn a_split_secret_is_held_and_nothing_else() {
        let m = Masker::of(&["s3cr3t"], &[]);
        let mut stream = MaskStream::new(m);
        let mut out = Vec::new();
        stream.push(b"password: s3c", &mut out);
        assert_eq!(
            out, b"password: ",
            "only the possible start of the secret waits"
        );
        assert!(stream.is_holding());
        stream.push(b"r3t\nok", &mut out);
        assert_eq!(out, b"password: ***\nok");
        assert!(!stream.is_holding());
    }

    #[test]
    fn the_held_tail_is_written_at_the_end_masked_as_far_as_it_goes() {
        let m = Masker::of(&["s3cr3t"], &["AKIA[0-9A-Z]{4}"]);
        let mut stream = MaskStream::new(m);
        let mut out = Vec::new();
        stream.push(b"key AKIAABCD and s3cr", &mut out);
        assert_eq!(out, b"", "an unfinished line waits for the patterns");
        stream.flush(&mut out);
        assert_eq!(
            out, b"key *** and s3cr",
            "a secret that never completed is not one"
        );
        assert!(!stream.is_holding());
    }

    #[test]
    fn overlapping_secrets_and_a_secret_containing_another() {
        // The longest literal wins where both start; the leftmost match wins where they overlap.
        let m = Masker::of(&["abc", "xabcx", "cdef"], &[]);
        for input in [&b"xabcx abcdef cdef"[..], b"abcdefxabcx", b"xabcdef"] {
            let expected = m.mask_bytes(input).into_owned();
            for cut in 0..=input.len() {
                let (a, b) = input.split_at(cut);
                assert_eq!(streamed(&m, &[a, b]), expected, "cut at {cut}");
            }
        }
        assert_eq!(m.mask_bytes(b"xabcx abcdef"), &b"*** ***def"[..]);
    }

    #[test]
    fn regex_patterns_are_masked_within_lines() {
        let m = Masker::of(&[], &[r"AKIA[0-9A-Z]{16}", r"(?i)password=\S+"]);
        let input = b"a AKIAABCDEFGHIJKLMNOP b\nPassword=hunter2 c\nno match\n";
        let expected = b"a *** b\n*** c\nno match\n".to_vec();
        for cut in 0..=input.len() {
            let (a, b) = input.split_at(cut);
            assert_eq!(streamed(&m, &[a, b]), expected, "cut at {cut}");
        }
        // Complete lines are written at once; only the unfinished one waits.
        let mut stream = MaskStream::new(m);
        let mut out = Vec::new();
        stream.push(b"one AKIAABCDEFGHIJKLMNOP\ntwo AKIA", &mut out);
        assert_eq!(out, b"one ***\n");
    }

    #[test]
    fn invalid_utf8_and_nul_around_a_secret_pass_through() {
        let m = Masker::of(&["s3cr3t"], &[r"tok_[a-z]+"]);
        let input = b"\xff\x00s3cr3t\x00\xfe\r\n\x1b[1mtok_abc\x1b[0m\xc3\x28s3cr3t";
        let expected = b"\xff\x00***\x00\xfe\r\n\x1b[1m***\x1b[0m\xc3\x28***".to_vec();
        assert_eq!(m.mask_bytes(input).as_ref(), expected.as_slice());
        for cut in 0..=input.len() {
            let (a, b) = input.split_at(cut);
            assert_eq!(streamed(&m, &[a, b]), expected, "cut at {cut}");
        }
    }

    #[test]
    fn a_multiline_secret_is_masked_across_reads() {
        let key = "-----BEGIN KEY-----\nMIIabc\n-----END KEY-----";
        let m = Masker::of(&[key], &[r"zzz"]);
        let input = format!("value = <<EOT\n{key}\nEOT\n");
        for cut in 0..=input.len() {
            let (a, b) = input.as_bytes().split_at(cut);
            assert_eq!(
                streamed(&m, &[a, b]),
                b"value = <<EOT\n***\nEOT\n",
                "cut {cut}"
            );
        }
    }

    #[test]
    fn a_long_line_is_not_held_beyond_the_limit() {
        let m = Masker::of(&[], &["secret"]);
        let mut stream = MaskStream::new(m);
        let mut out = Vec::new();
        let line = vec![b'a'; LINE_HOLD_MAX + 1];
        stream.push(&line, &mut out);
        assert_eq!(
            out.len(),
            line.len(),
            "written without waiting for the line's end"
        );
        assert!(!stream.is_holding());
    }

    #[test]
    fn anchors_and_word_boundaries_see_the_bytes_already_written() {
        // `^` is the start of the output only, and `\b` needs the byte before the match, which
        // was written by an earlier push.
        let m = Masker::of(&[], &[r"^start", r"\bword\b"]);
        let input = b"start xword word\nstart\n";
        let expected = b"*** xword ***\nstart\n".to_vec();
        assert_eq!(m.mask_bytes(input).as_ref(), expected.as_slice());
        for cut in 0..=input.len() {
            let (a, b) = input.split_at(cut);
            assert_eq!(streamed(&m, &[a, b]), expected, "cut at {cut}");
        }
    }

    #[test]
    fn an_idle_flush_writes_all_but_the_possible_start_of_a_secret() {
        let m = Masker::of(&["s3cr3t-value"], &["AKIA[A-Z]{4}"]);
        let mut stream = MaskStream::new(m);
        let mut out = Vec::new();
        stream.push(b"key AKIAABCD password = s3cr", &mut out);
        assert_eq!(out, b"", "an unfinished line waits for the patterns");
        stream.flush_idle(&mut out);
        assert_eq!(
            out, b"key *** password = ",
            "the secret's first part still waits"
        );
        stream.flush_idle(&mut out);
        assert_eq!(out, b"key *** password = ");
        stream.push(b"3t-value\n", &mut out);
        assert_eq!(out, b"key *** password = ***\n");
        assert!(!stream.is_holding());
    }

    #[test]
    fn a_secret_cut_by_colour_codes_is_masked_across_reads() {
        let m = Masker::of(&["s3cr3t"], &[]);
        let input = b"a \x1b[1ms3c\x1b[0m\x1b[31mr3t\x1b[0m b\n";
        let expected = b"a \x1b[1m***\x1b[0m\x1b[31m\x1b[0m b\n".to_vec();
        assert_eq!(m.mask_bytes(input).as_ref(), expected.as_slice());
        for cut in 0..=input.len() {
            let (a, b) = input.split_at(cut);
            let mut stream = MaskStream::new(m.clone());
            let mut out = Vec::new();
            stream.push(a, &mut out);
            stream.flush_idle(&mut out);
            assert!(
                !out.windows(3).any(|w| w == b"s3c"),
                "cut at {cut}: the first part was written: {:?}",
                String::from_utf8_lossy(&out)
            );
            stream.push(b, &mut out);
            stream.flush(&mut out);
            assert_eq!(out, expected, "cut at {cut}");
        }
    }

    #[test]
    fn an_empty_masker_holds_nothing() {
        let mut stream = MaskStream::new(Masker::default());
        let mut out = Vec::new();
        stream.push(b"Enter a value: ", &mut out);
        assert_eq!(out, b"Enter a value: ");
        assert!(!stream.is_holding());
    }

    #[test]
    fn an_empty_match_masks_nothing() {
        let m = Masker::of(&[], &["x*"]);
        assert_eq!(m.mask_bytes(b"abxxc"), &b"ab***c"[..]);
        assert_eq!(m.mask_str("abxxc"), "ab***c");
        assert_eq!(streamed(&m, &[b"ab", b"xxc"]), b"ab***c");
    }

    /// Small alphabets so that secrets, prefixes of secrets and matches are frequent.
    fn input_bytes() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(b"abcx".to_vec()),
                1 => proptest::sample::select(b"\n \0\xff\xc3\xa9".to_vec()),
            ],
            0..120,
        )
    }

    fn literal() -> impl Strategy<Value = String> {
        "[abcx\n]{3,7}"
    }

    /// Patterns that cannot match a line break (`.` does not; no `\s`, `\W` or negated class).
    fn pattern() -> impl Strategy<Value = String> {
        let atom = proptest::sample::select(vec!["a", "b", "c", "x", "[a-c]", ".", "é", r"\w"]);
        let quantifier = proptest::sample::select(vec!["", "", "+", "*", "?", "{2}", "+?"]);
        (
            proptest::sample::select(vec!["", "^", r"\b"]),
            proptest::collection::vec((atom, quantifier), 1..4),
            proptest::sample::select(vec!["", "$", r"\b"]),
        )
            .prop_map(|(start, atoms, end)| {
                let body: String = atoms.iter().map(|(a, q)| format!("{a}{q}")).collect();
                format!("{start}{body}{end}")
            })
    }

    /// Cut points, as fractions of the input's length.
    fn cuts() -> impl Strategy<Value = Vec<f64>> {
        proptest::collection::vec(0.0..1.0f64, 0..8)
    }

    fn pieces<'a>(input: &'a [u8], cuts: &[f64]) -> Vec<&'a [u8]> {
        let mut at: Vec<usize> = cuts
            .iter()
            .map(|f| (f * input.len() as f64) as usize)
            .collect();
        at.push(0);
        at.push(input.len());
        at.sort_unstable();
        at.windows(2).map(|w| &input[w[0]..w[1]]).collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        #[test]
        fn streaming_equals_masking_the_whole_input(
            input in input_bytes(),
            literals in proptest::collection::vec(literal(), 0..4),
            patterns in proptest::collection::vec(pattern(), 0..3),
            cuts in cuts(),
        ) {
            let m = Masker::new(literals, &patterns).expect("valid patterns");
            let expected = m.mask_bytes(&input).into_owned();
            prop_assert_eq!(streamed(&m, &pieces(&input, &cuts)), expected);
        }

        #[test]
        fn with_nothing_to_mask_the_stream_is_unchanged(input in input_bytes(), cuts in cuts()) {
            let mut stream = MaskStream::new(Masker::default());
            let mut out = Vec::new();
            for piece in pieces(&input, &cuts) {
                stream.push(piece, &mut out);
                prop_assert!(!stream.is_holding());
            }
            prop_assert_eq!(out, input);
        }
    }
}
