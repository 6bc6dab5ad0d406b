//! Making a rendered comment inert in GitLab Flavored Markdown.
//!
//! The GitHub comment ([`super::github`]) already keeps plan text out of live Markdown: it sits
//! in code spans, fenced code blocks and `<code>`, or is backslash-escaped with `@` and `#`
//! broken. GitLab reads two more things out of a note that GitHub does not:
//!
//! - **Quick actions.** GitLab runs `/merge`, `/close`, `/label ~x`, `/approve`, ... found at the
//!   start of a line of a note, before rendering it. Its extractor skips only code fenced with
//!   exactly three backticks at the start of a line: a longer fence, a `~~~` fence, `<pre>`,
//!   indented code or a code span split over lines are all read as plain lines. So no line of
//!   the note may begin with `/`, inside code or not: a zero-width space (U+200B) goes before a
//!   `/` that would begin a line (after the line's indentation). It is invisible wherever it
//!   lands, text or code, and a line then begins with it, not with `/`. Carriage returns become
//!   line feeds first, so no `\r` can start a line GitLab sees and the guard misses.
//! - **More reference sigils.** Besides `@user` and `#123`, GitLab links `!123` (merge
//!   requests), `~label`, `%milestone`, `&epic` and `$snippet`, also after a backslash escape or
//!   an HTML entity (`\~`, `&amp;` are text again once rendered, and GitLab links text). Outside
//!   code, a word joiner (U+2060) goes after every sigil that is followed by something a
//!   reference could start with, which breaks the reference and shows nothing. GitLab does not
//!   link inside code spans, fenced code, `<code>`/`<pre>` or link destinations, which are left
//!   as they are (so URLs keep their `#anchor`).
//!
//! [`GitlabMarkdown::from_github`] applies both to a body the GitHub renderer produced (or any
//! Markdown, a user template's included); the GitLab notifier only posts a [`GitlabMarkdown`].

/// U+2060 WORD JOINER: breaks a reference (`~\u{2060}label`) and shows nothing.
const WORD_JOINER: char = '\u{2060}';
/// U+200B ZERO WIDTH SPACE: put before a `/` that would begin a line, so it does not.
const LINE_START_GUARD: char = '\u{200B}';

/// A note body in GitLab Flavored Markdown in which no plan text can be a quick action or a
/// reference. Only [`GitlabMarkdown::from_github`] makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitlabMarkdown(String);

impl GitlabMarkdown {
    /// Converts a comment in GitHub Markdown (as [`super::github`] or a user template renders
    /// it) into an inert GitLab note; see the module documentation for the rules.
    pub fn from_github(markdown: &str) -> GitlabMarkdown {
        GitlabMarkdown(make_inert(markdown))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Length as GitLab counts it against its note limit: characters.
    pub fn chars(&self) -> usize {
        self.0.chars().count()
    }

    /// The note cut to at most `max_chars` characters, when it is longer: cut at a line end,
    /// an open code fence closed with its own fence, open `<details>` closed, and a closing
    /// line saying how much was cut, why, and where the full output is (`build_url`).
    pub fn fit(self, max_chars: usize, build_url: Option<&str>) -> GitlabMarkdown {
        let total = self.chars();
        if total <= max_chars {
            return self;
        }
        let link = build_url.map(|url| crate::render::inert::link("the CI log", url));
        // The closing fence, `</details>` lines and the note, generously.
        let reserve = 800 + link.as_ref().map_or(0, |l| l.chars().count());
        let keep = max_chars.saturating_sub(reserve);
        let end = self
            .0
            .char_indices()
            .nth(keep)
            .map_or(self.0.len(), |(i, _)| i);
        let kept = match self.0[..end].rfind('\n') {
            Some(nl) => &self.0[..nl + 1],
            None => "",
        };
        let mut fence = None;
        let mut details = 0usize;
        for line in kept.split_inclusive('\n') {
            match fence {
                Some(open) if closes(line, open) => fence = None,
                Some(_) => {}
                None => {
                    fence = opens(line);
                    if fence.is_none() {
                        details += line.matches("<details").count();
                        details = details.saturating_sub(line.matches("</details>").count());
                    }
                }
            }
        }
        let cut = total - kept.chars().count();
        let mut out = String::with_capacity(kept.len() + reserve);
        out.push_str(kept);
        if let Some(open) = fence {
            out.extend(std::iter::repeat_n(open.mark, open.len));
            out.push('\n');
        }
        for _ in 0..details {
            out.push_str("</details>\n");
        }
        out.push_str(&format!(
            "\n> **Note:** tfpost cut {cut} characters from this note to stay within GitLab's {max_chars}-character limit"
        ));
        match link {
            Some(link) => out.push_str(&format!("; the full output is in {link}.\n")),
            None => out.push_str("; the full output is in the CI log.\n"),
        }
        GitlabMarkdown(out)
    }
}

/// A fenced code block being read: its fence character and length.
#[derive(Clone, Copy)]
struct Fence {
    mark: char,
    len: usize,
}

/// Raw HTML that GitLab does not link in, open at the end of a line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HtmlCode {
    Code,
    Pre,
}

