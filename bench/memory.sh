#!/usr/bin/env bash
# Benchmark (not a test): peak RSS of `tfpost plan --dry-run` on hostile shapes of output, with a
# token set (every CI run has one: the tee goes through the masker and the model is masked
# before rendering).
#
#   bash bench/memory.sh                 # SECONDS_ENDLESS=60 by default
#   TFPOST_BIN=target/debug/tfpost bash bench/memory.sh   # an already built binary, no build
#
# Targets: at most 64 MiB on 1M `Error:` blocks, on 1M `Warning:` blocks, and on a producer that
# writes resource headers without end (stopped after SECONDS_ENDLESS); at most 200 MiB on a
# 600,000-resource plan. The tee must stay byte-exact: each input's stdout is compared.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_ENDLESS=${SECONDS_ENDLESS:-60}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [[ -n "${TFPOST_BIN:-}" ]]; then
  bin=$(realpath "$TFPOST_BIN")
else
  cargo build --release --quiet
  bin=$PWD/target/release/tfpost
fi
export GITHUB_TOKEN=ghp_benchmarkbenchmarkbenchmarkbenchmark
unset CI GITHUB_ACTIONS CIRCLECI GITLAB_CI

awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "Error: Invalid reference %d\n\n  on main.tf line %d:\n\n", i, i }' > "$work/errors.txt"
awk 'BEGIN { for (i = 0; i < 1000000; i++) printf "Warning: Deprecated attribute %d\n\n  on main.tf line %d:\n\n", i, i }' > "$work/warnings.txt"

# 600,000 resources: sixty renamed copies of the 10,000-resource plan under one header and one
# summed Plan: line (as bench/tee.sh does with five).
zcat fixtures/bench/plan_10000.txt.gz > "$work/one.txt"
awk -v out="$work" '
  /^Terraform will perform the following actions:/ { part = 1; print > (out "/header.txt"); next }
  /^Plan: [0-9]+ to add/ { part = 2; print > (out "/planline.txt"); next }
  part == 1 { print > (out "/body.txt") }
' "$work/one.txt"
{
  cat "$work/header.txt"
  for k in $(seq 1 60); do
    sed -e "s/null_resource\.r\[/null_resource.r$k[/g" -e "s/\"null_resource\" \"r\"/\"null_resource\" \"r$k\"/g" "$work/body.txt"
  done
  awk '{ gsub(/[^0-9 ]/, " "); printf "Plan: %d to add, %d to change, %d to destroy.\n", $1 * 60, $2 * 60, $3 * 60 }' "$work/planline.txt"
} > "$work/plan_600000.txt"

# Peak RSS in MiB of `tfpost plan --dry-run` reading FILE; checks the tee.
rss_of_file() {
  /usr/bin/time -f '%M' -o "$work/rss" "$bin" plan --dry-run < "$1" > "$work/out" 2> /dev/null || true
  cmp -s "$1" "$work/out" || { echo "memory.sh: the tee changed $1" >&2; exit 1; }
  echo $(( $(tail -n 1 "$work/rss") / 1024 ))
}

printf '| input | size | peak RSS |\n|---|---|---|\n'
for name in errors warnings plan_600000; do
  file=$work/$name.txt
  printf '| %s | %s MB | %s MiB |\n' "$name" "$(( $(wc -c < "$file") / 1000000 ))" "$(rss_of_file "$file")"
done

# Endless producer: resource headers, each a new address, until it is stopped.
endless() {
  echo "Terraform will perform the following actions:"
  awk 'BEGIN { for (i = 0; ; i++) printf "  # null_resource.r[%d] will be created\n", i }'
}
{ endless | timeout "$SECONDS_ENDLESS" cat || true; } \
  | /usr/bin/time -f '%M' -o "$work/rss" "$bin" plan --dry-run 2> /dev/null | wc -c > "$work/bytes" || true
printf '| endless resource headers, %s s | %s MB | %s MiB |\n' "$SECONDS_ENDLESS" \
  "$(( $(cat "$work/bytes") / 1000000 ))" "$(( $(tail -n 1 "$work/rss") / 1024 ))"
