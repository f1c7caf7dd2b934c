//! Tenant-level coverage gaps (POLICIES.md §D.4: CP040 legacy authentication, CP041 device
//! code flow, CP042 unknown platforms). A policy counts only when it is on, covers all users
//! and all resources and nothing else narrows it (SG #92 / #316: a legacy block for Linux
//! only, or outside the US only, is not tenant-wide); narrowed ones make the gap "partial".

use super::{Ctx, LintFinding, tenant};
use super::{capped, scope};
use crate::evaluate::Severity;
use crate::policy::model::{Policy, PolicyState};

struct Gap {
    rule: &'static str,
    /// Severity when nothing covers it, and when only narrowed policies do.
    missing: Severity,
    partial: Severity,
    title: &'static str,
    what: &'static str,
    /// The policy is a candidate (blocks the thing at all).
    candidate: fn(&Policy) -> bool,
    /// The narrowing entry that is the policy's own subject, not a narrowing.
    own: &'static str,
    /// The policy field that holds the subject (a lossy shape may not carry it).
    field: &'static str,
    remediation: &'static str,
    source: &'static str,
}

const GAPS: [Gap; 3] = [
    Gap {
        rule: "CP040",
        missing: Severity::High,
        partial: Severity::Medium,
        title: "Legacy authentication not blocked tenant-wide",
        what: "legacy authentication (Exchange ActiveSync and other clients)",
        candidate: legacy_block,
        own: "client apps",
        field: "conditions.clientAppTypes",
        remediation: "Create (or widen) an enabled policy for All users and All resources with client apps Exchange ActiveSync and Other clients and grant Block, excluding only the break-glass accounts.",
        source: "MT.1009/MT.1010; ZTA 21796; SG MS.AAD.1.1 (false passes SG #92, #316)",
    },
    Gap {
        rule: "CP041",
        missing: Severity::Medium,
        partial: Severity::Low,
        title: "Device code flow not restricted tenant-wide",
        what: "the device code flow",
        candidate: device_code_block,
        own: "authentication flows",
        field: "conditions.authenticationFlows",
        remediation: "Create (or widen) an enabled policy for All users and All resources with the authentication flows condition Device code flow and grant Block, excluding only the break-glass accounts and the few users who need it.",
        source: "ED:concept-authentication-flows.md; MT.1052 (flags parsing: maester #1057, #1063); ZTA 21808",
    },
    Gap {
        rule: "CP042",
        missing: Severity::Low,
        partial: Severity::Info,
        title: "Unknown device platforms not blocked tenant-wide",
        what: "unknown device platforms",
        candidate: unknown_platform_block,
        own: "platforms",
        field: "conditions.platforms",
        remediation: "Create (or widen) an enabled policy for All users and All resources with platforms Any device excluding the platforms in use (android, iOS, windows, macOS) and grant Block.",
        source: "ED:concept-conditional-access-conditions.md (block unknown platforms); MT.1015",
    },
];

fn legacy_block(p: &Policy) -> bool {
    let c = &p.conditions.client_app_types;
    p.blocks() && scope::has(c, "exchangeActiveSync") && scope::has(c, "other")
}

/// `transferMethods` is a flags string split by the loader: `deviceCodeFlow,
/// authenticationTransfer` counts (maester #1063).
fn device_code_block(p: &Policy) -> bool {
    p.blocks() && scope::has(&p.conditions.transfer_methods, "deviceCodeFlow")
}

fn unknown_platform_block(p: &Policy) -> bool {
    p.blocks()
        && p.conditions
            .platforms
            .as_ref()
            .is_some_and(|pl| scope::has(&pl.include, "all") && !pl.exclude.is_empty())
}

/// Why a candidate does not cover the tenant; empty = it does.
fn shortfalls(p: &Policy, own: &str) -> Vec<String> {
    let mut v = Vec::new();
    match p.state {
        PolicyState::Enabled => {}
        ref s => v.push(format!("state {}", s.label())),
    }
    if !scope::includes_all_users(p) {
        v.push(format!("targets {}", scope::included_identities(p)));
    }
    if !scope::includes_all_apps(p) {
        v.push(format!(
            "targets resources [{}]",
            capped(&p.conditions.applications.include_applications, ", ")
        ));
    }
    v.extend(
        scope::narrowing(p, true)
            .into_iter()
            .filter(|n| !n.starts_with(own)),
    );
    v
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<LintFinding>) {
    for g in &GAPS {
        let candidates: Vec<&&Policy> = ctx
            .policies
            .iter()
            .filter(|p| p.state != PolicyState::Disabled && (g.candidate)(p))
            .collect();
        let reasons: Vec<(String, Vec<String>)> = candidates
            .iter()
            .map(|p| (p.label(), shortfalls(p, g.own)))
            .collect();
        if reasons.iter().any(|(_, r)| r.is_empty()) {
            continue;
        }
        let blind: Vec<String> = ctx
            .policies
            .iter()
            .filter(|p| p.state != PolicyState::Disabled && scope::lacks(p, g.field))
            .map(|p| p.label())
            .collect();
        if !blind.is_empty() {
            out.push(tenant(
                g.rule,
                Severity::Info,
                g.title,
                format!(
                    "cannot tell: {} policies come from an export shape that does not carry {} ({}), so a policy that blocks {} may be among them",
                    blind.len(),
                    g.field,
                    capped(&blind, ", "),
                    g.what
                ),
                format!(
                    "Lint a Graph or EntraExporter export of the policies to check whether one blocks {} for all users and all resources.",
                    g.what
                ),
                g.source,
            ));
            continue;
        }
        let (severity, detail) = if reasons.is_empty() {
            (
                g.missing,
                format!("no enabled or report-only policy blocks {}", g.what),
            )
        } else {
            let each: Vec<String> = reasons
                .iter()
                .map(|(label, r)| format!("{label}: {}", capped(r, "; ")))
                .collect();
            let n = reasons.len();
            (
                g.partial,
                format!(
                    "partial: {n} {} {}, but not for all users and all resources without other conditions ({})",
                    if n == 1 {
                        "policy blocks"
                    } else {
                        "policies block"
                    },
                    g.what,
                    capped(&each, " | ")
                ),
            )
        };
        out.push(tenant(
            g.rule,
            severity,
            g.title,
            detail,
            g.remediation,
            g.source,
        ));
    }
}
