//! Configuration: a `tfpost.yaml` (or a tfcmt / tfnotify config, read as it is) plus the
//! environment plus flags, folded into one [`Config`].
//!
//! Loading is two passes over the file. The first deserialises the text as written, so a wrong
//! key or type is reported with file, line and key path; the second expands `$VAR` / `${VAR}` in
//! string values (from the [`Env`] passed in, never `std::env`) and deserialises again.

mod expand;
pub mod gotemplate;
mod legacy;
mod mask;
mod trust;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::ci::{CiOverrides, Platform};
use crate::env::Env;
use crate::notify::DestinationId;
pub use crate::notify::github::Overflow;
pub use crate::notify::github::config::{GithubConfig, Label, LabelsConfig};
pub use crate::notify::gitlab::config::GitlabConfig;
pub use crate::notify::slack::config::{SlackChannels, SlackConfig, SlackMention};

pub use expand::expand;
pub use legacy::ConfigWarning;
pub use mask::{MASK, MaskStream, Masker};
pub use trust::{ALLOW_ENV, CI_VARIABLES, Origin};
use trust::{FoundConfigVariables, Variables};

/// The effective configuration of a run.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
#[schemars(title = "tfpost configuration")]
pub struct Config {
    /// Where to post: `github`, `slack`, `stdout` (one, or a list). Unset: every target whose
    /// credentials are present, or `stdout` outside CI.
    #[serde(deserialize_with = "one_or_many_opt")]
    #[schemars(with = "Option<OneOrMany<DestinationId>>")]
    pub notify: Option<Vec<DestinationId>>,
    /// Overrides of the detected CI context, for platforms tfpost does not know or hides.
    pub ci: CiConfig,
    /// Title shown at the top of each message (`--title`).
    pub title: Option<String>,
    /// Free text shown under the title (`--message`).
    pub message: Option<String>,
    /// Values templates see as `vars.NAME` (`--var NAME=VALUE` adds and wins).
    pub vars: BTreeMap<String, String>,
    /// Exit 0 even when a notification fails (the failure is still reported on stderr).
    pub ignore_notify_errors: bool,
    /// GitHub pull-request / commit comments.
    pub github: GithubConfig,
    /// GitLab merge-request notes.
    pub gitlab: GitlabConfig,
    /// Slack messages.
    pub slack: SlackConfig,
    /// Values hidden everywhere tfpost writes or posts, the tee'd output included.
    pub mask: MaskConfig,
    /// User templates (minijinja) replacing the built-in ones.
    pub templates: TemplatesConfig,
    /// Terraform roots `tfpost roots` lists even though another root calls them as a module
    /// (paths relative to the repository root).
    pub roots: Vec<String>,
}

/// `ci:` overrides; every field wins over detection, and flags win over these.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CiConfig {
    /// Read this platform's variables even when its marker variable is missing.
    pub platform: Option<Platform>,
    /// Repository owner.
    pub owner: Option<String>,
    /// Repository name, or `owner/name`.
    pub repo: Option<String>,
    /// Pull request number (a number, or a string such as `$PR_NUMBER` that expands to one).
    pub pr: Option<PrNumber>,
    /// Commit SHA.
    pub sha: Option<String>,
    /// Branch.
    pub branch: Option<String>,
    /// Link to the build log.
    pub build_url: Option<String>,
}

/// A PR number as written in YAML: `42` or `"$PR_NUMBER"`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(
    untagged,
    expecting = "a pull request number, or a string such as \"$PR_NUMBER\" that expands to one"
)]
pub enum PrNumber {
    Number(u64),
    Text(String),
}

/// A value or a list of values (`when: destroy` or `when: [destroy, error]`).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

pub(crate) fn one_or_many<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    // Deserialised through a YAML value so a bad item keeps its own message
    // ("unknown variant `sometimes`, expected one of ...") instead of an untagged-enum one.
    let value = serde_yaml_ng::Value::deserialize(d)?;
    match value {
        serde_yaml_ng::Value::Sequence(_) => {
            Vec::<T>::deserialize(value).map_err(serde::de::Error::custom)
        }
        other => T::deserialize(other)
            .map(|one| vec![one])
            .map_err(serde::de::Error::custom),
    }
}

fn one_or_many_opt<'de, D, T>(d: D) -> Result<Option<Vec<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    one_or_many(d).map(Some)
}

/// What to hide.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MaskConfig {
    /// Names of environment variables whose values are hidden.
    pub env: Vec<String>,
    /// Regular expressions (Rust `regex` syntax) whose matches are hidden.
    pub patterns: Vec<String>,
}

