//! Travis CI: `TRAVIS=true`. `TRAVIS_PULL_REQUEST` is the PR number or `false`; for a PR,
//! `TRAVIS_COMMIT` is the merge commit Travis tests and `TRAVIS_PULL_REQUEST_SHA` the head.

use super::{CiContext, Platform, owned, parse_pr_number, split_slug};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    env.is_true("TRAVIS").then(|| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let pr = env.get("TRAVIS_PULL_REQUEST").and_then(parse_pr_number);
    let mut ctx = CiContext {
        platform: Some(Platform::TravisCi),
        pr,
        is_pr: pr.is_some(),
        build_url: owned(
            env.get("TRAVIS_JOB_WEB_URL")
                .or_else(|| env.get("TRAVIS_BUILD_WEB_URL")),
        ),
        build_id: owned(
            env.get("TRAVIS_JOB_ID")
                .or_else(|| env.get("TRAVIS_BUILD_ID")),
        ),
        ..CiContext::default()
    };
    if let Some((owner, repo)) = env.get("TRAVIS_REPO_SLUG").and_then(split_slug) {
        ctx.owner = Some(owner);
        ctx.repo = Some(repo);
    }
    if pr.is_some() {
        ctx.sha = owned(
            env.get("TRAVIS_PULL_REQUEST_SHA")
                .or_else(|| env.get("TRAVIS_COMMIT")),
        );
        // For a PR, TRAVIS_BRANCH is the target branch.
        ctx.branch = owned(env.get("TRAVIS_PULL_REQUEST_BRANCH"));
        ctx.base_branch = owned(env.get("TRAVIS_BRANCH"));
        if let Some(slug) = env.get("TRAVIS_REPO_SLUG") {
            ctx.server_url = Some("https://github.com".to_string());
            ctx.pr_url = pr.map(|n| format!("https://github.com/{slug}/pull/{n}"));
        }
    } else {
        ctx.sha = owned(env.get("TRAVIS_COMMIT"));
        ctx.branch = owned(env.get("TRAVIS_BRANCH"));
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
            ("TRAVIS", "true"),
            ("TRAVIS_REPO_SLUG", "acme/infra"),
            ("TRAVIS_PULL_REQUEST", "42"),
            (
                "TRAVIS_PULL_REQUEST_SHA",
                "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            ),
            ("TRAVIS_PULL_REQUEST_BRANCH", "feature/x"),
            ("TRAVIS_COMMIT", "merge-commit"),
            ("TRAVIS_BRANCH", "main"),
            (
                "TRAVIS_BUILD_WEB_URL",
                "https://app.travis-ci.com/acme/infra/builds/100",
            ),
            (
                "TRAVIS_JOB_WEB_URL",
                "https://app.travis-ci.com/acme/infra/jobs/101",
            ),
            ("TRAVIS_JOB_ID", "101"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::TravisCi));
        assert_eq!(ctx.repository().as_deref(), Some("acme/infra"));
        assert_eq!(ctx.pr, Some(42));
        assert_eq!(
            ctx.sha.as_deref(),
            Some("6dcb09b5b57875f334f61aebed695e2e4193db5e")
        );
        assert_eq!(ctx.branch.as_deref(), Some("feature/x"));
        assert_eq!(ctx.base_branch.as_deref(), Some("main"));
        assert_eq!(
            ctx.build_url.as_deref(),
            Some("https://app.travis-ci.com/acme/infra/jobs/101")
        );
    }

    #[test]
    fn push_build_says_false() {
        let env: Env = [
            ("TRAVIS", "true"),
            ("TRAVIS_REPO_SLUG", "acme/infra"),
            ("TRAVIS_PULL_REQUEST", "false"),
            ("TRAVIS_COMMIT", "abc"),
            ("TRAVIS_BRANCH", "main"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.pr, None);
        assert!(!ctx.is_pr);
        assert_eq!(ctx.sha.as_deref(), Some("abc"));
        assert_eq!(ctx.branch.as_deref(), Some("main"));
    }
}
