//! `tfpost summary`: the one comment that sums up every root of a pull request, posted (and on
//! later runs edited in place) by the fan-in job after the per-root jobs.

use std::path::PathBuf;

use super::masking::mask_rendered;
use crate::ci::{self, CiOverrides};
use crate::config::{self, Config};
use crate::env::Env;
use crate::message::GithubMessage;
use crate::model::{Action, Kind, Outcome, RunKind};
use crate::notify::github::{
    self, CommentKind, GithubNotifier, GithubOptions, LabelConfig, Overflow, PostRequest,
    SUMMARY_TARGET, documented_login, retry_of, target_of,
};
use crate::notify::{
    DestinationId, Outgoing, Rendered, RunFacts, Setup, StdoutState, When, slack, stdout,
};
use crate::render::RenderContext;
use crate::render::summary::{SummaryContext, github, slack as slack_summary};
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
    /// `--notify`: where the summary goes (else the config's `notify`, else every ready one).
    pub notify: Option<Vec<DestinationId>>,
}

/// The destinations a summary can go to: the pull request (one comment edited in place), one
/// Slack message per run of the fan-in job, or stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SummaryDestination {
    Github,
    Slack,
    Stdout,
}

impl SummaryDestination {
    fn of(id: DestinationId) -> Result<SummaryDestination, String> {
        match id {
            github::ID => Ok(SummaryDestination::Github),
            slack::ID => Ok(SummaryDestination::Slack),
            stdout::ID => Ok(SummaryDestination::Stdout),
            other => Err(format!(
                "`tfpost summary` posts to github, slack or stdout, not to {other}: the roots' states are read from GitHub comments or --model files"
            )),
        }
    }
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
    let github_target = target_of(&config, &ci);
    let slack_setup_ctx = RenderContext::default();
    let slack_setup = Setup {
        config: &config,
        ci: &ci,
        env,
        ctx: &slack_setup_ctx,
        target_key: SUMMARY_TARGET,
        stdout: StdoutState::default(),
        dry_run: request.dry_run,
        warn: &|_| {},
    };
    let destinations: Vec<SummaryDestination> =
        match request.notify.as_ref().or(config.notify.as_ref()) {
            Some(ids) => ids
                .iter()
                .map(|id| SummaryDestination::of(*id))
                .collect::<Result<_, _>>()?,
            None => {
                let mut ready = Vec::new();
                if github_target.is_ok() {
                    ready.push(SummaryDestination::Github);
                }
                if (slack::REGISTRATION.build)(&slack_setup).is_ok() {
                    ready.push(SummaryDestination::Slack);
                }
                if ready.is_empty() && (request.dry_run || ci.platform.is_none()) {
                    ready.push(SummaryDestination::Stdout);
                }
                ready
            }
        };
    if destinations.is_empty() {
        return Err(format!(
            "nothing to post the summary to: GitHub ({}) and Slack (no credentials) are not set up",
            github_target.as_ref().err().map_or("ready", String::as_str)
        ));
    }
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
    // GitHub is read when the roots' states come from its comments, and posted to when chosen.
    let needs_github = request.models.is_empty()
        || (!request.dry_run && destinations.contains(&SummaryDestination::Github));
    let notifier = if needs_github {
        let target = github_target.as_ref().map_err(|e| format!("GitHub: {e}"))?;
        Some(
            runtime
                .block_on(async { GithubNotifier::new(target, options.retry.clone()) })
                .map_err(|e| format!("GitHub: {e}"))?,
        )
    } else {
        None
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
    let facts = facts_of(&rows);
    let markdown = || masker.mask_str(&github(&rows, &ctx)).into_owned();
    let slack_message = || mask_rendered(Rendered::Slack(slack_summary(&rows, &ctx)), &masker);

    let mut printed = Vec::new();
    let mut failures = Vec::new();
    for destination in destinations {
        match destination {
            SummaryDestination::Stdout => printed.push(markdown()),
            SummaryDestination::Github if request.dry_run => printed.push(markdown()),
            SummaryDestination::Github => {
                let Some(notifier) = &notifier else {
                    continue;
                };
                match post_github(&runtime, notifier, &options, &rows, &ci, markdown()) {
                    Ok((line, warnings)) => {
                        notes.extend(warnings);
                        notes.push(line);
                    }
                    Err(err) => failures.push(err),
                }
            }
            SummaryDestination::Slack => {
                let built = (slack::REGISTRATION.build)(&slack_setup);
                let message = slack_message()?;
                match built {
                    Ok(slack) if request.dry_run => {
                        printed.extend(slack.preview(&message, &facts));
                    }
                    Ok(slack) if !When::any(&slack.when(), &facts) => notes.push(format!(
                        "Slack: not posted: the summary matches none of slack.when ({:?})",
                        slack.when()
                    )),
                    Ok(slack) => {
                        let outgoing = Outgoing {
                            message: &message,
                            facts: &facts,
                            target_key: SUMMARY_TARGET,
                            build_url: ci.build_url.as_deref(),
                        };
                        match runtime.block_on(slack.post(&outgoing)) {
                            Ok(posted) => {
                                notes.extend(
                                    posted
                                        .warnings
                                        .iter()
                                        .map(|w| format!("warning: Slack: {w}")),
                                );
                                notes.push(format!(
                                    "Slack: summary of {}: {}",
                                    plural_roots(rows.len()),
                                    posted.summary
                                ));
                            }
                            Err(err) => failures.push(format!("the summary was not posted: {err}")),
                        }
                    }
                    Err(reason) => failures.push(format!("Slack: {reason}")),
                }
            }
        }
    }
    if !failures.is_empty() {
        return Err(failures.join("\n"));
    }
    let printed = (!printed.is_empty()).then(|| printed.join("\n"));
    Ok((printed, notes))
}

/// Posts (or edits in place) the summary comment; returns the line for stderr and warnings.
fn post_github(
    runtime: &tokio::runtime::Runtime,
    notifier: &GithubNotifier,
    options: &GithubOptions,
    rows: &[RootStatus],
    ci: &ci::CiContext,
    body: String,
) -> Result<(String, Vec<String>), String> {
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
        options,
        counts: None,
    };
    let outcome = runtime
        .block_on(notifier.post(&post))
        .map_err(|e| format!("GitHub: the summary was not posted: {e}"))?;
    let warnings = outcome
        .warnings
        .iter()
        .map(|w| format!("warning: GitHub: {w}"))
        .collect();
    let done = outcome.action.describe();
    Ok((
        format!(
            "GitHub: summary of {} {done}: {}",
            plural_roots(rows.len()),
            outcome.comment_urls.join(", ")
        ),
        warnings,
    ))
}

