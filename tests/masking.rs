//! Masking end to end (config `mask:`), running the real binary: a secret Terraform prints never
//! reaches stdout, stderr or a message, in pipe and wrap mode, however the reads cut it; nothing
//! else in the output changes, prompts still show while Terraform waits, and without a mask the
//! tee stays byte for byte.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::Command;

const TFPOST: &str = env!("CARGO_BIN_EXE_tfpost");

/// The value `sensitive-update.plan.txt` shows in clear: an attribute its provider does not mark
/// sensitive, as real plans do.
const SECRET: &str = "s3cr3t-s-1";
const AWS_KEY: &str = "AKIAABCDEFGHIJKLMNOP";
const CONFIG: &str = "mask:\n  env: [DB_PASSWORD]\n  patterns: ['AKIA[0-9A-Z]{16}']\n";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    )
    .expect("fixture")
}

/// A working directory with `config` as its `tfpost.yaml` (none when empty).
fn workdir(config: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().to_path_buf();
    if !config.is_empty() {
        std::fs::write(path.join("tfpost.yaml"), config).expect("config");
    }
    (dir, path)
}

/// tfpost in a clean environment (no CI, no credentials) with the secret in `DB_PASSWORD`.
fn tfpost(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(TFPOST);
    cmd.env_clear()
        .current_dir(dir)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DB_PASSWORD", SECRET)
        .args(args);
    cmd
}

/// `input` with the secret and the key replaced by `***`, and nothing else changed.
fn masked(input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for secret in [SECRET, AWS_KEY] {
        out = replace(&out, secret.as_bytes(), b"***");
    }
    out
}

