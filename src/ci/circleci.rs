//! CircleCI: `CIRCLECI=true`. `CIRCLE_PULL_REQUEST` is the PR URL (set once a PR exists for the
//! branch); `CIRCLE_PR_NUMBER` is set only for builds of forked PRs.

use super::{CiContext, Platform, fill_from_git_url, owned, parse_pr_number, pr_number_from_url};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    env.is_true("CIRCLECI").then(|| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let mut ctx = CiContext {
        platform: Some(Platform::Circleci),
        owner: owned(env.get("CIRCLE_PROJECT_USERNAME")),
        repo: owned(env.get("CIRCLE_PROJECT_REPONAME")),
        sha: owned(env.get("CIRCLE_SHA1")),
        branch: owned(env.get("CIRCLE_BRANCH")),
        build_url: owned(env.get("CIRCLE_BUILD_URL")),
        build_id: owned(env.get("CIRCLE_BUILD_NUM")),
        ..CiContext::default()
    };
    fill_from_git_url(&mut ctx, env.get("CIRCLE_REPOSITORY_URL"));
    // CIRCLE_PULL_REQUESTS lists every PR of the branch, comma-separated; the first is the one
    // CIRCLE_PULL_REQUEST names.
    let pr_url = env
        .get("CIRCLE_PULL_REQUEST")
        .or_else(|| {
            env.get("CIRCLE_PULL_REQUESTS")
                .and_then(|s| s.split(',').next())
        })
        .map(str::trim);
    ctx.pr = env
        .get("CIRCLE_PR_NUMBER")
        .and_then(parse_pr_number)
        .or_else(|| pr_url.and_then(pr_number_from_url));
    ctx.pr_url = pr_url.map(str::to_string);
    ctx.is_pr = ctx.pr.is_some();
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
            ("CIRCLECI", "true"),
            ("CIRCLE_PROJECT_USERNAME", "acme"),
            ("CIRCLE_PROJECT_REPONAME", "infra"),
            ("CIRCLE_REPOSITORY_URL", "git@github.com:acme/infra.git"),
            ("CIRCLE_SHA1", "6dcb09b5b57875f334f61aebed695e2e4193db5e"),
            ("CIRCLE_BRANCH", "feature/x"),
            ("CIRCLE_BUILD_NUM", "1234"),
            (
                "CIRCLE_BUILD_URL",
                "https://circleci.com/gh/acme/infra/1234",
            ),
            (
                "CIRCLE_PULL_REQUEST",
                "https://github.com/acme/infra/pull/42",
            ),
            (
                "CIRCLE_PULL_REQUESTS",
                "https://github.com/acme/infra/pull/42",
            ),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::Circleci));
        assert_eq!(ctx.repository().as_deref(), Some("acme/infra"));
        assert_eq!(ctx.pr, Some(42));
        assert!(ctx.is_pr);
        assert_eq!(
            ctx.sha.as_deref(),
            Some("6dcb09b5b57875f334f61aebed695e2e4193db5e")
        );
        assert_eq!(ctx.branch.as_deref(), Some("feature/x"));
        assert_eq!(
            ctx.build_url.as_deref(),
            Some("https://circleci.com/gh/acme/infra/1234")
        );
        assert_eq!(ctx.server_url.as_deref(), Some("https://github.com"));
    }

    #[test]
    fn forked_pr_number() {
        let env: Env = [
            ("CIRCLECI", "true"),
            ("CIRCLE_PROJECT_USERNAME", "acme"),
            ("CIRCLE_PROJECT_REPONAME", "infra"),
            ("CIRCLE_PR_NUMBER", "77"),
            ("CIRCLE_PR_USERNAME", "someone"),
            ("CIRCLE_PULL_REQUEST", ""),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.pr, Some(77));
    }

    #[test]
    fn push_to_main() {
        let env: Env = [
            ("CIRCLECI", "true"),
            ("CIRCLE_PROJECT_USERNAME", "acme"),
            ("CIRCLE_PROJECT_REPONAME", "infra"),
            ("CIRCLE_SHA1", "abc"),
            ("CIRCLE_BRANCH", "main"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.pr, None);
        assert!(!ctx.is_pr);
        assert_eq!(ctx.sha.as_deref(), Some("abc"));
    }
}
