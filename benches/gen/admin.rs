//! The second record shape: a Graph beta `signIn` as the Entra admin center's JSON download
//! writes it (FORMATS.md §1.2), about 5 KB a record: the same 75 keys in portal order, but
//! `null` where the portal has nothing to say, `mfaDetail` with its method and masked phone,
//! the requirement and session-lifetime policies filled in, the evidence lists mostly empty,
//! and in one record in twenty `mfaDetail` after `location` (the portal's order is not
//! stable). Built by editing the first shape's value tree, so both carry the same facts and
//! the same query answer.

use super::json::V;
use super::record::Record;

/// Keys the admin center writes as `null` when empty (the first shape writes `""`).
const NULL_WHEN_EMPTY: &[&str] = &[
    "tokenIssuerName",
    "servicePrincipalName",
    "federatedCredentialId",
    "servicePrincipalCredentialKeyId",
    "servicePrincipalCredentialThumbprint",
    "globalSecureAccessIpAddress",
    "clientSessionId",
    "resourceDisplayName",
];

fn s(x: &str) -> V {
    V::Str(x.to_string())
}

fn obj(pairs: &[(&'static str, &str)]) -> V {
    V::Obj(pairs.iter().map(|(k, v)| (*k, s(v))).collect())
}

/// The policy object as the admin center writes it: no rule evidence, no session controls
/// unless the policy has them, `authenticationStrength` null.
fn policy(p: V) -> V {
    let V::Obj(fields) = p else { return p };
    V::Obj(
        fields
            .into_iter()
            .map(|(k, v)| match k {
                "includeRulesSatisfied" | "excludeRulesSatisfied" => (k, V::Arr(Vec::new())),
                _ => (k, v),
            })
            .collect(),
    )
}

fn failed(p: &V) -> bool {
    matches!(p, V::Obj(f) if f.iter().any(|(k, v)| *k == "result" && matches!(v, V::Str(t) if t == "failure")))
}

pub fn reshape(value: V, r: &Record) -> V {
    let V::Obj(fields) = value else {
        return value;
    };
    let mut out: Vec<(&'static str, V)> = Vec::with_capacity(fields.len());
    let mut late_mfa = None;
    let move_mfa = r.processing_ms.is_multiple_of(20);
    for (k, v) in fields {
        let v = match (k, v) {
            (k, V::Str(t)) if t.is_empty() && NULL_WHEN_EMPTY.contains(&k) => V::Null,
            ("mfaDetail", _) if r.mfa => obj(&[
                ("authMethod", "Text message"),
                ("authDetail", "+X XXXXXXXX81"),
            ]),
            ("authenticationAppDeviceDetails", _) => V::Null,
            ("agent", _) => V::Null,
            ("privateLinkDetails", _) => V::Null,
            // Three policies, and each further one a time in four (or when it failed: the
            // query counts the failures): 3 to 8, about 3.5 on average.
            ("appliedConditionalAccessPolicies", V::Arr(ps)) => V::Arr(
                ps.into_iter()
                    .enumerate()
                    .filter(|(i, p)| {
                        *i < 3 || failed(p) || super::mix(r.processing_ms + *i as u64).is_multiple_of(4)
                    })
                    .map(|(_, p)| policy(p))
                    .collect(),
            ),
            ("authenticationRequirementPolicies", _) if r.mfa => V::Arr(vec![obj(&[
                ("requirementProvider", "user"),
                ("detail", "Per-user MFA"),
            ])]),
            ("sessionLifetimePolicies", _) if r.mfa => V::Arr(vec![obj(&[
                (
                    "expirationRequirement",
                    "rememberMultifactorAuthenticationOnTrustedDevices",
                ),
                ("detail", "Remember MFA"),
            ])]),
            // The first shape's one-entry authentication list and empty details stay
            // nulls here; only the first step is kept when the token satisfied the rest.
            ("authenticationDetails", V::Arr(steps)) => V::Arr(
                steps
                    .into_iter()
                    .map(|step| match step {
                        V::Obj(f) => V::Obj(
                            f.into_iter()
                                .filter(|(k, _)| *k != "authenticationStepDateTime" || r.mfa)
                                .map(|(k, v)| match v {
                                    V::Str(t) if t.is_empty() => (k, V::Null),
                                    v => (k, v),
                                })
                                .collect(),
                        ),
                        v => v,
                    })
                    .collect(),
            ),
            ("managedServiceIdentity" | "tokenProtectionStatusDetails" | "homeTenantName", _) => {
                V::Null
            }
            ("originalRequestId", _) => s(""),
            // The scopes' JSON text is the first shape's; the admin center's list is shorter.
            ("authenticationProcessingDetails", V::Arr(kv)) => V::Arr(
                kv.into_iter()
                    .filter(|item| {
                        !matches!(item, V::Obj(f) if f.iter().any(|(_, v)| matches!(v, V::Str(t) if t == "Oauth Scope Info")))
                    })
                    .collect(),
            ),
            (_, v) => v,
        };
        if k == "mfaDetail" && move_mfa {
            late_mfa = Some(v);
            continue;
        }
        out.push((k, v));
        if k == "location"
            && let Some(m) = late_mfa.take()
        {
            out.push(("mfaDetail", m));
        }
    }
    V::Obj(out)
}
