//! The `github:` section of the config: what the GitHub destination reads.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Overflow;
use crate::config::Secret;

/// GitHub settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct GithubConfig {
    /// REST API base URL; GitHub Enterprise Server: `https://HOST/api/v3`. Unset:
    /// `GITHUB_API_URL`, else `https://api.github.com`.
    pub api_url: Option<String>,
    /// Token. Prefer the environment (`TFPOST_GITHUB_TOKEN`, `GITHUB_TOKEN`); if set here, write
    /// it as `$SOME_VARIABLE`. Never printed.
    #[schemars(with = "Option<String>")]
    pub token: Option<Secret>,
    /// The account the token writes as (`my-app[bot]`, `ci-user`): tfpost's own comments (the
    /// ones it hides or edits) are the ones by this login. Unset: the token's login as GitHub
    /// tells it (`GET /user`), or, for GitHub Actions' `GITHUB_TOKEN`, which may not ask,
    /// `github-actions[bot]`. A config found in the checkout cannot set it.
    pub login: Option<String>,
    /// Update tfpost's previous comment for the same target instead of adding a new one.
    pub patch: bool,
    /// What to do when a comment would exceed GitHub's 65,536 characters.
    pub overflow: Overflow,
    /// Post a comment for a plan without changes (`false`: labels only).
    pub comment_on_no_changes: bool,
    /// Post a comment for an apply that changed nothing (`Resources: 0 added, 0 changed, 0
    /// destroyed.`); `false`: no comment for it.
    pub comment_on_unchanged_apply: bool,
    /// Pull request labels that say what the plan does.
    pub labels: LabelsConfig,
    /// Variables (`vars`) written into the comment's hidden metadata, for tools that read it.
    pub embedded_var_names: Vec<String>,
    /// Time limit of each GitHub API call, in seconds (default 30). A call that times out is not
    /// retried: the message goes to stderr.
    pub timeout_seconds: Option<u64>,
}

impl Default for GithubConfig {
    fn default() -> Self {
        GithubConfig {
            api_url: None,
            token: None,
            login: None,
            patch: false,
            overflow: Overflow::default(),
            comment_on_no_changes: true,
            comment_on_unchanged_apply: true,
            labels: LabelsConfig::default(),
            embedded_var_names: Vec::new(),
            timeout_seconds: None,
        }
    }
}

/// Labels set on the pull request, one per plan outcome (the others are removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct LabelsConfig {
    /// Set labels at all.
    pub enabled: bool,
    /// Plan adds or updates, destroys nothing.
    pub add_or_update: Label,
    /// Plan destroys (or replaces) something.
    pub destroy: Label,
    /// Plan changes nothing.
    pub no_changes: Label,
    /// Plan failed.
    pub error: Label,
}

impl Default for LabelsConfig {
    fn default() -> Self {
        // tfcmt's names (prefixed with the `target` var when set) and colours, so switching
        // keeps a repository's labels.
        LabelsConfig {
            enabled: true,
            add_or_update: Label::new(TARGET_PREFIX, "add-or-update", "1d76db"),
            destroy: Label::new(TARGET_PREFIX, "destroy", "d93f0b"),
            no_changes: Label::new(TARGET_PREFIX, "no-changes", "0e8a16"),
            error: Label {
                name: String::new(),
                color: "b60205".to_string(),
                description: None,
                enabled: false,
            },
        }
    }
}

/// One label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Label {
    /// Label name: a minijinja template over the values message templates see, so one
    /// repository can hold several targets (`{{ vars.target }}/destroy`). Empty: no label.
    pub name: String,
    /// Colour as 6 hex digits, no `#`.
    pub color: String,
    /// Description shown with the label on GitHub (at most 100 characters). Unset: tfpost's
    /// own ("Terraform plan destroys resources", ...).
    pub description: Option<String>,
    /// Set this label.
    pub enabled: bool,
}

const TARGET_PREFIX: &str = "{% if vars.target %}{{ vars.target }}/{% endif %}";

impl Label {
    fn new(prefix: &str, name: &str, color: &str) -> Self {
        Label {
            name: format!("{prefix}{name}"),
            color: color.to_string(),
            description: None,
            enabled: true,
        }
    }
}

impl Default for Label {
    fn default() -> Self {
        Label::new("", "", "ededed")
    }
}
