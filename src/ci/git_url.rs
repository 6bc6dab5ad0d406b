//! Owner and repository name from a git remote URL, in the forms CI platforms expose:
//! `https://github.com/o/r.git`, `https://user:token@host/o/r`, `git@github.com:o/r.git`,
//! `ssh://git@host:7999/o/r.git`, `git://host/o/r`, and Azure Repos' `.../org/project/_git/r`.

/// A repository named by a git URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoUrl {
    /// Host name without user info or port.
    pub host: String,
    /// Everything before the last path segment (GitLab subgroups keep their `/`).
    pub owner: String,
    /// The last path segment without `.git`.
    pub repo: String,
    /// `https://host` for http(s) URLs (with the port when not default), the web base the
    /// repository is browsed at; `https://host` for ssh URLs too, where the web port is unknown.
    pub web_base: Option<String>,
}

/// Parses a git remote URL; `None` when it names no `owner/repo` path.
pub fn parse(url: &str) -> Option<RepoUrl> {
    let url = url.trim();
    let (authority, path, web_base) = if let Some((scheme, rest)) = url.split_once("://") {
        let (authority, path) = rest.split_once('/')?;
        let hostport = authority.rsplit('@').next().unwrap_or(authority);
        let web = match scheme.to_ascii_lowercase().as_str() {
            "https" | "http" => format!("{scheme}://{hostport}"),
            _ => format!("https://{}", strip_port(hostport)),
        };
        (hostport.to_string(), path, Some(web))
    } else {
        // scp-like syntax: [user@]host:path
        let (authority, path) = url.split_once(':')?;
        if authority.contains('/') || authority.is_empty() {
            return None;
        }
        let host = authority.rsplit('@').next().unwrap_or(authority);
        (host.to_string(), path, Some(format!("https://{host}")))
    };
    let host = strip_port(&authority).to_string();
    let path = path.split(['?', '#']).next().unwrap_or(path);
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Azure Repos: https://dev.azure.com/org/project/_git/repo
    segments.retain(|s| *s != "_git");
    let repo = segments.pop()?.to_string();
    if segments.is_empty() {
        return None;
    }
    let owner = segments.join("/");
    Some(RepoUrl {
        host,
        owner,
        repo,
        web_base,
    })
}

fn strip_port(hostport: &str) -> &str {
    // Bracketed IPv6 literals keep their colons.
    if hostport.starts_with('[') {
        return hostport
            .split_once(']')
            .map_or(hostport, |(h, _)| &hostport[..h.len() + 1]);
    }
    hostport.split(':').next().unwrap_or(hostport)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owner_repo(url: &str) -> Option<(String, String)> {
        parse(url).map(|r| (r.owner, r.repo))
    }

    fn pair(o: &str, r: &str) -> Option<(String, String)> {
        Some((o.to_string(), r.to_string()))
    }

    #[test]
    fn https_urls() {
        assert_eq!(
            owner_repo("https://github.com/acme/infra.git"),
            pair("acme", "infra")
        );
        assert_eq!(
            owner_repo("https://github.com/acme/infra"),
            pair("acme", "infra")
        );
        assert_eq!(
            owner_repo("https://github.com/acme/infra/"),
            pair("acme", "infra")
        );
        assert_eq!(
            owner_repo("https://x-access-token:secret@github.com/acme/infra.git"),
            pair("acme", "infra")
        );
        let r = parse("https://ghe.example.com:8443/acme/infra.git").unwrap();
        assert_eq!(r.host, "ghe.example.com");
        assert_eq!(r.web_base.as_deref(), Some("https://ghe.example.com:8443"));
    }

    #[test]
    fn ssh_urls() {
        assert_eq!(
            owner_repo("git@github.com:acme/infra.git"),
            pair("acme", "infra")
        );
        assert_eq!(
            owner_repo("ssh://git@bitbucket.example.com:7999/proj/infra.git"),
            pair("proj", "infra")
        );
        let r = parse("git@github.com:acme/infra.git").unwrap();
        assert_eq!(r.host, "github.com");
        assert_eq!(r.web_base.as_deref(), Some("https://github.com"));
        assert_eq!(
            owner_repo("git://github.com/acme/infra"),
            pair("acme", "infra")
        );
    }

    #[test]
    fn nested_groups_and_azure_repos() {
        assert_eq!(
            owner_repo("https://gitlab.com/group/sub/infra.git"),
            pair("group/sub", "infra")
        );
        assert_eq!(
            owner_repo("https://acme@dev.azure.com/acme/Platform/_git/infra"),
            pair("acme/Platform", "infra")
        );
    }

    #[test]
    fn not_a_repository() {
        assert_eq!(owner_repo("https://github.com/acme"), None);
        assert_eq!(owner_repo("infra"), None);
        assert_eq!(owner_repo(""), None);
        assert_eq!(owner_repo("/local/path/infra"), None);
    }
}
