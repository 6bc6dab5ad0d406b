//! tfcmt and tfnotify configs, read as they are and mapped onto [`Config`].
//!
//! Both tools grew their formats over many versions (tfcmt's `ci: circleci` string and later
//! its `ci:` mapping, `repo_owner`, tfnotify's `notifier.github.repository`), so these files are
//! read as a YAML tree rather than a strict struct. [`keys`] lists every key either tool
//! documents: each one is read here or named in a warning with its line, and so is any key
//! neither tool knows, so nothing is dropped without a word; a working setup keeps working.

pub mod env;
mod keys;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_yaml_ng::Value;

use super::gotemplate::{self, TranslateOptions};
use super::trust::Variables;
use super::{Config, ConfigError, ConfigFormat, Label, PrNumber, Secret};
use crate::ci::Platform;
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

/// tfnotify's titles when `-title` (tfpost: `--title`) is not given: its templates print
/// `.Title`, and it is never empty there.
const TFNOTIFY_PLAN_TITLE: &str = "## Plan result";
const TFNOTIFY_APPLY_TITLE: &str = "## Apply result";
const TFNOTIFY_DESTROY_WARNING_TITLE: &str = "## :warning: Resource Deletion will happen :warning:";

/// tfnotify's comment when `terraform.plan.template` / `apply.template` is unset.
const TFNOTIFY_DEFAULT_TEMPLATE: &str = "
{{ .Title }}

{{ .Message }}

{{if .Result}}
<pre><code>{{ .Result }}
</code></pre>
{{end}}

<details><summary>Details (Click me)</summary>

<pre><code>{{ .Body }}
</code></pre></details>
";

