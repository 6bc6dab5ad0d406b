//! The environment of a CircleCI build of a pull request of `acme/infra` on GitHub, for tests
//! that run the binary as such a pipeline does.

use assert_cmd::Command;

/// Clears `cmd`'s environment but `PATH`, then sets CircleCI's variables for pull request `pr`
/// at commit `sha`, built at `build_url`.
pub fn pull_request_build<'c>(
    cmd: &'c mut Command,
    pr: u64,
    sha: &str,
    build_url: &str,
) -> &'c mut Command {
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("CI", "true")
        .env("CIRCLECI", "true")
        .env("CIRCLE_PROJECT_USERNAME", "acme")
        .env("CIRCLE_PROJECT_REPONAME", "infra")
        .env(
            "CIRCLE_PULL_REQUEST",
            format!("https://github.com/acme/infra/pull/{pr}"),
        )
        .env("CIRCLE_SHA1", sha)
        .env("CIRCLE_BUILD_URL", build_url)
}
