//! The narrow GitHub API client: the few REST and GraphQL calls tfpost makes, over octocrab, each
//! with a timeout, retries with backoff, rate-limit handling, error mapping and a call counter.
//!
//! Paths are always sent relative to the base URL so octocrab adds the token only to requests
//! bound for the configured API host; `Link` pagination URLs pointing anywhere else are refused.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, StatusCode};
use octocrab::Octocrab;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::GithubError;
pub use crate::http::RetryPolicy;
pub use crate::http::transport::encode_segment;
use crate::http::transport::{self, MAX_PAGE_BYTES, ReadError, Redactor};
use crate::http::{Attempt, Failure, Fate, Idempotency, Retrier, Stop};

/// Where the token comes from, as errors name it.
const TOKEN_SOURCE: &str = "the GitHub token (GITHUB_TOKEN, TFPOST_GITHUB_TOKEN or github.token)";

/// One GitHub comment as tfpost needs it (issue/PR comment or commit comment).
#[derive(Debug, Clone, Deserialize)]
pub struct Comment {
    pub id: u64,
    pub node_id: String,
    #[serde(default)]
    pub html_url: String,
    #[serde(default)]
    pub body: Option<String>,
    pub user: Option<Account>,
}

/// The comments of a thread and where their last page is.
#[derive(Debug, Clone)]
pub struct CommentListing {
    /// Oldest first.
    pub comments: Vec<Comment>,
    /// The path of the last page read: new comments are appended there or after it.
    pub last_page: String,
}

/// The author of a comment.
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub login: String,
    #[serde(rename = "type", default)]
    pub account_type: String,
}

/// A pull request as `GET /repos/{owner}/{repo}/commits/{sha}/pulls` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    #[serde(default)]
    pub state: String,
    #[serde(default)]
    pub merged_at: Option<String>,
    #[serde(default)]
    pub merge_commit_sha: Option<String>,
    #[serde(default)]
    pub head: Option<GitRef>,
}

/// A branch tip of a pull request.
#[derive(Debug, Clone, Deserialize)]
pub struct GitRef {
    pub sha: String,
}

/// A label on an issue or pull request.
#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub name: String,
    #[serde(default)]
    pub color: String,
    /// GitHub answers `null` for a label without one.
    #[serde(default)]
    pub description: Option<String>,
}

/// Where comments live: a pull request (its issue thread) or a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Thread {
    PullRequest(u64),
    Commit(String),
}

/// The narrow client. Cheap to share by reference; counts every HTTP request it sends.
pub struct GithubClient {
    rest: Octocrab,
    graphql: Octocrab,
    /// The REST base as errors show it: without any userinfo.
    api_url: String,
    /// Scheme + authority + base path of REST, to turn `Link` URLs back into paths.
    rest_prefix: String,
    owner: String,
    repo: String,
    /// The token and the URL's userinfo, kept out of every message.
    redactor: Redactor,
    retrier: Retrier,
    /// POSTs sent again after an answer that may hide a success (5xx, connection lost).
    uncertain_posts: AtomicU32,
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

#[derive(Clone, Copy)]
enum Api {
    Rest,
    Graphql,
}

/// Splits a REST base URL into the REST base and the matching GraphQL base (octocrab posts to
/// `{base}/graphql`): `https://api.github.com` -> itself; Enterprise `https://HOST/api/v3` ->
/// `https://HOST/api`.
pub fn graphql_base(api_url: &str) -> String {
    let trimmed = api_url.trim_end_matches('/');
    match trimmed.strip_suffix("/v3") {
        Some(base) => base.to_string(),
        None => trimmed.to_string(),
    }
}

impl GithubClient {
    /// A client for `owner/repo` at `api_url` (REST base, e.g. `https://api.github.com` or
    /// `https://HOST/api/v3`). Must be called within a Tokio runtime.
    pub fn new(
        api_url: &str,
        token: &str,
        owner: &str,
        repo: &str,
        policy: RetryPolicy,
    ) -> Result<GithubClient, GithubError> {
        let api_url = api_url.trim().trim_end_matches('/').to_string();
        transport::check_url(
            &api_url,
            "the GitHub API URL (GITHUB_API_URL)",
            "token",
            "; expected e.g. https://api.github.com or https://HOST/api/v3",
        )?;
        let shown = transport::shown_url(&api_url);
        let invalid = |reason: &str| GithubError::InvalidApiUrl {
            url: shown.clone(),
            reason: reason.to_string(),
        };
        if token.trim().is_empty() {
            return Err(GithubError::MissingToken);
        }
        transport::secret_header(token, TOKEN_SOURCE)?;
        let mut redactor = Redactor::default();
        redactor.add(token);
        redactor.add_userinfo_of(&api_url);
        // The retrier's timer must be the one that fires for a request that was sent: it
        // reports a timeout, which is never resent. Had the transport's read timeout fired
        // first (same length, a race), the hang would read as a broken connection and be
        // retried. A connect timeout means nothing was sent: it may fire first.
        let transport_timeout = policy.timeout + Duration::from_secs(5);
        let build = |base: &str| -> Result<Octocrab, GithubError> {
            Octocrab::builder()
                .base_uri(base)
                .map_err(|_| invalid("not a URL"))?
                .personal_token(token.to_string())
                .set_connect_timeout(Some(policy.timeout))
                .set_read_timeout(Some(transport_timeout))
                .set_write_timeout(Some(transport_timeout))
                .build()
                .map_err(|e| invalid(&redactor.scrub(&e.to_string())))
        };
        let rest = build(&api_url)?;
        let graphql = build(&graphql_base(&api_url))?;
        Ok(GithubClient {
            rest,
            graphql,
            rest_prefix: api_url.clone(),
            api_url: shown.clone(),
            owner: owner.to_string(),
            repo: repo.to_string(),
            redactor,
            retrier: Retrier::new(policy),
            uncertain_posts: AtomicU32::new(0),
        })
    }

