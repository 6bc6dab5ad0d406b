//! The lexer: template text and `{{ }}` actions, then the tokens of one action.

use super::Unsupported;

/// One piece of template source.
pub(super) enum Piece {
    Text(String),
    Action { body: String, line: usize },
}

/// Splits `source` into text and actions, applying Go's `{{- ` / ` -}}` whitespace trimming to
/// the text around them.
pub(super) fn lex(source: &str) -> Result<Vec<Piece>, Unsupported> {
    let mut pieces = Vec::new();
    let mut rest = source;
    let mut offset = 0usize;
    let mut trim_next = false;
    while let Some(start) = rest.find("{{") {
        let mut text = rest[..start].to_string();
        if trim_next {
            text = text.trim_start().to_string();
        }
        let line = source[..offset + start].matches('\n').count() + 1;
        let after = &rest[start + 2..];
        let (trim_left, inner_start) = if after.starts_with("- ")
            || after.starts_with("-\t")
            || after.starts_with("-\n")
            || after.starts_with("-\r")
        {
            (true, 2)
        } else {
            (false, 0)
        };
        if trim_left {
            text = text.trim_end().to_string();
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        let inner = &after[inner_start..];
        let end = find_action_end(inner).ok_or(Unsupported {
            line,
            what: "an action is not closed with `}}`".into(),
        })?;
        let mut body = &inner[..end];
        trim_next = false;
        if body.ends_with(" -") || body.ends_with("\t-") || body.ends_with("\n-") {
            body = &body[..body.len() - 1];
            trim_next = true;
        }
        pieces.push(Piece::Action {
            body: body.trim().to_string(),
            line,
        });
        let consumed = start + 2 + inner_start + end + 2;
        offset += consumed;
        rest = &rest[consumed..];
    }
    let mut text = rest.to_string();
    if trim_next {
        text = text.trim_start().to_string();
    }
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    Ok(pieces)
}

/// Byte offset of the `}}` closing an action, skipping strings and comments.
fn find_action_end(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'`' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'`' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let close = s[i + 2..].find("*/")?;
                i += 2 + close + 1;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
    /// `.A.B`; empty for `.`.
    Field(Vec<String>),
    /// `$name.A.B`; empty name for `$`.
    Var(String, Vec<String>),
    Ident(String),
    Str(String),
    Num(String),
    Bool(bool),
    Nil,
    LParen,
    RParen,
    Pipe,
    Declare,
    Assign,
    Comma,
}

pub(super) fn tokenize(body: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = body.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    let ident_end = |from: usize| {
        let mut j = from;
        while j < chars.len() && (chars[j].is_alphanumeric() || chars[j] == '_') {
            j += 1;
        }
        j
    };
    let field_path = |mut j: usize| {
        let mut path = Vec::new();
        while j < chars.len() && chars[j] == '.' {
            let end = ident_end(j + 1);
            if end == j + 1 {
                break;
            }
            path.push(chars[j + 1..end].iter().collect::<String>());
            j = end;
        }
        (path, j)
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                toks.push(Tok::LParen);
                i += 1;
            }
            ')' => {
                toks.push(Tok::RParen);
                i += 1;
            }
            '|' => {
                toks.push(Tok::Pipe);
                i += 1;
            }
            ',' => {
                toks.push(Tok::Comma);
                i += 1;
            }
            ':' if chars.get(i + 1) == Some(&'=') => {
                toks.push(Tok::Declare);
                i += 2;
            }
            '=' => {
                toks.push(Tok::Assign);
                i += 1;
            }
            '.' => {
                let (path, j) = field_path(i);
                if j == i {
                    toks.push(Tok::Field(Vec::new()));
                    i += 1;
                } else {
                    toks.push(Tok::Field(path));
                    i = j;
                }
            }
            '$' => {
                let end = ident_end(i + 1);
                let name: String = chars[i + 1..end].iter().collect();
                let (path, j) = field_path(end);
                toks.push(Tok::Var(name, path));
                i = j;
            }
            '"' => {
                let mut j = i + 1;
                let mut raw = String::from("\"");
                while j < chars.len() && chars[j] != '"' {
                    if chars[j] == '\\' && j + 1 < chars.len() {
                        raw.push(chars[j]);
                        j += 1;
                    }
                    raw.push(chars[j]);
                    j += 1;
                }
                raw.push('"');
                // Go's escapes are a superset of JSON's for what configs use (\n \t \" \\).
                let s: String = serde_json::from_str(&raw)
                    .map_err(|_| format!("string {raw} with an escape tfpost does not read"))?;
                toks.push(Tok::Str(s));
                i = j + 1;
            }
            '`' => {
                let mut j = i + 1;
                while j < chars.len() && chars[j] != '`' {
                    j += 1;
                }
                toks.push(Tok::Str(chars[i + 1..j.min(chars.len())].iter().collect()));
                i = j + 1;
            }
            c if c.is_ascii_digit()
                || (c == '-' && chars.get(i + 1).is_some_and(char::is_ascii_digit)) =>
            {
                let mut j = i + 1;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '.') {
                    j += 1;
                }
                toks.push(Tok::Num(chars[i..j].iter().collect()));
                i = j;
            }
            c if c.is_alphabetic() || c == '_' => {
                let end = ident_end(i);
                let word: String = chars[i..end].iter().collect();
                toks.push(match word.as_str() {
                    "true" => Tok::Bool(true),
                    "false" => Tok::Bool(false),
                    "nil" => Tok::Nil,
                    _ => Tok::Ident(word),
                });
                i = end;
            }
            other => return Err(format!("unexpected `{other}` in `{{{{{body}}}}}`")),
        }
    }
    Ok(toks)
}
