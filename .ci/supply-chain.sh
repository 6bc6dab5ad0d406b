#!/usr/bin/env bash
# Supply-chain checks (README, "Supply chain"). Nothing is fetched but crates from crates.io: the
# RustSec database comes from the repository.
#   - cargo-deny: RustSec advisories against the snapshot vendored in supply-chain/advisory-db/,
#     licenses, banned crates (OpenSSL, native-tls, a second rustls crypto provider), sources;
#   - no OpenSSL or native-tls anywhere in `cargo tree`, on any target, dev-dependencies included.
# TFPOST_ADVISORY_DB=/path/to/advisory-db checks against a full checkout instead of the snapshot.
set -euo pipefail
cd "$(dirname "$0")/.."

deny_version=0.20.2
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
deny="$cargo_bin/cargo-deny"

# cargo-deny is built from crates.io once per machine and kept in ~/.cargo/bin.
if [ "$("$deny" --version 2>/dev/null)" != "cargo-deny $deny_version" ]; then
  echo "supply-chain: building cargo-deny $deny_version (once per machine: about 4 minutes on 2 cores)" >&2
  # Its release profile asks for fat LTO and a single codegen unit: a slower build of a tool that
  # runs for a second. Plain release settings instead.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install --quiet --locked --version "$deny_version" cargo-deny
fi

# cargo-deny reads a database from a git checkout under db-path (deny.toml), in a directory named
# after the database URL: its last path segment and an XxHash64 of the URL (url_to_db_path in
# cargo-deny's src/advisories/helpers/db.rs). The name is pinned with the version above; if a new
# version changes the scheme, cargo-deny stops with "failed to find expected `crates` directory".
# The checkout's date is the snapshot's date, so cargo-deny's staleness limit applies to it.
work=target/supply-chain
db="$work/advisory-dbs/advisory-db-3157b0e258782691"
if [ -n "${TFPOST_ADVISORY_DB:-}" ]; then
  source_dir="$TFPOST_ADVISORY_DB"
  snapshot_date="$(git -C "$source_dir" show -s --format=%cI HEAD)"
else
  source_dir=supply-chain/advisory-db
  snapshot_date="$(cat "$source_dir/SNAPSHOT_DATE")T00:00:00Z"
fi
rm -rf "$db"
mkdir -p "$db"
cp -R "$source_dir/crates" "$db/crates"
(
  cd "$db"
  unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY GIT_ALTERNATE_OBJECT_DIRECTORIES
  export GIT_AUTHOR_DATE="$snapshot_date" GIT_COMMITTER_DATE="$snapshot_date"
  git init --quiet
  git add crates
  git -c user.name=tfpost-ci -c user.email=ci@tfpost.invalid -c commit.gpgsign=false \
    commit --quiet --message "RustSec advisory snapshot $snapshot_date"
  touch -d "$snapshot_date" .git/HEAD
)
age_days=$((($(date +%s) - $(date -d "$snapshot_date" +%s)) / 86400))
echo "supply-chain: advisories from $source_dir, $age_days days old ($(find "$db/crates" -name 'RUSTSEC-*.md' | wc -l) advisories)"
if [ "$age_days" -gt 90 ]; then
  echo "warning: the advisory snapshot is $age_days days old: refresh it (supply-chain/advisory-db/README.md)" >&2
fi

# --offline keeps cargo-deny off the network (no database fetch); the crates it inspects are
# downloaded first, for every target, since CI starts from an empty registry cache.
cargo fetch --locked --quiet
"$deny" --offline --locked check

# cargo-deny above covers the shipped targets; this covers every target and edge kind, features
# included, so no OpenSSL or native-tls can come in through a dev-dependency or another platform.
for banned in openssl openssl-sys native-tls; do
  # `cargo tree -i` prints nothing (and a warning) when the package is locked but never built, and
  # fails with "did not match any packages" when it is not in Cargo.lock at all: both are a pass.
  # A printed tree, or any other failure, is not.
  if tree="$(cargo tree --locked --target all -e features -i "$banned" 2>"$work/cargo-tree.err")"; then
    if [ -n "$tree" ]; then
      printf 'error: %s is in the dependency tree:\n%s\n' "$banned" "$tree" >&2
      exit 1
    fi
  elif ! grep -q 'did not match any packages' "$work/cargo-tree.err"; then
    cat "$work/cargo-tree.err" >&2
    exit 1
  fi
done
echo "supply-chain: no openssl, openssl-sys or native-tls in the dependency tree"
