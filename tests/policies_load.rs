//! The policy loader end to end: every shape of the synthetic fixture set
//! (fixtures/policies, written by make_policies.py) gives the same normalized policies, the
//! real j0eyv export loads with exact values, and the `--locations` loader names a policy
//! export as such. Hostile input is in tests/policies_hostile.rs.

mod support;

use std::path::PathBuf;

use casift::locations::{LocationKind, NamedLocations};
use casift::policy::load::{EXTRACTOR_CSV_MISSING, load};
use casift::policy::{Origin, Policy, PolicySet, PolicyState};
use support::{root, samples};

const ADO: &str = "499b84ac-1321-427f-aa17-267ca6975798";
const TRUSTED: &str = "0a1b2c3d-0000-4000-8000-00000000a001";
const BREAK_GLASS: &str = "0b000000-0000-4000-8000-0000000000b1";

fn path(rel: &str) -> PathBuf {
    root().join("fixtures/policies").join(rel)
}

fn read(rel: &str) -> PolicySet {
    load(&[path(rel)]).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The policies without where they came from.
fn bare(set: &PolicySet) -> Vec<Policy> {
    set.policies
        .iter()
        .map(|p| Policy {
            origin: Origin::default(),
            ..p.clone()
        })
        .collect()
}

/// Clears what the Extractor-Suite CSV cannot carry, one entry of its `missing` list at a
/// time; an entry this test does not know fails it, so the list and the test stay in step.
fn erase_missing(p: &mut Policy) {
    for m in EXTRACTOR_CSV_MISSING {
        let c = &mut p.conditions;
        match *m {
            "conditions.users.includeGuestsOrExternalUsers" => {
                if let Some(u) = &mut c.users {
                    u.include_guests = None;
                }
            }
            "conditions.users.excludeGuestsOrExternalUsers" => {
                if let Some(u) = &mut c.users {
                    u.exclude_guests = None;
                }
            }
            "conditions.applications.includeUserActions" => {
                c.applications.include_user_actions.clear()
            }
            "conditions.applications.includeAuthenticationContextClassReferences" => {
                c.applications.include_auth_context.clear()
            }
            "conditions.applications.applicationFilter" => c.applications.application_filter = None,
            "conditions.clientApplications" => c.client_applications = None,
            "conditions.insiderRiskLevels" => c.insider_risk_levels.clear(),
            "conditions.authenticationFlows" => c.transfer_methods.clear(),
            "conditions.agents" => c.targets_agents = false,
            "conditions (others: times, agentContext...)" => c.unknown_conditions.clear(),
            "grantControls.authenticationStrength" => {
                if let Some(g) = &mut p.grant {
                    g.authentication_strength = None;
                }
            }
            "sessionControls.signInFrequency.frequencyInterval" => {
                if let Some(f) = &mut p.session.sign_in_frequency {
                    f.every_time = false;
                }
            }
            // Neither changes a value here: an enabled browser session or app security
            // control is read the same from the CSV.
            "sessionControls.persistentBrowser.isEnabled"
            | "sessionControls.cloudAppSecurity.cloudAppSecurityType" => {}
            "sessionControls (others: continuousAccessEvaluation, secureSignInSession...)" => {
                p.session.other.clear()
            }
            "deletedDateTime" => p.deleted = false,
            "sub-second times" => {
                let whole = |t: &mut Option<chrono::DateTime<chrono::Utc>>| {
                    *t = t.map(|t| chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t));
                };
                whole(&mut p.created);
                whole(&mut p.modified);
            }
            other => panic!("the test does not know the missing entry {other:?}"),
        }
    }
    p.missing.clear();
}

fn expected() -> Vec<Policy> {
    bare(&read("graph_list.json"))
}

#[test]
fn every_json_shape_gives_the_same_policies() {
    let want = expected();
    assert_eq!(want.len(), 7);
    for (rel, shape) in [
        ("graph_pages.json", "graph_list"),
        ("bare_array.json", "bare_array"),
        ("entity", "graph_entity"),
        ("entity.zip", "graph_entity"),
        ("powershell.json", "powershell"),
        ("entra_exporter", "entra_exporter"),
        ("goose", "goose_jsonl"),
    ] {
        let set = read(rel);
        let got = bare(&set);
        assert_eq!(got.len(), want.len(), "{rel}");
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g, w, "{rel}: policy {}", w.display_name);
        }
        assert!(
            set.policies.iter().all(|p| p.origin.shape == shape),
            "{rel}: shapes {:?}",
            set.policies
                .iter()
                .map(|p| p.origin.shape)
                .collect::<Vec<_>>()
        );
        assert!(set.policies.iter().all(|p| p.missing.is_empty()), "{rel}");
    }
}

