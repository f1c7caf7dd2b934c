//! A deterministic, tenant-shaped export for the integration tests: about 5,000 portal sign-ins
//! over a week from 2,000 users and three service accounts, with the named locations and the
//! Graph policy list that match them, written into a temporary directory. It also returns the
//! ground truth (who was blocked by which policy, every UPN and IP it wrote) so tests can check
//! the report against what was planted rather than against its own output.
//!
//! Everything is synthetic: documentation address ranges, example.com names, made-up GUIDs.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_json::{Value, json};

#[path = "tenant_csv.rs"]
mod csv_export;
#[path = "tenant_graph.rs"]
mod graph;

pub const ADO: &str = "499b84ac-1321-427f-aa17-267ca6975798";
pub const PORTAL: &str = "c44b4083-3bb0-49c1-b47d-974e53cbdf3c";
pub const TEAMS: &str = "1fec8e78-bce4-4aaf-ab1b-5451cc387264";
pub const OFFICE: &str = "d3590ed6-52b3-4102-aeff-aad2292ab01c";
pub const SPO: &str = "00000003-0000-0ff1-ce00-000000000000";
pub const EXO: &str = "00000002-0000-0ff1-ce00-000000000000";
pub const SYNC_APP: &str = "5a5a0000-0000-4000-8000-00000000c0de";

pub const P_MFA: &str = "0ca1ee00-0000-4000-a000-000000000001";
pub const P_PAT: &str = "0ca1ee00-0000-4000-a000-000000000002";
pub const P_RISK: &str = "0ca1ee00-0000-4000-a000-000000000003";
pub const P_COMPLIANT: &str = "0ca1ee00-0000-4000-a000-000000000004";
pub const P_HYBRID: &str = "0ca1ee00-0000-4000-a000-000000000005";
pub const P_LEGACY: &str = "0ca1ee00-0000-4000-a000-000000000006";
pub const P_COUNTRY: &str = "0ca1ee00-0000-4000-a000-000000000007";
pub const P_REPORT_ONLY: &str = "0ca1ee00-0000-4000-a000-000000000008";

pub const L_HQ: &str = "10c00000-0000-4000-8000-000000000001";
pub const L_VPN: &str = "10c00000-0000-4000-8000-000000000002";
pub const L_BRANCH: &str = "10c00000-0000-4000-8000-000000000003";
pub const L_COUNTRIES: &str = "10c00000-0000-4000-8000-000000000004";

/// The service accounts, in the order of how often they are blocked.
pub const SVC_BUILD: &str = "svc-build@example.com";
pub const SVC_DEPLOY: &str = "svc-deploy@example.com";
pub const SVC_SYNC: &str = "svc-sync@example.com";

/// The suggestion a careful admin makes for the PAT policy: the blocked agents' IPv4 addresses,
/// and the /64 of the deploy agent's IPv6 address (its interface id rotates).
pub const PAT_CIDRS: [&str; 3] = ["192.0.2.200/32", "203.0.113.10/31", "2001:db8:beef:1::/64"];
/// Where the resource saw the IPv6 clients' traffic (untrusted IPv4).
pub const RESOURCE_V4: &str = "192.0.2.50";

/// A written tenant.
pub struct Tenant {
    /// The temporary directory when `generate` made one (it lives as long as this value).
    pub tmp: Option<tempfile::TempDir>,
    pub dir: PathBuf,
    /// Portal JSON export, with per-policy `conditionsSatisfied`.
    pub signins: PathBuf,
    /// The same sign-ins as the portal's two CSV downloads (a directory): no policy detail.
    pub csv: PathBuf,
    /// The same sign-ins without `conditionsSatisfied`/`conditionsNotSatisfied` (no evidence).
    pub bare: PathBuf,
    pub locations: PathBuf,
    pub policies: PathBuf,
    pub records: usize,
    pub upns: BTreeSet<String>,
    /// Every client and resource IP written, in canonical form.
    pub ips: BTreeSet<String>,
    /// How many sign-ins were planted as CA failures.
    pub ca_failures: usize,
    /// Interactive MFA prompts (50074/50076), and the flows among them that never succeeded.
    pub interrupted: usize,
    pub abandoned: usize,
    /// Sign-ins the report-only policy would have blocked.
    pub report_only: usize,
    /// (UPN, app id, policy id) of every CA failure planted.
    pub blocks: BTreeSet<(String, String, String)>,
}

/// splitmix64: small, fixed, and good enough to spread synthetic values.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len() as u64) as usize]
    }
}

