//! The process environment as a plain map, read once in `main` and passed down.
//!
//! Nothing below `main` calls `std::env::var`: tests build an [`Env`] from a literal list of
//! variables, exactly as a CI platform would set them.

use std::collections::BTreeMap;

/// Environment variables by name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Env {
    vars: BTreeMap<String, String>,
}

impl Env {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// The environment of this process. Names or values that are not valid Unicode are
    /// converted lossily: no CI variable tfpost reads is anything but ASCII.
    pub fn from_process() -> Self {
        std::env::vars_os()
            .map(|(k, v)| {
                (
                    k.to_string_lossy().into_owned(),
                    v.to_string_lossy().into_owned(),
                )
            })
            .collect()
    }

    /// The value of `name`, or `None` when it is unset or empty. CI platforms often define a
    /// variable as empty rather than leave it out (`CIRCLE_PULL_REQUEST=`), and an empty value
    /// never means anything to tfpost.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// The value of `name` even when empty (for `$VAR` expansion, where set-but-empty and unset
    /// both expand to nothing).
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// Whether `name` is set to a true value (`true`, `True`, `TRUE`, `1`, `yes`).
    pub fn is_true(&self, name: &str) -> bool {
        self.get(name)
            .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
    }

    /// Sets `name` (tests, and callers that add derived variables).
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.vars.insert(name.into(), value.into());
    }

    /// Every variable, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Env {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self {
            vars: iter
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_values_count_as_unset() {
        let env: Env = [("A", ""), ("B", "  "), ("C", "x")].into_iter().collect();
        assert_eq!(env.get("A"), None);
        assert_eq!(env.get("B"), None);
        assert_eq!(env.get("C"), Some("x"));
        assert_eq!(env.raw("A"), Some(""));
    }

    #[test]
    fn truthy_values() {
        let env: Env = [("A", "True"), ("B", "false"), ("C", "1")]
            .into_iter()
            .collect();
        assert!(env.is_true("A"));
        assert!(!env.is_true("B"));
        assert!(env.is_true("C"));
        assert!(!env.is_true("D"));
    }
}