    /// How many POSTs were sent again after a 5xx or a connection error, where GitHub may have
    /// done the first one anyway (a duplicate comment is possible).
    pub fn uncertain_posts(&self) -> u32 {
        self.uncertain_posts.load(Ordering::Relaxed)
    }

    /// Waits before attempt `attempt + 1` of something the caller retries itself (a comment
    /// checked for after an uncertain answer), within the policy's attempts and its budget of
    /// waiting shared with every other call; false when no attempt is left.
    pub async fn wait_before_retry(&self, attempt: u32) -> bool {
        self.retrier.wait_before_retry(attempt).await
    }

    /// The timing policy in force.
    pub fn policy(&self) -> &RetryPolicy {
        self.retrier.policy()
    }

    /// How many HTTP requests this client has sent (retries included).
    pub fn api_calls(&self) -> u32 {
        self.retrier.requests()
    }

    /// The token's login (`GET /user`).
    pub async fn current_login(&self) -> Result<String, GithubError> {
        #[derive(Deserialize)]
        struct User {
            login: String,
        }
        let answer = self.rest(Method::GET, "/user", None, "-").await?;
        let user: User = self.decode(&Method::GET, "/user", &answer.body)?;
        Ok(user.login)
    }

    /// One comment of a thread, and the permission writing it takes.
    fn comment_path(&self, thread: &Thread, comment_id: u64) -> (String, &'static str) {
        match thread {
            Thread::PullRequest(_) => (
                format!("{}/issues/comments/{comment_id}", self.repo_path()),
                "pull-requests: write",
            ),
            Thread::Commit(_) => (
                format!("{}/comments/{comment_id}", self.repo_path()),
                "contents: write",
            ),
        }
    }

    fn repo_path(&self) -> String {
        format!(
            "/repos/{}/{}",
            encode_segment(&self.owner),
            encode_segment(&self.repo)
        )
    }

    /// Every comment of a thread, oldest first (`per_page=100`, following `Link: rel="next"`).
    pub async fn list_comments(&self, thread: &Thread) -> Result<CommentListing, GithubError> {
        let path = match thread {
            Thread::PullRequest(n) => {
                format!("{}/issues/{n}/comments?per_page=100", self.repo_path())
            }
            Thread::Commit(sha) => format!(
                "{}/commits/{}/comments?per_page=100",
                self.repo_path(),
                encode_segment(sha)
            ),
        };
        self.list_comments_from(thread, &path).await
    }

