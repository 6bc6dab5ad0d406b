//! Names the build in `tfpost --version`: the commit it was built from and the target triple, so a
//! bug report or a CI log says exactly which binary ran.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=TFPOST_BUILD_COMMIT");
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let commit = std::env::var("TFPOST_BUILD_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| git_commit(&manifest_dir))
        .or_else(|| packaged_commit(&manifest_dir))
        .map(|c| c.trim().chars().take(12).collect::<String>())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=TFPOST_BUILD_COMMIT={commit}");
    // TARGET is always set for build scripts; a missing one would only ever be a cargo bug.
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown-target".to_owned());
    println!("cargo:rustc-env=TFPOST_BUILD_TARGET={target}");
}

/// The checkout's HEAD, when the crate is built from its own repository (not from a crate
/// unpacked somewhere inside another one).
fn git_commit(manifest_dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(manifest_dir)
            .args(args)
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let toplevel = git(&["rev-parse", "--show-toplevel"])?;
    if Path::new(&toplevel).canonicalize().ok()? != manifest_dir.canonicalize().ok()? {
        return None;
    }
    // Rebuild the version string when HEAD moves: HEAD itself, the branch it points at, and
    // packed-refs (where a branch's ref may live instead). Only existing files are named,
    // since cargo reruns a build script on every build for a path that does not exist.
    let mut watched = vec![git(&["rev-parse", "--git-path", "HEAD"])];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(git(&["rev-parse", "--git-path", &branch]));
    }
    watched.push(git(&["rev-parse", "--git-path", "packed-refs"]));
    for path in watched.into_iter().flatten() {
        let path = manifest_dir.join(path);
        if path.exists() {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    git(&["rev-parse", "HEAD"])
}

/// The commit `cargo package` recorded in `.cargo_vcs_info.json`, for a build of the published
/// crate (`cargo install tfpost`), which has no repository around it.
fn packaged_commit(manifest_dir: &Path) -> Option<String> {
    let info = std::fs::read_to_string(manifest_dir.join(".cargo_vcs_info.json")).ok()?;
    // {"git": {"sha1": "<40 hex digits>", ...}, "path_in_vcs": ""}
    let start = info.find("\"sha1\"")?;
    let rest = &info[start + "\"sha1\"".len()..];
    let open = rest.find('"')? + 1;
    let sha = rest[open..].split('"').next()?;
    (sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit())).then(|| sha.to_owned())
}
