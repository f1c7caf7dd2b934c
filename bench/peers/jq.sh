#!/usr/bin/env bash
# Runs the issue #8 query (query.jq) with jq, or with jaq when JQ=jaq, on one file.
# usage: [JQ=jaq] jq.sh FILE   — prints "kind<TAB>key<TAB>count" lines, byte-sorted.
# A JSON array (*.json) is loaded whole, as jq must; JSON lines (*.jsonl) are read one
# record at a time and only the matching records are kept.
set -euo pipefail
file=$1
jq=${JQ:-jq}
here=$(cd "$(dirname "$0")" && pwd)
case "$file" in
  *.jsonl)
    # Keep only the matches while streaming, then hand the array to the same query.
    "$jq" -n -r "$(sed -n '/^def matches/,/;$/p' "$here/query.jq")
      [inputs | select(matches)]" "$file" | "$jq" -r -f "$here/query.jq" ;;
  *.csv) echo "jq.sh: CSV is not supported by jq/jaq" >&2; exit 2 ;;
  *) "$jq" -r -f "$here/query.jq" "$file" ;;
esac | LC_ALL=C sort
