//! `casift explain`: the full Conditional Access picture of each matching sign-in, like the
//! portal's tabs (basic info, location, device, authentication details, Conditional Access
//! with the failing policy first, report-only policies apart), then the diagnosis and the
//! fix. JSON here; the text layout in `explain/layout.rs`.

mod layout;
pub mod policies;

pub use layout::{Extra, render_text, render_text_with};

use serde::Serialize;

use super::Redactor;
use super::records::{RecordOut, record};
use crate::analysis::{Acc, Analysis, Collected};
use crate::evaluate::remedy;
use crate::locations::NamedLocations;

#[derive(Serialize)]
pub(crate) struct Diagnosis {
    pub(crate) rule: &'static str,
    pub(crate) kind: &'static str,
    pub(crate) severity: &'static str,
    pub(crate) title: &'static str,
    pub(crate) policy: Option<String>,
    pub(crate) detail: String,
    pub(crate) remediation: String,
    /// With `--policies`: the structured change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) fix: Option<crate::policy::fix::Fix>,
}

#[derive(Serialize)]
struct Explained {
    path: String,
    record: u64,
    line: u64,
    #[serde(flatten)]
    signin: RecordOut,
    diagnosis: Vec<Diagnosis>,
    /// With `--policies`: every policy evaluated for this sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    policy_evaluation: Option<Vec<policies::PolicyEvalOut>>,
}

#[derive(Serialize)]
struct ExplainOut {
    schema_version: u32,
    id: String,
    records_searched: u64,
    sign_ins: Vec<Explained>,
    /// What applies to every sign-in shown (said once, as in the analyze report).
    notes: Vec<String>,
}

pub(crate) fn diagnoses(
    c: &Collected,
    locations: Option<&NamedLocations>,
    r: &Redactor,
    set: Option<&crate::policy::PolicySet>,
) -> Vec<Diagnosis> {
    let mut acc = Acc::new(false);
    acc.add(&c.signin, c.facts, &c.hits);
    c.hits
        .iter()
        .map(|h| {
            let key = (
                h.rule,
                h.policy.as_ref().map(|p| p.id.clone()).unwrap_or_default(),
                crate::analysis::app_key(&c.signin).to_string(),
            );
            let f = acc.findings.get(&key);
            let def = h
                .policy
                .as_ref()
                .and_then(|p| set.and_then(|s| s.get(&p.id)));
            let sugg = f.map(|f| {
                let ips: Vec<_> = f.hit_ips.iter().copied().collect();
                crate::evaluate::suggest::suggest(&ips)
            });
            let remediation = match (f, &sugg) {
                (Some(f), Some(sg)) => remedy::remediation(f, locations, sg, def),
                _ => String::new(),
            };
            let fix = match (f, &sugg, def) {
                (Some(f), Some(sg), Some(d)) => {
                    crate::evaluate::join::fix_for(f, sg, d, locations).map(|x| r.fix(&x))
                }
                _ => None,
            };
            Diagnosis {
                rule: h.rule.id(),
                kind: h.rule.kind(),
                severity: f.map_or(h.rule.severity(), |f| f.severity()).as_str(),
                title: h.rule.title(),
                policy: h.policy.as_ref().map(|p| p.display_name.clone()),
                detail: r.text(h.detail.as_deref().unwrap_or("")).into_owned(),
                remediation: r.text(&remediation).into_owned(),
                fix,
            }
        })
        .collect()
}

pub fn render_json(
    a: &Analysis,
    id: &str,
    locations: Option<&NamedLocations>,
    r: &Redactor,
    set: Option<&crate::policy::PolicySet>,
) -> String {
    let empty = NamedLocations::default();
    let out = ExplainOut {
        schema_version: 1,
        id: id.to_string(),
        records_searched: a.totals.records_read,
        sign_ins: a
            .collected
            .iter()
            .map(|c| Explained {
                path: a.input_label(c.input).to_string(),
                record: c.record,
                line: c.line,
                signin: record(&c.signin, c.facts, &c.hits, r),
                diagnosis: diagnoses(c, locations, r, set),
                policy_evaluation: set.map(|s| {
                    policies::redacted(policies::evaluate(c, s, locations.unwrap_or(&empty)), r)
                }),
            })
            .collect(),
        notes: a.notes.iter().map(|n| r.text(n).into_owned()).collect(),
    };
    let mut s = serde_json::to_string_pretty(&out).unwrap_or_default();
    s.push('\n');
    s
}