/// User templates, minijinja source text. Unset: the built-in template.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct TemplatesConfig {
    /// A plan.
    pub plan: Option<String>,
    /// A plan that destroys something (tfnotify's `when_destroy.template`); `plan` when unset.
    pub plan_destroy: Option<String>,
    /// An apply.
    pub apply: Option<String>,
    /// Output tfpost could not parse.
    pub parse_failure: Option<String>,
}

/// A credential: serialises and debug-prints as `***` so it cannot leak through
/// `config show`, logs or error messages.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (an unset `$VAR`).
    pub fn is_empty(&self) -> bool {
        self.0.trim().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"***\"")
    }
}

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(if self.is_empty() { "" } else { "***" })
    }
}

/// Which tool's format a config file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigFormat {
    Tfpost,
    Tfcmt,
    Tfnotify,
}

impl fmt::Display for ConfigFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConfigFormat::Tfpost => "tfpost",
            ConfigFormat::Tfcmt => "tfcmt",
            ConfigFormat::Tfnotify => "tfnotify",
        })
    }
}

/// A config and where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    /// The file read, or `None` when there was none (defaults).
    pub path: Option<PathBuf>,
    pub format: Option<ConfigFormat>,
    /// Whether the pipeline named the file (trusted) or tfpost found it in the checkout.
    pub origin: Option<Origin>,
    /// Other configs found in parent directories whose `mask:` entries were added.
    pub masks_from: Vec<PathBuf>,
    /// What was ignored or could not be translated (tfcmt/tfnotify keys, template features):
    /// the caller prints them on stderr.
    pub warnings: Vec<ConfigWarning>,
}

/// Why a config cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}{}: {message}", path.display(), location(*line, *column))]
    Syntax {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
    },
    #[error("{}{}: key `{key}`: {message}", path.display(), location(*line, *column))]
    Invalid {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        key: String,
        message: String,
    },
    /// A variable the pipeline sets (`TFCMT_MASKS`) that tfpost cannot use.
    #[error("environment variable {name}: {message}")]
    Environment { name: String, message: String },
}

fn location(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!(":{l}:{c}"),
        (Some(l), None) => format!(":{l}"),
        _ => String::new(),
    }
}

/// File names looked up, by format, in order of preference.
const TFPOST_NAMES: [&str; 4] = ["tfpost.yaml", "tfpost.yml", ".tfpost.yaml", ".tfpost.yml"];
const TFCMT_NAMES: [&str; 4] = ["tfcmt.yaml", "tfcmt.yml", ".tfcmt.yaml", ".tfcmt.yml"];
const TFNOTIFY_NAMES: [&str; 4] = [
    "tfnotify.yaml",
    "tfnotify.yml",
    ".tfnotify.yaml",
    ".tfnotify.yml",
];

/// Finds the config file for `cwd`: a tfpost config in `cwd` or any parent up to the repository
/// root (the directory holding `.git`), else a tfcmt config the same way, else a tfnotify one.
/// Outside a git repository only `cwd` is searched, so a stray file in `/` or `$HOME` is
/// never picked up.
pub fn find(cwd: &Path) -> Option<(PathBuf, ConfigFormat)> {
    let dirs = search_dirs(cwd);
    [
        (&TFPOST_NAMES, ConfigFormat::Tfpost),
        (&TFCMT_NAMES, ConfigFormat::Tfcmt),
        (&TFNOTIFY_NAMES, ConfigFormat::Tfnotify),
    ]
    .into_iter()
    .find_map(|(names, format)| {
        dirs.iter().find_map(|dir| {
            names
                .iter()
                .map(|n| dir.join(n))
                .find(|p| p.is_file())
                .map(|p| (p, format))
        })
    })
}

fn search_dirs(cwd: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for dir in cwd.ancestors() {
        dirs.push(dir.to_path_buf());
        if dir.join(".git").exists() {
            return dirs;
        }
    }
    vec![cwd.to_path_buf()]
}

/// The variables naming a config file, in order of preference after `--config`.
pub const CONFIG_VARIABLES: [&str; 2] = ["TFPOST_CONFIG", "TFCMT_CONFIG"];

