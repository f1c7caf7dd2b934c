//! A record as a Graph beta `signIn` value tree: the 75 portal keys in portal order
//! (FORMATS.md §1.2), nested `status`, `deviceDetail`, `location`, the applied CA policies,
//! network and authentication details. `write.rs` serializes the tree.

use super::pools::{
    DEVICES, MICROSOFT_TENANT_ID, PLACES, POLICIES, TENANT_ID, USER_AGENTS, policy_id,
};
use super::record::Record;

pub enum V {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Arr(Vec<V>),
    Obj(Vec<(&'static str, V)>),
}

fn s(x: &str) -> V {
    V::Str(x.to_string())
}

fn strs(xs: &[&str]) -> V {
    V::Arr(xs.iter().map(|x| s(x)).collect())
}

fn kv(pairs: &[(&str, &str)]) -> V {
    V::Arr(
        pairs
            .iter()
            .map(|(k, v)| V::Obj(vec![("key", s(k)), ("value", s(v))]))
            .collect(),
    )
}

fn policy(r: &Record, index: usize, result: &str) -> V {
    let p = &POLICIES[index];
    let applied = matches!(result, "success" | "failure" | "reportOnlyFailure");
    let (sat, not_sat) = match result {
        "notEnabled" => ("none", "none"),
        _ if applied && r.ip.contains(':') => ("application,users,location", "none"),
        _ if applied => ("application,users", "none"),
        _ if index.is_multiple_of(2) => ("application", "users"),
        _ => ("none", "application"),
    };
    let include = if result == "failure" {
        V::Arr(vec![
            V::Obj(vec![
                ("conditionalAccessCondition", s("application")),
                ("ruleSatisfied", s("appId")),
            ]),
            V::Obj(vec![
                ("conditionalAccessCondition", s("users")),
                ("ruleSatisfied", s("allUsers")),
            ]),
        ])
    } else {
        V::Arr(vec![])
    };
    V::Obj(vec![
        ("id", V::Str(policy_id(index))),
        ("displayName", s(p.name)),
        ("enforcedGrantControls", strs(p.grant)),
        ("enforcedSessionControls", strs(p.session)),
        ("sessionControlsNotSatisfied", V::Arr(vec![])),
        ("result", s(result)),
        ("conditionsSatisfied", s(sat)),
        ("conditionsNotSatisfied", s(not_sat)),
        ("authenticationStrength", V::Null),
        ("includeRulesSatisfied", include),
        ("excludeRulesSatisfied", V::Arr(vec![])),
    ])
}

fn network(ip: &str) -> V {
    let named = |kind: &str, name: &str| {
        V::Obj(vec![
            ("networkType", s(kind)),
            ("networkNames", strs(&[name])),
        ])
    };
    if ip.starts_with("192.0.2.") {
        V::Arr(vec![
            named("namedNetwork", "HQ Berlin"),
            named("trustedNamedLocation", "Corporate egress"),
        ])
    } else if ip.starts_with("198.51.100.") {
        V::Arr(vec![named("namedNetwork", "Branch offices")])
    } else {
        V::Arr(vec![])
    }
}

fn auth_details(r: &Record) -> V {
    let (code, _, _) = r.error;
    let step = |method: &str, detail: &str, ok: bool, result: &str, req: &str| {
        V::Obj(vec![
            ("authenticationStepDateTime", s(&r.created)),
            ("authenticationMethod", s(method)),
            ("authenticationMethodDetail", s(detail)),
            ("succeeded", V::Bool(ok)),
            ("authenticationStepResultDetail", s(result)),
            ("authenticationStepRequirement", s(req)),
        ])
    };
    let mut steps = Vec::new();
    if !r.interactive {
        steps.push(step(
            "Previously satisfied",
            "",
            true,
            "First factor requirement satisfied by claim in the token",
            "Primary authentication",
        ));
    } else if code == 50126 {
        steps.push(step(
            "Password",
            "Password Hash Sync",
            false,
            "Invalid username or password or Invalid on-premise username or password.",
            "Primary authentication",
        ));
    } else {
        steps.push(step(
            "Password",
            "Password Hash Sync",
            true,
            "Correct password",
            "Primary authentication",
        ));
    }
    if r.mfa {
        steps.push(step(
            "Mobile app notification",
            "",
            true,
            "MFA successfully completed",
            "MFA",
        ));
    }
    V::Arr(steps)
}

pub fn to_value(r: &Record) -> V {
    let (code, reason, details) = r.error;
    let (os, browser) = DEVICES[r.agent];
    let (city, state, country, lat, lon) = PLACES[r.place];
    let upn = r.upn();
    let scopes = if r.app.id == super::DEVOPS_APP_ID {
        "[\"vso.code_full\",\"vso.packaging\",\"openid\",\"profile\",\"offline_access\"]"
    } else {
        "[\"openid\",\"profile\",\"offline_access\",\"User.Read\"]"
    };
    let status_details = if details.is_empty() {
        if r.mfa {
            s("MFA requirement satisfied by claim in the token")
        } else {
            V::Null
        }
    } else {
        s(details)
    };
    V::Obj(vec![
        ("id", s(&r.id)),
        ("createdDateTime", s(&r.created)),
        ("userDisplayName", s(&r.user_name)),
        ("userPrincipalName", s(&upn)),
        ("userId", s(&r.user_id)),
        ("appId", s(r.app.id)),
        ("appDisplayName", s(r.app.name)),
        ("ipAddress", s(&r.ip)),
        ("ipAddressFromResourceProvider", V::Null),
        (
            "clientAppUsed",
            s(if r.agent < 4 {
                "Browser"
            } else {
                "Mobile Apps and Desktop clients"
            }),
        ),
        ("userAgent", s(USER_AGENTS[r.agent])),
        ("correlationId", s(&r.correlation_id)),
        ("conditionalAccessStatus", s(r.ca_status)),
        ("originalRequestId", s(&r.original_request_id)),
        ("isInteractive", V::Bool(r.interactive)),
        ("tokenIssuerName", s("")),
        ("tokenIssuerType", s("AzureAD")),
        ("clientCredentialType", s("none")),
        (
            "processingTimeInMilliseconds",
            V::Int(r.processing_ms as i64),
        ),
        ("riskDetail", s("hidden")),
        ("riskLevelAggregated", s("hidden")),
        ("riskLevelDuringSignIn", s("hidden")),
        ("riskState", s("none")),
        ("riskEventTypes_v2", V::Arr(vec![])),
        ("resourceDisplayName", s(r.app.resource)),
        ("resourceId", s(r.app.resource_id)),
        ("resourceTenantId", s(TENANT_ID)),
        ("homeTenantId", s(TENANT_ID)),
        ("homeTenantName", s("Contoso Example")),
        (
            "authenticationMethodsUsed",
            if r.mfa {
                strs(&["Password", "Mobile app notification"])
            } else {
                strs(&["Password"])
            },
        ),
        (
            "authenticationRequirement",
            s(if r.mfa {
                "multiFactorAuthentication"
            } else {
                "singleFactorAuthentication"
            }),
        ),
        ("signInIdentifier", s(&upn)),
        ("signInIdentifierType", s("userPrincipalName")),
        ("servicePrincipalName", s("")),
        (
            "signInEventTypes",
            strs(&[if r.interactive {
                "interactiveUser"
            } else {
                "nonInteractiveUser"
            }]),
        ),
        (
            "servicePrincipalId",
            s("00000000-0000-0000-0000-000000000000"),
        ),
        ("federatedCredentialId", s("")),
        ("userType", s(if r.guest { "guest" } else { "member" })),
        ("flaggedForReview", V::Bool(false)),
        ("isTenantRestricted", V::Bool(false)),
        ("autonomousSystemNumber", V::Int(r.asn as i64)),
        (
            "crossTenantAccessType",
            s(if r.guest { "b2bCollaboration" } else { "none" }),
        ),
        ("servicePrincipalCredentialKeyId", s("")),
        ("servicePrincipalCredentialThumbprint", s("")),
        ("uniqueTokenIdentifier", s(&r.token_id)),
        (
            "incomingTokenType",
            s(if r.interactive {
                "none"
            } else {
                "primaryRefreshToken"
            }),
        ),
        (
            "authenticationProtocol",
            s(if r.interactive { "none" } else { "oAuth2" }),
        ),
        (
            "resourceServicePrincipalId",
            V::Str(super::guid_from(
                super::mix(r.app.resource_id.len() as u64),
                0x5e,
            )),
        ),
        (
            "signInTokenProtectionStatus",
            s(if r.managed { "bound" } else { "unbound" }),
        ),
        ("originalTransferMethod", s("none")),
        ("isThroughGlobalSecureAccess", V::Bool(false)),
        ("globalSecureAccessIpAddress", s("")),
        ("conditionalAccessAudiences", strs(&[r.app.resource_id])),
        ("sessionId", s(&r.session_id)),
        ("clientSessionId", s("")),
        ("appOwnerTenantId", s(MICROSOFT_TENANT_ID)),
        ("resourceOwnerTenantId", s(MICROSOFT_TENANT_ID)),
        (
            "mfaDetail",
            if r.mfa {
                V::Obj(vec![
                    ("authMethod", s("Mobile app notification")),
                    ("authDetail", V::Null),
                ])
            } else {
                V::Null
            },
        ),
        ("authenticationAppDeviceDetails", V::Null),
        (
            "agent",
            V::Obj(vec![("agentType", s("notAgentic")), ("parentAppId", s(""))]),
        ),
        (
            "status",
            V::Obj(vec![
                ("errorCode", V::Int(code)),
                ("failureReason", s(reason)),
                ("additionalDetails", status_details),
            ]),
        ),
        (
            "deviceDetail",
            V::Obj(vec![
                ("deviceId", s(&r.device_id)),
                (
                    "displayName",
                    s(if r.device_id.is_empty() {
                        ""
                    } else {
                        "DESKTOP-EX4MPLE"
                    }),
                ),
                ("operatingSystem", s(os)),
                ("browser", s(browser)),
                ("isCompliant", V::Bool(r.compliant)),
                ("isManaged", V::Bool(r.managed)),
                (
                    "trustType",
                    if r.managed {
                        s("Azure AD joined")
                    } else {
                        V::Null
                    },
                ),
            ]),
        ),
        (
            "location",
            V::Obj(vec![
                ("city", s(city)),
                ("state", s(state)),
                ("countryOrRegion", s(country)),
                (
                    "geoCoordinates",
                    V::Obj(vec![
                        ("altitude", V::Null),
                        ("latitude", V::Float(lat)),
                        ("longitude", V::Float(lon)),
                    ]),
                ),
            ]),
        ),
        (
            "appliedConditionalAccessPolicies",
            V::Arr(
                r.policies
                    .iter()
                    .map(|a| policy(r, a.index, a.result))
                    .collect(),
            ),
        ),
        ("authenticationContextClassReferences", V::Arr(vec![])),
        (
            "authenticationProcessingDetails",
            kv(&[
                ("Legacy TLS (TLS 1.0, 1.1, 3DES)", "False"),
                ("Oauth Scope Info", scopes),
                ("Is CAE Token", if r.interactive { "False" } else { "True" }),
            ]),
        ),
        ("networkLocationDetails", network(&r.ip)),
        ("authenticationDetails", auth_details(r)),
        ("authenticationRequirementPolicies", V::Arr(vec![])),
        ("sessionLifetimePolicies", V::Arr(vec![])),
        (
            "privateLinkDetails",
            V::Obj(vec![
                ("policyId", s("")),
                ("policyName", s("")),
                ("resourceId", s("")),
                ("policyTenantId", s("")),
            ]),
        ),
        ("appliedEventListeners", V::Arr(vec![])),
        ("authenticationAppPolicyEvaluationDetails", V::Arr(vec![])),
        (
            "managedServiceIdentity",
            V::Obj(vec![
                ("msiType", s("none")),
                ("associatedResourceId", V::Null),
                ("federatedTokenId", V::Null),
                ("federatedTokenIssuer", V::Null),
            ]),
        ),
        (
            "tokenProtectionStatusDetails",
            V::Obj(vec![
                (
                    "signInSessionStatus",
                    s(if r.managed { "bound" } else { "unbound" }),
                ),
                (
                    "signInSessionStatusCode",
                    V::Int(if r.managed { 0 } else { 1002 }),
                ),
            ]),
        ),
    ])
}
