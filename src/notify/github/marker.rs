//! The hidden metadata at the very start of every tfpost comment, and fitting a body under
//! GitHub's limit once the marker is added.
//!
//! The marker is an HTML comment holding JSON: `<!-- tfpost:v1 {"target":...} -->`. GitHub does
//! not render it, and tfpost finds its own comments by it on the next run. It counts only at the
//! very start of a body: plan text further down may well contain `<!--`, and a user may paste a
//! marker into a comment of theirs (the author check, done by the caller, rules that out).

use serde::{Deserialize, Serialize};

use crate::message::GITHUB_COMMENT_MAX_CHARS;

const PREFIX: &str = "<!-- tfpost:v1 ";
const SUFFIX: &str = " -->";
/// A marker longer than this is not one of ours.
const MAX_MARKER_CHARS: usize = 4096;

/// What a comment is: a plan, an apply or a fmt check. Comments of different kinds for the same
/// target do not replace each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentKind {
    Plan,
    Apply,
    Fmt,
    /// The one summary of every root's latest plan or apply (`tfpost summary`).
    Summary,
}

impl From<crate::model::RunKind> for CommentKind {
    fn from(kind: crate::model::RunKind) -> Self {
        match kind {
            crate::model::RunKind::Plan => CommentKind::Plan,
            crate::model::RunKind::Apply => CommentKind::Apply,
            crate::model::RunKind::Fmt => CommentKind::Fmt,
        }
    }
}

impl From<crate::model::Kind> for CommentKind {
    fn from(kind: crate::model::Kind) -> Self {
        match kind {
            crate::model::Kind::Plan => CommentKind::Plan,
            crate::model::Kind::Apply => CommentKind::Apply,
        }
    }
}

/// The state a comment reports, as labels see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelState {
    NoChanges,
    AddOrUpdate,
    Destroy,
    Error,
    /// An apply that completed; no label.
    Applied,
}

/// The metadata of one tfpost comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentMarker {
    /// The Terraform target: root directory and/or workspace.
    pub target: String,
    pub kind: CommentKind,
    /// The commit the comment was made for.
    #[serde(default)]
    pub sha: Option<String>,
    /// The tfpost version that wrote it.
    #[serde(default)]
    pub version: String,
    /// Hash of the content without the volatile parts (commit, run link): same plan, same hash.
    pub hash: String,
    /// Identifies the comments posted together (the parts of a split plan).
    pub run: String,
    /// 1-based part number and the number of parts.
    #[serde(default = "one")]
    pub part: u32,
    #[serde(default = "one")]
    pub parts: u32,
    /// What the comment reports, for labels that sum up every target of the pull request.
    #[serde(default)]
    pub state: Option<LabelState>,
    /// Resources by action (non-zero counts only), for the summary of every root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<crate::summary::ActionCounts>,
}

fn one() -> u32 {
    1
}

impl CommentMarker {
    /// The marker as it starts a body, newline included. `<` and `>` inside JSON strings are
    /// written as `\u003c`/`\u003e` so no value can end the HTML comment early.
    pub fn render(&self) -> String {
        let json = serde_json::to_string(self).unwrap_or_else(|_| "{}".to_string());
        let json = json.replace('<', "\\u003c").replace('>', "\\u003e");
        format!("{PREFIX}{json}{SUFFIX}\n")
    }

    /// The marker at the very start of `body`, if there is a well-formed one.
    pub fn parse(body: &str) -> Option<CommentMarker> {
        let rest = body.strip_prefix(PREFIX)?;
        let head: String = rest.chars().take(MAX_MARKER_CHARS).collect();
        let end = head.find(SUFFIX)?;
        let marker: CommentMarker = serde_json::from_str(&head[..end]).ok()?;
        if marker.part == 0 || marker.part > marker.parts || marker.target.len() > 1024 {
            return None;
        }
        Some(marker)
    }
}

/// `body` (a comment of tfpost's) with its marker's label state set to `state` and the rest as
/// it was; `None` when it has no marker.
pub fn with_state(body: &str, state: LabelState) -> Option<String> {
    let mut marker = CommentMarker::parse(body)?;
    let rest = body.strip_prefix(PREFIX)?;
    // The marker's JSON escapes `>`, so the first `SUFFIX` ends it.
    let end = rest.find(SUFFIX)? + SUFFIX.len();
    let rest = &rest[end..];
    let rest = rest.strip_prefix('\n').unwrap_or(rest);
    marker.state = Some(state);
    Some(format!("{}{rest}", marker.render()))
}

