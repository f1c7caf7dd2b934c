#!/usr/bin/env bash
# Runs the issue #8 query with DuckDB (Python package: pip install duckdb) on one file.
# usage: duckdb.sh FILE [THREADS]   — prints "kind<TAB>key<TAB>count" lines, byte-sorted.
# The format follows the file name the generator uses: *.csv, *.jsonl, else a JSON array.
set -euo pipefail
file=$1
threads=${2:-2}
here=$(cd "$(dirname "$0")" && pwd)
columns="{'appId': 'VARCHAR', 'createdDateTime': 'TIMESTAMP', 'ipAddress': 'VARCHAR',
  'conditionalAccessStatus': 'VARCHAR',
  'appliedConditionalAccessPolicies': 'STRUCT(displayName VARCHAR, result VARCHAR)[]'}"
case "$file" in
  *.csv)
    sql_file=$here/duckdb_query_csv.sql
    # all_varchar keeps DuckDB from sniffing types over the file; the date is cast explicitly.
    source="(SELECT \"Application ID\", \"IP address\", \"Conditional Access\",
      CAST(\"Date (UTC)\" AS TIMESTAMP) AS \"Date (UTC)\"
      FROM read_csv('$file', header = true, all_varchar = true))" ;;
  *.jsonl) sql_file=$here/duckdb_query.sql
    source="read_json('$file', format = 'newline_delimited', columns = $columns)" ;;
  *) sql_file=$here/duckdb_query.sql
    source="read_json('$file', format = 'array', columns = $columns)" ;;
esac
SQL_FILE=$sql_file SOURCE=$source THREADS=$threads python3 - <<'PY' | LC_ALL=C sort
import os, duckdb
sql = open(os.environ["SQL_FILE"]).read().replace("{{SOURCE}}", os.environ["SOURCE"])
con = duckdb.connect()
con.execute(f"SET threads = {int(os.environ['THREADS'])}")
for kind, key, n in con.execute(sql).fetchall():
    print(f"{kind}\t{key}\t{n}")
PY