fn plural_roots(n: usize) -> String {
    if n == 1 {
        "1 root".to_string()
    } else {
        format!("{n} roots")
    }
}

/// The facts Slack's `when:`, channels and mentions are decided on: the summary as one run
/// that changes what any root changes, destroys when any root destroys, fails when any failed.
fn facts_of(rows: &[RootStatus]) -> RunFacts {
    let all_applies = !rows.is_empty() && rows.iter().all(|r| r.kind == Kind::Apply);
    let failed = rows.iter().any(|r| r.result == RootResult::Failed);
    let destructive = rows.iter().any(|r| r.result == RootResult::Destroys);
    let changes = rows
        .iter()
        .any(|r| matches!(r.result, RootResult::Destroys | RootResult::Changes))
        || rows
            .iter()
            .any(|r| r.result == RootResult::Applied && !r.counts.is_empty());
    let mut counts = [0u64; 8];
    for row in rows {
        for (slot, action) in counts.iter_mut().zip(Action::ALL) {
            *slot += row.counts.get(&action).copied().unwrap_or(0);
        }
    }
    let kind = if all_applies { Kind::Apply } else { Kind::Plan };
    RunFacts {
        command: if all_applies {
            RunKind::Apply
        } else {
            RunKind::Plan
        },
        kind: Some(kind),
        outcome: if failed {
            Outcome::Error
        } else if changes {
            if all_applies {
                Outcome::Applied
            } else {
                Outcome::Changes
            }
        } else {
            Outcome::NoChanges
        },
        changes,
        destructive,
        failed,
        counts,
    }
}
