//! The transport rules every client follows, whatever library sends its requests:
//! - plain `http://` only to a loopback host as written in the URL (`127.0.0.1`, `[::1]`,
//!   `localhost`), since the token or webhook secret travels with each request;
//! - a URL's userinfo (`user:pass@`) and every secret are left out of every error and log line
//!   ([`shown_url`], [`Redactor`]);
//! - a secret that cannot be an HTTP header value (a newline, a control character) is an error
//!   naming where it came from, before anything is sent ([`secret_header`]);
//! - answers are read up to a cap ([`MAX_PAGE_BYTES`], [`MAX_ERROR_BODY_BYTES`]) so a broken or
//!   hostile server cannot take the runner's memory.

use bytes::{Bytes, BytesMut};
use http::HeaderValue;
use http_body::Body;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;

/// The largest successful answer read (a page of a listing, a created comment). GitHub's
/// comments are at most 65,536 characters, so a page of 100 is well under it.
pub const MAX_PAGE_BYTES: usize = 16 * 1024 * 1024;

/// How much of an error answer is read for its message; the rest is not read at all.
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// A URL, secret or connection that cannot be used. Never holds a secret or a URL's userinfo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    #[error("{what} {url:?} is not a URL ({reason}){expected}")]
    NotAUrl {
        what: String,
        url: String,
        reason: String,
        /// e.g. "; expected e.g. https://api.github.com".
        expected: String,
    },
    #[error(
        "{what} {url:?} uses plain http to `{host}`, which would send the {secret} unencrypted: use https (plain http is only for 127.0.0.1, [::1] or localhost, written as such)"
    )]
    PlainHttp {
        what: String,
        url: String,
        host: String,
        /// What travels with the request: "token", "webhook URL".
        secret: String,
    },
    #[error("{what} {url:?} has scheme `{scheme}`: use https")]
    Scheme {
        what: String,
        url: String,
        scheme: String,
    },
    #[error(
        "{what} holds {found} at character {position}, which cannot be sent in an HTTP header: check the secret for a stray newline, space or control character"
    )]
    BadHeaderValue {
        what: String,
        /// "a newline", "a control character (U+0007)", ...
        found: String,
        position: usize,
    },
    #[error(
        "no TLS root certificates found on this machine ({0}): install the system's CA certificates (e.g. the ca-certificates package)"
    )]
    NoRootCertificates(String),
}

/// Checks a base URL against the rules: parses, is https, or plain http to a loopback host as
/// written. `what` names where the URL came from (`GITHUB_API_URL`), `secret` what would travel
/// with it, `expected` an example for the error. Errors show the URL without its userinfo.
pub fn check_url(
    raw: &str,
    what: &str,
    secret: &str,
    expected: &str,
) -> Result<url::Url, TransportError> {
    let shown = shown_url(raw);
    let parsed = url::Url::parse(raw.trim()).map_err(|e| TransportError::NotAUrl {
        what: what.to_string(),
        url: shown.clone(),
        reason: e.to_string(),
        expected: expected.to_string(),
    })?;
    if !parsed.has_host() || parsed.host_str() == Some("") {
        return Err(TransportError::NotAUrl {
            what: what.to_string(),
            url: shown,
            reason: "no host".into(),
            expected: expected.to_string(),
        });
    }
    match parsed.scheme() {
        "https" => Ok(parsed),
        "http" => {
            let host = written_host(raw.trim());
            if is_loopback_as_written(&host) {
                Ok(parsed)
            } else {
                Err(TransportError::PlainHttp {
                    what: what.to_string(),
                    url: shown,
                    host,
                    secret: secret.to_string(),
                })
            }
        }
        scheme => Err(TransportError::Scheme {
            what: what.to_string(),
            url: shown,
            scheme: scheme.to_string(),
        }),
    }
}

