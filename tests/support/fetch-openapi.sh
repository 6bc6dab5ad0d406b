#!/usr/bin/env bash
# Installs GitHub's official API descriptions into a cache dir, so the GitHub notifier tests can
# check every request tfpost sends against them: the REST description (npm @octokit/openapi,
# generated/api.github.com.json) and the GraphQL schema (npm @octokit/graphql-schema, schema.json).
# Idempotent: does nothing when the files are there, so it works offline once cached.
# Prints the two files' paths, REST first.
set -euo pipefail
openapi_version="${TFPOST_OCTOKIT_OPENAPI_VERSION:-23.0.2}"
graphql_version="${TFPOST_OCTOKIT_GRAPHQL_SCHEMA_VERSION:-15.26.1}"
cache="${TFPOST_OPENAPI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tfpost/openapi}/$openapi_version-$graphql_version"
rest="$cache/node_modules/@octokit/openapi/generated/api.github.com.json"
graphql="$cache/node_modules/@octokit/graphql-schema/schema.json"
if [ ! -s "$rest" ] || [ ! -s "$graphql" ]; then
  command -v npm >/dev/null || { echo "fetch-openapi: npm is needed to install @octokit/openapi" >&2; exit 1; }
  mkdir -p "$cache"
  npm install --silent --no-audit --no-fund --prefix "$cache" \
    "@octokit/openapi@$openapi_version" "@octokit/graphql-schema@$graphql_version" >&2
fi
for f in "$rest" "$graphql"; do
  [ -s "$f" ] || { echo "fetch-openapi: $f is missing after npm install" >&2; exit 1; }
done
echo "$rest"
echo "$graphql"
