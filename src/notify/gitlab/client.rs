//! The narrow GitLab REST v4 client: the few calls tfpost makes, each with a timeout, retries
//! (rate limits by `Retry-After` / `RateLimit-Reset`, 5xx and network failures with backoff, but
//! never a POST that may have been done), error mapping and a call counter.
//!
//! Built on hyper with the rustls connector the Slack notifier also uses: plain http is allowed
//! only to this machine (tests, a local proxy), since the token travels in a header.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::GitlabError;
use crate::notify::github::RetryPolicy;

/// GitLab answers 100 items a page at most.
const PER_PAGE: u32 = 100;
/// More pages than this is a listing that never ends, not a merge request.
const MAX_PAGES: u32 = 2_000;
/// The largest answer read: a page of 100 notes of up to 1,000,000 characters each, 4 bytes a
/// character at worst, with room.
const MAX_ANSWER_BYTES: usize = 512 * 1024 * 1024;

/// The token and how GitLab wants it sent.
#[derive(Clone, PartialEq, Eq)]
pub enum GitlabToken {
    /// A personal, project or group access token (`GITLAB_TOKEN`), sent as `PRIVATE-TOKEN`.
    Private(String),
    /// The CI job token (`CI_JOB_TOKEN`), sent as `JOB-TOKEN`. Its scope is narrow: on most
    /// instances it cannot write notes or read `/user`.
    Job(String),
}

impl GitlabToken {
    fn header(&self) -> &'static str {
        match self {
            GitlabToken::Private(_) => "PRIVATE-TOKEN",
            GitlabToken::Job(_) => "JOB-TOKEN",
        }
    }

    /// The token itself: for the HTTP header and for registering it with output masking,
    /// never for printing.
    pub fn secret(&self) -> &str {
        match self {
            GitlabToken::Private(t) | GitlabToken::Job(t) => t,
        }
    }

    /// What the token is, in error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            GitlabToken::Private(_) => "access token",
            GitlabToken::Job(_) => "CI job token",
        }
    }
}

impl std::fmt::Debug for GitlabToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}(***)", self.header())
    }
}

/// A GitLab user as notes and `/user` show it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct User {
    pub id: u64,
    pub username: String,
}

/// A merge-request note.
#[derive(Debug, Clone, Deserialize)]
pub struct Note {
    pub id: u64,
    pub body: String,
    pub author: User,
    /// GitLab's own notes ("added 1 commit"): never tfpost's.
    #[serde(default)]
    pub system: bool,
}

/// A merge request, the fields tfpost reads.
#[derive(Debug, Clone, Deserialize)]
pub struct MergeRequest {
    pub iid: u64,
    /// `opened`, `closed`, `locked` or `merged`.
    pub state: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub web_url: String,
    /// The head commit.
    #[serde(default)]
    pub sha: Option<String>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub squash_commit_sha: Option<String>,
}

/// A commit comment. GitLab's API gives them no id, and cannot edit or delete them.
#[derive(Debug, Clone, Deserialize)]
pub struct CommitComment {
    pub note: String,
    pub author: User,
}

/// One answer, read whole.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// How one attempt ended, for the retry loop.
enum Attempt {
    Done(Answer),
    /// Worth another try after `wait` (or the backoff), unless the budget is spent.
    Retry {
        wait: Option<Duration>,
        last: GitlabError,
    },
    /// Not worth another try (4xx other than 429).
    Fatal(GitlabError),
}

/// The GitLab REST v4 API of one project.
pub struct GitlabClient {
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    api_url: String,
    /// The project id, or its path percent-encoded, as it goes in `/projects/:id`.
    project: String,
    token: GitlabToken,
    policy: RetryPolicy,
    calls: AtomicU32,
    waited_ms: AtomicU64,
}

