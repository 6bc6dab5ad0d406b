//! `tfpost ci` and `tfpost config` run as a user runs them, with a cleared environment.

use assert_cmd::Command;
use serde_json::Value;

fn tfpost(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("tfpost").unwrap();
    cmd.env_clear().current_dir(dir);
    cmd
}

fn json(output: &[u8]) -> Value {
    serde_json::from_slice(output).unwrap()
}

#[test]
fn ci_under_circleci_variables() {
    let dir = tempfile::tempdir().unwrap();
    let out = tfpost(dir.path())
        .arg("ci")
        .envs([
            ("CI", "true"),
            ("CIRCLECI", "true"),
            ("CIRCLE_PROJECT_USERNAME", "acme"),
            ("CIRCLE_PROJECT_REPONAME", "infra"),
            ("CIRCLE_SHA1", "6dcb09b5b57875f334f61aebed695e2e4193db5e"),
            ("CIRCLE_BRANCH", "feature/x"),
            (
                "CIRCLE_BUILD_URL",
                "https://circleci.com/gh/acme/infra/1234",
            ),
            (
                "CIRCLE_PULL_REQUEST",
                "https://github.com/acme/infra/pull/42",
            ),
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let ctx = json(&out);
    assert_eq!(ctx["platform"], "circleci");
    assert_eq!(ctx["owner"], "acme");
    assert_eq!(ctx["repo"], "infra");
    assert_eq!(ctx["pr"], 42);
    assert_eq!(ctx["is_pr"], true);
    assert_eq!(ctx["sha"], "6dcb09b5b57875f334f61aebed695e2e4193db5e");
    assert_eq!(ctx["build_url"], "https://circleci.com/gh/acme/infra/1234");
}

#[test]
fn ci_under_github_actions_reads_the_pull_request_event() {
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        r#"{"action":"opened","number":5,"pull_request":{"number":5,
        "html_url":"https://github.com/acme/infra/pull/5",
        "head":{"ref":"fix","sha":"1111111111111111111111111111111111111111"},
        "base":{"ref":"main"}}}"#,
    )
    .unwrap();
    let ctx = json(
        &tfpost(dir.path())
            .arg("ci")
            .envs([
                ("GITHUB_ACTIONS", "true"),
                ("GITHUB_EVENT_NAME", "pull_request"),
                ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
                ("GITHUB_REPOSITORY", "acme/infra"),
                ("GITHUB_SERVER_URL", "https://github.com"),
                ("GITHUB_RUN_ID", "99"),
                ("GITHUB_SHA", "2222222222222222222222222222222222222222"),
                ("GITHUB_REF", "refs/pull/5/merge"),
                ("GITHUB_HEAD_REF", "fix"),
            ])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(ctx["platform"], "github_actions");
    assert_eq!(ctx["pr"], 5);
    assert_eq!(ctx["sha"], "1111111111111111111111111111111111111111");
    assert_eq!(ctx["branch"], "fix");
    assert_eq!(
        ctx["build_url"],
        "https://github.com/acme/infra/actions/runs/99"
    );
}

