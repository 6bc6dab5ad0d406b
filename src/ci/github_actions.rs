//! GitHub Actions: `GITHUB_ACTIONS=true`. The PR number and head commit are only in the event
//! payload at `GITHUB_EVENT_PATH`: for `pull_request` events `GITHUB_SHA` is the merge commit
//! GitHub made, not the commit the author pushed.

use serde_json::Value;

use super::{CiContext, Platform, owned, split_slug};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    env.is_true("GITHUB_ACTIONS").then(|| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let mut ctx = CiContext {
        platform: Some(Platform::GithubActions),
        sha: owned(env.get("GITHUB_SHA")),
        server_url: Some(
            env.get("GITHUB_SERVER_URL")
                .unwrap_or("https://github.com")
                .trim_end_matches('/')
                .to_string(),
        ),
        build_id: owned(env.get("GITHUB_RUN_ID")),
        ..CiContext::default()
    };
    let repository = env.get("GITHUB_REPOSITORY");
    if let Some((owner, repo)) = repository.and_then(split_slug) {
        ctx.owner = Some(owner);
        ctx.repo = Some(repo);
    }
    if let (Some(server), Some(repository), Some(run_id)) =
        (&ctx.server_url, repository, env.get("GITHUB_RUN_ID"))
    {
        let mut url = format!("{server}/{repository}/actions/runs/{run_id}");
        // A re-run has its own log; the bare run URL shows the latest attempt only.
        if let Some(attempt) = env.get("GITHUB_RUN_ATTEMPT").filter(|a| *a != "1") {
            url.push_str(&format!("/attempts/{attempt}"));
        }
        ctx.build_url = Some(url);
    }
    // GITHUB_HEAD_REF is set only for pull_request(_target) events; GITHUB_REF_NAME is then
    // `42/merge`.
    ctx.branch = owned(
        env.get("GITHUB_HEAD_REF")
            .or_else(|| env.get("GITHUB_REF_NAME")),
    );
    ctx.base_branch = owned(env.get("GITHUB_BASE_REF"));

    let event_name = env.get("GITHUB_EVENT_NAME").unwrap_or_default();
    if let Some(event) = env.get("GITHUB_EVENT_PATH").and_then(read_event) {
        apply_event(&mut ctx, event_name, &event);
    }
    if ctx.pr.is_none() {
        // Without a readable payload, `refs/pull/42/merge` still names the PR.
        if let Some(n) = env.get("GITHUB_REF").and_then(pr_from_ref) {
            ctx.pr = Some(n);
            ctx.is_pr = true;
        }
    }
    if ctx.pr_url.is_none()
        && let (Some(server), Some(repo), Some(n)) = (&ctx.server_url, repository, ctx.pr)
    {
        ctx.pr_url = Some(format!("{server}/{repo}/pull/{n}"));
    }
    ctx
}

