//! GitLab notifier: one current note per Terraform target on the merge request, labels for the
//! plan's state, and apply notes on the merged merge request of a commit (or on the commit).
//!
//! Input is plain data ([`GitlabTarget`], [`NoteRequest`]); nothing here reads the process
//! environment (see `destination.rs`). Every call goes through
//! [`GitlabClient`], which owns timeouts, retries and errors.
//!
//! **One current note per target.** Notes carry the same hidden marker as GitHub comments
//! ([`CommentMarker`]: target, kind, content hash, state). A run posts its note first and then
//! settles: it lists the notes again and makes every older note of the same target and kind
//! outdated, keeping only the newest. Two runs posting at once both see both notes and agree on
//! the newest, without a lock. GitLab has no "minimize", so an outdated note is either edited
//! into one line beginning "Outdated" that links the current note ([`OutdatedNotes::Edit`], the
//! default: replies and the review timeline keep their place and say where the plan went), or
//! deleted ([`OutdatedNotes::Delete`]: a tidier merge request, at the cost of that history).
//!
//! **Same plan, no noise.** When the newest note of the target already shows the same plan (the
//! same hash, which leaves out the commit and the CI link), no note is posted: the current one
//! is edited to the new commit and link when those changed, and left alone otherwise.
//!
//! **Own notes** are those written by the token's own user (`GET /user`, matched by id), or by
//! the configured username when the token cannot read `/user` (a CI job token). Without either,
//! tfpost posts and touches no older note: it never guesses by "any bot".
//!
//! **Commits.** GitLab's API can neither edit nor delete a commit comment: on a commit, a new
//! comment is posted only when the plan differs from the newest one of the target.

pub mod client;
pub mod config;
mod destination;
mod error;

use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;

pub use client::{GitlabClient, GitlabToken, MergeRequest, Note, User};
pub use destination::{ID, REGISTRATION};
pub use error::GitlabError;

use crate::model::Outcome;
use crate::notify::github::{
    CommentKind, CommentMarker, LabelConfig, LabelSpec, LabelState, RetryPolicy,
};
use crate::notify::github::{content_hash, labels::combined_state};
use crate::render::gitlab_inert::GitlabMarkdown;

/// GitLab's limit on a note (and a commit comment), in characters.
pub const NOTE_MAX_CHARS: usize = 1_000_000;

/// Where to post: the API, the token, the project, and the merge request and/or commit.
#[derive(Debug, Clone)]
pub struct GitlabTarget {
    /// REST v4 base URL, e.g. `https://gitlab.com/api/v4`.
    pub api_url: String,
    /// Never printed (the `Debug` output masks it).
    pub token: GitlabToken,
    /// The project's numeric id (`CI_PROJECT_ID`) or its path (`group/project`).
    pub project: String,
    /// The merge request's iid (`CI_MERGE_REQUEST_IID`), in merge request pipelines.
    pub merge_request: Option<u64>,
    /// The commit (`CI_COMMIT_SHA`): finds the merge request when `merge_request` is unknown
    /// (apply on merge), and takes a commit comment when none is found.
    pub sha: Option<String>,
}

/// What to do with the older notes of a target.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum OutdatedNotes {
    /// Edit them into one line, "Outdated", linking the current note.
    #[default]
    Edit,
    /// Delete them.
    Delete,
}

/// How to post (from flags and config).
#[derive(Debug, Clone, Default)]
pub struct GitlabOptions {
    pub outdated: OutdatedNotes,
    pub labels: LabelConfig,
    /// The username tfpost posts as, for tokens that cannot read `/user` (a CI job token).
    /// When set, `/user` is not called.
    pub username: Option<String>,
    pub retry: RetryPolicy,
}

/// One note to post.
#[derive(Debug, Clone)]
pub struct NoteRequest<'a> {
    /// The Terraform target (root directory and/or workspace): one current note per target.
    pub target_key: &'a str,
    pub kind: CommentKind,
    /// The note, made inert for GitLab ([`GitlabMarkdown::from_github`]).
    pub body: &'a GitlabMarkdown,
    pub result: Outcome,
    /// True when the plan destroys something (delete or replace): the `destroy` label.
    pub destroys: bool,
    /// The CI job URL, if the body holds it; like the commit SHA, it does not make the plan
    /// "different" for the same-plan check.
    pub build_url: Option<&'a str>,
    pub options: &'a GitlabOptions,
}

/// Where the note went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    MergeRequest(u64),
    Commit(String),
}

