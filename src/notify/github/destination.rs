//! GitHub as a destination: its registration, its config section's environment and secrets,
//! and the glue from a rendered message to [`GithubNotifier::post`].

use std::path::PathBuf;

use super::{
    GithubNotifier, GithubOptions, GithubTarget, LabelConfig, LabelSpec, Overflow, PostRequest,
    RetryPolicy,
};
use crate::config::{self, Config, Secret};
use crate::env::Env;
use crate::notify::{
    ByDefault, Destination, DestinationId, Dialect, Outgoing, PostFuture, Posted, Registration,
    Rendered, RunFacts, Setup, When,
};
use crate::render::RenderContext;

pub const ID: DestinationId = DestinationId::new("github");

pub const REGISTRATION: Registration = Registration {
    id: ID,
    label: "GitHub",
    dialect: Dialect::GithubMarkdown,
    secrets: |config| config.github.token.iter().collect(),
    fill_from_env,
    by_default: ByDefault::WhenReady,
    build,
};

/// `TFPOST_GITHUB_TOKEN` (wins) / `GITHUB_TOKEN`, `GITHUB_API_URL`; an empty value counts as
/// unset.
fn fill_from_env(config: &mut Config, env: &Env) {
    let github = &mut config.github;
    if github.token.as_ref().is_none_or(Secret::is_empty) {
        github.token = ["TFPOST_GITHUB_TOKEN", "GITHUB_TOKEN"]
            .into_iter()
            .filter_map(|name| env.get(name))
            .find(|value| !value.trim().is_empty())
            .map(|value| Secret::new(value.trim()));
    }
    if github.api_url.is_none() {
        github.api_url = env
            .get("GITHUB_API_URL")
            .map(|url| url.trim().trim_end_matches('/').to_string())
            .filter(|url| !url.is_empty());
    }
}

fn build(setup: &Setup<'_>) -> Result<Box<dyn Destination>, String> {
    let config = setup.config;
    let target = target_of(config, setup.ci)?;
    let options = GithubOptions {
        patch: config.github.patch,
        overflow: config.github.overflow,
        labels: label_config(&config.github.labels, setup.ctx, setup.warn),
        login: config.github.login.clone().filter(|l| !l.trim().is_empty()),
        login_if_refused: documented_login(config, setup.env),
        retry: retry_of(config),
    };
    // Only the Actions runner sets it, outside the checkout.
    let step_summary = setup
        .env
        .get("GITHUB_STEP_SUMMARY")
        .filter(|path| !path.is_empty())
        .map(PathBuf::from);
    Ok(Box::new(GithubDestination {
        target,
        options,
        comment_on_no_changes: config.github.comment_on_no_changes,
        comment_on_unchanged_apply: config.github.comment_on_unchanged_apply,
        target_key: setup.target_key.to_string(),
        step_summary,
    }))
}

/// Where this run's comments go: the API, the token, the repository, the pull request or
/// commit; or why GitHub cannot be posted to (what the user can do about it).
pub fn target_of(config: &Config, ci: &crate::ci::CiContext) -> Result<GithubTarget, String> {
    let token = config
        .github
        .token
        .as_ref()
        .filter(|t| !t.is_empty())
        .ok_or("no GitHub token: set GITHUB_TOKEN (or TFPOST_GITHUB_TOKEN)")?;
    let (Some(owner), Some(repo)) = (ci.owner.clone(), ci.repo.clone()) else {
        return Err(
            "the repository is unknown: run in a supported CI or pass --owner and --repo".into(),
        );
    };
    if ci.pr.is_none() && ci.sha.is_none() {
        return Err("neither a pull request nor a commit is known: pass --pr or --sha".into());
    }
    Ok(GithubTarget {
        api_url: config
            .github
            .api_url
            .clone()
            .unwrap_or_else(|| "https://api.github.com".to_string()),
        token: token.expose().to_string(),
        owner,
        repo,
        pr: ci.pr,
        sha: ci.sha.clone(),
    })
}

/// The login GitHub documents for the token tfpost posts with, for when `GET /user` is refused:
/// GitHub Actions' own `GITHUB_TOKEN` writes as `github-actions[bot]`. Any other token's
/// account (a GitHub App's installation token) is only known from `github.login`.
pub fn documented_login(config: &Config, env: &Env) -> Option<String> {
    let token = config.github.token.as_ref()?.expose();
    let actions_token = env.get("GITHUB_TOKEN").map(str::trim);
    (env.is_true("GITHUB_ACTIONS") && actions_token == Some(token))
        .then(|| "github-actions[bot]".to_string())
}

/// The retry policy the config asks for (`github.timeout_seconds`).
pub fn retry_of(config: &Config) -> RetryPolicy {
    RetryPolicy {
        timeout: config.github.timeout_seconds.map_or(
            RetryPolicy::default().timeout,
            std::time::Duration::from_secs,
        ),
        ..RetryPolicy::default()
    }
}

struct GithubDestination {
    target: GithubTarget,
    options: GithubOptions,
    comment_on_no_changes: bool,
    comment_on_unchanged_apply: bool,
    target_key: String,
    step_summary: Option<PathBuf>,
}

