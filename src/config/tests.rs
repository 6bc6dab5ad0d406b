use std::fs;

use super::*;
use crate::ci::Platform;
use crate::notify::{self, When};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(&p, text).unwrap();
    p
}

fn env(vars: &[(&str, &str)]) -> Env {
    vars.iter().copied().collect()
}

const FULL: &str = r#"# every key of tfpost.yaml
notify: [github, slack]
ci:
  platform: jenkins
  owner: acme
  repo: infra
  pr: $PR_NUMBER
  sha: ${GIT_SHA}
  build_url: https://ci.example.com/${BUILD}
title: "Plan for ${TF_ENV:-dev}"
message: hello
vars:
  target: envs/prod
ignore_notify_errors: true
github:
  api_url: https://ghe.example.com/api/v3
  token: $MY_TOKEN
  patch: true
  overflow: split
  comment_on_no_changes: false
  labels:
    enabled: true
    destroy: {name: "danger", color: "ff0000"}
  embedded_var_names: [target]
slack:
  when: [destroy, error]
  channel: C0123
  channels: {apply: C999}
  mention: {group: S0123}
mask:
  env: [MY_TOKEN]
  patterns: ['AKIA[0-9A-Z]{16}']
templates:
  plan: "{{ title }} $NOT_EXPANDED"
"#;

#[test]
fn full_tfpost_config_with_expansion() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tfpost.yaml", FULL);
    let e = env(&[
        ("PR_NUMBER", "42"),
        ("GIT_SHA", "abc"),
        ("BUILD", "7"),
        ("MY_TOKEN", "ghp_secretsecret"),
    ]);
    let loaded = load(Some(&path), dir.path(), &e).unwrap();
    let c = &loaded.config;
    assert_eq!(loaded.format, Some(ConfigFormat::Tfpost));
    assert_eq!(c.notify, Some(vec![notify::github::ID, notify::slack::ID]));
    let o = c.ci_overrides().unwrap();
    assert_eq!(o.platform, Some(Platform::Jenkins));
    assert_eq!(o.pr, Some(42));
    assert_eq!(o.sha.as_deref(), Some("abc"));
    assert_eq!(o.build_url.as_deref(), Some("https://ci.example.com/7"));
    assert_eq!(c.title.as_deref(), Some("Plan for dev"));
    assert_eq!(
        c.github.token.as_ref().map(Secret::expose),
        Some("ghp_secretsecret")
    );
    assert_eq!(c.github.overflow, Overflow::Split);
    assert!(!c.github.comment_on_no_changes);
    assert_eq!(c.github.labels.destroy.name, "danger");
    // Unset labels keep their defaults: tfcmt's names, prefixed with the target when set.
    let no_changes = &c.github.labels.no_changes.name;
    let label = |target: &str| {
        minijinja::Environment::new()
            .render_str(
                no_changes,
                minijinja::context! { vars => minijinja::context! { target } },
            )
            .unwrap()
    };
    assert_eq!(label(""), "no-changes");
    assert_eq!(label("envs/prod"), "envs/prod/no-changes");
    assert_eq!(c.slack.when, vec![When::Destroy, When::Error]);
    assert_eq!(
        c.slack.mention.as_ref().map(|m| m.when.clone()),
        Some(vec![When::Destroy, When::Error])
    );
    assert_eq!(
        c.templates.plan.as_deref(),
        Some("{{ title }} $NOT_EXPANDED")
    );
}

