//! The parallel pipeline, and the only module that knows rayon and indicatif: a reader
//! thread cuts inputs into record-aligned chunks; rayon workers decode, deduplicate within
//! the chunk, filter and evaluate into per-chunk accumulators; the main thread merges them in
//! input order (so the result is byte-identical at any thread count) and finishes the
//! `Analysis`.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;

use crate::analysis::{
    Acc, Analysis, Collected, DedupKey, IdSet, InputReport, Totals, dedup_key, dedup_key_of,
};
use crate::error::{Error, Result};
use crate::evaluate::{self, Context, Hit};
use crate::filter::Filter;
use crate::input::authdetails::{self, AuthDetails};
use crate::input::reader::{self, ReadOptions};
use crate::input::source::InputPath;
use crate::input::{BufferPool, Chunk, LineMark, Msg, Payload, Skip, csv};
use crate::locations::NamedLocations;
use crate::model::SignIn;

mod finish;
mod flow;
mod graves;
pub use finish::finish;
use flow::{Done, Event, Flow, Limits, Step};
use graves::Graves;

/// How many skipped records the report lists (all are counted).
pub const MAX_SKIPPED_LISTED: usize = 1000;
/// How many notes on single inputs the report's notes repeat.
pub const MAX_INPUT_NOTES: usize = 200;
/// How many matched sign-ins `explain` keeps and shows (all are counted).
pub const MAX_COLLECTED: usize = 1000;
/// More applied policies than a record can hold: Entra allows 195 per tenant, so a record
/// listing more is not a real sign-in, and one listing 100,000 would take gigabytes.
pub const MAX_POLICIES_PER_RECORD: usize = 1000;

/// Writes one matched sign-in for `casift filter` (called by the workers, in parallel).
pub type RecordSink<'a> = dyn Fn(&SignIn, &[Hit], &mut Vec<u8>) + Sync + 'a;

pub struct Options<'a> {
    pub threads: usize,
    pub strict: bool,
    /// Keep matched sign-ins in memory (for `explain`).
    pub collect: bool,
    /// First-seen order of users and IPs (for `--redact`).
    pub track_order: bool,
    pub progress: bool,
    pub read: ReadOptions,
    /// Stream matched records through this writer, in input order (for `filter`).
    pub sink: Option<(&'a RecordSink<'a>, &'a mut (dyn std::io::Write + 'a))>,
    /// The tenant's policies (`--policies`): the join reads them.
    pub policies: Option<&'a crate::policy::PolicySet>,
    /// `analyze --partial`: each chunk's kept records, as a part's records frame
    /// (`partial::record`), written here in input order.
    pub frames: Option<&'a mut (dyn std::io::Write + 'a)>,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Options {
            threads: 1,
            strict: false,
            collect: false,
            track_order: false,
            progress: false,
            read: ReadOptions::default(),
            sink: None,
            policies: None,
            frames: None,
        }
    }
}

/// The longest value a sign-in field may have (bytes): user agents and failure reasons stay
/// far below it, and one 20 MB UPN would otherwise be copied into every report list.
pub const MAX_FIELD: usize = 16 << 10;