impl HtmlCode {
    fn closing(self) -> &'static str {
        match self {
            HtmlCode::Code => "</code>",
            HtmlCode::Pre => "</pre>",
        }
    }
}

fn make_inert(markdown: &str) -> String {
    let text = if markdown.contains('\r') {
        std::borrow::Cow::Owned(markdown.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(markdown)
    };
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut fence: Option<Fence> = None;
    let mut html_code: Option<HtmlCode> = None;
    for line in text.split_inclusive('\n') {
        let start = out.len();
        match fence {
            Some(open) => {
                out.push_str(line);
                if closes(line, open) {
                    fence = None;
                }
            }
            None => {
                if html_code.is_none()
                    && let Some(open) = opens(line)
                {
                    fence = Some(open);
                    out.push_str(line);
                } else {
                    html_code = inline(line, html_code, &mut out);
                }
            }
        }
        guard_line_start(&mut out, start);
    }
    out
}

/// Puts [`LINE_START_GUARD`] before the `/` that begins the line written from `start`, if any.
fn guard_line_start(out: &mut String, start: usize) {
    let indent = out[start..]
        .bytes()
        .take_while(|b| matches!(b, b' ' | b'\t'))
        .count();
    if out[start + indent..].starts_with('/') {
        out.insert(start + indent, LINE_START_GUARD);
    }
}

/// The fence a line opens: up to three spaces, then three or more backticks (with no backtick
/// in the info string) or tildes.
fn opens(line: &str) -> Option<Fence> {
    let body = strip_indent(line)?;
    let mark = body.chars().next().filter(|c| matches!(c, '`' | '~'))?;
    let len = body.chars().take_while(|c| *c == mark).count();
    if len < 3 || (mark == '`' && body[len..].contains('`')) {
        return None;
    }
    Some(Fence { mark, len })
}

/// True when `line` closes `fence`: at least as many of its marks, then only spaces.
fn closes(line: &str, fence: Fence) -> bool {
    let Some(body) = strip_indent(line) else {
        return false;
    };
    let len = body.chars().take_while(|c| *c == fence.mark).count();
    len >= fence.len && body[len..].trim().is_empty()
}

/// The line without its indentation, when that is at most three spaces (more is not a fence).
fn strip_indent(line: &str) -> Option<&str> {
    let spaces = line.bytes().take_while(|b| *b == b' ').count();
    (spaces <= 3).then_some(&line[spaces..])
}

/// GitLab's reference sigils.
fn is_sigil(c: char) -> bool {
    matches!(c, '@' | '#' | '!' | '~' | '%' | '&' | '$')
}

/// True when a reference could start at `next` after `sigil`: a name, a number, a quoted name,
/// or an escape or entity that renders as one. `![` (an image), `~~` (strikethrough) and `##`
/// (a heading) are Markdown, not references.
fn starts_reference(sigil: char, next: Option<char>) -> bool {
    let Some(next) = next else {
        return false;
    };
    if next == sigil && matches!(sigil, '~' | '#') || (sigil == '!' && next == '[') {
        return false;
    }
    next.is_alphanumeric() || matches!(next, '_' | '.' | '-' | '"' | '\'' | '\\' | '&')
}

/// The character an HTML entity at the start of `text` stands for, when it is a sigil, and the
/// entity's length; `None` when `text` does not start with an entity.
fn entity(text: &str) -> Option<(usize, Option<char>)> {
    let end = text.char_indices().take(34).find(|(_, c)| *c == ';')?.0;
    let name = &text[1..end];
    let decoded = if let Some(num) = name.strip_prefix('#') {
        let value = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        char::from_u32(value)
    } else if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric()) {
        match name {
            "amp" | "AMP" => Some('&'),
            "num" => Some('#'),
            "commat" => Some('@'),
            "excl" => Some('!'),
            "tilde" => Some('~'),
            "percnt" => Some('%'),
            "dollar" => Some('$'),
            _ => None,
        }
    } else {
        return None;
    };
    Some((end + 1, decoded.filter(|c| is_sigil(*c))))
}

