//! `terraform fmt -check -diff` results as a GitHub comment: which files are not formatted, and
//! the change `terraform fmt` would make to each.

use std::fmt::Write as _;

use super::RenderContext;
use super::github::BODY_MAX_CHARS;
use super::inert::{code_block, github_len, inline_code, link, md_escape};
use crate::message::GithubMessage;
use crate::parse::fmt::FmtReport;

/// Renders the comment. Every path and diff is plan-controlled text: it goes in code spans and
/// fenced blocks only. Diffs that do not fit are named, not shown.
pub fn github(report: &FmtReport, ctx: &RenderContext) -> GithubMessage {
    let mut head = String::new();
    let title = ctx.title.as_deref().unwrap_or("Terraform fmt");
    let verdict = if report.failed() {
        "❌ not formatted"
    } else {
        "✅ formatted"
    };
    let _ = write!(head, "## {} {verdict}", md_escape(title));
    if let Some(target) = &ctx.target {
        let _ = write!(head, " · {}", inline_code(target));
    }
    if let Some(url) = &ctx.build_url {
        let _ = write!(head, " · {}", link("CI build", url));
    }
    head.push_str("\n\n");
    if let Some(message) = &ctx.message {
        let _ = writeln!(head, "{}\n", md_escape(message));
    }
    if report.files.is_empty() && report.errors.is_empty() {
        head.push_str("Every file is formatted.\n");
        return GithubMessage {
            body: head,
            parts: Vec::new(),
        };
    }
    for error in &report.errors {
        let _ = writeln!(head, "**Error:** {}\n", inline_code(&error.summary));
        if !error.detail.is_empty() {
            let _ = writeln!(head, "{}\n", code_block(&error.detail, ""));
        }
    }
    if !report.files.is_empty() {
        let _ = writeln!(
            head,
            "{} file(s) need `terraform fmt`:\n",
            report.files.len()
        );
        for file in &report.files {
            let _ = writeln!(head, "- {}", inline_code(&file.path));
        }
        head.push('\n');
    }
    let mut body = head;
    let mut left_out = Vec::new();
    for file in &report.files {
        let Some(diff) = &file.diff else { continue };
        let block = format!(
            "<details><summary>{}</summary>\n\n{}\n</details>\n\n",
            super::inert::html_code(&file.path),
            code_block(diff, "diff")
        );
        if github_len(&body) + github_len(&block) + 400 > BODY_MAX_CHARS {
            left_out.push(file.path.as_str());
            continue;
        }
        body.push_str(&block);
    }
    if !left_out.is_empty() {
        let _ = write!(
            body,
            "_The diffs of {} file(s) did not fit in this comment",
            left_out.len()
        );
        match &ctx.build_url {
            Some(url) => {
                let _ = writeln!(body, "; they are in the {}._", link("CI build log", url));
            }
            None => body.push_str("; they are in the CI log._\n"),
        }
    }
    GithubMessage {
        body,
        parts: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::fmt::FmtFile;

    #[test]
    fn lists_files_and_diffs_inertly() {
        let report = FmtReport {
            files: vec![FmtFile {
                path: "a@b <script>.tf".into(),
                diff: Some("--- old/a.tf\n+++ new/a.tf\n@@ -1 +1 @@\n-x  = 1\n+x = 1\n```".into()),
            }],
            errors: Vec::new(),
        };
        let message = github(&report, &RenderContext::default());
        assert!(message.body.contains("1 file(s) need `terraform fmt`"));
        assert!(message.body.contains("````diff"));
        // The path is in a code span in the list and HTML-escaped in <summary>: as GitHub
        // renders it, no tag comes from it.
        let mut options = comrak::Options::default();
        options.extension.table = true;
        options.extension.autolink = true;
        options.render.r#unsafe = true;
        let html = comrak::markdown_to_html(&message.body, &options);
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn huge_diffs_are_named_not_shown() {
        let files = (0..40)
            .map(|i| FmtFile {
                path: format!("f{i}.tf"),
                diff: Some("+x\n".repeat(2000)),
            })
            .collect();
        let message = github(
            &FmtReport {
                files,
                errors: Vec::new(),
            },
            &RenderContext::default(),
        );
        assert!(github_len(&message.body) <= BODY_MAX_CHARS);
        assert!(message.body.contains("did not fit"));
    }
}
