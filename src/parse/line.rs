//! One raw line to the text Terraform meant: colour removed, CR removed, and the prefix that
//! Terragrunt (or a timestamping CI) puts before each line split off.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::Regex;

/// Removes ANSI escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ... BEL|ST`, and two-byte
/// escapes). Terraform colours with SGR sequences unless `-no-color` is given.
pub fn strip_ansi(line: &str) -> Cow<'_, str> {
    if !line.contains('\x1b') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\x1b' {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                // Parameters and intermediates, then one final byte in @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                chars.next();
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == '\x1b' && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            Some(_) => {
                chars.next();
            }
            None => {}
        }
    }
    Cow::Owned(out)
}

/// A line with its Terragrunt prefix split off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prefixed<'a> {
    /// The module the line belongs to, when the prefix names one (`[envs/prod]`).
    pub label: Option<&'a str>,
    /// True when a prefix was found, even one naming no module (a bare timestamp).
    pub had_prefix: bool,
    /// The text after the prefix.
    pub text: &'a str,
}

// Terragrunt 0.67+ log lines: `09:32:46.963 STDOUT [envs/prod] terraform: text`, with the
// module part only in run-all, and `tofu:` when it drives OpenTofu. Its own messages use a
// level instead of STDOUT/STDERR and carry no Terraform text. A module path is a directory name
// and may hold any character, `]` included: it ends at the first `] terraform:` (or `] tofu:`),
// else, on a level line, at the first `]` followed by a space.
static TIMESTAMPED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:\d{4}-\d{2}-\d{2}[T ])?\d{2}:\d{2}:\d{2}(?:[.,]\d+)?Z?\s+(?:(STDOUT|STDERR)|(?:TRACE|DEBUG|INFO|WARN|ERROR)\s*)\s*(?:\[(.*?)\]\s+(?:terraform|tofu):\s?|\[(.*?)\]\s+(?:(?:terraform|tofu):\s?)?|(?:terraform|tofu):\s?)?",
    )
    .expect("static regex")
});

/// Splits off a Terragrunt prefix, when the line has one.
///
/// Recognised: the timestamped form above, and the older `[module/path] terraform: text` /
/// `[module/path] text` form of `--terragrunt-include-module-prefix`.
pub fn split_prefix(line: &str) -> Prefixed<'_> {
    let first = line.as_bytes().first().copied();
    if first.is_some_and(|b| b.is_ascii_digit())
        && let Some(caps) = TIMESTAMPED.captures(line)
    {
        let whole = caps.get(0).map_or(0, |m| m.end());
        let is_output = caps.get(1).is_some();
        let label = caps
            .get(2)
            .or_else(|| caps.get(3))
            .map(|m| m.as_str())
            .filter(|s| !s.is_empty());
        // A level line (INFO ...) is Terragrunt's own message: keep only its label.
        let text = if is_output { &line[whole..] } else { "" };
        return Prefixed {
            label,
            had_prefix: true,
            text,
        };
    }
    if first == Some(b'[')
        && let Some((end, text)) = module_marker_end(line)
    {
        let label = &line[1..end];
        if !label.is_empty() && !label.chars().any(char::is_control) {
            return Prefixed {
                label: Some(label),
                had_prefix: true,
                text,
            };
        }
    }
    if first == Some(b'[')
        && let Some(end) = line.find("] ")
    {
        let label = &line[1..end];
        // A module path: no spaces at its ends, no nested brackets, not Terraform's own
        // `[id=...]`-style text.
        let plausible = !label.is_empty()
            && !label.starts_with(' ')
            && !label.ends_with(' ')
            && !label.contains(['[', '"', '='])
            && label != "terragrunt";
        if plausible {
            let rest = &line[end + 2..];
            let text = rest
                .strip_prefix("terraform: ")
                .or_else(|| rest.strip_prefix("tofu: "))
                .or_else(|| rest.strip_prefix("terraform:"))
                .or_else(|| rest.strip_prefix("tofu:"))
                .unwrap_or(rest);
            return Prefixed {
                label: Some(label),
                had_prefix: true,
                text,
            };
        }
    }
    if line.starts_with("[terragrunt]") {
        // Old Terragrunt's own log lines carry no Terraform text.
        return Prefixed {
            label: None,
            had_prefix: true,
            text: "",
        };
    }
    Prefixed {
        label: None,
        had_prefix: false,
        text: line,
    }
}

/// In `[module/path] terraform: text`, the index of the `]` that ends the module path and the
/// text after the marker: the first `] terraform:` or `] tofu:`, so that the path may hold any
/// character, brackets included.
fn module_marker_end(line: &str) -> Option<(usize, &str)> {
    ["] terraform:", "] tofu:"]
        .iter()
        .filter_map(|marker| line.find(marker).map(|at| (at, at + marker.len())))
        .min()
        .map(|(end, after)| {
            let rest = &line[after..];
            (end, rest.strip_prefix(' ').unwrap_or(rest))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_sgr_and_osc() {
        assert_eq!(
            strip_ansi("\x1b[1m\x1b[31mreplaced\x1b[0m\x1b[0m"),
            "replaced"
        );
        assert_eq!(strip_ansi("a\x1b]8;;http://x\x07b\x1b]8;;\x1b\\c"), "abc");
        assert_eq!(strip_ansi("plain"), "plain");
        assert_eq!(strip_ansi("cut\x1b["), "cut");
    }

    #[test]
    fn terragrunt_timestamp_prefix() {
        let p =
            split_prefix("09:32:46.963 STDOUT terraform:   # null_resource.test will be created");
        assert_eq!(p.label, None);
        assert!(p.had_prefix);
        assert_eq!(p.text, "  # null_resource.test will be created");
        let p = split_prefix("09:32:46.963 STDOUT [envs/prod] terraform: Plan: 1 to add");
        assert_eq!(p.label, Some("envs/prod"));
        assert_eq!(p.text, "Plan: 1 to add");
        let p = split_prefix("09:32:46.963 STDOUT terraform:");
        assert_eq!(p.text, "");
        let p = split_prefix("09:32:46.963 STDOUT [envs/[a] b>c] terraform: Plan: 1 to add");
        assert_eq!((p.label, p.text), (Some("envs/[a] b>c"), "Plan: 1 to add"));
        let p = split_prefix("09:32:46.963 INFO   [x]y>] Downloading");
        assert_eq!((p.label, p.text), (Some("x]y>"), ""));
        let p = split_prefix("09:32:46.963 INFO   [app1] Downloading Terraform configurations");
        assert_eq!((p.label, p.text), (Some("app1"), ""));
    }

    #[test]
    fn terragrunt_module_prefix() {
        let p = split_prefix("[envs/prod] terraform:   + resource \"x\" \"y\" {");
        assert_eq!(p.label, Some("envs/prod"));
        assert_eq!(p.text, "  + resource \"x\" \"y\" {");
        assert_eq!(split_prefix("[id=123] x").label, None);
        let p = split_prefix("[envs/[a]>b] terraform:   # x.y will be created");
        assert_eq!(p.label, Some("envs/[a]>b"));
        assert_eq!(p.text, "  # x.y will be created");
        assert_eq!(split_prefix("plain").text, "plain");
    }
}