/// Writes one line outside fenced code with its references broken; `html_code` is the
/// `<code>`/`<pre>` element open before the line, and the one open after it is returned.
fn inline(line: &str, mut html_code: Option<HtmlCode>, out: &mut String) -> Option<HtmlCode> {
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(open) = html_code {
            match find_ascii_ci(rest, open.closing()) {
                Some(at) => {
                    let end = at + open.closing().len();
                    out.push_str(&rest[..end]);
                    rest = &rest[end..];
                    html_code = None;
                }
                None => {
                    out.push_str(rest);
                    return html_code;
                }
            }
            continue;
        }
        let Some(c) = rest.chars().next() else { break };
        let taken = match c {
            '`' => code_span(rest),
            '<' => html_tag(rest).map(|(len, opened)| {
                html_code = opened;
                len
            }),
            ']' if rest[1..].starts_with('(') => link_destination(rest),
            _ => None,
        };
        if let Some(len) = taken {
            out.push_str(&rest[..len]);
            rest = &rest[len..];
            continue;
        }
        // A sigil, written as itself, escaped, or as an entity.
        let (len, sigil) = match c {
            '\\' => match rest[1..].chars().next() {
                Some(e) if e.is_ascii_punctuation() => (1 + e.len_utf8(), Some(e)),
                _ => (1, None),
            },
            '&' => match entity(rest) {
                Some((len, decoded)) => (len, decoded),
                None => (1, Some('&')),
            },
            c => (c.len_utf8(), Some(c)),
        };
        out.push_str(&rest[..len]);
        rest = &rest[len..];
        if let Some(sigil) = sigil.filter(|s| is_sigil(*s))
            && starts_reference(sigil, rest.chars().next())
        {
            out.push(WORD_JOINER);
        }
    }
    html_code
}

/// A code span at the start of `text`: the backtick run and the next run of the same length on
/// the line. Its length, or `None` when the run is not closed (then it is literal backticks).
fn code_span(text: &str) -> Option<usize> {
    let ticks = text.bytes().take_while(|b| *b == b'`').count();
    let mut at = ticks;
    while at < text.len() {
        let run_start = at + text[at..].find('`')?;
        let run = text[run_start..].bytes().take_while(|b| *b == b'`').count();
        if run == ticks {
            return Some(run_start + run);
        }
        at = run_start + run;
    }
    None
}

/// An HTML tag, comment or autolink at the start of `text` (up to its `>` on this line), and
/// the `<code>`/`<pre>` element it opens. `None` when `<` is just text.
fn html_tag(text: &str) -> Option<(usize, Option<HtmlCode>)> {
    let second = text[1..].chars().next()?;
    if !(second.is_ascii_alphabetic() || matches!(second, '/' | '!' | '?')) {
        return None;
    }
    let end = text.find('>')? + 1;
    let name: String = text[1..end]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    let opened = match name.as_str() {
        "code" => Some(HtmlCode::Code),
        "pre" => Some(HtmlCode::Pre),
        _ => None,
    };
    Some((end, opened))
}

/// The `](destination)` of a link at the start of `text`, parentheses balanced; its length.
fn link_destination(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            '\n' => return None,
            _ => {}
        }
    }
    None
}

