//! Broken, dead or misleading policies (POLICIES.md §D.2: CP012–CP021, the policy count,
//! and CP024 for condition keys this build keeps but does not evaluate). Location
//! references (CP010) live in `network`.

use chrono::{DateTime, Utc};

use super::{Ctx, LintFinding, name, on_policy, tenant};
use super::{capped, scope};
use crate::evaluate::Severity;
use crate::policy::model::{Policy, PolicyState};

/// Policies of any state count toward this tenant limit (ED:plan-conditional-access.md).
const TENANT_LIMIT: usize = 195;
const COUNT_WARN: usize = 180;
/// CP017: report-only longer than this is stale.
const STALE_DAYS: i64 = 90;

const SRC_UNTARGETED: &str = "MT.1184 Test-MtCaUntargetedPolicy (PR #1953)";
const SRC_NOBODY: &str = "OAS conditionalAccessConditionSet (\"either users or clientApplications is required\"); maester #1778";
const SRC_EXCLUDE_WINS: &str = "ED:concept-conditional-access-users-groups.md (\"The exclude action overrides the include action\")";
const SRC_PLAN: &str =
    "ED:plan-conditional-access.md (195 policies in any state; report-only is a staging step)";
const SRC_STALE: &str = "ED:plan-conditional-access.md; Galvnyz/M365-Assess #368";
const SRC_DEPRECATED: &str = "ED:concept-conditional-access-grant.md (approved client app retiring March 2026; MT.1072); beta conditionalAccessConditionSet (modern, easUnsupported, deviceStates deprecated); ED:location-condition.md (MFA trusted IPs)";
const SRC_PASSWORD: &str = "GD v1.0 conditionalaccessgrantcontrols.md (passwordChange needs mfa with AND, userRiskLevels, all apps, no other condition)";
const SRC_RISK: &str = "MT.1049 Test-MtCaMisconfiguredIDProtection";
const SRC_SESSION: &str = "OAS persistentBrowserSessionControl (\"All apps should be selected for this session control to work correctly\")";
const SRC_UNKNOWN: &str =
    "POLICIES.md §A.2 (unknown keys are kept, never fatal: ROADtools #98, idPowerToys #28)";

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<LintFinding>) {
    let newest = ctx.policies.iter().filter_map(|p| p.modified).max();
    for p in &ctx.policies {
        cp012(p, out);
        cp013(p, out);
        cp014(p, out);
        cp015(p, out);
        cp017(p, newest, out);
        cp018(p, out);
        cp019(p, out);
        cp020(p, out);
        cp021(p, out);
        cp024(p, out);
    }
    for p in &ctx.deleted {
        out.push(on_policy(
            p,
            "CP015",
            Severity::Info,
            "Soft-deleted policy in the export",
            "deletedDateTime is set: the policy is in the deleted items and is not evaluated",
            format!(
                "Restore {} if it was deleted by mistake; otherwise nothing needs to change.",
                name(p)
            ),
            SRC_PLAN,
        ));
    }
    let n = ctx.policies.len();
    if n >= COUNT_WARN {
        let over = n > TENANT_LIMIT;
        out.push(tenant(
            "CP016",
            if over { Severity::High } else { Severity::Medium },
            "Policy count near the tenant limit",
            if over {
                format!(
                    "{n} policies, more than the tenant limit of {TENANT_LIMIT}: the export may hold the same policies twice (several exports or snapshots)"
                )
            } else {
                format!(
                    "{n} policies of the {TENANT_LIMIT} a tenant may hold (enabled, report-only and disabled all count)"
                )
            },
            "Delete disabled and stale report-only policies, and merge policies that share their assignments, to stay clear of the 195-policy limit.",
            SRC_PLAN,
        ));
    }
}

/// CP012: no target resources (empty or `None`, no user action, no auth context, no filter).
fn cp012(p: &Policy, out: &mut Vec<LintFinding>) {
    let a = &p.conditions.applications;
    let none = a
        .include_applications
        .iter()
        .all(|v| v.trim().is_empty() || v.trim().eq_ignore_ascii_case("None"));
    // A shape without user actions or auth contexts cannot tell a user-action policy from an
    // untargeted one: the loader's note says so, no finding.
    let unsure = [
        "conditions.applications.includeUserActions",
        "conditions.applications.includeAuthenticationContextClassReferences",
        "conditions.applications.applicationFilter",
    ]
    .iter()
    .any(|f| scope::lacks(p, f));
    if !none
        || unsure
        || !a.include_user_actions.is_empty()
        || !a.include_auth_context.is_empty()
        || a.application_filter.is_some()
    {
        return;
    }
    out.push(on_policy(
        p,
        "CP012",
        Severity::Medium,
        "No target resources",
        format!(
            "includeApplications is {}, with no user action, authentication context or application filter: the policy applies to nothing",
            if a.include_applications.is_empty() {
                "empty".to_string()
            } else {
                format!("[{}]", capped(&a.include_applications, ", "))
            }
        ),
        format!(
            "Select the resources {} is meant for (All resources, or the apps), or delete it if it is no longer needed.",
            name(p)
        ),
        SRC_UNTARGETED,
    ));
}