/// The first field of a sign-in longer than `MAX_FIELD`, with its length.
fn oversized_field(s: &SignIn) -> Option<(&'static str, usize)> {
    let fields: [(&'static str, &str); 19] = [
        ("requestId", &s.request_id),
        ("correlationId", &s.correlation_id),
        ("userPrincipalName", &s.user_principal_name),
        ("userId", &s.user_id),
        ("userDisplayName", &s.user_display_name),
        ("appId", &s.app_id),
        ("appDisplayName", &s.app_display_name),
        ("resourceId", &s.resource_id),
        ("resourceDisplayName", &s.resource_display_name),
        ("servicePrincipalId", &s.service_principal_id),
        ("servicePrincipalName", &s.service_principal_name),
        ("ipAddress", &s.ip),
        ("ipAddressFromResourceProvider", &s.resource_ip),
        ("clientAppUsed", &s.client_app_used),
        ("userAgent", &s.user_agent),
        ("failureReason", &s.failure_reason),
        ("additionalDetails", &s.additional_details),
        ("deviceDetail.displayName", &s.device.display_name),
        ("deviceDetail.deviceId", &s.device.device_id),
    ];
    let policy = s.policies.iter().flat_map(|p| {
        [
            ("appliedConditionalAccessPolicies.id", p.id.as_str()),
            (
                "appliedConditionalAccessPolicies.displayName",
                p.display_name.as_str(),
            ),
            (
                "appliedConditionalAccessPolicies.conditionsSatisfied",
                p.conditions_satisfied.as_str(),
            ),
        ]
    });
    fields
        .into_iter()
        .chain(policy)
        .find(|(_, v)| v.len() > MAX_FIELD)
        .map(|(f, v)| (f, v.len()))
}

/// What one worker produced from one chunk.
struct ChunkOut {
    acc: Acc,
    /// Dedup keys of the records kept (not duplicates within the chunk), with their index.
    keys: Vec<(DedupKey, usize)>,
    skips: Vec<Skip>,
    duplicates: u64,
    kept: u64,
    collected: Vec<Collected>,
    /// Matched sign-ins, collected or not (`explain` keeps `MAX_COLLECTED`).
    collected_total: u64,
    out: Vec<u8>,
    /// Sign-ins that received authentication details from the AuthDetails join.
    joined: u64,
    /// The records frame of `analyze --partial` (empty otherwise).
    frame: Vec<u8>,
    /// The pool thread that made it: `rayon::current_thread_index()`, `None` on the main
    /// thread (called from inside another pool, some slot: it is freed either way).
    owner: Option<usize>,
}

struct Worker<'a> {
    filter: &'a Filter,
    ctx: Context<'a>,
    collect: bool,
    track_order: bool,
    sink: Option<&'a RecordSink<'a>>,
    auth: &'a AuthDetails,
    /// Reject records on the cheap filters before the full decode (not when redacting:
    /// pseudonyms are numbered over every kept record, which needs them decoded).
    prefilter: bool,
    /// Record each kept record for a part file (`analyze --partial`).
    partial: bool,
    graves: Graves,
}

impl Worker<'_> {
    fn process(&self, chunk: &Chunk, exclude: &HashSet<usize>) -> ChunkOut {
        self.graves.free_mine();
        let mut o = ChunkOut {
            acc: Acc::new(self.track_order),
            keys: Vec::with_capacity(chunk.len()),
            skips: chunk.reader_skips.clone(),
            duplicates: 0,
            kept: 0,
            collected: Vec::new(),
            collected_total: 0,
            out: Vec::new(),
            joined: 0,
            frame: Vec::new(),
            owner: rayon::current_thread_index(),
        };
        let mut part = crate::partial::record::FrameBuilder::default();
        if chunk.is_auth_details() {
            self.check_auth_rows(chunk, &mut o);
            return o;
        }
        let mut local = IdSet::with_capacity(chunk.len());
        let mut lines = LineMark::default();
        let mut hits = Vec::new();
        // One sign-in refilled record after record: its strings keep their memory.
        let mut scratch = crate::input::json::Scratch::default();
        let mut s = SignIn::default();
        for i in 0..chunk.len() {
            let record = chunk.first_record + i as u64;
            if self.prefilter
                && let Some(Some(key)) = chunk.with_peek(i, |p| {
                    (!self.filter.keep_early(p)).then(|| dedup_key_of(&p.request_id, p.event_type))
                })
            {
                // Outside the cheap filters: only the duplicate check and the count, no
                // full decode.
                let pkey = if self.partial { key.clone() } else { None };
                if first_occurrence(key, i, &mut local, exclude, &mut o) {
                    o.kept += 1;
                    // Never in the accumulator, but it may be a duplicate of a later part's.
                    if pkey.is_some() {
                        part.push(pkey.as_ref(), None);
                    }
                }
                continue;
            }
            if let Err(reason) = chunk.decode_into(i, &mut scratch, &mut s) {
                o.skips.push(Skip {
                    input: chunk.input,
                    record,
                    line: chunk.line_of(i, &mut lines),
                    reason,
                });
                continue;
            }
            if let Some((field, len)) = oversized_field(&s) {
                // Not kept: nor is the memory its strings took.
                s = SignIn::default();
                scratch = crate::input::json::Scratch::default();
                o.skips.push(Skip {
                    input: chunk.input,
                    record,
                    line: chunk.line_of(i, &mut lines),
                    reason: format!(
                        "{field} is {len} bytes long: no Entra value is longer than {MAX_FIELD} bytes, so this is not a real sign-in"
                    ),
                });
                continue;
            }
            if s.policies.len() > MAX_POLICIES_PER_RECORD {
                o.skips.push(Skip {
                    input: chunk.input,
                    record,
                    line: chunk.line_of(i, &mut lines),
                    reason: format!(
                        "lists {} applied Conditional Access policies: Entra allows 195 per tenant, so this is not a real sign-in (casift reads at most {MAX_POLICIES_PER_RECORD})",
                        s.policies.len()
                    ),
                });
                continue;
            }
            let key = dedup_key(&s);
            let pkey = if self.partial { key.clone() } else { None };
            if !first_occurrence(key, i, &mut local, exclude, &mut o) {
                continue;
            }
            o.kept += 1;
            o.acc.note_order(&s);
            let facts = evaluate::facts(&s);
            if !self.filter.keep(&s, facts) {
                // Outside the filters: its key, and its names when they are numbered.
                if self.partial && (pkey.is_some() || self.track_order) {
                    let r = self.track_order.then_some(crate::partial::record::Replay {
                        signin: &s,
                        facts,
                        hits: &[],
                        matched: false,
                        joined: false,
                    });
                    part.push(pkey.as_ref(), r);
                }
                continue;
            }
            let mut joined = false;
            if !self.auth.is_empty()
                && let Some(d) = self.auth.get(&s.request_id.trim().to_ascii_lowercase())
            {
                s.auth_details.extend(d.iter().cloned());
                o.joined += 1;
                joined = true;
            }
            hits.clear();
            evaluate::evaluate(&s, facts, self.ctx, &mut hits);
            o.acc.add(&s, facts, &hits);
            if self.partial {
                let r = crate::partial::record::Replay {
                    signin: &s,
                    facts,
                    hits: &hits,
                    matched: true,
                    joined,
                };
                part.push(pkey.as_ref(), Some(r));
            }
            if let Some(sink) = self.sink {
                sink(&s, &hits, &mut o.out);
            }
            if self.collect {
                o.collected_total += 1;
            }
            if self.collect && o.collected.len() < MAX_COLLECTED {
                o.collected.push(Collected {
                    input: chunk.input,
                    record,
                    line: chunk.line_of(i, &mut lines),
                    signin: s.clone(),
                    facts,
                    hits: hits.clone(),
                });
            }
        }
        if !part.is_empty() {
            o.frame = part.finish(chunk.input);
        }
        o
    }

    /// Authentication-detail rows were joined in the pre-pass; here they are only accounted
    /// for (parsed, or skipped with the reason).
    fn check_auth_rows(&self, chunk: &Chunk, o: &mut ChunkOut) {
        let Payload::Csv { layout, .. } = &chunk.payload else {
            return;
        };
        let mut lines = LineMark::default();
        for i in 0..chunk.len() {
            match chunk
                .csv_row(i)
                .and_then(|row| csv::decode_auth_detail(layout, &row))
            {
                Ok(_) => o.kept += 1,
                Err(reason) => o.skips.push(Skip {
                    input: chunk.input,
                    record: chunk.first_record + i as u64,
                    line: chunk.line_of(i, &mut lines),
                    reason,
                }),
            }
        }
    }
}

