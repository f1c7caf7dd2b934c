//! Rules that turn one normalized `SignIn` into finding hits (DESIGN.md §2), and the
//! static rule table (id, kind, severity, title). Must not read files, use threads or print:
//! grouping hits into findings is the pipeline's job, rendering the reports' job.

pub mod ca;
pub mod ip;
pub mod join;
pub mod remedy;
pub mod story;
pub mod suggest;

use std::net::IpAddr;

use crate::locations::NamedLocations;
use crate::model::{SignIn, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Lint only: worth knowing, no risk by itself (never a `--fail-on` level).
    Info,
    Low,
    Medium,
    High,
    /// Lint only: the policy set can lock the whole tenant out.
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Rule {
    Ca001,
    Ca002,
    Ca003,
    Ca004,
    Ca005,
    Ca006,
    Ca007,
    Ca008,
    Ip001,
    Ip002,
    Ip003,
    Sd001,
}

impl Rule {
    pub const ALL: [Rule; 12] = [
        Rule::Ca001,
        Rule::Ca002,
        Rule::Ca003,
        Rule::Ca004,
        Rule::Ca005,
        Rule::Ca006,
        Rule::Ca007,
        Rule::Ca008,
        Rule::Ip001,
        Rule::Ip002,
        Rule::Ip003,
        Rule::Sd001,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::Ca001 => "CA001",
            Rule::Ca002 => "CA002",
            Rule::Ca003 => "CA003",
            Rule::Ca004 => "CA004",
            Rule::Ca005 => "CA005",
            Rule::Ca006 => "CA006",
            Rule::Ca007 => "CA007",
            Rule::Ca008 => "CA008",
            Rule::Ip001 => "IP001",
            Rule::Ip002 => "IP002",
            Rule::Ip003 => "IP003",
            Rule::Sd001 => "SD001",
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Rule::Ca001 => "blocked_by_policy",
            Rule::Ca002 => "mfa_required_non_interactive",
            Rule::Ca003 => "device_compliance_required",
            Rule::Ca004 => "domain_joined_required",
            Rule::Ca005 => "approved_app_required",
            Rule::Ca006 => "sign_in_frequency",
            Rule::Ca007 => "report_only_would_block",
            Rule::Ca008 => "risk_blocked",
            Rule::Ip001 => "ip_not_in_trusted_location",
            Rule::Ip002 => "location_drift",
            Rule::Ip003 => "resource_ip_mismatch",
            Rule::Sd001 => "service_dependency",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::Ca006 | Rule::Ca007 | Rule::Ip002 | Rule::Ip003 => Severity::Medium,
            Rule::Sd001 => Severity::Low,
            _ => Severity::High,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Rule::Ca001 => "Blocked by a Conditional Access policy",
            Rule::Ca002 => "MFA required on a flow that cannot do MFA",
            Rule::Ca003 => "Compliant device required",
            Rule::Ca004 => "Hybrid joined device required",
            Rule::Ca005 => "Approved or compliant client app required",
            Rule::Ca006 => "Sign-in frequency forced a re-authentication",
            Rule::Ca007 => "Report-only policy would block these sign-ins",
            Rule::Ca008 => "Blocked for sign-in or user risk",
            Rule::Ip001 => "IP address outside every trusted named location",
            Rule::Ip002 => "Log and named-locations file disagree about an IP",
            Rule::Ip003 => "Client IP and IP seen by the resource differ",
            Rule::Sd001 => "Policy applied through a service dependency",
        }
    }

    pub fn from_id(s: &str) -> Option<Rule> {
        Rule::ALL
            .into_iter()
            .find(|r| r.id().eq_ignore_ascii_case(s))
    }
}

/// The policy a hit is about.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct PolicyRef {
    pub id: String,
    pub display_name: String,
}

/// One rule firing on one sign-in. The pipeline groups hits by (rule, policy, app).
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub rule: Rule,
    pub policy: Option<PolicyRef>,
    /// Short evidence for this sign-in (kept, deduplicated and capped per finding).
    pub detail: Option<String>,
    /// Addresses this hit is about (IP001: the client IP that no trusted location holds).
    pub ips: Vec<IpAddr>,
    /// IP001 raised although the export cannot show that the policy has a location
    /// condition (medium, worded "if the policy uses a location condition").
    pub conditional: bool,
    /// IP002: names of the named locations the log and the file disagree on.
    pub stale: Vec<String>,
}

impl Hit {
    pub fn new(rule: Rule, policy: Option<PolicyRef>) -> Hit {
        Hit {
            rule,
            policy,
            detail: None,
            ips: Vec::new(),
            conditional: false,
            stale: Vec::new(),
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Hit {
        let mut d: String = detail.into();
        if d.len() > MAX_DETAIL {
            // An evidence line is repeated in every report: one record's million grant
            // controls must not make it megabytes long.
            let mut cut = MAX_DETAIL;
            while !d.is_char_boundary(cut) {
                cut -= 1;
            }
            let more = d.len() - cut;
            d.truncate(cut);
            d.push_str(&format!("… ({more} more bytes)"));
        }
        self.detail = Some(d);
        self
    }
}

/// How long an evidence line may be (bytes) before it is cut.
pub const MAX_DETAIL: usize = 1000;

/// What the rules may consult besides the sign-in itself.
#[derive(Clone, Copy, Default)]
pub struct Context<'a> {
    pub locations: Option<&'a NamedLocations>,
    /// The tenant's policies (`--policies`), for the join.
    pub policies: Option<&'a crate::policy::PolicySet>,
}

/// The facts about a sign-in that several rules share, computed once.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    pub status: Status,
    /// A failed sign-in that Conditional Access caused (DESIGN.md §2).
    pub ca_failure: bool,
}

/// Every rule on one sign-in, hits appended to `out`.
pub fn evaluate(s: &SignIn, facts: Facts, ctx: Context<'_>, out: &mut Vec<Hit>) {
    let start = out.len();
    ca::evaluate_with(s, facts, ctx.policies, out);
    // The IP rules read the CA hits; collect theirs apart instead of cloning those.
    let mut ip_hits = Vec::new();
    ip::evaluate(s, facts, ctx, &out[start..], &mut ip_hits);
    out.append(&mut ip_hits);
}

/// Status and CA-failure of a sign-in (DESIGN.md §2 semantics).
pub fn facts(s: &SignIn) -> Facts {
    use crate::knowledge;
    use crate::model::{CaStatus, PolicyResult};
    let status = if s.error_code == 0 {
        Status::Success
    } else if knowledge::is_interrupt(s.error_code, s.is_interactive()) {
        Status::Interrupted
    } else {
        Status::Failure
    };
    let ca_failure = status == Status::Failure
        && (s.ca_status == CaStatus::Failure
            || s.policies
                .iter()
                .any(|p| p.result == Some(PolicyResult::Failure))
            || knowledge::is_ca_block_code(s.error_code));
    Facts { status, ca_failure }
}

/// Whether this sign-in could never have answered an MFA prompt.
pub fn cannot_do_mfa(s: &SignIn) -> bool {
    s.is_interactive() == Some(false) || crate::knowledge::is_legacy_client(&s.client_app_used)
}
