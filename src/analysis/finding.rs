//! One finding's accumulator: the hits of one rule on one policy and app, with the bounded
//! lists the report shows (users, IPs, evidence, accounts) and their exact counts, and its
//! merge, which in any grouping equals one pass over the records.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use chrono::{DateTime, Utc};

use super::{
    CappedSet, IpKey, IpText, MAX_EVIDENCE, MAX_EVIDENCE_MORE, MAX_EXAMPLES, MAX_HIT_IPS, MAX_IDS,
    MAX_LISTED,
};
use crate::evaluate::{Hit, PolicyRef, Rule};
use crate::model::SignIn;

/// Group key of a finding: rule, policy id, app key (id, else name).
pub type FindingKey = (Rule, String, String);

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FindingAcc {
    pub rule: Rule,
    pub policy: Option<PolicyRef>,
    pub app_id: String,
    pub app_name: String,
    pub count: u64,
    /// The `MAX_LISTED` smallest (the report's list), with the exact distinct count.
    pub users: CappedSet<String, MAX_LISTED>,
    /// Client IPs, canonical, in numeric order (IPv4, IPv6, then values that are not IPs).
    pub ips: CappedSet<IpText, MAX_LISTED>,
    pub error_codes: CappedSet<i64, MAX_LISTED>,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub examples: Vec<String>,
    /// The `MAX_EVIDENCE` smallest distinct evidence lines (the smallest, not the first:
    /// then merging in any grouping equals one pass over the records; `casift merge`).
    pub evidence: BTreeSet<String>,
    /// Distinct lines beyond `evidence`: `evidence_more.len()`, or more than that when
    /// `evidence_overflow`.
    pub evidence_dropped: u64,
    /// The next `MAX_EVIDENCE_MORE` smallest lines, only counted.
    pub evidence_more: BTreeSet<String>,
    pub evidence_overflow: bool,
    /// Addresses the hits were about (IP001), for the CIDR suggestion.
    /// At most `MAX_HIT_IPS`: beyond, no CIDR is suggested (a subset would be wrong advice).
    pub hit_ips: CappedSet<IpAddr, MAX_HIT_IPS>,
    pub resources: CappedSet<String, MAX_LISTED>,
    pub client_apps: CappedSet<String, MAX_LISTED>,
    pub without_policy_detail: u64,
    pub non_interactive: u64,
    pub interactivity_unknown: u64,
    /// Hits raised without evidence that the policy has a location condition (IP001).
    pub conditional: u64,
    /// Account label → object id of the users or service principals (at most `MAX_IDS`),
    /// for the join's exclusion lists.
    pub accounts: BTreeMap<String, String>,
    /// Labels of the accounts that also signed in interactively somewhere in the input:
    /// people, not service accounts (filled when the run is finished).
    pub people: BTreeSet<String>,
    /// IP002: named locations whose copy in the file the log contradicts (at most 50).
    pub stale_locations: BTreeSet<String>,
}

impl FindingAcc {
    /// The rule's severity, lowered to medium for an IP001 none of whose sign-ins showed
    /// that the failing policy uses a location condition.
    pub fn severity(&self) -> crate::evaluate::Severity {
        if self.rule == Rule::Ip001 && self.conditional >= self.count {
            crate::evaluate::Severity::Medium
        } else {
            self.rule.severity()
        }
    }

    pub(super) fn new(hit: &Hit, s: &SignIn) -> FindingAcc {
        FindingAcc {
            rule: hit.rule,
            policy: hit.policy.clone(),
            app_id: s.app_id.clone(),
            app_name: s.app_display_name.clone(),
            count: 0,
            users: CappedSet::default(),
            ips: CappedSet::default(),
            error_codes: CappedSet::default(),
            first_seen: s.created,
            last_seen: s.created,
            examples: Vec::new(),
            evidence: BTreeSet::new(),
            evidence_dropped: 0,
            evidence_more: BTreeSet::new(),
            evidence_overflow: false,
            hit_ips: CappedSet::default(),
            resources: CappedSet::default(),
            client_apps: CappedSet::default(),
            without_policy_detail: 0,
            non_interactive: 0,
            interactivity_unknown: 0,
            conditional: 0,
            accounts: BTreeMap::new(),
            people: BTreeSet::new(),
            stale_locations: BTreeSet::new(),
        }
    }