    /// The comments from the page at `path` (a [`CommentListing::last_page`]) to the end: what
    /// was added since that listing, for the cost of one call on most pull requests.
    pub async fn list_comments_from(
        &self,
        thread: &Thread,
        path: &str,
    ) -> Result<CommentListing, GithubError> {
        let permission = match thread {
            Thread::PullRequest(_) => "pull-requests: read",
            Thread::Commit(_) => "contents: read",
        };
        let mut path = path.to_string();
        let mut all = Vec::new();
        // A cap against a server that links in circles: 1,000 pages are 100,000 comments.
        for _ in 0..1000 {
            let answer = self.rest(Method::GET, &path, None, permission).await?;
            let page: Vec<Comment> = self.decode(&Method::GET, &path, &answer.body)?;
            all.extend(page);
            match next_link(&answer.headers) {
                Some(next) => {
                    path = self.relative_path(&next).ok_or_else(|| {
                        GithubError::UnexpectedResponse {
                            method: "GET".into(),
                            path: path.clone(),
                            reason: format!(
                                "the next page link {next:?} points outside {}; not following it with the token",
                                self.api_url
                            ),
                        }
                    })?;
                }
                None => break,
            }
        }
        Ok(CommentListing {
            comments: all,
            last_page: path,
        })
    }

    /// Posts a new comment.
    pub async fn create_comment(
        &self,
        thread: &Thread,
        body: &str,
    ) -> Result<Comment, GithubError> {
        let (path, permission) = match thread {
            Thread::PullRequest(n) => (
                format!("{}/issues/{n}/comments", self.repo_path()),
                "pull-requests: write",
            ),
            Thread::Commit(sha) => (
                format!(
                    "{}/commits/{}/comments",
                    self.repo_path(),
                    encode_segment(sha)
                ),
                "contents: write",
            ),
        };
        // Never sent again blindly: after an answer that may hide a success the caller looks
        // for the comment first ([`GithubError::is_uncertain`]).
        let answer = self
            .call(
                Api::Rest,
                Method::POST,
                &path,
                Some(json!({ "body": body })),
                permission,
                Idempotency::CreateOnce,
            )
            .await?;
        self.decode(&Method::POST, &path, &answer.body)
    }

    /// Replaces a comment's body.
    pub async fn update_comment(
        &self,
        thread: &Thread,
        comment_id: u64,
        body: &str,
    ) -> Result<Comment, GithubError> {
        let (path, permission) = self.comment_path(thread, comment_id);
        let answer = self
            .rest(
                Method::PATCH,
                &path,
                Some(json!({ "body": body })),
                permission,
            )
            .await?;
        self.decode(&Method::PATCH, &path, &answer.body)
    }

    /// Hides comments as outdated (GraphQL `minimizeComment`), up to 50 per request through
    /// aliases. Returns how many GitHub confirmed.
    pub async fn minimize_outdated(&self, node_ids: &[String]) -> Result<usize, GithubError> {
        self.minimize(node_ids, "OUTDATED").await
    }

    /// Hides comments with a `ReportedContentClassifiers` value (`OUTDATED`, `DUPLICATE`).
    pub async fn minimize(
        &self,
        node_ids: &[String],
        classifier: &str,
    ) -> Result<usize, GithubError> {
        let mut done = 0;
        for chunk in node_ids.chunks(50) {
            let mut params = Vec::new();
            let mut fields = Vec::new();
            let mut variables = serde_json::Map::new();
            for (i, id) in chunk.iter().enumerate() {
                params.push(format!("$s{i}: ID!"));
                fields.push(format!(
                    "m{i}: minimizeComment(input: {{subjectId: $s{i}, classifier: {classifier}}}) {{ minimizedComment {{ isMinimized }} }}"
                ));
                variables.insert(format!("s{i}"), Value::String(id.clone()));
            }
            let query = format!(
                "mutation tfpostMinimize({}) {{ {} }}",
                params.join(", "),
                fields.join(" ")
            );
            let data = self
                .graphql_call(
                    "minimizeComment",
                    json!({ "query": query, "variables": variables }),
                    "pull-requests: write",
                )
                .await?;
            done += (0..chunk.len())
                .filter(|i| {
                    data.pointer(&format!("/m{i}/minimizedComment/isMinimized"))
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
                })
                .count();
        }
        Ok(done)
    }

