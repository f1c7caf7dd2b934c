//! Merging parts in order into one run's state, exactly as one run over all their inputs
//! would build it. A part whose duplicate keys are disjoint from everything before it is
//! merged with `Acc::merge` (the pipeline's own merge); a part holding sign-ins an earlier
//! part had is rebuilt from its replay records without them, so they are counted once,
//! as duplicates of the first in input order. The merged state can be written as a part
//! again (a tree merge gives the same result).

use std::collections::{BTreeSet, HashSet};
use std::io::Write;

use super::format::{Meta, PartFile, PartOptions, PartWriter, StateRepr};
use super::record::{self, FrameBuilder, RawFrame, Replay};
use crate::analysis::{Acc, DedupKey, IdKey, IdSet};
use crate::error::Result;
use crate::model::EventType;
use crate::pipeline::{MAX_SKIPPED_LISTED, State};

/// The note a report merged from `--assume-disjoint` parts carries.
pub const DISJOINT_NOTE: &str = "Merged with --assume-disjoint: duplicates across parts were not checked, so a sign-in present in two parts is counted twice (each part's own duplicates were removed). Leave it out when the inputs can overlap.";

/// Folds parts, in order, into one state.
pub struct Merger<'w> {
    first: Option<(String, PartOptions, serde_json::Value)>,
    st: Option<State>,
    /// Duplicate keys of every record merged so far (not with `--assume-disjoint`).
    seen: IdSet,
    auth: BTreeSet<String>,
    disjoint: bool,
    /// `merge --assume-disjoint` was given (parts of both kinds may then be merged).
    asked: bool,
    out: Option<PartWriter<&'w mut dyn Write>>,
}