const FIRST: [&str; 20] = [
    "ada", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "karl",
    "lena", "mike", "nina", "oscar", "peggy", "quinn", "rosa", "sam", "tess",
];
const LAST: [&str; 10] = [
    "jansen", "devries", "bakker", "visser", "smit", "meijer", "mulder", "bos", "vos", "peters",
];
const COUNTRIES: [(&str, &str); 4] = [
    ("NL", "Amsterdam"),
    ("BE", "Brussels"),
    ("DE", "Berlin"),
    ("US", "Seattle"),
];

#[derive(Clone)]
struct User {
    upn: String,
    name: String,
    id: String,
}

fn user(n: usize) -> User {
    let first = FIRST[n % FIRST.len()];
    let last = LAST[(n / FIRST.len()) % LAST.len()];
    let upn = format!("{first}.{last}{n:04}@example.com");
    let name = format!(
        "{}{} {}{}",
        &first[..1].to_uppercase(),
        &first[1..],
        &last[..1].to_uppercase(),
        &last[1..]
    );
    User {
        upn,
        name,
        id: format!("0e0a0000-0000-4000-b000-{n:012}"),
    }
}

fn service(upn: &str, n: usize) -> User {
    User {
        upn: upn.into(),
        name: upn.split('@').next().unwrap_or(upn).into(),
        id: format!("0e0a0000-0000-4000-c000-{n:012}"),
    }
}

fn app_name(id: &str) -> &'static str {
    match id {
        ADO => "Azure DevOps",
        PORTAL => "Azure Portal",
        TEAMS => "Microsoft Teams",
        OFFICE => "Microsoft Office",
        SPO => "Office 365 SharePoint Online",
        EXO => "Office 365 Exchange Online",
        _ => "Contoso HR Sync",
    }
}

/// What one sign-in should look like; `record` turns it into the portal's JSON.
struct Spec {
    user: User,
    app: &'static str,
    ip: String,
    resource_ip: Option<String>,
    interactive: bool,
    code: i64,
    client: &'static str,
    compliant: bool,
    /// Which policy failed (or is report-only failing), with its result.
    failing: Option<(&'static str, &'static str)>,
    risk: bool,
    corr: Option<String>,
    /// Seconds after the start of the week.
    at: u64,
    /// Override of what the log lists in networkLocationDetails (the planted drift).
    netloc: Option<Value>,
}

/// The tenant's real locations as Conditional Access logs them: IP named locations only.
fn netloc(ip: &str) -> Value {
    let ip = canonical(ip);
    let ip = ip.as_str();
    let trusted = |n: &str| json!([{"networkType": "trustedNamedLocation", "networkNames": [n]}]);
    if ip.starts_with("198.51.100.") || ip.starts_with("2001:db8:100:") {
        trusted("Contoso HQ")
    } else if let Some(last) = ip
        .strip_prefix("203.0.113.")
        .and_then(|l| l.parse::<u8>().ok())
    {
        match last {
            64..=95 => trusted("VPN egress"),
            128..=191 => {
                json!([{"networkType": "namedNetwork", "networkNames": ["Branch office"]}])
            }
            _ => json!([]),
        }
    } else {
        json!([])
    }
}

fn policy(id: &str, name: &str, result: &str, grant: &[&str], sat: &str, unsat: &str) -> Value {
    json!({
        "id": id, "displayName": name, "enforcedGrantControls": grant, "enforcedSessionControls": [],
        "sessionControlsNotSatisfied": [], "result": result, "conditionsSatisfied": sat,
        "conditionsNotSatisfied": unsat, "authenticationStrength": null,
        "includeRulesSatisfied": [], "excludeRulesSatisfied": [],
    })
}