    /// The pull requests a commit belongs to (`GET /repos/{o}/{r}/commits/{sha}/pulls`).
    pub async fn pulls_of_commit(&self, sha: &str) -> Result<Vec<PullRequest>, GithubError> {
        let path = format!(
            "{}/commits/{}/pulls?per_page=100",
            self.repo_path(),
            encode_segment(sha)
        );
        let answer = self
            .rest(Method::GET, &path, None, "pull-requests: read")
            .await?;
        self.decode(&Method::GET, &path, &answer.body)
    }

    /// Deletes a comment tfpost wrote (a racing duplicate of a comment edited in place). A
    /// comment already gone (404) counts as deleted: the racing run may have deleted it first.
    pub async fn delete_comment(
        &self,
        thread: &Thread,
        comment_id: u64,
    ) -> Result<(), GithubError> {
        let (path, permission) = self.comment_path(thread, comment_id);
        match self.rest(Method::DELETE, &path, None, permission).await {
            Ok(_) => Ok(()),
            Err(err) if err.status() == Some(404) => Ok(()),
            Err(err) => Err(err),
        }
    }

    /// Adds labels to a pull request; GitHub creates missing ones (colour `ededed`). Returns
    /// every label the pull request has afterwards.
    pub async fn add_labels(&self, pr: u64, names: &[String]) -> Result<Vec<Label>, GithubError> {
        let path = format!("{}/issues/{pr}/labels", self.repo_path());
        let answer = self
            .rest(
                Method::POST,
                &path,
                Some(json!({ "labels": names })),
                "pull-requests: write",
            )
            .await?;
        self.decode(&Method::POST, &path, &answer.body)
    }

    /// The labels of a pull request.
    pub async fn labels_of(&self, pr: u64) -> Result<Vec<Label>, GithubError> {
        let path = format!("{}/issues/{pr}/labels?per_page=100", self.repo_path());
        let answer = self
            .rest(Method::GET, &path, None, "pull-requests: read")
            .await?;
        self.decode(&Method::GET, &path, &answer.body)
    }

    /// Removes one label from a pull request.
    pub async fn remove_label(&self, pr: u64, name: &str) -> Result<(), GithubError> {
        let path = format!(
            "{}/issues/{pr}/labels/{}",
            self.repo_path(),
            encode_segment(name)
        );
        self.rest(Method::DELETE, &path, None, "pull-requests: write")
            .await?;
        Ok(())
    }

    /// Creates a repository label.
    pub async fn create_label(
        &self,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<(), GithubError> {
        let path = format!("{}/labels", self.repo_path());
        let body = json!({ "name": name, "color": color, "description": description });
        self.rest(Method::POST, &path, Some(body), "issues: write")
            .await?;
        Ok(())
    }

    /// Sets a repository label's colour and description.
    pub async fn update_label(
        &self,
        name: &str,
        color: &str,
        description: &str,
    ) -> Result<(), GithubError> {
        let path = format!("{}/labels/{}", self.repo_path(), encode_segment(name));
        let mut body = json!({ "description": description });
        if !color.is_empty() {
            body["color"] = json!(color);
        }
        self.rest(Method::PATCH, &path, Some(body), "issues: write")
            .await?;
        Ok(())
    }

    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        method: &Method,
        path: &str,
        body: &str,
    ) -> Result<T, GithubError> {
        serde_json::from_str(body).map_err(|e| GithubError::UnexpectedResponse {
            method: method.to_string(),
            path: path.to_string(),
            reason: format!("cannot read the JSON answer: {e}"),
        })
    }

    /// Turns an absolute `Link` URL back into a path relative to the REST base, or `None` when
    /// it points elsewhere.
    /// Only the path is taken from the link: requests (and the token) always go to the
    /// configured host, even when a proxy or an alias makes GitHub name another one.
    fn relative_path(&self, url: &str) -> Option<String> {
        if let Some(rest) = url.strip_prefix(&self.rest_prefix)
            && rest.starts_with('/')
        {
            return Some(rest.to_string());
        }
        let link: http::Uri = url.parse().ok()?;
        let base: http::Uri = self.rest_prefix.parse().ok()?;
        let base_path = base.path().trim_end_matches('/');
        let rest = link.path_and_query()?.as_str().strip_prefix(base_path)?;
        rest.starts_with('/').then(|| rest.to_string())
    }

