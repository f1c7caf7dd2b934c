//! Lockout and blast-radius rules (POLICIES.md §D.1: CP001–CP006) and the break-glass set
//! they measure exclusions against: given with `--break-glass`, else inferred as MT.1005
//! does (the user or group excluded from the most user-targeting policies), and always said.

use std::collections::BTreeMap;

use super::capped;
use super::scope::{self, Targeting};
use super::{BreakGlass, Ctx, LintFinding, name, on_policy};
use crate::evaluate::Severity;
use crate::policy::model::{Policy, PolicyState};

const SRC_LOCKOUT: &str = "ED:troubleshoot-conditional-access.md (\"Select all\" consequences); ED:plan-conditional-access.md (block and all resources can lock out administrators)";
const SRC_BREAK_GLASS: &str = "ED:concept-conditional-access-users-groups.md (exclude emergency accounts); ED:security-emergency-access.md; MT.1005 Test-MtCaEmergencyAccessExists";
const SRC_MANAGED: &str =
    "ED:managed-policies.md (report-only Microsoft-managed policies are switched on by Microsoft)";
const SRC_PROMPTS: &str = "ED:concept-conditional-access-report-only.md (compliant-device report-only policies prompt for certificates on macOS, iOS and Android)";

/// Policies whose exclusions say who the break-glass accounts are: evaluated by CA, aimed
/// at users, not only at an authentication context (MT.1005 skips those and workload ones).
fn counts_for_inference(p: &Policy) -> bool {
    scope::live(p) && scope::targets_users(p) && !scope::auth_context_only(p)
}

pub(crate) fn break_glass(
    policies: &[&Policy],
    given: &[String],
    notes: &mut Vec<String>,
) -> BreakGlass {
    let pool: Vec<&Policy> = policies
        .iter()
        .copied()
        .filter(|p| counts_for_inference(p))
        .collect();
    if !given.is_empty() {
        let ids: Vec<String> = given.iter().map(|s| s.trim().to_string()).collect();
        for id in &ids {
            let found = pool
                .iter()
                .any(|p| scope::excludes_all(p, std::slice::from_ref(id)));
            if !found {
                notes.push(format!(
                    "--break-glass {id} is excluded from none of the {} user-targeting policies; the export names users and groups by object id, so pass the object id if {id} is a UPN",
                    pool.len()
                ));
            }
        }
        return BreakGlass {
            why: format!(
                "given with --break-glass ({} value{})",
                ids.len(),
                if ids.len() == 1 { "" } else { "s" }
            ),
            ids,
            inferred: false,
        };
    }
    // (kind, lower-cased id) → (count, id as first written). Groups sort before users so a
    // tie goes to the group, the usual way emergency accounts are excluded.
    let mut counts: BTreeMap<(u8, String), (usize, String)> = BTreeMap::new();
    for p in &pool {
        let Some(u) = p.conditions.users.as_ref() else {
            continue;
        };
        let mut seen = std::collections::BTreeSet::new();
        for (kind, list) in [(0u8, &u.exclude_groups), (1u8, &u.exclude_users)] {
            for id in list {
                let id = id.trim();
                if id.is_empty() || id.eq_ignore_ascii_case("GuestsOrExternalUsers") {
                    continue;
                }
                let key = (kind, id.to_ascii_lowercase());
                if seen.insert(key.clone()) {
                    counts.entry(key).or_insert((0, id.to_string())).0 += 1;
                }
            }
        }
    }
    let best = counts
        .iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then_with(|| b.0.cmp(a.0)));
    let Some(((kind, _), (n, id))) = best else {
        return BreakGlass {
            ids: Vec::new(),
            inferred: true,
            why: format!(
                "none inferred: no user or group is excluded from any of the {} user-targeting policies; pass --break-glass to name the emergency-access accounts",
                pool.len()
            ),
        };
    };
    let kind = if *kind == 0 { "group" } else { "user" };
    let ties: Vec<&str> = counts
        .iter()
        .filter(|(_, (c, other))| c == n && other != id)
        .map(|(_, (_, other))| other.as_str())
        .collect();
    let tie = if ties.is_empty() {
        String::new()
    } else {
        format!(" (tied with {})", capped(&ties, ", "))
    };
    // MT #197 / #620: a wrong guess confused users, so a thin one says it is thin.
    let weak = if n * 2 < pool.len() {
        " (a weak guess: fewer than half)"
    } else {
        ""
    };
    BreakGlass {
        ids: vec![id.clone()],
        inferred: true,
        why: format!(
            "inferred: {kind} {id} excluded from {n} of {} policies{weak}{tie}; pass --break-glass to pin it",
            pool.len()
        ),
    }
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<LintFinding>) {
    for p in &ctx.policies {
        tenant_scope(ctx, p, out);
        cp004(ctx, p, out);
        cp005(p, out);
        cp006(p, out);
    }
}

