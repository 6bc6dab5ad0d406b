//! Google Cloud Build. Cloud Build sets no environment variables of its own: its
//! substitutions (`$BUILD_ID`, `$PROJECT_ID`, `$COMMIT_SHA`, `$REPO_NAME`, `$_PR_NUMBER`...)
//! reach a step only through its `env:` list, under the same names. tfpost reads them there,
//! and recognises Cloud Build by `PROJECT_ID` or `PROJECT_NUMBER` together with `BUILD_ID`.

use super::{CiContext, Platform, fill_from_git_url, owned, parse_pr_number, split_slug};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    let project = env.get("PROJECT_ID").or_else(|| env.get("PROJECT_NUMBER"));
    (project.is_some() && env.get("BUILD_ID").is_some()).then(|| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let mut ctx = CiContext {
        platform: Some(Platform::CloudBuild),
        sha: owned(env.get("COMMIT_SHA")),
        branch: owned(
            env.get("_HEAD_BRANCH")
                .or_else(|| env.get("BRANCH_NAME"))
                .or_else(|| env.get("REF_NAME")),
        ),
        base_branch: owned(env.get("_BASE_BRANCH")),
        build_id: owned(env.get("BUILD_ID")),
        pr: env.get("_PR_NUMBER").and_then(parse_pr_number),
        ..CiContext::default()
    };
    ctx.is_pr = ctx.pr.is_some() || env.get("_HEAD_REPO_URL").is_some();
    // REPO_FULL_NAME (owner/repo) names the base repository; _HEAD_REPO_URL is the PR's head
    // repository, which is a fork's for PRs from forks, so it only fills in what is missing.
    if let Some((owner, repo)) = env.get("REPO_FULL_NAME").and_then(split_slug) {
        ctx.owner = Some(owner);
        ctx.repo = Some(repo);
    }
    fill_from_git_url(&mut ctx, env.get("_HEAD_REPO_URL"));
    if ctx.repo.is_none() {
        ctx.repo = owned(env.get("REPO_NAME"));
    }
    if let (Some(n), Some(web), Some(owner), Some(repo)) =
        (ctx.pr, &ctx.server_url, &ctx.owner, &ctx.repo)
    {
        ctx.pr_url = Some(format!("{web}/{owner}/{repo}/pull/{n}"));
    }
    if let (Some(build), Some(project)) = (env.get("BUILD_ID"), env.get("PROJECT_ID")) {
        ctx.build_url = Some(match env.get("LOCATION").filter(|l| *l != "global") {
            Some(region) => format!(
                "https://console.cloud.google.com/cloud-build/builds;region={region}/{build}?project={project}"
            ),
            None => format!(
                "https://console.cloud.google.com/cloud-build/builds/{build}?project={project}"
            ),
        });
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::detect as detect_any;

    #[test]
    fn pull_request_trigger_with_substitutions_in_env() {
        let env: Env = [
            ("BUILD_ID", "a1b2c3d4-0000-1111-2222-333344445555"),
            ("PROJECT_ID", "acme-infra"),
            ("PROJECT_NUMBER", "123456789012"),
            ("LOCATION", "europe-west1"),
            ("COMMIT_SHA", "6dcb09b5b57875f334f61aebed695e2e4193db5e"),
            ("REPO_NAME", "infra"),
            ("REPO_FULL_NAME", "acme/infra"),
            ("_PR_NUMBER", "42"),
            ("_HEAD_BRANCH", "feature/x"),
            ("_BASE_BRANCH", "main"),
            ("_HEAD_REPO_URL", "https://github.com/acme/infra"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::CloudBuild));
        assert_eq!(ctx.repository().as_deref(), Some("acme/infra"));
        assert_eq!(ctx.pr, Some(42));
        assert!(ctx.is_pr);
        assert_eq!(
            ctx.sha.as_deref(),
            Some("6dcb09b5b57875f334f61aebed695e2e4193db5e")
        );
        assert_eq!(ctx.branch.as_deref(), Some("feature/x"));
        assert_eq!(
            ctx.pr_url.as_deref(),
            Some("https://github.com/acme/infra/pull/42")
        );
        assert_eq!(
            ctx.build_url.as_deref(),
            Some(
                "https://console.cloud.google.com/cloud-build/builds;region=europe-west1/a1b2c3d4-0000-1111-2222-333344445555?project=acme-infra"
            )
        );
    }

    #[test]
    fn fork_pr_keeps_the_base_repository() {
        let env: Env = [
            ("BUILD_ID", "b"),
            ("PROJECT_ID", "p"),
            ("REPO_FULL_NAME", "acme/infra"),
            ("_PR_NUMBER", "5"),
            ("_HEAD_REPO_URL", "https://github.com/contributor/infra"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.repository().as_deref(), Some("acme/infra"));
        assert_eq!(
            ctx.build_url.as_deref(),
            Some("https://console.cloud.google.com/cloud-build/builds/b?project=p")
        );
    }

    #[test]
    fn older_triggers_without_full_name_use_the_head_url() {
        let env: Env = [
            ("BUILD_ID", "b"),
            ("PROJECT_ID", "p"),
            ("REPO_NAME", "infra"),
            ("BRANCH_NAME", "main"),
            ("COMMIT_SHA", "abc"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.owner, None);
        assert_eq!(ctx.repo.as_deref(), Some("infra"));
        assert!(!ctx.is_pr);
    }
}
