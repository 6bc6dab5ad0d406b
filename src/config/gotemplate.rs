//! Go templates of tfcmt and tfnotify configs, translated to minijinja source text.
//!
//! Only the subset those configs use in practice is translated: fields of the template data
//! (`.Title`, `.Result`, `.Vars.x`, `.CreatedResources`...), `{{if}}` / `{{else if}}` /
//! `{{else}}` / `{{range}}` / `{{end}}`, `$var :=`, `{{template "name" .}}` (tfcmt's built-in
//! sub-templates and the config's `templates:`), comments, `{{-`/`-}}` trimming, the comparison
//! and logic functions, tfcmt's `wrapCode` / `avoidHTMLEscape` and a few string functions.
//! Anything else is an [`Unsupported`] error naming the line, and the caller falls back to the
//! built-in template: a half-translated template would post a wrong comment.
//!
//! The names on the minijinja side are those the renderer gives user templates: `title`,
//! `message`, `result`, `body`, `link`, `target`, `vars`, `created_resources` ...
//! `moved_resources` (items with `before` / `after`), `has_destroy`, `has_error`, `warnings`,
//! `errors`, and the filters `code_block`, `html_escape`.

use std::collections::BTreeMap;

/// A construct outside the translated subset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {what}")]
pub struct Unsupported {
    /// 1-based line in the template text.
    pub line: usize,
    pub what: String,
}

/// How to translate.
#[derive(Debug, Clone, Default)]
pub struct TranslateOptions {
    /// Named templates for `{{template "name" .}}` (tfcmt's `templates:`); they win over
    /// tfcmt's built-in ones of the same name.
    pub named: BTreeMap<String, String>,
    /// tfcmt's `use_raw_output`. When false tfcmt renders with Go's html/template, which
    /// HTML-escapes every value it prints; the translation adds `| html_escape` to match.
    pub raw_output: bool,
}

/// Translates Go template `source` to minijinja source text, checked to compile.
pub fn translate(source: &str, opts: &TranslateOptions) -> Result<String, Unsupported> {
    let out = Translator { opts, depth: 0 }.run(source)?;
    let env = minijinja::Environment::new();
    env.template_from_str(&out).map_err(|e| Unsupported {
        line: 1,
        what: format!("the translation does not compile ({e}); please report this"),
    })?;
    Ok(out)
}

/// tfcmt's built-in sub-templates, written in the same Go-template subset and translated like
/// the user's (so escaping rules apply to them alike).
fn builtin(name: &str) -> Option<&'static str> {
    Some(match name {
        "plan_title" => {
            "## {{if .HasError}}:x: {{end}}Plan Result{{if .Vars.target}} ({{.Vars.target}}){{end}}"
        }
        "apply_title" => {
            "## {{if .HasError}}:x:{{else}}:white_check_mark:{{end}} Apply Result{{if .Vars.target}} ({{.Vars.target}}){{end}}"
        }
        "result" => "{{if .Result}}<pre><code>{{.Result}}</code></pre>{{end}}",
        "updated_resources" => concat!(
            "{{if .CreatedResources}}\n* Create\n{{- range .CreatedResources}}\n  * {{.}}\n{{- end}}{{end}}",
            "{{if .UpdatedResources}}\n* Update\n{{- range .UpdatedResources}}\n  * {{.}}\n{{- end}}{{end}}",
            "{{if .DeletedResources}}\n* Delete\n{{- range .DeletedResources}}\n  * {{.}}\n{{- end}}{{end}}",
            "{{if .ReplacedResources}}\n* Replace\n{{- range .ReplacedResources}}\n  * {{.}}\n{{- end}}{{end}}",
            "{{if .ImportedResources}}\n* Import\n{{- range .ImportedResources}}\n  * {{.}}\n{{- end}}{{end}}",
            "{{if .MovedResources}}\n* Move\n{{- range .MovedResources}}\n  * {{.Before}} => {{.After}}\n{{- end}}{{end}}",
        ),
        "changed_result" => {
            "{{if .ChangedResult}}\n<details><summary>Change Result (Click me)</summary>\n{{wrapCode .ChangedResult}}\n</details>\n{{end}}"
        }
        "change_outside_terraform" => {
            "{{if .ChangeOutsideTerraform}}\n<details><summary>:information_source: Objects have changed outside of Terraform</summary>\n{{wrapCode .ChangeOutsideTerraform}}\n</details>\n{{end}}"
        }
        "warning" => {
            "{{if .Warning}}\n## :warning: Warnings :warning:\n{{wrapCode .Warning}}\n{{end}}"
        }
        "error_messages" => {
            "{{if .ErrorMessages}}\n## :warning: Errors\n{{range .ErrorMessages}}\n* {{. -}}\n{{- end}}{{end}}"
        }
        "deletion_warning" => {
            "### :warning: Resource Deletion will happen :warning:\nThis plan deletes resources. Check the plan result very carefully before you apply it!"
        }
        _ => return None,
    })
}

