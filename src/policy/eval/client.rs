//! What the sign-in came from (POLICIES.md §A.6, §A.7, §B.5): device platform (`all` +
//! excludes catches unknown platforms), client app type (deprecated spellings mapped, `[]`
//! = all), authentication flow (device code, authentication transfer).

use super::{LogEvidence, has, list, result};
use crate::policy::{Condition, ConditionResult, Outcome, Policy, Subject};

/// The six platforms Conditional Access knows, in Graph's spelling.
const PLATFORMS: &[&str] = &[
    "android",
    "iOS",
    "windows",
    "windowsPhone",
    "macOS",
    "linux",
];

/// Graph's platform for a free-text OS (`deviceDetail.operatingSystem`, `--platform`);
/// `None` when it is not one of the six (the engine then files it under `all` only).
pub(super) fn platform_of(text: &str) -> Option<&'static str> {
    let l: String = text
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if let Some(p) = PLATFORMS.iter().find(|p| p.eq_ignore_ascii_case(&l)) {
        return Some(p);
    }
    Some(
        if l.starts_with("windowsphone") || l.starts_with("winphone") {
            "windowsPhone"
        } else if l.starts_with("windows") {
            "windows"
        } else if l.starts_with("ios")
            || l.starts_with("ipados")
            || l.starts_with("iphone")
            || l.starts_with("ipad")
        {
            "iOS"
        } else if l.starts_with("macos")
            || l.starts_with("macosx")
            || l.starts_with("osx")
            || l == "mac"
        {
            "macOS"
        } else if l.starts_with("android") {
            "android"
        } else if l.starts_with("linux") || l.starts_with("ubuntu") {
            "linux"
        } else {
            return None;
        },
    )
}

pub(super) fn platform(
    p: &Policy,
    s: &Subject,
    log: Option<&LogEvidence>,
    out: &mut Vec<ConditionResult>,
) {
    let Some(pl) = &p.conditions.platforms else {
        return;
    };
    if pl.include.is_empty() && pl.exclude.is_empty() {
        return;
    }
    let outcome = match s
        .platform
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => Outcome::Unknown("the sign-in's device platform is not known".to_string()),
        Some(text) => {
            // An include list left empty with excludes set behaves as `all`.
            let all = pl.include.is_empty() || has(&pl.include, "all");
            match platform_of(text) {
                Some(k) if has(&pl.exclude, k) => Outcome::NoMatch(format!(
                    "platform {k} is in excludePlatforms {}",
                    list(&pl.exclude)
                )),
                Some(k) if all => {
                    Outcome::Match(format!("platform {k} is covered by includePlatforms all"))
                }
                Some(k) if has(&pl.include, k) => {
                    Outcome::Match(format!("platform {k} is in includePlatforms"))
                }
                Some(k) => Outcome::NoMatch(format!(
                    "platform {k} not in includePlatforms {}",
                    list(&pl.include)
                )),
                None if all => Outcome::Match(format!(
                    "platform '{text}' is none of the six named platforms, so it falls into includePlatforms all"
                )),
                None => Outcome::Unknown(format!(
                    "platform '{text}' is not one casift can map to includePlatforms {}",
                    list(&pl.include)
                )),
            }
        }
    };
    // The log shows the platform Entra detected, which may be one the text did not name.
    let conditions: &[&str] = &["devicePlatform", "platforms", "platform"];
    let outcome = match log {
        Some(l) if !pl.exclude.is_empty() && l.excludes(conditions, "devicePlatform") => {
            Outcome::NoMatch(format!(
                "the platform is in excludePlatforms {} (log: excludeRulesSatisfied devicePlatform/devicePlatform)",
                list(&pl.exclude)
            ))
        }
        Some(l)
            if matches!(outcome, Outcome::Unknown(_))
                && (l.includes(conditions, "devicePlatform")
                    || l.includes(conditions, "allDevicePlatforms")) =>
        {
            Outcome::Match(format!(
                "the platform is covered by includePlatforms {} (log: includeRulesSatisfied devicePlatform)",
                list(&pl.include)
            ))
        }
        _ => outcome,
    };
    out.push(result(Condition::DevicePlatform, outcome));
}

