//! The tfcmt and tfnotify configs of `tests/data/migrate/`: every key either changes the
//! config tfpost reads or is named in a warning.

use std::path::Path;

use serde_yaml_ng::Value;

use super::*;
use crate::env::Env;
use crate::notify::When;

fn env() -> Env {
    [
        ("GHE_URL", "https://ghe.example.com"),
        ("GITHUB_TOKEN", "ghp_x"),
        ("GITLAB_TOKEN", "glpat_x"),
        ("SLACK_TOKEN", "xoxb-x"),
        ("SLACK_CHANNEL_ID", "C1"),
        ("SLACK_BOT_NAME", "bot"),
        ("TYPETALK_TOKEN", "t"),
        ("TYPETALK_TOPIC_ID", "1"),
        ("MY_PR", "7"),
        ("MY_SHA", "abc"),
        ("MY_LINK", "https://ci.example.com/1"),
        ("MY_OWNER", "acme-from-ci"),
        ("MY_REPO", "infra-from-ci"),
        ("MY_TEAM", "platform"),
    ]
    .into_iter()
    .collect()
}

fn data(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/migrate")
            .join(name),
    )
    .expect("test data")
}

fn parse_as(text: &str, format: ConfigFormat) -> (Config, Vec<ConfigWarning>) {
    parse(text, Path::new("cfg.yaml"), format, &env()).expect("parses")
}

/// Dotted paths of every leaf key (a scalar, a list, or a mapping of the user's names' items).
fn leaves(value: &Value, prefix: &str, out: &mut Vec<String>) {
    let Value::Mapping(m) = value else {
        out.push(prefix.to_string());
        return;
    };
    for (k, v) in m {
        let k = k.as_str().unwrap_or_default();
        let path = if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        };
        leaves(v, &path, out);
    }
}

fn without(value: &Value, path: &[&str]) -> Value {
    let mut value = value.clone();
    let (last, parents) = path.split_last().expect("a path");
    let mut at = &mut value;
    for p in parents {
        at = at.get_mut(*p).expect("parent");
    }
    if let Value::Mapping(m) = at {
        m.remove(*last);
    }
    value
}

fn every_key_matters(name: &str, format: ConfigFormat) {
    let text = data(name);
    let (full, warnings) = parse_as(&text, format);
    let said: Vec<String> = warnings.iter().map(|w| w.message.clone()).collect();
    let root: Value = serde_yaml_ng::from_str(&text).unwrap();
    let mut paths = Vec::new();
    leaves(&root, "", &mut paths);
    assert!(paths.len() >= 5, "{paths:?}");
    for path in paths {
        let segments: Vec<&str> = path.split('.').collect();
        let warned = (1..=segments.len()).any(|n| {
            let prefix = segments[..n].join(".");
            said.iter().any(|w| w.contains(&format!("`{prefix}`")))
        });
        let reduced = serde_yaml_ng::to_string(&without(&root, &segments)).unwrap();
        let (config, _) = parse_as(&reduced, format);
        assert!(
            warned || config != full,
            "{name}: `{path}` neither changes the config nor is warned about; warnings: {said:#?}"
        );
    }
}

#[test]
fn every_tfcmt_key_is_read_or_warned_about() {
    every_key_matters("tfcmt-every-key.yaml", ConfigFormat::Tfcmt);
    every_key_matters("tfcmt-ci-definitions.yaml", ConfigFormat::Tfcmt);
}

#[test]
fn every_tfnotify_key_is_read_or_warned_about() {
    every_key_matters("tfnotify-every-key.yaml", ConfigFormat::Tfnotify);
    every_key_matters("tfnotify-default-template.yaml", ConfigFormat::Tfnotify);
}

#[test]
fn unknown_and_ignored_keys_are_named_with_their_line() {
    let text = "ci: gitlabci\nslack:\n  channel: C1\nconsolidated: true\nterraform:\n  plan:\n    ignore_warning: true\n    colour: red\n";
    let (config, warnings) = parse_as(text, ConfigFormat::Tfnotify);
    assert_eq!(config.ci.platform, Some(Platform::GitlabCi));
    let said: Vec<String> = warnings.iter().map(ToString::to_string).collect();
    assert_eq!(said.len(), 4, "{said:#?}");
    assert!(
        said[0].starts_with("cfg.yaml:2: `slack` is not a tfnotify key tfpost knows"),
        "{said:#?}"
    );
    assert!(
        said[1].starts_with("cfg.yaml:4: `consolidated` is not a tfnotify key"),
        "{said:#?}"
    );
    assert!(
        said[2].starts_with("cfg.yaml:7: `terraform.plan.ignore_warning` is not used by tfpost"),
        "{said:#?}"
    );
    assert!(
        said[3].starts_with("cfg.yaml:8: `terraform.plan.colour` is not a tfnotify key"),
        "{said:#?}"
    );
}

