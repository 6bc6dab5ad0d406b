//! Azure Pipelines: `TF_BUILD=True`. Predefined variables reach scripts upper-cased with `.`
//! turned into `_` (`Build.Repository.Name` is `BUILD_REPOSITORY_NAME`). For GitHub PRs
//! `SYSTEM_PULLREQUEST_PULLREQUESTNUMBER` is the PR number (`..._PULLREQUESTID` is Azure Repos'
//! id) and `BUILD_SOURCEVERSION` is the merge commit; the head is
//! `SYSTEM_PULLREQUEST_SOURCECOMMITID`.

use super::{CiContext, Platform, fill_from_git_url, owned, parse_pr_number, split_slug};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    env.is_true("TF_BUILD").then(|| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let pr = env
        .get("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER")
        .or_else(|| env.get("SYSTEM_PULLREQUEST_PULLREQUESTID"))
        .and_then(parse_pr_number);
    let strip_ref = |r: &str| r.strip_prefix("refs/heads/").unwrap_or(r).to_string();
    let mut ctx = CiContext {
        platform: Some(Platform::AzurePipelines),
        pr,
        is_pr: pr.is_some() || env.get("BUILD_REASON") == Some("PullRequest"),
        sha: owned(
            env.get("SYSTEM_PULLREQUEST_SOURCECOMMITID")
                .or_else(|| env.get("BUILD_SOURCEVERSION")),
        ),
        branch: env
            .get("SYSTEM_PULLREQUEST_SOURCEBRANCH")
            .or_else(|| env.get("BUILD_SOURCEBRANCH"))
            .map(strip_ref),
        base_branch: env.get("SYSTEM_PULLREQUEST_TARGETBRANCH").map(strip_ref),
        build_id: owned(env.get("BUILD_BUILDID")),
        ..CiContext::default()
    };
    // For GitHub repositories Build.Repository.Name is `owner/repo`; for Azure Repos it is the
    // bare name and the URI holds org/project.
    match env.get("BUILD_REPOSITORY_NAME").and_then(split_slug) {
        Some((owner, repo)) => {
            ctx.owner = Some(owner);
            ctx.repo = Some(repo);
            fill_from_git_url(&mut ctx, env.get("BUILD_REPOSITORY_URI"));
        }
        None => fill_from_git_url(&mut ctx, env.get("BUILD_REPOSITORY_URI")),
    }
    let is_github = env.get("BUILD_REPOSITORY_PROVIDER").is_some_and(|p| {
        p.eq_ignore_ascii_case("github") || p.eq_ignore_ascii_case("githubenterprise")
    });
    if let (true, Some(n), Some(web), Some(owner), Some(repo)) =
        (is_github, pr, &ctx.server_url, &ctx.owner, &ctx.repo)
    {
        ctx.pr_url = Some(format!("{web}/{owner}/{repo}/pull/{n}"));
    }
    if let (Some(collection), Some(project), Some(id)) = (
        env.get("SYSTEM_COLLECTIONURI")
            .or_else(|| env.get("SYSTEM_TEAMFOUNDATIONCOLLECTIONURI")),
        env.get("SYSTEM_TEAMPROJECT"),
        env.get("BUILD_BUILDID"),
    ) {
        ctx.build_url = Some(format!(
            "{}/{}/_build/results?buildId={id}",
            collection.trim_end_matches('/'),
            project.replace(' ', "%20")
        ));
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::detect as detect_any;

    #[test]
    fn github_pull_request() {
        let env: Env = [
            ("TF_BUILD", "True"),
            ("BUILD_REASON", "PullRequest"),
            ("BUILD_REPOSITORY_PROVIDER", "GitHub"),
            ("BUILD_REPOSITORY_NAME", "acme/infra"),
            ("BUILD_REPOSITORY_URI", "https://github.com/acme/infra"),
            ("BUILD_SOURCEVERSION", "merge-commit"),
            ("BUILD_SOURCEBRANCH", "refs/pull/42/merge"),
            ("BUILD_BUILDID", "1234"),
            ("SYSTEM_COLLECTIONURI", "https://dev.azure.com/acme/"),
            ("SYSTEM_TEAMPROJECT", "Platform Team"),
            ("SYSTEM_PULLREQUEST_PULLREQUESTNUMBER", "42"),
            ("SYSTEM_PULLREQUEST_PULLREQUESTID", "987654321"),
            ("SYSTEM_PULLREQUEST_SOURCEBRANCH", "feature/x"),
            ("SYSTEM_PULLREQUEST_TARGETBRANCH", "main"),
            (
                "SYSTEM_PULLREQUEST_SOURCECOMMITID",
                "6dcb09b5b57875f334f61aebed695e2e4193db5e",
            ),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::AzurePipelines));
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
            Some("https://dev.azure.com/acme/Platform%20Team/_build/results?buildId=1234")
        );
    }

    #[test]
    fn azure_repos_branch_build() {
        let env: Env = [
            ("TF_BUILD", "True"),
            ("BUILD_REASON", "IndividualCI"),
            ("BUILD_REPOSITORY_PROVIDER", "TfsGit"),
            ("BUILD_REPOSITORY_NAME", "infra"),
            (
                "BUILD_REPOSITORY_URI",
                "https://acme@dev.azure.com/acme/Platform/_git/infra",
            ),
            ("BUILD_SOURCEVERSION", "abc"),
            ("BUILD_SOURCEBRANCH", "refs/heads/main"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.pr, None);
        assert!(!ctx.is_pr);
        assert_eq!(ctx.owner.as_deref(), Some("acme/Platform"));
        assert_eq!(ctx.repo.as_deref(), Some("infra"));
        assert_eq!(ctx.sha.as_deref(), Some("abc"));
        assert_eq!(ctx.branch.as_deref(), Some("main"));
    }
}
