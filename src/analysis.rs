//! What a run found: per-chunk accumulators (findings grouped by rule + policy + app, the
//! summaries, correlation state) with an order-preserving merge, and the final `Analysis`
//! handed to the report writers. Pure data: no threads, no I/O, no formatting.

mod capped;
mod causes;
mod finding;
mod ids;
mod u128set;
mod words;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;

use chrono::{DateTime, Utc};

use crate::evaluate::{Facts, Hit};
use crate::input::{Format, Skip};
use crate::model::{EventType, SignIn, Status};

pub use capped::{CappedMap, CappedSet, fingerprint};
pub use causes::{Cause, CauseAcc, CauseKey, Principal, principal_of};
pub use finding::{FindingAcc, FindingKey};
pub use ids::{DedupKey, FlowSet, IdKey, IdSet, IpKey, IpText, non_ip_note};
pub use words::{counted, was_were};

/// How many example request ids a finding keeps, and evidence lines.
pub const MAX_EXAMPLES: usize = 5;
pub const MAX_EVIDENCE: usize = 10;
/// How many distinct evidence lines beyond the shown ones are counted exactly.
pub const MAX_EVIDENCE_MORE: usize = 100;
/// How many rows "Blocked sign-ins at a glance" keeps (the JSON says how many there were).
pub const MAX_CAUSES: usize = 200;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Tally {
    pub signins: u64,
    pub failures: u64,
    pub interrupted: u64,
    pub ca_failures: u64,
}

impl Tally {
    fn add(&mut self, f: Facts) {
        self.signins += 1;
        match f.status {
            Status::Failure => self.failures += 1,
            Status::Interrupted => self.interrupted += 1,
            Status::Success => {}
        }
        if f.ca_failure {
            self.ca_failures += 1;
        }
    }

    fn merge(&mut self, o: Tally) {
        self.signins += o.signins;
        self.failures += o.failures;
        self.interrupted += o.interrupted;
        self.ca_failures += o.ca_failures;
    }
}

/// How many object ids a finding keeps for its structured fix.
pub const MAX_IDS: usize = 100;
/// How many values of each list a finding keeps (the smallest; every distinct one is counted).
pub const MAX_LISTED: usize = 100;
/// How many distinct blocked addresses a finding keeps for its CIDR suggestion.
pub const MAX_HIT_IPS: usize = 4096;
/// Caps on the distinct keys of the accumulators (DESIGN.md §9): real tenants stay far below
/// them (Entra allows 195 policies); beyond, the smallest keys are kept and all are counted.
pub const MAX_FINDINGS: usize = 10_000;
pub const MAX_CAUSE_KEYS: usize = 50_000;
pub const MAX_POLICY_KEYS: usize = 10_000;
pub const MAX_RESULT_KEYS: usize = 64;
pub const MAX_CODE_KEYS: usize = 10_000;
pub const MAX_USER_KEYS: usize = 100_000;
pub const MAX_APP_KEYS: usize = 10_000;
pub const MAX_IP_KEYS: usize = 100_000;
pub const MAX_HOURS: usize = 100_000;
/// How many named locations an IP's summary row names.
pub const MAX_IP_LOCATIONS: usize = 10;