/// Parses a tfcmt or tfnotify config into a tfpost [`Config`] and warnings.
pub fn parse(
    text: &str,
    path: &Path,
    format: ConfigFormat,
    env: &dyn Variables,
) -> Result<(Config, Vec<ConfigWarning>), ConfigError> {
    let mut root: Value = serde_yaml_ng::from_str(text).map_err(|e| super::syntax(path, &e))?;
    if root.is_null() {
        let mut config = Config::default();
        if format == ConfigFormat::Tfcmt {
            // tfcmt posts to GitHub with or without a config.
            config.notify = Some(vec![notify::github::ID]);
        }
        return Ok((config, Vec::new()));
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
    for (key, message) in keys::unread(&root, format) {
        reader.warn(&key, message);
    }
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

/// The CI platform for a name tfnotify or tfcmt v1 accepts in `ci:`.
fn platform(name: &str) -> Result<Platform, crate::ci::UnknownPlatform> {
    match name.trim().to_ascii_lowercase().as_str() {
        "circleci" | "circle-ci" => Ok(Platform::Circleci),
        "gitlabci" | "gitlab-ci" => Ok(Platform::GitlabCi),
        "travis" | "travisci" | "travis-ci" => Ok(Platform::TravisCi),
        "codebuild" => Ok(Platform::Codebuild),
        "teamcity" => Ok(Platform::Teamcity),
        "drone" => Ok(Platform::Drone),
        "jenkins" => Ok(Platform::Jenkins),
        "github-actions" => Ok(Platform::GithubActions),
        "cloud-build" | "cloudbuild" => Ok(Platform::CloudBuild),
        _ => name.parse(),
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
        self.read_ci(root);
        self.read_github(root)?;
        self.read_gitlab(root);
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
        self.read_terraform(root)?;
        Ok(())
    }

    fn read_ci(&mut self, root: &Value) {
        match root.get("ci") {
            // `ci: circleci` (tfnotify, tfcmt v1); tfcmt v2+ detects the platform itself.
            Some(Value::String(name)) if !name.trim().is_empty() => match platform(name) {
                Ok(p) => self.config.ci.platform = Some(p),
                Err(e) => self.warn("ci", format!("{e}; detecting the platform instead")),
            },
            Some(ci @ Value::Mapping(_)) => self.read_ci_definitions(ci),
            _ => {}
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
    }

    /// tfcmt's "custom environment variable definition": `ci.pr`, `owner`, `repo`, `sha`,
    /// `link` and `vars.NAME`, each a list of `{type, value}` tried in order, the first
    /// non-empty winning. `envsubst` values were expanded with the file; `template` values
    /// (Go templates over the environment) are not evaluated.
    fn read_ci_definitions(&mut self, ci: &Value) {
        for key in ["pr", "owner", "repo", "sha", "link"] {
            let Some(definitions) = ci.get(key) else {
                continue;
            };
            let Some(value) = self.first_defined(&format!("ci.{key}"), definitions) else {
                continue;
            };
            match key {
                "pr" => self.config.ci.pr = Some(PrNumber::Text(value)),
                "owner" => self.config.ci.owner = Some(value),
                "repo" => self.config.ci.repo = Some(value),
                "sha" => self.config.ci.sha = Some(value),
                _ => self.config.ci.build_url = Some(value),
            }
        }
        if let Some(Value::Mapping(vars)) = ci.get("vars") {
            for (name, definitions) in vars {
                let Some(name) = name.as_str() else { continue };
                if let Some(value) = self.first_defined(&format!("ci.vars.{name}"), definitions) {
                    self.config.vars.insert(name.to_string(), value);
                }
            }
        }
    }

    fn first_defined(&mut self, key: &str, definitions: &Value) -> Option<String> {
        let items: Vec<&Value> = match definitions {
            Value::Sequence(items) => items.iter().collect(),
            // A plain value, as a tfpost `ci:` would hold it.
            other => return string(other),
        };
        for item in items {
            let kind = item
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("envsubst");
            match kind {
                "envsubst" => {
                    if let Some(value) = item.get("value").and_then(string) {
                        return Some(value);
                    }
                }
                other => {
                    self.warn(
                        key,
                        format!(
                            "`{key}` definition of type `{other}` is not evaluated by tfpost (write it as type `envsubst`, `${{VAR}}`); ignored"
                        ),
                    );
                }
            }
        }
        None
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
            .and_then(string);
        if let Some(base) = base {
            self.config.github.api_url = Some(ghe_api_url(&base));
        }
        if let Some(patch) = self.bool_at(root, &["plan_patch"])? {
            self.config.github.patch = patch;
        }
        Ok(())
    }

    /// tfnotify's `notifier.gitlab`: the token, the server, and the project as owner/name.
    fn read_gitlab(&mut self, root: &Value) {
        let Some(gitlab) = get(root, &["notifier", "gitlab"]) else {
            return;
        };
        self.add_target(notify::gitlab::ID);
        let gitlab_config = &mut self.config.gitlab;
        if let Some(token) = gitlab.get("token").and_then(string) {
            gitlab_config.token = Some(Secret::new(token));
        }
        if let Some(base) = gitlab.get("base_url").and_then(string) {
            gitlab_config.api_url = Some(gitlab_api_url(&base));
        }
        let owner = get(gitlab, &["repository", "owner"]).and_then(string);
        let name = get(gitlab, &["repository", "name"]).and_then(string);
        if let (Some(owner), Some(name)) = (owner, name) {
            gitlab_config.project = Some(format!("{owner}/{name}"));
        }
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
        let text_at = |path: &[&str]| {
            get(tf, path)
                .and_then(Value::as_str)
                .filter(|t| !t.trim().is_empty())
        };
        let default = text_at(&["default", "template"]);
        let plan = text_at(&["plan", "template"]).or(default);
        let apply = text_at(&["apply", "template"]).or(default);
        let tfnotify = self.format == ConfigFormat::Tfnotify;
        self.config.templates.plan = self
            .translate("terraform.plan.template", plan, &opts)
            .map(|t| self.titled(t, TFNOTIFY_PLAN_TITLE));
        self.config.templates.apply = self
            .translate("terraform.apply.template", apply, &opts)
            .map(|t| self.titled(t, TFNOTIFY_APPLY_TITLE));
        let when_destroy = text_at(&["plan", "when_destroy", "template"]);
        if tfnotify {
            // tfnotify posts its destroy warning as a comment of its own before the plan's,
            // which stays as it is: here the warning heads the plan's comment.
            if let Some(warning) = when_destroy {
                self.config.templates.plan_destroy =
                    self.tfnotify_destroy_comment(warning, plan, &opts);
            }
        } else {
            // tfcmt's `when_destroy.template` is the whole comment of a plan that destroys.
            self.config.templates.plan_destroy =
                self.translate("terraform.plan.when_destroy.template", when_destroy, &opts);
        }
        let parse_error = text_at(&["plan", "when_parse_error", "template"])
            .map(|t| ("terraform.plan.when_parse_error.template", t))
            .or_else(|| {
                text_at(&["apply", "when_parse_error", "template"])
                    .map(|t| ("terraform.apply.when_parse_error.template", t))
            });
        if parse_error.is_some_and(|(key, _)| key.starts_with("terraform.plan"))
            && text_at(&["apply", "when_parse_error", "template"]).is_some()
        {
            self.warn(
                "terraform.apply.when_parse_error.template",
                "`terraform.apply.when_parse_error.template` is not used: tfpost has one template for output it cannot read, and `terraform.plan.when_parse_error.template` is used for both; ignored",
            );
        }
        if let Some((key, t)) = parse_error {
            self.config.templates.parse_failure = self
                .translate(key, Some(t), &opts)
                .map(|t| self.titled(t, TFNOTIFY_PLAN_TITLE));
        }

        let read: Vec<&str> = [plan, apply, when_destroy, parse_error.map(|(_, t)| t)]
            .into_iter()
            .flatten()
            .collect();
        for name in unused_templates(&opts.named, &read) {
            self.warn(
                &format!("templates.{name}"),
                format!("`templates.{name}` is not used by any template tfpost reads; ignored"),
            );
        }
        self.read_labels(root, tf, &opts)?;
        if self.bool_at(
            root,
            &["terraform", "plan", "when_no_changes", "disable_comment"],
        )? == Some(true)
        {
            self.config.github.comment_on_no_changes = false;
            self.config.gitlab.comment_on_no_changes = false;
        }
        if self.bool_at(
            root,
            &["terraform", "apply", "when_no_changes", "disable_comment"],
        )? == Some(true)
        {
            self.config.github.comment_on_unchanged_apply = false;
            self.config.gitlab.comment_on_unchanged_apply = false;
        }
        Ok(())
    }

    fn read_labels(
        &mut self,
        root: &Value,
        tf: &Value,
        opts: &TranslateOptions,
    ) -> Result<(), ConfigError> {
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
            let name = get(tf, &["plan", when, "label"]).and_then(string);
            translated_names.push(name.and_then(|n| self.translate(&key, Some(&n), &label_opts)));
        }
        let plan_cfg = get(tf, &["plan"]).cloned();
        let labels = &mut self.config.github.labels;
        for ((when, label), name) in [
            ("when_add_or_update_only", &mut labels.add_or_update),
            ("when_destroy", &mut labels.destroy),
            ("when_no_changes", &mut labels.no_changes),
            ("when_plan_error", &mut labels.error),
        ]
        .into_iter()
        .zip(translated_names)
        {
            let Some(w) = plan_cfg.as_ref().and_then(|p| p.get(when)) else {
                continue;
            };
            apply_label(label, w, name);
        }
        if self.bool_at(root, &["terraform", "plan", "disable_label"])? == Some(true) {
            self.config.github.labels.enabled = false;
        }
        // GitLab merge requests get the same labels, as tfnotify's GitLab notifier sets them.
        self.config.gitlab.labels = self.config.github.labels.clone();
        Ok(())
    }

    /// tfnotify prints its default title where `.Title` is unset; tfcmt has no title.
    fn titled(&self, template: String, default_title: &str) -> String {
        if self.format == ConfigFormat::Tfnotify {
            with_title(&template, default_title)
        } else {
            template
        }
    }

    /// The destroy warning (its own title and no message, as tfnotify sets them) followed by
    /// the plan's comment (the config's template, else tfnotify's default).
    fn tfnotify_destroy_comment(
        &mut self,
        warning: &str,
        plan: Option<&str>,
        opts: &TranslateOptions,
    ) -> Option<String> {
        let warning =
            self.translate("terraform.plan.when_destroy.template", Some(warning), opts)?;
        let plan = match plan {
            Some(plan) => self.translate("terraform.plan.template", Some(plan), opts)?,
            None => gotemplate::translate(TFNOTIFY_DEFAULT_TEMPLATE, opts).ok()?,
        };
        Some(format!(
            "{{% with title = {}, message = none %}}{warning}{{% endwith %}}\n{}",
            quoted(TFNOTIFY_DESTROY_WARNING_TITLE),
            with_title(&plan, TFNOTIFY_PLAN_TITLE)
        ))
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

/// The config's own `templates:` that no template tfpost reads calls, directly or through
/// another one (tfcmt's built-in names are overridden, so they count as called when a read
/// template calls them).
fn unused_templates<'n>(
    named: &'n std::collections::BTreeMap<String, String>,
    read: &[&str],
) -> Vec<&'n str> {
    let calls = |source: &str, name: &str| {
        source.contains(&format!("template \"{name}\""))
            || source.contains(&format!("template `{name}`"))
    };
    let mut used: Vec<&str> = Vec::new();
    let mut sources: Vec<&str> = read.to_vec();
    loop {
        let before = used.len();
        for (name, source) in named {
            if !used.contains(&name.as_str()) && sources.iter().any(|s| calls(s, name)) {
                used.push(name);
                sources.push(source);
            }
        }
        if used.len() == before {
            break;
        }
    }
    named
        .keys()
        .map(String::as_str)
        .filter(|name| !used.contains(name))
        .collect()
}

/// `template` seeing `title` as `default_title` when no title was given.
fn with_title(template: &str, default_title: &str) -> String {
    format!(
        "{{% with title = title or {} %}}{template}{{% endwith %}}",
        quoted(default_title)
    )
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
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

/// tfnotify's `notifier.gitlab.base_url` is the server (`https://gitlab.example.com`); tfpost
/// wants the REST v4 base.
fn gitlab_api_url(base: &str) -> String {
    let base = base.trim().trim_end_matches('/');
    if base.ends_with("/api/v4") {
        base.to_string()
    } else {
        format!("{base}/api/v4")
    }
}
