//! The translator: walks the lexed actions, keeps the block, `.` and variable scopes, and writes
//! minijinja source.

use super::builtin::builtin;
use super::expr::{Kind, Scope};
use super::lex::{Piece, Tok, lex, tokenize};
use super::{TranslateOptions, Unsupported};

/// What `.` is.
#[derive(Debug, Clone)]
pub(super) enum Dot {
    Root,
    Item { name: String, kind: Kind },
}

/// A Go variable and its minijinja expression.
#[derive(Debug, Clone)]
pub(super) struct Var {
    pub(super) go: String,
    pub(super) jinja: String,
    pub(super) kind: Kind,
}

enum Block {
    If,
    Range { pushed_vars: usize },
}

pub(super) struct Translator<'a> {
    pub(super) opts: &'a TranslateOptions,
    pub(super) depth: usize,
}

impl Translator<'_> {
    pub(super) fn run(&self, source: &str) -> Result<String, Unsupported> {
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
