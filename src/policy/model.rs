//! The normalized Conditional Access policy (POLICIES.md §A): one shape for every export
//! (Graph camelCase, PowerShell PascalCase, Extractor-Suite CSV). Enum-like values are kept
//! as written (`String`) and compared case-insensitively, so `unknownFutureValue` and values
//! newer than this build survive; condition keys this build does not understand are kept in
//! `unknown_conditions`. Pure data: no parsing, no evaluation.

use chrono::{DateTime, Utc};

/// The location id of the legacy "MFA trusted IPs" (per-user MFA service setting); it never
/// appears in a named-locations export.
pub const MFA_TRUSTED_IPS: &str = "00000000-0000-0000-0000-000000000000";
/// "All Compliant Network locations" (Global Secure Access), the same id in every tenant.
pub const COMPLIANT_NETWORK: &str = "3d46dbda-8382-466a-856d-eb00cbc6b910";

/// `state` of a policy.
#[derive(
    Debug,
    Clone,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
pub enum PolicyState {
    #[default]
    Enabled,
    /// `enabledForReportingButNotEnforced`
    ReportOnly,
    Disabled,
    /// A value not known yet, kept verbatim (evaluated like report-only: never enforced).
    Unknown(String),
}

impl PolicyState {
    pub fn parse(s: &str) -> PolicyState {
        match s.trim().to_ascii_lowercase().as_str() {
            "enabled" | "on" => PolicyState::Enabled,
            "enabledforreportingbutnotenforced" | "reportonly" | "report-only" => {
                PolicyState::ReportOnly
            }
            "disabled" | "off" => PolicyState::Disabled,
            _ => PolicyState::Unknown(s.trim().to_string()),
        }
    }

    /// Graph's spelling (the key of `policies.by_state` in the JSON report).
    pub fn as_str(&self) -> &str {
        match self {
            PolicyState::Enabled => "enabled",
            PolicyState::ReportOnly => "enabledForReportingButNotEnforced",
            PolicyState::Disabled => "disabled",
            PolicyState::Unknown(s) => s,
        }
    }

    /// Words for people ("report-only").
    pub fn label(&self) -> &str {
        match self {
            PolicyState::Enabled => "on",
            PolicyState::ReportOnly => "report-only",
            PolicyState::Disabled => "off",
            PolicyState::Unknown(s) => s,
        }
    }
}

/// Where a policy came from, for messages and the report's `policies.inputs[]`.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct Origin {
    /// File path, with `!member` for a zip member.
    pub path: String,
    /// Shape id: `graph_list`, `graph_entity`, `bare_array`, `powershell`, `entra_exporter`,
    /// `goose_jsonl`, `extractor_csv`.
    pub shape: &'static str,
    /// 1-based position of the policy in that file.
    pub index: usize,
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Policy {
    pub id: String,
    pub display_name: String,
    pub state: PolicyState,
    pub created: Option<DateTime<Utc>>,
    pub modified: Option<DateTime<Utc>>,
    /// `deletedDateTime` set: a soft-deleted policy (ignored by evaluation, reported).
    pub deleted: bool,
    pub conditions: Conditions,
    /// `None`: `grantControls` null (session-only policy).
    pub grant: Option<GrantControls>,
    pub session: SessionControls,
    pub origin: Origin,
    /// What the export shape could not carry (Extractor-Suite CSV: guests, authentication
    /// strength, authentication flows, service principals...). Empty when complete.
    pub missing: Vec<String>,
}

impl Policy {
    /// `'Name' (id)` for texts.
    pub fn label(&self) -> String {
        match (self.display_name.is_empty(), self.id.is_empty()) {
            (false, false) => format!("'{}' ({})", self.display_name, self.id),
            (false, true) => format!("'{}'", self.display_name),
            (true, _) => format!("policy {}", self.id),
        }
    }

    pub fn blocks(&self) -> bool {
        self.grant.as_ref().is_some_and(|g| g.has("block"))
    }
}