#[test]
fn the_extractor_csv_gives_the_same_policies_modulo_what_it_cannot_carry() {
    let set = read("extractor.csv");
    assert_eq!(set.inputs.len(), 1);
    assert_eq!(set.inputs[0].shape, "extractor_csv");
    let lossy: Vec<&String> = set.notes.iter().filter(|n| n.contains("lossy")).collect();
    assert_eq!(lossy.len(), 1, "{:?}", set.notes);
    let mut want = expected();
    for (g, w) in set.policies.iter().zip(&mut want) {
        assert_eq!(g.origin.shape, "extractor_csv");
        assert_eq!(g.missing, EXTRACTOR_CSV_MISSING, "{}", g.display_name);
        let mut g = Policy {
            origin: Origin::default(),
            ..g.clone()
        };
        erase_missing(&mut g);
        erase_missing(w);
        assert_eq!(&g, w, "policy {}", w.display_name);
    }
    assert_eq!(set.policies.len(), 7);
}

#[test]
fn fixture_policies_have_the_values_written() {
    let p = expected();
    // 1: block Azure DevOps outside the trusted IP location.
    assert_eq!(p[0].conditions.applications.include_applications, [ADO]);
    let loc = p[0].conditions.locations.as_ref().unwrap();
    assert_eq!(
        (loc.include.as_slice(), loc.exclude.as_slice()),
        (&["All".to_string()][..], &[TRUSTED.to_string()][..])
    );
    assert!(p[0].blocks());
    assert_eq!(
        p[0].modified.unwrap().to_rfc3339(),
        "2026-02-01T08:30:00.123456700+00:00"
    );
    // 2: MFA for everyone but the break-glass group and a partner's direct-connect users.
    let u = p[1].conditions.users.as_ref().unwrap();
    assert_eq!(
        (u.include_users.as_slice(), u.exclude_groups.as_slice()),
        (&["All".to_string()][..], &[BREAK_GLASS.to_string()][..])
    );
    let g = u.exclude_guests.as_ref().unwrap();
    assert_eq!(g.types, ["b2bDirectConnectUser", "otherExternalUser"]);
    assert!(!g.all_tenants);
    assert_eq!(g.tenants, ["0c000000-0000-4000-8000-0000000000c1"]);
    assert!(p[1].grant.as_ref().unwrap().has("mfa"));
    // 3: compliant or hybrid joined Windows, except Cloud PCs.
    assert_eq!(
        p[2].conditions.platforms.as_ref().unwrap().include,
        ["windows"]
    );
    let f = p[2].conditions.device_filter.as_ref().unwrap();
    assert!(f.is_exclude() && f.rule.contains("Cloud PC"));
    let g3 = p[2].grant.as_ref().unwrap();
    assert_eq!(g3.built_in, ["compliantDevice", "domainJoinedDevice"]);
    assert!(g3.is_or());
    // 4: legacy authentication.
    assert_eq!(
        p[3].conditions.client_app_types,
        ["exchangeActiveSync", "other"]
    );
    // 5: device code flow (a flags string split in two).
    assert_eq!(
        p[4].conditions.transfer_methods,
        ["deviceCodeFlow", "authenticationTransfer"]
    );
    // 6: report-only, sign-in risk, a grant control newer than this build kept verbatim.
    assert_eq!(p[5].state, PolicyState::ReportOnly);
    assert_eq!(p[5].conditions.sign_in_risk_levels, ["high", "medium"]);
    assert_eq!(
        p[5].grant.as_ref().unwrap().built_in,
        ["mfa", "riskRemediation"]
    );
    // 7: session only, with an unknown condition.
    assert!(p[6].grant.is_none());
    let sif = p[6].session.sign_in_frequency.as_ref().unwrap();
    assert_eq!(
        (sif.value, sif.unit.as_str(), sif.every_time),
        (Some(8), "hours", false)
    );
    assert_eq!(p[6].session.persistent_browser.as_deref(), Some("never"));
    assert_eq!(p[6].conditions.unknown_conditions, ["times"]);
    for q in &p[..6] {
        assert!(
            q.conditions.unknown_conditions.is_empty(),
            "{}",
            q.display_name
        );
        assert!(q.session.is_empty(), "{}", q.display_name);
    }
    assert!(p.iter().all(|q| !q.deleted && !q.conditions.targets_agents));
}

