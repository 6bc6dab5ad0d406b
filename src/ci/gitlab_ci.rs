//! GitLab CI: `GITLAB_CI=true`. Merge request pipelines set `CI_MERGE_REQUEST_IID` (the number
//! shown in the UI; `CI_MERGE_REQUEST_ID` is instance-wide); pipelines for GitHub pull requests
//! (CI/CD for external repositories) set `CI_EXTERNAL_PULL_REQUEST_IID`.

use super::{CiContext, Platform, owned, parse_pr_number, split_slug};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    env.is_true("GITLAB_CI").then(|| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let mut ctx = CiContext {
        platform: Some(Platform::GitlabCi),
        owner: owned(env.get("CI_PROJECT_NAMESPACE")),
        repo: owned(env.get("CI_PROJECT_NAME")),
        build_url: owned(env.get("CI_JOB_URL").or_else(|| env.get("CI_PIPELINE_URL"))),
        build_id: owned(env.get("CI_JOB_ID").or_else(|| env.get("CI_PIPELINE_ID"))),
        server_url: owned(env.get("CI_SERVER_URL")),
        ..CiContext::default()
    };
    if let Some((owner, repo)) = env.get("CI_PROJECT_PATH").and_then(split_slug) {
        ctx.owner = Some(owner);
        ctx.repo = Some(repo);
    }
    let mr = env.get("CI_MERGE_REQUEST_IID").and_then(parse_pr_number);
    let external = env
        .get("CI_EXTERNAL_PULL_REQUEST_IID")
        .and_then(parse_pr_number);
    ctx.pr = mr.or(external);
    ctx.is_pr = ctx.pr.is_some();
    // In merged-results pipelines CI_COMMIT_SHA is GitLab's merge commit; the source branch's
    // head is CI_MERGE_REQUEST_SOURCE_BRANCH_SHA (empty otherwise).
    ctx.sha = owned(
        env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")
            .or_else(|| env.get("CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_SHA"))
            .or_else(|| env.get("CI_COMMIT_SHA")),
    );
    ctx.branch = owned(
        env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
            .or_else(|| env.get("CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME"))
            .or_else(|| env.get("CI_COMMIT_BRANCH"))
            .or_else(|| env.get("CI_COMMIT_REF_NAME")),
    );
    ctx.base_branch = owned(
        env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
            .or_else(|| env.get("CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME")),
    );
    if let (Some(n), Some(project_url)) = (
        mr,
        env.get("CI_MERGE_REQUEST_PROJECT_URL")
            .or_else(|| env.get("CI_PROJECT_URL")),
    ) {
        ctx.pr_url = Some(format!(
            "{}/-/merge_requests/{n}",
            project_url.trim_end_matches('/')
        ));
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::detect as detect_any;

    #[test]
    fn merge_request_pipeline_in_a_subgroup() {
        let env: Env = [
            ("CI", "true"),
            ("GITLAB_CI", "true"),
            ("CI_SERVER_URL", "https://gitlab.example.com"),
            ("CI_PROJECT_PATH", "platform/terraform/infra"),
            ("CI_PROJECT_NAMESPACE", "platform/terraform"),
            ("CI_PROJECT_NAME", "infra"),
            (
                "CI_PROJECT_URL",
                "https://gitlab.example.com/platform/terraform/infra",
            ),
            ("CI_MERGE_REQUEST_IID", "17"),
            ("CI_MERGE_REQUEST_ID", "90210"),
            (
                "CI_MERGE_REQUEST_PROJECT_URL",
                "https://gitlab.example.com/platform/terraform/infra",
            ),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "feature/x"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", ""),
            ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
            ("CI_COMMIT_SHA", "1ecfd275763eff1d6b4844ea3168962458c9f27a"),
            ("CI_COMMIT_REF_NAME", "feature/x"),
            ("CI_JOB_ID", "4242"),
            (
                "CI_JOB_URL",
                "https://gitlab.example.com/platform/terraform/infra/-/jobs/4242",
            ),
            (
                "CI_PIPELINE_URL",
                "https://gitlab.example.com/platform/terraform/infra/-/pipelines/99",
            ),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::GitlabCi));
        assert_eq!(ctx.owner.as_deref(), Some("platform/terraform"));
        assert_eq!(ctx.repo.as_deref(), Some("infra"));
        assert_eq!(ctx.pr, Some(17));
        assert!(ctx.is_pr);
        assert_eq!(
            ctx.sha.as_deref(),
            Some("1ecfd275763eff1d6b4844ea3168962458c9f27a")
        );
        assert_eq!(ctx.branch.as_deref(), Some("feature/x"));
        assert_eq!(ctx.base_branch.as_deref(), Some("main"));
        assert_eq!(
            ctx.pr_url.as_deref(),
            Some("https://gitlab.example.com/platform/terraform/infra/-/merge_requests/17")
        );
        assert_eq!(
            ctx.build_url.as_deref(),
            Some("https://gitlab.example.com/platform/terraform/infra/-/jobs/4242")
        );
    }

    #[test]
    fn merged_results_pipeline_uses_the_source_sha() {
        let env: Env = [
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_PATH", "g/p"),
            ("CI_MERGE_REQUEST_IID", "3"),
            ("CI_MERGE_REQUEST_SOURCE_BRANCH_SHA", "head-sha"),
            ("CI_COMMIT_SHA", "merge-sha"),
        ]
        .into_iter()
        .collect();
        assert_eq!(detect_any(&env).sha.as_deref(), Some("head-sha"));
    }

    #[test]
    fn branch_pipeline() {
        let env: Env = [
            ("GITLAB_CI", "true"),
            ("CI_PROJECT_PATH", "g/p"),
            ("CI_COMMIT_SHA", "abc"),
            ("CI_COMMIT_BRANCH", "main"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.pr, None);
        assert_eq!(ctx.branch.as_deref(), Some("main"));
        assert_eq!(ctx.repository().as_deref(), Some("g/p"));
    }
}