#[test]
fn ci_outside_ci_is_all_null_and_flags_override() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = json(
        &tfpost(dir.path())
            .arg("ci")
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(ctx["platform"], Value::Null);
    assert_eq!(ctx["pr"], Value::Null);
    assert_eq!(ctx["is_pr"], false);

    let ctx = json(
        &tfpost(dir.path())
            .args(["ci", "--repo", "acme/infra", "--pr", "7", "--sha", "abc"])
            .args(["--build-url", "https://ci.example.com/1"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(ctx["owner"], "acme");
    assert_eq!(ctx["repo"], "infra");
    assert_eq!(ctx["pr"], 7);
    assert_eq!(ctx["sha"], "abc");
    assert_eq!(ctx["build_url"], "https://ci.example.com/1");
}

#[test]
fn ci_config_section_applies_and_flags_win() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tfpost.yaml"),
        "ci:\n  owner: fromfile\n  repo: infra\n  pr: $PR\n",
    )
    .unwrap();
    // A config found in the checkout does not say where messages go.
    let found = tfpost(dir.path())
        .arg("ci")
        .env("PR", "12")
        .assert()
        .success();
    let ctx = json(&found.get_output().stdout);
    assert_eq!(ctx["repo"], serde_json::Value::Null);
    let stderr = String::from_utf8_lossy(&found.get_output().stderr);
    assert!(
        stderr.contains("tfpost.yaml:3: `ci.repo` is not read from a config found in the checkout"),
        "{stderr}"
    );
    // Named by the pipeline, it does.
    let ctx = json(
        &tfpost(dir.path())
            .args(["ci", "--owner", "fromflag"])
            .env("PR", "12")
            .env("TFPOST_CONFIG", "tfpost.yaml")
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert_eq!(ctx["owner"], "fromflag");
    assert_eq!(ctx["repo"], "infra");
    assert_eq!(ctx["pr"], 12);
}

#[test]
fn bad_config_fails_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tfpost.yaml"), "slack:\n  whenn: always\n").unwrap();
    let out = tfpost(dir.path())
        .arg("ci")
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("tfpost.yaml:2:3: key `slack.whenn`: unknown field `whenn`"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn config_show_masks_secrets() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tfpost.yaml"),
        "vars:\n  note: deployed with $DEPLOY_KEY\nmask:\n  env: [DEPLOY_KEY]\n",
    )
    .unwrap();
    let out = tfpost(dir.path())
        .args(["config", "show"])
        .envs([
            ("GITHUB_TOKEN", "ghp_0123456789abcdef"),
            (
                "SLACK_WEBHOOK_URL",
                "https://hooks.slack.com/services/T0/B0/xyz",
            ),
            ("DEPLOY_KEY", "dk-very-secret"),
            // A config found in the checkout expands only the variables the pipeline allows.
            ("TFPOST_ALLOW_ENV", "DEPLOY_KEY"),
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let shown = String::from_utf8(out).unwrap();
    assert!(shown.starts_with("# from "), "{shown}");
    for secret in ["ghp_0123456789abcdef", "hooks.slack.com", "dk-very-secret"] {
        assert!(!shown.contains(secret), "{secret} leaked:\n{shown}");
    }
    assert!(shown.contains("note: deployed with ***"), "{shown}");
}

#[test]
fn config_show_reads_a_tfcmt_config_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("tfcmt.yaml"),
        "terraform:\n  plan:\n    template: |\n      {{ .Result }}\n      {{ .Stderr }}\n",
    )
    .unwrap();
    let out = tfpost(dir.path())
        .args(["config", "show"])
        .assert()
        .success()
        .get_output()
        .clone();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stdout.contains("(tfcmt format, found in the checkout: it may change presentation only)"),
        "{stdout}"
    );
    assert!(
        stderr.contains(
            "tfcmt.yaml:5: unsupported in tfcmt template `terraform.plan.template`: `.Stderr`"
        ),
        "{stderr}"
    );
}