#[test]
fn named_locations_among_the_policy_files() {
    let entity = read("entity");
    assert_eq!(entity.locations.len(), 1);
    assert_eq!(entity.locations[0].id, TRUSTED);
    assert!(entity.locations[0].trusted);
    let shapes: Vec<(&str, &str)> = entity
        .inputs
        .iter()
        .map(|i| (i.path.rsplit('/').next().unwrap_or(""), i.shape))
        .collect();
    assert!(
        shapes.contains(&("head_office.json", "named_locations")),
        "{shapes:?}"
    );
    let readme = entity
        .inputs
        .iter()
        .find(|i| i.path.ends_with("README.md"))
        .unwrap();
    assert_eq!(readme.shape, "ignored");
    assert!(readme.note.is_some());
    assert_eq!(entity.inputs.len(), 9);

    let ee = read("entra_exporter");
    assert_eq!(ee.locations.len(), 1);
    assert_eq!(ee.locations[0].kind, LocationKind::Ip);
    let c1 = ee
        .inputs
        .iter()
        .find(|i| i.path.ends_with("c1.json"))
        .unwrap();
    assert_eq!(c1.shape, "ignored");

    // Goose drops @odata.type: the kind comes from the keys.
    let goose = read("goose");
    let kinds: Vec<LocationKind> = goose.locations.iter().map(|l| l.kind).collect();
    assert_eq!(kinds, [LocationKind::Ip, LocationKind::Country]);
    assert_eq!(goose.locations[0].ranges.len(), 2);

    let both = load(&[path("graph_list.json"), path("locations.json")]).unwrap();
    assert_eq!((both.policies.len(), both.locations.len()), (7, 2));
    assert_eq!(both.inputs[1].shape, "named_locations");
    assert_eq!(both.inputs[1].locations, 2);
    assert_eq!(both.locations, goose.locations);
    // The same locations through --locations.
    let direct = NamedLocations::load(&[path("locations.json")]).unwrap();
    assert_eq!(direct.locations, both.locations);
    // --locations reads Goose's JSON Lines too.
    let lines =
        NamedLocations::load(&[path("goose/conditionalAccess_namedLocations.json")]).unwrap();
    assert_eq!(lines.locations, both.locations);
}

#[test]
fn the_same_policy_twice_is_kept_once_and_a_different_copy_is_noted() {
    let twice = load(&[path("graph_list.json"), path("bare_array.json")]).unwrap();
    assert_eq!(twice.policies.len(), 7);
    assert!(
        twice
            .policies
            .iter()
            .all(|p| p.origin.path.ends_with("graph_list.json"))
    );
    assert!(
        twice.notes.is_empty() || twice.notes.iter().all(|n| !n.contains("different")),
        "{:?}",
        twice.notes
    );
    assert_eq!(twice.inputs[1].policies, 7);
    assert!(
        twice.inputs[1]
            .note
            .as_deref()
            .unwrap_or("")
            .contains("7 already read")
    );

    let lossy = load(&[path("graph_list.json"), path("extractor.csv")]).unwrap();
    assert_eq!(lossy.policies.len(), 7);
    assert!(lossy.policies.iter().all(|p| p.missing.is_empty()));
    let different: Vec<&String> = lossy
        .notes
        .iter()
        .filter(|n| n.contains("different content"))
        .collect();
    assert_eq!(different.len(), 7, "{:?}", lossy.notes);
    assert!(different[0].contains("graph_list.json") && different[0].contains("extractor.csv"));
}

#[test]
fn the_locations_loader_names_a_policy_export() {
    for rel in [
        "graph_list.json",
        "extractor.csv",
        "powershell.json",
        "entity/policy1.json",
        "goose/conditionalAccess_policies.json",
    ] {
        let e = NamedLocations::load(&[path(rel)]).unwrap_err().to_string();
        assert!(
            e.contains("Conditional Access policy export") && e.contains("--policies"),
            "{rel}: {e}"
        );
        assert!(e.contains(rel), "{rel}: {e}");
    }
}

