//! Normalization of one policy: flags, null vs empty, PascalCase and `AdditionalProperties`,
//! unknown keys and values, agents, dates, grant and session controls, error messages.

use super::{err, one, policy_json, set};
use crate::policy::PolicyState;

#[test]
fn flags_strings_and_arrays_are_split_and_trimmed() {
    let p = one(
        r#""conditions":{"authenticationFlows":{"transferMethods":" deviceCodeFlow , authenticationTransfer"},
        "insiderRiskLevels":"minor,elevated","users":{"includeUsers":["All"],
        "includeGuestsOrExternalUsers":{"guestOrExternalUserTypes":["internalGuest,serviceProvider","b2bCollaborationGuest"]}}}"#,
    );
    let c = &p.conditions;
    assert_eq!(
        c.transfer_methods,
        ["deviceCodeFlow", "authenticationTransfer"]
    );
    assert_eq!(c.insider_risk_levels, ["minor", "elevated"]);
    let g = c.users.as_ref().unwrap().include_guests.as_ref().unwrap();
    assert_eq!(
        g.types,
        ["internalGuest", "serviceProvider", "b2bCollaborationGuest"]
    );
    // No externalTenants: all tenants.
    assert!(g.all_tenants && g.tenants.is_empty());
}

#[test]
fn null_empty_and_missing_are_not_configured() {
    let p = one(
        r#""conditions":{"clientAppTypes":[],"platforms":null,"locations":{"includeLocations":[],"excludeLocations":[]},
        "devices":{"deviceFilter":{"mode":"exclude","rule":""},"includeDevices":[]},"times":null,
        "deviceStates":{"includeStates":[],"excludeStates":null},"users":{"includeUsers":[]},
        "applications":{"includeApplications":["All"],"applicationFilter":{"mode":null,"rule":null}}},
        "grantControls":{"operator":"OR","builtInControls":[],"authenticationStrength":null},
        "sessionControls":{"persistentBrowser":{"mode":"always","isEnabled":false},
        "secureSignInSession":{"isEnabled":false},"signInFrequency":{"value":null,"type":null,"isEnabled":null}}"#,
    );
    let c = &p.conditions;
    // `clientAppTypes: []` stays empty (= all client apps).
    assert!(c.client_app_types.is_empty());
    assert!(c.platforms.is_none() && c.locations.is_none() && c.device_filter.is_none());
    assert!(c.users.is_none());
    assert!(c.applications.application_filter.is_none());
    assert!(
        c.unknown_conditions.is_empty(),
        "{:?}",
        c.unknown_conditions
    );
    // An operator with no control: a session-only policy.
    assert!(p.grant.is_none());
    assert!(p.session.is_empty(), "{:?}", p.session);
}

