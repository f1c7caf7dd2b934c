//! The device filter condition (POLICIES.md §A.9, §B.5 "Device filter on unregistered
//! devices"): include mode applies the policy to matching devices, exclude mode exempts them;
//! the rule language itself lives in `policy::device_filter`.

use super::{LogEvidence, configured, result};
use crate::policy::device_filter;
use crate::policy::{Condition, ConditionResult, Outcome, Policy, Subject};

const DEVICES: &[&str] = &["devices", "device", "deviceState", "deviceFilter"];

pub(super) fn evaluate(
    p: &Policy,
    s: &Subject,
    log: Option<&LogEvidence>,
    out: &mut Vec<ConditionResult>,
) {
    let Some(f) = configured(&p.conditions.device_filter) else {
        return;
    };
    let rule = f.rule.trim();
    let exclude = f.is_exclude();
    let mode = if exclude { "exclude" } else { "include" };
    // The log's rule evidence is what Entra saw; it wins over offline facts.
    if let Some(l) = log {
        if exclude && l.excludes(DEVICES, "deviceFilter") {
            out.push(result(
                Condition::Devices,
                Outcome::NoMatch(format!(
                    "excluded by the device filter (mode exclude) `{rule}` (log: excludeRulesSatisfied devices/deviceFilter)"
                )),
            ));
            return;
        }
        if !exclude && l.includes(DEVICES, "deviceFilter") {
            out.push(result(
                Condition::Devices,
                Outcome::Match(format!(
                    "the device matches the device filter (mode include) `{rule}` (log: includeRulesSatisfied devices/deviceFilter)"
                )),
            ));
            return;
        }
        if !exclude
            && (l.includes(DEVICES, "deviceFilterIncludeRuleNotMatched")
                || l.excludes(DEVICES, "deviceFilterIncludeRuleNotMatched"))
        {
            out.push(result(
                Condition::Devices,
                Outcome::NoMatch(format!(
                    "the device does not match the device filter (mode include) `{rule}` (log: deviceFilterIncludeRuleNotMatched)"
                )),
            ));
            return;
        }
    }
    let unregistered = s
        .device
        .device_id
        .as_deref()
        .is_some_and(|d| d.trim().is_empty());
    let device = if unregistered {
        "the unregistered device (every property null)"
    } else {
        "the device"
    };
    let outcome = match device_filter::evaluate(rule, &s.device) {
        Err(e) => Outcome::Unknown(format!("the device filter `{rule}` could not be read: {e}")),
        Ok(a) => match (a.value, exclude) {
            (Some(true), true) => Outcome::NoMatch(format!(
                "{device} is excluded by the device filter (mode exclude) `{rule}`"
            )),
            (Some(false), true) => Outcome::Match(format!(
                "{device} does not match the device filter (mode exclude) `{rule}`, so it is not exempted"
            )),
            (Some(true), false) => Outcome::Match(format!(
                "{device} matches the device filter (mode include) `{rule}`"
            )),
            (Some(false), false) => Outcome::NoMatch(format!(
                "{device} does not match the device filter (mode include) `{rule}`"
            )),
            (None, _) => Outcome::Unknown(format!(
                "the device filter (mode {mode}) `{rule}` needs device properties the sign-in does not carry: {}",
                a.unknown_properties.join(", ")
            )),
        },
    };
    out.push(result(Condition::Devices, outcome));
}