/// What posting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostAction {
    /// A new note (or commit comment) posted.
    Created,
    /// Same plan as the current note: only its commit and CI link were updated.
    Refreshed,
    /// Same plan, nothing to change: nothing written.
    Unchanged,
}

/// The result of a post, for the runner to report.
#[derive(Debug, Clone, Serialize)]
pub struct PostOutcome {
    pub destination: Destination,
    pub action: PostAction,
    /// The current note's URL (merge requests only: commit comments have none).
    pub note_url: Option<String>,
    /// How many older notes of the target were made outdated (edited or deleted).
    pub outdated: usize,
    /// The labels of tfpost's set now on the merge request.
    pub labels: Vec<String>,
    /// What went wrong without stopping the note (labels, outdating, author check).
    pub warnings: Vec<String>,
    /// HTTP requests sent, retries included.
    pub api_calls: u32,
}

/// Whose notes are tfpost's.
enum Author {
    User(User),
    Username(String),
    /// Unknown: no older note is touched.
    Unknown,
}

impl Author {
    fn wrote(&self, user: &User) -> bool {
        match self {
            Author::User(own) => own.id == user.id,
            Author::Username(name) => name.eq_ignore_ascii_case(&user.username),
            Author::Unknown => false,
        }
    }
}

/// A tfpost note of the merge request and its marker.
struct OwnNote {
    note: Note,
    marker: CommentMarker,
}

/// Posts to GitLab. Create one per run; it counts its API calls.
pub struct GitlabNotifier {
    client: GitlabClient,
    target: GitlabTarget,
}

impl GitlabNotifier {
    /// Checks the target and builds the client; sends nothing. Must be called within a Tokio
    /// runtime.
    pub fn new(target: &GitlabTarget, retry: RetryPolicy) -> Result<GitlabNotifier, GitlabError> {
        let client = GitlabClient::new(
            &target.api_url,
            &target.project,
            target.token.clone(),
            retry,
        )?;
        Ok(GitlabNotifier {
            client,
            target: target.clone(),
        })
    }

    /// HTTP requests sent so far (also after a failed post).
    pub fn api_calls(&self) -> u32 {
        self.client.api_calls()
    }

    /// Posts `request`; see the module documentation for what that means.
    pub async fn post(&self, request: &NoteRequest<'_>) -> Result<PostOutcome, GitlabError> {
        let mut warnings = Vec::new();
        let author = self.author(request.options, &mut warnings).await?;
        match self.resolve_thread(request.kind).await? {
            Thread::MergeRequest(mr) => {
                self.post_to_merge_request(&mr, &author, request, warnings)
                    .await
            }
            Thread::Commit(sha) => self.post_to_commit(&sha, &author, request, warnings).await,
        }
    }

    async fn post_to_merge_request(
        &self,
        mr: &MergeRequest,
        author: &Author,
        request: &NoteRequest<'_>,
        mut warnings: Vec<String>,
    ) -> Result<PostOutcome, GitlabError> {
        let notes = self.client.list_notes(mr.iid).await?;
        let ours = own_notes(notes, author);
        let state = label_state(request);
        let hash = content_hash(
            &[request.body.as_str()],
            &volatile(self.target.sha.as_deref(), request.build_url),
        );
        let current = ours
            .iter()
            .filter(|n| same_target(&n.marker, request))
            .max_by_key(|n| n.note.id);

        let (action, note_id) = match current {
            Some(current) if current.marker.hash == hash => {
                let body = self.compose(request, &hash, &current.marker.run, state);
                if body == current.note.body {
                    (PostAction::Unchanged, current.note.id)
                } else {
                    let note = self
                        .client
                        .update_note(mr.iid, current.note.id, &body)
                        .await?;
                    (PostAction::Refreshed, note.id)
                }
            }
            _ => {
                let body = self.compose(request, &hash, &run_id(), state);
                let note = self.client.create_note(mr.iid, &body).await?;
                (PostAction::Created, note.id)
            }
        };
        let note_url = format!("{}#note_{}", mr.web_url, note_id);

        // Settle on a fresh listing: it shows notes other runs posted meanwhile.
        let (outdated, latest_states) = match self.client.list_notes(mr.iid).await {
            Ok(fresh) => {
                let fresh = own_notes(fresh, author);
                let outdated = self
                    .outdate(mr, &fresh, request, note_id, &mut warnings)
                    .await;
                (outdated, plan_states(&fresh))
            }
            Err(err) => {
                warnings.push(format!(
                    "cannot list the notes again after posting ({err}): older notes of this target stay as they are"
                ));
                let mut states = plan_states(&ours);
                if request.kind == CommentKind::Plan {
                    states.insert(request.target_key.to_string(), state);
                }
                (0, states)
            }
        };

        let labels = if request.kind == CommentKind::Plan {
            self.apply_labels(mr, &request.options.labels, latest_states, &mut warnings)
                .await
        } else {
            Vec::new()
        };
        Ok(PostOutcome {
            destination: Destination::MergeRequest(mr.iid),
            action,
            note_url: Some(note_url),
            outdated,
            labels,
            warnings,
            api_calls: self.client.api_calls(),
        })
    }

