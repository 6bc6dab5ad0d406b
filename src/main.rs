use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser as _;
use tfpost::cli::{CiArgs, Cli, Command, ConfigArgs, ConfigCommand};
use tfpost::config::LoadedConfig;
use tfpost::env::Env;
use tfpost::parse::{ParseOptions, parse};

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
                        format!("# from {} ({format} format)\n", path.display())
                    }
                    _ => "# no config file found: defaults and environment\n".to_string(),
                };
                let mut out = std::io::stdout().lock();
                out.write_all(header.as_bytes())?;
                out.write_all(loaded.config.to_masked_yaml(&env).as_bytes())?;
                Ok(ExitCode::SUCCESS)
            }
        },
    }
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
