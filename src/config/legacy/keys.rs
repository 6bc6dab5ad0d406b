//! Every key tfcmt and tfnotify document, and what tfpost does with it: read it, or say why it
//! is ignored. A key in neither list is named in a warning as unknown, so nothing in a config is
//! dropped without a word.

use serde_yaml_ng::Value;

use super::super::ConfigFormat;

/// What tfpost does with one key.
pub(super) enum Handling {
    /// Read into the config (a scalar, or a mapping read as a whole).
    Read,
    /// A mapping whose keys are checked against these.
    Map(&'static [Key]),
    /// A mapping of the user's own names (`templates:`, `vars:`), each read.
    Names,
    /// Not used by tfpost, for this reason (said in the warning).
    Ignored(&'static str),
}

pub(super) struct Key {
    pub name: &'static str,
    pub handling: Handling,
}

const fn read(name: &'static str) -> Key {
    Key {
        name,
        handling: Handling::Read,
    }
}

const fn map(name: &'static str, keys: &'static [Key]) -> Key {
    Key {
        name,
        handling: Handling::Map(keys),
    }
}

const fn ignored(name: &'static str, why: &'static str) -> Key {
    Key {
        name,
        handling: Handling::Ignored(why),
    }
}

const REPOSITORY: &[Key] = &[read("owner"), read("name")];

const LABEL_KEYS: &[Key] = &[read("label"), read("label_color"), read("disable_label")];

const WHEN_DESTROY: &[Key] = &[
    read("label"),
    read("label_color"),
    read("disable_label"),
    read("template"),
];

const WHEN_NO_CHANGES: &[Key] = &[
    read("label"),
    read("label_color"),
    read("disable_label"),
    read("disable_comment"),
];

const TEMPLATE_ONLY: &[Key] = &[read("template")];

const PLAN: &[Key] = &[
    read("template"),
    map("when_add_or_update_only", LABEL_KEYS),
    map("when_destroy", WHEN_DESTROY),
    map("when_no_changes", WHEN_NO_CHANGES),
    map("when_plan_error", LABEL_KEYS),
    map("when_parse_error", TEMPLATE_ONLY),
    read("disable_label"),
    ignored(
        "ignore_warning",
        "tfpost always shows Terraform's warnings in the comment",
    ),
];

const APPLY: &[Key] = &[
    read("template"),
    map("when_parse_error", TEMPLATE_ONLY),
    map("when_no_changes", &[read("disable_comment")]),
];

const TERRAFORM: &[Key] = &[
    map("default", TEMPLATE_ONLY),
    map("plan", PLAN),
    map("apply", APPLY),
    read("use_raw_output"),
    ignored(
        "fmt",
        "`tfpost fmt` posts its built-in message for `terraform fmt`",
    ),
    ignored(
        "validate",
        "tfpost does not post `terraform validate` results",
    ),
];

const GITHUB: &[Key] = &[
    read("token"),
    read("base_url"),
    map("repository", REPOSITORY),
];

const GITLAB: &[Key] = &[
    read("token"),
    read("base_url"),
    map("repository", REPOSITORY),
];

const SLACK: &[Key] = &[
    read("token"),
    read("channel"),
    ignored(
        "bot",
        "the bot's name and icon are those of the Slack app whose token tfpost uses",
    ),
];

const NOTIFIER: &[Key] = &[
    map("github", GITHUB),
    map("gitlab", GITLAB),
    map("slack", SLACK),
    ignored("typetalk", "tfpost does not post to Typetalk"),
];

/// tfcmt's `ci:` mapping: each value a list of `{type, value}` definitions.
const CI: &[Key] = &[
    read("pr"),
    read("owner"),
    read("repo"),
    read("sha"),
    read("link"),
    Key {
        name: "vars",
        handling: Handling::Names,
    },
];

/// The top level of either tool's config.
pub(super) const TOP: &[Key] = &[
    read("ci"),
    map("notifier", NOTIFIER),
    map("terraform", TERRAFORM),
    map("repository", REPOSITORY),
    read("repo_owner"),
    read("repo_name"),
    read("embedded_var_names"),
    Key {
        name: "templates",
        handling: Handling::Names,
    },
    Key {
        name: "vars",
        handling: Handling::Names,
    },
    read("ghe_base_url"),
    ignored(
        "ghe_graphql_endpoint",
        "tfpost derives the GraphQL endpoint from the REST one (`ghe_base_url`)",
    ),
    read("plan_patch"),
    ignored("log", "tfpost's own messages are set with `-q` / `-v`"),
    ignored(
        "complement",
        "tfpost reads the CI platform's variables itself; set `TFCMT_REPO_OWNER`, `TFCMT_PR_NUMBER` ... or `ci:` for others",
    ),
];

/// The keys of `root` that tfpost does not read, each as its dotted path and the reason.
pub(super) fn unread(root: &Value, format: ConfigFormat) -> Vec<(String, String)> {
    let mut out = Vec::new();
    walk(root, TOP, "", format, &mut out);
    out
}

fn walk(
    value: &Value,
    keys: &[Key],
    prefix: &str,
    format: ConfigFormat,
    out: &mut Vec<(String, String)>,
) {
    let Value::Mapping(mapping) = value else {
        return;
    };
    for (name, child) in mapping {
        let name = match name {
            Value::String(s) => s.clone(),
            other => serde_yaml_ng::to_string(other)
                .unwrap_or_default()
                .trim()
                .to_string(),
        };
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match keys.iter().find(|k| k.name == name).map(|k| &k.handling) {
            None => out.push((
                path.clone(),
                format!("`{path}` is not a {format} key tfpost knows; ignored"),
            )),
            Some(Handling::Ignored(why)) => out.push((
                path.clone(),
                format!("`{path}` is not used by tfpost: {why}; ignored"),
            )),
            // `ci:` is a platform name (tfnotify) or a mapping (tfcmt): check the mapping.
            Some(Handling::Read) if path == "ci" => walk(child, CI, &path, format, out),
            Some(Handling::Map(inner)) => walk(child, inner, &path, format, out),
            Some(Handling::Read | Handling::Names) => {}
        }
    }
}
