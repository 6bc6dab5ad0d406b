//! Command-line interface: clap types only.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ci::{CiOverrides, Platform};
use crate::model::Kind;
use crate::notify::github::Overflow;
use crate::run::settings::{
    DestinationList, RunKind, RunSettings, Verbosity, parse_destination_list,
};

/// `tfpost --version`: the release, the commit and the target triple it was built from (build.rs).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("TFPOST_BUILD_COMMIT"),
    ", ",
    env!("TFPOST_BUILD_TARGET"),
    ")"
);

/// Terraform plan/apply results as pull-request comments and Slack messages.
#[derive(Debug, Parser)]
#[command(name = "tfpost", version = VERSION, about)]
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
        /// Plan or apply; detected from the text when omitted.
        #[arg(long, value_enum)]
        kind: Option<KindArg>,
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
    /// Tee a plan's output to stdout, parse it, post it. Reads stdin, or runs COMMAND.
    #[command(
        after_help = "Examples:\n  terraform plan -no-color 2>&1 | tfpost plan\n  tfpost plan -- terraform plan -no-color"
    )]
    Plan(RunArgs),
    /// Tee an apply's output to stdout, parse it, post it. Reads stdin, or runs COMMAND.
    #[command(
        after_help = "Examples:\n  terraform apply -auto-approve -no-color 2>&1 | tfpost apply\n  tfpost apply -- terraform apply -auto-approve plan.out"
    )]
    Apply(RunArgs),
    /// Tee `terraform fmt -check -diff` output, report the unformatted files and their diffs.
    #[command(after_help = "Example:\n  tfpost fmt -- terraform fmt -check -diff -recursive")]
    Fmt(RunArgs),
    /// Print a shell completion script to stdout.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout.
    Man,
    /// Parse a plan or apply output and print the message that would be posted; posts nothing.
    Render(RenderArgs),
    /// List the repository's Terraform roots, one path a line (for a CI fan-out).
    #[command(
        after_help = "Examples:\n  tfpost roots\n  tfpost roots --changed-since origin/main --json"
    )]
    Roots(RootsArgs),
    /// Post one comment summing up every root's latest plan or apply on the pull request
    /// (run once after the per-root jobs); edited in place on later runs.
    #[command(
        after_help = "Examples:\n  tfpost summary\n  tfpost summary --dry-run\n  tfpost summary --dry-run --model envs/prod=prod.json --model envs/dev=dev.plan.txt"
    )]
    Summary(SummaryArgs),
}

/// `tfpost summary`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// Sum up this saved run of ROOT instead of reading the pull request's comments: the JSON
    /// `tfpost parse` prints, or the plan or apply output itself; repeatable.
    #[arg(long = "model", value_name = "ROOT=FILE", value_parser = parse_model)]
    pub models: Vec<(String, PathBuf)>,
    /// Print the summary instead of posting it.
    #[arg(long)]
    pub dry_run: bool,
    /// Heading of the summary (default "Terraform summary").
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Where the summary goes: github (one comment, edited in place), slack (one message per
    /// run), stdout; comma-separated. Default: the config's `notify`, else every one that is
    /// set up.
    #[arg(long, value_name = "LIST", value_parser = parse_destination_list)]
    pub notify: Option<DestinationList>,
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub ci: CiArgs,
}

fn parse_model(text: &str) -> Result<(String, PathBuf), String> {
    match text.split_once('=') {
        Some((root, file)) if !root.is_empty() && !file.is_empty() => {
            Ok((root.to_string(), PathBuf::from(file)))
        }
        _ => Err(format!("expected ROOT=FILE, got `{text}`")),
    }
}

/// `tfpost roots`.
#[derive(Debug, Args)]
pub struct RootsArgs {
    /// Only the roots that the changes since the merge base of REF and HEAD affect (working
    /// tree and untracked files included): a file in the root, or in a local module it calls.
    #[arg(long, value_name = "REF")]
    pub changed_since: Option<String>,
    /// Print a JSON array of paths (e.g. for a GitHub Actions matrix) instead of one a line.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub config: ConfigArgs,
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

/// The options `plan`, `apply` and `fmt` share. Each can also be set in the config file; a flag
/// given here wins.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Where to post: comma-separated among github, slack, stdout [default: every target whose
    /// credentials are present; stdout outside CI].
    #[arg(long, value_name = "LIST", value_parser = parse_destination_list)]
    pub notify: Option<DestinationList>,
    /// Post nothing; write each message and its destination to stderr.
    #[arg(long)]
    pub dry_run: bool,
    /// Title shown in the message (templates: `title`).
    #[arg(long, value_name = "TEXT")]
    pub title: Option<String>,
    /// Free text shown in the message (templates: `message`).
    #[arg(long, value_name = "TEXT")]
    pub message: Option<String>,
    /// A value for templates (`vars.KEY`); repeatable.
    #[arg(long = "var", value_name = "KEY=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// A template file replacing the built-in one.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// GitHub: edit tfpost's current comment for this target instead of posting a new one and
    /// hiding the old (`--patch=false` turns off the config's `github.patch`).
    #[arg(long, value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    pub patch: Option<bool>,
    /// GitHub: a comment over GitHub's size limit is cut (`truncate`) or posted whole in as many
    /// comments as it takes (`split`) [config: github.overflow; default: truncate].
    #[arg(long, value_enum, value_name = "MODE")]
    pub overflow: Option<OverflowArg>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// A failed post never changes the exit code (it is still reported on stderr).
    #[arg(long)]
    pub ignore_notify_errors: bool,
    /// Say more on stderr about what tfpost does.
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Only errors on stderr.
    #[arg(short, long)]
    pub quiet: bool,
    #[command(flatten)]
    pub ci: CiArgs,
    /// The command to run and tee (wrap mode); without it, stdin is read (pipe mode).
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<OsString>,
}

