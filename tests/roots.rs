//! `tfpost roots` on a repository of roots sharing local modules (`fixtures/monorepo/`), made a
//! git repository in a temporary directory: the listing, `--changed-since` after real commits,
//! and the module graph checked against what real Terraform installs (`terraform get`).

use std::path::{Path, PathBuf};
use std::process::Command as Process;

use assert_cmd::Command;

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/monorepo");

/// Every root of the fixture: directories that no other one calls as a module.
const ALL_ROOTS: [&str; 6] = [
    "envs/dev",
    "envs/prod",
    "envs/staging",
    "legacy-json",
    "services/billing",
    "services/search",
];

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn git(dir: &Path, args: &[&str]) {
    let status = Process::new("git")
        .args([
            "-c",
            "user.name=tfpost tests",
            "-c",
            "user.email=tests@example.invalid",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?} failed");
}

/// The fixture as a git repository with one commit on `main` and a branch `pr` checked out.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(FIXTURE), dir.path());
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    git(dir.path(), &["checkout", "-q", "-b", "pr"]);
    dir
}

fn tfpost(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("tfpost").unwrap();
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd.current_dir(dir);
    cmd
}

fn lines(output: &[u8]) -> Vec<String> {
    String::from_utf8(output.to_vec())
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn roots(dir: &Path, args: &[&str]) -> Vec<String> {
    let out = tfpost(dir).arg("roots").args(args).assert().success();
    lines(&out.get_output().stdout)
}

fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", message]);
}

#[test]
fn lists_every_root_and_no_module_from_anywhere_in_the_repository() {
    let repo = repository();
    assert_eq!(roots(repo.path(), &[]), ALL_ROOTS);
    // From a subdirectory, the same repository-relative paths.
    assert_eq!(roots(&repo.path().join("modules/db"), &[]), ALL_ROOTS);
}

#[test]
fn json_is_one_line_for_a_ci_output_variable() {
    let repo = repository();
    let out = tfpost(repo.path())
        .args(["roots", "--json"])
        .assert()
        .success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    let parsed: Vec<String> = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed, ALL_ROOTS);
}

