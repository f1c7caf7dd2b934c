//! A record as a row of the 56-column English portal CSV (FORMATS.md §1.3).
//!
//! The header keeps the portal's traps: `Incoming token type` twice, trailing spaces in
//! `Application ID ` and `Resource ID `, a double space in `Autonomous system  number`. The
//! CSV has no per-policy detail, only the overall `Conditional Access` value.

use std::io::{self, Write};

use super::pools::{DEVICES, MICROSOFT_TENANT_ID, PLACES, TENANT_ID, USER_AGENTS};
use super::record::Record;

pub const HEADER: &str = "Date (UTC),Request ID,User agent,Correlation ID,User ID,User,Username,User type,Cross tenant access type,Incoming token type,Authentication Protocol,Unique token identifier,Original transfer method,Client credential type,Token Protection - Sign In Session,Token Protection - Sign In Session StatusCode,Application,Application ID ,App owner tenant ID,Resource,Resource ID ,Resource tenant ID,Resource owner tenant ID,Home tenant ID,Home tenant name,IP address,Location,Status,Sign-in error code,Failure reason,Client app,Device ID,Browser,Operating System,Compliant,Managed,Join Type,Multifactor authentication result,Multifactor authentication auth method,Multifactor authentication auth detail,Authentication requirement,Sign-in identifier,Session ID,IP address (seen by resource),Through Global Secure Access,Global Secure Access IP address,Autonomous system  number,Flagged for review,Token issuer type,Incoming token type,Token issuer name,Latency,Conditional Access,Managed Identity type,Associated Resource Id,Federated Token Id,Federated Token Issuer";

pub fn write_header(out: &mut impl Write) -> io::Result<()> {
    out.write_all(HEADER.as_bytes())?;
    out.write_all(b"\r\n")
}

fn cell(out: &mut impl Write, text: &str) -> io::Result<()> {
    if text.contains([',', '"', '\n', '\r']) {
        out.write_all(b"\"")?;
        out.write_all(text.replace('"', "\"\"").as_bytes())?;
        out.write_all(b"\"")
    } else {
        out.write_all(text.as_bytes())
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

pub fn write_row(out: &mut impl Write, r: &Record) -> io::Result<()> {
    let (code, reason, details) = r.error;
    let (os, browser) = DEVICES[r.agent];
    let (city, state, country, _, _) = PLACES[r.place];
    let upn = r.upn();
    let status = match code {
        0 => "Success",
        50074 | 50076 | 50140 => "Interrupted",
        _ => "Failure",
    };
    let ca = match r.ca_status {
        "success" => "Success",
        "failure" => "Failure",
        _ => "Not Applied",
    };
    let incoming = if r.interactive {
        "None"
    } else {
        "Primary Refresh Token"
    };
    let location = format!("{city}, {state}, {country}");
    let code_text = code.to_string();
    let latency = r.processing_ms.to_string();
    let asn = r.asn.to_string();
    let cells: [&str; 57] = [
        &r.created,
        &r.id,
        USER_AGENTS[r.agent],
        &r.correlation_id,
        &r.user_id,
        &r.user_name,
        &upn,
        if r.guest { "Guest" } else { "Member" },
        if r.guest { "B2B collaboration" } else { "None" },
        incoming,
        if r.interactive { "None" } else { "OAuth2" },
        &r.token_id,
        "None",
        "None",
        if r.managed { "Bound" } else { "Unbound" },
        if r.managed { "0" } else { "1002" },
        r.app.name,
        r.app.id,
        MICROSOFT_TENANT_ID,
        r.app.resource,
        r.app.resource_id,
        TENANT_ID,
        MICROSOFT_TENANT_ID,
        TENANT_ID,
        "Contoso Example",
        &r.ip,
        &location,
        status,
        &code_text,
        reason,
        if r.agent < 4 {
            "Browser"
        } else {
            "Mobile Apps and Desktop clients"
        },
        &r.device_id,
        browser,
        os,
        yes_no(r.compliant),
        yes_no(r.managed),
        if r.managed { "Azure AD joined" } else { "" },
        details,
        if r.mfa { "Mobile app notification" } else { "" },
        "",
        if r.mfa {
            "Multifactor authentication"
        } else {
            "Single-factor authentication"
        },
        &upn,
        &r.session_id,
        "",
        "No",
        "",
        &asn,
        "No",
        "AzureAD",
        incoming,
        "",
        &latency,
        ca,
        "",
        "",
        "",
        "",
    ];
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        cell(out, c)?;
    }
    out.write_all(b"\r\n")
}