    async fn rest(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        permission: &str,
    ) -> Result<Answer, GithubError> {
        self.call(
            Api::Rest,
            method,
            path,
            body,
            permission,
            Idempotency::Repeatable,
        )
        .await
    }

    async fn graphql_call(
        &self,
        operation: &str,
        payload: Value,
        permission: &str,
    ) -> Result<Value, GithubError> {
        let answer = self
            .call(
                Api::Graphql,
                Method::POST,
                "/graphql",
                Some(payload),
                permission,
                Idempotency::Repeatable,
            )
            .await?;
        let value: Value = self.decode(&Method::POST, "/graphql", &answer.body)?;
        if let Some(errors) = value.get("errors").and_then(Value::as_array)
            && !errors.is_empty()
        {
            let messages: Vec<String> = errors
                .iter()
                .filter_map(|e| e.get("message").and_then(Value::as_str))
                .map(str::to_string)
                .collect();
            let forbidden = errors
                .iter()
                .any(|e| e.get("type").and_then(Value::as_str) == Some("FORBIDDEN"));
            return Err(GithubError::Graphql {
                operation: operation.to_string(),
                message: self.redactor.scrub(&messages.join("; ")),
                hint: if forbidden {
                    format!("; the token lacks `{permission}`")
                } else {
                    String::new()
                },
            });
        }
        Ok(value.get("data").cloned().unwrap_or(Value::Null))
    }

    /// One logical call through the retry policy: this client's part is reading GitHub's
    /// answer (what a rate limit looks like, how long it asks to wait) and wording the error.
    async fn call(
        &self,
        api: Api,
        method: Method,
        path: &str,
        body: Option<Value>,
        permission: &str,
        idempotency: Idempotency,
    ) -> Result<Answer, GithubError> {
        let shown_path = transport::shown_path(path);
        let attempt = std::cell::Cell::new(0u32);
        let last_fate_unknown = std::cell::Cell::new(false);
        let sent = self
            .retrier
            .send(idempotency, || {
                attempt.set(attempt.get() + 1);
                if method == Method::POST && last_fate_unknown.get() {
                    self.uncertain_posts.fetch_add(1, Ordering::Relaxed);
                }
                let (method, shown_path, body) = (method.clone(), &shown_path, body.as_ref());
                let (this_attempt, unknown) = (attempt.get(), &last_fate_unknown);
                async move {
                    let outcome = self
                        .attempt(
                            api,
                            method,
                            path,
                            shown_path,
                            body,
                            permission,
                            this_attempt,
                        )
                        .await;
                    unknown.set(matches!(
                        outcome,
                        Attempt::Transient {
                            fate: Fate::Unknown,
                            ..
                        }
                    ));
                    outcome
                }
            })
            .await;
        sent.map_err(|failure| self.failure(failure, &method, &shown_path))
    }

    /// One send and what its answer means.
    #[allow(clippy::too_many_arguments)]
    async fn attempt(
        &self,
        api: Api,
        method: Method,
        path: &str,
        shown_path: &str,
        body: Option<&Value>,
        permission: &str,
        attempt: u32,
    ) -> Attempt<Answer, GithubError> {
        let answer = match self.send_once(api, method.clone(), path, body).await {
            Ok(answer) => answer,
            Err(Unsent { reason, fate }) => {
                return Attempt::Transient {
                    error: GithubError::Connection {
                        method: method.to_string(),
                        path: shown_path.to_string(),
                        api_url: self.api_url.clone(),
                        attempts: attempt,
                        reason: self.redactor.scrub(&reason),
                    },
                    fate,
                    wait: None,
                };
            }
            Err(TooLarge(reason)) => {
                return Attempt::Final(GithubError::UnexpectedResponse {
                    method: method.to_string(),
                    path: shown_path.to_string(),
                    reason,
                });
            }
        };
        if answer.status.is_success() {
            return Attempt::Done(answer);
        }
        let status = answer.status.as_u16();
        let asked = header_u64(&answer.headers, "retry-after").map(Duration::from_secs);
        if is_rate_limit(&answer) {
            // A rate limit means GitHub did nothing.
            return Attempt::Transient {
                wait: Some(asked.unwrap_or_else(|| rate_limit_wait(&answer.headers))),
                error: GithubError::RateLimited {
                    method: method.to_string(),
                    path: shown_path.to_string(),
                    detail: self.redactor.scrub(&error_message(&answer.body)),
                },
                fate: Fate::NotDone,
            };
        }
        let error = self.map_status(&method, shown_path, &answer, attempt, permission);
        if matches!(status, 500 | 502 | 503 | 504) {
            return Attempt::Transient {
                error,
                fate: Fate::Unknown,
                wait: asked,
            };
        }
        Attempt::Final(error)
    }

