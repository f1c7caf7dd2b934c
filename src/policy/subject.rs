//! What evaluation is asked about: a sign-in as the policy engine sees it (`Subject`, built
//! from a log record by the join or from `casift whatif` flags), and the answer types
//! (`Evaluation` per policy, `Verdict` across policies). Pure data.

use std::net::IpAddr;

/// Who signs in.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum PrincipalKind {
    #[default]
    User,
    ServicePrincipal,
    /// Managed identities are outside Conditional Access (POLICIES.md §A.5).
    ManagedIdentity,
}

impl PrincipalKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::User => "user",
            PrincipalKind::ServicePrincipal => "service_principal",
            PrincipalKind::ManagedIdentity => "managed_identity",
        }
    }
}

/// The device as far as the log or the flags say. `None` fields are unknown.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeviceFacts {
    /// Entra device id; `Some("")` means the log shows no registered device (all filter
    /// properties null), `None` that nothing is known.
    pub device_id: Option<String>,
    pub is_compliant: Option<bool>,
    /// `AzureAD` (joined), `ServerAD` (hybrid joined), `Workplace` (registered), as written.
    pub trust_type: Option<String>,
    pub operating_system: Option<String>,
    pub display_name: Option<String>,
}

/// A sign-in to evaluate. Unknown facts are `None` (or an unknown membership list), never a
/// guess: evaluation then answers `unknown` for the conditions that need them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Subject {
    pub kind: PrincipalKind,
    /// User object id and UPN (either may be empty).
    pub user_id: String,
    pub user_principal_name: String,
    /// Service principal object id (workload identity sign-ins).
    pub service_principal_id: String,
    /// `Some(true)` for a guest or external user; `None` when not known.
    pub guest: Option<bool>,
    /// The guest type when known (`b2bCollaborationGuest`, `internalGuest`, ...).
    pub guest_type: Option<String>,
    /// Groups the principal is in: `Some(list)` = complete list (from `--member-of`),
    /// `None` = unknown.
    pub groups: Option<Vec<String>>,
    /// Directory role template ids the principal holds: `Some` = complete, `None` = unknown.
    pub roles: Option<Vec<String>>,
    /// Resource app ids the sign-in asked for (audiences, else `resourceId`), and their
    /// names; CA targets these, not the client app.
    pub resources: Vec<String>,
    pub resource_names: Vec<String>,
    /// `urn:user:registersecurityinfo` / `urn:user:registerdevice` when the sign-in is a user action.
    pub user_action: Option<String>,
    /// Authentication context class references asked for (`c1`..`c99`).
    pub auth_contexts: Vec<String>,
    pub ip: Option<IpAddr>,
    /// ISO 3166 alpha-2 from the log or `--country`; `Some("")` = the log says no country.
    pub country: Option<String>,
    /// `android`, `iOS`, `windows`, `windowsPhone`, `macOS`, `linux`, or the unparsed text;
    /// `None` when nothing says.
    pub platform: Option<String>,
    /// `browser`, `mobileAppsAndDesktopClients`, `exchangeActiveSync`, `other`.
    pub client_app_type: Option<String>,
    /// Whether the flow could answer a prompt; `None` when not known.
    pub interactive: Option<bool>,
    pub device: DeviceFacts,
    /// `low`, `medium`, `high`, `none`, `hidden`.
    pub sign_in_risk: Option<String>,
    pub user_risk: Option<String>,
    pub service_principal_risk: Option<String>,
    pub insider_risk: Option<String>,
    /// `deviceCodeFlow`, `authenticationTransfer` or `none`.
    pub auth_flow: Option<String>,
}

/// Conditions in the order of Microsoft's evaluate API (`first_reason` picks the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Condition {
    /// `policyNotEnabled`, soft-deleted: not a condition, but a reason the policy does not apply.
    State,
    Users,
    WorkloadIdentities,
    AgentIdentities,
    Application,
    UserActions,
    AuthenticationContext,
    DevicePlatform,
    Devices,
    ClientApps,
    Location,
    SignInRisk,
    UserRisk,
    ServicePrincipalRisk,
    InsiderRisk,
    AuthenticationFlow,
    /// A configured condition this build does not evaluate.
    Other,
}

impl Condition {
    /// The evaluate API's `analysisReasons` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Condition::State => "policyNotEnabled",
            Condition::Users => "users",
            Condition::WorkloadIdentities => "workloadIdentities",
            Condition::AgentIdentities => "agentIdentities",
            Condition::Application => "application",
            Condition::UserActions => "userActions",
            Condition::AuthenticationContext => "authenticationContext",
            Condition::DevicePlatform => "devicePlatform",
            Condition::Devices => "devices",
            Condition::ClientApps => "clientApps",
            Condition::Location => "location",
            Condition::SignInRisk => "signInRisk",
            Condition::UserRisk => "userRisk",
            Condition::ServicePrincipalRisk => "servicePrincipalRisk",
            Condition::InsiderRisk => "insiderRisk",
            Condition::AuthenticationFlow => "authenticationFlow",
            Condition::Other => "other",
        }
    }
}

/// One condition's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Matched (or not configured): the detail says by what (`includeUsers All`).
    Match(String),
    /// Did not match: the reason names the id, value or range that decided.
    NoMatch(String),
    /// Cannot be decided offline: says what is missing.
    Unknown(String),
}

impl Outcome {
    pub fn detail(&self) -> &str {
        match self {
            Outcome::Match(d) | Outcome::NoMatch(d) | Outcome::Unknown(d) => d,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConditionResult {
    pub condition: Condition,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Applies {
    Yes,
    No,
    Unknown,
}

impl Applies {
    pub fn as_str(self) -> &'static str {
        match self {
            Applies::Yes => "yes",
            Applies::No => "no",
            Applies::Unknown => "unknown",
        }
    }
}

/// One policy evaluated against one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub applies: Applies,
    /// The first `no_match` condition in [`Condition`] order (None when it applies or is unknown).
    pub first_reason: Option<Condition>,
    /// Every configured condition, in [`Condition`] order.
    pub conditions: Vec<ConditionResult>,
}

impl Evaluation {
    pub fn outcome(&self, c: Condition) -> Option<&Outcome> {
        self.conditions
            .iter()
            .find(|r| r.condition == c)
            .map(|r| &r.outcome)
    }
}

/// Across all applying enabled policies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VerdictKind {
    Blocked,
    ControlsRequired,
    Allowed,
    /// Some enabled policy could apply but the facts do not say.
    Unknown,
}

impl VerdictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictKind::Blocked => "blocked",
            VerdictKind::ControlsRequired => "controls_required",
            VerdictKind::Allowed => "allowed",
            VerdictKind::Unknown => "unknown",
        }
    }
}

/// A control required by an applying enabled policy, and whether this flow can meet it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequiredControl {
    /// Token as in [`crate::policy::GrantControls::controls`].
    pub control: String,
    /// Policy ids that require it.
    pub policies: Vec<String>,
    /// `Some(false)`: this flow can never meet it (MFA on a non-interactive flow, a device
    /// control without a device); `None`: cannot tell offline.
    pub satisfiable: Option<bool>,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub kind: VerdictKind,
    /// Ids of the enabled policies that apply and block.
    pub blocking: Vec<String>,
    pub required: Vec<RequiredControl>,
    /// All required controls satisfiable (`Some(true)`), one never (`Some(false)`), else `None`.
    pub satisfiable: Option<bool>,
}