fn bump<const CAP: usize>(map: &mut CappedMap<String, Tally, CAP>, key: &str, f: Facts) {
    if let Some(t) = map.entry_with(key, || (key.to_string(), Tally::default())) {
        t.add(f);
    }
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PolicyStat {
    pub display_name: String,
    pub results: CappedMap<String, u64, MAX_RESULT_KEYS>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AppStat {
    pub id: String,
    pub display_name: String,
    pub tally: Tally,
}

/// Everything gathered from matched sign-ins; one per chunk, merged in input order.
/// Merging is exact: accumulators of consecutive runs of records, merged in order in any
/// grouping, equal the accumulator of all of them (so a part file can be merged later).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Acc {
    pub totals: Tally,
    pub findings: CappedMap<FindingKey, FindingAcc, MAX_FINDINGS>,
    /// (principal, app, failing policy) among the CA failures.
    pub causes: CappedMap<CauseKey, CauseAcc, MAX_CAUSE_KEYS>,
    pub by_policy: CappedMap<String, PolicyStat, MAX_POLICY_KEYS>,
    pub by_error_code: CappedMap<i64, u64, MAX_CODE_KEYS>,
    pub by_user: CappedMap<String, Tally, MAX_USER_KEYS>,
    /// Accounts with at least one interactive sign-in: people (a service account never
    /// signs in interactively), so fixes never call them service accounts.
    /// Fingerprints of their labels (`fingerprint`): 24 bytes an account, whatever its name.
    pub interactive_users: u128set::U128Set,
    pub by_app: CappedMap<String, AppStat, MAX_APP_KEYS>,
    /// Keyed by the canonical address, so one address spelled two ways is one row, in
    /// numeric order; values that are not IPs come last, as text.
    pub by_ip: CappedMap<IpKey, Tally, MAX_IP_KEYS>,
    /// Hour (Unix seconds of its start) → tally.
    pub timeline: CappedMap<i64, Tally, MAX_HOURS>,
    /// Correlation ids, compared as whole values: these sets feed `abandoned_flows`.
    pub interrupted_flows: FlowSet,
    pub succeeded_flows: FlowSet,
    /// Matched sign-ins with a value in an IP field that is not an IP address.
    pub non_ip_values: u64,
    pub without_policy_detail: u64,
    pub interactivity_unknown: u64,
    pub earliest: Option<DateTime<Utc>>,
    pub latest: Option<DateTime<Utc>>,
    /// First-seen order of people (each with all its names), IPs and devices; only kept
    /// when redacting.
    pub track_order: bool,
    pub people: Vec<Vec<String>>,
    pub ip_order: Vec<String>,
    pub device_order: Vec<String>,
    /// The distinct name tuples of the records, in first-seen order: a merge replays them,
    /// which groups names into people exactly as one pass over the records does (a tuple
    /// seen before changes nothing).
    pub person_tuples: Vec<Vec<String>>,
    #[serde(skip)]
    seen_tuples: HashSet<Vec<String>>,
    #[serde(skip)]
    seen_order: HashMap<String, usize>,
}

impl Acc {
    pub fn new(track_order: bool) -> Acc {
        Acc {
            track_order,
            ..Acc::default()
        }
    }

    pub fn add(&mut self, s: &SignIn, f: Facts, hits: &[Hit]) {
        self.totals.add(f);
        for h in hits {
            let key = (
                h.rule,
                h.policy.as_ref().map(|p| p.id.clone()).unwrap_or_default(),
                app_key(s).to_string(),
            );
            if let Some(fa) = self.findings.entry(key, || FindingAcc::new(h, s)) {
                fa.add(h, s);
            }
        }
        if f.ca_failure {
            self.add_causes(s, hits);
        }
        for p in &s.policies {
            let Some(stat) = self
                .by_policy
                .entry_with(p.id.as_str(), || (p.id.clone(), PolicyStat::default()))
            else {
                continue;
            };
            if stat.display_name.is_empty() {
                stat.display_name.clone_from(&p.display_name);
            }
            let r = p.result.as_ref().map_or("", |r| r.as_str());
            if let Some(c) = stat.results.entry_with(r, || (r.to_string(), 0)) {
                *c += 1;
            }
        }
        if let Some(c) = self.by_error_code.entry(s.error_code, || 0) {
            *c += 1;
        }
        bump(&mut self.by_user, s.user_label(), f);
        if s.is_interactive() == Some(true) && !s.user_label().is_empty() {
            self.interactive_users.insert(fingerprint(s.user_label()));
        }
        let ak = app_key(s);
        let app = self.by_app.entry_with(ak, || {
            let a = AppStat {
                id: s.app_id.clone(),
                display_name: s.app_display_name.clone(),
                tally: Tally::default(),
            };
            (ak.to_string(), a)
        });
        if let Some(a) = app {
            a.tally.add(f);
        }
        if let Some(k) = IpKey::of(&s.ip, s.ip_addr)
            && let Some(t) = self.by_ip.entry(k, Tally::default)
        {
            t.add(f);
        }
        let not_ip = |text: &str, addr: Option<IpAddr>| addr.is_none() && !text.trim().is_empty();
        if not_ip(&s.ip, s.ip_addr) || not_ip(&s.resource_ip, s.resource_ip_addr) {
            self.non_ip_values += 1;
        }
        let hour = s.created.timestamp().div_euclid(3600) * 3600;
        if let Some(t) = self.timeline.entry(hour, Tally::default) {
            t.add(f);
        }
        if !s.correlation_id.is_empty() {
            match f.status {
                Status::Interrupted => self.interrupted_flows.insert(&s.correlation_id),
                Status::Success => self.succeeded_flows.insert(&s.correlation_id),
                Status::Failure => {}
            }
        }
        if !s.has_policy_detail {
            self.without_policy_detail += 1;
        }
        if s.is_interactive().is_none() {
            self.interactivity_unknown += 1;
        }
        self.earliest = Some(self.earliest.map_or(s.created, |e| e.min(s.created)));
        self.latest = Some(self.latest.map_or(s.created, |e| e.max(s.created)));
    }

    /// Registers the people, IPs and devices of a kept record in first-seen order, before
    /// any filter, so a pseudonym means the same in every command and filter.
    pub fn note_order(&mut self, s: &SignIn) {
        if !self.track_order {
            return;
        }
        self.note_tuple(&[
            s.user_label(),
            &s.user_principal_name,
            &s.user_display_name,
            &s.user_id,
            &s.service_principal_name,
            // A workload's object id names it as much as a user's does (causes, fixes).
            &s.service_principal_id,
        ]);
        for ip in [s.ip.as_str(), s.resource_ip.as_str()] {
            self.note_once('i', ip);
        }
        self.note_once('d', &s.device.display_name);
    }

    /// A record's names: grouped into a person unless this exact tuple was seen before
    /// (then it would change nothing).
    fn note_tuple(&mut self, names: &[&str]) {
        let t: Vec<String> = names.iter().map(|n| (*n).to_string()).collect();
        if self.seen_tuples.contains(&t) {
            return;
        }
        self.seen_tuples.insert(t.clone());
        self.note_person(names);
        self.person_tuples.push(t);
    }

    /// Rebuilds the lookup indexes a deserialized accumulator lacks (they are not stored).
    pub fn reindex(&mut self) {
        self.seen_order.clear();
        self.seen_tuples = self.person_tuples.iter().cloned().collect();
        for (i, group) in self.people.iter().enumerate() {
            for n in group {
                self.seen_order.insert(format!("u{n}"), i);
            }
        }
        for (i, v) in self.ip_order.iter().enumerate() {
            self.seen_order.insert(format!("i{v}"), i);
        }
        for (i, v) in self.device_order.iter().enumerate() {
            self.seen_order.insert(format!("d{v}"), i);
        }
    }

    /// Registers a person under its first name seen; its other names share the pseudonym.
    fn note_person(&mut self, names: &[&str]) {
        let Some(first) = names.iter().find(|n| !n.is_empty()) else {
            return;
        };
        let idx = match self.seen_order.get(&format!("u{first}")) {
            Some(&i) => i,
            None => {
                self.people.push(Vec::new());
                self.people.len() - 1
            }
        };
        for n in names {
            if !n.is_empty() && !self.seen_order.contains_key(&format!("u{n}")) {
                self.seen_order.insert(format!("u{n}"), idx);
                self.people[idx].push((*n).to_string());
            }
        }
    }

    fn note_once(&mut self, class: char, v: &str) {
        if v.is_empty() || self.seen_order.contains_key(&format!("{class}{v}")) {
            return;
        }
        let list = if class == 'i' {
            &mut self.ip_order
        } else {
            &mut self.device_order
        };
        list.push(v.to_string());
        self.seen_order
            .insert(format!("{class}{v}"), list.len() - 1);
    }

    /// Merges a later chunk's accumulator into this one (input order matters for examples
    /// and first-seen order). `o` is only read: what is kept is cloned, and `o` is left for
    /// its owner to free (the pipeline hands a worker's back to that worker).
    pub fn merge(&mut self, o: &Acc) {
        self.totals.merge(o.totals);
        self.findings.merge(&o.findings, FindingAcc::merge);
        self.causes.merge(&o.causes, CauseAcc::merge);
        self.by_policy.merge(&o.by_policy, |st, v| {
            if st.display_name.is_empty() {
                st.display_name.clone_from(&v.display_name);
            }
            st.results.merge(&v.results, |a, b| *a += *b);
        });
        self.by_error_code.merge(&o.by_error_code, |a, b| *a += *b);
        self.by_user.merge(&o.by_user, |a, b| a.merge(*b));
        self.interactive_users.extend(&o.interactive_users);
        self.by_app.merge(&o.by_app, |a, b| a.tally.merge(b.tally));
        self.by_ip.merge(&o.by_ip, |a, b| a.merge(*b));
        self.timeline.merge(&o.timeline, |a, b| a.merge(*b));
        self.interrupted_flows.extend(&o.interrupted_flows);
        self.succeeded_flows.extend(&o.succeeded_flows);
        self.non_ip_values += o.non_ip_values;
        self.without_policy_detail += o.without_policy_detail;
        self.interactivity_unknown += o.interactivity_unknown;
        self.earliest = match (self.earliest, o.earliest) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.latest = match (self.latest, o.latest) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if self.track_order {
            for t in &o.person_tuples {
                let names: Vec<&str> = t.iter().map(String::as_str).collect();
                self.note_tuple(&names);
            }
            for ip in &o.ip_order {
                self.note_once('i', ip);
            }
            for d in &o.device_order {
                self.note_once('d', d);
            }
        }
    }

    /// Correlation ids that were interrupted and never reached success.
    pub fn abandoned_flows(&self) -> u64 {
        self.interrupted_flows.count_not_in(&self.succeeded_flows)
    }
}

/// The key an app is grouped under: its id, else its name.
pub fn app_key(s: &SignIn) -> &str {
    if s.app_id.is_empty() {
        &s.app_display_name
    } else {
        &s.app_id
    }
}

/// Per-input accounting.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputReport {
    pub path: String,
    pub format: Format,
    pub records: u64,
    pub skipped: u64,
    pub duplicates: u64,
    pub analysed: u64,
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Totals {
    pub records_read: u64,
    pub records_skipped: u64,
    pub duplicates: u64,
    pub records_kept: u64,
    pub records_matched: u64,
    pub failures: u64,
    pub interrupted: u64,
    pub ca_failures: u64,
    pub abandoned_flows: u64,
}

/// A finished finding, ready to render.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub acc: FindingAcc,
    pub remediation: String,
    /// IP001: the smallest CIDR set covering exactly the blocked addresses.
    pub suggested_cidrs: Vec<String>,
    /// The structured change (with `--policies`, when the policy's definition names it).
    pub fix: Option<crate::policy::fix::Fix>,
}

