//! `casift lint`: the policy-only rules (POLICIES.md §D, ids `CP0xx`) over a `PolicySet` and
//! the named locations, the break-glass set they measure exclusions against (given or
//! inferred, and always said which), and the sorted result. Must not read files, the clock
//! or print: `run` loads, `report::lint` renders.
//!
//! Submodules: `scope` (whom and what a policy targets), `lockout` (§D.1 and the break-glass
//! set), `broken` (§D.2 without the location references), `network` (CP010 and §D.3),
//! `coverage` (§D.4, tenant-level).

mod broken;
mod coverage;
mod lockout;
mod network;
mod scope;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_more;

use crate::evaluate::Severity;
use crate::locations::NamedLocation;
use crate::policy::model::{Policy, PolicySet, PolicyState};

/// One lint finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LintFinding {
    pub rule: &'static str,
    pub severity: Severity,
    pub title: String,
    /// `None` for tenant-level rules (coverage gaps, named locations, policy count).
    pub policy: Option<PolicyRef>,
    /// The evidence: which ids, values or ranges decided.
    pub detail: String,
    /// One complete sentence naming the change.
    pub remediation: String,
    /// The documentation or peer reference (POLICIES.md source keys).
    pub source: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct PolicyRef {
    pub id: String,
    pub display_name: String,
}

impl PolicyRef {
    pub fn of(p: &Policy) -> PolicyRef {
        PolicyRef {
            id: p.id.clone(),
            display_name: p.display_name.clone(),
        }
    }
}

/// The emergency-access accounts or groups that every policy should exclude.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BreakGlass {
    /// Object ids (or UPNs as given); empty when none was given or could be inferred.
    pub ids: Vec<String>,
    /// Guessed from the exclusions (MT.1005), not given with `--break-glass`.
    pub inferred: bool,
    /// How the set was found, in one sentence for the report.
    pub why: String,
}

impl BreakGlass {
    /// `the break-glass group 2802b872-… (inferred)` for finding texts.
    pub fn label(&self) -> String {
        match self.ids.as_slice() {
            [] => "no break-glass account".to_string(),
            ids => format!(
                "the break-glass set ({}{})",
                ids.join(", "),
                if self.inferred { ", inferred" } else { "" }
            ),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct LintOptions {
    /// `--break-glass` values: UPNs or object ids, matched case-insensitively.
    pub break_glass: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct LintResult {
    /// Sorted: severity (highest first), rule, policy id, detail.
    pub findings: Vec<LintFinding>,
    pub break_glass: BreakGlass,
    pub notes: Vec<String>,
}

impl LintResult {
    /// One sentence for `analyze`'s `notes[]` (DESIGN.md §3: lint findings are not mixed into
    /// `analyze`, but their number is said), e.g. `Lint finds 3 issues in these
    /// policies (1 critical, 2 info); run casift lint --policies to see them`.
    pub fn summary(&self) -> String {
        if self.findings.is_empty() {
            return "Lint finds no issue in these policies".to_string();
        }
        let mut counts: Vec<(&str, usize)> = Vec::new();
        for f in &self.findings {
            match counts.last_mut() {
                Some((s, n)) if *s == f.severity.as_str() => *n += 1,
                _ => counts.push((f.severity.as_str(), 1)),
            }
        }
        let parts: Vec<String> = counts.iter().map(|(s, n)| format!("{n} {s}")).collect();
        format!(
            "Lint finds {} issue{} in these policies ({}): run casift lint --policies to see them",
            self.findings.len(),
            if self.findings.len() == 1 { "" } else { "s" },
            parts.join(", ")
        )
    }

    /// Findings at or above `min`.
    pub fn at_or_above(&self, min: Severity) -> Vec<&LintFinding> {
        self.findings.iter().filter(|f| f.severity >= min).collect()
    }
}

/// What every rule sees: the policies that exist (soft-deleted ones left out), the named
/// locations (`None` when none was supplied at all) and the break-glass set.
pub(crate) struct Ctx<'a> {
    pub policies: Vec<&'a Policy>,
    pub deleted: Vec<&'a Policy>,
    pub locations: Option<Vec<&'a NamedLocation>>,
    /// `locations` by lower-cased id.
    pub by_id: std::collections::BTreeMap<String, &'a NamedLocation>,
    pub break_glass: BreakGlass,
}

impl Ctx<'_> {
    pub fn location(&self, id: &str) -> Option<&NamedLocation> {
        self.by_id.get(&id.trim().to_ascii_lowercase()).copied()
    }
}

/// Lints `set` with the named locations of `--locations` (`extra`) and those found among
/// the policy files; the same id in both is taken once, `--locations` first.
pub fn lint(set: &PolicySet, extra: &[NamedLocation], opts: &LintOptions) -> LintResult {
    let (deleted, policies): (Vec<&Policy>, Vec<&Policy>) =
        set.policies.iter().partition(|p| p.deleted);
    let mut locs: Vec<&NamedLocation> = Vec::new();
    let mut by_id = std::collections::BTreeMap::new();
    for l in extra.iter().chain(&set.locations) {
        let key = l.id.trim().to_ascii_lowercase();
        if key.is_empty() {
            locs.push(l);
        } else if let std::collections::btree_map::Entry::Vacant(e) = by_id.entry(key) {
            e.insert(l);
            locs.push(l);
        }
    }
    let mut notes = Vec::new();
    let break_glass = lockout::break_glass(&policies, &opts.break_glass, &mut notes);
    let ctx = Ctx {
        policies,
        deleted,
        locations: (!locs.is_empty()).then_some(locs),
        by_id,
        break_glass,
    };
    let mut findings = Vec::new();
    lockout::check(&ctx, &mut findings);
    broken::check(&ctx, &mut findings);
    network::check(&ctx, &mut findings, &mut notes);
    coverage::check(&ctx, &mut findings);
    // One note per distinct missing list (a lossy shape gives every policy the same one).
    let mut lossy: std::collections::BTreeMap<&[String], Vec<String>> =
        std::collections::BTreeMap::new();
    for p in ctx.policies.iter().filter(|p| !p.missing.is_empty()) {
        lossy
            .entry(p.missing.as_slice())
            .or_default()
            .push(p.label());
    }
    for (missing, who) in lossy {
        notes.push(format!(
            "{} {} from an export shape that does not carry {}: the rules on those parts were not checked for {}",
            who.len(),
            if who.len() == 1 { "policy comes" } else { "policies come" },
            capped(missing, ", "),
            capped(&who, ", ")
        ));
    }
    findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| a.rule.cmp(b.rule))
            .then_with(|| policy_key(a).cmp(&policy_key(b)))
            .then_with(|| a.detail.cmp(&b.detail))
    });
    findings.dedup();
    LintResult {
        findings,
        break_glass: ctx.break_glass,
        notes,
    }
}

