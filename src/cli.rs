//! Command-line interface: clap types only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::ci::{CiOverrides, Platform};

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
    /// Print the detected CI context (platform, repository, PR, commit, build URL) as JSON.
    Ci {
        #[command(flatten)]
        config: ConfigArgs,
        #[command(flatten)]
        ci: CiArgs,
    },
    /// Inspect tfpost's configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the JSON Schema of tfpost.yaml (for editor completion and validation).
    Schema,
    /// Print the effective configuration (file, environment), secrets masked.
    Show {
        #[command(flatten)]
        config: ConfigArgs,
    },
}

/// Where the config file is; flatten into every command that reads it.
#[derive(Debug, Clone, Default, Args)]
pub struct ConfigArgs {
    /// Config file. Default: tfpost.yaml, tfpost.yml, .tfpost.yaml or .tfpost.yml in the
    /// working directory, then its parents up to the repository root; failing that tfcmt.yaml,
    /// then tfnotify.yaml, found the same way.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Overrides of the detected CI context; flatten into every command that uses it.
#[derive(Debug, Clone, Default, Args)]
pub struct CiArgs {
    /// Read this CI platform's variables (github_actions, circleci, gitlab_ci, codebuild,
    /// cloud_build, jenkins, travis_ci, drone, teamcity, buildkite, azure_pipelines).
    #[arg(long, value_name = "NAME")]
    pub platform: Option<Platform>,
    /// Repository owner.
    #[arg(long, value_name = "OWNER")]
    pub owner: Option<String>,
    /// Repository name, or OWNER/NAME.
    #[arg(long, value_name = "NAME")]
    pub repo: Option<String>,
    /// Pull request number.
    #[arg(long, value_name = "NUMBER", value_parser = parse_pr)]
    pub pr: Option<u64>,
    /// Commit SHA.
    #[arg(long, value_name = "SHA")]
    pub sha: Option<String>,
    /// Branch.
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,
    /// Link to the build log.
    #[arg(long, value_name = "URL")]
    pub build_url: Option<String>,
}

impl CiArgs {
    /// The flags as overrides (they win over the config's `ci:`).
    pub fn overrides(&self) -> CiOverrides {
        CiOverrides {
            platform: self.platform,
            owner: self.owner.clone(),
            repo: self.repo.clone(),
            pr: self.pr,
            sha: self.sha.clone(),
            branch: self.branch.clone(),
            build_url: self.build_url.clone(),
        }
    }
}

fn parse_pr(value: &str) -> Result<u64, String> {
    value
        .trim()
        .trim_start_matches('#')
        .parse::<u64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("`{value}` is not a pull request number"))
}