/// Every policy of the tenant as the log lists it for one sign-in (the log lists them all).
fn applied(s: &Spec) -> Vec<Value> {
    let fail = |id: &str| s.failing.filter(|(p, _)| *p == id).map(|(_, r)| r);
    let svc = s.user.upn.starts_with("svc-build") || s.user.upn.starts_with("svc-deploy");
    let legacy = matches!(s.client, "IMAP4" | "POP3");
    let mut v = Vec::new();
    let mfa = match fail(P_MFA) {
        Some(r) => r,
        None if svc || s.code != 0 || legacy => "notApplied",
        None => "success",
    };
    v.push(policy(
        P_MFA,
        "Require MFA for all users",
        mfa,
        &["Mfa"],
        "application,users",
        "",
    ));
    let (r, sat, unsat) = match fail(P_PAT) {
        Some(r) => (r, "application,users,location", ""),
        None if s.app == ADO => ("notApplied", "application,users", "location"),
        None => ("notApplied", "users", "application"),
    };
    v.push(policy(
        P_PAT,
        "Block Azure DevOps outside corporate network",
        r,
        &["Block"],
        sat,
        unsat,
    ));
    let (r, sat, unsat) = match fail(P_RISK) {
        Some(r) => (r, "application,users,signInRisk", ""),
        None => ("notApplied", "application,users", "signInRisk"),
    };
    v.push(policy(
        P_RISK,
        "Block high sign-in risk",
        r,
        &["Block"],
        sat,
        unsat,
    ));
    let on = |app: &str, ok: bool| match (s.app == app, ok) {
        (true, true) => ("success", "application,users", ""),
        (true, false) => ("notApplied", "application,users", ""),
        (false, _) => ("notApplied", "users", "application"),
    };
    let (r, sat, unsat) = fail(P_COMPLIANT)
        .map(|r| (r, "application,users", ""))
        .unwrap_or_else(|| on(EXO, s.code == 0 && !legacy));
    v.push(policy(
        P_COMPLIANT,
        "Require compliant device for Exchange Online",
        r,
        &["RequireCompliantDevice"],
        sat,
        unsat,
    ));
    let (r, sat, unsat) = fail(P_HYBRID)
        .map(|r| (r, "application,users", ""))
        .unwrap_or_else(|| on(PORTAL, s.code == 0));
    v.push(policy(
        P_HYBRID,
        "Require hybrid joined device for Azure management",
        r,
        &["RequireDomainJoinedDevice"],
        sat,
        unsat,
    ));
    let (r, sat, unsat) = match fail(P_LEGACY) {
        Some(r) => (r, "application,users,clientType", ""),
        None => ("notApplied", "application,users", "clientType"),
    };
    v.push(policy(
        P_LEGACY,
        "Block legacy authentication",
        r,
        &["Block"],
        sat,
        unsat,
    ));
    v.push(policy(
        P_COUNTRY,
        "Block access outside allowed countries",
        "notApplied",
        &["Block"],
        "application,users",
        "location",
    ));
    let r = match fail(P_REPORT_ONLY) {
        Some(r) => r,
        None if s.app == SPO => "reportOnlySuccess",
        None => "reportOnlyNotApplied",
    };
    v.push(policy(
        P_REPORT_ONLY,
        "Require compliant device for SharePoint (report-only)",
        r,
        &["RequireCompliantDevice"],
        "application,users",
        "",
    ));
    v
}

