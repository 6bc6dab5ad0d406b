//! `tfpost render`, the local dry run, end to end through the binary.

use assert_cmd::Command;
use predicates::prelude::*;

fn tfpost() -> Command {
    Command::cargo_bin("tfpost").unwrap_or_else(|e| panic!("binary not built: {e}"))
}

const KITCHEN_SINK: &str = "fixtures/tf-1.15.5/kitchen-sink.plan.txt";

#[test]
fn renders_a_fixture_as_a_github_comment() {
    tfpost()
        .args([
            "render",
            KITCHEN_SINK,
            "--title",
            "Plan for prod",
            "--message",
            "Ship it?",
        ])
        .args(["--var", "env=prod"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "### Plan for prod · `.` — ⚠️ destroys resources\n",
        ))
        .stdout(predicate::str::contains(
            "> [!CAUTION]\n> This plan destroys **1** and replaces **1** resources:",
        ))
        .stdout(predicate::str::contains("\n\nShip it?\n"))
        .stdout(predicate::str::contains("<sub>`env` = `prod`</sub>"));
}

#[test]
fn reads_stdin_and_honours_kind() {
    let apply = std::fs::read("fixtures/tf-1.15.5/kitchen-sink.apply.txt").unwrap_or_default();
    tfpost()
        .args(["render", "-", "--kind", "apply"])
        .write_stdin(apply)
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "### Terraform apply · `.` — ✅ applied",
        ));
}

