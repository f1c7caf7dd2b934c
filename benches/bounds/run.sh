#!/usr/bin/env bash
# Peak memory, time and report size on the hostile inputs of gen.py (BENCHMARKS.md, "Memory
# bounds"). Usage: benches/bounds/run.sh [BINARY] [DATA_DIR]; needs GNU time (/usr/bin/time).
set -euo pipefail
bin="${1:-target/release/casift}"
data="${2:-/tmp/casift-bounds}"
[ -f "$data/users.jsonl" ] || python3 "$(dirname "$0")/gen.py" "$data"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
measure() {
  local name="$1"; shift
  /usr/bin/time -f "%M %e" -o "$out/time" "$bin" "$@" -o "$out/report" 2>/dev/null || true
  read -r kb secs < "$out/time"
  printf '| %s | %d MB | %.2f s | %s bytes |\n' "$name" $((kb / 1024)) "$secs" "$(stat -c %s "$out/report")"
}
echo "| input | peak RSS | time | report |"
echo "|---|---|---|---|"
measure "1,000,000 distinct accounts, JSON report" analyze "$data/users.jsonl" -f json -q
measure "1,000,000 distinct accounts, Markdown" analyze "$data/users.jsonl" -f markdown -q
measure "100,000 policies in 101 records" analyze "$data/policies.json" -f json -q
measure "100 IPs x 100,000 overlapping locations" analyze "$data/ips.json" --locations "$data/locations.json" -f json -q
measure "explain --id '*' over 1,000,000 sign-ins" explain "$data/users.jsonl" --id '*' -q
