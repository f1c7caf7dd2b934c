//! The built-in knowledge base: sign-in error codes (name, meaning, category, interrupt or
//! failure, fix), grant and session control tokens, legacy client names and well-known app
//! ids. Facts from ERROR-CODES.md; data and small lookups only, no rule logic.

/// What kind of outcome an error code is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeKind {
    Success,
    Failure,
    /// An expected step of an interactive flow.
    Interrupt,
    /// An interrupt on an interactive flow, a failure on a flow that cannot answer it.
    InterruptIfInteractive,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    CaBlock,
    CaInterrupt,
    Mfa,
    Device,
    Credential,
    Risk,
    Other,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::CaBlock => "ca-block",
            Category::CaInterrupt => "ca-interrupt",
            Category::Mfa => "mfa",
            Category::Device => "device",
            Category::Credential => "credential",
            Category::Risk => "risk",
            Category::Other => "other",
        }
    }
}

#[derive(Debug, Clone, Copy)]
pub struct ErrorCode {
    pub code: i64,
    pub name: &'static str,
    pub category: Category,
    pub kind: CodeKind,
    pub meaning: &'static str,
    pub fix: &'static str,
}

macro_rules! codes {
    ($(($code:expr, $name:expr, $cat:ident, $kind:ident, $meaning:expr, $fix:expr)),* $(,)?) => {
        &[$(ErrorCode {
            code: $code,
            name: $name,
            category: Category::$cat,
            kind: CodeKind::$kind,
            meaning: $meaning,
            fix: $fix,
        }),*]
    };
}