impl RunArgs {
    /// The settings these flags ask for; config fills what they leave unset.
    pub fn settings(&self, kind: RunKind) -> RunSettings {
        RunSettings {
            kind,
            notify: self.notify.clone().map(|list| list.0),
            dry_run: self.dry_run,
            title: self.title.clone(),
            message: self.message.clone(),
            vars: self.vars.iter().cloned().collect(),
            template: self.template.clone(),
            patch: self.patch,
            overflow: self.overflow.map(|mode| match mode {
                OverflowArg::Truncate => Overflow::Truncate,
                OverflowArg::Split => Overflow::Split,
            }),
            config: self.config.config.clone(),
            ignore_notify_errors: self.ignore_notify_errors,
            verbosity: if self.quiet {
                Verbosity::Quiet
            } else if self.verbose {
                Verbosity::Verbose
            } else {
                Verbosity::Normal
            },
            overrides: self.ci.overrides(),
        }
    }
}

/// What can still be read off a `plan` / `apply` / `fmt` command line that clap rejected: enough
/// to pass Terraform's output through as a run would (masked by the same config) before the error
/// is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRun {
    pub kind: RunKind,
    /// `--config FILE` when it can be read off the arguments.
    pub config: Option<PathBuf>,
    /// A command follows `--` (wrap mode).
    pub wraps_command: bool,
}

impl RejectedRun {
    /// `args` are the arguments after the program name. `None` for any other subcommand.
    pub fn of(args: &[OsString]) -> Option<RejectedRun> {
        let (subcommand, rest) = args.split_first()?;
        let kind = match subcommand.to_str()? {
            "plan" => RunKind::Plan,
            "apply" => RunKind::Apply,
            "fmt" => RunKind::Fmt,
            _ => return None,
        };
        let separator = rest.iter().position(|arg| arg == "--");
        let options = &rest[..separator.unwrap_or(rest.len())];
        let mut config = None;
        for (i, arg) in options.iter().enumerate() {
            let Some(arg) = arg.to_str() else { continue };
            if let Some(path) = arg.strip_prefix("--config=") {
                config = Some(PathBuf::from(path));
            } else if arg == "--config" {
                config = options.get(i + 1).map(PathBuf::from);
            }
        }
        Some(RejectedRun {
            kind,
            config,
            wraps_command: separator.is_some_and(|at| at + 1 < rest.len()),
        })
    }

    /// The settings of a run with every option at its default but the config file.
    pub fn settings(&self) -> RunSettings {
        RunSettings {
            config: self.config.clone(),
            ..RunSettings::new(self.kind)
        }
    }
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
    #[command(flatten)]
    pub config: ConfigArgs,
    #[command(flatten)]
    pub ci: CiArgs,
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

impl From<KindArg> for Kind {
    fn from(kind: KindArg) -> Kind {
        match kind {
            KindArg::Plan => Kind::Plan,
            KindArg::Apply => Kind::Apply,
        }
    }
}

/// `--overflow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OverflowArg {
    Truncate,
    Split,
}

fn parse_var(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_string(), value.to_string())),
        _ => Err(format!("expected KEY=VALUE, got `{text}`")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(args: &[&str]) -> Option<RejectedRun> {
        RejectedRun::of(&args.iter().map(OsString::from).collect::<Vec<_>>())
    }

    #[test]
    fn a_rejected_run_keeps_its_kind_config_and_mode() {
        let run = rejected(&["plan", "--labels=false", "--config", "ci.yaml"]).unwrap();
        assert_eq!(run.kind, RunKind::Plan);
        assert_eq!(run.config, Some(PathBuf::from("ci.yaml")));
        assert!(!run.wraps_command);
        let run = rejected(&["fmt", "--config=a.yaml", "--bad", "--", "terraform", "fmt"]).unwrap();
        assert_eq!(run.kind, RunKind::Fmt);
        assert_eq!(run.config, Some(PathBuf::from("a.yaml")));
        assert!(run.wraps_command);
        // `--config` after `--` belongs to the command.
        let run = rejected(&["apply", "--x", "--", "tool", "--config", "b"]).unwrap();
        assert_eq!(run.config, None);
        assert_eq!(rejected(&["parse", "--bad"]), None);
        assert_eq!(rejected(&[]), None);
    }
}