fn read_event(path: &str) -> Option<Value> {
    // An unreadable or malformed payload only loses the PR fields, which flags can give.
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

fn apply_event(ctx: &mut CiContext, event_name: &str, event: &Value) {
    if let Some(pr) = event.get("pull_request").filter(|v| v.is_object()) {
        // pull_request, pull_request_target, pull_request_review(_comment)
        ctx.is_pr = true;
        ctx.pr = pr.get("number").and_then(Value::as_u64);
        ctx.pr_url = pr
            .get("html_url")
            .and_then(Value::as_str)
            .map(str::to_string);
        if let Some(sha) = pr.pointer("/head/sha").and_then(Value::as_str) {
            ctx.sha = Some(sha.to_string());
        }
        if let Some(head) = pr.pointer("/head/ref").and_then(Value::as_str) {
            ctx.branch = Some(head.to_string());
        }
        if let Some(base) = pr.pointer("/base/ref").and_then(Value::as_str) {
            ctx.base_branch = Some(base.to_string());
        }
    } else if event_name == "issue_comment" {
        // A comment on a PR is an issue comment whose issue has a `pull_request` key.
        if let Some(issue) = event.get("issue")
            && issue.get("pull_request").is_some_and(|v| !v.is_null())
        {
            ctx.is_pr = true;
            ctx.pr = issue.get("number").and_then(Value::as_u64);
            ctx.pr_url = issue
                .pointer("/pull_request/html_url")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
    } else if event_name == "merge_group"
        && let Some(sha) = event
            .pointer("/merge_group/head_sha")
            .and_then(Value::as_str)
    {
        ctx.sha = Some(sha.to_string());
    }
}

fn pr_from_ref(git_ref: &str) -> Option<u64> {
    let rest = git_ref.strip_prefix("refs/pull/")?;
    let (n, _) = rest.split_once('/')?;
    super::parse_pr_number(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::detect as detect_any;
    use std::io::Write;

    fn base() -> Vec<(&'static str, String)> {
        vec![
            ("CI", "true".into()),
            ("GITHUB_ACTIONS", "true".into()),
            ("GITHUB_REPOSITORY", "acme/infra".into()),
            ("GITHUB_REPOSITORY_OWNER", "acme".into()),
            ("GITHUB_SERVER_URL", "https://github.com".into()),
            ("GITHUB_RUN_ID", "1658821493".into()),
            ("GITHUB_RUN_ATTEMPT", "1".into()),
            (
                "GITHUB_SHA",
                "ffac537e6cbbf934b08745a378932722df287a53".into(),
            ),
        ]
    }

    fn event_file(json: &str) -> tempfile::NamedTempFile {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(json.as_bytes()).unwrap();
        f
    }

    #[test]
    fn pull_request_event_gives_number_and_head_sha() {
        let event = event_file(
            r#"{"action":"synchronize","number":42,"pull_request":{"number":42,
            "html_url":"https://github.com/acme/infra/pull/42",
            "head":{"ref":"feature/x","sha":"6dcb09b5b57875f334f61aebed695e2e4193db5e"},
            "base":{"ref":"main","sha":"0000"}}}"#,
        );
        let mut vars = base();
        vars.extend([
            ("GITHUB_EVENT_NAME", "pull_request".to_string()),
            ("GITHUB_EVENT_PATH", event.path().display().to_string()),
            ("GITHUB_REF", "refs/pull/42/merge".into()),
            ("GITHUB_REF_NAME", "42/merge".into()),
            ("GITHUB_HEAD_REF", "feature/x".into()),
            ("GITHUB_BASE_REF", "main".into()),
        ]);
        let ctx = detect_any(&vars.into_iter().collect());
        assert_eq!(ctx.platform, Some(Platform::GithubActions));
        assert_eq!(ctx.owner.as_deref(), Some("acme"));
        assert_eq!(ctx.repo.as_deref(), Some("infra"));
        assert_eq!(ctx.pr, Some(42));
        assert!(ctx.is_pr);
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
            Some("https://github.com/acme/infra/actions/runs/1658821493")
        );
    }

    #[test]
    fn pull_request_target_event_too() {
        let event =
            event_file(r#"{"pull_request":{"number":7,"head":{"ref":"f","sha":"abc123"}}}"#);
        let mut vars = base();
        vars.extend([
            ("GITHUB_EVENT_NAME", "pull_request_target".to_string()),
            ("GITHUB_EVENT_PATH", event.path().display().to_string()),
            ("GITHUB_REF", "refs/heads/main".into()),
        ]);
        let ctx = detect_any(&vars.into_iter().collect());
        assert_eq!(ctx.pr, Some(7));
        assert_eq!(ctx.sha.as_deref(), Some("abc123"));
        assert_eq!(
            ctx.pr_url.as_deref(),
            Some("https://github.com/acme/infra/pull/7")
        );
    }

    #[test]
    fn push_to_main_is_not_a_pr() {
        let event = event_file(r#"{"ref":"refs/heads/main","after":"ffac537e"}"#);
        let mut vars = base();
        vars.extend([
            ("GITHUB_EVENT_NAME", "push".to_string()),
            ("GITHUB_EVENT_PATH", event.path().display().to_string()),
            ("GITHUB_REF", "refs/heads/main".into()),
            ("GITHUB_REF_NAME", "main".into()),
            ("GITHUB_HEAD_REF", "".into()),
            ("GITHUB_RUN_ATTEMPT", "2".into()),
        ]);
        let ctx = detect_any(&vars.into_iter().collect());
        assert_eq!(ctx.pr, None);
        assert!(!ctx.is_pr);
        assert_eq!(
            ctx.sha.as_deref(),
            Some("ffac537e6cbbf934b08745a378932722df287a53")
        );
        assert_eq!(ctx.branch.as_deref(), Some("main"));
        assert_eq!(
            ctx.build_url.as_deref(),
            Some("https://github.com/acme/infra/actions/runs/1658821493/attempts/2")
        );
    }

    #[test]
    fn issue_comment_on_a_pr() {
        let event = event_file(
            r#"{"issue":{"number":9,"pull_request":{"html_url":"https://ghe.example.com/acme/infra/pull/9"}}}"#,
        );
        let mut vars = base();
        vars.extend([
            ("GITHUB_SERVER_URL", "https://ghe.example.com".to_string()),
            ("GITHUB_EVENT_NAME", "issue_comment".into()),
            ("GITHUB_EVENT_PATH", event.path().display().to_string()),
        ]);
        let ctx = detect_any(&vars.into_iter().collect());
        assert_eq!(ctx.pr, Some(9));
        assert_eq!(ctx.server_url.as_deref(), Some("https://ghe.example.com"));
        assert_eq!(
            ctx.build_url.as_deref(),
            Some("https://ghe.example.com/acme/infra/actions/runs/1658821493")
        );
    }

    #[test]
    fn unreadable_event_falls_back_to_the_ref() {
        let mut vars = base();
        vars.extend([
            ("GITHUB_EVENT_NAME", "pull_request".to_string()),
            ("GITHUB_EVENT_PATH", "/nonexistent/event.json".into()),
            ("GITHUB_REF", "refs/pull/15/merge".into()),
        ]);
        let ctx = detect_any(&vars.into_iter().collect());
        assert_eq!(ctx.pr, Some(15));
        assert!(ctx.is_pr);
    }
}
