//! The summary of a pull request's roots (`tfpost summary`): one GitHub comment or one Slack
//! message with a line per root, most urgent first, and the roots without changes collapsed.
//!
//! Root paths come from comment markers or the command line, never trusted as markup: they are
//! code spans (GitHub) or escaped code (Slack) like every plan-derived string.

use std::fmt::Write as _;

use crate::message::SlackMessage;
use crate::model::Action;
use crate::render::github::BODY_MAX_CHARS;
use crate::render::inert::{github_len, inline_code, link};
use crate::render::slack::{escape as slack_escape, slack_len};
use crate::summary::{RootResult, RootStatus};
use crate::words::action_square;

/// What the summary says besides the roots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SummaryContext {
    /// Heading; default "Terraform summary".
    pub title: Option<String>,
    /// The fan-in build, where the per-root jobs are.
    pub build_url: Option<String>,
    /// The commit the summary is for; roots planned for another one are stale.
    pub sha: Option<String>,
}

/// Longest root path shown whole; longer ones keep their start and end.
const MAX_TARGET_CHARS: usize = 120;

/// The GitHub comment body, within [`BODY_MAX_CHARS`] whatever the number of roots: rows that do
/// not fit are counted in a closing note, roots without changes going first.
pub fn github(rows: &[RootStatus], ctx: &SummaryContext) -> String {
    let mut out = String::new();
    let title = ctx.title.as_deref().unwrap_or("Terraform summary");
    let _ = writeln!(
        out,
        "## {} ({})\n",
        crate::render::inert::md_escape(title),
        plural(rows.len(), "root")
    );
    out.push_str(&totals(rows, |emoji, n, words| {
        format!("{emoji} {n} {words}")
    }));
    if let Some(url) = &ctx.build_url {
        out.push_str(" · ");
        out.push_str(&link("build", url));
    }
    out.push_str("\n\n");

    let (changed, unchanged): (Vec<&RootStatus>, Vec<&RootStatus>) =
        rows.iter().partition(|r| r.result != RootResult::NoChanges);
    // Room for the closing note and the collapsed section's frame.
    let budget = BODY_MAX_CHARS - 1_000;
    let mut left_out = 0usize;
    // Saved runs (`--model`) have no comments to link to: no empty column then.
    let links = rows.iter().any(|r| r.link.is_some());
    if !changed.is_empty() {
        out.push_str(if links {
            "| | Root | Resources | Comment |\n|:-:|---|---|---|\n"
        } else {
            "| | Root | Resources |\n|:-:|---|---|\n"
        });
        for (i, row) in changed.iter().enumerate() {
            let line = github_row(row, true, links);
            if github_len(&out) + github_len(&line) > budget {
                left_out += changed.len() - i;
                break;
            }
            out.push_str(&line);
        }
        out.push('\n');
    }
    if !unchanged.is_empty() {
        let _ = write!(
            out,
            "<details><summary>✅ {} without changes</summary>\n\n{}",
            plural(unchanged.len(), "root"),
            if links {
                "| Root | Comment |\n|---|---|\n"
            } else {
                "| Root |\n|---|\n"
            }
        );
        let mut shown = 0;
        for row in &unchanged {
            let line = github_row(row, false, links);
            if left_out > 0 || github_len(&out) + github_len(&line) > budget {
                break;
            }
            out.push_str(&line);
            shown += 1;
        }
        left_out += unchanged.len() - shown;
        out.push_str("\n</details>\n");
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "\n> [!NOTE]\n> {} more not listed, to stay within GitHub's comment size; each has its own comment on this pull request.",
            plural(left_out, "root")
        );
    }
    out
}

fn github_row(row: &RootStatus, with_result: bool, links: bool) -> String {
    let target = table_code(&shorten(&row.target));
    let stale = if row.stale { " ⏳ stale" } else { "" };
    let comment = if links {
        format!(
            " {} |",
            row.link.as_deref().map_or_else(String::new, comment_link)
        )
    } else {
        String::new()
    };
    if !with_result {
        return format!("| {target}{stale} |{comment}\n");
    }
    let (emoji, words) = row.result.label();
    let resources = if row.result == RootResult::Failed || row.counts.is_empty() {
        words.to_string()
    } else {
        counts(row, |action, n| format!("{} {n}", action_square(action)))
    };
    format!("| {emoji} | {target}{stale} | {resources} |{comment}\n")
}

/// A link to a root's comment: as an anchor on this page when it is one of this pull request's
/// comments (shorter, so 500 roots fit), else the URL itself.
fn comment_link(url: &str) -> String {
    match url.rsplit_once("#issuecomment-") {
        Some((_, id)) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => {
            format!("[view](#issuecomment-{id})")
        }
        _ => link("view", url),
    }
}

/// A code span that also survives a table cell: GFM splits cells at `|` before it reads code
/// spans, and `\|` is its escape for a pipe, inside code spans too.
fn table_code(text: &str) -> String {
    inline_code(text).replace('|', "\\|")
}

