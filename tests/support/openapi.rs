//! Checks requests against GitHub's official REST description (`@octokit/openapi`,
//! `generated/api.github.com.json`), installed into a cache by `tests/support/fetch-openapi.sh`.
//! The check: the path matches a documented path template, the method is documented for it, every
//! query parameter is a documented one, integer path parameters are integers, and the JSON body
//! validates against the documented request body schema (types, required fields, enums, no
//! undocumented fields).

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use serde_json::Value;

use super::fake_github::Recorded;

static SPEC: OnceLock<Value> = OnceLock::new();
static PATHS: OnceLock<(String, String)> = OnceLock::new();

/// The REST description's and the GraphQL schema's paths, installed on first use by
/// `tests/support/fetch-openapi.sh`; panics loudly when they cannot be had.
pub fn description_paths() -> &'static (String, String) {
    PATHS.get_or_init(|| {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/fetch-openapi.sh");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let mut lines = stdout.lines().map(str::trim).filter(|l| !l.is_empty());
        match (out.status.success(), lines.next(), lines.next()) {
            (true, Some(rest), Some(graphql)) => (rest.to_string(), graphql.to_string()),
            _ => panic!(
                "GitHub's API descriptions (@octokit/openapi, @octokit/graphql-schema) are missing and could not be installed: {}\nRun tests/support/fetch-openapi.sh with npm registry access once; it caches them.",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    })
}

/// The REST description.
pub fn spec() -> &'static Value {
    SPEC.get_or_init(|| {
        let path = &description_paths().0;
        let text = std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        serde_json::from_slice(&text).unwrap_or_else(|e| panic!("{path} is not JSON: {e}"))
    })
}

fn resolve<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let pointer = r.trim_start_matches('#');
                v = spec.pointer(pointer).unwrap_or(&Value::Null);
            }
            None => return v,
        }
    }
    v
}

/// The documented path template matching `path`, preferring the most literal one.
fn find_template<'a>(spec: &'a Value, path: &str) -> Option<(&'a str, &'a Value)> {
    let segs: Vec<&str> = path.split('/').collect();
    let paths = spec.get("paths")?.as_object()?;
    let mut best: Option<(&str, &Value, usize)> = None;
    for (template, item) in paths {
        let t: Vec<&str> = template.split('/').collect();
        if t.len() != segs.len() {
            continue;
        }
        let mut literal = 0;
        let ok = t.iter().zip(&segs).all(|(a, b)| {
            if a.starts_with('{') && a.ends_with('}') {
                !b.is_empty()
            } else {
                literal += 1;
                a == b
            }
        });
        if ok && best.is_none_or(|(_, _, l)| literal > l) {
            best = Some((template.as_str(), item, literal));
        }
    }
    best.map(|(t, i, _)| (t, i))
}

/// Every problem with one request; empty when it is as documented.
pub fn check(request: &Recorded) -> Vec<String> {
    let spec = spec();
    let what = format!("{} {}", request.method, request.path);
    if request.path == "/graphql" {
        // GraphQL is described by GitHub's GraphQL schema, not the REST one.
        let Some(body) = &request.body else {
            return vec![format!("{what}: no body")];
        };
        return super::graphql_schema::check(body)
            .into_iter()
            .map(|p| format!("{what}: {p}"))
            .collect();
    }
    // `Link` pagination URLs come from GitHub as `/repositories/{id}/...` (undocumented, but what
    // GitHub sends); tfpost follows them as given. Check them as the `/repos/...` they stand for.
    let normalized = match request.path.strip_prefix("/repositories/") {
        Some(rest) => match rest.split_once('/') {
            Some((id, tail)) if id.parse::<u64>().is_ok() => format!("/repos/owner/repo/{tail}"),
            _ => request.path.clone(),
        },
        None => request.path.clone(),
    };
    let Some((template, item)) = find_template(spec, &normalized) else {
        return vec![format!("{what}: no such path in GitHub's REST API")];
    };
    let method = request.method.to_lowercase();
    let Some(op) = item.get(&method) else {
        return vec![format!("{what}: {template} has no {method} operation")];
    };
    let mut problems = Vec::new();
    let params: Vec<&Value> = item
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .chain(
            op.get("parameters")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        )
        .map(|p| resolve(spec, p))
        .collect();
    for (key, value) in &request.query {
        match params
            .iter()
            .find(|p| p["in"] == "query" && p["name"].as_str() == Some(key))
        {
            None => problems.push(format!("{what}: undocumented query parameter {key:?}")),
            Some(p) => {
                let schema = resolve(spec, &p["schema"]);
                if schema["type"] == "integer" && value.parse::<i64>().is_err() {
                    problems.push(format!("{what}: query {key}={value:?} is not an integer"));
                }
                if let Some(max) = schema["maximum"].as_i64()
                    && value.parse::<i64>().is_ok_and(|v| v > max)
                {
                    problems.push(format!(
                        "{what}: query {key}={value} exceeds the maximum {max}"
                    ));
                }
            }
        }
    }
    let tsegs: Vec<&str> = template.split('/').collect();
    for (t, actual) in tsegs.iter().zip(normalized.split('/')) {
        if let Some(name) = t.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
            let p = params
                .iter()
                .find(|p| p["in"] == "path" && p["name"].as_str() == Some(name));
            match p {
                None => problems.push(format!("{what}: path parameter {name} undocumented")),
                Some(p) => {
                    if resolve(spec, &p["schema"])["type"] == "integer"
                        && actual.parse::<u64>().is_err()
                    {
                        problems.push(format!(
                            "{what}: path parameter {name}={actual:?} is not an integer"
                        ));
                    }
                }
            }
        }
    }
    let body_schema = op
        .get("requestBody")
        .map(|b| resolve(spec, b))
        .and_then(|b| b.pointer("/content/application~1json/schema"));
    match (&request.body, body_schema) {
        (Some(_), None) => {
            problems.push(format!("{what}: sends a body the operation does not take"))
        }
        (None, Some(_)) => {
            let required = op
                .get("requestBody")
                .map(|b| resolve(spec, b))
                .and_then(|b| b.get("required"))
                .and_then(Value::as_bool)
                .unwrap_or(false);
            if required {
                problems.push(format!("{what}: the operation requires a body"));
            }
        }
        (Some(body), Some(schema)) => {
            for p in validate(spec, schema, body, "body") {
                problems.push(format!("{what}: {p}"));
            }
        }
        (None, None) => {}
    }
    problems
}

