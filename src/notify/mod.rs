//! Destinations: where a rendered message goes. One module per destination, each behind
//! [`Destination`] and listed once in [`REGISTRY`].
//!
//! # Adding a destination
//! A destination is a module (a folder for a big one) plus one line in [`REGISTRY`]. The module
//! provides a [`Registration`], which cannot be written without saying:
//! - its name (`--notify NAME`, config `notify:`) and the label stderr uses;
//! - its config section: a field of [`crate::config::Config`] whose type the module defines,
//!   with its defaults, and `fill_from_env`, which fills what the file leaves unset from the
//!   environment;
//! - `secrets`: every credential the section holds. [`crate::config::Config::masker`] hides all
//!   of them in everything tfpost writes, the tee'd output included, so a destination cannot
//!   be registered without its secrets being masked;
//! - `build`: the destination for this run from the config and the CI context
//!   ([`Setup`]), or why it cannot post (no credentials, repository unknown). Destinations that
//!   build are the ones chosen when neither `--notify` nor `notify:` names any
//!   ([`ByDefault`]).
//!
//! The registration also names its renderer dialect ([`Dialect`]). The built [`Destination`]
//! declares when it wants a
//! message ([`Destination::when`], a list of [`When`] that the runner, not the destination,
//! checks against the run's [`RunFacts`]), where it posts (for logs and `--dry-run`), and an
//! async [`Destination::post`] that runs on the runtime the runner owns. The runner renders
//! the message in the dialect, masks it, and hands it over as a [`Outgoing`]; a message that
//! could not be posted is written to stderr by the runner, so a destination only says why.
//!
//! # Registering a notifier that exists (GitLab merge-request notes, for example)
//! 1. `src/notify/gitlab/destination.rs` (the pattern of `github/destination.rs`): `pub const
//!    ID`, `pub const REGISTRATION` with `secrets: |c| c.gitlab.token.iter().collect()`,
//!    `fill_from_env` (`GITLAB_TOKEN`, else `CI_JOB_TOKEN`; `CI_API_V4_URL`, else
//!    `CI_SERVER_URL` + `/api/v4`), and `build`, which makes the notifier's target from the
//!    section and [`CiContext`] (project id, merge request iid, commit) and returns `Err(what to
//!    set)` when something is missing; the `Destination` impl maps [`Outgoing`] to the
//!    notifier's request (`facts.command` -> comment kind, `facts.outcome`, `facts.destructive`)
//!    and its outcome to [`Posted`].
//! 2. One line in [`REGISTRY`].
//! 3. Its section: a `gitlab: GitlabConfig` field of [`crate::config::Config`], the type in
//!    `src/notify/gitlab/config.rs` (tfnotify's `notifier.gitlab` maps onto it in
//!    `config/legacy.rs`).
//! 4. Its dialect: a [`Dialect`] variant and [`Rendered`] variant when the markup differs (GitLab
//!    Flavored Markdown with quick actions made inert), rendered in `run/post.rs`'s `render`.
//! 5. CI context fields the target needs (`CI_PROJECT_ID`, `CI_API_V4_URL`) in
//!    `src/ci/gitlab_ci.rs`.

pub mod github;
pub mod gitlab;
pub mod slack;
pub mod stdout;

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ci::CiContext;
use crate::config::{Config, Secret};
use crate::env::Env;
use crate::message::{GithubMessage, SlackMessage};
use crate::model::{Kind, Outcome, Report, RunKind};
use crate::render::RenderContext;
use crate::render::gitlab_inert::GitlabMarkdown;

/// Every destination tfpost can post to, in the order they are posted to by default.
pub const REGISTRY: &[Registration] = &[
    github::REGISTRATION,
    gitlab::REGISTRATION,
    slack::REGISTRATION,
    stdout::REGISTRATION,
];

