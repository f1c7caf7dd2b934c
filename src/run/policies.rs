//! The policy side of the commands: `lint` and `whatif`, loading `--policies` with the named
//! locations found among them, and the notes `analyze` adds about the policies it joined.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::{VERSION, write_output, write_styled};
use crate::analysis::counted;
use crate::error::Result;
use crate::evaluate::Severity;
use crate::locations::NamedLocations;
use crate::policy::{Policy, PolicySet};
use crate::report::{self, ReportFormat};

/// `casift lint`: load the policies and locations, lint, render, and say on stderr which
/// findings reach `--fail-on`.
pub(super) fn lint_cmd(
    policies: &[PathBuf],
    locations: &[PathBuf],
    break_glass: Vec<String>,
    format: ReportFormat,
    output: Option<&Path>,
    fail_on: Option<Severity>,
    warn: &mut dyn Write,
) -> Result<i32> {
    let set = load_policies(policies)?;
    guard(policies, locations, output)?;
    let mut run_notes = Vec::new();
    let extra = if locations.is_empty() {
        Vec::new()
    } else {
        let l = NamedLocations::load(locations)?;
        run_notes.push(format!(
            "{} named location(s) read from --locations",
            l.locations.len()
        ));
        for n in &l.notes {
            let _ = writeln!(warn, "casift: warning: {n}");
        }
        run_notes.extend(l.notes.iter().cloned());
        l.locations
    };
    let opts = crate::policy::lint::LintOptions { break_glass };
    let result = crate::policy::lint::lint(&set, &extra, &opts);
    let rep = report::lint::build(&set, &result, VERSION, &run_notes);
    let mut buf = Vec::new();
    report::lint::render(format, &rep, &mut buf)?;
    if matches!(format, ReportFormat::Text(_)) {
        write_styled(output, &buf)?;
    } else {
        write_output(output, &buf)?;
    }
    let Some(min) = fail_on else { return Ok(0) };
    let failing = result.at_or_above(min);
    if failing.is_empty() {
        return Ok(0);
    }
    // The same line as analyze's: "casift: 3 findings at or above high: CP001, CP004 ×2".
    let mut rules: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for f in &failing {
        *rules.entry(f.rule).or_default() += 1;
    }
    let list: Vec<String> = rules
        .iter()
        .map(|(r, &n)| {
            if n == 1 {
                (*r).to_string()
            } else {
                format!("{r} ×{n}")
            }
        })
        .collect();
    let _ = writeln!(
        warn,
        "casift: {} at or above {}: {}",
        counted(failing.len() as u64, "finding", "findings"),
        min.as_str(),
        list.join(", ")
    );
    Ok(1)
}

/// `casift whatif`: every policy evaluated for the described sign-in, and the verdict.
pub(super) fn whatif_cmd(
    policies: &[PathBuf],
    locations: &[PathBuf],
    subject: &crate::policy::Subject,
    json: bool,
    output: Option<&Path>,
) -> Result<i32> {
    let (locs, set) = load_policy_inputs(policies, locations)?;
    guard(policies, locations, output)?;
    let set = set.unwrap_or_default();
    let locs = locs.unwrap_or_default();
    let evals: Vec<(&crate::policy::Policy, crate::policy::Evaluation)> = set
        .policies
        .iter()
        .map(|p| (p, crate::policy::evaluate(p, subject, &locs, None)))
        .collect();
    let pairs: Vec<(&crate::policy::Policy, &crate::policy::Evaluation)> =
        evals.iter().map(|(p, e)| (*p, e)).collect();
    let verdict = crate::policy::verdict(&pairs, subject);
    let mut notes = set.notes.clone();
    notes.extend(locs.notes.iter().cloned());
    if set.policies.is_empty() {
        notes.push("No policy was found in the --policies inputs: nothing can apply.".to_string());
    }
    if subject.interactive == Some(false)
        && subject
            .resources
            .iter()
            .any(|r| crate::knowledge::is_azure_devops(r))
    {
        notes.push("Azure DevOps enforces only IP-fencing (location) policies on non-interactive flows such as a PAT on a REST call, and only while the organization setting \"IP Conditional Access policy validation on non-interactive flows\" is on (Organization settings → Security → Policies); other controls of this verdict (MFA, device) are what Entra would require of a token flow, not what Azure DevOps checks for a PAT.".to_string());
    }
    if locs.is_empty() && subject.ip.is_some() {
        notes.push("No named locations were given (--locations) or found among the policy files: location conditions that name a location are unknown.".to_string());
    }
    let out = report::whatif::build(subject, &evals, &verdict, notes);
    let text = if json {
        report::whatif::render_json(&out)
    } else {
        report::whatif::render_text(&out)
    };
    write_output(output, text.as_bytes())?;
    Ok(0)
}

/// Refuses a closed stdout, or a target among the files under `--policies` / `--locations`.
fn guard(policies: &[PathBuf], locations: &[PathBuf], output: Option<&Path>) -> Result<()> {
    let reads = crate::output::Reads::default()
        .trees("--policies", policies)
        .trees("--locations", locations);
    crate::output::preflight(output, &reads)
}

