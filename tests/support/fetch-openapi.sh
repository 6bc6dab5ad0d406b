#!/usr/bin/env bash
# Installs GitHub's official REST description (npm package @octokit/openapi) into a cache dir, so the
# GitHub notifier tests can check every request tfpost sends against it. Idempotent: does nothing
# when the file is already there, so it works offline once cached. Prints the JSON file's path.
set -euo pipefail
version="${TFPOST_OCTOKIT_OPENAPI_VERSION:-23.0.2}"
cache="${TFPOST_OPENAPI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tfpost/openapi}/$version"
file="$cache/node_modules/@octokit/openapi/generated/api.github.com.json"
if [ ! -s "$file" ]; then
  command -v npm >/dev/null || { echo "fetch-openapi: npm is needed to install @octokit/openapi" >&2; exit 1; }
  mkdir -p "$cache"
  npm install --silent --no-audit --no-fund --prefix "$cache" "@octokit/openapi@$version" >&2
fi
[ -s "$file" ] || { echo "fetch-openapi: $file is missing after npm install" >&2; exit 1; }
echo "$file"
