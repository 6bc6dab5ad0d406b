//! The body of an `Error:` / `Warning:` block to a [`Diagnostic`].

use std::sync::LazyLock;

use regex::Regex;

use super::address::parse_exact;
use crate::model::Diagnostic;

// `  on main.tf line 12, in resource "x" "y":` (0.12+); the `, in ...` part is optional.
static SOURCE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*on (.+?) line (\d+)(?:, in .*)?:$").expect("static regex"));

/// Builds a diagnostic from its summary line and the lines under it.
///
/// The source snippet Terraform prints (`  12: resource ...`, and the `├──`/`│` lines that
/// explain the values in it) is left out of the detail: file and line say where it is.
pub fn build_diagnostic(summary: &str, lines: &[String], section: Option<String>) -> Diagnostic {
    let mut file = None;
    let mut line_number = None;
    let mut address = None;
    let mut detail: Vec<&str> = Vec::new();
    let mut in_snippet = false;
    for raw in lines {
        let text = raw.trim_end();
        let trimmed = text.trim_start();
        if file.is_none()
            && let Some(caps) = SOURCE.captures(text)
        {
            file = caps.get(1).map(|m| m.as_str().to_string());
            line_number = caps.get(2).and_then(|m| m.as_str().parse().ok());
            in_snippet = true;
            continue;
        }
        if address.is_none()
            && text.starts_with(' ')
            && let Some(addr) = trimmed
                .strip_prefix("with ")
                .and_then(|t| t.strip_suffix(','))
            && parse_exact(addr).is_some()
        {
            address = Some(addr.to_string());
            continue;
        }
        if in_snippet {
            let is_snippet = text.starts_with(' ')
                && (trimmed.starts_with('├')
                    || trimmed.starts_with('│')
                    || trimmed == "(source code not available)"
                    || is_source_line(trimmed));
            if is_snippet {
                continue;
            }
            if trimmed.is_empty() {
                in_snippet = false;
                continue;
            }
            in_snippet = false;
        }
        detail.push(text);
    }
    let first = detail
        .iter()
        .position(|l| !l.trim().is_empty())
        .unwrap_or(detail.len());
    let last = detail
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(first, |i| i + 1);
    Diagnostic {
        summary: summary.to_string(),
        detail: detail[first..last.max(first)].join("\n"),
        file,
        line: line_number,
        address,
        section,
    }
}

/// `12: resource "x" "y" {`: a numbered line of the configuration.
fn is_source_line(text: &str) -> bool {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && text[digits..].starts_with(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn source_location_and_address() {
        let body = lines(
            "\n  with null_resource.s_fail,\n  on main.tf line 9, in resource \"null_resource\" \"s_fail\":\n   9:   provisioner \"local-exec\" { command = \"x\" }\n\nError running command: exit status 3.\n\n",
        );
        let d = build_diagnostic("local-exec provisioner error", &body, None);
        assert_eq!(d.file.as_deref(), Some("main.tf"));
        assert_eq!(d.line, Some(9));
        assert_eq!(d.address.as_deref(), Some("null_resource.s_fail"));
        assert_eq!(d.detail, "Error running command: exit status 3.");
    }

    #[test]
    fn value_explanations_are_part_of_the_snippet() {
        let body = lines(
            "\n  on main.tf line 9, in check \"c\":\n   9:     condition     = x == 443\n    ├────────────────\n    │ x is 8080\n\nport must be 443, got 8080\n",
        );
        let d = build_diagnostic("Check block assertion failed", &body, None);
        assert_eq!(d.detail, "port must be 443, got 8080");
    }

    #[test]
    fn legacy_error_keeps_its_list() {
        let body = lines("\n* null_resource.s_p: the plan would destroy this resource\n\n\n");
        let d = build_diagnostic("Error running plan: 1 error(s) occurred:", &body, None);
        assert_eq!(
            d.detail,
            "* null_resource.s_p: the plan would destroy this resource"
        );
        assert_eq!(d.file, None);
    }
}