/// Sorted by code (checked by a test) so lookups can binary-search.
pub static ERROR_CODES: &[ErrorCode] = codes![
    (
        0,
        "Success",
        Other,
        Success,
        "Sign-in succeeded.",
        "None. Report-only results may still show what a policy would do."
    ),
    (
        16000,
        "InteractionRequired",
        Other,
        Interrupt,
        "The user must pick or sign in to an account interactively.",
        "Usually none; the user signs in with an account that exists in the resource tenant."
    ),
    (
        50005,
        "DevicePolicyError",
        CaBlock,
        Failure,
        "Sign-in from a device platform that a Conditional Access policy does not support.",
        "Adjust the policy's device-platform condition or use a supported platform."
    ),
    (
        50053,
        "IdsLocked",
        Credential,
        Failure,
        "Account locked by smart lockout, or sign-in from a known malicious IP.",
        "Read the failure reason; find the source of bad passwords; wait out the lockout or unblock."
    ),
    (
        50055,
        "InvalidPasswordExpiredPassword",
        Credential,
        Failure,
        "The password has expired.",
        "Reset the password."
    ),
    (
        50057,
        "UserDisabled",
        Credential,
        Failure,
        "The user account is disabled.",
        "Re-enable the account at its source of authority if access is legitimate."
    ),
    (
        50058,
        "UserInformationNotProvided",
        Other,
        Interrupt,
        "Silent single sign-on found no session; the app falls back to an interactive sign-in.",
        "None; expected."
    ),
    (
        50072,
        "UserStrongAuthEnrollmentRequiredInterrupt",
        Mfa,
        Interrupt,
        "The user must register for MFA.",
        "The user completes registration."
    ),
    (
        50074,
        "UserStrongAuthClientAuthNRequiredInterrupt",
        Mfa,
        Interrupt,
        "MFA required and not yet satisfied; the user is sent to the MFA challenge.",
        "Normally none: the user completes MFA. Investigate if no success follows."
    ),
    (
        50076,
        "UserStrongAuthClientAuthNRequired",
        Mfa,
        InterruptIfInteractive,
        "MFA required (Conditional Access, per-user MFA or security defaults) and the token request had no MFA claim.",
        "Interactive: complete MFA. Non-interactive or scripted: a token flow cannot do MFA; use a service principal or managed identity, or exclude the flow from the policy that requires MFA."
    ),
    (
        50079,
        "UserStrongAuthEnrollmentRequired",
        Mfa,
        InterruptIfInteractive,
        "MFA required but the user has no registered method.",
        "The user registers security info (aka.ms/mysecurityinfo)."
    ),
    (
        50097,
        "DeviceAuthenticationRequired",
        Device,
        Interrupt,
        "Device authentication needed to satisfy a device-based policy.",
        "If a later event in the same flow succeeds, ignore; otherwise check device registration and browser SSO support."
    ),
    (
        50105,
        "EntitlementGrantsNotFound",
        Other,
        Failure,
        "The user is not assigned to the app, which requires assignment.",
        "Assign the user or a group to the enterprise app, or turn off assignment required."
    ),
    (
        50125,
        "PasswordResetRegistrationRequiredInterrupt",
        Credential,
        Interrupt,
        "Sign-in interrupted for password-reset registration.",
        "The user completes registration."
    ),
    (
        50126,
        "InvalidUserNameOrPassword",
        Credential,
        Failure,
        "Wrong user name or password.",
        "The user retries or resets the password; bursts across many users suggest password spray."
    ),
    (
        50131,
        "ConditionalAccessFailed",
        CaBlock,
        Failure,
        "Generic Conditional Access failure (device state, suspicious activity, access policy decision).",
        "Open the failed policy and the device state; treat like 53003."
    ),
    (
        50132,
        "SsoArtifactInvalidOrExpired",
        Credential,
        Failure,
        "The session is no longer valid (password expired or changed).",
        "Sign in again."
    ),
    (
        50133,
        "SsoArtifactRevoked",
        Credential,
        Failure,
        "The session was revoked because the password expired or changed.",
        "Sign in again with the current password."
    ),
    (
        50140,
        "KmsiInterrupt",
        Other,
        Interrupt,
        "The 'Keep me signed in?' prompt was shown.",
        "None; expected."
    ),
    (
        50142,
        "PasswordChangeRequiredConditionalAccess",
        CaInterrupt,
        Interrupt,
        "A Conditional Access policy requires a password change.",
        "The user performs a secure password change."
    ),
    (
        50155,
        "DeviceAuthenticationFailed",
        Device,
        Failure,
        "Device authentication failed for this user.",
        "Check the device registration and state."
    ),
    (
        50158,
        "ExternalSecurityChallenge",
        CaInterrupt,
        Interrupt,
        "Redirected to satisfy an external requirement (terms of use, third-party MFA, custom control).",
        "None unless no success follows; then check the external provider."
    ),
    (
        50173,
        "FreshTokenNeeded",
        Credential,
        Failure,
        "The grant was revoked (sessions revoked, password changed).",
        "Sign in again."
    ),
    (
        50196,
        "LoopDetected",
        Other,
        Failure,
        "The client sent the same request too many times.",
        "Fix the app's token caching and retry logic."
    ),
    (
        50199,
        "CmsiInterrupt",
        Other,
        Interrupt,
        "Confirmation prompt for a native-app redirect.",
        "None; expected."
    ),
    (
        51004,
        "UserAccountNotInDirectory",
        Other,
        Failure,
        "The account does not exist in the tenant the app used.",
        "Use the right tenant or invite the user as a guest."
    ),
    (
        53000,
        "DeviceNotCompliant",
        Device,
        Failure,
        "Conditional Access requires a compliant device; the device is not compliant or sent no compliance information.",
        "Enrol the device and fix compliance; for token flows (PATs, scripts) that carry no device, exclude them from the device policy."
    ),
    (
        53001,
        "DeviceNotDomainJoined",
        Device,
        Failure,
        "Conditional Access requires a hybrid joined device; the device is not joined or sent no join information.",
        "Use a hybrid joined device; for token flows that carry no device, exclude them from the policy."
    ),
    (
        53002,
        "ApplicationUsedIsNotAnApprovedApp",
        CaBlock,
        Failure,
        "Conditional Access requires an approved client app; this client is not approved.",
        "Use an approved app (e.g. Outlook mobile) with a broker, or adjust the policy."
    ),
    (
        53003,
        "BlockedByConditionalAccess",
        CaBlock,
        Failure,
        "A Conditional Access policy blocked access (Block grant, or a requirement the client cannot satisfy).",
        "Find the policy with result failure; check why its conditions matched (location/IP, platform, client app, risk); adjust exclusions or fix the client."
    ),
    (
        53004,
        "ProofUpBlockedDueToRisk",
        Risk,
        Failure,
        "MFA registration blocked because the sign-in or user is risky.",
        "Remediate the risk in Identity Protection, then retry."
    ),
    (
        53009,
        "ApplicationNeedsAppProtectionPolicy",
        CaBlock,
        Failure,
        "Conditional Access requires an app protection policy that this app or user does not have.",
        "Use an Intune-managed app covered by an app protection policy, or adjust the policy."
    ),
    (
        53010,
        "ProofUpBlockedDueToSecurityInfoAcr",
        Mfa,
        Failure,
        "Security-info registration is restricted by Conditional Access from this location or device.",
        "Register from an allowed location or device, or use a Temporary Access Pass."
    ),
    (
        53011,
        "UserBlockedDueToRiskOnHomeTenant",
        Risk,
        Failure,
        "Blocked because the home tenant considers the user risky.",
        "The home tenant remediates the user risk."
    ),
    (
        65001,
        "DelegationDoesNotExist",
        Other,
        Failure,
        "No consent for the requested permissions.",
        "Grant user or admin consent."
    ),
    (
        70043,
        "BadTokenDueToSignInFrequency",
        CaInterrupt,
        Failure,
        "The refresh token expired because of a sign-in frequency session control.",
        "Sign in interactively again; do not apply sign-in frequency to automation: use a service principal or managed identity, or recreate the token."
    ),
    (
        70044,
        "SessionExpiredDueToSignInFrequency",
        CaInterrupt,
        Failure,
        "The session is too old for a Conditional Access sign-in frequency check.",
        "Re-authenticate, or change the sign-in frequency session control."
    ),
    (
        70046,
        "ReauthenticationRequired",
        CaInterrupt,
        Failure,
        "Session expired or a re-authentication check failed.",
        "Sign in again."
    ),
    (
        90072,
        "PassThroughUserMfaError",
        Mfa,
        Failure,
        "MFA for this tenant cannot be satisfied by this external account.",
        "Add the user as a guest first, or sign in with the right account."
    ),
    (
        90095,
        "AdminConsentRequiredRequestAccess",
        Other,
        Interrupt,
        "Admin-consent workflow: the user is told to request approval.",
        "An admin reviews the request."
    ),
    (
        135011,
        "DeviceDisabled",
        Device,
        Failure,
        "The device used is disabled.",
        "Re-enable or replace the device object."
    ),
    (
        500121,
        "StrongAuthenticationFailed",
        Mfa,
        Failure,
        "The MFA challenge was sent but not completed (denied, timed out, wrong code).",
        "The user completes MFA; repeated denials may be MFA fatigue."
    ),
    (
        530002,
        "DeviceNotCompliantOnTokenFlow",
        Device,
        Failure,
        "Conditional Access requires a compliant device.",
        "As 53000: make the device compliant, or exclude device-less token flows from the policy."
    ),
    (
        530003,
        "DeviceNotManaged",
        Device,
        Failure,
        "Conditional Access requires a managed device and the request carried no device identity.",
        "Sign in from a managed device through a broker; avoid device-code flow; enrol the device."
    ),
    (
        530032,
        "BlockedByConditionalAccessOnSecurityPolicy",
        Risk,
        Failure,
        "Blocked by a tenant security policy (Identity Protection user risk).",
        "Remediate the user risk (reset password or dismiss risk), then retry."
    ),
    (
        530034,
        "DelegatedAdminBlockedDueToSuspiciousActivity",
        Risk,
        Failure,
        "Delegated admin blocked because of risk in the home tenant.",
        "The partner tenant remediates the admin's risk."
    ),
    (
        530035,
        "BlockedBySecurityDefaults",
        CaBlock,
        Failure,
        "Blocked by security defaults, not by a Conditional Access policy.",
        "Stop legacy authentication clients, or replace security defaults with Conditional Access policies."
    ),
    (
        700016,
        "UnauthorizedClient_DoesNotMatchRequest",
        Other,
        Failure,
        "The app is not found in the tenant.",
        "Fix the client id or tenant."
    ),
    (
        700082,
        "ExpiredOrRevokedGrantInactiveToken",
        Credential,
        Failure,
        "The refresh token was unused too long.",
        "Sign in again."
    ),
    (
        7000215,
        "InvalidClientSecret",
        Other,
        Failure,
        "Invalid client secret.",
        "Send the secret value, not its id; rotate the secret."
    ),
    (
        7000218,
        "MissingClientCredential",
        Other,
        Failure,
        "Confidential-client request without credentials.",
        "Send a secret or certificate, or enable public client flows."
    ),
];