/// CP001 (no platform condition), CP003 (platforms `all` with no exclusion) and CP002: all
/// users, all resources, nothing else narrowing the policy.
fn tenant_scope(ctx: &Ctx<'_>, p: &Policy, out: &mut Vec<LintFinding>) {
    if !scope::live(p) || !scope::includes_all_users(p) || !scope::includes_all_apps(p) {
        return;
    }
    if !scope::narrowing(p, true).is_empty() {
        return;
    }
    let report_only = p.state == PolicyState::ReportOnly;
    let mut excluded = scope::user_exclusions(p);
    excluded.extend(
        p.conditions
            .applications
            .exclude_applications
            .iter()
            .map(|a| format!("application {a}")),
    );
    let when = if report_only {
        " when it is switched on (it is report-only now)"
    } else {
        ""
    };
    if p.blocks() {
        let (rule, what) = if scope::platforms_all_explicit(p) {
            ("CP003", "all users, all resources and all device platforms")
        } else {
            ("CP001", "all users and all resources")
        };
        let (severity, detail) = if excluded.is_empty() {
            (
                if report_only {
                    Severity::High
                } else {
                    Severity::Critical
                },
                format!(
                    "blocks {what} with no exclusion and no narrowing condition: it locks every account out of the tenant{when}, administrators included"
                ),
            )
        } else {
            (
                if report_only {
                    Severity::Medium
                } else {
                    Severity::High
                },
                format!(
                    "blocks {what} with no narrowing condition; only these are spared: {}",
                    capped(&excluded, ", ")
                ),
            )
        };
        let (severity, detail) = unsure(p, severity, detail);
        out.push(on_policy(
            p,
            rule,
            severity,
            "Block for all users and all resources",
            detail,
            format!(
                "Turn {} off or to report-only, exclude the break-glass accounts from it, and narrow it with the condition it was meant for (a location, platform, client-app or risk condition).",
                name(p)
            ),
            SRC_LOCKOUT,
        ));
        return;
    }
    let Some(g) = p.grant.as_ref() else { return };
    let device_or_app = [
        "compliantDevice",
        "domainJoinedDevice",
        "compliantApplication",
    ];
    let required: Vec<&str> = device_or_app.iter().copied().filter(|t| g.has(t)).collect();
    if required.is_empty() {
        return;
    }
    // With "require one of", another control (MFA) lets an unmanaged user through.
    let others = g.controls().len() > required.len();
    if g.is_or() && others {
        return;
    }
    let spared = scope::excludes_all(p, &ctx.break_glass.ids)
        || (ctx.break_glass.ids.is_empty() && !scope::user_exclusions(p).is_empty());
    let severity = match (spared, report_only) {
        (false, false) => Severity::Critical,
        (true, true) => Severity::Medium,
        _ => Severity::High,
    };
    let (severity, detail) = unsure(
        p,
        severity,
        format!(
            "requires {} of every user for every resource with no narrowing condition: unenrolled users and administrators are locked out{when}, including from the Intune portal needed to fix it; {}",
            capped(&required, " / "),
            if spared {
                format!("{} is excluded", ctx.break_glass.label())
            } else {
                format!("{} is not excluded", ctx.break_glass.label())
            }
        ),
    );
    out.push(on_policy(
        p,
        "CP002",
        severity,
        "Device or app requirement for all users and all resources",
        detail,
        format!(
            "Exclude the break-glass accounts from {} and exclude Microsoft Intune and Microsoft Intune Enrollment, or scope it to the platforms that are enrolled.",
            name(p)
        ),
        SRC_LOCKOUT,
    ));
}

/// A lossy export shape (Extractor-Suite CSV) cannot show every condition, so "nothing
/// narrows it" is not known: at most medium, and the detail says what could be missing.
fn unsure(p: &Policy, severity: Severity, detail: String) -> (Severity, String) {
    let lossy = scope::lossy_conditions(p);
    if lossy.is_empty() {
        return (severity, detail);
    }
    (
        severity.min(Severity::Medium),
        format!(
            "{detail}; but the export shape does not carry {}, which could narrow it: check the policy in the portal (reported as medium at most)",
            capped(&lossy, ", ")
        ),
    )
}