/// The policy inputs of a run, as the JSON report's `policies` key shows them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PolicySummary {
    pub inputs: Vec<crate::policy::PolicyInput>,
    pub count: u64,
    /// Graph state value → number of policies.
    pub by_state: BTreeMap<String, u64>,
}

impl PolicySummary {
    pub fn of(set: &crate::policy::PolicySet) -> PolicySummary {
        let mut by_state = BTreeMap::new();
        for p in &set.policies {
            *by_state.entry(p.state.as_str().to_string()).or_insert(0) += 1;
        }
        PolicySummary {
            inputs: set.inputs.clone(),
            count: set.policies.len() as u64,
            by_state,
        }
    }
}

/// A per-IP summary row with what the named-locations file says about it.
#[derive(Debug, Clone, PartialEq)]
pub struct IpRow {
    pub ip: String,
    pub tally: Tally,
    /// Names of the named locations holding it (empty when none, or no file).
    /// At most `MAX_IP_LOCATIONS`; `locations_total` counts them all.
    pub locations: Vec<String>,
    pub locations_total: u64,
    /// `None` without a locations file.
    pub trusted: Option<bool>,
}

/// A matched sign-in kept for `explain` (with its position and hits).
#[derive(Debug, Clone)]
pub struct Collected {
    pub input: usize,
    pub record: u64,
    pub line: u64,
    pub signin: SignIn,
    pub facts: Facts,
    pub hits: Vec<Hit>,
}

