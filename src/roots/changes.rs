//! The files a pull request changes, from git: everything that differs between the merge base
//! of `REF` and `HEAD` and the working tree, untracked files included, so a local run before
//! committing sees the same roots CI will.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why the changed files could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ChangesError {
    #[error("cannot run git: {0}")]
    Spawn(std::io::Error),
    #[error(
        "git cannot find a common ancestor of `{reference}` and HEAD: {stderr}\n\
         hint: CI checkouts are often shallow or hold one branch only; fetch the base first, \
         e.g. `git fetch origin main` (with enough depth to reach the branch point), \
         then pass `--changed-since origin/main`"
    )]
    NoMergeBase { reference: String, stderr: String },
    #[error("`git {args}` failed: {stderr}")]
    Git { args: String, stderr: String },
}

/// The directory holding `.git` at or above `dir`, if any.
pub fn repository_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The files changed since the merge base of `reference` and `HEAD`, relative to `repo`,
/// `/`-separated. Renames count as a deletion plus an addition, so both directories are affected.
pub fn changed_since(repo: &Path, reference: &str) -> Result<Vec<String>, ChangesError> {
    // `--end-of-options` keeps a reference starting with `-` from being read as a flag.
    let base = git(repo, &["merge-base", "--end-of-options", reference, "HEAD"]).map_err(
        |err| match err {
            ChangesError::Git { stderr, .. } => ChangesError::NoMergeBase {
                reference: reference.to_string(),
                stderr,
            },
            other => other,
        },
    )?;
    let base = String::from_utf8_lossy(&base).trim().to_string();
    let mut files = split_nul(&git(
        repo,
        &["diff", "--name-only", "-z", "--no-renames", &base, "--"],
    )?);
    files.extend(split_nul(&git(
        repo,
        &["ls-files", "--others", "--exclude-standard", "-z"],
    )?));
    files.sort();
    files.dedup();
    Ok(files)
}

fn split_nul(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|part| !part.is_empty())
        .map(|part| String::from_utf8_lossy(part).into_owned())
        .collect()
}

fn git(repo: &Path, args: &[&str]) -> Result<Vec<u8>, ChangesError> {
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        // Paths exactly as stored, not quoted with octal escapes.
        .args(["-c", "core.quotePath=false"])
        .args(args)
        .output()
        .map_err(ChangesError::Spawn)?;
    if output.status.success() {
        Ok(output.stdout)
    } else {
        Err(ChangesError::Git {
            args: args.join(" "),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        })
    }
}
