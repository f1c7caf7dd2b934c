//! Risk conditions (POLICIES.md §A.2, §B.5 "Risk", §B.10): sign-in, user, service
//! principal and insider risk levels. A missing or `hidden` level (no Entra ID P2) is
//! unknown; `none` matches no configured level.

use super::{has, list, result};
use crate::policy::{Condition, ConditionResult, Outcome, Policy, Subject};

pub(super) fn evaluate(p: &Policy, s: &Subject, out: &mut Vec<ConditionResult>) {
    let c = &p.conditions;
    let checks: [(Condition, &str, &[String], Option<&str>); 4] = [
        (
            Condition::SignInRisk,
            "signInRiskLevels",
            &c.sign_in_risk_levels,
            s.sign_in_risk.as_deref(),
        ),
        (
            Condition::UserRisk,
            "userRiskLevels",
            &c.user_risk_levels,
            s.user_risk.as_deref(),
        ),
        (
            Condition::ServicePrincipalRisk,
            "servicePrincipalRiskLevels",
            &c.service_principal_risk_levels,
            s.service_principal_risk.as_deref(),
        ),
        (
            Condition::InsiderRisk,
            "insiderRiskLevels",
            &c.insider_risk_levels,
            s.insider_risk.as_deref(),
        ),
    ];
    for (condition, key, levels, have) in checks {
        let levels: Vec<String> = levels
            .iter()
            .filter(|l| !l.trim().is_empty())
            .cloned()
            .collect();
        if levels.is_empty() {
            continue;
        }
        let what = &key[..key.len() - "Levels".len()];
        let outcome = match have.map(str::trim) {
            None | Some("") => Outcome::Unknown(format!(
                "the sign-in's {what} level is not known ({key} {})",
                list(&levels)
            )),
            Some(h) if h.eq_ignore_ascii_case("hidden") => Outcome::Unknown(format!(
                "the sign-in's {what} is hidden (shown without Entra ID P2); the policy needs {key} {}",
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
