//! Expressions: pipelines, operands and the fields of the template data.

use super::functions::call;
use super::lex::Tok;
use super::translator::{Dot, Var};

/// What the value a name stands for holds, for `range` and field access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// A list of resource addresses, or other strings.
    Strings,
    /// `MovedResources`: items with `Before` and `After`.
    Moved,
    /// `Vars`: a map of strings.
    Map,
    /// A string, bool or anything without fields.
    Scalar,
}

/// A translated expression.
pub(super) struct Expr {
    pub(super) src: String,
    pub(super) kind: Kind,
    /// Already markup (wrapCode, avoidHTMLEscape), or a number or boolean: html/template
    /// would not escape it.
    pub(super) safe: bool,
    /// A boolean: Go prints `true`, minijinja `True`.
    pub(super) boolean: bool,
}

impl Expr {
    pub(super) fn plain(src: String) -> Self {
        Expr {
            src,
            kind: Kind::Scalar,
            safe: false,
            boolean: false,
        }
    }
}

pub(super) struct Scope<'a> {
    pub(super) dot: Dot,
    pub(super) vars: &'a [Var],
}

impl Scope<'_> {
    /// `cmd | cmd | ...`: each result is passed as the last argument of the next command.
    pub(super) fn pipeline(&self, toks: &[Tok]) -> Result<Expr, String> {
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
        // Unset, they print nothing (Go's empty string), never minijinja's `none`.
        "Title" => ("(title or \"\")", Kind::Scalar),
        "Message" => ("(message or \"\")", Kind::Scalar),
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
        // The title and message come from the pipeline (`--title`, the config), not from the
        // plan: Markdown the user wrote (`## Plan result`), printed as it is.
        safe: matches!(
            first.as_str(),
            "HasDestroy" | "HasError" | "ExitCode" | "Title" | "Message"
        ),
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
