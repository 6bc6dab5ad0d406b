//! Drone: `DRONE=true`. `DRONE_PULL_REQUEST` is the PR number on pull_request events.

use super::{CiContext, Platform, fill_from_git_url, owned, parse_pr_number, split_slug};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    env.is_true("DRONE").then(|| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let pr = env.get("DRONE_PULL_REQUEST").and_then(parse_pr_number);
    let mut ctx = CiContext {
        platform: Some(Platform::Drone),
        owner: owned(
            env.get("DRONE_REPO_OWNER")
                .or_else(|| env.get("DRONE_REPO_NAMESPACE")),
        ),
        repo: owned(env.get("DRONE_REPO_NAME")),
        pr,
        is_pr: pr.is_some() || env.get("DRONE_BUILD_EVENT") == Some("pull_request"),
        sha: owned(
            env.get("DRONE_COMMIT_SHA")
                .or_else(|| env.get("DRONE_COMMIT")),
        ),
        branch: owned(
            env.get("DRONE_SOURCE_BRANCH")
                .or_else(|| env.get("DRONE_COMMIT_BRANCH"))
                .or_else(|| env.get("DRONE_BRANCH")),
        ),
        base_branch: owned(env.get("DRONE_TARGET_BRANCH")).filter(|_| pr.is_some()),
        build_url: owned(env.get("DRONE_BUILD_LINK")),
        build_id: owned(env.get("DRONE_BUILD_NUMBER")),
        server_url: owned(env.get("DRONE_REPO_LINK"))
            .and_then(|l| super::git_url::parse(&l))
            .and_then(|r| r.web_base),
        ..CiContext::default()
    };
    if let Some((owner, repo)) = env.get("DRONE_REPO").and_then(split_slug) {
        ctx.owner = Some(owner);
        ctx.repo = Some(repo);
    }
    fill_from_git_url(&mut ctx, env.get("DRONE_GIT_HTTP_URL"));
    if let (Some(n), Some(link)) = (pr, env.get("DRONE_REPO_LINK")) {
        ctx.pr_url = Some(format!("{}/pull/{n}", link.trim_end_matches('/')));
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
            ("DRONE", "true"),
            ("DRONE_REPO", "acme/infra"),
            ("DRONE_REPO_OWNER", "acme"),
            ("DRONE_REPO_NAME", "infra"),
            ("DRONE_REPO_LINK", "https://github.com/acme/infra"),
            ("DRONE_BUILD_EVENT", "pull_request"),
            ("DRONE_PULL_REQUEST", "42"),
            (
                "DRONE_COMMIT_SHA",
                "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            ),
            ("DRONE_SOURCE_BRANCH", "feature/x"),
            ("DRONE_TARGET_BRANCH", "main"),
            ("DRONE_COMMIT_BRANCH", "main"),
            ("DRONE_BUILD_NUMBER", "8"),
            ("DRONE_BUILD_LINK", "https://drone.example.com/acme/infra/8"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::Drone));
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
            Some("https://drone.example.com/acme/infra/8")
        );
    }

    #[test]
    fn push_build() {
        let env: Env = [
            ("DRONE", "true"),
            ("DRONE_REPO", "acme/infra"),
            ("DRONE_BUILD_EVENT", "push"),
            ("DRONE_COMMIT_SHA", "abc"),
            ("DRONE_COMMIT_BRANCH", "main"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.pr, None);
        assert!(!ctx.is_pr);
        assert_eq!(ctx.branch.as_deref(), Some("main"));
    }
}