#[test]
fn powershell_pascal_case_with_additional_properties_and_objects_of_nulls() {
    let ps = r#"{"Id":"p1","DisplayName":"PS","State":"enabledForReportingButNotEnforced",
        "CreatedDateTime":"\/Date(1767607200000)\/","ModifiedDateTime":"2026-01-05T10:00:00.5",
        "Conditions":{"Users":{"IncludeUsers":["All"],"ExcludeGroups":["g1"],
            "ExcludeGuestsOrExternalUsers":{"GuestOrExternalUserTypes":"otherExternalUser",
              "ExternalTenants":{"MembershipKind":"enumerated","AdditionalProperties":{"members":["t1"]}},
              "AdditionalProperties":{}},
            "IncludeGuestsOrExternalUsers":{"GuestOrExternalUserTypes":null,"ExternalTenants":{"MembershipKind":null,"AdditionalProperties":{}},"AdditionalProperties":{}},
            "AdditionalProperties":{}},
          "Applications":{"IncludeApplications":["All"],"ApplicationFilter":{"Mode":null,"Rule":null,"AdditionalProperties":{}}},
          "ClientAppTypes":["all"],
          "Platforms":{"IncludePlatforms":null,"ExcludePlatforms":null,"AdditionalProperties":{}},
          "Devices":{"DeviceFilter":{"Mode":"exclude","Rule":"device.isCompliant -eq True","AdditionalProperties":{}}},
          "ClientApplications":{"IncludeServicePrincipals":null,"ServicePrincipalFilter":{"Mode":null,"Rule":null}},
          "AdditionalProperties":{"authenticationFlows":{"transferMethods":"deviceCodeFlow"},"times":{"allDay":true}}},
        "GrantControls":{"Operator":"OR","BuiltInControls":["block"],"CustomAuthenticationFactors":[],"TermsOfUse":[],
          "AuthenticationStrength":{"Id":null,"DisplayName":null,"AllowedCombinations":null}},
        "SessionControls":{"SignInFrequency":{"Value":null,"Type":null,"IsEnabled":null,"FrequencyInterval":null},
          "PersistentBrowser":{"IsEnabled":null,"Mode":null},"DisableResilienceDefaults":null,"AdditionalProperties":{}}}"#;
    let s = set(ps);
    assert_eq!(s.inputs[0].shape, "powershell");
    let p = &s.policies[0];
    assert_eq!(p.state, PolicyState::ReportOnly);
    assert_eq!(p.created.unwrap().to_rfc3339(), "2026-01-05T10:00:00+00:00");
    assert_eq!(
        p.modified.unwrap().to_rfc3339(),
        "2026-01-05T10:00:00.500+00:00"
    );
    let u = p.conditions.users.as_ref().unwrap();
    assert_eq!(u.exclude_groups, ["g1"]);
    assert!(u.include_guests.is_none());
    let g = u.exclude_guests.as_ref().unwrap();
    assert_eq!(
        (g.types.as_slice(), g.all_tenants, g.tenants.as_slice()),
        (
            &["otherExternalUser".to_string()][..],
            false,
            &["t1".to_string()][..]
        )
    );
    assert!(p.conditions.platforms.is_none() && p.conditions.client_applications.is_none());
    assert_eq!(p.conditions.device_filter.as_ref().unwrap().mode, "exclude");
    assert_eq!(p.conditions.transfer_methods, ["deviceCodeFlow"]);
    assert_eq!(p.conditions.unknown_conditions, ["times"]);
    let grant = p.grant.as_ref().unwrap();
    assert_eq!(grant.built_in, ["block"]);
    assert!(grant.authentication_strength.is_none());
    assert!(p.session.is_empty());
}

#[test]
fn unknown_condition_keys_are_kept_when_configured() {
    let p = one(
        r#""conditions":{"users":{"includeUsers":["All"],"includeExternalTenantUsers":["x"],"futureNull":null},
        "applications":{"includeApplications":["All"],"networkAccess":null,"globalSecureAccess":{"x":1}},
        "devices":{"includeDeviceStates":["compliant"]},
        "times":{"includeDays":{"daysOfWeek":["monday"]}},"clients":null,"signInRiskDetections":[],
        "deviceRiskLevels":"high","Zeta":{"a":{"b":false}}}"#,
    );
    assert_eq!(
        p.conditions.unknown_conditions,
        [
            "applications.globalSecureAccess",
            "deviceRiskLevels",
            "devices.includeDeviceStates",
            "times",
            "users.includeExternalTenantUsers"
        ]
    );
}

