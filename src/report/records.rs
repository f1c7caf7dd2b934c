//! Normalized sign-in records for `casift filter` (JSON lines or CSV with a fixed column
//! order) and for `explain --format json`. Redaction and CSV formula neutralisation apply.

use serde::Serialize;

use super::{Redactor, csv_cell, timestamp};
use crate::evaluate::{Facts, Hit};
use crate::knowledge;
use crate::model::SignIn;

/// One `includeRulesSatisfied` / `excludeRulesSatisfied` entry of the log.
#[derive(Serialize)]
pub struct RuleOut {
    pub condition: String,
    pub rule: String,
}

fn rules_out(rules: &[(String, String)]) -> Vec<RuleOut> {
    rules
        .iter()
        .map(|(c, r)| RuleOut {
            condition: c.clone(),
            rule: r.clone(),
        })
        .collect()
}

#[derive(Serialize)]
pub struct PolicyOut {
    pub id: String,
    pub display_name: String,
    pub result: String,
    pub grant_controls: Vec<String>,
    pub session_controls: Vec<String>,
    pub conditions_satisfied: String,
    pub conditions_not_satisfied: String,
    /// Which include / exclude rule of each condition the log says matched (beta exports).
    pub include_rules_satisfied: Vec<RuleOut>,
    pub exclude_rules_satisfied: Vec<RuleOut>,
}

#[derive(Serialize)]
pub struct RecordOut {
    pub request_id: String,
    pub correlation_id: String,
    pub created: String,
    pub user_principal_name: String,
    pub user_id: String,
    pub user_display_name: String,
    pub app_id: String,
    pub app_display_name: String,
    pub resource_id: String,
    pub resource_display_name: String,
    /// `conditionalAccessAudiences[].applicationId`: what Conditional Access evaluated.
    pub audiences: Vec<String>,
    pub authentication_protocol: String,
    pub original_transfer_method: String,
    pub ip: String,
    pub resource_ip: String,
    pub client_app_used: String,
    pub event_type: &'static str,
    pub interactive: Option<bool>,
    pub status: &'static str,
    pub error_code: i64,
    pub error_name: &'static str,
    pub failure_reason: String,
    pub ca_status: String,
    pub ca_failure: bool,
    pub has_policy_detail: bool,
    pub policies: Vec<PolicyOut>,
    pub device_name: String,
    pub device_os: String,
    pub device_compliant: Option<bool>,
    pub device_managed: Option<bool>,
    pub device_trust_type: String,
    pub country: String,
    pub city: String,
    pub findings: Vec<&'static str>,
}

pub fn record(s: &SignIn, facts: Facts, hits: &[Hit], r: &Redactor) -> RecordOut {
    let v = |x: &str| r.value(x).into_owned();
    let mut findings: Vec<&'static str> = hits.iter().map(|h| h.rule.id()).collect();
    findings.dedup();
    RecordOut {
        request_id: s.request_id.clone(),
        correlation_id: s.correlation_id.clone(),
        created: timestamp(&s.created),
        user_principal_name: v(&s.user_principal_name),
        user_id: v(&s.user_id),
        user_display_name: v(&s.user_display_name),
        app_id: s.app_id.clone(),
        app_display_name: s.app_display_name.clone(),
        resource_id: s.resource_id.clone(),
        resource_display_name: s.resource_display_name.clone(),
        audiences: s.audiences.clone(),
        authentication_protocol: s.authentication_protocol.clone(),
        original_transfer_method: s.original_transfer_method.clone(),
        ip: v(&s.ip),
        resource_ip: v(&s.resource_ip),
        client_app_used: s.client_app_used.clone(),
        event_type: s.event_type.as_str(),
        interactive: s.is_interactive(),
        status: facts.status.as_str(),
        error_code: s.error_code,
        error_name: knowledge::code_name(s.error_code),
        failure_reason: r.text(&s.failure_reason).into_owned(),
        ca_status: s.ca_status.as_str().to_string(),
        ca_failure: facts.ca_failure,
        has_policy_detail: s.has_policy_detail,
        policies: s
            .policies
            .iter()
            .map(|p| PolicyOut {
                id: p.id.clone(),
                display_name: p.display_name.clone(),
                result: p
                    .result
                    .as_ref()
                    .map_or(String::new(), |x| x.as_str().to_string()),
                grant_controls: p.grant_controls.clone(),
                session_controls: p.session_controls.clone(),
                conditions_satisfied: p.conditions_satisfied.clone(),
                conditions_not_satisfied: p.conditions_not_satisfied.clone(),
                include_rules_satisfied: rules_out(&p.include_rules_satisfied),
                exclude_rules_satisfied: rules_out(&p.exclude_rules_satisfied),
            })
            .collect(),
        device_name: v(&s.device.display_name),
        device_os: s.device.operating_system.clone(),
        device_compliant: s.device.is_compliant,
        device_managed: s.device.is_managed,
        device_trust_type: s.device.trust_type.clone(),
        country: s.location.country.clone(),
        city: s.location.city.clone(),
        findings,
    }
}

/// One JSON line.
pub fn write_jsonl(s: &SignIn, facts: Facts, hits: &[Hit], r: &Redactor, out: &mut Vec<u8>) {
    let rec = record(s, facts, hits, r);
    if serde_json::to_writer(&mut *out, &rec).is_ok() {
        out.push(b'\n');
    }
}

pub const CSV_HEADER: &[&str] = &[
    "created",
    "request_id",
    "correlation_id",
    "user_principal_name",
    "user_display_name",
    "user_id",
    "app_display_name",
    "app_id",
    "resource_display_name",
    "ip",
    "resource_ip",
    "client_app_used",
    "event_type",
    "status",
    "error_code",
    "error_name",
    "failure_reason",
    "ca_status",
    "failed_policies",
    "report_only_failed_policies",
    "device_compliant",
    "device_managed",
    "country",
    "findings",
];

/// The header line of the CSV record output.
pub fn csv_header() -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(CSV_HEADER);
    w.into_inner().unwrap_or_default()
}

fn opt(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

/// One CSV row, every cell neutralised against formula injection.
pub fn write_csv(s: &SignIn, facts: Facts, hits: &[Hit], r: &Redactor, out: &mut Vec<u8>) {
    use crate::model::PolicyResult;
    let rec = record(s, facts, hits, r);
    let names = |want: &[PolicyResult]| {
        s.policies
            .iter()
            .filter(|p| p.result.as_ref().is_some_and(|x| want.contains(x)))
            .map(|p| p.display_name.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    };
    let row = [
        rec.created,
        rec.request_id,
        rec.correlation_id,
        rec.user_principal_name,
        rec.user_display_name,
        rec.user_id,
        rec.app_display_name,
        rec.app_id,
        rec.resource_display_name,
        rec.ip,
        rec.resource_ip,
        rec.client_app_used,
        rec.event_type.to_string(),
        rec.status.to_string(),
        rec.error_code.to_string(),
        rec.error_name.to_string(),
        rec.failure_reason,
        rec.ca_status,
        names(&[PolicyResult::Failure]),
        names(&[
            PolicyResult::ReportOnlyFailure,
            PolicyResult::ReportOnlyInterrupted,
        ]),
        opt(rec.device_compliant).to_string(),
        opt(rec.device_managed).to_string(),
        rec.country,
        rec.findings.join(" "),
    ];
    let mut w = csv::Writer::from_writer(&mut *out);
    let _ = w.write_record(row.iter().map(|c| csv_cell(c)));
    let _ = w.flush();
}
