//! The pure evaluation of one sign-in (`Subject`) against one `Policy` (POLICIES.md §B,
//! DESIGN.md §7 "Evaluation"), and the verdict across policies. Each configured condition
//! answers match / no match (naming the id, value or range that decided) / unknown (naming
//! what is missing); the log's per-policy evidence (`LogEvidence`) settles what the export
//! alone cannot (group and role membership, trusted locations, the log's own result).
//!
//! Submodules by condition family: `users` (users, workload and agent identities),
//! `applications` (resources, user actions, auth contexts), `client` (platforms, client app
//! types, authentication flows), `location`, `devices`, `risk`, and `verdict`.

mod applications;
mod client;
mod devices;
mod location;
mod risk;
mod users;
mod verdict;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_conditions;
#[cfg(test)]
mod tests_verdict;
#[cfg(test)]
mod vectors;
#[cfg(test)]
mod vectors_j0;

pub use location::{COMPLIANT_NETWORK, MFA_TRUSTED_IPS};
pub use verdict::verdict;

use crate::locations::NamedLocations;
use crate::model::PolicyResult;
use crate::policy::{
    Applies, Condition, ConditionResult, Evaluation, Outcome, Policy, PolicyState, Subject,
};

/// What a sign-in record says about one policy: its `appliedConditionalAccessPolicies[]`
/// entry for that policy id.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LogEvidence {
    pub result: Option<PolicyResult>,
    /// `includeRulesSatisfied[]` as (conditionalAccessCondition, ruleSatisfied).
    pub include_rules: Vec<(String, String)>,
    /// `excludeRulesSatisfied[]` as (conditionalAccessCondition, ruleSatisfied).
    pub exclude_rules: Vec<(String, String)>,
    /// `conditionsSatisfied` flags (`application`, `users`, `location`, ...) when the export
    /// writes them as names; empty for the integer form, whose bits are not published.
    pub satisfied: Vec<String>,
}

impl LogEvidence {
    fn has(rules: &[(String, String)], conditions: &[&str], rule: &str) -> bool {
        rules.iter().any(|(c, r)| {
            conditions.iter().any(|x| c.trim().eq_ignore_ascii_case(x))
                && r.trim().eq_ignore_ascii_case(rule)
        })
    }

    /// Whether `includeRulesSatisfied` holds `(condition, rule)` (condition: any of the
    /// given spellings).
    pub fn includes(&self, conditions: &[&str], rule: &str) -> bool {
        Self::has(&self.include_rules, conditions, rule)
    }

    pub fn excludes(&self, conditions: &[&str], rule: &str) -> bool {
        Self::has(&self.exclude_rules, conditions, rule)
    }

    /// The log's result says every condition of the policy matched (it was enforced or
    /// would have been).
    pub fn proves_applied(&self) -> bool {
        matches!(
            self.result,
            Some(
                PolicyResult::Success
                    | PolicyResult::Failure
                    | PolicyResult::ReportOnlySuccess
                    | PolicyResult::ReportOnlyFailure
                    | PolicyResult::ReportOnlyInterrupted
            )
        )
    }

    /// The log's result says some condition did not match.
    pub fn proves_not_applied(&self) -> bool {
        matches!(
            self.result,
            Some(PolicyResult::NotApplied | PolicyResult::ReportOnlyNotApplied)
        )
    }
}

/// Evaluates every configured condition of `p` for `s`, in [`Condition`] order.
pub fn evaluate(
    p: &Policy,
    s: &Subject,
    locs: &NamedLocations,
    log: Option<&LogEvidence>,
) -> Evaluation {
    let mut out = Vec::new();
    if p.deleted {
        out.push(result(
            Condition::State,
            Outcome::NoMatch(
                "the policy is soft-deleted (deletedDateTime is set); deleted policies are not evaluated by Entra"
                    .to_string(),
            ),
        ));
    } else if p.state == PolicyState::Disabled {
        out.push(result(
            Condition::State,
            Outcome::NoMatch("policyNotEnabled: the policy is off (state disabled)".to_string()),
        ));
    }
    users::evaluate(p, s, log, &mut out);
    applications::evaluate(p, s, log, &mut out);
    client::platform(p, s, log, &mut out);
    devices::evaluate(p, s, log, &mut out);
    client::client_apps(p, s, &mut out);
    location::evaluate(p, s, locs, log, &mut out);
    risk::evaluate(p, s, &mut out);
    client::auth_flow(p, s, &mut out);
    for key in &p.conditions.unknown_conditions {
        out.push(result(
            Condition::Other,
            Outcome::Unknown(format!(
                "condition '{key}' is configured, and casift does not evaluate it"
            )),
        ));
    }
    if let Some(log) = log {
        apply_log_result(log, &mut out);
    }
    // Stable: conditions of one family keep the order they were pushed in.
    out.sort_by_key(|r| r.condition);
    let first_reason = out
        .iter()
        .find(|r| matches!(r.outcome, Outcome::NoMatch(_)))
        .map(|r| r.condition);
    let applies = if first_reason.is_some() {
        Applies::No
    } else if out.iter().any(|r| matches!(r.outcome, Outcome::Unknown(_))) {
        Applies::Unknown
    } else {
        Applies::Yes
    };
    Evaluation {
        applies,
        first_reason,
        conditions: out,
    }
}

