//! Bytes as a Conditional Access policy export (any shape `--policies` reads): loads, then
//! evaluates every policy for a fixed user and a fixed service principal and lints the set,
//! checking the three-valued logic holds (applies only when no condition is no_match or
//! unknown; `first_reason` is the first no_match) and nothing panics.
#![no_main]
use casift::locations::NamedLocations;
use casift::policy::{
    self, Applies, Condition, Outcome, PrincipalKind, Subject, lint::LintOptions,
};
use libfuzzer_sys::fuzz_target;

fn subjects() -> [Subject; 2] {
    let user = Subject {
        kind: PrincipalKind::User,
        user_id: "a11ce000-0000-4000-8000-000000000001".into(),
        user_principal_name: "alice@example.com".into(),
        guest: Some(false),
        groups: Some(vec!["9a000000-0000-4000-8000-0000000000a1".into()]),
        resources: vec!["499b84ac-1321-427f-aa17-267ca6975798".into()],
        ip: "2001:db8::7".parse().ok(),
        country: Some("NL".into()),
        platform: Some("windows".into()),
        client_app_type: Some("browser".into()),
        interactive: Some(false),
        sign_in_risk: Some("none".into()),
        user_risk: Some("none".into()),
        auth_flow: Some("none".into()),
        ..Subject::default()
    };
    let sp = Subject {
        kind: PrincipalKind::ServicePrincipal,
        service_principal_id: "5e000000-0000-4000-8000-000000000005".into(),
        resources: vec!["00000003-0000-0000-c000-000000000000".into()],
        ip: "203.0.113.9".parse().ok(),
        interactive: Some(false),
        ..Subject::default()
    };
    [user, sp]
}

fuzz_target!(|data: &[u8]| {
    let Ok(set) = policy::load::load_bytes("fuzz-policies", data) else {
        return;
    };
    let locs = NamedLocations::new(set.locations.clone());
    for s in subjects() {
        let evals: Vec<_> = set
            .policies
            .iter()
            .map(|p| (p, policy::evaluate(p, &s, &locs, None)))
            .collect();
        for (_, e) in &evals {
            let no = e
                .conditions
                .iter()
                .find(|c| matches!(c.outcome, Outcome::NoMatch(_)))
                .map(|c| c.condition);
            let unknown = e
                .conditions
                .iter()
                .any(|c| matches!(c.outcome, Outcome::Unknown(_)));
            let want = match (no, unknown) {
                (Some(_), _) => Applies::No,
                (None, true) => Applies::Unknown,
                (None, false) => Applies::Yes,
            };
            assert_eq!(e.applies, want, "{e:?}");
            if e.applies == Applies::No {
                assert_eq!(e.first_reason, no, "{e:?}");
            }
            assert!(e.conditions.windows(2).all(|w| w[0].condition <= w[1].condition
                || w[1].condition == Condition::Other));
        }
        let pairs: Vec<_> = evals.iter().map(|(p, e)| (*p, e)).collect();
        let _ = policy::verdict(&pairs, &s);
    }
    let _ = policy::lint::lint(&set, &[], &LintOptions::default());
});
