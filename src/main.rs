use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser as _;
use tfpost::cli::{Cli, Command};
use tfpost::parse::{ParseOptions, parse};
use tfpost::run::{Environment, Input, LocalDelivery, Log, RunKind};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("tfpost: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Parse { file } => {
            let input = read_input(file.as_deref())?;
            let report = parse(&input, ParseOptions::default())
                .with_context(|| format!("cannot parse {}", display_input(file.as_deref())))?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
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
    }
}

/// `plan` / `apply` / `fmt`: the runner does everything, including reporting its own errors,
/// because the exit code must be the one CI relies on whatever fails.
fn run_terraform(kind: RunKind, args: &tfpost::cli::RunArgs) -> ExitCode {
    let settings = args.settings(kind);
    // `std::env::vars` panics on a variable that is not UTF-8; such variables are none of ours.
    let vars = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)));
    let env = Environment::of_process(vars.collect());
    let log = Log::stderr(settings.verbosity, &env.vars);
    let input = if args.command.is_empty() {
        Input::Stdin
    } else {
        Input::Command(args.command.clone())
    };
    ExitCode::from(tfpost::run::run(
        &settings,
        input,
        &env,
        &mut LocalDelivery,
        &log,
    ))
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