/// The `conditionsSatisfied` flag of a condition (Graph's conditionalAccessConditions).
fn satisfied_flag(c: Condition) -> Option<&'static str> {
    Some(match c {
        Condition::Users => "users",
        Condition::WorkloadIdentities => "servicePrincipals",
        Condition::Application => "application",
        Condition::DevicePlatform => "devicePlatform",
        Condition::ClientApps => "clientType",
        Condition::Location => "location",
        Condition::SignInRisk => "signInRisk",
        Condition::UserRisk => "userRisk",
        Condition::ServicePrincipalRisk => "servicePrincipalRisk",
        Condition::InsiderRisk => "insiderRisk",
        Condition::AuthenticationFlow => "authenticationFlows",
        _ => return None,
    })
}

/// The log's result for this policy settles unknowns: an applied policy matched every
/// condition; a not-applied one with a single undecided condition failed on that one.
/// Offline no-matches are kept (the caller flags a policy that changed since the sign-in).
fn apply_log_result(log: &LogEvidence, out: &mut [ConditionResult]) {
    let result = log.result.as_ref().map(|r| r.as_str()).unwrap_or_default();
    // A condition the log names as satisfied matched, whatever the offline facts lack.
    for r in out.iter_mut() {
        if let Outcome::Unknown(missing) = &r.outcome
            && let Some(flag) = satisfied_flag(r.condition)
            && log
                .satisfied
                .iter()
                .any(|f| f.trim().eq_ignore_ascii_case(flag))
        {
            r.outcome = Outcome::Match(format!(
                "{missing}; the sign-in log's conditionsSatisfied names {flag} for this policy"
            ));
        }
    }
    let no_match = out.iter().any(|r| matches!(r.outcome, Outcome::NoMatch(_)));
    if log.proves_applied() && !no_match {
        for r in out.iter_mut() {
            if let Outcome::Unknown(missing) = &r.outcome {
                r.outcome = Outcome::Match(format!(
                    "{missing}; the sign-in log's result '{result}' for this policy shows it matched"
                ));
            }
        }
    } else if log.proves_not_applied() && !no_match {
        let unknown: Vec<usize> = out
            .iter()
            .enumerate()
            .filter(|(_, r)| matches!(r.outcome, Outcome::Unknown(_)))
            .map(|(i, _)| i)
            .collect();
        if let [i] = unknown[..] {
            let missing = out[i].outcome.detail().to_string();
            out[i].outcome = Outcome::NoMatch(format!(
                "{missing}; the sign-in log's result '{result}' shows the policy did not apply, and this is its only undecided condition"
            ));
        }
    }
}

fn result(condition: Condition, outcome: Outcome) -> ConditionResult {
    ConditionResult { condition, outcome }
}

/// Whether `list` holds `token` (trimmed, case-insensitive): special values and ids alike.
fn has(list: &[String], token: &str) -> bool {
    list.iter()
        .any(|x| x.trim().eq_ignore_ascii_case(token.trim()))
}

/// Whether the policy's export shape could not carry `key` (`Policy::missing` names it).
fn lacks(p: &Policy, key: &str) -> bool {
    p.missing.iter().any(|m| m.contains(key))
}

/// A filter with a rule; one without (PowerShell's `{Mode: null, Rule: null}`) is not configured.
fn configured(f: &Option<crate::policy::Filter>) -> Option<&crate::policy::Filter> {
    f.as_ref().filter(|f| !f.rule.trim().is_empty())
}

/// `[a, b, c]` for texts; long lists are cut (support engineers read, scripts use JSON).
fn list(v: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut s = v
        .iter()
        .take(SHOWN)
        .map(|x| x.trim())
        .collect::<Vec<_>>()
        .join(", ");
    if v.len() > SHOWN {
        s.push_str(&format!(", … {} more", v.len() - SHOWN));
    }
    format!("[{s}]")
}

/// Items of `list` that are in `have` (case-insensitive), in `list` order.
fn common(list: &[String], have: &[String]) -> Vec<String> {
    list.iter()
        .filter(|x| has(have, x))
        .map(|x| x.trim().to_string())
        .collect()
}

/// Three-valued membership of one fact in one list, with its evidence.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Hit {
    Yes(String),
    No(String),
    Unknown(String),
}

/// Any `Yes` wins; else unknowns joined; else the `No` reasons joined.
fn any_of(hits: Vec<Hit>) -> Hit {
    let mut unknown = Vec::new();
    let mut no = Vec::new();
    for h in hits {
        match h {
            Hit::Yes(d) => return Hit::Yes(d),
            Hit::Unknown(m) => unknown.push(m),
            Hit::No(r) => no.push(r),
        }
    }
    if !unknown.is_empty() {
        Hit::Unknown(unknown.join("; "))
    } else {
        Hit::No(no.join("; "))
    }
}

/// Exclusion beats inclusion: excluded → no match; not included → no match (even when an
/// exclusion is undecided); otherwise any undecided side makes the answer unknown.
fn include_exclude(include: Hit, exclude: Hit) -> Outcome {
    match (include, exclude) {
        (_, Hit::Yes(why)) => Outcome::NoMatch(why),
        (Hit::No(why), _) => Outcome::NoMatch(why),
        (Hit::Unknown(a), Hit::Unknown(b)) => Outcome::Unknown(format!("{b}; {a}")),
        (_, Hit::Unknown(m)) | (Hit::Unknown(m), _) => Outcome::Unknown(m),
        (Hit::Yes(d), Hit::No(_)) => Outcome::Match(d),
    }
}
