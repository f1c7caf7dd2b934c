//! The causes of a run ("Blocked sign-ins at a glance", DESIGN.md §2): the accumulator of one
//! (principal, app, failing policy) among the CA failures, its merge, and the finished row.
//! Pure data; the sentences and fixes are `evaluate/story.rs`'s.

use std::collections::BTreeSet;
use std::net::IpAddr;

use super::{Acc, app_key};
use crate::evaluate::{Hit, PolicyRef, Rule};
use crate::model::{EventType, SignIn};

/// Who a cause is about.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub struct Principal {
    pub kind: crate::policy::PrincipalKind,
    pub id: String,
    pub name: String,
}

/// One row of "Blocked sign-ins at a glance" (DESIGN.md §2 "Causes", schema 2 `causes[]`):
/// a (principal, app, failing policy) among the CA failures, with the one change that fixes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Cause {
    pub principal: Principal,
    pub app_id: String,
    pub app_name: String,
    pub policy: Option<PolicyRef>,
    /// Rules that hit these sign-ins, most specific first.
    pub rules: Vec<Rule>,
    pub count: u64,
    /// The cause in one sentence.
    pub cause: String,
    /// The change in a few words (the at-a-glance table); the full text is `fix_text`.
    pub change: String,
    /// The same text as the most specific finding's remediation.
    pub fix_text: String,
    pub fix: Option<crate::policy::fix::Fix>,
}

/// Group key of a cause: principal (kind, id, name), app key, failing policy id.
pub type CauseKey = (crate::policy::PrincipalKind, String, String, String, String);

/// How many addresses a cause keeps for its sentence.
const CAUSE_IPS: usize = 8;

/// The accumulator behind one row of `causes[]`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CauseAcc {
    pub principal: Principal,
    pub app_id: String,
    pub app_name: String,
    pub policy: Option<PolicyRef>,
    pub rules: BTreeSet<Rule>,
    pub count: u64,
    pub non_interactive: u64,
    /// The smallest few client addresses; whether there were more (`more_ips`), not how
    /// many: the sentence says "and others".
    pub ips: BTreeSet<IpAddr>,
    pub more_ips: bool,
    pub error_codes: BTreeSet<i64>,
    /// Addresses of this cause's IP findings (IP001, IP003), for a fix of its own; `None`
    /// once more than `CAUSE_HIT_IPS` were seen.
    pub hit_ips: Option<BTreeSet<IpAddr>>,
}

/// How many error codes a cause keeps (a real cause has one or two).
const CAUSE_CODES: usize = 32;

/// How many IP-finding addresses a cause keeps for its own fix.
const CAUSE_HIT_IPS: usize = 64;

impl CauseAcc {
    pub(super) fn merge(&mut self, o: &CauseAcc) {
        if self.principal.id.is_empty() {
            self.principal.id.clone_from(&o.principal.id);
        }
        self.rules.extend(o.rules.iter().copied());
        self.count += o.count;
        self.non_interactive += o.non_interactive;
        for &ip in &o.ips {
            self.add_ip(ip);
        }
        self.more_ips |= o.more_ips;
        for &c in &o.error_codes {
            self.add_code(c);
        }
        match (&mut self.hit_ips, &o.hit_ips) {
            (Some(a), Some(b)) => {
                a.extend(b.iter().copied());
                if a.len() > CAUSE_HIT_IPS {
                    self.hit_ips = None;
                }
            }
            _ => self.hit_ips = None,
        }
        if self.app_name.is_empty() {
            self.app_name.clone_from(&o.app_name);
        }
    }

    /// Keeps the `CAUSE_CODES` smallest codes (the smallest, so any grouping merges alike).
    fn add_code(&mut self, c: i64) {
        self.error_codes.insert(c);
        if self.error_codes.len() > CAUSE_CODES {
            self.error_codes.pop_last();
        }
    }

