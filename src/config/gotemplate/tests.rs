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

fn data_map() -> std::collections::BTreeMap<&'static str, Value> {
    std::collections::BTreeMap::from([
        ("title", Value::from("## Plan for prod")),
        ("message", Value::from("by CI")),
        (
            "result",
            Value::from("Plan: 1 to add, 0 to change, 1 to destroy."),
        ),
        ("body", Value::from("  # aws_s3_bucket.a will be created")),
        ("link", Value::from("https://ci.example.com/build/1")),
        ("target", Value::from("envs/prod")),
        (
            "vars",
            Value::from_iter([("target", "prod"), ("with-dash", "d")]),
        ),
        ("has_destroy", Value::from(true)),
        ("has_error", Value::from(false)),
        ("created_resources", Value::from(vec!["aws_s3_bucket.a"])),
        ("updated_resources", Value::from(Vec::<String>::new())),
        ("deleted_resources", Value::from(vec!["aws_instance.old"])),
        ("replaced_resources", Value::from(Vec::<String>::new())),
        ("imported_resources", Value::from(Vec::<String>::new())),
        (
            "moved_resources",
            Value::from(vec![context! { before => "a.x", after => "a.y" }]),
        ),
        (
            "warnings",
            Value::from(vec![
                context! { summary => "Deprecated attribute", detail => "" },
            ]),
        ),
        (
            "errors",
            Value::from(vec![
                context! { summary => "Invalid reference", detail => "" },
            ]),
        ),
    ])
}

fn data() -> Value {
    Value::from_iter(data_map())
}

#[test]
fn fields_if_else_and_trimming() {
    let src = "{{ .Title }}\n{{- if .HasDestroy }}\n!{{ else }}\nok{{ end }} [{{ .Vars.target }}]";
    let out = translate(src, &raw()).unwrap();
    assert_eq!(
        out,
        "{{ (title or \"\") }}{% if has_destroy %}\n!{% else %}\nok{% endif %} [{{ vars.target }}]"
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
    assert_eq!(
        translate("é{{.Title}}ü", &raw()).unwrap(),
        "é{{ (title or \"\") }}ü"
    );
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
        rendered.starts_with("## Plan Result (prod)\n\n### :warning: Resource Deletion"),
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
    let out = translate(src, &raw()).unwrap();
    assert_eq!(render(&out, data()), "prod-prod");
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

#[test]
fn deletion_warning_only_when_something_is_destroyed() {
    // tfcmt's default plan template calls it unconditionally; the sub-template tests.
    let src = "{{template \"deletion_warning\" .}}|";
    let out = translate(src, &TranslateOptions::default()).unwrap();
    assert!(render(&out, data()).contains("Resource Deletion will happen"));
    let mut add_only = data_map();
    add_only.insert("has_destroy", Value::from(false));
    add_only.insert("deleted_resources", Value::from(Vec::<String>::new()));
    assert_eq!(render(&out, Value::from_iter(add_only)).trim(), "|");
}

#[test]
fn unset_title_and_message_print_nothing() {
    let mut ctx = data_map();
    ctx.insert("title", Value::from(()));
    ctx.insert("message", Value::from(()));
    let ctx = Value::from_iter(ctx);
    for opts in [raw(), TranslateOptions::default()] {
        let out = translate("[{{ .Title }}][{{ .Message }}]", &opts).unwrap();
        assert_eq!(render(&out, ctx.clone()), "[][]", "{out}");
    }
}

#[test]
fn sprig_functions_of_the_documented_examples() {
    for (src, want) in [
        (r#"{{ .Vars.target | trimPrefix "pr" }}"#, "od"),
        (r#"{{ trimPrefix "x" .Vars.target }}"#, "prod"),
        (r#"{{ .Vars.target | trimSuffix "od" }}"#, "pr"),
        (r#"{{ trimSuffix "" .Vars.target }}"#, "prod"),
        (
            r#"{{ if contains "1 to destroy" .Result }}yes{{ end }}"#,
            "yes",
        ),
        (r#"{{ replace "prod" "dev" .Vars.target }}"#, "dev"),
        (r#"{{ .Vars.target | upper }} {{ "A" | lower }}"#, "PROD a"),
        (r#"{{ .Vars.missing | default "none" }}"#, "none"),
        (r#"{{ default "none" .Vars.target }}"#, "prod"),
        (
            r#"{{ .Vars.target | quote }} {{ squote "a" }}"#,
            "\"prod\" 'a'",
        ),
        (
            r#"{{ .CreatedResources | toJson }}"#,
            "[\"aws_s3_bucket.a\"]",
        ),
        (r#"{{ "a\nb" | indent 2 }}"#, "  a\n  b"),
        (r#"x{{ "a\nb" | nindent 2 }}"#, "x\n  a\n  b"),
        (
            r#"{{ printf "%s has %d: %q %%" .Vars.target (len .CreatedResources) "x" }}"#,
            "prod has 1: \"x\" %",
        ),
        (r#"{{ range list "a" "b" }}{{ . }};{{ end }}"#, "a;b;"),
        (
            r#"{{ if has "prod" (list "dev" "prod") }}in{{ end }}"#,
            "in",
        ),
        (r#"{{ join ", " .DeletedResources }}"#, "aws_instance.old"),
        (
            r#"{{ ternary "d" "n" .HasDestroy }} {{ coalesce .Vars.missing "c" }}"#,
            "d c",
        ),
        (
            r#"{{ add 1 2 }} {{ sub 5 2 }} {{ len (splitList "/" "a/b/c") }}"#,
            "3 3 3",
        ),
        (
            r#"{{ title "hello" }} {{ trim "  x  " }} {{ substr 0 2 "abcd" }} {{ trunc 3 "abcdef" }}"#,
            "Hello x ab abc",
        ),
        (
            r#"{{ print "a" "b" }} {{ cat "a" "b" }} {{ repeat 3 "ab" }} {{ nospace "a b" }}"#,
            "ab a b ababab ab",
        ),
        (
            r#"{{ if hasKey .Vars "target" }}k{{ end }}{{ if empty .Vars.missing }}e{{ end }}"#,
            "ke",
        ),
    ] {
        let out = translate(src, &raw()).unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(render(&out, data()), want, "{src} -> {out}");
    }
}

#[test]
fn printf_is_checked_while_translating() {
    for (src, what) in [
        (r#"{{ printf "%s %s" "a" }}"#, "more verbs"),
        (r#"{{ printf "%s" "a" "b" }}"#, "fewer verbs"),
        (r#"{{ printf "%5.2f" 1 }}"#, "verb `%5`"),
        (r#"{{ printf .Title }}"#, "not a string literal"),
        (r#"{{ indent .Vars.n "a" }}"#, "not a number"),
        (
            r#"{{ regexReplaceAll "a" "b" "c" }}"#,
            "function `regexReplaceAll`",
        ),
    ] {
        let err = translate(src, &raw()).unwrap_err();
        assert!(err.what.contains(what), "{src}: {err}");
    }
}
