//! Properties behind `casift merge` (DESIGN.md §8), on the records of the fixtures and the
//! tenant-shaped export: the accumulator of consecutive runs of records, merged in order in
//! any grouping, equals the accumulator of all of them one by one (so merging is
//! associative and independent of chunking), and a part's replay records rebuild exactly
//! the accumulator the pipeline built from the decoded sign-ins.

mod support;
#[path = "support/tenant.rs"]
mod tenant;
#[path = "support/tenant_env.rs"]
mod tenant_env;

use std::path::PathBuf;
use std::sync::OnceLock;

use casift::analysis::Acc;
use casift::partial::record::{Entry, RawFrame};
use proptest::prelude::*;

/// Collects the records frames the pipeline writes (one `write` call per frame).
#[derive(Default)]
struct Frames(Vec<Vec<u8>>);

impl std::io::Write for Frames {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.push(b.to_vec());
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Corpus {
    entries: Vec<Entry>,
    /// The accumulator the pipeline built (chunk by chunk, merged).
    pipeline: serde_json::Value,
}

fn json(a: &Acc) -> serde_json::Value {
    serde_json::to_value(a).unwrap()
}

/// The records of the fixtures and the tenant, decoded through a part's replay records, with
/// `--redact`'s order tracking on and small chunks (so the pipeline merges many).
fn corpus() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| {
        let t = tenant_env::t();
        let files: Vec<PathBuf> = vec![
            PathBuf::from(support::fixture("signins/portal.json")),
            PathBuf::from(support::fixture("signins/csv")),
            PathBuf::from(support::fixture("signins/evidence/signins.jsonl")),
            t.signins.clone(),
            PathBuf::from(support::fixture("signins/diagnostic_PT1H.json")),
        ];
        let inputs = casift::input::source::expand(&files).unwrap();
        let locs =
            casift::locations::NamedLocations::load(std::slice::from_ref(&t.locations)).unwrap();
        let mut frames = Frames::default();
        let mut opts = casift::pipeline::Options {
            threads: 2,
            track_order: true,
            ..Default::default()
        };
        opts.read.chunk_bytes = 64 * 1024;
        opts.frames = Some(&mut frames);
        let filter = casift::filter::Filter::default();
        let st = casift::pipeline::run_state(&inputs, &filter, Some(&locs), opts).unwrap();
        let mut entries = Vec::new();
        for f in &frames.0 {
            let raw = RawFrame::parse(&f[9..]).unwrap();
            let keys = raw.keys().unwrap();
            assert_eq!(keys.len(), raw.count as usize);
            entries.extend(raw.entries(&keys).unwrap());
        }
        assert!(frames.0.len() > 20, "{} frames", frames.0.len());
        Corpus {
            entries,
            pipeline: json(&st.acc),
        }
    })
}

fn acc_of(entries: &[Entry]) -> Acc {
    let mut a = Acc::new(true);
    for e in entries {
        if e.has_data {
            a.note_order(&e.signin);
        }
        if e.matched {
            a.add(&e.signin, e.facts, &e.hits);
        }
    }
    a
}

fn whole() -> &'static serde_json::Value {
    static W: OnceLock<serde_json::Value> = OnceLock::new();
    W.get_or_init(|| json(&acc_of(&corpus().entries)))
}

#[test]
fn replay_records_rebuild_the_pipeline_accumulator() {
    let c = corpus();
    assert!(c.entries.len() > 5_000, "{} records", c.entries.len());
    assert_eq!(*whole(), c.pipeline);
    // The capped sets are full somewhere, so their merge is exercised.
    let a = acc_of(&c.entries);
    assert!(a.findings.values().any(|f| f.accounts.len() == 100));
    assert!(a.causes.values().any(|c| c.more_ips));
}

/// Cut points (sorted, deduplicated) into `0..n`.
fn cuts(n: usize, raw: &[usize]) -> Vec<usize> {
    let mut v: Vec<usize> = raw.iter().map(|x| x % (n + 1)).collect();
    v.push(0);
    v.push(n);
    v.sort_unstable();
    v.dedup();
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn merging_consecutive_runs_in_order_is_one_run(raw in prop::collection::vec(0usize..100_000, 1..12)) {
        let e = &corpus().entries;
        let c = cuts(e.len(), &raw);
        let mut left = Acc::new(true);
        for w in c.windows(2) {
            left.merge(&acc_of(&e[w[0]..w[1]]));
        }
        prop_assert_eq!(&json(&left), whole());
    }

    #[test]
    fn merging_is_associative(raw in prop::collection::vec(0usize..100_000, 2..3)) {
        let e = &corpus().entries;
        let c = cuts(e.len(), &raw);
        let (i, j) = (c[1], c[c.len() - 2].max(c[1]));
        let (a, b, cc) = (&e[..i], &e[i..j], &e[j..]);
        let mut ab = acc_of(a);
        ab.merge(&acc_of(b));
        ab.merge(&acc_of(cc));
        let mut bc = acc_of(b);
        bc.merge(&acc_of(cc));
        let mut a_bc = acc_of(a);
        a_bc.merge(&bc);
        prop_assert_eq!(json(&ab), json(&a_bc));
    }
}
