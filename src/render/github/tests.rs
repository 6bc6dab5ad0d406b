use super::*;
use crate::model::{Drift, Mode, OutputChange, Summary};

fn resource(address: &str, action: Action, diff: Option<&str>) -> ResourceChange {
    let (resource_type, name) = address
        .split_once('.')
        .unwrap_or(("null_resource", address));
    ResourceChange {
        address: address.into(),
        module: None,
        resource_type: resource_type.into(),
        name: name.into(),
        index: None,
        mode: Mode::Managed,
        action,
        reason: None,
        from_address: None,
        import_id: None,
        imported: false,
        replace_order: None,
        deposed: None,
        section: None,
        diff: diff.map(Box::from),
    }
}

fn diagnostic(summary: &str, detail: &str) -> Diagnostic {
    Diagnostic {
        summary: summary.to_string(),
        detail: detail.to_string(),
        file: Some("main.tf".to_string()),
        line: Some(6),
        address: None,
        section: None,
    }
}

/// The kitchen-sink fixture of Terraform 1.15.5, as the parser models it.
fn kitchen_sink() -> Report {
    let mut r = Report::empty(Kind::Plan);
    r.result = Outcome::Changes;
    r.summary = Some(Summary {
        import: 1,
        add: 2,
        change: 1,
        destroy: 2,
        ..Summary::default()
    });
    r.resources = vec![
        resource(
            "null_resource.s_n",
            Action::Create,
            Some(
                "  + resource \"null_resource\" \"s_n\" {\n      + id       = (known after apply)\n    }",
            ),
        ),
        resource(
            "terraform_data.s_a",
            Action::Update,
            Some(
                "  ~ resource \"terraform_data\" \"s_a\" {\n      ~ input  = \"a1\" -> \"a2\"\n    }",
            ),
        ),
        ResourceChange {
            from_address: Some("terraform_data.s_b".into()),
            ..resource(
                "terraform_data.s_b2",
                Action::Move,
                Some("    resource \"terraform_data\" \"s_b2\" {\n    }"),
            )
        },
        ResourceChange {
            reason: Some("forces replacement".into()),
            ..resource(
                "terraform_data.s_c",
                Action::Replace,
                Some(
                    "-/+ resource \"terraform_data\" \"s_c\" {\n      ~ triggers_replace = \"c1\" -> \"c2\" # forces replacement\n    }",
                ),
            )
        },
        resource("terraform_data.s_d", Action::Forget, None),
        ResourceChange {
            reason: Some("because terraform_data.s_e is not in configuration".into()),
            ..resource(
                "terraform_data.s_e",
                Action::Delete,
                Some(
                    "  - resource \"terraform_data\" \"s_e\" {\n      - input  = \"e\" -> null\n    }",
                ),
            )
        },
        ResourceChange {
            import_id: Some("s-imported".into()),
            ..resource("terraform_data.s_i", Action::Import, None)
        },
    ];
    r.outputs = vec![OutputChange {
        name: "a".into(),
        action: Action::Update,
        sensitive: false,
        diff: Some("  ~ a = \"a1\" -> (known after apply)".into()),
        section: None,
    }];
    r.warnings = vec![Diagnostic {
        file: None,
        line: None,
        ..diagnostic(
            "Some objects will no longer be managed by Terraform",
            "If you apply this plan...",
        )
    }];
    r
}

fn ctx() -> RenderContext {
    RenderContext {
        target: Some("envs/prod".into()),
        build_url: Some("https://ci.example/build/7".into()),
        ..RenderContext::default()
    }
}

