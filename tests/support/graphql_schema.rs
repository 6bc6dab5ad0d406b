//! Checks GraphQL requests against GitHub's official schema (`@octokit/graphql-schema`,
//! `schema.json`, an introspection result): every field exists on its type, every argument and
//! input field is declared, required input fields are given, enum values are valid, variables
//! are declared with the type the input field takes, and every variable used is supplied.
//!
//! A small parser for the GraphQL GitHub documents: operations with variables, aliases, nested
//! selections, arguments with variables, enums, strings, numbers and input objects.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::Value;

static SCHEMA: OnceLock<Value> = OnceLock::new();

fn schema() -> &'static Value {
    SCHEMA.get_or_init(|| {
        let path = &super::openapi::description_paths().1;
        let text = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
    })
}

fn type_named(name: &str) -> Option<&'static Value> {
    schema()
        .pointer("/__schema/types")?
        .as_array()?
        .iter()
        .find(|t| t["name"] == name)
}

/// `{"kind":"NON_NULL","ofType":{"kind":"SCALAR","name":"ID"}}` -> `ID!`.
fn type_ref(t: &Value) -> String {
    match t["kind"].as_str() {
        Some("NON_NULL") => format!("{}!", type_ref(&t["ofType"])),
        Some("LIST") => format!("[{}]", type_ref(&t["ofType"])),
        _ => t["name"].as_str().unwrap_or("?").to_string(),
    }
}

fn named(t: &Value) -> &Value {
    match t["kind"].as_str() {
        Some("NON_NULL") | Some("LIST") => named(&t["ofType"]),
        _ => t,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Var(String),
    Str(String),
    Num(String),
    Punct(char),
}

fn tokenize(q: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = q.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c == ',' {
            i += 1;
        } else if c == '#' {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if "{}():!=[]".contains(c) {
            toks.push(Tok::Punct(c));
            i += 1;
        } else if c == '$' || c.is_alphabetic() || c == '_' {
            let start = i + usize::from(c == '$');
            i = start;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            toks.push(if c == '$' {
                Tok::Var(word)
            } else {
                Tok::Name(word)
            });
        } else if c == '"' {
            let mut s = String::new();
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if i < chars.len() {
                    s.push(chars[i]);
                }
                i += 1;
            }
            i += 1;
            toks.push(Tok::Str(s));
        } else if c.is_ascii_digit() || c == '-' {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            toks.push(Tok::Num(chars[start..i].iter().collect()));
        } else {
            return Err(format!("unexpected character {c:?}"));
        }
    }
    Ok(toks)
}

#[derive(Debug)]
enum GqlValue {
    Var(String),
    Enum(String),
    Scalar,
    Object(Vec<(String, GqlValue)>),
}

/// Operation type, declared variables (name -> type), top-level selection.
type Operation = (String, HashMap<String, String>, Vec<Field>);

#[derive(Debug)]
struct Field {
    name: String,
    args: Vec<(String, GqlValue)>,
    selection: Vec<Field>,
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Result<Tok, String> {
        let t = self.toks.get(self.pos).cloned().ok_or("unexpected end")?;
        self.pos += 1;
        Ok(t)
    }
    fn expect(&mut self, c: char) -> Result<(), String> {
        match self.next()? {
            Tok::Punct(p) if p == c => Ok(()),
            other => Err(format!("expected {c:?}, found {other:?}")),
        }
    }
    fn name(&mut self) -> Result<String, String> {
        match self.next()? {
            Tok::Name(n) => Ok(n),
            other => Err(format!("expected a name, found {other:?}")),
        }
    }
    fn var_type(&mut self) -> Result<String, String> {
        let mut t = if self.peek() == Some(&Tok::Punct('[')) {
            self.next()?;
            let inner = self.var_type()?;
            self.expect(']')?;
            format!("[{inner}]")
        } else {
            self.name()?
        };
        if self.peek() == Some(&Tok::Punct('!')) {
            self.next()?;
            t.push('!');
        }
        Ok(t)
    }
    fn value(&mut self) -> Result<GqlValue, String> {
        Ok(match self.next()? {
            Tok::Var(v) => GqlValue::Var(v),
            Tok::Name(n) if n == "true" || n == "false" || n == "null" => GqlValue::Scalar,
            Tok::Name(n) => GqlValue::Enum(n),
            Tok::Str(_) | Tok::Num(_) => GqlValue::Scalar,
            Tok::Punct('{') => {
                let mut fields = Vec::new();
                while self.peek() != Some(&Tok::Punct('}')) {
                    let k = self.name()?;
                    self.expect(':')?;
                    fields.push((k, self.value()?));
                }
                self.next()?;
                GqlValue::Object(fields)
            }
            other => return Err(format!("unexpected {other:?} as a value")),
        })
    }
    fn selection(&mut self) -> Result<Vec<Field>, String> {
        self.expect('{')?;
        let mut fields = Vec::new();
        while self.peek() != Some(&Tok::Punct('}')) {
            let mut name = self.name()?;
            if self.peek() == Some(&Tok::Punct(':')) {
                self.next()?;
                name = self.name()?;
            }
            let mut args = Vec::new();
            if self.peek() == Some(&Tok::Punct('(')) {
                self.next()?;
                while self.peek() != Some(&Tok::Punct(')')) {
                    let k = self.name()?;
                    self.expect(':')?;
                    args.push((k, self.value()?));
                }
                self.next()?;
            }
            let selection = if self.peek() == Some(&Tok::Punct('{')) {
                self.selection()?
            } else {
                Vec::new()
            };
            fields.push(Field {
                name,
                args,
                selection,
            });
        }
        self.next()?;
        Ok(fields)
    }
}