/// A small JSON Schema validator covering what GitHub's request bodies use.
pub fn validate(spec: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let schema = resolve(spec, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema.get(key).and_then(Value::as_array) {
            let results: Vec<Vec<String>> = options
                .iter()
                .map(|o| validate(spec, o, value, at))
                .collect();
            if results.iter().any(Vec::is_empty) {
                return Vec::new();
            }
            return vec![format!(
                "{at} matches none of the {key} alternatives ({})",
                results
                    .iter()
                    .map(|r| r.join("; "))
                    .collect::<Vec<_>>()
                    .join(" | ")
            )];
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        return all
            .iter()
            .flat_map(|s| validate(spec, s, value, at))
            .collect();
    }
    let mut problems = Vec::new();
    let nullable = schema["nullable"] == true;
    if value.is_null() && nullable {
        return problems;
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !types.is_empty() {
        let ok = types.iter().any(|t| match *t {
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "boolean" => value.is_boolean(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            "null" => value.is_null(),
            _ => true,
        });
        if !ok {
            return vec![format!("{at} should be of type {types:?}, is {value}")];
        }
    }
    if let Some(options) = schema.get("enum").and_then(Value::as_array)
        && !options.contains(value)
    {
        problems.push(format!("{at}={value} is not one of {options:?}"));
    }
    if let (Some(max), Some(s)) = (schema["maxLength"].as_u64(), value.as_str())
        && s.chars().count() as u64 > max
    {
        problems.push(format!("{at} is longer than {max} characters"));
    }
    if let Some(arr) = value.as_array() {
        if let Some(min) = schema["minItems"].as_u64()
            && (arr.len() as u64) < min
        {
            problems.push(format!("{at} has fewer than {min} items"));
        }
        if let Some(items) = schema.get("items") {
            for (i, v) in arr.iter().enumerate() {
                problems.extend(validate(spec, items, v, &format!("{at}[{i}]")));
            }
        }
    }
    if let Some(obj) = value.as_object() {
        let props = schema.get("properties").and_then(Value::as_object);
        if let Some(required) = schema.get("required").and_then(Value::as_array) {
            for r in required.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    problems.push(format!("{at}.{r} is required"));
                }
            }
        }
        for (k, v) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(s) => problems.extend(validate(spec, s, v, &format!("{at}.{k}"))),
                None => {
                    if props.is_some()
                        && schema
                            .get("additionalProperties")
                            .is_none_or(|a| a == false || a.is_null())
                    {
                        problems.push(format!("{at}.{k} is not a documented field"));
                    }
                }
            }
        }
    }
    problems
}

/// Panics listing every request that is not as GitHub documents it.
pub fn assert_all_documented(requests: &[Recorded]) {
    assert!(!requests.is_empty(), "no requests to check");
    let problems: Vec<String> = requests.iter().flat_map(check).collect();
    assert!(
        problems.is_empty(),
        "requests not as GitHub's REST description says:\n{}",
        problems.join("\n")
    );
}
