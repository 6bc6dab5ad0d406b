//! Making plan text inert in GitHub-flavoured Markdown (docs/security.md, "Plan text is inert").
//!
//! Text from a plan (addresses, for_each keys, values, error messages) is attacker-controlled
//! in a pull request: whoever writes the configuration writes the plan. Every helper here turns
//! such text into Markdown or HTML that GitHub shows as text and never as a live tag, link,
//! `@mention` or `#123` reference.
//!
//! The rules, and why:
//! - Code spans and fenced code blocks are the strongest container: GitHub's mention and issue
//!   reference filters skip `<code>` and `<pre>`, and nothing inside them is parsed. The fence is
//!   always longer than any backtick run inside, so the text cannot close it.
//! - `<details>`'s `<summary>` line is raw HTML (Markdown is not parsed there), so text in it is
//!   HTML-escaped and wrapped in `<code>`.
//! - Escaping Markdown with backslashes is not enough for `@user` and `#123`: GitHub links those
//!   in the rendered HTML's text nodes, after Markdown. [`md_escape`] therefore also breaks them
//!   with an invisible word joiner.

use std::borrow::Cow;
use std::fmt::Write as _;

/// U+2060 WORD JOINER: invisible, zero-width, and enough to stop GitHub from reading `@name` as
/// a mention or `#12` as an issue reference.
const WORD_JOINER: char = '\u{2060}';

/// Length of a comment body as GitHub counts it against its 65,536-character limit.
///
/// Counted conservatively: UTF-16 code units (an emoji outside the BMP counts 2) and each `\n`
/// as 2, as if line ends were stored as `\r\n`. Whichever of these GitHub does, a body within
/// this count is within the limit.
pub fn github_len(text: &str) -> usize {
    if text.is_ascii() {
        // One UTF-16 unit a byte: the common case, counted without decoding.
        return text.len() + text.bytes().filter(|b| *b == b'\n').count();
    }
    text.chars()
        .map(|c| if c == '\n' { 2 } else { c.len_utf16() })
        .sum()
}

/// Whether `c` is invisible or reorders the text around it: a format character (Unicode category
/// Cf: bidi embeddings, overrides and isolates, zero-width spaces and joiners, the byte order
/// mark, invisible operators, tag characters), a line or paragraph separator, or a control
/// character other than tab and line feed. Copied verbatim, `aws_iam_role.admin\u{202E}...`
/// could show as another resource's address.
fn is_hidden(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{8}' | '\u{B}'..='\u{1F}' | '\u{7F}'..='\u{9F}'
        | '\u{AD}' | '\u{600}'..='\u{605}' | '\u{61C}' | '\u{6DD}' | '\u{70F}'
        | '\u{890}'..='\u{891}' | '\u{8E2}' | '\u{180E}' | '\u{200B}'..='\u{200F}'
        | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}'
        | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}' | '\u{110BD}' | '\u{110CD}'
        | '\u{13430}'..='\u{1343F}' | '\u{1BCA0}'..='\u{1BCA3}' | '\u{1D173}'..='\u{1D17A}'
        | '\u{E0001}' | '\u{E0020}'..='\u{E007F}')
}

/// `text` with every invisible or reordering character (see [`is_hidden`]) written visibly as
/// its escape, `\u202E`, so that what a reader sees is what the plan holds. Tab, line feed and
/// carriage return stay: the callers decide what a line break becomes.
pub fn visible(text: &str) -> Cow<'_, str> {
    let plain = |c: char| matches!(c, '\t' | '\n' | '\r') || !is_hidden(c);
    // Nearly every address is printable ASCII: decided without decoding.
    let printable_ascii = |b: &u8| matches!(b, b' '..=b'~' | b'\t' | b'\n' | b'\r');
    if text.as_bytes().iter().all(printable_ascii) || text.chars().all(plain) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if plain(c) {
            out.push(c);
        } else {
            let _ = write!(out, "\\u{:04X}", c as u32);
        }
    }
    Cow::Owned(out)
}

/// `text` cut to at most `max` characters (at least 2) by taking out its middle, which is
/// replaced with `…`: both ends of a long address stay, so the resource is still recognisable
/// and the cut is visible.
pub fn shorten_middle(text: &str, max: usize) -> Cow<'_, str> {
    let count = text.chars().count();
    if count <= max {
        return Cow::Borrowed(text);
    }
    let keep = max.max(2) - 1;
    let head = keep.div_ceil(2);
    let tail = keep - head;
    let mut out: String = text.chars().take(head).collect();
    out.push('…');
    out.extend(text.chars().skip(count - tail));
    Cow::Owned(out)
}

