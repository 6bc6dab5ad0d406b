//! The parser against every real Terraform output in `fixtures/`: Terraform's own
//! `show -json` of the same saved plan, its exit code, and the text's own `Plan:` line.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde_json::Value;
use tfpost::model::{Action, Kind, Outcome, Report};
use tfpost::parse::{ParseOptions, parse};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every file in `fixtures/DIR` whose name ends with `suffix`, sorted.
fn files(dir: &str, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(fixtures().join(dir)).expect("fixtures dir") {
        let path = entry.expect("dir entry").path();
        if path.to_string_lossy().ends_with(suffix) {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn versions() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures dir")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("tf-"))
        .collect();
    out.sort();
    out
}

fn parse_file(path: &Path) -> Report {
    let text = std::fs::read(path).expect("read fixture");
    parse(&text, ParseOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The action tfpost reports for one of `show -json`'s resource changes (as
/// `fixtures/README.md` says how to read them), or None when there is nothing to report.
fn truth_action(change: &Value) -> Option<&'static str> {
    let actions: Vec<&str> = change["change"]["actions"]
        .as_array()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut sorted = actions.clone();
    sorted.sort();
    if sorted == ["create", "delete"] {
        return Some("replace");
    }
    if actions == ["no-op"] {
        if change["change"]["importing"].is_object() {
            return Some("import");
        }
        if change["previous_address"].is_string() {
            return Some("move");
        }
        return None;
    }
    Some(match actions.first()? {
        &"create" => "create",
        &"update" => "update",
        &"delete" => "delete",
        &"read" => "read",
        &"forget" => "forget",
        other => panic!("unknown action {other}"),
    })
}

#[derive(Debug, Default, PartialEq, Eq)]
struct Comparable {
    resources: BTreeMap<(String, String), usize>,
    moves: Vec<(String, String)>,
    outputs: Vec<(String, String)>,
    counts: BTreeMap<&'static str, u64>,
}

fn from_truth(plan: &Value, with_outputs: bool) -> Comparable {
    let mut c = Comparable::default();
    let empty = Vec::new();
    for rc in plan["resource_changes"].as_array().unwrap_or(&empty) {
        let Some(action) = truth_action(rc) else {
            continue;
        };
        let address = rc["address"].as_str().unwrap_or_default().to_string();
        *c.resources
            .entry((address.clone(), action.to_string()))
            .or_default() += 1;
        if let Some(prev) = rc["previous_address"].as_str() {
            c.moves.push((address.clone(), prev.to_string()));
        }
        let (add, destroy, change) = match action {
            "create" => (1, 0, 0),
            "delete" => (0, 1, 0),
            "update" => (0, 0, 1),
            "replace" => (1, 1, 0),
            _ => (0, 0, 0),
        };
        *c.counts.entry("add").or_default() += add;
        *c.counts.entry("destroy").or_default() += destroy;
        *c.counts.entry("change").or_default() += change;
        if rc["change"]["importing"].is_object() {
            *c.counts.entry("import").or_default() += 1;
        }
    }
    if with_outputs && let Some(outputs) = plan["output_changes"].as_object() {
        for (name, change) in outputs {
            let action = change["actions"][0].as_str().unwrap_or_default();
            if action != "no-op" {
                c.outputs.push((name.clone(), action.to_string()));
            }
        }
    }
    c.moves.sort();
    c.outputs.sort();
    c
}

fn from_report(report: &Report, with_outputs: bool, truth: &Comparable) -> Comparable {
    let mut c = Comparable::default();
    for r in &report.resources {
        *c.resources
            .entry((r.address.to_string(), r.action.as_str().to_string()))
            .or_default() += 1;
        if let Some(from) = &r.from_address {
            c.moves.push((r.address.to_string(), from.to_string()));
        }
    }
    if with_outputs {
        for o in &report.outputs {
            c.outputs
                .push((o.name.clone(), o.action.as_str().to_string()));
        }
    }
    // Only the counts the truth can speak of: a plan with nothing to do prints no Plan: line.
    if !truth.resources.is_empty() {
        let s = report.summary.unwrap_or_default();
        for key in truth.counts.keys() {
            let value = match *key {
                "add" => s.add,
                "change" => s.change,
                "destroy" => s.destroy,
                "import" => s.import,
                _ => unreachable!(),
            };
            c.counts.insert(key, value);
        }
    } else {
        c.counts = truth.counts.clone();
    }
    c.moves.sort();
    c.outputs.sort();
    c
}

#[test]
fn agrees_with_terraform_show_json_on_every_saved_plan() {
    let mut failures = Vec::new();
    let mut compared = 0;
    for version in versions() {
        // 0.11's truth is 1.0.3's plan of the same configuration, true for resources but not
        // outputs, and 0.13's show -json misreports output changes (fixtures/README.md).
        let with_outputs = !(version.starts_with("tf-0.11") || version.starts_with("tf-0.13"));
        for truth_path in files(&version, ".plan.json") {
            let truth: Value =
                serde_json::from_slice(&std::fs::read(&truth_path).expect("read truth"))
                    .expect("truth is JSON");
            let want = from_truth(&truth, with_outputs);
            let stem = truth_path
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_string();
            for text in [format!("{stem}.txt"), format!("{stem}.ansi.txt")] {
                let text = PathBuf::from(text);
                if !text.exists() {
                    continue;
                }
                compared += 1;
                let got = from_report(&parse_file(&text), with_outputs, &want);
                if got != want {
                    failures.push(format!(
                        "{}:\n  want {want:?}\n  got  {got:?}",
                        text.display()
                    ));
                }
            }
        }
    }
    assert!(compared >= 100, "only {compared} fixtures compared");
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn result_follows_terraforms_exit_code() {
    let mut failures = Vec::new();
    for version in versions() {
        for exit_path in files(&version, ".exit") {
            let stem = exit_path
                .to_string_lossy()
                .trim_end_matches(".exit")
                .to_string();
            let text = PathBuf::from(format!("{stem}.txt"));
            let code: i32 = std::fs::read_to_string(&exit_path)
                .expect("read exit")
                .trim()
                .parse()
                .expect("exit code");
            let report = parse_file(&text);
            let is_apply = stem.ends_with(".apply");
            let want = match (is_apply, code) {
                (true, 0) => Outcome::Applied,
                (_, 1) => Outcome::Error,
                (false, 0) => Outcome::NoChanges,
                (false, 2) => Outcome::Changes,
                other => panic!("{}: unexpected {other:?}", text.display()),
            };
            // Terraform exits 2 from every -refresh-only plan, even one that found nothing
            // and says "No changes": the text is what tfpost reports.
            let refresh_only_quirk =
                stem.contains("refresh-only") && code == 2 && report.result == Outcome::NoChanges;
            let kind = if is_apply { Kind::Apply } else { Kind::Plan };
            if (report.result != want && !refresh_only_quirk) || report.kind != kind {
                failures.push(format!(
                    "{}: exit {code}: want {kind:?} {want:?}, got {:?} {:?}",
                    text.display(),
                    report.kind,
                    report.result
                ));
            }
            if report.result == Outcome::Error && report.errors.is_empty() {
                failures.push(format!("{}: error result without an error", text.display()));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `Plan: N to add, N to change, N to destroy` as the text prints it, per plan in the stream.
fn plan_lines(text: &str) -> Vec<[u64; 3]> {
    let re = regex::Regex::new(
        r"Plan: (?:\d+ to import, )?(\d+) to add, (\d+) to change, (\d+) to destroy",
    )
    .expect("regex");
    re.captures_iter(text)
        .map(|c| [1, 2, 3].map(|i| c[i].parse().expect("number")))
        .collect()
}

#[test]
fn public_fixtures_add_up_to_their_own_plan_line() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for dir in ["public/tfcmt", "public/tfnotify"] {
        for path in files(dir, ".txt") {
            let text = std::fs::read_to_string(&path).expect("read");
            let text = tfpost::parse::strip_ansi(&text).into_owned();
            let lines = plan_lines(&text);
            if lines.is_empty() {
                continue;
            }
            checked += 1;
            let report = parse_file(&path);
            let want = lines
                .iter()
                .fold([0; 3], |a, l| [a[0] + l[0], a[1] + l[1], a[2] + l[2]]);
            let mut got = [0u64; 3];
            for r in &report.resources {
                match r.action {
                    Action::Create => got[0] += 1,
                    Action::Update => got[1] += 1,
                    Action::Delete => got[2] += 1,
                    Action::Replace => {
                        got[0] += 1;
                        got[2] += 1;
                    }
                    _ => {}
                }
            }
            let summary = report.summary.unwrap_or_default();
            let summary = [summary.add, summary.change, summary.destroy];
            if got != want || summary != want {
                failures.push(format!(
                    "{}: Plan lines {want:?}, resources {got:?}, summary {summary:?}",
                    path.display()
                ));
            }
            if lines.len() > 1 && report.sections.len() != lines.len() {
                failures.push(format!(
                    "{}: {} plans in the text, {} sections",
                    path.display(),
                    lines.len(),
                    report.sections.len()
                ));
            }
        }
    }
    assert!(
        checked >= 15,
        "only {checked} public fixtures have a Plan: line"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The model of every fixture, reviewed once by eye and kept as a snapshot. Diffs are shown as
/// their first line and length, and the 1,000/2,000-resource plans as counts, so the snapshots
/// stay readable.
#[test]
fn model_snapshots() {
    let mut paths = Vec::new();
    for version in versions() {
        paths.extend(files(&version, ".txt"));
    }
    paths.extend(files("public/tfcmt", ".txt"));
    paths.extend(files("public/tfnotify", ".txt"));
    for path in paths {
        let name = path
            .strip_prefix(fixtures())
            .expect("under fixtures")
            .to_string_lossy()
            .replace('/', "__");
        let text = std::fs::read(&path).expect("read");
        let value = match parse(&text, ParseOptions::default()) {
            Ok(report) => condensed(&report, name.contains("large-")),
            Err(err) => Value::String(format!("parse error: {err}")),
        };
        insta::assert_json_snapshot!(name, value);
    }
}

fn condensed(report: &Report, large: bool) -> Value {
    let mut value = serde_json::to_value(report).expect("serializable");
    for list in ["resources", "outputs", "drift"] {
        if let Some(items) = value[list].as_array_mut() {
            for item in items.iter_mut() {
                if let Some(diff) = item["diff"].as_str() {
                    let first = diff.lines().next().unwrap_or_default().to_string();
                    item["diff"] =
                        Value::String(format!("{first} … ({} lines)", diff.lines().count()));
                }
            }
        }
    }
    if large && let Some(items) = value["resources"].as_array_mut() {
        let total = items.len();
        items.truncate(3);
        items.push(Value::String(format!("… {total} resources in all")));
    }
    value
}
