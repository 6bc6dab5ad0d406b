//! Hiding secrets and `mask:` values in everything tfpost writes.
//!
//! [`Masker`] masks a whole text at once (a message, a log line); [`MaskStream`] masks the tee'd
//! output as it streams, holding back only the bytes that could still turn out to be part of a
//! secret.

use std::borrow::Cow;

mod find;
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
    /// The literal values, as bytes: [`MaskStream`] holds back a tail that may begin one.
    literals: Vec<Vec<u8>>,
    /// Whether there are regex patterns: [`MaskStream`] then holds back the unfinished line.
    has_patterns: bool,
}

impl Masker {
    /// A masker for the literal `values` and the regex `patterns`. Values shorter than 3
    /// characters are skipped: masking every `a` would garble the log and hide nothing.
    pub fn new(values: Vec<String>, patterns: &[String]) -> Result<Self, regex::Error> {
        let mut literals: Vec<String> = values
            .into_iter()
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
            text: Some(regex::Regex::new(&joined)?),
            bytes: Some(regex::bytes::Regex::new(&joined)?),
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
        let Some(re) = &self.bytes else {
            return Cow::Borrowed(b);
        };
        let mut matches = re.find_iter(b).filter(|m| !m.is_empty()).peekable();
        if matches.peek().is_none() {
            return Cow::Borrowed(b);
        }
        let mut out = Vec::with_capacity(b.len());
        let mut copied = 0;
        for m in matches {
            out.extend_from_slice(&b[copied..m.start()]);
            out.extend_from_slice(MASK.as_bytes());
            copied = m.end();
        }
        out.extend_from_slice(&b[copied..]);
        Cow::Owned(out)
    }
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
    fn bad_pattern_is_an_error() {
        assert!(Masker::new(vec![], &["(".to_string()]).is_err());
        assert!(Masker::new(vec![], &[]).unwrap().is_empty());
    }
}
