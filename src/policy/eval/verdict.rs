//! Across policies (POLICIES.md §B.2, §B.3): only enabled policies that apply count; a block
//! ends it; otherwise every applying policy's grant must be met (AND across policies, the
//! policy's own AND/OR inside), each required control marked as satisfiable on this flow or
//! not. No applying policy means a token is issued. An undecided enabled policy that blocks
//! makes the verdict unknown; an undecided one that demands controls makes it unknown only
//! when nothing else is required (it leaves `satisfiable` undecided otherwise).

use super::client::client_type;
use crate::policy::{
    Applies, Evaluation, GrantControls, Policy, PolicyState, RequiredControl, Subject, Verdict,
    VerdictKind,
};

/// The verdict for `s` across evaluated policies.
pub fn verdict(evals: &[(&Policy, &Evaluation)], s: &Subject) -> Verdict {
    let mut blocking = Vec::new();
    let mut required: Vec<RequiredControl> = Vec::new();
    // Undecided enabled policies: one that blocks could change the answer to blocked, one
    // that demands controls could only add controls.
    let mut might_block = false;
    let mut pending = false;
    for (p, e) in evals {
        // Report-only, off, unknown-state and soft-deleted policies are never enforced.
        if p.state != PolicyState::Enabled || p.deleted {
            continue;
        }
        let Some(g) = &p.grant else {
            continue; // session-only: adds no required control
        };
        let controls: Vec<String> = g
            .controls()
            .into_iter()
            .filter(|c| !c.trim().is_empty())
            .collect();
        match e.applies {
            Applies::Yes if p.blocks() => blocking.push(p.id.clone()),
            Applies::Yes => add(g, &controls, p, s, &mut required),
            Applies::Unknown if p.blocks() => might_block = true,
            Applies::Unknown if !controls.is_empty() => pending = true,
            _ => {}
        }
    }
    if !blocking.is_empty() {
        return Verdict {
            kind: VerdictKind::Blocked,
            blocking,
            required: Vec::new(),
            satisfiable: Some(false),
        };
    }
    required.sort_by_key(|r| rank(&r.control));
    let (kind, satisfiable) = if might_block {
        (VerdictKind::Unknown, None)
    } else if !required.is_empty() {
        let sat = if required.iter().any(|r| r.satisfiable == Some(false)) {
            Some(false)
        } else if !pending && required.iter().all(|r| r.satisfiable == Some(true)) {
            Some(true)
        } else {
            None
        };
        (VerdictKind::ControlsRequired, sat)
    } else if pending {
        (VerdictKind::Unknown, None)
    } else {
        (VerdictKind::Allowed, Some(true))
    };
    Verdict {
        kind,
        blocking,
        required,
        satisfiable,
    }
}

/// One applying policy's grant into the union: every control of an AND policy (or of a
/// one-control policy) on its own; the controls of an OR policy as one alternative,
/// `a or b`, satisfiable when any of them is.
fn add(
    g: &GrantControls,
    controls: &[String],
    p: &Policy,
    s: &Subject,
    required: &mut Vec<RequiredControl>,
) {
    if controls.is_empty() {
        return;
    }
    // An empty operator: OR for one control, AND otherwise (as the portal does).
    let or = g.is_or() || (g.operator.trim().is_empty() && controls.len() == 1);
    if or && controls.len() > 1 {
        let answers: Vec<(Option<bool>, String)> =
            controls.iter().map(|c| can_meet(c, s)).collect();
        let satisfiable = if answers.iter().any(|a| a.0 == Some(true)) {
            Some(true)
        } else if answers.iter().all(|a| a.0 == Some(false)) {
            Some(false)
        } else {
            None
        };
        let why = format!(
            "{} requires one of its controls: {}",
            p.label(),
            controls
                .iter()
                .zip(&answers)
                .map(|(c, a)| format!("{c}: {}", a.1))
                .collect::<Vec<_>>()
                .join("; ")
        );
        merge(required, controls.join(" or "), &p.id, satisfiable, why);
    } else {
        for c in controls {
            let (satisfiable, why) = can_meet(c, s);
            merge(required, c.clone(), &p.id, satisfiable, why);
        }
    }
}

