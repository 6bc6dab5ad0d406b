//! Posts a rendered [`SlackMessage`] to Slack, with slack-morphism: through an incoming
//! webhook, or through the Web API's `chat.postMessage` with a bot token, where the details go
//! to a thread under the summary.
//!
//! This module knows nothing of config files or CI: the caller builds a [`SlackTarget`] and
//! [`SlackOptions`] (the destination module does, from the config's `slack:` section) and
//! passes the [`RunFacts`] of the run the message is about. Whether a run is posted at all
//! (`when:`) is the runner's decision, not this module's.
//!
//! The webhook URL and the token are secrets: they appear in no error, no `Debug` output and no
//! log line; errors name the way in (`SLACK_WEBHOOK_URL`, `SLACK_BOT_TOKEN`) instead.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::http::transport::{self, Redactor};
use crate::http::{Attempt, Failure, Fate, Idempotency, Retrier, RetryPolicy};

use serde_json::{Value, json};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::{
    SlackApiChatPostMessageRequest, SlackApiPostWebhookMessageRequest, SlackApiToken,
    SlackApiTokenValue, SlackBlock, SlackChannelId, SlackClient, SlackClientHyperConnector,
    SlackClientHyperHttpsConnector, SlackMessageContent, SlackTs,
};
use url::Url;

use crate::message::SlackMessage;
use crate::model::Kind;
use crate::notify::{RunFacts, When};
use crate::render::slack::without_inline_details;

/// The Web API base URL when `SLACK_API_URL` is not set.
pub const DEFAULT_API_URL: &str = "https://slack.com/api/";

/// Where to post: the two ways into Slack.
#[derive(Clone, PartialEq, Eq)]
pub enum SlackTarget {
    /// An incoming webhook (`SLACK_WEBHOOK_URL`): posts to the channel the webhook was made
    /// for; cannot thread, so the message carries its cut-down details inline.
    Webhook {
        /// The webhook URL. A secret: anyone holding it can post.
        url: String,
    },
    /// The Web API with a bot token (`SLACK_BOT_TOKEN`, `SLACK_CHANNEL`, `SLACK_API_URL`).
    Bot {
        /// Web API base URL, e.g. [`DEFAULT_API_URL`] or an Enterprise Grid / test server.
        api_url: String,
        /// Bot User OAuth Token (`xoxb-…`), needs the `chat:write` scope. A secret.
        token: String,
        /// Channel ID (`C0123456789`) or name (`#infra` or `infra`).
        channel: String,
    },
}

impl fmt::Debug for SlackTarget {
    // Derived Debug would print the secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SlackTarget::Webhook { .. } => f
                .debug_struct("Webhook")
                .field("url", &"[redacted]")
                .finish(),
            SlackTarget::Bot {
                api_url, channel, ..
            } => f
                .debug_struct("Bot")
                .field("api_url", api_url)
                .field("token", &"[redacted]")
                .field("channel", channel)
                .finish(),
        }
    }
}

/// How to post; every field has a default that suits CI.
#[derive(Debug, Clone, PartialEq)]
pub struct SlackOptions {
    /// Channel for plans, overriding the bot target's channel (bot mode only: a webhook is
    /// bound to its channel).
    pub plan_channel: Option<String>,
    /// Channel for applies, likewise.
    pub apply_channel: Option<String>,
    /// Channel for runs that destroy or replace something, overriding the per-kind ones.
    pub destroy_channel: Option<String>,
    /// Channel for failed runs, overriding all the others.
    pub error_channel: Option<String>,
    /// User group ID (`S0123ABCD`) to mention. Only ever from explicit configuration: nothing
    /// in the plan can add a mention.
    pub mention_group: Option<String>,
    /// When to mention the group: any of these (default, and when empty: destroy or error).
    pub mention_when: Vec<When>,
    /// Post the details (errors, diffs) as a thread reply in bot mode (default true); when
    /// false, the message carries its cut-down details inline as a webhook post does.
    pub thread_details: bool,
    /// Timeout, attempts and budget of waiting, as for every destination.
    pub retry: RetryPolicy,
}

impl Default for SlackOptions {
    fn default() -> SlackOptions {
        SlackOptions {
            plan_channel: None,
            apply_channel: None,
            destroy_channel: None,
            error_channel: None,
            mention_group: None,
            mention_when: vec![When::Destroy, When::Error],
            thread_details: true,
            retry: RetryPolicy::default(),
        }
    }
}

