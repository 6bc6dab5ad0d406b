//! Hiding secrets and `mask:` values in everything tfpost writes.
//!
//! [`Masker`] masks a whole text at once (a message, a log line); [`MaskStream`] masks the tee'd
//! output as it streams, holding back only the bytes that could still turn out to be part of a
//! secret. Each value is masked in every form it may be printed in ([`forms`]), and also when
//! terminal escape sequences (colours) cut it ([`ansi`]).

use std::borrow::Cow;
use std::sync::OnceLock;

mod ansi;
mod find;
mod forms;
mod stream;

pub use stream::MaskStream;

/// What replaces a hidden value.
pub const MASK: &str = "***";

/// Replaces configured literal values and regex matches with `***`, in text or raw bytes
/// (the tee'd Terraform output may be any bytes).
///
/// One regex holds every literal and pattern as alternatives, literals first and longest first:
/// at a given position the longest literal wins, so a secret containing another is hidden whole.
/// Matches are found left to right and never overlap; an empty match (a pattern like `x*`) hides
/// nothing and is skipped rather than inserting `***` between characters.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    text: Option<regex::Regex>,
    bytes: Option<regex::bytes::Regex>,
    /// As `bytes`, with escape sequences allowed between any two characters of a literal: for a
    /// text that holds escape sequences (the plain one is faster). Built when first needed.
    across_escapes: OnceLock<Option<regex::bytes::Regex>>,
    /// The regex patterns, for `across_escapes`.
    patterns: Vec<String>,
    /// The literal values, as bytes: [`MaskStream`] holds back a tail that may begin one.
    literals: Vec<Vec<u8>>,
    /// Whether there are regex patterns: [`MaskStream`] then holds back the unfinished line.
    has_patterns: bool,
}

impl Masker {
    /// A masker for the literal `values`, in each of their forms, and the regex `patterns`.
    /// Values shorter than 3 characters are skipped: masking every `a` would garble the log and
    /// hide nothing.
    pub fn new(values: Vec<String>, patterns: &[String]) -> Result<Self, regex::Error> {
        let mut literals: Vec<String> = values
            .iter()
            .filter(|v| v.chars().count() >= 3)
            .flat_map(|v| forms::forms_of(v))
            .filter(|v| v.chars().count() >= 3)
            .collect();
        // Longest literals first so a secret containing another is hidden whole (then by value,
        // so that duplicates are adjacent for `dedup`).
        literals.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        literals.dedup();
        let mut alternatives: Vec<String> = literals.iter().map(|v| regex::escape(v)).collect();
        for p in patterns {
            // Each pattern alone first, so an error names it rather than the combination.
            regex::Regex::new(p)?;
            alternatives.push(format!("(?:{p})"));
        }
        if alternatives.is_empty() {
            return Ok(Masker::default());
        }
        let joined = alternatives.join("|");
        Ok(Masker {
            text: Some(
                regex::RegexBuilder::new(&joined)
                    .dfa_size_limit(DFA_CACHE_LIMIT)
                    .build()?,
            ),
            bytes: Some(
                regex::bytes::RegexBuilder::new(&joined)
                    .dfa_size_limit(DFA_CACHE_LIMIT)
                    .build()?,
            ),
            across_escapes: OnceLock::new(),
            patterns: patterns.to_vec(),
            literals: literals.into_iter().map(String::into_bytes).collect(),
            has_patterns: !patterns.is_empty(),
        })
    }

    /// Whether the masker hides nothing.
    pub fn is_empty(&self) -> bool {
        self.text.is_none()
    }