/// CP013: no target identities. `includeUsers ["None"]` with workload identities or agents
/// is a valid workload policy (maester #1778).
fn cp013(p: &Policy, out: &mut Vec<LintFinding>) {
    let unsure = [
        "conditions.clientApplications",
        "conditions.agents",
        "conditions.users.includeGuestsOrExternalUsers",
    ]
    .iter()
    .any(|f| scope::lacks(p, f));
    if unsure || scope::targeting(p) != scope::Targeting::Nobody {
        return;
    }
    out.push(on_policy(
        p,
        "CP013",
        Severity::Medium,
        "No target identities",
        "no user, group, role, guest type, workload identity or agent is included: the policy applies to nobody",
        format!(
            "Include the users, groups or workload identities {} is meant for, or delete it.",
            name(p)
        ),
        SRC_NOBODY,
    ));
}

/// CP014: the same id included and excluded; the exclusion wins, so the include is dead.
fn cp014(p: &Policy, out: &mut Vec<LintFinding>) {
    let c = &p.conditions;
    let mut pairs: Vec<(&str, &Vec<String>, &Vec<String>)> = Vec::new();
    if let Some(u) = &c.users {
        pairs.push(("users", &u.include_users, &u.exclude_users));
        pairs.push(("groups", &u.include_groups, &u.exclude_groups));
        pairs.push(("roles", &u.include_roles, &u.exclude_roles));
    }
    pairs.push((
        "applications",
        &c.applications.include_applications,
        &c.applications.exclude_applications,
    ));
    if let Some(l) = &c.locations {
        pairs.push(("locations", &l.include, &l.exclude));
    }
    if let Some(pl) = &c.platforms {
        pairs.push(("platforms", &pl.include, &pl.exclude));
    }
    if let Some(ca) = &c.client_applications {
        pairs.push((
            "service principals",
            &ca.include_service_principals,
            &ca.exclude_service_principals,
        ));
    }
    let mut both = Vec::new();
    for (what, inc, exc) in pairs {
        let exc: std::collections::BTreeSet<String> =
            exc.iter().map(|s| s.trim().to_ascii_lowercase()).collect();
        let mut ids: Vec<&str> = inc
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty() && exc.contains(&s.to_ascii_lowercase()))
            .collect();
        ids.sort_unstable_by_key(|s| s.to_ascii_lowercase());
        ids.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
        if !ids.is_empty() {
            both.push(format!("{what}: {}", capped(&ids, ", ")));
        }
    }
    if both.is_empty() {
        return;
    }
    out.push(on_policy(
        p,
        "CP014",
        Severity::Medium,
        "Same id included and excluded",
        format!(
            "included and excluded at once ({}); the exclusion wins, so the inclusion does nothing",
            capped(&both, "; ")
        ),
        format!(
            "Remove each of these ids from either the include or the exclude list of {}, whichever was not meant.",
            name(p)
        ),
        SRC_EXCLUDE_WINS,
    ));
}

/// CP015: a disabled policy still counts toward the limit; contingency policies are named so.
fn cp015(p: &Policy, out: &mut Vec<LintFinding>) {
    if p.state != PolicyState::Disabled {
        return;
    }
    let upper = p.display_name.to_ascii_uppercase();
    let contingency = upper.contains("EMERGENCY") || upper.contains("CONTINGENCY");
    out.push(on_policy(
        p,
        "CP015",
        Severity::Info,
        "Disabled policy",
        if contingency {
            "off, and named as an emergency contingency policy: it still counts toward the 195-policy limit".to_string()
        } else {
            "off: it is not evaluated but counts toward the 195-policy limit".to_string()
        },
        if contingency {
            format!("Keep {} only if it is still part of the contingency plan.", name(p))
        } else {
            format!("Delete {} if it is no longer needed, or turn it on.", name(p))
        },
        SRC_PLAN,
    ));
}

/// CP017: report-only for longer than 90 days. Age is measured against the newest
/// `modifiedDateTime` in the export, never the clock, so the result does not depend on
/// the day casift runs.
fn cp017(p: &Policy, newest: Option<DateTime<Utc>>, out: &mut Vec<LintFinding>) {
    if p.state != PolicyState::ReportOnly {
        return;
    }
    let (Some(newest), Some(changed)) = (newest, p.modified.or(p.created)) else {
        return;
    };
    let days = (newest - changed).num_days();
    if days <= STALE_DAYS {
        return;
    }
    out.push(on_policy(
        p,
        "CP017",
        Severity::Low,
        "Stale report-only policy",
        format!(
            "report-only and last changed {} ({days} days before the newest change in the export, {}; casift measures against the export, not today's date)",
            crate::report::timestamp(&changed),
            crate::report::timestamp(&newest)
        ),
        format!(
            "Turn {} on if its report-only results are as intended, or delete it.",
            name(p)
        ),
        SRC_STALE,
    ));
}

