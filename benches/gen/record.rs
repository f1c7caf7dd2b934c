//! One synthetic sign-in: the value pools and the rules that keep a record consistent.
//!
//! Error codes decide which Conditional Access policies fail (53003 a Block policy, 53000 a
//! compliant-device policy, some 50074/50076 an MFA policy), and `conditionalAccessStatus`
//! follows from the enabled policies' results, as in real exports.

use super::pools::{
    APPS, App, DEVOPS_APP_ID, ERRORS, FIRST, LAST, PLACES, POLICIES, Policy, QUERY_WEEK,
    SPAN_SECONDS,
    State::{Disabled, Enabled, ReportOnly},
    USER_AGENTS, USERS,
};
use super::{Expected, Rng, guid_from, mix};

pub struct AppliedPolicy {
    pub index: usize,
    pub result: &'static str,
}

pub struct Record {
    pub id: String,
    pub created: String,
    pub user: u64,
    pub user_name: String,
    pub user_id: String,
    pub app: &'static App,
    pub ip: String,
    pub agent: usize,
    pub correlation_id: String,
    pub original_request_id: String,
    pub session_id: String,
    pub token_id: String,
    pub ca_status: &'static str,
    pub interactive: bool,
    pub processing_ms: u64,
    pub error: (i64, &'static str, &'static str),
    pub device_id: String,
    pub compliant: bool,
    pub managed: bool,
    pub place: usize,
    pub asn: u64,
    pub policies: Vec<AppliedPolicy>,
    pub mfa: bool,
    pub guest: bool,
    /// This record writes `/` as `\/` in its JSON (some exporters do).
    pub escape_slashes: bool,
}