#[test]
fn show_masks_secrets_and_masked_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tfpost.yaml", FULL);
    let e = env(&[
        ("MY_TOKEN", "ghp_secretsecret"),
        (
            "SLACK_WEBHOOK_URL",
            "https://hooks.slack.com/services/T/B/x",
        ),
    ]);
    let mut loaded = load(Some(&path), dir.path(), &e).unwrap();
    let debug = format!("{:?}", loaded.config);
    assert!(
        debug.contains("***") && !debug.contains("ghp_secretsecret"),
        "{debug}"
    );
    loaded.config.vars.insert(
        "leak".into(),
        "key AKIAABCDEFGHIJKLMNOP and ghp_secretsecret".into(),
    );
    let shown = loaded.config.to_masked_yaml(&e);
    assert!(!shown.contains("ghp_secretsecret"), "{shown}");
    assert!(!shown.contains("hooks.slack.com"), "{shown}");
    assert!(!shown.contains("AKIAABCDEFGHIJKLMNOP"), "{shown}");
    assert!(
        shown.contains("token: '***'") || shown.contains("token: \"***\""),
        "{shown}"
    );
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tfpost.yaml",
        "github:\n  patch: true\n  lables:\n    enabled: false\n",
    );
    let err = load(Some(&path), dir.path(), &Env::new()).unwrap_err();
    let msg = err.to_string();
    assert!(msg.starts_with(&format!("{}:3:", path.display())), "{msg}");
    assert!(msg.contains("key `github.lables`"), "{msg}");
    assert!(
        msg.contains(": unknown field `lables`, expected one of `api_url`"),
        "{msg}"
    );
    assert!(
        !msg.contains("github: unknown"),
        "the key is said once: {msg}"
    );
}

#[test]
fn wrong_type_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tfpost.yaml",
        "slack:\n  when: [always, sometimes]\n",
    );
    let msg = load(Some(&path), dir.path(), &Env::new())
        .unwrap_err()
        .to_string();
    assert!(msg.contains(":2:"), "{msg}");
    assert!(msg.contains("key `slack.when`"), "{msg}");
    assert!(msg.contains("sometimes"), "{msg}");
}

#[test]
fn invalid_values_are_named() {
    let dir = tempfile::tempdir().unwrap();
    for (text, key, line) in [
        ("title: x\nci:\n  pr: $PR\n", "ci.pr", 3),
        (
            "github:\n  labels:\n    destroy: {color: red}\n",
            "github.labels.destroy.color",
            3,
        ),
        ("mask:\n  patterns: ['(']\n", "mask.patterns[0]", 2),
    ] {
        let path = write(dir.path(), "tfpost.yaml", text);
        let msg = load(Some(&path), dir.path(), &env(&[("PR", "abc")]))
            .unwrap_err()
            .to_string();
        assert!(msg.contains(&format!("key `{key}`")), "{text}: {msg}");
        assert!(
            msg.contains(&format!("tfpost.yaml:{line}: ")),
            "{text}: {msg}"
        );
    }
}

#[test]
fn yaml_syntax_error_has_a_location() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tfpost.yaml", "title: [unclosed\nmessage: x\n");
    let msg = load(Some(&path), dir.path(), &Env::new())
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with(&format!("{}:", path.display())), "{msg}");
    assert!(msg.contains(":2:") || msg.contains(":1:"), "{msg}");
}

#[test]
fn missing_explicit_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = load(Some(Path::new("nope.yaml")), dir.path(), &Env::new()).unwrap_err();
    assert!(matches!(err, ConfigError::Read { .. }));
    assert!(err.to_string().contains("nope.yaml"));
}

#[test]
fn empty_file_is_the_default_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tfpost.yaml", "# nothing yet\n");
    let loaded = load(Some(&path), dir.path(), &Env::new()).unwrap();
    assert_eq!(loaded.config, Config::default());
}

