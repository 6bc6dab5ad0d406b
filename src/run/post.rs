//! The delivery `tfpost plan` / `apply` / `fmt` use: configuration and CI context in, then for
//! each chosen destination of [`crate::notify::REGISTRY`]: the message rendered in its
//! dialect, masked, checked against its `when`, and posted on the one runtime this module owns
//! (or printed, with `--dry-run`).
//!
//! Whatever fails here, Terraform's output is already on stdout; a message that could not be
//! posted is written to stderr (SPEC guarantee 3) and reported as a [`DestinationFailure`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::RunOutput;
use super::analyze::{Parsed, RawOutput};
use super::delivery::{Delivery, DeliveryError, DestinationFailure};
use super::log::Log;
use super::masking::{mask_parsed, mask_rendered, raw_text};
use super::settings::{RunKind, RunSettings};
use crate::ci::{self, CiContext};
use crate::config::{self, Config, Masker};
use crate::env::Env;
use crate::message::GithubMessage;
use crate::model::{Kind, Report};
use crate::notify::{
    ByDefault, Destination, DestinationId, Dialect, Outgoing, REGISTRY, Registration, Rendered,
    RunFacts, Setup, StdoutState, When,
};
use crate::render::gitlab_inert::GitlabMarkdown;
use crate::render::user_template::{UserTemplate, github_or_builtin};
use crate::render::{self, RenderContext};

/// Renders and posts for real. Holds the process facts it needs, passed in by `main`.
pub struct Post {
    env: Env,
    cwd: PathBuf,
    /// The directory the wrapped command works in when it says so (`terraform -chdir=DIR`),
    /// for the target key; `cwd` otherwise.
    command_dir: Option<PathBuf>,
    /// Resolved by [`Delivery::prepare`], before the tee, and used by [`Delivery::deliver`].
    resolved: Option<Resolved>,
}

impl Post {
    pub fn new(env: Env, cwd: PathBuf) -> Post {
        Post {
            env,
            cwd,
            command_dir: None,
            resolved: None,
        }
    }

    /// The target key follows the directory the wrapped command `argv` runs Terraform in, when
    /// it names one: `terraform -chdir=DIR ...` (and OpenTofu's), or Terragrunt's
    /// `--working-dir` / `--terragrunt-working-dir`. The config is still looked up from `cwd`.
    pub fn with_command(mut self, argv: &[std::ffi::OsString]) -> Post {
        self.command_dir = command_dir(argv).map(|dir| self.cwd.join(dir));
        self
    }
}

/// The working directory a Terraform command line asks for (see [`Post::with_command`]).
/// Terraform reads `-chdir` only before the subcommand; Terragrunt's flag may come anywhere.
pub fn command_dir(argv: &[std::ffi::OsString]) -> Option<PathBuf> {
    let args: Vec<String> = argv
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    for arg in args.iter().take_while(|a| a.starts_with('-')) {
        if let Some(dir) = arg
            .strip_prefix("-chdir=")
            .or_else(|| arg.strip_prefix("--chdir="))
        {
            return Some(PathBuf::from(dir)).filter(|d| !d.as_os_str().is_empty());
        }
    }
    for (i, arg) in args.iter().enumerate() {
        for flag in ["--working-dir", "--terragrunt-working-dir"] {
            if let Some(dir) = arg.strip_prefix(flag).and_then(|r| r.strip_prefix('=')) {
                return Some(PathBuf::from(dir));
            }
            if arg == flag {
                return args.get(i + 1).map(PathBuf::from);
            }
        }
    }
    None
}

/// Everything resolved once per run, shared by the destinations.
struct Resolved {
    config: Config,
    ci: CiContext,
    ctx: RenderContext,
    masker: Masker,
    /// The key of "one current comment per target": directory and workspace.
    target_key: String,
    /// Why nothing may be posted: the config file could not be used. It may hold `mask:`
    /// patterns, another API URL or other destinations, so posting with the defaults could
    /// publish a secret or post where it should not; each message goes to stderr instead.
    blocked: Option<String>,
}