fn record(n: usize, s: &Spec) -> Value {
    let start = chrono::DateTime::parse_from_rfc3339("2026-11-02T00:00:00Z").expect("constant");
    let when = (start + chrono::Duration::seconds(s.at as i64))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let (country, city) = if s.user.upn.starts_with("svc-") {
        COUNTRIES[0]
    } else {
        COUNTRIES[n % COUNTRIES.len()]
    };
    let ca = match s.failing {
        _ if s.code != 0 && matches!(s.code, 50074 | 50076) && s.interactive => "notApplied",
        Some((_, "failure")) => "failure",
        _ if s.code == 0 => "success",
        _ => "failure",
    };
    let reason = match s.code {
        0 => "Other.",
        50074 => "Strong Authentication is required.",
        50076 => {
            "Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access this resource."
        }
        53000 => {
            "Device is not in required device state: compliant. Conditional Access policy requires a compliant device, and the device is not compliant."
        }
        53001 => "Device is not in required device state: domainJoined.",
        530032 => "Blocked by Conditional Access on security policy.",
        _ => {
            "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."
        }
    };
    let device = if s.compliant {
        json!({"deviceId": format!("de000000-0000-4000-8000-{n:012}"), "displayName": format!("PC-{n:05}"), "operatingSystem": "Windows10", "browser": "Edge 131.0", "isCompliant": true, "isManaged": true, "trustType": "Hybrid Azure AD joined"})
    } else {
        json!({"deviceId": "", "displayName": "", "operatingSystem": "Windows10", "browser": "Chrome 131.0", "isCompliant": false, "isManaged": false, "trustType": null})
    };
    let risk = if s.risk { "high" } else { "none" };
    json!({
        "id": format!("5e000000-0000-4000-8000-{n:012}"),
        "createdDateTime": when,
        "userDisplayName": s.user.name,
        "userPrincipalName": s.user.upn,
        "userId": s.user.id,
        "appId": s.app,
        "appDisplayName": app_name(s.app),
        "ipAddress": s.ip,
        "ipAddressFromResourceProvider": s.resource_ip,
        "clientAppUsed": s.client,
        "userAgent": if s.interactive { "Mozilla/5.0 (synthetic)" } else { "Git/2.47 (synthetic)" },
        "correlationId": s.corr.clone().unwrap_or_else(|| format!("c0000000-0000-4000-9000-{n:012}")),
        "conditionalAccessStatus": ca,
        "originalRequestId": format!("5e000000-0000-4000-8000-{n:012}"),
        "isInteractive": s.interactive,
        "tokenIssuerType": "AzureAD",
        "processingTimeInMilliseconds": 80 + n % 200,
        "riskDetail": "none",
        "riskLevelAggregated": risk,
        "riskLevelDuringSignIn": risk,
        "riskState": if s.risk { "atRisk" } else { "none" },
        "riskEventTypes_v2": if s.risk { json!(["unfamiliarFeatures"]) } else { json!([]) },
        "resourceDisplayName": app_name(s.app),
        "resourceId": s.app,
        "signInEventTypes": [if s.interactive { "interactiveUser" } else { "nonInteractiveUser" }],
        "userType": "member",
        "status": {"errorCode": s.code, "failureReason": reason, "additionalDetails": null},
        "deviceDetail": device,
        "location": {"city": city, "state": "", "countryOrRegion": country, "geoCoordinates": {"altitude": null, "latitude": 52.37, "longitude": 4.89}},
        "appliedConditionalAccessPolicies": applied(s),
        "networkLocationDetails": s.netloc.clone().unwrap_or_else(|| netloc(&s.ip)),
        "authenticationDetails": [],
        "authenticationRequirement": if s.interactive { "multiFactorAuthentication" } else { "singleFactorAuthentication" },
    })
}