#[test]
fn tfnotify_gitlab_notifier() {
    let (config, _) = parse_as(&data("tfnotify-every-key.yaml"), ConfigFormat::Tfnotify);
    assert!(
        config
            .notify
            .as_ref()
            .unwrap()
            .contains(&notify::gitlab::ID)
    );
    assert_eq!(config.gitlab.project.as_deref(), Some("acme/infra"));
    assert_eq!(
        config.gitlab.api_url.as_deref(),
        Some("https://gitlab.example.com/api/v4")
    );
    assert_eq!(
        config.gitlab.token.as_ref().map(Secret::expose),
        Some("glpat_x")
    );
    assert!(!config.gitlab.comment_on_no_changes);
    assert_eq!(config.gitlab.labels, config.github.labels);
}

#[test]
fn tfcmt_ci_definitions_and_no_change_comments() {
    let (config, _) = parse_as(&data("tfcmt-ci-definitions.yaml"), ConfigFormat::Tfcmt);
    assert_eq!(config.ci.owner.as_deref(), Some("acme-from-ci"));
    assert_eq!(config.ci.repo.as_deref(), Some("infra-from-ci"));
    assert_eq!(config.ci.pr, Some(PrNumber::Text("7".into())));
    assert_eq!(config.ci.sha.as_deref(), Some("abc"));
    assert_eq!(
        config.ci.build_url.as_deref(),
        Some("https://ci.example.com/1")
    );
    assert_eq!(
        config.vars.get("team").map(String::as_str),
        Some("platform")
    );
    let (config, _) = parse_as(&data("tfcmt-every-key.yaml"), ConfigFormat::Tfcmt);
    assert_eq!(config.ci.owner.as_deref(), Some("acme"));
    assert_eq!(
        config.github.api_url.as_deref(),
        Some("https://ghe.example.com/api/v3")
    );
    assert!(!config.github.comment_on_no_changes);
    assert!(!config.github.comment_on_unchanged_apply);
    assert_eq!(When::comments(false, false), vec![When::Changes]);
}

#[test]
fn tfnotify_destroy_warning_heads_the_plan_comment() {
    let (config, _) = parse_as(&data("tfnotify-every-key.yaml"), ConfigFormat::Tfnotify);
    let destroy = config.templates.plan_destroy.as_deref().unwrap();
    let plan = config.templates.plan.as_deref().unwrap();
    let warning_at = destroy.find("Deletion ahead").unwrap();
    let plan_at = destroy.find("[CI link]").unwrap();
    assert!(warning_at < plan_at, "{destroy}");
    let mut env = minijinja::Environment::new();
    env.add_filter("html_escape", |s: String| s);
    let ctx = minijinja::context! {
        title => (), message => "by CI", result => "Plan: 0 to add, 0 to change, 1 to destroy.",
        link => "L", vars => minijinja::context! { team => "t" },
    };
    let rendered = env.render_str(destroy, &ctx).unwrap();
    assert!(
        rendered.starts_with("## :warning: Deletion ahead :warning:\n## :warning: Resource Deletion will happen :warning:: Plan: 0 to add"),
        "{rendered}"
    );
    assert!(
        rendered.contains("\n## Plan result <sup>[CI link]( L )</sup>\nby CI\n"),
        "{rendered}"
    );
    let plain = env.render_str(plan, &ctx).unwrap();
    assert!(plain.starts_with("## Plan result <sup>"), "{plain}");
    assert!(!plain.contains("Deletion"), "{plain}");
}

#[test]
fn tfcmt_config_without_keys_posts_to_github() {
    let (config, warnings) = parse_as("# nothing yet\n", ConfigFormat::Tfcmt);
    assert_eq!(config.notify, Some(vec![notify::github::ID]));
    assert!(warnings.is_empty());
}