pub fn lookup(code: i64) -> Option<&'static ErrorCode> {
    ERROR_CODES
        .binary_search_by_key(&code, |c| c.code)
        .ok()
        .map(|i| &ERROR_CODES[i])
}

/// The name of an error code, or "" when it is not in the knowledge base.
pub fn code_name(code: i64) -> &'static str {
    lookup(code).map_or("", |c| c.name)
}

/// Whether a code is an interrupt for a sign-in of the given interactivity. DESIGN §2: an
/// interrupt code is an interrupt only on an interactive sign-in (or where nothing says);
/// a flow that cannot answer the prompt has failed.
pub fn is_interrupt(code: i64, interactive: Option<bool>) -> bool {
    match lookup(code).map(|c| c.kind) {
        Some(CodeKind::Interrupt | CodeKind::InterruptIfInteractive) => interactive != Some(false),
        _ => false,
    }
}

/// Codes that by themselves say Conditional Access (or the risk engine through it) blocked
/// (ERROR-CODES.md: the CA hard failures and the risk-engine blocks). Sign-in frequency
/// codes (70043, 70044) are not among them: they need CA evidence in the record.
pub fn is_ca_block_code(code: i64) -> bool {
    matches!(
        code,
        50005
            | 50131
            | 53000
            | 53001
            | 53002
            | 53003
            | 53004
            | 53009
            | 53010
            | 53011
            | 530002
            | 530003
            | 530032
            | 530034
    )
}

