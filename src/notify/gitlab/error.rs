//! What can go wrong talking to GitLab, typed so callers can act on the kind (retry a 502, not a
//! 401) and worded so a user knows what to fix. No variant ever holds the token: every text that
//! came from the network is scrubbed of it before it lands here.

use std::time::Duration;

/// An error from the GitLab notifier. `Display` says what failed (method and path, never the
/// token), GitLab's own message on one line, and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum GitlabError {
    /// The API URL, project or token cannot be used.
    #[error("GitLab configuration: {0}")]
    Config(String),

    /// The API URL or the token breaks a transport rule (plain http to another host, a
    /// token that cannot be a header).
    #[error("GitLab configuration: {0}")]
    Transport(#[from] crate::http::TransportError),

    /// Nothing to comment on: no merge request and no commit SHA.
    #[error(
        "no merge request or commit to comment on: set CI_MERGE_REQUEST_IID (merge request pipelines) or CI_COMMIT_SHA"
    )]
    NoDestination,

    /// 400: GitLab refused the request's content (e.g. a note over its size limit).
    #[error("GitLab answered 400 for {method} {path}: {message}")]
    BadRequest {
        method: String,
        path: String,
        message: String,
    },

    /// 401: the token is wrong, expired or revoked.
    #[error(
        "GitLab answered 401 for {method} {path}: {message}; the {token_kind} is invalid, expired or revoked, check GITLAB_TOKEN"
    )]
    Unauthorized {
        method: String,
        path: String,
        message: String,
        token_kind: String,
    },

    /// 403: the token lacks a scope or role (a CI job token cannot write notes on most
    /// instances; a project access token needs the `api` scope and the Reporter role).
    #[error(
        "GitLab answered 403 for {method} {path}: {message}; the {token_kind} lacks the permission: use a project or personal access token with the `api` scope (Reporter role or more) in GITLAB_TOKEN"
    )]
    Forbidden {
        method: String,
        path: String,
        message: String,
        token_kind: String,
    },

    /// 404: wrong project, merge request or commit, or a token that cannot see the project.
    #[error(
        "GitLab answered 404 for {method} {path}: {message}; check CI_PROJECT_ID and the merge request / commit, and that the token can see the project"
    )]
    NotFound {
        method: String,
        path: String,
        message: String,
    },

    /// 409: a conflicting change (the merge request changed under the update).
    #[error("GitLab answered 409 for {method} {path}: {message}")]
    Conflict {
        method: String,
        path: String,
        message: String,
    },

    /// 422: GitLab could not process the request (a locked discussion, a merged MR's labels).
    #[error("GitLab answered 422 for {method} {path}: {message}")]
    Unprocessable {
        method: String,
        path: String,
        message: String,
    },

    /// 429 that did not clear within the retry budget.
    #[error(
        "GitLab rate limit hit for {method} {path} after {attempts} attempt(s){}",
        retry_after.map(|d| format!("; it asks to wait {}s", d.as_secs())).unwrap_or_default()
    )]
    RateLimited {
        method: String,
        path: String,
        attempts: u32,
        retry_after: Option<Duration>,
    },

    /// A 5xx that persisted through every retry.
    #[error(
        "GitLab answered {status} for {method} {path} after {attempts} attempt(s): {message}; GitLab may be down, try again later"
    )]
    Server {
        status: u16,
        method: String,
        path: String,
        attempts: u32,
        message: String,
    },

    /// Any other status.
    #[error("GitLab answered {status} for {method} {path}: {message}")]
    Status {
        status: u16,
        method: String,
        path: String,
        message: String,
    },

    /// No answer within the timeout.
    #[error(
        "GitLab did not answer {method} {path} within {}s ({attempts} attempt(s))",
        timeout.as_secs_f32()
    )]
    Timeout {
        method: String,
        path: String,
        attempts: u32,
        timeout: Duration,
    },

    /// The connection failed (DNS, refused, TLS).
    #[error("cannot reach GitLab at {api_url} for {method} {path}: {reason}")]
    Connection {
        method: String,
        path: String,
        api_url: String,
        reason: String,
    },

    /// The answer was not what GitLab's API documents.
    #[error("unexpected answer from GitLab to {method} {path}: {reason}")]
    Decode {
        method: String,
        path: String,
        reason: String,
    },
}

impl GitlabError {
    /// True for failures that may pass on their own (rate limits, 5xx, timeouts, connections).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            GitlabError::RateLimited { .. }
                | GitlabError::Server { .. }
                | GitlabError::Timeout { .. }
                | GitlabError::Connection { .. }
        )
    }

    /// The HTTP status GitLab answered, when the error is an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            GitlabError::BadRequest { .. } => Some(400),
            GitlabError::Unauthorized { .. } => Some(401),
            GitlabError::Forbidden { .. } => Some(403),
            GitlabError::NotFound { .. } => Some(404),
            GitlabError::Conflict { .. } => Some(409),
            GitlabError::Unprocessable { .. } => Some(422),
            GitlabError::RateLimited { .. } => Some(429),
            GitlabError::Server { status, .. } | GitlabError::Status { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }
}