/// CP004: a user-targeting policy that can block or demand a control and leaves the
/// break-glass set in. Session-only and narrow group policies cannot lock the tenant out:
/// info. Auth-context-only, workload-only and disabled policies are not checked.
fn cp004(ctx: &Ctx<'_>, p: &Policy, out: &mut Vec<LintFinding>) {
    let bg = &ctx.break_glass;
    if !scope::live(p) || scope::auth_context_only(p) || scope::excludes_all(p, &bg.ids) {
        return;
    }
    let t = scope::targeting(p);
    if !matches!(t, Targeting::Broad | Targeting::Narrow) {
        return;
    }
    let missing = if bg.ids.is_empty() {
        format!(
            "no break-glass set: {}",
            bg.why.trim_start_matches("none inferred: ")
        )
    } else {
        format!("does not exclude {}", bg.label())
    };
    let (severity, detail) = if !scope::demands(p) {
        (
            Severity::Info,
            format!(
                "{missing}; it sets session controls only ({}), so it cannot lock anyone out",
                capped(&p.session.names(), ", ")
            ),
        )
    } else if t == Targeting::Narrow && !scope::includes_any(p, &bg.ids) {
        (
            Severity::Info,
            format!(
                "{missing}; it targets only {}, which the break-glass accounts should not be members of",
                scope::included_identities(p)
            ),
        )
    } else {
        (
            Severity::High,
            format!(
                "{missing}; it targets {} and {}",
                scope::included_identities(p),
                grant_text(p)
            ),
        )
    };
    let fix = if bg.ids.is_empty() {
        format!(
            "Create two cloud-only emergency-access accounts (or a group of them) and exclude them from {}.",
            name(p)
        )
    } else {
        format!(
            "Add {} to the excluded users or groups of {}.",
            capped(&bg.ids, " and "),
            name(p)
        )
    };
    out.push(on_policy(
        p,
        "CP004",
        severity,
        "Break-glass accounts not excluded",
        detail,
        fix,
        SRC_BREAK_GLASS,
    ));
}

fn grant_text(p: &Policy) -> String {
    match p.grant.as_ref() {
        Some(g) if g.has("block") => "blocks access".to_string(),
        Some(g) => format!(
            "requires {}",
            g.controls().join(if g.is_or() { " or " } else { " and " })
        ),
        None => "sets no grant control".to_string(),
    }
}

/// CP005: a Microsoft-managed policy in report-only will be switched on by Microsoft.
fn cp005(p: &Policy, out: &mut Vec<LintFinding>) {
    let managed = p
        .display_name
        .trim_start()
        .get(..18)
        .is_some_and(|s| s.eq_ignore_ascii_case("Microsoft-managed:"));
    if !managed || p.state != PolicyState::ReportOnly {
        return;
    }
    out.push(on_policy(
        p,
        "CP005",
        Severity::Medium,
        "Microsoft-managed policy pending in report-only",
        "a Microsoft-managed policy left in report-only is switched on by Microsoft no sooner than 90 days after it was introduced, and it carries only the exclusions added to it",
        format!(
            "Review {}: add the break-glass accounts to its exclusions and turn it on yourself, or turn it off if it is not wanted.",
            name(p)
        ),
        SRC_MANAGED,
    ));
}

/// CP006: a report-only compliant-device policy on platforms that show certificate prompts.
fn cp006(p: &Policy, out: &mut Vec<LintFinding>) {
    if p.state != PolicyState::ReportOnly
        || !scope::targets_users(p)
        || !p.grant.as_ref().is_some_and(|g| g.has("compliantDevice"))
    {
        return;
    }
    let prompting = ["macOS", "iOS", "android"];
    let hit: Vec<&str> = match p.conditions.platforms.as_ref() {
        None => prompting.to_vec(),
        Some(pl) if pl.include.is_empty() || scope::has(&pl.include, "all") => prompting
            .iter()
            .copied()
            .filter(|x| !scope::has(&pl.exclude, x))
            .collect(),
        Some(pl) => prompting
            .iter()
            .copied()
            .filter(|x| scope::has(&pl.include, x) && !scope::has(&pl.exclude, x))
            .collect(),
    };
    if hit.is_empty() {
        return;
    }
    out.push(on_policy(
        p,
        "CP006",
        Severity::Low,
        "Report-only compliant-device policy prompts users",
        format!(
            "report-only, requires compliantDevice and covers {}: users there see device-certificate prompts although nothing is enforced",
            capped(&hit, ", ")
        ),
        format!(
            "Exclude {} from {} while it is report-only, or turn it on once its report shows the impact.",
            capped(&hit, ", "),
            name(p)
        ),
        SRC_PROMPTS,
    ));
}
