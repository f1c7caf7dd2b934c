//! Property tests: an unconfigured all-users/all-resources policy applies to every user
//! sign-in; a user in excludeUsers is never matched; arbitrary text in any policy or
//! sign-in field never panics evaluation or the verdict.

use proptest::prelude::*;

use super::tests::ip_loc;
use super::*;
use crate::policy::{
    Applications, ClientApplications, Conditions, DeviceFacts, Filter, GrantControls,
    GuestsOrExternal, IncludeExclude, PrincipalKind, Users,
};

/// Special values, well-formed-looking tokens and arbitrary text.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "All",
            "all",
            "None",
            "GuestsOrExternalUsers",
            "AllTrusted",
            "Office365",
            "MicrosoftAdminPortals",
            "ServicePrincipalsInMyTenant",
            "android",
            "iOS",
            "linux",
            "browser",
            "other",
            "modern",
            "easSupported",
            "high",
            "hidden",
            "none",
            "deviceCodeFlow",
            "c1",
            "urn:user:registersecurityinfo",
            "block",
            "mfa",
            "compliantDevice",
            "00000000-0000-0000-0000-000000000000",
            "3d46dbda-8382-466a-856d-eb00cbc6b910",
            "1e600000-0000-4000-8000-0000000000e6",
            "a11ce000-0000-4000-8000-000000000001",
        ])
        .prop_map(str::to_string),
        "\\PC{0,24}",
    ]
}

fn tokens() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec(token(), 0..4)
}

fn rule() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(
            r#"device.isCompliant -eq True -and device.deviceOwnership -eq "Company""#.to_string()
        ),
        Just(
            r#"(device.trustType -in ["AzureAD","ServerAD"] -or -not device.model -match "x")"#
                .to_string()
        ),
        "[-a-zA-Z.()\" \\[\\],]{0,60}",
        "\\PC{0,40}",
    ]
}

fn filter() -> impl Strategy<Value = Option<Filter>> {
    prop::option::of(
        (
            prop_oneof![Just("include"), Just("exclude"), Just("")],
            rule(),
        )
            .prop_map(|(mode, rule)| Filter {
                mode: mode.to_string(),
                rule,
            }),
    )
}

fn guests() -> impl Strategy<Value = Option<GuestsOrExternal>> {
    prop::option::of((tokens(), any::<bool>(), tokens()).prop_map(
        |(types, all_tenants, tenants)| GuestsOrExternal {
            types,
            all_tenants,
            tenants,
        },
    ))
}

fn users() -> impl Strategy<Value = Option<Users>> {
    prop::option::of(
        (
            tokens(),
            tokens(),
            tokens(),
            tokens(),
            tokens(),
            tokens(),
            guests(),
            guests(),
        )
            .prop_map(|(iu, eu, ig, eg, ir, er, gi, ge)| Users {
                include_users: iu,
                exclude_users: eu,
                include_groups: ig,
                exclude_groups: eg,
                include_roles: ir,
                exclude_roles: er,
                include_guests: gi,
                exclude_guests: ge,
            }),
    )
}

fn include_exclude() -> impl Strategy<Value = Option<IncludeExclude>> {
    prop::option::of(
        (tokens(), tokens()).prop_map(|(include, exclude)| IncludeExclude { include, exclude }),
    )
}

fn conditions() -> impl Strategy<Value = Conditions> {
    let apps = (tokens(), tokens(), tokens(), tokens(), filter()).prop_map(|(i, e, ua, ctx, f)| {
        Applications {
            include_applications: i,
            exclude_applications: e,
            include_user_actions: ua,
            include_auth_context: ctx,
            application_filter: f,
        }
    });
    let clients =
        prop::option::of(
            (tokens(), tokens(), filter()).prop_map(|(i, e, f)| ClientApplications {
                include_service_principals: i,
                exclude_service_principals: e,
                service_principal_filter: f,
            }),
        );
    let a = (
        users(),
        apps,
        clients,
        tokens(),
        include_exclude(),
        include_exclude(),
        filter(),
    );
    let b = (
        tokens(),
        tokens(),
        tokens(),
        tokens(),
        tokens(),
        any::<bool>(),
        tokens(),
    );
    (a, b).prop_map(
        |((u, ap, ca, cat, pl, lo, df), (sr, ur, spr, ir, tm, agents, unk))| Conditions {
            users: u,
            applications: ap,
            client_applications: ca,
            client_app_types: cat,
            platforms: pl,
            locations: lo,
            device_filter: df,
            sign_in_risk_levels: sr,
            user_risk_levels: ur,
            service_principal_risk_levels: spr,
            insider_risk_levels: ir,
            transfer_methods: tm,
            targets_agents: agents,
            unknown_conditions: unk,
        },
    )
}

fn policy() -> impl Strategy<Value = Policy> {
    (
        "\\PC{0,12}",
        "\\PC{0,12}",
        any::<bool>(),
        conditions(),
        prop::option::of((token(), tokens())),
    )
        .prop_map(|(id, state, deleted, conditions, grant)| Policy {
            id,
            state: PolicyState::parse(&state),
            deleted,
            conditions,
            grant: grant.map(|(operator, built_in)| GrantControls {
                operator,
                built_in,
                ..GrantControls::default()
            }),
            ..Policy::default()
        })
}

