#!/usr/bin/env bash
# Times every peer on the generated exports and checks that they all give the same answer.
#
# usage: bench/peers/run_all.sh [RECORDS]     (default 100000; generate the files first with
#        CASIFT_BENCH_RECORDS=RECORDS cargo bench --bench pipeline)
# env:   DATA_DIR (default ${CARGO_TARGET_DIR:-target}/bench-data), RUNS (default 3),
#        PEERS (default "duckdb jq jaq"; a peer whose tool is missing is skipped),
#        THREADS for DuckDB (default 2).
#
# Each run is timed with /usr/bin/time (wall clock, peak RSS of the whole process tree);
# the table shows the median wall time and the largest peak RSS of RUNS runs, warm cache.
# Answers go to $DATA_DIR/peers-RECORDS/<peer>.<format>.tsv and are compared with the
# generator's signins-RECORDS.expected.tsv (CSV: without the per-policy rows, which the
# portal CSV cannot carry).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
records=${1:-100000}
dir=${DATA_DIR:-${CARGO_TARGET_DIR:-target}/bench-data}
runs=${RUNS:-3}
peers=${PEERS:-duckdb jq jaq}
export THREADS=${THREADS:-2}
out=$dir/peers-$records
mkdir -p "$out"
expected=$dir/signins-$records.expected.tsv
[ -f "$expected" ] || { echo "no $expected: run CASIFT_BENCH_RECORDS=$records cargo bench --bench pipeline" >&2; exit 2; }

have() {
  case $1 in
    duckdb) python3 -c 'import duckdb' 2>/dev/null ;;
    *) command -v "$1" >/dev/null ;;
  esac
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "| peer | format | file MB | median s | MB/s | peak RSS MB | answer |"
echo "|---|---|---|---|---|---|---|"
status=0
for peer in $peers; do
  if ! have "$peer"; then echo "| $peer | (not installed, skipped) | | | | | |"; continue; fi
  for format in json pretty.json jsonl csv; do
    file=$dir/signins-$records.$format
    [ "$format" = csv ] && [ "$peer" != duckdb ] && continue
    [ -f "$file" ] || { echo "missing $file" >&2; exit 2; }
    answer=$out/$peer.$format.tsv
    times=()
    rss=0
    for _ in $(seq "$runs"); do
      /usr/bin/time -f '%e %M' -o "$out/time.txt" "$here/$peer.sh" "$file" > "$answer"
      read -r t m < "$out/time.txt"
      times+=("$t")
      [ "$m" -gt "$rss" ] && rss=$m
    done
    med=$(printf '%s\n' "${times[@]}" | median)
    mb=$(stat -c %s "$file" | awk '{printf "%.0f", $1/1e6}')
    if [ "$format" = csv ]; then
      want=$(grep -v '^policy' "$expected")
    else
      want=$(cat "$expected")
    fi
    if [ "$(cat "$answer")" = "$want" ]; then verdict=same; else verdict=DIFFERENT; status=1; fi
    label=$peer; [ "$peer" = duckdb ] && label="duckdb ($THREADS threads)"
    printf '| %s | %s | %s | %s | %.0f | %.0f | %s |\n' "$label" "$format" "$mb" "$med" \
      "$(awk -v m="$mb" -v t="$med" 'BEGIN {print m/t}')" "$(awk -v k="$rss" 'BEGIN {print k/1024}')" "$verdict"
  done
done
rm -f "$out/time.txt"
exit $status