    pub(super) fn add(&mut self, hit: &Hit, s: &SignIn) {
        self.count += 1;
        if hit.conditional {
            self.conditional += 1;
        }
        for n in &hit.stale {
            insert_smallest(&mut self.stale_locations, n, MAX_STALE);
        }
        let id = if s.user_id.is_empty() {
            &s.service_principal_id
        } else {
            &s.user_id
        };
        let label = s.user_label();
        if !id.is_empty() && !self.accounts.contains_key(label) {
            add_account(&mut self.accounts, label, id);
        }
        insert_str(&mut self.users, s.user_label());
        if let Some(k) = IpKey::of(&s.ip, s.ip_addr) {
            self.ips.insert_with(&k, || IpText::new(k.clone()));
        }
        self.error_codes.insert(s.error_code);
        self.first_seen = self.first_seen.min(s.created);
        self.last_seen = self.last_seen.max(s.created);
        if self.examples.len() < MAX_EXAMPLES && !s.request_id.is_empty() {
            self.examples.push(s.request_id.clone());
        }
        if let Some(d) = &hit.detail {
            self.add_evidence(d);
        }
        for &ip in &hit.ips {
            self.hit_ips.insert(ip);
        }
        if !s.resource_id.is_empty() || !s.resource_display_name.is_empty() {
            let r = if s.resource_display_name.is_empty() {
                &s.resource_id
            } else {
                &s.resource_display_name
            };
            insert_str(&mut self.resources, r);
        }
        insert_str(&mut self.client_apps, &s.client_app_used);
        if !s.has_policy_detail {
            self.without_policy_detail += 1;
        }
        match s.is_interactive() {
            Some(false) => self.non_interactive += 1,
            None => self.interactivity_unknown += 1,
            Some(true) => {}
        }
        if self.app_name.is_empty() && !s.app_display_name.is_empty() {
            self.app_name = s.app_display_name.clone();
        }
    }

    fn add_evidence(&mut self, d: &str) {
        if self.evidence.contains(d) || self.evidence_more.contains(d) {
            return;
        }
        if self.evidence_overflow && self.evidence_more.last().is_some_and(|l| d > l.as_str()) {
            return;
        }
        self.evidence.insert(d.to_string());
        if self.evidence.len() > MAX_EVIDENCE
            && let Some(last) = self.evidence.pop_last()
        {
            self.evidence_more.insert(last);
            if self.evidence_more.len() > MAX_EVIDENCE_MORE {
                self.evidence_more.pop_last();
                self.evidence_overflow = true;
            }
        }
        self.evidence_dropped = self.evidence_more.len() as u64;
    }

    pub(super) fn merge(&mut self, o: &FindingAcc) {
        self.count += o.count;
        self.users.merge(&o.users);
        self.ips.merge(&o.ips);
        self.error_codes.merge(&o.error_codes);
        self.first_seen = self.first_seen.min(o.first_seen);
        self.last_seen = self.last_seen.max(o.last_seen);
        for e in &o.examples {
            if self.examples.len() < MAX_EXAMPLES {
                self.examples.push(e.clone());
            }
        }
        for e in o.evidence.iter().chain(&o.evidence_more) {
            self.add_evidence(e);
        }
        self.evidence_overflow |= o.evidence_overflow;
        self.hit_ips.merge(&o.hit_ips);
        self.resources.merge(&o.resources);
        self.client_apps.merge(&o.client_apps);
        self.without_policy_detail += o.without_policy_detail;
        self.non_interactive += o.non_interactive;
        self.interactivity_unknown += o.interactivity_unknown;
        self.conditional += o.conditional;
        for n in &o.stale_locations {
            insert_smallest(&mut self.stale_locations, n, MAX_STALE);
        }
        for (label, id) in &o.accounts {
            // In label order: once past the largest label of a full map, so is the rest.
            if beyond_accounts(&self.accounts, label) {
                break;
            }
            if !self.accounts.contains_key(label) {
                add_account(&mut self.accounts, label, id);
            }
        }
        if self.app_name.is_empty() {
            self.app_name.clone_from(&o.app_name);
        }
    }
}

/// How many stale named locations an IP002 finding names.
const MAX_STALE: usize = 50;

/// Adds `v` to a set that keeps its `cap` smallest values.
fn insert_smallest(set: &mut BTreeSet<String>, v: &str, cap: usize) {
    if v.is_empty() || set.contains(v) {
        return;
    }
    if set.len() >= cap && set.last().is_some_and(|l| v > l.as_str()) {
        return;
    }
    set.insert(v.to_string());
    if set.len() > cap {
        set.pop_last();
    }
}

/// Whether `label` is past the largest of a full account map (it would not be kept).
fn beyond_accounts(map: &BTreeMap<String, String>, label: &str) -> bool {
    map.len() >= MAX_IDS
        && map
            .last_key_value()
            .is_some_and(|(l, _)| label > l.as_str())
}

/// Adds an account (label → object id) to a map that keeps the `MAX_IDS` smallest labels.
fn add_account(map: &mut BTreeMap<String, String>, label: &str, id: &str) {
    if beyond_accounts(map, label) {
        return;
    }
    map.insert(label.to_string(), id.to_string());
    if map.len() > MAX_IDS {
        map.pop_last();
    }
}

fn insert_str<const CAP: usize>(set: &mut CappedSet<String, CAP>, v: &str) {
    if !v.is_empty() {
        set.insert_with(v, || v.to_string());
    }
}
