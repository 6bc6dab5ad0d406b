//! Hostile shapes keep the model bounded: the first diagnostics are kept in full and the rest
//! only counted, and `tfpost parse` / the comment say how many were left out.

use assert_cmd::Command;
use tfpost::model::Outcome;
use tfpost::parse::{DIAGNOSTICS_KEPT, ParseOptions, parse};

fn blocks(severity: &str, n: usize) -> String {
    (0..n)
        .map(|i| {
            format!("{severity}: Problem number {i}\n\n  on main.tf line {i}:\n  detail {i}\n\n")
        })
        .collect()
}

#[test]
fn diagnostics_beyond_the_cap_are_counted_not_kept() {
    let text = format!(
        "{}{}",
        blocks("Warning", DIAGNOSTICS_KEPT + 500),
        blocks("Error", DIAGNOSTICS_KEPT + 1500)
    );
    let report = parse(text.as_bytes(), ParseOptions::default()).expect("parses");
    assert_eq!(report.result, Outcome::Error);
    assert_eq!(report.errors.len(), DIAGNOSTICS_KEPT);
    assert_eq!(report.warnings.len(), DIAGNOSTICS_KEPT);
    assert_eq!(report.left_out.errors, 1500);
    assert_eq!(report.left_out.warnings, 500);
    // The first ones, in full.
    assert_eq!(report.errors[0].summary, "Problem number 0");
    assert!(
        report.errors[0].detail.contains("detail 0"),
        "{:?}",
        report.errors[0]
    );
    assert_eq!(
        report.errors[DIAGNOSTICS_KEPT - 1].summary,
        format!("Problem number {}", DIAGNOSTICS_KEPT - 1)
    );
}

#[test]
fn an_endless_diagnostic_keeps_a_bounded_detail() {
    let mut text = String::from("Error: Endless\n\n");
    for i in 0..200_000 {
        text.push_str(&format!("  line {i} of a diagnostic that never ends\n"));
    }
    let report = parse(text.as_bytes(), ParseOptions::default()).expect("parses");
    assert_eq!(report.errors.len(), 1);
    let detail = &report.errors[0].detail;
    assert!(detail.contains("line 0 of"), "{}", &detail[..100]);
    assert!(detail.len() < 64 << 10, "{} bytes kept", detail.len());
}

#[test]
fn tfpost_parse_and_the_comment_say_how_many_were_left_out() {
    let text = blocks("Error", DIAGNOSTICS_KEPT + 7);
    let out = Command::cargo_bin("tfpost")
        .unwrap()
        .arg("parse")
        .write_stdin(text.clone())
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["left_out"]["errors"], 7);
    assert_eq!(json["left_out"]["warnings"], 0);
    assert_eq!(json["errors"].as_array().unwrap().len(), DIAGNOSTICS_KEPT);
    let out = Command::cargo_bin("tfpost")
        .unwrap()
        .arg("render")
        .write_stdin(text)
        .output()
        .unwrap();
    assert!(out.status.success());
    let comment = String::from_utf8_lossy(&out.stdout);
    // Only some fit in a comment; the count of the rest includes the ones the parser left out.
    let more = comment
        .lines()
        .find_map(|l| l.strip_prefix("… and "))
        .and_then(|l| l.split_once(" more errors"))
        .map(|(n, _)| n.replace(',', "").parse::<usize>().unwrap())
        .unwrap_or_else(|| panic!("no count of the errors left out:\n{comment}"));
    let shown = comment.matches("**`Problem number").count();
    assert_eq!(shown + more, DIAGNOSTICS_KEPT + 7, "{comment}");
}

#[test]
fn resources_beyond_the_cap_are_counted_and_a_left_out_destroy_still_shows() {
    let text = "Terraform will perform the following actions:\n\n\
  # null_resource.a will be created\n  + resource \"null_resource\" \"a\" {\n      + id = (known after apply)\n    }\n\n\
  # null_resource.b will be created\n  + resource \"null_resource\" \"b\" {\n      + id = (known after apply)\n    }\n\n\
  # null_resource.c will be destroyed\n  - resource \"null_resource\" \"c\" {\n      - id = \"1\" -> null\n    }\n\n\
  # null_resource.d will be created\n  + resource \"null_resource\" \"d\" {\n      + id = (known after apply)\n    }\n\n\
Plan: 3 to add, 0 to change, 1 to destroy.\n";
    let options = ParseOptions {
        max_resources: Some(2),
        ..ParseOptions::default()
    };
    let report = parse(text.as_bytes(), options).expect("parses");
    let kept: Vec<&str> = report
        .resources
        .iter()
        .map(|r| r.address.as_str())
        .collect();
    assert_eq!(kept, ["null_resource.a", "null_resource.b"]);
    assert_eq!(report.left_out.resources, 2);
    assert_eq!(report.left_out.destructive_resources, 1);
    assert!(report.has_destructive_changes());
    assert_eq!(report.result, Outcome::Changes);
    // The Plan: line still counts every resource.
    let summary = report.summary.expect("summary");
    assert_eq!((summary.add, summary.destroy), (3, 1));
    // The comment counts what was left out: the destroy in the caution block, the creation
    // after the lists.
    let comment = tfpost::render::github::render(&report, &Default::default()).body;
    assert!(
        comment.contains("This plan destroys or replaces **1** more resource:"),
        "{comment}"
    );
    assert!(comment.contains("> - … and 1 more."), "{comment}");
    assert!(
        comment.contains(
            "Changed resources counted but not listed (tfpost keeps the first 100,000 of a run): 1."
        ),
        "{comment}"
    );
    // `tfpost parse` keeps every resource.
    let all = parse(text.as_bytes(), ParseOptions::default()).expect("parses");
    assert_eq!(all.resources.len(), 4);
    assert_eq!(all.left_out.resources, 0);
}