fn opt() -> impl Strategy<Value = Option<String>> {
    prop::option::of(token())
}

fn subject() -> impl Strategy<Value = Subject> {
    let kind = prop::sample::select(vec![
        PrincipalKind::User,
        PrincipalKind::ServicePrincipal,
        PrincipalKind::ManagedIdentity,
    ]);
    let who = (
        kind,
        token(),
        token(),
        token(),
        prop::option::of(any::<bool>()),
        opt(),
    );
    let lists = (
        prop::option::of(tokens()),
        prop::option::of(tokens()),
        tokens(),
        tokens(),
        opt(),
        tokens(),
    );
    let net = (
        prop::option::of(prop_oneof![
            any::<[u8; 4]>().prop_map(std::net::IpAddr::from),
            any::<[u8; 16]>().prop_map(std::net::IpAddr::from),
            // Inside the test location, as IPv4, IPv4-mapped IPv6 and IPv6.
            (0u8..=255).prop_map(|b| std::net::IpAddr::from([192, 0, 2, b])),
            (0u8..=255).prop_map(|b| std::net::IpAddr::from([
                0,
                0,
                0,
                0,
                0,
                0xffff,
                0xc000,
                0x0200 | u16::from(b)
            ])),
            any::<u16>().prop_map(|b| std::net::IpAddr::from([0x2001, 0xdb8, b, 0, 0, 0, 0, 1])),
        ]),
        opt(),
        opt(),
        opt(),
        prop::option::of(any::<bool>()),
    );
    let device = (opt(), prop::option::of(any::<bool>()), opt(), opt(), opt()).prop_map(
        |(device_id, is_compliant, trust_type, operating_system, display_name)| DeviceFacts {
            device_id,
            is_compliant,
            trust_type,
            operating_system,
            display_name,
        },
    );
    let risk = (opt(), opt(), opt(), opt(), opt());
    (who, lists, net, device, risk).prop_map(
        |(
            (kind, uid, upn, spid, guest, guest_type),
            (groups, roles, res, names, ua, ctx),
            (ip, country, platform, cat, inter),
            device,
            (sr, ur, spr, ir, flow),
        )| Subject {
            kind,
            user_id: uid,
            user_principal_name: upn,
            service_principal_id: spid,
            guest,
            guest_type,
            groups,
            roles,
            resources: res,
            resource_names: names,
            user_action: ua,
            auth_contexts: ctx,
            ip,
            country,
            platform,
            client_app_type: cat,
            interactive: inter,
            device,
            sign_in_risk: sr,
            user_risk: ur,
            service_principal_risk: spr,
            insider_risk: ir,
            auth_flow: flow,
        },
    )
}

fn log() -> impl Strategy<Value = Option<LogEvidence>> {
    let pairs = || prop::collection::vec((token(), token()), 0..3);
    prop::option::of(
        (
            prop::option::of(token()),
            pairs(),
            pairs(),
            prop::collection::vec(token(), 0..3),
        )
            .prop_map(|(r, i, e, f)| LogEvidence {
                result: r.map(|r| crate::model::PolicyResult::parse(&r)),
                include_rules: i,
                exclude_rules: e,
                satisfied: f,
            }),
    )
}

fn locs() -> NamedLocations {
    NamedLocations::new(vec![ip_loc(
        "1e600000-0000-4000-8000-0000000000e6",
        "v6 office",
        true,
        &["2001:db8::/32", "192.0.2.0/24"],
    )])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn unconfigured_policy_applies_to_every_user(mut s in subject()) {
        s.kind = PrincipalKind::User;
        let p = super::tests::policy("all");
        let e = evaluate(&p, &s, &locs(), None);
        prop_assert_eq!(e.applies, Applies::Yes, "{:#?}", e);
    }

    #[test]
    fn an_excluded_user_never_matches(p in policy(), mut s in subject(), log in log()) {
        s.kind = PrincipalKind::User;
        prop_assume!(!s.user_id.trim().is_empty());
        // The legacy guest special is a value, not a user id.
        prop_assume!(!s.user_id.trim().eq_ignore_ascii_case("GuestsOrExternalUsers"));
        let mut p = p;
        p.conditions.users.get_or_insert_with(Users::default).exclude_users.push(s.user_id.clone());
        let e = evaluate(&p, &s, &locs(), log.as_ref());
        prop_assert_ne!(e.applies, Applies::Yes);
        prop_assert!(matches!(e.outcome(Condition::Users), Some(Outcome::NoMatch(_))), "{:#?}", e);
    }

    #[test]
    fn evaluation_never_panics(ps in prop::collection::vec(policy(), 0..4), s in subject(), log in log()) {
        let evals: Vec<Evaluation> = ps.iter().map(|p| evaluate(p, &s, &locs(), log.as_ref())).collect();
        for e in &evals {
            // Internal consistency: the answer follows from the conditions.
            let no = e.conditions.iter().any(|r| matches!(r.outcome, Outcome::NoMatch(_)));
            prop_assert_eq!(e.applies == Applies::No, no);
            prop_assert_eq!(e.first_reason.is_some(), no);
        }
        let pairs: Vec<(&Policy, &Evaluation)> = ps.iter().zip(evals.iter()).collect();
        let _ = verdict(&pairs, &s);
    }
}
