//! The `casift lint` report: its JSON wire types (schema_version 2, documented in
//! README-lint), the dispatch to the Markdown, CSV and HTML writers, and the terminal-safety
//! pass every policy-file value goes through before it is shown. Pure: no clock, no I/O
//! besides the writer it is given.
//!
//! Submodules: `text` (the terminal view), `markdown` (the default on a pipe), `html`.

mod html;
mod markdown;
mod text;

use std::io::Write;

use serde::Serialize;

use super::{ReportFormat, csv_cell};
use crate::error::Result;
use crate::policy::lint::{LintFinding, LintResult};
use crate::policy::model::{PolicySet, PolicyState};

pub const SCHEMA_VERSION: u32 = 2;

#[derive(Debug, Serialize)]
pub struct LintReport {
    pub schema_version: u32,
    pub generator: Generator,
    pub policies: PoliciesOut,
    pub break_glass: BreakGlassOut,
    pub findings: Vec<FindingOut>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Generator {
    pub name: &'static str,
    pub version: String,
}

#[derive(Debug, Serialize)]
pub struct PoliciesOut {
    pub inputs: Vec<InputOut>,
    pub count: usize,
    pub by_state: ByState,
}

#[derive(Debug, Serialize)]
pub struct InputOut {
    pub path: String,
    pub shape: &'static str,
    pub policies: usize,
    pub locations: usize,
    pub note: Option<String>,
}

/// Graph's state values as keys.
#[derive(Debug, Serialize, Default)]
pub struct ByState {
    pub enabled: usize,
    #[serde(rename = "enabledForReportingButNotEnforced")]
    pub report_only: usize,
    pub disabled: usize,
}

#[derive(Debug, Serialize)]
pub struct BreakGlassOut {
    pub ids: Vec<String>,
    pub inferred: bool,
    pub why: String,
}

#[derive(Debug, Serialize)]
pub struct FindingOut {
    pub rule: &'static str,
    pub severity: &'static str,
    pub title: String,
    pub policy: Option<PolicyOut>,
    pub detail: String,
    pub remediation: String,
    pub source: &'static str,
}

#[derive(Debug, Serialize)]
pub struct PolicyOut {
    pub id: String,
    pub display_name: String,
}

/// The report of one lint run; `extra_notes` are the run's own (e.g. locations read).
pub fn build(set: &PolicySet, r: &LintResult, version: &str, extra_notes: &[String]) -> LintReport {
    let mut by_state = ByState::default();
    let mut other: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for p in &set.policies {
        match &p.state {
            PolicyState::Enabled => by_state.enabled += 1,
            PolicyState::ReportOnly => by_state.report_only += 1,
            PolicyState::Disabled => by_state.disabled += 1,
            PolicyState::Unknown(s) => *other.entry(s.as_str()).or_default() += 1,
        }
    }
    let mut notes: Vec<String> = set.notes.clone();
    for (state, n) in other {
        notes.push(format!(
            "{n} policy(ies) have the state {state:?}, which this build does not know; they are treated as not enforced"
        ));
    }
    notes.extend(r.notes.iter().cloned());
    notes.extend(extra_notes.iter().cloned());
    LintReport {
        schema_version: SCHEMA_VERSION,
        generator: Generator {
            name: "casift",
            version: version.to_string(),
        },
        policies: PoliciesOut {
            inputs: set
                .inputs
                .iter()
                .map(|i| InputOut {
                    path: i.path.clone(),
                    shape: i.shape,
                    policies: i.policies,
                    locations: i.locations,
                    note: i.note.clone(),
                })
                .collect(),
            count: set.policies.len(),
            by_state,
        },
        break_glass: BreakGlassOut {
            ids: r.break_glass.ids.clone(),
            inferred: r.break_glass.inferred,
            why: r.break_glass.why.clone(),
        },
        findings: r.findings.iter().map(finding).collect(),
        notes,
    }
}

fn finding(f: &LintFinding) -> FindingOut {
    FindingOut {
        rule: f.rule,
        severity: f.severity.as_str(),
        title: f.title.clone(),
        policy: f.policy.as_ref().map(|p| PolicyOut {
            id: p.id.clone(),
            display_name: p.display_name.clone(),
        }),
        detail: f.detail.clone(),
        remediation: f.remediation.clone(),
        source: f.source,
    }
}

pub fn render(format: ReportFormat, rep: &LintReport, w: &mut dyn Write) -> Result<()> {
    let text = match format {
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(rep).map_err(std::io::Error::other)?;
            s.push('\n');
            s
        }
        ReportFormat::Markdown => markdown::render(rep),
        ReportFormat::Text(style) => text::render(rep, style),
        ReportFormat::Csv => csv(rep)?,
        ReportFormat::Html => html::render(rep),
    };
    w.write_all(text.as_bytes())?;
    Ok(())
}

