//! Hiding secrets and `mask:` values in everything tfpost writes.

use std::borrow::Cow;

/// What replaces a hidden value.
pub const MASK: &str = "***";

/// Replaces configured literal values and regex matches with `***`, in text or raw bytes
/// (the tee'd Terraform output may be any bytes).
#[derive(Debug, Clone, Default)]
pub struct Masker {
    text: Option<regex::Regex>,
    bytes: Option<regex::bytes::Regex>,
}

impl Masker {
    /// A masker for the literal `values` and the regex `patterns`. Values shorter than 3
    /// characters are skipped: masking every `a` would garble the log and hide nothing.
    pub fn new(values: Vec<String>, patterns: &[String]) -> Result<Self, regex::Error> {
        let mut alternatives: Vec<String> = values
            .iter()
            .filter(|v| v.chars().count() >= 3)
            .map(|v| regex::escape(v))
            .collect();
        // Longest literals first so a secret containing another is hidden whole.
        alternatives.sort_by_key(|a| std::cmp::Reverse(a.len()));
        alternatives.dedup();
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
        })
    }

    /// Whether the masker hides nothing.
    pub fn is_empty(&self) -> bool {
        self.text.is_none()
    }

    pub fn mask_str<'a>(&self, s: &'a str) -> Cow<'a, str> {
        match &self.text {
            Some(re) => re.replace_all(s, MASK),
            None => Cow::Borrowed(s),
        }
    }

    pub fn mask_bytes<'a>(&self, b: &'a [u8]) -> Cow<'a, [u8]> {
        match &self.bytes {
            Some(re) => re.replace_all(b, MASK.as_bytes()),
            None => Cow::Borrowed(b),
        }
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
