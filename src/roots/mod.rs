//! The Terraform roots of a repository, and which of them a change affects (`tfpost roots`).
//!
//! A Terraform directory is one holding configuration files (`.tf`, `.tf.json`, and OpenTofu's
//! `.tofu`, `.tofu.json`). A root is a Terraform directory that no other one calls as a local
//! module (`source = "../modules/x"`), plus any the config names. A change affects a root when
//! a changed file lies in the root (in it or below it, outside any other Terraform directory), or
//! in a local module the root calls, directly or through other modules.
//!
//! [`Repository::scan`] reads the files; everything after it is plain data, so the rules are
//! tested without a file system.

pub mod changes;
pub mod hcl;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// Why a Terraform directory could not be read as intended.
#[derive(Debug, thiserror::Error)]
pub enum RootsError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{0}` (named in the config's `roots:`) is not a directory of the repository")]
    NamedRootMissing(String),
    #[error("`{0}` (named in the config's `roots:`) is outside the repository")]
    NamedRootOutside(String),
}

/// A Terraform directory: its path relative to the repository root (`.` for the root itself,
/// `/`-separated) and the local modules it calls, resolved to such paths.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TerraformDir {
    pub calls: BTreeSet<String>,
}

/// A problem found while reading the repository that does not stop the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file, relative to the repository root.
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.file, self.line, self.message)
        } else {
            write!(f, "{}: {}", self.file, self.message)
        }
    }
}

/// The Terraform directories of a repository and the local module calls between them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Repository {
    pub dirs: BTreeMap<String, TerraformDir>,
    /// Module calls whose target could not be followed (not a Terraform directory, outside the
    /// repository, or a templated source), and files that could not be parsed.
    pub findings: Vec<Finding>,
}

/// Which directories to skip while scanning: tool caches and VCS data.
fn skipped(name: &str) -> bool {
    name.starts_with('.') || name == "node_modules"
}

fn is_terraform_file(name: &str) -> bool {
    [".tf", ".tf.json", ".tofu", ".tofu.json"]
        .iter()
        .any(|ext| name.ends_with(ext) && name.len() > ext.len())
}

impl Repository {
    /// Reads every Terraform directory under `root`. Hidden directories (`.git`, `.terraform`,
    /// `.terragrunt-cache`) and `node_modules` are skipped; symbolic links are not followed.
    pub fn scan(root: &Path) -> Result<Self, RootsError> {
        let mut files: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        let mut pending = vec![root.to_path_buf()];
        while let Some(dir) = pending.pop() {
            let entries = std::fs::read_dir(&dir).map_err(|source| RootsError::Read {
                path: dir.clone(),
                source,
            })?;
            for entry in entries {
                let entry = entry.map_err(|source| RootsError::Read {
                    path: dir.clone(),
                    source,
                })?;
                let Ok(file_type) = entry.file_type() else {
                    continue;
                };
                let name = entry.file_name().to_string_lossy().into_owned();
                if file_type.is_dir() {
                    if !skipped(&name) {
                        pending.push(entry.path());
                    }
                } else if file_type.is_file() && is_terraform_file(&name) {
                    let path = entry.path();
                    let text = std::fs::read(&path).map_err(|source| RootsError::Read {
                        path: path.clone(),
                        source,
                    })?;
                    let rel = relative(root, &dir);
                    files
                        .entry(rel)
                        .or_default()
                        .push((name, String::from_utf8_lossy(&text).into_owned()));
                }
            }
        }
        Ok(Self::from_files(files))
    }

    /// Builds the repository from file texts by directory (relative, `/`-separated): the part of
    /// [`Repository::scan`] that reads no disk.
    pub fn from_files(files: BTreeMap<String, Vec<(String, String)>>) -> Self {
        let mut repo = Repository::default();
        let mut raw_calls: Vec<(String, String, usize, String)> = Vec::new();
        for (dir, texts) in &files {
            repo.dirs.entry(dir.clone()).or_default();
            for (name, text) in texts {
                let file = join(dir, name);
                let calls = if name.ends_with(".json") {
                    match hcl::module_calls_json(text) {
                        Ok(calls) => calls,
                        Err(err) => {
                            repo.findings.push(Finding {
                                file,
                                line: err.line(),
                                message: format!(
                                    "not valid JSON, its module calls are unknown: {err}"
                                ),
                            });
                            continue;
                        }
                    }
                } else {
                    hcl::module_calls(text)
                };
                for call in calls {
                    match (call.local_source(), &call.source) {
                        (Some(source), _) => {
                            raw_calls.push((dir.clone(), file.clone(), call.line, source.to_string()))
                        }
                        (None, None) => repo.findings.push(Finding {
                            file: file.clone(),
                            line: call.line,
                            message: format!(
                                "module `{}`: its source is not a plain string, so changes to it cannot be followed",
                                call.name
                            ),
                        }),
                        (None, Some(_)) => {} // a registry or remote module: not in this repository
                    }
                }
            }
        }
        for (dir, file, line, source) in raw_calls {
            match resolve(&dir, &source) {
                Some(target) if repo.dirs.contains_key(&target) => {
                    if let Some(caller) = repo.dirs.get_mut(&dir) {
                        caller.calls.insert(target);
                    }
                }
                Some(target) => repo.findings.push(Finding {
                    file,
                    line,
                    message: format!(
                        "module source `{source}` ({target}) holds no Terraform files"
                    ),
                }),
                None => repo.findings.push(Finding {
                    file,
                    line,
                    message: format!("module source `{source}` leaves the repository"),
                }),
            }
        }
        repo
    }

    /// The roots: Terraform directories no other one calls, plus `named` (relative paths from the
    /// config), sorted.
    pub fn roots(&self, named: &[String]) -> Result<Vec<String>, RootsError> {
        let called: BTreeSet<&String> = self.dirs.values().flat_map(|d| &d.calls).collect();
        let mut roots: BTreeSet<String> = self
            .dirs
            .keys()
            .filter(|dir| !called.contains(dir))
            .cloned()
            .collect();
        for name in named {
            let path = resolve(".", &format!("./{}", name.trim_end_matches('/')))
                .ok_or_else(|| RootsError::NamedRootOutside(name.clone()))?;
            if !self.dirs.contains_key(&path) {
                return Err(RootsError::NamedRootMissing(name.clone()));
            }
            roots.insert(path);
        }
        Ok(roots.into_iter().collect())
    }

    /// The Terraform directory a file belongs to: the deepest one holding it, if any.
    pub fn owner_of(&self, file: &str) -> Option<&str> {
        let mut dir = parent(file);
        loop {
            if let Some((key, _)) = self.dirs.get_key_value(dir) {
                return Some(key);
            }
            if dir == "." {
                return None;
            }
            dir = parent(dir);
        }
    }

    /// The `roots` that `changed_files` (relative paths) affect, in the order of `roots`.
    pub fn affected<'a>(&self, roots: &'a [String], changed_files: &[String]) -> Vec<&'a String> {
        let changed_dirs: BTreeSet<&str> = changed_files
            .iter()
            .filter_map(|f| self.owner_of(f))
            .collect();
        roots
            .iter()
            .filter(|root| {
                self.closure(root)
                    .iter()
                    .any(|dir| changed_dirs.contains(dir.as_str()))
            })
            .collect()
    }

    /// `dir` and every local module it calls, transitively (a cycle ends the walk).
    pub fn closure(&self, dir: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut pending = vec![dir.to_string()];
        while let Some(next) = pending.pop() {
            if !seen.insert(next.clone()) {
                continue;
            }
            if let Some(d) = self.dirs.get(&next) {
                pending.extend(d.calls.iter().cloned());
            }
        }
        seen
    }
}

/// What `tfpost roots` prints: the roots of the repository holding `cwd` (or of `cwd` outside
/// one), all of them or those the changes since `changed_since` affect, and the findings to
/// warn about.
pub fn list(
    cwd: &Path,
    named: &[String],
    changed_since: Option<&str>,
) -> Result<(Vec<String>, Vec<Finding>), ListError> {
    let top = changes::repository_root(cwd);
    if changed_since.is_some() && top.is_none() {
        return Err(ListError::NotARepository(cwd.to_path_buf()));
    }
    let top = top.unwrap_or_else(|| cwd.to_path_buf());
    let repo = Repository::scan(&top)?;
    let roots = repo.roots(named)?;
    let roots = match changed_since {
        None => roots,
        Some(reference) => {
            let files = changes::changed_since(&top, reference)?;
            repo.affected(&roots, &files).into_iter().cloned().collect()
        }
    };
    Ok((roots, repo.findings))
}

/// Why `tfpost roots` could not list.
#[derive(Debug, thiserror::Error)]
pub enum ListError {
    #[error(transparent)]
    Roots(#[from] RootsError),
    #[error(transparent)]
    Changes(#[from] changes::ChangesError),
    #[error("--changed-since needs a git repository, and {0} is not in one")]
    NotARepository(PathBuf),
}

fn relative(root: &Path, dir: &Path) -> String {
    let rel = dir.strip_prefix(root).unwrap_or(dir);
    let parts: Vec<String> = rel
        .components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir == "." {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => &path[..i],
        None => ".",
    }
}

/// `source` (`./x`, `../y/z`) seen from `dir`, as a normalised relative path; `None` when it
/// climbs above the repository root.
fn resolve(dir: &str, source: &str) -> Option<String> {
    let mut parts: Vec<&str> = if dir == "." {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    // A local source may name a subdirectory with `//`; it is still one path on disk.
    for part in source.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(files: &[(&str, &str)]) -> Repository {
        let mut by_dir: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (path, text) in files {
            let dir = parent(path).to_string();
            let name = path.rsplit('/').next().unwrap_or(path).to_string();
            by_dir
                .entry(dir)
                .or_default()
                .push((name, (*text).to_string()));
        }
        Repository::from_files(by_dir)
    }

    fn module(source: &str) -> String {
        format!("module \"m\" {{\n  source = \"{source}\"\n}}\n")
    }

    #[test]
    fn resolve_normalises_and_refuses_to_leave_the_repository() {
        assert_eq!(
            resolve("envs/prod", "../../modules/net").as_deref(),
            Some("modules/net")
        );
        assert_eq!(
            resolve("envs/prod", "./sub/").as_deref(),
            Some("envs/prod/sub")
        );
        assert_eq!(resolve(".", "./a/./b").as_deref(), Some("a/b"));
        assert_eq!(resolve("a", "..").as_deref(), Some("."));
        assert_eq!(resolve(".", "../outside"), None);
    }

    #[test]
    fn modules_called_by_others_are_not_roots() {
        let r = repo(&[
            ("envs/prod/main.tf", &module("../../modules/app")),
            ("envs/dev/main.tf", &module("../../modules/app")),
            ("modules/app/main.tf", &module("../db")),
            (
                "modules/db/main.tf",
                "resource \"null_resource\" \"x\" {}\n",
            ),
            ("modules/unused/main.tf", "variable \"x\" {}\n"),
        ]);
        assert_eq!(
            r.roots(&[]).unwrap(),
            vec!["envs/dev", "envs/prod", "modules/unused"]
        );
        // A module the config names is a root too.
        assert_eq!(
            r.roots(&["modules/db/".to_string()]).unwrap(),
            vec!["envs/dev", "envs/prod", "modules/db", "modules/unused"]
        );
        assert!(matches!(
            r.roots(&["nope".to_string()]),
            Err(RootsError::NamedRootMissing(_))
        ));
        assert!(matches!(
            r.roots(&["../x".to_string()]),
            Err(RootsError::NamedRootOutside(_))
        ));
    }

    #[test]
    fn changes_reach_every_root_calling_the_module_transitively() {
        let r = repo(&[
            ("envs/prod/main.tf", &module("../../modules/app")),
            ("envs/dev/main.tf", &module("../../modules/app")),
            (
                "envs/other/main.tf",
                "resource \"null_resource\" \"x\" {}\n",
            ),
            ("modules/app/main.tf", &module("../db")),
            (
                "modules/db/main.tf",
                "resource \"null_resource\" \"x\" {}\n",
            ),
        ]);
        let roots = r.roots(&[]).unwrap();
        let affected = |files: &[&str]| {
            let files: Vec<String> = files.iter().map(|s| s.to_string()).collect();
            r.affected(&roots, &files)
                .into_iter()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(
            affected(&["modules/db/main.tf"]),
            vec!["envs/dev", "envs/prod"]
        );
        // A non-Terraform file inside a module's tree belongs to that module.
        assert_eq!(
            affected(&["modules/db/policies/x.json"]),
            vec!["envs/dev", "envs/prod"]
        );
        assert_eq!(
            affected(&["envs/other/.terraform.lock.hcl"]),
            vec!["envs/other"]
        );
        assert_eq!(affected(&["README.md", "docs/x.md"]), Vec::<String>::new());
        assert_eq!(affected(&[]), Vec::<String>::new());
    }

    #[test]
    fn a_nested_root_owns_its_own_files() {
        let r = repo(&[
            ("main.tf", "resource \"null_resource\" \"x\" {}\n"),
            ("nested/main.tf", "resource \"null_resource\" \"y\" {}\n"),
        ]);
        let roots = r.roots(&[]).unwrap();
        assert_eq!(roots, vec![".", "nested"]);
        let files = vec!["nested/main.tf".to_string()];
        assert_eq!(r.affected(&roots, &files), vec!["nested"]);
        let files = vec!["other/readme.md".to_string()];
        assert_eq!(r.affected(&roots, &files), vec!["."]);
    }

    #[test]
    fn module_cycles_end_and_broken_calls_are_reported() {
        let r = repo(&[
            ("root/main.tf", &module("../a")),
            ("a/main.tf", &module("../b")),
            ("b/main.tf", &module("../a")),
            (
                "c/main.tf",
                &format!("{}{}", module("../missing"), module("../../out")),
            ),
            ("d/main.tf.json", "{oops"),
        ]);
        assert_eq!(r.closure("root").len(), 3);
        let messages: Vec<String> = r.findings.iter().map(|f| f.to_string()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].starts_with("d/main.tf.json:1: not valid JSON"));
        assert!(messages[1].contains("c/main.tf:1: module source `../missing` (missing)"));
        assert!(
            messages[2].contains("c/main.tf:4: module source `../../out` leaves the repository")
        );
    }
}