/// What the value a name stands for holds, for `range` and field access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A list of resource addresses, or other strings.
    Strings,
    /// `MovedResources`: items with `Before` and `After`.
    Moved,
    /// `Vars`: a map of strings.
    Map,
    /// A string, bool or anything without fields.
    Scalar,
}

/// What `.` is.
#[derive(Debug, Clone)]
enum Dot {
    Root,
    Item { name: String, kind: Kind },
}

/// A Go variable and its minijinja expression.
#[derive(Debug, Clone)]
struct Var {
    go: String,
    jinja: String,
    kind: Kind,
}

enum Block {
    If,
    Range { pushed_vars: usize },
}

struct Translator<'a> {
    opts: &'a TranslateOptions,
    depth: usize,
}

/// One piece of template source.
enum Piece {
    Text(String),
    Action { body: String, line: usize },
}

impl Translator<'_> {
    fn run(&self, source: &str) -> Result<String, Unsupported> {
        let pieces = lex(source)?;
        let mut out = String::new();
        let mut blocks: Vec<Block> = Vec::new();
        let mut dots: Vec<Dot> = vec![Dot::Root];
        let mut vars: Vec<Var> = Vec::new();
        let mut item_counter = 0usize;
        for piece in pieces {
            let (body, line) = match piece {
                Piece::Text(t) => {
                    push_text(&mut out, &t);
                    continue;
                }
                Piece::Action { body, line } => (body, line),
            };
            let unsupported = |what: String| Unsupported { line, what };
            if body.starts_with("/*") {
                continue; // comment
            }
            let toks = tokenize(&body).map_err(unsupported)?;
            let scope = Scope {
                dot: dots.last().cloned().unwrap_or(Dot::Root),
                vars: &vars,
            };
            let keyword = match toks.first() {
                Some(Tok::Ident(k)) => k.as_str(),
                _ => "",
            };
            match keyword {
                "if" => {
                    let cond = scope.pipeline(&toks[1..]).map_err(unsupported)?;
                    out.push_str(&format!("{{% if {} %}}", cond.src));
                    blocks.push(Block::If);
                }
                "else" => match (toks.get(1), blocks.last()) {
                    (None, Some(_)) => out.push_str("{% else %}"),
                    (Some(Tok::Ident(k)), Some(Block::If)) if k == "if" => {
                        let cond = scope.pipeline(&toks[2..]).map_err(unsupported)?;
                        out.push_str(&format!("{{% elif {} %}}", cond.src));
                    }
                    (_, None) => return Err(unsupported("`else` outside a block".into())),
                    _ => return Err(unsupported(format!("`{{{{{}}}}}`", body.trim()))),
                },
                "end" => match blocks.pop() {
                    Some(Block::If) => out.push_str("{% endif %}"),
                    Some(Block::Range { pushed_vars }) => {
                        out.push_str("{% endfor %}");
                        dots.pop();
                        vars.truncate(vars.len() - pushed_vars);
                    }
                    None => return Err(unsupported("`end` without a block".into())),
                },
                "range" => {
                    let (decl, rest) = split_declaration(&toks[1..]);
                    let source = scope.pipeline(rest).map_err(unsupported)?;
                    item_counter += 1;
                    let item = if item_counter == 1 {
                        "item".to_string()
                    } else {
                        format!("item{item_counter}")
                    };
                    let elem = match source.kind {
                        Kind::Moved => Kind::Moved,
                        _ => Kind::Scalar,
                    };
                    let mut pushed = 0;
                    let head = match (source.kind, decl.as_slice()) {
                        (Kind::Map, []) => format!("for _key, {item} in {} | items", source.src),
                        (Kind::Map, [v]) => {
                            vars.push(var(v, &item, elem));
                            pushed = 1;
                            format!("for _key, {item} in {} | items", source.src)
                        }
                        (Kind::Map, [k, v]) => {
                            vars.push(var(k, &format!("{item}_key"), Kind::Scalar));
                            vars.push(var(v, &item, elem));
                            pushed = 2;
                            format!("for {item}_key, {item} in {} | items", source.src)
                        }
                        (_, []) => format!("for {item} in {}", source.src),
                        (_, [v]) => {
                            vars.push(var(v, &item, elem));
                            pushed = 1;
                            format!("for {item} in {}", source.src)
                        }
                        (_, [i, v]) => {
                            vars.push(var(i, "loop.index0", Kind::Scalar));
                            vars.push(var(v, &item, elem));
                            pushed = 2;
                            format!("for {item} in {}", source.src)
                        }
                        _ => {
                            return Err(unsupported("`range` with more than two variables".into()));
                        }
                    };
                    out.push_str(&format!("{{% {head} %}}"));
                    dots.push(Dot::Item {
                        name: item,
                        kind: elem,
                    });
                    blocks.push(Block::Range {
                        pushed_vars: pushed,
                    });
                }
                "template" => {
                    let Some(Tok::Str(name)) = toks.get(1) else {
                        return Err(unsupported("`template` without a name".into()));
                    };
                    let passes_root = match &toks[2..] {
                        [] => true,
                        [Tok::Field(path)] if path.is_empty() => matches!(scope.dot, Dot::Root),
                        [Tok::Var(v, path)] if v.is_empty() && path.is_empty() => true,
                        _ => false,
                    };
                    if !passes_root {
                        return Err(unsupported(format!(
                            "`template \"{name}\"` with data other than `.`"
                        )));
                    }
                    let source = self
                        .opts
                        .named
                        .get(name)
                        .map(String::as_str)
                        .or_else(|| builtin(name))
                        .ok_or_else(|| {
                            unsupported(format!("template \"{name}\" is not defined"))
                        })?;
                    if self.depth >= 8 {
                        return Err(unsupported(format!(
                            "template \"{name}\" nests too deep (recursive?)"
                        )));
                    }
                    let inner = Translator {
                        opts: self.opts,
                        depth: self.depth + 1,
                    }
                    .run(source)
                    .map_err(|e| {
                        unsupported(format!(
                            "in template \"{name}\", line {}: {}",
                            e.line, e.what
                        ))
                    })?;
                    out.push_str(&inner);
                }
                "with" | "define" | "block" | "break" | "continue" => {
                    return Err(unsupported(format!("`{keyword}`")));
                }
                _ => {
                    if let (Some(Tok::Var(name, path)), Some(Tok::Declare)) =
                        (toks.first(), toks.get(1))
                    {
                        if !path.is_empty() {
                            return Err(unsupported(format!("`{}`", body.trim())));
                        }
                        let value = scope.pipeline(&toks[2..]).map_err(unsupported)?;
                        let jinja = format!("v_{name}");
                        out.push_str(&format!("{{% set {jinja} = {} %}}", value.src));
                        vars.push(var(name, &jinja, value.kind));
                    } else if toks.iter().any(|t| matches!(t, Tok::Declare | Tok::Assign)) {
                        return Err(unsupported(format!("assignment `{}`", body.trim())));
                    } else {
                        let value = scope.pipeline(&toks).map_err(unsupported)?;
                        if value.boolean {
                            out.push_str(&format!("{{{{ {} | string | lower }}}}", value.src));
                        } else if value.safe || self.opts.raw_output {
                            out.push_str(&format!("{{{{ {} }}}}", value.src));
                        } else {
                            out.push_str(&format!("{{{{ {} | html_escape }}}}", value.src));
                        }
                    }
                }
            }
        }
        if !blocks.is_empty() {
            return Err(Unsupported {
                line: source.lines().count().max(1),
                what: "a block is not closed with `{{end}}`".into(),
            });
        }
        Ok(out)
    }
}