#[test]
fn agent_conditions_target_agents_only_when_they_include() {
    for (conditions, agents) in [
        (
            r#""agents":{"includeAgentUsers":["All"],"excludeAgentUsers":[]}"#,
            true,
        ),
        (
            r#""agents":{"includeAgentUsers":[],"excludeAgentUsers":["a"]}"#,
            false,
        ),
        (
            r#""agents":{"includeAgentUsers":[],"agentFilter":null}"#,
            false,
        ),
        (r#""agentIdRiskLevels":"medium,high""#, true),
        (
            r#""clientApplications":{"includeServicePrincipals":[],"includeAgentIdServicePrincipals":["All"]}"#,
            true,
        ),
        (
            r#""agentContext":{"includeAgentContexts":["agentUserSessionsInitiatedFromEndpoints"]}"#,
            true,
        ),
        (
            r#""clientApplications":{"includeServicePrincipals":["ServicePrincipalsInMyTenant"]}"#,
            false,
        ),
    ] {
        let p = one(&format!(
            r#""conditions":{{"users":{{"includeUsers":["None"]}},{conditions}}}"#
        ));
        assert_eq!(p.conditions.targets_agents, agents, "{conditions}");
    }
    let wl = one(
        r#""conditions":{"clientApplications":{"includeServicePrincipals":["ServicePrincipalsInMyTenant"],
        "servicePrincipalFilter":{"mode":"include","rule":"CustomSecurityAttribute.x -eq \"y\""}}}"#,
    );
    let ca = wl.conditions.client_applications.as_ref().unwrap();
    assert_eq!(
        ca.include_service_principals,
        ["ServicePrincipalsInMyTenant"]
    );
    assert!(!ca.service_principal_filter.as_ref().unwrap().is_exclude());
}

#[test]
fn unknown_enum_values_are_kept_verbatim() {
    let p = one(
        r#""state":"someFutureState","conditions":{"clientAppTypes":["all","holographic"],
        "platforms":{"includePlatforms":["all"],"excludePlatforms":["plan9"]},"userRiskLevels":["unknownFutureValue"]},
        "grantControls":{"operator":"XOR","builtInControls":["passkey"]}"#,
    );
    assert_eq!(p.state, PolicyState::Unknown("someFutureState".into()));
    assert_eq!(p.conditions.client_app_types, ["all", "holographic"]);
    assert_eq!(p.conditions.platforms.as_ref().unwrap().exclude, ["plan9"]);
    assert_eq!(p.conditions.user_risk_levels, ["unknownFutureValue"]);
    let g = p.grant.as_ref().unwrap();
    assert_eq!(
        (g.operator.as_str(), g.built_in.as_slice()),
        ("XOR", &["passkey".to_string()][..])
    );
}

#[test]
fn odata_annotations_are_ignored() {
    let p = one(
        r##""conditions":{"@odata.type":"#microsoft.graph.conditionalAccessConditionSet",
        "clientAppTypes@odata.type":"#Collection(microsoft.graph.conditionalAccessClientApp)","clientAppTypes":["all"],
        "applications":{"@odata.type":"#x","includeApplications@odata.type":"#Collection(String)","includeApplications":["All"]}},
        "grantControls":{"@odata.type":"#x","operator":"OR","builtInControls":["mfa"],
        "authenticationStrength@odata.context":"https://graph.microsoft.com/beta/$metadata#x","authenticationStrength":null},
        "sessionControls":{"@odata.type":"#microsoft.graph.conditionalAccessSessionControls"},
        "#microsoft.graph.restore":{"title":"microsoft.graph.restore","target":"x"}"##,
    );
    assert!(p.conditions.unknown_conditions.is_empty());
    assert_eq!(p.grant.as_ref().unwrap().built_in, ["mfa"]);
    assert!(p.session.is_empty());
}

