//! `terraform fmt -check -diff` output to a small model: the files that are not formatted and
//! their diffs, as tfnotify's `fmt` reported them.
//!
//! What Terraform prints (`fmt -check -diff -list=true`, the defaults): for each unformatted
//! file, its path on a line of its own, then a unified diff. Terraform 0.11 prefixes the diff with
//! `diff a/FILE b/FILE` and names temporary files in `---`/`+++`; 0.12+ prints
//! `--- old/FILE` / `+++ new/FILE`. Syntax errors come as `Error:` diagnostics (boxed in `╷│╵`
//! since 0.15) instead of diffs.

use serde::{Deserialize, Serialize};

use crate::model::Diagnostic;

/// Everything tfpost understood of a `terraform fmt -check` run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FmtReport {
    /// The files `terraform fmt` would change, in the order printed.
    pub files: Vec<FmtFile>,
    /// Diagnostics (files Terraform could not parse).
    pub errors: Vec<Diagnostic>,
}

impl FmtReport {
    /// True when `terraform fmt -check` failed: a file needs formatting or could not be read.
    pub fn failed(&self) -> bool {
        !self.files.is_empty() || !self.errors.is_empty()
    }
}

/// One file that is not formatted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FmtFile {
    /// The path as Terraform printed it (relative to where `fmt` ran).
    pub path: String,
    /// The unified diff that `terraform fmt` would apply, header lines included; `null` without
    /// `-diff`.
    pub diff: Option<String>,
}

/// Line-by-line parser; feed it chunks of any size.
#[derive(Debug, Default)]
pub struct FmtParser {
    report: FmtReport,
    pending: Vec<u8>,
    /// Lines still expected in the current hunk: (old side, new side).
    hunk_left: (u32, u32),
    /// The current file's diff has a hunk already (a new header then starts a new file).
    has_hunk: bool,
    in_error: bool,
}

impl FmtParser {
    pub fn feed(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while let Some(nl) = rest.iter().position(|b| *b == b'\n') {
            let (line, after) = rest.split_at(nl);
            if self.pending.is_empty() {
                self.line(line);
            } else {
                let mut whole = std::mem::take(&mut self.pending);
                whole.extend_from_slice(line);
                self.line(&whole);
            }
            rest = &after[1..];
        }
        self.pending.extend_from_slice(rest);
    }

    pub fn finish(mut self) -> FmtReport {
        if !self.pending.is_empty() {
            let last = std::mem::take(&mut self.pending);
            self.line(&last);
        }
        for error in &mut self.report.errors {
            error.detail = error.detail.trim().to_string();
        }
        self.report
    }

    fn line(&mut self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        if self.hunk_left != (0, 0) {
            self.hunk_line(text);
            return;
        }
        // Terraform 0.15+ boxes diagnostics: `╷`, `│ ` lines, `╵`.
        if text.starts_with('╷') || text.starts_with('╵') {
            return;
        }
        let text = text
            .strip_prefix('│')
            .map(|t| t.strip_prefix(' ').unwrap_or(t))
            .unwrap_or(text);
        if let Some(summary) = text.strip_prefix("Error: ") {
            self.in_error = true;
            self.report.errors.push(Diagnostic {
                summary: summary.trim().to_string(),
                detail: String::new(),
                file: None,
                line: None,
                address: None,
                section: None,
            });
            return;
        }
        if self.in_error {
            self.error_detail(text);
            return;
        }
        if text.trim().is_empty() {
            return;
        }
        if let Some(counts) = text.strip_prefix("@@ ") {
            self.hunk_left = hunk_counts(counts);
            self.has_hunk = true;
            self.push_diff_line(text);
            return;
        }
        if let Some(path) = diff_header_path(text) {
            let current_waits_for_diff = self.report.files.last().is_some_and(|f| {
                !self.has_hunk && (f.diff.is_none() || !text.starts_with("diff "))
            });
            if !current_waits_for_diff {
                self.report.files.push(FmtFile { path, diff: None });
                self.has_hunk = false;
            }
            self.push_diff_line(text);
            return;
        }
        self.report.files.push(FmtFile {
            path: text.trim().to_string(),
            diff: None,
        });
        self.has_hunk = false;
    }

    fn hunk_line(&mut self, text: &str) {
        let (old, new) = &mut self.hunk_left;
        match text.as_bytes().first() {
            Some(b'+') => *new = new.saturating_sub(1),
            Some(b'-') => *old = old.saturating_sub(1),
            Some(b'\\') => {} // `\ No newline at end of file`
            // A context line; an empty one had its single space trimmed somewhere on the way.
            _ => {
                *old = old.saturating_sub(1);
                *new = new.saturating_sub(1);
            }
        }
        self.push_diff_line(text);
    }

    fn push_diff_line(&mut self, text: &str) {
        if let Some(file) = self.report.files.last_mut() {
            let diff = file.diff.get_or_insert_with(String::new);
            diff.push_str(text);
            diff.push('\n');
        }
    }

