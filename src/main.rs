use std::io::{IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser as _;
use tfpost::cli::{
    CiArgs, Cli, Command, ConfigArgs, ConfigCommand, KindArg, RejectedRun, RenderArgs, RenderTarget,
};
use tfpost::config::LoadedConfig;
use tfpost::env::Env;
use tfpost::parse::{ParseOptions, parse};
use tfpost::run::{Environment, Input, Log, Post, RunKind, Verbosity};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return command_line_error(err),
    };
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("tfpost: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// A command line clap rejects. `--help` and `--version` print and exit 0 as usual. For
/// `plan` / `apply` / `fmt` in pipe mode, Terraform is already writing into tfpost's stdin: its
/// output is passed through to stdout first, so the CI log keeps it and Terraform does not die
/// of a closed pipe, and then the error is reported with clap's usage code, 2. In wrap mode
/// nothing has run yet, so the command is not started: running it with options tfpost could not
/// read might post its output where, or unmasked as, the user did not mean.
fn command_line_error(err: clap::Error) -> ExitCode {
    if !err.use_stderr() {
        err.exit();
    }
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    let rejected =
        RejectedRun::of(&args).filter(|run| !run.wraps_command && !std::io::stdin().is_terminal());
    let Some(rejected) = rejected else {
        err.exit();
    };
    let env = Environment::of_process(Env::from_process());
    let log = Log::stderr(Verbosity::Normal, &env.vars);
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let mut post = Post::new(env.vars.clone(), cwd);
    tfpost::run::pass_through(&rejected.settings(), &mut post, &log);
    let _ = err.print();
    log.error(
        "nothing was parsed or posted because of the command line error above; \
         Terraform's output was passed through to stdout unchanged",
    );
    ExitCode::from(2)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Parse { file, kind } => {
            let input = read_input(file.as_deref())?;
            let options = ParseOptions {
                kind: kind.map(Into::into),
                ..ParseOptions::default()
            };
            let report = parse(&input, options)
                .with_context(|| format!("cannot parse {}", display_input(file.as_deref())))?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ci { config, ci } => {
            let env = Env::from_process();
            let loaded = load_config(&config, &env)?;
            let ctx = ci_context(&loaded, &ci, &env)?;
            print_json(&ctx)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Config { command } => match command {
            ConfigCommand::Schema => {
                print_json(&tfpost::config::json_schema())?;
                Ok(ExitCode::SUCCESS)
            }
            ConfigCommand::Show { config } => {
                let env = Env::from_process();
                let loaded = load_config(&config, &env)?;
                let header = match (&loaded.path, loaded.format) {
                    (Some(path), Some(format)) => {
                        let trust = match loaded.origin {
                            Some(tfpost::config::Origin::Found) => {
                                "found in the checkout: it may change presentation only"
                            }
                            _ => "named by the pipeline: trusted",
                        };
                        let mut header =
                            format!("# from {} ({format} format, {trust})\n", path.display());
                        for outer in &loaded.masks_from {
                            header.push_str(&format!(
                                "# mask: entries added from {}\n",
                                outer.display()
                            ));
                        }
                        header
                    }
                    _ => "# no config file found: defaults and environment\n".to_string(),
                };
                let mut out = std::io::stdout().lock();
                out.write_all(header.as_bytes())?;
                out.write_all(loaded.config.to_masked_yaml(&env).as_bytes())?;
                Ok(ExitCode::SUCCESS)
            }
        },
        Command::Plan(args) => Ok(run_terraform(RunKind::Plan, &args)),
        Command::Apply(args) => Ok(run_terraform(RunKind::Apply, &args)),
        Command::Fmt(args) => Ok(run_terraform(RunKind::Fmt, &args)),
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut command, "tfpost", &mut std::io::stdout());
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let command = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(command)
                .render(&mut std::io::stdout())
                .context("cannot write the man page")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Render(args) => render(args),
        Command::Roots(args) => roots(&args),
        Command::Summary(args) => summary(&args),
    }
}

/// `tfpost summary`: the summary on stdout (`--dry-run`) or posted; notes on stderr.
fn summary(args: &tfpost::cli::SummaryArgs) -> anyhow::Result<ExitCode> {
    let request = tfpost::run::summary::SummaryRequest {
        models: args.models.clone(),
        dry_run: args.dry_run,
        title: args.title.clone(),
        config: args.config.config.clone(),
        overrides: args.ci.overrides(),
        notify: args.notify.clone().map(|list| list.0),
    };
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let (printed, notes) = tfpost::run::summary::summary(&request, &Env::from_process(), &cwd)
        .map_err(anyhow::Error::msg)?;
    for note in notes {
        eprintln!("tfpost: {note}");
    }
    if let Some(text) = printed {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes())?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `tfpost roots`: one path a line, or a JSON array; findings as warnings on stderr.
fn roots(args: &tfpost::cli::RootsArgs) -> anyhow::Result<ExitCode> {
    let env = Env::from_process();
    let loaded = load_config(&args.config, &env)?;
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let (roots, findings) =
        tfpost::roots::list(&cwd, &loaded.config.roots, args.changed_since.as_deref())?;
    for finding in findings {
        eprintln!("tfpost: warning: {finding}");
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        // One line, so it fits a CI output variable (`echo "roots=$(...)" >> "$GITHUB_OUTPUT"`).
        serde_json::to_writer(&mut out, &roots)?;
        writeln!(out)?;
    } else {
        for root in roots {
            writeln!(out, "{root}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `tfpost render`: parse, then print what `plan --dry-run` / `apply --dry-run` would post to
/// the destination: the same config, CI context, template and masking. An unparsable input
/// prints the parse-failure message (what would be posted), not an error. Posts nothing.
fn render(args: RenderArgs) -> anyhow::Result<ExitCode> {
    let input = read_input(args.file.as_deref())?;
    let forced = args.kind.map(|k| match k {
        KindArg::Plan => tfpost::model::Kind::Plan,
        KindArg::Apply => tfpost::model::Kind::Apply,
    });
    let parsed = parse(
        &input,
        ParseOptions {
            kind: forced,
            ..ParseOptions::default()
        },
    );
    // The run a real `plan` or `apply` would be: as told, else as the text reads.
    let kind = match (forced, &parsed) {
        (Some(kind), _) => kind,
        (None, Ok(report)) => report.kind,
        (None, Err(_)) => tfpost::model::Kind::Plan,
    };
    let run_kind = match kind {
        tfpost::model::Kind::Plan => RunKind::Plan,
        tfpost::model::Kind::Apply => RunKind::Apply,
    };
    let mut settings = tfpost::run::RunSettings::new(run_kind);
    settings.dry_run = true;
    settings.title = args.title;
    settings.message = args.message;
    settings.vars = args.vars.into_iter().collect();
    settings.template = args.template;
    settings.config = args.config.config;
    settings.overrides = args.ci.overrides();
    if let Some(path) = &settings.template {
        // A template that cannot be read is the user's error here, not a fallback.
        tfpost::render::user_template::UserTemplate::load(path)?;
    }
    let mut raw = tfpost::run::RawOutput::default();
    raw.push(input, |_| {});
    let destination = match args.target {
        RenderTarget::Github => tfpost::notify::github::ID,
        RenderTarget::Slack => tfpost::notify::slack::ID,
    };
    let env = Environment::of_process(Env::from_process());
    let log = Log::stderr(Verbosity::Normal, &env.vars);
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let post = Post::new(env.vars.clone(), cwd);
    let texts = post
        .preview(
            &settings,
            &tfpost::run::Parsed::Terraform(parsed),
            &raw,
            destination,
            &log,
        )
        .map_err(anyhow::Error::msg)?;
    let mut out = std::io::stdout().lock();
    for text in texts {
        out.write_all(text.as_bytes())?;
        if !text.ends_with('\n') {
            writeln!(out)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Loads the config for the working directory and reports its warnings on stderr.
fn load_config(args: &ConfigArgs, env: &Env) -> anyhow::Result<LoadedConfig> {
    let cwd = std::env::current_dir().context("cannot read the working directory")?;
    let loaded = tfpost::config::load(args.config.as_deref(), &cwd, env)?;
    for warning in &loaded.warnings {
        eprintln!("tfpost: warning: {warning}");
    }
    Ok(loaded)
}

/// The CI context: detected, then the config's `ci:` section, then the flags.
fn ci_context(
    loaded: &LoadedConfig,
    args: &CiArgs,
    env: &Env,
) -> anyhow::Result<tfpost::ci::CiContext> {
    let from_file = loaded.config.ci_overrides().map_err(|message| {
        let file = loaded
            .path
            .as_ref()
            .map_or_else(|| "config".to_string(), |p| p.display().to_string());
        anyhow::anyhow!("{file}: key `ci.pr`: {message}")
    })?;
    let overrides = from_file.merged_with(&args.overrides());
    Ok(tfpost::ci::resolve(env, &overrides))
}

fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

/// `plan` / `apply` / `fmt`: the runner does everything, including reporting its own errors,
/// because the exit code must be the one CI relies on whatever fails.
fn run_terraform(kind: RunKind, args: &tfpost::cli::RunArgs) -> ExitCode {
    let settings = args.settings(kind);
    let env = Environment::of_process(Env::from_process());
    let log = Log::stderr(settings.verbosity, &env.vars);
    let input = if args.command.is_empty() {
        Input::Stdin
    } else {
        Input::Command(args.command.clone())
    };
    // The config lookup starts here; an unreadable working directory only loses the lookup.
    let cwd = std::env::current_dir().unwrap_or_else(|_| std::path::PathBuf::from("."));
    let mut post = Post::new(env.vars.clone(), cwd);
    if let Input::Command(argv) = &input {
        post = post.with_command(argv);
    }
    ExitCode::from(tfpost::run::run(&settings, input, &env, &mut post, &log))
}

fn read_input(file: Option<&Path>) -> anyhow::Result<Vec<u8>> {
    match file {
        Some(path) if path != Path::new("-") => {
            std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))
        }
        _ => {
            let mut buf = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buf)
                .context("cannot read stdin")?;
            Ok(buf)
        }
    }
}

fn display_input(file: Option<&Path>) -> String {
    match file {
        Some(path) if path != Path::new("-") => path.display().to_string(),
        _ => "stdin".to_string(),
    }
}
