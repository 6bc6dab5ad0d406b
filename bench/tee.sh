#!/usr/bin/env bash
# Benchmark (not a test): `tfpost plan --dry-run` on a 50,000-resource plan piped in, against
# `cat | cat` on the same file. Whole process, wall time (median of RUNS) and tfpost's peak RSS.
#
#   bash bench/tee.sh            # RUNS=31 by default
#
# Targets: within 3x the wall time of `cat | cat`, peak RSS <= 32 MiB.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-31}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
plan=$work/plan_50000.txt

cargo build --release --quiet
bin=target/release/tfpost

# Five copies of the 10,000-resource plan, addresses renamed per copy (r -> r1..r5) so every
# resource is distinct, under one "Terraform will perform" header and one summed Plan: line.
zcat fixtures/bench/plan_10000.txt.gz > "$work/one.txt"
awk -v out="$work" '
  /^Terraform will perform the following actions:/ { part = 1; print > (out "/header.txt"); next }
  /^Plan: [0-9]+ to add/ { part = 2; print > (out "/planline.txt"); next }
  part == 0 { print > (out "/refresh.txt") }
  part == 1 { print > (out "/body.txt") }
  part == 2 { print > (out "/trailer.txt") }
' "$work/one.txt"
rename() { sed -e "s/null_resource\.r\[/null_resource.r$1[/g" -e "s/\"null_resource\" \"r\"/\"null_resource\" \"r$1\"/g" "$2"; }
{
  for k in 1 2 3 4 5; do rename "$k" "$work/refresh.txt"; done
  cat "$work/header.txt"
  for k in 1 2 3 4 5; do rename "$k" "$work/body.txt"; done
  awk '{ gsub(/[^0-9 ]/, " "); printf "Plan: %d to add, %d to change, %d to destroy.\n", $1 * 5, $2 * 5, $3 * 5 }' "$work/planline.txt"
  cat "$work/trailer.txt"
} > "$plan"
printf 'input: %s bytes, %s resource blocks, %s\n' "$(wc -c < "$plan")" "$(grep -c '^  # ' "$plan")" "$(grep '^Plan:' "$plan")"

# Wall time in milliseconds of one run of a shell command.
run_ms() {
  local start end
  start=$(date +%s%N)
  bash -c "$1"
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

size=$(wc -c < "$plan")
# When the log is complete: the moment the reader of tfpost's stdout has every byte, while tfpost
# may still be parsing, and when the same run ended. Shows that the tee does not wait for the
# parser.
log_run() {
  local start
  start=$(date +%s%N)
  cat "$plan" | "$bin" plan --dry-run 2> /dev/null | { head -c "$size" > /dev/null; date +%s%N > "$work/t"; cat > /dev/null; } || true
  echo "$(( ($(cat "$work/t") - start) / 1000000 )) $(( ($(date +%s%N) - start) / 1000000 ))"
}

cat "$plan" > /dev/null # page cache
# The commands take turns, RUNS rounds, so that a noisy moment of the machine (a VM's
# neighbours) falls on all of them alike; each figure is the median of its RUNS times.
: > "$work/base"; : > "$work/pipe"; : > "$work/wrap"; : > "$work/log"
for _ in $(seq "$RUNS"); do
  run_ms "cat '$plan' | cat > /dev/null" >> "$work/base"
  run_ms "cat '$plan' | '$bin' plan --dry-run > /dev/null 2> /dev/null" >> "$work/pipe"
  run_ms "'$bin' plan --dry-run -- cat '$plan' > /dev/null 2> /dev/null" >> "$work/wrap"
  log_run >> "$work/log"
done
base=$(median < "$work/base")
pipe=$(median < "$work/pipe")
wrap=$(median < "$work/wrap")
logged=$(cut -d' ' -f1 "$work/log" | median)
logged_end=$(cut -d' ' -f2 "$work/log" | median)
cat "$plan" | /usr/bin/time -f '%M' -o "$work/rss-pipe" "$bin" plan --dry-run > /dev/null 2> /dev/null || true
/usr/bin/time -f '%M' -o "$work/rss-wrap" "$bin" plan --dry-run -- cat "$plan" > /dev/null 2> /dev/null || true
# The tee must be byte-exact on the big input too.
code=0
cat "$plan" | "$bin" plan --dry-run -q > "$work/out" 2> /dev/null || code=$?
cmp "$work/out" "$plan" && echo "tee: byte-exact (tfpost exit code $code)"

printf 'cat | cat:                        %6s ms\n' "$base"
printf 'cat | tfpost plan --dry-run:      %6s ms  (%s x)  peak RSS %s KiB\n' "$pipe" \
  "$(awk -v a="$pipe" -v b="$base" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }')" "$(tail -n1 "$work/rss-pipe")"
printf '  the log: its reader had the last byte after %s ms (those runs ended after %s ms)\n' "$logged" "$logged_end"
printf 'tfpost plan --dry-run -- cat:     %6s ms  (%s x)  peak RSS %s KiB\n' "$wrap" \
  "$(awk -v a="$wrap" -v b="$base" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 1) }')" "$(tail -n1 "$work/rss-wrap")"
