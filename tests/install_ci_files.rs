//! The GitHub Action (action.yml), the CircleCI orb (orb/) and the GitHub workflows
//! (.github/workflows/): their install steps run here against a release served on 127.0.0.1, and
//! their YAML validates against the published schemas (SchemaStore's, through check-jsonschema).

#[path = "support/dist.rs"]
mod dist;
#[path = "support/release_server.rs"]
mod release_server;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use release_server::ReleaseServer;
use serde_json::Value;

const VERSION: &str = env!("CARGO_PKG_VERSION");
const PLAN: &str = "fixtures/tf-1.15.5/kitchen-sink.plan.txt";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A copy of the release archive and its checksum in a directory of its own, served as release
/// `VERSION`: a test may tamper with the copy.
fn serve_release() -> Option<(tempfile::TempDir, ReleaseServer)> {
    let archive = dist::archive()?;
    let dir = tempfile::tempdir().unwrap();
    let name = dist::archive_name();
    std::fs::copy(&archive, dir.path().join(&name)).unwrap();
    std::fs::copy(
        archive.with_extension("gz.sha256"),
        dir.path().join(format!("{name}.sha256")),
    )
    .unwrap();
    let server = ReleaseServer::start(dir.path().to_path_buf(), VERSION);
    Some((dir, server))
}

fn sha256_hex(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

// ---- The GitHub Action, run step by step as GitHub's runner would --------------------------------

/// What one run of the composite action left behind.
struct ActionRun {
    ok: bool,
    stdout: String,
    stderr: String,
    /// Each step's `$GITHUB_OUTPUT` values, by step id.
    outputs: BTreeMap<String, BTreeMap<String, String>>,
    /// Directories the steps added to `$GITHUB_PATH`.
    path: Vec<String>,
    /// `uses:` steps, which only GitHub can run (actions/cache).
    skipped: Vec<String>,
}

/// Runs action.yml's steps with `inputs` (others take their defaults), in `workspace`, with
/// `tool_cache` as the runner's tool cache. Expressions are expanded the way the runner does;
/// one this test does not know fails it, so new ones get a look.
fn run_action(inputs: &[(&str, &str)], workspace: &Path, tool_cache: &Path) -> ActionRun {
    let action = yaml(&repo().join("action.yml"));
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (name, spec) in action["inputs"].as_object().unwrap() {
        let default = spec.get("default").and_then(Value::as_str).unwrap_or("");
        values.insert(name.clone(), default.to_owned());
    }
    for (name, value) in inputs {
        assert!(values.contains_key(*name), "action.yml has no input {name}");
        values.insert((*name).to_owned(), (*value).to_owned());
    }
    let mut run = ActionRun {
        ok: true,
        stdout: String::new(),
        stderr: String::new(),
        outputs: BTreeMap::new(),
        path: Vec::new(),
        skipped: Vec::new(),
    };
    let files = tempfile::tempdir().unwrap();
    for (index, step) in action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        if let Some(condition) = step.get("if").and_then(Value::as_str)
            && !evaluate_condition(condition, &values)
        {
            continue;
        }
        if let Some(uses) = step.get("uses").and_then(Value::as_str) {
            run.skipped.push(uses.to_owned());
            continue;
        }
        assert_eq!(
            step["shell"], "bash",
            "step {index}: every run step says its shell"
        );
        let id = step
            .get("id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or(format!("step{index}"));
        let expand = |text: &str, run: &ActionRun| expand_expressions(text, &values, &run.outputs);
        let script = files.path().join(format!("{id}.sh"));
        std::fs::write(&script, expand(step["run"].as_str().unwrap(), &run)).unwrap();
        let output_file = files.path().join(format!("{id}.output"));
        let path_file = files.path().join(format!("{id}.path"));
        std::fs::write(&output_file, "").unwrap();
        std::fs::write(&path_file, "").unwrap();
        let dir = step
            .get("working-directory")
            .and_then(Value::as_str)
            .map(|d| workspace.join(expand(d, &run)))
            .unwrap_or_else(|| workspace.to_path_buf());
        let system_path = std::env::var("PATH").unwrap_or_default();
        let path = run
            .path
            .iter()
            .rev()
            .cloned()
            .chain([system_path])
            .collect::<Vec<_>>()
            .join(":");
        let mut command = Command::new("bash");
        command
            .args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script)
            .current_dir(dir)
            .env_clear()
            .env("PATH", path)
            .env("HOME", workspace)
            .env("GITHUB_ACTION_PATH", repo())
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &path_file)
            .env("RUNNER_TOOL_CACHE", tool_cache)
            .env("RUNNER_TEMP", files.path())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64");
        if let Some(env) = step.get("env").and_then(Value::as_object) {
            for (name, value) in env {
                command.env(name, expand(value.as_str().unwrap(), &run));
            }
        }
        let output = command.output().unwrap();
        run.stdout
            .push_str(&String::from_utf8_lossy(&output.stdout));
        run.stderr
            .push_str(&String::from_utf8_lossy(&output.stderr));
        let step_outputs = std::fs::read_to_string(&output_file).unwrap();
        let entry = run.outputs.entry(id).or_default();
        for line in step_outputs.lines() {
            let (key, value) = line.split_once('=').unwrap();
            entry.insert(key.to_owned(), value.to_owned());
        }
        run.path.extend(
            std::fs::read_to_string(&path_file)
                .unwrap()
                .lines()
                .map(str::to_owned),
        );
        if !output.status.success() {
            run.ok = false;
            break;
        }
    }
    run
}

