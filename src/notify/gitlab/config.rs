//! The `gitlab:` section of the config: what the GitLab destination reads.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OutdatedNotes;
use crate::config::{LabelsConfig, Secret};

/// GitLab settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GitlabConfig {
    /// REST v4 base URL. Unset: `CI_API_V4_URL`, else `CI_SERVER_URL` + `/api/v4`, else
    /// `https://gitlab.com/api/v4`.
    pub api_url: Option<String>,
    /// Access token with the `api` scope (`GITLAB_TOKEN` when unset). Never printed.
    #[schemars(with = "Option<String>")]
    pub token: Option<Secret>,
    /// The CI job token, used when there is no access token (`CI_JOB_TOKEN`; its scope allows
    /// notes only on some instances). Never printed.
    #[schemars(with = "Option<String>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job_token: Option<Secret>,
    /// The project: numeric id or `group/project` (`CI_PROJECT_ID`, else `CI_PROJECT_PATH`).
    pub project: Option<String>,
    /// What becomes of the older notes of a target: `edit` (one line, "Outdated", linking the
    /// current note) or `delete`.
    pub outdated: OutdatedNotes,
    /// The username tfpost posts as, for tokens that cannot read `/user` (a CI job token).
    pub username: Option<String>,
    /// Post a note for a plan without changes.
    pub comment_on_no_changes: bool,
    /// Post a comment for an apply that changed nothing (`Resources: 0 added, 0 changed, 0
    /// destroyed.`); `false`: no comment for it.
    pub comment_on_unchanged_apply: bool,
    /// Merge request labels that say what the plan does (the names and colours of `github.labels`).
    pub labels: LabelsConfig,
    /// Time limit of each GitLab API call, in seconds (default 30).
    pub timeout_seconds: Option<u64>,
}

impl Default for GitlabConfig {
    fn default() -> Self {
        GitlabConfig {
            api_url: None,
            token: None,
            job_token: None,
            project: None,
            outdated: OutdatedNotes::default(),
            username: None,
            comment_on_no_changes: true,
            comment_on_unchanged_apply: true,
            labels: LabelsConfig::default(),
            timeout_seconds: None,
        }
    }
}
