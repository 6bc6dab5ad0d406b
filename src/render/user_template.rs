//! User templates (`--template FILE`), rendered at runtime with minijinja.
//!
//! A template sees:
//! - `report`: the [`Report`] as `tfpost parse` prints it; `ctx`: the [`RenderContext`];
//! - `title`, `message`, `vars`, `link` (the CI build URL), `target`;
//! - names compatible with tfcmt's templates (the config translator maps tfcmt's Go templates
//!   onto exactly these): `result` (Terraform's summary line), `body` (the raw output),
//!   `created_resources`, `updated_resources`, `deleted_resources`, `replaced_resources`,
//!   `imported_resources` (lists of addresses), `moved_resources` (list of `{before, after}`),
//!   `has_destroy`, `has_error`, `warnings` and `errors` (lists of diagnostics: `summary`,
//!   `detail`, `file`, `line`, `address`), plus `warning` and `error_messages`, the same
//!   diagnostics as Terraform's text (tfcmt's `.Warning` and `.ErrorMessages`).
//!
//! Filters keep plan text inert: `code_block(lang="")` (a fence no text can close, like tfcmt's
//! `wrapCode`), `diff_block` (Terraform's diff as a coloured `diff` block), `inline_code`,
//! `md_escape`, `html_escape` (also keeps `@name`/`#1` from linking), and `details(summary, open=false)` that wraps Markdown in a
//! collapsible block with an escaped summary.
//!
//! A template that fails (syntax, unknown filter, output over GitHub's limit) is an error naming
//! the file, the line and the problem; [`github_or_builtin`] then renders the built-in comment so
//! the post still happens.

use std::path::{Path, PathBuf};

use minijinja::{Environment, UndefinedBehavior, Value};
use serde::Serialize;

use super::RenderContext;
use super::github;
use super::inert;
use crate::message::GithubMessage;
use crate::model::{Action, Diagnostic, Outcome, Report};

/// Why a user template could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file could not be read.
    #[error("cannot read template {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The template does not parse or fails while rendering.
    #[error("template {}{}: {detail}", path.display(), line.map(|l| format!(" line {l}")).unwrap_or_default())]
    Template {
        path: PathBuf,
        /// The line in the template, when minijinja knows it.
        line: Option<usize>,
        /// What is wrong, with the offending source lines when available.
        detail: String,
    },
    /// The template did more work than any comment needs (a loop in a loop over a large plan).
    #[error(
        "template {} was stopped after {fuel} steps of work, far more than a comment needs (a loop \
         inside a loop over every resource?)",
        path.display()
    )]
    OutOfFuel { path: PathBuf, fuel: u64 },
    /// The rendered comment is longer than GitHub accepts.
    #[error(
        "template {} renders {chars} characters, more than GitHub's limit of {max}; use the `code_block` \
         and `details` filters on less text, or leave long parts to the built-in comment",
        path.display()
    )]
    TooLong {
        path: PathBuf,
        chars: usize,
        max: usize,
    },
}

/// A user template loaded from a file.
#[derive(Debug, Clone)]
pub struct UserTemplate {
    path: PathBuf,
    source: String,
}

/// Everything a template sees, in the names documented above.
#[derive(Debug, Serialize)]
struct TemplateContext<'a> {
    report: &'a Report,
    ctx: &'a RenderContext,
    title: Option<&'a str>,
    message: Option<&'a str>,
    vars: &'a std::collections::BTreeMap<String, String>,
    link: Option<&'a str>,
    target: Option<&'a str>,
    result: String,
    body: String,
    created_resources: Vec<&'a str>,
    updated_resources: Vec<&'a str>,
    deleted_resources: Vec<&'a str>,
    replaced_resources: Vec<&'a str>,
    imported_resources: Vec<&'a str>,
    moved_resources: Vec<Moved<'a>>,
    has_destroy: bool,
    has_error: bool,
    warnings: &'a [Diagnostic],
    errors: &'a [Diagnostic],
    warning: String,
    error_messages: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Moved<'a> {
    before: &'a str,
    after: &'a str,
}