/// Byte offset of `needle` (ASCII) in `haystack`, ignoring ASCII case.
fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inert(text: &str) -> String {
        GitlabMarkdown::from_github(text).as_str().to_string()
    }

    /// Lines GitLab's quick-action extractor could read as a command.
    fn command_lines(note: &str) -> Vec<&str> {
        note.split(['\n', '\r'])
            .filter(|l| l.trim_start_matches([' ', '\t']).starts_with('/'))
            .collect()
    }

    #[test]
    fn no_line_begins_with_a_slash_in_or_out_of_code() {
        let body = "/merge\n  /close\ntext\n````\n```\n/approve\n````\n~~~\n/label ~x\n~~~\n<pre>\n/unapprove\n</pre>\n\r/assign @me\n";
        let out = inert(body);
        assert_eq!(command_lines(&out), Vec::<&str>::new(), "{out}");
        // Nothing but the guard was added on those lines.
        assert!(out.contains("\u{200B}/merge\n  \u{200B}/close\n"));
        assert!(out.contains("````\n```\n\u{200B}/approve\n````\n"));
    }

    #[test]
    fn references_outside_code_are_broken() {
        let out = inert("see @alice #12 !34 ~bug %v1 &5 $6 ~\"two words\" group/p!7\n");
        for sigil in ['@', '#', '!', '~', '%', '&', '$'] {
            for (i, _) in out.match_indices(sigil) {
                assert!(
                    out[i + 1..].starts_with(WORD_JOINER),
                    "{sigil} at {i} in {out:?}"
                );
            }
        }
    }

    #[test]
    fn escapes_and_entities_that_render_as_sigils_are_broken_too() {
        let out = inert("\\~bug \\%\\\"m\\\" &amp;12 &#35;3 &#x40;bob &lt;x&gt;\n");
        assert!(out.contains("\\~\u{2060}bug"), "{out}");
        assert!(out.contains("\\%\u{2060}\\\""), "{out}");
        assert!(out.contains("&amp;\u{2060}12"), "{out}");
        assert!(out.contains("&#35;\u{2060}3"), "{out}");
        assert!(out.contains("&#x40;\u{2060}bob"), "{out}");
        assert!(out.contains("&lt;x&gt;"), "{out}");
    }

    #[test]
    fn code_links_and_markdown_syntax_are_left_alone() {
        let text = "## Plan: `~bug #1 @a`\n<details><summary><code>#1 ~x</code> done</summary>\n\n```diff\n+ id = \"@a #1 ~b\"\n```\n</details>\n[build](https://ci/x#L1) ![img](https://i/y)\n";
        assert_eq!(inert(text), text);
    }

    #[test]
    fn a_long_note_is_cut_within_the_limit_with_its_blocks_closed() {
        let body = format!(
            "<details><summary>x</summary>\n\n````diff\n{}",
            "+ line of a long plan ```\n".repeat(5000)
        );
        let note = GitlabMarkdown::from_github(&body).fit(10_000, Some("https://ci/job/1"));
        let text = note.as_str();
        assert!(note.chars() <= 10_000, "{}", note.chars());
        assert!(
            text.contains("+ line of a long plan ```\n````\n</details>\n"),
            "{text}"
        );
        assert!(
            text.ends_with("[the CI log](https://ci/job/1).\n"),
            "{text}"
        );
        let short = GitlabMarkdown::from_github("short\n");
        assert_eq!(short.clone().fit(10, None), short);
    }

    /// Text made of the characters that matter to fences, code, HTML, entities, escapes,
    /// references and line starts.
    fn markdownish() -> impl proptest::strategy::Strategy<Value = String> {
        let chars: Vec<char> = "/\n\r \t`~@#!%&$;<>\\\"[]()abc123".chars().collect();
        proptest::collection::vec(proptest::sample::select(chars), 0..120)
            .prop_map(|c| c.into_iter().collect())
    }

    use proptest::prelude::*;

    proptest! {
        #[test]
        fn only_invisible_characters_are_added_and_no_line_begins_with_a_slash(text in markdownish()) {
            let out = inert(&text);
            prop_assert_eq!(command_lines(&out), Vec::<&str>::new());
            let shown: String = out.chars().filter(|c| *c != WORD_JOINER && *c != LINE_START_GUARD).collect();
            prop_assert_eq!(shown, text.replace("\r\n", "\n").replace('\r', "\n"));
        }
    }

    #[test]
    fn pre_spanning_lines_stays_code_and_unclosed_ticks_are_text() {
        let out = inert("<pre>\n@a #1\n</pre>\n` @b\n");
        assert!(out.starts_with("<pre>\n@a #1\n</pre>\n"), "{out}");
        assert!(out.contains("@\u{2060}b"), "{out}");
    }
}
