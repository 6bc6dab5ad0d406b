//! GitHub notifier: one current comment per Terraform target on the pull request (older ones
//! hidden as outdated, or updated in place with `patch`), labels for the plan's state, apply
//! comments on the merged pull request of a commit (or on the commit), and the Actions step
//! summary.
//!
//! Input is plain data ([`GithubTarget`], [`PostRequest`]); nothing here reads the environment.
//! Every call goes through [`client::GithubClient`], which owns timeouts, retries and errors.

pub mod client;
pub mod config;
mod destination;
mod error;
pub mod labels;
pub mod marker;
mod summary;
pub use summary::SUMMARY_TARGET;

use std::io::Write as _;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use client::{GithubClient, RetryPolicy, Thread};
pub use destination::{ID, REGISTRATION, documented_login, label_config, retry_of, target_of};
pub use error::GithubError;
pub use labels::{LabelConfig, LabelSpec};
pub use marker::{CommentKind, CommentMarker, LabelState};

use crate::message::GithubMessage;
use crate::model::Outcome;
use client::{Comment, CommentListing};

/// Where to post: the API, the token, the repository, and the pull request and/or commit.
#[derive(Clone)]
pub struct GithubTarget {
    /// REST base URL (`GITHUB_API_URL`): `https://api.github.com` or `https://HOST/api/v3`.
    pub api_url: String,
    /// The token; never printed (the `Debug` output masks it).
    pub token: String,
    pub owner: String,
    pub repo: String,
    /// The pull request, when the CI run is for one.
    pub pr: Option<u64>,
    /// The commit, used to find the pull request when `pr` is unknown (apply on merge) and for
    /// commit comments.
    pub sha: Option<String>,
}

impl std::fmt::Debug for GithubTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubTarget")
            .field("api_url", &self.api_url)
            .field("token", &"***")
            .field("owner", &self.owner)
            .field("repo", &self.repo)
            .field("pr", &self.pr)
            .field("sha", &self.sha)
            .finish()
    }
}

/// What to do with a plan too big for one comment (config `github.overflow`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// Cut the details, say so, and link the build log: `message.body`, already cut by the
    /// renderer.
    #[default]
    Truncate,
    /// Post the whole plan in as many comments as it takes: every part of `message.parts`,
    /// each "part i of n".
    Split,
}

/// How to post (from flags and config).
#[derive(Debug, Clone, Default)]
pub struct GithubOptions {
    /// Update the current comment in place instead of posting a new one and hiding the old.
    pub patch: bool,
    pub overflow: Overflow,
    pub labels: LabelConfig,
    /// The login tfpost posts as (config `github.login`): its comments are tfpost's own. When
    /// set, `GET /user` is not called at all.
    pub login: Option<String>,
    /// The login GitHub documents for this kind of token, used when `GET /user` is refused
    /// (installation tokens are): Actions' `GITHUB_TOKEN` writes as `github-actions[bot]`.
    /// Unset and refused: no earlier comment is taken as tfpost's own.
    pub login_if_refused: Option<String>,
    pub retry: RetryPolicy,
}

/// One message to post.
#[derive(Debug, Clone)]
pub struct PostRequest<'a> {
    /// The Terraform target (root directory and/or workspace): one current comment per target.
    pub target_key: &'a str,
    pub kind: CommentKind,
    pub message: &'a GithubMessage,
    pub result: Outcome,
    /// True when the plan destroys something (delete or replace): the `destroy` label.
    pub destroys: bool,
    /// The CI build URL, if the body holds it; like the commit SHA, it does not make the content
    /// "different" for the same-plan check.
    pub build_url: Option<&'a str>,
    pub options: &'a GithubOptions,
    /// Resources by action, written into the marker for `tfpost summary`.
    pub counts: Option<&'a crate::summary::ActionCounts>,
}

/// Where the comment went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Destination {
    PullRequest(u64),
    Commit(String),
}

/// What posting did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PostAction {
    /// New comment(s) posted.
    Created,
    /// The current comment(s) updated in place (`patch`).
    Updated,
    /// Same plan as the current comment: only its commit and run link were updated.
    Refreshed,
    /// Same plan, same commit, same link: nothing written.
    Unchanged,
    /// No comment for this run (`comment_on_no_changes: false`): the target's earlier
    /// comments hidden as outdated, the labels brought up to date ([`GithubNotifier::withdraw`]).
    Withdrawn,
}

