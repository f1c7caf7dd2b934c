//! Unit tests of the lint rules: shared policy builders, the lockout rules and the
//! break-glass set (POLICIES.md §D.1, §E.3 MT.1005 cases).

use super::*;
use crate::policy::model::{
    Applications, ClientApplications, Conditions, GrantControls, IncludeExclude, Policy, PolicySet,
    PolicyState, SessionControls, SignInFrequency, Users,
};

pub(super) const BG: &str = "2802b872-0000-4000-8000-00000000b001";
pub(super) const GROUP: &str = "ceeac9b8-0000-4000-8000-000000000001";

/// Enabled, All users, All resources, all client apps, grant `mfa`.
pub(super) fn pol(id: &str) -> Policy {
    Policy {
        id: id.to_string(),
        display_name: format!("Policy {id}"),
        state: PolicyState::Enabled,
        conditions: Conditions {
            users: Some(Users {
                include_users: vec!["All".into()],
                ..Users::default()
            }),
            applications: Applications {
                include_applications: vec!["All".into()],
                ..Applications::default()
            },
            client_app_types: vec!["all".into()],
            ..Conditions::default()
        },
        grant: Some(grant(&["mfa"])),
        ..Policy::default()
    }
}

pub(super) fn grant(controls: &[&str]) -> GrantControls {
    GrantControls {
        operator: "OR".into(),
        built_in: controls.iter().map(|c| c.to_string()).collect(),
        ..GrantControls::default()
    }
}

pub(super) fn blocking(id: &str) -> Policy {
    let mut p = pol(id);
    p.grant = Some(grant(&["block"]));
    p
}

pub(super) fn exclude_group(mut p: Policy, g: &str) -> Policy {
    if let Some(u) = p.conditions.users.as_mut() {
        u.exclude_groups.push(g.to_string());
    }
    p
}

pub(super) fn only_group(mut p: Policy, g: &str) -> Policy {
    p.conditions.users = Some(Users {
        include_groups: vec![g.to_string()],
        ..Users::default()
    });
    p
}

pub(super) fn run(policies: Vec<Policy>) -> LintResult {
    run_with(policies, &[], &[])
}

pub(super) fn run_with(
    policies: Vec<Policy>,
    locations: &[crate::locations::NamedLocation],
    break_glass: &[&str],
) -> LintResult {
    let set = PolicySet {
        policies,
        ..PolicySet::default()
    };
    let opts = LintOptions {
        break_glass: break_glass.iter().map(|s| s.to_string()).collect(),
    };
    lint(&set, locations, &opts)
}

/// `(rule, severity, policy id)` of every finding, in report order.
pub(super) fn hits(r: &LintResult) -> Vec<(&'static str, &'static str, String)> {
    r.findings
        .iter()
        .map(|f| {
            (
                f.rule,
                f.severity.as_str(),
                f.policy.as_ref().map_or_else(String::new, |p| p.id.clone()),
            )
        })
        .collect()
}

pub(super) fn of<'a>(r: &'a LintResult, rule: &str) -> Vec<&'a LintFinding> {
    r.findings.iter().filter(|f| f.rule == rule).collect()
}

/// `hits` without the tenant-level coverage rules (CP040–CP042), which every set lacking
/// those three policies raises.
fn nc(r: &LintResult) -> Vec<(&'static str, &'static str, String)> {
    hits(r)
        .into_iter()
        .filter(|h| !matches!(h.0, "CP040" | "CP041" | "CP042"))
        .collect()
}

#[test]
fn tenant_wide_block_without_exclusion_is_critical() {
    let r = run(vec![blocking("p1")]);
    let f = of(&r, "CP001");
    assert_eq!(f.len(), 1, "{:?}", nc(&r));
    assert_eq!(f[0].severity, Severity::Critical);
    assert!(f[0].detail.contains("locks every account out"));
    assert!(f[0].remediation.ends_with('.'));
    assert!(f[0].remediation.contains("'Policy p1'"));
}

#[test]
fn tenant_wide_block_with_exclusion_or_report_only_is_high() {
    let r = run(vec![exclude_group(blocking("p1"), BG)]);
    assert_eq!(of(&r, "CP001")[0].severity, Severity::High);
    assert!(of(&r, "CP001")[0].detail.contains(BG));
    let mut p = blocking("p2");
    p.state = PolicyState::ReportOnly;
    let r = run(vec![p]);
    assert_eq!(of(&r, "CP001")[0].severity, Severity::High);
    let mut p = blocking("p3");
    p.state = PolicyState::Disabled;
    assert!(of(&run(vec![p]), "CP001").is_empty());
}