/// The longest run of `mark` characters in `text`.
fn longest_run(text: &str, mark: char) -> usize {
    let (mut longest, mut current) = (0, 0);
    for c in text.chars() {
        if c == mark {
            current += 1;
            longest = longest.max(current);
        } else {
            current = 0;
        }
    }
    longest
}

/// A fenced code block holding `text` verbatim, with an optional info string (`diff`, `hcl`).
///
/// The backtick fence is longer than any backtick run in the text (and at least 3), so no line of
/// the text can close it. The block ends with a newline.
pub fn code_block(text: &str, lang: &str) -> String {
    let text = &*visible(text);
    let fence = "`".repeat(longest_run(text, '`').max(2) + 1);
    // An info string may not contain backticks with a backtick fence; keep only a plain word.
    let lang: String = lang
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
        .collect();
    let mut out = String::with_capacity(text.len() + 2 * fence.len() + lang.len() + 4);
    out.push_str(&fence);
    out.push_str(&lang);
    out.push('\n');
    out.push_str(text);
    if !text.is_empty() && !text.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

/// One-line text: line breaks become spaces. A blank line inside a code span or a `<summary>`
/// would end the paragraph or HTML block and let the rest be parsed as Markdown.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains(['\n', '\r']) {
        std::borrow::Cow::Owned(text.replace("\r\n", " ").replace(['\n', '\r'], " "))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A Markdown code span holding `text` (on one line).
///
/// The backtick string is longer than any run inside; a space pads text that starts or ends with
/// a backtick (CommonMark strips one such space on each side).
pub fn inline_code(text: &str) -> String {
    let text = &*visible(text);
    if !text.is_empty() && !text.bytes().any(|b| matches!(b, b'`' | b'\n' | b'\r')) {
        // Nearly every address and reason: one backtick each side is enough. A comment lists
        // thousands of them.
        let mut out = String::with_capacity(text.len() + 2);
        out.push('`');
        out.push_str(text);
        out.push('`');
        return out;
    }
    let text = one_line(text);
    if text.is_empty() {
        return "` `".to_string();
    }
    let ticks = "`".repeat(longest_run(&text, '`') + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// `text` escaped for HTML text and attribute values.
///
/// Line breaks stay, as Go's `html/template` keeps them (tfcmt configs rely on it inside
/// `<pre>`), except one that would make a blank line: that would end the HTML block the text
/// sits in and let the rest be read as Markdown, so it is written as `&#10;`, which HTML reads
/// as the same line break.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push_str(if line.trim().is_empty() {
                "&#10;"
            } else {
                "\n"
            });
        }
        for c in line.chars() {
            match c {
                '\r' => out.push_str("&#13;"),
                '&' => out.push_str("&amp;"),
                '<' => out.push_str("&lt;"),
                '>' => out.push_str("&gt;"),
                '"' => out.push_str("&quot;"),
                '\'' => out.push_str("&#39;"),
                _ => out.push(c),
            }
        }
    }
    out
}

/// `text` as HTML text outside `<code>` (a `<summary>` a user template writes): escaped as by
/// [`html_escape`], with `@name`, `#123` and `GH-123` broken by an invisible word joiner so
/// GitHub does not link them.
pub fn html_text(text: &str) -> String {
    let text = visible(text);
    let mut joined = String::with_capacity(text.len() + 8);
    let mut prev = ['\0'; 2];
    for c in text.chars() {
        if starts_gh_reference(prev, c) {
            joined.push(WORD_JOINER);
        }
        joined.push(c);
        if matches!(c, '@' | '#') {
            joined.push(WORD_JOINER);
        }
        prev = [prev[1], c];
    }
    html_escape(&joined)
}

/// True when `c` is the `-` of `GH-123`, which GitHub links like `#123`.
fn starts_gh_reference(prev: [char; 2], c: char) -> bool {
    c == '-' && prev[0].eq_ignore_ascii_case(&'g') && prev[1].eq_ignore_ascii_case(&'h')
}

/// `text` as `<code>` in an HTML context such as a `<summary>` line: escaped, on one line, with
/// mentions and references inert because GitHub does not link inside `<code>`.
pub fn html_code(text: &str) -> String {
    format!("<code>{}</code>", html_escape(&one_line(&visible(text))))
}