/// Codes that mean a block for sign-in or user risk.
pub fn is_risk_code(code: i64) -> bool {
    matches!(code, 53004 | 53011 | 530032 | 530034)
}

pub fn is_device_compliance_code(code: i64) -> bool {
    matches!(code, 53000 | 530002 | 530003)
}

pub fn is_domain_joined_code(code: i64) -> bool {
    code == 53001
}

pub fn is_approved_app_code(code: i64) -> bool {
    matches!(code, 53002 | 53009)
}

pub fn is_sign_in_frequency_code(code: i64) -> bool {
    matches!(code, 70043 | 70044)
}

pub fn is_mfa_required_code(code: i64) -> bool {
    matches!(code, 50074 | 50076 | 50079)
}

/// A grant or session control token from `enforcedGrantControls` / `enforcedSessionControls`,
/// compared case-insensitively. Unknown tokens (terms of use, custom controls) are `Other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Control {
    Block,
    Mfa,
    CompliantDevice,
    DomainJoinedDevice,
    ApprovedApp,
    CompliantApp,
    PasswordChange,
    AuthenticationStrength,
    SignInFrequency,
    PersistentBrowser,
    CloudAppSecurity,
    AppEnforcedRestrictions,
    Other,
}

pub fn control(token: &str) -> Control {
    let t: String = token
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    match t.as_str() {
        "block" | "blockaccess" => Control::Block,
        "mfa"
        | "requiremfa"
        | "multifactorauthentication"
        | "requiremultifactorauthentication"
        | "federatedmfa" => Control::Mfa,
        "requirecompliantdevice" | "compliantdevice" => Control::CompliantDevice,
        "requiredomainjoineddevice" | "domainjoineddevice" | "requirehybridazureadjoineddevice" => {
            Control::DomainJoinedDevice
        }
        "requireapprovedapp" | "approvedapplication" | "approvedapp" => Control::ApprovedApp,
        "requirecompliantapp" | "compliantapplication" | "compliantapp" => Control::CompliantApp,
        "passwordchange" | "requirepasswordchange" | "mfaandchangepassword" => {
            Control::PasswordChange
        }
        "authenticationstrength" | "authenticationstrengths" => Control::AuthenticationStrength,
        "signinfrequency" => Control::SignInFrequency,
        "persistentbrowsersessionmode" | "persistentbrowser" => Control::PersistentBrowser,
        "cloudappsecurity" => Control::CloudAppSecurity,
        "appenforcedrestrictions" | "applicationenforcedrestrictions" => {
            Control::AppEnforcedRestrictions
        }
        _ => Control::Other,
    }
}

