//! The delivery `tfpost plan` / `apply` / `fmt` use: configuration and CI context in, a
//! rendered message per target out, posted by the GitHub and Slack notifiers or printed.
//!
//! Whatever fails here, Terraform's output is already on stdout; a message that could not be
//! posted is written to stderr (SPEC guarantee 3) and reported as a [`TargetFailure`].

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::RunOutput;
use super::analyze::Parsed;
use super::delivery::{Delivery, DeliveryError, TargetFailure};
use super::log::Log;
use super::settings::{RunKind, RunSettings, Target};
use crate::ci::{self, CiContext};
use crate::config::{self, Config, Masker, NotifyTarget, SlackWhen};
use crate::env::Env;
use crate::message::{GithubMessage, SlackMessage};
use crate::model::{Kind, Outcome, Report};
use crate::notify::github::{
    self as gh, CommentKind, GithubOptions, GithubTarget, LabelConfig, LabelSpec, PostRequest,
};
use crate::notify::slack::{PostWhen, RunFacts, SlackNotifier, SlackOptions, SlackTarget};
use crate::render::user_template::{UserTemplate, github_or_builtin};
use crate::render::{self, RenderContext};

/// Renders and posts for real. Holds the process facts it needs, passed in by `main`.
pub struct Post {
    env: Env,
    cwd: PathBuf,
    /// Resolved by [`Delivery::prepare`], before the tee, and used by [`Delivery::deliver`].
    resolved: Option<Resolved>,
}

impl Post {
    pub fn new(env: Env, cwd: PathBuf) -> Post {
        Post {
            env,
            cwd,
            resolved: None,
        }
    }
}

/// Everything resolved once per run, shared by the targets.
struct Resolved {
    config: Config,
    ci: CiContext,
    ctx: RenderContext,
    masker: Masker,
    /// The key of "one current comment per target": directory and workspace.
    target_key: String,
    /// Why nothing may be posted: the config file could not be used. It may hold `mask:`
    /// patterns, another API URL or other targets, so posting with the defaults could publish a
    /// secret or post where it should not; each message goes to stderr instead.
    blocked: Option<String>,
}

impl Delivery for Post {
    /// The config is read once, here: the masker it makes must be known before the tee starts.
    fn prepare(&mut self, settings: &RunSettings, log: &Log) -> Masker {
        let resolved = self.resolve(settings, log);
        let masker = resolved.masker.clone();
        self.resolved = Some(resolved);
        masker
    }

