//! Command-line interface: clap types only.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

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
}