/// One of the four client app types, from a policy value or a log/flag value.
pub(super) fn client_type(text: &str) -> Option<&'static str> {
    let l: String = text
        .trim()
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    Some(match l.as_str() {
        "browser" => "browser",
        "mobileappsanddesktopclients" | "modern" => "mobileAppsAndDesktopClients",
        "exchangeactivesync" | "eassupported" | "easunsupported" => "exchangeActiveSync",
        "other" | "otherclients" => "other",
        // Legacy protocol names from `clientAppUsed` (§A.6) are `other`.
        "imap4"
        | "imap"
        | "pop3"
        | "pop"
        | "authenticatedsmtp"
        | "smtp"
        | "autodiscover"
        | "exchangeonlinepowershell"
        | "exchangewebservices"
        | "mapioverhttp"
        | "offlineaddressbook"
        | "outlookanywhererpcoverhttp"
        | "outlookservice"
        | "reportingwebservices"
        | "otherclientsolderofficeclients" => "other",
        _ => return None,
    })
}

pub(super) fn client_apps(p: &Policy, s: &Subject, out: &mut Vec<ConditionResult>) {
    let types = &p.conditions.client_app_types;
    if types.is_empty() || has(types, "all") {
        return;
    }
    let mut wanted: Vec<&str> = types.iter().filter_map(|t| client_type(t)).collect();
    wanted.dedup();
    let outcome = match s
        .client_app_type
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        None => Outcome::Unknown("the sign-in's client app type is not known".to_string()),
        Some(text) => match client_type(text) {
            Some(t) if wanted.contains(&t) => {
                Outcome::Match(format!("client app {t} is in clientAppTypes"))
            }
            Some(t) if types.iter().any(|x| client_type(x).is_none()) => Outcome::Unknown(format!(
                "client app {t} is not in clientAppTypes {}, which also holds values casift does not know",
                list(types)
            )),
            Some(t) => Outcome::NoMatch(format!(
                "client app {t} not in clientAppTypes {}",
                list(types)
            )),
            None => Outcome::Unknown(format!(
                "client app '{text}' is not one of browser, mobileAppsAndDesktopClients, exchangeActiveSync, other"
            )),
        },
    };
    out.push(result(Condition::ClientApps, outcome));
}

fn flow(text: &str) -> Option<&'static str> {
    let l = text.trim().to_ascii_lowercase();
    Some(match l.as_str() {
        "devicecodeflow" | "devicecode" => "deviceCodeFlow",
        "authenticationtransfer" | "accounttransfer" => "authenticationTransfer",
        // Protocols of `authenticationProtocol` that transfer nothing.
        "none"
        | ""
        | "oauth2"
        | "ropc"
        | "wsfederation"
        | "saml20"
        | "integratedwindowsauth"
        | "implicit" => "none",
        _ => return None,
    })
}

pub(super) fn auth_flow(p: &Policy, s: &Subject, out: &mut Vec<ConditionResult>) {
    let methods: Vec<String> = p
        .conditions
        .transfer_methods
        .iter()
        .filter(|m| flow(m) != Some("none"))
        .cloned()
        .collect();
    if methods.is_empty() {
        // A lossy export (Extractor-Suite CSV) cannot say whether the policy restricts
        // flows; a device-code block read from it would otherwise look like "block all".
        if super::lacks(p, "authenticationFlows") {
            out.push(super::result(
                Condition::AuthenticationFlow,
                Outcome::Unknown(
                    "the export shape does not carry authenticationFlows, so whether this policy is limited to device code or authentication transfer is unknown".to_string(),
                ),
            ));
        }
        return;
    }
    let outcome = match s.auth_flow.as_deref() {
        None => Outcome::Unknown(
            "the sign-in's authentication flow (device code, authentication transfer) is not known"
                .to_string(),
        ),
        Some(text) => match flow(text) {
            Some("none") => Outcome::NoMatch(format!(
                "the sign-in used neither device code flow nor authentication transfer (transferMethods {})",
                list(&methods)
            )),
            Some(f) if has(&methods, f) => {
                Outcome::Match(format!("authentication flow {f} is in transferMethods"))
            }
            Some(f) => Outcome::NoMatch(format!(
                "authentication flow {f} not in transferMethods {}",
                list(&methods)
            )),
            None => Outcome::Unknown(format!(
                "authentication flow '{}' is not one casift knows",
                text.trim()
            )),
        },
    };
    out.push(result(Condition::AuthenticationFlow, outcome));
}