/// `clientAppUsed` values of clients that cannot do modern authentication, hence no MFA.
pub fn is_legacy_client(client_app_used: &str) -> bool {
    const LEGACY: &[&str] = &[
        "exchange activesync",
        "imap4",
        "imap",
        "pop3",
        "pop",
        "smtp",
        "authenticated smtp",
        "mapi over http",
        "offline address book",
        "exchange web services",
        "autodiscover",
        "outlook anywhere (rpc over http)",
        "outlook anywhere",
        "exchange online powershell",
        "reporting web services",
        "other clients",
        "other clients; older office clients",
        "exchange activesync (supported)",
        "exchange activesync (unsupported)",
    ];
    let c = client_app_used.trim().to_ascii_lowercase();
    LEGACY.contains(&c.as_str())
}

pub const AZURE_DEVOPS_APP_ID: &str = "499b84ac-1321-427f-aa17-267ca6975798";

/// Well-known first-party app ids, for naming apps in exports that carry only the id.
pub static WELL_KNOWN_APPS: &[(&str, &str)] = &[
    (
        "00000002-0000-0000-c000-000000000000",
        "Windows Azure Active Directory",
    ),
    (
        "00000002-0000-0ff1-ce00-000000000000",
        "Office 365 Exchange Online",
    ),
    ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
    (
        "00000003-0000-0ff1-ce00-000000000000",
        "Office 365 SharePoint Online",
    ),
    (
        "04b07795-8ddb-461a-bbee-02f9e1bf7b46",
        "Microsoft Azure CLI",
    ),
    (
        "1950a258-227b-4e31-a9cf-717495945fc2",
        "Microsoft Azure PowerShell",
    ),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    ("499b84ac-1321-427f-aa17-267ca6975798", "Azure DevOps"),
    (
        "797f4846-ba00-4fd7-ba43-dac1f8f63013",
        "Windows Azure Service Management API",
    ),
    ("872cd9fa-d31f-45e0-9eab-6e460a02d1f1", "Visual Studio"),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
];

pub fn well_known_app(id: &str) -> Option<&'static str> {
    WELL_KNOWN_APPS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(id.trim()))
        .map(|(_, v)| *v)
}

pub fn is_azure_devops(app_or_resource_id: &str) -> bool {
    app_or_resource_id
        .trim()
        .eq_ignore_ascii_case(AZURE_DEVOPS_APP_ID)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_unique() {
        for w in ERROR_CODES.windows(2) {
            assert!(w[0].code < w[1].code, "{} before {}", w[0].code, w[1].code);
        }
        assert_eq!(lookup(53003).unwrap().name, "BlockedByConditionalAccess");
        assert!(lookup(12345).is_none());
    }

    #[test]
    fn interrupts_depend_on_interactivity() {
        assert!(is_interrupt(50076, Some(true)));
        assert!(!is_interrupt(50076, Some(false)));
        assert!(is_interrupt(50076, None));
        assert!(!is_interrupt(50140, Some(false)));
        assert!(is_interrupt(50140, Some(true)));
        assert!(!is_interrupt(53003, Some(true)));
    }

    #[test]
    fn controls_are_case_insensitive_and_keep_unknowns() {
        assert_eq!(control("MFA"), Control::Mfa);
        assert_eq!(control("block"), Control::Block);
        assert_eq!(control("RequireCompliantDevice"), Control::CompliantDevice);
        assert_eq!(control("COD PA Training"), Control::Other);
        assert!(is_legacy_client("IMAP4"));
        assert!(!is_legacy_client("Browser"));
    }
}