impl PostAction {
    /// What was done, in words for the log.
    pub fn describe(self) -> &'static str {
        match self {
            PostAction::Created => "posted",
            PostAction::Updated => "updated in place",
            PostAction::Refreshed => "same plan: commit and build link updated",
            PostAction::Unchanged => "same plan: nothing to change",
            PostAction::Withdrawn => "no comment for this run",
        }
    }
}

/// The result of a post, for the runner to report.
#[derive(Debug, Clone, Serialize)]
pub struct PostOutcome {
    pub destination: Destination,
    pub action: PostAction,
    /// The URLs of the current comment(s), part 1 first.
    pub comment_urls: Vec<String>,
    /// How many older comments of the target were hidden as outdated (or, for a comment
    /// edited in place, deleted because a racing run created it at the same moment).
    pub hidden: usize,
    /// The labels of tfpost's set now on the pull request.
    pub labels: Vec<String>,
    /// Things that went wrong without stopping the comment (labels, hiding, author check).
    pub warnings: Vec<String>,
    /// HTTP requests sent, retries included.
    pub api_calls: u32,
}

/// Posts to GitHub. Create one per run; it counts its API calls.
pub struct GithubNotifier {
    client: GithubClient,
    target: GithubTarget,
}

impl GithubNotifier {
    /// Must be called within a Tokio runtime.
    pub fn new(target: &GithubTarget, retry: RetryPolicy) -> Result<GithubNotifier, GithubError> {
        let client = GithubClient::new(
            &target.api_url,
            &target.token,
            &target.owner,
            &target.repo,
            retry,
        )?;
        Ok(GithubNotifier {
            client,
            target: target.clone(),
        })
    }

    /// HTTP requests sent so far (also after a failed post).
    pub fn api_calls(&self) -> u32 {
        self.client.api_calls()
    }

