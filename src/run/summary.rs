//! `tfpost summary`: the one comment that sums up every root of a pull request, posted (and on
//! later runs edited in place) by the fan-in job after the per-root jobs.

use std::path::PathBuf;

use crate::ci::{self, CiOverrides};
use crate::config::{self, Config};
use crate::env::Env;
use crate::message::GithubMessage;
use crate::model::Outcome;
use crate::notify::github::{
    CommentKind, GithubNotifier, GithubOptions, LabelConfig, Overflow, PostRequest, SUMMARY_TARGET,
    documented_login, retry_of, target_of,
};
use crate::render::summary::{SummaryContext, github};
use crate::summary::{RootResult, RootStatus, ordered, status_of_saved};

/// What `tfpost summary` was asked.
#[derive(Debug, Clone, Default)]
pub struct SummaryRequest {
    /// `--model ROOT=FILE`: saved runs to sum up instead of the pull request's comments.
    pub models: Vec<(String, PathBuf)>,
    pub dry_run: bool,
    pub title: Option<String>,
    pub config: Option<PathBuf>,
    pub overrides: CiOverrides,
}

/// Builds the summary and posts it (or prints it for `--dry-run`). Returns what to print on
/// stdout and the lines for stderr; an error says what failed and why.
pub fn summary(
    request: &SummaryRequest,
    env: &Env,
    cwd: &std::path::Path,
) -> Result<(Option<String>, Vec<String>), String> {
    let loaded = config::load(request.config.as_deref(), cwd, env).map_err(|e| e.to_string())?;
    let mut notes: Vec<String> = loaded
        .warnings
        .iter()
        .map(|w| format!("warning: {w}"))
        .collect();
    let mut config: Config = loaded.config;
    config.fill_from_env(env);
    let masker = config.masker(env);
    let from_file = config.ci_overrides().unwrap_or_default();
    let ci = ci::resolve(env, &from_file.merged_with(&request.overrides));
    let ctx = SummaryContext {
        title: request.title.clone(),
        build_url: ci.build_url.clone(),
        sha: ci.sha.clone(),
    };
    let needs_github = !request.dry_run || request.models.is_empty();
    let github_target = if needs_github {
        Some(target_of(&config, &ci).map_err(|e| format!("GitHub: {e}"))?)
    } else {
        None
    };
    let options = GithubOptions {
        // The summary is edited in place: its link stays the same for the whole review.
        patch: true,
        overflow: Overflow::Truncate,
        labels: LabelConfig {
            enabled: false,
            ..LabelConfig::default()
        },
        login: config.github.login.clone().filter(|l| !l.trim().is_empty()),
        login_if_refused: documented_login(&config, env),
        retry: retry_of(&config),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {e}"))?;
    let notifier = match &github_target {
        Some(target) => Some(
            runtime
                .block_on(async { GithubNotifier::new(target, options.retry.clone()) })
                .map_err(|e| format!("GitHub: {e}"))?,
        ),
        None => None,
    };

    let rows: Vec<RootStatus> = if request.models.is_empty() {
        let Some(notifier) = &notifier else {
            return Err("no saved runs (--model) and no GitHub to read the comments from".into());
        };
        let (rows, warnings) = runtime
            .block_on(notifier.root_statuses(&options, ci.sha.as_deref()))
            .map_err(|e| format!("GitHub: cannot read the roots' comments: {e}"))?;
        notes.extend(
            warnings
                .into_iter()
                .map(|w| format!("warning: GitHub: {w}")),
        );
        rows
    } else {
        let mut rows = Vec::new();
        for (target, path) in &request.models {
            let saved = std::fs::read(path).map_err(|e| {
                format!("cannot read {} (--model {target}=...): {e}", path.display())
            })?;
            rows.push(
                status_of_saved(target, &saved).map_err(|e| format!("{}: {e}", path.display()))?,
            );
        }
        rows
    };
    let rows = ordered(rows);
    let body = masker.mask_str(&github(&rows, &ctx)).into_owned();
    if request.dry_run {
        return Ok((Some(body), notes));
    }
    let Some(notifier) = &notifier else {
        return Err("nothing to post to".into());
    };
    let worst = rows.first().map(|r| r.result);
    let message = GithubMessage {
        body,
        parts: Vec::new(),
    };
    let post = PostRequest {
        target_key: SUMMARY_TARGET,
        kind: CommentKind::Summary,
        message: &message,
        result: match worst {
            Some(RootResult::Failed) => Outcome::Error,
            Some(RootResult::Destroys | RootResult::Changes) => Outcome::Changes,
            Some(RootResult::Applied) => Outcome::Applied,
            Some(RootResult::NoChanges) | None => Outcome::NoChanges,
        },
        destroys: worst == Some(RootResult::Destroys),
        build_url: ci.build_url.as_deref(),
        options: &options,
        counts: None,
    };
    let outcome = runtime
        .block_on(notifier.post(&post))
        .map_err(|e| format!("GitHub: the summary was not posted: {e}"))?;
    notes.extend(
        outcome
            .warnings
            .iter()
            .map(|w| format!("warning: GitHub: {w}")),
    );
    notes.push(format!(
        "GitHub: summary of {} root(s): {:?} {}",
        rows.len(),
        outcome.action,
        outcome.comment_urls.join(", ")
    ));
    Ok((None, notes))
}