/// `${{ ... }}` in action.yml: inputs, step outputs, and the runner facts the action reads.
fn expand_expressions(
    text: &str,
    inputs: &BTreeMap<String, String>,
    outputs: &BTreeMap<String, BTreeMap<String, String>>,
) -> String {
    let mut result = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${{") {
        result.push_str(&rest[..start]);
        let end = rest[start..].find("}}").unwrap() + start;
        let expression = rest[start + 3..end].trim();
        let value = if let Some(name) = expression.strip_prefix("inputs.") {
            expand_expressions(&inputs[name], inputs, outputs)
        } else if let Some(step) = expression.strip_prefix("steps.") {
            let (id, name) = step.split_once(".outputs.").unwrap();
            outputs
                .get(id)
                .and_then(|o| o.get(name))
                .cloned()
                .unwrap_or_default()
        } else {
            match expression {
                "runner.os" => "Linux".to_owned(),
                "runner.arch" => "X64".to_owned(),
                "github.token" => "test-token".to_owned(),
                other => panic!(
                    "action.yml uses the expression `{other}`, which this test does not know"
                ),
            }
        };
        result.push_str(&value);
        rest = &rest[end + 2..];
    }
    result.push_str(rest);
    result
}

/// The `if:` forms action.yml uses: `inputs.NAME != ''` and `inputs.NAME == ''`.
fn evaluate_condition(condition: &str, inputs: &BTreeMap<String, String>) -> bool {
    let condition = condition
        .trim()
        .trim_start_matches("${{")
        .trim_end_matches("}}")
        .trim();
    let (name, equal) = if let Some(name) = condition.strip_suffix("!= ''") {
        (name, false)
    } else if let Some(name) = condition.strip_suffix("== ''") {
        (name, true)
    } else {
        panic!("action.yml has the condition `{condition}`, which this test does not know")
    };
    let name = name.trim().strip_prefix("inputs.").unwrap();
    inputs[name].is_empty() == equal
}

#[test]
fn action_installs_a_verified_release_caches_it_and_runs_tfpost() {
    let Some((release, server)) = serve_release() else {
        return;
    };
    let workspace = tempfile::tempdir().unwrap();
    let tool_cache = tempfile::tempdir().unwrap();
    let base = server.base_url.clone();
    let install = [("version", VERSION), ("base-url", base.as_str())];

    let first = run_action(&install, workspace.path(), tool_cache.path());
    assert!(first.ok, "{}{}", first.stdout, first.stderr);
    assert_eq!(
        first.skipped,
        ["actions/cache@v4"],
        "the tool cache dir is what actions/cache keeps"
    );
    let dir = PathBuf::from(&first.outputs["dir"]["path"]);
    assert!(dir.starts_with(tool_cache.path()), "{}", dir.display());
    assert_eq!(
        first.path,
        [dir.display().to_string()],
        "tfpost is on the PATH of later steps"
    );
    assert_eq!(server.requests(), 2, "the archive and its checksum");
    let version = Command::new(dir.join("tfpost"))
        .arg("--version")
        .output()
        .unwrap();
    let version = String::from_utf8(version.stdout).unwrap();
    assert!(
        version.starts_with(&format!("tfpost {VERSION} (commit ")),
        "{version}"
    );

    // A cached tool dir (what actions/cache restores): no download at all.
    let cached = run_action(&install, workspace.path(), tool_cache.path());
    assert!(cached.ok, "{}", cached.stderr);
    assert_eq!(server.requests(), 2, "a cached install downloads nothing");
    assert!(cached.stdout.contains("already"), "{}", cached.stdout);

    // Installed and run: `tfpost plan -- cat PLAN` tees the plan and prints the comment.
    let plan_path = repo().join(PLAN);
    let wrapped = format!("cat '{}'", plan_path.display());
    let planned = run_action(
        &[
            ("version", VERSION),
            ("base-url", base.as_str()),
            ("command", "plan"),
            ("args", "--notify stdout --title 'Plan of prod'"),
            ("terraform-command", wrapped.as_str()),
        ],
        workspace.path(),
        tool_cache.path(),
    );
    assert!(planned.ok, "{}", planned.stderr);
    let plan = std::fs::read_to_string(&plan_path).unwrap();
    assert!(
        planned.stdout.contains(&plan),
        "the plan passes through untouched"
    );
    assert!(
        planned.stdout.contains("Plan of prod"),
        "the quoted title reaches tfpost as one word"
    );
    assert_eq!(planned.outputs["run"]["exit-code"], "0");

    let wrong = run_action(
        &[
            ("version", VERSION),
            ("base-url", base.as_str()),
            ("command", "destroy"),
            ("terraform-command", "true"),
        ],
        workspace.path(),
        tool_cache.path(),
    );
    assert!(!wrong.ok);
    assert!(
        wrong
            .stderr
            .contains("command must be plan or apply, not 'destroy'"),
        "{}",
        wrong.stderr
    );

    // A tampered archive (its published checksum unchanged) is refused and nothing is installed.
    let archive = release.path().join(dist::archive_name());
    let genuine = std::fs::read(&archive).unwrap();
    let mut tampered = genuine.clone();
    tampered.extend_from_slice(b"tampered");
    std::fs::write(&archive, &tampered).unwrap();
    let fresh_cache = tempfile::tempdir().unwrap();
    let refused = run_action(&install, workspace.path(), fresh_cache.path());
    assert!(!refused.ok);
    assert!(
        refused.stderr.contains("checksum mismatch"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("nothing was installed"),
        "{}",
        refused.stderr
    );
    assert!(
        !dir_holds_tfpost(fresh_cache.path()),
        "no binary after a failed check"
    );

    // A pinned checksum wins over the published one, both ways.
    std::fs::write(&archive, &genuine).unwrap();
    let pin = sha256_hex(&archive);
    let wrong_pin = "0".repeat(64);
    let pinned_wrong = run_action(
        &[
            ("version", VERSION),
            ("base-url", base.as_str()),
            ("sha256", wrong_pin.as_str()),
        ],
        workspace.path(),
        fresh_cache.path(),
    );
    assert!(!pinned_wrong.ok);
    assert!(
        pinned_wrong.stderr.contains("checksum mismatch"),
        "{}",
        pinned_wrong.stderr
    );
    let before = server.requests();
    let pinned = run_action(
        &[
            ("version", VERSION),
            ("base-url", base.as_str()),
            ("sha256", pin.as_str()),
        ],
        workspace.path(),
        fresh_cache.path(),
    );
    assert!(pinned.ok, "{}", pinned.stderr);
    assert_eq!(
        server.requests() - before,
        1,
        "with a pin, the published checksum is not fetched"
    );

    // A release that does not exist: a clear error naming the URL.
    let missing = run_action(
        &[("version", "9.9.9"), ("base-url", base.as_str())],
        workspace.path(),
        fresh_cache.path(),
    );
    assert!(!missing.ok);
    assert!(
        missing.stderr.contains("could not download"),
        "{}",
        missing.stderr
    );
    assert!(
        missing.stderr.contains("/v9.9.9/tfpost-9.9.9-"),
        "{}",
        missing.stderr
    );
}

fn dir_holds_tfpost(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().flatten().any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            dir_holds_tfpost(&path)
        } else {
            path.file_name().is_some_and(|n| n == "tfpost")
        }
    })
}

