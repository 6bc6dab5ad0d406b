//! Pull-request labels that tell the plan's state at a glance. Failures here are warnings: a
//! label never stops the comment.

use serde::{Deserialize, Serialize};

use super::client::GithubClient;
use super::marker::LabelState;

/// One label: name, colour (hex, no `#`) and description. An empty name switches that label off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelSpec {
    pub name: String,
    pub color: String,
    #[serde(default)]
    pub description: String,
}

impl LabelSpec {
    fn new(name: &str, color: &str, description: &str) -> LabelSpec {
        LabelSpec {
            name: name.into(),
            color: color.into(),
            description: description.into(),
        }
    }
}

/// Which labels to use (names as tfnotify/tfcmt use them by default). Fields left out of a
/// config keep their defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct LabelConfig {
    /// Off switch for all labels.
    pub enabled: bool,
    pub add_or_update: LabelSpec,
    pub destroy: LabelSpec,
    pub no_changes: LabelSpec,
    pub error: LabelSpec,
}

impl Default for LabelConfig {
    fn default() -> Self {
        LabelConfig {
            enabled: true,
            add_or_update: LabelSpec::new(
                "add-or-update",
                "1d76db",
                "Terraform plan adds or updates resources",
            ),
            destroy: LabelSpec::new("destroy", "d93f0b", "Terraform plan destroys resources"),
            no_changes: LabelSpec::new("no-changes", "0e8a16", "Terraform plan changes nothing"),
            error: LabelSpec::new("error", "b60205", "Terraform plan failed"),
        }
    }
}

impl LabelConfig {
    fn spec(&self, state: LabelState) -> Option<&LabelSpec> {
        let spec = match state {
            LabelState::NoChanges => &self.no_changes,
            LabelState::AddOrUpdate => &self.add_or_update,
            LabelState::Destroy => &self.destroy,
            LabelState::Error => &self.error,
            LabelState::Applied => return None,
        };
        (!spec.name.trim().is_empty()).then_some(spec)
    }

    fn all(&self) -> impl Iterator<Item = &LabelSpec> {
        [
            &self.add_or_update,
            &self.destroy,
            &self.no_changes,
            &self.error,
        ]
        .into_iter()
        .filter(|s| !s.name.trim().is_empty())
    }
}

/// The one state a pull request shows when its targets differ: the most alarming one wins.
pub fn combined_state(states: impl IntoIterator<Item = LabelState>) -> Option<LabelState> {
    states
        .into_iter()
        .filter(|s| *s != LabelState::Applied)
        .max_by_key(|s| match s {
            LabelState::NoChanges => 0,
            LabelState::AddOrUpdate => 1,
            LabelState::Destroy => 2,
            LabelState::Error => 3,
            LabelState::Applied => 0,
        })
}

/// Puts the label of `state` on the pull request (created when missing, coloured as configured)
/// and removes the other labels of the set. Returns the labels of the set now on the pull
/// request, and warnings for whatever failed.
pub async fn apply(
    client: &GithubClient,
    pr: u64,
    config: &LabelConfig,
    state: Option<LabelState>,
    warnings: &mut Vec<String>,
) -> Vec<String> {
    if !config.enabled {
        return Vec::new();
    }
    let wanted = state.and_then(|s| config.spec(s));
    let current = match wanted {
        Some(spec) => match add(client, pr, spec).await {
            Ok(current) => Some(current),
            Err(err) => {
                warnings.push(format!("cannot add label {:?}: {err}", spec.name));
                None
            }
        },
        None => match client.labels_of(pr).await {
            Ok(current) => Some(current),
            Err(err) => {
                warnings.push(format!("cannot read the pull request's labels: {err}"));
                None
            }
        },
    };
    let Some(current) = current else {
        return Vec::new();
    };
    let mut on_pr = Vec::new();
    for spec in config.all() {
        let present = current
            .iter()
            .find(|l| l.name.eq_ignore_ascii_case(&spec.name));
        let Some(label) = present else { continue };
        if wanted.is_some_and(|w| w.name == spec.name) {
            let recolour = !spec.color.is_empty() && !label.color.eq_ignore_ascii_case(&spec.color);
            let redescribe = label.description.as_deref().unwrap_or("") != spec.description;
            if recolour || redescribe {
                // GitHub creates a label missing from the repository grey and without a
                // description when adding it; give it the configured ones.
                if let Err(err) = client
                    .update_label(&label.name, &spec.color, &spec.description)
                    .await
                {
                    warnings.push(format!(
                        "cannot set the colour and description of label {:?}: {err}",
                        spec.name
                    ));
                }
            }
            on_pr.push(label.name.clone());
        } else if let Err(err) = client.remove_label(pr, &label.name).await {
            warnings.push(format!("cannot remove stale label {:?}: {err}", spec.name));
            on_pr.push(label.name.clone());
        }
    }
    on_pr
}

async fn add(
    client: &GithubClient,
    pr: u64,
    spec: &LabelSpec,
) -> Result<Vec<super::client::Label>, super::GithubError> {
    let names = vec![spec.name.clone()];
    match client.add_labels(pr, &names).await {
        Ok(labels) => Ok(labels),
        // Where adding does not create a missing label (some Enterprise versions answer 422 or
        // 404), create it and add again.
        Err(err) if matches!(err.status(), Some(404) | Some(422)) => {
            client
                .create_label(&spec.name, &spec.color, &spec.description)
                .await?;
            client.add_labels(pr, &names).await
        }
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_most_alarming_state_wins() {
        use LabelState::*;
        assert_eq!(combined_state([NoChanges, AddOrUpdate]), Some(AddOrUpdate));
        assert_eq!(
            combined_state([Destroy, AddOrUpdate, NoChanges]),
            Some(Destroy)
        );
        assert_eq!(combined_state([Error, Destroy]), Some(Error));
        assert_eq!(combined_state([Applied]), None);
        assert_eq!(combined_state([]), None);
    }
}
