//! The `slack:` section of the config: what the Slack destination reads.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::config::{OneOrMany, Secret, one_or_many};
use crate::notify::When;

/// Slack settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SlackConfig {
    /// When to post (one condition, or a list of which any posts).
    #[serde(deserialize_with = "one_or_many")]
    #[schemars(with = "OneOrMany<When>")]
    pub when: Vec<When>,
    /// Default channel (ID or name) for the Web API; `SLACK_CHANNEL` when unset.
    pub channel: Option<String>,
    /// Channels by kind of message, overriding `channel`.
    pub channels: SlackChannels,
    /// A user group to mention, and when.
    pub mention: Option<SlackMention>,
    /// Incoming webhook URL (`SLACK_WEBHOOK_URL` when unset). Never printed.
    #[schemars(with = "Option<String>")]
    pub webhook_url: Option<Secret>,
    /// Bot token for `chat.postMessage` (`SLACK_BOT_TOKEN` when unset). Never printed.
    #[schemars(with = "Option<String>")]
    pub token: Option<Secret>,
    /// Web API base URL (`SLACK_API_URL`, else `https://slack.com/api/`).
    pub api_url: Option<String>,
    /// With a bot token, post the details (each error's explanation, the diffs) as replies in
    /// a thread under the message (default). `false`: one message, with the details cut down
    /// inside it, as a webhook posts.
    pub threads: bool,
}

impl Default for SlackConfig {
    fn default() -> Self {
        SlackConfig {
            when: vec![When::Always],
            channel: None,
            channels: SlackChannels::default(),
            mention: None,
            webhook_url: None,
            token: None,
            api_url: None,
            threads: true,
        }
    }
}

/// Channels by kind of message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SlackChannels {
    pub plan: Option<String>,
    pub apply: Option<String>,
    pub destroy: Option<String>,
    pub error: Option<String>,
}

/// A user group mention (`<!subteam^ID>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SlackMention {
    /// The user group ID (`S0123ABCD`).
    pub group: String,
    /// When to mention; default: destroy and error.
    #[serde(default = "default_mention_when", deserialize_with = "one_or_many")]
    #[schemars(with = "OneOrMany<When>")]
    pub when: Vec<When>,
}

fn default_mention_when() -> Vec<When> {
    vec![When::Destroy, When::Error]
}
