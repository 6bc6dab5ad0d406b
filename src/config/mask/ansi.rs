//! Seeing a text as its reader does: without the terminal's escape sequences.
//!
//! Terraform colours its output, and a colour code may fall inside a secret (`s3c\e[1mr3t`). The
//! masks are matched on the text with its escape sequences left out, and a match hides the
//! original bytes it spans, escape sequences included.

/// The longest escape sequence still waiting for its end that is held back as one: anything
/// longer is not one Terraform writes.
pub const UNFINISHED_ESCAPE_MAX: usize = 256;

/// The bytes of a text outside its escape sequences, each with its index in the text.
pub struct Visible {
    pub bytes: Vec<u8>,
    pub origin: Vec<usize>,
    /// Where an escape sequence that the text ends in the middle of starts.
    pub unfinished_escape: Option<usize>,
}

impl Visible {
    /// `text` without its escape sequences: CSI (`ESC [` ... final byte, colours among them),
    /// OSC (`ESC ]` ... BEL or `ESC \`, hyperlinks) and two-byte escapes.
    pub fn of(text: &[u8]) -> Visible {
        let mut visible = Visible {
            bytes: Vec::with_capacity(text.len()),
            origin: Vec::with_capacity(text.len()),
            unfinished_escape: None,
        };
        let mut i = 0;
        while i < text.len() {
            if text[i] != 0x1b {
                visible.bytes.push(text[i]);
                visible.origin.push(i);
                i += 1;
                continue;
            }
            match escape_len(&text[i..]) {
                Some(len) => i += len,
                None => {
                    visible.unfinished_escape = Some(i);
                    break;
                }
            }
        }
        visible
    }
}

/// Appends to `out` the escape sequences in `text`: a masked span keeps its colour changes, so
/// that the terminal's state after it is what it would have been.
pub fn push_escapes(text: &[u8], out: &mut Vec<u8>) {
    let mut i = 0;
    while let Some(at) = memchr::memchr(0x1b, &text[i..]) {
        let start = i + at;
        let len = escape_len(&text[start..]).unwrap_or(text.len() - start);
        out.extend_from_slice(&text[start..start + len]);
        i = start + len;
    }
}

/// The length of the escape sequence at the start of `text` (which starts with ESC), or `None`
/// when `text` ends before it does. A malformed sequence ends before the byte that breaks it.
fn escape_len(text: &[u8]) -> Option<usize> {
    match text.get(1) {
        None => None,
        Some(b'[') => {
            // Parameters 0x30-0x3F, intermediates 0x20-0x2F, a final byte 0x40-0x7E.
            for (i, &b) in text.iter().enumerate().skip(2) {
                match b {
                    0x20..=0x3f => continue,
                    0x40..=0x7e => return Some(i + 1),
                    _ => return Some(i),
                }
            }
            None
        }
        Some(b']') => {
            for i in 2..text.len() {
                match text[i] {
                    0x07 => return Some(i + 1),
                    0x1b if text.get(i + 1) == Some(&b'\\') => return Some(i + 2),
                    0x1b if i + 1 == text.len() => return None,
                    _ => {}
                }
            }
            None
        }
        // Two-byte escapes (`ESC (`, `ESC 7`, `ESC c`); a lone ESC before anything else.
        Some(0x20..=0x7e) => Some(2),
        Some(_) => Some(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_and_links_are_left_out() {
        let text = b"a\x1b[1;31mb\x1b[0m\x1b]8;;http://x\x07c\x1b]8;;\x1b\\d\x1b7e";
        let v = Visible::of(text);
        assert_eq!(v.bytes, b"abcde");
        assert_eq!(v.unfinished_escape, None);
        assert_eq!((v.origin[1], v.origin[2]), (8, 27));
    }

    #[test]
    fn an_unfinished_escape_is_noted() {
        for text in [&b"ab\x1b"[..], b"ab\x1b[", b"ab\x1b[1;3", b"ab\x1b]8;;http"] {
            let v = Visible::of(text);
            assert_eq!(
                (v.bytes.as_slice(), v.unfinished_escape),
                (&b"ab"[..], Some(2))
            );
        }
    }
}
