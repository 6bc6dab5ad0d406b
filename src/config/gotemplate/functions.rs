//! The functions a Go template calls: Go's built-ins, tfcmt's (`wrapCode`, `avoidHTMLEscape`)
//! and the sprig functions tfcmt and tfnotify load, each written as a minijinja expression.
//! A function missing here is reported by name; the caller names the file and line.

use super::expr::{Expr, Kind};

/// What a translated call gives back.
struct Out {
    src: String,
    kind: Kind,
    /// Markup already, or a number or boolean: html/template would not escape it.
    safe: bool,
    /// A boolean: Go prints `true`, minijinja `True`.
    boolean: bool,
}

impl Out {
    fn text(src: String) -> Out {
        Out {
            src,
            kind: Kind::Scalar,
            safe: false,
            boolean: false,
        }
    }
    fn boolean(src: String) -> Out {
        Out {
            src,
            kind: Kind::Scalar,
            safe: true,
            boolean: true,
        }
    }
    fn number(src: String) -> Out {
        Out {
            src,
            kind: Kind::Scalar,
            safe: true,
            boolean: false,
        }
    }
    fn list(src: String) -> Out {
        Out {
            src,
            kind: Kind::Strings,
            safe: false,
            boolean: false,
        }
    }
}

/// The value of a string literal argument (`"%s"`), for functions whose translation depends on
/// it (`printf`'s format).
fn literal_str(e: &Expr) -> Option<String> {
    e.src
        .starts_with('"')
        .then(|| serde_json::from_str(&e.src).ok())
        .flatten()
}

/// The value of a non-negative integer literal argument (`indent 4`).
fn literal_count(e: &Expr) -> Option<usize> {
    e.src.parse().ok()
}

/// A minijinja string literal.
fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