    fn error_detail(&mut self, text: &str) {
        let Some(error) = self.report.errors.last_mut() else {
            return;
        };
        // `  on main.tf line 3:` (or `line 3, in resource "x" "y":`)
        if error.file.is_none()
            && let Some(rest) = text.trim_start().strip_prefix("on ")
            && let Some((file, after)) = rest.split_once(" line ")
        {
            let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
            if let Ok(line) = digits.parse() {
                error.file = Some(file.to_string());
                error.line = Some(line);
                return;
            }
        }
        // Source snippet lines (`   3: foo =`) and carets are not part of the explanation.
        let is_snippet = text
            .trim_start()
            .split_once(':')
            .is_some_and(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !is_snippet {
            error.detail.push_str(text);
            error.detail.push('\n');
        }
    }
}

/// `-a,b +c,d @@` -> (b, d); a count left out means 1.
fn hunk_counts(s: &str) -> (u32, u32) {
    let mut old = 1;
    let mut new = 1;
    for part in s.split_whitespace().take(2) {
        let count = |range: &str| {
            range
                .split_once(',')
                .map_or(Some(1), |(_, n)| n.parse().ok())
        };
        if let Some(range) = part.strip_prefix('-') {
            old = count(range).unwrap_or(0);
        } else if let Some(range) = part.strip_prefix('+') {
            new = count(range).unwrap_or(0);
        }
    }
    (old, new)
}

/// The file a diff header line names: `diff a/F b/F`, `--- old/F`, `+++ new/F`, `--- /tmp/123`.
fn diff_header_path(line: &str) -> Option<String> {
    if let Some(rest) = line.strip_prefix("diff ") {
        let first = rest.split_whitespace().next()?;
        return Some(first.strip_prefix("a/").unwrap_or(first).to_string());
    }
    let rest = line
        .strip_prefix("--- ")
        .or_else(|| line.strip_prefix("+++ "))?;
    let path = rest.split('\t').next().unwrap_or(rest).trim();
    Some(
        path.strip_prefix("old/")
            .or_else(|| path.strip_prefix("new/"))
            .unwrap_or(path)
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &[u8]) -> FmtReport {
        let mut parser = FmtParser::default();
        parser.feed(text);
        parser.finish()
    }

    #[test]
    fn terraform_0_11_output_with_diff_lines_and_temp_files() {
        let report = parse(include_bytes!(
            "../../fixtures/public/tfnotify/v070-fmt-fail-result0-11.txt"
        ));
        let paths: Vec<_> = report.files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(
            paths,
            ["google_spanner_database.tf", "google_spanner_instance.tf"]
        );
        let diff = report.files[0].diff.as_deref().unwrap();
        assert!(diff.starts_with(
            "diff a/google_spanner_database.tf b/google_spanner_database.tf\n--- /tmp/398669432\n"
        ));
        assert!(diff.ends_with(" # }\n+\n"));
        assert!(
            report.files[1]
                .diff
                .as_deref()
                .unwrap()
                .contains("num_nodes")
        );
        assert!(report.errors.is_empty());
        assert!(report.failed());
    }

    #[test]
    fn terraform_0_12_output() {
        let report = parse(include_bytes!(
            "../../fixtures/public/tfnotify/v070-fmt-fail-result0-12.txt"
        ));
        assert_eq!(report.files.len(), 1);
        assert_eq!(report.files[0].path, "versions.tf");
        assert_eq!(
            report.files[0].diff.as_deref(),
            Some(
                "--- old/versions.tf\n+++ new/versions.tf\n@@ -1,4 +1,4 @@\n \n terraform {\n-  required_version     = \">= 0.12\"\n+  required_version = \">= 0.12\"\n }\n"
            )
        );
    }

    #[test]
    fn chunk_boundaries_do_not_matter() {
        let text = include_bytes!("../../fixtures/public/tfnotify/v070-fmt-fail-result0-11.txt");
        let whole = parse(text);
        let mut parser = FmtParser::default();
        for byte in text.iter() {
            parser.feed(std::slice::from_ref(byte));
        }
        assert_eq!(parser.finish(), whole);
    }

    #[test]
    fn list_only_output_and_crlf() {
        let report = parse(b"main.tf\r\nmodules/net/vars.tf\r\n");
        let paths: Vec<_> = report
            .files
            .iter()
            .map(|f| (f.path.as_str(), f.diff.is_none()))
            .collect();
        assert_eq!(paths, [("main.tf", true), ("modules/net/vars.tf", true)]);
    }

    #[test]
    fn a_removed_line_that_looks_like_a_header_stays_in_the_hunk() {
        let text = b"a.tf\n--- old/a.tf\n+++ new/a.tf\n@@ -1,2 +1,1 @@\n--- x\n keep\nb.tf\n";
        let report = parse(text);
        assert_eq!(report.files.len(), 2);
        assert!(
            report.files[0]
                .diff
                .as_deref()
                .unwrap()
                .ends_with("--- x\n keep\n")
        );
        assert_eq!(report.files[1].path, "b.tf");
    }

    #[test]
    fn boxed_syntax_errors() {
        let text = "╷\n│ Error: Invalid character\n│ \n│   on main.tf line 3:\n│    3: foo = $\n│ \n│ This character is not used within the language.\n╵\n";
        let report = parse(text.as_bytes());
        assert!(report.files.is_empty());
        assert_eq!(report.errors.len(), 1);
        let error = &report.errors[0];
        assert_eq!(error.summary, "Invalid character");
        assert_eq!(
            (error.file.as_deref(), error.line),
            (Some("main.tf"), Some(3))
        );
        assert_eq!(
            error.detail,
            "This character is not used within the language."
        );
        assert!(report.failed());
    }

    #[test]
    fn empty_output_means_formatted() {
        assert!(!parse(b"").failed());
    }
}
