//! Where tfpost runs: the CI platform, repository, pull request, commit and build link.
//!
//! Each platform is one small module with `fn detect(&Env) -> Option<CiContext>` (present or
//! not) and `fn read(&Env) -> CiContext` (read its variables, used when the platform is forced
//! by `--platform` or config). [`DETECTORS`] tries them in order; adding a platform is one
//! module and one line there.

mod azure_pipelines;
mod buildkite;
mod circleci;
mod cloud_build;
mod codebuild;
mod drone;
pub mod git_url;
mod github_actions;
mod gitlab_ci;
mod jenkins;
mod teamcity;
mod travis;

use std::fmt;
use std::str::FromStr;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::env::Env;

/// The CI context `tfpost ci` prints and notifiers use. Every field may be unknown (`null`):
/// a local run knows nothing, and some platforms expose little.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CiContext {
    /// The CI platform, or `null` outside CI.
    pub platform: Option<Platform>,
    /// Repository owner (GitHub user or organisation; GitLab namespace, which may hold `/`).
    pub owner: Option<String>,
    /// Repository name.
    pub repo: Option<String>,
    /// Pull (merge) request number, when this build is for one.
    pub pr: Option<u64>,
    /// Pull request URL, when the platform gives it.
    pub pr_url: Option<String>,
    /// Whether this build runs for a pull request (true even when its number is unknown).
    pub is_pr: bool,
    /// The commit the build ran on: for a pull request, its head commit where the platform
    /// tells it apart from a merge commit it made.
    pub sha: Option<String>,
    /// The branch built: for a pull request, its head (source) branch.
    pub branch: Option<String>,
    /// For a pull request, the branch it merges into, when known.
    pub base_branch: Option<String>,
    /// Link to the build (job) log.
    pub build_url: Option<String>,
    /// The platform's id of the build or job.
    pub build_id: Option<String>,
    /// Web base URL of the code host when the platform tells it (`https://github.com`,
    /// `https://github.example.com`, `https://gitlab.com`).
    pub server_url: Option<String>,
}

/// Fields that flags (`--owner`, `--repo`, `--pr`, `--sha`, `--branch`, `--build-url`) or the
/// config's `ci:` section force, whatever was detected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiOverrides {
    pub platform: Option<Platform>,
    pub owner: Option<String>,
    /// A repository name, or `owner/name` (which also sets the owner unless `owner` is given).
    pub repo: Option<String>,
    pub pr: Option<u64>,
    pub sha: Option<String>,
    pub branch: Option<String>,
    pub build_url: Option<String>,
}

impl CiOverrides {
    /// `self` with every field that `other` sets replaced by `other`'s (flags over config).
    pub fn merged_with(&self, other: &CiOverrides) -> CiOverrides {
        CiOverrides {
            platform: other.platform.or(self.platform),
            owner: other.owner.clone().or_else(|| self.owner.clone()),
            repo: other.repo.clone().or_else(|| self.repo.clone()),
            pr: other.pr.or(self.pr),
            sha: other.sha.clone().or_else(|| self.sha.clone()),
            branch: other.branch.clone().or_else(|| self.branch.clone()),
            build_url: other.build_url.clone().or_else(|| self.build_url.clone()),
        }
    }

    /// Whether nothing is overridden.
    pub fn is_empty(&self) -> bool {
        *self == CiOverrides::default()
    }
}

impl CiContext {
    /// The context with every field `overrides` sets replaced. A forced PR number makes the
    /// build a PR build; `repo: owner/name` sets both unless `owner` is also forced.
    pub fn with_overrides(mut self, overrides: &CiOverrides) -> Self {
        if let Some(platform) = overrides.platform {
            self.platform = Some(platform);
        }
        if let Some(repo) = &overrides.repo {
            match repo.rsplit_once('/') {
                Some((owner, name)) if !owner.is_empty() && !name.is_empty() => {
                    self.owner = Some(owner.to_string());
                    self.repo = Some(name.to_string());
                }
                _ => self.repo = Some(repo.clone()),
            }
        }
        if let Some(owner) = &overrides.owner {
            self.owner = Some(owner.clone());
        }
        if let Some(pr) = overrides.pr {
            if self.pr != Some(pr) {
                // A URL detected for another PR would now be wrong.
                self.pr_url = None;
            }
            self.pr = Some(pr);
            self.is_pr = true;
        }
        if let Some(sha) = &overrides.sha {
            self.sha = Some(sha.clone());
        }
        if let Some(branch) = &overrides.branch {
            self.branch = Some(branch.clone());
        }
        if let Some(url) = &overrides.build_url {
            self.build_url = Some(url.clone());
        }
        self
    }