/// `conditions`. `None` / empty = not configured (matches everything), after normalizing
/// PowerShell's objects-of-nulls.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Conditions {
    pub users: Option<Users>,
    pub applications: Applications,
    /// `clientApplications`: workload identities.
    pub client_applications: Option<ClientApplications>,
    /// As written (`browser`, `mobileAppsAndDesktopClients`, `exchangeActiveSync`, `other`,
    /// `all`, `easSupported`, `modern`...). Empty = all (old exports write `[]`).
    pub client_app_types: Vec<String>,
    pub platforms: Option<IncludeExclude>,
    pub locations: Option<IncludeExclude>,
    /// `devices.deviceFilter`.
    pub device_filter: Option<Filter>,
    /// Risk levels as written (`low`, `medium`, `high`, `hidden`, `none`); empty = any.
    pub sign_in_risk_levels: Vec<String>,
    pub user_risk_levels: Vec<String>,
    pub service_principal_risk_levels: Vec<String>,
    /// Flags strings split on `,`.
    pub insider_risk_levels: Vec<String>,
    /// `authenticationFlows.transferMethods`, split on `,` (`deviceCodeFlow`,
    /// `authenticationTransfer`); empty = not configured.
    pub transfer_methods: Vec<String>,
    /// Agent identity conditions (beta `agents`, `clientApplications.includeAgentIdServicePrincipals`,
    /// `agentIdRiskLevels`): a policy with any of these targets agents, not people.
    pub targets_agents: bool,
    /// Configured condition keys this build does not evaluate (e.g. `times`, `deviceStates`,
    /// `agentContext`), as written: evaluation says `unknown` for them, lint reports them.
    pub unknown_conditions: Vec<String>,
}

/// `conditions.users`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Users {
    /// Object ids or `All`, `None`, `GuestsOrExternalUsers`.
    pub include_users: Vec<String>,
    pub exclude_users: Vec<String>,
    pub include_groups: Vec<String>,
    pub exclude_groups: Vec<String>,
    /// Role template ids.
    pub include_roles: Vec<String>,
    pub exclude_roles: Vec<String>,
    pub include_guests: Option<GuestsOrExternal>,
    pub exclude_guests: Option<GuestsOrExternal>,
}

/// `conditionalAccessGuestsOrExternalUsers`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct GuestsOrExternal {
    /// `guestOrExternalUserTypes` split on `,` (`internalGuest`, `b2bCollaborationGuest`, ...).
    pub types: Vec<String>,
    /// `externalTenants.membershipKind` is `all` (or not given).
    pub all_tenants: bool,
    /// `externalTenants.members` when enumerated.
    pub tenants: Vec<String>,
}

/// `conditions.applications`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Applications {
    /// App ids or `All`, `None`, `Office365`, `MicrosoftAdminPortals`, `AllAgentIdResources`.
    pub include_applications: Vec<String>,
    pub exclude_applications: Vec<String>,
    /// `urn:user:registersecurityinfo`, `urn:user:registerdevice`.
    pub include_user_actions: Vec<String>,
    /// `c1`..`c99`.
    pub include_auth_context: Vec<String>,
    pub application_filter: Option<Filter>,
}

/// `conditions.clientApplications` (workload identities).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ClientApplications {
    /// Service principal object ids or `ServicePrincipalsInMyTenant`.
    pub include_service_principals: Vec<String>,
    pub exclude_service_principals: Vec<String>,
    pub service_principal_filter: Option<Filter>,
}

/// Include and exclude lists (platforms, locations), as written.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct IncludeExclude {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

/// A device, application or service-principal filter: `{mode, rule}`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Filter {
    /// `include` or `exclude` as written.
    pub mode: String,
    /// Dynamic-group rule syntax, e.g. `device.isCompliant -eq True -and device.deviceOwnership -eq "Company"`.
    pub rule: String,
}

impl Filter {
    pub fn is_exclude(&self) -> bool {
        self.mode.trim().eq_ignore_ascii_case("exclude")
    }
}

/// `grantControls`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct GrantControls {
    /// `AND` or `OR` as written (empty when the export did not say: treated as `OR` for a
    /// single control, `AND` otherwise, as the portal does).
    pub operator: String,
    /// `block`, `mfa`, `compliantDevice`, `domainJoinedDevice`, `approvedApplication`,
    /// `compliantApplication`, `passwordChange`, or newer values, as written.
    pub built_in: Vec<String>,
    pub custom_factors: Vec<String>,
    pub terms_of_use: Vec<String>,
    pub authentication_strength: Option<AuthStrength>,
}

