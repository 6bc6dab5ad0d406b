//! Shapes of output the real-Terraform fixtures cannot produce here (drift needs a provider
//! whose objects change behind Terraform's back; OpenTofu and interleaved Terragrunt output are
//! not installable), written in the exact wording of Terraform's and OpenTofu's renderers, and
//! hostile input.

use tfpost::model::{Action, Kind, Outcome, Report, Tool};
use tfpost::parse::{ParseError, ParseOptions, Parser, parse};

fn parsed(text: &str) -> Report {
    parse(text.as_bytes(), ParseOptions::default()).expect("parses")
}

const DRIFT_THEN_PLAN: &str = r#"aws_instance.web: Refreshing state... [id=i-0abc]

Note: Objects have changed outside of Terraform

Terraform detected the following changes made outside of Terraform since the
last "terraform apply" which may have affected this plan:

  # aws_s3_bucket.logs has been deleted
  - resource "aws_s3_bucket" "logs" {
      - bucket = "acme-logs" -> null
      - id     = "acme-logs" -> null
    }

  # aws_instance.web has changed
  ~ resource "aws_instance" "web" {
        id            = "i-0abc"
      ~ instance_type = "t3.micro" -> "t3.small"
        # (28 unchanged attributes hidden)
    }


Unless you have made equivalent changes to your configuration, or ignored the
relevant attributes using ignore_changes, the following plan may include
actions to undo or respond to these changes.

─────────────────────────────────────────────────────────────────────────────

Terraform used the selected providers to generate the following execution
plan. Resource actions are indicated with the following symbols:
  + create
  ~ update in-place

Terraform will perform the following actions:

  # aws_instance.web will be updated in-place
  ~ resource "aws_instance" "web" {
        id            = "i-0abc"
      ~ instance_type = "t3.small" -> "t3.micro"
        # (28 unchanged attributes hidden)
    }

  # aws_s3_bucket.logs will be created
  + resource "aws_s3_bucket" "logs" {
      + bucket = "acme-logs"
      + id     = (known after apply)
    }

Plan: 1 to add, 1 to change, 0 to destroy.
"#;

#[test]
fn drift_is_kept_apart_from_the_plan() {
    let report = parsed(DRIFT_THEN_PLAN);
    let drift: Vec<_> = report
        .drift
        .iter()
        .map(|d| (d.address.as_str(), d.action))
        .collect();
    assert_eq!(
        drift,
        [
            ("aws_s3_bucket.logs", Action::Delete),
            ("aws_instance.web", Action::Update)
        ]
    );
    assert!(
        report.drift[1]
            .diff
            .as_deref()
            .unwrap_or_default()
            .contains("t3.micro\" -> \"t3.small")
    );
    let planned: Vec<_> = report
        .resources
        .iter()
        .map(|r| (r.address.as_str(), r.action))
        .collect();
    assert_eq!(
        planned,
        [
            ("aws_instance.web", Action::Update),
            ("aws_s3_bucket.logs", Action::Create)
        ]
    );
    assert_eq!(report.result, Outcome::Changes);
}

#[test]
fn refresh_only_drift_is_a_change() {
    let text = r#"
Note: Objects have changed outside of Terraform

Terraform detected the following changes made outside of Terraform since the
last "terraform apply":

  # aws_instance.web has been changed
  ~ resource "aws_instance" "web" {
      ~ instance_type = "t3.micro" -> "t3.small"
    }

This is a refresh-only plan, so Terraform will not take any actions to undo
these. If you were expecting these changes then you can apply this plan to
record the updated values in the Terraform state without changing any remote
objects.
"#;
    let report = parsed(text);
    assert_eq!(report.drift.len(), 1);
    assert!(report.resources.is_empty());
    assert_eq!(report.result, Outcome::Changes);
}

#[test]
fn opentofu_wording() {
    let text = r#"OpenTofu used the selected providers to generate the following execution
plan. Resource actions are indicated with the following symbols:
  + create
  - destroy

OpenTofu will perform the following actions:

  # aws_x.a will be created
  + resource "aws_x" "a" {
      + id = (known after apply)
    }

  # aws_x.b will be destroyed
  # (because aws_x.b is not in configuration)
  - resource "aws_x" "b" {
      - id = "b" -> null
    }

Plan: 1 to add, 0 to change, 1 to destroy.
"#;
    let report = parsed(text);
    assert_eq!(report.tool, Tool::OpenTofu);
    assert_eq!(report.resources.len(), 2);
    assert_eq!(
        report.resources[1].reason.as_deref(),
        Some("because aws_x.b is not in configuration")
    );
    let summary = report.summary.expect("summary");
    assert_eq!((summary.add, summary.destroy), (1, 1));
}

