use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser as _;
use tfpost::cli::{Cli, Command, KindArg, RenderArgs, RenderTarget};
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
        Command::Render(args) => render(args),
    }
}

/// `tfpost render`: parse, render, print. An unparsable input prints the parse-failure comment
/// (what would be posted), not an error.
fn render(args: RenderArgs) -> anyhow::Result<ExitCode> {
    use tfpost::render::{RenderContext, github, user_template};
    if args.target == RenderTarget::Slack {
        anyhow::bail!("`--target slack` is not built yet in this version; use `--target github`");
    }
    let input = read_input(args.file.as_deref())?;
    let kind = args.kind.map(|k| match k {
        KindArg::Plan => tfpost::model::Kind::Plan,
        KindArg::Apply => tfpost::model::Kind::Apply,
    });
    let ctx = RenderContext {
        title: args.title,
        message: args.message,
        vars: args.vars.into_iter().collect(),
        ..RenderContext::default()
    };
    let template = args
        .template
        .as_deref()
        .map(user_template::UserTemplate::load)
        .transpose()?;
    let message = match parse(
        &input,
        ParseOptions {
            kind,
            ..ParseOptions::default()
        },
    ) {
        Ok(report) => {
            let (message, err) =
                user_template::github_or_builtin(template.as_ref(), &report, &ctx, &input);
            if let Some(err) = err {
                eprintln!(
                    "tfpost: warning: {err}\ntfpost: the built-in comment is printed instead"
                );
            }
            message
        }
        Err(err) => github::parse_failure(&input, &err.to_string(), &ctx),
    };
    let mut out = std::io::stdout().lock();
    out.write_all(message.body.as_bytes())?;
    if !message.body.ends_with('\n') {
        writeln!(out)?;
    }
    Ok(ExitCode::SUCCESS)
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