#[test]
fn real_j0_export_loads() {
    let Some(dir) = samples() else { return };
    let set = load(&[dir.join("ca_policies_graphbeta_utf16")]).unwrap();
    assert_eq!(set.policies.len(), 36);
    assert_eq!(set.inputs.len(), 39);
    assert!(
        set.inputs
            .iter()
            .all(|i| i.shape == "graph_entity" || i.shape == "named_locations")
    );
    let count = |s: PolicyState| set.policies.iter().filter(|p| p.state == s).count();
    assert_eq!(
        (count(PolicyState::Enabled), count(PolicyState::ReportOnly)),
        (31, 5)
    );
    let by_name = |prefix: &str| {
        set.policies
            .iter()
            .find(|p| p.display_name.starts_with(prefix))
            .unwrap_or_else(|| panic!("{prefix} missing"))
    };
    let ca001 = by_name("CA001");
    assert_eq!(ca001.id, "19bbdbd4-d871-4964-a6ef-9b3054b9337c");
    let l = ca001.conditions.locations.as_ref().unwrap();
    assert_eq!(l.include, ["All"]);
    assert_eq!(l.exclude, ["185c993e-10a9-44fa-98d1-230c8f72f497"]);
    assert!(ca001.blocks());
    assert_eq!(
        ca001.created.unwrap().to_rfc3339(),
        "2024-05-24T09:27:52.700981300+00:00"
    );
    assert_eq!(
        by_name("CA002").conditions.client_app_types,
        ["exchangeActiveSync", "other"]
    );
    assert_eq!(
        by_name("CA004").conditions.transfer_methods,
        ["deviceCodeFlow", "authenticationTransfer"]
    );
    let ca100 = by_name("CA100").grant.as_ref().unwrap();
    let strength = ca100.authentication_strength.as_ref().unwrap();
    assert_eq!(
        (strength.id.as_str(), strength.display_name.as_str()),
        (
            "00000000-0000-0000-0000-000000000002",
            "Multifactor authentication"
        )
    );
    assert!(ca100.built_in.is_empty());
    assert_eq!(
        by_name("CA102")
            .session
            .sign_in_frequency
            .as_ref()
            .map(|f| (f.value, f.unit.as_str(), f.every_time)),
        Some((Some(12), "hours", false))
    );
    let ca203 = by_name("CA203").session.sign_in_frequency.as_ref().unwrap();
    assert!(ca203.every_time && ca203.value.is_none());
    assert_eq!(
        by_name("CA103").session.persistent_browser.as_deref(),
        Some("never")
    );
    assert_eq!(
        by_name("CA104").session.other,
        ["continuousAccessEvaluation"]
    );
    assert!(by_name("CA005").session.application_enforced_restrictions);
    assert!(by_name("CA006").grant.is_none());
    assert!(by_name("CA006").created.is_none());
    let guests = by_name("CA401")
        .conditions
        .users
        .as_ref()
        .unwrap()
        .include_guests
        .as_ref()
        .unwrap();
    assert_eq!(guests.types.len(), 5);
    assert!(guests.all_tenants);
    assert_eq!(
        by_name("CA204")
            .conditions
            .platforms
            .as_ref()
            .unwrap()
            .include,
        ["all"]
    );
    // Agent policies target agents; CA503's agentContext is not evaluated.
    for n in ["CA501", "CA502", "CA503", "CA504", "CA505"] {
        assert!(by_name(n).conditions.targets_agents, "{n}");
    }
    assert_eq!(
        by_name("CA503").conditions.unknown_conditions,
        ["agentContext"]
    );
    let others: Vec<&str> = set
        .policies
        .iter()
        .filter(|p| !p.display_name.starts_with("CA5"))
        .filter(|p| p.conditions.targets_agents || !p.conditions.unknown_conditions.is_empty())
        .map(|p| p.display_name.as_str())
        .collect();
    assert!(others.is_empty(), "{others:?}");
    assert!(
        set.policies
            .iter()
            .all(|p| !p.deleted && p.missing.is_empty())
    );
    // The NamedLocations folder.
    let ids: Vec<&str> = set.locations.iter().map(|l| l.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "1cc7e30b-f894-43a2-9da6-30aa7c085dda",
            "185c993e-10a9-44fa-98d1-230c8f72f497",
            "3d46dbda-8382-466a-856d-eb00cbc6b910"
        ]
    );
    assert_eq!(set.locations[1].countries, ["BE", "LU", "NL"]);
    assert_eq!(set.locations[2].kind, LocationKind::CompliantNetwork);
}
