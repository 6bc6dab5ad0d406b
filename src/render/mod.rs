//! Model + context -> messages (GitHub Markdown, Slack Block Kit). Knows nothing of HTTP.

pub mod fmt;
pub mod github;
pub mod gitlab_inert;
pub mod inert;
pub mod summary;
pub mod user_template;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a message says besides the plan itself: where it ran and what the user asked to show.
/// Templates see it; every field is optional because a local dry run knows little.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderContext {
    /// The Terraform target: root directory and/or workspace (`envs/prod`, `envs/prod (staging)`).
    pub target: Option<String>,
    /// `--title`.
    pub title: Option<String>,
    /// `--message`.
    pub message: Option<String>,
    /// `--var KEY=VALUE` values.
    pub vars: BTreeMap<String, String>,
    /// The CI build (job) URL, where the full log is.
    pub build_url: Option<String>,
    /// `owner/repo`, when known.
    pub repository: Option<String>,
    /// Pull request number, when known.
    pub pr_number: Option<u64>,
    /// Pull request URL, when known.
    pub pr_url: Option<String>,
    /// Pull request title, when known (Slack shows it).
    pub pr_title: Option<String>,
    /// Pull request author login, when known.
    pub pr_author: Option<String>,
    /// Commit SHA the plan was made for.
    pub sha: Option<String>,
}

pub mod slack;