    /// `owner/repo`, when both are known.
    pub fn repository(&self) -> Option<String> {
        Some(format!(
            "{}/{}",
            self.owner.as_deref()?,
            self.repo.as_deref()?
        ))
    }
}

/// The CI platforms tfpost recognises from their variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    #[serde(alias = "github-actions", alias = "github")]
    GithubActions,
    #[serde(alias = "circle-ci", alias = "circle")]
    Circleci,
    #[serde(alias = "gitlab-ci", alias = "gitlab")]
    GitlabCi,
    #[serde(alias = "aws_codebuild", alias = "aws-codebuild", alias = "code-build")]
    Codebuild,
    #[serde(
        alias = "cloud-build",
        alias = "cloudbuild",
        alias = "google_cloud_build",
        alias = "google-cloud-build"
    )]
    CloudBuild,
    Jenkins,
    #[serde(alias = "travis", alias = "travisci", alias = "travis-ci")]
    TravisCi,
    Drone,
    Teamcity,
    Buildkite,
    #[serde(alias = "azure-pipelines", alias = "azure", alias = "azure_devops")]
    AzurePipelines,
}

impl Platform {
    /// Every platform, in detection order.
    pub const ALL: [Platform; 11] = [
        Platform::GithubActions,
        Platform::Circleci,
        Platform::GitlabCi,
        Platform::Codebuild,
        Platform::Jenkins,
        Platform::CloudBuild,
        Platform::TravisCi,
        Platform::Drone,
        Platform::Teamcity,
        Platform::Buildkite,
        Platform::AzurePipelines,
    ];

    /// The name used in JSON and config (`github_actions`).
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::GithubActions => "github_actions",
            Platform::Circleci => "circleci",
            Platform::GitlabCi => "gitlab_ci",
            Platform::Codebuild => "codebuild",
            Platform::CloudBuild => "cloud_build",
            Platform::Jenkins => "jenkins",
            Platform::TravisCi => "travis_ci",
            Platform::Drone => "drone",
            Platform::Teamcity => "teamcity",
            Platform::Buildkite => "buildkite",
            Platform::AzurePipelines => "azure_pipelines",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A platform name that tfpost does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown CI platform `{0}`; known: github_actions, circleci, gitlab_ci, codebuild, cloud_build, jenkins, travis_ci, drone, teamcity, buildkite, azure_pipelines"
)]
pub struct UnknownPlatform(pub String);

impl FromStr for Platform {
    type Err = UnknownPlatform;

    /// Accepts the JSON names and the spellings tfcmt, tfnotify and the platforms use
    /// (`github-actions`, `travis`, `cloudbuild`, `CircleCI`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalised = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        serde_json::from_value(serde_json::Value::String(normalised))
            .map_err(|_| UnknownPlatform(s.to_string()))
    }
}

type Detector = fn(&Env) -> Option<CiContext>;
type Reader = fn(&Env) -> CiContext;

/// The platforms tried in order by [`detect`]. Jenkins comes before Cloud Build because both
/// set `BUILD_ID`; everything specific comes before the generic.
const DETECTORS: &[(Platform, Detector, Reader)] = &[
    (
        Platform::GithubActions,
        github_actions::detect,
        github_actions::read,
    ),
    (Platform::Circleci, circleci::detect, circleci::read),
    (Platform::GitlabCi, gitlab_ci::detect, gitlab_ci::read),
    (Platform::Codebuild, codebuild::detect, codebuild::read),
    (Platform::Jenkins, jenkins::detect, jenkins::read),
    (Platform::CloudBuild, cloud_build::detect, cloud_build::read),
    (Platform::TravisCi, travis::detect, travis::read),
    (Platform::Drone, drone::detect, drone::read),
    (Platform::Teamcity, teamcity::detect, teamcity::read),
    (Platform::Buildkite, buildkite::detect, buildkite::read),
    (
        Platform::AzurePipelines,
        azure_pipelines::detect,
        azure_pipelines::read,
    ),
];