#[test]
fn narrowed_block_is_not_a_lockout() {
    // J0 CA001: block outside the allowed countries.
    let mut p = exclude_group(blocking("ca001"), BG);
    p.conditions.locations = Some(IncludeExclude {
        include: vec!["All".into()],
        exclude: vec!["185c993e-0000-4000-8000-000000000001".into()],
    });
    let r = run(vec![p]);
    assert!(of(&r, "CP001").is_empty() && of(&r, "CP003").is_empty());
    // J0 CA002: legacy clients only.
    let mut p = exclude_group(blocking("ca002"), BG);
    p.conditions.client_app_types = vec!["exchangeActiveSync".into(), "other".into()];
    assert!(of(&run(vec![p]), "CP001").is_empty());
    // `locations All` with no exclusion is no narrowing (J0 CA101 shape).
    let mut p = blocking("p");
    p.conditions.locations = Some(IncludeExclude {
        include: vec!["All".into()],
        exclude: vec![],
    });
    assert_eq!(of(&run(vec![p]), "CP001")[0].severity, Severity::Critical);
}

#[test]
fn all_platforms_block_is_cp003_not_cp001() {
    let mut p = blocking("p");
    p.conditions.platforms = Some(IncludeExclude {
        include: vec!["all".into()],
        exclude: vec![],
    });
    let r = run(vec![p.clone()]);
    assert_eq!(nc(&r)[0], ("CP003", "critical", "p".to_string()));
    assert!(of(&r, "CP001").is_empty());
    // CA204's shape (excluding the supported platforms) is the unknown-platform block.
    p.conditions.platforms = Some(IncludeExclude {
        include: vec!["all".into()],
        exclude: vec!["android".into(), "iOS".into()],
    });
    let r = run(vec![p]);
    assert!(of(&r, "CP003").is_empty() && of(&r, "CP001").is_empty());
    assert!(of(&r, "CP042").is_empty(), "a full unknown-platform block");
}

#[test]
fn device_requirement_for_everyone() {
    let mut p = pol("p");
    p.grant = Some(GrantControls {
        operator: "AND".into(),
        ..grant(&["compliantDevice"])
    });
    let r = run(vec![p.clone()]);
    assert_eq!(of(&r, "CP002")[0].severity, Severity::Critical);
    let r = run(vec![exclude_group(p.clone(), BG)]);
    assert_eq!(of(&r, "CP002")[0].severity, Severity::High);
    // "Require one of" with MFA lets an unmanaged user through.
    p.grant = Some(grant(&["compliantDevice", "mfa"]));
    assert!(of(&run(vec![p.clone()]), "CP002").is_empty());
    // Both device options under OR still demand a managed device.
    p.grant = Some(grant(&["compliantDevice", "domainJoinedDevice"]));
    assert_eq!(of(&run(vec![p.clone()]), "CP002").len(), 1);
    // Scoped to Windows (J0 CA205): not tenant-wide.
    p.conditions.platforms = Some(IncludeExclude {
        include: vec!["windows".into()],
        exclude: vec![],
    });
    assert!(of(&run(vec![p]), "CP002").is_empty());
}

#[test]
fn break_glass_is_inferred_and_named() {
    let mut v: Vec<Policy> = (0..3)
        .map(|i| exclude_group(pol(&format!("p{i}")), BG))
        .collect();
    v.push(pol("missing"));
    // A workload policy does not count (not user-targeting).
    let mut w = blocking("wl");
    w.conditions.users = Some(Users {
        include_users: vec!["None".into()],
        ..Users::default()
    });
    w.conditions.client_applications = Some(ClientApplications {
        include_service_principals: vec!["ServicePrincipalsInMyTenant".into()],
        ..ClientApplications::default()
    });
    v.push(w);
    let r = run(v);
    assert_eq!(r.break_glass.ids, vec![BG.to_string()]);
    assert!(r.break_glass.inferred);
    assert_eq!(
        r.break_glass.why,
        format!("inferred: group {BG} excluded from 3 of 4 policies; pass --break-glass to pin it")
    );
    assert_eq!(nc(&r), vec![("CP004", "high", "missing".to_string())]);
    assert!(of(&r, "CP004")[0].detail.contains("inferred"));
    assert!(of(&r, "CP004")[0].remediation.contains(BG));
}

#[test]
fn no_exclusion_anywhere_infers_nothing_and_says_so() {
    let r = run(vec![pol("a"), pol("b")]);
    assert!(r.break_glass.ids.is_empty());
    assert!(r.break_glass.why.starts_with("none inferred"));
    let f = of(&r, "CP004");
    assert_eq!(f.len(), 2);
    assert!(f.iter().all(|f| f.severity == Severity::High));
    assert!(
        f[0].detail.starts_with("no break-glass set"),
        "{}",
        f[0].detail
    );
    assert!(f[0].remediation.contains("emergency-access accounts"));
}

