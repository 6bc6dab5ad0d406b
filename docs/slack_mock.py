#!/usr/bin/env python3
"""Render Slack Block Kit payloads (as printed by `cargo run --example slack_message`) to an HTML
page that looks like Slack's message view, for a screenshot in the README:

    python3 docs/slack_mock.py docs/slack-example.json > /tmp/slack.html
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
        --window-size=1500,1400 --screenshot=docs/slack-example.png /tmp/slack.html

Only the blocks tfpost writes are drawn (header, section with fields, context, divider), and only
the mrkdwn it uses (bold, italic, inline code, code sections, <url|label> links, emoji codes).
"""

import html
import json
import re
import sys

EMOJI = {
    "warning": "⚠️", "wastebasket": "🗑️", "recycle": "♻️", "heavy_plus_sign": "➕",
    "pencil2": "✏️", "inbox_tray": "📥", "truck": "🚚", "outbox_tray": "📤", "mag": "🔍",
    "page_facing_up": "📄", "twisted_rightwards_arrows": "🔀", "hammer_and_wrench": "🛠️",
    "x": "❌", "white_check_mark": "✅", "large_yellow_circle": "🟡", "large_green_circle": "🟢",
    "scissors": "✂️", "rotating_light": "🚨", "grey_question": "❔",
}


def emoji(text):
    return re.sub(r":([a-z0-9_+]+):", lambda m: EMOJI.get(m.group(1), m.group(0)), text)


def inline(text):
    """mrkdwn outside code sections. Slack text is already entity-escaped (&amp; &lt; &gt;), so it
    is HTML as it stands except for the few raw `<...>` links tfpost writes."""
    parts = re.split(r"(`[^`\n]*`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"<code>{part[1:-1]}</code>")
            continue
        part = re.sub(r"<(https?://[^|>]+)\|([^>]*)>", r'<a href="\1">\2</a>', part)
        part = re.sub(r"<!subteam\^([A-Z0-9]+)>", r'<span class="mention">@sre-oncall</span>', part)
        part = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"<b>\1</b>", part)
        part = re.sub(r"(?<![\w_])_([^_\n]+)_(?![\w_])", r"<i>\1</i>", part)
        out.append(emoji(part))
    return "".join(out).replace("\n", "<br>")


def mrkdwn(text):
    chunks = text.split("```")
    out = []
    for i, chunk in enumerate(chunks):
        if i % 2 == 1:
            out.append(f"<pre>{chunk.strip(chr(10))}</pre>")
        else:
            out.append(inline(chunk))
    return "".join(out)


def block_html(block):
    kind = block.get("type")
    if kind == "header":
        return f'<div class="header">{emoji(block["text"]["text"])}</div>'
    if kind == "divider":
        return '<hr>'
    if kind == "context":
        items = "".join(f'<span>{mrkdwn(e["text"])}</span>' for e in block["elements"])
        return f'<div class="context">{items}</div>'
    if kind == "section":
        body = ""
        if block.get("text"):
            body += f'<div class="text">{mrkdwn(block["text"]["text"])}</div>'
        if block.get("fields"):
            fields = "".join(f'<div>{mrkdwn(f["text"])}</div>' for f in block["fields"])
            body += f'<div class="fields">{fields}</div>'
        return f'<div class="section">{body}</div>'
    return f"<div>unsupported block {html.escape(str(kind))}</div>"


def message_html(payload, time):
    blocks = "".join(block_html(b) for b in payload["blocks"])
    return f"""<div class="message"><div class="avatar">tf</div><div class="body">
<div class="meta"><b>tfpost</b> <span class="app">APP</span> <span class="time">{time}</span></div>
{blocks}</div></div>"""


CSS = """
body { margin: 0; font: 15px/1.46668 'Lato', 'DejaVu Sans', 'Noto Color Emoji', sans-serif;
       color: #1d1c1d; background: #fff; display: flex; }
.channel { width: 800px; border-right: 1px solid #ddd; }
.thread { width: 680px; background: #fff; }
.bar { font-weight: 900; padding: 14px 20px; border-bottom: 1px solid #ddd; font-size: 17px; }
.bar small { font-weight: 400; color: #616061; margin-left: 6px; font-size: 13px; }
.message { display: flex; padding: 10px 20px; }
.avatar { width: 36px; height: 36px; border-radius: 6px; background: #5c4ee5; color: #fff;
          font-weight: 900; display: flex; align-items: center; justify-content: center;
          margin-right: 10px; flex: none; }
.body { min-width: 0; flex: 1; }
.meta .app { font-size: 10px; background: #e8e8e8; color: #616061; padding: 1px 3px;
             border-radius: 2px; font-weight: 700; }
.meta .time { color: #616061; font-size: 12px; }
.header { font-size: 18px; font-weight: 900; margin: 6px 0 4px; }
.context { color: #616061; font-size: 13px; margin: 4px 0; }
.context span + span::before { content: "  ·  "; white-space: pre; }
.section { margin: 6px 0; }
.fields { display: grid; grid-template-columns: 1fr 1fr; gap: 2px 24px; margin-top: 6px; }
code { font: 12px Monaco, 'DejaVu Sans Mono', monospace; color: #e01e5a; background: #f6f6f6;
       border: 1px solid #e1e1e1; border-radius: 3px; padding: 1px 3px; }
pre { font: 12px/1.5 Monaco, 'DejaVu Sans Mono', monospace; background: #f8f8f8;
      border: 1px solid #e1e1e1; border-radius: 4px; padding: 8px; margin: 4px 0;
      white-space: pre-wrap; word-break: break-all; }
a { color: #1264a3; text-decoration: none; }
hr { border: 0; border-top: 1px solid #e1e1e1; margin: 8px 0; }
.mention { background: #fdf0c2; color: #1264a3; border-radius: 3px; padding: 0 2px; }
.replies { color: #1264a3; font-size: 13px; font-weight: 700; margin: 4px 0 0 66px; }
"""


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        payloads = json.load(f)
    parent, replies = payloads[0], payloads[1:]
    left = message_html(parent, "10:42 AM")
    if replies:
        left += f'<div class="replies">{len(replies)} repl{"y" if len(replies) == 1 else "ies"}</div>'
    right = "".join(message_html(r, "10:42 AM") for r in replies)
    print(f"""<!doctype html><html><head><meta charset="utf-8"><style>{CSS}</style></head><body>
<div class="channel"><div class="bar"># infra-deploys</div>{left}</div>
<div class="thread"><div class="bar">Thread <small># infra-deploys</small></div>{right}</div>
</body></html>""")


if __name__ == "__main__":
    main()