/// Builds every sign-in spec of the week; the order is the generation order, not time order.
fn specs(rng: &mut Rng) -> Vec<Spec> {
    let users: Vec<User> = (1..=2000).map(user).collect();
    let (build, deploy, sync) = (
        service(SVC_BUILD, 1),
        service(SVC_DEPLOY, 2),
        service(SVC_SYNC, 3),
    );
    let week = 7 * 24 * 3600;
    let base = |u: &User, app: &'static str, ip: String, interactive: bool, at: u64| Spec {
        user: u.clone(),
        app,
        ip,
        resource_ip: None,
        interactive,
        code: 0,
        client: if interactive {
            "Browser"
        } else {
            "Mobile Apps and Desktop clients"
        },
        compliant: true,
        failing: None,
        risk: false,
        corr: None,
        at,
        netloc: None,
    };
    let office_ip = |r: &mut Rng| format!("198.51.100.{}", 1 + r.below(120));
    let home_ip = |r: &mut Rng| format!("192.0.2.{}", 1 + r.below(120));
    let home_v6 = |r: &mut Rng| {
        format!(
            "2001:db8:a{:03x}:{:x}::{:x}",
            r.below(4096),
            r.below(65536),
            1 + r.below(65535)
        )
    };
    let mut out = Vec::new();

    // Everyday traffic: successes from the office, the VPN, the branch and home (v4 and v6).
    let apps = [TEAMS, OFFICE, EXO, SPO, PORTAL, TEAMS, OFFICE, EXO];
    for i in 0..4000 {
        // Everyone signs in at least once; then the busy ones again.
        let u = &users[if i < 2000 {
            i
        } else {
            rng.below(2000) as usize
        }];
        let app = *rng.pick(&apps);
        let ip = match rng.below(10) {
            0..=4 => office_ip(rng),
            5 | 6 => format!("203.0.113.{}", 65 + rng.below(30)),
            7 => format!("203.0.113.{}", 129 + rng.below(60)),
            8 => home_ip(rng),
            _ => home_v6(rng),
        };
        let mut s = base(u, app, ip, rng.below(5) < 2, rng.below(week));
        // SharePoint from unmanaged home machines: the report-only compliant-device policy fails.
        if app == SPO && rng.below(4) == 0 {
            s.compliant = false;
            s.failing = Some((P_REPORT_ONLY, "reportOnlyFailure"));
        }
        out.push(s);
    }
    // MFA prompts answered (50074 then success in the same flow) and some abandoned.
    for i in 0..270 {
        let u = &users[rng.below(2000) as usize];
        let at = rng.below(week - 600);
        let corr = format!("c0000000-0000-4000-a000-{i:012}");
        let mut first = base(u, OFFICE, home_ip(rng), true, at);
        first.code = if i % 5 == 0 { 50076 } else { 50074 };
        first.corr = Some(corr.clone());
        if i >= 20 {
            let mut then = base(u, OFFICE, first.ip.clone(), true, at + 30 + rng.below(90));
            then.corr = Some(corr);
            out.push(then);
        }
        out.push(first);
    }
    // The build agents: PATs from outside the corporate network (53003), and from the office.
    for i in 0..120 {
        let mut s = base(
            &build,
            ADO,
            format!("203.0.113.{}", 10 + i % 2),
            false,
            rng.below(week),
        );
        (s.code, s.failing, s.compliant) = (53003, Some((P_PAT, "failure")), false);
        out.push(s);
    }
    for _ in 0..60 {
        let mut s = base(&build, ADO, "198.51.100.20".into(), false, rng.below(week));
        s.compliant = false;
        out.push(s);
    }
    for i in 0..40 {
        // A quarter of its calls leave over IPv6, from a rotating address in one /64.
        let ip = if i % 4 == 0 {
            format!(
                "2001:db8:beef:1:{:x}:{:x}::{:x}",
                rng.below(65536),
                rng.below(65536),
                1 + rng.below(65535)
            )
        } else {
            "192.0.2.200".into()
        };
        let mut s = base(&deploy, ADO, ip, false, rng.below(week));
        (s.code, s.failing, s.compliant) = (53003, Some((P_PAT, "failure")), false);
        out.push(s);
    }
    // A sync account without MFA on a non-interactive flow (50076 can never be answered there).
    for _ in 0..36 {
        let mut s = base(
            &sync,
            SYNC_APP,
            "192.0.2.210".into(),
            false,
            rng.below(week),
        );
        (s.code, s.failing, s.compliant) = (50076, Some((P_MFA, "failure")), false);
        out.push(s);
    }
    // The rest of the failures come from ordinary users, each from an untrusted address.
    // Each of them is plainly a person: two interactive sign-ins with MFA that succeeded.
    let fail = |out: &mut Vec<Spec>,
                r: &mut Rng,
                first: usize,
                users_n: usize,
                per: usize,
                f: &dyn Fn(&mut Spec)| {
        for u in &users[first..first + users_n] {
            for _ in 0..2 {
                out.push(base(u, TEAMS, office_ip(r), true, r.below(week)));
            }
        }
        for k in 0..users_n * per {
            let u = &users[first + k % users_n];
            let mut s = base(u, OFFICE, home_ip(r), true, r.below(week));
            s.compliant = false;
            f(&mut s);
            out.push(s);
        }
    };
    fail(&mut out, rng, 100, 6, 3, &|s| {
        (s.app, s.code, s.risk, s.failing) = (PORTAL, 530032, true, Some((P_RISK, "failure")));
        s.ip = format!("192.0.2.{}", 130 + s.at % 10);
    });
    fail(&mut out, rng, 200, 15, 3, &|s| {
        (s.app, s.code, s.failing) = (EXO, 53000, Some((P_COMPLIANT, "failure")));
        if s.at % 2 == 0 {
            (s.interactive, s.client) = (false, "Mobile Apps and Desktop clients");
        }
    });
    fail(&mut out, rng, 300, 8, 3, &|s| {
        (s.app, s.code, s.failing) = (PORTAL, 53001, Some((P_HYBRID, "failure")));
    });
    fail(&mut out, rng, 400, 5, 6, &|s| {
        (s.app, s.code, s.failing) = (EXO, 53003, Some((P_LEGACY, "failure")));
        s.client = if s.at % 2 == 0 { "IMAP4" } else { "POP3" };
    });
    fail(&mut out, rng, 500, 6, 2, &|s| {
        (s.app, s.code, s.failing, s.interactive) = (TEAMS, 50076, Some((P_MFA, "failure")), false);
        s.client = "Mobile Apps and Desktop clients";
    });
    // IPv6 clients in the office whose resource (Azure DevOps) saw an untrusted IPv4.
    fail(&mut out, rng, 600, 4, 2, &|s| {
        (s.app, s.code, s.failing, s.compliant) = (ADO, 53003, Some((P_PAT, "failure")), true);
        // One address per user, written two ways (as exports do): the report must merge them.
        let u = s
            .user
            .id
            .rsplit('-')
            .next()
            .map_or(0, |n| n.parse::<u32>().unwrap_or(0) % 100);
        s.ip = if s.at % 2 == 0 {
            format!("2001:db8:100:{u:x}::{:x}", u + 1)
        } else {
            format!("2001:0db8:0100:{u:04x}:0:0:0:{:04x}", u + 1)
        };
        s.resource_ip = Some(RESOURCE_V4.into());
    });
    // The planted drift: the tenant grew Contoso HQ to the /24, the file still says /25.
    for i in 0..12 {
        let u = &users[700 + i % 4];
        let mut s = base(
            u,
            TEAMS,
            format!("198.51.100.{}", 200 + i % 4),
            false,
            rng.below(week),
        );
        s.netloc =
            Some(json!([{"networkType": "trustedNamedLocation", "networkNames": ["Contoso HQ"]}]));
        out.push(s);
    }
    out
}

