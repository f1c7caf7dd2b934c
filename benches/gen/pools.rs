//! The value pools of the synthetic tenant: apps, CA policies, error codes, users' devices
//! and places. Realistic names and ids, all made up or documentation values.

use super::guid_from;
use super::mix;

pub const DEVOPS_APP_ID: &str = "499b84ac-1321-427f-aa17-267ca6975798";
/// The benchmark query's week, `[start, end)` in RFC 3339.
pub const QUERY_WEEK: (&str, &str) = ("2026-10-12T00:00:00Z", "2026-10-19T00:00:00Z");
pub const TENANT_ID: &str = "aa1b2c3d-0000-4e5f-8a9b-0c1d2e3f4a5b";
pub const MICROSOFT_TENANT_ID: &str = "f8cdef31-a31e-4b4a-93e4-5f571e91255a";

pub const USERS: u64 = 2000;
/// 2026-10-01T00:00:00Z; the data covers 30 days from there.
pub const SPAN_SECONDS: u64 = 30 * 86_400;

pub struct App {
    pub id: &'static str,
    pub name: &'static str,
    pub resource: &'static str,
    pub resource_id: &'static str,
}

const fn app(
    id: &'static str,
    name: &'static str,
    resource: &'static str,
    resource_id: &'static str,
) -> App {
    App {
        id,
        name,
        resource,
        resource_id,
    }
}

const ARM: &str = "797f4846-ba00-4fd7-ba43-dac1f8f63013";
const EXO: &str = "00000002-0000-0ff1-ce00-000000000000";
const GRAPH: &str = "00000003-0000-0000-c000-000000000000";

/// Weights in per mille; Azure DevOps is 15%.
pub const APPS: [(u64, App); 10] = [
    (
        150,
        app(DEVOPS_APP_ID, "Azure DevOps", "Azure DevOps", DEVOPS_APP_ID),
    ),
    (
        120,
        app(
            "c44b4083-3bb0-49c1-b47d-974e53cbdf3c",
            "Azure Portal",
            "Windows Azure Service Management API",
            ARM,
        ),
    ),
    (
        180,
        app(
            "1fec8e78-bce4-4aaf-ab1b-5451cc387264",
            "Microsoft Teams",
            "Microsoft Teams Services",
            "cc15fd57-2c6c-4117-a88c-83b1d56b4bbe",
        ),
    ),
    (
        120,
        app(
            "4765445b-32c6-49b0-83e6-1d93765276ca",
            "OfficeHome",
            "Office 365 Exchange Online",
            EXO,
        ),
    ),
    (
        120,
        app(
            "d3590ed6-52b3-4102-aeff-aad2292ab01c",
            "Microsoft Office",
            "Microsoft Graph",
            GRAPH,
        ),
    ),
    (
        50,
        app(
            "14d82eec-204b-4c2f-b7e8-296a70dab67e",
            "Microsoft Graph Command Line Tools",
            "Microsoft Graph",
            GRAPH,
        ),
    ),
    (
        40,
        app(
            "de8bc8b5-d9f9-48b1-a8ad-b748da725064",
            "Graph Explorer",
            "Microsoft Graph",
            GRAPH,
        ),
    ),
    (
        80,
        app(
            "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
            "Microsoft Azure CLI",
            "Windows Azure Service Management API",
            ARM,
        ),
    ),
    (
        70,
        app(
            "27922004-5251-4030-b22d-91ecd9a37ea4",
            "Outlook Mobile",
            "Office 365 Exchange Online",
            EXO,
        ),
    ),
    (
        70,
        app(
            "872cd9fa-d31f-45e0-9eab-6e460a02d1f1",
            "Visual Studio - Legacy",
            "Azure DevOps",
            DEVOPS_APP_ID,
        ),
    ),
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum State {
    Enabled,
    ReportOnly,
    Disabled,
}

pub struct Policy {
    pub name: &'static str,
    pub grant: &'static [&'static str],
    pub session: &'static [&'static str],
    pub state: State,
}

const fn pol(
    name: &'static str,
    grant: &'static [&'static str],
    session: &'static [&'static str],
    state: State,
) -> Policy {
    Policy {
        name,
        grant,
        session,
        state,
    }
}

use State::{Disabled, Enabled, ReportOnly};
const BLOCK: &[&str] = &["Block"];
const MFA: &[&str] = &["Mfa"];
const COMPLIANT: &[&str] = &["RequireCompliantDevice"];

