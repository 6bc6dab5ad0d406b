//! What a config file may decide, by where it came from.
//!
//! In a pull request's build the checkout is written by the pull request's author. A config the
//! pipeline names (`--config`, `TFPOST_CONFIG`, `TFCMT_CONFIG`) is trusted as a whole. A config
//! tfpost *finds* in the checkout may change how messages look and when they are sent, and add
//! masks; it may not say where secrets go (API and webhook URLs), which secret is sent (a token
//! other than the one the pipeline gave under its documented name), where messages go (`ci:`,
//! Slack channels, the GitLab project), which comments a run owns (`vars.target`,
//! `github.login`, `gitlab.username`), nor put a variable into posted text that the pipeline
//! did not allow (`TFPOST_ALLOW_ENV`). What it may not set is dropped, said on stderr with file
//! and line, and the run goes on with the value from the environment.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::Path;

use super::{CiConfig, Config, ConfigWarning, Secret};
use crate::env::Env;

/// Where a config file came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Named by the pipeline: `--config FILE`, `TFPOST_CONFIG` or `TFCMT_CONFIG`. Trusted as a
    /// whole, wherever the file is (the pipeline chose it).
    Named,
    /// Found in the working directory or a parent: the pull request may have written it.
    Found,
}

/// The variable naming the variables a found config may expand into posted text
/// (`TFPOST_ALLOW_ENV=TF_ENV,STAGE`).
pub const ALLOW_ENV: &str = "TFPOST_ALLOW_ENV";

/// Variables CI platforms set to describe the build itself (names, numbers, links): a found
/// config may expand them without being allowed. None of them is a secret.
pub const CI_VARIABLES: &[&str] = &[
    "CI",
    "TF_WORKSPACE",
    // GitHub Actions
    "GITHUB_REPOSITORY",
    "GITHUB_REF",
    "GITHUB_REF_NAME",
    "GITHUB_HEAD_REF",
    "GITHUB_BASE_REF",
    "GITHUB_SHA",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_NUMBER",
    "GITHUB_WORKFLOW",
    "GITHUB_JOB",
    "GITHUB_EVENT_NAME",
    "GITHUB_ACTOR",
    "GITHUB_SERVER_URL",
    // CircleCI
    "CIRCLE_BRANCH",
    "CIRCLE_SHA1",
    "CIRCLE_BUILD_NUM",
    "CIRCLE_BUILD_URL",
    "CIRCLE_JOB",
    "CIRCLE_PROJECT_USERNAME",
    "CIRCLE_PROJECT_REPONAME",
    "CIRCLE_PULL_REQUEST",
    // GitLab CI
    "CI_COMMIT_SHA",
    "CI_COMMIT_SHORT_SHA",
    "CI_COMMIT_REF_NAME",
    "CI_MERGE_REQUEST_IID",
    "CI_PROJECT_PATH",
    "CI_PIPELINE_ID",
    "CI_PIPELINE_URL",
    "CI_JOB_NAME",
    "CI_JOB_URL",
    // Jenkins and others
    "BUILD_NUMBER",
    "BUILD_URL",
    "JOB_NAME",
];

/// Each credential key and the variables documented for it, the only ones a found config may
/// name there (`token: $GITHUB_TOKEN`, as tfnotify configs do).
const SECRET_VARIABLES: &[(&str, &[&str])] = &[
    (
        "github.token",
        &["TFPOST_GITHUB_TOKEN", "GITHUB_TOKEN", "TFCMT_GITHUB_TOKEN"],
    ),
    (
        "slack.token",
        &["SLACK_BOT_TOKEN", "SLACK_TOKEN", "TFNOTIFY_SLACK_TOKEN"],
    ),
    ("slack.webhook_url", &["SLACK_WEBHOOK_URL"]),
    ("gitlab.token", &["GITLAB_TOKEN", "TFNOTIFY_GITLAB_TOKEN"]),
    ("gitlab.job_token", &["CI_JOB_TOKEN"]),
];

/// The last key of a credential, in any format (`notifier.github.token`, `github.token`).
fn is_credential_key(key_path: &str) -> bool {
    let last = key_path.rsplit('.').next().unwrap_or(key_path);
    let last = last.split('[').next().unwrap_or(last);
    matches!(last, "token" | "webhook_url" | "job_token")
}