/// Loads the config: the file the pipeline names (`explicit`, i.e. `--config FILE`, else
/// `TFPOST_CONFIG`, else `TFCMT_CONFIG`), trusted as a whole; else the file [`find`] finds,
/// which may only change presentation ([`trust`]) and whose parents' `mask:` entries are added;
/// else defaults. Environment values fill what the file leaves unset.
pub fn load(explicit: Option<&Path>, cwd: &Path, env: &Env) -> Result<LoadedConfig, ConfigError> {
    let named = explicit.map(Path::to_path_buf).or_else(|| {
        CONFIG_VARIABLES
            .iter()
            .find_map(|name| env.get(name).map(|v| PathBuf::from(v.trim())))
    });
    let mut loaded = match named {
        Some(path) => {
            let path = if path.is_absolute() {
                path
            } else {
                cwd.join(path)
            };
            let text = read(&path)?;
            let format = format_of(&path, &text);
            let (config, warnings) = parse_any(&text, &path, format, env)?;
            LoadedConfig {
                config,
                path: Some(path),
                format: Some(format),
                origin: Some(Origin::Named),
                masks_from: Vec::new(),
                warnings,
            }
        }
        None => match find(cwd) {
            Some((path, format)) => load_found(&path, format, cwd, env)?,
            None => LoadedConfig {
                config: Config::default(),
                path: None,
                format: None,
                origin: None,
                masks_from: Vec::new(),
                warnings: Vec::new(),
            },
        },
    };
    // tfcmt's variables, set by the pipeline, are read whatever the file's format.
    legacy::env::fill(&mut loaded.config, env);
    if let Some(error) = legacy::env::masks(env).1.into_iter().next() {
        return Err(ConfigError::Environment {
            name: "TFCMT_MASKS".into(),
            message: error.to_string(),
        });
    }
    loaded.config.fill_from_env(env);
    Ok(loaded)
}

/// A config found in the checkout: read with [`trust`]'s limits, plus the `mask:` entries of
/// every other tfpost config between it and the repository root, so a nested file never drops
/// the masks of the one above it.
fn load_found(
    path: &Path,
    format: ConfigFormat,
    cwd: &Path,
    env: &Env,
) -> Result<LoadedConfig, ConfigError> {
    let (mut config, mut warnings) = parse_found(path, format, env)?;
    let mut masks_from = Vec::new();
    for outer in search_dirs(cwd)
        .iter()
        .flat_map(|dir| TFPOST_NAMES.iter().map(move |n| dir.join(n)))
        .filter(|p| p.is_file() && p.as_path() != path)
    {
        let (outer_config, outer_warnings) = parse_found(&outer, ConfigFormat::Tfpost, env)?;
        warnings.extend(outer_warnings);
        let mask = &mut config.mask;
        for name in outer_config.mask.env {
            if !mask.env.contains(&name) {
                mask.env.push(name);
            }
        }
        for pattern in outer_config.mask.patterns {
            if !mask.patterns.contains(&pattern) {
                mask.patterns.push(pattern);
            }
        }
        masks_from.push(outer);
    }
    Ok(LoadedConfig {
        config,
        path: Some(path.to_path_buf()),
        format: Some(format),
        origin: Some(Origin::Found),
        masks_from,
        warnings,
    })
}

fn parse_found(
    path: &Path,
    format: ConfigFormat,
    env: &Env,
) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
    let text = read(path)?;
    let variables = FoundConfigVariables::new(env);
    let (mut config, mut warnings) = parse_any(&text, path, format, &variables)?;
    warnings.extend(variables.warnings(&text, path));
    warnings.extend(trust::restrict(&mut config, env, &text, path));
    Ok((config, warnings))
}

fn parse_any(
    text: &str,
    path: &Path,
    format: ConfigFormat,
    variables: &dyn Variables,
) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
    match format {
        ConfigFormat::Tfpost => Ok((parse_tfpost_with(text, path, variables)?, Vec::new())),
        ConfigFormat::Tfcmt | ConfigFormat::Tfnotify => {
            legacy::parse(text, path, format, variables)
        }
    }
}

fn read(path: &Path) -> Result<String, ConfigError> {
    std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })
}