    /// Keeps the `CAUSE_IPS` smallest addresses (not the first ones, so that merging in any
    /// grouping gives the same set).
    fn add_ip(&mut self, ip: IpAddr) {
        if self.ips.contains(&ip) {
            return;
        }
        self.ips.insert(ip);
        if self.ips.len() > CAUSE_IPS {
            self.ips.pop_last();
            self.more_ips = true;
        }
    }
}

/// Who signed in, as a cause names them.
pub fn principal_of(s: &SignIn) -> Principal {
    use crate::policy::PrincipalKind;
    let kind = match s.event_type {
        EventType::ServicePrincipal => PrincipalKind::ServicePrincipal,
        EventType::ManagedIdentity => PrincipalKind::ManagedIdentity,
        _ if s.user_id.is_empty()
            && s.user_principal_name.is_empty()
            && !s.service_principal_id.is_empty() =>
        {
            PrincipalKind::ServicePrincipal
        }
        _ => PrincipalKind::User,
    };
    let id = if kind == PrincipalKind::User || s.service_principal_id.is_empty() {
        s.user_id.clone()
    } else {
        s.service_principal_id.clone()
    };
    let name = if kind != PrincipalKind::User && !s.service_principal_name.is_empty() {
        s.service_principal_name.clone()
    } else {
        s.user_label().to_string()
    };
    Principal { kind, id, name }
}

impl Acc {
    /// One count per (principal, app, failing policy) of a CA failure, with every rule that
    /// hit that policy on this sign-in.
    pub(super) fn add_causes(&mut self, s: &SignIn, hits: &[Hit]) {
        let ca: Vec<&Hit> = hits
            .iter()
            .filter(|h| {
                matches!(
                    h.rule,
                    Rule::Ca001
                        | Rule::Ca002
                        | Rule::Ca003
                        | Rule::Ca004
                        | Rule::Ca005
                        | Rule::Ca006
                        | Rule::Ca008
                )
            })
            .collect();
        if ca.is_empty() {
            return;
        }
        let principal = principal_of(s);
        let mut done: Vec<Option<&str>> = Vec::new();
        for h in &ca {
            let pid = h.policy.as_ref().map(|p| p.id.as_str());
            if done.contains(&pid) {
                continue;
            }
            done.push(pid);
            // One row per account as people see it: the same UPN with and without an
            // object id in different records is one principal.
            // Without a policy id (portal CSV) the rule is the only story: a block and a
            // device failure of one account are two rows, not one.
            let key = (
                principal.kind,
                principal.name.to_lowercase(),
                if pid.is_none() {
                    h.rule.id().to_string()
                } else {
                    String::new()
                },
                app_key(s).to_string(),
                pid.unwrap_or_default().to_string(),
            );
            let Some(c) = self.causes.entry(key, || CauseAcc {
                principal: principal.clone(),
                app_id: s.app_id.clone(),
                app_name: s.app_display_name.clone(),
                policy: h.policy.clone(),
                rules: BTreeSet::new(),
                count: 0,
                non_interactive: 0,
                ips: BTreeSet::new(),
                more_ips: false,
                error_codes: BTreeSet::new(),
                hit_ips: Some(BTreeSet::new()),
            }) else {
                continue;
            };
            c.count += 1;
            if c.principal.id.is_empty() {
                c.principal.id.clone_from(&principal.id);
            }
            if s.is_interactive() == Some(false) {
                c.non_interactive += 1;
            }
            for x in hits {
                if x.policy.as_ref().map(|p| p.id.as_str()) == pid {
                    c.rules.insert(x.rule);
                    if let Some(set) = &mut c.hit_ips {
                        set.extend(x.ips.iter().copied());
                        if set.len() > CAUSE_HIT_IPS {
                            c.hit_ips = None;
                        }
                    }
                }
            }
            if let Some(ip) = s.ip_addr {
                c.add_ip(crate::locations::canonical(ip));
            }
            c.add_code(s.error_code);
            if c.app_name.is_empty() && !s.app_display_name.is_empty() {
                c.app_name = s.app_display_name.clone();
            }
        }
    }
}