    /// Makes every note of the target older than the newest outdated; returns how many were.
    async fn outdate(
        &self,
        mr: &MergeRequest,
        fresh: &[OwnNote],
        request: &NoteRequest<'_>,
        own_note: u64,
        warnings: &mut Vec<String>,
    ) -> usize {
        let mut of_target: Vec<&OwnNote> = fresh
            .iter()
            .filter(|n| same_target(&n.marker, request))
            .collect();
        of_target.sort_by_key(|n| n.note.id);
        let Some(newest) = of_target.pop() else {
            return 0;
        };
        if newest.note.id != own_note {
            warnings.push(
                "another tfpost run for this target posted after this one: its note is the current one".to_string(),
            );
        }
        let newest_url = format!("{}#note_{}", mr.web_url, newest.note.id);
        let mut done = 0;
        for old in of_target {
            let result = match request.options.outdated {
                OutdatedNotes::Delete => self.client.delete_note(mr.iid, old.note.id).await,
                OutdatedNotes::Edit => {
                    let text = outdated_note(request.target_key, request.kind, &newest_url);
                    self.client
                        .update_note(mr.iid, old.note.id, text.as_str())
                        .await
                        .map(|_| ())
                }
            };
            match result {
                Ok(()) => done += 1,
                Err(err) => warnings.push(format!("cannot make an older note outdated: {err}")),
            }
        }
        done
    }

    /// Puts the label of the merge request's combined state on it and takes the set's others
    /// off; returns the set's labels now on it.
    async fn apply_labels(
        &self,
        mr: &MergeRequest,
        config: &LabelConfig,
        states: std::collections::BTreeMap<String, LabelState>,
        warnings: &mut Vec<String>,
    ) -> Vec<String> {
        if !config.enabled {
            return Vec::new();
        }
        let set = label_names(config);
        let wanted_spec = combined_state(states.into_values()).and_then(|s| label_spec(config, s));
        let wanted = wanted_spec.map(|spec| spec.name.trim());
        let present = |name: &str| mr.labels.iter().any(|l| l == name);
        let add: Vec<&str> = wanted.into_iter().filter(|w| !present(w)).collect();
        if let Some(spec) = wanted_spec.filter(|_| !add.is_empty()) {
            // Created here with the configured colour; GitLab would otherwise create it grey
            // when it is added.
            if let Err(err) = self
                .client
                .create_label(spec.name.trim(), &spec.color, &spec.description)
                .await
            {
                warnings.push(format!("cannot create label {:?}: {err}", spec.name.trim()));
            }
        }
        let remove: Vec<&str> = set
            .iter()
            .copied()
            .filter(|name| Some(*name) != wanted && present(name))
            .collect();
        let on_mr = |labels: &[String]| -> Vec<String> {
            set.iter()
                .filter(|name| labels.iter().any(|l| l == *name))
                .map(|name| name.to_string())
                .collect()
        };
        if add.is_empty() && remove.is_empty() {
            return on_mr(&mr.labels);
        }
        match self.client.update_labels(mr.iid, &add, &remove).await {
            Ok(updated) => on_mr(&updated.labels),
            Err(err) => {
                warnings.push(format!("cannot update the merge request's labels: {err}"));
                on_mr(&mr.labels)
            }
        }
    }

    async fn post_to_commit(
        &self,
        sha: &str,
        author: &Author,
        request: &NoteRequest<'_>,
        warnings: Vec<String>,
    ) -> Result<PostOutcome, GitlabError> {
        let hash = content_hash(
            &[request.body.as_str()],
            &volatile(Some(sha), request.build_url),
        );
        let comments = self.client.list_commit_comments(sha).await?;
        let newest_same_plan = comments
            .iter()
            .filter(|c| author.wrote(&c.author))
            .filter_map(|c| CommentMarker::parse(&c.note))
            .rfind(|m| same_target(m, request))
            .is_some_and(|m| m.hash == hash);
        let action = if newest_same_plan {
            PostAction::Unchanged
        } else {
            let body = self.compose(request, &hash, &run_id(), label_state(request));
            self.client.create_commit_comment(sha, &body).await?;
            PostAction::Created
        };
        Ok(PostOutcome {
            destination: Destination::Commit(sha.to_string()),
            action,
            note_url: None,
            outdated: 0,
            labels: Vec::new(),
            warnings,
            api_calls: self.client.api_calls(),
        })
    }