/// `marker` + `body`, cut so the whole stays within GitHub's limit. A cut ends at a line break,
/// closes an open code fence and `<details>`, and says how much was cut and where the rest is.
pub fn compose(marker: &str, body: &str, build_url: Option<&str>) -> String {
    let limit = GITHUB_COMMENT_MAX_CHARS;
    let marker_chars = marker.chars().count();
    let body_chars = body.chars().count();
    if marker_chars + body_chars <= limit {
        return format!("{marker}{body}");
    }
    // Room for the closing tags and the note, generously.
    let reserve = 600 + build_url.map_or(0, |u| u.chars().count());
    let keep_chars = limit.saturating_sub(marker_chars + reserve);
    let byte_end = body
        .char_indices()
        .nth(keep_chars)
        .map_or(body.len(), |(i, _)| i);
    let mut kept = &body[..byte_end];
    if let Some(nl) = kept.rfind('\n') {
        kept = &kept[..nl];
    }
    let cut = body_chars - kept.chars().count();
    let mut out = String::with_capacity(limit);
    out.push_str(marker);
    out.push_str(kept);
    out.push('\n');
    let fences = kept
        .lines()
        .filter(|l| l.trim_start().starts_with("```"))
        .count();
    if fences % 2 == 1 {
        out.push_str("```\n");
    }
    let opened = kept.matches("<details").count();
    let closed = kept.matches("</details>").count();
    for _ in closed..opened {
        out.push_str("</details>\n");
    }
    out.push_str(&format!(
        "\n> [!WARNING]\n> tfpost cut {cut} characters from this comment to stay within GitHub's {limit}-character limit"
    ));
    match build_url {
        Some(url) => out.push_str(&format!("; the full output is in [the CI log]({url}).\n")),
        None => out.push_str("; the full output is in the CI log.\n"),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_state_changes_only_the_state() {
        let mut m = marker();
        m.state = Some(LabelState::Destroy);
        let body = format!("{}### Plan --> body\n", m.render());
        let changed = with_state(&body, LabelState::NoChanges).expect("has a marker");
        let parsed = CommentMarker::parse(&changed).expect("still a marker");
        assert_eq!(parsed.state, Some(LabelState::NoChanges));
        assert_eq!(parsed.target, m.target);
        assert!(changed.ends_with("\n### Plan --> body\n"), "{changed}");
        assert_eq!(with_state("no marker", LabelState::NoChanges), None);
    }

    fn marker() -> CommentMarker {
        CommentMarker {
            target: "envs/prod --> <b>".into(),
            kind: CommentKind::Plan,
            sha: Some("abc".into()),
            version: "0.1.0".into(),
            hash: "h".into(),
            run: "r".into(),
            part: 1,
            parts: 1,
            state: Some(LabelState::AddOrUpdate),
            counts: Some([(crate::model::Action::Delete, 2)].into_iter().collect()),
        }
    }

    #[test]
    fn marker_round_trips_and_cannot_be_closed_by_a_value() {
        let text = marker().render();
        assert!(text.starts_with("<!-- tfpost:v1 {"));
        assert_eq!(text.matches("-->").count(), 1, "{text}");
        let body = format!("{text}## Plan\n<!-- not ours -->");
        assert_eq!(CommentMarker::parse(&body), Some(marker()));
    }

    #[test]
    fn only_a_marker_at_the_very_start_counts() {
        let text = marker().render();
        assert_eq!(CommentMarker::parse(&format!(" {text}")), None);
        assert_eq!(CommentMarker::parse(&format!("hello\n{text}")), None);
        assert_eq!(CommentMarker::parse("<!-- tfpost:v1 {broken -->"), None);
        assert_eq!(
            CommentMarker::parse("<!-- tfpost:v1 {\"target\":\"x\"}"),
            None
        );
        assert_eq!(CommentMarker::parse(""), None);
    }

    #[test]
    fn compose_cuts_within_the_limit_and_closes_blocks() {
        let body = format!(
            "<details><summary>x</summary>\n\n```diff\n{}",
            "+ line of a long plan\n".repeat(5000)
        );
        let out = compose(&marker().render(), &body, Some("https://ci/build/1"));
        assert!(out.chars().count() <= GITHUB_COMMENT_MAX_CHARS);
        assert!(out.ends_with("[the CI log](https://ci/build/1).\n"));
        assert_eq!(out.matches("```").count() % 2, 0);
        assert_eq!(out.matches("</details>").count(), 1);
        let short = compose("M\n", "body", None);
        assert_eq!(short, "M\nbody");
    }
}