/// The format of a file given with `--config`: by its name, else by its keys (`notifier:` is
/// tfnotify's, `terraform:` without it tfcmt's).
fn format_of(path: &Path, text: &str) -> ConfigFormat {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name.contains("tfcmt") {
        return ConfigFormat::Tfcmt;
    }
    if name.contains("tfnotify") {
        return ConfigFormat::Tfnotify;
    }
    if name.contains("tfpost") {
        return ConfigFormat::Tfpost;
    }
    let top_keys: Vec<String> = match serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text) {
        Ok(serde_yaml_ng::Value::Mapping(m)) => m
            .keys()
            .filter_map(|k| k.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    if top_keys.iter().any(|k| k == "notifier") {
        ConfigFormat::Tfnotify
    } else if top_keys.iter().any(|k| {
        matches!(
            k.as_str(),
            "terraform" | "embedded_var_names" | "repo_owner" | "repo_name" | "ghe_base_url"
        )
    }) {
        ConfigFormat::Tfcmt
    } else {
        ConfigFormat::Tfpost
    }
}

/// Parses a tfpost.yaml the pipeline trusts (every variable expands).
pub fn parse_tfpost(text: &str, path: &Path, env: &Env) -> Result<Config, ConfigError> {
    parse_tfpost_with(text, path, env)
}

fn parse_tfpost_with(
    text: &str,
    path: &Path,
    variables: &dyn Variables,
) -> Result<Config, ConfigError> {
    // Pass 1, on the text as written: structure errors with line and key.
    let _: Config = deserialize_located(text, path)?;
    // Pass 2: expand variables in string values (templates are left alone: `$` is theirs).
    let mut value: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(text).map_err(|e| syntax(path, &e))?;
    if value.is_null() {
        return Ok(Config::default());
    }
    // Label names are templates too.
    expand_values(&mut value, variables, &["templates", "name"]);
    let config: Config = serde_path_to_error::deserialize(value).map_err(|e| {
        let key = e.path().to_string();
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line: line_of_key(text, &key),
            column: None,
            key,
            message: format!("{} (after expanding environment variables)", e.inner()),
        }
    })?;
    config.validate(path).map_err(|e| with_line(e, text))?;
    Ok(config)
}

/// Adds the line of the key to an error found after parsing (expanded values, validation).
fn with_line(err: ConfigError, text: &str) -> ConfigError {
    match err {
        ConfigError::Invalid {
            path,
            line: None,
            column,
            key,
            message,
        } => ConfigError::Invalid {
            path,
            line: line_of_key(text, &key),
            column,
            key,
            message,
        },
        other => other,
    }
}

/// The 1-based line where the last segment of a dotted `key` (`github.labels.destroy.color`,
/// `mask.patterns[0]`) is written, looking for each segment after its parent: enough to point
/// a user at it without a YAML parser that keeps spans.
pub(crate) fn line_of_key(text: &str, key: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut from = 0usize;
    for segment in key.split('.') {
        let segment = segment.split('[').next().unwrap_or(segment);
        let found = lines.iter().enumerate().skip(from).find(|(_, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            t.starts_with(&format!("{segment}:"))
                || t.starts_with(&format!("\"{segment}\":"))
                || t.contains(&format!("{{{segment}:"))
                || t.contains(&format!(" {segment}:"))
        })?;
        from = found.0;
    }
    Some(from + 1)
}

/// Deserialises YAML text, reporting errors with line, column and the key path.
pub(crate) fn deserialize_located<T: serde::de::DeserializeOwned + Default>(
    text: &str,
    path: &Path,
) -> Result<T, ConfigError> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    let de = serde_yaml_ng::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        let (line, column) = inner
            .location()
            .map_or((None, None), |l| (Some(l.line()), Some(l.column())));
        let mut message = inner.to_string();
        // serde_yaml appends " at line L column C"; the location is already in front.
        if let Some(pos) = message.find(" at line ") {
            message.truncate(pos);
        }
        // serde_path_to_error's path includes an unknown key itself.
        let key = e.path().to_string();
        // serde_yaml_ng puts the (parent) path in front of its message; the key is said
        // separately.
        if let Some((prefix, rest)) = message.split_once(": ")
            && !prefix.contains(' ')
            && key.starts_with(prefix)
        {
            message = rest.to_string();
        }
        if key == "." && line.is_some() && message.contains("did not find expected") {
            return ConfigError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message,
            };
        }
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            key,
            message,
        }
    })
}

fn syntax(path: &Path, e: &serde_yaml_ng::Error) -> ConfigError {
    let mut message = e.to_string();
    if let Some(pos) = message.find(" at line ") {
        message.truncate(pos);
    }
    ConfigError::Syntax {
        path: path.to_path_buf(),
        line: e.location().map(|l| l.line()),
        column: e.location().map(|l| l.column()),
        message,
    }
}

/// Expands variables in every string of `value`, except under the mapping keys in `skip`;
/// `variables` decides, by key, which variables may be read.
pub(crate) fn expand_values(
    value: &mut serde_yaml_ng::Value,
    variables: &dyn Variables,
    skip: &[&str],
) {
    expand_at(value, variables, skip, "");
}