// ---- The CircleCI orb ----------------------------------------------------------------------------

/// The orb as `circleci orb pack orb/src` makes it: `@orb.yml`, then one key per file under
/// commands/, executors/, jobs/ and examples/, with `<<include(FILE)>>` values replaced by FILE.
fn pack_orb() -> Value {
    let src = repo().join("orb/src");
    let mut orb = yaml(&src.join("@orb.yml"));
    for kind in ["commands", "executors", "jobs", "examples"] {
        let mut entries = serde_json::Map::new();
        let mut files: Vec<PathBuf> = std::fs::read_dir(src.join(kind))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for file in files {
            let name = file.file_stem().unwrap().to_str().unwrap().to_owned();
            entries.insert(name, yaml(&file));
        }
        orb[kind] = Value::Object(entries);
    }
    inline_includes(&mut orb, &src);
    orb
}

fn inline_includes(value: &mut Value, src: &Path) {
    match value {
        Value::String(text) => {
            let trimmed = text.trim();
            if let Some(file) = trimmed
                .strip_prefix("<<include(")
                .and_then(|r| r.strip_suffix(")>>"))
            {
                *text = std::fs::read_to_string(src.join(file.trim())).unwrap();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| inline_includes(v, src)),
        Value::Object(map) => map.values_mut().for_each(|v| inline_includes(v, src)),
        _ => {}
    }
}

/// `<< parameters.NAME >>` replaced from `parameters` (a map of the command's parameter values).
fn substitute_parameters(text: &str, parameters: &BTreeMap<String, String>) -> String {
    let mut result = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("<<") {
        result.push_str(&rest[..start]);
        let end = rest[start..].find(">>").unwrap() + start;
        let name = rest[start + 2..end].trim();
        let name = name
            .strip_prefix("parameters.")
            .unwrap_or_else(|| panic!("unknown orb expression {name}"));
        result.push_str(&parameters[name]);
        rest = &rest[end + 2..];
    }
    result.push_str(rest);
    result
}

/// Runs the orb's `install` command as CircleCI would in an image without bash (`sh -e`).
fn run_orb_install(parameters: &[(&str, &str)], home: &Path) -> std::process::Output {
    let orb = pack_orb();
    let install = &orb["commands"]["install"];
    let mut values = BTreeMap::new();
    for (name, spec) in install["parameters"].as_object().unwrap() {
        values.insert(
            name.clone(),
            spec["default"].as_str().unwrap_or("").to_owned(),
        );
    }
    for (name, value) in parameters {
        assert!(
            values.contains_key(*name),
            "the install command has no parameter {name}"
        );
        values.insert((*name).to_owned(), (*value).to_owned());
    }
    let steps = install["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1);
    let step = &steps[0]["run"];
    let script = home.join("install-step.sh");
    std::fs::write(
        &script,
        substitute_parameters(step["command"].as_str().unwrap(), &values),
    )
    .unwrap();
    let mut command = Command::new("sh");
    command
        .arg("-e")
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("CIRCLECI", "true")
        .env("BASH_ENV", home.join("bash_env"));
    for (name, value) in step["environment"].as_object().unwrap() {
        command.env(
            name,
            substitute_parameters(value.as_str().unwrap(), &values),
        );
    }
    command.output().unwrap()
}

#[test]
fn orb_install_command_installs_the_verified_release_with_plain_sh() {
    let Some((_release, server)) = serve_release() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    let bin_str = bin.display().to_string();
    let parameters = [
        ("base-url", server.base_url.as_str()),
        ("install-dir", bin_str.as_str()),
    ];
    let installed = run_orb_install(&parameters, home.path());
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    let version = Command::new(bin.join("tfpost"))
        .arg("--version")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with(&format!("tfpost {VERSION} ")));
    // Later steps find it: CircleCI's bash steps source BASH_ENV.
    let bash_env = std::fs::read_to_string(home.path().join("bash_env")).unwrap();
    assert_eq!(bash_env, format!("export PATH=\"{bin_str}:$PATH\"\n"));
    let requests = server.requests();
    let again = run_orb_install(&parameters, home.path());
    assert!(again.status.success());
    assert_eq!(
        server.requests(),
        requests,
        "installed already: nothing downloaded"
    );

    let refused = run_orb_install(
        &[
            ("base-url", server.base_url.as_str()),
            ("install-dir", bin_str.as_str()),
            ("version", "0.0.1"),
        ],
        home.path(),
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("could not download"));
}

#[test]
fn orb_jobs_use_the_orbs_own_commands_and_executor() {
    let orb = pack_orb();
    let commands = orb["commands"].as_object().unwrap();
    for name in ["install", "plan", "apply"] {
        assert!(commands.contains_key(name), "command {name}");
    }
    let built_in = ["checkout", "run"];
    for (job_name, job) in orb["jobs"].as_object().unwrap() {
        assert_eq!(job["executor"]["name"], "default", "job {job_name}");
        assert!(orb["executors"].get("default").is_some());
        for step in job["steps"].as_array().unwrap() {
            let name = match step {
                Value::String(name) => name.as_str(),
                Value::Object(map) => map.keys().next().unwrap().as_str(),
                other => panic!("job {job_name}: step {other}"),
            };
            assert!(
                built_in.contains(&name) || commands.contains_key(name),
                "job {job_name} uses {name}"
            );
        }
    }
    let install = orb["commands"]["install"]["steps"][0]["run"]["command"]
        .as_str()
        .unwrap();
    assert_eq!(
        install,
        std::fs::read_to_string(repo().join("dist/install.sh")).unwrap()
    );
}

// ---- Pinned versions and schemas ---------------------------------------------------------------

#[test]
fn action_and_orb_install_this_release_by_default() {
    let action = yaml(&repo().join("action.yml"));
    assert_eq!(action["inputs"]["version"]["default"], VERSION);
    let orb = pack_orb();
    assert_eq!(
        orb["commands"]["install"]["parameters"]["version"]["default"],
        VERSION
    );
    for job in ["plan", "apply"] {
        assert_eq!(
            orb["jobs"][job]["parameters"]["version"]["default"], VERSION,
            "job {job}"
        );
    }
    let example = &orb["examples"]["plan-and-apply"]["usage"]["orbs"]["tfpost"];
    assert_eq!(
        example.as_str().unwrap(),
        format!("tfpost/tfpost@{VERSION}")
    );
}

/// check-jsonschema, installed by tests/support/fetch-schemas.sh (named by `.ci/run` in
/// `TFPOST_CHECK_JSONSCHEMA`). Skipped without it outside CI, a failure in CI.
fn check_jsonschema() -> Option<PathBuf> {
    let Some(exe) = std::env::var_os("TFPOST_CHECK_JSONSCHEMA").filter(|v| !v.is_empty()) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "TFPOST_CHECK_JSONSCHEMA is not set: .ci/run installs it with tests/support/fetch-schemas.sh"
        );
        eprintln!(
            "skipped: TFPOST_CHECK_JSONSCHEMA=\"$(bash tests/support/fetch-schemas.sh)\" runs this test"
        );
        return None;
    };
    Some(PathBuf::from(exe))
}

