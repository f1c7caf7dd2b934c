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

mod codes;

pub use codes::ERROR_CODES;

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
/// codes (70043, 70044) are not among them: they need CA evidence in the record. Sorted;
/// `--error-code VS403463` selects all of them.
pub const CA_BLOCK_CODES: &[i64] = &[
    50005, 50131, 53000, 53001, 53002, 53003, 53004, 53009, 53010, 53011, 530002, 530003, 530032,
    530034,
];

pub fn is_ca_block_code(code: i64) -> bool {
    CA_BLOCK_CODES.binary_search(&code).is_ok()
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

    #[test]
    fn ca_block_codes_are_sorted_for_the_search() {
        assert!(CA_BLOCK_CODES.windows(2).all(|w| w[0] < w[1]));
        assert!(is_ca_block_code(53003) && is_ca_block_code(530034));
        assert!(!is_ca_block_code(70043) && !is_ca_block_code(0));
    }
}