#[test]
fn lookup_walks_up_to_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    fs::create_dir_all(repo.join(".git")).unwrap();
    let deep = repo.join("envs/prod");
    fs::create_dir_all(&deep).unwrap();
    // Above the repository root: never read.
    write(dir.path(), "tfpost.yaml", "title: outside\n");
    assert_eq!(find(&deep), None);

    write(&repo, ".tfpost.yml", "title: root\n");
    assert_eq!(
        find(&deep),
        Some((repo.join(".tfpost.yml"), ConfigFormat::Tfpost))
    );
    let loaded = load(None, &deep, &Env::new()).unwrap();
    assert_eq!(loaded.config.title.as_deref(), Some("root"));

    // A tfcmt config nearer does not beat a tfpost config further up.
    write(&deep, "tfcmt.yaml", "terraform: {}\n");
    assert_eq!(find(&deep).map(|f| f.1), Some(ConfigFormat::Tfpost));
    fs::remove_file(repo.join(".tfpost.yml")).unwrap();
    assert_eq!(
        find(&deep),
        Some((deep.join("tfcmt.yaml"), ConfigFormat::Tfcmt))
    );
    write(&repo, "tfnotify.yaml", "ci: circleci\n");
    assert_eq!(find(&deep).map(|f| f.1), Some(ConfigFormat::Tfcmt));
    fs::remove_file(deep.join("tfcmt.yaml")).unwrap();
    assert_eq!(
        find(&deep),
        Some((repo.join("tfnotify.yaml"), ConfigFormat::Tfnotify))
    );
}

#[test]
fn lookup_outside_a_repository_reads_only_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("sub");
    fs::create_dir_all(&sub).unwrap();
    write(dir.path(), "tfpost.yaml", "title: parent\n");
    assert_eq!(find(&sub), None);
    write(&sub, "tfpost.yaml", "title: here\n");
    assert!(find(&sub).is_some());
}