/// `text` as plain Markdown text: every ASCII punctuation character backslash-escaped (so no
/// emphasis, link, HTML, autolink or list syntax survives), line breaks kept as spaces, and
/// `@name` / `#123` / `GH-123` broken with an invisible word joiner.
pub fn md_escape(text: &str) -> String {
    let text = visible(text);
    let text = one_line(&text);
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut prev = ['\0'; 2];
    for c in text.chars() {
        if starts_gh_reference(prev, c) {
            out.push(WORD_JOINER);
        }
        prev = [prev[1], c];
        match c {
            // `<` and `&` as entities: a backslash before them is not always honoured inside
            // raw-HTML detection, an entity always is.
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' | '#' => {
                out.push('\\');
                out.push(c);
                out.push(WORD_JOINER);
            }
            // `:` too, so `javascript:` / `https:` never become autolinks.
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A link to `url` labelled with `label` (already Markdown), when `url` is an `http(s)` URL;
/// otherwise the label followed by the URL as inert code. The URL comes from the CI
/// environment, not from the plan, but is still kept from breaking the link syntax.
pub fn link(label: &str, url: &str) -> String {
    let url = url.trim();
    let is_web = url.starts_with("https://") || url.starts_with("http://");
    if !is_web || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return format!("{label} {}", inline_code(url));
    }
    let mut dest = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '<' | '>' | '(' | ')' | '\\' | '`' | '"' => {
                let _ = write!(dest, "%{:02X}", c as u32);
            }
            c => dest.push(c),
        }
    }
    format!("[{label}]({dest})")
}

/// Turn Terraform's change block into lines GitHub's `diff` highlighting colours: the change
/// symbol moves to the first column (`+` green, `-` red, `!` orange for `~` and replaces), every
/// other line gets a space so the block stays aligned as Terraform printed it.
pub fn terraform_diff(diff: &str) -> String {
    terraform_diff_or(diff, ' ')
}

/// As [`terraform_diff`]; when no line carries a change symbol (Terraform 0.11 prints only the
/// attributes, `id: "x" => "y"`, under the resource's symbol line), every line gets `mark`.
pub fn terraform_diff_or(diff: &str, mark: char) -> String {
    let has_symbols = diff.lines().any(|line| line_symbol(line).1 > 0);
    let default = if has_symbols { ' ' } else { mark };
    let mut out = String::with_capacity(diff.len() + diff.len() / 16 + 8);
    for line in diff.lines() {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        let (mark, symbol_len) = match line_symbol(line) {
            (_, 0) => (default, 0),
            found => found,
        };
        out.push(mark);
        out.push_str(&line[..indent]);
        // Keep the column: the moved symbol leaves spaces of its width behind.
        for _ in 0..symbol_len {
            out.push(' ');
        }
        out.push_str(&body[symbol_len..]);
        out.push('\n');
    }
    out
}

/// The diff mark of a line and the length of the Terraform symbol it replaces (0: none).
fn line_symbol(line: &str) -> (char, usize) {
    let body = line.trim_start();
    if ["-/+", "+/-"]
        .iter()
        .any(|s| body.starts_with(*s) && is_symbol_end(&body[3..]))
    {
        return ('!', 3);
    }
    if body.starts_with("<=") && is_symbol_end(&body[2..]) {
        return (' ', 2);
    }
    match body.chars().next() {
        Some(c @ ('+' | '-' | '~')) if is_symbol_end(&body[1..]) => {
            (if c == '~' { '!' } else { c }, 1)
        }
        // Terraform 1.7+ marks a forgotten resource (`removed`, `destroy = false`) `.`.
        Some('.') if body[1..].starts_with(" resource ") => (' ', 1),
        _ => (' ', 0),
    }
}

/// A change symbol is followed by a space or ends the line (`+ id = ...`, a lone `-`); `-1` or
/// `+x` is a value, not a symbol.
fn is_symbol_end(rest: &str) -> bool {
    rest.is_empty() || rest.starts_with(' ')
}