fn replace(haystack: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len());
    let mut rest = haystack;
    while let Some(at) = rest.windows(needle.len()).position(|w| w == needle) {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(with);
        rest = &rest[at + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Neither secret anywhere in `bytes` (stdout or stderr of a run).
fn assert_no_secret(what: &str, bytes: &[u8]) {
    for secret in [SECRET, AWS_KEY] {
        assert!(
            !contains(bytes, secret),
            "{what} shows {secret}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

/// A real plan with the secret in it, and more of it among bytes a text-minded implementation
/// would damage: invalid UTF-8, NUL, CRLF, ANSI colour, no newline at the end.
fn plan_with_secrets() -> Vec<u8> {
    let mut input = fixture("tf-1.15.5/sensitive-update.plan.txt");
    assert!(contains(&input, SECRET) && contains(&input, "(sensitive value)"));
    input.extend_from_slice(b"\xff\xfe\0");
    input.extend_from_slice(SECRET.as_bytes());
    input.extend_from_slice(b"\0\r\n\x1b[1m");
    input.extend_from_slice(AWS_KEY.as_bytes());
    input.extend_from_slice(b"\x1b[0m\r\nno newline at the end ");
    input.extend_from_slice(SECRET.as_bytes());
    input
}

#[test]
fn pipe_mode_masks_the_secret_in_stdout_stderr_and_every_message() {
    let (_keep, dir) = workdir(CONFIG);
    let input = plan_with_secrets();
    let out = tfpost(
        &dir,
        &["plan", "--dry-run", "-v", "--notify", "github,slack,stdout"],
    )
    .write_stdin(input.clone())
    .output()
    .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stdout == masked(&input),
        "stdout is the input with only the secrets replaced:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(contains(&out.stdout, "token = (sensitive value)"));
    assert_no_secret("stdout", &out.stdout);
    assert_no_secret("stderr", &out.stderr);
    let stderr = String::from_utf8_lossy(&out.stderr);
    for destination in ["GitHub", "Slack", "stdout"] {
        assert!(
            stderr.contains(&format!("would post to {destination}")),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains("***"),
        "the messages show the mask: {stderr}"
    );
}

#[test]
fn a_secret_the_renderers_escape_is_masked_in_every_message() {
    // In a for_each key it is in the comment's HTML summary (`&lt;`), Markdown lists and Slack
    // text (`&amp;`), each escaped differently: masking only the rendered text would miss it.
    let secret = "p@ss<w0rd>&co";
    let (_keep, dir) = workdir(CONFIG);
    let plan = String::from_utf8(fixture("tf-1.15.5/create-foreach-keys.plan.txt"))
        .expect("UTF-8 fixture")
        .replace("br[0]", secret);
    let out = tfpost(
        &dir,
        &["plan", "--dry-run", "--notify", "github,slack,stdout"],
    )
    .env("DB_PASSWORD", secret)
    .write_stdin(plan.clone())
    .output()
    .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        plan.replace(secret, "***")
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("would post to Slack"), "{stderr}");
    assert!(
        !stderr.contains("w0rd"),
        "a piece of the secret, escaped: {stderr}"
    );
}

#[test]
fn wrap_mode_masks_stdout_and_the_commands_stderr() {
    let (_keep, dir) = workdir(CONFIG);
    let input = plan_with_secrets();
    std::fs::write(dir.join("plan.txt"), &input).expect("input");
    let out = tfpost(
        &dir,
        &[
            "plan",
            "--dry-run",
            "--",
            "sh",
            "-c",
            r#"cat plan.txt; printf 'Error: password %s rejected\n' "$DB_PASSWORD" >&2"#,
        ],
    )
    .output()
    .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stdout == masked(&input),
        "stdout: only the secrets change"
    );
    assert_no_secret("stderr", &out.stderr);
    assert!(
        contains(&out.stderr, "Error: password *** rejected\n"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_secret_written_in_two_halves_is_masked() {
    let (_keep, dir) = workdir(CONFIG);
    for cut in [1, SECRET.len() / 2, SECRET.len() - 1] {
        let (first, second) = SECRET.split_at(cut);
        // Each printf is flushed as it ends: the halves reach tfpost in two reads, 20 ms apart,
        // on stdout and on stderr.
        let script = r#"printf 'password=%s' "$A"; printf '%s' "$A" >&2; sleep 0.02;
                        printf '%s\n' "$B"; printf '%s\n' "$B" >&2"#;
        let out = tfpost(&dir, &["plan", "--dry-run", "--", "sh", "-c", script])
            .env("A", first)
            .env("B", second)
            .output()
            .expect("runs");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "password=***\n",
            "cut at {cut}"
        );
        assert_no_secret("stderr", &out.stderr);
        assert!(contains(&out.stderr, "***\n"), "cut at {cut}");
    }
}

#[test]
fn tfposts_own_messages_are_masked() {
    let (_keep, dir) = workdir(CONFIG);
    // The program's name is in tfpost's own error line.
    let out = tfpost(&dir, &["plan", "--dry-run", "-v", "--", SECRET])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(127));
    assert_no_secret("stderr", &out.stderr);
    assert!(
        contains(&out.stderr, "cannot run `***`"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Reads the child's stdout on a thread, byte by byte as it comes.
fn bytes_of(child: &mut Child) -> mpsc::Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    let mut out = child.stdout.take().expect("piped stdout");
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    rx
}

/// Collects from `rx` until the bytes so far equal `expected`, or `limit` passes.
fn wait_for(rx: &mpsc::Receiver<Vec<u8>>, expected: &[u8], limit: Duration) -> Vec<u8> {
    let deadline = Instant::now() + limit;
    let mut got = Vec::new();
    while got != expected {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(bytes) => got.extend_from_slice(&bytes),
            Err(_) => break,
        }
    }
    got
}

#[test]
fn a_prompt_shows_while_the_wrapped_command_waits_for_an_answer() {
    // With a pattern configured the unfinished line is held; it must still show once the
    // command goes quiet.
    let (_keep, dir) = workdir(CONFIG);
    let mut child = std::process::Command::new(TFPOST)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(&dir)
        .args(["apply", "--dry-run", "-q", "--", "sh", "-c"])
        .arg("printf 'Enter a value: '; sleep 3; echo yes")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let rx = bytes_of(&mut child);
    let got = wait_for(&rx, b"Enter a value: ", Duration::from_millis(2000));
    assert_eq!(String::from_utf8_lossy(&got), "Enter a value: ");
    assert!(
        child.try_wait().expect("try_wait").is_none(),
        "the command still waits"
    );
    assert_eq!(
        wait_for(&rx, b"yes\n", Duration::from_secs(10)),
        b"yes\n".to_vec()
    );
    child.wait().expect("tfpost exits");
}

#[test]
fn a_prompt_shows_in_pipe_mode_while_stdin_stays_open() {
    let (_keep, dir) = workdir(CONFIG);
    let mut child = std::process::Command::new(TFPOST)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .current_dir(&dir)
        .args(["apply", "--dry-run", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut stdin = child.stdin.take().expect("piped stdin");
    let rx = bytes_of(&mut child);
    stdin
        .write_all(b"Plan: 1 to add\nEnter a value: ")
        .expect("write");
    let got = wait_for(
        &rx,
        b"Plan: 1 to add\nEnter a value: ",
        Duration::from_millis(2000),
    );
    assert_eq!(
        String::from_utf8_lossy(&got),
        "Plan: 1 to add\nEnter a value: "
    );
    drop(stdin);
    child.wait().expect("tfpost exits");
}

/// Inputs that a text-minded implementation would damage.
fn hostile_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let mut long_line = vec![b'a'; 1 << 20];
    long_line.extend_from_slice(b"\nPlan: 1 to add, 0 to change, 0 to destroy.\n");
    vec![
        ("invalid UTF-8", b"Plan: \xff\xfe 1 to add\n\xc3\x28 broken\n".to_vec()),
        ("NUL bytes", b"  # null_resource.a\0 will be created\n\0\0\n".to_vec()),
        ("CRLF", b"Terraform will perform the following actions:\r\n\r\nPlan: 1 to add, 0 to change, 0 to destroy.\r\n".to_vec()),
        ("ANSI colour", b"\x1b[1m\x1b[32m  +\x1b[0m resource \"x\" \"y\" {\n\x1b[0m".to_vec()),
        ("no trailing newline", b"No changes. Your infrastructure matches the configuration.".to_vec()),
        ("the start of the secret at the end", b"Plan: 0 to add\ns3cr3t".to_vec()),
        ("1 MiB line", long_line),
        ("empty", Vec::new()),
    ]
}

#[test]
fn hostile_input_is_byte_exact_without_a_mask_and_with_one_that_does_not_match() {
    for config in ["", CONFIG] {
        let (_keep, dir) = workdir(config);
        for (what, bytes) in hostile_inputs() {
            let out = tfpost(&dir, &["plan", "--dry-run", "-q"])
                .write_stdin(bytes.clone())
                .output()
                .expect("runs");
            assert!(
                out.stdout == bytes,
                "pipe mode, {what}, config {config:?}: stdout differs"
            );

            std::fs::write(dir.join("input"), &bytes).expect("input");
            let out = tfpost(&dir, &["plan", "--dry-run", "-q", "--", "cat", "input"])
                .output()
                .expect("runs");
            assert!(
                out.stdout == bytes,
                "wrap mode, {what}, config {config:?}: stdout differs"
            );
        }
    }
}

const WEBHOOK: &str = "https://hooks.slack.com/services/T0001/B0002/AbCdEfGhIjKlMnOpQrStUvWx";
/// The webhook's secret: its last path segment.
const WEBHOOK_KEY: &str = "AbCdEfGhIjKlMnOpQrStUvWx";

#[test]
fn a_webhook_url_is_masked_in_every_form_and_across_colour_codes_and_pauses() {
    let (_keep, dir) = workdir("");
    // JSON-escaped (`\/`), URL-encoded, the secret segment alone, cut by colour codes, and the
    // raw URL cut in two by a pause far longer than the tee's idle flush.
    let script = r#"printf '{"url":"%s"}\n' "$(printf '%s' "$W" | sed 's|/|\\/|g')";
        printf 'GET /?u=%s\n' "$(printf '%s' "$W" | sed 's|:|%3A|g; s|/|%2F|g')";
        printf 'key %s\n' "$K"; printf 'coloured AbCdEf\033[1mGhIjKl\033[0mMnOpQrStUvWx\n';
        printf 'url = https://hooks.slack.com/services/T0001/B0'; sleep 2;
        printf '002/AbCdEfGhIjKlMnOpQrStUvWx\n'"#;
    let out = tfpost(&dir, &["plan", "--dry-run", "--", "sh", "-c", script])
        .env("SLACK_WEBHOOK_URL", WEBHOOK)
        .env("W", WEBHOOK)
        .env("K", WEBHOOK_KEY)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    for part in [&WEBHOOK_KEY[..8], &WEBHOOK_KEY[8..16], &WEBHOOK_KEY[16..]] {
        assert!(!stdout.contains(part), "{part} shows in:\n{stdout}");
        assert!(!contains(&out.stderr, part), "{part} shows in stderr");
    }
    assert_eq!(
        stdout,
        "{\"url\":\"***\"}\nGET /?u=***\nkey ***\ncoloured ***\x1b[1m\x1b[0m\nurl = ***\n"
    );
}