#[test]
fn deleted_and_dates() {
    let p = one(r#""conditions":{},"deletedDateTime":"2025-09-12T17:01:05Z",
        "createdDateTime":"2024-05-24T09:27:52.7009813Z","modifiedDateTime":"2025-05-23T11:31:17+02:00""#);
    assert!(p.deleted);
    assert_eq!(
        p.created.unwrap().to_rfc3339(),
        "2024-05-24T09:27:52.700981300+00:00"
    );
    assert_eq!(
        p.modified.unwrap().to_rfc3339(),
        "2025-05-23T09:31:17+00:00"
    );
    assert!(!one(r#""conditions":{},"deletedDateTime":null"#).deleted);
    let wrapped = one(
        r#""conditions":{},"createdDateTime":{"value":"\/Date(1716542872700)\/","DisplayHint":2,"DateTime":"Friday, May 24, 2024 9:27:52 AM"}"#,
    );
    assert_eq!(
        wrapped.created.unwrap().to_rfc3339(),
        "2024-05-24T09:27:52.700+00:00"
    );
    let e = err(&policy_json(
        r#""conditions":{},"createdDateTime":{"DisplayHint":2}"#,
    ));
    assert!(e.contains("createdDateTime is not a date"), "{e}");
    let e = err(&policy_json(
        r#""conditions":{},"createdDateTime":"yesterday""#,
    ));
    assert!(
        e.contains("createdDateTime") && e.contains("yesterday"),
        "{e}"
    );
    let e = err(&policy_json(
        r#""conditions":{},"modifiedDateTime":"5/24/2024 9:27 AM""#,
    ));
    assert!(e.contains("modifiedDateTime"), "{e}");
}

#[test]
fn grant_controls() {
    let p = one(
        r#""conditions":{},"grantControls":{"operator":"AND","builtInControls":["mfa","compliantDevice"],
        "customAuthenticationFactors":["duo"],"termsOfUse":["tou-1"],
        "authenticationStrength":{"id":"00000000-0000-0000-0000-000000000004","displayName":"Phishing-resistant MFA",
        "allowedCombinations":["fido2"]},"riskRemediationPolicy":{"mode":"x"}}"#,
    );
    let g = p.grant.as_ref().unwrap();
    assert!(!g.is_or());
    // A configured grant key newer than this build becomes a control token.
    assert_eq!(
        g.built_in,
        ["mfa", "compliantDevice", "riskRemediationPolicy"]
    );
    assert_eq!(g.custom_factors, ["duo"]);
    assert_eq!(g.terms_of_use, ["tou-1"]);
    let a = g.authentication_strength.as_ref().unwrap();
    assert_eq!(a.display_name, "Phishing-resistant MFA");
    assert!(
        one(r#""conditions":{},"grantControls":null"#)
            .grant
            .is_none()
    );
}

#[test]
fn session_controls() {
    let p = one(
        r#""conditions":{},"sessionControls":{"signInFrequency":{"value":null,"type":null,
        "authenticationType":"primaryAndSecondaryAuthentication","frequencyInterval":"everyTime","isEnabled":true},
        "persistentBrowser":{"mode":"always","isEnabled":true},"applicationEnforcedRestrictions":{"isEnabled":true},
        "cloudAppSecurity":{"cloudAppSecurityType":"blockDownloads","isEnabled":true},"disableResilienceDefaults":true,
        "continuousAccessEvaluation":{"mode":"strictLocation"},"secureSignInSession":{"isEnabled":true},
        "blockSensitiveActions":null}"#,
    );
    let s = &p.session;
    let f = s.sign_in_frequency.as_ref().unwrap();
    assert!(f.every_time && f.value.is_none());
    assert_eq!(s.persistent_browser.as_deref(), Some("always"));
    assert!(s.application_enforced_restrictions && s.disable_resilience_defaults);
    assert_eq!(s.cloud_app_security.as_deref(), Some("blockDownloads"));
    assert_eq!(
        s.other,
        ["continuousAccessEvaluation", "secureSignInSession"]
    );
    let days = one(
        r#""conditions":{},"sessionControls":{"signInFrequency":{"value":"7","type":"days","isEnabled":true},
        "cloudAppSecurity":{"cloudAppSecurityType":"monitorOnly","isEnabled":false}}"#,
    );
    let f = days.session.sign_in_frequency.as_ref().unwrap();
    assert_eq!(
        (f.value, f.unit.as_str(), f.every_time),
        (Some(7), "days", false)
    );
    assert!(days.session.cloud_app_security.is_none());
    let off = one(
        r#""conditions":{},"sessionControls":{"signInFrequency":{"value":1,"type":"hours","isEnabled":false}}"#,
    );
    assert!(off.session.is_empty());
    let e = err(&policy_json(
        r#""conditions":{},"sessionControls":{"signInFrequency":{"value":-3,"type":"hours"}}"#,
    ));
    assert!(e.contains("sessionControls.signInFrequency.value"), "{e}");
}