/// One row per finding; every cell neutralised against spreadsheet formulas and made
/// terminal-safe (a CSV on stdout is read in a terminal too).
fn csv(rep: &LintReport) -> Result<String> {
    let mut w = ::csv::Writer::from_writer(Vec::new());
    let row = |w: &mut ::csv::Writer<Vec<u8>>, cells: [&str; 8]| {
        w.write_record(cells.iter().map(|c| csv_cell(&visible(c))))
    };
    row(
        &mut w,
        [
            "rule",
            "severity",
            "title",
            "policy_id",
            "policy_name",
            "detail",
            "remediation",
            "source",
        ],
    )
    .map_err(std::io::Error::other)?;
    for f in &rep.findings {
        let (id, name) = f
            .policy
            .as_ref()
            .map_or(("", ""), |p| (p.id.as_str(), p.display_name.as_str()));
        row(
            &mut w,
            [
                f.rule,
                f.severity,
                &f.title,
                id,
                name,
                &f.detail,
                &f.remediation,
                f.source,
            ],
        )
        .map_err(std::io::Error::other)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Control characters (C0, C1, DEL), bidi controls and zero-width characters become
/// `\u{..}`, so a hostile policy or location name cannot move the cursor, recolour the
/// terminal, reorder the line or hide text.
pub fn visible(s: &str) -> String {
    // The one escaping of DESIGN.md §9, as everywhere else.
    crate::report::escape_terminal(s).into_owned()
}

/// "5 policies (3 on, 1 report-only, 1 off) from 2 files." for every human format.
fn read_line(p: &PoliciesOut) -> String {
    format!(
        "{} ({} on, {} report-only, {} off) from {}.",
        crate::report::count(p.count as u64, "policy", "policies"),
        p.by_state.enabled,
        p.by_state.report_only,
        p.by_state.disabled,
        crate::report::count(p.inputs.len() as u64, "file", "files")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::Severity;
    use crate::policy::lint::{BreakGlass, PolicyRef};

    fn sample() -> (PolicySet, LintResult) {
        let set = PolicySet::default();
        let r = LintResult {
            findings: vec![LintFinding {
                rule: "CP001",
                severity: Severity::Critical,
                title: "Block for all users and all resources".into(),
                policy: Some(PolicyRef {
                    id: "0f0e0000-0000-4000-8000-000000000001".into(),
                    display_name: "=HYPERLINK(\"x\")\u{1b}[31m\u{202e}evil|<b>\u{200b}".into(),
                }),
                detail: "blocks everyone".into(),
                remediation: "Turn it off.".into(),
                source: "ED:x",
            }],
            break_glass: BreakGlass::default(),
            notes: vec![],
        };
        (set, r)
    }

    #[test]
    fn visible_escapes_terminal_controls() {
        assert_eq!(
            visible("a\u{1b}[2J\u{202e}b\u{200b}c\u{85}\u{7f}\té"),
            "a\\u{1b}[2J\\u{202e}b\\u{200b}c\\u{85}\\u{7f}\\u{9}é"
        );
    }

    #[test]
    fn every_format_escapes_a_hostile_name() {
        let (set, r) = sample();
        let rep = build(&set, &r, "0.0.0", &[]);
        for f in [
            ReportFormat::Markdown,
            ReportFormat::Html,
            ReportFormat::Csv,
        ] {
            let mut out = Vec::new();
            render(f, &rep, &mut out).unwrap();
            let s = String::from_utf8(out).unwrap();
            assert!(
                !s.contains('\u{1b}') && !s.contains('\u{202e}') && !s.contains('\u{200b}'),
                "{f:?}: {s}"
            );
            match f {
                ReportFormat::Markdown => {
                    assert!(s.contains("u{1b}") && s.contains("evil\\|&lt;b&gt;"), "{s}")
                }
                ReportFormat::Html => {
                    assert!(
                        s.contains("&lt;b&gt;") && !s.contains("<b>") && !s.contains("<script"),
                        "{s}"
                    );
                    assert!(s.contains("default-src 'none'"));
                }
                ReportFormat::Csv => assert!(s.contains(",\"'=HYPERLINK"), "{s}"),
                _ => assert!(
                    s.contains("=HYPERLINK(\"x\")\\u{1b}[31m\\u{202e}evil|<b>\\u{200b}"),
                    "{s}"
                ),
            }
        }
        let mut out = Vec::new();
        render(ReportFormat::Json, &rep, &mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        // JSON keeps the exact value.
        assert!(
            v["findings"][0]["policy"]["display_name"]
                .as_str()
                .unwrap()
                .contains('\u{1b}')
        );
        assert_eq!(v["findings"][0]["severity"], "critical");
        assert_eq!(
            v["policies"]["by_state"]["enabledForReportingButNotEnforced"],
            0
        );
    }
}
