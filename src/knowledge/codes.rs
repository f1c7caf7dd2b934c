//! The error-code table of the knowledge base (facts from ERROR-CODES.md), sorted by code
//! for binary search (a test in the parent module checks the order).

use super::{Category, CodeKind, ErrorCode};

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

/// Sorted by code so lookups can binary-search.
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
