#!/usr/bin/env bash
# Benchmark (not a test): peak RSS of `tfpost plan` posting to a GitHub API that answers every
# request with a 100 MB body (a broken or hostile server). tfpost reads at most 16 MiB of an
# answer (src/http/transport.rs), then fails the post with "the answer is larger than 16 MiB".
#
#   bash bench/http-cap.sh
#   TFPOST_BIN=target/debug/tfpost bash bench/http-cap.sh   # an already built binary, no build
#
# Target: at most 64 MiB peak RSS (reading the whole answer took over 200 MiB), the post failed
# with that message, and the plan on stdout byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
server=""
trap '[[ -n "$server" ]] && kill "$server" 2> /dev/null; rm -rf "$work"' EXIT

if [[ -n "${TFPOST_BIN:-}" ]]; then
  bin=$(realpath "$TFPOST_BIN")
else
  cargo build --release --quiet
  bin=$PWD/target/release/tfpost
fi

# A server on 127.0.0.1 that streams `[` + 100 MB of spaces + `]` to any request.
cat > "$work/server.py" <<'PY'
import http.server, sys

SIZE = 100 * 1000 * 1000

class Huge(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def answer(self):
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(SIZE + 2))
        self.end_headers()
        chunk = b" " * (1 << 20)
        try:
            self.wfile.write(b"[")
            for _ in range(SIZE // len(chunk)):
                self.wfile.write(chunk)
            self.wfile.write(b" " * (SIZE % len(chunk)) + b"]")
        except (BrokenPipeError, ConnectionResetError):
            pass
    do_GET = do_POST = do_PATCH = answer
    def log_message(self, *args):
        pass

server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Huge)
print(server.server_address[1], flush=True)
server.serve_forever()
PY
python3 "$work/server.py" > "$work/port" &
server=$!
for _ in $(seq 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
port=$(cat "$work/port")

plan=fixtures/tf-1.15.5/mixed.plan.txt
code=0
env -i PATH="$PATH" GITHUB_TOKEN=ghp_benchmarkbenchmarkbenchmarkbenchmark \
  GITHUB_API_URL="http://127.0.0.1:$port" \
  /usr/bin/time -f '%M' -o "$work/rss" "$bin" plan --notify github --owner acme --repo infra --pr 42 < "$plan" > "$work/out" 2> "$work/err" || code=$?

cmp -s "$plan" "$work/out" || { echo "stdout is not the plan byte for byte" >&2; cat "$work/err" >&2; exit 1; }
grep -q "the answer is larger than 16 MiB" "$work/err" || { cat "$work/err" >&2; exit 1; }
printf '| server | exit code | peak RSS |\n|---|---|---|\n'
printf '| 100 MB answer to every request | %s | %s MiB |\n' "$code" "$(( $(tail -1 "$work/rss") / 1024 ))"