    /// Posts `request`; see the module documentation for what that means.
    pub async fn post(&self, request: &PostRequest<'_>) -> Result<PostOutcome, GithubError> {
        let mut warnings = Vec::new();
        let thread = self.resolve_thread(request.kind).await?;
        let author = self.author(request.options, &mut warnings).await?;

        let listing = self.client.list_comments(&thread).await?;
        let ours: Vec<(Comment, CommentMarker)> = listing
            .comments
            .iter()
            .filter(|c| author.matches(c))
            .cloned()
            .filter_map(|c| {
                let marker = CommentMarker::parse(c.body.as_deref()?)?;
                Some((c, marker))
            })
            .collect();

        let bodies: Vec<&str> =
            if request.options.overflow == Overflow::Split && !request.message.parts.is_empty() {
                request.message.parts.iter().map(String::as_str).collect()
            } else {
                vec![request.message.body.as_str()]
            };
        let hash = content_hash(&bodies, &self.volatile(request));
        let state = label_state(request);

        let same_target =
            |m: &CommentMarker| m.target == request.target_key && m.kind == request.kind;
        let mine: Vec<&(Comment, CommentMarker)> =
            ours.iter().filter(|(_, m)| same_target(m)).collect();
        let current_run = current_run(mine.iter().map(|(c, m)| (c.id, m.run.as_str())));
        let mut current: Vec<&(Comment, CommentMarker)> = mine
            .iter()
            .copied()
            .filter(|(_, m)| Some(&m.run) == current_run.as_ref())
            .collect();
        current.sort_by_key(|(c, m)| (m.part, c.id));

        let make_marker = |run: &str, part: usize| CommentMarker {
            target: request.target_key.to_string(),
            kind: request.kind,
            sha: self.target.sha.clone(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            hash: hash.clone(),
            run: run.to_string(),
            part: part as u32 + 1,
            parts: bodies.len() as u32,
            state: Some(state),
            counts: request.counts.cloned(),
        };
        let compose = |run: &str, i: usize| {
            marker::compose(&make_marker(run, i).render(), bodies[i], request.build_url)
        };

        let complete_current = current.len() == bodies.len()
            && current
                .iter()
                .enumerate()
                .all(|(i, (_, m))| m.part as usize == i + 1 && m.parts as usize == bodies.len());
        let mut urls = Vec::new();
        let mut hidden = 0;
        let action;
        if let (true, Some(run)) = (complete_current, &current_run)
            && current.iter().all(|(_, m)| m.hash == hash)
        {
            // Same plan: keep the comment, bring its commit and run link up to date.
            let mut wrote = false;
            for (i, (comment, _)) in current.iter().enumerate() {
                let body = compose(run, i);
                if comment.body.as_deref() != Some(body.as_str()) {
                    let updated = self
                        .client
                        .update_comment(&thread, comment.id, &body)
                        .await?;
                    wrote = true;
                    urls.push(updated.html_url);
                } else {
                    urls.push(comment.html_url.clone());
                }
            }
            action = if wrote {
                PostAction::Refreshed
            } else {
                PostAction::Unchanged
            };
        } else {
            let run = run_id();
            let mut replaced: Vec<u64> = Vec::new();
            let mut created_ids: Vec<u64> = Vec::new();
            if request.options.patch && !current.is_empty() {
                for i in 0..bodies.len() {
                    let body = compose(&run, i);
                    let comment = match current.get(i) {
                        Some((old, _)) => {
                            replaced.push(old.id);
                            self.client.update_comment(&thread, old.id, &body).await?
                        }
                        None => {
                            self.pace(i).await;
                            let created = self
                                .create(&thread, &author, &listing, &make_marker(&run, i), &body)
                                .await?;
                            created_ids.push(created.id);
                            created
                        }
                    };
                    urls.push(comment.html_url);
                }
                action = PostAction::Updated;
            } else {
                for i in 0..bodies.len() {
                    self.pace(i).await;
                    let comment = self
                        .create(
                            &thread,
                            &author,
                            &listing,
                            &make_marker(&run, i),
                            &compose(&run, i),
                        )
                        .await?;
                    created_ids.push(comment.id);
                    urls.push(comment.html_url);
                }
                action = PostAction::Created;
            }
            // Post first, hide after: if posting fails, the old comment stays visible.
            let seen_before: Vec<String> = mine
                .iter()
                .filter(|(c, _)| !replaced.contains(&c.id))
                .map(|(c, _)| c.node_id.clone())
                .collect();
            let own = Own {
                run: &run,
                created: &created_ids,
                replaced: &replaced,
            };
            hidden += if created_ids.is_empty() {
                // Only edits in place: no new comment that a concurrent run could miss.
                self.hide(&seen_before, "OUTDATED", &mut warnings).await
            } else {
                let before = Before {
                    listing: &listing,
                    outdated: &seen_before,
                };
                self.settle(&thread, &author, request, &own, &before, &mut warnings)
                    .await
            };
        }

        let labels = self
            .follow_labels(&thread, request, &ours, state, &mut warnings)
            .await;

        Ok(PostOutcome {
            destination: match thread {
                Thread::PullRequest(n) => Destination::PullRequest(n),
                Thread::Commit(sha) => Destination::Commit(sha),
            },
            action,
            comment_urls: urls,
            hidden,
            labels,
            warnings,
            api_calls: self.client.api_calls(),
        })
    }

    /// The labels of tfpost's set on a pull request after a plan of `request.target_key` in
    /// `state`: they sum up every target's latest plan. Commits and applies have none.
    async fn follow_labels(
        &self,
        thread: &Thread,
        request: &PostRequest<'_>,
        ours: &[(Comment, CommentMarker)],
        state: LabelState,
        warnings: &mut Vec<String>,
    ) -> Vec<String> {
        let Thread::PullRequest(pr) = thread else {
            return Vec::new();
        };
        if request.kind != CommentKind::Plan {
            return Vec::new();
        }
        let mut latest: std::collections::BTreeMap<&str, LabelState> = Default::default();
        for (_, m) in ours.iter().filter(|(_, m)| m.kind == CommentKind::Plan) {
            if let Some(s) = m.state {
                latest.insert(m.target.as_str(), s);
            }
        }
        latest.insert(request.target_key, state);
        let combined = labels::combined_state(latest.into_values());
        labels::apply(
            &self.client,
            *pr,
            &request.options.labels,
            combined,
            warnings,
        )
        .await
    }

    /// A run that posts no comment (`comment_on_no_changes: false` and a plan without
    /// changes) still leaves the pull request telling the truth: the target's earlier comments,
    /// which describe a plan that is no longer current, get the new state in their marker (so
    /// later runs sum the labels right) and are hidden as outdated, and the labels follow the
    /// new state. Nothing is posted; a comment already in the new state is left alone, so a
    /// second such run writes nothing.
    pub async fn withdraw(&self, request: &PostRequest<'_>) -> Result<PostOutcome, GithubError> {
        let mut warnings = Vec::new();
        let thread = self.resolve_thread(request.kind).await?;
        let author = self.author(request.options, &mut warnings).await?;
        let listing = self.client.list_comments(&thread).await?;
        let state = label_state(request);
        let mut ours: Vec<(Comment, CommentMarker)> = listing
            .comments
            .iter()
            .filter(|c| author.matches(c))
            .cloned()
            .filter_map(|c| {
                let marker = CommentMarker::parse(c.body.as_deref()?)?;
                Some((c, marker))
            })
            .collect();
        let mut stale = Vec::new();
        for (comment, marker) in ours.iter_mut() {
            if marker.target != request.target_key
                || marker.kind != request.kind
                || marker.state == Some(state)
            {
                continue;
            }
            let Some(body) = comment
                .body
                .as_deref()
                .and_then(|b| marker::with_state(b, state))
            else {
                continue;
            };
            match self.client.update_comment(&thread, comment.id, &body).await {
                Ok(_) => {
                    marker.state = Some(state);
                    stale.push(comment.node_id.clone());
                }
                Err(err) => warnings.push(format!("cannot mark an outdated comment: {err}")),
            }
        }
        let hidden = self.hide(&stale, "OUTDATED", &mut warnings).await;
        let labels = self
            .follow_labels(&thread, request, &ours, state, &mut warnings)
            .await;
        Ok(PostOutcome {
            destination: match thread {
                Thread::PullRequest(n) => Destination::PullRequest(n),
                Thread::Commit(sha) => Destination::Commit(sha),
            },
            action: PostAction::Withdrawn,
            comment_urls: Vec::new(),
            hidden,
            labels,
            warnings,
            api_calls: self.client.api_calls(),
        })
    }

    /// Creates one comment of this run. A POST whose answer may hide a success (a 5xx, a
    /// broken connection, a timeout) is never sent again blindly: the comments after those
    /// listed before posting are read, and the one carrying this run's marker for this part is
    /// taken as created. Only when it is absent is the POST sent again (within the retry
    /// policy; a timeout is not retried). GitHub answering 502 while creating the comment each
    /// time so leaves one comment, reported as posted.
    async fn create(
        &self,
        thread: &Thread,
        author: &Author,
        before: &CommentListing,
        marker: &CommentMarker,
        body: &str,
    ) -> Result<Comment, GithubError> {
        let mut attempt = 1;
        loop {
            let err = match self.client.create_comment(thread, body).await {
                Ok(comment) => return Ok(comment),
                Err(err) if err.is_uncertain() => err,
                Err(err) => return Err(err.after_attempts(attempt)),
            };
            let fresh = self
                .client
                .list_comments_from(thread, &before.last_page)
                .await
                .map_err(|list_err| {
                    GithubError::UnexpectedResponse {
                        method: "POST".into(),
                        path: format!("the comment on {thread:?}"),
                        reason: format!(
                            "{err}; whether GitHub created the comment anyway is unknown: listing the comments to check failed ({list_err})"
                        ),
                    }
                })?;
            let made = fresh.comments.into_iter().find(|c| {
                author.matches(c)
                    && c.body
                        .as_deref()
                        .and_then(CommentMarker::parse)
                        .is_some_and(|m| {
                            m.run == marker.run
                                && m.part == marker.part
                                && m.target == marker.target
                                && m.kind == marker.kind
                        })
            });
            if let Some(comment) = made {
                return Ok(comment);
            }
            let retry = !matches!(err, GithubError::Timeout { .. })
                && self.client.wait_before_retry(attempt).await;
            if !retry {
                return Err(err.after_attempts(attempt));
            }
            attempt += 1;
        }
    }

    /// Waits between the comments of a split plan (not before the first).
    async fn pace(&self, part: usize) {
        let interval = self.client.policy().write_interval;
        if part > 0 && !interval.is_zero() {
            tokio::time::sleep(interval).await;
        }
    }

    /// After posting new comments: lists the comments again and hides what this run supersedes.
    ///
    /// Two runs for the same target can post at the same moment, each having listed the
    /// comments before the other posted; hiding only what the first listing showed would leave
    /// both new comments visible. The fresh listing lets both runs apply the same rule
    /// ([`settlement`]), so exactly the newest run stays visible without any lock. It also
    /// catches a comment GitHub created for a POST that answered 5xx and was sent again (a
    /// duplicate of this run).
    async fn settle(
        &self,
        thread: &Thread,
        author: &Author,
        request: &PostRequest<'_>,
        own: &Own<'_>,
        before: &Before<'_>,
        warnings: &mut Vec<String>,
    ) -> usize {
        // New comments are appended: reading on from the last page seen before posting is enough.
        let fresh = match self
            .client
            .list_comments_from(thread, &before.listing.last_page)
            .await
        {
            Ok(fresh) => fresh,
            Err(err) => {
                warnings.push(format!(
                    "cannot list the comments again after posting ({err}): a comment posted at the same moment by another run, or posted twice after a GitHub error, may stay visible"
                ));
                return self.hide(before.outdated, "OUTDATED", warnings).await;
            }
        };
        let mut all: std::collections::BTreeMap<u64, &Comment> =
            before.listing.comments.iter().map(|c| (c.id, c)).collect();
        all.extend(fresh.comments.iter().map(|c| (c.id, c)));
        let same_target: Vec<Listed> = all
            .into_values()
            .filter(|c| author.matches(c))
            .filter_map(|c| {
                let marker = CommentMarker::parse(c.body.as_deref()?)?;
                (marker.target == request.target_key && marker.kind == request.kind).then(|| {
                    Listed {
                        id: c.id,
                        node_id: c.node_id.clone(),
                        marker,
                    }
                })
            })
            .collect();
        let mut outcome = settlement(&same_target, own);
        let mut deleted = 0;
        if request.options.patch {
            // One comment edited in place: a comment that a racing run (or a resent POST)
            // created after this run listed the thread is removed, not hidden, so the thread
            // keeps one comment for the target. Comments listed before stay as history.
            let listed_before: std::collections::BTreeSet<u64> =
                before.listing.comments.iter().map(|c| c.id).collect();
            let racing: Vec<&Listed> = same_target
                .iter()
                .filter(|c| !listed_before.contains(&c.id))
                .filter(|c| {
                    outcome.duplicates.contains(&c.node_id) || outcome.outdated.contains(&c.node_id)
                })
                .collect();
            for comment in racing {
                match self.client.delete_comment(thread, comment.id).await {
                    Ok(()) => {
                        deleted += 1;
                        outcome.duplicates.retain(|n| n != &comment.node_id);
                        outcome.outdated.retain(|n| n != &comment.node_id);
                    }
                    Err(err) => warnings.push(format!(
                        "cannot delete a comment posted at the same moment ({err}): it is hidden instead"
                    )),
                }
            }
        }
        if outcome.superseded {
            warnings.push(format!(
                "another tfpost run for this target posted at the same moment, after this one: its comment is the current one, and this run's was {}",
                if request.options.patch { "removed" } else { "hidden" }
            ));
        }
        deleted
            + self.hide(&outcome.duplicates, "DUPLICATE", warnings).await
            + self.hide(&outcome.outdated, "OUTDATED", warnings).await
    }

    /// Minimizes comments with a classifier; a failure is a warning (the comment was posted).
    async fn hide(
        &self,
        node_ids: &[String],
        classifier: &str,
        warnings: &mut Vec<String>,
    ) -> usize {
        if node_ids.is_empty() {
            return 0;
        }
        match self.client.minimize(node_ids, classifier).await {
            Ok(n) => n,
            Err(err) if classifier == "DUPLICATE" => {
                warnings.push(format!("cannot hide a duplicate comment: {err}"));
                0
            }
            Err(err) => {
                warnings.push(format!("cannot hide the older comments: {err}"));
                0
            }
        }
    }

    /// The pull request to comment on: the given one; else the one the commit belongs to (for
    /// an apply, the pull request it was merged by; for a plan, an open one whose head it is);
    /// else the commit itself.
    async fn resolve_thread(&self, kind: CommentKind) -> Result<Thread, GithubError> {
        if let Some(pr) = self.target.pr {
            return Ok(Thread::PullRequest(pr));
        }
        let Some(sha) = self.target.sha.as_deref().filter(|s| !s.is_empty()) else {
            return Err(GithubError::NoDestination);
        };
        let pulls = self.client.pulls_of_commit(sha).await?;
        let found = if kind == CommentKind::Apply {
            pulls
                .iter()
                .find(|p| p.merged_at.is_some() && p.merge_commit_sha.as_deref() == Some(sha))
                .or_else(|| pulls.iter().find(|p| p.merged_at.is_some()))
        } else {
            pulls
                .iter()
                .find(|p| p.state == "open" && p.head.as_ref().is_some_and(|h| h.sha == sha))
                .or_else(|| pulls.iter().find(|p| p.state == "open"))
        };
        Ok(match found {
            Some(pr) => Thread::PullRequest(pr.number),
            None => Thread::Commit(sha.to_string()),
        })
    }

    async fn author(
        &self,
        options: &GithubOptions,
        warnings: &mut Vec<String>,
    ) -> Result<Author, GithubError> {
        if let Some(login) = options.login.as_deref().filter(|l| !l.is_empty()) {
            return Ok(Author::Login(login.to_string()));
        }
        match self.client.current_login().await {
            Ok(login) => Ok(Author::Login(login)),
            // GitHub App installation tokens (Actions' GITHUB_TOKEN) get 403 "Resource not
            // accessible by integration" here; anything else is a real failure.
            Err(err @ (GithubError::Forbidden { .. } | GithubError::NotFound { .. })) => {
                match &options.login_if_refused {
                    Some(login) => Ok(Author::Login(login.clone())),
                    // Any bot could carry tfpost's marker (another App's comment, a user's
                    // copy): with no login to check, no comment is taken as tfpost's own.
                    None => {
                        warnings.push(format!(
                            "cannot tell which account the token belongs to ({err}): no earlier comment is taken as tfpost's own, so none is hidden or edited and a new one is posted. Set `github.login` in the config to the account the token writes as (e.g. `my-app[bot]`)"
                        ));
                        Ok(Author::Unknown)
                    }
                }
            }
            Err(err) => Err(err),
        }
    }

    /// Text that changes between runs of the same plan.
    fn volatile(&self, request: &PostRequest<'_>) -> Vec<String> {
        let mut v = Vec::new();
        if let Some(sha) = self.target.sha.as_deref().filter(|s| s.len() >= 7) {
            v.push(sha.to_string());
            // Short forms a template may show, longest first.
            for n in (7..sha.len()).rev() {
                v.push(sha[..n].to_string());
            }
        }
        if let Some(url) = request.build_url.filter(|u| !u.is_empty()) {
            v.insert(0, url.to_string());
        }
        v
    }
}

/// The comments this run wrote: its run id, the comments it created and those it edited in place.
struct Own<'a> {
    run: &'a str,
    created: &'a [u64],
    replaced: &'a [u64],
}