impl GrantControls {
    /// Whether a built-in control is required (case-insensitive).
    pub fn has(&self, token: &str) -> bool {
        self.built_in.iter().any(|c| c.eq_ignore_ascii_case(token))
    }

    /// `OR` ("require one of the selected controls").
    pub fn is_or(&self) -> bool {
        self.operator.trim().eq_ignore_ascii_case("OR")
    }

    /// Every control this grant names, built-ins first, then `authenticationStrength`,
    /// `termsOfUse`, custom factors (each as one token).
    pub fn controls(&self) -> Vec<String> {
        let mut v = self.built_in.clone();
        if let Some(a) = &self.authentication_strength {
            v.push(format!(
                "authenticationStrength({})",
                if a.display_name.is_empty() {
                    &a.id
                } else {
                    &a.display_name
                }
            ));
        }
        if !self.terms_of_use.is_empty() {
            v.push("termsOfUse".to_string());
        }
        v.extend(self.custom_factors.iter().cloned());
        v
    }
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct AuthStrength {
    pub id: String,
    pub display_name: String,
}

/// `sessionControls`: only what evaluation, lint and the join read; the rest is named in
/// `other`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct SessionControls {
    pub sign_in_frequency: Option<SignInFrequency>,
    /// `persistentBrowser.mode` (`always`/`never`) when enabled.
    pub persistent_browser: Option<String>,
    pub application_enforced_restrictions: bool,
    /// `cloudAppSecurity.cloudAppSecurityType` when enabled.
    pub cloud_app_security: Option<String>,
    pub disable_resilience_defaults: bool,
    /// Other configured session controls, by key (`continuousAccessEvaluation`,
    /// `secureSignInSession`, ...).
    pub other: Vec<String>,
}

impl SessionControls {
    pub fn is_empty(&self) -> bool {
        *self == SessionControls::default()
    }

    /// Names of the configured session controls, for texts.
    pub fn names(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.sign_in_frequency.is_some() {
            v.push("signInFrequency".to_string());
        }
        if self.persistent_browser.is_some() {
            v.push("persistentBrowser".to_string());
        }
        if self.application_enforced_restrictions {
            v.push("applicationEnforcedRestrictions".to_string());
        }
        if self.cloud_app_security.is_some() {
            v.push("cloudAppSecurity".to_string());
        }
        if self.disable_resilience_defaults {
            v.push("disableResilienceDefaults".to_string());
        }
        v.extend(self.other.iter().cloned());
        v
    }
}

#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct SignInFrequency {
    /// `value` with `type` (`hours`/`days`); `None` with `every_time`.
    pub value: Option<u32>,
    pub unit: String,
    /// `frequencyInterval: everyTime`.
    pub every_time: bool,
}

/// Everything `--policies` read: the policies in input order (duplicates by id kept once),
/// the named locations found inside the exports, and per-file accounting.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PolicySet {
    pub policies: Vec<Policy>,
    /// Named locations found among the policy files (a J0 `NamedLocations/` folder, an
    /// EntraExporter tree, Goose's `conditionalAccess_namedLocations.json`).
    pub locations: Vec<crate::locations::NamedLocation>,
    pub inputs: Vec<PolicyInput>,
    /// Things a reader should know (lossy shapes, unknown condition keys, files ignored).
    pub notes: Vec<String>,
}

impl PolicySet {
    /// The policy with this id (case-insensitive), if the export has it.
    pub fn get(&self, id: &str) -> Option<&Policy> {
        let id = id.trim();
        self.policies.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }
}

/// One file (or zip member) read by `--policies`.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct PolicyInput {
    pub path: String,
    /// Shape id (see [`Origin::shape`]), or `named_locations`, or `ignored`.
    pub shape: &'static str,
    pub policies: usize,
    pub locations: usize,
    /// Why the file was ignored or what it lacked.
    pub note: Option<String>,
}
