//! A pull request's Terraform roots at a glance: the state of each root's latest comment, as
//! `tfpost summary` reads it and renders it as one message.
//!
//! Plain data, filled either from the per-root comments' markers (the fan-in job shares no files
//! with the per-root jobs) or from saved models (`tfpost parse` output).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::{Action, Kind, Outcome, Report};

/// What a root's latest run came to, in the order the summary lists them: most urgent first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RootResult {
    /// Terraform reported an error.
    Failed,
    /// A plan that destroys or replaces something.
    Destroys,
    /// A plan with other changes.
    Changes,
    /// An apply that completed.
    Applied,
    /// A plan that changes nothing.
    NoChanges,
}

impl RootResult {
    /// The result of a parsed run.
    pub fn of(report: &Report) -> RootResult {
        match report.result {
            Outcome::Error => RootResult::Failed,
            Outcome::Applied => RootResult::Applied,
            Outcome::NoChanges => RootResult::NoChanges,
            Outcome::Changes if report.has_destructive_changes() => RootResult::Destroys,
            Outcome::Changes => RootResult::Changes,
        }
    }

    /// The emoji and words the summary shows for it (the per-root comments use the same).
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            RootResult::Failed => ("❌", "failed"),
            RootResult::Destroys => ("⚠️", "destroys resources"),
            RootResult::Changes => ("📝", "changes"),
            RootResult::Applied => ("✅", "applied"),
            RootResult::NoChanges => ("✅", "no changes"),
        }
    }
}

/// Resource counts by action; actions with no resources are left out.
pub type ActionCounts = BTreeMap<Action, u64>;

/// One root's line in the summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RootStatus {
    /// The root's key: its directory relative to the repository root, plus the workspace.
    pub target: String,
    pub kind: Kind,
    pub result: RootResult,
    pub counts: ActionCounts,
    /// Where the root's own comment is, when known.
    pub link: Option<String>,
    /// The commit the root's comment was made for.
    pub sha: Option<String>,
    /// True when that commit is not the one the summary is made for: the root was not planned
    /// again after the latest push.
    pub stale: bool,
}

impl RootStatus {
    /// The status a parsed run gives `target`.
    pub fn of_report(target: &str, report: &Report) -> RootStatus {
        RootStatus {
            target: target.to_string(),
            kind: report.kind,
            result: RootResult::of(report),
            counts: counts_of(report),
            link: None,
            sha: None,
            stale: false,
        }
    }
}

/// The status of `target` from a saved run: the JSON model `tfpost parse` prints, or the
/// plan or apply text itself (as tee'd to a file).
pub fn status_of_saved(target: &str, saved: &[u8]) -> Result<RootStatus, String> {
    let looks_json = saved
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{');
    let report: Report = if looks_json {
        serde_json::from_slice(saved)
            .map_err(|err| format!("not a tfpost model (`tfpost parse` output): {err}"))?
    } else {
        crate::parse::parse(saved, crate::parse::ParseOptions::default()).map_err(|err| {
            format!("not a Terraform plan or apply output tfpost understands: {err}")
        })?
    };
    Ok(RootStatus::of_report(target, &report))
}

/// The non-zero counts of `counts`, given in [`Action::ALL`] order.
pub fn counts_in_order(counts: &[u64; 8]) -> ActionCounts {
    Action::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(action, n)| (*action, *n))
        .collect()
}

/// The non-zero resource counts of a report.
pub fn counts_of(report: &Report) -> ActionCounts {
    report
        .action_counts()
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(action, n)| (action, n as u64))
        .collect()
}

/// The roots in the summary's order: by result (failed, destroys, changes, applied, no changes),
/// then by path. One status per target and kind: a later one for the same pair replaces an
/// earlier one.
pub fn ordered(statuses: impl IntoIterator<Item = RootStatus>) -> Vec<RootStatus> {
    let mut by_key: BTreeMap<(String, bool), RootStatus> = BTreeMap::new();
    for status in statuses {
        by_key.insert((status.target.clone(), status.kind == Kind::Apply), status);
    }
    let mut rows: Vec<RootStatus> = by_key.into_values().collect();
    rows.sort_by(|a, b| {
        a.result
            .cmp(&b.result)
            .then_with(|| a.target.cmp(&b.target))
    });
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(target: &str, result: RootResult) -> RootStatus {
        RootStatus {
            target: target.into(),
            kind: Kind::Plan,
            result,
            counts: ActionCounts::new(),
            link: None,
            sha: None,
            stale: false,
        }
    }

    #[test]
    fn saved_runs_are_read_as_model_json_or_as_text() {
        let text = "Terraform will perform the following actions:\n\n  # null_resource.a will be destroyed\n  - resource \"null_resource\" \"a\" {\n      - id = \"1\" -> null\n    }\n\nPlan: 0 to add, 0 to change, 1 to destroy.\n";
        let from_text = status_of_saved("envs/a", text.as_bytes()).unwrap();
        assert_eq!(from_text.result, RootResult::Destroys);
        assert_eq!(from_text.counts.get(&Action::Delete), Some(&1));
        let report = crate::parse::parse(text.as_bytes(), Default::default()).unwrap();
        let json = serde_json::to_vec_pretty(&report).unwrap();
        assert_eq!(status_of_saved("envs/a", &json).unwrap(), from_text);
        let err = status_of_saved("envs/a", b"{\"schema\": 1}").unwrap_err();
        assert!(err.starts_with("not a tfpost model"), "{err}");
    }

    #[test]
    fn urgent_roots_first_then_by_path_and_the_latest_status_wins() {
        let rows = ordered([
            status("b", RootResult::NoChanges),
            status("a", RootResult::NoChanges),
            status("z", RootResult::Failed),
            status("c", RootResult::Changes),
            status("d", RootResult::Destroys),
            status("b", RootResult::Destroys),
        ]);
        let order: Vec<(&str, RootResult)> =
            rows.iter().map(|r| (r.target.as_str(), r.result)).collect();
        assert_eq!(
            order,
            [
                ("z", RootResult::Failed),
                ("b", RootResult::Destroys),
                ("d", RootResult::Destroys),
                ("c", RootResult::Changes),
                ("a", RootResult::NoChanges),
            ]
        );
    }
}