/// What the listing before posting showed.
struct Before<'a> {
    listing: &'a CommentListing,
    /// The target's comments in it that this run did not edit: hidden as outdated if the
    /// comments cannot be listed again.
    outdated: &'a [String],
}

/// One tfpost comment of the target, as listed after posting.
#[derive(Debug, Clone)]
struct Listed {
    id: u64,
    node_id: String,
    marker: CommentMarker,
}

/// What a run hides once its comments are posted.
#[derive(Debug, Default, PartialEq, Eq)]
struct Settlement {
    /// Comments of runs that started before this one (node ids).
    outdated: Vec<String>,
    /// Comments of this run that it did not get an answer for: a POST retried after a 5xx.
    duplicates: Vec<String>,
    /// A run that started after this one has all its comments posted: it is the current one,
    /// and this run's own comments are among `outdated`.
    superseded: bool,
}

/// The run whose comments are current, from (comment id, run) pairs: the run that started last
/// (its first comment has the highest id), the one [`settlement`] leaves visible. With single
/// comments, simply the newest; with split plans posted at the same moment, not necessarily the
/// run of the newest comment.
fn current_run<'a>(comments: impl Iterator<Item = (u64, &'a str)>) -> Option<String> {
    let mut starts: std::collections::BTreeMap<&str, u64> = Default::default();
    for (id, run) in comments {
        let start = starts.entry(run).or_insert(id);
        *start = (*start).min(id);
    }
    starts
        .into_iter()
        .max_by_key(|(run, start)| (*start, *run))
        .map(|(run, _)| run.to_string())
}