/// Which variables `$VAR` in a config may read, by the key the string is under.
pub(crate) trait Variables {
    /// The value of `name` for a string under `key_path` (`github.token`), or `None` (unset or
    /// refused).
    fn lookup(&self, key_path: &str, name: &str) -> Option<&str>;
}

/// A named config reads every variable.
impl Variables for Env {
    fn lookup(&self, _key_path: &str, name: &str) -> Option<&str> {
        self.raw(name)
    }
}

/// The variables a found config may read: the allowed ones in any value, a documented token
/// variable in a credential key; every other reference reads as unset and is recorded.
pub(crate) struct FoundConfigVariables<'a> {
    env: &'a Env,
    allowed: BTreeSet<String>,
    refused: RefCell<Vec<(String, String)>>,
}

impl<'a> FoundConfigVariables<'a> {
    pub(crate) fn new(env: &'a Env) -> Self {
        let allowed = env
            .get(ALLOW_ENV)
            .unwrap_or_default()
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|name| !name.is_empty())
            .map(str::to_string)
            .chain(CI_VARIABLES.iter().map(|name| name.to_string()))
            .collect();
        FoundConfigVariables {
            env,
            allowed,
            refused: RefCell::new(Vec::new()),
        }
    }

    /// What was refused, as warnings with the line of the key.
    pub(crate) fn warnings(&self, text: &str, path: &Path) -> Vec<ConfigWarning> {
        self.refused
            .borrow()
            .iter()
            .map(|(key, name)| {
                let message = if is_credential_key(key) {
                    format!(
                        "`{key}`: `${name}` is not read: a config found in the checkout may name only a credential's documented variable ({}); the one from the environment is used",
                        documented_names()
                    )
                } else {
                    format!(
                        "`{key}`: `${name}` is not expanded (it reads as unset): a config found in the checkout expands only CI's own variables and those the pipeline lists in {ALLOW_ENV}"
                    )
                };
                warning(path, text, key, message)
            })
            .collect()
    }
}

impl Variables for FoundConfigVariables<'_> {
    fn lookup(&self, key_path: &str, name: &str) -> Option<&str> {
        let allowed = if is_credential_key(key_path) {
            SECRET_VARIABLES
                .iter()
                .any(|(_, names)| names.contains(&name))
        } else {
            self.allowed.contains(name)
        };
        if allowed {
            return self.env.raw(name);
        }
        let refusal = (key_path.to_string(), name.to_string());
        let mut refused = self.refused.borrow_mut();
        if !refused.contains(&refusal) {
            refused.push(refusal);
        }
        None
    }
}

fn documented_names() -> String {
    let mut names: Vec<&str> = SECRET_VARIABLES
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .collect();
    names.dedup();
    names.join(", ")
}

fn warning(path: &Path, text: &str, key: &str, message: String) -> ConfigWarning {
    ConfigWarning {
        path: path.to_path_buf(),
        line: line_of(text, key),
        message,
    }
}

/// The line of `key` in a tfpost config, else of the key a tfcmt or tfnotify config writes it
/// as.
fn line_of(text: &str, key: &str) -> Option<usize> {
    let aliases: &[&str] = match key {
        "github.api_url" => &["ghe_base_url", "notifier.github.base_url", "base_url"],
        "gitlab.api_url" => &["notifier.gitlab.base_url", "base_url"],
        "github.token" => &["notifier.github.token"],
        "slack.token" => &["notifier.slack.token"],
        "gitlab.token" => &["notifier.gitlab.token"],
        "slack.channel" => &["notifier.slack.channel"],
        "ci.owner" => &["repo_owner", "owner"],
        "ci.repo" => &["repo_name", "repository", "name"],
        "ci.pr" => &["pr"],
        "ci.sha" => &["sha"],
        "ci.platform" => &["ci"],
        _ => &[],
    };
    std::iter::once(key)
        .chain(aliases.iter().copied())
        .find_map(|k| super::line_of_key(text, k))
}