#[test]
fn interleaved_terragrunt_run_all_is_split_by_module() {
    let text = "\
10:00:01.000 STDOUT [envs/a] terraform: Terraform will perform the following actions:
10:00:01.000 STDOUT [envs/b] terraform: Terraform will perform the following actions:
10:00:01.001 STDOUT [envs/a] terraform:   # null_resource.x will be created
10:00:01.001 STDOUT [envs/b] terraform:   # null_resource.x will be destroyed
10:00:01.002 STDOUT [envs/a] terraform:   + resource \"null_resource\" \"x\" {
10:00:01.002 STDOUT [envs/b] terraform:   - resource \"null_resource\" \"x\" {
10:00:01.003 STDOUT [envs/a] terraform:     }
10:00:01.003 STDOUT [envs/b] terraform:     }
10:00:01.004 INFO   [envs/a] some Terragrunt message
10:00:01.004 STDOUT [envs/a] terraform: Plan: 1 to add, 0 to change, 0 to destroy.
10:00:01.005 STDOUT [envs/b] terraform: Plan: 0 to add, 0 to change, 1 to destroy.
";
    let report = parsed(text);
    let got: Vec<_> = report
        .resources
        .iter()
        .map(|r| (r.section.as_deref(), r.address.as_str(), r.action))
        .collect();
    assert_eq!(
        got,
        [
            (Some("envs/a"), "null_resource.x", Action::Create),
            (Some("envs/b"), "null_resource.x", Action::Delete)
        ]
    );
    assert_eq!(report.sections.len(), 2);
    let summary = report.summary.expect("summary");
    assert_eq!((summary.add, summary.destroy), (1, 1));
    assert_eq!(
        report.resources[1].diff.as_deref(),
        Some("  - resource \"null_resource\" \"x\" {\n    }\n")
    );
}

#[test]
fn crlf_and_colour_parse_like_plain_text() {
    let plain = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/tf-1.15.5/kitchen-sink.plan.txt"
    ))
    .expect("fixture");
    let crlf = plain.replace('\n', "\r\n");
    assert_eq!(parsed(&crlf), parsed(&plain));
    let coloured = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/tf-1.15.5/kitchen-sink.plan.ansi.txt"
    ))
    .expect("fixture");
    let a = parsed(&coloured);
    let b = parsed(&plain);
    assert_eq!(
        a.resources
            .iter()
            .map(|r| (&r.address, r.action))
            .collect::<Vec<_>>(),
        b.resources
            .iter()
            .map(|r| (&r.address, r.action))
            .collect::<Vec<_>>()
    );
}

#[test]
fn chunk_boundaries_do_not_matter() {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/tf-1.0.3/mixed.apply.txt"
    ))
    .expect("fixture");
    let whole = parse(&text, ParseOptions::default()).expect("parses");
    for size in [1, 2, 3, 7, 64, 4096] {
        let mut parser = Parser::new(ParseOptions::default());
        for chunk in text.chunks(size) {
            parser.feed(chunk);
        }
        assert_eq!(parser.finish().expect("parses"), whole, "chunks of {size}");
    }
}

#[test]
fn nothing_plan_like_is_a_clear_error() {
    let err = parse(b"hello\nworld\n", ParseOptions::default()).unwrap_err();
    assert_eq!(
        err,
        ParseError::NothingRecognized {
            bytes: 12,
            lines: 2
        }
    );
    assert!(err.to_string().contains("2 line(s)"));
    assert!(parse(b"", ParseOptions::default()).is_err());
}

#[test]
fn binary_garbage_does_not_panic() {
    let mut state = 0x9e3779b97f4a7c15u64;
    let mut bytes = Vec::new();
    for _ in 0..200_000 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        bytes.push((state >> 24) as u8);
    }
    // Splice in fragments that drive the state machine into every state.
    for fragment in [
        "\nTerraform will perform the following actions:\n",
        "\n  # x.y[\"\u{0}\" will be created\n",
        "\nError: \n",
        "\n\u{2502} Error: boxed\n",
        "\nChanges to Outputs:\n  + \n",
        "\nNote: Objects have changed outside of Terraform\n  # a.b has changed\n",
        "\n-/+ a.b (tainted)\n",
    ] {
        bytes.extend_from_slice(fragment.as_bytes());
        bytes.extend_from_within(..1000);
    }
    let _ = parse(&bytes, ParseOptions::default());
}

