#!/usr/bin/env bash
# Installs check-jsonschema (PyPI) into a cached virtualenv, for tests/install_ci_files.rs: it
# ships SchemaStore's published schemas for GitHub workflows (vendor.github-workflows), GitHub
# actions (vendor.github-actions) and CircleCI configuration (vendor.circle-ci), and validates
# YAML against them offline. Idempotent: does nothing when it is installed, so it works offline
# once cached. Prints the check-jsonschema executable's path.
set -euo pipefail
version="${TFPOST_CHECK_JSONSCHEMA_VERSION:-0.39.0}"
venv="${TFPOST_SCHEMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tfpost/schemas}/check-jsonschema-$version"
exe="$venv/bin/check-jsonschema"
if ! "$exe" --version >/dev/null 2>&1; then
  command -v python3 >/dev/null || { echo "fetch-schemas: python3 is needed for check-jsonschema" >&2; exit 1; }
  rm -rf "$venv"
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "check-jsonschema==$version" >&2
fi
"$exe" --version >/dev/null || { echo "fetch-schemas: $exe does not run" >&2; exit 1; }
echo "$exe"