    /// The note: marker, then the body cut to fit GitLab's limit.
    fn compose(
        &self,
        request: &NoteRequest<'_>,
        hash: &str,
        run: &str,
        state: LabelState,
    ) -> String {
        let marker = CommentMarker {
            target: request.target_key.to_string(),
            kind: request.kind,
            sha: self.target.sha.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            hash: hash.to_string(),
            run: run.to_string(),
            part: 1,
            parts: 1,
            state: Some(state),
            counts: None,
        }
        .render();
        let room = NOTE_MAX_CHARS.saturating_sub(marker.chars().count());
        let body = request.body.clone().fit(room, request.build_url);
        format!("{marker}{}", body.as_str())
    }

    /// The merge request to comment on: the given one; else the one the commit belongs to (for
    /// an apply, the merge request it was merged by; for a plan, an open one whose head it is);
    /// else the commit itself.
    async fn resolve_thread(&self, kind: CommentKind) -> Result<Thread, GitlabError> {
        if let Some(iid) = self.target.merge_request {
            return Ok(Thread::MergeRequest(self.client.merge_request(iid).await?));
        }
        let Some(sha) = self.target.sha.as_deref().filter(|s| !s.is_empty()) else {
            return Err(GitlabError::NoDestination);
        };
        let mrs = self.client.merge_requests_of_commit(sha).await?;
        let is = |field: &Option<String>| field.as_deref() == Some(sha);
        let found = if kind == CommentKind::Apply {
            let merged = |mr: &&MergeRequest| mr.state == "merged";
            mrs.iter()
                .filter(merged)
                .find(|mr| is(&mr.merge_commit_sha) || is(&mr.squash_commit_sha))
                .or_else(|| mrs.iter().find(merged))
        } else {
            let open = |mr: &&MergeRequest| mr.state == "opened";
            mrs.iter()
                .filter(open)
                .find(|mr| is(&mr.sha))
                .or_else(|| mrs.iter().find(open))
        };
        Ok(match found {
            Some(mr) => Thread::MergeRequest(mr.clone()),
            None => Thread::Commit(sha.to_string()),
        })
    }

    async fn author(
        &self,
        options: &GitlabOptions,
        warnings: &mut Vec<String>,
    ) -> Result<Author, GitlabError> {
        if let Some(name) = options
            .username
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            return Ok(Author::Username(name.to_string()));
        }
        if matches!(self.target.token, GitlabToken::Job(_)) {
            // A CI job token cannot read `/user`, and GitLab says nothing else about whose it is.
            warnings.push(
                "with a CI job token tfpost cannot tell which user it posts as: older tfpost notes are left as they are. Set the username in the config, or use GITLAB_TOKEN, to keep one current note".to_string(),
            );
            return Ok(Author::Unknown);
        }
        match self.client.current_user().await {
            Ok(user) => Ok(Author::User(user)),
            // A token without `read_user`/`api` may not read `/user`; anything else is a real
            // failure.
            Err(err @ (GitlabError::Forbidden { .. } | GitlabError::NotFound { .. })) => {
                warnings.push(format!(
                    "cannot tell which user the {} belongs to ({err}); older tfpost notes are left as they are. Set the username tfpost posts as in the config to keep one current note",
                    self.client.token_kind()
                ));
                Ok(Author::Unknown)
            }
            Err(err) => Err(err),
        }
    }
}

enum Thread {
    MergeRequest(MergeRequest),
    Commit(String),
}

fn same_target(marker: &CommentMarker, request: &NoteRequest<'_>) -> bool {
    marker.target == request.target_key && marker.kind == request.kind
}

fn own_notes(notes: Vec<Note>, author: &Author) -> Vec<OwnNote> {
    notes
        .into_iter()
        .filter(|n| !n.system && author.wrote(&n.author))
        .filter_map(|note| {
            let marker = CommentMarker::parse(&note.body)?;
            Some(OwnNote { note, marker })
        })
        .collect()
}

