//! The Graph side of the synthetic tenant (tests/support/tenant.rs): the Conditional Access
//! policy list for `--policies` and the named locations for `--locations`, ids matching the log.

use serde_json::{Value, json};

use super::*;

fn graph_policy(
    id: &str,
    name: &str,
    state: &str,
    apps: &[&str],
    grant: &str,
    extra: Value,
) -> Value {
    let mut conditions = json!({
        "users": {"includeUsers": ["All"], "excludeUsers": [], "includeGroups": [],
                  "excludeGroups": ["0b0b0000-0000-4000-9000-000000000001"], "includeRoles": [], "excludeRoles": []},
        "applications": {"includeApplications": apps, "excludeApplications": []},
        "clientAppTypes": ["all"], "locations": null, "platforms": null,
        "signInRiskLevels": [], "userRiskLevels": [],
    });
    if let (Some(c), Some(e)) = (conditions.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            c.insert(k.clone(), v.clone());
        }
    }
    json!({"id": id, "displayName": name, "state": state,
           "createdDateTime": "2026-01-05T10:00:00Z", "modifiedDateTime": "2026-06-01T10:00:00Z",
           "conditions": conditions,
           "grantControls": {"operator": "OR", "builtInControls": [grant]}, "sessionControls": null})
}

pub fn policies() -> Value {
    let all = ["All"];
    json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies",
    "value": [
      graph_policy(P_MFA, "Require MFA for all users", "enabled", &all, "mfa", json!({})),
      graph_policy(P_PAT, "Block Azure DevOps outside corporate network", "enabled", &[ADO], "block",
          json!({"locations": {"includeLocations": ["All"], "excludeLocations": [L_HQ, L_VPN]}})),
      graph_policy(P_RISK, "Block high sign-in risk", "enabled", &all, "block", json!({"signInRiskLevels": ["high"]})),
      graph_policy(P_COMPLIANT, "Require compliant device for Exchange Online", "enabled", &[EXO], "compliantDevice", json!({})),
      graph_policy(P_HYBRID, "Require hybrid joined device for Azure management", "enabled", &[PORTAL], "domainJoinedDevice", json!({})),
      graph_policy(P_LEGACY, "Block legacy authentication", "enabled", &all, "block",
          json!({"clientAppTypes": ["exchangeActiveSync", "other"]})),
      graph_policy(P_COUNTRY, "Block access outside allowed countries", "enabled", &all, "block",
          json!({"locations": {"includeLocations": ["All"], "excludeLocations": [L_COUNTRIES]}})),
      graph_policy(P_REPORT_ONLY, "Require compliant device for SharePoint (report-only)",
          "enabledForReportingButNotEnforced", &[SPO], "compliantDevice", json!({})),
    ]})
}

pub fn locations() -> Value {
    let ip = |id: &str, name: &str, trusted: bool, ranges: &[&str]| {
        let ranges: Vec<Value> = ranges
            .iter()
            .map(|r| {
                let t = if r.contains(':') {
                    "iPv6CidrRange"
                } else {
                    "iPv4CidrRange"
                };
                json!({"@odata.type": format!("#microsoft.graph.{t}"), "cidrAddress": r})
            })
            .collect();
        json!({"@odata.type": "#microsoft.graph.ipNamedLocation", "id": id, "displayName": name,
               "createdDateTime": "2024-01-10T08:00:00Z", "modifiedDateTime": "2024-03-01T12:30:00Z",
               "isTrusted": trusted, "ipRanges": ranges})
    };
    json!({"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/namedLocations",
    "value": [
      // Stale: the tenant now has the whole /24 (the log says so for 198.51.100.200-203).
      ip(L_HQ, "Contoso HQ", true, &["198.51.100.0/25", "2001:db8:100::/48"]),
      ip(L_VPN, "VPN egress", true, &["203.0.113.64/27"]),
      ip(L_BRANCH, "Branch office", false, &["203.0.113.128/26"]),
      {"@odata.type": "#microsoft.graph.countryNamedLocation", "id": L_COUNTRIES,
       "displayName": "Allowed countries", "createdDateTime": "2024-01-10T08:10:00Z",
       "modifiedDateTime": "2024-01-10T08:10:00Z", "countriesAndRegions": ["NL", "BE", "DE", "US"],
       "includeUnknownCountriesAndRegions": false, "countryLookupMethod": "clientIpAddress"},
    ]})
}
