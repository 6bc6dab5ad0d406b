//! Slack as a destination: its registration, its config section's environment and secrets,
//! and the glue from a rendered message to [`SlackNotifier::post`].

pub mod config;
mod notifier;

pub use notifier::*;

use crate::config::{Config, Secret};
use crate::env::Env;
use crate::notify::{
    ByDefault, Destination, DestinationId, Dialect, Outgoing, PostFuture, Posted, Registration,
    Rendered, RunFacts, Setup, When,
};

pub const ID: DestinationId = DestinationId::new("slack");

pub const REGISTRATION: Registration = Registration {
    id: ID,
    label: "Slack",
    dialect: Dialect::SlackMrkdwn,
    secrets: |config| {
        let slack = &config.slack;
        [&slack.webhook_url, &slack.token]
            .into_iter()
            .flatten()
            .collect()
    },
    fill_from_env,
    by_default: ByDefault::WhenReady,
    build,
};

/// `SLACK_WEBHOOK_URL`, `SLACK_BOT_TOKEN`, `SLACK_CHANNEL`, `SLACK_API_URL`; an empty value
/// counts as unset.
fn fill_from_env(config: &mut Config, env: &Env) {
    let get = |name: &str| env.get(name).map(str::trim).filter(|v| !v.is_empty());
    let slack = &mut config.slack;
    if slack.webhook_url.as_ref().is_none_or(Secret::is_empty) {
        slack.webhook_url = get("SLACK_WEBHOOK_URL").map(Secret::new);
    }
    if slack.token.as_ref().is_none_or(Secret::is_empty) {
        slack.token = get("SLACK_BOT_TOKEN").map(Secret::new);
    }
    if slack.channel.is_none() {
        slack.channel = get("SLACK_CHANNEL").map(str::to_string);
    }
    if slack.api_url.is_none() {
        slack.api_url = get("SLACK_API_URL").map(str::to_string);
    }
}

/// A bot token with a channel when both are set (it can thread), else the webhook.
fn target(config: &Config) -> Option<SlackTarget> {
    let secret = |s: &Option<Secret>| {
        s.as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| s.expose().trim().to_string())
    };
    let slack = &config.slack;
    let channel = slack.channel.clone().filter(|c| !c.trim().is_empty());
    if let (Some(token), Some(channel)) = (secret(&slack.token), channel) {
        return Some(SlackTarget::Bot {
            api_url: slack
                .api_url
                .clone()
                .unwrap_or_else(|| DEFAULT_API_URL.to_string()),
            token,
            channel,
        });
    }
    secret(&slack.webhook_url).map(|url| SlackTarget::Webhook { url })
}

fn options(config: &Config) -> SlackOptions {
    let slack = &config.slack;
    SlackOptions {
        plan_channel: slack.channels.plan.clone(),
        apply_channel: slack.channels.apply.clone(),
        destroy_channel: slack.channels.destroy.clone(),
        error_channel: slack.channels.error.clone(),
        mention_group: slack.mention.as_ref().map(|m| m.group.clone()),
        mention_when: slack
            .mention
            .as_ref()
            .map(|m| m.when.clone())
            .unwrap_or_default(),
        thread_details: slack.threads,
        ..SlackOptions::default()
    }
}

fn build(setup: &Setup<'_>) -> Result<Box<dyn Destination>, String> {
    let target = target(setup.config).ok_or(
        "no Slack credentials: set SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and SLACK_CHANNEL",
    )?;
    // Checks the URL and options; makes no request.
    let notifier = SlackNotifier::new(target, options(setup.config)).map_err(|e| e.to_string())?;
    Ok(Box::new(SlackDestination {
        notifier,
        when: setup.config.slack.when.clone(),
    }))
}

struct SlackDestination {
    notifier: SlackNotifier,
    when: Vec<When>,
}

impl Destination for SlackDestination {
    fn id(&self) -> DestinationId {
        ID
    }

    fn when(&self) -> Vec<When> {
        self.when.clone()
    }

    fn describe(&self, facts: &RunFacts) -> String {
        self.notifier.destination(facts)
    }

    fn preview(&self, message: &Rendered, facts: &RunFacts) -> Vec<String> {
        match message {
            Rendered::Slack(message) => self
                .notifier
                .payloads(message, facts)
                .iter()
                .map(|payload| {
                    serde_json::to_string_pretty(payload).unwrap_or_else(|_| payload.text.clone())
                })
                .collect(),
            other => vec![other.preview()],
        }
    }

    fn post<'a>(&'a self, outgoing: &'a Outgoing<'a>) -> PostFuture<'a> {
        Box::pin(async move {
            let Rendered::Slack(message) = outgoing.message else {
                return Err("Slack: the message is not Block Kit".to_string());
            };
            let outcome = self
                .notifier
                .post(message, outgoing.facts)
                .await
                .map_err(|err| format!("Slack: {err}"))?;
            Ok(Posted {
                summary: format!("{outcome:?}"),
                warnings: Vec::new(),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target_of(pairs: &[(&str, &str)]) -> Option<SlackTarget> {
        let env: Env = pairs.iter().copied().collect();
        let mut config = Config::default();
        fill_from_env(&mut config, &env);
        target(&config)
    }

    #[test]
    fn the_target_comes_from_the_spec_environment() {
        assert_eq!(target_of(&[]), None);
        assert_eq!(
            target_of(&[(
                "SLACK_WEBHOOK_URL",
                "https://hooks.slack.com/services/T/B/x"
            )]),
            Some(SlackTarget::Webhook {
                url: "https://hooks.slack.com/services/T/B/x".into()
            })
        );
        // A token without a channel cannot post; the webhook is used.
        assert_eq!(
            target_of(&[
                ("SLACK_BOT_TOKEN", "xoxb-1"),
                ("SLACK_WEBHOOK_URL", "https://h/x")
            ]),
            Some(SlackTarget::Webhook {
                url: "https://h/x".into()
            })
        );
        assert_eq!(
            target_of(&[
                ("SLACK_BOT_TOKEN", "xoxb-1"),
                ("SLACK_CHANNEL", "C1"),
                ("SLACK_WEBHOOK_URL", "https://h/x"),
                ("SLACK_API_URL", "http://127.0.0.1:9/api/"),
            ]),
            Some(SlackTarget::Bot {
                api_url: "http://127.0.0.1:9/api/".into(),
                token: "xoxb-1".into(),
                channel: "C1".into()
            })
        );
        assert_eq!(
            target_of(&[("SLACK_BOT_TOKEN", " "), ("SLACK_CHANNEL", "C1")]),
            None
        );
    }
}
