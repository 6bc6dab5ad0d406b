//! TeamCity: `TEAMCITY_VERSION`. TeamCity puts few facts in the environment (`BUILD_NUMBER`,
//! `BUILD_VCS_NUMBER` with a single VCS root); the rest are build parameters, which it writes
//! to Java properties files: `TEAMCITY_BUILD_PROPERTIES_FILE` (system properties) names the
//! configuration parameters file in `teamcity.configuration.properties.file`. tfpost reads the
//! PR number (`teamcity.pullRequest.number`, set by the Pull Requests build feature), the VCS
//! root URL, the server URL and the build id from those.

use std::collections::BTreeMap;

use super::{CiContext, Platform, fill_from_git_url, owned, parse_pr_number};
use crate::env::Env;

pub fn detect(env: &Env) -> Option<CiContext> {
    env.get("TEAMCITY_VERSION").map(|_| read(env))
}

pub fn read(env: &Env) -> CiContext {
    let props = build_properties(env);
    let prop = |k: &str| props.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let pr = prop("teamcity.pullRequest.number").and_then(parse_pr_number);
    let mut ctx = CiContext {
        platform: Some(Platform::Teamcity),
        pr,
        is_pr: pr.is_some(),
        sha: owned(
            env.get("BUILD_VCS_NUMBER")
                .or_else(|| prop("build.vcs.number")),
        ),
        branch: owned(
            prop("teamcity.pullRequest.source.branch")
                .or_else(|| prop("teamcity.build.branch"))
                .map(|b| b.strip_prefix("refs/heads/").unwrap_or(b)),
        ),
        base_branch: owned(prop("teamcity.pullRequest.target.branch")),
        build_id: owned(prop("teamcity.build.id").or_else(|| env.get("BUILD_NUMBER"))),
        ..CiContext::default()
    };
    let vcs_url = prop("vcsroot.url").or_else(|| {
        // With several VCS roots each has `vcsroot.<id>.url`; the first is the main one.
        props
            .iter()
            .find(|(k, _)| k.starts_with("vcsroot.") && k.ends_with(".url"))
            .map(|(_, v)| v.as_str())
    });
    fill_from_git_url(&mut ctx, vcs_url);
    if let (Some(server), Some(id)) = (prop("teamcity.serverUrl"), prop("teamcity.build.id")) {
        ctx.build_url = Some(format!(
            "{}/viewLog.html?buildId={id}",
            server.trim_end_matches('/')
        ));
    }
    if let (Some(n), Some(web), Some(owner), Some(repo)) =
        (pr, &ctx.server_url, &ctx.owner, &ctx.repo)
    {
        ctx.pr_url = Some(format!("{web}/{owner}/{repo}/pull/{n}"));
    }
    ctx
}

/// System properties and configuration parameters, the latter winning.
fn build_properties(env: &Env) -> BTreeMap<String, String> {
    let mut props = BTreeMap::new();
    let Some(system) = env
        .get("TEAMCITY_BUILD_PROPERTIES_FILE")
        .and_then(|p| std::fs::read_to_string(p).ok())
    else {
        return props;
    };
    props.extend(parse_properties(&system));
    if let Some(config) = props
        .get("teamcity.configuration.properties.file")
        .and_then(|p| std::fs::read_to_string(p).ok())
    {
        props.extend(parse_properties(&config));
    }
    props
}

/// The subset of Java's `.properties` format TeamCity writes: `key=value` lines, `#` comments,
/// backslash escapes (`https\://`).
fn parse_properties(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    text.lines().filter_map(|line| {
        let line = line.trim_start();
        if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
            return None;
        }
        let mut key = String::new();
        let mut value = String::new();
        let mut in_key = true;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            let c = if c == '\\' {
                match chars.next() {
                    Some('n') => '\n',
                    Some('t') => '\t',
                    Some(other) => other,
                    None => break,
                }
            } else if in_key && (c == '=' || c == ':') {
                in_key = false;
                continue;
            } else {
                c
            };
            if in_key { key.push(c) } else { value.push(c) }
        }
        (!key.is_empty()).then(|| (key.trim().to_string(), value.trim().to_string()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ci::detect as detect_any;
    use std::io::Write;

    #[test]
    fn pull_request_from_build_parameters() {
        let dir = tempfile::tempdir().unwrap();
        let config_path = dir.path().join("config.properties");
        std::fs::File::create(&config_path)
            .unwrap()
            .write_all(
                b"#TeamCity build configuration parameters\n\
                  teamcity.pullRequest.number=42\n\
                  teamcity.pullRequest.source.branch=feature/x\n\
                  teamcity.pullRequest.target.branch=main\n\
                  teamcity.serverUrl=https\\://teamcity.example.com\n\
                  vcsroot.url=https\\://github.com/acme/infra.git\n",
            )
            .unwrap();
        let system_path = dir.path().join("build.properties");
        std::fs::File::create(&system_path)
            .unwrap()
            .write_all(
                format!(
                    "teamcity.build.id=3141\nteamcity.configuration.properties.file={}\n",
                    config_path.display().to_string().replace(':', "\\:")
                )
                .as_bytes(),
            )
            .unwrap();
        let env: Env = [
            ("TEAMCITY_VERSION", "2024.12 (build 174331)".to_string()),
            ("BUILD_NUMBER", "17".into()),
            (
                "BUILD_VCS_NUMBER",
                "6dcb09b5b57875f334f61aebed695e2e4193db5e".into(),
            ),
            (
                "TEAMCITY_BUILD_PROPERTIES_FILE",
                system_path.display().to_string(),
            ),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::Teamcity));
        assert_eq!(ctx.repository().as_deref(), Some("acme/infra"));
        assert_eq!(ctx.pr, Some(42));
        assert_eq!(
            ctx.sha.as_deref(),
            Some("6dcb09b5b57875f334f61aebed695e2e4193db5e")
        );
        assert_eq!(ctx.branch.as_deref(), Some("feature/x"));
        assert_eq!(
            ctx.build_url.as_deref(),
            Some("https://teamcity.example.com/viewLog.html?buildId=3141")
        );
        assert_eq!(
            ctx.pr_url.as_deref(),
            Some("https://github.com/acme/infra/pull/42")
        );
    }

    #[test]
    fn environment_only() {
        let env: Env = [
            ("TEAMCITY_VERSION", "2024.12"),
            ("BUILD_NUMBER", "17"),
            ("BUILD_VCS_NUMBER", "abc"),
        ]
        .into_iter()
        .collect();
        let ctx = detect_any(&env);
        assert_eq!(ctx.platform, Some(Platform::Teamcity));
        assert_eq!(ctx.sha.as_deref(), Some("abc"));
        assert_eq!(ctx.pr, None);
    }
}