fn timestamp(offset: u64) -> String {
    let (day, rest) = (offset / 86_400, offset % 86_400);
    format!(
        "2026-10-{:02}T{:02}:{:02}:{:02}Z",
        day + 1,
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

fn ip_for(rng: &mut Rng, user: u64) -> String {
    // Most sign-ins come from the user's usual address; the rest roam.
    let key = if rng.chance(700) {
        mix(user)
    } else {
        rng.next_u64()
    };
    if key % 5 == 0 {
        format!(
            "2001:db8:{:x}:{:x}::{:x}",
            // Non-zero groups, so the text is already the canonical (RFC 5952) form.
            (key >> 8) % 15 + 1,
            (key >> 12) % 3 + 1,
            (key >> 16) % 20 + 1
        )
    } else {
        let net = ["192.0.2", "198.51.100", "203.0.113"][(key >> 8) as usize % 3];
        format!("{net}.{}", (key >> 16) % 254 + 1)
    }
}

/// Result of a policy that is in the list but did not decide the outcome.
fn bystander(rng: &mut Rng, p: &Policy, error: i64) -> &'static str {
    match p.state {
        Disabled => "notEnabled",
        ReportOnly => {
            if rng.chance(250) {
                "reportOnlyFailure"
            } else {
                "reportOnlyNotApplied"
            }
        }
        // Before the first factor succeeds, CA is not evaluated at all.
        Enabled if matches!(error, 50126 | 50089 | 50140) => "notApplied",
        Enabled if p.grant.contains(&"Block") => "notApplied",
        Enabled if rng.chance(450) => "success",
        Enabled => "notApplied",
    }
}

/// Marks one enabled policy granting `control` as failed, adding one if none is listed.
fn fail_one(rng: &mut Rng, applied: &mut Vec<AppliedPolicy>, control: &str) {
    let matches = |i: usize| POLICIES[i].state == Enabled && POLICIES[i].grant.contains(&control);
    if let Some(a) = applied.iter_mut().find(|a| matches(a.index)) {
        a.result = "failure";
        return;
    }
    let candidates: Vec<usize> = (0..POLICIES.len()).filter(|&i| matches(i)).collect();
    let index = *rng.pick(&candidates);
    applied.push(AppliedPolicy {
        index,
        result: "failure",
    });
    applied.sort_by_key(|a| a.index);
}

fn policies_for(rng: &mut Rng, error: i64) -> Vec<AppliedPolicy> {
    // 3 to 8 policies, fewer more often (a mean of about 4).
    let count = 3 + rng.index(6).min(rng.index(6)).min(rng.index(6));
    let mut chosen: Vec<usize> = Vec::with_capacity(count);
    while chosen.len() < count {
        let i = rng.index(POLICIES.len());
        if !chosen.contains(&i) {
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    let mut applied: Vec<AppliedPolicy> = chosen
        .into_iter()
        .map(|index| AppliedPolicy {
            index,
            result: bystander(rng, &POLICIES[index], error),
        })
        .collect();
    match error {
        53003 => {
            fail_one(rng, &mut applied, "Block");
            if rng.chance(150) {
                fail_one(rng, &mut applied, "Mfa");
            }
        }
        53000 => fail_one(rng, &mut applied, "RequireCompliantDevice"),
        50074 | 50076 if rng.chance(500) => fail_one(rng, &mut applied, "Mfa"),
        _ => {}
    }
    applied
}

pub fn generate(rng: &mut Rng, i: usize, records: usize) -> Record {
    // Newest first, like the portal: offsets fall from the end of the span.
    let step = SPAN_SECONDS as f64 / records as f64;
    let offset = SPAN_SECONDS - 1 - ((i as f64 + 0.5) * step) as u64;
    let user = if rng.chance(300) {
        rng.below(USERS / 10) + 1
    } else {
        rng.below(USERS) + 1
    };
    let app = rng.weighted(&APPS);
    let error = *rng.weighted(&ERRORS);
    let policies = policies_for(rng, error.0);
    let enabled = |r: &str| {
        policies
            .iter()
            .any(|a| POLICIES[a.index].state == Enabled && a.result == r)
    };
    let ca_status = if enabled("failure") {
        "failure"
    } else if enabled("success") {
        "success"
    } else {
        "notApplied"
    };
    let u = mix(user);
    let name = format!(
        "{} {}",
        FIRST[(u % 20) as usize],
        LAST[(u >> 8) as usize % 25]
    );
    Record {
        // `mix` is a bijection, so request ids are unique.
        id: guid_from(rng.next_u64(), mix(i as u64)),
        created: timestamp(offset),
        user,
        user_name: name,
        user_id: guid_from(u, mix(u)),
        app,
        ip: ip_for(rng, user),
        agent: if app.id == DEVOPS_APP_ID && rng.chance(400) {
            4
        } else {
            (u >> 20) as usize % USER_AGENTS.len()
        },
        correlation_id: rng.guid(),
        original_request_id: rng.guid(),
        session_id: guid_from(mix(u ^ (offset / 86_400)), u),
        token_id: format!("{:016x}{:06x}", rng.next_u64(), rng.below(1 << 24)),
        ca_status,
        interactive: rng.chance(600),
        processing_ms: 20 + rng.below(400),
        error,
        device_id: if u.is_multiple_of(3) {
            String::new()
        } else {
            guid_from(mix(u + 7), u)
        },
        compliant: u % 3 == 1,
        managed: !u.is_multiple_of(3),
        place: (mix(u ^ 0x71ace) % PLACES.len() as u64) as usize,
        asn: [8075, 3320, 1136, 2914, 13335][(u >> 5) as usize % 5],
        policies,
        mfa: error.0 == 0 && rng.chance(400),
        guest: u.is_multiple_of(50),
        escape_slashes: rng.chance(100),
    }
}

impl Record {
    pub fn upn(&self) -> String {
        format!("user{:04}@example.com", self.user)
    }

    /// Counts this record into the query's expected answer.
    pub fn tally(&self, e: &mut Expected) {
        let in_week = self.created.as_str() >= QUERY_WEEK.0 && self.created.as_str() < QUERY_WEEK.1;
        let failed: Vec<&AppliedPolicy> = self
            .policies
            .iter()
            .filter(|a| a.result == "failure")
            .collect();
        if self.app.id != DEVOPS_APP_ID
            || !in_week
            || (self.ca_status != "failure" && failed.is_empty())
        {
            return;
        }
        e.total += 1;
        *e.by_ip.entry(self.ip.clone()).or_default() += 1;
        for a in failed {
            *e.by_policy
                .entry(POLICIES[a.index].name.to_string())
                .or_default() += 1;
        }
    }
}