/// The registration of a destination: what the runner and the config need to know of it
/// before it exists. See the module documentation.
pub struct Registration {
    pub id: DestinationId,
    /// How stderr names it: `GitHub`, `Slack`, `stdout`.
    pub label: &'static str,
    /// The markup its messages are rendered in (also for stderr when it cannot post).
    pub dialect: Dialect,
    /// Every credential of its config section, masked everywhere tfpost writes.
    pub secrets: fn(&Config) -> Vec<&Secret>,
    /// Fills its config section from the environment where the file left it unset.
    pub fill_from_env: fn(&mut Config, &Env),
    /// Whether it is chosen when no list names the destinations.
    pub by_default: ByDefault,
    /// The destination for this run, or why it cannot post (what the user can do about it).
    pub build: fn(&Setup<'_>) -> Result<Box<dyn Destination>, String>,
}

/// When a destination is chosen without `--notify` or `notify:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByDefault {
    /// When it builds: its credentials and where to post are known.
    WhenReady,
    /// Outside CI, when no other destination is ready (a local run shows the message).
    OutsideCiAlone,
}

/// What building a destination may use; all resolved once per run by the runner.
pub struct Setup<'a> {
    pub config: &'a Config,
    pub ci: &'a CiContext,
    pub env: &'a Env,
    /// What templates see (label names are templates).
    pub ctx: &'a RenderContext,
    /// The key of "one current message per target": root directory and workspace.
    pub target_key: &'a str,
    /// The state of tfpost's stdout after the tee.
    pub stdout: StdoutState,
    /// `--dry-run`: nothing is posted; a destination must not touch anything when built.
    pub dry_run: bool,
    /// Reports a problem that does not stop the destination (a label name that does not render).
    pub warn: &'a dyn Fn(String),
}

/// What the tee left on tfpost's stdout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StdoutState {
    /// Its reader went away.
    pub closed: bool,
    /// The tee'd output did not end with a newline.
    pub mid_line: bool,
}

/// A destination of this run, built by its [`Registration`].
pub trait Destination {
    fn id(&self) -> DestinationId;
    /// Render the Markdown dialect with every part of a plan too long for one message.
    fn wants_parts(&self) -> bool {
        false
    }
    /// When it wants a message: any of these holds for the run; empty means always. The
    /// runner checks it; [`Destination::post`] is only called when it holds.
    fn when(&self) -> Vec<When>;
    /// Where it posts, safe to print (never a secret): `GitHub acme/infra#12`.
    fn describe(&self, facts: &RunFacts) -> String;
    /// The message as it would be sent, one text per request, for `--dry-run`.
    fn preview(&self, message: &Rendered, _facts: &RunFacts) -> Vec<String> {
        vec![message.preview()]
    }
    /// Posts the message; on failure, why (the runner writes the message to stderr).
    fn post<'a>(&'a self, outgoing: &'a Outgoing<'a>) -> PostFuture<'a>;
}

/// What [`Destination::post`] returns.
pub type PostFuture<'a> = Pin<Box<dyn Future<Output = Result<Posted, String>> + 'a>>;

/// What a post did, for the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Posted {
    /// One line: what was written where.
    pub summary: String,
    /// Things that went wrong without stopping the post.
    pub warnings: Vec<String>,
}

/// One message to post and what the run came to.
pub struct Outgoing<'a> {
    pub message: &'a Rendered,
    pub facts: &'a RunFacts,
    /// The key of "one current message per target".
    pub target_key: &'a str,
    /// The CI build URL (it changes between runs of the same plan).
    pub build_url: Option<&'a str>,
}

/// The markup a destination's messages are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// GitHub-flavoured Markdown (GitHub comments, the Actions step summary, stdout).
    GithubMarkdown,
    /// GitLab Flavored Markdown in which no plan text is a quick action or a reference: the
    /// GitHub Markdown made inert for GitLab.
    GitlabMarkdown,
    /// Slack Block Kit with mrkdwn text.
    SlackMrkdwn,
}

impl Dialect {
    /// Whether `fmt` results can be written in it.
    pub fn renders_fmt(self) -> bool {
        match self {
            Dialect::GithubMarkdown | Dialect::GitlabMarkdown => true,
            Dialect::SlackMrkdwn => false,
        }
    }
}

/// A message rendered in one [`Dialect`].
#[derive(Debug, Clone, PartialEq)]
pub enum Rendered {
    Markdown(GithubMessage),
    Gitlab(GitlabMarkdown),
    Slack(SlackMessage),
}

impl Rendered {
    /// The text a reader needs when the message could not be posted.
    pub fn text(&self) -> &str {
        match self {
            Rendered::Markdown(m) => &m.body,
            Rendered::Gitlab(m) => m.as_str(),
            Rendered::Slack(m) => &m.text,
        }
    }

