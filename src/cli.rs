//! Command-line interface: clap types only.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Terraform plan/apply results as pull-request comments and Slack messages.
#[derive(Debug, Parser)]
#[command(name = "tfpost", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the parsed model of a plan or apply output as JSON.
    Parse {
        /// File to read; `-` or nothing for stdin.
        file: Option<PathBuf>,
    },
    /// Parse a plan or apply output and print the message that would be posted; posts nothing.
    Render(RenderArgs),
}

/// `tfpost render`: the local dry run of the renderer.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// File to read; `-` or nothing for stdin.
    pub file: Option<PathBuf>,
    /// Which message to render.
    #[arg(long, value_enum, default_value_t = RenderTarget::Github)]
    pub target: RenderTarget,
    /// Plan or apply; detected from the text when omitted.
    #[arg(long, value_enum)]
    pub kind: Option<KindArg>,
    /// Title of the message (replaces "Terraform plan" / "Terraform apply").
    #[arg(long)]
    pub title: Option<String>,
    /// Markdown shown under the summary.
    #[arg(long)]
    pub message: Option<String>,
    /// `KEY=VALUE` made available to templates as `vars.KEY` (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// A minijinja template replacing the built-in comment; on error the built-in one is printed
    /// and the error reported on stderr.
    #[arg(long)]
    pub template: Option<PathBuf>,
}

/// Where a rendered message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RenderTarget {
    Github,
    Slack,
}

/// `--kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KindArg {
    Plan,
    Apply,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, got `{text}`")),
    }
}