/// Whether record `i` with duplicate key `key` is the first of its key: in this chunk, and
/// not one an earlier chunk already had (`exclude`). A duplicate is counted; a first one's
/// key is kept for the merge.
fn first_occurrence(
    key: Option<DedupKey>,
    i: usize,
    local: &mut IdSet,
    exclude: &HashSet<usize>,
    o: &mut ChunkOut,
) -> bool {
    let Some(k) = key else { return true };
    if !local.insert(&k) || exclude.contains(&i) {
        o.duplicates += 1;
        return false;
    }
    o.keys.push((k, i));
    true
}

/// Reads, filters and evaluates every input; the one entry point for all subcommands.
pub fn run(
    inputs: &[InputPath],
    filter: &Filter,
    locations: Option<&NamedLocations>,
    opts: Options<'_>,
) -> Result<Analysis> {
    let policies = opts.policies;
    let st = run_state(inputs, filter, locations, opts)?;
    Ok(finish(st, locations, policies))
}

/// The run's merged state before it is finished into an `Analysis` (what a part holds).
pub fn run_state(
    inputs: &[InputPath],
    filter: &Filter,
    locations: Option<&NamedLocations>,
    mut opts: Options<'_>,
) -> Result<State> {
    let threads = opts.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {threads} threads: {e}")))?;
    let (tx, rx) = mpsc::sync_channel::<Result<Msg>>(threads * 2);
    let read_opts = opts.read;
    let auth = authdetails::collect(inputs, read_opts);
    let owned_inputs = inputs.to_vec();
    let buffers = BufferPool::default();
    let reader_buffers = buffers.clone();
    let reader = std::thread::Builder::new()
        .name("casift-reader".into())
        .spawn(move || reader::read_all(&owned_inputs, read_opts, &tx, reader_buffers))
        .map_err(Error::Io)?;

    let bar = progress_bar(inputs, opts.progress);
    let policies = opts.policies;
    let (sink_fn, mut sink_out) = match opts.sink.take() {
        Some((f, w)) => (Some(f), Some(w)),
        None => (None, None),
    };
    let worker = Worker {
        filter,
        ctx: Context {
            locations,
            policies,
        },
        collect: opts.collect,
        track_order: opts.track_order,
        sink: sink_fn,
        auth: &auth,
        prefilter: filter.has_early() && !opts.track_order,
        partial: opts.frames.is_some(),
        graves: Graves::new(threads),
    };
    let mut frames = opts.frames.take();
    let mut st = State {
        acc: Acc::new(opts.track_order),
        seen: IdSet::default(),
        inputs: Vec::new(),
        skipped: Vec::new(),
        skipped_total: 0,
        totals: Totals::default(),
        collected: Vec::new(),
        collected_total: 0,
        joined: 0,
        auth_ids: {
            let mut ids: Vec<String> = auth.keys().cloned().collect();
            ids.sort_unstable();
            ids
        },
    };
    // Workers take chunks as they come and the main thread merges the results in input
    // order as they complete: nobody waits for a whole batch. Between two merges the main
    // thread hands out what the reader has ready, so a worker does not wait while the main
    // thread merges (`Limits` has the bounds; with the reader's channel and the reader's
    // own, at most ten chunks a thread and two are alive). A merged chunk's accumulator
    // goes back to the pool thread that made it, which frees it when it starts its next
    // chunk (`Graves`, at most `graves::MAX_HELD` a thread, past that freed by the main
    // thread; the last ones by their makers at the end).
    let (done_tx, done_rx) = mpsc::channel::<Done<std::thread::Result<ChunkOut>>>();
    let none = HashSet::new();
    let outcome = pool.in_place_scope(|scope| -> Result<()> {
        let spawn = |seq: usize, chunk: Chunk| {
            let (done_tx, worker, none) = (done_tx.clone(), &worker, &none);
            scope.spawn(move |_| {
                // A panic comes back to the main thread, which would otherwise wait for
                // this chunk forever.
                let out =
                    std::panic::catch_unwind(AssertUnwindSafe(|| worker.process(&chunk, none)));
                let _ = done_tx.send((seq, chunk, out));
            });
        };
        let mut flow = Flow::new(Limits::new(threads, read_opts.chunk_bytes));
        loop {
            while let Ok(done) = done_rx.try_recv() {
                flow.finish(done);
            }
            while flow.may_read() {
                match rx.try_recv() {
                    Ok(msg) => flow.accept(Some(msg), spawn),
                    Err(mpsc::TryRecvError::Empty) => break,
                    Err(mpsc::TryRecvError::Disconnected) => flow.accept(None, spawn),
                }
            }
            // One event in input order if it is ready, then look again; else wait for the
            // reader (a finished chunk waits for its next message) or for a worker.
            match flow.next() {
                Step::Merge(chunk, out) => {
                    let mut out = out.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                    // The chunk's first occurrences join the run's keys here, in input
                    // order; one already there is a record an earlier chunk had.
                    let dups: HashSet<usize> = out
                        .keys
                        .iter()
                        .filter(|(k, _)| !st.seen.insert(k))
                        .map(|(_, i)| *i)
                        .collect();
                    if !dups.is_empty() {
                        // Rare (overlapping exports): redo this chunk without the records
                        // an earlier chunk already had, so the first in input order wins.
                        let first = std::mem::replace(&mut out, worker.process(&chunk, &dups));
                        worker.graves.bury(first.owner, first.acc);
                    }
                    if let Some(b) = &bar {
                        b.inc(chunk.bytes);
                    }
                    if let Some(w) = frames.as_mut()
                        && !out.frame.is_empty()
                    {
                        w.write_all(&out.frame)?;
                    }
                    let bytes = st.absorb(&chunk, out, opts.strict, &worker.graves)?;
                    if let Some(w) = sink_out.as_mut()
                        && !bytes.is_empty()
                    {
                        w.write_all(&bytes)?;
                    }
                    buffers.give(chunk);
                }
                Step::Apply(ev) => st.apply(ev),
                Step::Read => flow.accept(rx.recv().ok(), spawn),
                Step::Wait => {
                    if let Ok(done) = done_rx.recv() {
                        flow.finish(done);
                    }
                }
                Step::End(failure) => return failure.map_or(Ok(()), Err),
            }
        }
    });
    // What the pool threads made and the main thread merged last, freed by its makers.
    pool.broadcast(|_| worker.graves.free_mine());
    drop(rx);
    // A panic in the reader is a bug: surface it rather than report a partial run.
    if let Err(panic) = reader.join() {
        std::panic::resume_unwind(panic);
    }
    outcome?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    Ok(st)
}