/// Writes the tenant for `seed` into a new temporary directory.
pub fn generate(seed: u64) -> Tenant {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut t = generate_in(seed, tmp.path());
    t.tmp = Some(tmp);
    t
}

fn canonical(ip: &str) -> String {
    ip.parse::<std::net::IpAddr>()
        .map_or_else(|_| ip.to_string(), |a| a.to_string())
}

/// Writes the tenant for `seed` into `dir` (created if missing, files overwritten), so that a
/// test binary can share one copy in `CARGO_TARGET_TMPDIR` instead of leaking one per run.
pub fn generate_in(seed: u64, dir: &std::path::Path) -> Tenant {
    let mut rng = Rng(seed);
    let mut specs = specs(&mut rng);
    // The portal lists the newest sign-in first.
    specs.sort_by(|a, b| b.at.cmp(&a.at).then(a.user.upn.cmp(&b.user.upn)));
    let mut upns = BTreeSet::new();
    let mut ips = BTreeSet::new();
    let mut blocks = BTreeSet::new();
    let mut ca_failures = 0;
    let interrupted = specs
        .iter()
        .filter(|s| s.interactive && matches!(s.code, 50074 | 50076));
    let prompted: BTreeSet<String> = interrupted.clone().filter_map(|s| s.corr.clone()).collect();
    let succeeded: BTreeSet<String> = specs
        .iter()
        .filter(|s| s.code == 0)
        .filter_map(|s| s.corr.clone())
        .collect();
    let abandoned = prompted.difference(&succeeded).count();
    let interrupted = interrupted.count();
    let report_only = specs
        .iter()
        .filter(|s| s.failing == Some((P_REPORT_ONLY, "reportOnlyFailure")))
        .count();
    let records: Vec<Value> = specs
        .iter()
        .enumerate()
        .map(|(n, s)| {
            upns.insert(s.user.upn.clone());
            ips.insert(canonical(&s.ip));
            ips.extend(s.resource_ip.as_deref().map(canonical));
            if let Some((p, "failure")) = s.failing {
                ca_failures += 1;
                blocks.insert((s.user.upn.clone(), s.app.to_string(), p.to_string()));
            }
            record(n + 1, s)
        })
        .collect();
    let mut bare = records.clone();
    for r in &mut bare {
        if let Some(ps) = r["appliedConditionalAccessPolicies"].as_array_mut() {
            for p in ps.iter_mut().filter_map(Value::as_object_mut) {
                p.remove("conditionsSatisfied");
                p.remove("conditionsNotSatisfied");
            }
        }
    }
    std::fs::create_dir_all(dir).expect("tenant dir");
    let write = |name: &str, v: &Value| {
        let p = dir.join(name);
        std::fs::write(&p, serde_json::to_vec(v).expect("serialise")).expect("write");
        p
    };
    let csv = csv_export::write(dir, &records);
    let signins = write(
        "InteractiveAndNonInteractiveSignIns_2026-11-02_2026-11-09.json",
        &Value::Array(records),
    );
    let bare = write("v1_signins.json", &Value::Array(bare));
    let locations = write("named_locations.json", &graph::locations());
    let policies = write("policies.json", &graph::policies());
    Tenant {
        tmp: None,
        dir: dir.to_path_buf(),
        signins,
        csv,
        bare,
        locations,
        policies,
        records: specs.len(),
        upns,
        ips,
        ca_failures,
        interrupted,
        abandoned,
        report_only,
        blocks,
    }
}
