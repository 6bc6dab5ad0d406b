//! GitLab as a destination: its registration, its config section's environment and secrets,
//! and the glue from a rendered message to [`GitlabNotifier::post`].

use super::{
    GitlabNotifier, GitlabOptions, GitlabTarget, GitlabToken, NOTE_MAX_CHARS, NoteRequest,
};
use crate::config::{Config, Secret};
use crate::env::Env;
use crate::notify::github::{RetryPolicy, label_config};
use crate::notify::{
    ByDefault, Destination, DestinationId, Dialect, Outgoing, PostFuture, Posted, Registration,
    Rendered, RunFacts, Setup, When,
};

pub const ID: DestinationId = DestinationId::new("gitlab");

pub const REGISTRATION: Registration = Registration {
    id: ID,
    label: "GitLab",
    dialect: Dialect::GitlabMarkdown,
    secrets: |config| {
        let gitlab = &config.gitlab;
        [&gitlab.token, &gitlab.job_token]
            .into_iter()
            .flatten()
            .collect()
    },
    fill_from_env,
    by_default: ByDefault::WhenReady,
    build,
};

/// `GITLAB_TOKEN`, `CI_JOB_TOKEN`, `CI_API_V4_URL` (else `CI_SERVER_URL` + `/api/v4`),
/// `CI_PROJECT_ID` (else `CI_PROJECT_PATH`); an empty value counts as unset. GitLab CI sets
/// them for the job: none comes from the checkout.
fn fill_from_env(config: &mut Config, env: &Env) {
    let get = |name: &str| {
        env.get(name)
            .map(|v| v.trim().trim_end_matches('/'))
            .filter(|v| !v.is_empty())
    };
    let gitlab = &mut config.gitlab;
    if gitlab.token.as_ref().is_none_or(Secret::is_empty) {
        gitlab.token = get("GITLAB_TOKEN").map(Secret::new);
    }
    if gitlab.job_token.as_ref().is_none_or(Secret::is_empty) {
        gitlab.job_token = get("CI_JOB_TOKEN").map(Secret::new);
    }
    if gitlab.api_url.is_none() {
        gitlab.api_url = get("CI_API_V4_URL")
            .map(str::to_string)
            .or_else(|| get("CI_SERVER_URL").map(|server| format!("{server}/api/v4")));
    }
    if gitlab.project.is_none() {
        gitlab.project = get("CI_PROJECT_ID")
            .or_else(|| get("CI_PROJECT_PATH"))
            .map(str::to_string);
    }
}

fn build(setup: &Setup<'_>) -> Result<Box<dyn Destination>, String> {
    let (config, ci) = (setup.config, setup.ci);
    let gitlab = &config.gitlab;
    let secret = |s: &Option<Secret>| {
        s.as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| s.expose().trim().to_string())
    };
    let token = secret(&gitlab.token)
        .map(GitlabToken::Private)
        .or_else(|| secret(&gitlab.job_token).map(GitlabToken::Job))
        .ok_or(
            "no GitLab token: set GITLAB_TOKEN (or CI_JOB_TOKEN where its scope allows notes)",
        )?;
    let project = gitlab
        .project
        .clone()
        .filter(|p| !p.trim().is_empty())
        .ok_or(
            "the GitLab project is unknown: run in GitLab CI (CI_PROJECT_ID) or set gitlab.project",
        )?;
    if ci.pr.is_none() && ci.sha.is_none() {
        return Err("neither a merge request nor a commit is known: pass --pr or --sha".into());
    }
    let target = GitlabTarget {
        api_url: gitlab
            .api_url
            .clone()
            .unwrap_or_else(|| "https://gitlab.com/api/v4".to_string()),
        token,
        project,
        merge_request: ci.pr,
        sha: ci.sha.clone(),
    };
    let options = GitlabOptions {
        outdated: gitlab.outdated,
        labels: label_config(&gitlab.labels, setup.ctx, setup.warn),
        username: gitlab.username.clone().filter(|u| !u.trim().is_empty()),
        retry: RetryPolicy {
            timeout: gitlab.timeout_seconds.map_or(
                RetryPolicy::default().timeout,
                std::time::Duration::from_secs,
            ),
            ..RetryPolicy::default()
        },
    };
    Ok(Box::new(GitlabDestination {
        target,
        options,
        comment_on_no_changes: gitlab.comment_on_no_changes,
        comment_on_unchanged_apply: gitlab.comment_on_unchanged_apply,
        target_key: setup.target_key.to_string(),
    }))
}

struct GitlabDestination {
    target: GitlabTarget,
    options: GitlabOptions,
    comment_on_no_changes: bool,
    comment_on_unchanged_apply: bool,
    target_key: String,
}

impl Destination for GitlabDestination {
    fn id(&self) -> DestinationId {
        ID
    }

    fn when(&self) -> Vec<When> {
        When::comments(self.comment_on_no_changes, self.comment_on_unchanged_apply)
    }

    fn describe(&self, _facts: &RunFacts) -> String {
        let GitlabTarget {
            project,
            merge_request,
            sha,
            ..
        } = &self.target;
        let place = match (merge_request, sha) {
            (Some(iid), _) => format!("GitLab {project}!{iid}"),
            (None, Some(sha)) => format!(
                "GitLab {project}, the merge request of commit {sha} (else a commit comment)"
            ),
            (None, None) => format!("GitLab {project}"),
        };
        format!("{place} [{}]", self.target_key)
    }

    fn post<'a>(&'a self, outgoing: &'a Outgoing<'a>) -> PostFuture<'a> {
        Box::pin(async move {
            let Rendered::Gitlab(body) = outgoing.message else {
                return Err("GitLab: the message is not GitLab Markdown".to_string());
            };
            let body = body.clone().fit(NOTE_MAX_CHARS, outgoing.build_url);
            let facts = outgoing.facts;
            let request = NoteRequest {
                target_key: outgoing.target_key,
                kind: facts.command.into(),
                body: &body,
                result: facts.outcome,
                destroys: facts.destructive,
                build_url: outgoing.build_url,
                options: &self.options,
            };
            let notifier = GitlabNotifier::new(&self.target, self.options.retry.clone())
                .map_err(|e| e.to_string())?;
            let outcome = notifier.post(&request).await.map_err(|e| e.to_string())?;
            Ok(Posted {
                summary: format!(
                    "{:?} {} ({} API calls)",
                    outcome.action,
                    outcome.note_url.as_deref().unwrap_or("(commit comment)"),
                    outcome.api_calls
                ),
                warnings: outcome.warnings,
            })
        })
    }
}