/// The policies, and the named locations of `--locations` plus those among the policy files
/// (an id in both is taken once, from `--locations`); `None` where nothing was given.
pub(super) fn load_policy_inputs(
    policies: &[PathBuf],
    locations: &[PathBuf],
) -> Result<(Option<NamedLocations>, Option<PolicySet>)> {
    let set = if policies.is_empty() {
        None
    } else {
        Some(load_policies(policies)?)
    };
    let given = if locations.is_empty() {
        None
    } else {
        Some(NamedLocations::load(locations)?)
    };
    let extra = set.as_ref().map_or(&[][..], |p| p.locations.as_slice());
    let merged = match given {
        Some(g) if extra.is_empty() => Some(g),
        None if extra.is_empty() => None,
        g => {
            let notes = g.as_ref().map(|g| g.notes.clone()).unwrap_or_default();
            let mut all = g.map(|g| g.locations).unwrap_or_default();
            for l in extra {
                if !all
                    .iter()
                    .any(|a| !a.id.is_empty() && a.id.eq_ignore_ascii_case(&l.id))
                {
                    all.push(l.clone());
                }
            }
            let mut merged = NamedLocations::new(all);
            merged.notes = notes;
            Some(merged)
        }
    };
    Ok((merged, set))
}

/// The policy exports, refusing inputs that hold no policy at all: an answer computed over
/// no policy ("allowed", "nothing to fix") would look like a clean tenant.
fn load_policies(paths: &[PathBuf]) -> Result<PolicySet> {
    let set = crate::policy::load::load(paths)?;
    if set.policies.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(crate::error::Error::Policies {
            path: shown.join(", "),
            reason: format!(
                "no Conditional Access policy found ({} read{}); pass the policy export (GET /identity/conditionalAccess/policies), not only named locations",
                crate::evaluate::remedy::plural(set.inputs.len() as u64, "file", "files"),
                if set.locations.is_empty() {
                    String::new()
                } else {
                    format!(
                        ", holding {}",
                        crate::evaluate::remedy::plural(
                            set.locations.len() as u64,
                            "named location",
                            "named locations"
                        )
                    )
                }
            ),
        });
    }
    Ok(set)
}

/// What the report says about the policies it joined (DESIGN §7: ids the export lacks are
/// said, not guessed over).
pub(super) fn policy_notes(a: &mut crate::analysis::Analysis, set: &PolicySet) {
    a.policies = Some(crate::analysis::PolicySummary::of(set));
    let missing: Vec<String> = a
        .acc
        .by_policy
        .iter()
        .filter(|(id, _)| !id.is_empty() && set.get(id).is_none())
        .map(|(id, st)| {
            if st.display_name.is_empty() {
                id.clone()
            } else {
                format!("'{}' ({id})", st.display_name)
            }
        })
        .collect();
    a.notes.push(format!(
        "{} read from --policies; fixes name the exact change where the failing policy is among them.",
        crate::evaluate::remedy::plural(set.policies.len() as u64, "policy was", "policies were")
    ));
    let logged = a.acc.by_policy.keys().filter(|id| !id.is_empty()).count();
    if logged > 0 && missing.len() == logged {
        a.notes.push(format!(
            "The policy export holds {} the sign-ins name: is the export from the same tenant, and recent? The fixes cannot name any exact change.",
            if logged == 1 {
                "not the one policy".to_string()
            } else {
                format!("none of the {logged} policies")
            }
        ));
    }
    if !missing.is_empty() {
        let shown: Vec<&str> = missing.iter().take(10).map(String::as_str).collect();
        a.notes.push(format!(
            "{} in the sign-ins {} not in the policy export (deleted since, Microsoft-managed, or not exported): {}{}.",
            crate::evaluate::remedy::plural(missing.len() as u64, "policy", "policies"),
            if missing.len() == 1 { "is" } else { "are" },
            shown.join(", "),
            if missing.len() > 10 { ", ..." } else { "" }
        ));
    }
    // Exports are snapshots: a policy changed after the sign-ins may not be what they met.
    if let Some(first) = a.acc.earliest {
        let changed: Vec<String> = a
            .acc
            .by_policy
            .keys()
            .filter_map(|id| set.get(id))
            .filter(|p| p.modified.is_some_and(|m| m > first))
            .map(Policy::label)
            .collect();
        if !changed.is_empty() {
            let shown: Vec<&str> = changed.iter().take(10).map(String::as_str).collect();
            a.notes.push(format!(
                "{} modified after the earliest of these sign-ins ({}), so the fixes are as of the export and the log may show an older version: {}{}.",
                crate::evaluate::remedy::plural(changed.len() as u64, "policy was", "policies were"),
                crate::report::timestamp(&first),
                shown.join(", "),
                if changed.len() > 10 { ", ..." } else { "" }
            ));
        }
    }
    for n in &set.notes {
        if !a.notes.contains(n) {
            a.notes.push(n.clone());
        }
    }
}
