//! The functions a Go template calls: Go's built-ins, tfcmt's and sprig's.

use super::expr::{Expr, Kind};

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