#[test]
fn wrong_types_name_the_file_the_policy_and_the_field() {
    let e = err(&format!(
        "[{},{}]",
        policy_json(r#""conditions":{}"#),
        r#"{"id":"p3","displayName":"Block legacy","state":"enabled","conditions":{"users":{"includeUsers":[1,2]}}}"#
    ));
    assert_eq!(
        e,
        r#"t.json: policy #2 ("Block legacy"): conditions.users.includeUsers is not a list of strings: [1,2]"#
    );
    for (extra, want) in [
        (r#""conditions":[]"#, "conditions is not an object"),
        (
            r#""conditions":{"users":"All"}"#,
            "conditions.users is not an object",
        ),
        (
            r#""conditions":{"users":{"includeUsers":"All"}}"#,
            "conditions.users.includeUsers is not a list of strings",
        ),
        (
            r#""conditions":{"clientAppTypes":7}"#,
            "conditions.clientAppTypes is not a list",
        ),
        (
            r#""conditions":{"devices":{"deviceFilter":{"rule":5}}}"#,
            "conditions.devices.deviceFilter.rule is not a string",
        ),
        (
            r#""conditions":{},"grantControls":{"builtInControls":{"a":"b"}}"#,
            "grantControls.builtInControls is not a list",
        ),
        (
            r#""conditions":{},"sessionControls":{"disableResilienceDefaults":"perhaps"}"#,
            "disableResilienceDefaults is not true or false",
        ),
        (
            r#""conditions":{},"sessionControls":true"#,
            "sessionControls is not an object",
        ),
        (
            r#""conditions":{"AdditionalProperties":[1]}"#,
            "conditions.AdditionalProperties is not an object",
        ),
        (
            r#""conditions":{"users":{"includeUsers":"System.String[]"}}"#,
            "-Depth 10",
        ),
        (
            r#""conditions":{"users":{"includeGroups":["System.Collections.Hashtable"]}}"#,
            "-Depth 10",
        ),
        (
            r#""conditions":{"Applications":"Microsoft.Graph.PowerShell.Models.MicrosoftGraphConditionalAccessApplications"}"#,
            "conditions.applications was flattened by ConvertTo-Json",
        ),
    ] {
        let e = err(&policy_json(extra));
        assert!(
            e.starts_with(r#"t.json: policy #1 ("P"): "#) && e.contains(want),
            "{extra}: {e}"
        );
    }
    assert!(err(r#"{"id":"x","conditions":{}}"#).contains("no state"));
    assert!(err(r#"{"state":"enabled","conditions":{}}"#).contains("neither id nor displayName"));
    assert!(err(r#"{"id":"x","state":1,"conditions":{}}"#).contains("state is not a policy state"));
    let e = err(r#"{"id":"x","displayName":7,"state":"enabled","conditions":{}}"#);
    assert!(
        e.contains("policy #1") && e.contains("displayName is not a string"),
        "{e}"
    );
}

#[test]
fn case_insensitive_keys_prefer_the_exact_spelling() {
    let p = one(r#""conditions":{"clientAppTypes":["browser"],"ClientAppTypes":["other"]}"#);
    assert_eq!(p.conditions.client_app_types, ["browser"]);
    let q = one(r#""conditions":{"CLIENTAPPTYPES":["other"]}"#);
    assert_eq!(q.conditions.client_app_types, ["other"]);
}
