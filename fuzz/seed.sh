#!/bin/sh
# Seeds each fuzz target's corpus from the repository's fixtures (run from anywhere).
# Whole files, plus their first 4 KiB so the fuzzer starts from small inputs too.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
fx="$here/../fixtures"
seed() { # target files...
    t=$1; shift
    mkdir -p "$here/corpus/$t"
    for f in "$@"; do
        [ -f "$f" ] || continue
        b=$(basename "$f")
        cp "$f" "$here/corpus/$t/$b"
        head -c 4096 "$f" > "$here/corpus/$t/head-$b"
    done
}
seed json_array "$fx"/signins/portal.json "$fx"/signins/portal_utf16.json "$fx"/signins/bad/*.json
seed json_lines "$fx"/signins/signins.jsonl "$fx"/signins/loganalytics.jsonl "$fx"/signins/bad/invalid_utf8.jsonl "$fx"/signins/bad/truncated.json
seed graph_page "$fx"/signins/graph_pages.json "$fx"/signins/eventhub.json
seed diagnostic "$fx"/signins/diagnostic_PT1H.json "$fx"/signins/eventhub.json
seed portal_csv "$fx"/signins/csv/*SignIns*.csv
seed la_csv "$fx"/signins/csv/loganalytics_signinlogs.csv
seed locations "$fx"/locations/*
seed policies "$fx"/policies/*.json "$fx"/policies/*.csv "$fx"/policies/entity.zip "$fx"/policies/goose/* \
    "$fx"/policies/entity/*.json "$fx"/tenant/*.json "$fx"/lint/*.json
# One record per seed for the decoder: the lines of the JSON-lines fixtures.
mkdir -p "$here/corpus/json_decode"
cat "$fx"/signins/signins.jsonl "$fx"/signins/loganalytics.jsonl "$fx"/signins/evidence/signins.jsonl | awk -v d="$here/corpus/json_decode" \
    'NF { f = sprintf("%s/line-%03d.json", d, NR); printf "%s", $0 > f; close(f) }'
# The containers too: every reader target must survive gzip and zip input.
for t in json_array json_lines graph_page diagnostic portal_csv la_csv; do
    cp "$fx"/signins/portal.json.gz "$fx"/signins/bundle.zip "$here/corpus/$t/"
done
# Parts for `part`, written by the casift binary when one is built (`cargo build --release`).
bin="$here/../target/release/casift"
if [ -x "$bin" ]; then
    d="$here/corpus/part"
    mkdir -p "$d"
    "$bin" analyze "$fx"/signins/portal.json --partial -o "$d/portal.part" -q || true
    "$bin" analyze "$fx"/signins/signins.jsonl --locations "$fx"/locations/named_locations.json \
        --partial -o "$d/jsonl-locations.part" -q || true
    "$bin" analyze "$fx"/signins/signins.jsonl --assume-disjoint --partial -o "$d/disjoint.part" -q || true
    for f in "$fx"/signins/csv/*SignIns*.csv; do
        "$bin" analyze "$f" --partial -o "$d/$(basename "$f").part" -q || true
        break
    done
else
    echo "no $bin: the part target starts from an empty corpus (cargo build --release first)" >&2
fi
echo "seeded $(find "$here/corpus" -type f | wc -l) files under $here/corpus"