fn shorten(target: &str) -> String {
    let chars = target.chars().count();
    if chars <= MAX_TARGET_CHARS {
        return target.to_string();
    }
    let head: String = target.chars().take(MAX_TARGET_CHARS / 2).collect();
    let tail: String = target
        .chars()
        .skip(chars - MAX_TARGET_CHARS / 2 + 1)
        .collect();
    format!("{head}…{tail}")
}

/// "❌ 2 failed · ⚠️ 3 destroy resources · ...": how many roots have each result.
fn totals(rows: &[RootStatus], item: impl Fn(&str, usize, &str) -> String) -> String {
    let results = [
        (RootResult::Failed, "failed"),
        (RootResult::Destroys, "destroy resources"),
        (RootResult::Changes, "change"),
        (RootResult::Applied, "applied"),
        (RootResult::NoChanges, "without changes"),
    ];
    let mut parts: Vec<String> = results
        .iter()
        .filter_map(|(result, words)| {
            let n = rows.iter().filter(|r| r.result == *result).count();
            (n > 0).then(|| item(result.label().0, n, words))
        })
        .collect();
    let stale = rows.iter().filter(|r| r.stale).count();
    if stale > 0 {
        parts.push(item("⏳", stale, "stale"));
    }
    if parts.is_empty() {
        parts.push("no roots reported yet".to_string());
    }
    parts.join(" · ")
}

