//! The forms in which a secret may reach the output besides itself.
//!
//! A value is not always printed as it is: a JSON string in a plan value, `terraform show
//! -json`, or an API's error body escapes it (`https:\/\/hooks...` from some encoders, `\u0026`
//! from Go's, which Terraform uses); a query string or a redirect URL percent-encodes it;
//! Terraform quotes a string in a plan with `$${` for `${`. Each such form is masked as well. A
//! webhook URL's secret is its last path segment, which is masked on its own too.
//!
//! The forms are literal strings, so masking them costs what masking any literal does.

use std::fmt::Write as _;

/// The shortest last path segment of a URL secret that is masked on its own: Slack's webhook
/// secrets are 24 characters; a short segment (`/hook`) is a name, not a secret.
const SECRET_SEGMENT_MIN_CHARS: usize = 16;

/// `secret` and every other form in which it may be printed, without duplicates.
pub fn forms_of(secret: &str) -> Vec<String> {
    let serde_json = json_escaped(secret, JsonEncoder::SerdeJson);
    let mut forms = vec![
        secret.to_string(),
        // Some encoders (PHP's, older JavaScript libraries) also escape `/`.
        serde_json.replace('/', "\\/"),
        // A JSON string inside a JSON string (a `jsonencode`d value in `terraform show -json`).
        json_escaped(&serde_json, JsonEncoder::SerdeJson),
        json_escaped(&json_escaped(secret, JsonEncoder::Go), JsonEncoder::Go),
        serde_json,
        json_escaped(secret, JsonEncoder::Go),
        terraform_quoted(secret),
        percent_encoded(secret, "", true),
        percent_encoded(secret, "", false),
        // Path-style encoders keep `/` (Python's `quote`, JavaScript's `encodeURI` family).
        percent_encoded(secret, "/", true),
        percent_encoded(secret, "/:", true),
    ];
    if secret.contains(' ') {
        // Form encoding writes a space as `+`.
        forms.push(percent_encoded(secret, "", true).replace("%20", "+"));
    }
    forms.extend(url_secret_segment(secret).map(str::to_string));
    forms.sort_unstable();
    forms.dedup();
    forms
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum JsonEncoder {
    /// serde_json, and most encoders: `\"`, `\\`, the short escapes, `\u00XX` for other controls.
    SerdeJson,
    /// Go's `encoding/json` (Terraform's `-json` output): also `<`, `>`, `&`, U+2028 and U+2029
    /// as `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`.
    Go,
}

/// The body of a JSON string holding `text`, as `encoder` writes it.
fn json_escaped(text: &str, encoder: JsonEncoder) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' if encoder == JsonEncoder::SerdeJson => out.push_str("\\b"),
            '\u{c}' if encoder == JsonEncoder::SerdeJson => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' if encoder == JsonEncoder::Go => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// `text` as Terraform quotes a string in a plan: JSON-like escapes, and `${` / `%{` doubled so
/// they are not read as a template.
fn terraform_quoted(text: &str) -> String {
    json_escaped(text, JsonEncoder::SerdeJson)
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// `text` percent-encoded: every byte but the unreserved characters and those in `keep` as
/// `%XX`, in upper- or lower-case hexadecimal.
fn percent_encoded(text: &str, keep: &str, upper: bool) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for &b in text.as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.as_bytes().contains(&b) {
            out.push(char::from(b));
        } else if upper {
            let _ = write!(out, "%{b:02X}");
        } else {
            let _ = write!(out, "%{b:02x}");
        }
    }
    out
}

/// The last path segment of a URL secret (a Slack or Teams webhook's key), when it is long
/// enough to be a secret of its own.
fn url_secret_segment(secret: &str) -> Option<&str> {
    let rest = secret
        .strip_prefix("https://")
        .or_else(|| secret.strip_prefix("http://"))?;
    let path = rest.split(['?', '#']).next()?;
    let (_, path) = path.split_once('/')?;
    let segment = path.trim_end_matches('/').rsplit('/').next()?;
    (segment.chars().count() >= SECRET_SEGMENT_MIN_CHARS).then_some(segment)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WEBHOOK: &str = "https://hooks.slack.com/services/T0001/B0002/AbCdEfGhIjKlMnOpQrStUvWx";

    #[test]
    fn a_webhook_url_in_each_form() {
        let forms = forms_of(WEBHOOK);
        for form in [
            WEBHOOK,
            r"https:\/\/hooks.slack.com\/services\/T0001\/B0002\/AbCdEfGhIjKlMnOpQrStUvWx",
            "https%3A%2F%2Fhooks.slack.com%2Fservices%2FT0001%2FB0002%2FAbCdEfGhIjKlMnOpQrStUvWx",
            "https%3a%2f%2fhooks.slack.com%2fservices%2fT0001%2fB0002%2fAbCdEfGhIjKlMnOpQrStUvWx",
            "AbCdEfGhIjKlMnOpQrStUvWx",
        ] {
            assert!(
                forms.iter().any(|f| f == form),
                "{form} missing from {forms:#?}"
            );
        }
    }

    #[test]
    fn json_forms_are_what_the_encoders_write() {
        let secret = "a\"b\\c<d>&e\u{1}f\u{2028}g/h\n";
        let serde = serde_json::to_string(secret).expect("json");
        let forms = forms_of(secret);
        assert!(
            forms.contains(&serde[1..serde.len() - 1].to_string()),
            "{serde}"
        );
        // Go's encoding/json, as Terraform's `-json` output writes it.
        let go = r#"a\"b\\c\u003cd\u003e\u0026e\u0001f\u2028g/h\n"#;
        assert!(forms.iter().any(|f| f == go), "{forms:#?}");
        assert_eq!(terraform_quoted("a${b}%{c}"), "a$${b}%%{c}");
    }

    #[test]
    fn a_plain_token_has_one_form() {
        assert_eq!(forms_of("xoxb-1234-abcd_EF.gh~"), ["xoxb-1234-abcd_EF.gh~"]);
    }

    #[test]
    fn only_a_long_last_segment_is_a_secret_of_its_own() {
        assert_eq!(
            url_secret_segment(WEBHOOK),
            Some("AbCdEfGhIjKlMnOpQrStUvWx")
        );
        assert_eq!(url_secret_segment("https://example.com/hooks/short"), None);
        assert_eq!(url_secret_segment("https://example.com/"), None);
        assert_eq!(url_secret_segment("not a url"), None);
        assert_eq!(
            url_secret_segment("https://x.example/a/0123456789abcdefXYZ/?q=1"),
            Some("0123456789abcdefXYZ")
        );
    }
}
