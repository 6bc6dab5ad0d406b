//! The environment variables tfcmt reads, set by the pipeline (never by the pull request), so
//! a switch keeps them working: `TFCMT_MASKS` / `TFCMT_MASKS_SEPARATOR` (what to hide),
//! `TFCMT_GITHUB_TOKEN`, and `TFCMT_REPO_OWNER`, `TFCMT_REPO_NAME`, `TFCMT_SHA`,
//! `TFCMT_PR_NUMBER` (the CI context where the platform's own variables do not give it).
//! They are read whatever the config file's format, as tfcmt reads them without one.

use super::super::{Config, PrNumber, Secret};
use crate::env::Env;

/// tfcmt's default separator of `TFCMT_MASKS`.
const DEFAULT_SEPARATOR: &str = ",";

/// What `TFCMT_MASKS` asks to hide.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct ToolMasks {
    /// The values of the `env:NAME` variables that are set.
    pub values: Vec<String>,
    /// The `regexp:PATTERN` expressions.
    pub patterns: Vec<String>,
}

/// A `TFCMT_MASKS` item tfpost cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("TFCMT_MASKS item {position} (`{item}`): {reason}")]
pub struct MaskError {
    /// 1-based, so the item can be found when its text is itself masked in the message.
    pub position: usize,
    pub item: String,
    pub reason: String,
}

/// `TFCMT_MASKS`, split by `TFCMT_MASKS_SEPARATOR` (`,` when unset). Every usable item is
/// returned even when another is wrong, so the log is masked as far as it can be; the errors
/// come back beside it.
pub fn masks(env: &Env) -> (ToolMasks, Vec<MaskError>) {
    let mut masks = ToolMasks::default();
    let mut errors = Vec::new();
    let Some(list) = env.get("TFCMT_MASKS").filter(|l| !l.trim().is_empty()) else {
        return (masks, errors);
    };
    let separator = env
        .get("TFCMT_MASKS_SEPARATOR")
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_SEPARATOR);
    for (index, item) in list
        .split(separator)
        .filter(|i| !i.trim().is_empty())
        .enumerate()
    {
        let error = |reason: String| MaskError {
            position: index + 1,
            item: item.to_string(),
            reason,
        };
        match item.split_once(':') {
            Some(("env", name)) => {
                let name = name.trim();
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    errors.push(error(format!(
                        "`{name}` is not an environment variable name (items are separated by `{separator}`; set TFCMT_MASKS_SEPARATOR for another separator)"
                    )));
                } else if let Some(value) = env.get(name).filter(|v| !v.is_empty()) {
                    masks.values.push(value.to_string());
                }
            }
            Some(("regexp", pattern)) => match regex::Regex::new(pattern) {
                Ok(_) => masks.patterns.push(pattern.to_string()),
                Err(e) => {
                    // The text itself is still hidden: it may be the secret, written by mistake.
                    masks.values.push(pattern.to_string());
                    errors.push(error(format!("not a regular expression: {e}")));
                }
            },
            _ => errors.push(error("expected `env:NAME` or `regexp:PATTERN`".to_string())),
        }
    }
    (masks, errors)
}

/// Fills the config from tfcmt's variables: the token where tfpost's own variable is unset,
/// and the CI context over the file (tfcmt's flags read these variables, and flags win over
/// its config).
pub fn fill(config: &mut Config, env: &Env) {
    let set = |name: &str| env.get(name).map(str::trim).filter(|v| !v.is_empty());
    if config.github.token.as_ref().is_none_or(Secret::is_empty)
        && set("TFPOST_GITHUB_TOKEN").is_none()
        && let Some(token) = set("TFCMT_GITHUB_TOKEN")
    {
        config.github.token = Some(Secret::new(token));
    }
    if let Some(owner) = set("TFCMT_REPO_OWNER") {
        config.ci.owner = Some(owner.to_string());
    }
    if let Some(repo) = set("TFCMT_REPO_NAME") {
        config.ci.repo = Some(repo.to_string());
    }
    if let Some(sha) = set("TFCMT_SHA") {
        config.ci.sha = Some(sha.to_string());
    }
    if let Some(pr) = set("TFCMT_PR_NUMBER") {
        config.ci.pr = Some(PrNumber::Text(pr.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Env {
        pairs.iter().copied().collect()
    }

    #[test]
    fn masks_by_env_and_regexp_with_either_separator() {
        let e = env(&[
            ("TFCMT_MASKS", "env:DD_KEY,regexp:ghp_[^ ]+,env:UNSET"),
            ("DD_KEY", "dd-secret-1"),
        ]);
        let (m, errors) = masks(&e);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(m.values, vec!["dd-secret-1"]);
        assert_eq!(m.patterns, vec!["ghp_[^ ]+"]);
        let e = env(&[
            ("TFCMT_MASKS", "env:DD_KEY/regexp:a,b"),
            ("TFCMT_MASKS_SEPARATOR", "/"),
            ("DD_KEY", "dd-secret-1"),
        ]);
        let (m, errors) = masks(&e);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(m.patterns, vec!["a,b"]);
    }

    #[test]
    fn a_wrong_item_is_named_and_the_others_still_hide() {
        let e = env(&[
            ("TFCMT_MASKS", "env:A;env:B,regexp:(,token:x,env:B"),
            ("B", "b-secret"),
        ]);
        let (m, errors) = masks(&e);
        assert_eq!(m.values, vec!["(".to_string(), "b-secret".to_string()]);
        let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(
            said[0].contains("item 1 (`env:A;env:B`)") && said[0].contains("TFCMT_MASKS_SEPARATOR")
        );
        assert!(said[1].contains("not a regular expression"));
        assert!(said[2].contains("expected `env:NAME`"));
    }

    #[test]
    fn context_and_token_variables() {
        let mut config = Config::default();
        config.ci.owner = Some("from-file".into());
        fill(
            &mut config,
            &env(&[
                ("TFCMT_REPO_OWNER", "acme"),
                ("TFCMT_REPO_NAME", "infra"),
                ("TFCMT_SHA", "abc"),
                ("TFCMT_PR_NUMBER", "42"),
                ("TFCMT_GITHUB_TOKEN", "ghp_tfcmt"),
            ]),
        );
        assert_eq!(config.ci.owner.as_deref(), Some("acme"));
        assert_eq!(config.ci.repo.as_deref(), Some("infra"));
        assert_eq!(config.ci.sha.as_deref(), Some("abc"));
        assert_eq!(config.ci.pr, Some(PrNumber::Text("42".into())));
        assert_eq!(
            config.github.token.as_ref().map(Secret::expose),
            Some("ghp_tfcmt")
        );
        // tfpost's own token variable wins.
        let mut config = Config::default();
        fill(
            &mut config,
            &env(&[("TFCMT_GITHUB_TOKEN", "a"), ("TFPOST_GITHUB_TOKEN", "b")]),
        );
        assert!(config.github.token.is_none());
    }
}
