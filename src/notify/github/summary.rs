//! The GitHub side of `tfpost summary`: the state of every root read back from the per-root
//! comments' markers, so the fan-in job needs no files from the per-root jobs.

use std::collections::BTreeMap;

use super::client::Comment;
use super::{CommentKind, CommentMarker, GithubError, GithubNotifier, GithubOptions, LabelState};
use crate::model::Kind;
use crate::summary::{RootResult, RootStatus};

/// The target key of the summary comment: no root is keyed by it (root keys are paths).
pub const SUMMARY_TARGET: &str = "(summary)";

impl GithubNotifier {
    /// Every root's latest plan or apply comment on the pull request (or commit) tfpost posts
    /// to, written by tfpost's own account, as summary rows. A root planned for another commit
    /// than `head_sha` is stale. Also returns warnings (e.g. the account could not be told).
    pub async fn root_statuses(
        &self,
        options: &GithubOptions,
        head_sha: Option<&str>,
    ) -> Result<(Vec<RootStatus>, Vec<String>), GithubError> {
        let mut warnings = Vec::new();
        let thread = self.resolve_thread(CommentKind::Summary).await?;
        let author = self.author(options, &mut warnings).await?;
        let listing = self.client.list_comments(&thread).await?;
        let ours = listing.comments.iter().filter(|c| author.matches(c));
        Ok((latest_per_root(ours, head_sha), warnings))
    }
}

/// One row per (target, kind): the first part of the run whose first comment is newest.
fn latest_per_root<'a>(
    comments: impl Iterator<Item = &'a Comment>,
    head_sha: Option<&str>,
) -> Vec<RootStatus> {
    let mut latest: BTreeMap<(String, bool), (u64, &Comment, CommentMarker)> = BTreeMap::new();
    for comment in comments {
        let Some(marker) = comment.body.as_deref().and_then(CommentMarker::parse) else {
            continue;
        };
        let kind = match marker.kind {
            CommentKind::Plan => Kind::Plan,
            CommentKind::Apply => Kind::Apply,
            CommentKind::Fmt | CommentKind::Summary => continue,
        };
        if marker.part != 1 || marker.target == SUMMARY_TARGET {
            continue;
        }
        let key = (marker.target.clone(), kind == Kind::Apply);
        if latest.get(&key).is_none_or(|(id, _, _)| comment.id > *id) {
            latest.insert(key, (comment.id, comment, marker));
        }
    }
    latest
        .into_values()
        .map(|(_, comment, marker)| {
            let stale = match (head_sha, marker.sha.as_deref()) {
                (Some(head), Some(sha)) => !head.eq_ignore_ascii_case(sha),
                (Some(_), None) => true,
                (None, _) => false,
            };
            RootStatus {
                kind: match marker.kind {
                    CommentKind::Apply => Kind::Apply,
                    _ => Kind::Plan,
                },
                result: match marker.state {
                    Some(LabelState::Error) | None => RootResult::Failed,
                    Some(LabelState::Destroy) => RootResult::Destroys,
                    Some(LabelState::AddOrUpdate) => RootResult::Changes,
                    Some(LabelState::NoChanges) => RootResult::NoChanges,
                    Some(LabelState::Applied) => RootResult::Applied,
                },
                counts: marker.counts.unwrap_or_default(),
                link: Some(comment.html_url.clone()).filter(|u| !u.is_empty()),
                sha: marker.sha,
                target: marker.target,
                stale,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Action;

    fn comment(id: u64, marker: &CommentMarker) -> Comment {
        serde_json::from_value(serde_json::json!({
            "id": id,
            "node_id": format!("IC_{id}"),
            "html_url": format!("https://github.com/acme/infra/pull/1#issuecomment-{id}"),
            "body": format!("{}## Plan", marker.render()),
            "user": {"login": "tfpost-bot", "type": "Bot"},
        }))
        .unwrap()
    }

    fn marker(target: &str, state: LabelState, sha: &str) -> CommentMarker {
        CommentMarker {
            target: target.into(),
            kind: CommentKind::Plan,
            sha: Some(sha.into()),
            version: "0".into(),
            hash: "h".into(),
            run: format!("{target}{sha}"),
            part: 1,
            parts: 1,
            state: Some(state),
            counts: Some([(Action::Create, 2)].into_iter().collect()),
        }
    }

    #[test]
    fn the_newest_comment_of_each_root_counts_and_old_commits_are_stale() {
        let mut summary = marker(SUMMARY_TARGET, LabelState::NoChanges, "b");
        summary.kind = CommentKind::Summary;
        let mut part2 = marker("c", LabelState::Error, "b");
        part2.part = 2;
        part2.parts = 2;
        let comments = [
            comment(1, &marker("a", LabelState::Destroy, "a")),
            comment(2, &marker("a", LabelState::AddOrUpdate, "b")),
            comment(3, &marker("b", LabelState::NoChanges, "a")),
            comment(4, &summary),
            comment(5, &part2),
        ];
        let rows = latest_per_root(comments.iter(), Some("B"));
        let got: Vec<(&str, RootResult, bool)> = rows
            .iter()
            .map(|r| (r.target.as_str(), r.result, r.stale))
            .collect();
        assert_eq!(
            got,
            [
                ("a", RootResult::Changes, false),
                ("b", RootResult::NoChanges, true)
            ]
        );
        assert_eq!(
            rows[0].link.as_deref(),
            Some("https://github.com/acme/infra/pull/1#issuecomment-2")
        );
        assert_eq!(rows[0].counts.get(&Action::Create), Some(&2));
    }
}
