//! `tfpost plan` / `apply` through the binary to GitLab merge-request notes, against the local
//! stand-in of GitLab's REST API v4: GitLab registered as a destination end to end, configured
//! by GitLab CI's own variables.

#[path = "support/fake_gitlab.rs"]
mod fake_gitlab;

use std::path::Path;

use assert_cmd::Command;
use fake_gitlab::FakeGitlab;

const TFPOST: &str = env!("CARGO_BIN_EXE_tfpost");
const TOKEN: &str = "glpat-e2eSECRETtoken0123456789";
const BOT: u64 = 77;
const MR: u64 = 5;
const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name),
    )
    .expect("fixture")
}

fn fake() -> FakeGitlab {
    let gitlab = FakeGitlab::start();
    gitlab.add_token(TOKEN, BOT, "tfpost-bot", false);
    gitlab.add_merge_request(MR, "opened", SHA, None);
    gitlab
}

/// tfpost in a merge request pipeline of GitLab CI, nothing else in its environment.
fn tfpost(gitlab: &FakeGitlab, dir: &Path, command: &str) -> Command {
    let mut cmd = Command::new(TFPOST);
    cmd.env_clear()
        .current_dir(dir)
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITLAB_CI", "true")
        .env("CI_API_V4_URL", gitlab.api_url())
        .env("CI_PROJECT_ID", "42")
        .env("CI_PROJECT_PATH", fake_gitlab::PROJECT_PATH)
        .env("CI_MERGE_REQUEST_IID", MR.to_string())
        .env("CI_COMMIT_SHA", SHA)
        .env(
            "CI_JOB_URL",
            "https://gitlab.example.com/acme/infra/-/jobs/1",
        )
        .env("GITLAB_TOKEN", TOKEN)
        .args([command, "--var", "target=envs/prod"]);
    cmd
}

fn run_ok(mut cmd: Command, input: &[u8]) -> String {
    let out = cmd.write_stdin(input.to_vec()).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(out.stdout == input, "the tee is byte for byte");
    assert!(!stderr.contains(TOKEN), "the token never shows: {stderr}");
    stderr
}

/// The notes of the merge request that are not marked outdated.
fn current_notes(gitlab: &FakeGitlab, mr: u64) -> Vec<String> {
    gitlab
        .notes_of(mr)
        .into_iter()
        .filter(|n| !n.system && !n.body.starts_with("Outdated"))
        .map(|n| n.body)
        .collect()
}

#[test]
fn two_plans_leave_one_current_note_and_the_labels_say_what_it_does() {
    let gitlab = fake();
    let dir = tempfile::tempdir().expect("tempdir");
    let stderr = run_ok(
        tfpost(&gitlab, dir.path(), "plan"),
        &fixture("tf-1.15.5/no-changes.plan.txt"),
    );
    assert!(stderr.contains("GitLab: Created"), "{stderr}");
    run_ok(
        tfpost(&gitlab, dir.path(), "plan"),
        &fixture("tf-1.15.5/mixed.plan.txt"),
    );
    let current = current_notes(&gitlab, MR);
    assert_eq!(current.len(), 1, "{current:#?}");
    assert!(current[0].contains("destroy"), "{}", current[0]);
    assert_eq!(
        gitlab.notes_of(MR).len(),
        2,
        "the older one is kept, outdated"
    );
    let labels = gitlab.merge_request(MR).labels;
    assert!(labels.iter().any(|l| l.ends_with("destroy")), "{labels:?}");
    assert!(
        !labels.iter().any(|l| l.ends_with("no-changes")),
        "{labels:?}"
    );
    for request in gitlab.requests() {
        fake_gitlab::check_documented(&request).expect("a documented GitLab request");
    }
}

#[test]
fn an_apply_on_the_merge_commit_notes_the_merged_merge_request() {
    let gitlab = fake();
    gitlab.add_merge_request(7, "merged", "f00d", Some("3e4a9c1"));
    let dir = tempfile::tempdir().expect("tempdir");
    let mut apply = tfpost(&gitlab, dir.path(), "apply");
    apply
        .env_remove("CI_MERGE_REQUEST_IID")
        .env("CI_COMMIT_SHA", "3e4a9c1");
    run_ok(apply, &fixture("tf-1.15.5/kitchen-sink.apply.txt"));
    let notes = current_notes(&gitlab, 7);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(current_notes(&gitlab, MR).is_empty());
}

#[test]
fn quick_actions_in_terraforms_output_run_none() {
    let gitlab = fake();
    let dir = tempfile::tempdir().expect("tempdir");
    // Lines that GitLab would run as quick actions at a note's line start: in output tfpost
    // cannot parse (quoted whole) and in an error's detail.
    let inputs: [&[u8]; 2] = [
        b"garbled\n/close\n/merge\n/label ~x\n",
        b"Error: Invalid value\n\n/close\n/approve\n",
    ];
    for input in inputs {
        let mut plan = tfpost(&gitlab, dir.path(), "plan");
        let out = plan.write_stdin(input.to_vec()).output().expect("runs");
        assert!(out.stdout == input);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("GitLab: Created"), "{stderr}");
    }
    let notes = current_notes(&gitlab, MR);
    assert_eq!(notes.len(), 1, "{notes:#?}");
    assert!(
        notes[0].contains("close"),
        "the text is shown, inert: {}",
        notes[0]
    );
    let executed = gitlab.lock().executed_quick_actions.clone();
    assert!(executed.is_empty(), "{executed:?}");
}
