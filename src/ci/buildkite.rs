//! Buildkite: `BUILDKITE=true`. `BUILDKITE_PULL_REQUEST` is the PR number or `false`;
//! `BUILDKITE_COMMIT` may be `HEAD` for builds started without a resolved commit.

use super::{CiContext, Platform, fill_from_git_url, owned, parse_pr_number};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    env.is_true("BUILDKITE").then(|| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let pr = env.get("BUILDKITE_PULL_REQUEST").and_then(parse_pr_number);
    let build_url = env
        .get("BUILDKITE_BUILD_URL")
        .map(|url| match env.get("BUILDKITE_JOB_ID") {
            // The job anchor opens this step's log.
            Some(job) => format!("{url}#{job}"),
            None => url.to_string(),
        });
    let mut ctx = CiContext {
        platform: Some(Platform::Buildkite),
        pr,
        is_pr: pr.is_some(),
        sha: owned(env.get("BUILDKITE_COMMIT").filter(|c| *c != "HEAD")),
        branch: owned(env.get("BUILDKITE_BRANCH")),
        base_branch: owned(env.get("BUILDKITE_PULL_REQUEST_BASE_BRANCH")).filter(|_| pr.is_some()),
        build_url,
        build_id: owned(
            env.get("BUILDKITE_JOB_ID")
                .or_else(|| env.get("BUILDKITE_BUILD_ID")),
        ),
        ..CiContext::default()
    };
    fill_from_git_url(&mut ctx, env.get("BUILDKITE_REPO"));
    if let (Some(n), Some(web), Some(owner), Some(repo)) =
        (pr, &ctx.server_url, &ctx.owner, &ctx.repo)
    {
        ctx.pr_url = Some(format!("{web}/{owner}/{repo}/pull/{n}"));
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::detect as detect_any;

    #[test]
    fn pull_request_build() {
        let env: Env = [
            ("CI", "true"),
            ("BUILDKITE", "true"),
            ("BUILDKITE_REPO", "git@github.com:acme/infra.git"),
            ("BUILDKITE_PULL_REQUEST", "42"),
            ("BUILDKITE_PULL_REQUEST_BASE_BRANCH", "main"),
            (
                "BUILDKITE_PULL_REQUEST_REPO",
                "git://github.com/acme/infra.git",
            ),
            (
                "BUILDKITE_COMMIT",
                "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            ),
            ("BUILDKITE_BRANCH", "feature/x"),
            ("BUILDKITE_BUILD_ID", "0191a7c0-0000-4000-8000-000000000001"),
            ("BUILDKITE_JOB_ID", "0191a7c0-0000-4000-8000-000000000002"),
            (
                "BUILDKITE_BUILD_URL",
                "https://buildkite.com/acme/infra/builds/15",
            ),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::Buildkite));
        assert_eq!(ctx.repository().as_deref(), Some("acme/infra"));
        assert_eq!(ctx.pr, Some(42));
        assert_eq!(
            ctx.sha.as_deref(),
            Some("6dcb09b5b57875f334f61aebed695e2e4193db5e")
        );
        assert_eq!(ctx.branch.as_deref(), Some("feature/x"));
        assert_eq!(
            ctx.build_url.as_deref(),
            Some("https://buildkite.com/acme/infra/builds/15#0191a7c0-0000-4000-8000-000000000002")
        );
        assert_eq!(
            ctx.pr_url.as_deref(),
            Some("https://github.com/acme/infra/pull/42")
        );
    }

    #[test]
    fn branch_build_with_unresolved_commit() {
        let env: Env = [
            ("BUILDKITE", "true"),
            ("BUILDKITE_REPO", "https://github.com/acme/infra.git"),
            ("BUILDKITE_PULL_REQUEST", "false"),
            ("BUILDKITE_COMMIT", "HEAD"),
            ("BUILDKITE_BRANCH", "main"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.pr, None);
        assert_eq!(ctx.sha, None);
        assert_eq!(ctx.branch.as_deref(), Some("main"));
    }
}
