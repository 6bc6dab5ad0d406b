#!/usr/bin/env bash
# Benchmark (not a test): what masking costs in memory. `tfpost plan --dry-run` with nothing to
# mask against the same run with credentials and `mask:` values set (every CI run masks), peak
# RSS of each, on a 50,000-resource plan and on an output of 200,000 `Error:` blocks.
#
#   bash bench/mask.sh
#
# Target: the masked run's peak RSS within 10% of the unmasked one's. Exits 1 when missed.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
bin=target/release/tfpost

zcat fixtures/bench/plan_10000.txt.gz > "$work/one.txt"
for k in 1 2 3 4 5; do sed "s/null_resource\./null_resource.c$k/g" "$work/one.txt"; done > "$work/plan_50000.txt"
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "\nError: Invalid value %d\n\n  on main.tf line %d:\n  12:   value = var.x\n\nThe value is not valid.\n", i, i % 900 + 1 }' > "$work/errors.txt"

# Peak RSS in KiB of tfpost on $2, run in directory $1, with the environment given after them.
rss() {
  local dir=$1 input=$2
  shift 2
  (cd "$dir" && env -i PATH="$PATH" HOME="$work" "$@" /usr/bin/time -f '%M' -o "$work/rss" \
    "$root/$bin" plan --dry-run < "$input" > /dev/null 2> /dev/null) || true
  tail -n 1 "$work/rss"
}

root=$PWD
mkdir "$work/plain" "$work/masked"
cat > "$work/masked/tfpost.yaml" <<'YAML'
mask:
  env: [DB_PASSWORD]
  patterns: ['AKIA[0-9A-Z]{16}']
YAML
status=0
for input in plan_50000.txt errors.txt; do
  plain=$(rss "$work/plain" "$work/$input")
  masked=$(rss "$work/masked" "$work/$input" GITHUB_TOKEN=ghp_0123456789abcdefghijklmnopqrstuvwxyzAB \
    SLACK_WEBHOOK_URL=https://hooks.slack.com/services/T0001/B0002/AbCdEfGhIjKlMnOpQrStUvWx \
    DB_PASSWORD=s3cr3t-value-42)
  ratio=$(awk -v m="$masked" -v p="$plain" 'BEGIN { printf "%.3f", m / p }')
  printf '%-16s %10s bytes  unmasked %8s KiB  masked %8s KiB  (%s x)\n' \
    "$input" "$(wc -c < "$work/$input")" "$plain" "$masked" "$ratio"
  awk -v r="$ratio" 'BEGIN { exit !(r > 1.10) }' && status=1
done
exit "$status"