#[test]
fn changes_in_shared_modules_reach_every_root_that_calls_them() {
    let repo = repository();
    let dir = repo.path();
    assert!(roots(dir, &["--changed-since", "main"]).is_empty());

    // A data file two modules down: prod and staging call app, which calls db.
    write(
        dir,
        "modules/db/policies/db.json",
        "{\"Version\": \"2023\"}\n",
    );
    commit(dir, "db policy");
    assert_eq!(
        roots(dir, &["--changed-since", "main"]),
        ["envs/prod", "envs/staging"]
    );

    // Uncommitted and untracked files count too: a local run sees what CI will.
    write(
        dir,
        "modules/network/outputs.tf",
        "output \"id\" { value = 1 }\n",
    );
    assert_eq!(
        roots(dir, &["--changed-since", "main", "--json"]),
        [r#"["envs/dev","envs/prod","envs/staging","legacy-json"]"#]
    );
    commit(dir, "network output");

    // A module's own nested module (billing/lambda) belongs to billing.
    write(
        dir,
        "services/billing/lambda/main.tf",
        "resource \"null_resource\" \"l2\" {}\n",
    );
    // Files outside every Terraform directory affect nothing.
    write(dir, "README.md", "changed\n");
    commit(dir, "billing");
    assert_eq!(
        roots(dir, &["--changed-since", "main"]),
        [
            "envs/dev",
            "envs/prod",
            "envs/staging",
            "legacy-json",
            "services/billing"
        ]
    );
}

#[test]
fn a_change_only_on_the_base_branch_affects_nothing() {
    let repo = repository();
    let dir = repo.path();
    git(dir, &["checkout", "-q", "main"]);
    write(dir, "envs/prod/extra.tf", "locals { x = 1 }\n");
    commit(dir, "main moves on");
    git(dir, &["checkout", "-q", "pr"]);
    write(
        dir,
        "services/search/main.tf",
        "resource \"null_resource\" \"s2\" {}\n",
    );
    commit(dir, "search");
    // Since the merge base, not since main's tip: prod changed on main, not in the PR.
    assert_eq!(
        roots(dir, &["--changed-since", "main"]),
        ["services/search"]
    );
}

#[test]
fn a_moved_module_affects_both_its_old_and_its_new_callers() {
    let repo = repository();
    let dir = repo.path();
    git(dir, &["mv", "modules/db", "modules/database"]);
    write(
        dir,
        "modules/app/main.tf",
        "variable \"env\" {}\nmodule \"db\" {\n  source = \"../database\"\n  env    = var.env\n}\n",
    );
    commit(dir, "rename db");
    assert_eq!(
        roots(dir, &["--changed-since", "main"]),
        ["envs/prod", "envs/staging"]
    );
}

#[test]
fn roots_named_in_the_config_are_listed_and_followed() {
    let repo = repository();
    let dir = repo.path();
    write(dir, "tfpost.yaml", "roots:\n  - modules/db\n");
    commit(dir, "config");
    let mut expected: Vec<&str> = ALL_ROOTS.to_vec();
    expected.insert(4, "modules/db");
    assert_eq!(roots(dir, &[]), expected);
    write(dir, "modules/db/variables.tf", "variable \"size\" {}\n");
    assert_eq!(
        roots(dir, &["--changed-since", "main"]),
        ["envs/prod", "envs/staging", "modules/db"]
    );

    write(dir, "tfpost.yaml", "roots:\n  - modules/nope\n");
    tfpost(dir)
        .arg("roots")
        .assert()
        .failure()
        .stderr(predicates::str::contains(
            "`modules/nope` (named in the config's `roots:`) is not a directory of the repository",
        ));
}

#[test]
fn an_unknown_reference_is_a_clear_error() {
    let repo = repository();
    tfpost(repo.path())
        .args(["roots", "--changed-since", "origin/does-not-exist"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicates::str::contains(
            "git cannot find a common ancestor of `origin/does-not-exist` and HEAD",
        ))
        .stderr(predicates::str::contains("git fetch origin main"));
    // Not a flag in disguise.
    tfpost(repo.path())
        .args(["roots", "--changed-since=--output=/tmp/x"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "common ancestor of `--output=/tmp/x`",
        ));
}

#[test]
fn broken_module_calls_are_warned_about_with_file_and_line() {
    let repo = repository();
    let dir = repo.path();
    write(
        dir,
        "envs/qa/main.tf",
        "module \"gone\" {\n  source = \"../../modules/gone\"\n}\n\nmodule \"dyn\" {\n  source = \"../${var.x}\"\n}\n",
    );
    let out = tfpost(dir).arg("roots").assert().success();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.contains(
            "tfpost: warning: envs/qa/main.tf:1: module source `../../modules/gone` (modules/gone) holds no Terraform files"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("envs/qa/main.tf:5: module `dyn`: its source is not a plain string"),
        "{stderr}"
    );
    assert!(lines(&out.get_output().stdout).contains(&"envs/qa".to_string()));
}

/// The module graph tfpost follows is the one Terraform itself installs: for every root without
/// registry modules, `terraform get` (offline: local modules only) writes the directories it
/// uses into `.terraform/modules/modules.json`; each must be a Terraform directory that a change
/// to would list this root.
#[test]
fn the_module_graph_matches_what_terraform_get_installs() {
    let Some(terraform) = terraform() else {
        return;
    };
    let repo = repository();
    let dir = repo.path();
    // envs/dev also calls a registry module, which `terraform get` would download.
    for root in ALL_ROOTS.iter().filter(|r| **r != "envs/dev") {
        let status = Process::new(&terraform)
            .arg("get")
            .current_dir(dir.join(root))
            .env("CHECKPOINT_DISABLE", "1")
            .env(
                "TF_CLI_CONFIG_FILE",
                terraform.parent().unwrap().join("../terraformrc"),
            )
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "terraform get in {root}");
        let manifest: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.join(root).join(".terraform/modules/modules.json")).unwrap(),
        )
        .unwrap();
        let mut installed: Vec<String> = manifest["Modules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| normalise(&format!("{root}/{}", m["Dir"].as_str().unwrap())))
            .collect();
        installed.sort();
        installed.dedup();
        // Changing any file of an installed module directory lists exactly this root among others.
        for module_dir in &installed {
            let file = format!("{module_dir}/probe.tf");
            write(dir, &file, "locals { probe = 1 }\n");
            let listed = roots(dir, &["--changed-since", "HEAD"]);
            std::fs::remove_file(dir.join(&file)).unwrap();
            assert!(
                listed.contains(&root.to_string()),
                "{root} uses {module_dir} (terraform get), but a change there lists only {listed:?}"
            );
        }
        // And no other directory: a change outside the installed ones does not list this root.
        for other in ALL_ROOTS.iter().filter(|r| *r != root) {
            if installed.iter().any(|m| m == other) {
                continue;
            }
            let file = format!("{other}/probe.tf");
            write(dir, &file, "locals { probe = 1 }\n");
            let listed = roots(dir, &["--changed-since", "HEAD"]);
            std::fs::remove_file(dir.join(&file)).unwrap();
            assert!(!listed.contains(&root.to_string()), "{other} listed {root}");
        }
    }
}

fn normalise(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// Real Terraform from the differential test's tools directory. In CI (`CI=true`) it must be
/// there: `.ci/run` installs it.
fn terraform() -> Option<PathBuf> {
    let dir = std::env::var_os("TFPOST_TOOLS_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/tfpost/tools")))?;
    let binary = dir.join("terraform-1.15.5/terraform");
    if binary.exists() {
        return Some(binary);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing: .ci/run installs it with tests/support/install-terraform.sh",
        binary.display()
    );
    eprintln!("skipped: no Terraform at {}", binary.display());
    None
}
