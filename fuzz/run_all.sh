#!/bin/sh
# Runs the given fuzz targets one after another (one fuzzer at a time), each for
# $SECS seconds or 10 million executions, whichever comes first; logs to logs/<target>.log.
set -u
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"
SECS=${SECS:-600}
mkdir -p logs
for t in "$@"; do
    start=$(date +%s)
    cargo fuzz run "$t" --sanitizer none -- \
        -max_total_time="$SECS" -runs=10000000 -timeout=10 -rss_limit_mb=4096 \
        -print_final_stats=1 -max_len=8192 > "logs/$t.log" 2>&1
    rc=$?
    echo "$t rc=$rc seconds=$(( $(date +%s) - start ))" >> logs/summary.txt
done