fn var(go: &str, jinja: &str, kind: Kind) -> Var {
    Var {
        go: go.to_string(),
        jinja: jinja.to_string(),
        kind,
    }
}

/// Literal text: minijinja would read `{{`, `{%` and `{#` in it as syntax.
fn push_text(out: &mut String, text: &str) {
    if text.contains("{{") || text.contains("{%") || text.contains("{#") {
        if text.contains("endraw") {
            out.push_str(&format!(
                "{{{{ {} | safe }}}}",
                serde_json::to_string(text).unwrap_or_default()
            ));
        } else {
            out.push_str("{% raw %}");
            out.push_str(text);
            out.push_str("{% endraw %}");
        }
    } else {
        out.push_str(text);
    }
}

/// `$v :=` / `$i, $v :=` at the start of a `range`.
fn split_declaration(toks: &[Tok]) -> (Vec<String>, &[Tok]) {
    if let Some(pos) = toks.iter().position(|t| matches!(t, Tok::Declare)) {
        let names: Vec<String> = toks[..pos]
            .iter()
            .filter_map(|t| match t {
                Tok::Var(n, p) if p.is_empty() => Some(n.clone()),
                _ => None,
            })
            .collect();
        (names, &toks[pos + 1..])
    } else {
        (Vec::new(), toks)
    }
}