    fn deliver(
        &mut self,
        run: &RunOutput<'_>,
        settings: &RunSettings,
        log: &Log,
    ) -> Result<(), DeliveryError> {
        let resolved = match self.resolved.take() {
            Some(resolved) => resolved,
            None => self.resolve(settings, log),
        };
        let targets = choose_targets(settings, &resolved.config, &resolved.ci);
        // Masked before rendering as well as after: rendering escapes plan text (`&lt;`, a word
        // joiner after `@`) and cuts it to the size limits, and a secret so changed or cut in
        // half is no longer found in the rendered message.
        let parsed = match mask_parsed(run.parsed, &resolved.masker) {
            Ok(parsed) => parsed,
            Err(reason) => {
                // Nothing can be rendered without the secrets, not even for stderr.
                let reason = format!("cannot mask the parsed output ({reason}); nothing posted");
                return Err(DeliveryError {
                    failures: targets
                        .into_iter()
                        .map(|target| TargetFailure {
                            target,
                            reason: reason.clone(),
                        })
                        .collect(),
                    ignored: resolved.config.ignore_notify_errors,
                });
            }
        };
        let run = &RunOutput {
            parsed: &parsed,
            ..*run
        };
        if targets.is_empty() {
            log.warn(
                "nothing to notify: no GitHub token with a pull request or commit, no Slack \
                 webhook or bot token with a channel (use --notify stdout for a local run)",
            );
            return Ok(());
        }
        let mut failures = Vec::new();
        for target in targets {
            let outcome = match target {
                Target::Github => self.github(run, settings, &resolved, log),
                Target::Slack => self.slack(run, settings, &resolved, log),
                Target::Stdout => stdout(run, settings, &resolved, log),
            };
            if let Err(reason) = outcome {
                failures.push(TargetFailure {
                    target,
                    reason: resolved.masker.mask_str(&reason).into_owned(),
                });
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(DeliveryError {
                failures,
                ignored: resolved.config.ignore_notify_errors,
            })
        }
    }
}

impl Post {
    /// Config, CI context, and what templates see. A config file that cannot be used is
    /// reported, the messages are still rendered with the defaults (for stderr), and
    /// [`Resolved::blocked`] stops every post. What is wrong with the config is reported once
    /// the masker is known, as it may quote a value the config masks.
    fn resolve(&self, settings: &RunSettings, log: &Log) -> Resolved {
        let mut blocked = None;
        let mut warnings = Vec::new();
        let mut error = None;
        let mut config = match config::load(settings.config.as_deref(), &self.cwd, &self.env) {
            Ok(loaded) => {
                warnings.extend(loaded.warnings.iter().map(ToString::to_string));
                loaded.config
            }
            Err(err) => {
                error = Some(format!(
                    "{err}; nothing is posted until the config is fixed (each message is written here instead)"
                ));
                blocked = Some(format!("the config file cannot be used ({err})"));
                let mut config = Config::default();
                config.fill_from_env(&self.env);
                config
            }
        };
        let masker = config.masker(&self.env);
        let log = &log.masked_by(masker.clone());
        if let Some(error) = error {
            log.error(error);
        }
        for warning in warnings {
            log.warn(warning);
        }
        let from_file = config.ci_overrides().unwrap_or_else(|message| {
            log.warn(format!("config key `ci`: {message}; ignored"));
            ci::CiOverrides::default()
        });
        let ci = ci::resolve(&self.env, &from_file.merged_with(&settings.overrides));
        // Flags win over the file.
        if settings.title.is_some() {
            config.title.clone_from(&settings.title);
        }
        if settings.message.is_some() {
            config.message.clone_from(&settings.message);
        }
        let mut vars: BTreeMap<String, String> = config.vars.clone();
        vars.extend(settings.vars.clone());
        let target_key = target_key(&vars, &self.cwd, &self.env);
        let ctx = RenderContext {
            target: Some(target_key.clone()),
            title: config.title.clone(),
            message: config.message.clone(),
            vars,
            build_url: ci.build_url.clone(),
            repository: ci.repository(),
            pr_number: ci.pr,
            pr_url: ci.pr_url.clone(),
            pr_title: None,
            pr_author: None,
            sha: ci.sha.clone(),
        };
        Resolved {
            config,
            ci,
            ctx,
            masker,
            target_key,
            blocked,
        }
    }