impl UserTemplate {
    /// Read the template file. Syntax is checked when rendering, where the error can name the line.
    pub fn load(path: &Path) -> Result<UserTemplate, TemplateError> {
        let source = std::fs::read_to_string(path).map_err(|source| TemplateError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(UserTemplate {
            path: path.to_path_buf(),
            source,
        })
    }

    /// A template from a string; `name` is used in error messages.
    pub fn from_source(name: impl Into<PathBuf>, source: impl Into<String>) -> UserTemplate {
        UserTemplate {
            path: name.into(),
            source: source.into(),
        }
    }

    /// Render with the report, its context and the raw output (`body`).
    pub fn render(
        &self,
        report: &Report,
        ctx: &RenderContext,
        raw: &[u8],
    ) -> Result<String, TemplateError> {
        let env = environment();
        let name = self.path.display().to_string();
        let template = env
            .template_from_named_str(&name, &self.source)
            .map_err(|e| self.error(&e))?;
        let context = template_context(report, ctx, raw);
        // Stop writing well past the limit rather than after the template's last byte: a loop
        // could otherwise fill the memory before the length is checked.
        let mut output = CappedOutput {
            bytes: Vec::new(),
            max: github::BODY_MAX_CHARS * 4,
        };
        let result = template.render_captured_to(Value::from_serialize(&context), &mut output);
        let too_long = |chars| TemplateError::TooLong {
            path: self.path.clone(),
            chars,
            max: github::BODY_MAX_CHARS,
        };
        match result {
            Ok(_) => {}
            Err(_) if output.bytes.len() >= output.max => {
                return Err(too_long(inert::github_len(&String::from_utf8_lossy(
                    &output.bytes,
                ))));
            }
            Err(e) if e.kind() == minijinja::ErrorKind::OutOfFuel => {
                return Err(TemplateError::OutOfFuel {
                    path: self.path.clone(),
                    fuel: TEMPLATE_FUEL,
                });
            }
            Err(e) => return Err(self.error(&e)),
        }
        let rendered = String::from_utf8(output.bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        let chars = inert::github_len(&rendered);
        if chars > github::BODY_MAX_CHARS {
            return Err(too_long(chars));
        }
        Ok(rendered)
    }

    fn error(&self, err: &minijinja::Error) -> TemplateError {
        let mut detail = err.kind().to_string();
        if let Some(d) = err.detail() {
            detail.push_str(": ");
            detail.push_str(d);
        }
        // Show the template lines around the error, as minijinja's debug info lays them out.
        if let Some(line) = err.line() {
            let lines: Vec<&str> = self.source.lines().collect();
            if let Some(text) = lines.get(line.saturating_sub(1)) {
                detail.push_str(&format!("\n  {line:>4} | {text}"));
            }
        }
        let mut source = std::error::Error::source(err);
        while let Some(cause) = source {
            detail.push_str(&format!("\n  caused by: {cause}"));
            source = cause.source();
        }
        TemplateError::Template {
            path: self.path.clone(),
            line: err.line(),
            detail,
        }
    }
}

/// Render the GitHub comment with the user's template, or with the built-in one when there is
/// no template or it fails; the error, if any, comes back alongside so the caller can report it.
pub fn github_or_builtin(
    template: Option<&UserTemplate>,
    report: &Report,
    ctx: &RenderContext,
    raw: &[u8],
    with_parts: bool,
) -> (GithubMessage, Option<TemplateError>) {
    match template.map(|t| t.render(report, ctx, raw)) {
        Some(Ok(body)) => (
            GithubMessage {
                body,
                parts: Vec::new(),
            },
            None,
        ),
        Some(Err(err)) => (github::render_with(report, ctx, with_parts), Some(err)),
        None => (github::render_with(report, ctx, with_parts), None),
    }
}

/// How much work a template may do, in minijinja's fuel (about one unit per instruction): a
/// template listing each of 50,000 resources with a few filters takes a few million; a loop in
/// a loop over them would take billions, and runs until the CI job's timeout without this.
const TEMPLATE_FUEL: u64 = 20_000_000;

/// The rendered output, refusing bytes past `max`.
struct CappedOutput {
    bytes: Vec<u8>,
    max: usize,
}

impl std::io::Write for CappedOutput {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.max {
            let room = self.max - self.bytes.len();
            self.bytes.extend_from_slice(&buf[..room]);
            return Err(std::io::Error::other("template output too long"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The minijinja environment with tfpost's filters. Autoescaping is off: output is Markdown,
/// and the filters make escaping explicit.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(TEMPLATE_FUEL));
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
    env.add_filter("code_block", |text: Value, lang: Option<String>| {
        inert::code_block(&text_of(&text), lang.as_deref().unwrap_or(""))
    });
    env.add_filter("diff_block", |text: Value| {
        inert::code_block(&inert::terraform_diff(&text_of(&text)), "diff")
    });
    env.add_filter("inline_code", |text: Value| {
        inert::inline_code(&text_of(&text))
    });
    env.add_filter("md_escape", |text: Value| inert::md_escape(&text_of(&text)));
    env.add_filter("html_escape", |text: Value| {
        inert::html_text(&text_of(&text))
    });
    env.add_filter(
        "details",
        |body: Value, summary: Value, open: Option<bool>| {
            format!(
                "<details{}><summary>{}</summary>\n\n{}\n\n</details>\n",
                if open.unwrap_or(false) { " open" } else { "" },
                inert::html_text(&text_of(&summary).replace(['\n', '\r'], " ")),
                text_of(&body).trim_end()
            )
        },
    );
    env
}

/// A filter's input as text: `none` and undefined values (an unset `link`, `message`) are empty,
/// not the word "none".
fn text_of(value: &Value) -> String {
    if value.is_none() || value.is_undefined() {
        String::new()
    } else if let Some(s) = value.as_str() {
        s.to_string()
    } else {
        value.to_string()
    }
}

fn addresses(report: &Report, action: Action) -> Vec<&str> {
    report
        .resources_with(action)
        .map(|r| r.address.as_str())
        .collect()
}

fn template_context<'a>(
    report: &'a Report,
    ctx: &'a RenderContext,
    raw: &[u8],
) -> TemplateContext<'a> {
    let imported_resources = report
        .resources
        .iter()
        .filter(|r| r.action == Action::Import || r.imported)
        .map(|r| r.address.as_str())
        .collect();
    let moved_resources = report
        .resources
        .iter()
        .filter_map(|r| {
            r.from_address.as_deref().map(|before| Moved {
                before,
                after: &r.address,
            })
        })
        .collect();
    TemplateContext {
        report,
        ctx,
        title: ctx.title.as_deref(),
        message: ctx.message.as_deref(),
        vars: &ctx.vars,
        link: ctx.build_url.as_deref(),
        target: ctx.target.as_deref(),
        result: crate::words::report_summary_line(report),
        body: crate::words::printable_output(raw),
        created_resources: addresses(report, Action::Create),
        updated_resources: addresses(report, Action::Update),
        deleted_resources: addresses(report, Action::Delete),
        replaced_resources: addresses(report, Action::Replace),
        imported_resources,
        moved_resources,
        has_destroy: report.has_destructive_changes(),
        has_error: report.result == Outcome::Error || !report.errors.is_empty(),
        warnings: &report.warnings,
        errors: &report.errors,
        warning: report
            .warnings
            .iter()
            .map(|d| diagnostic_text("Warning", d))
            .collect::<Vec<_>>()
            .join("\n\n"),
        error_messages: report
            .errors
            .iter()
            .map(|d| diagnostic_text("Error", d))
            .collect(),
    }
}

fn diagnostic_text(label: &str, d: &Diagnostic) -> String {
    let mut text = format!("{label}: {}", d.summary);
    if let Some(file) = &d.file {
        text.push_str(&format!("\n\n  on {file}"));
        if let Some(line) = d.line {
            text.push_str(&format!(" line {line}"));
        }
    }
    if !d.detail.is_empty() {
        text.push_str("\n\n");
        text.push_str(&d.detail);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Kind, Mode, ResourceChange};

    fn report() -> Report {
        let mut r = Report::empty(Kind::Plan);
        r.result = Outcome::Changes;
        r.summary = Some(crate::model::Summary {
            add: 1,
            destroy: 1,
            ..Default::default()
        });
        for (address, action, from) in [
            ("null_resource.a", Action::Create, None),
            ("null_resource.gone", Action::Delete, None),
            ("null_resource.new", Action::Move, Some("null_resource.old")),
        ] {
            r.resources.push(ResourceChange {
                address: address.into(),
                module: None,
                resource_type: "null_resource".into(),
                name: address.trim_start_matches("null_resource.").into(),
                index: None,
                mode: Mode::Managed,
                action,
                reason: None,
                from_address: from.map(Box::from),
                import_id: None,
                imported: false,
                replace_order: None,
                deposed: None,
                section: None,
                diff: None,
            });
        }
        r
    }

    fn render(source: &str) -> Result<String, TemplateError> {
        let ctx = RenderContext {
            title: Some("T".into()),
            build_url: Some("https://ci.example/1".into()),
            ..RenderContext::default()
        };
        UserTemplate::from_source("t.md", source).render(&report(), &ctx, b"raw `out`")
    }

    #[test]
    fn tfcmt_names_are_available() {
        let out = render(
            "{{ title }}|{{ result }}|{{ link }}|{{ created_resources|join(',') }}|{{ deleted_resources|join(',') }}|\
             {% for m in moved_resources %}{{ m.before }}>{{ m.after }}{% endfor %}|{{ has_destroy }}|{{ has_error }}|\
             {{ report.kind }}",
        )
        .unwrap();
        assert_eq!(
            out,
            "T|Plan: 1 to add, 0 to change, 1 to destroy.|https://ci.example/1|null_resource.a|null_resource.gone|\
             null_resource.old>null_resource.new|True|False|plan"
        );
    }

    #[test]
    fn filters_keep_text_inert() {
        let out =
            render("{{ body|code_block('hcl') }}{{ '</summary>@x'|details('<b>s</b>') }}").unwrap();
        assert!(out.starts_with("```hcl\nraw `out`\n```\n"));
        assert!(out.contains("<summary>&lt;b&gt;s&lt;/b&gt;</summary>"));
        assert_eq!(render("{{ 'a`b'|inline_code }}").unwrap(), "``a`b``");
    }

    #[test]
    fn filters_take_any_value_and_none_is_empty() {
        let out = render(
            "[{{ 42|inline_code }}][{{ ctx.pr_number|md_escape }}][{{ nothing|html_escape }}]",
        );
        assert_eq!(out.unwrap(), "[`42`][][]");
    }

    #[test]
    fn errors_name_file_and_line() {
        let err = render("ok\n{{ body|nope }}").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("template t.md line 2:"), "{text}");
        assert!(text.contains("nope"), "{text}");
        let err = render("a\nb\n{% if %}").unwrap_err();
        assert!(
            matches!(err, TemplateError::Template { line: Some(3), .. }),
            "{err}"
        );
    }

    #[test]
    fn failing_template_falls_back_to_builtin() {
        let t = UserTemplate::from_source("bad.md", "{% for %}");
        let (msg, err) =
            github_or_builtin(Some(&t), &report(), &RenderContext::default(), b"", true);
        assert!(err.is_some());
        assert!(msg.body.contains("Terraform plan"));
    }

    #[test]
    fn too_long_output_is_an_error() {
        let err = render("{% for i in range(10000) %}xxxxxxxx{% endfor %}").unwrap_err();
        assert!(matches!(err, TemplateError::TooLong { .. }), "{err}");
        // Stopped while writing, not after: this one would write 10 GB.
        let err = render(
            "{% for i in range(10000) %}{% for j in range(10000) %}x{% endfor %}{% endfor %}",
        )
        .unwrap_err();
        assert!(matches!(err, TemplateError::TooLong { .. }), "{err}");
    }

    #[test]
    fn endless_work_is_stopped() {
        let err = render(
            "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        )
        .unwrap_err();
        assert!(matches!(err, TemplateError::OutOfFuel { .. }), "{err}");
        assert!(err.to_string().contains("steps of work"), "{err}");
    }
}
