//! The release archive of `dist/build.sh`: its contents and checksum, and its static binary in
//! empty root filesystems (the container image's and the bare archive's), where it must run,
//! render, resolve names and reach an HTTPS API with nothing but itself and its CA roots.

#[path = "support/dist.rs"]
mod dist;

use std::path::Path;
use std::process::Command;

use sha2::{Digest, Sha256};

const PLAN: &str = "fixtures/tf-1.15.5/kitchen-sink.plan.txt";

#[test]
fn archive_holds_the_binary_licenses_and_docs_and_matches_its_checksum() {
    let Some(archive) = dist::archive() else {
        return;
    };
    let bytes = std::fs::read(&archive).unwrap();
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let sums = std::fs::read_to_string(archive.with_extension("gz.sha256")).unwrap();
    assert_eq!(
        sums,
        format!("{digest}  {}\n", dist::archive_name()),
        "sha256sum -c format"
    );

    let listing = Command::new("tar")
        .arg("-tzvf")
        .arg(&archive)
        .output()
        .unwrap();
    assert!(listing.status.success());
    let listing = String::from_utf8(listing.stdout).unwrap();
    let stem = dist::archive_stem();
    let mut names: Vec<&str> = listing
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .filter(|n| !n.ends_with('/'))
        .collect();
    names.sort_unstable();
    let expected: Vec<String> = [
        "LICENSE-APACHE",
        "LICENSE-MIT",
        "README.md",
        "completions/tfpost.bash",
        "completions/tfpost.fish",
        "completions/tfpost.zsh",
        "tfpost",
        "tfpost.1",
    ]
    .iter()
    .map(|f| format!("{stem}/{f}"))
    .collect();
    assert_eq!(names, expected);
    // Owned by root, not by whoever built it, and executable.
    assert!(listing.lines().all(|l| l.contains("0/0")), "{listing}");
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("-rwxr-xr-x") && l.ends_with("/tfpost")),
        "{listing}"
    );
}

#[test]
fn static_binary_runs_renders_resolves_and_posts_in_empty_roots() {
    let Some(archive) = dist::archive() else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // What the host build renders: the static binary must say the same, byte for byte.
    // `render` prints what `plan` would post, so it reads the CI context and names the target:
    // neither may differ between the host and the empty roots (no CI variables there, `/` as
    // the working directory).
    let render = Command::new(env!("CARGO_BIN_EXE_tfpost"))
        .env_clear()
        .env("PATH", "/nonexistent")
        .arg("render")
        .arg(root.join(PLAN))
        .args(["--var", "target=plan"])
        .output()
        .unwrap();
    assert!(
        render.status.success(),
        "{}",
        String::from_utf8_lossy(&render.stderr)
    );
    let expected = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(expected.path(), &render.stdout).unwrap();

    // A network namespace of its own: DNS on 127.0.0.1:53 and the HTTPS webhook stay private to
    // the test. As root, a plain one (the image's user can be switched to); otherwise a user
    // namespace maps the caller to root, which chroot needs.
    // SAFETY: geteuid has no preconditions and cannot fail.
    let is_root = unsafe { libc::geteuid() } == 0;
    let mut unshare = Command::new("unshare");
    unshare.arg("--net");
    if !is_root {
        unshare.arg("--map-root-user").env("TFPOST_USERNS", "1");
    }
    let checked = unshare
        .arg("python3")
        .arg(root.join("tests/support/empty_root.py"))
        .arg("--archive")
        .arg(&archive)
        .arg("--plan")
        .arg(root.join(PLAN))
        .arg("--expected-render")
        .arg(expected.path())
        .args([
            "--version",
            env!("CARGO_PKG_VERSION"),
            "--target",
            env!("TFPOST_BUILD_TARGET"),
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}{}",
        String::from_utf8_lossy(&checked.stdout),
        String::from_utf8_lossy(&checked.stderr)
    );
}

#[test]
fn dockerfile_final_stage_is_the_tested_root_on_scratch() {
    // tests/support/empty_root.py runs dist/rootfs.sh's layout; the image must be exactly that.
    let dockerfile =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Dockerfile")).unwrap();
    let lines: Vec<&str> = dockerfile
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let last_from = lines.iter().rposition(|l| l.starts_with("FROM ")).unwrap();
    let final_stage = &lines[last_from..];
    assert_eq!(final_stage[0], "FROM scratch");
    let copies: Vec<&&str> = final_stage
        .iter()
        .filter(|l| l.starts_with("COPY") || l.starts_with("ADD"))
        .collect();
    assert_eq!(copies, [&"COPY --from=build /rootfs/ /"]);
    assert!(final_stage.contains(&"ENTRYPOINT [\"/usr/local/bin/tfpost\"]"));
    assert!(
        final_stage.iter().any(|l| l.starts_with("USER 65532")),
        "runs as a non-root user"
    );
    assert!(
        dockerfile.contains("bash dist/build.sh /out"),
        "the image's binary is the release build"
    );
    assert!(dockerfile.contains("bash dist/rootfs.sh /out/tfpost-*.tar.gz /rootfs"));
}