fn counts(row: &RootStatus, item: impl Fn(Action, u64) -> String) -> String {
    Action::ALL
        .iter()
        .filter_map(|action| row.counts.get(action).map(|n| item(*action, *n)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Slack's limits that shape the message: 50 blocks, 3,000 characters of section text.
const SLACK_MAX_BLOCKS: usize = 50;
const SLACK_SECTION_CHARS: usize = 2_900;

/// The Slack message: a header, the totals, then the roots with changes packed into sections;
/// the roots without changes are only counted.
pub fn slack(rows: &[RootStatus], ctx: &SummaryContext) -> SlackMessage {
    let title = ctx.title.as_deref().unwrap_or("Terraform summary");
    let heading = format!("{title} ({})", plural(rows.len(), "root"));
    let mut totals_text = totals(rows, |emoji, n, words| format!("{emoji} {n} {words}"));
    if let Some(url) = &ctx.build_url {
        let _ = write!(totals_text, " · <{}|build>", slack_url(url));
    }
    let mut blocks = vec![
        serde_json::json!({
            "type": "header",
            "text": {"type": "plain_text", "text": shorten_plain(&heading, 150), "emoji": true}
        }),
        section(&totals_text),
    ];
    let changed: Vec<&RootStatus> = rows
        .iter()
        .filter(|r| r.result != RootResult::NoChanges)
        .collect();
    let mut text = String::new();
    let mut left_out = 0;
    for (i, row) in changed.iter().enumerate() {
        let line = slack_row(row);
        if !text.is_empty() && slack_len(&text) + slack_len(&line) > SLACK_SECTION_CHARS {
            // One block stays free for the closing note.
            if blocks.len() + 2 > SLACK_MAX_BLOCKS {
                left_out = changed.len() - i;
                break;
            }
            blocks.push(section(&text));
            text.clear();
        }
        text.push_str(&line);
    }
    if !text.is_empty() {
        blocks.push(section(&text));
    }
    if left_out > 0 {
        blocks.push(section(&format!(
            "{} more with changes not listed: see their own messages or comments.",
            plural(left_out, "root")
        )));
    }
    SlackMessage {
        text: slack_escape(&heading),
        blocks,
        thread_reply: None,
    }
}

fn slack_row(row: &RootStatus) -> String {
    let (emoji, words) = row.result.label();
    let mut line = format!("{emoji} {}", slack_code(&shorten(&row.target)));
    if row.stale {
        line.push_str(" ⏳ stale");
    }
    line.push(' ');
    if row.result == RootResult::Failed || row.counts.is_empty() {
        line.push_str(words);
    } else {
        line.push_str(&counts(row, |action, n| {
            format!("{} {n}", action_square(action))
        }));
    }
    if let Some(url) = &row.link {
        let _ = write!(line, " <{}|view>", slack_url(url));
    }
    line.push('\n');
    line
}

/// `text` as Slack inline code: escaped, on one line, with no backtick that could end the span.
fn slack_code(text: &str) -> String {
    let one_line: String = text
        .chars()
        .map(|c| match c {
            '`' => 'ˋ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    format!("`{}`", slack_escape(&one_line))
}

/// A URL inside `<url|label>`: the characters that would end or split the link are encoded.
fn slack_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            '|' | '<' | '>' | ' ' => {
                let _ = write!(out, "%{:02X}", c as u32);
            }
            '&' => out.push_str("%26"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn shorten_plain(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

fn section(text: &str) -> serde_json::Value {
    serde_json::json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Kind;
    use crate::summary::{ActionCounts, ordered};

    fn root(i: usize, result: RootResult) -> RootStatus {
        let mut counts = ActionCounts::new();
        match result {
            RootResult::Destroys => {
                counts.insert(Action::Delete, 2);
                counts.insert(Action::Create, 1);
            }
            RootResult::Changes => {
                counts.insert(Action::Update, 3);
            }
            _ => {}
        }
        RootStatus {
            target: format!("services/team-{i:03}/envs/production"),
            kind: Kind::Plan,
            result,
            counts,
            link: Some(format!(
                "https://github.com/acme/infra/pull/1234#issuecomment-{}",
                2_000_000_000 + i
            )),
            sha: Some("0123456789abcdef0123456789abcdef01234567".into()),
            stale: i.is_multiple_of(7),
        }
    }

    fn many(n: usize) -> Vec<RootStatus> {
        ordered((0..n).map(|i| {
            let result = match i % 10 {
                0 => RootResult::Failed,
                1 | 2 => RootResult::Destroys,
                3..=5 => RootResult::Changes,
                _ => RootResult::NoChanges,
            };
            root(i, result)
        }))
    }

    #[test]
    fn five_hundred_roots_fit_whole_in_one_comment() {
        let body = github(&many(500), &SummaryContext::default());
        assert!(github_len(&body) <= BODY_MAX_CHARS, "{}", github_len(&body));
        assert!(!body.contains("more not listed"));
        for i in 0..500 {
            assert!(body.contains(&format!("`services/team-{i:03}/envs/production`")));
        }
        // Failed before destroying before changes before the collapsed unchanged roots.
        let pos = |needle: &str| body.find(needle).unwrap();
        assert!(pos("| ❌ |") < pos("| ⚠️ |"));
        assert!(pos("| ⚠️ |") < pos("| 📝 |"));
        assert!(pos("| 📝 |") < pos("<details><summary>✅ 200 roots without changes"));
        assert!(body.contains(
            "❌ 50 failed · ⚠️ 100 destroy resources · 📝 150 change · ✅ 200 without changes"
        ));
        assert!(body.contains("| ⚠️ | `services/team-001/envs/production` | 🟥 2 🟩 1 | [view](#issuecomment-2000000001) |"));
    }

    #[test]
    fn too_many_roots_are_counted_never_over_the_limit() {
        let mut rows = many(3000);
        for row in &mut rows {
            row.target = format!("{}-{}", row.target, "x".repeat(80));
        }
        let body = github(&rows, &SummaryContext::default());
        assert!(github_len(&body) <= BODY_MAX_CHARS);
        assert!(
            body.contains("more not listed"),
            "{}",
            &body[body.len() - 300..]
        );
        // The failures are listed before anything is left out.
        assert_eq!(body.matches("| ❌ |").count(), 300);
    }

    #[test]
    fn hostile_root_paths_stay_code_inside_the_table() {
        let mut row = root(1, RootResult::Changes);
        row.target = "a|b` @team <img src=x> #1 \u{202e}".into();
        let body = github(&[row], &SummaryContext::default());
        let line = body.lines().find(|l| l.starts_with("| 📝")).unwrap();
        // Five cell borders only: the pipe inside the path is escaped.
        assert_eq!(
            line.matches('|').count() - line.matches("\\|").count(),
            5,
            "{line}"
        );
        assert!(line.contains("``a\\|b` @team <img src=x> #1"), "{line}");
    }

    #[test]
    fn slack_keeps_within_its_block_limits_and_escapes_paths() {
        let mut rows = many(500);
        rows[0].target = "x` <!channel> &".into();
        let message = slack(&rows, &SummaryContext::default());
        assert!(message.blocks.len() <= SLACK_MAX_BLOCKS);
        for block in &message.blocks[1..] {
            let text = block["text"]["text"].as_str().unwrap();
            assert!(slack_len(text) <= 3000);
            assert!(!text.contains("<!channel>"));
        }
        let all = serde_json::to_string(&message.blocks).unwrap();
        assert!(all.contains("`xˋ &lt;!channel&gt; &amp;`"), "{all}");
    }

    #[test]
    fn saved_runs_without_comments_get_no_link_column() {
        let mut rows = many(12);
        for row in &mut rows {
            row.link = None;
        }
        let body = github(&rows, &SummaryContext::default());
        assert!(
            body.contains("| | Root | Resources |\n|:-:|---|---|\n"),
            "{body}"
        );
        assert!(body.contains("| Root |\n|---|\n"), "{body}");
        assert!(!body.contains("|  |"), "{body}");
    }

    #[test]
    fn an_empty_summary_says_so() {
        let body = github(&[], &SummaryContext::default());
        assert!(body.contains("(0 roots)"));
        assert!(body.contains("no roots reported yet"));
    }
}