pub(super) fn call(name: &str, args: Vec<Expr>) -> Result<Expr, String> {
    let n = args.len();
    let arity = |want: usize| -> Result<(), String> {
        if n == want {
            Ok(())
        } else {
            Err(format!("`{name}` with {n} arguments (expected {want})"))
        }
    };
    let a: Vec<&str> = args.iter().map(|e| e.src.as_str()).collect();
    let out = match name {
        "wrapCode" => {
            arity(1)?;
            Out {
                src: format!("({} | code_block)", a[0]),
                kind: Kind::Scalar,
                safe: true,
                boolean: false,
            }
        }
        "avoidHTMLEscape" => {
            arity(1)?;
            Out {
                src: format!("({} | safe)", a[0]),
                kind: Kind::Scalar,
                safe: true,
                boolean: false,
            }
        }
        // Go's built-in functions.
        "eq" if n >= 2 => {
            let alts: Vec<String> = a[1..].iter().map(|b| format!("{} == {b}", a[0])).collect();
            Out::boolean(format!("({})", alts.join(" or ")))
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
            Out::boolean(format!("({} {op} {})", a[0], a[1]))
        }
        // Go's `and` / `or` give one of their operands, as minijinja's do.
        "and" | "or" if n >= 1 => Out {
            safe: args.iter().all(|e| e.safe),
            ..Out::text(format!("({})", a.join(&format!(" {name} "))))
        },
        "not" => {
            arity(1)?;
            Out::boolean(format!("(not {})", a[0]))
        }
        "len" => {
            arity(1)?;
            Out::number(format!("({} | length)", a[0]))
        }
        "index" if n >= 2 => {
            let mut src = a[0].to_string();
            for key in &a[1..] {
                src = format!("{src}[{key}]");
            }
            Out::text(src)
        }
        "print" if n == 1 => Out::text(format!("({} | string)", a[0])),
        "print" | "println" => {
            // Go's print puts spaces between operands when neither is a string; configs print
            // strings, so they are concatenated as Go does for them.
            let mut src = format!(
                "({})",
                a.iter()
                    .map(|s| format!("({s} | string)"))
                    .collect::<Vec<_>>()
                    .join(" ~ ")
            );
            if name == "println" {
                src = format!("({src} ~ \"\\n\")");
            }
            Out::text(src)
        }
        "printf" => printf(&args)?,
        "html" => {
            arity(1)?;
            Out {
                safe: true,
                ..Out::text(format!("({} | html_escape)", a[0]))
            }
        }
        // sprig's string functions: the string is the last argument, so pipelines feed it.
        "upper" | "lower" | "title" | "trim" => {
            arity(1)?;
            Out::text(format!("({} | string | {name})", a[0]))
        }
        "trimSpace" => {
            arity(1)?;
            Out::text(format!("({} | string | trim)", a[0]))
        }
        "trimAll" => {
            arity(2)?;
            Out::text(format!("({} | string | trim({}))", a[1], a[0]))
        }
        "trimPrefix" => {
            arity(2)?;
            let (prefix, s) = (a[0], a[1]);
            Out::text(format!(
                "(({s} | string)[({prefix} | length):] if ({s} | string) is startingwith({prefix}) else ({s} | string))"
            ))
        }
        "trimSuffix" => {
            arity(2)?;
            let (suffix, s) = (a[0], a[1]);
            Out::text(format!(
                "(({s} | string)[:(({s} | string) | length) - ({suffix} | length)] if ({suffix} and ({s} | string) is endingwith({suffix})) else ({s} | string))"
            ))
        }
        "replace" => {
            arity(3)?;
            Out::text(format!("({} | string | replace({}, {}))", a[2], a[0], a[1]))
        }
        "nospace" => {
            arity(1)?;
            Out::text(format!("({} | string | replace(\" \", \"\"))", a[0]))
        }
        "contains" => {
            arity(2)?;
            Out::boolean(format!("({} in ({} | string))", a[0], a[1]))
        }
        "hasPrefix" => {
            arity(2)?;
            Out::boolean(format!("(({} | string) is startingwith({}))", a[1], a[0]))
        }
        "hasSuffix" => {
            arity(2)?;
            Out::boolean(format!("(({} | string) is endingwith({}))", a[1], a[0]))
        }
        "quote" if n >= 1 => Out::text(format!(
            "({})",
            a.iter()
                .map(|s| format!("({s} | string | tojson)"))
                .collect::<Vec<_>>()
                .join(" ~ \" \" ~ ")
        )),
        "squote" if n >= 1 => Out::text(format!(
            "({})",
            a.iter()
                .map(|s| format!("(\"'\" ~ ({s} | string) ~ \"'\")"))
                .collect::<Vec<_>>()
                .join(" ~ \" \" ~ ")
        )),
        "cat" if n >= 1 => Out::text(format!(
            "([{}] | reject(\"none\") | join(\" \"))",
            a.join(", ")
        )),
        "indent" | "nindent" => {
            arity(2)?;
            let width = literal_count(&args[0])
                .ok_or_else(|| format!("`{name}` with a width that is not a number"))?;
            let pad = quoted(&" ".repeat(width));
            let lead = if name == "nindent" { "\"\\n\" ~ " } else { "" };
            Out::text(format!(
                "({lead}{pad} ~ ({} | string | replace(\"\\n\", \"\\n\" ~ {pad})))",
                a[1]
            ))
        }
        "substr" => {
            arity(3)?;
            Out::text(format!("(({} | string)[{}:{}])", a[2], a[0], a[1]))
        }
        "trunc" => {
            arity(2)?;
            Out::text(format!("(({} | string)[:{}])", a[1], a[0]))
        }
        "repeat" => {
            arity(2)?;
            let count = literal_count(&args[0])
                .ok_or_else(|| "`repeat` with a count that is not a number".to_string())?;
            Out::text(format!(
                "({})",
                vec![format!("({} | string)", a[1]); count.max(1)].join(" ~ ")
            ))
            .only_if(count > 0)
        }
        "plural" => {
            arity(3)?;
            Out::text(format!("({} if {} == 1 else {})", a[0], a[2], a[1]))
        }
        "toString" => {
            arity(1)?;
            Out::text(format!("({} | string)", a[0]))
        }
        "toJson" | "mustToJson" => {
            arity(1)?;
            Out::text(format!("({} | tojson)", a[0]))
        }
        "toPrettyJson" | "mustToPrettyJson" => {
            arity(1)?;
            Out::text(format!("({} | tojson(indent=2))", a[0]))
        }
        "int" | "int64" | "atoi" => {
            arity(1)?;
            Out::number(format!("({} | int)", a[0]))
        }
        "add" | "mul" if n >= 1 => Out::number(format!(
            "({})",
            a.iter()
                .map(|s| format!("({s} | int)"))
                .collect::<Vec<_>>()
                .join(if name == "add" { " + " } else { " * " })
        )),
        "add1" => {
            arity(1)?;
            Out::number(format!("(({} | int) + 1)", a[0]))
        }
        "sub" | "div" | "mod" => {
            arity(2)?;
            let op = match name {
                "sub" => "-",
                "div" => "//",
                _ => "%",
            };
            Out::number(format!("(({} | int) {op} ({} | int))", a[0], a[1]))
        }
        "max" | "min" if n >= 1 => Out::number(format!(
            "([{}] | {name})",
            a.iter()
                .map(|s| format!("({s} | int)"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
        // sprig's `default`, `empty`, `coalesce` and `ternary` test Go's emptiness, which for
        // strings, lists, numbers and booleans is minijinja's falsiness.
        "default" => {
            arity(2)?;
            Out {
                kind: args[1].kind,
                ..Out::text(format!("({} if {} else {})", a[1], a[1], a[0]))
            }
        }
        "empty" => {
            arity(1)?;
            Out::boolean(format!("(not {})", a[0]))
        }
        "coalesce" if n >= 1 => Out::text(format!("({})", a.join(" or "))),
        "ternary" => {
            arity(3)?;
            Out::text(format!("({} if {} else {})", a[0], a[2], a[1]))
        }
        // sprig's lists.
        "list" => Out::list(format!("[{}]", a.join(", "))),
        "has" => {
            arity(2)?;
            Out::boolean(format!("({} in {})", a[0], a[1]))
        }
        "join" => {
            arity(2)?;
            Out::text(format!("({} | join({}))", a[1], a[0]))
        }
        "splitList" => {
            arity(2)?;
            Out::list(format!("({} | string | split({}))", a[1], a[0]))
        }
        "first" | "last" => {
            arity(1)?;
            Out::text(format!("({} | {name})", a[0]))
        }
        "rest" => {
            arity(1)?;
            Out::list(format!("({}[1:])", a[0]))
        }
        "initial" => {
            arity(1)?;
            Out::list(format!("({}[:-1])", a[0]))
        }
        "uniq" => {
            arity(1)?;
            Out::list(format!("({} | unique | list)", a[0]))
        }
        "sortAlpha" => {
            arity(1)?;
            Out::list(format!("({} | sort(case_sensitive=true))", a[0]))
        }
        "reverse" => {
            arity(1)?;
            Out::list(format!("({} | reverse | list)", a[0]))
        }
        "compact" => {
            arity(1)?;
            Out::list(format!("({} | select | list)", a[0]))
        }
        "hasKey" => {
            arity(2)?;
            Out::boolean(format!("({} in {})", a[1], a[0]))
        }
        "keys" if n >= 1 => Out::list(format!("({} | list | sort)", a[0])),
        _ => return Err(format!("function `{name}`")),
    };
    Ok(Expr {
        src: out.src,
        kind: out.kind,
        safe: out.safe,
        boolean: out.boolean,
    })
}

impl Out {
    /// This output when `keep`, else the empty string.
    fn only_if(self, keep: bool) -> Out {
        if keep { self } else { Out::text("\"\"".into()) }
    }
}

/// Go's `printf` with a literal format: `%s`, `%v`, `%d`, `%q` and `%%`, operands in order.
fn printf(args: &[Expr]) -> Result<Out, String> {
    let (format, operands) = args
        .split_first()
        .ok_or_else(|| "`printf` without a format".to_string())?;
    let format = literal_str(format)
        .ok_or_else(|| "`printf` with a format that is not a string literal".to_string())?;
    let mut parts: Vec<String> = Vec::new();
    let mut literal = String::new();
    let mut next = operands.iter();
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            literal.push(c);
            continue;
        }
        let verb = chars
            .next()
            .ok_or_else(|| "`printf` format ends with `%`".to_string())?;
        if verb == '%' {
            literal.push('%');
            continue;
        }
        let operand = next
            .next()
            .ok_or_else(|| format!("`printf` format `{format}` has more verbs than operands"))?;
        if !literal.is_empty() {
            parts.push(quoted(&std::mem::take(&mut literal)));
        }
        parts.push(match verb {
            's' | 'v' | 'd' => format!("({} | string)", operand.src),
            'q' => format!("({} | string | tojson)", operand.src),
            other => return Err(format!("`printf` verb `%{other}`")),
        });
    }
    if next.next().is_some() {
        return Err(format!(
            "`printf` format `{format}` has fewer verbs than operands"
        ));
    }
    if !literal.is_empty() || parts.is_empty() {
        parts.push(quoted(&literal));
    }
    Ok(Out::text(format!("({})", parts.join(" ~ "))))
}
