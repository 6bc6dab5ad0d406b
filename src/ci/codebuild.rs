//! AWS CodeBuild: `CODEBUILD_BUILD_ID` (`project:uuid`). Webhook builds of pull requests have
//! `CODEBUILD_WEBHOOK_TRIGGER=pr/N` (and `CODEBUILD_SOURCE_VERSION=pr/N`); the commit built is
//! `CODEBUILD_RESOLVED_SOURCE_VERSION`. CodeBuild gives no build URL variable except for public
//! builds, so the console URL is made from the region and the build id.

use super::{CiContext, Platform, fill_from_git_url, owned, parse_pr_number};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    env.get("CODEBUILD_BUILD_ID").map(|_| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let mut ctx = CiContext {
        platform: Some(Platform::Codebuild),
        sha: owned(env.get("CODEBUILD_RESOLVED_SOURCE_VERSION")),
        build_id: owned(env.get("CODEBUILD_BUILD_ID")),
        ..CiContext::default()
    };
    fill_from_git_url(&mut ctx, env.get("CODEBUILD_SOURCE_REPO_URL"));
    let trigger_pr = |name: &str| {
        env.get(name)
            .and_then(|v| v.strip_prefix("pr/"))
            .and_then(parse_pr_number)
    };
    ctx.pr =
        trigger_pr("CODEBUILD_WEBHOOK_TRIGGER").or_else(|| trigger_pr("CODEBUILD_SOURCE_VERSION"));
    ctx.is_pr = ctx.pr.is_some()
        || env
            .get("CODEBUILD_WEBHOOK_EVENT")
            .is_some_and(|e| e.starts_with("PULL_REQUEST"));
    ctx.branch = env
        .get("CODEBUILD_WEBHOOK_HEAD_REF")
        .map(|r| r.trim_start_matches("refs/heads/").to_string())
        .or_else(|| {
            env.get("CODEBUILD_WEBHOOK_TRIGGER")
                .and_then(|t| t.strip_prefix("branch/"))
                .map(str::to_string)
        });
    ctx.base_branch = env
        .get("CODEBUILD_WEBHOOK_BASE_REF")
        .map(|r| r.trim_start_matches("refs/heads/").to_string());
    if let (Some(n), Some(web), Some(owner), Some(repo)) =
        (ctx.pr, &ctx.server_url, &ctx.owner, &ctx.repo)
    {
        ctx.pr_url = Some(format!("{web}/{owner}/{repo}/pull/{n}"));
    }
    ctx.build_url = owned(env.get("CODEBUILD_PUBLIC_BUILD_URL")).or_else(|| console_url(env));
    ctx
}

/// `https://REGION.console.aws.amazon.com/codesuite/codebuild/projects/PROJECT/build/PROJECT%3AUUID/?region=REGION`
fn console_url(env: &Env) -> Option<String> {
    let build_id = env.get("CODEBUILD_BUILD_ID")?;
    let (project, _) = build_id.split_once(':')?;
    // The build ARN is arn:aws:codebuild:REGION:ACCOUNT:build/PROJECT:UUID.
    let arn_region = env
        .get("CODEBUILD_BUILD_ARN")
        .and_then(|arn| arn.split(':').nth(3))
        .filter(|r| !r.is_empty());
    let region = env
        .get("AWS_REGION")
        .or_else(|| env.get("AWS_DEFAULT_REGION"))
        .or(arn_region)?;
    Some(format!(
        "https://{region}.console.aws.amazon.com/codesuite/codebuild/projects/{project}/build/{}/?region={region}",
        build_id.replace(':', "%3A")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::detect as detect_any;

    #[test]
    fn pull_request_webhook_build() {
        let env: Env = [
            ("CODEBUILD_BUILD_ID", "infra-plan:0a1b2c3d-4e5f-6789-abcd-ef0123456789"),
            (
                "CODEBUILD_BUILD_ARN",
                "arn:aws:codebuild:eu-west-1:123456789012:build/infra-plan:0a1b2c3d-4e5f-6789-abcd-ef0123456789",
            ),
            ("CODEBUILD_BUILD_NUMBER", "87"),
            ("CODEBUILD_SOURCE_REPO_URL", "https://github.com/acme/infra.git"),
            ("CODEBUILD_SOURCE_VERSION", "pr/42"),
            ("CODEBUILD_RESOLVED_SOURCE_VERSION", "6dcb09b5b57875f334f61aebed695e2e4193db5e"),
            ("CODEBUILD_WEBHOOK_TRIGGER", "pr/42"),
            ("CODEBUILD_WEBHOOK_EVENT", "PULL_REQUEST_UPDATED"),
            ("CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/feature/x"),
            ("CODEBUILD_WEBHOOK_BASE_REF", "refs/heads/main"),
            ("AWS_REGION", "eu-west-1"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::Codebuild));
        assert_eq!(ctx.repository().as_deref(), Some("acme/infra"));
        assert_eq!(ctx.pr, Some(42));
        assert_eq!(
            ctx.sha.as_deref(),
            Some("6dcb09b5b57875f334f61aebed695e2e4193db5e")
        );
        assert_eq!(ctx.branch.as_deref(), Some("feature/x"));
        assert_eq!(ctx.base_branch.as_deref(), Some("main"));
        assert_eq!(
            ctx.pr_url.as_deref(),
            Some("https://github.com/acme/infra/pull/42")
        );
        assert_eq!(
            ctx.build_url.as_deref(),
            Some(
                "https://eu-west-1.console.aws.amazon.com/codesuite/codebuild/projects/infra-plan/build/infra-plan%3A0a1b2c3d-4e5f-6789-abcd-ef0123456789/?region=eu-west-1"
            )
        );
    }

    #[test]
    fn push_build_takes_the_region_from_the_arn() {
        let env: Env = [
            ("CODEBUILD_BUILD_ID", "infra-apply:uuid"),
            (
                "CODEBUILD_BUILD_ARN",
                "arn:aws:codebuild:us-east-2:1:build/infra-apply:uuid",
            ),
            ("CODEBUILD_SOURCE_REPO_URL", "https://github.com/acme/infra"),
            ("CODEBUILD_RESOLVED_SOURCE_VERSION", "abc"),
            ("CODEBUILD_WEBHOOK_TRIGGER", "branch/main"),
            ("CODEBUILD_SOURCE_VERSION", "abc"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.pr, None);
        assert!(!ctx.is_pr);
        assert_eq!(ctx.branch.as_deref(), Some("main"));
        assert!(
            ctx.build_url
                .unwrap()
                .starts_with("https://us-east-2.console.aws.amazon.com/")
        );
    }
}