impl GitlabClient {
    /// Checks the URL, project and token and builds the HTTP client; sends nothing. Must be
    /// called within a Tokio runtime.
    pub fn new(
        api_url: &str,
        project: &str,
        token: GitlabToken,
        policy: RetryPolicy,
    ) -> Result<GitlabClient, GitlabError> {
        let api_url = api_url.trim().trim_end_matches('/').to_string();
        check_api_url(&api_url)?;
        let secret = token.secret();
        if secret.trim().is_empty() || secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(GitlabError::Config(
                "the GitLab token is empty or contains spaces: check GITLAB_TOKEN".into(),
            ));
        }
        let project = project.trim();
        if project.is_empty() {
            return Err(GitlabError::Config(
                "no GitLab project: set CI_PROJECT_ID (or the project path)".into(),
            ));
        }
        if policy.max_attempts == 0 {
            return Err(GitlabError::Config(
                "max_attempts must be at least 1".into(),
            ));
        }
        // The provider is named rather than looked up: the lookup panics when the build enables
        // two (ring here, aws-lc-rs through some other crate's defaults).
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_provider_and_native_roots(rustls::crypto::ring::default_provider())
            .map_err(|e| {
                GitlabError::Config(format!(
                    "no TLS root certificates found on this machine ({e}): install the system's CA certificates (e.g. the ca-certificates package)"
                ))
            })?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        Ok(GitlabClient {
            http: Client::builder(TokioExecutor::new()).build(https),
            api_url,
            project: encode_segment(project),
            token,
            policy,
            calls: AtomicU32::new(0),
            waited_ms: AtomicU64::new(0),
        })
    }

    /// HTTP requests sent so far, retries included.
    pub fn api_calls(&self) -> u32 {
        self.calls.load(Ordering::Relaxed)
    }

    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// What the token is, for messages.
    pub fn token_kind(&self) -> &'static str {
        self.token.kind()
    }

    /// `GET /user`: whom the token belongs to.
    pub async fn current_user(&self) -> Result<User, GitlabError> {
        self.call(Method::GET, "/user", None).await
    }

    /// `GET /projects/:id/merge_requests/:iid`.
    pub async fn merge_request(&self, iid: u64) -> Result<MergeRequest, GitlabError> {
        let path = format!("/projects/{}/merge_requests/{iid}", self.project);
        self.call(Method::GET, &path, None).await
    }

    /// Every note of a merge request, oldest first, all pages.
    pub async fn list_notes(&self, iid: u64) -> Result<Vec<Note>, GitlabError> {
        let path = format!(
            "/projects/{}/merge_requests/{iid}/notes?sort=asc&order_by=created_at",
            self.project
        );
        self.list_all(&path).await
    }

    /// `POST /projects/:id/merge_requests/:iid/notes`.
    pub async fn create_note(&self, iid: u64, body: &str) -> Result<Note, GitlabError> {
        let path = format!("/projects/{}/merge_requests/{iid}/notes", self.project);
        self.call(Method::POST, &path, Some(json!({ "body": body })))
            .await
    }

    /// `PUT /projects/:id/merge_requests/:iid/notes/:note_id`.
    pub async fn update_note(&self, iid: u64, note: u64, body: &str) -> Result<Note, GitlabError> {
        let path = format!(
            "/projects/{}/merge_requests/{iid}/notes/{note}",
            self.project
        );
        self.call(Method::PUT, &path, Some(json!({ "body": body })))
            .await
    }

    /// `DELETE /projects/:id/merge_requests/:iid/notes/:note_id`; a note already gone counts
    /// as deleted.
    pub async fn delete_note(&self, iid: u64, note: u64) -> Result<(), GitlabError> {
        let path = format!(
            "/projects/{}/merge_requests/{iid}/notes/{note}",
            self.project
        );
        match self.send(Method::DELETE, &path, None).await {
            Ok(_) | Err(GitlabError::NotFound { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// `PUT /projects/:id/merge_requests/:iid` with `add_labels` / `remove_labels`; the merge
    /// request as it is afterwards. GitLab creates a project label that does not exist yet.
    pub async fn update_labels(
        &self,
        iid: u64,
        add: &[&str],
        remove: &[&str],
    ) -> Result<MergeRequest, GitlabError> {
        let path = format!("/projects/{}/merge_requests/{iid}", self.project);
        let mut body = serde_json::Map::new();
        if !add.is_empty() {
            body.insert("add_labels".into(), Value::String(add.join(",")));
        }
        if !remove.is_empty() {
            body.insert("remove_labels".into(), Value::String(remove.join(",")));
        }
        self.call(Method::PUT, &path, Some(Value::Object(body)))
            .await
    }

    /// `POST /projects/:id/labels` with a colour (`1d76db` or `#1d76db`) and description; a
    /// label that exists already (409) is left as it is.
    pub async fn create_label(
        &self,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<(), GitlabError> {
        let path = format!("/projects/{}/labels", self.project);
        let color = format!("#{}", color.trim().trim_start_matches('#'));
        let body = json!({ "name": name, "color": color, "description": description });
        match self.send(Method::POST, &path, Some(body)).await {
            Ok(_) | Err(GitlabError::Conflict { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// The merge requests a commit belongs to.
    pub async fn merge_requests_of_commit(
        &self,
        sha: &str,
    ) -> Result<Vec<MergeRequest>, GitlabError> {
        let path = format!(
            "/projects/{}/repository/commits/{}/merge_requests",
            self.project,
            encode_segment(sha)
        );
        self.list_all(&path).await
    }

    /// Every comment of a commit, all pages.
    pub async fn list_commit_comments(&self, sha: &str) -> Result<Vec<CommitComment>, GitlabError> {
        let path = format!(
            "/projects/{}/repository/commits/{}/comments",
            self.project,
            encode_segment(sha)
        );
        self.list_all(&path).await
    }

    /// `POST /projects/:id/repository/commits/:sha/comments`.
    pub async fn create_commit_comment(
        &self,
        sha: &str,
        note: &str,
    ) -> Result<CommitComment, GitlabError> {
        let path = format!(
            "/projects/{}/repository/commits/{}/comments",
            self.project,
            encode_segment(sha)
        );
        self.call(Method::POST, &path, Some(json!({ "note": note })))
            .await
    }

    /// A GET of every page of a listing: `x-next-page`, or a `Link: rel="next"` when a proxy
    /// dropped the other headers (GitLab leaves out `x-total` on large listings, never both).
    async fn list_all<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>, GitlabError> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut items = Vec::new();
        let mut page = 1;
        for _ in 0..MAX_PAGES {
            let paged = format!("{path}{separator}per_page={PER_PAGE}&page={page}");
            let answer = self.send(Method::GET, &paged, None).await?;
            let batch: Vec<T> = decode(&Method::GET, path, &answer.body)?;
            items.extend(batch);
            match next_page(&answer.headers) {
                Some(next) if next > page => page = next,
                _ => return Ok(items),
            }
        }
        Err(GitlabError::Decode {
            method: "GET".into(),
            path: path.to_string(),
            reason: format!("the listing did not end after {MAX_PAGES} pages"),
        })
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, GitlabError> {
        let answer = self.send(method.clone(), path, body).await?;
        decode(&method, path, &answer.body)
    }

    /// Sends with retries; a success status, or the error for the last answer.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Answer, GitlabError> {
        let body = body.map(|b| Bytes::from(b.to_string()));
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = match tokio::time::timeout(
                self.policy.timeout,
                self.attempt(&method, path, body.clone()),
            )
            .await
            {
                Ok(outcome) => outcome,
                Err(_) => Attempt::Retry {
                    wait: None,
                    last: GitlabError::Timeout {
                        method: method.to_string(),
                        path: shown_path(path),
                        attempts: attempt,
                        timeout: self.policy.timeout,
                    },
                },
            };
            let (wait, last) = match outcome {
                Attempt::Done(answer) => return Ok(answer),
                Attempt::Fatal(err) => return Err(err),
                Attempt::Retry { wait, last } => (wait, last),
            };
            // A POST that may have been done is not sent again: it would post the note twice.
            // Rate limits and refused connections are refused before anything is done.
            let safe_to_repeat = method != Method::POST
                || matches!(last, GitlabError::RateLimited { .. })
                || matches!(&last, GitlabError::Connection { reason, .. } if reason.starts_with("connect"));
            if !safe_to_repeat || attempt >= self.policy.max_attempts {
                return Err(with_attempts(last, attempt));
            }
            let backoff = self.policy.base_delay * 2u32.saturating_pow(attempt - 1);
            let wait = wait.unwrap_or(backoff);
            let waited = Duration::from_millis(self.waited_ms.load(Ordering::Relaxed));
            if waited + wait > self.policy.max_total_wait {
                return Err(with_attempts(last, attempt));
            }
            self.waited_ms
                .fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(&self, method: &Method, path: &str, body: Option<Bytes>) -> Attempt {
        let url = format!("{}{}", self.api_url, path);
        let has_body = body.is_some();
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&url)
            .header(self.token.header(), self.token.secret())
            .header("accept", "application/json")
            .header("user-agent", concat!("tfpost/", env!("CARGO_PKG_VERSION")));
        if has_body {
            request = request.header("content-type", "application/json");
        }
        let request = match request.body(Full::new(body.unwrap_or_default())) {
            Ok(request) => request,
            Err(e) => {
                return Attempt::Fatal(GitlabError::Config(format!(
                    "cannot build the request for {}: {e}",
                    shown_path(path)
                )));
            }
        };
        self.calls.fetch_add(1, Ordering::Relaxed);
        let response = match self.http.request(request).await {
            Ok(response) => response,
            Err(err) => {
                let reason = if err.is_connect() {
                    format!("connect: {}", self.scrub(&error_chain(&err)))
                } else {
                    self.scrub(&error_chain(&err))
                };
                return Attempt::Retry {
                    wait: None,
                    last: GitlabError::Connection {
                        method: method.to_string(),
                        path: shown_path(path),
                        api_url: self.api_url.clone(),
                        reason,
                    },
                };
            }
        };
        let (parts, incoming) = response.into_parts();
        let body = match Limited::new(incoming, MAX_ANSWER_BYTES).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(err) => {
                return Attempt::Retry {
                    wait: None,
                    last: GitlabError::Connection {
                        method: method.to_string(),
                        path: shown_path(path),
                        api_url: self.api_url.clone(),
                        reason: format!("reading the answer: {}", self.scrub(&err.to_string())),
                    },
                };
            }
        };
        let answer = Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        };
        self.classify(method, path, answer)
    }

    /// A success, a failure worth retrying, or (as `Err`) one that is not.
    fn classify(&self, method: &Method, path: &str, answer: Answer) -> Attempt {
        let status = answer.status;
        if status.is_success() {
            return Attempt::Done(answer);
        }
        let method_s = method.to_string();
        let path_s = shown_path(path);
        let message = self.scrub(&api_message(&answer.body, status));
        let token_kind = self.token.kind().to_string();
        let last = match status.as_u16() {
            429 => {
                let wait = retry_wait(&answer.headers);
                return Attempt::Retry {
                    wait,
                    last: GitlabError::RateLimited {
                        method: method_s,
                        path: path_s,
                        attempts: 1,
                        retry_after: wait,
                    },
                };
            }
            s @ 500..=599 => {
                // `RateLimit-Reset` tells when the rate-limit window ends, not when a 5xx
                // passes: only an explicit `Retry-After` counts here.
                return Attempt::Retry {
                    wait: header_secs(&answer.headers, "retry-after").map(Duration::from_secs),
                    last: GitlabError::Server {
                        status: s,
                        method: method_s,
                        path: path_s,
                        attempts: 1,
                        message,
                    },
                };
            }
            400 => GitlabError::BadRequest {
                method: method_s,
                path: path_s,
                message,
            },
            401 => GitlabError::Unauthorized {
                method: method_s,
                path: path_s,
                message,
                token_kind,
            },
            403 => GitlabError::Forbidden {
                method: method_s,
                path: path_s,
                message,
                token_kind,
            },
            404 => GitlabError::NotFound {
                method: method_s,
                path: path_s,
                message,
            },
            409 => GitlabError::Conflict {
                method: method_s,
                path: path_s,
                message,
            },
            422 => GitlabError::Unprocessable {
                method: method_s,
                path: path_s,
                message,
            },
            s => GitlabError::Status {
                status: s,
                method: method_s,
                path: path_s,
                message,
            },
        };
        Attempt::Fatal(last)
    }

    /// Removes the token from text that came from elsewhere (an error's cause, an answer).
    fn scrub(&self, text: &str) -> String {
        text.replace(self.token.secret(), "[redacted]")
    }
}

/// Sets the attempt count on the errors that carry one.
fn with_attempts(mut err: GitlabError, made: u32) -> GitlabError {
    match &mut err {
        GitlabError::RateLimited { attempts, .. }
        | GitlabError::Server { attempts, .. }
        | GitlabError::Timeout { attempts, .. } => *attempts = made,
        _ => {}
    }
    err
}

fn decode<T: DeserializeOwned>(method: &Method, path: &str, body: &[u8]) -> Result<T, GitlabError> {
    serde_json::from_slice(body).map_err(|e| GitlabError::Decode {
        method: method.to_string(),
        path: shown_path(path),
        reason: e.to_string(),
    })
}

/// The path as errors show it: without the query.
fn shown_path(path: &str) -> String {
    path.split('?').next().unwrap_or(path).to_string()
}

/// GitLab's error text on one line: `message` (a string, a list, or a map of field -> list, as
/// validation errors come) or `error`; else the status's reason.
fn api_message(body: &[u8], status: StatusCode) -> String {
    fn flatten(value: &Value, out: &mut Vec<String>, prefix: &str) {
        match value {
            Value::String(s) => out.push(format!("{prefix}{s}")),
            Value::Array(items) => items.iter().for_each(|v| flatten(v, out, prefix)),
            Value::Object(map) => {
                for (k, v) in map {
                    flatten(v, out, &format!("{prefix}{k} "));
                }
            }
            other => out.push(format!("{prefix}{other}")),
        }
    }
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let mut parts = Vec::new();
    if let Some(value) = parsed
        .as_ref()
        .and_then(|v| v.get("message").or_else(|| v.get("error")))
    {
        flatten(value, &mut parts, "");
    }
    let text = if parts.is_empty() {
        let raw = String::from_utf8_lossy(body);
        let raw = raw.trim();
        if raw.is_empty() || raw.starts_with('<') {
            status
                .canonical_reason()
                .unwrap_or("no message")
                .to_string()
        } else {
            raw.to_string()
        }
    } else {
        parts.join("; ")
    };
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() > 300 {
        let cut: String = one_line.chars().take(300).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

/// How long GitLab asks to wait: `Retry-After` seconds, else until `RateLimit-Reset` (a Unix
/// time).
fn retry_wait(headers: &HeaderMap) -> Option<Duration> {
    if let Some(secs) = header_secs(headers, "retry-after") {
        return Some(Duration::from_secs(secs));
    }
    let reset = header_secs(headers, "ratelimit-reset")?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

fn header_secs(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The next page: `x-next-page` (empty on the last page), else the `page` of `Link: rel="next"`.
fn next_page(headers: &HeaderMap) -> Option<u32> {
    if let Some(value) = headers.get("x-next-page").and_then(|v| v.to_str().ok()) {
        return value.trim().parse().ok();
    }
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|entry| {
        let (target, params) = entry.split_once(';')?;
        if !params.split(';').any(|p| p.trim() == "rel=\"next\"") {
            return None;
        }
        let url =
            url::Url::parse(target.trim().trim_start_matches('<').trim_end_matches('>')).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
    })
}

/// A path segment: `group/project` -> `group%2Fproject`, as GitLab wants a project path in
/// `/projects/:id`.
fn encode_segment(text: &str) -> String {
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

/// Plain http would send the token unencrypted: only to this machine.
fn check_api_url(api_url: &str) -> Result<(), GitlabError> {
    let url = url::Url::parse(api_url).map_err(|e| {
        GitlabError::Config(format!(
            "the GitLab API URL {api_url:?} is not a URL ({e}); expected e.g. https://gitlab.com/api/v4"
        ))
    })?;
    let local = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if local => Ok(()),
        scheme => Err(GitlabError::Config(format!(
            "the GitLab API URL {api_url:?} uses {scheme}, which would send the token unencrypted: use https"
        ))),
    }
}

/// An error and its causes on one line (`client error (Connect): tcp connect error: Connection
/// refused`): the innermost cause is what a user can act on.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut causes: Vec<String> = std::iter::successors(Some(err), |e| e.source())
        .map(ToString::to_string)
        .collect();
    causes.dedup();
    causes.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn next_page_from_gitlab_headers_or_link() {
        assert_eq!(next_page(&headers(&[("x-next-page", "3")])), Some(3));
        assert_eq!(next_page(&headers(&[("x-next-page", "")])), None);
        let link = "<https://gl/api/v4/projects/1/notes?page=1&per_page=100>; rel=\"first\", <https://gl/api/v4/projects/1/notes?page=4&per_page=100>; rel=\"next\"";
        assert_eq!(next_page(&headers(&[("link", link)])), Some(4));
        assert_eq!(next_page(&headers(&[])), None);
    }

    #[test]
    fn error_messages_are_one_line() {
        let body = br#"{"message":{"note":["is too long (maximum is 1000000 characters)"],"base":["x\ny"]}}"#;
        assert_eq!(
            api_message(body, StatusCode::BAD_REQUEST),
            "base x y; note is too long (maximum is 1000000 characters)"
        );
        assert_eq!(
            api_message(
                br#"{"message":"401 Unauthorized"}"#,
                StatusCode::UNAUTHORIZED
            ),
            "401 Unauthorized"
        );
        assert_eq!(
            api_message(b"<html>bad gateway</html>", StatusCode::BAD_GATEWAY),
            "Bad Gateway"
        );
    }

    #[test]
    fn retry_wait_prefers_retry_after() {
        assert_eq!(
            retry_wait(&headers(&[("retry-after", "7"), ("ratelimit-reset", "1")])),
            Some(Duration::from_secs(7))
        );
        assert_eq!(retry_wait(&headers(&[])), None);
    }

    #[test]
    fn project_paths_are_encoded_and_plain_http_is_local_only() {
        assert_eq!(encode_segment("group/sub/proj"), "group%2Fsub%2Fproj");
        assert_eq!(encode_segment("42"), "42");
        assert!(check_api_url("https://gitlab.example/api/v4").is_ok());
        assert!(check_api_url("http://127.0.0.1:8080/api/v4").is_ok());
        assert!(check_api_url("http://gitlab.example/api/v4").is_err());
        assert!(check_api_url("gitlab.example").is_err());
    }

    #[test]
    fn debug_never_shows_the_token() {
        let shown = format!("{:?}", GitlabToken::Private("glpat-secret".into()));
        assert!(!shown.contains("glpat-secret"), "{shown}");
    }
}
