//! The narrow GitLab REST v4 client: the few calls tfpost makes, each with a timeout, retries
//! (rate limits by `Retry-After` / `RateLimit-Reset`, 5xx and network failures with backoff, but
//! never a POST that may have been done), error mapping and a call counter.
//!
//! Built on hyper with the rustls connector the Slack notifier also uses: plain http is allowed
//! only to this machine (tests, a local proxy), since the token travels in a header.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::Full;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::error::GitlabError;
use crate::http::transport::{self, ReadError, Redactor, encode_segment, shown_path};
use crate::http::{Attempt, Failure, Fate, Idempotency, Retrier, RetryPolicy};

/// GitLab answers 100 items a page at most.
const PER_PAGE: u32 = 100;
/// More pages than this is a listing that never ends, not a merge request.
const MAX_PAGES: u32 = 2_000;
/// The largest answer read. A page of 100 notes holds up to 100 of GitLab's 1,000,000-character
/// notes; in practice only tfpost's current note per target is that large (outdated ones are
/// deleted or cut to a line), so a page of a monorepo's notes stays far below this.
const MAX_ANSWER_BYTES: usize = 8 * transport::MAX_PAGE_BYTES;

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
    /// Where the token comes from, as errors name it.
    fn variable(&self) -> &'static str {
        match self {
            GitlabToken::Private(_) => "the GitLab token (GITLAB_TOKEN)",
            GitlabToken::Job(_) => "the CI job token (CI_JOB_TOKEN)",
        }
    }

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