#[test]
fn plan_comment_reads_top_to_bottom() {
    let body = plan(&kitchen_sink(), &ctx()).body;
    let heading = body.lines().next().unwrap_or_default();
    assert_eq!(
        heading,
        "### Terraform plan · `envs/prod` — ⚠️ destroys resources · [CI build](https://ci.example/build/7)"
    );
    assert!(body.contains(
        "**Plan:** 🟥 **1** to destroy · 🟧 **1** to replace · 🟩 **1** to create · 🟨 **1** to update · \
         🟦 **1** to import · 🟪 **1** to move · 🟫 **1** to forget · 📤 **1** output changes"
    ));
    assert!(body.contains("`Plan: 1 to import, 2 to add, 1 to change, 2 to destroy.`"));
    // The caution block names the destroyed and the replaced resource, with why.
    assert!(
        body.contains("> [!CAUTION]\n> This plan destroys **1** and replaces **1** resources:")
    );
    assert!(body.contains("> - 🟥 **destroy** `terraform_data.s_e` — `because terraform_data.s_e is not in configuration`"));
    assert!(body.contains("> - 🟧 **replace** `terraform_data.s_c` — `forces replacement`"));
    // Lists by action, moves with where from, imports with their ID.
    assert!(
        body.contains("- 🟪 Move (1): `terraform_data.s_b2` (moved from `terraform_data.s_b`)")
    );
    // Diffs in plan order, destructive ones open, symbols in the first column.
    let order: Vec<usize> = ["s_n\"", "s_a\"", "s_b2\"", "s_c\"", "s_e\""]
        .iter()
        .map(|name| {
            body.find(&format!(
                "\"terraform_data\" \"{}",
                name.trim_end_matches('"')
            ))
            .or_else(|| {
                body.find(&format!(
                    "\"null_resource\" \"{}",
                    name.trim_end_matches('"')
                ))
            })
            .unwrap_or(usize::MAX)
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(body.contains("<details open><summary>🟧 replace <code>terraform_data.s_c</code>"));
    assert!(
        body.contains("\n!    resource \"terraform_data\" \"s_c\" {\n!        triggers_replace")
    );
    assert!(body.contains("#### 📤 Output changes"));
    assert!(
        body.contains(
            "<summary>⚠️ <code>Some objects will no longer be managed by Terraform</code>"
        )
    );
    // Sections only when present.
    assert!(!body.contains("Errors"));
    assert!(!body.contains("Changed outside of Terraform"));
    assert!(plan(&kitchen_sink(), &ctx()).parts.is_empty());
}

#[test]
fn no_changes_is_short() {
    let report = Report::empty(Kind::Plan);
    let body = plan(&report, &RenderContext::default()).body;
    assert_eq!(
        body,
        "### Terraform plan — ✅ no changes\n\n**Plan:** no changes. The infrastructure matches the configuration.\n"
    );
}

#[test]
fn errors_come_before_everything_else() {
    let mut report = kitchen_sink();
    report.result = Outcome::Error;
    report.errors = vec![diagnostic(
        "Reference to undeclared resource",
        "A managed resource \"nope\" has not been declared.",
    )];
    let body = plan(&report, &ctx()).body;
    assert!(
        body.lines()
            .next()
            .unwrap_or_default()
            .contains("❌ failed")
    );
    let errors = body.find("#### ❌ Errors").unwrap_or(usize::MAX);
    assert!(errors < body.find("[!CAUTION]").unwrap_or(0));
    assert!(body.contains(
        "**`Reference to undeclared resource`** — on `main.tf line 6`\n\n```\nA managed resource"
    ));
}

#[test]
fn drift_and_message_and_vars_show_when_given() {
    let mut report = kitchen_sink();
    report.drift = vec![Drift {
        address: "aws_s3_bucket.b".into(),
        action: Action::Update,
        diff: Some("  ~ resource \"aws_s3_bucket\" \"b\" {\n      ~ tags = {}\n    }".into()),
        section: None,
    }];
    let mut ctx = ctx();
    ctx.message = Some("Reviewed by **ops**".into());
    ctx.vars.insert("env".into(), "prod".into());
    let body = plan(&report, &ctx).body;
    assert!(body.contains("#### 🌀 Changed outside of Terraform\n\n<details><summary>🌀 <code>aws_s3_bucket.b</code> changed"));
    assert!(body.contains("\n\nReviewed by **ops**\n"));
    assert!(body.contains("<sub>`env` = `prod`</sub>"));
}

#[test]
fn apply_comment_uses_past_tense() {
    let mut report = kitchen_sink();
    report.kind = Kind::Apply;
    report.result = Outcome::Applied;
    let body = render(&report, &ctx()).body;
    assert!(body.starts_with("### Terraform apply · `envs/prod` — ✅ applied"));
    assert!(body.contains("🟥 **1** destroyed · 🟧 **1** replaced · 🟩 **1** created"));
    assert!(
        body.contains("> [!WARNING]\n> This apply destroyed **1** and replaced **1** resources:")
    );
    assert!(!body.contains("<details open>"));
}

#[test]
fn long_lists_collapse() {
    let mut report = Report::empty(Kind::Plan);
    report.result = Outcome::Changes;
    report.resources = (0..20)
        .map(|i| resource(&format!("null_resource.n{i}"), Action::Create, None))
        .collect();
    let body = plan(&report, &RenderContext::default()).body;
    assert!(body.contains("<details><summary>🟩 Create (20)</summary>\n\n- `null_resource.n0`\n"));
    assert!(body.contains("- `null_resource.n19`\n\n</details>"));
}

/// Many resources, each with a diff of about 300 characters.
fn big_plan(n: usize) -> Report {
    let mut report = Report::empty(Kind::Plan);
    report.result = Outcome::Changes;
    let diff = "  + resource \"null_resource\" \"x\" {\n      + id       = (known after apply)\n      + triggers = {\n          + \"key\" = \"a value that is not very short at all\"\n        }\n    }";
    report.resources = (0..n)
        .map(|i| {
            let action = match i % 10 {
                0 => Action::Delete,
                1 => Action::Replace,
                2 | 3 => Action::Update,
                _ => Action::Create,
            };
            resource(
                &format!("module.m[\"k{i}\"].null_resource.x[{i}]"),
                action,
                Some(diff),
            )
        })
        .collect();
    report.summary = Some(Summary {
        add: (n as u64) * 7 / 10,
        change: n as u64 / 5,
        destroy: n as u64 / 5,
        ..Summary::default()
    });
    report
}

#[test]
fn fifty_thousand_resources_fit_in_one_comment() {
    // Its speed is measured in bench/ (a timed assertion here fails on a loaded machine).
    let message = plan(&big_plan(50_000), &ctx());
    let body = &message.body;
    assert!(github_len(body) <= BODY_MAX_CHARS, "{}", github_len(body));
    assert!(body.contains("🟥 **5,000** to destroy · 🟧 **5,000** to replace · 🟩 **30,000** to create · 🟨 **10,000** to update"));
    assert!(body.contains(
        "> [!CAUTION]\n> This plan destroys **5,000** and replaces **5,000** resources:"
    ));
    assert!(body.contains("> - 🟥 **destroy** `module.m[\"k0\"].null_resource.x[0]`"));
    assert!(
        body.contains(
            "more. The full output is in the [CI build log](https://ci.example/build/7)."
        )
    );
    assert!(body.contains(
        "> [!NOTE]\n> This comment is shortened to GitHub's limit of 65,536 characters. Not shown:"
    ));
    // Split mode carries everything, each part within the limit and numbered.
    let n = message.parts.len();
    assert!(n > 1);
    for (i, part) in message.parts.iter().enumerate() {
        assert!(
            github_len(part) <= BODY_MAX_CHARS,
            "part {i}: {}",
            github_len(part)
        );
        assert!(part.contains(&format!("part {} of {n}", i + 1)));
    }
    let all = message.parts.concat();
    assert!(all.contains("`module.m[\"k49999\"].null_resource.x[49999]`"));
    // Every destroyed resource is named somewhere, beyond what the first part's caution holds.
    assert!(all.contains("\n- 🟥 **destroy** `module.m[\"k49990\"].null_resource.x[49990]`\n"));
    // List items stay one list: no blank line between them.
    assert!(all.contains(
        "`module.m[\"k4\"].null_resource.x[4]`\n- `module.m[\"k5\"].null_resource.x[5]`\n"
    ));
}

#[test]
fn cut_comment_keeps_diffs_of_destroyed_resources_first() {
    let message = plan(&big_plan(1_000), &ctx());
    let body = &message.body;
    assert!(github_len(body) <= BODY_MAX_CHARS);
    // All 1,000 addresses are listed (lists go before diffs) ...
    assert!(body.contains("`module.m[\"k999\"].null_resource.x[999]`"));
    // ... and the diffs shown are the destructive ones first.
    assert!(
        body.contains(
            "<summary>🟥 destroy <code>module.m[&quot;k0&quot;].null_resource.x[0]</code>"
        )
    );
    assert!(body.contains("diffs are not shown here. The full output is in the [CI build log]"));
}

#[test]
fn one_huge_diff_is_cut_inside_its_block() {
    let mut report = Report::empty(Kind::Plan);
    report.result = Outcome::Changes;
    let huge: String = (0..50_000)
        .map(|i| format!("      + line{i} = \"{i}\"\n"))
        .collect();
    report.resources = vec![
        resource("null_resource.huge", Action::Create, Some(&huge)),
        resource(
            "null_resource.small",
            Action::Update,
            Some("  ~ resource \"null_resource\" \"small\" {\n    }"),
        ),
    ];
    let message = plan(&report, &ctx());
    assert!(github_len(&message.body) <= BODY_MAX_CHARS);
    assert!(message.body.contains("more lines in the CI build log\n```"));
    assert!(message.body.contains("<code>null_resource.small</code>"));
    assert!(
        message
            .parts
            .iter()
            .all(|p| github_len(p) <= BODY_MAX_CHARS)
    );
}

#[test]
fn huge_errors_and_message_still_fit() {
    let mut report = Report::empty(Kind::Plan);
    report.result = Outcome::Error;
    report.errors = (0..500)
        .map(|i| diagnostic(&format!("Error number {i}"), &"x".repeat(3_000)))
        .collect();
    let mut ctx = ctx();
    ctx.message = Some("m".repeat(100_000));
    let body = plan(&report, &ctx).body;
    assert!(github_len(&body) <= BODY_MAX_CHARS);
    assert!(body.contains("**`Error number 0`**"));
    assert!(body.contains("more errors."));
}

#[test]
fn parse_failure_keeps_the_raw_output() {
    let raw = b"\x1b[31mError:\x1b[0m some\0thing\nnot a plan `````\n";
    let body = parse_failure(raw, "no plan found", &ctx()).body;
    assert!(
        body.contains(
            "tfpost could not read this as Terraform plan or apply output: `no plan found`"
        )
    );
    assert!(body.contains("<details><summary>Raw output (2 lines)</summary>\n\n``````\nError: some\u{FFFD}thing\nnot a plan `````\n``````\n\n</details>"));
}

#[test]
fn parse_failure_of_a_huge_output_keeps_head_and_tail() {
    let raw: String = (0..100_000).map(|i| format!("line {i}\n")).collect();
    let message = parse_failure(raw.as_bytes(), "no plan found", &ctx());
    assert!(github_len(&message.body) <= BODY_MAX_CHARS);
    assert!(message.body.contains("\nline 0\n"));
    assert!(message.body.contains("\nline 99999\n"));
    assert!(message.body.contains("lines cut here"));
    let all = message.parts.concat();
    assert!(all.contains("\nline 50000\n"));
    assert!(
        message
            .parts
            .iter()
            .all(|p| github_len(p) <= BODY_MAX_CHARS)
    );
}

#[test]
fn color_bar_is_proportional_and_shows_every_action() {
    let counts = [
        (Action::Delete, 1),
        (Action::Create, 1_000),
        (Action::Update, 0),
    ];
    let bar = color_bar(&counts);
    assert!(bar.starts_with("🟥🟩"));
    assert_eq!(bar.chars().count(), BAR_WIDTH);
    assert_eq!(color_bar(&[(Action::Create, 0)]), "");
}

#[test]
fn color_bar_is_always_twenty_squares() {
    // Shares that round down (3 x 1/3, 7 equal ones) used to leave the bar short.
    let cases: &[&[u64]] = &[
        &[1, 1, 1],
        &[1, 1, 1, 1, 1, 1, 1],
        &[1, 2],
        &[5, 7, 11],
        &[1, 1_000_000],
        &[1, 1, 1, 1, 1, 1, 1, 1_000],
        &[u64::MAX, u64::MAX],
        &[3],
    ];
    for case in cases {
        let counts: Vec<(Action, u64)> = Action::ALL
            .iter()
            .copied()
            .zip(case.iter().copied())
            .collect();
        let bar = color_bar(&counts);
        assert_eq!(bar.chars().count(), BAR_WIDTH, "{case:?}: {bar}");
        for (action, _) in &counts {
            assert!(bar.contains(action_square(*action)), "{case:?}: {bar}");
        }
    }
    // Proportional: 1 of 3 is 7 squares (6.67 rounded by the largest remainder), 2 of 3 is 13.
    let bar = color_bar(&[(Action::Delete, 1), (Action::Create, 2)]);
    assert_eq!(bar, format!("{}{}", "🟥".repeat(7), "🟩".repeat(13)));
}

#[test]
fn group_digits_groups_thousands() {
    assert_eq!(group_digits(0), "0");
    assert_eq!(group_digits(1_000), "1,000");
    assert_eq!(group_digits(1_234_567), "1,234,567");
}

#[test]
fn a_cut_comment_uses_its_room() {
    let mut report = Report::empty(Kind::Plan);
    report.result = Outcome::Changes;
    let diff = "  + resource \"null_resource\" \"x\" {\n      + id = (known after apply)\n    }";
    report.resources = (0..2_000)
        .map(|i| {
            resource(
                &format!("null_resource.many[{i}]"),
                Action::Create,
                Some(diff),
            )
        })
        .collect();
    let body = plan(&report, &ctx()).body;
    let len = github_len(&body);
    assert!(len <= BODY_MAX_CHARS);
    assert!(len > GITHUB_COMMENT_MAX_CHARS - 10_000, "{len}");
    assert!(body.matches("\n- `null_resource.many[").count() >= 1_500);
}

#[test]
fn ensure_fits_closes_fences_and_respects_the_limit() {
    let body = format!("```\n{}\n", "x\n".repeat(40_000));
    let fitted = ensure_fits(body);
    assert!(github_len(&fitted) <= BODY_MAX_CHARS);
    assert!(
        fitted
            .ends_with("````\n\n\n**Cut here:** tfpost's comment exceeded GitHub's size limit.\n")
    );
    let ticks = ensure_fits("`".repeat(70_000));
    assert!(github_len(&ticks) <= BODY_MAX_CHARS);
}

#[test]
fn a_huge_title_still_fits() {
    let mut ctx = ctx();
    ctx.title = Some("t".repeat(100_000));
    let message = plan(&kitchen_sink(), &ctx);
    assert!(github_len(&message.body) <= BODY_MAX_CHARS);
    assert!(message.body.starts_with("### tttt"));
    assert!(message.body.contains("> [!CAUTION]"));
    assert!(
        message
            .parts
            .iter()
            .all(|p| github_len(p) <= BODY_MAX_CHARS)
    );
}

#[test]
fn many_warnings_do_not_crowd_out_the_lists() {
    let mut report = big_plan(2_000);
    report.warnings = (0..200)
        .map(|i| diagnostic(&format!("Warning {i}"), &"w".repeat(2_000)))
        .collect();
    let body = plan(&report, &ctx()).body;
    assert!(github_len(&body) <= BODY_MAX_CHARS);
    assert!(body.contains("<code>Warning 0</code>"));
    assert!(body.contains("more warnings."));
    assert!(body.matches("\n- `module.m[").count() > 300);
}
