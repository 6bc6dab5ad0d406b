//! What the runner does when something is wrong before Terraform's output is even parsed: a
//! command line tfpost cannot read, an empty input. The log is never lost, and nothing misleading
//! is posted.

use std::path::{Path, PathBuf};

use assert_cmd::Command as Cmd;

const TFPOST: &str = env!("CARGO_BIN_EXE_tfpost");

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// tfpost outside CI with no credentials, in `dir`: nothing can be posted anywhere.
fn tfpost(dir: &Path, args: &[&str]) -> Cmd {
    let mut cmd = Cmd::new(TFPOST);
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(dir)
        .args(args);
    cmd
}

/// A plan with bytes a careless copy would change: invalid UTF-8, a NUL, CRLF, colour, and no
/// final newline.
fn awkward_plan() -> Vec<u8> {
    let mut bytes = std::fs::read(fixture("tf-1.15.5/mixed.plan.txt")).unwrap();
    bytes.extend_from_slice(b"\xff\xfe\x00 \x1b[1mbold\x1b[0m\r\nno newline at the end");
    bytes
}

#[test]
fn a_mistyped_flag_in_pipe_mode_still_passes_the_whole_output_through() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["plan", "apply", "fmt"] {
        let input = awkward_plan();
        let out = tfpost(dir.path(), &[kind, "--labels=false"])
            .write_stdin(input.clone())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{kind}: {stderr}");
        assert!(
            out.stdout == input,
            "{kind}: stdout is not the input: {stderr}"
        );
        assert!(
            stderr.contains("unexpected argument '--labels'"),
            "{stderr}"
        );
        assert!(
            stderr.contains("nothing was parsed or posted")
                && stderr.contains("passed through to stdout unchanged"),
            "{stderr}"
        );
    }
    // A bad value is a command-line error too.
    let input = awkward_plan();
    let out = tfpost(dir.path(), &["plan", "--pr", "abc"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout == input);
    assert!(String::from_utf8_lossy(&out.stderr).contains("`abc` is not a pull request number"));
}

#[test]
fn a_mistyped_flag_still_masks_what_the_config_hides() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ci.yaml"),
        "mask:\n  patterns: ['hunter2[0-9]+']\n",
    )
    .unwrap();
    let input = b"password = hunter2024\nPlan: 1 to add, 0 to change, 0 to destroy.\n".to_vec();
    let out = tfpost(dir.path(), &["plan", "--config", "ci.yaml", "--bogus"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "password = ***\nPlan: 1 to add, 0 to change, 0 to destroy.\n"
    );
}

#[test]
fn a_mistyped_flag_in_wrap_mode_does_not_start_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let out = tfpost(
        dir.path(),
        &["plan", "--labels=false", "--", "sh", "-c", "touch ran"],
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument '--labels'"));
    assert!(!dir.path().join("ran").exists(), "the command ran");
}

#[test]
fn help_and_version_still_print_and_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let out = tfpost(dir.path(), &["plan", "--help"])
        .write_stdin("ignored")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Usage: tfpost plan"));
    tfpost(dir.path(), &["--version"]).assert().success();
}

#[test]
fn empty_or_blank_input_posts_nothing_and_says_where_the_errors_went() {
    let dir = tempfile::tempdir().unwrap();
    for input in ["", "\n", "  \n\t\r\n"] {
        for kind in ["plan", "apply"] {
            // `--notify stdout` would print the comment after the output: nothing may be there.
            let out = tfpost(dir.path(), &[kind, "--notify", "stdout"])
                .write_stdin(input)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{kind} {input:?}: {stderr}");
            assert_eq!(out.stdout, input.as_bytes(), "{kind} {input:?}: {stderr}");
            assert!(
                stderr.contains("nothing was read on stdin") && stderr.contains("2>&1"),
                "{stderr}"
            );
        }
    }
    // `terraform fmt -check` prints nothing when every file is formatted: a success.
    let out = tfpost(dir.path(), &["fmt", "--notify", "stdout"])
        .write_stdin("")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