/// Drops from a found config what it may not decide and says why. `env` is the pipeline's
/// environment: a value equal to what it gives anyway is kept silently.
pub(crate) fn restrict(
    config: &mut Config,
    env: &Env,
    text: &str,
    path: &Path,
) -> Vec<ConfigWarning> {
    let mut trusted = Config::default();
    trusted.fill_from_env(env);
    let mut warnings = Vec::new();
    let mut refuse = |key: &str, why: &str| {
        warnings.push(warning(
            path,
            text,
            key,
            format!("`{key}` is not read from a config found in the checkout: {why}"),
        ));
    };

    const URL: &str = "the token would be sent where the pull request says; it comes from the environment or a config the pipeline names (TFPOST_CONFIG)";
    let url = |v: &Option<String>| {
        v.as_deref()
            .map(|u| u.trim().trim_end_matches('/').to_string())
            .filter(|u| !u.is_empty())
    };
    for (key, found, from_env) in [
        (
            "github.api_url",
            &mut config.github.api_url,
            &trusted.github.api_url,
        ),
        (
            "slack.api_url",
            &mut config.slack.api_url,
            &trusted.slack.api_url,
        ),
        (
            "gitlab.api_url",
            &mut config.gitlab.api_url,
            &trusted.gitlab.api_url,
        ),
    ] {
        if url(found).is_some() && url(found) != url(from_env) {
            refuse(key, URL);
        }
        *found = None;
    }

    for (key, names) in SECRET_VARIABLES {
        let found = match *key {
            "github.token" => &mut config.github.token,
            "slack.token" => &mut config.slack.token,
            "slack.webhook_url" => &mut config.slack.webhook_url,
            "gitlab.token" => &mut config.gitlab.token,
            _ => &mut config.gitlab.job_token,
        };
        let documented = |value: &Secret| {
            names
                .iter()
                .filter_map(|name| env.get(name))
                .any(|v| v.trim() == value.expose().trim())
        };
        match found.as_ref() {
            Some(value) if value.is_empty() || documented(value) => {}
            // A refused `$VAR` already expanded to nothing and was reported.
            Some(_) => {
                refuse(
                    key,
                    &format!(
                        "a credential there may only be `${}` (a variable documented for it); the one from the environment is used",
                        names.join("` or `$")
                    ),
                );
                *found = None;
            }
            None => {}
        }
    }

    let ci = std::mem::take(&mut config.ci);
    if ci != CiConfig::default() {
        for (key, set) in [
            ("ci.platform", ci.platform.is_some()),
            ("ci.owner", ci.owner.is_some()),
            ("ci.repo", ci.repo.is_some()),
            ("ci.pr", ci.pr.is_some()),
            ("ci.sha", ci.sha.is_some()),
            ("ci.branch", ci.branch.is_some()),
            ("ci.build_url", ci.build_url.is_some()),
        ] {
            if set {
                refuse(
                    key,
                    "where messages go is CI's own context (or --owner, --repo, --pr, --sha, or a config the pipeline names)",
                );
            }
        }
    }

    if config.vars.remove("target").is_some() {
        refuse(
            "vars.target",
            "it names the comment a run replaces; the target is the root's directory (or --var target=NAME)",
        );
    }
    let mut owner_key = |key: &str, set: bool| {
        if set {
            refuse(
                key,
                "it says which earlier comments are tfpost's own; set it in a config the pipeline names",
            );
        }
    };
    owner_key("github.login", config.github.login.take().is_some());
    owner_key("gitlab.username", config.gitlab.username.take().is_some());

    let channel = config.slack.channel.take();
    if channel.is_some() && channel != trusted.slack.channel {
        refuse(
            "slack.channel",
            "where messages go comes from SLACK_CHANNEL or a config the pipeline names",
        );
    }
    let channels = std::mem::take(&mut config.slack.channels);
    if channels != Default::default() {
        refuse(
            "slack.channels",
            "where messages go comes from SLACK_CHANNEL or a config the pipeline names",
        );
    }
    let project = config.gitlab.project.take();
    if project.is_some() && project != trusted.gitlab.project {
        refuse(
            "gitlab.project",
            "where notes go is GitLab CI's own project (CI_PROJECT_ID) or a config the pipeline names",
        );
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_keys_in_every_format() {
        assert!(is_credential_key("github.token"));
        assert!(is_credential_key("notifier.slack.token"));
        assert!(is_credential_key("slack.webhook_url"));
        assert!(!is_credential_key("title"));
        assert!(!is_credential_key("github.token_note"));
    }

    #[test]
    fn found_configs_read_allowed_variables_and_documented_tokens_only() {
        let env: Env = [
            ("TFPOST_ALLOW_ENV", "TF_ENV, STAGE"),
            ("TF_ENV", "prod"),
            ("AWS_SECRET_ACCESS_KEY", "wJalr"),
            ("GITHUB_TOKEN", "ghs_x"),
            ("GITHUB_SHA", "abc"),
        ]
        .into_iter()
        .collect();
        let vars = FoundConfigVariables::new(&env);
        assert_eq!(vars.lookup("title", "TF_ENV"), Some("prod"));
        assert_eq!(vars.lookup("title", "GITHUB_SHA"), Some("abc"));
        assert_eq!(vars.lookup("title", "AWS_SECRET_ACCESS_KEY"), None);
        assert_eq!(vars.lookup("title", "GITHUB_TOKEN"), None);
        assert_eq!(vars.lookup("github.token", "GITHUB_TOKEN"), Some("ghs_x"));
        assert_eq!(vars.lookup("github.token", "AWS_SECRET_ACCESS_KEY"), None);
        let warnings = vars.warnings("title: x\ngithub:\n  token: y\n", Path::new("t.yaml"));
        let lines: Vec<Option<usize>> = warnings.iter().map(|w| w.line).collect();
        assert_eq!(lines, [Some(1), Some(1), Some(3)]);
    }

    #[test]
    fn the_pipeline_names_a_config_by_flag_or_variable_and_found_ones_only_present() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir(root.join(".git")).unwrap();
        let write = |name: &str, text: &str| {
            let path = root.join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, text).unwrap();
            path
        };
        write(
            "tfpost.yaml",
            "mask: {env: [DB_PASSWORD]}\nci: {pr: 7}\ngithub: {api_url: 'http://evil'}\n",
        );
        let nested = root.join("envs/dev");
        write(
            "envs/dev/tfpost.yaml",
            "title: dev\nmask: {patterns: [x+]}\n",
        );
        let named = write("ci.yaml", "ci: {pr: 9}\n");
        let tfcmt = write("cmt.yaml", "repo_owner: acme\n");

        let found = super::super::load(None, &nested, &Env::new()).unwrap();
        assert_eq!(found.origin, Some(Origin::Found));
        assert_eq!(found.config.title.as_deref(), Some("dev"));
        assert_eq!(found.config.mask.env, ["DB_PASSWORD"]);
        assert_eq!(found.config.mask.patterns, ["x+"]);
        assert_eq!(found.masks_from, [root.join("tfpost.yaml")]);
        assert_eq!(found.config.ci, CiConfig::default());
        assert_eq!(found.config.github.api_url, None);
        let said: Vec<String> = found.warnings.iter().map(ToString::to_string).collect();
        assert!(
            said.iter().any(|w| w.contains("tfpost.yaml:2: `ci.pr`"))
                && said
                    .iter()
                    .any(|w| w.contains("tfpost.yaml:3: `github.api_url`")),
            "{said:?}"
        );

        let env: Env = [
            ("TFPOST_CONFIG", named.to_str().unwrap()),
            ("TFCMT_CONFIG", tfcmt.to_str().unwrap()),
        ]
        .into_iter()
        .collect();
        let by_variable = super::super::load(None, &nested, &env).unwrap();
        assert_eq!(by_variable.origin, Some(Origin::Named));
        assert_eq!(by_variable.path.as_deref(), Some(named.as_path()));
        assert!(by_variable.config.ci.pr.is_some());
        assert!(
            by_variable.config.mask.env.is_empty(),
            "no checkout file is read"
        );
        let env: Env = [("TFCMT_CONFIG", "../../cmt.yaml")].into_iter().collect();
        let tfcmt_named = super::super::load(None, &nested, &env).unwrap();
        assert_eq!(tfcmt_named.config.ci.owner.as_deref(), Some("acme"));
        let by_flag = super::super::load(Some(Path::new("../../ci.yaml")), &nested, &Env::new());
        assert_eq!(by_flag.unwrap().origin, Some(Origin::Named));
    }

    #[test]
    fn the_schema_describes_github_login() {
        let schema = super::super::json_schema();
        let text = schema.to_string();
        assert!(
            text.contains("\"login\"") && text.contains("The account the token writes as"),
            "{text}"
        );
    }
}
