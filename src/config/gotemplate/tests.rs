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
    let src = "{{ .Title }}\n{{- if .HasDestroy }}\n!{{ else }}\nok{{ end }} [{{ .Vars.target }}]";
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
    let src = "{{/* a comment */}}{{ $t := .Vars.target }}{{ $t }}-{{ printf \"%s\" $t | print }}";
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