fn validate(exe: &Path, schema: &str, files: &[PathBuf]) -> std::process::Output {
    Command::new(exe)
        .args(["--builtin-schema", schema])
        .args(files)
        .output()
        .unwrap()
}

#[test]
fn workflows_action_and_orb_validate_against_the_published_schemas() {
    let Some(exe) = check_jsonschema() else {
        return;
    };
    let ok = |schema: &str, files: &[PathBuf]| {
        let output = validate(&exe, schema, files);
        assert!(
            output.status.success(),
            "{schema}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let mut workflows: Vec<PathBuf> = std::fs::read_dir(repo().join(".github/workflows"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    workflows.sort();
    assert_eq!(workflows.len(), 2, "ci.yml and release.yml");
    ok("vendor.github-workflows", &workflows);
    ok("vendor.github-actions", &[repo().join("action.yml")]);

    let dir = tempfile::tempdir().unwrap();
    let orb = pack_orb();
    let packed = dir.path().join("orb.json");
    std::fs::write(&packed, serde_json::to_string_pretty(&orb).unwrap()).unwrap();
    ok("vendor.circle-ci", std::slice::from_ref(&packed));
    // The orb's example, with the orb inlined: a whole config as users write it.
    let mut config = orb["examples"]["plan-and-apply"]["usage"].clone();
    let mut inline = serde_json::Map::new();
    for kind in ["commands", "executors", "jobs"] {
        inline.insert(kind.to_owned(), orb[kind].clone());
    }
    config["orbs"]["tfpost"] = Value::Object(inline);
    let example = dir.path().join("config.json");
    std::fs::write(&example, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    ok("vendor.circle-ci", std::slice::from_ref(&example));

    // The pipelines to copy in README and docs/: CircleCI configs and GitHub workflows.
    let mut pages = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    pages.extend(docs);
    let (mut circleci, mut github) = (Vec::new(), Vec::new());
    for page in &pages {
        let text = std::fs::read_to_string(page).unwrap();
        let stem = page.file_stem().unwrap().to_string_lossy();
        for (index, block) in text.split("```yaml\n").skip(1).enumerate() {
            let block = block.split("```").next().unwrap();
            let file = dir.path().join(format!("{stem}-{index}.yml"));
            std::fs::write(&file, block).unwrap();
            if block.starts_with("version: 2.1") {
                circleci.push(file);
            } else if block.starts_with("on:") {
                github.push(file);
            }
        }
    }
    assert!(
        circleci.len() >= 3 && github.len() >= 2,
        "the documented pipelines were not found"
    );
    ok("vendor.circle-ci", &circleci);
    ok("vendor.github-workflows", &github);

    // Controls: the schemas do reject what GitHub and CircleCI would.
    let mut broken_workflow = yaml(&workflows[0]);
    let job = broken_workflow["jobs"]
        .as_object_mut()
        .unwrap()
        .values_mut()
        .next()
        .unwrap();
    let runs_on = job.as_object_mut().unwrap().remove("runs-on").unwrap();
    job["runs-onn"] = runs_on;
    let broken = dir.path().join("broken-workflow.json");
    std::fs::write(&broken, broken_workflow.to_string()).unwrap();
    assert!(
        !validate(
            &exe,
            "vendor.github-workflows",
            std::slice::from_ref(&broken)
        )
        .status
        .success()
    );
    let mut broken_orb = orb.clone();
    let install = broken_orb["commands"]["install"].as_object_mut().unwrap();
    let steps = install.remove("steps").unwrap();
    install.insert("stepz".to_owned(), steps);
    let broken = dir.path().join("broken-orb.json");
    std::fs::write(&broken, broken_orb.to_string()).unwrap();
    assert!(
        !validate(&exe, "vendor.circle-ci", std::slice::from_ref(&broken))
            .status
            .success()
    );
}