    /// The message as a destination would send it: the body, or Slack's JSON payload.
    pub fn preview(&self) -> String {
        match self {
            Rendered::Markdown(m) => m.body.clone(),
            Rendered::Gitlab(m) => m.as_str().to_string(),
            Rendered::Slack(m) => {
                serde_json::to_string_pretty(m).unwrap_or_else(|_| m.text.clone())
            }
        }
    }
}

/// A destination's name: `github`, `slack`, `stdout`; always one in [`REGISTRY`] once parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DestinationId(&'static str);

impl DestinationId {
    /// For a [`Registration`]; parse user input with [`str::parse`].
    pub const fn new(name: &'static str) -> DestinationId {
        DestinationId(name)
    }

    pub fn as_str(self) -> &'static str {
        self.0
    }

    /// The registration of this destination.
    pub fn registration(self) -> Option<&'static Registration> {
        REGISTRY.iter().find(|r| r.id == self)
    }

    /// How stderr names it.
    pub fn label(self) -> &'static str {
        self.registration().map_or(self.0, |r| r.label)
    }

    fn names() -> String {
        let names: Vec<&str> = REGISTRY.iter().map(|r| r.id.as_str()).collect();
        names.join(", ")
    }
}

impl fmt::Display for DestinationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::str::FromStr for DestinationId {
    type Err = String;

    fn from_str(s: &str) -> Result<DestinationId, String> {
        REGISTRY
            .iter()
            .map(|r| r.id)
            .find(|id| id.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown notification target `{s}`: expected one of {}",
                    DestinationId::names()
                )
            })
    }
}

impl Serialize for DestinationId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for DestinationId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<DestinationId, D::Error> {
        let name = Cow::<str>::deserialize(d)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for DestinationId {
    fn schema_name() -> Cow<'static, str> {
        "DestinationId".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = REGISTRY.iter().map(|r| r.id.as_str()).collect();
        schemars::json_schema!({
            "description": "A destination tfpost posts to.",
            "type": "string",
            "enum": names,
        })
    }
}

/// Parses a `--notify` list: comma-separated names, duplicates removed, order kept.
pub fn parse_destinations(list: &str) -> Result<Vec<DestinationId>, String> {
    let mut ids = Vec::new();
    for item in list.split(',').filter(|s| !s.trim().is_empty()) {
        let id: DestinationId = item.parse()?;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

/// Every credential the config's destination sections hold.
pub fn secrets(config: &Config) -> Vec<&Secret> {
    REGISTRY
        .iter()
        .flat_map(|r| (r.secrets)(config))
        .filter(|s| !s.is_empty())
        .collect()
}

/// Fills every destination section from the environment where the file left it unset.
pub fn fill_from_env(config: &mut Config, env: &Env) {
    for registration in REGISTRY {
        (registration.fill_from_env)(config, env);
    }
}

/// A condition for posting (config `when:`). A destination posts when any of its conditions
/// holds; an empty list means [`When::Always`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Every plan and apply.
    Always,
    /// A plan with changes, an apply that changed something, or a failure (a failed run may
    /// hide changes, so it is never silent here).
    Changes,
    /// Something is (or was) destroyed or replaced.
    Destroy,
    /// Terraform failed, or its output could not be read.
    Error,
    /// Applies only (apply-on-merge notifications), whatever their result.
    Apply,
    /// Plans and fmt checks, whatever their result (not applies).
    Plan,
}

impl When {
    /// True when this condition holds for the run.
    pub fn matches(self, facts: &RunFacts) -> bool {
        match self {
            When::Always => true,
            When::Changes => facts.changes || facts.failed,
            When::Destroy => facts.destructive,
            When::Error => facts.failed,
            When::Apply => facts.kind == Some(Kind::Apply),
            When::Plan => facts.command != RunKind::Apply,
        }
    }

    /// The policy of a comment thread: every run, but without a plan (or fmt check) that
    /// changes nothing unless `comment_on_no_changes`, and without an apply that changed
    /// nothing unless `comment_on_unchanged_apply`.
    pub fn comments(comment_on_no_changes: bool, comment_on_unchanged_apply: bool) -> Vec<When> {
        match (comment_on_no_changes, comment_on_unchanged_apply) {
            (true, true) => vec![When::Always],
            (false, true) => vec![When::Changes, When::Apply],
            (true, false) => vec![When::Changes, When::Plan],
            (false, false) => vec![When::Changes],
        }
    }

    /// True when `list` is empty or any of it holds.
    pub fn any(list: &[When], facts: &RunFacts) -> bool {
        list.is_empty() || list.iter().any(|w| w.matches(facts))
    }
}

/// What the posting policy and the destinations need to know of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunFacts {
    /// The command: plan, apply or fmt.
    pub command: RunKind,
    /// Plan or apply; `None` for `fmt` and for output that could not be parsed as either.
    pub kind: Option<Kind>,
    /// What the run came to (`fmt`: no changes when every file is formatted, else error).
    pub outcome: Outcome,
    /// Something would change (plan) or changed (apply).
    pub changes: bool,
    /// Something would be (or was) destroyed or replaced.
    pub destructive: bool,
    /// Terraform failed (or its output could not be read).
    pub failed: bool,
    /// Resources by action, in [`crate::model::Action::ALL`] order (all zero for `fmt` and for
    /// output that could not be parsed).
    pub counts: [u64; 8],
}

