#!/usr/bin/env bash
# Benchmark (not a test): the parser alone, `tfpost parse FILE > /dev/null` (JSON written too),
# on real plans of 1,000, 10,000 and 50,000 resources, and on pathological inputs at two sizes
# to show that time grows linearly with the input (the 2x input should take about 2x).
#
#   bash bench/parse.sh
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
bin=target/release/tfpost

zcat fixtures/bench/plan_10000.txt.gz > "$work/plan_10000.txt"
for k in 1 2 3 4 5; do sed "s/null_resource\./null_resource.c$k/g" "$work/plan_10000.txt"; done > "$work/plan_50000.txt"

# Best of 3 wall times in ms, and the peak RSS of the last run in KiB.
measure() {
  local best=999999 rss=0
  for _ in 1 2 3; do
    local start end
    start=$(date +%s%N)
    /usr/bin/time -f '%M' -o "$work/rss" "$bin" parse "$1" > /dev/null 2>&1 || true
    end=$(date +%s%N)
    local ms=$(( (end - start) / 1000000 ))
    (( ms < best )) && best=$ms
    rss=$(tail -n 1 "$work/rss")
  done
  printf '%-34s %10s bytes %6d ms %8d KiB\n' "$2" "$(wc -c < "$1")" "$best" "$rss"
}

measure fixtures/bench/plan_1000.txt "plan, 1,000 resources"
measure "$work/plan_10000.txt" "plan, 10,000 resources"
measure "$work/plan_50000.txt" "plan, 50,000 resources"

# Pathological inputs, each at N and 2N.
gen() {
  local kind=$1 n=$2 out=$3
  case $kind in
    braces) python3 -c "import sys; sys.stdout.write('{\n' * $n)" > "$out" ;;
    longline) python3 -c "import sys; sys.stdout.write('Terraform will perform the following actions:\n  # a.b will be created\n  + resource \"a\" \"b\" {\n      + v = \"' + 'x' * ($n * 10) + '\"\n')" > "$out" ;;
    nested) python3 -c "
import sys
w = sys.stdout.write
w('Terraform will perform the following actions:\n\n  # a.b will be created\n  + resource \"a\" \"b\" {\n')
for i in range($n // 100):
    w(''.join('  ' * d + '+ x = {\n' for d in range(2, 52)))
    w(''.join('  ' * d + '}\n' for d in range(51, 1, -1)))
" > "$out" ;;
    errors) python3 -c "import sys; sys.stdout.write('Error: boom\n\n' * ($n // 2))" > "$out" ;;
    headers) python3 -c "import sys; sys.stdout.write(''.join('  # null_resource.x[\"%d\"] will be created\n' % i for i in range($n // 2)))" > "$out" ;;
  esac
}
for kind in braces longline nested errors headers; do
  for n in 1000000 2000000; do
    gen "$kind" "$n" "$work/$kind.txt"
    measure "$work/$kind.txt" "$kind (n=$n)"
  done
done