    /// The error of a call that did not succeed, worded for the user.
    fn failure(&self, failure: Failure<GithubError>, method: &Method, path: &str) -> GithubError {
        let policy = self.retrier.policy();
        match failure {
            Failure::TimedOut { timeout, .. } => GithubError::Timeout {
                method: method.to_string(),
                path: path.to_string(),
                timeout,
                api_url: self.api_url.clone(),
            },
            Failure::GaveUp {
                error:
                    GithubError::RateLimited {
                        method,
                        path,
                        detail,
                    },
                attempts,
                stop,
            } => {
                let why = match stop {
                    Stop::Budget { wanted } => format!(
                        "it clears in {}s, more than tfpost waits (at most {}s in all, {} attempts)",
                        wanted.as_secs(),
                        policy.max_total_wait.as_secs(),
                        policy.max_attempts
                    ),
                    _ => format!("still limited after {attempts} attempt(s)"),
                };
                GithubError::RateLimited {
                    method,
                    path,
                    detail: format!("{detail}; {why}"),
                }
            }
            Failure::GaveUp {
                error, attempts, ..
            } => error.after_attempts(attempts),
        }
    }

    async fn send_once(
        &self,
        api: Api,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Answer, SendError> {
        let client = match api {
            Api::Rest => &self.rest,
            Api::Graphql => &self.graphql,
        };
        let response = match method {
            Method::GET => client._get(path).await,
            Method::POST => client._post(path, body).await,
            Method::PATCH => client._patch(path, body).await,
            Method::DELETE => client._delete(path, body).await,
            other => {
                return Err(SendError::Unsent {
                    reason: format!("unsupported method {other}"),
                    fate: Fate::NotDone,
                });
            }
        }
        .map_err(|e| SendError::Unsent {
            reason: transport::error_chain(&e),
            fate: if transport::nothing_sent(&e) {
                Fate::NotDone
            } else {
                Fate::Unknown
            },
        })?;
        let (parts, body) = response.into_parts();
        let bytes = if parts.status.is_success() {
            transport::read_body(body, MAX_PAGE_BYTES)
                .await
                .map_err(|e| match e {
                    ReadError::TooLarge { .. } => SendError::TooLarge(e.to_string()),
                    ReadError::Broken(reason) => SendError::Unsent {
                        reason,
                        fate: Fate::Unknown,
                    },
                })?
        } else {
            transport::read_error_body(body).await
        };
        Ok(Answer {
            status: parts.status,
            headers: parts.headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }

    fn map_status(
        &self,
        method: &Method,
        path: &str,
        answer: &Answer,
        attempts: u32,
        permission: &str,
    ) -> GithubError {
        let message = self.redactor.scrub(&error_message(&answer.body));
        let method = method.to_string();
        let path = path.to_string();
        match answer.status.as_u16() {
            401 => GithubError::Unauthorized {
                method,
                path,
                message,
            },
            403 => {
                let lower = message.to_lowercase();
                let hint = if lower.contains("locked") {
                    "the conversation is locked; unlock it or comment elsewhere".to_string()
                } else if permission == "-" {
                    "the token is not allowed to do this".to_string()
                } else {
                    format!("the token lacks `{permission}`")
                };
                GithubError::Forbidden {
                    method,
                    path,
                    message,
                    hint,
                }
            }
            404 => GithubError::NotFound {
                method,
                path,
                permission: permission.replace("write", "read"),
            },
            422 => {
                let lower = message.to_lowercase();
                let hint = if lower.contains("too long") {
                    "; the comment is over GitHub's 65,536-character limit (use `--overflow split`)"
                } else if lower.contains("locked") {
                    "; the conversation is locked"
                } else if lower.contains("closed") {
                    "; the pull request is closed"
                } else {
                    ""
                };
                GithubError::Unprocessable {
                    method,
                    path,
                    message,
                    hint: hint.to_string(),
                }
            }
            status => GithubError::Status {
                status,
                method,
                path,
                attempts,
                message,
            },
        }
    }
}

/// Why a send got no usable answer.
enum SendError {
    /// No answer came (refused, reset, DNS, TLS) or it broke off.
    Unsent { reason: String, fate: Fate },
    /// An answer bigger than any GitHub sends for the calls tfpost makes.
    TooLarge(String),
}
use SendError::{TooLarge, Unsent};

/// How long a rate limit without `Retry-After` asks to wait: until `x-ratelimit-reset` when the
/// primary limit is spent, else GitHub's advice for a secondary limit, at least a minute.
fn rate_limit_wait(headers: &HeaderMap) -> Duration {
    if header_u64(headers, "x-ratelimit-remaining") == Some(0)
        && let Some(reset) = header_u64(headers, "x-ratelimit-reset")
    {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        // One second more: the reset time is rounded down.
        return Duration::from_secs(reset.saturating_sub(now) + 1);
    }
    Duration::from_secs(60)
}

/// A 403/429 that is a rate limit, not a permission problem.
fn is_rate_limit(answer: &Answer) -> bool {
    let status = answer.status.as_u16();
    if status == 429 {
        return true;
    }
    status == 403
        && (header_u64(&answer.headers, "retry-after").is_some()
            || header_u64(&answer.headers, "x-ratelimit-remaining") == Some(0)
            || answer.body.to_lowercase().contains("rate limit"))
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// GitHub's `{"message": ..., "errors": [...]}` as one line.
fn error_message(body: &str) -> String {
    #[derive(Deserialize)]
    struct ErrorBody {
        message: Option<String>,
        #[serde(default)]
        errors: Vec<Value>,
    }
    match serde_json::from_str::<ErrorBody>(body) {
        Ok(parsed) => {
            let mut text = parsed.message.unwrap_or_else(|| "no message".into());
            let details: Vec<String> = parsed
                .errors
                .iter()
                .filter_map(|e| match e {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o
                        .get("message")
                        .or_else(|| o.get("code"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    _ => None,
                })
                .collect();
            if !details.is_empty() {
                text.push_str(": ");
                text.push_str(&details.join("; "));
            }
            text
        }
        Err(_) => {
            let snippet: String = body.chars().take(200).collect();
            if snippet.trim().is_empty() {
                "empty answer".into()
            } else {
                snippet
            }
        }
    }
}

/// The `rel="next"` URL of a `Link` header.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    for value in headers.get_all("link") {
        let Ok(value) = value.to_str() else { continue };
        for part in value.split(',') {
            let mut pieces = part.split(';');
            let url = pieces.next()?.trim();
            if pieces.any(|p| {
                let p = p.trim().replace(' ', "");
                p == "rel=\"next\"" || p == "rel=next"
            }) {
                return Some(
                    url.trim_start_matches('<')
                        .trim_end_matches('>')
                        .to_string(),
                );
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn graphql_endpoint_follows_the_rest_base() {
        assert_eq!(
            graphql_base("https://api.github.com"),
            "https://api.github.com"
        );
        assert_eq!(
            graphql_base("https://ghe.example.com/api/v3/"),
            "https://ghe.example.com/api"
        );
    }

    #[test]
    fn next_link_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "link",
            "<https://api.github.com/x?page=1>; rel=\"prev\", <https://api.github.com/x?page=3>; rel=\"next\", <https://api.github.com/x?page=9>; rel=\"last\""
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&headers).as_deref(),
            Some("https://api.github.com/x?page=3")
        );
        headers.insert(
            "link",
            "<https://api.github.com/x?page=1>; rel=\"first\""
                .parse()
                .unwrap(),
        );
        assert_eq!(next_link(&headers), None);
    }

    #[test]
    fn error_bodies_become_one_line() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"IssueComment","code":"custom","field":"body","message":"body is too long (maximum is 65536 characters)"}],"documentation_url":"https://docs.github.com/rest"}"#;
        assert_eq!(
            error_message(body),
            "Validation Failed: body is too long (maximum is 65536 characters)"
        );
        assert_eq!(error_message(""), "empty answer");
    }
}