/// The rule every run applies to the same listing, so concurrent runs agree on one survivor: a
/// run starts at its first comment's id (GitHub's ids grow with time; the run id breaks a tie).
/// A run hides every run that started before it, and hides itself when a run that started
/// after it is complete. A newer run still posting its parts is left alone (it hides this one
/// when it is done), so a split plan is never hidden half-way.
fn settlement(listed: &[Listed], own: &Own<'_>) -> Settlement {
    use std::collections::{BTreeMap, BTreeSet};

    /// Another run's comments in the listing.
    struct OtherRun {
        /// Its first comment's id.
        start: u64,
        parts: BTreeSet<u32>,
        expected: u32,
        node_ids: Vec<String>,
    }

    let mut result = Settlement::default();
    let is_own_id = |id: u64| own.created.contains(&id) || own.replaced.contains(&id);
    let Some(own_start) = own.created.iter().chain(own.replaced).min().copied() else {
        return result;
    };
    let own_key = (own_start, own.run);
    let mut mine = Vec::new();
    let mut runs: BTreeMap<&str, OtherRun> = BTreeMap::new();
    for c in listed {
        if c.marker.run == own.run {
            if is_own_id(c.id) {
                mine.push(c.node_id.clone());
            } else {
                result.duplicates.push(c.node_id.clone());
            }
            continue;
        }
        let run = runs
            .entry(c.marker.run.as_str())
            .or_insert_with(|| OtherRun {
                start: c.id,
                parts: BTreeSet::new(),
                expected: c.marker.parts,
                node_ids: Vec::new(),
            });
        run.start = run.start.min(c.id);
        run.parts.insert(c.marker.part);
        run.node_ids.push(c.node_id.clone());
    }
    for (id, run) in runs {
        if (run.start, id) < own_key {
            result.outdated.extend(run.node_ids);
        } else if run.parts.len() == run.expected as usize {
            result.superseded = true;
        }
    }
    if result.superseded {
        result.outdated.extend(mine);
    }
    result
}

