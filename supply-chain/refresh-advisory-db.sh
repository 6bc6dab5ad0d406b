#!/usr/bin/env bash
# Regenerates supply-chain/advisory-db/ from a checkout of the RustSec advisory database:
#   git clone --depth 1 https://github.com/rustsec/advisory-db /tmp/advisory-db
#   bash supply-chain/refresh-advisory-db.sh /tmp/advisory-db
# Keeps every advisory filed under a crate name that Cargo.lock or fuzz/Cargo.lock mentions, so
# the snapshot stays small; run it again after a dependency change adds a crate name.
set -euo pipefail
checkout="${1:?usage: refresh-advisory-db.sh PATH-TO-ADVISORY-DB-CHECKOUT}"
cd "$(dirname "$0")/.."
[ -d "$checkout/crates" ] || { echo "error: $checkout has no crates/ directory" >&2; exit 1; }

out=supply-chain/advisory-db
commit="$(git -C "$checkout" rev-parse HEAD)"
date="$(TZ=UTC git -C "$checkout" show -s --format=%cd --date=format-local:%Y-%m-%d HEAD)"

rm -rf "$out/crates"
printf 'path\tcommit\n' >"$out/SOURCES.tsv"
names="$(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.lock fuzz/Cargo.lock | sort -u)"
for name in $names; do
  for advisory in "$checkout/crates/$name"/RUSTSEC-*.md; do
    [ -f "$advisory" ] || continue
    # RUSTSEC-0000-0000 is the placeholder id of advisories still under review.
    case "$(basename "$advisory")" in RUSTSEC-0000-0000*) continue ;; esac
    mkdir -p "$out/crates/$name"
    # Only the data is kept (see strip-advisory.awk): the prose stays with the database.
    awk -f supply-chain/strip-advisory.awk "$advisory" >"$out/crates/$name/$(basename "$advisory")"
    printf 'crates/%s/%s\t%s\n' "$name" "$(basename "$advisory")" "$commit" >>"$out/SOURCES.tsv"
  done
done
echo "$date" >"$out/SNAPSHOT_DATE"
echo "$(($(wc -l <"$out/SOURCES.tsv") - 1)) advisories for $(echo "$names" | wc -l) crate names, from $commit ($date)"
echo "now update the source and date in $out/README.md"
