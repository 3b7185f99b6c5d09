//! Command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostic::Severity;

#[derive(Parser, Debug)]
#[command(
    name = "sentrylint",
    version,
    about = "Lint and migrate self-hosted Sentry installs kept in Git",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Lint installs: folders holding docker-compose.yml, files inside them, or folders to walk
    Check(CheckArgs),
    /// Show the upgrade path to a release: its hard stops and what each step changes
    Plan(PlanArgs),
    /// Show (or --write) the next step of an upgrade (--to), or the safe fixes of `check` findings
    Fix(FixArgs),
    /// List the rules
    Rules(RulesArgs),
    /// Print a rule's documentation
    Rule {
        /// Code (SL101) or name (replay-consumer-missing)
        code: String,
    },
    /// Print a shell completion script: `sentrylint completions bash > /etc/bash_completion.d/sentrylint`
    Completions {
        /// The shell to complete in
        shell: clap_complete::Shell,
    },
}

#[derive(Args, Debug, Default)]
pub struct CheckArgs {
    /// Deployment roots, files of installs, or folders to search [default: .]; `-` reads one file from standard input
    pub paths: Vec<PathBuf>,
    /// With `-`: the path of the file on standard input (the report names it; its install's other files are read from disk)
    #[arg(long, value_name = "PATH")]
    pub stdin_filename: Option<PathBuf>,
    #[command(flatten)]
    pub common: CommonArgs,
}

#[derive(Args, Debug, Default, Clone)]
pub struct CommonArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only these rules (codes, prefixes like SL1, or names), comma-separated
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub select: Vec<String>,
    /// Skip these rules (codes, prefixes or names), comma-separated
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Exit 1 when a finding of at least this severity is reported
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// The install's Sentry release, overriding detection from SENTRY_IMAGE
    #[arg(long, value_name = "VERSION")]
    pub sentry_version: Option<String>,
    /// The release the team is heading to: also warn about what breaks there
    #[arg(long, value_name = "VERSION")]
    pub target_version: Option<String>,
    /// When to use colour
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    #[command(flatten)]
    pub config: ConfigArgs,
}

/// Which config file applies; flags given on the command line replace its values.
#[derive(Args, Debug, Default, Clone)]
pub struct ConfigArgs {
    /// Use this config file instead of the nearest sentrylint.toml or .sentrylint.toml
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Use no config file
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Reports with source snippets and a summary
    #[default]
    Human,
    /// One line per finding: path:line:col: severity CODE message
    Concise,
    /// Machine-readable findings (schema in the README)
    Json,
    /// GitHub Actions annotations, most severe first; with GITHUB_STEP_SUMMARY set, also the job summary
    Github,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    pub fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
pub struct PlanArgs {
    /// The release to reach
    #[arg(long, value_name = "VERSION")]
    pub to: String,
    /// Deployment roots, files of installs, or folders to search [default: .]
    pub paths: Vec<PathBuf>,
    /// The install's Sentry release, overriding detection from SENTRY_IMAGE
    #[arg(long, value_name = "VERSION")]
    pub sentry_version: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Args, Debug)]
pub struct FixArgs {
    /// Deployment roots, files of installs, or folders to search [default: .]
    pub paths: Vec<PathBuf>,
    /// Migrate toward this release: the next step of the plan (one deployable release)
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,
    /// Write the changes (atomically: all files or none) instead of printing the diff
    #[arg(long)]
    pub write: bool,
    /// Also apply changes that need a human (each says why)
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// With --to: write every step of the plan as a patch file in this folder, changing nothing
    #[arg(long, value_name = "DIR", requires = "to", conflicts_with = "write")]
    pub patches: Option<PathBuf>,
    /// The install's Sentry release, overriding detection from SENTRY_IMAGE
    #[arg(long, value_name = "VERSION")]
    pub sentry_version: Option<String>,
    /// Only fixes of these rules (codes, prefixes or names), comma-separated
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CODES",
        conflicts_with = "to"
    )]
    pub select: Vec<String>,
    /// Skip fixes of these rules, comma-separated
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "CODES",
        conflicts_with = "to"
    )]
    pub ignore: Vec<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
    #[command(flatten)]
    pub config: ConfigArgs,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    pub format: ListFormat,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Human,
    Json,
}
