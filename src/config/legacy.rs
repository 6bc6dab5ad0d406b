//! tfcmt and tfnotify configs, read as they are and mapped onto [`Config`].
//!
//! Both tools grew their formats over many versions (tfcmt's `ci: circleci` string and
//! `repo_owner`, tfnotify's `notifier.github.repository`), so these files are read as a YAML
//! tree rather than a strict struct: every key tfpost understands is mapped, every other one is
//! reported as a warning, never an error, so a working tfcmt setup keeps working.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use super::gotemplate::{self, TranslateOptions};
use super::trust::Variables;
use super::{Config, ConfigError, ConfigFormat, Label, PrNumber, Secret};
use crate::notify::{self, DestinationId};

/// Something in a config that tfpost ignored or could not translate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

/// Parses a tfcmt or tfnotify config into a tfpost [`Config`] and warnings.
pub fn parse(
    text: &str,
    path: &Path,
    format: ConfigFormat,
    env: &dyn Variables,
) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
    let mut root: Value = serde_yaml_ng::from_str(text).map_err(|e| super::syntax(path, &e))?;
    if root.is_null() {
        return Ok((Config::default(), Vec::new()));
    }
    if !root.is_mapping() {
        return Err(ConfigError::Invalid {
            path: path.to_path_buf(),
            line: Some(1),
            column: Some(1),
            key: ".".into(),
            message: format!("a {format} config is a mapping of keys"),
        });
    }
    // Both tools expand variables over the whole file; templates are left alone here because
    // `$` means something in Go templates (`$var`, `$.Vars`).
    super::expand_values(&mut root, env, &["template", "templates", "label"]);
    let mut reader = Reader {
        text,
        path,
        format,
        config: Config::default(),
        warnings: Vec::new(),
    };
    reader.read(&root)?;
    let config = reader.config;
    config.validate(path)?;
    Ok((config, reader.warnings))
}

struct Reader<'a> {
    text: &'a str,
    path: &'a Path,
    format: ConfigFormat,
    config: Config,
    warnings: Vec<ConfigWarning>,
}

fn get<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

