//! Rendered messages, ready to post: what the renderer produces and the notifiers consume.
//!
//! These types are the seam between `render` and `notify`: a renderer knows nothing of HTTP, a
//! notifier knows nothing of Terraform.

use serde::{Deserialize, Serialize};

/// A GitHub-flavoured Markdown comment body (at most [`GITHUB_COMMENT_MAX_CHARS`] characters),
/// without tfpost's hidden metadata marker: the GitHub notifier adds that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GithubMessage {
    /// The comment, cut to fit when the plan is too big.
    pub body: String,
    /// The whole rendered plan split into bodies that each fit in one comment, each marked
    /// "part i of n", for `--overflow split`; empty when `body` is already complete.
    pub parts: Vec<String>,
}

/// GitHub's limit on an issue comment body, in characters.
pub const GITHUB_COMMENT_MAX_CHARS: usize = 65_536;

/// The start of the `block_id` of the blocks that carry the webhook's inline copy of the
/// details: a post that sends [`SlackMessage::thread_reply`] leaves them out
/// ([`SlackMessage::without_inline_details`]).
pub const DETAILS_BLOCK_PREFIX: &str = "tfpost_details";

/// A Slack message in Block Kit, with its plain-text fallback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlackMessage {
    /// Plain-text fallback (notifications, clients without Block Kit), mrkdwn-escaped.
    pub text: String,
    /// Block Kit blocks (a JSON array of block objects, as Slack documents them).
    pub blocks: Vec<serde_json::Value>,
    /// The details (per-resource diffs, errors) to post as a thread reply where the way in
    /// allows threads (bot token); a webhook post carries a truncated form in `blocks` instead.
    pub thread_reply: Option<Box<SlackMessage>>,
}

impl SlackMessage {
    /// The parent message without the webhook copy of the details: what a notifier posts when
    /// it posts [`SlackMessage::thread_reply`] under it.
    pub fn without_inline_details(&self) -> SlackMessage {
        let blocks = self
            .blocks
            .iter()
            .filter(|block| {
                !block
                    .get("block_id")
                    .and_then(serde_json::Value::as_str)
                    .is_some_and(|id| id.starts_with(DETAILS_BLOCK_PREFIX))
            })
            .cloned()
            .collect();
        SlackMessage {
            text: self.text.clone(),
            blocks,
            thread_reply: None,
        }
    }
}