    pub fn mask_str<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let Some(re) = &self.text else {
            return Cow::Borrowed(s);
        };
        if s.contains('\x1b') {
            return match self.mask_bytes(s.as_bytes()) {
                Cow::Borrowed(_) => Cow::Borrowed(s),
                // Whole characters were replaced by ASCII: still UTF-8.
                Cow::Owned(bytes) => Cow::Owned(
                    String::from_utf8(bytes)
                        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()),
                ),
            };
        }
        let mut matches = re.find_iter(s).filter(|m| !m.is_empty()).peekable();
        if matches.peek().is_none() {
            return Cow::Borrowed(s);
        }
        let mut out = String::with_capacity(s.len());
        let mut copied = 0;
        for m in matches {
            out.push_str(&s[copied..m.start()]);
            out.push_str(MASK);
            copied = m.end();
        }
        out.push_str(&s[copied..]);
        Cow::Owned(out)
    }

    pub fn mask_bytes<'a>(&self, b: &'a [u8]) -> Cow<'a, [u8]> {
        let spans = self.spans(b, 0, b.len());
        if spans.is_empty() {
            return Cow::Borrowed(b);
        }
        let mut out = Vec::with_capacity(b.len());
        let mut copied = 0;
        for (start, end) in spans {
            out.extend_from_slice(&b[copied..start]);
            out.extend_from_slice(MASK.as_bytes());
            ansi::push_escapes(&b[start..end], &mut out);
            copied = end;
        }
        out.extend_from_slice(&b[copied..]);
        Cow::Owned(out)
    }

    /// The spans of `hay` to hide: the non-empty matches that start in `from..limit`, left to
    /// right. The bytes before `from` are still seen by `\b` and `^`. Escape sequences inside a
    /// literal are part of its span; the mask is followed by them.
    fn spans(&self, hay: &[u8], from: usize, limit: usize) -> Vec<(usize, usize)> {
        let re = if memchr::memchr(0x1b, &hay[from..]).is_some() {
            self.across_escapes()
        } else {
            self.bytes.as_ref()
        };
        let mut spans = Vec::new();
        let Some(re) = re else {
            return spans;
        };
        let mut at = from;
        // `find_at` rather than slicing: the bytes before `at` still count for `\b` and `^`.
        while at <= hay.len() {
            let Some(m) = re.find_at(hay, at) else {
                break;
            };
            if m.start() >= limit {
                break;
            }
            if m.is_empty() {
                // An empty match hides nothing; search on after it.
                at = m.end() + 1;
                continue;
            }
            spans.push((m.start(), m.end()));
            at = m.end();
        }
        spans
    }
}

impl Masker {
    /// The regex of the literals with escape sequences allowed between their characters, and
    /// the patterns; the plain regex if it cannot be built (it then exceeds the size limit).
    fn across_escapes(&self) -> Option<&regex::bytes::Regex> {
        self.across_escapes
            .get_or_init(|| {
                self.bytes.as_ref()?;
                let mut alternatives: Vec<String> = self
                    .literals
                    .iter()
                    .map(|v| across_escapes(&String::from_utf8_lossy(v)))
                    .collect();
                alternatives.extend(self.patterns.iter().map(|p| format!("(?:{p})")));
                regex::bytes::RegexBuilder::new(&alternatives.join("|"))
                    .size_limit(REGEX_SIZE_LIMIT)
                    .dfa_size_limit(DFA_CACHE_LIMIT)
                    .build()
                    .ok()
            })
            .as_ref()
            .or(self.bytes.as_ref())
    }
}

/// The lazy DFA's cache of each masking regex (the regex crate's default is 2 MiB, per regex
/// and per thread searching): a few secrets' forms need a few hundred states, and a cache that
/// fills is cleared and refilled, not grown.
const DFA_CACHE_LIMIT: usize = 256 << 10;

/// Room for the regex of every literal with escape sequences allowed between its characters:
/// a few secrets, each in a few forms, of up to a few hundred characters.
const REGEX_SIZE_LIMIT: usize = 64 << 20;

/// A regex matching `literal` with any terminal escape sequences between its characters.
fn across_escapes(literal: &str) -> String {
    const ESCAPES: &str = r"(?:\x1b\[[0-?]*[ -/]*[@-~]|\x1b\](?-u:[^\x07\x1b])*(?:\x07|\x1b\\))*";
    let mut out = String::with_capacity(literal.len() * (ESCAPES.len() + 2));
    for (i, c) in literal.chars().enumerate() {
        if i > 0 {
            out.push_str(ESCAPES);
        }
        out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4])));
    }
    out
}

