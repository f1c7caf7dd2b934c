//! The normalized sign-in record every input format decodes into, and its enums.
//!
//! Owns `SignIn`, `AppliedPolicy` and the value enums (each with an `Unknown(String)`
//! fallback so new service values never break parsing). Must not do I/O or know any
//! input or output format.

use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Utc};

/// Which sign-in log a record came from. `Unknown` means nothing in the export said so
/// (a renamed portal CSV), which the filters and the status rules treat specially.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum EventType {
    Interactive,
    NonInteractive,
    ServicePrincipal,
    ManagedIdentity,
    #[default]
    Unknown,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Interactive => "interactiveUser",
            EventType::NonInteractive => "nonInteractiveUser",
            EventType::ServicePrincipal => "servicePrincipal",
            EventType::ManagedIdentity => "managedIdentity",
            EventType::Unknown => "unknown",
        }
    }

    /// Parses the Graph `signInEventTypes` values and the diagnostic-settings categories.
    pub fn parse(s: &str) -> Option<EventType> {
        let t = s.trim();
        let eq = |a: &str| t.eq_ignore_ascii_case(a);
        if eq("interactiveUser") || eq("SignInLogs") || eq("SigninLogs") || eq("SignIn") {
            Some(EventType::Interactive)
        } else if eq("nonInteractiveUser")
            || eq("NonInteractiveUserSignInLogs")
            || eq("AADNonInteractiveUserSignInLogs")
        {
            Some(EventType::NonInteractive)
        } else if eq("servicePrincipal")
            || eq("ServicePrincipalSignInLogs")
            || eq("MicrosoftServicePrincipalSignInLogs")
            || eq("AADServicePrincipalSignInLogs")
        {
            Some(EventType::ServicePrincipal)
        } else if eq("managedIdentity")
            || eq("ManagedIdentitySignInLogs")
            || eq("AADManagedIdentitySignInLogs")
        {
            Some(EventType::ManagedIdentity)
        } else {
            None
        }
    }
}

/// The top-level `conditionalAccessStatus`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum CaStatus {
    Success,
    Failure,
    NotApplied,
    /// The export did not carry the field at all.
    #[default]
    Missing,
    Unknown(String),
}

impl CaStatus {
    pub fn parse(s: &str) -> CaStatus {
        let t = s.trim();
        // The values as Graph writes them, without building the squashed lower-case copy
        // (once per sign-in).
        match t {
            "success" => return CaStatus::Success,
            "failure" => return CaStatus::Failure,
            "notApplied" => return CaStatus::NotApplied,
            _ => {}
        }
        let squashed: String = t
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '_')
            .collect();
        match squashed.to_ascii_lowercase().as_str() {
            "" => CaStatus::Missing,
            "success" | "0" => CaStatus::Success,
            "failure" | "1" => CaStatus::Failure,
            "notapplied" | "2" => CaStatus::NotApplied,
            _ => CaStatus::Unknown(t.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            CaStatus::Success => "success",
            CaStatus::Failure => "failure",
            CaStatus::NotApplied => "notApplied",
            CaStatus::Missing => "",
            CaStatus::Unknown(s) => s,
        }
    }
}

/// `appliedConditionalAccessPolicies[].result`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PolicyResult {
    Success,
    Failure,
    NotApplied,
    NotEnabled,
    ReportOnlySuccess,
    ReportOnlyFailure,
    ReportOnlyNotApplied,
    ReportOnlyInterrupted,
    /// `unknown`, `unknownFutureValue` and any value not known yet, kept verbatim.
    Unknown(String),
}