impl State {
    /// An input opened or a note on one, in order between chunks.
    fn apply(&mut self, ev: Event) {
        match ev {
            Event::Input(info) => self.inputs.push(InputReport {
                path: info.label,
                format: info.format,
                records: 0,
                skipped: 0,
                duplicates: 0,
                analysed: 0,
                notes: info.notes,
            }),
            Event::Note(i, note) => {
                if let Some(r) = self.inputs.get_mut(i) {
                    r.notes.push(note);
                }
            }
            Event::Chunk(_) => {}
        }
    }
}

/// The merged state of a run (also rebuilt from part files by `casift merge`).
pub struct State {
    pub acc: Acc,
    pub seen: IdSet,
    pub inputs: Vec<InputReport>,
    /// The first `MAX_SKIPPED_LISTED` skipped records in input order.
    pub skipped: Vec<Skip>,
    pub skipped_total: u64,
    pub totals: Totals,
    pub collected: Vec<Collected>,
    pub collected_total: u64,
    pub joined: u64,
    /// Request ids (lower case, sorted) of the authentication-detail rows among the inputs.
    pub auth_ids: Vec<String>,
}

impl State {
    /// Adds a chunk's results, in input order; its accumulator, once merged, goes back to
    /// the thread that made it.
    fn absorb(
        &mut self,
        chunk: &Chunk,
        out: ChunkOut,
        strict: bool,
        graves: &Graves,
    ) -> Result<Vec<u8>> {
        let mut skips = out.skips;
        skips.sort_by_key(|s| s.record);
        if strict && let Some(s) = skips.first() {
            return Err(Error::Strict {
                path: self
                    .inputs
                    .get(s.input)
                    .map_or_else(String::new, |r| r.path.clone()),
                record: s.record,
                line: s.line,
                reason: s.reason.clone(),
            });
        }
        let n_skips = skips.len() as u64;
        let records = chunk.len() as u64 + chunk.reader_skips.len() as u64;
        if let Some(r) = self.inputs.get_mut(chunk.input) {
            r.records += records;
            r.skipped += n_skips;
            r.duplicates += out.duplicates;
            r.analysed += out.kept;
        }
        self.joined += out.joined;
        if !chunk.is_auth_details() {
            // Authentication-detail rows are not sign-ins: only their input counts them.
            self.totals.records_read += records;
            self.totals.records_skipped += n_skips;
            self.totals.duplicates += out.duplicates;
            self.totals.records_kept += out.kept;
        }
        self.skipped_total += n_skips;
        for s in skips {
            if self.skipped.len() < MAX_SKIPPED_LISTED {
                self.skipped.push(s);
            }
        }
        self.acc.merge(&out.acc);
        graves.bury(out.owner, out.acc);
        let room = MAX_COLLECTED.saturating_sub(self.collected.len());
        self.collected.extend(out.collected.into_iter().take(room));
        self.collected_total += out.collected_total;
        Ok(out.out)
    }
}

fn progress_bar(inputs: &[InputPath], wanted: bool) -> Option<indicatif::ProgressBar> {
    if !wanted || !std::io::stderr().is_terminal() {
        return None;
    }
    let compressed = inputs.iter().any(|i| match i {
        InputPath::Stdin => true,
        InputPath::Ignored(..) => false,
        InputPath::File(p) | InputPath::Walked(p) => p
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gz") || e.eq_ignore_ascii_case("zip")),
    });
    let total: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            InputPath::File(p) | InputPath::Walked(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            InputPath::Stdin | InputPath::Ignored(..) => None,
        })
        .sum();
    let bar = if compressed {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {decimal_bytes} read ({decimal_bytes_per_sec}), {elapsed}",
            )
            .ok()?,
        );
        b
    } else {
        let b = indicatif::ProgressBar::new(total);
        b.set_style(
            indicatif::ProgressStyle::with_template(
                "{bar:40} {decimal_bytes}/{decimal_total_bytes} ({decimal_bytes_per_sec}, {elapsed}, eta {eta})",
            )
            .ok()?,
        );
        b
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    Some(bar)
}