impl RunFacts {
    /// The facts of a parsed run.
    pub fn of(report: &Report) -> RunFacts {
        let changes = match report.result {
            Outcome::Changes => true,
            Outcome::NoChanges => false,
            // An apply that printed `Resources: 0 added, 0 changed, 0 destroyed.` changed
            // nothing; an error may have changed some of what it listed.
            Outcome::Applied | Outcome::Error => {
                report.summary.is_some_and(|s| !s.is_empty()) || !report.resources.is_empty()
            }
        };
        RunFacts {
            command: match report.kind {
                Kind::Plan => RunKind::Plan,
                Kind::Apply => RunKind::Apply,
            },
            kind: Some(report.kind),
            outcome: report.result,
            changes,
            destructive: report.has_destructive_changes(),
            failed: report.result == Outcome::Error,
            counts: {
                let mut counts = [0u64; 8];
                for (slot, (_, n)) in counts.iter_mut().zip(report.action_counts()) {
                    *slot = n as u64;
                }
                counts
            },
        }
    }

    /// The facts of a run whose output could not be parsed: counted as a failure, so that
    /// `when: error` still hears of it.
    pub fn parse_failure(command: RunKind) -> RunFacts {
        RunFacts {
            command,
            kind: command.report_kind(),
            outcome: Outcome::Error,
            changes: false,
            destructive: false,
            failed: true,
            counts: [0; 8],
        }
    }

    /// The facts of a `terraform fmt -check` run.
    pub fn fmt(failed: bool) -> RunFacts {
        RunFacts {
            command: RunKind::Fmt,
            kind: None,
            outcome: if failed {
                Outcome::Error
            } else {
                Outcome::NoChanges
            },
            changes: failed,
            destructive: false,
            failed,
            counts: [0; 8],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_destination_is_registered_once_and_parses_by_its_name() {
        let mut names: Vec<&str> = REGISTRY.iter().map(|r| r.id.as_str()).collect();
        for name in &names {
            let id: DestinationId = name.to_uppercase().parse().expect("registered name");
            assert_eq!(id.as_str(), *name);
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len(), "a name registered twice");
        // Each destination module in this folder is in the registry.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/notify");
        for entry in std::fs::read_dir(dir).expect("src/notify") {
            let path = entry.expect("entry").path();
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            if stem == "mod" || stem == "retry" {
                continue;
            }
            assert!(
                names.contains(&stem),
                "src/notify/{stem} is not in notify::REGISTRY"
            );
        }
    }

    #[test]
    fn destination_lists_are_deduplicated_in_order_and_name_the_unknown() {
        let ids = parse_destinations("slack, GitHub,slack,,stdout").expect("parses");
        let names: Vec<&str> = ids.iter().map(|id| id.as_str()).collect();
        assert_eq!(names, ["slack", "github", "stdout"]);
        let err = parse_destinations("github,teams").expect_err("unknown");
        assert!(err.contains("`teams`") && err.contains("github, "), "{err}");
    }
}
