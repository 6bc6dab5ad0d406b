//! Render a comment (Markdown on stdin) as an HTML page that looks like a GitHub comment, for the
//! screenshots in `docs/`. GitHub-flavoured Markdown via comrak, with GitHub's alert boxes and a
//! stand-in for its `diff` highlighting.
//!
//! ```sh
//! cargo run --quiet -- render fixtures/tf-1.15.5/kitchen-sink.plan.txt > docs/example-plan.md
//! cargo run --quiet --example comment_html -- light < docs/example-plan.md > /tmp/light.html
//! chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=900,2200 \
//!     --screenshot=docs/example-plan-light.png /tmp/light.html
//! ```

use std::io::Read as _;

const LIGHT: &str = "--fg:#1f2328;--bg:#ffffff;--muted:#59636e;--border:#d1d9e0;--code:#f6f8fa;\
--add:#116329;--add-bg:#dafbe1;--del:#82071e;--del-bg:#ffebe9;--chg:#953800;--chg-bg:#ffd8b5;\
--caution:#d1242f;--note:#0969da;--warning:#9a6700;--link:#0969da;";
const DARK: &str = "--fg:#f0f6fc;--bg:#0d1117;--muted:#9198a1;--border:#3d444d;--code:#151b23;\
--add:#aff5b4;--add-bg:#033a16;--del:#ffdcd7;--del-bg:#67060c;--chg:#ffdfb6;--chg-bg:#5a1e02;\
--caution:#f85149;--note:#4493f8;--warning:#d29922;--link:#4493f8;";

fn main() {
    let theme = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "light".to_string());
    let mut markdown = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut markdown) {
        eprintln!("cannot read stdin: {e}");
        std::process::exit(1);
    }
    let mut options = comrak::Options::default();
    options.extension.strikethrough = true;
    options.extension.table = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.alerts = true;
    options.render.r#unsafe = true;
    options.render.hardbreaks = true;
    let html = highlight_diffs(&comrak::markdown_to_html(&markdown, &options));
    let vars = if theme == "dark" { DARK } else { LIGHT };
    println!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><style>:root{{{vars}}}{CSS}</style></head>\
         <body><div class=\"comment\">{html}</div></body></html>"
    );
}

/// GitHub colours `+`, `-` and `!` lines of a `diff` block; comrak leaves highlighting to others.
fn highlight_diffs(html: &str) -> String {
    let mut out = String::with_capacity(html.len() * 2);
    let mut rest = html;
    let open = "<code class=\"language-diff\">";
    while let Some(start) = rest.find(open) {
        let body_start = start + open.len();
        let Some(len) = rest[body_start..].find("</code>") else {
            break;
        };
        out.push_str(&rest[..body_start]);
        for line in rest[body_start..body_start + len].split_inclusive('\n') {
            let class = match line.chars().next() {
                Some('+') => "add",
                Some('-') => "del",
                Some('!') => "chg",
                _ => "ctx",
            };
            out.push_str(&format!("<span class=\"{class}\">{line}</span>"));
        }
        rest = &rest[body_start + len..];
    }
    out.push_str(rest);
    out
}

const CSS: &str = "
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.5 -apple-system,'Segoe UI','Noto Sans',Helvetica,Arial,sans-serif,'Noto Color Emoji'}
.comment{max-width:860px;margin:16px;border:1px solid var(--border);border-radius:6px;padding:16px 24px}
h3{font-size:1.25em;margin:0 0 16px}h4{font-size:1em;margin:24px 0 8px}
a{color:var(--link);text-decoration:none}
code{font:12px/1.45 ui-monospace,SFMono-Regular,'DejaVu Sans Mono',Menlo,monospace;background:var(--code);border-radius:6px;padding:.2em .4em}
pre{background:var(--code);border-radius:6px;padding:12px 16px;overflow:auto}pre code{padding:0;background:none;display:block}
pre span{display:block}pre .add{color:var(--add);background:var(--add-bg)}pre .del{color:var(--del);background:var(--del-bg)}pre .chg{color:var(--chg);background:var(--chg-bg)}
details{margin:8px 0}summary{cursor:pointer}
sub{color:var(--muted)}ul{padding-left:2em}
.markdown-alert{padding:8px 16px;margin:16px 0;border-left:.25em solid var(--border)}
.markdown-alert-title{font-weight:600;margin:0 0 4px}
.markdown-alert-caution{border-color:var(--caution)}.markdown-alert-caution .markdown-alert-title{color:var(--caution)}
.markdown-alert-note{border-color:var(--note)}.markdown-alert-note .markdown-alert-title{color:var(--note)}
.markdown-alert-warning{border-color:var(--warning)}.markdown-alert-warning .markdown-alert-title{color:var(--warning)}
";
