//! "Blocked sign-ins at a glance" (DESIGN.md §2 "Causes"), the opening block of every human
//! format: what each format shows of `causes[]`, and the words around it, in one place so the
//! terminal view, Markdown and HTML say the same thing.

use super::json::{CauseOut, Report};

pub const TITLE: &str = "Blocked sign-ins at a glance";

/// Rows the human formats show, so the block fits on a screen whatever the input (the JSON
/// report has up to `analysis::MAX_CAUSES` and `causes_total`).
pub const ROWS: usize = 10;

/// The rows to show.
///
/// The first row of each distinct problem (policy, or rule where the export names no policy)
/// comes in before a second row of any: five accounts blocked by one policy must not hide the
/// other policies. Shown in the JSON's order (most sign-ins first).
pub fn rows<'r>(rep: &'r Report<'_>) -> Vec<&'r CauseOut> {
    let key = |c: &CauseOut| match &c.policy {
        Some(p) => p.id.clone(),
        None => c.rules.first().copied().unwrap_or_default().to_string(),
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut pick: Vec<usize> = Vec::new();
    for (i, c) in rep.causes.iter().enumerate() {
        if pick.len() < ROWS && seen.insert(key(c)) {
            pick.push(i);
        }
    }
    for i in 0..rep.causes.len() {
        if pick.len() >= ROWS {
            break;
        }
        if !pick.contains(&i) {
            pick.push(i);
        }
    }
    pick.sort_unstable();
    pick.into_iter().map(|i| &rep.causes[i]).collect()
}

/// "10 of 57 causes" when a table of `shown` rows is cut, `None` when every cause is shown.
pub fn shown_of(rep: &Report<'_>, shown: usize) -> Option<String> {
    let shown = shown as u64;
    let total = rep.causes_total.max(rep.causes.len() as u64);
    (total > shown).then(|| {
        format!("{shown} of {total} causes: each policy's largest first, then most sign-ins")
    })
}

/// What to say when there is no row.
pub fn empty(rep: &Report<'_>) -> &'static str {
    if rep.totals.ca_failures == 0 {
        "No sign-in was blocked by Conditional Access."
    } else {
        "No blocked sign-in could be traced to one policy and one change; the findings below have the evidence."
    }
}

/// Who a cause is about: the name, else the id.
pub fn who(c: &CauseOut) -> &str {
    if c.principal.name.is_empty() {
        &c.principal.id
    } else {
        &c.principal.name
    }
}

pub fn principal_kind(c: &CauseOut) -> &'static str {
    match c.principal.kind {
        "service_principal" => "service principal",
        "managed_identity" => "managed identity",
        _ => "user",
    }
}

/// The change in a few words (`change`), else the full fix text.
pub fn change(c: &CauseOut) -> &str {
    if c.change.trim().is_empty() {
        &c.fix_text
    } else {
        &c.change
    }
}

/// The finding a cause's full fix comes from (its most specific rule, policy and app), as a
/// 0-based index into `rep.findings`.
pub fn finding_of(rep: &Report<'_>, c: &CauseOut) -> Option<usize> {
    rep.findings.iter().position(|f| {
        c.rules.first() == Some(&f.rule)
            && f.app.id == c.app.id
            && f.policy.as_ref().map(|p| &p.id) == c.policy.as_ref().map(|p| &p.id)
    })
}

/// The app's name, else its id.
pub fn app(c: &CauseOut) -> &str {
    if c.app.display_name.is_empty() {
        &c.app.id
    } else {
        &c.app.display_name
    }
}

/// The policy's name (else its id), or what to say without one.
pub fn policy(c: &CauseOut) -> &str {
    match &c.policy {
        Some(p) if !p.display_name.is_empty() => &p.display_name,
        Some(p) if !p.id.is_empty() => &p.id,
        _ => "(not named in the export)",
    }
}