fn string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Reader<'_> {
    fn warn(&mut self, key: &str, message: impl Into<String>) {
        let line = self.line_of_key(key);
        self.warnings.push(ConfigWarning {
            path: self.path.to_path_buf(),
            line,
            message: message.into(),
        });
    }

    fn line_of_key(&self, key: &str) -> Option<usize> {
        super::line_of_key(self.text, key)
    }

    fn bool_at(&self, root: &Value, path: &[&str]) -> Result<Option<bool>, ConfigError> {
        match get(root, path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(Some(s == "true")),
            Some(other) => Err(self.invalid(
                &path.join("."),
                format!("expected true or false, found {other:?}"),
            )),
        }
    }

    fn invalid(&self, key: &str, message: String) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: self.line_of_key(key),
            column: None,
            key: key.to_string(),
            message,
        }
    }

    fn read(&mut self, root: &Value) -> Result<(), ConfigError> {
        let known_top = [
            "ci",
            "notifier",
            "terraform",
            "repository",
            "repo_owner",
            "repo_name",
            "embedded_var_names",
            "templates",
            "vars",
            "ghe_base_url",
            "ghe_graphql_endpoint",
            "plan_patch",
            "log",
            "complement",
            "mask",
        ];
        if let Value::Mapping(m) = root {
            for k in m.keys().filter_map(Value::as_str) {
                if !known_top.contains(&k) {
                    self.warn(
                        k,
                        format!("`{k}` is not a {} key tfpost reads; ignored", self.format),
                    );
                }
            }
        }
        self.read_ci(root);
        self.read_github(root)?;
        self.read_slack(root);
        if let Some(Value::Mapping(vars)) = root.get("vars") {
            for (k, v) in vars {
                if let (Some(k), Some(v)) = (k.as_str(), string(v)) {
                    self.config.vars.insert(k.to_string(), v);
                }
            }
        }
        if let Some(Value::Sequence(names)) = root.get("embedded_var_names") {
            self.config.github.embedded_var_names = names.iter().filter_map(string).collect();
        }
        for key in ["ghe_graphql_endpoint", "log", "complement"] {
            if root.get(key).is_some() {
                self.warn(
                    key,
                    format!("`{key}` is not needed by tfpost (it finds the GraphQL endpoint and CI variables itself); ignored"),
                );
            }
        }
        if root.get("mask").is_some() {
            self.warn("mask", "tfcmt's `mask` is not read; write `mask: {env: [...], patterns: [...]}` in a tfpost.yaml");
        }
        self.read_terraform(root)?;
        Ok(())
    }

    fn read_ci(&mut self, root: &Value) {
        // `ci: circleci` (tfnotify, tfcmt v1); tfcmt v2+ detects the platform itself.
        if let Some(name) = root.get("ci").and_then(string) {
            match name.parse() {
                Ok(p) => self.config.ci.platform = Some(p),
                Err(e) => self.warn("ci", format!("{e}; detecting the platform instead")),
            }
        }
        let repo =
            get(root, &["repository"]).or_else(|| get(root, &["notifier", "github", "repository"]));
        if let Some(repo) = repo {
            self.config.ci.owner = repo.get("owner").and_then(string);
            self.config.ci.repo = repo.get("name").and_then(string);
        }
        if let Some(owner) = root.get("repo_owner").and_then(string) {
            self.config.ci.owner = Some(owner);
        }
        if let Some(name) = root.get("repo_name").and_then(string) {
            self.config.ci.repo = Some(name);
        }
        if let Some(pr) = get(root, &["ci", "pr"]).and_then(string) {
            self.config.ci.pr = Some(PrNumber::Text(pr));
        }
    }

    fn read_github(&mut self, root: &Value) -> Result<(), ConfigError> {
        let github = get(root, &["notifier", "github"]);
        if self.format == ConfigFormat::Tfcmt || github.is_some() {
            self.add_target(notify::github::ID);
        }
        if let Some(token) = github.and_then(|g| g.get("token")).and_then(string) {
            self.config.github.token = Some(Secret::new(token));
        }
        let base = root
            .get("ghe_base_url")
            .or_else(|| github.and_then(|g| g.get("base_url")))
            .or_else(|| github.and_then(|g| g.get("api_url")))
            .and_then(string);
        if let Some(base) = base {
            self.config.github.api_url = Some(ghe_api_url(&base));
        }
        if let Some(patch) = self.bool_at(root, &["plan_patch"])? {
            self.config.github.patch = patch;
        }
        Ok(())
    }

    fn read_slack(&mut self, root: &Value) {
        let Some(slack) = get(root, &["notifier", "slack"]) else {
            return;
        };
        self.add_target(notify::slack::ID);
        if let Some(token) = slack.get("token").and_then(string) {
            self.config.slack.token = Some(Secret::new(token));
        }
        if let Some(channel) = slack.get("channel").and_then(string) {
            self.config.slack.channel = Some(channel);
        }
        if slack.get("bot").is_some() {
            self.warn(
                "notifier.slack.bot",
                "`bot` (the bot's display name) is set by the Slack app in tfpost; ignored",
            );
        }
        for other in ["gitlab", "typetalk"] {
            if get(root, &["notifier", other]).is_some() {
                self.warn(
                    &format!("notifier.{other}"),
                    format!("the {other} notifier is not supported by tfpost; ignored"),
                );
            }
        }
    }

    fn add_target(&mut self, target: DestinationId) {
        let targets = self.config.notify.get_or_insert_with(Vec::new);
        if !targets.contains(&target) {
            targets.push(target);
        }
    }

    fn read_terraform(&mut self, root: &Value) -> Result<(), ConfigError> {
        let Some(tf) = root.get("terraform") else {
            return Ok(());
        };
        let raw_output = self
            .bool_at(root, &["terraform", "use_raw_output"])?
            .unwrap_or(false);
        let mut named = std::collections::BTreeMap::new();
        if let Some(Value::Mapping(m)) = root.get("templates") {
            for (k, v) in m {
                if let (Some(k), Some(v)) = (k.as_str(), v.as_str()) {
                    named.insert(k.to_string(), v.to_string());
                }
            }
        }
        let opts = TranslateOptions { named, raw_output };
        let default = get(tf, &["default", "template"]).and_then(Value::as_str);
        let plan = get(tf, &["plan", "template"])
            .and_then(Value::as_str)
            .or(default);
        let apply = get(tf, &["apply", "template"])
            .and_then(Value::as_str)
            .or(default);
        self.config.templates.plan = self.translate("terraform.plan.template", plan, &opts);
        self.config.templates.apply = self.translate("terraform.apply.template", apply, &opts);
        self.config.templates.plan_destroy = self.translate(
            "terraform.plan.when_destroy.template",
            get(tf, &["plan", "when_destroy", "template"]).and_then(Value::as_str),
            &opts,
        );
        let parse_error = get(tf, &["plan", "when_parse_error", "template"])
            .map(|t| ("terraform.plan.when_parse_error.template", t))
            .or_else(|| {
                get(tf, &["apply", "when_parse_error", "template"])
                    .map(|t| ("terraform.apply.when_parse_error.template", t))
            });
        if let Some((key, t)) = parse_error {
            self.config.templates.parse_failure = self.translate(key, t.as_str(), &opts);
        }
        if get(tf, &["fmt"]).is_some() {
            self.warn(
                "terraform.fmt",
                "`terraform.fmt` templates are not read; `tfpost fmt` uses its built-in template",
            );
        }

        let label_opts = TranslateOptions {
            raw_output: true,
            ..opts.clone()
        };
        let mut translated_names = Vec::new();
        for when in [
            "when_add_or_update_only",
            "when_destroy",
            "when_no_changes",
            "when_plan_error",
        ] {
            let key = format!("terraform.plan.{when}.label");
            let name = plan_cfg_name(tf, when);
            translated_names.push(name.and_then(|n| self.translate(&key, Some(&n), &label_opts)));
        }
        let labels = &mut self.config.github.labels;
        let plan_cfg = get(tf, &["plan"]);
        for ((when, label), name) in [
            ("when_add_or_update_only", &mut labels.add_or_update),
            ("when_destroy", &mut labels.destroy),
            ("when_no_changes", &mut labels.no_changes),
            ("when_plan_error", &mut labels.error),
        ]
        .into_iter()
        .zip(translated_names)
        {
            let Some(w) = plan_cfg.and_then(|p| p.get(when)) else {
                continue;
            };
            apply_label(label, w, name);
        }
        if self.bool_at(root, &["terraform", "plan", "disable_label"])? == Some(true) {
            self.config.github.labels.enabled = false;
        }
        if self.bool_at(
            root,
            &["terraform", "plan", "when_no_changes", "disable_comment"],
        )? == Some(true)
        {
            self.config.github.comment_on_no_changes = false;
        }
        Ok(())
    }

    /// Translates one template, or warns and returns `None` (the built-in is used).
    fn translate(
        &mut self,
        key: &str,
        source: Option<&str>,
        opts: &TranslateOptions,
    ) -> Option<String> {
        let source = source?;
        match gotemplate::translate(source, opts) {
            Ok(t) => Some(t),
            Err(e) => {
                let line = self
                    .template_start_line(key, source)
                    .map(|start| start + e.line - 1);
                self.warnings.push(ConfigWarning {
                    path: self.path.to_path_buf(),
                    line,
                    message: format!(
                        "unsupported in {} template `{key}`: {}; the built-in template is used instead",
                        self.format, e.what
                    ),
                });
                None
            }
        }
    }

    /// The file line of the template's first line: block scalars hold their lines verbatim
    /// (indented), so the first non-blank line is found after the key.
    fn template_start_line(&self, key: &str, source: &str) -> Option<usize> {
        let key_line = self.line_of_key(key)?;
        let first = source.lines().find(|l| !l.trim().is_empty())?.trim();
        let lines: Vec<&str> = self.text.lines().collect();
        // An inline value (`template: '{{...}}'`) is on the key's own line.
        if lines.get(key_line - 1).is_some_and(|l| l.contains(first)) {
            return Some(key_line);
        }
        lines
            .iter()
            .enumerate()
            .skip(key_line)
            .find(|(_, l)| l.trim() == first)
            .map(|(i, _)| i + 1)
    }
}

fn plan_cfg_name(tf: &Value, when: &str) -> Option<String> {
    get(tf, &["plan", when, "label"]).and_then(string)
}

/// `name` is the label translated from tfcmt's Go template; `None` when it had none or could
/// not be translated (then the default stays).
fn apply_label(label: &mut Label, when: &Value, name: Option<String>) {
    if let Some(name) = name {
        label.name = name;
        label.enabled = true;
    }
    if let Some(color) = when.get("label_color").and_then(string) {
        label.color = color.trim_start_matches('#').to_string();
    }
    if when.get("disable_label").and_then(Value::as_bool) == Some(true) {
        label.enabled = false;
    }
}

/// tfcmt's `ghe_base_url` is the server (`https://ghe.example.com/`); tfpost wants the REST
/// base (`https://ghe.example.com/api/v3`).
fn ghe_api_url(base: &str) -> String {
    let base = base.trim().trim_end_matches('/');
    if base.ends_with("/api/v3") || base.contains("api.github.com") {
        base.to_string()
    } else {
        format!("{base}/api/v3")
    }
}