/// Whose comments are tfpost's own.
enum Author {
    /// The comments written by this login.
    Login(String),
    /// None: the token's account is not known, and a marker alone proves nothing.
    Unknown,
}

impl Author {
    fn matches(&self, comment: &Comment) -> bool {
        let Some(user) = &comment.user else {
            return false;
        };
        match self {
            Author::Login(login) => user.login.eq_ignore_ascii_case(login),
            Author::Unknown => false,
        }
    }
}

fn label_state(request: &PostRequest<'_>) -> LabelState {
    match request.result {
        Outcome::Error => LabelState::Error,
        Outcome::NoChanges => LabelState::NoChanges,
        Outcome::Applied => LabelState::Applied,
        Outcome::Changes if request.destroys => LabelState::Destroy,
        Outcome::Changes => LabelState::AddOrUpdate,
    }
}

/// SHA-256 of the bodies with the volatile strings (commit SHA, build URL) removed.
pub fn content_hash(bodies: &[&str], volatile: &[String]) -> String {
    let mut hasher = Sha256::new();
    for body in bodies {
        let mut text = body.to_string();
        for v in volatile {
            text = text.replace(v.as_str(), "");
        }
        hasher.update((text.len() as u64).to_le_bytes());
        hasher.update(text.as_bytes());
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn run_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!("{:x}-{:x}", nanos, std::process::id())
}

/// Posts with a runtime of its own, for callers that are not async. Must not be called from
/// within a Tokio runtime.
pub fn post_blocking(
    target: &GithubTarget,
    request: &PostRequest<'_>,
) -> Result<PostOutcome, GithubError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| GithubError::Connection {
            method: "-".into(),
            path: "-".into(),
            api_url: target.api_url.clone(),
            attempts: 0,
            reason: format!("cannot start the async runtime: {e}"),
        })?;
    runtime.block_on(async {
        let notifier = GithubNotifier::new(target, request.options.retry.clone())?;
        notifier.post(request).await
    })
}

