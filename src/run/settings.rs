//! What a `plan` / `apply` / `fmt` run was asked to do: filled from flags, and later from config.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

use serde::Serialize;

use crate::ci::CiOverrides;

/// Which command the run is for. `Plan` and `Apply` parse Terraform's plan/apply text; `Fmt`
/// parses `terraform fmt -check -diff` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunKind {
    Plan,
    Apply,
    Fmt,
}

impl RunKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RunKind::Plan => "plan",
            RunKind::Apply => "apply",
            RunKind::Fmt => "fmt",
        }
    }
}

/// A place a message can be posted to (`--notify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    /// A pull-request (or commit) comment.
    Github,
    /// A Slack message (webhook or bot token).
    Slack,
    /// tfpost's own stdout, after the tee'd output: for local runs.
    Stdout,
}

impl Target {
    pub const ALL: [Target; 3] = [Target::Github, Target::Slack, Target::Stdout];

    pub fn as_str(self) -> &'static str {
        match self {
            Target::Github => "github",
            Target::Slack => "slack",
            Target::Stdout => "stdout",
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Target {
    type Err = String;

    fn from_str(s: &str) -> Result<Target, String> {
        Target::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown notification target `{s}`: expected github, slack or stdout")
            })
    }
}

/// Parse a `--notify` list: comma-separated targets, duplicates removed, order kept.
pub fn parse_targets(list: &str) -> Result<Vec<Target>, String> {
    let mut targets = Vec::new();
    for item in list.split(',').filter(|s| !s.trim().is_empty()) {
        let target: Target = item.parse()?;
        if !targets.contains(&target) {
            targets.push(target);
        }
    }
    Ok(targets)
}

/// A parsed `--notify` list (a newtype so clap takes the whole list as one value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetList(pub Vec<Target>);

/// clap's value parser for `--notify`.
pub fn parse_target_list(list: &str) -> Result<TargetList, String> {
    parse_targets(list).map(TargetList)
}

/// How much tfpost says on stderr about itself. Never affects the tee'd output.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verbosity {
    /// `-q`: errors only.
    Quiet,
    /// Warnings, errors and what was posted where.
    #[default]
    Normal,
    /// `-v`: also what tfpost is doing (command run, bytes seen, parse result).
    Verbose,
}

/// Everything a `plan` / `apply` / `fmt` run needs besides its input. Built from the command
/// line by [`crate::cli::RunArgs::settings`]; config values fill the fields the flags left
/// unset (flags win).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunSettings {
    pub kind: RunKind,
    /// `--notify`: `None` when not given, meaning "every target whose credentials are present,
    /// stdout outside CI" (SPEC); resolving that needs CI detection, so the caller does it.
    pub notify: Option<Vec<Target>>,
    /// `--dry-run`: post nothing, write each message and its destination to stderr.
    pub dry_run: bool,
    pub title: Option<String>,
    pub message: Option<String>,
    /// `--var KEY=VALUE`, later values win.
    pub vars: BTreeMap<String, String>,
    /// `--template FILE`.
    pub template: Option<PathBuf>,
    /// `--config FILE`.
    pub config: Option<PathBuf>,
    /// `--ignore-notify-errors`: a failed post never changes the exit code.
    pub ignore_notify_errors: bool,
    pub verbosity: Verbosity,
    /// `--owner`, `--repo`, `--pr`, `--sha`, `--branch`, `--build-url`, `--platform`: what CI
    /// detection must take as given.
    pub overrides: CiOverrides,
}

impl RunSettings {
    /// Settings with every option at its default.
    pub fn new(kind: RunKind) -> RunSettings {
        RunSettings {
            kind,
            notify: None,
            dry_run: false,
            title: None,
            message: None,
            vars: BTreeMap::new(),
            template: None,
            config: None,
            ignore_notify_errors: false,
            verbosity: Verbosity::Normal,
            overrides: CiOverrides::default(),
        }
    }
}

/// Parse one `--var KEY=VALUE`. The value may contain `=`; the key may not be empty.
pub fn parse_var(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_string(), value.to_string()))
        }
        _ => Err(format!("`{s}` is not KEY=VALUE")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_parsed_deduplicated_in_order() {
        assert_eq!(
            parse_targets("slack, GitHub,slack,,stdout"),
            Ok(vec![Target::Slack, Target::Github, Target::Stdout])
        );
        assert!(
            parse_targets("github,teams")
                .unwrap_err()
                .contains("`teams`")
        );
    }

    #[test]
    fn vars_split_on_the_first_equals_sign() {
        assert_eq!(
            parse_var("url=https://x?a=b"),
            Ok(("url".into(), "https://x?a=b".into()))
        );
        assert_eq!(parse_var("empty="), Ok(("empty".into(), String::new())));
        assert!(parse_var("=v").is_err());
        assert!(parse_var("novalue").is_err());
    }
}