fn expand_at(
    value: &mut serde_yaml_ng::Value,
    variables: &dyn Variables,
    skip: &[&str],
    key_path: &str,
) {
    use serde_yaml_ng::Value;
    match value {
        Value::String(s) => {
            *s = expand::expand_with(s, |name| variables.lookup(key_path, name));
        }
        Value::Sequence(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                expand_at(item, variables, skip, &format!("{key_path}[{i}]"));
            }
        }
        Value::Mapping(map) => {
            for (k, v) in map.iter_mut() {
                let Some(k) = k.as_str() else {
                    expand_at(v, variables, skip, key_path);
                    continue;
                };
                if skip.contains(&k) {
                    continue;
                }
                let child = if key_path.is_empty() {
                    k.to_string()
                } else {
                    format!("{key_path}.{k}")
                };
                expand_at(v, variables, skip, &child);
            }
        }
        Value::Tagged(t) => expand_at(&mut t.value, variables, skip, key_path),
        _ => {}
    }
}

impl Config {
    /// Checks what types alone cannot: PR numbers, label colours, mask regexes.
    pub fn validate(&self, path: &Path) -> Result<(), ConfigError> {
        let invalid = |key: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            line: None,
            column: None,
            key: key.to_string(),
            message,
        };
        self.ci_overrides().map_err(|m| invalid("ci.pr", m))?;
        let labels = &self.github.labels;
        for (key, label) in [
            ("github.labels.add_or_update", &labels.add_or_update),
            ("github.labels.destroy", &labels.destroy),
            ("github.labels.no_changes", &labels.no_changes),
            ("github.labels.error", &labels.error),
        ] {
            let c = label.color.trim_start_matches('#');
            if c.len() != 6 || !c.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(invalid(
                    &format!("{key}.color"),
                    format!(
                        "`{}` is not a colour of 6 hex digits (like `d93f0b`)",
                        label.color
                    ),
                ));
            }
        }
        for (i, p) in self.mask.patterns.iter().enumerate() {
            if let Err(e) = regex::Regex::new(p) {
                return Err(invalid(&format!("mask.patterns[{i}]"), e.to_string()));
            }
        }
        Ok(())
    }

    /// The `ci:` section as overrides for [`crate::ci::resolve`]; an error names a PR value that
    /// is not a number.
    pub fn ci_overrides(&self) -> Result<CiOverrides, String> {
        let non_empty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let pr = match &self.ci.pr {
            None => None,
            Some(PrNumber::Number(n)) => Some(*n),
            Some(PrNumber::Text(t)) if t.trim().is_empty() => None,
            Some(PrNumber::Text(t)) => Some(
                crate::ci::parse_pr_number(t)
                    .ok_or_else(|| format!("`{t}` is not a pull request number"))?,
            ),
        };
        Ok(CiOverrides {
            platform: self.ci.platform,
            owner: non_empty(&self.ci.owner),
            repo: non_empty(&self.ci.repo),
            pr,
            sha: non_empty(&self.ci.sha),
            branch: non_empty(&self.ci.branch),
            build_url: non_empty(&self.ci.build_url),
        })
    }

    /// Fills what the file leaves unset from the environment SPEC documents: each
    /// destination's section fills its own (`GITHUB_TOKEN`, `SLACK_WEBHOOK_URL`, ...).
    pub fn fill_from_env(&mut self, env: &Env) {
        crate::notify::fill_from_env(self, env);
    }

    /// The masker for this config's `mask:` section and the secrets it holds.
    pub fn masker(&self, env: &Env) -> Masker {
        let mut values: Vec<String> = self
            .mask
            .env
            .iter()
            .filter_map(|name| env.get(name).map(str::to_string))
            .collect();
        // Every destination declares the credentials of its section when it registers.
        values.extend(
            crate::notify::secrets(self)
                .into_iter()
                .map(|secret| secret.expose().to_string()),
        );
        // tfcmt's `TFCMT_MASKS`: its usable items, even when another is wrong (`load` says so).
        let (tool, _) = legacy::env::masks(env);
        values.extend(tool.values);
        let mut patterns = self.mask.patterns.clone();
        patterns.extend(tool.patterns);
        // Patterns were checked by `validate` and `legacy::env::masks`.
        Masker::new(values, &patterns).unwrap_or_default()
    }

    /// The effective config as YAML with every secret shown as `***` and every masked value
    /// hidden (`tfpost config show`).
    pub fn to_masked_yaml(&self, env: &Env) -> String {
        let yaml = serde_yaml_ng::to_string(self).unwrap_or_default();
        self.masker(env).mask_str(&yaml).into_owned()
    }
}

/// The JSON Schema of `tfpost.yaml` (`tfpost config schema`).
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Config)).unwrap_or_default()
}

#[cfg(test)]
mod tests;