/// The GitLab REST v4 API of one project.
pub struct GitlabClient {
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    api_url: String,
    /// The project id, or its path percent-encoded, as it goes in `/projects/:id`.
    project: String,
    token: GitlabToken,
    /// The token, as its header is sent.
    token_header: http::HeaderValue,
    /// The token and the URL's userinfo, kept out of every message.
    redactor: Redactor,
    retrier: Retrier,
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
        transport::check_url(
            &api_url,
            "the GitLab API URL (CI_API_V4_URL)",
            "token",
            "; expected e.g. https://gitlab.com/api/v4",
        )?;
        let secret = token.secret();
        if secret.trim().is_empty() {
            return Err(GitlabError::Config(format!(
                "{} is empty",
                token.variable()
            )));
        }
        let token_header = transport::secret_header(secret, token.variable())?;
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
        let mut redactor = Redactor::default();
        redactor.add(secret);
        redactor.add_userinfo_of(&api_url);
        Ok(GitlabClient {
            http: Client::builder(TokioExecutor::new()).build(transport::https_connector()?),
            api_url,
            project: encode_segment(project),
            token,
            token_header,
            redactor,
            retrier: Retrier::new(policy),
        })
    }

    /// HTTP requests sent so far, retries included.
    pub fn api_calls(&self) -> u32 {
        self.retrier.requests()
    }

    /// The API URL as messages show it: without any userinfo.
    pub fn api_url(&self) -> String {
        transport::shown_url(&self.api_url)
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
        match self
            .send(Method::DELETE, &path, None, Idempotency::Repeatable)
            .await
        {
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
        // Sent again after an unknown fate: a label made by the first try answers 409 the
        // second time, which counts as done.
        match self
            .send(Method::POST, &path, Some(body), Idempotency::Repeatable)
            .await
        {
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
            let answer = self
                .send(Method::GET, &paged, None, Idempotency::Repeatable)
                .await?;
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

    /// A request and its decoded answer; a POST creates something and is not sent again when
    /// its fate is unknown.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, GitlabError> {
        let idempotency = if method == Method::POST {
            Idempotency::CreateOnce
        } else {
            Idempotency::Repeatable
        };
        let answer = self.send(method.clone(), path, body, idempotency).await?;
        decode(&method, path, &answer.body)
    }

    /// Sends through the retry policy; a success status, or the error for the last answer.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        idempotency: Idempotency,
    ) -> Result<Answer, GitlabError> {
        let body = body.map(|b| Bytes::from(b.to_string()));
        let sent = self
            .retrier
            .send(idempotency, || self.attempt(&method, path, body.clone()))
            .await;
        sent.map_err(|failure| match failure {
            Failure::TimedOut { attempts, timeout } => GitlabError::Timeout {
                method: method.to_string(),
                path: shown_path(path),
                attempts,
                timeout,
            },
            Failure::GaveUp {
                error, attempts, ..
            } => with_attempts(error, attempts),
        })
    }

    async fn attempt(
        &self,
        method: &Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Attempt<Answer, GitlabError> {
        let url = format!("{}{}", self.api_url, path);
        let has_body = body.is_some();
        let mut request = Request::builder()
            .method(method.clone())
            .uri(&url)
            .header(self.token.header(), self.token_header.clone())
            .header("accept", "application/json")
            .header("user-agent", concat!("tfpost/", env!("CARGO_PKG_VERSION")));
        if has_body {
            request = request.header("content-type", "application/json");
        }
        let request = match request.body(Full::new(body.unwrap_or_default())) {
            Ok(request) => request,
            Err(e) => {
                return Attempt::Final(GitlabError::Config(format!(
                    "cannot build the request for {}: {}",
                    shown_path(path),
                    self.redactor.scrub(&e.to_string())
                )));
            }
        };
        let connection_error = |reason: String| GitlabError::Connection {
            method: method.to_string(),
            path: shown_path(path),
            api_url: self.api_url(),
            reason,
        };
        let response = match self.http.request(request).await {
            Ok(response) => response,
            Err(err) => {
                let (reason, fate) = if transport::nothing_sent(&err) {
                    (
                        format!(
                            "connect: {}",
                            self.redactor.scrub(&transport::error_chain(&err))
                        ),
                        Fate::NotDone,
                    )
                } else {
                    (
                        self.redactor.scrub(&transport::error_chain(&err)),
                        Fate::Unknown,
                    )
                };
                return Attempt::Transient {
                    error: connection_error(reason),
                    fate,
                    wait: None,
                };
            }
        };
        let (parts, incoming) = response.into_parts();
        let body = if parts.status.is_success() {
            match transport::read_body(incoming, MAX_ANSWER_BYTES).await {
                Ok(body) => body,
                Err(err @ ReadError::TooLarge { .. }) => {
                    return Attempt::Final(GitlabError::Decode {
                        method: method.to_string(),
                        path: shown_path(path),
                        reason: err.to_string(),
                    });
                }
                Err(ReadError::Broken(reason)) => {
                    return Attempt::Transient {
                        error: connection_error(format!(
                            "reading the answer: {}",
                            self.redactor.scrub(&reason)
                        )),
                        fate: Fate::Unknown,
                        wait: None,
                    };
                }
            }
        } else {
            transport::read_error_body(incoming).await
        };
        let answer = Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        };
        self.classify(method, path, answer)
    }

    /// A success, a failure worth retrying, or (as `Err`) one that is not.
    fn classify(
        &self,
        method: &Method,
        path: &str,
        answer: Answer,
    ) -> Attempt<Answer, GitlabError> {
        let status = answer.status;
        if status.is_success() {
            return Attempt::Done(answer);
        }
        let method_s = method.to_string();
        let path_s = shown_path(path);
        let message = self.redactor.scrub(&api_message(&answer.body, status));
        let token_kind = self.token.kind().to_string();
        let last = match status.as_u16() {
            429 => {
                let wait = retry_wait(&answer.headers);
                return Attempt::Transient {
                    fate: Fate::NotDone,
                    wait,
                    error: GitlabError::RateLimited {
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
                return Attempt::Transient {
                    fate: Fate::Unknown,
                    wait: header_secs(&answer.headers, "retry-after").map(Duration::from_secs),
                    error: GitlabError::Server {
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
        Attempt::Final(last)
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
    fn debug_never_shows_the_token() {
        let shown = format!("{:?}", GitlabToken::Private("glpat-secret".into()));
        assert!(!shown.contains("glpat-secret"), "{shown}");
    }
}