/// The result of a run, handed to the report writers.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub inputs: Vec<InputReport>,
    pub totals: Totals,
    pub findings: Vec<Finding>,
    /// Ordered by count (most first), at most `MAX_CAUSES`; `causes_total` counts all.
    pub causes: Vec<Cause>,
    pub causes_total: u64,
    /// With `--policies`: what was read (for the report's `policies` key).
    pub policies: Option<PolicySummary>,
    pub acc: Acc,
    pub by_ip: Vec<IpRow>,
    pub skipped: Vec<Skip>,
    pub notes: Vec<String>,
    pub collected: Vec<Collected>,
    pub locations_loaded: bool,
}

impl Analysis {
    pub fn input_label(&self, i: usize) -> &str {
        self.inputs.get(i).map_or("", |r| r.path.as_str())
    }
}

/// The duplicate key of DESIGN §2: (request id, sign-in event type).
pub fn dedup_key(s: &SignIn) -> Option<DedupKey> {
    dedup_key_of(&s.request_id, s.event_type)
}

/// The duplicate key from its parts (also used by the prefilter, before the full decode):
/// the whole id and the event type side by side, never folded together.
pub fn dedup_key_of(request_id: &str, event_type: EventType) -> Option<DedupKey> {
    if request_id.trim().is_empty() {
        return None;
    }
    Some(DedupKey {
        event: event_type,
        id: IdKey::of(request_id),
    })
}