#[test]
fn invalid_utf8_nul_and_a_huge_line() {
    let mut text = b"Terraform will perform the following actions:\n\n  # null_resource.a will be created\n  + resource \"null_resource\" \"a\" {\n      + v = \"".to_vec();
    text.extend(std::iter::repeat_n(b'x', 3 << 20));
    text.extend_from_slice(b"\xff\xfe\0\"\n    }\n\nPlan: 1 to add, 0 to change, 0 to destroy.\n");
    let report = parse(&text, ParseOptions::default()).expect("parses");
    assert_eq!(report.resources.len(), 1);
    assert_eq!(report.summary.map(|s| s.add), Some(1));
}

#[test]
fn the_diff_budget_keeps_the_first_diffs() {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/tf-1.15.5/large-2000.plan.txt"
    ))
    .expect("fixture");
    let options = ParseOptions {
        kind: None,
        max_diff_bytes: Some(10_000),
        ..ParseOptions::default()
    };
    let report = parse(&text, options).expect("parses");
    let kept = report
        .resources
        .iter()
        .take_while(|r| r.diff.is_some())
        .count();
    assert!(kept > 10 && kept < 2000, "kept {kept}");
    assert!(report.resources[kept..].iter().all(|r| r.diff.is_none()));
    assert_eq!(report.omitted_diffs, 2000 - kept);
    let total: usize = report
        .resources
        .iter()
        .filter_map(|r| r.diff.as_deref())
        .map(str::len)
        .sum();
    assert!(total <= 10_000);
}

#[test]
fn kind_can_be_forced() {
    let text = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/public/tfcmt/apply-failure-result.txt"
    ))
    .expect("fixture");
    let report = parse(
        &text,
        ParseOptions {
            kind: Some(Kind::Apply),
            ..ParseOptions::default()
        },
    )
    .expect("parses");
    assert_eq!((report.kind, report.result), (Kind::Apply, Outcome::Error));
}

#[test]
fn deferred_and_create_then_forget_headers() {
    let text = r#"Terraform will perform the following actions:

  # aws_x.d was deferred
  #  (because the number of resource instances is unknown)
  + resource "aws_x" "d" {
      + id = (known after apply)
    }

 # aws_x.r must be replaced, but the existing object will not be destroyed
 # (destroy = false is set in the configuration)
+/- resource "aws_x" "r" {
      ~ id = "r" -> (known after apply)
    }

Plan: 1 to add, 0 to change, 0 to destroy.
"#;
    let report = parsed(text);
    let got: Vec<_> = report
        .resources
        .iter()
        .map(|r| (r.address.as_str(), r.action))
        .collect();
    assert_eq!(got, [("aws_x.r", Action::Create)]);
}

#[test]
fn terraform_0_11_reads_data_sources_during_apply_with_refreshing_lines() {
    let text = "\
null_resource.a: Creating...
null_resource.a: Creation complete after 0s (ID: 1)
data.null_data_source.d: Refreshing state...

Apply complete! Resources: 1 added, 0 changed, 0 destroyed.
";
    let report = parsed(text);
    let got: Vec<_> = report
        .resources
        .iter()
        .map(|r| (r.address.as_str(), r.action))
        .collect();
    assert_eq!(
        got,
        [
            ("null_resource.a", Action::Create),
            ("data.null_data_source.d", Action::Read)
        ]
    );
}

#[test]
fn terragrunt_module_paths_may_hold_any_printable_character() {
    for (a, b) in [("envs/[a]", "envs/b>c"), ("x]y", "[z] w")] {
        let text = format!(
            "\
10:00:01.000 STDOUT [{a}] terraform: Terraform will perform the following actions:
10:00:01.001 STDOUT [{a}] terraform:   # null_resource.x will be created
10:00:01.002 STDOUT [{a}] terraform:   + resource \"null_resource\" \"x\" {{
10:00:01.003 STDOUT [{a}] terraform:     }}
10:00:01.004 STDOUT [{a}] terraform: Plan: 1 to add, 0 to change, 0 to destroy.
[{b}] terraform: Terraform will perform the following actions:
[{b}] terraform:   # null_resource.x will be destroyed
[{b}] terraform:   - resource \"null_resource\" \"x\" {{
[{b}] terraform:     }}
[{b}] terraform: Plan: 0 to add, 0 to change, 1 to destroy.
"
        );
        let report = parsed(&text);
        let got: Vec<_> = report
            .resources
            .iter()
            .map(|r| (r.section.as_deref(), r.address.as_str(), r.action))
            .collect();
        assert_eq!(
            got,
            [
                (Some(a), "null_resource.x", Action::Create),
                (Some(b), "null_resource.x", Action::Delete)
            ]
        );
    }
}