#[test]
fn environment_fills_what_the_file_leaves_unset() {
    let e = env(&[
        ("GITHUB_TOKEN", "plain"),
        ("TFPOST_GITHUB_TOKEN", "preferred"),
        ("GITHUB_API_URL", "https://ghe.example.com/api/v3"),
        ("SLACK_BOT_TOKEN", "xoxb-1"),
        ("SLACK_CHANNEL", "C1"),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let c = load(None, dir.path(), &e).unwrap().config;
    assert_eq!(
        c.github.token.as_ref().map(Secret::expose),
        Some("preferred")
    );
    assert_eq!(
        c.github.api_url.as_deref(),
        Some("https://ghe.example.com/api/v3")
    );
    assert_eq!(c.slack.token.as_ref().map(Secret::expose), Some("xoxb-1"));
    assert_eq!(c.slack.channel.as_deref(), Some("C1"));

    let path = write(dir.path(), "tfpost.yaml", "slack:\n  channel: C2\n");
    let c = load(Some(&path), dir.path(), &e).unwrap().config;
    assert_eq!(c.slack.channel.as_deref(), Some("C2"));
}

#[test]
fn schema_describes_the_config() {
    let schema = json_schema();
    let props = &schema["properties"];
    for key in [
        "notify",
        "ci",
        "title",
        "message",
        "vars",
        "ignore_notify_errors",
        "github",
        "slack",
        "mask",
        "templates",
    ] {
        assert!(props.get(key).is_some(), "{key} missing from the schema");
    }
    assert_eq!(
        schema["additionalProperties"],
        serde_json::Value::Bool(false)
    );
    let text = schema.to_string();
    assert!(text.contains("add_or_update"));
    assert!(text.contains("\"split\""));
}

// --- tfcmt / tfnotify -------------------------------------------------------------------

/// The shape of tfnotify's README example (circleci, GitHub notifier with repository).
const TFNOTIFY_GITHUB: &str = r#"ci: circleci
notifier:
  github:
    token: $GITHUB_TOKEN
    repository:
      owner: "acme"
      name: "infra"
terraform:
  fmt:
    template: |
      {{ .Title }}
  plan:
    template: |
      {{ .Title }} <sup>[CI link]( {{ .Link }} )</sup>
      {{ .Message }}
      {{if .Result}}
      <pre><code>{{ .Result }}
      </pre></code>
      {{end}}
      <details><summary>Details (Click me)</summary>

      <pre><code>{{ .Body }}
      </pre></code></details>
    when_destroy:
      label: "destroy"
      template: |
        ## :warning: Deletion ahead :warning:
        {{ .Message }}
  apply:
    template: |
      {{ .Title }}
      {{ .Message }}
      {{if .Result}}
      <pre><code>{{ .Result }}
      </pre></code>
      {{end}}
"#;

#[test]
fn tfnotify_github_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tfnotify.yaml", TFNOTIFY_GITHUB);
    let loaded = load(Some(&path), dir.path(), &env(&[("GITHUB_TOKEN", "ghs_x")])).unwrap();
    assert_eq!(loaded.path.as_deref(), Some(path.as_path()));
    assert_eq!(loaded.format, Some(ConfigFormat::Tfnotify));
    let c = &loaded.config;
    assert_eq!(c.notify, Some(vec![notify::github::ID]));
    let o = c.ci_overrides().unwrap();
    assert_eq!(o.platform, Some(Platform::Circleci));
    assert_eq!(o.owner.as_deref(), Some("acme"));
    assert_eq!(o.repo.as_deref(), Some("infra"));
    assert_eq!(c.github.token.as_ref().map(Secret::expose), Some("ghs_x"));
    let plan = c.templates.plan.as_deref().unwrap();
    assert!(
        plan.starts_with(
            "{% with title = title or \"## Plan result\" %}{{ (title or \"\") }} <sup>[CI link]( {{ link | html_escape }} )</sup>\n"
        ),
        "{plan}"
    );
    assert!(plan.contains("{% if result %}"), "{plan}");
    assert!(
        plan.contains("<pre><code>{{ body | html_escape }}"),
        "{plan}"
    );
    assert!(
        c.templates
            .plan_destroy
            .as_deref()
            .unwrap()
            .contains("Deletion ahead")
    );
    assert!(c.templates.apply.is_some());
    assert_eq!(c.github.labels.destroy.name, "destroy");
    // `terraform.fmt` is reported, with its line.
    assert_eq!(loaded.warnings.len(), 1, "{:?}", loaded.warnings);
    assert_eq!(loaded.warnings[0].line, Some(9));
    assert!(loaded.warnings[0].to_string().contains("terraform.fmt"));
}

#[test]
fn tfnotify_slack_config_with_raw_output() {
    let text = r#"ci: travis
notifier:
  slack:
    token: $SLACK_TOKEN
    channel: $SLACK_CHANNEL_ID
    bot: $SLACK_BOT_NAME
terraform:
  use_raw_output: true
  plan:
    template: |
      {{ .Message }}
      {{if .Result}}
      `{{ .Result }}`
      {{end}}
      ```
      {{ .Body }}
      ```
"#;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "ci/notify.yaml", text);
    let e = env(&[("SLACK_TOKEN", "xoxb-123"), ("SLACK_CHANNEL_ID", "C42")]);
    let loaded = load(Some(&path), dir.path(), &e).unwrap();
    assert_eq!(
        loaded.format,
        Some(ConfigFormat::Tfnotify),
        "sniffed from `notifier:`"
    );
    let c = &loaded.config;
    assert_eq!(c.notify, Some(vec![notify::slack::ID]));
    assert_eq!(c.ci.platform, Some(Platform::TravisCi));
    assert_eq!(c.slack.token.as_ref().map(Secret::expose), Some("xoxb-123"));
    assert_eq!(c.slack.channel.as_deref(), Some("C42"));
    assert_eq!(
        c.templates.plan.as_deref(),
        Some(
            "{% with title = title or \"## Plan result\" %}{{ (message or \"\") }}\n{% if result %}\n`{{ result }}`\n{% endif %}\n```\n{{ body }}\n```\n{% endwith %}"
        )
    );
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("`notifier.slack.bot`"))
    );
}

/// tfcmt's documented style: built-in sub-templates, labels with colours, user `templates:`.
const TFCMT: &str = r##"---
embedded_var_names: [target]
repo_owner: acme
repo_name: infra
ghe_base_url: https://ghe.example.com/
plan_patch: true
templates:
  title_apply: '{{if eq .ExitCode 0}}{{template "apply_title" .}}{{else}}## :x: Apply failed ({{.Vars.target}}){{end}}'
  changes: |
    {{if .ChangedResult}}
    <details><summary>Changes</summary>
    {{wrapCode .ChangedResult}}
    </details>
    {{end}}