    fn github(
        &self,
        run: &RunOutput<'_>,
        settings: &RunSettings,
        r: &Resolved,
        log: &Log,
    ) -> Result<(), String> {
        let split = overflow(&r.config) == gh::Overflow::Split;
        let message = mask_github(github_message(run, settings, r, log, split), &r.masker);
        if let Some(path) = self
            .env
            .get("GITHUB_STEP_SUMMARY")
            .filter(|_| !settings.dry_run)
            && let Err(err) =
                gh::append_step_summary(Path::new(path), &message, overflow(&r.config))
        {
            log.warn(format!(
                "cannot append to $GITHUB_STEP_SUMMARY ({path}): {err}"
            ));
        }
        let destination = match (&r.ci.owner, &r.ci.repo, r.ci.pr, &r.ci.sha) {
            (Some(owner), Some(repo), Some(pr), _) => format!("GitHub {owner}/{repo}#{pr}"),
            (Some(owner), Some(repo), None, Some(sha)) => {
                format!(
                    "GitHub {owner}/{repo}, the pull request of commit {sha} (else a commit comment)"
                )
            }
            _ => "GitHub (repository or pull request unknown)".to_string(),
        };
        let unposted = |reason: String| {
            let _ = log.write_raw(
                format!(
                    "tfpost: the comment for {destination}, not posted:\n{}\n",
                    message.body
                )
                .as_bytes(),
            );
            reason
        };
        if let Some(reason) = &r.blocked {
            return Err(unposted(reason.clone()));
        }
        if settings.dry_run {
            dry_run(
                log,
                &format!("{destination} [{}]", r.target_key),
                &message.body,
            );
            return Ok(());
        }
        let token = r
            .config
            .github
            .token
            .as_ref()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                unposted("no GitHub token: set GITHUB_TOKEN (or TFPOST_GITHUB_TOKEN)".into())
            })?;
        let (Some(owner), Some(repo)) = (r.ci.owner.clone(), r.ci.repo.clone()) else {
            return Err(unposted(
                "the repository is unknown: run in a supported CI or pass --owner and --repo"
                    .into(),
            ));
        };
        if r.ci.pr.is_none() && r.ci.sha.is_none() {
            return Err(unposted(
                "neither a pull request nor a commit is known: pass --pr or --sha".into(),
            ));
        }
        let target = GithubTarget {
            api_url: r
                .config
                .github
                .api_url
                .clone()
                .unwrap_or_else(|| "https://api.github.com".to_string()),
            token: token.expose().to_string(),
            owner,
            repo,
            pr: r.ci.pr,
            sha: r.ci.sha.clone(),
        };
        let options = GithubOptions {
            patch: r.config.github.patch,
            overflow: overflow(&r.config),
            labels: labels(&r.config, &r.ctx, log),
            login: None,
            retry: gh::RetryPolicy {
                timeout: r.config.github.timeout_seconds.map_or(
                    gh::RetryPolicy::default().timeout,
                    std::time::Duration::from_secs,
                ),
                ..gh::RetryPolicy::default()
            },
        };
        let (kind, result, destroys) = match run.parsed {
            Parsed::Terraform(Ok(report)) => (
                CommentKind::from(report.kind),
                report.result,
                report.has_destructive_changes(),
            ),
            Parsed::Terraform(Err(_)) => (comment_kind(settings.kind), Outcome::Error, false),
            Parsed::Fmt(fmt) => (
                CommentKind::Fmt,
                if fmt.failed() {
                    Outcome::Error
                } else {
                    Outcome::NoChanges
                },
                false,
            ),
        };
        if result == Outcome::NoChanges && !r.config.github.comment_on_no_changes {
            log.info("GitHub: no changes, and `github.comment_on_no_changes` is off: no comment");
            return Ok(());
        }
        let request = PostRequest {
            target_key: &r.target_key,
            kind,
            message: &message,
            result,
            destroys,
            build_url: r.ci.build_url.as_deref(),
            options: &options,
        };
        let _posting = super::signals::posting(format!(
            "tfpost: the comment for {destination}, being posted:\n{}\n",
            message.body
        ));
        match gh::post_blocking(&target, &request) {
            Ok(outcome) => {
                for warning in &outcome.warnings {
                    log.warn(format!("GitHub: {warning}"));
                }
                log.info(format!(
                    "GitHub: {:?} {} ({} API calls)",
                    outcome.action,
                    outcome.comment_urls.join(", "),
                    outcome.api_calls
                ));
                Ok(())
            }
            Err(err) => Err(unposted(format!("GitHub: {err}"))),
        }
    }

    fn slack(
        &self,
        run: &RunOutput<'_>,
        settings: &RunSettings,
        r: &Resolved,
        log: &Log,
    ) -> Result<(), String> {
        let (message, facts) = match run.parsed {
            Parsed::Terraform(Ok(report)) => {
                (render::slack::render(report, &r.ctx), RunFacts::of(report))
            }
            Parsed::Terraform(Err(err)) => {
                let kind = report_kind(settings.kind);
                let raw = raw_text(run, &r.masker);
                (
                    render::slack::render_parse_failure(
                        raw.as_bytes(),
                        kind,
                        &err.to_string(),
                        &r.ctx,
                    ),
                    RunFacts::parse_failure(kind),
                )
            }
            Parsed::Fmt(_) => {
                log.info("Slack: `fmt` results are posted to GitHub and stdout only");
                return Ok(());
            }
        };
        let message = mask_slack(message, &r.masker)?;
        if let Some(reason) = &r.blocked {
            let _ = log.write_raw(
                format!("tfpost: the Slack message, not posted:\n{}\n", message.text).as_bytes(),
            );
            return Err(reason.clone());
        }
        let Some(target) = slack_target(&r.config) else {
            if settings.dry_run {
                let json =
                    serde_json::to_string_pretty(&message).unwrap_or_else(|_| message.text.clone());
                dry_run(
                    log,
                    "Slack (no SLACK_WEBHOOK_URL or SLACK_BOT_TOKEN set)",
                    &json,
                );
                return Ok(());
            }
            let _ = log.write_raw(
                format!("tfpost: the Slack message, not posted:\n{}\n", message.text).as_bytes(),
            );
            return Err(
                "no Slack credentials: set SLACK_WEBHOOK_URL, or SLACK_BOT_TOKEN and SLACK_CHANNEL"
                    .into(),
            );
        };
        let notifier =
            SlackNotifier::new(target, slack_options(&r.config)).map_err(|e| e.to_string())?;
        let destination = notifier.destination(&facts);
        if settings.dry_run {
            for payload in notifier.payloads(&message, &facts) {
                let json =
                    serde_json::to_string_pretty(&payload).unwrap_or_else(|_| payload.text.clone());
                dry_run(log, &destination, &json);
            }
            return Ok(());
        }
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the Slack client: {e}"))?;
        let _posting = super::signals::posting(format!(
            "tfpost: the Slack message for {destination}, being posted:\n{}\n",
            message.text
        ));
        match runtime.block_on(notifier.post(&message, &facts)) {
            Ok(outcome) => {
                log.info(format!("Slack: {outcome:?}"));
                Ok(())
            }
            Err(err) => {
                let _ = log.write_raw(
                    format!(
                        "tfpost: the Slack message for {destination}, not posted:\n{}\n",
                        message.text
                    )
                    .as_bytes(),
                );
                Err(format!("Slack: {err}"))
            }
        }
    }
}