#[test]
fn session_only_narrow_and_workload_policies_are_not_lockouts() {
    let base = exclude_group(pol("base"), BG);
    // J0 CA006: session controls only, no break-glass exclusion → info.
    let mut session = pol("session");
    session.grant = None;
    session.session = SessionControls {
        application_enforced_restrictions: true,
        ..SessionControls::default()
    };
    // J0 CA301: only the service-account group → info.
    let narrow = only_group(blocking("narrow"), GROUP);
    // Auth-context only → not checked.
    let mut ctx = pol("ctx");
    ctx.conditions.applications = Applications {
        include_auth_context: vec!["c1".into()],
        ..Applications::default()
    };
    // Agent-only (J0 CA501) → not checked.
    let mut agent = blocking("agent");
    agent.conditions.users = Some(Users {
        include_users: vec!["None".into()],
        ..Users::default()
    });
    agent.conditions.targets_agents = true;
    let r = run(vec![base, session, narrow, ctx, agent]);
    assert_eq!(
        nc(&r),
        vec![
            ("CP004", "info", "narrow".to_string()),
            ("CP004", "info", "session".to_string()),
        ]
    );
    assert!(of(&r, "CP004")[1].detail.contains("session controls only"));
    // A narrow policy that names the break-glass group in its includes does hit it.
    let mut named = only_group(blocking("named"), BG);
    named
        .conditions
        .users
        .as_mut()
        .unwrap()
        .include_groups
        .push(GROUP.into());
    let r = run_with(vec![named], &[], &[BG]);
    assert_eq!(nc(&r), vec![("CP004", "high", "named".to_string())]);
}

#[test]
fn given_break_glass_must_all_be_excluded() {
    // MT Test-MtCaEmergencyAccessExists: a configured user and group must both be excluded.
    let user = "0b5e0000-0000-4000-8000-00000000a001";
    let mut both = exclude_group(pol("both"), BG);
    both.conditions
        .users
        .as_mut()
        .unwrap()
        .exclude_users
        .push(user.to_uppercase());
    let group_only = exclude_group(pol("group-only"), BG);
    let r = run_with(vec![both, group_only], &[], &[user, BG]);
    assert!(!r.break_glass.inferred);
    assert_eq!(r.break_glass.ids, vec![user.to_string(), BG.to_string()]);
    assert_eq!(nc(&r), vec![("CP004", "high", "group-only".to_string())]);
    // A different object excluded: fails too, and a UPN that matches nothing is noted.
    let r = run_with(
        vec![exclude_group(pol("x"), GROUP)],
        &[],
        &["bg@example.com"],
    );
    assert_eq!(nc(&r), vec![("CP004", "high", "x".to_string())]);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("--break-glass bg@example.com"))
    );
}

#[test]
fn microsoft_managed_report_only() {
    let mut p = exclude_group(pol("m"), BG);
    p.display_name = "Microsoft-managed: Multifactor authentication for admins".into();
    p.state = PolicyState::ReportOnly;
    let r = run(vec![p.clone()]);
    assert_eq!(nc(&r), vec![("CP005", "medium", "m".to_string())]);
    p.state = PolicyState::Enabled;
    assert!(nc(&run(vec![p])).is_empty());
}

#[test]
fn report_only_compliant_device_prompts() {
    let mut p = exclude_group(pol("c"), BG);
    p.state = PolicyState::ReportOnly;
    p.grant = Some(grant(&["compliantDevice"]));
    p.conditions.platforms = Some(IncludeExclude {
        include: vec!["windows".into(), "iOS".into()],
        exclude: vec![],
    });
    let r = run(vec![p.clone()]);
    assert_eq!(nc(&r), vec![("CP006", "low", "c".to_string())]);
    assert!(of(&r, "CP006")[0].detail.contains("covers iOS"));
    p.conditions.platforms.as_mut().unwrap().include = vec!["windows".into()];
    assert!(nc(&run(vec![p])).is_empty());
}

#[test]
fn findings_sort_by_severity_rule_policy() {
    let mut session = pol("s");
    session.grant = None;
    session.session.sign_in_frequency = Some(SignInFrequency {
        value: Some(4),
        unit: "hours".into(),
        every_time: false,
    });
    let r = run(vec![session, pol("b"), blocking("a")]);
    let sev: Vec<Severity> = r.findings.iter().map(|f| f.severity).collect();
    let mut sorted = sev.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(sev, sorted);
    assert_eq!(nc(&r)[0], ("CP001", "critical", "a".to_string()));
    let cp004: Vec<String> = of(&r, "CP004")
        .iter()
        .map(|f| f.policy.as_ref().unwrap().id.clone())
        .collect();
    assert_eq!(cp004, ["a", "b", "s"]);
    assert_eq!(r.at_or_above(Severity::Critical).len(), 1);
    assert_eq!(
        r.summary(),
        "Lint finds 7 issues in these policies (1 critical, 3 high, 1 medium, 1 low, 1 info): run casift lint --policies to see them"
    );
}