#[cfg(test)]
impl Masker {
    /// A masker of these values and patterns, for tests.
    pub(crate) fn of(values: &[&str], patterns: &[&str]) -> Masker {
        Masker::new(
            values.iter().map(|v| v.to_string()).collect(),
            &patterns.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        )
        .expect("valid masker")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_and_patterns() {
        let m = Masker::new(
            vec!["s3cr3t-value".into(), "s3cr3t".into(), "ab".into()],
            &[r"AKIA[0-9A-Z]{16}".to_string()],
        )
        .unwrap();
        assert_eq!(
            m.mask_str("token=s3cr3t-value key=AKIAABCDEFGHIJKLMNOP ab"),
            "token=*** key=*** ab"
        );
        assert_eq!(
            m.mask_bytes(b"\xff s3cr3t \x00").as_ref(),
            b"\xff *** \x00".as_slice()
        );
    }

    #[test]
    fn regex_metacharacters_in_values_are_literal() {
        let m = Masker::new(vec!["a.b*c".into()], &[]).unwrap();
        assert_eq!(m.mask_str("axbbc a.b*c"), "axbbc ***");
    }

    #[test]
    fn every_form_of_a_secret_is_masked() {
        let webhook = "https://hooks.slack.com/services/T0001/B0002/AbCdEfGhIjKlMnOpQrStUvWx";
        let m = Masker::new(vec![webhook.into()], &[]).unwrap();
        for printed in [
            r#"{"url":"https:\/\/hooks.slack.com\/services\/T0001\/B0002\/AbCdEfGhIjKlMnOpQrStUvWx"}"#,
            "GET /?u=https%3A%2F%2Fhooks.slack.com%2Fservices%2FT0001%2FB0002%2FAbCdEfGhIjKlMnOpQrStUvWx",
            "key AbCdEfGhIjKlMnOpQrStUvWx",
            "https://hooks.slack.com/services/T0001/B0002/AbCdEfGh\x1b[0mIjKlMnOp\x1b[1;31mQrStUvWx",
        ] {
            let masked = m.mask_str(printed);
            assert!(!masked.contains("AbCdEfGh"), "{masked}");
            assert!(masked.contains(MASK), "{masked}");
            assert_eq!(m.mask_bytes(printed.as_bytes()).as_ref(), masked.as_bytes());
        }
        let m = Masker::new(vec!["p<a>ss&\"w\\d".into()], &[]).unwrap();
        let serde = serde_json::to_string("p<a>ss&\"w\\d").unwrap();
        assert_eq!(m.mask_str(&serde), "\"***\"");
        assert_eq!(m.mask_str(r#""p\u003ca\u003ess\u0026\"w\\d""#), "\"***\"");
    }

    #[test]
    fn a_secret_cut_by_colour_codes_is_masked_with_them() {
        let m = Masker::new(vec!["s3cr3t".into()], &["tok_[a-z]+".to_string()]).unwrap();
        assert_eq!(
            m.mask_str("\x1b[1ma s3\x1b[0m\x1b[31mcr3t b\x1b[0m tok_abc"),
            "\x1b[1ma ***\x1b[0m\x1b[31m b\x1b[0m ***"
        );
        assert_eq!(
            m.mask_bytes(b"\xffs3\x1b]8;;http://x\x07cr3t").as_ref(),
            b"\xff***\x1b]8;;http://x\x07".as_slice()
        );
        assert_eq!(m.mask_str("\x1b[1mplain\x1b[0m"), "\x1b[1mplain\x1b[0m");
    }

    #[test]
    fn bad_pattern_is_an_error() {
        assert!(Masker::new(vec![], &["(".to_string()]).is_err());
        assert!(Masker::new(vec![], &[]).unwrap().is_empty());
    }
}