/// Which Slack endpoint a call went to, as errors name it (never the secret URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The incoming webhook of `SLACK_WEBHOOK_URL`.
    Webhook,
    /// `chat.postMessage` of the Web API at this base URL.
    PostMessage {
        /// The base URL (not a secret).
        api_url: String,
    },
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Webhook => f.write_str("the Slack incoming webhook (SLACK_WEBHOOK_URL)"),
            Endpoint::PostMessage { api_url } => write!(f, "Slack's chat.postMessage at {api_url}"),
        }
    }
}

/// Why a post failed, with what to fix. Callers act on the kind: [`SlackError::RateLimited`],
/// [`SlackError::Server`], [`SlackError::Connection`] and [`SlackError::Timeout`] are
/// transient (already retried); the others need a change of configuration.
#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// The target or options are unusable (bad URL, empty token, bad group ID).
    #[error("Slack configuration: {0}")]
    Config(String),
    /// The rendered blocks are not Block Kit slack-morphism accepts (a tfpost bug).
    #[error("the rendered Slack message is not valid Block Kit ({0}); this is a tfpost bug")]
    InvalidMessage(String),
    /// `channel_not_found`.
    #[error(
        "Slack channel `{channel}` not found (channel_not_found): set SLACK_CHANNEL to a channel ID \
         (C0123456789) or the name of a channel the bot can see; a private channel needs the bot invited"
    )]
    ChannelNotFound { channel: String },
    /// `not_in_channel`.
    #[error(
        "the Slack bot is not a member of `{channel}` (not_in_channel): run `/invite @YOUR-BOT` in that \
         channel, or add the `chat:write.public` scope to post in public channels without joining"
    )]
    NotInChannel { channel: String },
    /// `is_archived`, `channel_is_archived`.
    #[error(
        "Slack channel `{channel}` is archived ({code}): unarchive it or post to another channel"
    )]
    ChannelArchived { channel: String, code: String },
    /// `invalid_auth`, `not_authed`, `invalid_token`.
    #[error(
        "Slack rejected the credentials ({code}): check that SLACK_BOT_TOKEN holds the app's Bot User \
         OAuth Token (xoxb-…) for this workspace, or that SLACK_WEBHOOK_URL is the whole webhook URL"
    )]
    InvalidAuth { code: String },
    /// `token_revoked`, `token_expired`, `account_inactive`.
    #[error(
        "the Slack token is no longer valid ({code}): reinstall the Slack app and update SLACK_BOT_TOKEN"
    )]
    TokenRevoked { code: String },
    /// `missing_scope`.
    #[error(
        "the Slack token lacks a scope (missing_scope{}): add it under OAuth & Permissions, reinstall the \
         app and update SLACK_BOT_TOKEN",
        needed.as_deref().map(|n| format!(", needs `{n}`")).unwrap_or_default()
    )]
    MissingScope { needed: Option<String> },
    /// `msg_too_long`, `msg_blocks_too_long`, `invalid_blocks`, `invalid_payload`,
    /// `too_many_attachments`: the message itself was refused.
    #[error(
        "Slack refused the message ({code}){}; tfpost keeps within Slack's documented limits, so please \
         report this with the CI log",
        detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
    )]
    MessageRejected {
        code: String,
        detail: Option<String>,
    },
    /// The incoming webhook no longer exists (`no_service`, `no_active_hooks`, HTTP 404).
    #[error(
        "the Slack incoming webhook does not exist ({code}): it was removed or SLACK_WEBHOOK_URL is wrong; \
         create a new one under Incoming Webhooks"
    )]
    WebhookGone { code: String },
    /// `action_prohibited`, `posting_to_general_channel_denied`, `restricted_action…`.
    #[error(
        "Slack does not allow this post ({code}): a workspace admin restricts posting to that channel"
    )]
    Prohibited { code: String },
    /// HTTP 429 / `ratelimited` on every attempt.
    #[error(
        "{endpoint} answered \"rate limited\" on all {attempts} attempt(s){}: retry the job later",
        retry_after.map(|d| format!(" (last Retry-After: {}s)", d.as_secs())).unwrap_or_default()
    )]
    RateLimited {
        endpoint: Endpoint,
        attempts: u32,
        retry_after: Option<Duration>,
    },
    /// 5xx (or Slack's `internal_error`/`fatal_error`/`service_unavailable`). Slack may have
    /// posted the message anyway, so it is not sent again.
    #[error(
        "{endpoint} failed with {status} (attempt {attempts}): Slack may be having trouble \
         (see https://slack-status.com); the message may or may not have been posted (not sent \
         again, so that it is not posted twice): retry the job if it is missing"
    )]
    Server {
        endpoint: Endpoint,
        status: String,
        attempts: u32,
    },
    /// No connection could be made (DNS, refused, TLS, reset).
    #[error(
        "cannot reach {endpoint} ({attempts} attempt(s)): {reason}; check the network, proxy and \
         the URL's host"
    )]
    Connection {
        endpoint: Endpoint,
        attempts: u32,
        reason: String,
    },
    /// No answer within the policy's timeout. Slack may have posted the message anyway,
    /// and Slack cannot be asked whether it did, so it is not sent again.
    #[error(
        "{endpoint} did not answer within {}s: the message may or may not have been posted (not sent again, so that it is not posted twice)",
        timeout.as_secs_f32()
    )]
    Timeout {
        endpoint: Endpoint,
        timeout: Duration,
    },
    /// Any other Slack error code.
    #[error("{endpoint} answered `{code}`{}", detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Api {
        endpoint: Endpoint,
        code: String,
        detail: Option<String>,
    },
    /// An answer that is not what Slack sends (wrong `SLACK_API_URL`, a proxy's error page).
    #[error(
        "unexpected answer from {endpoint}: {detail}; check the URL (SLACK_API_URL) and any proxy"
    )]
    UnexpectedResponse { endpoint: Endpoint, detail: String },
    /// The summary was posted, a thread reply with the details was not.
    #[error("posted the summary to `{channel}` (ts {ts}) but not its details thread: {source}")]
    ThreadReply {
        channel: String,
        ts: String,
        #[source]
        source: Box<SlackError>,
    },
}