impl PolicyResult {
    pub fn parse(s: &str) -> PolicyResult {
        let t = s.trim();
        // The values as Graph writes them first, without a lower-case copy (several per
        // sign-in); `as_str` gives back exactly these.
        for known in [
            PolicyResult::Success,
            PolicyResult::Failure,
            PolicyResult::NotApplied,
            PolicyResult::NotEnabled,
            PolicyResult::ReportOnlySuccess,
            PolicyResult::ReportOnlyFailure,
            PolicyResult::ReportOnlyNotApplied,
            PolicyResult::ReportOnlyInterrupted,
        ] {
            if known.as_str() == t {
                return known;
            }
        }
        match t.to_ascii_lowercase().as_str() {
            "success" => PolicyResult::Success,
            "failure" => PolicyResult::Failure,
            "notapplied" => PolicyResult::NotApplied,
            "notenabled" => PolicyResult::NotEnabled,
            "reportonlysuccess" => PolicyResult::ReportOnlySuccess,
            "reportonlyfailure" => PolicyResult::ReportOnlyFailure,
            "reportonlynotapplied" => PolicyResult::ReportOnlyNotApplied,
            "reportonlyinterrupted" => PolicyResult::ReportOnlyInterrupted,
            _ => PolicyResult::Unknown(t.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            PolicyResult::Success => "success",
            PolicyResult::Failure => "failure",
            PolicyResult::NotApplied => "notApplied",
            PolicyResult::NotEnabled => "notEnabled",
            PolicyResult::ReportOnlySuccess => "reportOnlySuccess",
            PolicyResult::ReportOnlyFailure => "reportOnlyFailure",
            PolicyResult::ReportOnlyNotApplied => "reportOnlyNotApplied",
            PolicyResult::ReportOnlyInterrupted => "reportOnlyInterrupted",
            PolicyResult::Unknown(s) => s,
        }
    }
}

impl fmt::Display for PolicyResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Derived status of a sign-in (DESIGN.md §2 semantics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Status {
    Success,
    Failure,
    Interrupted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Failure => "failure",
            Status::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppliedPolicy {
    pub id: String,
    pub display_name: String,
    pub result: Option<PolicyResult>,
    /// Tokens as written in the log (`Mfa`, `Block`, `RequireCompliantDevice`, custom names).
    pub grant_controls: Vec<String>,
    pub session_controls: Vec<String>,
    /// Flags text (`"location,application"`) or the integer bitmask rendered as text.
    pub conditions_satisfied: String,
    pub conditions_not_satisfied: String,
    pub session_controls_not_satisfied: Vec<String>,
    pub authentication_strength: String,
    /// `includeRulesSatisfied[]` as (conditionalAccessCondition, ruleSatisfied), e.g.
    /// `("users", "groupId")`: which include rule of each condition matched. Beta Graph
    /// and the exports built from it only; empty elsewhere.
    pub include_rules_satisfied: Vec<(String, String)>,
    /// `excludeRulesSatisfied[]`, same shape: which exclusion matched (`("users", "groupId")`
    /// = excluded by one of the policy's excluded groups; the log does not say which).
    pub exclude_rules_satisfied: Vec<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Device {
    pub device_id: String,
    pub display_name: String,
    pub operating_system: String,
    pub browser: String,
    pub is_compliant: Option<bool>,
    pub is_managed: Option<bool>,
    pub trust_type: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Location {
    pub city: String,
    pub state: String,
    pub country: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct NetworkLocation {
    pub network_type: String,
    pub network_names: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuthDetail {
    pub method: String,
    pub method_detail: String,
    pub succeeded: Option<bool>,
    pub result_detail: String,
    pub step_requirement: String,
}

/// One sign-in event, normalized. Empty strings mean "not in the export".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SignIn {
    pub request_id: String,
    pub correlation_id: String,
    pub created: DateTime<Utc>,
    pub user_principal_name: String,
    pub user_id: String,
    pub user_display_name: String,
    pub user_type: String,
    pub app_id: String,
    pub app_display_name: String,
    pub resource_id: String,
    pub resource_display_name: String,
    pub service_principal_id: String,
    pub service_principal_name: String,
    /// Client IP as written in the log, and parsed when it is an address.
    pub ip: String,
    pub ip_addr: Option<IpAddr>,
    /// `ipAddressFromResourceProvider`: the IP the resource saw.
    pub resource_ip: String,
    pub resource_ip_addr: Option<IpAddr>,
    pub client_app_used: String,
    pub user_agent: String,
    /// `isInteractive` when the export says; `None` when nothing says.
    pub interactive: Option<bool>,
    pub event_type: EventType,
    pub error_code: i64,
    pub failure_reason: String,
    pub additional_details: String,
    pub ca_status: CaStatus,
    pub policies: Vec<AppliedPolicy>,
    /// False for exports without per-policy detail (portal CSV).
    pub has_policy_detail: bool,
    pub device: Device,
    pub location: Location,
    /// `networkLocationDetails`; `None` when the export does not carry it.
    pub network_locations: Option<Vec<NetworkLocation>>,
    pub authentication_requirement: String,
    pub auth_details: Vec<AuthDetail>,
    pub risk_level_during_sign_in: String,
    pub risk_level_aggregated: String,
    pub risk_state: String,
    pub risk_detail: String,
    pub risk_event_types: Vec<String>,
    /// `conditionalAccessAudiences[].applicationId` (beta): the resources Conditional
    /// Access evaluated, which can differ from `resourceId`. Empty when not exported.
    pub audiences: Vec<String>,
    /// `authenticationProtocol` as written (`deviceCode`, `oAuth2`, `ropc`, `wsFederation`,
    /// `saml20`, `authenticationTransfer`, `none`, ...); empty when not exported.
    pub authentication_protocol: String,
    /// `originalTransferMethod` as written (`none`, `deviceCodeFlow`,
    /// `authenticationTransfer`); empty when not exported.
    pub original_transfer_method: String,
}

impl SignIn {
    /// Back to `SignIn::default()`, keeping the memory of its strings and lists, so a
    /// decoder can refill it record after record without allocating them again.
    pub fn clear(&mut self) {
        // Every field named (no `..`): a field added later must be named here, and one
        // named but not reset is an unused variable, which CI's `-D warnings` rejects.
        let SignIn {
            request_id,
            correlation_id,
            created,
            user_principal_name,
            user_id,
            user_display_name,
            user_type,
            app_id,
            app_display_name,
            resource_id,
            resource_display_name,
            service_principal_id,
            service_principal_name,
            ip,
            ip_addr,
            resource_ip,
            resource_ip_addr,
            client_app_used,
            user_agent,
            interactive,
            event_type,
            error_code,
            failure_reason,
            additional_details,
            ca_status,
            policies,
            has_policy_detail,
            device,
            location,
            network_locations,
            authentication_requirement,
            auth_details,
            risk_level_during_sign_in,
            risk_level_aggregated,
            risk_state,
            risk_detail,
            risk_event_types,
            audiences,
            authentication_protocol,
            original_transfer_method,
        } = self;
        let Device {
            device_id,
            display_name,
            operating_system,
            browser,
            is_compliant,
            is_managed,
            trust_type,
        } = device;
        let Location {
            city,
            state,
            country,
        } = location;
        for s in [
            request_id,
            correlation_id,
            user_principal_name,
            user_id,
            user_display_name,
            user_type,
            app_id,
            app_display_name,
            resource_id,
            resource_display_name,
            service_principal_id,
            service_principal_name,
            ip,
            resource_ip,
            client_app_used,
            user_agent,
            failure_reason,
            additional_details,
            authentication_requirement,
            risk_level_during_sign_in,
            risk_level_aggregated,
            risk_state,
            risk_detail,
            authentication_protocol,
            original_transfer_method,
            device_id,
            display_name,
            operating_system,
            browser,
            trust_type,
            city,
            state,
            country,
        ] {
            s.clear();
        }
        *created = DateTime::default();
        *ip_addr = None;
        *resource_ip_addr = None;
        *interactive = None;
        *event_type = EventType::default();
        *error_code = 0;
        *ca_status = CaStatus::default();
        policies.clear();
        *has_policy_detail = false;
        *is_compliant = None;
        *is_managed = None;
        *network_locations = None;
        auth_details.clear();
        risk_event_types.clear();
        audiences.clear();
    }

    /// Whether the sign-in could have answered an MFA prompt.
    /// `None` when the export does not say (renamed portal CSV).
    pub fn is_interactive(&self) -> Option<bool> {
        match self.event_type {
            EventType::Interactive => Some(true),
            EventType::NonInteractive
            | EventType::ServicePrincipal
            | EventType::ManagedIdentity => Some(false),
            EventType::Unknown => self.interactive,
        }
    }

    /// The app shown to people: the display name, else the id.
    pub fn app_label(&self) -> &str {
        if self.app_display_name.is_empty() {
            &self.app_id
        } else {
            &self.app_display_name
        }
    }

    /// The user shown to people: UPN, else display name, else id, else service principal.
    pub fn user_label(&self) -> &str {
        [
            &self.user_principal_name,
            &self.user_display_name,
            &self.user_id,
            &self.service_principal_name,
            &self.service_principal_id,
        ]
        .into_iter()
        .find(|s| !s.is_empty())
        .map_or("", |s| s.as_str())
    }
}

/// Parses a GUID (with or without braces/dashes) into 16 bytes, for compact id sets.
pub fn parse_guid(s: &str) -> Option<u128> {
    let t = s.trim().trim_start_matches('{').trim_end_matches('}');
    let b = t.as_bytes();
    // Two halves of 16 hex digits each; the dashes of the 36-character form sit at 8, 13,
    // 18 and 23 exactly, and nowhere else.
    let (hi, lo) = match b.len() {
        36 => {
            if b[8] != b'-' || b[13] != b'-' || b[18] != b'-' || b[23] != b'-' {
                return None;
            }
            let hi = hex(&b[0..8], 0).and_then(|v| hex(&b[9..13], v));
            let hi = hi.and_then(|v| hex(&b[14..18], v))?;
            let lo = hex(&b[19..23], 0).and_then(|v| hex(&b[24..36], v))?;
            (hi, lo)
        }
        32 => (hex(&b[..16], 0)?, hex(&b[16..], 0)?),
        _ => return None,
    };
    Some((u128::from(hi) << 64) | u128::from(lo))
}

/// Appends hex digits to `v` (at most 16 in all); `None` at a byte that is not one.
fn hex(digits: &[u8], mut v: u64) -> Option<u64> {
    for &d in digits {
        let x = HEX[usize::from(d)];
        if x > 15 {
            return None;
        }
        v = (v << 4) | u64::from(x);
    }
    Some(v)
}

/// Hex digit values; 0xff for every other byte.
const HEX: [u8; 256] = {
    let mut t = [0xff; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// A compact 128-bit key for an id that may or may not be a GUID.
pub fn id_key(s: &str) -> u128 {
    if let Some(g) = parse_guid(s) {
        return g;
    }
    // Not a GUID: a fixed-key hash, identical on every run and thread.
    use std::hash::{Hash, Hasher};
    let mut a = std::hash::DefaultHasher::new();
    s.hash(&mut a);
    let mut b = std::hash::DefaultHasher::new();
    (s, 0x5eed_u32).hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// A sign-in with every field away from its default (two policies, two authentication
/// steps): the tests decode into it to prove a decoder sets every field.
#[cfg(test)]
pub(crate) fn poisoned() -> SignIn {
    let text = |s: &str| format!("stale {s}");
    let policy = |n: &str| AppliedPolicy {
        id: text(n),
        display_name: text("policy"),
        result: Some(PolicyResult::Unknown(text("result"))),
        grant_controls: vec![text("grant")],
        session_controls: vec![text("session")],
        conditions_satisfied: text("satisfied"),
        conditions_not_satisfied: text("not satisfied"),
        session_controls_not_satisfied: vec![text("session not satisfied")],
        authentication_strength: text("strength"),
        include_rules_satisfied: vec![(text("users"), text("userId"))],
        exclude_rules_satisfied: vec![(text("users"), text("groupId"))],
    };
    let step = AuthDetail {
        method: text("method"),
        method_detail: text("detail"),
        succeeded: Some(false),
        result_detail: text("result"),
        step_requirement: text("requirement"),
    };
    SignIn {
        request_id: text("request"),
        correlation_id: text("correlation"),
        created: DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default(),
        user_principal_name: text("upn"),
        user_id: text("user id"),
        user_display_name: text("user"),
        user_type: text("type"),
        app_id: text("app id"),
        app_display_name: text("app"),
        resource_id: text("resource id"),
        resource_display_name: text("resource"),
        service_principal_id: text("sp id"),
        service_principal_name: text("sp"),
        ip: text("ip"),
        ip_addr: Some(IpAddr::from([203, 0, 113, 99])),
        resource_ip: text("resource ip"),
        resource_ip_addr: Some(IpAddr::from([203, 0, 113, 98])),
        client_app_used: text("client"),
        user_agent: text("agent"),
        interactive: Some(true),
        event_type: EventType::ManagedIdentity,
        error_code: -7,
        failure_reason: text("failure"),
        additional_details: text("details"),
        ca_status: CaStatus::Unknown(text("status")),
        policies: vec![policy("p1"), policy("p2")],
        has_policy_detail: false,
        device: Device {
            device_id: text("device id"),
            display_name: text("device"),
            operating_system: text("os"),
            browser: text("browser"),
            is_compliant: Some(true),
            is_managed: Some(true),
            trust_type: text("trust"),
        },
        location: Location {
            city: text("city"),
            state: text("state"),
            country: text("country"),
        },
        network_locations: Some(vec![NetworkLocation {
            network_type: text("network"),
            network_names: vec![text("name")],
        }]),
        authentication_requirement: text("requirement"),
        auth_details: vec![step.clone(), step],
        risk_level_during_sign_in: text("risk"),
        risk_level_aggregated: text("risk aggregated"),
        risk_state: text("risk state"),
        risk_detail: text("risk detail"),
        risk_event_types: vec![text("risk event")],
        audiences: vec![text("audience")],
        authentication_protocol: text("protocol"),
        original_transfer_method: text("transfer"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guid_parses_and_rejects() {
        assert_eq!(parse_guid("00000000-0000-0000-0000-00000000000a"), Some(10));
        assert_eq!(
            parse_guid("{00000000-0000-0000-0000-00000000000A}"),
            Some(10)
        );
        assert_eq!(parse_guid("0000000000000000000000000000000a"), Some(10));
        assert_eq!(parse_guid("0000000-00000-0000-0000-00000000000a"), None);
        assert_eq!(parse_guid("zz000000-0000-0000-0000-00000000000a"), None);
        assert_ne!(id_key("abc"), id_key("abd"));
    }

    /// The former digit-by-digit parser: the table-driven one must agree with it.
    fn parse_guid_reference(s: &str) -> Option<u128> {
        let t = s.trim().trim_start_matches('{').trim_end_matches('}');
        if t.len() != 36 && t.len() != 32 {
            return None;
        }
        let mut v: u128 = 0;
        let mut digits = 0;
        for (i, b) in t.bytes().enumerate() {
            if b == b'-' {
                if t.len() == 36 && matches!(i, 8 | 13 | 18 | 23) {
                    continue;
                }
                return None;
            }
            let d = (b as char).to_digit(16)?;
            v = (v << 4) | u128::from(d);
            digits += 1;
        }
        (digits == 32).then_some(v)
    }

    proptest::proptest! {
        #[test]
        fn guid_parser_agrees_with_the_reference(
            s in "[{ ]{0,2}[0-9a-fA-F\\-gG\u{e9}]{30,38}[} ]{0,2}",
            g: u128,
            dash in 0usize..40,
        ) {
            proptest::prop_assert_eq!(parse_guid(&s), parse_guid_reference(&s));
            // Real GUIDs, with a dash moved or a digit broken.
            let h = format!("{g:032x}");
            let dashed = format!("{}-{}-{}-{}-{}", &h[..8], &h[8..12], &h[12..16], &h[16..20], &h[20..]);
            proptest::prop_assert_eq!(parse_guid(&dashed), Some(g));
            proptest::prop_assert_eq!(parse_guid(&h.to_uppercase()), Some(g));
            let mut moved = h.clone();
            moved.insert(dash.min(32), '-');
            moved.truncate(36);
            proptest::prop_assert_eq!(parse_guid(&moved), parse_guid_reference(&moved));
        }
    }

    #[test]
    fn a_cleared_sign_in_is_the_default_one() {
        let mut s = poisoned();
        s.clear();
        assert_eq!(s, SignIn::default());
    }

    #[test]
    fn enums_keep_unknown_values() {
        assert_eq!(
            PolicyResult::parse("reportOnlyFailure"),
            PolicyResult::ReportOnlyFailure
        );
        assert_eq!(
            PolicyResult::parse("somethingNew"),
            PolicyResult::Unknown("somethingNew".into())
        );
        assert_eq!(CaStatus::parse("Not Applied"), CaStatus::NotApplied);
        // The exact spellings take the shortcut and agree with the general path.
        for (exact, other) in [
            ("success", "SUCCESS"),
            ("failure", " Failure"),
            ("notApplied", "not_applied"),
        ] {
            assert_eq!(CaStatus::parse(exact), CaStatus::parse(other));
        }
        for r in [
            "success",
            "failure",
            "notApplied",
            "notEnabled",
            "reportOnlySuccess",
            "reportOnlyFailure",
            "reportOnlyNotApplied",
            "reportOnlyInterrupted",
        ] {
            assert_eq!(
                PolicyResult::parse(r),
                PolicyResult::parse(&r.to_uppercase())
            );
            assert_eq!(PolicyResult::parse(r).as_str(), r);
        }
        assert_eq!(CaStatus::parse("weird"), CaStatus::Unknown("weird".into()));
        assert_eq!(
            EventType::parse("NonInteractiveUserSignInLogs"),
            Some(EventType::NonInteractive)
        );
    }
}