/// The CI context of the first platform whose variables are present, or an empty context
/// (`platform: null`) outside CI.
pub fn detect(env: &Env) -> CiContext {
    DETECTORS
        .iter()
        .find_map(|(_, detect, _)| detect(env))
        .unwrap_or_default()
}

/// The CI context read as `platform` documents its variables, without checking that tfpost
/// runs there (for `--platform` / config `ci.platform`, when a runner hides its marker).
pub fn read_platform(platform: Platform, env: &Env) -> CiContext {
    DETECTORS
        .iter()
        .find(|(p, _, _)| *p == platform)
        .map(|(_, _, read)| read(env))
        .unwrap_or_default()
}

/// Detection as the user asked: the forced platform when `overrides.platform` is set, else the
/// first detected; then the overrides on top.
pub fn resolve(env: &Env, overrides: &CiOverrides) -> CiContext {
    let detected = match overrides.platform {
        Some(platform) => read_platform(platform, env),
        None => detect(env),
    };
    detected.with_overrides(overrides)
}

/// Parses a pull request number as platforms write it (`42`, `#42`); `None` for `false`,
/// empty or anything else.
pub(crate) fn parse_pr_number(value: &str) -> Option<u64> {
    let v = value.trim().trim_start_matches('#');
    v.parse::<u64>().ok().filter(|n| *n > 0)
}

/// The number at the end of a pull/merge request URL
/// (`https://github.com/o/r/pull/42`, `.../-/merge_requests/7`, `.../pull-requests/3/overview`).
pub(crate) fn pr_number_from_url(url: &str) -> Option<u64> {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    segments.iter().enumerate().rev().find_map(|(i, seg)| {
        let is_pr_marker = matches!(
            *seg,
            "pull" | "pulls" | "merge_requests" | "pull-requests" | "pullrequest"
        );
        if is_pr_marker {
            segments.get(i + 1).and_then(|n| parse_pr_number(n))
        } else {
            None
        }
    })
}

/// Sets `owner`/`repo`/`server_url` from a git remote URL when they are not already known.
pub(crate) fn fill_from_git_url(ctx: &mut CiContext, url: Option<&str>) {
    let Some(parsed) = url.and_then(git_url::parse) else {
        return;
    };
    if ctx.owner.is_none() && ctx.repo.is_none() {
        ctx.owner = Some(parsed.owner);
        ctx.repo = Some(parsed.repo);
    }
    if ctx.server_url.is_none() {
        ctx.server_url = parsed.web_base;
    }
}

/// Splits `owner/name` (GitHub's `GITHUB_REPOSITORY`, Travis's slug...). The owner keeps any
/// inner `/` (GitLab subgroups).
pub(crate) fn split_slug(slug: &str) -> Option<(String, String)> {
    let slug = slug.trim().trim_matches('/');
    let (owner, name) = slug.rsplit_once('/')?;
    (!owner.is_empty() && !name.is_empty()).then(|| (owner.to_string(), name.to_string()))
}