/// CP018: deprecated grant tokens, client app types, conditions and the MFA trusted IPs.
fn cp018(p: &Policy, out: &mut Vec<LintFinding>) {
    let mut found = Vec::new();
    if let Some(g) = &p.grant
        && g.has("approvedApplication")
        && g.controls().len() == 1
    {
        found.push("grant approvedApplication alone (retiring in March 2026)".to_string());
    }
    for t in ["modern", "easUnsupported"] {
        if scope::has(&p.conditions.client_app_types, t) {
            found.push(format!("clientAppTypes {t}"));
        }
    }
    if scope::has(&p.conditions.unknown_conditions, "deviceStates") {
        found.push("the deviceStates condition (use a device filter)".to_string());
    }
    if let Some(l) = &p.conditions.locations
        && l.include
            .iter()
            .chain(&l.exclude)
            .any(|x| x.trim() == super::network::MFA_TRUSTED_IPS)
    {
        found.push(format!(
            "the MFA trusted IPs location {} (IPv4 only, no longer recommended)",
            super::network::MFA_TRUSTED_IPS
        ));
    }
    if found.is_empty() {
        return;
    }
    out.push(on_policy(
        p,
        "CP018",
        Severity::Low,
        "Deprecated setting",
        format!("uses {}", capped(&found, "; ")),
        format!(
            "Replace these in {}: app protection (compliantApplication) for approved client app, mobileAppsAndDesktopClients / exchangeActiveSync for the old client app types, a device filter for deviceStates, and an IP named location for the MFA trusted IPs.",
            name(p)
        ),
        SRC_DEPRECATED,
    ));
}

/// CP019: `passwordChange` must be `mfa AND passwordChange`, for user risk, on all apps,
/// with no app exclusion and no other condition.
fn cp019(p: &Policy, out: &mut Vec<LintFinding>) {
    let Some(g) = &p.grant else { return };
    if !g.has("passwordChange") {
        return;
    }
    let c = &p.conditions;
    let mut wrong = Vec::new();
    if !g.has("mfa") || g.is_or() {
        wrong.push("it is not combined with mfa under AND (require all)".to_string());
    }
    if c.user_risk_levels.is_empty() {
        wrong.push("it has no user risk condition".to_string());
    }
    if !scope::includes_all_apps(p) {
        wrong.push("it does not target All resources".to_string());
    }
    if !c.applications.exclude_applications.is_empty() {
        wrong.push(format!(
            "it excludes applications ({})",
            capped(&c.applications.exclude_applications, ", ")
        ));
    }
    let others: Vec<String> = scope::narrowing(p, true)
        .into_iter()
        .filter(|n| !n.starts_with("user risk"))
        .collect();
    if !others.is_empty() {
        wrong.push(format!(
            "it has other conditions ({})",
            capped(&others, "; ")
        ));
    }
    if wrong.is_empty() {
        return;
    }
    out.push(on_policy(
        p,
        "CP019",
        Severity::Medium,
        "Password change misconfigured",
        format!("requires passwordChange, but {}", capped(&wrong, "; ")),
        format!(
            "Make {} require mfa AND passwordChange for a user risk level on All resources, with no application exclusion and no other condition.",
            name(p)
        ),
        SRC_PASSWORD,
    ));
}

/// CP020: user and sign-in risk in one policy must both hold, so it rarely fires.
fn cp020(p: &Policy, out: &mut Vec<LintFinding>) {
    let c = &p.conditions;
    if c.user_risk_levels.is_empty() || c.sign_in_risk_levels.is_empty() {
        return;
    }
    out.push(on_policy(
        p,
        "CP020",
        Severity::Medium,
        "User risk and sign-in risk combined",
        format!(
            "user risk ({}) and sign-in risk ({}) in one policy: both must hold at once, so it applies far less often than either alone",
            capped(&c.user_risk_levels, ", "),
            capped(&c.sign_in_risk_levels, ", ")
        ),
        format!(
            "Split {} into one policy for user risk and one for sign-in risk.",
            name(p)
        ),
        SRC_RISK,
    ));
}

/// CP021: persistent browser needs All resources.
fn cp021(p: &Policy, out: &mut Vec<LintFinding>) {
    if p.session.persistent_browser.is_none() || scope::includes_all_apps(p) {
        return;
    }
    out.push(on_policy(
        p,
        "CP021",
        Severity::Low,
        "Persistent browser without All resources",
        format!(
            "persistentBrowser is set while the policy targets [{}]",
            capped(&p.conditions.applications.include_applications, ", ")
        ),
        format!(
            "Target All resources in {} for its persistent browser session control to work.",
            name(p)
        ),
        SRC_SESSION,
    ));
}

/// CP024: conditions the loader kept but casift does not evaluate.
fn cp024(p: &Policy, out: &mut Vec<LintFinding>) {
    let keys = &p.conditions.unknown_conditions;
    if keys.is_empty() {
        return;
    }
    out.push(on_policy(
        p,
        "CP024",
        Severity::Info,
        "Condition casift does not evaluate",
        format!(
            "configured conditions casift keeps but does not evaluate: {}; rules and What If treat them as unknown",
            capped(keys, ", ")
        ),
        format!(
            "Check {} in the portal's What If tool for the effect of {}.",
            name(p),
            capped(keys, ", ")
        ),
        SRC_UNKNOWN,
    ));
}
