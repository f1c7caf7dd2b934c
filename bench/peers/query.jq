# Issue #8 query for jq and jaq: Azure DevOps sign-ins in one week whose Conditional Access
# failed, grouped by failed policy and by IP. Input: an array of sign-ins (jq.sh builds it).
# Output: "kind<TAB>key<TAB>count" lines; jq.sh sorts them.
# createdDateTime is compared as text: every generated value has the same RFC 3339 `Z` shape.
def matches:
  .appId == "499b84ac-1321-427f-aa17-267ca6975798"
  and .createdDateTime >= "2026-10-12T00:00:00Z"
  and .createdDateTime < "2026-10-19T00:00:00Z"
  and (.conditionalAccessStatus == "failure"
       or any(.appliedConditionalAccessPolicies[]?; .result == "failure"));

[.[] | select(matches)]
| (["total", "", length] | @tsv),
  (group_by(.ipAddress)[] | ["ip", .[0].ipAddress, length] | @tsv),
  ([.[] | .appliedConditionalAccessPolicies[]? | select(.result == "failure") | .displayName]
   | group_by(.)[] | ["policy", .[0], length] | @tsv)