// ---------------------------------------------------------------------------------------------
// Lexing

/// Splits `source` into text and actions, applying Go's `{{- ` / ` -}}` whitespace trimming to
/// the text around them.
fn lex(source: &str) -> Result<Vec<Piece>, Unsupported> {
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
enum Tok {
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

fn tokenize(body: &str) -> Result<Vec<Tok>, String> {
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

// ---------------------------------------------------------------------------------------------
// Expressions

/// A translated expression.
struct Expr {
    src: String,
    kind: Kind,
    /// Already markup (wrapCode, avoidHTMLEscape), or a number or boolean: html/template
    /// would not escape it.
    safe: bool,
    /// A boolean: Go prints `true`, minijinja `True`.
    boolean: bool,
}

impl Expr {
    fn plain(src: String) -> Self {
        Expr {
            src,
            kind: Kind::Scalar,
            safe: false,
            boolean: false,
        }
    }
}

struct Scope<'a> {
    dot: Dot,
    vars: &'a [Var],
}

impl Scope<'_> {
    /// `cmd | cmd | ...`: each result is passed as the last argument of the next command.
    fn pipeline(&self, toks: &[Tok]) -> Result<Expr, String> {
        if toks.is_empty() {
            return Err("an empty expression".into());
        }
        let mut commands: Vec<&[Tok]> = Vec::new();
        let mut depth = 0i32;
        let mut start = 0;
        for (i, t) in toks.iter().enumerate() {
            match t {
                Tok::LParen => depth += 1,
                Tok::RParen => depth -= 1,
                Tok::Pipe if depth == 0 => {
                    commands.push(&toks[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        commands.push(&toks[start..]);
        let mut value: Option<Expr> = None;
        for cmd in commands {
            value = Some(self.command(cmd, value)?);
        }
        value.ok_or_else(|| "an empty expression".into())
    }

    fn command(&self, toks: &[Tok], piped: Option<Expr>) -> Result<Expr, String> {
        match toks.first() {
            Some(Tok::Ident(name)) => {
                let mut args = self.operands(&toks[1..])?;
                args.extend(piped);
                call(name, args)
            }
            Some(_) if piped.is_none() => {
                let mut args = self.operands(toks)?;
                if args.len() != 1 {
                    return Err("a value followed by arguments".into());
                }
                Ok(args.remove(0))
            }
            Some(_) => Err("a value after `|`".into()),
            None => Err("an empty command".into()),
        }
    }

    fn operands(&self, toks: &[Tok]) -> Result<Vec<Expr>, String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < toks.len() {
            match &toks[i] {
                Tok::LParen => {
                    let mut depth = 0;
                    let mut j = i;
                    loop {
                        match toks.get(j) {
                            Some(Tok::LParen) => depth += 1,
                            Some(Tok::RParen) => {
                                depth -= 1;
                                if depth == 0 {
                                    break;
                                }
                            }
                            Some(_) => {}
                            None => return Err("unbalanced parentheses".into()),
                        }
                        j += 1;
                    }
                    let inner = self.pipeline(&toks[i + 1..j])?;
                    out.push(Expr {
                        src: format!("({})", inner.src),
                        ..inner
                    });
                    i = j + 1;
                }
                Tok::Ident(name) => {
                    // A function without arguments used as an operand.
                    out.push(call(name, Vec::new())?);
                    i += 1;
                }
                t => {
                    out.push(self.operand(t)?);
                    i += 1;
                }
            }
        }
        Ok(out)
    }

    fn operand(&self, tok: &Tok) -> Result<Expr, String> {
        match tok {
            Tok::Field(path) => match &self.dot {
                Dot::Root => root_field(path),
                Dot::Item { name, kind } => item_field(name, *kind, path),
            },
            Tok::Var(name, path) if name.is_empty() => root_field(path),
            Tok::Var(name, path) => {
                let v = self
                    .vars
                    .iter()
                    .rev()
                    .find(|v| &v.go == name)
                    .ok_or_else(|| format!("undefined variable `${name}`"))?;
                item_field(&v.jinja, v.kind, path)
            }
            Tok::Str(s) => Ok(Expr::plain(
                serde_json::to_string(s).map_err(|e| e.to_string())?,
            )),
            Tok::Num(n) => {
                if n.parse::<f64>().is_ok() {
                    Ok(Expr::plain(n.clone()))
                } else {
                    Err(format!("number `{n}`"))
                }
            }
            Tok::Bool(b) => Ok(Expr::plain(b.to_string())),
            Tok::Nil => Ok(Expr::plain("none".into())),
            other => Err(format!("unexpected {other:?}")),
        }
    }
}

/// A field of the template data.
fn root_field(path: &[String]) -> Result<Expr, String> {
    let Some((first, rest)) = path.split_first() else {
        return Err("`.` (the whole template data) as a value".into());
    };
    let (src, kind) = match first.as_str() {
        "Title" => ("title", Kind::Scalar),
        "Message" => ("message", Kind::Scalar),
        "Result" => ("result", Kind::Scalar),
        // tfnotify's `.Body`; tfcmt's `.CombinedOutput` / `.ChangedResult` / `.Stdout` are the
        // same details the renderer's `body` holds.
        "Body" | "CombinedOutput" | "ChangedResult" | "Stdout" => ("body", Kind::Scalar),
        "Link" => ("link", Kind::Scalar),
        "Target" => ("target", Kind::Scalar),
        "HasDestroy" => ("has_destroy", Kind::Scalar),
        "HasError" => ("has_error", Kind::Scalar),
        // tfcmt's ExitCode is only ever compared with 0 / 1 (error) in configs.
        "ExitCode" => ("(1 if has_error else 0)", Kind::Scalar),
        "CreatedResources" => ("created_resources", Kind::Strings),
        "UpdatedResources" => ("updated_resources", Kind::Strings),
        "DeletedResources" => ("deleted_resources", Kind::Strings),
        "ReplacedResources" => ("replaced_resources", Kind::Strings),
        "ImportedResources" => ("imported_resources", Kind::Strings),
        "MovedResources" => ("moved_resources", Kind::Moved),
        // tfcmt's ErrorMessages is a list of strings, Warning one string.
        "ErrorMessages" => (
            "(errors | map(attribute=\"summary\") | list)",
            Kind::Strings,
        ),
        "Warning" => (
            "(warnings | map(attribute=\"summary\") | join(\"\\n\"))",
            Kind::Scalar,
        ),
        // tfcmt's text of the drift section; tfpost has the drifted addresses.
        "ChangeOutsideTerraform" => (
            "(report.drift | map(attribute=\"address\") | join(\"\\n\"))",
            Kind::Scalar,
        ),
        "Vars" => {
            return match rest {
                [] => Ok(Expr {
                    src: "vars".into(),
                    kind: Kind::Map,
                    safe: false,
                    boolean: false,
                }),
                [key] => Ok(Expr::plain(subscript("vars", key))),
                _ => Err(format!("`.Vars.{}`", rest.join("."))),
            };
        }
        other => return Err(format!("`.{other}` is not a field tfpost provides")),
    };
    if !rest.is_empty() {
        return Err(format!("`.{}`", path.join(".")));
    }
    Ok(Expr {
        src: src.into(),
        kind,
        safe: matches!(first.as_str(), "HasDestroy" | "HasError" | "ExitCode"),
        boolean: matches!(first.as_str(), "HasDestroy" | "HasError"),
    })
}

/// A field of a range item or variable.
fn item_field(name: &str, kind: Kind, path: &[String]) -> Result<Expr, String> {
    match (kind, path) {
        (_, []) => Ok(Expr {
            src: name.to_string(),
            kind,
            safe: false,
            boolean: false,
        }),
        (Kind::Moved, [f]) if f == "Before" || f == "After" => {
            Ok(Expr::plain(format!("{name}.{}", f.to_ascii_lowercase())))
        }
        (Kind::Map, [key]) => Ok(Expr::plain(subscript(name, key))),
        _ => Err(format!("field `.{}` of a list item", path.join("."))),
    }
}

fn subscript(base: &str, key: &str) -> String {
    if key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && key.chars().next().is_some_and(|c| !c.is_ascii_digit())
    {
        format!("{base}.{key}")
    } else {
        format!("{base}[{}]", serde_json::to_string(key).unwrap_or_default())
    }
}

fn call(name: &str, args: Vec<Expr>) -> Result<Expr, String> {
    let n = args.len();
    let arity = |want: usize| -> Result<(), String> {
        if n == want {
            Ok(())
        } else {
            Err(format!("`{name}` with {n} arguments (expected {want})"))
        }
    };
    let a: Vec<&str> = args.iter().map(|e| e.src.as_str()).collect();
    let src = match name {
        "wrapCode" => {
            arity(1)?;
            return Ok(Expr {
                src: format!("({} | code_block)", a[0]),
                kind: Kind::Scalar,
                safe: true,
                boolean: false,
            });
        }
        "avoidHTMLEscape" => {
            arity(1)?;
            return Ok(Expr {
                src: format!("({} | safe)", a[0]),
                kind: Kind::Scalar,
                safe: true,
                boolean: false,
            });
        }
        "eq" if n >= 2 => {
            let alts: Vec<String> = a[1..].iter().map(|b| format!("{} == {b}", a[0])).collect();
            format!("({})", alts.join(" or "))
        }
        "ne" | "lt" | "le" | "gt" | "ge" => {
            arity(2)?;
            let op = match name {
                "ne" => "!=",
                "lt" => "<",
                "le" => "<=",
                "gt" => ">",
                _ => ">=",
            };
            format!("({} {op} {})", a[0], a[1])
        }
        "and" | "or" if n >= 1 => format!("({})", a.join(&format!(" {name} "))),
        "not" => {
            arity(1)?;
            format!("(not {})", a[0])
        }
        "len" => {
            arity(1)?;
            format!("({} | length)", a[0])
        }
        "index" => {
            arity(2)?;
            format!("{}[{}]", a[0], a[1])
        }
        "print" if n == 1 => a[0].to_string(),
        "upper" | "lower" | "trim" | "title" => {
            arity(1)?;
            format!("({} | {name})", a[0])
        }
        "trimSpace" => {
            arity(1)?;
            format!("({} | trim)", a[0])
        }
        "replace" => {
            // sprig: replace OLD NEW STRING
            arity(3)?;
            format!("({} | replace({}, {}))", a[2], a[0], a[1])
        }
        "contains" => {
            arity(2)?;
            format!("({} in {})", a[0], a[1])
        }
        "hasPrefix" => {
            arity(2)?;
            format!("({} is startingwith({}))", a[1], a[0])
        }
        "hasSuffix" => {
            arity(2)?;
            format!("({} is endingwith({}))", a[1], a[0])
        }
        "default" => {
            arity(2)?;
            format!("({} if {} else {})", a[1], a[1], a[0])
        }
        "join" => {
            arity(2)?;
            format!("({} | join({}))", a[1], a[0])
        }
        "empty" => {
            arity(1)?;
            format!("(not {})", a[0])
        }
        _ => return Err(format!("function `{name}`")),
    };
    // Comparisons, logic and counts give booleans and numbers: nothing to HTML-escape.
    let safe = matches!(
        name,
        "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "and" | "or" | "not" | "len" | "empty"
    );
    Ok(Expr {
        src,
        kind: Kind::Scalar,
        safe,
        boolean: matches!(
            name,
            "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "not" | "empty"
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use minijinja::{Environment, Value, context};

    fn raw() -> TranslateOptions {
        TranslateOptions {
            raw_output: true,
            ..TranslateOptions::default()
        }
    }

    /// Renders a translation with stand-ins for the renderer's filters and data.
    fn render(src: &str, ctx: Value) -> String {
        let mut env = Environment::new();
        env.add_filter("code_block", |s: String| format!("\n```hcl\n{s}\n```\n"));
        env.add_filter("html_escape", |s: String| {
            s.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
        });
        env.add_filter("inline_code", |s: String| format!("`{s}`"));
        env.add_filter("md_escape", |s: String| s);
        env.render_str(src, ctx).unwrap()
    }

    fn data() -> Value {
        context! {
            title => "## Plan for prod",
            message => "by CI",
            result => "Plan: 1 to add, 0 to change, 1 to destroy.",
            body => "  # aws_s3_bucket.a will be created",
            link => "https://ci.example.com/build/1",
            target => "envs/prod",
            vars => Value::from_iter([("target", "prod"), ("with-dash", "d")]),
            has_destroy => true,
            has_error => false,
            created_resources => vec!["aws_s3_bucket.a"],
            updated_resources => Vec::<String>::new(),
            deleted_resources => vec!["aws_instance.old"],
            replaced_resources => Vec::<String>::new(),
            imported_resources => Vec::<String>::new(),
            moved_resources => vec![context! { before => "a.x", after => "a.y" }],
            warnings => vec![context! { summary => "Deprecated attribute", detail => "" }],
            errors => vec![context! { summary => "Invalid reference", detail => "" }],
        }
    }

    #[test]
    fn fields_if_else_and_trimming() {
        let src =
            "{{ .Title }}\n{{- if .HasDestroy }}\n!{{ else }}\nok{{ end }} [{{ .Vars.target }}]";
        let out = translate(src, &raw()).unwrap();
        assert_eq!(
            out,
            "{{ title }}{% if has_destroy %}\n!{% else %}\nok{% endif %} [{{ vars.target }}]"
        );
        assert_eq!(render(&out, data()), "## Plan for prod\n! [prod]");
    }

    #[test]
    fn html_template_escaping_is_kept_unless_raw_output() {
        let src = "<pre><code>{{ .Result }}</code></pre>{{ wrapCode .Body }}";
        let escaped = translate(src, &TranslateOptions::default()).unwrap();
        assert_eq!(
            escaped,
            "<pre><code>{{ result | html_escape }}</code></pre>{{ (body | code_block) }}"
        );
        let plain = translate(src, &raw()).unwrap();
        assert_eq!(
            plain,
            "<pre><code>{{ result }}</code></pre>{{ (body | code_block) }}"
        );
    }

    #[test]
    fn range_with_and_without_variables() {
        let src = "{{range .CreatedResources}}* {{.}}\n{{end}}{{range $i, $m := .MovedResources}}{{$i}}:{{$m.Before}}->{{.After}};{{end}}{{range $k, $v := .Vars}}{{$k}}={{$v}},{{end}}";
        let out = translate(src, &raw()).unwrap();
        assert_eq!(
            render(&out, data()),
            "* aws_s3_bucket.a\n0:a.x->a.y;target=prod,with-dash=d,"
        );
    }

    #[test]
    fn else_if_functions_and_pipelines() {
        let src = r#"{{if eq .Vars.target "dev"}}dev{{else if and .HasDestroy (not .HasError)}}destroy{{else}}x{{end}} {{ .Result | wrapCode }}{{ len .DeletedResources }} {{ .Vars.target | upper }} {{ index .Vars "with-dash" }}"#;
        let out = translate(src, &raw()).unwrap();
        let rendered = render(&out, data());
        assert!(
            rendered.starts_with("destroy \n```hcl\nPlan: 1 to add"),
            "{rendered}"
        );
        assert!(rendered.ends_with("1 PROD d"), "{rendered}");
    }

    #[test]
    fn malformed_templates_are_errors_not_panics() {
        for src in [
            "{{",
            "{{-",
            "}}",
            "{{ \"unterminated }}",
            "{{ ( }}",
            "{{ ) }}",
            "{{ (.Title }}",
            "{{ $ }}",
            "{{ . }}",
            "{{ $x := }}",
            "{{ range }}",
            "{{ if }}",
            "{{ if .Result }}{{ else if }}{{ end }}",
            "{{ 'c' }}",
            "é{{.Title}}ü{{- -}}",
            "{{-}}",
            "{{ /* open",
            "{{ .Vars.a.b }}",
            "{{ $.Title }}",
            "{{ $undefined }}",
            "{{ range $a, $b, $c := .Vars }}{{ end }}",
            "{{ template }}",
            "{{ 1x }}",
            "{{ .Title | }}",
            "{{ | .Title }}",
            "{{ else }}",
            "{{ `raw }}",
            "{{ \"\\q\" }}",
        ] {
            // Either a translation that compiles, or an error; never a panic.
            let _ = translate(src, &raw());
            let _ = translate(src, &TranslateOptions::default());
        }
        assert_eq!(translate("é{{.Title}}ü", &raw()).unwrap(), "é{{ title }}ü");
    }

    #[test]
    fn numbers_and_booleans_are_not_escaped() {
        let out = translate(
            "{{ len .CreatedResources }} {{ .HasDestroy }} {{ eq .ExitCode 1 }}",
            &TranslateOptions::default(),
        )
        .unwrap();
        assert!(!out.contains("html_escape"), "{out}");
        assert_eq!(render(&out, data()), "1 true false");
    }

    #[test]
    fn tfcmt_builtin_sub_templates() {
        let src = "{{template \"plan_title\" .}}\n{{if .HasDestroy}}{{template \"deletion_warning\" .}}{{end}}\n{{template \"result\" .}}\n{{template \"updated_resources\" .}}";
        let out = translate(src, &TranslateOptions::default()).unwrap();
        let rendered = render(&out, data());
        assert!(
            rendered.starts_with("## Plan Result (prod)\n### :warning: Resource Deletion"),
            "{rendered}"
        );
        assert!(
            rendered.contains("<pre><code>Plan: 1 to add, 0 to change, 1 to destroy.</code></pre>")
        );
        assert!(rendered.contains("* Create\n  * aws_s3_bucket.a"));
        assert!(rendered.contains("* Delete\n  * aws_instance.old"));
        assert!(rendered.contains("* Move\n  * a.x => a.y"), "{rendered}");
    }

    #[test]
    fn user_named_templates_win_and_nest() {
        let mut opts = raw();
        opts.named.insert(
            "plan_title".into(),
            "# {{ .Vars.target }} {{template \"mine\" .}}".into(),
        );
        opts.named.insert("mine".into(), "({{ .Link }})".into());
        let out = translate("{{template \"plan_title\" .}}", &opts).unwrap();
        assert_eq!(
            render(&out, data()),
            "# prod (https://ci.example.com/build/1)"
        );
        opts.named
            .insert("loop".into(), "{{template \"loop\" .}}".into());
        let err = translate("{{template \"loop\" .}}", &opts).unwrap_err();
        assert!(err.what.contains("too deep"), "{err}");
    }

    #[test]
    fn error_messages_and_warning() {
        let src = "{{if .ErrorMessages}}{{range .ErrorMessages}}* {{.}}{{end}}{{end}}|{{.Warning}}";
        let out = translate(src, &raw()).unwrap();
        assert_eq!(
            render(&out, data()),
            "* Invalid reference|Deprecated attribute"
        );
    }

    #[test]
    fn literal_jinja_syntax_in_text_stays_literal() {
        let out = translate("{% raw %} {#x} {{ .Title }}", &raw()).unwrap();
        assert_eq!(render(&out, data()), "{% raw %} {#x} ## Plan for prod");
        let out = translate("a {#b} c", &raw()).unwrap();
        assert_eq!(render(&out, data()), "a {#b} c");
    }

    #[test]
    fn comments_and_variables() {
        let src =
            "{{/* a comment */}}{{ $t := .Vars.target }}{{ $t }}-{{ printf \"%s\" $t | print }}";
        let err = translate(src, &raw()).unwrap_err();
        assert_eq!(err.line, 1);
        assert!(err.what.contains("printf"), "{err}");
        let out = translate("{{/* c */}}{{ $t := .Vars.target }}[{{ $t }}]", &raw()).unwrap();
        assert_eq!(render(&out, data()), "[prod]");
    }

    #[test]
    fn unsupported_constructs_name_their_line() {
        for (src, line, what) in [
            ("a\nb\n{{ with .Result }}{{ . }}{{ end }}", 3, "`with`"),
            ("{{ .Stderr }}", 1, "`.Stderr`"),
            ("x\n{{ if .Result }}", 2, "not closed"),
            ("{{ .Result", 1, "not closed"),
            ("{{ end }}", 1, "without a block"),
            ("{{ template \"nope\" . }}", 1, "not defined"),
            (
                "{{ range .CreatedResources }}{{ template \"result\" . }}{{ end }}",
                1,
                "other than `.`",
            ),
            ("{{ sha256sum .Result }}", 1, "function `sha256sum`"),
        ] {
            let err = translate(src, &raw()).unwrap_err();
            assert_eq!(err.line, line, "{src}: {err}");
            assert!(err.what.contains(what), "{src}: {err}");
        }
    }
}
