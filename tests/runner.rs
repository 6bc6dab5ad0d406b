//! `tfpost plan` / `apply` / `fmt` end to end, running the real binary: the tee is byte-exact and
//! streams, exit codes follow the exit-code table (README, "Exit codes"), signals reach the wrapped
//! command, and a closed stdout never hangs anything.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::Command as Cmd;

const TFPOST: &str = env!("CARGO_BIN_EXE_tfpost");

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// tfpost with every message on stderr, so stdout holds exactly the tee'd bytes.
fn tfpost(args: &[&str]) -> Cmd {
    let mut cmd = Cmd::new(TFPOST);
    cmd.args(args).env_remove("NO_COLOR");
    cmd
}

/// Real Terraform outputs, plain and coloured, plan and apply, success and failure.
const FIXTURES: &[&str] = &[
    "tf-1.15.5/kitchen-sink.plan.txt",
    "tf-1.15.5/kitchen-sink.plan.ansi.txt",
    "tf-1.15.5/kitchen-sink.apply.txt",
    "tf-1.15.5/apply-failure.apply.txt",
    "tf-1.15.5/invalid-reference.plan.txt",
    "tf-1.15.5/no-changes.plan.txt",
    "tf-1.15.5/large-2000.plan.txt",
    "tf-0.11.11/mixed.plan.txt",
    "tf-0.13.5/mixed.plan.txt",
    "public/tfcmt/plan-has-add-and-destroy.txt",
    "public/tfnotify/tg-multiple-modules-with-run-all.txt",
];

/// Inputs that a text-minded implementation would damage.
fn hostile_inputs() -> Vec<(&'static str, Vec<u8>)> {
    let mut long_line = vec![b'a'; 1 << 20];
    long_line.extend_from_slice(b"\nPlan: 1 to add, 0 to change, 0 to destroy.\n");
    vec![
        ("invalid UTF-8", b"Plan: \xff\xfe 1 to add\n\xc3\x28 broken\n".to_vec()),
        ("NUL bytes", b"  # null_resource.a\0 will be created\n\0\0\n".to_vec()),
        ("1 MiB line", long_line),
        ("CRLF", b"Terraform will perform the following actions:\r\n\r\nPlan: 1 to add, 0 to change, 0 to destroy.\r\n".to_vec()),
        ("no trailing newline", b"No changes. Your infrastructure matches the configuration.".to_vec()),
        ("ANSI colour", b"\x1b[1m\x1b[32m  +\x1b[0m resource \"x\" \"y\" {\n\x1b[0m".to_vec()),
        ("empty", Vec::new()),
    ]
}

