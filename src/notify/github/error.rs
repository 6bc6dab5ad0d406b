//! What can go wrong talking to GitHub, typed so callers can act on the kind (retry a 502, not a
//! 401) and worded so a user knows what to fix. No variant ever holds the token.

use std::time::Duration;

/// An error from the GitHub notifier. `Display` says what failed (method and path, never the
/// token) and what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// `GITHUB_API_URL` (or the configured URL) is not a usable base URL.
    #[error(
        "invalid GitHub API URL {url:?}: {reason}; expected e.g. https://api.github.com or https://HOST/api/v3"
    )]
    InvalidApiUrl { url: String, reason: String },

    /// The API URL or the token breaks a transport rule (plain http to another host, a
    /// token that cannot be a header).
    #[error(transparent)]
    Transport(#[from] crate::http::TransportError),

    /// No token at all.
    #[error("no GitHub token: set GITHUB_TOKEN or TFPOST_GITHUB_TOKEN")]
    MissingToken,

    /// Nothing to comment on: no pull request and no commit SHA.
    #[error(
        "no pull request or commit to comment on: set the PR number (--pr) or the commit SHA (--sha)"
    )]
    NoDestination,

    /// 401: the token is wrong.
    #[error(
        "GitHub answered 401 for {method} {path}: the token is invalid, expired or revoked ({message}); check GITHUB_TOKEN / TFPOST_GITHUB_TOKEN"
    )]
    Unauthorized {
        method: String,
        path: String,
        message: String,
    },

    /// 403 (not a rate limit): the token lacks a permission, or the thread is locked.
    #[error("GitHub answered 403 for {method} {path}: {message}; {hint}")]
    Forbidden {
        method: String,
        path: String,
        message: String,
        /// What to change, e.g. "the token lacks `pull-requests: write`".
        hint: String,
    },

    /// 404: wrong owner/repo/number, or a token that cannot see the repository.
    #[error(
        "GitHub answered 404 for {method} {path}: the repository, pull request or commit does not exist, or the token cannot see it (check the owner/repo and that the token has `{permission}` on it)"
    )]
    NotFound {
        method: String,
        path: String,
        permission: String,
    },

    /// 422: GitHub refused the content (body too long, locked or closed thread, bad label).
    #[error("GitHub answered 422 for {method} {path}: {message}{hint}")]
    Unprocessable {
        method: String,
        path: String,
        message: String,
        hint: String,
    },

    /// A primary or secondary rate limit that did not clear within the retry budget.
    #[error("GitHub rate limit hit for {method} {path}: {detail}")]
    RateLimited {
        method: String,
        path: String,
        detail: String,
    },

    /// A 5xx answer that persisted through every retry, or another unexpected status.
    #[error(
        "GitHub answered {status} for {method} {path} (after {attempts} attempt(s)): {message}"
    )]
    Status {
        status: u16,
        method: String,
        path: String,
        attempts: u32,
        message: String,
    },

    /// No answer within the per-call timeout.
    #[error(
        "GitHub did not answer {method} {path} within {timeout:?}; the API at {api_url} may be down or unreachable"
    )]
    Timeout {
        method: String,
        path: String,
        timeout: Duration,
        api_url: String,
    },

    /// The connection failed (refused, reset, DNS, TLS) through every retry.
    #[error(
        "cannot reach GitHub at {api_url} for {method} {path} (after {attempts} attempt(s)): {reason}"
    )]
    Connection {
        method: String,
        path: String,
        api_url: String,
        attempts: u32,
        reason: String,
    },

    /// A 2xx answer that is not what GitHub documents.
    #[error("unexpected answer from GitHub for {method} {path}: {reason}")]
    UnexpectedResponse {
        method: String,
        path: String,
        reason: String,
    },

    /// GraphQL answered with errors.
    #[error("GitHub GraphQL {operation} failed: {message}{hint}")]
    Graphql {
        operation: String,
        message: String,
        hint: String,
    },
}

impl GithubError {
    /// The HTTP status GitHub answered, when the error comes from one.
    pub fn status(&self) -> Option<u16> {
        match self {
            GithubError::Unauthorized { .. } => Some(401),
            GithubError::Forbidden { .. } => Some(403),
            GithubError::NotFound { .. } => Some(404),
            GithubError::Unprocessable { .. } => Some(422),
            GithubError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when the request may have been carried out although the answer says otherwise (a
    /// 5xx, a broken connection, no answer in time): sending a POST again could do it twice.
    pub fn is_uncertain(&self) -> bool {
        match self {
            GithubError::Timeout { .. } | GithubError::Connection { .. } => true,
            GithubError::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// The error with its attempt count set to `attempts` (for a call retried by its caller).
    pub fn after_attempts(mut self, attempts: u32) -> GithubError {
        if let GithubError::Status { attempts: n, .. }
        | GithubError::Connection { attempts: n, .. } = &mut self
        {
            *n = attempts;
        }
        self
    }

    /// True for failures that may go away on a later run without changing anything (server
    /// errors, rate limits, timeouts, connection trouble); false for ones the user must fix.
    pub fn is_transient(&self) -> bool {
        match self {
            GithubError::RateLimited { .. }
            | GithubError::Timeout { .. }
            | GithubError::Connection { .. } => true,
            GithubError::Status { status, .. } => *status >= 500,
            _ => false,
        }
    }
}