/// GitHub's limit on one step summary, in bytes.
pub const STEP_SUMMARY_MAX_BYTES: usize = 1024 * 1024;

/// Appends the message to the GitHub Actions step summary (`$GITHUB_STEP_SUMMARY`; the caller
/// passes the path). With `Split` the whole plan goes in when it fits the summary's 1 MiB;
/// otherwise the single-comment body does.
pub fn append_step_summary(
    path: &Path,
    message: &GithubMessage,
    overflow: Overflow,
) -> std::io::Result<()> {
    let whole = if overflow == Overflow::Split && !message.parts.is_empty() {
        let joined = message.parts.join("\n\n");
        (joined.len() < STEP_SUMMARY_MAX_BYTES).then_some(joined)
    } else {
        None
    };
    let text = whole.unwrap_or_else(|| message.body.clone());
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())?;
    file.write_all(b"\n\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(id: u64, run: &str, part: u32, parts: u32) -> Listed {
        Listed {
            id,
            node_id: format!("N{id}"),
            marker: CommentMarker {
                target: "envs/prod".into(),
                kind: CommentKind::Plan,
                sha: None,
                version: "0".into(),
                hash: "h".into(),
                run: run.into(),
                part,
                parts,
                state: None,
                counts: None,
            },
        }
    }

    fn nodes(ids: &[u64]) -> Vec<String> {
        ids.iter().map(|id| format!("N{id}")).collect()
    }

    #[test]
    fn two_runs_posting_at_once_agree_on_the_newest() {
        // An earlier run's comment, then two runs that both listed before either posted.
        let listing = [
            listed(5, "r0", 1, 1),
            listed(11, "rA", 1, 1),
            listed(12, "rB", 1, 1),
        ];
        let a = settlement(
            &listing,
            &Own {
                run: "rA",
                created: &[11],
                replaced: &[],
            },
        );
        assert!(a.superseded, "rB started later and is complete");
        assert_eq!(a.outdated, nodes(&[5, 11]));
        let b = settlement(
            &listing,
            &Own {
                run: "rB",
                created: &[12],
                replaced: &[],
            },
        );
        assert!(!b.superseded);
        assert_eq!(b.outdated, nodes(&[5, 11]));
        // rA listed before rB's comment existed: it hides only the earlier run.
        let early = settlement(
            &listing[..2],
            &Own {
                run: "rA",
                created: &[11],
                replaced: &[],
            },
        );
        assert_eq!(
            early,
            Settlement {
                outdated: nodes(&[5]),
                ..Settlement::default()
            }
        );
    }

    #[test]
    fn a_newer_split_plan_still_posting_is_left_alone_until_complete() {
        let own = Own {
            run: "rA",
            created: &[10, 12],
            replaced: &[],
        };
        let posting = [
            listed(10, "rA", 1, 2),
            listed(11, "rB", 1, 2),
            listed(12, "rA", 2, 2),
        ];
        assert_eq!(settlement(&posting, &own), Settlement::default());
        let mut done = posting.to_vec();
        done.push(listed(13, "rB", 2, 2));
        let settled = settlement(&done, &own);
        assert!(settled.superseded);
        assert_eq!(settled.outdated, nodes(&[10, 12]));
        // rB, for its part, hides rA whole.
        let b = settlement(
            &done,
            &Own {
                run: "rB",
                created: &[11, 13],
                replaced: &[],
            },
        );
        assert_eq!(
            b,
            Settlement {
                outdated: nodes(&[10, 12]),
                ..Settlement::default()
            }
        );
    }

    #[test]
    fn the_current_run_is_the_one_that_started_last() {
        assert_eq!(current_run([].into_iter()), None);
        assert_eq!(
            current_run([(1, "r0"), (7, "r1")].into_iter()).as_deref(),
            Some("r1")
        );
        // Split plans posted at once: rB started after rA, though rA's last part is newest.
        let interleaved = [
            (1, "rA"),
            (2, "rB"),
            (3, "rB"),
            (4, "rB"),
            (5, "rA"),
            (6, "rA"),
        ];
        assert_eq!(current_run(interleaved.into_iter()).as_deref(), Some("rB"));
    }

    #[test]
    fn a_comment_of_this_run_it_got_no_answer_for_is_a_duplicate() {
        let listing = [listed(11, "rA", 1, 1), listed(12, "rA", 1, 1)];
        let settled = settlement(
            &listing,
            &Own {
                run: "rA",
                created: &[12],
                replaced: &[],
            },
        );
        assert_eq!(settled.duplicates, nodes(&[11]));
        assert!(settled.outdated.is_empty() && !settled.superseded);
    }

    #[test]
    fn hash_ignores_commit_and_run_link_only() {
        let vol = vec!["https://ci/2".to_string(), "abcdef1234".to_string()];
        let a = content_hash(
            &["plan X at https://ci/1 abcdef0000"],
            &["https://ci/1".into(), "abcdef0000".into()],
        );
        let b = content_hash(&["plan X at https://ci/2 abcdef1234"], &vol);
        let c = content_hash(&["plan Y at https://ci/2 abcdef1234"], &vol);
        assert_eq!(a, b);
        assert_ne!(b, c);
        assert_ne!(
            content_hash(&["ab", "c"], &[]),
            content_hash(&["a", "bc"], &[])
        );
    }

    #[test]
    fn debug_output_masks_the_token() {
        let target = GithubTarget {
            api_url: "https://api.github.com".into(),
            token: "ghp_secret123".into(),
            owner: "o".into(),
            repo: "r".into(),
            pr: Some(1),
            sha: None,
        };
        assert!(!format!("{target:?}").contains("ghp_secret123"));
    }

    #[test]
    fn step_summary_is_appended() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.md");
        std::fs::write(&path, "before\n").unwrap();
        let message = GithubMessage {
            body: "cut body".into(),
            parts: vec!["part 1".into(), "part 2".into()],
        };
        append_step_summary(&path, &message, Overflow::Split).unwrap();
        append_step_summary(&path, &message, Overflow::Truncate).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "before\npart 1\n\npart 2\n\ncut body\n\n"
        );
    }
}