/// Wait for a child with a deadline; a hang fails the test instead of the suite.
fn wait_with_timeout(child: &mut Child, limit: Duration) -> ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tfpost did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .args([&format!("-{signal}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Read the child's stdout on a thread, line by line, so a test can wait for a line with a
/// deadline.
fn lines_of(child: &mut Child) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    std::thread::spawn(move || {
        let mut line = String::new();
        while std::io::BufRead::read_line(&mut out, &mut line).unwrap_or(0) > 0 {
            if tx.send(std::mem::take(&mut line)).is_err() {
                break;
            }
        }
    });
    rx
}

#[test]
fn pipe_mode_tees_real_fixtures_byte_for_byte() {
    for name in FIXTURES {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let out = tfpost(&["plan", "--dry-run", "-q"])
            .write_stdin(bytes.clone())
            .output()
            .unwrap();
        assert!(out.stdout == bytes, "{name}: stdout differs from the input");
    }
}

#[test]
fn wrap_mode_tees_real_fixtures_byte_for_byte_and_keeps_the_exit_code() {
    for name in FIXTURES {
        let path = fixture(name);
        let bytes = std::fs::read(&path).unwrap();
        let out = tfpost(&["apply", "--dry-run", "-q", "--", "cat"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(out.stdout == bytes, "{name}: stdout differs from the file");
        assert_eq!(out.status.code(), Some(0), "{name}");
    }
}

#[test]
fn hostile_input_passes_through_unchanged_in_both_modes() {
    let dir = tempfile::tempdir().unwrap();
    for (what, bytes) in hostile_inputs() {
        let out = tfpost(&["plan", "--dry-run", "-q"])
            .write_stdin(bytes.clone())
            .output()
            .unwrap();
        assert!(out.stdout == bytes, "pipe mode, {what}: stdout differs");

        let file = dir.path().join("input");
        std::fs::write(&file, &bytes).unwrap();
        let out = tfpost(&["plan", "--dry-run", "-q", "--", "cat"])
            .arg(&file)
            .output()
            .unwrap();
        assert!(out.stdout == bytes, "wrap mode, {what}: stdout differs");
        assert_eq!(out.status.code(), Some(0), "wrap mode, {what}");
    }
}

#[test]
fn wrap_mode_sends_the_commands_stderr_to_stderr_only() {
    let out = tfpost(&[
        "plan",
        "--dry-run",
        "-q",
        "--",
        "sh",
        "-c",
        "echo out; echo 'Error: boom' >&2; echo out2",
    ])
    .output()
    .unwrap();
    assert_eq!(out.stdout, b"out\nout2\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("Error: boom\n"));
}

#[test]
fn output_streams_before_the_wrapped_command_ends() {
    let mut child = Command::new(TFPOST)
        .args([
            "plan",
            "--dry-run",
            "-q",
            "--",
            "sh",
            "-c",
            "echo first; sleep 5; echo second",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = lines_of(&mut child);
    let first = lines
        .recv_timeout(Duration::from_secs(3))
        .expect("the first line did not arrive while the command ran");
    assert_eq!(first, "first\n");
    assert!(
        child.try_wait().unwrap().is_none(),
        "the command should still be running"
    );
    assert_eq!(
        lines.recv_timeout(Duration::from_secs(10)).unwrap(),
        "second\n"
    );
    assert_eq!(
        wait_with_timeout(&mut child, Duration::from_secs(10)).code(),
        Some(0)
    );
}

#[test]
fn pipe_mode_streams_before_stdin_ends() {
    let mut child = Command::new(TFPOST)
        .args(["plan", "--dry-run", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let lines = lines_of(&mut child);
    stdin.write_all(b"Refreshing state...\n").unwrap();
    assert_eq!(
        lines.recv_timeout(Duration::from_secs(3)).unwrap(),
        "Refreshing state...\n"
    );
    stdin.write_all(b"partial line, then EOF").unwrap();
    drop(stdin);
    assert_eq!(
        lines.recv_timeout(Duration::from_secs(5)).unwrap(),
        "partial line, then EOF"
    );
    wait_with_timeout(&mut child, Duration::from_secs(10));
}

#[test]
fn wrap_mode_exits_with_the_commands_code() {
    for code in [0, 1, 2, 3, 42] {
        tfpost(&[
            "plan",
            "--dry-run",
            "-q",
            "--",
            "sh",
            "-c",
            &format!("echo x; exit {code}"),
        ])
        .assert()
        .code(code);
    }
}

#[test]
fn a_signal_killed_command_maps_to_128_plus_the_signal() {
    tfpost(&[
        "plan",
        "--dry-run",
        "-q",
        "--",
        "sh",
        "-c",
        "echo before; kill -KILL $$",
    ])
    .assert()
    .code(137)
    .stdout("before\n");
    tfpost(&[
        "apply",
        "--dry-run",
        "-q",
        "--",
        "sh",
        "-c",
        "kill -TERM $$",
    ])
    .assert()
    .code(143);
}

#[test]
fn the_exit_code_of_real_fixtures_survives_the_wrap() {
    for name in [
        "tf-1.15.5/apply-failure.apply",
        "tf-1.15.5/invalid-reference.plan",
        "tf-1.15.5/mixed.plan",
    ] {
        let text = fixture(&format!("{name}.txt"));
        let code: i32 = std::fs::read_to_string(fixture(&format!("{name}.exit")))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let script = format!("cat '{}'; exit {code}", text.display());
        let out = tfpost(&["plan", "--dry-run", "-q", "--", "sh", "-c", &script])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{name}");
        assert!(out.stdout == std::fs::read(&text).unwrap(), "{name}");
    }
}

#[test]
fn pipe_mode_exit_code_follows_the_parsed_output() {
    // 1 exactly when the parsed output shows a failure (an error result, or nothing recognised);
    // checked against `tfpost parse` so it holds for whatever the parser understands.
    for name in FIXTURES {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let parsed = tfpost(&["parse", "-"])
            .write_stdin(bytes.clone())
            .output()
            .unwrap();
        let failed = !parsed.status.success() || {
            let json: serde_json::Value = serde_json::from_slice(&parsed.stdout).unwrap();
            json["result"] == "error"
        };
        let kind = if name.contains(".apply") {
            "apply"
        } else {
            "plan"
        };
        let out = tfpost(&[kind, "--dry-run", "-q"])
            .write_stdin(bytes)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(i32::from(failed)), "{name}");
    }
}

#[test]
fn a_background_process_holding_the_pipe_does_not_keep_tfpost_waiting() {
    // A provisioner's `nohup daemon &` inherits Terraform's stdout; a shell pipeline would wait
    // for it to exit. tfpost stops reading shortly after the command itself exits.
    let started = Instant::now();
    let out = tfpost(&[
        "apply",
        "--dry-run",
        "--",
        "sh",
        "-c",
        "sleep 10 & echo done; exit 4",
    ])
    .output()
    .unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(4));
    assert_eq!(out.stdout, b"done\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("still holds its output open"));
}

#[test]
fn a_missing_command_is_reported_like_a_shell_does() {
    tfpost(&["plan", "--", "terraform-does-not-exist-here", "plan"])
        .assert()
        .code(127)
        .stdout("")
        .stderr(predicates::str::contains(
            "cannot run `terraform-does-not-exist-here`: command not found",
        ));
    let dir = tempfile::tempdir().unwrap();
    let not_executable = dir.path().join("tf");
    std::fs::write(&not_executable, "#!/bin/sh\necho hi\n").unwrap();
    tfpost(&["plan", "--"])
        .arg(&not_executable)
        .assert()
        .code(126);
}

/// A wrapped command that traps `signal`, says so, and exits 130 as Terraform does on Ctrl-C.
fn interrupt_forwarding(signal: &str) {
    let script = format!(
        "trap 'echo got {signal}; echo releasing lock >&2; exit 130' {signal}; echo ready; \
         i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; echo not interrupted"
    );
    let mut child = Command::new(TFPOST)
        .args(["plan", "--dry-run", "-q", "--", "sh", "-c", &script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let lines = lines_of(&mut child);
    assert_eq!(
        lines.recv_timeout(Duration::from_secs(5)).unwrap(),
        "ready\n"
    );
    send_signal(child.id(), signal);
    let status = wait_with_timeout(&mut child, Duration::from_secs(20));
    assert_eq!(
        status.code(),
        Some(130),
        "{signal}: tfpost must wait for the command and exit with its code"
    );
    assert_eq!(
        lines.recv_timeout(Duration::from_secs(1)).unwrap(),
        format!("got {signal}\n")
    );
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("releasing lock"), "{stderr}");
}

#[test]
fn sigint_is_forwarded_and_tfpost_waits_for_the_command() {
    interrupt_forwarding("INT");
}

#[test]
fn sigterm_is_forwarded_and_tfpost_waits_for_the_command() {
    interrupt_forwarding("TERM");
}

#[test]
fn pipe_mode_keeps_reading_after_the_first_interrupt() {
    let mut child = Command::new(TFPOST)
        .args(["plan", "--dry-run"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let lines = lines_of(&mut child);
    stdin.write_all(b"Stopping operation...\n").unwrap();
    assert_eq!(
        lines.recv_timeout(Duration::from_secs(3)).unwrap(),
        "Stopping operation...\n"
    );
    send_signal(child.id(), "INT");
    std::thread::sleep(Duration::from_millis(200));
    stdin.write_all(b"Error: operation canceled\n").unwrap();
    assert_eq!(
        lines.recv_timeout(Duration::from_secs(3)).unwrap(),
        "Error: operation canceled\n"
    );
    drop(stdin);
    let status = wait_with_timeout(&mut child, Duration::from_secs(10));
    assert_ne!(
        status.code(),
        None,
        "tfpost must not die of the first SIGINT"
    );
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("still reading"), "{stderr}");
}

#[test]
fn a_closed_stdout_never_hangs_the_wrapped_command() {
    // ~20 MB, far more than a pipe buffer: if tfpost stopped reading when its reader left, the
    // command would block forever on a full pipe.
    let mut child = Command::new(TFPOST)
        .args([
            "plan",
            "--dry-run",
            "--",
            "sh",
            "-c",
            "yes 'null_resource.x: Refreshing state...' | head -n 500000; echo done >&2; exit 2",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 10];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"null_resou");
    drop(stdout); // `| head -c 10`
    let mut stderr = child.stderr.take().unwrap();
    let status = wait_with_timeout(&mut child, Duration::from_secs(60));
    assert_eq!(
        status.code(),
        Some(2),
        "the command's code, even with stdout gone"
    );
    let mut text = String::new();
    stderr.read_to_string(&mut text).unwrap();
    assert!(
        text.contains("done\n"),
        "the command ran to its end: {text}"
    );
    assert!(text.contains("stdout was closed by its reader"), "{text}");
    assert!(
        text.contains("would post to"),
        "the message is still delivered: {text}"
    );
}

#[test]
fn a_closed_stdout_in_pipe_mode_still_drains_stdin() {
    let mut child = Command::new(TFPOST)
        .args(["plan", "--dry-run", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    drop(child.stdout.take());
    let writer = std::thread::spawn(move || {
        let block = vec![b'x'; 1 << 16];
        for _ in 0..200 {
            stdin.write_all(&block)?;
        }
        Ok::<(), std::io::Error>(())
    });
    wait_with_timeout(&mut child, Duration::from_secs(60));
    writer.join().unwrap().expect("tfpost read all of stdin");
}

#[test]
fn dry_run_names_each_destination_on_stderr() {
    let bytes = std::fs::read(fixture("tf-1.15.5/mixed.plan.txt")).unwrap();
    let out = tfpost(&[
        "plan",
        "--dry-run",
        "--notify",
        "github,slack",
        "--title",
        "envs/prod",
        "--var",
        "team=infra",
    ])
    .write_stdin(bytes.clone())
    .output()
    .unwrap();
    assert!(out.stdout == bytes);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The GitHub comment and the Slack payload, each after its destination, with the title.
    let github = stderr.find("would post to GitHub").expect("github dry run");
    assert!(stderr[github..].contains("envs/prod"), "{stderr}");
    let slack = stderr.find("would post to Slack").expect("slack dry run");
    assert!(stderr[slack..].contains("\"blocks\""), "{stderr}");
    assert!(stderr[slack..].contains("envs/prod"), "{stderr}");
}

#[test]
fn the_stdout_target_appends_after_the_teed_output() {
    let out = tfpost(&["plan", "--notify", "stdout", "--title", "T"])
        .write_stdin("no newline")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    // Not a plan: the parse-failure comment, titled, after the tee'd bytes and a line break.
    assert!(stdout.starts_with("no newline\n\n"), "{stdout:?}");
    assert!(stdout.contains("T"), "{stdout:?}");
    assert!(
        stdout.contains("no newline\n```"),
        "the raw output is in the comment: {stdout:?}"
    );
}

#[test]
fn a_bot_token_without_a_channel_names_the_missing_variable() {
    let out = tfpost(&[
        "plan",
        "--notify",
        "slack",
        "--",
        "sh",
        "-c",
        "echo 'No changes.'",
    ])
    .env_remove("SLACK_WEBHOOK_URL")
    .env_remove("SLACK_CHANNEL")
    .env("SLACK_BOT_TOKEN", "xoxb-runner-test")
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("could not post to slack: SLACK_BOT_TOKEN is set but SLACK_CHANNEL is not"),
        "{stderr}"
    );
    assert!(!stderr.contains("xoxb-runner-test"), "{stderr}");
}

#[test]
fn an_unwired_notifier_fails_the_run_unless_told_to_ignore_it() {
    let script = "echo 'No changes.'";
    let out = tfpost(&["plan", "--notify", "slack", "--", "sh", "-c", script])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, b"No changes.\n");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The reason first, once, then the message between rules.
    let reason = stderr.find("could not post to slack: no Slack credentials");
    let start = stderr.find("----- message not posted (slack) -----\n");
    let end = stderr.find("\n----- end -----\n");
    assert!(
        matches!((reason, start, end), (Some(r), Some(s), Some(e)) if r < s && s < e),
        "guarantee 3: {stderr}"
    );
    assert_eq!(
        stderr.matches("could not post to slack").count(),
        1,
        "{stderr}"
    );
    tfpost(&[
        "plan",
        "--notify",
        "slack",
        "--ignore-notify-errors",
        "--",
        "sh",
        "-c",
        script,
    ])
    .assert()
    .code(0);
    tfpost(&[
        "plan",
        "--notify",
        "slack",
        "--",
        "sh",
        "-c",
        "echo x; exit 3",
    ])
    .assert()
    .code(3);
}

#[test]
fn quiet_and_verbose_control_only_stderr() {
    let bytes = b"Plan: 1 to add, 0 to change, 0 to destroy.\n".to_vec();
    let quiet = tfpost(&["plan", "-q", "--notify", "stdout", "--dry-run"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    let verbose = tfpost(&["plan", "-v", "--notify", "stdout", "--dry-run"])
        .write_stdin(bytes.clone())
        .output()
        .unwrap();
    assert_eq!(quiet.stdout, bytes);
    assert_eq!(verbose.stdout, bytes);
    assert!(
        String::from_utf8_lossy(&verbose.stderr)
            .contains(&format!("debug: read {} bytes from stdin", bytes.len()))
    );
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("debug:"));
    assert!(
        !String::from_utf8_lossy(&verbose.stderr).contains('\x1b'),
        "no colour when stderr is not a terminal"
    );
}

#[test]
fn bad_options_are_rejected_before_anything_runs() {
    tfpost(&["plan", "--notify", "teams", "--", "sh", "-c", "echo ran"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicates::str::contains(
            "unknown notification target `teams`",
        ));
    tfpost(&["plan", "--var", "novalue"]).assert().code(2);
}

#[test]
fn fmt_tees_and_reports_the_unformatted_files() {
    let path = fixture("public/tfnotify/v070-fmt-fail-result0-11.txt");
    let bytes = std::fs::read(&path).unwrap();
    let out = tfpost(&["fmt", "--dry-run", "--", "sh", "-c"])
        .arg(format!("cat '{}'; exit 3", path.display()))
        .output()
        .unwrap();
    assert!(out.stdout == bytes);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2 file(s) need `terraform fmt`:\n\n- `google_spanner_database.tf`\n- `google_spanner_instance.tf`\n"),
        "{stderr}"
    );

    // Pipe mode: unformatted files are a failure, a clean tree is not.
    tfpost(&["fmt", "--dry-run", "-q"])
        .write_stdin(bytes)
        .assert()
        .code(1);
    tfpost(&["fmt", "--dry-run", "-q"])
        .write_stdin("")
        .assert()
        .code(0);
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    for shell in ["bash", "zsh", "fish"] {
        let out = tfpost(&["completions", shell]).output().unwrap();
        assert!(out.status.success());
        let script = String::from_utf8(out.stdout).unwrap();
        assert!(
            script.contains("tfpost") && script.contains("ignore-notify-errors"),
            "{shell}"
        );
    }
    let man = tfpost(&["man"]).output().unwrap();
    assert!(man.status.success());
    let man = String::from_utf8(man.stdout).unwrap();
    assert!(man.contains(".TH tfpost") && man.contains("plan"), "{man}");
}

/// Ctrl-C typed at a terminal reaches the whole foreground process group, the wrapped command
/// included; tfpost must not forward it a second time (Terraform takes a second interrupt as
/// "abort now, skip the graceful shutdown"). `script` gives tfpost a real terminal.
#[test]
fn ctrl_c_at_a_terminal_is_not_sent_twice() {
    let inner = format!(
        "{TFPOST} plan --dry-run -- sh -c 'trap \"echo got INT; exit 130\" INT; echo ready; \
         i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; echo not interrupted'"
    );
    let mut child = Command::new("script")
        .args(["-qfec", &inner, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("`script` (util-linux) runs tfpost on a terminal");
    let mut terminal = child.stdin.take().unwrap();
    let mut screen = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = screen.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !String::from_utf8_lossy(&seen).contains("ready") {
        let left = deadline.saturating_duration_since(Instant::now());
        seen.extend(
            rx.recv_timeout(left)
                .expect("the wrapped command never started"),
        );
    }
    terminal.write_all(b"\x03").unwrap(); // Ctrl-C
    let status = wait_with_timeout(&mut child, Duration::from_secs(20));
    drop(terminal);
    while let Ok(bytes) = rx.recv_timeout(Duration::from_secs(1)) {
        seen.extend(bytes);
    }
    let screen = String::from_utf8_lossy(&seen);
    assert_eq!(status.code(), Some(130), "{screen}");
    assert!(screen.contains("got INT"), "{screen}");
    assert!(
        screen.contains("SIGINT from the terminal reached `sh` too"),
        "{screen}"
    );
    assert!(!screen.contains("forwarding SIGINT"), "{screen}");
    assert!(!screen.contains("not interrupted"), "{screen}");
}

#[test]
fn a_parser_falling_behind_never_changes_the_log_with_or_without_a_spill_file() {
    // Several MiB arrive at once, faster than the parser takes them: the backlog goes to a
    // temporary file, or, where none can be made, the tee waits for the parser.
    let plan = std::fs::read(fixture("tf-1.15.5/large-2000.plan.txt")).unwrap();
    let input: Vec<u8> = plan.iter().copied().cycle().take(8 << 20).collect();
    let dir = tempfile::tempdir().unwrap();
    for tmpdir in [
        dir.path().to_path_buf(),
        PathBuf::from("/nonexistent/tfpost-test"),
    ] {
        let out = tfpost(&["plan", "--dry-run", "-q"])
            .env("TMPDIR", &tmpdir)
            .write_stdin(input.clone())
            .timeout(Duration::from_secs(120))
            .output()
            .unwrap();
        assert!(
            out.stdout == input,
            "TMPDIR={}: stdout differs",
            tmpdir.display()
        );
        assert!(out.status.code().is_some(), "TMPDIR={}", tmpdir.display());
    }
}

#[test]
fn a_destinations_when_policy_is_applied_by_the_runner() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tfpost.yaml"), "slack:\n  when: destroy\n").unwrap();
    let run = |input: &[u8]| {
        let out = tfpost(&["plan", "--dry-run", "--notify", "slack,stdout"])
            .current_dir(dir.path())
            .env(
                "SLACK_WEBHOOK_URL",
                "https://hooks.slack.com/services/T0/B0/whenpolicy",
            )
            .write_stdin(input.to_vec())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let no_changes = std::fs::read(fixture("tf-1.15.5/no-changes.plan.txt")).unwrap();
    let stderr = run(&no_changes);
    assert!(
        stderr.contains("Slack: not posted: `when` is [Destroy]"),
        "{stderr}"
    );
    assert!(!stderr.contains("would post to Slack"), "{stderr}");
    assert!(stderr.contains("would post to stdout"), "{stderr}");
    let destroy = std::fs::read(fixture("tf-1.15.5/mixed.plan.txt")).unwrap();
    let stderr = run(&destroy);
    assert!(stderr.contains("would post to Slack"), "{stderr}");
}

#[test]
fn an_osc8_hyperlink_in_unparsable_output_reaches_no_message() {
    // Output tfpost cannot parse, holding a terminal hyperlink (OSC 8) and a colour.
    let input =
        b"garbled \x1b]8;;https://evil.example/x\x07click here\x1b]8;;\x07 and \x1b[31mred\x1b[0m\n";
    let out = tfpost(&["plan", "--dry-run", "--notify", "github,slack"])
        .write_stdin(input.to_vec())
        .output()
        .unwrap();
    assert!(out.stdout == input, "the tee is untouched");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("would post to GitHub"), "{stderr}");
    assert!(stderr.contains("would post to Slack"), "{stderr}");
    assert!(stderr.contains("click here"), "the text stays: {stderr}");
    assert!(!stderr.contains("evil.example"), "{stderr}");
    assert!(!stderr.contains("]8;;"), "{stderr}");
}