#[test]
fn config_schema_is_a_json_schema() {
    let dir = tempfile::tempdir().unwrap();
    let schema = json(
        &tfpost(dir.path())
            .args(["config", "schema"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    assert!(
        schema["$schema"]
            .as_str()
            .unwrap()
            .contains("json-schema.org")
    );
    assert_eq!(schema["type"], "object");
    assert!(schema["properties"]["github"].is_object());
}

/// The node a schema node stands for: `$ref`s followed, and of an `anyOf`/`oneOf` (an
/// `Option<T>`, or one value or a list) the variant that has fields, else the first that is not
/// `null`.
fn resolve<'a>(schema: &'a Value, node: &'a Value) -> &'a Value {
    if let Some(reference) = node["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap();
        return resolve(schema, &schema["$defs"][name]);
    }
    for choice in ["anyOf", "oneOf"] {
        if let Some(variants) = node[choice].as_array() {
            let variants: Vec<&Value> = variants
                .iter()
                .map(|v| resolve(schema, v))
                .filter(|v| v["type"] != "null")
                .collect();
            return variants
                .iter()
                .find(|v| v["properties"].is_object())
                .or(variants.first())
                .copied()
                .unwrap_or(node);
        }
    }
    node
}

/// Every key path the schema knows (`github.labels.destroy.color`), with the node it names.
fn schema_keys<'a>(
    schema: &'a Value,
    node: &'a Value,
    prefix: &str,
    out: &mut std::collections::BTreeMap<String, &'a Value>,
) {
    let node = resolve(schema, node);
    if let Some(properties) = node["properties"].as_object() {
        for (key, child) in properties {
            let path = format!("{prefix}{key}");
            out.insert(path.clone(), resolve(schema, child));
            schema_keys(schema, child, &format!("{path}."), out);
        }
    }
}

/// Every key path a YAML document names, descending only into sections the schema gives fields
/// (a map such as `vars` holds the user's own names).
fn yaml_keys(
    value: &serde_yaml_ng::Value,
    prefix: &str,
    schema: &std::collections::BTreeMap<String, &Value>,
    out: &mut std::collections::BTreeSet<String>,
) {
    let Some(mapping) = value.as_mapping() else {
        return;
    };
    for (key, child) in mapping {
        let path = format!("{prefix}{}", key.as_str().expect("a string key"));
        out.insert(path.clone());
        if schema
            .get(&path)
            .is_some_and(|node| node["properties"].is_object())
        {
            yaml_keys(child, &format!("{path}."), schema, out);
        }
    }
}

/// docs/configuration.md's example holds every key of `tfpost config schema` and no other, and
/// tfpost reads it without a word.
#[test]
fn the_configuration_page_names_every_schema_key_and_no_other() {
    let dir = tempfile::tempdir().unwrap();
    let schema = json(
        &tfpost(dir.path())
            .args(["config", "schema"])
            .assert()
            .success()
            .get_output()
            .stdout,
    );
    let mut known = std::collections::BTreeMap::new();
    schema_keys(&schema, &schema, "", &mut known);
    assert!(
        known.contains_key("github.labels.destroy.color"),
        "{known:?}"
    );

    let page = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/configuration.md"),
    )
    .unwrap();
    let blocks: Vec<&str> = page
        .split("```yaml\n")
        .skip(1)
        .map(|rest| rest.split("\n```").next().unwrap())
        .collect();
    assert!(
        !blocks.is_empty(),
        "no YAML example in docs/configuration.md"
    );
    let mut documented = std::collections::BTreeSet::new();
    for (index, block) in blocks.iter().enumerate() {
        let value: serde_yaml_ng::Value = serde_yaml_ng::from_str(block)
            .unwrap_or_else(|e| panic!("YAML block {index} of docs/configuration.md: {e}"));
        yaml_keys(&value, "", &known, &mut documented);
        // The example is a config tfpost takes as it is.
        let file = dir.path().join(format!("example-{index}.yaml"));
        std::fs::write(&file, block).unwrap();
        let out = tfpost(dir.path())
            .args(["config", "show", "--config"])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.is_empty(),
            "block {index}: {stderr}"
        );
    }
    let unknown: Vec<&String> = documented
        .iter()
        .filter(|k| !known.contains_key(*k))
        .collect();
    assert!(
        unknown.is_empty(),
        "docs/configuration.md names keys the schema does not have: {unknown:?}"
    );
    let undocumented: Vec<&String> = known.keys().filter(|k| !documented.contains(*k)).collect();
    assert!(
        undocumented.is_empty(),
        "schema keys missing from docs/configuration.md's example: {undocumented:?}"
    );
}
