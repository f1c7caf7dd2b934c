-- Issue #8 query: Azure DevOps sign-ins in one week whose Conditional Access failed,
-- grouped by failed policy and by IP. One row per group: kind, key, sign-ins.
-- duckdb.sh substitutes the SOURCE placeholder below with read_json(...) and explicit columns.
WITH s AS (
    SELECT ipAddress, appliedConditionalAccessPolicies AS policies
    FROM {{SOURCE}}
    WHERE appId = '499b84ac-1321-427f-aa17-267ca6975798'
      AND createdDateTime >= TIMESTAMP '2026-10-12 00:00:00'
      AND createdDateTime <  TIMESTAMP '2026-10-19 00:00:00'
      AND (conditionalAccessStatus = 'failure'
           OR len(list_filter(appliedConditionalAccessPolicies, lambda p: p.result = 'failure')) > 0)
),
failed AS (
    SELECT unnest(list_filter(policies, lambda p: p.result = 'failure')).displayName AS policy FROM s
)
SELECT 'total' AS kind, '' AS key, count(*) AS n FROM s
UNION ALL
SELECT 'ip', ipAddress, count(*) FROM s GROUP BY ipAddress
UNION ALL
SELECT 'policy', policy, count(*) FROM failed GROUP BY policy