/// The first `max` characters' worth (by [`github_len`]) of `text`, cut at a line end when one is
/// near, and how many lines were dropped.
pub fn cut_lines(text: &str, max: usize) -> (&str, usize) {
    if github_len(text) <= max {
        return (text, 0);
    }
    let mut used = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let w = if c == '\n' { 2 } else { c.len_utf16() };
        if used + w > max {
            break;
        }
        used += w;
        if c == '\n' {
            end = i + 1;
        }
    }
    if end == 0 {
        // One very long first line: cut inside it, on a character boundary.
        let mut used = 0;
        for (i, c) in text.char_indices() {
            used += c.len_utf16();
            if used > max {
                end = i;
                break;
            }
        }
    }
    let kept = &text[..end];
    let dropped = text[end..].lines().count();
    (kept, dropped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_block_fence_outlasts_backtick_runs() {
        let block = code_block("a ````` b\n```\n", "diff");
        assert!(block.starts_with("``````diff\n"));
        assert!(block.ends_with("\n``````\n"));
        assert_eq!(code_block("x", "").lines().next(), Some("```"));
    }

    #[test]
    fn code_block_info_string_keeps_only_a_word() {
        assert!(code_block("x", "di`ff <x>").starts_with("```diffx\n"));
    }

    #[test]
    fn inline_code_pads_and_lengthens() {
        assert_eq!(inline_code("a"), "`a`");
        assert_eq!(inline_code("a`b"), "``a`b``");
        assert_eq!(inline_code("`a"), "`` `a ``");
        assert_eq!(inline_code("a\n\nb"), "`a  b`");
        assert_eq!(inline_code(""), "` `");
    }

    #[test]
    fn html_code_escapes() {
        assert_eq!(
            html_code("</summary><b>\"x\""),
            "<code>&lt;/summary&gt;&lt;b&gt;&quot;x&quot;</code>"
        );
    }

    #[test]
    fn html_escape_keeps_line_breaks_but_never_a_blank_line() {
        assert_eq!(html_escape("a\nb"), "a\nb");
        assert_eq!(html_escape("a\n\n  \nb\r\n"), "a&#10;&#10;  \nb&#13;&#10;");
    }

    #[test]
    fn html_text_escapes_and_breaks_mentions() {
        assert_eq!(
            html_text("<@u> #1 '"),
            "&lt;@\u{2060}u&gt; #\u{2060}1 &#39;"
        );
    }

    #[test]
    fn md_escape_breaks_syntax_mentions_and_references() {
        let out = md_escape("[x](javascript:alert(1)) @octocat #12 <b>");
        assert!(out.starts_with("\\[x\\]\\(javascript\\:alert\\(1\\)\\)"));
        assert!(out.contains("\\@\u{2060}octocat"));
        assert!(out.contains("\\#\u{2060}12"));
        assert!(out.ends_with("&lt;b&gt;"));
    }

    #[test]
    fn link_only_for_web_urls() {
        assert_eq!(
            link("build", "https://ci/x(1)"),
            "[build](https://ci/x%281%29)"
        );
        assert_eq!(
            link("build", "javascript:alert(1)"),
            "build `javascript:alert(1)`"
        );
    }

    #[test]
    fn terraform_diff_moves_symbols_to_first_column() {
        let diff = "  ~ resource \"a\" \"b\" {\n      + id = 1\n      - x  = -1 -> null\n        y  = 2\n    }";
        let out = terraform_diff(diff);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines[0], "!    resource \"a\" \"b\" {");
        assert_eq!(lines[1], "+        id = 1");
        assert_eq!(lines[2], "-        x  = -1 -> null");
        assert_eq!(lines[3], "         y  = 2");
        assert_eq!(lines[4], "     }");
        assert!(terraform_diff("-/+ resource").starts_with("!    resource"));
        assert!(terraform_diff(" <= data \"x\"").starts_with("     data"));
        assert!(terraform_diff("  -1").starts_with("   -1"));
        // Terraform 0.11: attributes only, the resource's own mark on every line.
        assert_eq!(
            terraform_diff_or("  id: <computed>\n  v: \"1\"", '+'),
            "+  id: <computed>\n+  v: \"1\"\n"
        );
        assert_eq!(
            terraform_diff_or("  + id = 1\n    x = 2", '+'),
            "+    id = 1\n     x = 2\n"
        );
    }

    #[test]
    fn github_len_counts_conservatively() {
        assert_eq!(github_len("ab"), 2);
        assert_eq!(github_len("a\n"), 3);
        assert_eq!(github_len("🟥"), 2);
    }

    #[test]
    fn cut_lines_cuts_at_line_ends() {
        assert_eq!(cut_lines("aa\nbb\ncc\n", 8), ("aa\nbb\n", 1));
        assert_eq!(cut_lines("aaaa", 2), ("aa", 1));
        assert_eq!(cut_lines("ab", 5), ("ab", 0));
    }
}