pub(crate) fn owned(v: Option<&str>) -> Option<String> {
    v.map(|s| s.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_detected_outside_ci() {
        let ctx = detect(&Env::new());
        assert_eq!(ctx, CiContext::default());
        let json = serde_json::to_value(&ctx).unwrap();
        assert_eq!(json["platform"], serde_json::Value::Null);
        assert_eq!(json["pr"], serde_json::Value::Null);
        assert_eq!(json["is_pr"], false);
    }

    #[test]
    fn overrides_replace_every_field() {
        let ctx = CiContext {
            platform: Some(Platform::Circleci),
            owner: Some("a".into()),
            repo: Some("b".into()),
            pr: Some(1),
            pr_url: Some("https://github.com/a/b/pull/1".into()),
            is_pr: true,
            sha: Some("111".into()),
            branch: Some("x".into()),
            build_url: Some("https://ci/1".into()),
            ..CiContext::default()
        };
        let o = CiOverrides {
            platform: Some(Platform::Jenkins),
            owner: None,
            repo: Some("acme/infra".into()),
            pr: Some(42),
            sha: Some("abc".into()),
            branch: Some("main".into()),
            build_url: Some("https://ci/2".into()),
        };
        let got = ctx.with_overrides(&o);
        assert_eq!(got.platform, Some(Platform::Jenkins));
        assert_eq!(got.repository().as_deref(), Some("acme/infra"));
        assert_eq!(got.pr, Some(42));
        assert_eq!(got.pr_url, None, "the detected PR URL is for another PR");
        assert_eq!(got.sha.as_deref(), Some("abc"));
        assert_eq!(got.branch.as_deref(), Some("main"));
        assert_eq!(got.build_url.as_deref(), Some("https://ci/2"));
    }

    #[test]
    fn owner_override_wins_over_slug_owner() {
        let o = CiOverrides {
            owner: Some("me".into()),
            repo: Some("acme/infra".into()),
            ..CiOverrides::default()
        };
        let got = CiContext::default().with_overrides(&o);
        assert_eq!(got.repository().as_deref(), Some("me/infra"));
    }

    #[test]
    fn forced_pr_makes_a_pr_build() {
        let o = CiOverrides {
            pr: Some(3),
            ..CiOverrides::default()
        };
        let got = CiContext::default().with_overrides(&o);
        assert!(got.is_pr);
    }

    #[test]
    fn platform_names_from_other_tools() {
        for (name, p) in [
            ("github-actions", Platform::GithubActions),
            ("CircleCI", Platform::Circleci),
            ("gitlab-ci", Platform::GitlabCi),
            ("codebuild", Platform::Codebuild),
            ("cloudbuild", Platform::CloudBuild),
            ("cloud-build", Platform::CloudBuild),
            ("travis", Platform::TravisCi),
            ("azure-pipelines", Platform::AzurePipelines),
            ("teamcity", Platform::Teamcity),
        ] {
            assert_eq!(name.parse::<Platform>(), Ok(p), "{name}");
        }
        assert!("bamboo".parse::<Platform>().is_err());
        for p in Platform::ALL {
            assert_eq!(p.as_str().parse::<Platform>(), Ok(p));
        }
    }

    #[test]
    fn every_platform_has_a_detector() {
        for p in Platform::ALL {
            assert!(DETECTORS.iter().any(|(d, _, _)| *d == p), "{p}");
        }
        assert_eq!(DETECTORS.len(), Platform::ALL.len());
    }

    #[test]
    fn every_platform_module_is_in_the_detector_table() {
        // A module written but not registered would never be tried.
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ci");
        let table = include_str!("mod.rs");
        let table = &table[table.find("const DETECTORS").expect("table")..];
        let table = &table[..table.find("];").expect("end of table")];
        for entry in std::fs::read_dir(dir).expect("src/ci") {
            let path = entry.expect("entry").path();
            let stem = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default();
            // Not platforms: the table itself and the remote-URL parser platforms share.
            if matches!(stem, "mod" | "git_url") {
                continue;
            }
            assert!(
                table.contains(&format!("{stem}::detect"))
                    && table.contains(&format!("{stem}::read")),
                "src/ci/{stem}.rs is not in ci::DETECTORS"
            );
        }
    }

    #[test]
    fn pr_numbers_from_urls() {
        assert_eq!(
            pr_number_from_url("https://github.com/acme/infra/pull/42"),
            Some(42)
        );
        assert_eq!(
            pr_number_from_url("https://gitlab.com/g/s/p/-/merge_requests/7/"),
            Some(7)
        );
        assert_eq!(
            pr_number_from_url("https://bitbucket.org/o/r/pull-requests/3/overview"),
            Some(3)
        );
        assert_eq!(pr_number_from_url("https://github.com/acme/infra"), None);
        assert_eq!(parse_pr_number("false"), None);
        assert_eq!(parse_pr_number("#12"), Some(12));
    }
}