impl<'w> Merger<'w> {
    /// `assume_disjoint`: check no duplicates across parts and keep no keys. `out`: write
    /// the merged state as a part there.
    pub fn new(assume_disjoint: bool, out: Option<&'w mut dyn Write>) -> Result<Merger<'w>> {
        let out = match out {
            Some(w) => Some(PartWriter::new(w)?),
            None => None,
        };
        Ok(Merger {
            first: None,
            st: None,
            seen: IdSet::default(),
            auth: BTreeSet::new(),
            disjoint: assume_disjoint,
            asked: assume_disjoint,
            out,
        })
    }

    /// Whether duplicates across parts are not checked (parts or merge `--assume-disjoint`).
    pub fn disjoint(&self) -> bool {
        self.disjoint
    }

    /// The options the parts share, and the first part's path.
    pub fn options(&self) -> Option<(&str, &PartOptions)> {
        self.first.as_ref().map(|(p, o, _)| (p.as_str(), o))
    }

    pub fn add(&mut self, mut p: PartFile) -> Result<()> {
        self.check_options(&p)?;
        if p.meta.options.disjoint {
            self.disjoint = true;
        }
        // Without keys nothing says whether authentication-detail rows meet another
        // part's sign-ins.
        if self.disjoint
            && self.st.is_some()
            && (!self.auth.is_empty() || !p.meta.auth_ids.is_empty())
        {
            return Err(p.error(auth_refusal()));
        }
        let Some(offset) = self.st.as_ref().map(|s| s.inputs.len()) else {
            // The first part: its state as it is.
            let r = take_state(&mut p);
            self.st = Some(State {
                acc: r.acc,
                seen: IdSet::default(),
                inputs: r.inputs,
                skipped: r.skipped,
                skipped_total: r.skipped_total,
                totals: r.totals,
                collected: Vec::new(),
                collected_total: 0,
                joined: r.joined,
                auth_ids: Vec::new(),
            });
            self.auth.extend(p.meta.auth_ids.iter().cloned());
            return self.take_frames(&mut p, 0);
        };
        let overlap = !self.disjoint && self.overlaps(&mut p)?;
        let mut r = take_state(&mut p);
        if overlap {
            r.acc = self.rebuild(&mut p, &mut r, offset)?;
        } else {
            self.take_frames(&mut p, offset)?;
        }
        let Some(st) = self.st.as_mut() else {
            return Ok(());
        };
        absorb(st, r, offset);
        self.auth.extend(p.meta.auth_ids.iter().cloned());
        Ok(())
    }

    /// The merged state, and the part writer's inner writer (after its metadata) if any.
    pub fn finish(self) -> Result<Option<State>> {
        let Some(st) = self.st else { return Ok(None) };
        if let (Some(w), Some((_, opts, _))) = (self.out, self.first.as_ref()) {
            let mut options = opts.clone();
            options.disjoint |= self.disjoint;
            let meta = Meta {
                casift: crate::run::VERSION.to_string(),
                options,
                state: StateRepr {
                    acc: st.acc.clone(),
                    inputs: st.inputs.clone(),
                    skipped: st.skipped.clone(),
                    skipped_total: st.skipped_total,
                    totals: st.totals,
                    joined: st.joined,
                },
                auth_ids: self.auth.iter().cloned().collect(),
            };
            let inner = w.finish(&meta)?;
            inner.flush()?;
        }
        Ok(Some(st))
    }

    fn check_options(&mut self, p: &PartFile) -> Result<()> {
        let mut o = p.meta.options.clone();
        o.disjoint = false;
        let fp = o.fingerprint();
        match &self.first {
            None => {
                self.first = Some((p.path.clone(), p.meta.options.clone(), fp));
                Ok(())
            }
            Some((first, first_opts, first_fp)) => {
                if fp != *first_fp {
                    return Err(p.error(format!(
                        "made with other options than {first} ({}): every part of a merge must come from the same filters, --locations, --policies and --redact, or the report would not be one run's",
                        differences(first_opts, &p.meta.options).join(", ")
                    )));
                }
                if p.meta.options.disjoint != first_opts.disjoint && !self.asked {
                    return Err(p.error(format!(
                        "{} with --assume-disjoint and {first} was{}: give merge --assume-disjoint to merge them without checking duplicates",
                        if p.meta.options.disjoint { "written" } else { "not written" },
                        if first_opts.disjoint { "" } else { " not" }
                    )));
                }
                Ok(())
            }
        }
    }

    /// Whether a later part holds a sign-in already merged (checks its keys only).
    fn overlaps(&mut self, p: &mut PartFile) -> Result<bool> {
        let auth: HashSet<IdKey> = self.auth.iter().map(|a| IdKey::of(a)).collect();
        for id in &p.meta.auth_ids {
            let k = IdKey::of(id);
            if EVENTS.iter().any(|&event| {
                self.seen.contains(&DedupKey {
                    event,
                    id: k.clone(),
                })
            }) {
                return Err(p.error(auth_refusal()));
            }
        }
        let mut found = false;
        for i in 0..p.frame_count() {
            let payload = p.frame(i)?;
            let raw = RawFrame::parse(&payload).map_err(|e| p.error(e))?;
            for k in raw.keys().map_err(|e| p.error(e))?.into_iter().flatten() {
                if self.seen.contains(&k) {
                    // A duplicate: dropped, so no earlier detail row would join onto it.
                    found = true;
                } else if !auth.is_empty() && auth.contains(&k.id) {
                    return Err(p.error(auth_refusal()));
                }
            }
        }
        Ok(found)
    }

    /// Keys into the set, frames to the output (re-addressed to the merged inputs).
    fn take_frames(&mut self, p: &mut PartFile, offset: usize) -> Result<()> {
        let n_inputs = p.meta.state.inputs.len();
        for i in 0..p.frame_count() {
            let payload = p.frame(i)?;
            let raw = RawFrame::parse(&payload).map_err(|e| p.error(e))?;
            if raw.input as usize >= n_inputs {
                return Err(p.error("a records frame of an input it does not list (damaged)"));
            }
            if !self.disjoint {
                for k in raw.keys().map_err(|e| p.error(e))?.into_iter().flatten() {
                    self.seen.insert(&k);
                }
                if let Some(w) = self.out.as_mut() {
                    let input = (raw.input as usize + offset) as u32;
                    w.frame(&record::frame(input, raw.count, raw.keys_gz, raw.recs_gz))?;
                }
            }
        }
        Ok(())
    }

    /// A part's accumulator rebuilt from its records without those merged before, its
    /// accounting moved from kept to duplicates.
    fn rebuild(&mut self, p: &mut PartFile, r: &mut StateRepr, offset: usize) -> Result<Acc> {
        let mut acc = Acc::new(r.acc.track_order);
        for i in 0..p.frame_count() {
            let payload = p.frame(i)?;
            let raw = RawFrame::parse(&payload).map_err(|e| p.error(e))?;
            let keys = raw.keys().map_err(|e| p.error(e))?;
            let entries = raw.entries(&keys).map_err(|e| p.error(e))?;
            let input = raw.input as usize;
            let Some(rep) = r.inputs.get_mut(input) else {
                return Err(p.error("a records frame of an input it does not list (damaged)"));
            };
            let mut fb = FrameBuilder::default();
            for (k, e) in keys.iter().zip(&entries) {
                if let Some(k) = k {
                    if self.seen.contains(k) {
                        rep.duplicates += 1;
                        rep.analysed = rep.analysed.saturating_sub(1);
                        r.totals.duplicates += 1;
                        r.totals.records_kept = r.totals.records_kept.saturating_sub(1);
                        if e.joined {
                            r.joined = r.joined.saturating_sub(1);
                        }
                        continue;
                    }
                    self.seen.insert(k);
                }
                if e.has_data {
                    acc.note_order(&e.signin);
                }
                if e.matched {
                    acc.add(&e.signin, e.facts, &e.hits);
                }
                if self.out.is_some() {
                    let data = e.has_data.then_some(Replay {
                        signin: &e.signin,
                        facts: e.facts,
                        hits: &e.hits,
                        matched: e.matched,
                        joined: e.joined,
                    });
                    fb.push(k.as_ref(), data);
                }
            }
            if let Some(w) = self.out.as_mut()
                && !fb.is_empty()
            {
                w.frame(&fb.finish(input + offset))?;
            }
        }
        Ok(acc)
    }
}

const EVENTS: [EventType; 5] = [
    EventType::Interactive,
    EventType::NonInteractive,
    EventType::ServicePrincipal,
    EventType::ManagedIdentity,
    EventType::Unknown,
];

fn auth_refusal() -> String {
    "its authentication-details rows and the sign-ins of another part share request ids (or cannot be checked under --assume-disjoint): one run joins those rows onto sign-ins of every input, which a merge cannot redo. Analyze the sign-ins and their authentication-details CSV in one `analyze --partial` call".to_string()
}

/// A later part's state appended to the merged one (its input indexes moved up).
fn absorb(st: &mut State, r: StateRepr, offset: usize) {
    st.inputs.extend(r.inputs);
    for mut s in r.skipped {
        if st.skipped.len() < MAX_SKIPPED_LISTED {
            s.input += offset;
            st.skipped.push(s);
        }
    }
    // Saturating: a part is a file, and its counts are whatever it says.
    st.skipped_total = st.skipped_total.saturating_add(r.skipped_total);
    let (t, o) = (&mut st.totals, r.totals);
    t.records_read = t.records_read.saturating_add(o.records_read);
    t.records_skipped = t.records_skipped.saturating_add(o.records_skipped);
    t.duplicates = t.duplicates.saturating_add(o.duplicates);
    t.records_kept = t.records_kept.saturating_add(o.records_kept);
    st.joined = st.joined.saturating_add(r.joined);
    st.acc.merge(&r.acc);
}

/// The part's state for merging: its accumulator moved out (the largest part, merged by
/// reference after), the rest copied (frames are checked against its inputs later).
fn take_state(p: &mut PartFile) -> StateRepr {
    let acc = std::mem::take(&mut p.meta.state.acc);
    let mut r = p.meta.state.clone();
    r.acc = acc;
    r
}

/// Which options differ, for the refusal.
fn differences(a: &PartOptions, b: &PartOptions) -> Vec<&'static str> {
    let mut d = Vec::new();
    if j(&a.filters) != j(&b.filters) || a.filter_flags != b.filter_flags {
        d.push("filters");
    }
    if j(&a.locations) != j(&b.locations) {
        d.push("--locations");
    }
    if j(&a.policies) != j(&b.policies) {
        d.push("--policies");
    }
    if a.redact != b.redact {
        d.push("--redact");
    }
    if a.notes != b.notes && d.is_empty() {
        d.push("--error-code");
    }
    if d.is_empty() {
        d.push("options");
    }
    d
}

/// A value as JSON, for comparisons.
fn j<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
