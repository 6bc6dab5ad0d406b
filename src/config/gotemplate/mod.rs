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

mod builtin;
mod expr;
mod functions;
mod lex;
mod translator;

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
    let out = translator::Translator { opts, depth: 0 }.run(source)?;
    let env = minijinja::Environment::new();
    env.template_from_str(&out).map_err(|e| Unsupported {
        line: 1,
        what: format!("the translation does not compile ({e}); please report this"),
    })?;
    Ok(out)
}

#[cfg(test)]
mod tests;
