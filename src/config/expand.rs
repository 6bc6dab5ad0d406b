//! `$VAR` / `${VAR}` expansion in config values, from the environment map passed in.
//!
//! `$$` writes a literal `$`; `${VAR:-default}` uses `default` when `VAR` is unset or empty. An
//! unset variable expands to nothing, as in a shell (and as tfcmt and tfnotify do). A `$` not
//! followed by a name is kept as it is, so `cost: 5$` or a regex ending in `$` survive.

use crate::env::Env;

/// `text` with every variable reference replaced.
pub fn expand(text: &str, env: &Env) -> String {
    expand_with(text, |name| env.raw(name))
}

/// `text` with every variable reference replaced by what `lookup` gives for its name (`None`:
/// unset).
pub fn expand_with<'e>(text: &str, mut lookup: impl FnMut(&str) -> Option<&'e str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        if let Some(stripped) = after.strip_prefix('$') {
            out.push('$');
            rest = stripped;
        } else if let Some(braced) = after.strip_prefix('{') {
            match braced.find('}') {
                Some(end) if is_braced_reference(&braced[..end]) => {
                    let inner = &braced[..end];
                    let (name, default) = match inner.split_once(":-") {
                        Some((n, d)) => (n, Some(d)),
                        None => (inner, None),
                    };
                    match (lookup(name).filter(|v| !v.is_empty()), default) {
                        (Some(v), _) => out.push_str(v),
                        (None, Some(d)) => out.push_str(d),
                        (None, None) => {}
                    }
                    rest = &braced[end + 1..];
                }
                _ => {
                    out.push('$');
                    rest = after;
                }
            }
        } else {
            let len = name_len(after);
            if len == 0 {
                out.push('$');
            } else {
                out.push_str(lookup(&after[..len]).unwrap_or_default());
            }
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    out
}

fn name_len(s: &str) -> usize {
    let mut chars = s.char_indices();
    match chars.next() {
        Some((_, c)) if c == '_' || c.is_ascii_alphabetic() => {}
        _ => return 0,
    }
    chars
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '_'))
        .map_or(s.len(), |(i, _)| i)
}

fn is_braced_reference(inner: &str) -> bool {
    let name = inner.split_once(":-").map_or(inner, |(n, _)| n);
    !name.is_empty() && name_len(name) == name.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Env {
        [("TOKEN", "t0k"), ("EMPTY", ""), ("A_1", "x")]
            .into_iter()
            .collect()
    }

    #[test]
    fn both_forms() {
        assert_eq!(expand("$TOKEN", &env()), "t0k");
        assert_eq!(expand("${TOKEN}", &env()), "t0k");
        assert_eq!(expand("a-${A_1}-b", &env()), "a-x-b");
        assert_eq!(expand("$A_1.y", &env()), "x.y");
    }

    #[test]
    fn unset_is_empty_and_defaults_apply() {
        assert_eq!(expand("[$NOPE]", &env()), "[]");
        assert_eq!(expand("${NOPE:-dflt}", &env()), "dflt");
        assert_eq!(expand("${EMPTY:-dflt}", &env()), "dflt");
        assert_eq!(expand("${TOKEN:-dflt}", &env()), "t0k");
    }

    #[test]
    fn literal_dollars_survive() {
        assert_eq!(expand("$$TOKEN", &env()), "$TOKEN");
        assert_eq!(expand("^secret-[a-z]+$", &env()), "^secret-[a-z]+$");
        assert_eq!(expand("5 $", &env()), "5 $");
        assert_eq!(expand("${not closed", &env()), "${not closed");
        assert_eq!(expand("${}", &env()), "${}");
        assert_eq!(expand("héllo $TOKEN ü", &env()), "héllo t0k ü");
    }
}