/// The host as the URL writes it, before any normalising (`127.1` stays `127.1`, which the URL
/// parser would turn into `127.0.0.1`): the rule is about what a reader of the config sees.
fn written_host(raw: &str) -> String {
    let after_scheme = raw.split_once("://").map_or(raw, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host_port.starts_with('[') {
        host_port
            .split_once(']')
            .map_or(host_port, |(h, _)| &host_port[..h.len() + 1])
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.to_ascii_lowercase()
}

fn is_loopback_as_written(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "[::1]" | "localhost")
}

/// The URL as errors and logs show it: without `user:pass@`. Works on text that is not a URL
/// too (it is shown as it is, minus anything that looks like userinfo).
pub fn shown_url(raw: &str) -> String {
    let raw = raw.trim();
    let Some((scheme, rest)) = raw.split_once("://") else {
        return raw.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((_, host)) => format!("{scheme}://{host}{path}"),
        None => raw.to_string(),
    }
}

/// The userinfo of a URL (`user:pass`), a secret to keep out of every message.
pub fn userinfo(raw: &str) -> Option<&str> {
    let rest = raw.trim().split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    authority.rsplit_once('@').map(|(info, _)| info)
}

/// `secret` as a header value marked sensitive, or an error naming `what` (the variable it came
/// from) and the first character that cannot be sent, never the secret itself.
pub fn secret_header(secret: &str, what: &str) -> Result<HeaderValue, TransportError> {
    let bad = secret
        .chars()
        .enumerate()
        .find(|(_, c)| !c.is_ascii_graphic());
    if let Some((index, c)) = bad {
        let found = match c {
            '\n' | '\r' => "a line break".to_string(),
            '\t' => "a tab".to_string(),
            ' ' => "a space".to_string(),
            c if c.is_control() => format!("a control character (U+{:04X})", u32::from(c)),
            c if c.is_whitespace() => format!("a non-ASCII space (U+{:04X})", u32::from(c)),
            c => format!("a non-ASCII character (U+{:04X})", u32::from(c)),
        };
        return Err(TransportError::BadHeaderValue {
            what: what.to_string(),
            found,
            position: index + 1,
        });
    }
    let mut value = HeaderValue::from_str(secret).map_err(|_| TransportError::BadHeaderValue {
        what: what.to_string(),
        found: "a character".into(),
        position: 0,
    })?;
    value.set_sensitive(true);
    Ok(value)
}

/// Removes secrets from text that came from elsewhere (an error's cause, an answer's body).
#[derive(Default, Clone)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    /// Adds a secret; empty and very short ones (which would blank out ordinary words) are
    /// skipped.
    pub fn add(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.secrets.iter().any(|s| s == secret) {
            self.secrets.push(secret.to_string());
            // The longest first, so a secret holding another is removed whole.
            self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        }
    }

    /// Adds the userinfo of a URL, if it has one.
    pub fn add_userinfo_of(&mut self, url: &str) {
        if let Some(info) = userinfo(url) {
            self.add(info);
        }
    }

    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "[redacted]");
            }
        }
        out
    }
}

/// The rustls connector of the hyper clients (GitLab, Slack): https, and plain http for
/// [`check_url`]'s loopback hosts.
pub fn https_connector() -> Result<HttpsConnector<HttpConnector>, TransportError> {
    // The provider is named rather than looked up: the lookup panics when the build enables
    // two (ring here, aws-lc-rs through some other crate's defaults).
    Ok(hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| TransportError::NoRootCertificates(e.to_string()))?
        .https_or_http()
        .enable_http1()
        .enable_http2()
        .build())
}

/// Why an answer's body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    #[error(
        "the answer is larger than {} MiB, more than any answer tfpost asks for; not read further",
        limit / (1024 * 1024)
    )]
    TooLarge { limit: usize },
    #[error("reading the answer: {0}")]
    Broken(String),
}

/// The whole body, or [`ReadError::TooLarge`] as soon as it passes `limit` bytes (the rest is
/// never read).
pub async fn read_body<B>(body: B, limit: usize) -> Result<Bytes, ReadError>
where
    B: Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => {
            Err(ReadError::TooLarge { limit })
        }
        Err(err) => Err(ReadError::Broken(error_chain(err.as_ref()))),
    }
}

