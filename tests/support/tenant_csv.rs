//! The synthetic tenant as the portal's CSV download (tests/support/tenant.rs): one file of
//! interactive and one of non-interactive sign-ins, with the portal's column names, month-first
//! dates and no per-policy detail (only the `Conditional Access` column), as the portal writes it.

use std::path::{Path, PathBuf};

use serde_json::Value;

const HEADER: [&str; 41] = [
    "Date (UTC)",
    "Request ID",
    "User agent",
    "Correlation ID",
    "User ID",
    "User",
    "Username",
    "User type",
    "Cross tenant access type",
    "Incoming token type",
    "Authentication Protocol",
    "Application",
    "Application ID ",
    "Resource",
    "Resource ID ",
    "Resource tenant ID",
    "Home tenant ID",
    "Home tenant name",
    "IP address",
    "Location",
    "Status",
    "Sign-in error code",
    "Failure reason",
    "Client app",
    "Device ID",
    "Browser",
    "Operating System",
    "Compliant",
    "Managed",
    "Join Type",
    "Multifactor authentication result",
    "Multifactor authentication auth method",
    "Multifactor authentication auth detail",
    "Authentication requirement",
    "IP address (seen by resource)",
    "Autonomous system  number",
    "Flagged for review",
    "Token issuer type",
    "Token issuer name",
    "Latency",
    "Conditional Access",
];

/// "2026-11-02T08:05:09Z" → "11/2/2026 8:05:09 AM", as the US portal writes it.
fn us_date(iso: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(iso) else {
        return iso.to_string();
    };
    t.format("%-m/%-d/%Y %-I:%M:%S %p").to_string()
}

fn row(r: &Value) -> Vec<String> {
    let s = |v: &Value| match v {
        Value::String(x) => x.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let cap = |v: &Value| match v.as_bool() {
        Some(true) => "True".to_string(),
        _ => "False".to_string(),
    };
    let code = r["status"]["errorCode"].as_i64().unwrap_or(0);
    let ca = match r["conditionalAccessStatus"].as_str() {
        Some("success") => "Success",
        Some("failure") => "Failure",
        _ => "Not Applied",
    };
    let loc = &r["location"];
    let tenant = "00000000-0000-4000-8000-00000000aaaa";
    vec![
        us_date(r["createdDateTime"].as_str().unwrap_or("")),
        s(&r["id"]),
        s(&r["userAgent"]),
        s(&r["correlationId"]),
        s(&r["userId"]),
        s(&r["userDisplayName"]),
        s(&r["userPrincipalName"]),
        "Member".into(),
        "None".into(),
        "None".into(),
        "None".into(),
        s(&r["appDisplayName"]),
        s(&r["appId"]),
        s(&r["resourceDisplayName"]),
        s(&r["resourceId"]),
        tenant.into(),
        tenant.into(),
        "Example".into(),
        s(&r["ipAddress"]),
        format!("{}, {}", s(&loc["city"]), s(&loc["countryOrRegion"])),
        if code == 0 {
            "Success".into()
        } else {
            "Failure".into()
        },
        code.to_string(),
        s(&r["status"]["failureReason"]),
        s(&r["clientAppUsed"]),
        s(&r["deviceDetail"]["deviceId"]),
        s(&r["deviceDetail"]["browser"]),
        s(&r["deviceDetail"]["operatingSystem"]),
        cap(&r["deviceDetail"]["isCompliant"]),
        cap(&r["deviceDetail"]["isManaged"]),
        s(&r["deviceDetail"]["trustType"]),
        String::new(),
        String::new(),
        String::new(),
        "Single-factor authentication".into(),
        s(&r["ipAddressFromResourceProvider"]),
        "64500".into(),
        "No".into(),
        "AzureAD".into(),
        String::new(),
        s(&r["processingTimeInMilliseconds"]),
        ca.into(),
    ]
}

/// Writes `InteractiveSignIns_….csv` and `NonInteractiveSignIns_….csv` into `dir/csv`.
pub fn write(dir: &Path, records: &[Value]) -> PathBuf {
    let out = dir.join("csv");
    std::fs::create_dir_all(&out).expect("csv dir");
    for (name, interactive) in [
        ("InteractiveSignIns_2026-11-02_2026-11-09.csv", true),
        ("NonInteractiveSignIns_2026-11-02_2026-11-09.csv", false),
    ] {
        let mut w = csv::Writer::from_path(out.join(name)).expect("csv file");
        w.write_record(HEADER).expect("header");
        for r in records
            .iter()
            .filter(|r| r["isInteractive"].as_bool() == Some(interactive))
        {
            w.write_record(row(r)).expect("row");
        }
        w.flush().expect("flush");
    }
    out
}