fn policy_key(f: &LintFinding) -> (&str, &str) {
    f.policy
        .as_ref()
        .map_or(("", ""), |p| (p.id.as_str(), p.display_name.as_str()))
}

/// A finding about one policy. A policy that is off cannot hurt anyone today, so whatever
/// the rule's severity, a disabled policy's finding is at most low.
pub(crate) fn on_policy(
    p: &Policy,
    rule: &'static str,
    severity: Severity,
    title: impl Into<String>,
    detail: impl Into<String>,
    remediation: impl Into<String>,
    source: &'static str,
) -> LintFinding {
    let disabled = p.state == PolicyState::Disabled;
    let mut detail = detail.into();
    if disabled && severity > Severity::Low {
        detail.push_str(" (the policy is off, so this is reported as low)");
    }
    LintFinding {
        rule,
        severity: if disabled {
            severity.min(Severity::Low)
        } else {
            severity
        },
        title: title.into(),
        policy: Some(PolicyRef::of(p)),
        detail,
        remediation: remediation.into(),
        source,
    }
}

/// A tenant-level finding (no single policy).
pub(crate) fn tenant(
    rule: &'static str,
    severity: Severity,
    title: impl Into<String>,
    detail: impl Into<String>,
    remediation: impl Into<String>,
    source: &'static str,
) -> LintFinding {
    LintFinding {
        rule,
        severity,
        title: title.into(),
        policy: None,
        detail: detail.into(),
        remediation: remediation.into(),
        source,
    }
}

/// `'Name'` or the id, for remediation sentences.
pub(crate) fn name(p: &Policy) -> String {
    if p.display_name.is_empty() {
        format!("policy {}", p.id)
    } else {
        format!("'{}'", p.display_name)
    }
}

/// Values listed in one finding before "and N more": a hostile export with 100,000 ids
/// must not make a report of megabytes.
pub(crate) const MAX_LISTED: usize = 20;

/// `v` joined by `sep`, at most [`MAX_LISTED`] items, then "and N more".
pub(crate) fn capped<S: AsRef<str>>(v: &[S], sep: &str) -> String {
    let mut s = v
        .iter()
        .take(MAX_LISTED)
        .map(AsRef::as_ref)
        .collect::<Vec<&str>>()
        .join(sep);
    if v.len() > MAX_LISTED {
        s.push_str(&format!("{sep}and {} more", v.len() - MAX_LISTED));
    }
    s
}