/// The comment body for GitHub and stdout: the user's template, else the built-in one; the
/// split parts only when they will be posted.
fn github_message(
    run: &RunOutput<'_>,
    settings: &RunSettings,
    r: &Resolved,
    log: &Log,
    with_parts: bool,
) -> GithubMessage {
    match run.parsed {
        Parsed::Terraform(Ok(report)) => {
            let template = user_template(settings, &r.config, Some(report), log);
            // Only a user template can show the raw output; making it costs a copy of up to
            // half a megabyte and a masking pass.
            let raw = template
                .as_ref()
                .map(|_| raw_text(run, &r.masker))
                .unwrap_or_default();
            let (message, error) = github_or_builtin(
                template.as_ref(),
                report,
                &r.ctx,
                raw.as_bytes(),
                with_parts,
            );
            if let Some(error) = error {
                log.warn(format!("{error}; the built-in template was used"));
            }
            message
        }
        Parsed::Terraform(Err(err)) => {
            let raw = raw_text(run, &r.masker);
            render::github::parse_failure(raw.as_bytes(), &err.to_string(), &r.ctx)
        }
        Parsed::Fmt(fmt) => render::fmt::github(fmt, &r.ctx),
    }
}

/// `--template FILE`, else the config's template for this kind of run.
fn user_template(
    settings: &RunSettings,
    config: &Config,
    report: Option<&Report>,
    log: &Log,
) -> Option<UserTemplate> {
    if let Some(path) = &settings.template {
        return match UserTemplate::load(path) {
            Ok(template) => Some(template),
            Err(err) => {
                log.warn(format!("{err}; the built-in template is used"));
                None
            }
        };
    }
    let templates = &config.templates;
    let source = match report.map(|r| r.kind) {
        Some(Kind::Apply) => templates.apply.as_ref(),
        Some(Kind::Plan) if report.is_some_and(Report::has_destructive_changes) => {
            templates.plan_destroy.as_ref().or(templates.plan.as_ref())
        }
        Some(Kind::Plan) => templates.plan.as_ref(),
        None => templates.parse_failure.as_ref(),
    }?;
    Some(UserTemplate::from_source("config template", source.clone()))
}

fn stdout(
    run: &RunOutput<'_>,
    settings: &RunSettings,
    r: &Resolved,
    log: &Log,
) -> Result<(), String> {
    let message = mask_github(github_message(run, settings, r, log, false), &r.masker);
    if let Some(reason) = &r.blocked {
        let _ = log
            .write_raw(format!("tfpost: the message for stdout:\n{}\n", message.body).as_bytes());
        return Err(reason.clone());
    }
    if settings.dry_run {
        dry_run(log, "stdout", &message.body);
        return Ok(());
    }
    if run.stdout_closed {
        let _ = log
            .write_raw(format!("tfpost: the message for stdout:\n{}\n", message.body).as_bytes());
        return Err("stdout was closed by its reader".into());
    }
    let mut out = std::io::stdout().lock();
    let lead: &[u8] = if run.stdout_mid_line { b"\n\n" } else { b"\n" };
    out.write_all(lead)
        .and_then(|()| out.write_all(message.body.as_bytes()))
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(|err| {
            let _ = log.write_raw(
                format!("tfpost: the message for stdout:\n{}\n", message.body).as_bytes(),
            );
            format!("cannot write to stdout: {err}")
        })
}