terraform:
  plan:
    disable_label: false
    template: |
      {{template "plan_title" .}}

      {{if .Link}}[CI link]({{.Link}}){{end}}

      {{if .HasDestroy}}{{template "deletion_warning" .}}{{end}}
      {{template "result" .}}
      {{template "updated_resources" .}}
      {{template "changes" .}}
      {{template "warning" .}}
      {{template "error_messages" .}}
    when_add_or_update_only:
      label: "{{.Vars.target}}/add-or-update"
      label_color: 1d76db
    when_destroy:
      label: "{{.Vars.target}}/destroy"
      label_color: "#d93f0b"
    when_no_changes:
      label: "{{.Vars.target}}/no-changes"
      disable_comment: true
    when_plan_error:
      label: "{{.Vars.target}}/error"
    when_parse_error:
      template: |
        {{template "plan_title" .}}
        It could not be parsed.
        {{wrapCode .CombinedOutput}}
  apply:
    template: |
      {{template "title_apply" .}}

      {{if ne .ExitCode 0}}@{{.Vars.owner}} please look.{{end}}
      {{template "result" .}}
      <details><summary>Details</summary>
      {{wrapCode .CombinedOutput}}
      </details>
"##;

#[test]
fn tfcmt_config_translates_and_renders() {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir_all(dir.path().join(".git")).unwrap();
    let path = write(dir.path(), "tfcmt.yaml", TFCMT);
    let sub = dir.path().join("envs/prod");
    fs::create_dir_all(&sub).unwrap();
    let loaded = load(Some(&path), &sub, &Env::new()).unwrap();
    assert_eq!(loaded.format, Some(ConfigFormat::Tfcmt));
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let c = &loaded.config;
    assert_eq!(c.notify, Some(vec![notify::github::ID]));
    assert_eq!(c.ci.owner.as_deref(), Some("acme"));
    assert_eq!(
        c.github.api_url.as_deref(),
        Some("https://ghe.example.com/api/v3")
    );
    assert!(c.github.patch);
    assert!(!c.github.comment_on_no_changes);
    assert_eq!(c.github.embedded_var_names, vec!["target".to_string()]);
    assert_eq!(c.github.labels.destroy.name, "{{ vars.target }}/destroy");
    assert_eq!(c.github.labels.destroy.color, "d93f0b");

    let mut env = minijinja::Environment::new();
    env.add_filter("code_block", |s: String| format!("\n```hcl\n{s}\n```\n"));
    env.add_filter("html_escape", |s: String| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    });
    let ctx = minijinja::context! {
        result => "Plan: 1 to add, 0 to change, 0 to destroy.",
        body => "+ resource \"null_resource\" \"a\" {}",
        link => "https://ci.example.com/1?a=1&b=2",
        vars => minijinja::context! { target => "prod", owner => "oncall" },
        has_destroy => false,
        has_error => false,
        created_resources => vec!["null_resource.a"],
        updated_resources => Vec::<String>::new(),
        deleted_resources => Vec::<String>::new(),
        replaced_resources => Vec::<String>::new(),
        imported_resources => Vec::<String>::new(),
        moved_resources => Vec::<String>::new(),
        warnings => Vec::<String>::new(),
        errors => Vec::<String>::new(),
    };
    let plan = env
        .render_str(c.templates.plan.as_deref().unwrap(), &ctx)
        .unwrap();
    assert!(
        plan.starts_with(
            "## Plan Result (prod)\n\n[CI link](https://ci.example.com/1?a=1&amp;b=2)"
        ),
        "{plan}"
    );
    assert!(
        plan.contains("<pre><code>Plan: 1 to add, 0 to change, 0 to destroy.</code></pre>"),
        "{plan}"
    );
    assert!(plan.contains("* Create\n  * null_resource.a"), "{plan}");
    assert!(
        plan.contains("<details><summary>Changes</summary>\n\n```hcl\n+ resource"),
        "{plan}"
    );
    assert!(!plan.contains("Deletion"), "{plan}");

    let apply = env
        .render_str(c.templates.apply.as_deref().unwrap(), &ctx)
        .unwrap();
    assert!(
        apply.starts_with("## :white_check_mark: Apply Result (prod)"),
        "{apply}"
    );
    assert!(!apply.contains("@oncall"), "{apply}");
    let failed = minijinja::context! { has_error => true, ..ctx.clone() };
    let apply = env
        .render_str(c.templates.apply.as_deref().unwrap(), &failed)
        .unwrap();
    assert!(apply.starts_with("## :x: Apply failed (prod)"), "{apply}");
    assert!(apply.contains("@oncall please look."), "{apply}");

    let parse_failure = c.templates.parse_failure.as_deref().unwrap();
    assert!(
        env.render_str(parse_failure, &ctx)
            .unwrap()
            .contains("could not be parsed")
    );
}

