//! Risk conditions (POLICIES.md §A.2, §B.5 "Risk", §B.10): sign-in, user, service
//! principal and insider risk levels. A missing or `hidden` level (no Entra ID P2) is
//! unknown; `none` matches no configured level.

use super::{has, list, result};
use crate::policy::{Condition, ConditionResult, Outcome, Policy, Subject};

/// (condition, words for people, policy key, configured levels, the sign-in's level).
type Check<'a> = (Condition, &'a str, &'a str, &'a [String], Option<&'a str>);

pub(super) fn evaluate(p: &Policy, s: &Subject, out: &mut Vec<ConditionResult>) {
    let c = &p.conditions;
    let checks: [Check<'_>; 4] = [
        (
            Condition::SignInRisk,
            "sign-in risk",
            "signInRiskLevels",
            &c.sign_in_risk_levels,
            s.sign_in_risk.as_deref(),
        ),
        (
            Condition::UserRisk,
            "user risk",
            "userRiskLevels",
            &c.user_risk_levels,
            s.user_risk.as_deref(),
        ),
        (
            Condition::ServicePrincipalRisk,
            "service principal risk",
            "servicePrincipalRiskLevels",
            &c.service_principal_risk_levels,
            s.service_principal_risk.as_deref(),
        ),
        (
            Condition::InsiderRisk,
            "insider risk",
            "insiderRiskLevels",
            &c.insider_risk_levels,
            s.insider_risk.as_deref(),
        ),
    ];
    for (condition, what, key, levels, have) in checks {
        let levels: Vec<String> = levels
            .iter()
            .filter(|l| !l.trim().is_empty())
            .cloned()
            .collect();
        if levels.is_empty() {
            continue;
        }
        let outcome = match have.map(str::trim) {
            None | Some("") => Outcome::Unknown(format!(
                "the {what} level is not known ({key} {})",
                list(&levels)
            )),
            Some(h) if h.eq_ignore_ascii_case("hidden") => Outcome::Unknown(format!(
                "the {what} level is hidden (the log shows hidden without Entra ID P2); the policy needs {key} {}",
                list(&levels)
            )),
            Some(h) if h.eq_ignore_ascii_case("none") => Outcome::NoMatch(format!(
                "{what} none matches no level of {key} {}",
                list(&levels)
            )),
            Some(h) if has(&levels, h) => Outcome::Match(format!("{what} {h} is in {key}")),
            Some(h) => Outcome::NoMatch(format!("{what} {h} not in {key} {}", list(&levels))),
        };
        out.push(result(condition, outcome));
    }
}