/// The tenant's policies. Names carry a `/` (written `\/` in some records) and a no-break
/// space (always written `\u00a0`) so decoders must unescape before grouping.
pub const POLICIES: [Policy; 20] = [
    pol("CA001 - Require MFA for admins", MFA, &[], Enabled),
    pol("CA002 - Block legacy authentication", BLOCK, &[], Enabled),
    pol(
        "CA003 - Require compliant device for Azure DevOps",
        COMPLIANT,
        &[],
        Enabled,
    ),
    pol(
        "CA004 - Block access from untrusted countries",
        BLOCK,
        &[],
        Enabled,
    ),
    pol(
        "CA005 - Require MFA for all users",
        MFA,
        &["SignInFrequency"],
        Enabled,
    ),
    pol(
        "CA006 - Require MFA for Azure management",
        MFA,
        &[],
        Enabled,
    ),
    pol(
        "CA007 - Require compliant or hybrid joined device",
        &["RequireCompliantDevice", "RequireDomainJoinedDevice"],
        &[],
        Enabled,
    ),
    pol(
        "CA008 - Sign-in frequency 12 hours",
        &[],
        &["SignInFrequency"],
        Enabled,
    ),
    pol(
        "CA009 - Block Azure DevOps outside corporate network / VPN",
        BLOCK,
        &[],
        Enabled,
    ),
    pol(
        "CA010 - Require approved client app",
        &["RequireApprovedApp"],
        &[],
        Enabled,
    ),
    pol(
        "CA011 - Require MFA and terms of use for guests",
        &["Mfa", "TermsOfUse"],
        &[],
        Enabled,
    ),
    pol("CA012 - Block high user\u{a0}risk", BLOCK, &[], Enabled),
    pol(
        "CA013 - Require password change for high-risk users",
        &["Mfa", "PasswordChange"],
        &[],
        Enabled,
    ),
    pol(
        "CA014 - No persistent browser session",
        &[],
        &["PersistentBrowserSessionMode"],
        Enabled,
    ),
    pol(
        "CA015 - Report-only: block Azure DevOps from unmanaged devices",
        BLOCK,
        &[],
        ReportOnly,
    ),
    pol(
        "CA016 - Report-only: phishing-resistant MFA",
        MFA,
        &[],
        ReportOnly,
    ),
    pol(
        "CA017 - Report-only: compliant device for all apps",
        COMPLIANT,
        &[],
        ReportOnly,
    ),
    pol(
        "CA018 - Legacy: block non-Windows platforms",
        BLOCK,
        &[],
        Disabled,
    ),
    pol("CA019 - MFA pilot (disabled)", MFA, &[], Disabled),
    pol(
        "CA020 - Require MFA from outside trusted locations",
        MFA,
        &[],
        Enabled,
    ),
];

pub fn policy_id(index: usize) -> String {
    guid_from(mix(0xCA00 + index as u64), mix(0xCA80 + index as u64))
}

/// (code, failureReason, additionalDetails); weights per mille.
pub const ERRORS: [(u64, (i64, &str, &str)); 9] = [
    (700, (0, "Other.", "")),
    (
        60,
        (
            50126,
            "Error validating credentials due to invalid username or password.",
            "The user didn't enter the right credentials. \u{a0}It's expected to see some number of these errors in your logs due to users making mistakes.",
        ),
    ),
    (
        50,
        (
            50076,
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access the resource.",
            "MFA required in Azure AD",
        ),
    ),
    (
        40,
        (
            50074,
            "Strong Authentication is required.",
            "The user didn't complete the MFA prompt. They may have decided not to authenticate, timed out while doing work elsewhere, or has an issue with their authentication setup.",
        ),
    ),
    (
        60,
        (
            53003,
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.",
            "If this is unexpected, see the conditional access policy that applied to this request in the Azure Portal: \"Conditional Access\" > \"Policies\".",
        ),
    ),
    (
        30,
        (
            53000,
            "Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant.",
            "Enroll the device with an approved MDM provider like Intune.",
        ),
    ),
    (
        30,
        (
            50140,
            "This error occurred due to 'Keep me signed in' interrupt when the user was signing in.",
            "This is an expected part of the login flow, where a user is asked if they want to remain signed into this browser to make further logins easier.",
        ),
    ),
    (
        20,
        (
            70043,
            "The refresh token has expired or is invalid due to sign-in frequency checks by conditional access.",
            "The token was issued on a date and the maximum allowed lifetime for this request is limited.",
        ),
    ),
    (
        10,
        (
            50089,
            "Authentication failed due to flow token expired.",
            "The user took too long to complete the sign-in.",
        ),
    ),
];

pub const USER_AGENTS: [&str; 6] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0.0.0 Safari/537.36 Edg/141.0.0.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:143.0) Gecko/20100101 Firefox/143.0",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Git-Credential-Manager/2.6.1 (Windows; x86-64) CLR/.NET 8.0.19",
    "Windows-AzureAD-Authentication-Provider/1.0",
];
/// (operatingSystem, browser) per user agent above.
pub const DEVICES: [(&str, &str); 6] = [
    ("Windows10", "Edge 141.0.0"),
    ("MacOs", "Safari 18.5"),
    ("Linux", "Firefox 143.0"),
    ("Ios", "Mobile Safari"),
    ("Windows10", "Rich Client 2.6.1"),
    ("Windows10", ""),
];
pub const FIRST: [&str; 20] = [
    "Ada", "Bruno", "Chloé", "Dmitri", "Emma", "Farid", "Grace", "Hiro", "Ingrid", "José", "Kofi",
    "Lena", "Mateo", "Nadia", "Oskar", "Priya", "Quinn", "Rosa", "Sven", "Zoë",
];
pub const LAST: [&str; 25] = [
    "Adams", "Berg", "Costa", "Dubois", "Eriksen", "Fischer", "García", "Hansen", "Ito", "Jansen",
    "Kowalski", "López", "Müller", "Novak", "O'Brien", "Petrov", "Quist", "Rossi", "Schmidt",
    "Tanaka", "Ulrich", "Virtanen", "Weber", "Yilmaz", "Zhang",
];
/// (city, state, countryOrRegion, latitude, longitude).
pub const PLACES: [(&str, &str, &str, f64, f64); 8] = [
    ("Berlin", "Berlin", "DE", 52.52437, 13.41053),
    ("Amsterdam", "Noord-Holland", "NL", 52.37403, 4.88969),
    ("Redmond", "Washington", "US", 47.67399, -122.12151),
    ("Dublin", "Dublin", "IE", 53.33306, -6.24889),
    ("São Paulo", "São Paulo", "BR", -23.5475, -46.63611),
    ("Tokyo", "Tokyo", "JP", 35.6895, 139.69171),
    ("Bengaluru", "Karnataka", "IN", 12.97194, 77.59369),
    ("Lagos", "Lagos", "NG", 6.45407, 3.39467),
];