fn merge(
    required: &mut Vec<RequiredControl>,
    control: String,
    policy: &str,
    satisfiable: Option<bool>,
    why: String,
) {
    if let Some(r) = required.iter_mut().find(|r| r.control == control) {
        if !r.policies.iter().any(|x| x == policy) {
            r.policies.push(policy.to_string());
        }
        return;
    }
    required.push(RequiredControl {
        control,
        policies: vec![policy.to_string()],
        satisfiable,
        why,
    });
}

/// Order in which Entra asks for missing controls (§B.3); alternatives sort by their first.
fn rank(control: &str) -> usize {
    let first = control.split(" or ").next().unwrap_or(control);
    let l = first.trim().to_ascii_lowercase();
    match l.as_str() {
        "mfa" => 0,
        _ if l.starts_with("authenticationstrength") => 0,
        "compliantdevice" => 1,
        "domainjoineddevice" => 2,
        "approvedapplication" => 3,
        "compliantapplication" => 4,
        "passwordchange" => 5,
        "termsofuse" => 6,
        _ => 7,
    }
}

/// Whether this flow can meet one control: `Some(false)` never, `Some(true)` already met,
/// `None` cannot tell offline; with the reason.
fn can_meet(control: &str, s: &Subject) -> (Option<bool>, String) {
    let l = control.trim().to_ascii_lowercase();
    let legacy = s
        .client_app_type
        .as_deref()
        .and_then(client_type)
        .filter(|t| *t == "exchangeActiveSync" || *t == "other");
    let device_code = s.auth_flow.as_deref().is_some_and(|f| {
        f.trim().eq_ignore_ascii_case("deviceCodeFlow")
            || f.trim().eq_ignore_ascii_case("deviceCode")
    });
    let unregistered = s
        .device
        .device_id
        .as_deref()
        .is_some_and(|d| d.trim().is_empty());
    match l.as_str() {
        "compliantdevice" | "domainjoineddevice" => {
            let what = if l == "compliantdevice" {
                "a compliant device"
            } else {
                "a hybrid-joined device"
            };
            if let Some(t) = legacy {
                return (Some(false), format!("legacy authentication ({t}) cannot present {what}"));
            }
            if device_code {
                return (Some(false), format!("device code flow cannot present {what}"));
            }
            let met = if l == "compliantdevice" {
                s.device.is_compliant == Some(true) && !unregistered
            } else {
                s.device.trust_type.as_deref().is_some_and(|t| {
                    let t = t.to_ascii_lowercase();
                    t.contains("hybrid") || t == "serverad"
                }) && !unregistered
            };
            if met {
                return (Some(true), format!("the sign-in shows {what}"));
            }
            if unregistered && s.interactive == Some(false) {
                return (
                    Some(false),
                    format!("no registered device, and a non-interactive flow cannot present {what}"),
                );
            }
            let known = if unregistered {
                "the sign-in shows no registered device"
            } else if s.device.is_compliant == Some(false) {
                "the device is reported not compliant"
            } else {
                "the device's state is not known"
            };
            (None, format!("{known}; whether {what} can be used is not known offline"))
        }
        "approvedapplication" | "compliantapplication" => match legacy {
            Some(t) => (
                Some(false),
                format!("legacy authentication ({t}) cannot use an approved or app-protected client app"),
            ),
            None => (
                None,
                "whether the client app is approved / protected by an app protection policy is not known offline".to_string(),
            ),
        },
        // Everything else needs an interactive prompt: mfa, authentication strength,
        // passwordChange, terms of use, custom controls (and newer values, by caution).
        _ => {
            if s.interactive == Some(false) {
                (Some(false), format!("a non-interactive flow cannot answer the {control} prompt"))
            } else if let Some(t) = legacy {
                (Some(false), format!("legacy authentication ({t}) cannot do {control}"))
            } else {
                (None, format!("whether the user completes {control} is not known offline"))
            }
        }
    }
}
