//! Schema 2's bounded lists and ranking on generated tenants: 1,150 users (the blocked ones
//! first, "N of M" where cut) and 70,000 sign-ins (a screenful before the detail).

use serde_json::Value;

use super::*;

// ---------------------------------------------------------------- bounded lists

/// A portal export: `blocked` users blocked once by a location policy (each from its own
/// IPv6 address), then `busy` users with five successful sign-ins each.
fn tenant(blocked: usize, busy: usize) -> String {
    let mut records = Vec::new();
    let rec = |n: usize, user: String, ip: String, code: i64| {
        serde_json::json!({
            "id": format!("00000000-0000-4000-8000-{n:012}"),
            "createdDateTime": "2026-10-01T09:00:00Z",
            "userPrincipalName": user,
            "userId": format!("0e000000-0000-4000-b000-{n:012}"),
            "appId": "499b84ac-1321-427f-aa17-267ca6975798",
            "appDisplayName": "Azure DevOps",
            "ipAddress": ip,
            "correlationId": format!("00000000-0000-4000-9000-{n:012}"),
            "conditionalAccessStatus": if code == 0 { "success" } else { "failure" },
            "isInteractive": false,
            "signInEventTypes": ["nonInteractiveUser"],
            "status": {"errorCode": code},
            "appliedConditionalAccessPolicies": if code == 0 { serde_json::json!([]) } else {
                serde_json::json!([{
                    "id": "0ca00000-0000-4000-a000-000000000002",
                    "displayName": "Block Azure DevOps outside trusted locations",
                    "enforcedGrantControls": ["Block"],
                    "result": "failure",
                    "conditionsSatisfied": "application,users,location"
                }])
            }
        })
    };
    let mut n = 0;
    for i in 0..blocked {
        n += 1;
        records.push(rec(
            n,
            format!("blocked-{i:04}@example.com"),
            format!("2001:db8::{:x}", i + 1),
            53003,
        ));
    }
    for i in 0..busy {
        for _ in 0..5 {
            n += 1;
            records.push(rec(
                n,
                format!("busy-{i:04}@example.com"),
                format!("198.51.100.{}", i % 200),
                0,
            ));
        }
    }
    serde_json::to_string(&records).unwrap()
}

#[test]
fn lists_are_bounded_and_blocked_accounts_ranked_first() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenant.json");
    std::fs::write(&path, tenant(150, 1000)).unwrap();
    let p = path.to_str().unwrap();
    let out = run(&["analyze", p, "-f", "json"]);
    assert_valid(&schema_validator(), &["analyze", p], &out);
    let v: Value = serde_json::from_str(&out).unwrap();
    let s = &v["summary"];
    assert_eq!(s["by_user"].as_array().unwrap().len(), 1000);
    assert_eq!(s["by_user_total"], 1150);
    for (i, row) in s["by_user"].as_array().unwrap().iter().enumerate() {
        let blocked = row["user"].as_str().unwrap().starts_with("blocked-");
        assert_eq!(blocked, i < 150, "row {i}: {row}");
    }
    assert_eq!(s["by_ip"].as_array().unwrap().len(), 350);
    assert_eq!(s["by_ip_total"], 350);
    assert_eq!(
        s["by_ip"][0]["ip"], "2001:db8::1",
        "blocked first, then numeric order"
    );
    assert_eq!(s["by_ip"][1]["ip"], "2001:db8::2");
    assert_eq!(
        s["by_ip"][150]["ip"], "198.51.100.0",
        "busy ones after, numeric order"
    );
    assert_eq!(s["by_app_total"], 1);
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CA001")
        .expect("CA001");
    assert_eq!(f["users"].as_array().unwrap().len(), 100);
    assert_eq!(f["users_total"], 150);
    assert_eq!(f["ips"].as_array().unwrap().len(), 100);
    assert_eq!(f["ips_total"], 150);
    assert_eq!(f["ips"][9], "2001:db8::a", "numeric, not text order");
    // The human formats say where they cut.
    let md = run(&["analyze", p, "-f", "markdown"]);
    assert!(
        md.contains("Showing 20 of 1150 users, ranked by Conditional Access failures"),
        "{md}"
    );
    assert!(md.contains("| blocked-0000@example.com | 1 | 1 | 0 | 1 |"));
    assert!(
        md.contains("then sign-ins; the JSON report has the first 1000."),
        "{md}"
    );
    let html = run(&["analyze", p, "-f", "html"]);
    assert!(html.contains("50 of 1150 users, ranked by Conditional Access failures"));
    assert!(html.contains("the JSON report has the first 1000.</p>"));
}

#[test]
fn a_70000_sign_in_report_opens_with_a_screenful() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tenant70k.json");
    std::fs::write(&path, tenant(150, 13_970)).unwrap();
    let p = path.to_str().unwrap();
    let md = run(&["analyze", p]);
    assert!(md.contains("70000 sign-ins matched of 70000 read"));
    let findings = md.find("\n## Findings").expect("findings");
    let head = &md[..findings];
    assert!(head.contains("## Blocked sign-ins at a glance"));
    assert!(head.lines().count() <= 20, "{head}");
    assert!(head.contains("Showing 10 of 150 causes"), "{head}");
    let text = run(&["analyze", p, "-f", "text"]);
    let findings = text.find("\nFINDINGS").expect("findings");
    assert!(
        text[..findings].lines().count() <= 50,
        "{}",
        &text[..findings]
    );
}