/// The state of every target's newest plan note.
fn plan_states(ours: &[OwnNote]) -> std::collections::BTreeMap<String, LabelState> {
    let mut newest: std::collections::BTreeMap<String, (u64, LabelState)> = Default::default();
    for n in ours.iter().filter(|n| n.marker.kind == CommentKind::Plan) {
        if let Some(state) = n.marker.state {
            let entry = newest
                .entry(n.marker.target.clone())
                .or_insert((n.note.id, state));
            if n.note.id >= entry.0 {
                *entry = (n.note.id, state);
            }
        }
    }
    newest.into_iter().map(|(t, (_, s))| (t, s)).collect()
}

fn label_state(request: &NoteRequest<'_>) -> LabelState {
    match request.result {
        Outcome::Error => LabelState::Error,
        Outcome::NoChanges => LabelState::NoChanges,
        Outcome::Applied => LabelState::Applied,
        Outcome::Changes if request.destroys => LabelState::Destroy,
        Outcome::Changes => LabelState::AddOrUpdate,
    }
}

/// The configured label of a state; `None` for an apply or a label switched off. GitLab takes
/// labels as a comma-separated list, so a name holding a comma cannot be one.
fn label_spec(config: &LabelConfig, state: LabelState) -> Option<&LabelSpec> {
    let spec = match state {
        LabelState::NoChanges => &config.no_changes,
        LabelState::AddOrUpdate => &config.add_or_update,
        LabelState::Destroy => &config.destroy,
        LabelState::Error => &config.error,
        LabelState::Applied => return None,
    };
    let name = spec.name.trim();
    (!name.is_empty() && !name.contains(',')).then_some(spec)
}

/// Every configured label of the set.
fn label_names(config: &LabelConfig) -> Vec<&str> {
    [
        LabelState::AddOrUpdate,
        LabelState::Destroy,
        LabelState::NoChanges,
        LabelState::Error,
    ]
    .into_iter()
    .filter_map(|s| label_spec(config, s))
    .map(|spec| spec.name.trim())
    .collect()
}

/// What an older note becomes: one line that begins "Outdated" and links the current note.
fn outdated_note(target_key: &str, kind: CommentKind, current_url: &str) -> GitlabMarkdown {
    let what = match kind {
        CommentKind::Plan => "plan",
        CommentKind::Apply => "apply",
        CommentKind::Fmt => "fmt check",
        CommentKind::Summary => "summary",
    };
    let target = if target_key.is_empty() {
        String::new()
    } else {
        format!(" of {}", crate::render::inert::inline_code(target_key))
    };
    let link = crate::render::inert::link("the current note", current_url);
    GitlabMarkdown::from_github(&format!(
        "Outdated: this tfpost {what}{target} was replaced by a newer one, see {link}.\n"
    ))
}

/// Text that changes between runs of the same plan: the CI link, the commit and its short forms.
fn volatile(sha: Option<&str>, build_url: Option<&str>) -> Vec<String> {
    let mut strings: Vec<String> = build_url
        .filter(|u| !u.is_empty())
        .map(str::to_string)
        .into_iter()
        .collect();
    if let Some(sha) = sha.filter(|s| s.len() >= 7) {
        strings.extend((7..=sha.len()).rev().map(|n| sha[..n].to_string()));
    }
    strings
}

fn run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{nanos:x}-{:x}", std::process::id())
}

/// Posts with a runtime of its own, for callers that are not async. Must not be called from
/// within a Tokio runtime.
pub fn post_blocking(
    target: &GitlabTarget,
    request: &NoteRequest<'_>,
) -> Result<PostOutcome, GitlabError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| GitlabError::Config(format!("cannot start the async runtime: {e}")))?;
    runtime.block_on(async {
        let notifier = GitlabNotifier::new(target, request.options.retry.clone())?;
        notifier.post(request).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_outdated_note_begins_with_outdated_and_links_the_current_one() {
        let note = outdated_note(
            "envs/@prod",
            CommentKind::Plan,
            "https://gl/p/-/merge_requests/1#note_9",
        );
        assert!(note.as_str().starts_with("Outdated: "), "{}", note.as_str());
        assert!(
            note.as_str()
                .contains("(https://gl/p/-/merge_requests/1#note_9)")
        );
        assert!(note.as_str().contains("`envs/@prod`"));
    }

    #[test]
    fn volatile_strings_cover_the_link_and_short_shas() {
        let v = volatile(Some("abcdef12"), Some("https://ci/1"));
        assert_eq!(v, ["https://ci/1", "abcdef12", "abcdef1"]);
        assert!(volatile(None, Some("")).is_empty());
    }
}
