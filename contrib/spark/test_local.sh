#!/usr/bin/env bash
# The Spark recipe in local mode (local[2]) on a generated archive of hourly PT1H.json files:
# its report must be byte for byte what one `casift analyze` over the same files (from the
# input root, in casift's order) writes, in JSON, and in Markdown and HTML from its merged
# part. Also with --assume-disjoint (where only the note may differ) and a filter.
# Usage: contrib/spark/test_local.sh [CASIFT_BINARY]   (default target/debug/casift)
set -euo pipefail
cd "$(dirname "$0")/../.."
CASIFT="$(realpath "${1:-target/debug/casift}")"
[ -x "$CASIFT" ] || { echo "no casift binary at $CASIFT (cargo build first)"; exit 1; }
python3 -c 'import pyspark' || { echo "pyspark is not installed"; exit 1; }
command -v spark-submit >/dev/null || { echo "spark-submit is not on PATH"; exit 1; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$WORK/bin"
# SparkFiles finds the binary by its name.
cp "$CASIFT" "$WORK/bin/casift"
IN="$WORK/archive"
python3 contrib/spark/gen_hourly.py "$IN" --hours 48 --per-hour 40
LOCS="$(realpath fixtures/locations/named_locations.json)"
cp "$LOCS" "$WORK/named_locations.json"

# The single-machine run: the same files, named as the recipe names them (relative to the
# input root), in casift's own order (a directory walk sorts the paths by component).
mapfile -t FILES < <(cd "$IN" && python3 -c '
import os
out = []
for root, dirs, files in os.walk("."):
    for f in files:
        if f.endswith(".json"):
            out.append(os.path.relpath(os.path.join(root, f), "."))
for p in sorted(out, key=lambda p: p.split("/")):
    print(p)')
echo "${#FILES[@]} hourly files"
single() {
  (cd "$IN" && "$CASIFT" analyze "${FILES[@]}" -q --locations "$WORK/named_locations.json" "$@")
}
single -f json > "$WORK/single.json"
single -f markdown > "$WORK/single.md"
single -f html > "$WORK/single.html"
single -f json --status failure > "$WORK/single-failures.json"

spark() {
  spark-submit --master 'local[2]' --conf spark.ui.enabled=false \
    --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 \
    contrib/spark/casift_spark.py --casift "$WORK/bin/casift" --input "$IN" \
    --locations "$WORK/named_locations.json" --fan-in 4 "$@" 2> "$WORK/spark.log" \
    || { tail -50 "$WORK/spark.log"; exit 1; }
}
spark --output "$WORK/spark.json" --format json --part-out "$WORK/root.part"
cmp "$WORK/single.json" "$WORK/spark.json"
"$CASIFT" merge "$WORK/root.part" -q -f markdown > "$WORK/spark.md"
"$CASIFT" merge "$WORK/root.part" -q -f html > "$WORK/spark.html"
cmp "$WORK/single.md" "$WORK/spark.md"
cmp "$WORK/single.html" "$WORK/spark.html"
python3 - "$WORK/single.json" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
t, s = v["totals"], v["summary"]
assert t["duplicates"] > 0, t
assert s["abandoned_flows"] > 0, s
assert any(f["rule"] == "IP001" for f in v["findings"]), "no IP001"
print(f"ok: {t['records_read']} records, {t['duplicates']} duplicates, "
      f"{s['abandoned_flows']} abandoned flows, {len(v['findings'])} findings")
EOF

# A filter applies on the executors.
spark --output "$WORK/spark-failures.json" --format json -- --status failure
cmp "$WORK/single-failures.json" "$WORK/spark-failures.json"

# --assume-disjoint: the planted repeats are counted twice and the report says so.
spark --output "$WORK/disjoint.json" --format json --assume-disjoint
python3 - "$WORK/single.json" "$WORK/disjoint.json" <<'EOF'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:])
assert any("--assume-disjoint" in n for n in b["notes"]), b["notes"]
assert b["totals"]["records_read"] == a["totals"]["records_read"]
assert b["totals"]["duplicates"] < a["totals"]["duplicates"], (a["totals"], b["totals"])
print("ok: --assume-disjoint says so in its notes")
EOF
echo "spark recipe: ok"