#[test]
fn unparsable_input_prints_the_raw_output_comment() {
    tfpost()
        .args(["render", "-"])
        .write_stdin("hello @octocat\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("output not understood"))
        .stdout(predicate::str::contains("```\nhello @octocat\n```"));
}

#[test]
fn user_template_renders_and_a_broken_one_falls_back() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let good = dir.path().join("good.md");
    let bad = dir.path().join("bad.md");
    std::fs::write(&good, "{{ title }}: {{ result }}\n{% for r in deleted_resources %}{{ r|inline_code }}{% endfor %}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&bad, "line one\n{% if %}\n").unwrap_or_else(|e| panic!("{e}"));
    tfpost()
        .args(["render", KITCHEN_SINK, "--title", "T", "--template"])
        .arg(&good)
        .assert()
        .success()
        .stdout(
            "T: Plan: 1 to import, 2 to add, 1 to change, 2 to destroy.\n`terraform_data.s_e`\n",
        );
    tfpost()
        .args(["render", KITCHEN_SINK, "--template"])
        .arg(&bad)
        .assert()
        .success()
        .stderr(predicate::str::contains("bad.md line 2: syntax error"))
        .stderr(predicate::str::contains("the built-in template was used"))
        .stdout(predicate::str::starts_with("### Terraform plan"));
}

#[test]
fn slack_target_prints_the_block_kit_message() {
    let out = tfpost()
        .args([
            "render",
            KITCHEN_SINK,
            "--target",
            "slack",
            "--title",
            "envs/prod",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let message: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(message["blocks"][0]["type"], "header");
    assert!(message["text"].as_str().unwrap().contains("destroys"));
    assert!(
        message["thread_reply"]["blocks"].is_array(),
        "the details go in the thread"
    );
}

#[test]
fn missing_template_file_is_a_clear_error() {
    tfpost()
        .args(["render", KITCHEN_SINK, "--template", "/nonexistent/t.md"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "cannot read template /nonexistent/t.md",
        ));
}

#[test]
fn a_template_doing_endless_work_is_stopped_and_the_built_in_comment_printed() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let nested = dir.path().join("nested.md");
    // 1,000 x 1,000 x 1,000 steps over a 1,000-resource plan: hours without a bound.
    std::fs::write(
        &nested,
        "{% for a in created_resources %}{% for b in created_resources %}\
         {% for c in created_resources %}{% endfor %}{% endfor %}{% endfor %}",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let wide = dir.path().join("wide.md");
    std::fs::write(
        &wide,
        "{% for a in created_resources %}{% for b in created_resources %}{{ a }}{{ b }}\
         {% endfor %}{% endfor %}",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    for (template, reason) in [(&nested, "steps of work"), (&wide, "characters, more than")] {
        tfpost()
            .args(["render", "fixtures/bench/plan_1000.txt", "--template"])
            .arg(template)
            // A guard against a hang, not a speed target.
            .timeout(std::time::Duration::from_secs(300))
            .assert()
            .success()
            .stderr(predicate::str::contains(template.display().to_string()))
            .stderr(predicate::str::contains(reason))
            .stdout(predicate::str::starts_with("### Terraform plan"));
    }
}

/// `tfpost parse --kind`: what the text is when it cannot tell by itself.
#[test]
fn parse_kind_forces_plan_or_apply() {
    let model = |args: &[&str], input: &str| -> serde_json::Value {
        let out = tfpost()
            .arg("parse")
            .args(args)
            .write_stdin(input.to_string())
            .assert()
            .success();
        serde_json::from_slice(&out.get_output().stdout).unwrap()
    };
    // An apply that failed before changing anything prints no apply progress: only the flag
    // says it was an apply.
    let failed_early = "\nError: error configuring Terraform AWS Provider: no valid credential sources found\n\n  with provider[\"registry.terraform.io/hashicorp/aws\"],\n  on main.tf line 1, in provider \"aws\":\n   1: provider \"aws\" {\n\n";
    let detected = model(&[], failed_early);
    assert_eq!(detected["kind"], "plan");
    assert_eq!(detected["result"], "error");
    let forced = model(&["--kind", "apply"], failed_early);
    assert_eq!(forced["kind"], "apply");
    assert_eq!(forced["result"], "error");
    assert_eq!(forced["errors"][0]["file"], "main.tf");

    let apply = std::fs::read_to_string("fixtures/tf-1.15.5/apply-failure.apply.txt").unwrap();
    assert_eq!(model(&[], &apply)["kind"], "apply");
    assert_eq!(model(&["--kind=plan"], &apply)["kind"], "plan");

    tfpost()
        .args(["parse", "--kind", "destroy", KITCHEN_SINK])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values: plan, apply"));
}

/// OpenTofu (and Terraform with `removed { lifecycle { destroy = false } }`) counts forgotten
/// resources in its summary line; a template's `result` must say it as printed.
#[test]
fn a_templates_result_keeps_the_forget_count() {
    let plan = std::fs::read_to_string("fixtures/tf-1.15.5/removed-forget.plan.txt")
        .unwrap_or_else(|e| panic!("{e}"))
        .replace(
            "Plan: 0 to add, 0 to change, 1 to destroy.",
            "Plan: 0 to add, 0 to change, 1 to destroy, 1 to forget.",
        );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let template = dir.path().join("result.md");
    std::fs::write(&template, "{{ result }}\n").unwrap_or_else(|e| panic!("{e}"));
    tfpost()
        .args(["render", "-", "--template"])
        .arg(&template)
        .write_stdin(plan.clone())
        .assert()
        .success()
        .stdout("Plan: 0 to add, 0 to change, 1 to destroy, 1 to forget.\n");
    // The built-in comment quotes the same line.
    tfpost()
        .args(["render", "-"])
        .write_stdin(plan)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "as printed: `Plan: 0 to add, 0 to change, 1 to destroy, 1 to forget.`",
        ));
}

/// The colour bar under the counts: always 20 squares, whatever the counts.
#[test]
fn the_colour_bar_has_twenty_squares() {
    let squares = ['🟥', '🟧', '🟩', '🟨', '🟦', '🟪', '🟫', '⬜'];
    for fixture in [
        KITCHEN_SINK,
        "fixtures/tf-1.15.5/mixed.plan.txt",
        "fixtures/tf-1.15.5/removed-forget.plan.txt",
        "fixtures/tf-1.15.5/import-update-create.plan.txt",
    ] {
        let out = tfpost()
            .args(["render", fixture])
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        let text = String::from_utf8_lossy(&out.stdout);
        let bar = text
            .lines()
            .find(|line| !line.is_empty() && line.chars().all(|c| squares.contains(&c)))
            .unwrap_or_else(|| panic!("{fixture}: no colour bar in\n{text}"));
        assert_eq!(bar.chars().count(), 20, "{fixture}: {bar}");
    }
}

/// A plan's text rendered as an apply is not "applied", and no `Apply complete!` line is
/// quoted that the text does not hold.
#[test]
fn a_plan_rendered_as_an_apply_invents_nothing() {
    let plan = "fixtures/tf-1.15.5/mixed.plan.txt";
    let out = tfpost()
        .args(["render", plan, "--kind", "apply"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("✅ applied"), "{text}");
    assert!(!text.contains("as printed: `Apply complete!"), "{text}");
    assert!(
        text.starts_with("### Terraform apply · `.` — ⚠️ not applied: no `Apply complete!` line"),
        "{text}"
    );
    assert!(
        text.contains("as printed: `Plan: 3 to add, 0 to change, 2 to destroy.`"),
        "{text}"
    );
    let slack = tfpost()
        .args(["render", plan, "--kind", "apply", "--target", "slack"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    let json = String::from_utf8_lossy(&slack.stdout);
    assert!(json.contains("apply did not complete"), "{json}");
    assert!(!json.contains("*Resources:*"), "{json}");
    assert!(
        json.contains("*Planned:* 3 to add, 0 to change, 2 to destroy."),
        "{json}"
    );
}

/// `render` prints what `plan --dry-run` would post: the same config (a configured title), the
/// same target key, the same message.
#[test]
fn render_prints_what_plan_dry_run_would_post() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir(dir.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
    let root = dir.path().join("envs/prod");
    std::fs::create_dir_all(&root).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("tfpost.yaml"),
        "title: Configured title\nmessage: From the config\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let plan = std::fs::read(KITCHEN_SINK).unwrap_or_else(|e| panic!("{e}"));
    let isolated = |args: &[&str]| {
        let mut cmd = tfpost();
        cmd.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .current_dir(&root)
            .args(args)
            .write_stdin(plan.clone());
        cmd.output().unwrap_or_else(|e| panic!("{e}"))
    };
    let rendered = isolated(&["render", "-"]);
    assert!(rendered.status.success());
    let rendered = String::from_utf8_lossy(&rendered.stdout).into_owned();
    assert!(
        rendered.starts_with("### Configured title · `envs/prod` — ⚠️ destroys resources\n"),
        "{rendered}"
    );
    assert!(rendered.contains("\nFrom the config\n"), "{rendered}");
    let dry_run = isolated(&["plan", "--dry-run", "--notify", "github"]);
    let stderr = String::from_utf8_lossy(&dry_run.stderr).into_owned();
    let (_, posted) = stderr
        .split_once(":\n")
        .unwrap_or_else(|| panic!("no message in\n{stderr}"));
    assert!(
        stderr.starts_with("tfpost: --dry-run: would post to GitHub"),
        "{stderr}"
    );
    assert_eq!(posted.trim_end(), rendered.trim_end());
    // Slack too: the same Block Kit message.
    let rendered = isolated(&["render", "-", "--target", "slack"]);
    let dry_run = isolated(&["plan", "--dry-run", "--notify", "slack"]);
    let stderr = String::from_utf8_lossy(&dry_run.stderr).into_owned();
    let (_, posted) = stderr
        .split_once(":\n")
        .unwrap_or_else(|| panic!("no message in\n{stderr}"));
    let rendered = String::from_utf8_lossy(&rendered.stdout).into_owned();
    assert!(rendered.contains("Configured title"), "{rendered}");
    assert_eq!(posted.trim_end(), rendered.trim_end());
}