impl SlackError {
    /// True for failures that may pass on their own (rate limits, 5xx, network, timeouts).
    pub fn is_transient(&self) -> bool {
        match self {
            SlackError::RateLimited { .. }
            | SlackError::Server { .. }
            | SlackError::Connection { .. }
            | SlackError::Timeout { .. } => true,
            SlackError::ThreadReply { source, .. } => source.is_transient(),
            _ => false,
        }
    }
}

/// What a post did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostOutcome {
    /// The channel ID Slack posted to (bot mode; a webhook does not say).
    pub channel: Option<String>,
    /// The message's timestamp, its ID in the channel (bot mode).
    pub ts: Option<String>,
    /// How many thread replies carry the details.
    pub thread_replies: usize,
}

/// Posts messages to one Slack target.
pub struct SlackNotifier {
    target: SlackTarget,
    options: SlackOptions,
    client: SlackClient<SlackClientHyperHttpsConnector>,
    /// The webhook URL, parsed once (webhook mode).
    webhook_url: Option<Url>,
    /// The Web API base URL, without trailing slash (bot mode).
    api_url: String,
    /// Strings never to show: the webhook URL and its path, the token.
    redactor: Redactor,
    retrier: Retrier,
}

impl fmt::Debug for SlackNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SlackNotifier")
            .field("target", &self.target)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl SlackNotifier {
    /// Checks the target and options and builds the HTTP client; makes no request.
    pub fn new(target: SlackTarget, options: SlackOptions) -> Result<SlackNotifier, SlackError> {
        if options.retry.max_attempts == 0 {
            return Err(SlackError::Config("max_attempts must be at least 1".into()));
        }
        if let Some(group) = &options.mention_group
            && (group.is_empty() || !group.chars().all(|c| c.is_ascii_alphanumeric()))
        {
            return Err(SlackError::Config(format!(
                "mention group `{}` is not a Slack user group ID (like S0123ABCD): find it in the group's \
                 profile, \"Copy group ID\"",
                group.escape_default()
            )));
        }
        let mut redactor = Redactor::default();
        let (webhook_url, api_url) = match &target {
            SlackTarget::Webhook { url } => {
                redactor.add(url.trim());
                if let Some(path) = Url::parse(url.trim()).ok().filter(|u| u.path().len() > 1) {
                    redactor.add(path.path());
                }
                // The webhook URL is the secret: the error names the variable, not the URL.
                let parsed = transport::check_url(url, "SLACK_WEBHOOK_URL", "webhook URL", "")
                    .map_err(|e| SlackError::Config(redactor.scrub(&e.to_string())))?;
                (Some(parsed), String::new())
            }
            SlackTarget::Bot {
                api_url,
                token,
                channel,
            } => {
                if token.trim().is_empty() {
                    return Err(SlackError::Config("SLACK_BOT_TOKEN is empty".into()));
                }
                transport::secret_header(token, "SLACK_BOT_TOKEN")
                    .map_err(|e| SlackError::Config(e.to_string()))?;
                if channel.trim().is_empty() {
                    return Err(SlackError::Config("SLACK_CHANNEL is empty".into()));
                }
                redactor.add(token);
                redactor.add_userinfo_of(api_url);
                transport::check_url(api_url, "SLACK_API_URL", "token", "")
                    .map_err(|e| SlackError::Config(e.to_string()))?;
                (None, api_url.trim().trim_end_matches('/').to_string())
            }
        };
        // slack-morphism's own connector is https-only; this one also speaks plain http, which
        // the transport rules allow for loopback addresses only.
        let https = transport::https_connector().map_err(|e| SlackError::Config(e.to_string()))?;
        let mut connector = SlackClientHyperConnector::from(https);
        if !api_url.is_empty() {
            connector = connector.with_slack_api_url(&api_url);
        }
        let options_retry = options.retry.clone();
        Ok(SlackNotifier {
            target,
            options,
            client: SlackClient::new(connector),
            webhook_url,
            api_url,
            redactor,
            retrier: Retrier::new(options_retry),
        })
    }

    /// Where a post about this run goes, safe to print (for `--dry-run` and logs): never the
    /// secret.
    pub fn destination(&self, facts: &RunFacts) -> String {
        match &self.target {
            SlackTarget::Webhook { .. } => "Slack incoming webhook (SLACK_WEBHOOK_URL)".to_string(),
            SlackTarget::Bot { .. } => {
                format!(
                    "Slack channel `{}` via {}/chat.postMessage",
                    self.channel_for(facts),
                    transport::shown_url(&self.api_url)
                )
            }
        }
    }

    /// The options this notifier posts with.
    pub fn options(&self) -> &SlackOptions {
        &self.options
    }

    /// The most specific channel configured for the run: error, then destroy, then its kind,
    /// then the target's.
    fn channel_for(&self, facts: &RunFacts) -> String {
        let default = match &self.target {
            SlackTarget::Bot { channel, .. } => channel.as_str(),
            SlackTarget::Webhook { .. } => "",
        };
        let by_kind = match facts.kind {
            Some(Kind::Plan) => self.options.plan_channel.as_deref(),
            Some(Kind::Apply) => self.options.apply_channel.as_deref(),
            None => None,
        };
        let error = self
            .options
            .error_channel
            .as_deref()
            .filter(|_| facts.failed);
        let destroy = self
            .options
            .destroy_channel
            .as_deref()
            .filter(|_| facts.destructive);
        error
            .or(destroy)
            .or(by_kind)
            .unwrap_or(default)
            .trim()
            .trim_start_matches('#')
            .to_string()
    }

    /// The message as it would be posted (mention added, details inline for a webhook): the
    /// parent first, then each thread reply. For `--dry-run` and for writing an unposted
    /// message to stderr.
    pub fn payloads(&self, message: &SlackMessage, facts: &RunFacts) -> Vec<SlackMessage> {
        let threaded = self.threads(message);
        let parent = if threaded {
            without_inline_details(message)
        } else {
            message.clone()
        };
        let mut out = vec![self.with_mention(parent, facts)];
        if threaded {
            let mut next = message.thread_reply.as_deref();
            while let Some(reply) = next {
                out.push(SlackMessage {
                    text: reply.text.clone(),
                    blocks: reply.blocks.clone(),
                    thread_reply: None,
                });
                next = reply.thread_reply.as_deref();
            }
        }
        out
    }

    fn threads(&self, message: &SlackMessage) -> bool {
        matches!(self.target, SlackTarget::Bot { .. })
            && self.options.thread_details
            && message.thread_reply.is_some()
    }

    /// Posts `message` about a run with these facts.
    pub async fn post(
        &self,
        message: &SlackMessage,
        facts: &RunFacts,
    ) -> Result<PostOutcome, SlackError> {
        let payloads = self.payloads(message, facts);
        match &self.target {
            SlackTarget::Webhook { .. } => {
                let parent = &payloads[0];
                self.post_webhook(parent).await?;
                Ok(PostOutcome {
                    channel: None,
                    ts: None,
                    thread_replies: 0,
                })
            }
            SlackTarget::Bot { token, .. } => {
                let channel = self.channel_for(facts);
                let token = SlackApiToken::new(SlackApiTokenValue(token.clone()));
                let (posted_channel, ts) =
                    self.post_bot(&token, &channel, &payloads[0], None).await?;
                let mut replies = 0;
                for reply in &payloads[1..] {
                    // Post into the channel ID Slack answered with: a name may not be accepted
                    // together with a thread_ts.
                    self.post_bot(&token, &posted_channel, reply, Some(&ts))
                        .await
                        .map_err(|e| SlackError::ThreadReply {
                            channel: posted_channel.clone(),
                            ts: ts.clone(),
                            source: Box::new(e),
                        })?;
                    replies += 1;
                }
                Ok(PostOutcome {
                    channel: Some(posted_channel),
                    ts: Some(ts),
                    thread_replies: replies,
                })
            }
        }
    }

    /// The mention goes at the top, from configuration only, when `mention_when` holds.
    fn with_mention(&self, mut message: SlackMessage, facts: &RunFacts) -> SlackMessage {
        let Some(group) = &self.options.mention_group else {
            return message;
        };
        let default_when = [When::Destroy, When::Error];
        let when = if self.options.mention_when.is_empty() {
            &default_when[..]
        } else {
            &self.options.mention_when[..]
        };
        if !when.iter().any(|w| w.matches(facts)) {
            return message;
        }
        let why = if facts.failed {
            "Terraform failed"
        } else if facts.destructive {
            "resources are destroyed or replaced"
        } else if facts.kind == Some(Kind::Apply) {
            "changes were applied"
        } else {
            "changes to review"
        };
        let mention = format!("<!subteam^{group}>");
        let block = json!({
            "type": "section",
            "text": {"type": "mrkdwn", "text": format!(":rotating_light: {mention} {why}")},
        });
        let at = usize::from(
            message.blocks.first().and_then(|b| b.get("type")) == Some(&json!("header")),
        );
        message.blocks.insert(at, block);
        message.text = format!("{mention} {}", message.text);
        message
    }

    fn content(&self, message: &SlackMessage) -> Result<SlackMessageContent, SlackError> {
        let blocks: Vec<SlackBlock> = serde_json::from_value(Value::Array(message.blocks.clone()))
            .map_err(|e| SlackError::InvalidMessage(e.to_string()))?;
        Ok(SlackMessageContent::new()
            .with_text(message.text.clone())
            .with_blocks(blocks))
    }

    async fn post_webhook(&self, message: &SlackMessage) -> Result<(), SlackError> {
        let Some(url) = &self.webhook_url else {
            return Err(SlackError::Config("no webhook URL".into()));
        };
        let request = SlackApiPostWebhookMessageRequest::new(self.content(message)?);
        self.with_retries(Endpoint::Webhook, "", || {
            self.client.post_webhook_message(url, &request)
        })
        .await
        .map(|_| ())
    }

    async fn post_bot(
        &self,
        token: &SlackApiToken,
        channel: &str,
        message: &SlackMessage,
        thread_ts: Option<&str>,
    ) -> Result<(String, String), SlackError> {
        let mut request = SlackApiChatPostMessageRequest::new(
            SlackChannelId::new(channel.to_string()),
            self.content(message)?,
        )
        // Plan text is already escaped; Slack must not add mentions or links of its own.
        .with_link_names(false)
        .with_parse("none".to_string())
        .with_unfurl_links(false)
        .with_unfurl_media(false);
        if let Some(ts) = thread_ts {
            request = request.with_thread_ts(SlackTs::new(ts.to_string()));
        }
        let endpoint = Endpoint::PostMessage {
            api_url: transport::shown_url(&self.api_url),
        };
        let session = self.client.open_session(token);
        let response = self
            .with_retries(endpoint, channel, || session.chat_post_message(&request))
            .await?;
        Ok((response.channel.to_string(), response.ts.to_string()))
    }

    /// Runs `call` through the retry policy. Every Slack call posts a message: sent again only
    /// after a failure that proves nothing was posted (a rate limit, a connection never made).
    async fn with_retries<T, F, Fut>(
        &self,
        endpoint: Endpoint,
        channel: &str,
        call: F,
    ) -> Result<T, SlackError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<T, SlackClientError>>,
    {
        let attempt = std::cell::Cell::new(0u32);
        let sent = self
            .retrier
            .send(Idempotency::CreateOnce, || {
                attempt.set(attempt.get() + 1);
                let (call, endpoint, attempt) = (call(), &endpoint, attempt.get());
                async move {
                    match call.await {
                        Ok(value) => Attempt::Done(value),
                        Err(err) => self.classify(err, endpoint, channel, attempt),
                    }
                }
            })
            .await;
        sent.map_err(|failure| match failure {
            Failure::TimedOut { timeout, .. } => SlackError::Timeout {
                endpoint: endpoint.clone(),
                timeout,
            },
            Failure::GaveUp { error, .. } => error,
        })
    }

    fn classify<T>(
        &self,
        err: SlackClientError,
        endpoint: &Endpoint,
        channel: &str,
        attempt: u32,
    ) -> Attempt<T, SlackError> {
        let endpoint = endpoint.clone();
        match err {
            SlackClientError::RateLimitError(e) => Attempt::Transient {
                fate: Fate::NotDone,
                wait: e.retry_after,
                error: SlackError::RateLimited {
                    endpoint,
                    attempts: attempt,
                    retry_after: e.retry_after,
                },
            },
            SlackClientError::ApiError(e) => {
                let body = e.http_response_body.as_deref().unwrap_or("");
                let detail = api_error_detail(body).map(|d| self.scrub(&d));
                self.api_code(e.code.as_str(), detail, body, endpoint, channel, attempt)
            }
            SlackClientError::HttpError(e) => {
                let status = e.status_code.as_u16();
                let body = e.http_response_body.as_deref().unwrap_or("").trim();
                if status >= 500 {
                    return Attempt::Transient {
                        fate: Fate::Unknown,
                        wait: None,
                        error: SlackError::Server {
                            endpoint,
                            status: format!("HTTP {status}"),
                            attempts: attempt,
                        },
                    };
                }
                // A webhook answers errors as a bare code in a text body (`no_service`); the
                // Web API's JSON errors come with 200 and were handled above.
                if let Some(code) = webhook_code(body) {
                    let detail = Some(format!("HTTP {status}"));
                    return self.api_code(&code, detail, body, endpoint, channel, attempt);
                }
                match (status, &endpoint) {
                    (404, Endpoint::Webhook) => Attempt::Final(SlackError::WebhookGone {
                        code: "HTTP 404".into(),
                    }),
                    (401 | 403, _) => Attempt::Final(SlackError::InvalidAuth {
                        code: format!("HTTP {status}"),
                    }),
                    _ => Attempt::Final(SlackError::UnexpectedResponse {
                        endpoint,
                        detail: format!("HTTP {status} {}", self.scrub(&excerpt(body))),
                    }),
                }
            }
            SlackClientError::HttpProtocolError(e) => {
                let cause = e
                    .cause
                    .as_deref()
                    .map(|c| c as &(dyn std::error::Error + 'static));
                Attempt::Transient {
                    fate: if cause.is_some_and(transport::nothing_sent) {
                        Fate::NotDone
                    } else {
                        Fate::Unknown
                    },
                    wait: None,
                    error: SlackError::Connection {
                        endpoint,
                        attempts: attempt,
                        reason: self.scrub(&cause.map_or_else(
                            || "connection failed".to_string(),
                            transport::error_chain,
                        )),
                    },
                }
            }
            SlackClientError::ProtocolError(e) => {
                // slack-morphism decodes a non-JSON 200 answer as `{}`: say so rather than
                // show that stand-in.
                let body = e.json_body.as_deref().unwrap_or("");
                let detail = if body == "{}" {
                    "HTTP 200 but not JSON, so not the Slack Web API".to_string()
                } else {
                    format!("not Slack's JSON ({}): {}", e.json_error, excerpt(body))
                };
                Attempt::Final(SlackError::UnexpectedResponse {
                    endpoint,
                    detail: self.scrub(&detail),
                })
            }
            other => Attempt::Final(SlackError::UnexpectedResponse {
                endpoint,
                detail: self.scrub(&excerpt(&other.to_string())),
            }),
        }
    }

    /// Maps one of Slack's error codes (Web API `error` or webhook body) to what to fix.
    fn api_code<T>(
        &self,
        code: &str,
        detail: Option<String>,
        body: &str,
        endpoint: Endpoint,
        channel: &str,
        attempt: u32,
    ) -> Attempt<T, SlackError> {
        let channel = if channel.is_empty() {
            "the webhook's channel".to_string()
        } else {
            channel.to_string()
        };
        let code_s = code.to_string();
        let fatal = match code {
            "channel_not_found" => SlackError::ChannelNotFound { channel },
            "not_in_channel" => SlackError::NotInChannel { channel },
            "is_archived" | "channel_is_archived" => SlackError::ChannelArchived {
                channel,
                code: code_s,
            },
            "invalid_auth" | "not_authed" | "invalid_token" | "not_allowed_token_type" => {
                SlackError::InvalidAuth { code: code_s }
            }
            "token_revoked" | "token_expired" | "account_inactive" => {
                SlackError::TokenRevoked { code: code_s }
            }
            "missing_scope" => SlackError::MissingScope {
                needed: json_field(body, "needed"),
            },
            "msg_too_long"
            | "msg_blocks_too_long"
            | "invalid_blocks"
            | "invalid_blocks_format"
            | "invalid_payload"
            | "too_many_attachments"
            | "no_text"
            | "invalid_arguments" => SlackError::MessageRejected {
                code: code_s,
                detail,
            },
            "no_service" | "no_service_id" | "no_team" | "no_active_hooks" | "team_disabled" => {
                SlackError::WebhookGone { code: code_s }
            }
            "action_prohibited"
            | "posting_to_general_channel_denied"
            | "restricted_action"
            | "restricted_action_read_only_channel"
            | "restricted_action_thread_only_channel"
            | "restricted_action_non_threadable_channel"
            | "ekm_access_denied" => SlackError::Prohibited { code: code_s },
            "ratelimited" | "rate_limited" => {
                return Attempt::Transient {
                    fate: Fate::NotDone,
                    wait: None,
                    error: SlackError::RateLimited {
                        endpoint,
                        attempts: attempt,
                        retry_after: None,
                    },
                };
            }
            "internal_error"
            | "fatal_error"
            | "service_unavailable"
            | "request_timeout"
            | "rollup_error" => {
                return Attempt::Transient {
                    fate: Fate::Unknown,
                    wait: None,
                    error: SlackError::Server {
                        endpoint,
                        status: code_s,
                        attempts: attempt,
                    },
                };
            }
            _ => SlackError::Api {
                endpoint,
                code: self.scrub(code),
                detail,
            },
        };
        Attempt::Final(fatal)
    }

    /// Removes every secret from text that came from elsewhere (an error's cause, a body).
    fn scrub(&self, text: &str) -> String {
        self.redactor.scrub(text)
    }
}

/// The bare error code of a webhook's text answer (`no_service`), if it looks like one.
fn webhook_code(body: &str) -> Option<String> {
    let body = body.trim();
    if let Some(code) = json_field(body, "error") {
        return Some(code);
    }
    let looks_like_code = !body.is_empty()
        && body.len() <= 80
        && body
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    looks_like_code.then(|| body.to_string())
}

fn json_field(body: &str, field: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    value.get(field)?.as_str().map(str::to_string)
}

/// Slack's extra explanation of an error: `response_metadata.messages` (for invalid blocks) or
/// `warning`.
fn api_error_detail(body: &str) -> Option<String> {
    let value: Value = serde_json::from_str(body).ok()?;
    let messages: Vec<&str> = value
        .pointer("/response_metadata/messages")
        .and_then(Value::as_array)
        .map(|m| m.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !messages.is_empty() {
        return Some(excerpt(&messages.join("; ")));
    }
    value.get("warning").and_then(Value::as_str).map(excerpt)
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= 200 {
        text.to_string()
    } else {
        let cut: String = text.chars().take(200).collect();
        format!("{cut}…")
    }
}
