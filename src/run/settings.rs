//! What a `plan` / `apply` / `fmt` run was asked to do: filled from flags, and later from config.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::ci::CiOverrides;
pub use crate::model::RunKind;
use crate::notify::github::Overflow;
use crate::notify::{DestinationId, parse_destinations};

/// A parsed `--notify` list (a newtype so clap takes the whole list as one value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationList(pub Vec<DestinationId>);

/// clap's value parser for `--notify`.
pub fn parse_destination_list(list: &str) -> Result<DestinationList, String> {
    parse_destinations(list).map(DestinationList)
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
    /// `--notify`: `None` when not given, meaning "every destination whose credentials are present,
    /// stdout outside CI" (SPEC); resolving that needs CI detection, so the caller does it.
    pub notify: Option<Vec<DestinationId>>,
    /// `--dry-run`: post nothing, write each message and its destination to stderr.
    pub dry_run: bool,
    pub title: Option<String>,
    pub message: Option<String>,
    /// `--var KEY=VALUE`, later values win.
    pub vars: BTreeMap<String, String>,
    /// `--template FILE`.
    pub template: Option<PathBuf>,
    /// `--patch[=BOOL]`: wins over the config's `github.patch`.
    pub patch: Option<bool>,
    /// `--overflow MODE`: wins over the config's `github.overflow`.
    pub overflow: Option<Overflow>,
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
            patch: None,
            overflow: None,
            config: None,
            ignore_notify_errors: false,
            verbosity: Verbosity::Normal,
            overrides: CiOverrides::default(),
        }
    }
}
