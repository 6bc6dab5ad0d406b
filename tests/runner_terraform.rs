//! Real Terraform, wrapped and interrupted: tfpost forwards SIGINT to Terraform's process group
//! as a terminal would, Terraform shuts down gracefully (state written, lock released) and
//! promptly, and tfpost exits as Terraform does with the whole output on stdout/stderr. From 0.11
//! to 1.0, Terraform's outer process ignores SIGINT and relies on the whole group getting it, so
//! 0.13.5 and 1.0.3 are run as well as 1.15.5.
//!
//! Terraform comes from `tests/support/install-terraform.sh` (PyPI, cached), found through
//! `TFPOST_TOOLS_DIR` (default `~/.cache/tfpost/tools`) as in `tests/differential.rs`.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TFPOST: &str = env!("CARGO_BIN_EXE_tfpost");

fn tools_dir() -> PathBuf {
    match std::env::var_os("TFPOST_TOOLS_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => match std::env::var_os("HOME") {
            Some(home) => Path::new(&home).join(".cache/tfpost/tools"),
            None => panic!("neither TFPOST_TOOLS_DIR nor HOME is set: cannot find Terraform"),
        },
    }
}

fn terraform(version: &str) -> (PathBuf, PathBuf) {
    let dir = tools_dir();
    let terraform = dir.join(format!("terraform-{version}/terraform"));
    let config = dir.join("terraformrc");
    assert!(
        terraform.exists() && config.exists(),
        "this test needs real Terraform in {}: install it with `bash tests/support/install-terraform.sh` \
         (and set TFPOST_TOOLS_DIR to the directory it prints if not the default)",
        dir.display()
    );
    (terraform, config)
}

/// A configuration whose apply runs long enough to be interrupted mid-way.
fn workspace(terraform: &Path, config: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("main.tf"),
        "resource \"null_resource\" \"slow\" {\n  provisioner \"local-exec\" {\n    \
         command = \"echo started; exec sleep 60 >/dev/null 2>&1; echo finished\"\n  }\n}\n",
    )
    .unwrap();
    let init = Command::new(terraform)
        .args(["init", "-no-color", "-input=false"])
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", config)
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap();
    assert!(
        init.status.success(),
        "terraform init: {}",
        String::from_utf8_lossy(&init.stderr)
    );
    dir
}

struct Interrupted {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Start `apply` of Terraform `version` once the provisioner runs, and collect everything.
/// `wrapped`: through tfpost, and SIGINT goes to tfpost alone (`kill`, as a CI runner cancelling
/// a job does). Otherwise Terraform runs in a process group of its own and SIGINT goes to the
/// group, as a terminal's Ctrl-C does: the reference.
fn interrupted_apply(version: &str, wrapped: bool) -> Interrupted {
    let (terraform, config) = terraform(version);
    let dir = workspace(&terraform, &config);
    let apply = ["apply", "-auto-approve", "-no-color", "-input=false"];
    let mut command = if wrapped {
        let mut c = Command::new(TFPOST);
        c.args(["apply", "--dry-run", "--"])
            .arg(&terraform)
            .args(apply);
        c
    } else {
        let mut c = Command::new(&terraform);
        c.args(apply);
        std::os::unix::process::CommandExt::process_group(&mut c, 0);
        c
    };
    let mut child = command
        .current_dir(dir.path())
        .env("TF_CLI_CONFIG_FILE", &config)
        .env("CHECKPOINT_DISABLE", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = mpsc::channel();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        let mut line = String::new();
        while out.read_line(&mut line).unwrap_or(0) > 0 {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            line.clear();
        }
        all
    });
    let mut stderr = child.stderr.take().unwrap();
    let err_reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("the provisioner never started");
        if line.contains("(local-exec): started") {
            break;
        }
    }
    let recipient = if wrapped {
        child.id().to_string()
    } else {
        format!("-{}", child.id())
    };
    let sent = Command::new("kill")
        .args(["-INT", "--", &recipient])
        .status()
        .unwrap();
    assert!(sent.success());
    // The provisioner sleeps 60 s: a run that ends far sooner was interrupted.
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "not finished 20 s after SIGINT; stdout:\n{}\nstderr:\n{}",
                reader.join().unwrap_or_default(),
                err_reader.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        !dir.path().join(".terraform.tfstate.lock.info").exists(),
        "the state lock must be released"
    );
    assert!(
        dir.path().join("terraform.tfstate").exists(),
        "Terraform must have written its state"
    );
    Interrupted {
        code: status.code(),
        stdout: reader.join().unwrap(),
        stderr: err_reader.join().unwrap(),
    }
}

#[test]
fn sigint_to_tfpost_stops_a_real_terraform_1_15_apply_gracefully() {
    interrupt_through_tfpost("1.15.5");
}

#[test]
fn sigint_to_tfpost_stops_a_real_terraform_1_0_apply_gracefully() {
    interrupt_through_tfpost("1.0.3");
}

#[test]
fn sigint_to_tfpost_stops_a_real_terraform_0_13_apply_gracefully() {
    interrupt_through_tfpost("0.13.5");
}

/// tfpost interrupted by `kill -INT` ends as Terraform interrupted by a terminal's Ctrl-C does.
fn interrupt_through_tfpost(version: &str) {
    let direct = interrupted_apply(version, false);
    let wrapped = interrupted_apply(version, true);
    // Terraform 0.13 races its interrupted provisioner against the stop: some runs end in
    // "Apply complete!" and 0, others in the provisioner's error and 1. tfpost must exit as the
    // Terraform it ran did, which its output says.
    let terraform_code = if wrapped.stdout.contains("Apply complete!") {
        0
    } else {
        1
    };
    assert_eq!(
        wrapped.code,
        Some(terraform_code),
        "tfpost exits as Terraform does\n{}",
        wrapped.stderr
    );
    assert!(matches!(direct.code, Some(0 | 1)), "{:?}", direct.code);
    for text in [
        "Interrupt received.",
        "Gracefully shutting down...",
        "null_resource.slow: Creating...",
    ] {
        assert!(
            wrapped.stdout.contains(text),
            "missing {text:?} in stdout:\n{}",
            wrapped.stdout
        );
    }
    assert!(
        !wrapped.stdout.contains("(local-exec): finished"),
        "the apply was interrupted"
    );
    // Terraform's stderr passes through: each error the reference printed is there.
    for line in direct.stderr.lines().filter(|l| l.starts_with("Error: ")) {
        assert!(
            wrapped.stderr.contains(line),
            "missing {line:?} in stderr:\n{}",
            wrapped.stderr
        );
    }
    assert!(
        wrapped.stderr.contains("forwarding SIGINT") && wrapped.stderr.contains("process group"),
        "{}",
        wrapped.stderr
    );
    // The message still reports the run: tfpost parsed what Terraform printed.
    let message = wrapped
        .stderr
        .split_once("would post to stdout:\n")
        .map(|(_, message)| message)
        .unwrap_or_else(|| panic!("no dry-run message:\n{}", wrapped.stderr));
    assert!(message.contains("apply"), "{message}");
    if terraform_code != 0 {
        // 0.13 reports an interrupted provisioner as a successful apply of nothing. A failed one
        // names the resource or only the interrupted command, depending on how far the apply
        // got when the signal arrived.
        assert!(message.contains("failed"), "{message}");
        assert!(
            message.contains("null_resource.slow") || message.contains("signal: interrupt"),
            "{message}"
        );
    }
}