/// A destination chosen for this run: built, or why it could not be.
type Chosen = (&'static Registration, Result<Box<dyn Destination>, String>);

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
        let r = &resolved;
        let warn = |message: String| log.warn(message);
        let setup = Setup {
            config: &r.config,
            ci: &r.ci,
            env: &self.env,
            ctx: &r.ctx,
            target_key: &r.target_key,
            stdout: StdoutState {
                closed: run.stdout_closed,
                mid_line: run.stdout_mid_line,
            },
            dry_run: settings.dry_run,
            warn: &warn,
        };
        let chosen = choose(settings, &setup);
        let failed = |reason: String, chosen: &[Chosen]| DeliveryError {
            failures: chosen
                .iter()
                .map(|(registration, _)| DestinationFailure {
                    destination: registration.id,
                    reason: reason.clone(),
                })
                .collect(),
            ignored: r.config.ignore_notify_errors,
        };
        // Masked before rendering as well as after (see `masking`).
        let parsed = match mask_parsed(run.parsed, &r.masker) {
            Ok(parsed) => parsed,
            Err(reason) => {
                // Nothing can be rendered without the secrets, not even for stderr.
                return Err(failed(
                    format!("cannot mask the parsed output ({reason}); nothing posted"),
                    &chosen,
                ));
            }
        };
        let run = &RunOutput {
            parsed: &parsed,
            ..*run
        };
        if chosen.is_empty() {
            log.warn(
                "nothing to notify: no GitHub token with a pull request or commit, no Slack \
                 webhook or bot token with a channel (use --notify stdout for a local run)",
            );
            return Ok(());
        }
        // The one runtime every destination posts on; none is needed to print.
        let runtime = if settings.dry_run {
            None
        } else {
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => Some(runtime),
                Err(err) => {
                    return Err(failed(
                        format!("cannot start the HTTP clients' runtime: {err}"),
                        &chosen,
                    ));
                }
            }
        };
        let facts = facts_of(run.parsed, settings.kind);
        let mut failures = Vec::new();
        for (registration, built) in &chosen {
            let outcome = self.deliver_one(
                run,
                settings,
                r,
                log,
                (registration, built.as_deref()),
                &facts,
                runtime.as_ref(),
            );
            if let Err(reason) = outcome {
                failures.push(DestinationFailure {
                    destination: registration.id,
                    reason: r.masker.mask_str(&reason).into_owned(),
                });
            }
        }
        if failures.is_empty() {
            Ok(())
        } else {
            Err(DeliveryError {
                failures,
                ignored: r.config.ignore_notify_errors,
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
        if let Some(patch) = settings.patch {
            config.github.patch = patch;
        }
        if let Some(overflow) = settings.overflow {
            config.github.overflow = overflow;
        }
        let mut vars: BTreeMap<String, String> = config.vars.clone();
        vars.extend(settings.vars.clone());
        let key_dir = self.command_dir.as_deref().unwrap_or(&self.cwd);
        let target_key = target_key(&vars, key_dir, &self.env);
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

    /// Renders, masks, checks `when` and posts (or prints) one destination's message. On
    /// failure the message is on stderr and the reason is returned.
    #[allow(clippy::too_many_arguments)]
    fn deliver_one(
        &self,
        run: &RunOutput<'_>,
        settings: &RunSettings,
        r: &Resolved,
        log: &Log,
        (registration, built): (&Registration, Result<&dyn Destination, &String>),
        facts: &RunFacts,
        runtime: Option<&tokio::runtime::Runtime>,
    ) -> Result<(), String> {
        let label = registration.label;
        if matches!(run.parsed, Parsed::Fmt(_)) && !registration.dialect.renders_fmt() {
            log.info(format!("{label}: `fmt` results are not posted there"));
            return Ok(());
        }
        let with_parts = built.is_ok_and(|d| d.wants_parts());
        let message = render(registration.dialect, run, settings, r, log, with_parts);
        let message = for_dialect(registration.dialect, mask_rendered(message, &r.masker)?);
        let unposted = |reason: String| {
            let _ = log.write_raw(
                format!(
                    "tfpost: the {label} message, not posted:\n{}\n",
                    message.text()
                )
                .as_bytes(),
            );
            reason
        };
        if let Some(reason) = &r.blocked {
            return Err(unposted(reason.clone()));
        }
        let destination = match built {
            Ok(destination) => destination,
            Err(reason) if settings.dry_run => {
                dry_run(log, &format!("{label} ({reason})"), &message.preview());
                return Ok(());
            }
            Err(reason) => return Err(unposted(reason.clone())),
        };
        let when = destination.when();
        if !When::any(&when, facts) {
            log.info(format!(
                "{label}: not posted: `when` is {when:?} and this run matches none of it"
            ));
            return Ok(());
        }
        let Some(runtime) = runtime else {
            let place = destination.describe(facts);
            for text in destination.preview(&message, facts) {
                dry_run(log, &place, &text);
            }
            return Ok(());
        };
        let outgoing = Outgoing {
            message: &message,
            facts,
            target_key: &r.target_key,
            build_url: r.ci.build_url.as_deref(),
        };
        // A SIGTERM while the post hangs writes this to stderr before tfpost exits.
        let _posting = super::signals::posting(format!(
            "tfpost: the {label} message for {}, being posted:\n{}\n",
            destination.describe(facts),
            message.text()
        ));
        match runtime.block_on(destination.post(&outgoing)) {
            Ok(posted) => {
                for warning in &posted.warnings {
                    log.warn(format!("{label}: {warning}"));
                }
                log.info(format!("{label}: {}", posted.summary));
                Ok(())
            }
            Err(reason) => Err(unposted(reason)),
        }
    }
}

impl Post {
    /// What `plan --dry-run` (or `apply --dry-run`) writes for `destination` on this parsed
    /// output, with nothing tee'd or posted: the same config, CI context, target key, template
    /// choice, rendering and masking as a real run. One text per request the destination would
    /// send. `when` is not checked: a preview is asked for.
    pub fn preview(
        &self,
        settings: &RunSettings,
        parsed: &Parsed,
        raw: &RawOutput,
        destination: DestinationId,
        log: &Log,
    ) -> Result<Vec<String>, String> {
        let r = &self.resolve(settings, log);
        let registration = destination
            .registration()
            .ok_or_else(|| format!("unknown destination `{destination}`"))?;
        let warn = |message: String| log.warn(message);
        let setup = Setup {
            config: &r.config,
            ci: &r.ci,
            env: &self.env,
            ctx: &r.ctx,
            target_key: &r.target_key,
            stdout: StdoutState::default(),
            dry_run: true,
            warn: &warn,
        };
        let built = (registration.build)(&setup);
        let parsed = mask_parsed(parsed, &r.masker)
            .map_err(|reason| format!("cannot mask the parsed output ({reason})"))?;
        let run = &RunOutput {
            kind: settings.kind,
            parsed: &parsed,
            raw,
            status: super::CommandStatus::Piped,
            stdout_closed: false,
            stdout_mid_line: false,
        };
        let with_parts = built.as_ref().is_ok_and(|d| d.wants_parts());
        let message = render(registration.dialect, run, settings, r, log, with_parts);
        let message = for_dialect(registration.dialect, mask_rendered(message, &r.masker)?);
        Ok(match built {
            Ok(destination) => destination.preview(&message, &facts_of(run.parsed, settings.kind)),
            Err(_) => vec![message.preview()],
        })
    }
}

/// What the posting policy and the destinations know of the run.
fn facts_of(parsed: &Parsed, kind: RunKind) -> RunFacts {
    match parsed {
        Parsed::Terraform(Ok(report)) => RunFacts::of(report),
        Parsed::Terraform(Err(_)) => RunFacts::parse_failure(kind),
        Parsed::Fmt(fmt) => RunFacts::fmt(fmt.failed()),
    }
}

/// The masked message in its dialect's final form: GitLab's note made inert for GitLab.
fn for_dialect(dialect: Dialect, message: Rendered) -> Rendered {
    match (dialect, message) {
        (Dialect::GitlabMarkdown, Rendered::Markdown(markdown)) => {
            Rendered::Gitlab(GitlabMarkdown::from_github(&markdown.body))
        }
        (_, message) => message,
    }
}

/// The message in `dialect`, before masking.
fn render(
    dialect: Dialect,
    run: &RunOutput<'_>,
    settings: &RunSettings,
    r: &Resolved,
    log: &Log,
    with_parts: bool,
) -> Rendered {
    match dialect {
        // GitLab's note starts as the same Markdown; it is made inert for GitLab once masked
        // ([`for_dialect`]), so that the masker sees the text before GitLab's escapes.
        Dialect::GithubMarkdown | Dialect::GitlabMarkdown => {
            Rendered::Markdown(markdown_message(run, settings, r, log, with_parts))
        }
        Dialect::SlackMrkdwn => Rendered::Slack(match run.parsed {
            Parsed::Terraform(Ok(report)) => render::slack::render(report, &r.ctx),
            Parsed::Terraform(Err(err)) => {
                let raw = raw_text(run, &r.masker);
                render::slack::render_parse_failure(
                    raw.as_bytes(),
                    settings.kind.report_kind(),
                    &err.to_string(),
                    &r.ctx,
                )
            }
            // Not reached: the dialect says it cannot render `fmt` and it is skipped before.
            Parsed::Fmt(_) => crate::message::SlackMessage {
                text: String::new(),
                blocks: Vec::new(),
                thread_reply: None,
            },
        }),
    }
}

/// The Markdown message: the user's template, else the built-in one; the split parts only
/// when they will be posted.
fn markdown_message(
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

fn dry_run(log: &Log, destination: &str, text: &str) {
    let _ = log
        .write_raw(format!("tfpost: --dry-run: would post to {destination}:\n{text}\n").as_bytes());
}

/// `--notify`, else the config's `notify`, else every destination that is ready (its
/// credentials present), and stdout outside CI when none is (SPEC).
fn choose(settings: &RunSettings, setup: &Setup<'_>) -> Vec<Chosen> {
    if let Some(ids) = settings.notify.as_ref().or(setup.config.notify.as_ref()) {
        return ids
            .iter()
            .filter_map(|id| id.registration())
            .map(|registration| (registration, (registration.build)(setup)))
            .collect();
    }
    let mut chosen: Vec<Chosen> = REGISTRY
        .iter()
        .filter(|registration| registration.by_default == ByDefault::WhenReady)
        .filter_map(|registration| {
            let built = (registration.build)(setup).ok()?;
            Some((registration, Ok(built)))
        })
        .collect();
    if setup.ci.platform.is_none() && chosen.is_empty() {
        chosen.extend(
            REGISTRY
                .iter()
                .filter(|registration| registration.by_default == ByDefault::OutsideCiAlone)
                .map(|registration| (registration, (registration.build)(setup))),
        );
    }
    chosen
}

/// The Terraform target: `--var target=...`, else the working directory relative to the
/// repository root, with the workspace when it is not `default`.
fn target_key(vars: &BTreeMap<String, String>, cwd: &Path, env: &Env) -> String {
    let dir = vars.get("target").cloned().unwrap_or_else(|| {
        // `envs/prod/../staging` (a `-chdir` may hold one) is `envs/staging`.
        let cwd = &normalised(cwd);
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

/// `path` with `.` and `..` components resolved lexically (symbolic links are not followed).
fn normalised(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::Platform;
    use crate::model::Outcome;
    use crate::notify::{self, DestinationId};

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
    fn deliver(config: &str, targets: &[DestinationId]) -> (Result<(), DeliveryError>, String) {
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
        let (result, logged) = deliver("mask:\n  envv: [DB_PASSWORD]\n", &[notify::stdout::ID]);
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
            logged.contains("the stdout message, not posted:\n### Terraform plan"),
            "{logged}"
        );
    }

    #[test]
    fn the_configs_ignore_notify_errors_keeps_failures_out_of_the_exit_code() {
        // Slack without credentials fails; the config decides whether that fails the run.
        let (result, _) = deliver("ignore_notify_errors: true\n", &[notify::slack::ID]);
        assert!(result.expect_err("no Slack credentials").ignored);
        let (result, _) = deliver("title: T\n", &[notify::slack::ID]);
        assert!(!result.expect_err("no Slack credentials").ignored);
    }

    /// The names of the destinations chosen for these settings, config and CI context.
    fn chosen(settings: &RunSettings, config: &Config, ci: &CiContext) -> Vec<&'static str> {
        let env = Env::default();
        let ctx = RenderContext::default();
        let setup = Setup {
            config,
            ci,
            env: &env,
            ctx: &ctx,
            target_key: ".",
            stdout: StdoutState::default(),
            dry_run: false,
            warn: &|_| {},
        };
        choose(settings, &setup)
            .iter()
            .map(|(registration, _)| registration.id.as_str())
            .collect()
    }

    #[test]
    fn the_wrapped_command_names_its_root() {
        let dir = |args: &[&str]| {
            let argv: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
            command_dir(&argv)
        };
        assert_eq!(
            dir(&["terraform", "-chdir=envs/prod", "plan"]),
            Some("envs/prod".into())
        );
        assert_eq!(
            dir(&["tofu", "-chdir=a", "plan", "-out=x"]),
            Some("a".into())
        );
        // Terraform reads `-chdir` only before the subcommand.
        assert_eq!(dir(&["terraform", "plan", "-chdir=x"]), None);
        assert_eq!(dir(&["terraform", "plan"]), None);
        assert_eq!(dir(&["terraform", "-chdir=", "plan"]), None);
        assert_eq!(
            dir(&[
                "terragrunt",
                "plan",
                "--terragrunt-working-dir",
                "live/prod"
            ]),
            Some("live/prod".into())
        );
        assert_eq!(
            dir(&["terragrunt", "--working-dir=live/dev", "plan"]),
            Some("live/dev".into())
        );
    }

    #[test]
    fn destinations_default_to_the_credentials_present_and_stdout_outside_ci() {
        let settings = RunSettings::new(RunKind::Plan);
        let in_ci = Some(Platform::Circleci);
        assert_eq!(chosen(&settings, &config(&[]), &ci(None, None)), ["stdout"]);
        assert!(chosen(&settings, &config(&[]), &ci(in_ci, Some(1))).is_empty());
        let github = config(&[("GITHUB_TOKEN", "t")]);
        assert_eq!(chosen(&settings, &github, &ci(in_ci, Some(1))), ["github"]);
        let both = config(&[
            ("GITHUB_TOKEN", "t"),
            (
                "SLACK_WEBHOOK_URL",
                "https://hooks.slack.com/services/T/B/x",
            ),
        ]);
        assert_eq!(
            chosen(&settings, &both, &ci(in_ci, None)),
            ["github", "slack"]
        );
        let mut explicit = RunSettings::new(RunKind::Plan);
        explicit.notify = Some(vec![notify::slack::ID]);
        assert_eq!(chosen(&explicit, &both, &ci(in_ci, None)), ["slack"]);
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
        // A `-chdir` with `..` in it names the same root.
        let via = dir.path().join("envs/dev/../prod");
        assert_eq!(target_key(&none, &via, &Env::default()), "envs/prod");
    }
}