fn dry_run(log: &Log, destination: &str, text: &str) {
    let _ = log
        .write_raw(format!("tfpost: --dry-run: would post to {destination}:\n{text}\n").as_bytes());
}

/// `--notify`, else the config's `notify`, else every target whose credentials are present,
/// and stdout outside CI (SPEC).
fn choose_targets(settings: &RunSettings, config: &Config, ci: &CiContext) -> Vec<Target> {
    if let Some(targets) = &settings.notify {
        return targets.clone();
    }
    if let Some(targets) = &config.notify {
        return targets
            .iter()
            .map(|t| match t {
                NotifyTarget::Github => Target::Github,
                NotifyTarget::Slack => Target::Slack,
                NotifyTarget::Stdout => Target::Stdout,
            })
            .collect();
    }
    let mut targets = Vec::new();
    let has_token = config.github.token.as_ref().is_some_and(|t| !t.is_empty());
    if has_token && ci.owner.is_some() && ci.repo.is_some() && (ci.pr.is_some() || ci.sha.is_some())
    {
        targets.push(Target::Github);
    }
    if slack_target(config).is_some() {
        targets.push(Target::Slack);
    }
    if ci.platform.is_none() && targets.is_empty() {
        targets.push(Target::Stdout);
    }
    targets
}

/// The Terraform target: `--var target=...`, else the working directory relative to the
/// repository root, with the workspace when it is not `default`.
fn target_key(vars: &BTreeMap<String, String>, cwd: &Path, env: &Env) -> String {
    let dir = vars.get("target").cloned().unwrap_or_else(|| {
        let root = cwd.ancestors().find(|dir| dir.join(".git").exists());
        match root.and_then(|root| cwd.strip_prefix(root).ok()) {
            Some(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Some(rel) => rel.display().to_string(),
            None => cwd.display().to_string(),
        }
    });
    match env.get("TF_WORKSPACE").filter(|w| *w != "default") {
        Some(workspace) => format!("{dir} ({workspace})"),
        None => dir,
    }
}

fn overflow(config: &Config) -> gh::Overflow {
    match config.github.overflow {
        config::Overflow::Split => gh::Overflow::Split,
        _ => gh::Overflow::Cut,
    }
}

/// The config's labels, their names rendered (they are templates: tfcmt prefixes them with the
/// target); a label switched off is left out of the set.
fn labels(config: &Config, ctx: &RenderContext, log: &Log) -> LabelConfig {
    let labels = &config.github.labels;
    let spec = |label: &config::Label, fallback: LabelSpec| -> LabelSpec {
        let env = minijinja::Environment::new();
        let name = env
            .render_str(
                &label.name,
                minijinja::context! { vars => &ctx.vars, target => &ctx.target },
            )
            .unwrap_or_else(|err| {
                log.warn(format!("label name `{}`: {err}", label.name));
                fallback.name.clone()
            });
        LabelSpec {
            name,
            color: label.color.clone(),
            description: fallback.description,
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

fn slack_target(config: &Config) -> Option<SlackTarget> {
    let secret = |s: &Option<config::Secret>| {
        s.as_ref()
            .filter(|s| !s.is_empty())
            .map(|s| s.expose().to_string())
    };
    if let (Some(token), Some(channel)) =
        (secret(&config.slack.token), config.slack.channel.clone())
    {
        return Some(SlackTarget::Bot {
            api_url: config
                .slack
                .api_url
                .clone()
                .unwrap_or_else(|| crate::notify::slack::DEFAULT_API_URL.to_string()),
            token,
            channel,
        });
    }
    secret(&config.slack.webhook_url).map(|url| SlackTarget::Webhook { url })
}

fn slack_options(config: &Config) -> SlackOptions {
    let when = |list: &[SlackWhen]| {
        list.iter()
            .map(|w| match w {
                SlackWhen::Always => PostWhen::Always,
                SlackWhen::Changes => PostWhen::Changes,
                SlackWhen::Destroy => PostWhen::Destroy,
                SlackWhen::Error => PostWhen::Error,
                SlackWhen::Apply => PostWhen::Apply,
            })
            .collect::<Vec<_>>()
    };
    let slack = &config.slack;
    SlackOptions {
        when: when(&slack.when),
        plan_channel: slack.channels.plan.clone(),
        apply_channel: slack.channels.apply.clone(),
        destroy_channel: slack.channels.destroy.clone(),
        error_channel: slack.channels.error.clone(),
        mention_group: slack.mention.as_ref().map(|m| m.group.clone()),
        mention_when: slack
            .mention
            .as_ref()
            .map(|m| when(&m.when))
            .unwrap_or_default(),
        ..SlackOptions::default()
    }
}

fn comment_kind(kind: RunKind) -> CommentKind {
    match kind {
        RunKind::Plan => CommentKind::Plan,
        RunKind::Apply => CommentKind::Apply,
        RunKind::Fmt => CommentKind::Fmt,
    }
}

fn report_kind(kind: RunKind) -> Option<Kind> {
    match kind {
        RunKind::Plan => Some(Kind::Plan),
        RunKind::Apply => Some(Kind::Apply),
        RunKind::Fmt => None,
    }
}

fn mask_github(message: GithubMessage, masker: &Masker) -> GithubMessage {
    if masker.is_empty() {
        return message;
    }
    GithubMessage {
        body: masker.mask_str(&message.body).into_owned(),
        parts: message
            .parts
            .iter()
            .map(|p| masker.mask_str(p).into_owned())
            .collect(),
    }
}

/// Masks every string of the message; one that cannot be masked is not posted rather than
/// posted unmasked.
fn mask_slack(message: SlackMessage, masker: &Masker) -> Result<SlackMessage, String> {
    if masker.is_empty() {
        return Ok(message);
    }
    mask_serde(&message, masker).map_err(|e| format!("cannot mask the Slack message: {e}"))
}

/// The parsed output with every string of the model masked (addresses, diffs, diagnostics),
/// for the renderers.
fn mask_parsed<'a>(parsed: &'a Parsed, masker: &Masker) -> Result<Cow<'a, Parsed>, String> {
    if masker.is_empty() {
        return Ok(Cow::Borrowed(parsed));
    }
    Ok(Cow::Owned(match parsed {
        Parsed::Terraform(Ok(report)) => match mask_report(report, masker)? {
            Some(masked) => Parsed::Terraform(Ok(masked)),
            // Nothing to hide: no copy of a report that may hold 50,000 resources.
            None => return Ok(Cow::Borrowed(parsed)),
        },
        // The error says what was not recognised, never the output's text.
        Parsed::Terraform(Err(err)) => Parsed::Terraform(Err(err.clone())),
        Parsed::Fmt(fmt) => Parsed::Fmt(mask_serde(fmt, masker)?),
    }))
}

/// The report with every string masked. Resources and drift go one at a time (through [`mask_each`]):
/// the JSON form of a 50,000-resource report at once would cost several times the report's
/// memory. The rest goes through [`mask_serde`] whole; the struct literal names every field, so
/// a field added to [`Report`] cannot be left out here without a compile error.
/// `None` when nothing in it needed masking.
fn mask_report(report: &Report, masker: &Masker) -> Result<Option<Report>, String> {
    let Report {
        schema,
        kind,
        result,
        tool,
        terraform_version,
        summary,
        resources,
        outputs,
        drift,
        warnings,
        errors,
        sections,
        omitted_diffs,
        left_out,
    } = report;
    let rest = Report {
        schema: *schema,
        kind: *kind,
        result: *result,
        tool: *tool,
        terraform_version: terraform_version.clone(),
        summary: *summary,
        resources: Vec::new(),
        outputs: outputs.clone(),
        drift: Vec::new(),
        warnings: warnings.clone(),
        errors: errors.clone(),
        sections: sections.clone(),
        omitted_diffs: *omitted_diffs,
        left_out: *left_out,
    };
    let masked_resources = mask_each(resources, masker)?;
    let masked_drift = mask_each(drift, masker)?;
    let mut rest_json = serde_json::to_value(&rest).map_err(|e| e.to_string())?;
    if !mask_json(&mut rest_json, masker) && masked_resources.is_none() && masked_drift.is_none() {
        return Ok(None);
    }
    let mut masked: Report = serde_json::from_value(rest_json).map_err(|e| e.to_string())?;
    masked.resources = masked_resources.unwrap_or_else(|| resources.clone());
    masked.drift = masked_drift.unwrap_or_else(|| drift.clone());
    Ok(Some(masked))
}

/// Each element masked on its own; `None` when none needed it. Once one did, the others are
/// cloned, not rebuilt.
fn mask_each<T>(items: &[T], masker: &Masker) -> Result<Option<Vec<T>>, String>
where
    T: Clone + serde::Serialize + serde::de::DeserializeOwned,
{
    let mut masked: Option<Vec<T>> = None;
    for (i, item) in items.iter().enumerate() {
        // Most elements hold nothing to mask: found out without building their JSON form.
        if !masker.finds_in(item) {
            if let Some(out) = masked.as_mut() {
                out.push(item.clone());
            }
            continue;
        }
        let mut json = serde_json::to_value(item).map_err(|e| e.to_string())?;
        if mask_json(&mut json, masker) {
            let out = masked.get_or_insert_with(|| {
                let mut out = Vec::with_capacity(items.len());
                out.extend_from_slice(&items[..i]);
                out
            });
            out.push(serde_json::from_value(json).map_err(|e| e.to_string())?);
        } else if let Some(out) = masked.as_mut() {
            out.push(item.clone());
        }
    }
    Ok(masked)
}

/// The raw output the renderers quote, masked. Masked as a whole: a secret across two reads of
/// the stream is in one piece here.
fn raw_text(run: &RunOutput<'_>, masker: &Masker) -> String {
    let raw = run.raw.to_text_lossy();
    match masker.mask_str(&raw) {
        Cow::Borrowed(_) => raw,
        Cow::Owned(masked) => masked,
    }
}

/// `value` with every string in it masked. Through its JSON form so that no field is missed,
/// now or when the type grows one; a value that no longer deserialises (a pattern that matched
/// an enum's name) is an error, not a value with the secret left in.
fn mask_serde<T: serde::Serialize + serde::de::DeserializeOwned>(
    value: &T,
    masker: &Masker,
) -> Result<T, String> {
    let mut json = serde_json::to_value(value).map_err(|e| e.to_string())?;
    mask_json(&mut json, masker);
    serde_json::from_value(json).map_err(|e| e.to_string())
}

/// Masks every string in `value`; true when any changed.
fn mask_json(value: &mut serde_json::Value, masker: &Masker) -> bool {
    match value {
        serde_json::Value::String(s) => match masker.mask_str(s) {
            Cow::Borrowed(_) => false,
            Cow::Owned(masked) => {
                *s = masked;
                true
            }
        },
        // Every element is masked: no stopping at the first change.
        serde_json::Value::Array(items) => {
            let mut changed = false;
            for v in items {
                changed |= mask_json(v, masker);
            }
            changed
        }
        serde_json::Value::Object(map) => {
            let mut changed = false;
            for v in map.values_mut() {
                changed |= mask_json(v, masker);
            }
            changed
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::Platform;

    fn ci(platform: Option<Platform>, pr: Option<u64>) -> CiContext {
        CiContext {
            platform,
            owner: Some("acme".into()),
            repo: Some("infra".into()),
            pr,
            sha: Some("abc".into()),
            ..CiContext::default()
        }
    }

    fn config(env: &[(&str, &str)]) -> Config {
        let env: Env = env.iter().copied().collect();
        let mut config = Config::default();
        config.fill_from_env(&env);
        config
    }

    #[test]
    fn only_the_elements_holding_a_secret_are_rebuilt_and_order_holds() {
        let resource = |name: &str, diff: &str| -> crate::model::ResourceChange {
            serde_json::from_value(serde_json::json!({
                "address": format!("null_resource.{name}"), "module": null,
                "type": "null_resource", "name": name, "index": null, "mode": "managed",
                "action": "update", "reason": null, "from_address": null, "import_id": null,
                "imported": false, "replace_order": null, "deposed": null, "section": null,
                "diff": diff
            }))
            .expect("resource")
        };
        let items = vec![
            resource("a", "  ~ x = 1\n"),
            resource("b", "  ~ token = \"hunter22\"\n"),
            resource("c", "  ~ y = 2\n"),
        ];
        let masker = Masker::new(vec!["hunter22".into()], &[]).expect("masker");
        let masked = mask_each(&items, &masker).expect("masks").expect("changed");
        assert_eq!(masked.len(), 3);
        assert_eq!(masked[0], items[0]);
        assert_eq!(masked[1].diff.as_deref(), Some("  ~ token = \"***\"\n"));
        assert_eq!(masked[2], items[2]);
        let other = Masker::new(vec!["elsewhere".into()], &[]).expect("masker");
        assert!(mask_each(&items, &other).expect("masks").is_none());
    }

    /// A log sink the test can read back.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Delivers a plan with changes to `targets` with `config` as the working directory's
    /// tfpost.yaml; returns the result and what was logged.
    fn deliver(config: &str, targets: &[Target]) -> (Result<(), DeliveryError>, String) {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("tfpost.yaml"), config).expect("config");
        let mut post = Post::new(Env::default(), dir.path().to_path_buf());
        let mut settings = RunSettings::new(RunKind::Plan);
        settings.notify = Some(targets.to_vec());
        let mut report = Report::empty(Kind::Plan);
        report.result = Outcome::Changes;
        let parsed = Parsed::Terraform(Ok(report));
        let raw = super::super::RawOutput::default();
        let run = RunOutput {
            kind: RunKind::Plan,
            parsed: &parsed,
            raw: &raw,
            status: super::super::CommandStatus::Piped,
            stdout_closed: false,
            stdout_mid_line: false,
        };
        let sink = Captured::default();
        let log = Log::to_writer(crate::run::Verbosity::Normal, false, Box::new(sink.clone()));
        let result = post.deliver(&run, &settings, &log);
        let logged = String::from_utf8_lossy(&sink.0.lock().expect("log")).into_owned();
        (result, logged)
    }

    #[test]
    fn a_config_that_cannot_be_used_posts_nothing_and_logs_the_message() {
        // Even the stdout target: the file may hold `mask:` patterns the defaults lack.
        let (result, logged) = deliver("mask:\n  envv: [DB_PASSWORD]\n", &[Target::Stdout]);
        let err = result.expect_err("nothing may be posted");
        assert_eq!(err.failures.len(), 1);
        assert!(
            err.failures[0]
                .reason
                .contains("tfpost.yaml:2:3: key `mask.envv`"),
            "{:?}",
            err.failures
        );
        assert!(!err.ignored);
        assert!(
            logged.contains("nothing is posted until the config is fixed"),
            "{logged}"
        );
        assert!(
            logged.contains("the message for stdout:\n### Terraform plan"),
            "{logged}"
        );
    }

    #[test]
    fn the_configs_ignore_notify_errors_keeps_failures_out_of_the_exit_code() {
        // Slack without credentials fails; the config decides whether that fails the run.
        let (result, _) = deliver("ignore_notify_errors: true\n", &[Target::Slack]);
        assert!(result.expect_err("no Slack credentials").ignored);
        let (result, _) = deliver("title: T\n", &[Target::Slack]);
        assert!(!result.expect_err("no Slack credentials").ignored);
    }

    #[test]
    fn targets_default_to_the_credentials_present_and_stdout_outside_ci() {
        let settings = RunSettings::new(RunKind::Plan);
        let in_ci = Some(Platform::Circleci);
        assert_eq!(
            choose_targets(&settings, &config(&[]), &ci(None, None)),
            [Target::Stdout]
        );
        assert!(choose_targets(&settings, &config(&[]), &ci(in_ci, Some(1))).is_empty());
        let github = config(&[("GITHUB_TOKEN", "t")]);
        assert_eq!(
            choose_targets(&settings, &github, &ci(in_ci, Some(1))),
            [Target::Github]
        );
        let both = config(&[
            ("GITHUB_TOKEN", "t"),
            ("SLACK_WEBHOOK_URL", "https://hooks"),
        ]);
        assert_eq!(
            choose_targets(&settings, &both, &ci(in_ci, None)),
            [Target::Github, Target::Slack]
        );
        let mut explicit = RunSettings::new(RunKind::Plan);
        explicit.notify = Some(vec![Target::Slack]);
        assert_eq!(
            choose_targets(&explicit, &both, &ci(in_ci, None)),
            [Target::Slack]
        );
    }

    #[test]
    fn the_target_key_is_the_directory_and_workspace() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join(".git")).expect("git dir");
        let root = dir.path().join("envs/prod");
        std::fs::create_dir_all(&root).expect("root");
        let none = BTreeMap::new();
        let env: Env = [("TF_WORKSPACE", "staging")].into_iter().collect();
        assert_eq!(target_key(&none, &root, &env), "envs/prod (staging)");
        assert_eq!(target_key(&none, dir.path(), &Env::default()), ".");
        let vars: BTreeMap<String, String> = [("target".to_string(), "prod".to_string())].into();
        assert_eq!(target_key(&vars, &root, &Env::default()), "prod");
    }
}
