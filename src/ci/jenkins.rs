//! Jenkins: `JENKINS_URL`. Multibranch pipelines (GitHub Branch Source) set `CHANGE_ID` (the PR
//! number), `CHANGE_URL`, `CHANGE_BRANCH`, `CHANGE_TARGET`; the GitHub Pull Request Builder
//! plugin (ghprb) sets `ghprbPullId`, `ghprbActualCommit`, `ghprbGhRepository` (`owner/repo`),
//! `ghprbPullLink`, `ghprbSourceBranch`. The git plugin sets `GIT_COMMIT` and `GIT_URL`.

use super::{CiContext, Platform, fill_from_git_url, git_url, owned, parse_pr_number, split_slug};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    (env.get("JENKINS_URL").is_some() || env.get("JENKINS_HOME").is_some()).then(|| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let mut ctx = CiContext {
        platform: Some(Platform::Jenkins),
        build_url: owned(env.get("BUILD_URL").or_else(|| env.get("RUN_DISPLAY_URL"))),
        build_id: owned(env.get("BUILD_NUMBER").or_else(|| env.get("BUILD_ID"))),
        ..CiContext::default()
    };
    if let Some(pr) = env.get("ghprbPullId").and_then(parse_pr_number) {
        // ghprb
        ctx.pr = Some(pr);
        ctx.pr_url = owned(env.get("ghprbPullLink"));
        ctx.sha = owned(
            env.get("ghprbActualCommit")
                .or_else(|| env.get("GIT_COMMIT")),
        );
        ctx.branch = owned(env.get("ghprbSourceBranch"));
        ctx.base_branch = owned(env.get("ghprbTargetBranch"));
        if let Some((owner, repo)) = env.get("ghprbGhRepository").and_then(split_slug) {
            ctx.owner = Some(owner);
            ctx.repo = Some(repo);
        }
    } else if let Some(pr) = env.get("CHANGE_ID").and_then(parse_pr_number) {
        // multibranch pipeline building a change request
        ctx.pr = Some(pr);
        ctx.pr_url = owned(env.get("CHANGE_URL"));
        ctx.sha = owned(env.get("GIT_COMMIT"));
        ctx.branch = owned(env.get("CHANGE_BRANCH"));
        ctx.base_branch = owned(env.get("CHANGE_TARGET"));
        // CHANGE_URL is https://github.com/OWNER/REPO/pull/N
        if let Some(url) = env.get("CHANGE_URL") {
            let repo_url = url.split("/pull/").next().unwrap_or(url);
            if let Some(parsed) = git_url::parse(repo_url) {
                ctx.owner = Some(parsed.owner);
                ctx.repo = Some(parsed.repo);
                ctx.server_url = parsed.web_base;
            }
        }
    } else {
        ctx.sha = owned(env.get("GIT_COMMIT"));
        ctx.branch = env
            .get("BRANCH_NAME")
            .or_else(|| env.get("GIT_LOCAL_BRANCH"))
            .map(str::to_string)
            .or_else(|| {
                // GIT_BRANCH is `origin/main` in freestyle jobs.
                env.get("GIT_BRANCH")
                    .map(|b| b.strip_prefix("origin/").unwrap_or(b).to_string())
            });
    }
    ctx.is_pr = ctx.pr.is_some();
    fill_from_git_url(&mut ctx, env.get("GIT_URL"));
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::detect as detect_any;

    #[test]
    fn multibranch_pull_request() {
        let env: Env = [
            ("JENKINS_URL", "https://jenkins.example.com/"),
            (
                "BUILD_URL",
                "https://jenkins.example.com/job/infra/job/PR-42/3/",
            ),
            ("BUILD_NUMBER", "3"),
            ("BUILD_ID", "3"),
            ("BRANCH_NAME", "PR-42"),
            ("CHANGE_ID", "42"),
            ("CHANGE_URL", "https://github.com/acme/infra/pull/42"),
            ("CHANGE_BRANCH", "feature/x"),
            ("CHANGE_TARGET", "main"),
            ("GIT_COMMIT", "6dcb09b5b57875f334f61aebed695e2e4193db5e"),
            ("GIT_URL", "https://github.com/acme/infra.git"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::Jenkins));
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
            Some("https://jenkins.example.com/job/infra/job/PR-42/3/")
        );
        assert_eq!(
            ctx.pr_url.as_deref(),
            Some("https://github.com/acme/infra/pull/42")
        );
    }

    #[test]
    fn ghprb_pull_request() {
        let env: Env = [
            ("JENKINS_URL", "https://jenkins.example.com/"),
            (
                "BUILD_URL",
                "https://jenkins.example.com/job/infra-plan/77/",
            ),
            ("BUILD_NUMBER", "77"),
            ("ghprbPullId", "12"),
            ("ghprbActualCommit", "aaaabbbbccccdddd"),
            ("ghprbGhRepository", "acme/infra"),
            ("ghprbPullLink", "https://github.com/acme/infra/pull/12"),
            ("ghprbSourceBranch", "fix"),
            ("ghprbTargetBranch", "main"),
            ("GIT_COMMIT", "merge-commit"),
            ("GIT_URL", "git@github.com:acme/infra.git"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.repository().as_deref(), Some("acme/infra"));
        assert_eq!(ctx.pr, Some(12));
        assert_eq!(ctx.sha.as_deref(), Some("aaaabbbbccccdddd"));
        assert_eq!(ctx.branch.as_deref(), Some("fix"));
        assert_eq!(ctx.server_url.as_deref(), Some("https://github.com"));
    }

    #[test]
    fn freestyle_branch_build() {
        let env: Env = [
            ("JENKINS_URL", "https://jenkins.example.com/"),
            (
                "BUILD_URL",
                "https://jenkins.example.com/job/infra-apply/5/",
            ),
            ("BUILD_ID", "5"),
            ("GIT_COMMIT", "abc"),
            ("GIT_BRANCH", "origin/main"),
            ("GIT_URL", "git@github.com:acme/infra.git"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.pr, None);
        assert_eq!(ctx.branch.as_deref(), Some("main"));
        assert_eq!(ctx.repository().as_deref(), Some("acme/infra"));
        assert_eq!(ctx.build_id.as_deref(), Some("5"));
    }
}