impl Destination for GithubDestination {
    fn id(&self) -> DestinationId {
        ID
    }

    fn wants_parts(&self) -> bool {
        self.options.overflow == Overflow::Split
    }

    fn when(&self) -> Vec<When> {
        When::comments(self.comment_on_no_changes, self.comment_on_unchanged_apply)
    }

    fn describe(&self, _facts: &RunFacts) -> String {
        let GithubTarget {
            owner,
            repo,
            pr,
            sha,
            ..
        } = &self.target;
        let place = match (pr, sha) {
            (Some(pr), _) => format!("GitHub {owner}/{repo}#{pr}"),
            (None, Some(sha)) => {
                format!(
                    "GitHub {owner}/{repo}, the pull request of commit {sha} (else a commit comment)"
                )
            }
            (None, None) => format!("GitHub {owner}/{repo}"),
        };
        format!("{place} [{}]", self.target_key)
    }

    fn post<'a>(&'a self, outgoing: &'a Outgoing<'a>) -> PostFuture<'a> {
        Box::pin(async move {
            let Rendered::Markdown(message) = outgoing.message else {
                return Err("GitHub: the message is not Markdown".to_string());
            };
            let mut warnings = Vec::new();
            if let Some(path) = &self.step_summary
                && let Err(err) = super::append_step_summary(path, message, self.options.overflow)
            {
                warnings.push(format!(
                    "cannot append to $GITHUB_STEP_SUMMARY ({}): {err}",
                    path.display()
                ));
            }
            let facts = outgoing.facts;
            let counts = crate::summary::counts_in_order(&facts.counts);
            let request = PostRequest {
                target_key: outgoing.target_key,
                kind: facts.command.into(),
                message,
                result: facts.outcome,
                destroys: facts.destructive,
                build_url: outgoing.build_url,
                options: &self.options,
                counts: facts.kind.is_some().then_some(&counts),
            };
            let notifier = GithubNotifier::new(&self.target, self.options.retry.clone())
                .map_err(|e| e.to_string())?;
            let outcome = notifier.post(&request).await.map_err(|e| e.to_string())?;
            warnings.extend(outcome.warnings);
            Ok(Posted {
                summary: format!(
                    "{:?} {} ({} API calls)",
                    outcome.action,
                    outcome.comment_urls.join(", "),
                    outcome.api_calls
                ),
                warnings,
            })
        })
    }
}

/// The config's labels, their names rendered (they are templates: tfcmt prefixes them with the
/// target); a label switched off is left out of the set. GitLab's labels follow the same rules.
pub fn label_config(
    labels: &config::LabelsConfig,
    ctx: &RenderContext,
    warn: &dyn Fn(String),
) -> LabelConfig {
    let spec = |label: &config::Label, fallback: LabelSpec| -> LabelSpec {
        let env = minijinja::Environment::new();
        let name = env
            .render_str(
                &label.name,
                minijinja::context! { vars => &ctx.vars, target => &ctx.target },
            )
            .unwrap_or_else(|err| {
                warn(format!("label name `{}`: {err}", label.name));
                fallback.name.clone()
            });
        LabelSpec {
            name,
            color: label.color.clone(),
            description: label.description.clone().unwrap_or(fallback.description),
        }
    };
    let defaults = LabelConfig::default();
    let mut out = LabelConfig {
        enabled: labels.enabled,
        add_or_update: spec(&labels.add_or_update, defaults.add_or_update.clone()),
        destroy: spec(&labels.destroy, defaults.destroy.clone()),
        no_changes: spec(&labels.no_changes, defaults.no_changes.clone()),
        error: spec(&labels.error, defaults.error.clone()),
    };
    for (label, spec) in [
        (&labels.add_or_update, &mut out.add_or_update),
        (&labels.destroy, &mut out.destroy),
        (&labels.no_changes, &mut out.no_changes),
        (&labels.error, &mut out.error),
    ] {
        if !label.enabled {
            spec.name.clear();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(pairs: &[(&str, &str)]) -> Config {
        let env: Env = pairs.iter().copied().collect();
        let mut config = Config::default();
        fill_from_env(&mut config, &env);
        config
    }

    #[test]
    fn the_environment_gives_the_api_url_and_token() {
        let config = filled(&[]);
        assert!(config.github.token.is_none() && config.github.api_url.is_none());
        let config = filled(&[("GITHUB_API_URL", "https://ghe.corp/api/v3/")]);
        assert_eq!(
            config.github.api_url.as_deref(),
            Some("https://ghe.corp/api/v3")
        );
        let token = |config: Config| config.github.token.map(|t| t.expose().to_string());
        assert_eq!(
            token(filled(&[
                ("GITHUB_TOKEN", "a"),
                ("TFPOST_GITHUB_TOKEN", "b")
            ])),
            Some("b".into())
        );
        assert_eq!(
            token(filled(&[
                ("GITHUB_TOKEN", "a"),
                ("TFPOST_GITHUB_TOKEN", " ")
            ])),
            Some("a".into())
        );
    }
}