/// Every problem with one GraphQL request body (`{"query", "variables"}`); empty when valid.
pub fn check(payload: &Value) -> Vec<String> {
    let Some(query) = payload["query"].as_str() else {
        return vec!["no query".into()];
    };
    let variables = payload["variables"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    let toks = match tokenize(query) {
        Ok(t) => t,
        Err(e) => return vec![e],
    };
    let mut p = Parser { toks, pos: 0 };
    let mut problems = Vec::new();
    let result = (|| -> Result<Operation, String> {
        let op = match p.peek() {
            Some(Tok::Punct('{')) => "query".to_string(),
            _ => p.name()?,
        };
        if let Some(Tok::Name(_)) = p.peek() {
            p.next()?;
        }
        let mut declared = HashMap::new();
        if p.peek() == Some(&Tok::Punct('(')) {
            p.next()?;
            while p.peek() != Some(&Tok::Punct(')')) {
                let Tok::Var(v) = p.next()? else {
                    return Err("expected a variable".into());
                };
                p.expect(':')?;
                declared.insert(v, p.var_type()?);
            }
            p.next()?;
        }
        let fields = p.selection()?;
        if p.pos != p.toks.len() {
            return Err("text after the operation".into());
        }
        Ok((op, declared, fields))
    })();
    let (op, declared, fields) = match result {
        Ok(r) => r,
        Err(e) => return vec![format!("cannot parse the query: {e}")],
    };
    let root = match op.as_str() {
        "mutation" => "Mutation",
        "query" => "Query",
        other => return vec![format!("unsupported operation {other}")],
    };
    for name in declared.keys() {
        if !variables.contains_key(name) {
            problems.push(format!("variable ${name} is declared but not supplied"));
        }
    }
    check_fields(root, &fields, &declared, &mut problems);
    problems
}

fn check_fields(
    type_name: &str,
    fields: &[Field],
    declared: &HashMap<String, String>,
    problems: &mut Vec<String>,
) {
    let Some(t) = type_named(type_name) else {
        problems.push(format!("type {type_name} not in the schema"));
        return;
    };
    for field in fields {
        let Some(def) = t["fields"]
            .as_array()
            .and_then(|fs| fs.iter().find(|f| f["name"] == field.name.as_str()))
        else {
            problems.push(format!("{type_name} has no field {}", field.name));
            continue;
        };
        let arg_defs = def["args"].as_array().cloned().unwrap_or_default();
        for (name, value) in &field.args {
            match arg_defs.iter().find(|a| a["name"] == name.as_str()) {
                None => problems.push(format!("{type_name}.{} has no argument {name}", field.name)),
                Some(a) => check_value(
                    &a["type"],
                    value,
                    &format!("{}.{name}", field.name),
                    declared,
                    problems,
                ),
            }
        }
        for a in &arg_defs {
            if a["type"]["kind"] == "NON_NULL"
                && !field.args.iter().any(|(n, _)| a["name"] == n.as_str())
            {
                problems.push(format!(
                    "{type_name}.{} needs argument {}",
                    field.name, a["name"]
                ));
            }
        }
        let result_type = named(&def["type"]);
        if !field.selection.is_empty() {
            check_fields(
                result_type["name"].as_str().unwrap_or("?"),
                &field.selection,
                declared,
                problems,
            );
        } else if matches!(
            result_type["kind"].as_str(),
            Some("OBJECT" | "INTERFACE" | "UNION")
        ) {
            problems.push(format!("{type_name}.{} needs a selection", field.name));
        }
    }
}

fn check_value(
    expected: &Value,
    value: &GqlValue,
    at: &str,
    declared: &HashMap<String, String>,
    problems: &mut Vec<String>,
) {
    let base = named(expected);
    match value {
        GqlValue::Var(v) => match declared.get(v) {
            None => problems.push(format!("{at}: variable ${v} is not declared")),
            Some(t) if *t != type_ref(expected) => problems.push(format!(
                "{at}: variable ${v} is {t}, the schema wants {}",
                type_ref(expected)
            )),
            Some(_) => {}
        },
        GqlValue::Enum(e) => {
            let ok = base["kind"] == "ENUM"
                && type_named(base["name"].as_str().unwrap_or(""))
                    .and_then(|t| t["enumValues"].as_array())
                    .is_some_and(|vs| vs.iter().any(|v| v["name"] == e.as_str()));
            if !ok {
                problems.push(format!(
                    "{at}: {e} is not a value of {}",
                    type_ref(expected)
                ));
            }
        }
        GqlValue::Scalar => {}
        GqlValue::Object(fields) => {
            let Some(input) = type_named(base["name"].as_str().unwrap_or("")) else {
                problems.push(format!("{at}: unknown input type"));
                return;
            };
            let defs = input["inputFields"].as_array().cloned().unwrap_or_default();
            for (k, v) in fields {
                match defs.iter().find(|d| d["name"] == k.as_str()) {
                    None => problems.push(format!("{at}: {} has no field {k}", input["name"])),
                    Some(d) => check_value(&d["type"], v, &format!("{at}.{k}"), declared, problems),
                }
            }
            for d in &defs {
                if d["type"]["kind"] == "NON_NULL"
                    && !fields.iter().any(|(k, _)| d["name"] == k.as_str())
                {
                    problems.push(format!("{at}: {} needs {}", input["name"], d["name"]));
                }
            }
        }
    }
}