#[test]
fn untranslatable_template_warns_with_the_file_line_and_falls_back() {
    let text = "terraform:\n  plan:\n    template: |\n      ## Plan\n      {{ .Result }}\n      {{ .Stderr | trunc 100 }}\n  apply:\n    template: '{{ with .Result }}{{ . }}{{ end }}'\n";
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tfcmt.yml", text);
    let loaded = load(Some(&path), dir.path(), &Env::new()).unwrap();
    assert_eq!(loaded.config.templates.plan, None);
    assert_eq!(loaded.config.templates.apply, None);
    let w: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(w.len(), 2, "{w:?}");
    assert!(
        w[0].starts_with(&format!(
            "{}:6: unsupported in tfcmt template `terraform.plan.template`",
            path.display()
        )),
        "{w:?}"
    );
    assert!(w[0].contains("`.Stderr`"), "{w:?}");
    assert!(
        w[0].ends_with("the built-in template is used instead"),
        "{w:?}"
    );
    assert!(w[1].starts_with(&format!("{}:8:", path.display())), "{w:?}");
    assert!(w[1].contains("`with`"), "{w:?}");
}

#[test]
fn legacy_unknown_keys_warn_but_load() {
    let text = "ci: circleci\nsomething_new: 1\nlog:\n  level: debug\nterraform:\n  plan:\n    template: '{{ .Result }}'\n";
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "tfcmt.yaml", text);
    let loaded = load(Some(&path), dir.path(), &Env::new()).unwrap();
    let w: Vec<String> = loaded.warnings.iter().map(ToString::to_string).collect();
    assert!(
        w.iter()
            .any(|w| w.contains(":2:") && w.contains("something_new")),
        "{w:?}"
    );
    assert!(
        w.iter().any(|w| w.contains(":3:") && w.contains("`log`")),
        "{w:?}"
    );
    assert_eq!(
        loaded.config.templates.plan.as_deref(),
        Some("{{ result | html_escape }}")
    );
}

#[test]
fn legacy_wrong_types_are_errors_with_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tfcmt.yaml",
        "terraform:\n  use_raw_output: 3\n",
    );
    let msg = load(Some(&path), dir.path(), &Env::new())
        .unwrap_err()
        .to_string();
    assert!(msg.contains(":2"), "{msg}");
    assert!(msg.contains("key `terraform.use_raw_output`"), "{msg}");
}

#[test]
fn one_or_many_values() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "tfpost.yaml",
        "notify: slack\nslack:\n  when: destroy\n  mention: {group: S1, when: error}\n",
    );
    let c = load(Some(&path), dir.path(), &Env::new()).unwrap().config;
    assert_eq!(c.notify, Some(vec![notify::slack::ID]));
    assert_eq!(c.slack.when, vec![When::Destroy]);
    assert_eq!(c.slack.mention.unwrap().when, vec![When::Error]);
    let path = write(dir.path(), "tfpost.yaml", "slack:\n  when: sometimes\n");
    let msg = load(Some(&path), dir.path(), &Env::new())
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("key `slack.when`") && msg.contains("unknown variant `sometimes`"),
        "{msg}"
    );
}