/// The first [`MAX_ERROR_BODY_BYTES`] of an error answer, for its message; what follows is
/// not read, and a body that breaks off is kept as far as it came.
pub async fn read_error_body<B>(body: B) -> Bytes
where
    B: Body<Data = Bytes> + Unpin,
{
    let mut body = body;
    let mut kept = BytesMut::new();
    while kept.len() < MAX_ERROR_BODY_BYTES {
        let Some(Ok(frame)) = body.frame().await else {
            break;
        };
        if let Ok(data) = frame.into_data() {
            let room = MAX_ERROR_BODY_BYTES - kept.len();
            kept.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    kept.freeze()
}

/// True when the error chain shows the connection was never made (refused, DNS, TLS handshake):
/// nothing of the request reached the server.
pub fn nothing_sent(err: &(dyn std::error::Error + 'static)) -> bool {
    std::iter::successors(Some(err), |e| e.source()).any(|e| {
        e.downcast_ref::<hyper_util::client::legacy::Error>()
            .is_some_and(hyper_util::client::legacy::Error::is_connect)
    })
}

/// An error and its causes on one line (`client error (Connect): tcp connect error: Connection
/// refused`): the innermost cause is what a user can act on. Only the first line of each (some
/// libraries append a backtrace), and no cause twice.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in std::iter::successors(Some(err), |e| e.source()) {
        let text = e.to_string();
        let line = text.lines().next().unwrap_or_default().trim().to_string();
        if !line.is_empty() && !parts.contains(&line) {
            parts.push(line);
        }
    }
    parts.join(": ")
}

/// Percent-encodes one path segment (label names hold spaces, slashes, emoji; GitLab wants a
/// project path as `group%2Fproject`).
pub fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The path as errors show it: without the query.
pub fn shown_path(path: &str) -> String {
    path.split('?').next().unwrap_or(path).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_a_loopback_host_as_written() {
        let check = |url: &str| check_url(url, "GITHUB_API_URL", "token", "");
        assert!(check("https://api.github.com").is_ok());
        assert!(check("http://127.0.0.1:8080/api/v3").is_ok());
        assert!(check("http://[::1]:8080").is_ok());
        assert!(check("http://LOCALHOST:1/api").is_ok());
        assert!(check("http://user:pw@127.0.0.1:1").is_ok());
        for remote in [
            "http://github.example/api/v3",
            // Loopback once normalised, but not as written.
            "http://127.1:8080",
            "http://2130706433/",
            "http://localhost.example.com",
            "http://127.0.0.1.nip.io",
        ] {
            let err = check(remote).expect_err(remote);
            assert!(matches!(err, TransportError::PlainHttp { .. }), "{err}");
        }
        assert!(matches!(
            check("ftp://example.com"),
            Err(TransportError::Scheme { .. })
        ));
        assert!(matches!(
            check("api.github.com"),
            Err(TransportError::NotAUrl { .. })
        ));
    }

    #[test]
    fn userinfo_is_never_shown() {
        let url = "http://alice:s3cret-pw@github.example/api/v3?x=1";
        assert_eq!(shown_url(url), "http://github.example/api/v3?x=1");
        assert_eq!(userinfo(url), Some("alice:s3cret-pw"));
        let err = check_url(url, "GITHUB_API_URL", "token", "").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        let err = check_url("https://a:s3cret@", "X", "token", "").unwrap_err();
        assert!(!err.to_string().contains("s3cret"), "{err}");
        assert_eq!(shown_url("https://h/p@q"), "https://h/p@q");
        let mut redactor = Redactor::default();
        redactor.add_userinfo_of(url);
        assert_eq!(redactor.scrub("x alice:s3cret-pw y"), "x [redacted] y");
    }

    #[test]
    fn a_secret_that_cannot_be_a_header_is_an_error_naming_the_variable() {
        let err = secret_header("ghp_abc\ndef", "GITHUB_TOKEN").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("GITHUB_TOKEN"), "{text}");
        assert!(text.contains("a line break at character 8"), "{text}");
        assert!(!text.contains("ghp_abc"), "{text}");
        let err = secret_header("tok\u{7}", "SLACK_BOT_TOKEN").unwrap_err();
        assert!(err.to_string().contains("U+0007"), "{err}");
        assert!(
            secret_header("ghp_abc", "GITHUB_TOKEN")
                .unwrap()
                .is_sensitive()
        );
    }

    #[test]
    fn bodies_are_read_up_to_their_cap() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        let body = || http_body_util::Full::new(Bytes::from(vec![b'x'; 100_000]));
        let read = runtime.block_on(read_body(body(), 1000));
        assert_eq!(read, Err(ReadError::TooLarge { limit: 1000 }));
        assert_eq!(
            runtime.block_on(read_body(body(), 100_000)).unwrap().len(),
            100_000
        );
        assert_eq!(
            runtime.block_on(read_error_body(body())).len(),
            MAX_ERROR_BODY_BYTES
        );
    }

    #[test]
    fn segments_are_encoded() {
        assert_eq!(encode_segment("group/sub/proj"), "group%2Fsub%2Fproj");
        assert_eq!(
            encode_segment("tfpost: no changes/x"),
            "tfpost%3A%20no%20changes%2Fx"
        );
        assert_eq!(shown_path("/a/b?per_page=100"), "/a/b");
    }
}
