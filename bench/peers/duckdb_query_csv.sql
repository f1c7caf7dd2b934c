-- Issue #8 query on the portal CSV. The CSV has no per-policy detail (FORMATS.md §1.3), so
-- only the total and the per-IP groups are possible; "Conditional Access" is the only CA column.
-- DuckDB trims the header cells, so "Application ID " is matched as "Application ID".
WITH s AS (
    SELECT "IP address" AS ipAddress
    FROM {{SOURCE}}
    WHERE "Application ID" = '499b84ac-1321-427f-aa17-267ca6975798'
      AND "Date (UTC)" >= TIMESTAMP '2026-10-12 00:00:00'
      AND "Date (UTC)" <  TIMESTAMP '2026-10-19 00:00:00'
      AND "Conditional Access" = 'Failure'
)
SELECT 'total' AS kind, '' AS key, count(*) AS n FROM s
UNION ALL
SELECT 'ip', ipAddress, count(*) FROM s GROUP BY ipAddress
