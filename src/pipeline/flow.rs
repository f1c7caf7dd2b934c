//! The main thread's bookkeeping between the reader, the workers and the merge: which chunks
//! are running, which finished and wait for an earlier one, whether another may be read, and
//! what comes next in input order. No threads here: `run_state` drives it.

use std::collections::{HashMap, VecDeque};

use crate::error::{Error, Result};
use crate::input::{Chunk, InputInfo, Msg, Payload};

/// What the reader sent, kept in its order: inputs and notes are applied between chunks.
pub(super) enum Event {
    Input(InputInfo),
    Note(usize, String),
    Chunk(usize),
}

/// A worker's result: the chunk's sequence number, the chunk, and what came of it.
pub(super) type Done<O> = (usize, Chunk, O);

/// How far ahead of the merge the main thread hands out chunks.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// Chunks handed to the workers and not yet finished (one decoding and one queued a
    /// thread): enough that no worker waits for the main thread.
    running: usize,
    /// Chunks handed out and not yet merged: how far the workers may run ahead of a slow
    /// chunk at the front.
    pub held: usize,
    /// Bytes of those chunks' buffers. Past it, only `running` chunks are held: a run of
    /// records near the 64 MiB limit keeps the memory of one with a single bound.
    pub held_bytes: usize,
}

impl Limits {
    /// Two chunks running and eight held a thread. The byte bound allows each held chunk
    /// twice the chunk size, and at least 1 MiB: a chunk ends at the first record past
    /// `chunk_bytes`, so chunks of ordinary records never reach it.
    pub fn new(threads: usize, chunk_bytes: usize) -> Self {
        let threads = threads.max(1);
        let per_chunk = chunk_bytes.saturating_mul(2).max(1 << 20);
        Limits {
            running: threads * 2,
            held: threads * 8,
            held_bytes: (threads * 8).saturating_mul(per_chunk),
        }
    }
}

/// What the main thread does next.
pub(super) enum Step<O> {
    /// Merge this chunk: it is the next in input order.
    Merge(Chunk, O),
    /// Apply this input or note: it is the next in input order.
    Apply(Event),
    /// Nothing to merge yet and another chunk may be handed out: wait for the reader.
    Read,
    /// Nothing to merge yet and no more may be handed out: wait for a worker.
    Wait,
    /// All merged and the reader has finished; its error, if it failed.
    End(Option<Error>),
}

/// Where each chunk is between the reader, the workers and the merge. Every chunk in `order`
/// is either running or in `finished`, so those two make the chunks held.
pub(super) struct Flow<O> {
    limits: Limits,
    /// Inputs, notes and chunks, in the order the reader sent them.
    order: VecDeque<Event>,
    /// Chunks the workers finished, waiting for the earlier ones to be merged.
    finished: HashMap<usize, (Chunk, O)>,
    /// The sequence number the next chunk from the reader gets.
    next_seq: usize,
    /// Chunks handed to a worker and not yet finished.
    running: usize,
    /// The buffer bytes of the held chunks.
    held_bytes: usize,
    /// The reader has finished, or failed: nothing more is read.
    reader_done: bool,
    /// The reader's error, returned once what came before it is merged.
    failure: Option<Error>,
}

impl<O> Flow<O> {
    pub fn new(limits: Limits) -> Self {
        Flow {
            limits,
            order: VecDeque::new(),
            finished: HashMap::new(),
            next_seq: 0,
            running: 0,
            held_bytes: 0,
            reader_done: false,
            failure: None,
        }
    }

    /// Whether another message may be taken from the reader: it has not finished, fewer
    /// than `running` chunks are running, and fewer than `held` are held (and, past the byte
    /// bound, fewer than `running`).
    pub fn may_read(&self) -> bool {
        let (l, held) = (self.limits, self.held());
        !self.reader_done
            && self.running < l.running
            && held < l.held
            && (held < l.running || self.held_bytes < l.held_bytes)
    }

    /// Chunks handed to a worker and not yet merged.
    fn held(&self) -> usize {
        self.running + self.finished.len()
    }

    /// One message from the reader (`None`: it has finished); a chunk goes to `spawn`. The
    /// caller has checked `may_read`.
    pub fn accept(&mut self, msg: Option<Result<Msg>>, spawn: impl FnOnce(usize, Chunk)) {
        debug_assert!(self.may_read());
        match msg {
            Some(Ok(Msg::Chunk(chunk))) => {
                let seq = self.next_seq;
                self.next_seq += 1;
                self.running += 1;
                self.held_bytes += weight(&chunk);
                self.order.push_back(Event::Chunk(seq));
                spawn(seq, chunk);
            }
            Some(Ok(Msg::Input(info))) => self.order.push_back(Event::Input(info)),
            Some(Ok(Msg::InputNote { input, note })) => {
                self.order.push_back(Event::Note(input, note))
            }
            Some(Err(e)) => {
                // Stop reading, but merge what was already handed out, so what a run wrote
                // before an error does not depend on timing.
                self.failure = Some(e);
                self.reader_done = true;
            }
            None => self.reader_done = true,
        }
    }

    /// A worker's result, kept until its chunk is the next in input order.
    pub fn finish(&mut self, (seq, chunk, out): Done<O>) {
        self.running -= 1;
        self.finished.insert(seq, (chunk, out));
    }

    /// The next step: the next event in input order if it is ready, else what to wait for.
    pub fn next(&mut self) -> Step<O> {
        match self.order.front() {
            Some(Event::Chunk(seq)) => {
                if let Some((chunk, out)) = self.finished.remove(seq) {
                    self.order.pop_front();
                    self.held_bytes -= weight(&chunk);
                    return Step::Merge(chunk, out);
                }
            }
            Some(Event::Input(_) | Event::Note(..)) => {
                if let Some(ev) = self.order.pop_front() {
                    return Step::Apply(ev);
                }
            }
            None if self.reader_done => return Step::End(self.failure.take()),
            None => {}
        }
        if self.may_read() {
            Step::Read
        } else {
            // The front chunk is running (a chunk in `order` is running or finished), or
            // `order` is empty and nothing is held, so `may_read` held unless the reader
            // is done: there is a worker to wait for.
            assert!(self.running > 0, "no chunk running and none may be read");
            Step::Wait
        }
    }
}

/// The bytes a chunk holds while it waits: its records (its buffer's length, which nothing
/// changes between the reader and the merge).
fn weight(chunk: &Chunk) -> usize {
    match &chunk.payload {
        Payload::Json { buf, .. } | Payload::Csv { buf, .. } => buf.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::json::JsonShape;

    fn chunk(bytes: usize) -> Chunk {
        Chunk {
            input: 0,
            first_record: 1,
            base_line: 1,
            payload: Payload::Json {
                buf: vec![b' '; bytes],
                spans: Vec::new(),
                shape: JsonShape::SignIn,
            },
            reader_skips: Vec::new(),
            bytes: bytes as u64,
        }
    }

    /// One thread: two running, eight held, 8 MiB of held chunks.
    fn limits() -> Limits {
        Limits::new(1, 100)
    }

    /// Hands out chunks of `bytes` while `may_read`, returning their sequence numbers.
    fn fill(flow: &mut Flow<u32>, bytes: usize) -> Vec<(usize, Chunk)> {
        let mut out = Vec::new();
        while flow.may_read() {
            let mut got = None;
            flow.accept(Some(Ok(Msg::Chunk(chunk(bytes)))), |s, c| {
                got = Some((s, c))
            });
            out.push(got.expect("a chunk is spawned"));
            check(flow);
        }
        out
    }

    fn check(flow: &Flow<u32>) {
        let chunks = flow
            .order
            .iter()
            .filter(|e| matches!(e, Event::Chunk(_)))
            .count();
        assert_eq!(chunks, flow.held());
    }

    #[test]
    fn running_bound_stops_reading() {
        let mut flow = Flow::new(limits());
        let spawned = fill(&mut flow, 10);
        assert_eq!(spawned.len(), 2);
        assert_eq!(flow.running, 2);
        assert!(matches!(flow.next(), Step::Wait));
    }

    #[test]
    fn held_bound_stops_reading_behind_a_slow_front_chunk() {
        let mut flow = Flow::new(limits());
        let mut front = None;
        let mut seqs = Vec::new();
        // Every chunk but the first finishes at once: the workers run ahead of it.
        while flow.may_read() {
            for (seq, c) in fill(&mut flow, 10) {
                seqs.push(seq);
                if seq == 0 {
                    front = Some(c);
                } else {
                    flow.finish((seq, c, seq as u32));
                }
                check(&flow);
            }
            assert!(matches!(flow.next(), Step::Read | Step::Wait));
        }
        assert_eq!(flow.held(), 8, "stops at the held bound");
        assert_eq!(flow.running, 1, "only the front chunk runs");
        assert!(matches!(flow.next(), Step::Wait));
        flow.finish((0, front.expect("chunk 0"), 0));
        // Now everything merges, in order.
        let mut merged = Vec::new();
        while let Step::Merge(_, out) = flow.next() {
            merged.push(out);
            check(&flow);
        }
        assert_eq!(merged, (0..8).collect::<Vec<u32>>());
        assert_eq!(seqs, (0..8).collect::<Vec<usize>>());
        assert!(matches!(flow.next(), Step::Read));
    }

    #[test]
    fn byte_bound_keeps_huge_chunks_to_the_running_bound() {
        // Chunks far larger than twice the chunk size: only `running` are held.
        let mut flow = Flow::new(limits());
        let mut slow = Vec::new();
        while flow.may_read() {
            for (seq, c) in fill(&mut flow, 5 << 20) {
                if seq == 0 {
                    slow.push(c);
                } else {
                    flow.finish((seq, c, 0));
                }
            }
        }
        assert_eq!(flow.held(), 2);
        assert_eq!(flow.running, 1);
        assert_eq!(slow.len(), 1);
    }

    #[test]
    fn huge_chunks_merge_and_give_their_bytes_back() {
        let mut flow: Flow<u32> = Flow::new(limits());
        // A huge chunk at the front, then small ones: all are held up to the held bound
        // only once the huge one is merged.
        let mut got = None;
        flow.accept(Some(Ok(Msg::Chunk(chunk(9 << 20)))), |s, c| {
            got = Some((s, c))
        });
        let (seq, c) = got.expect("spawned");
        let rest = fill(&mut flow, 10);
        assert_eq!(
            rest.len(),
            1,
            "past the byte bound: only running chunks are held"
        );
        flow.finish((seq, c, 0));
        for (seq, c) in rest {
            flow.finish((seq, c, 1));
        }
        assert!(matches!(flow.next(), Step::Merge(_, 0)));
        assert!(matches!(flow.next(), Step::Merge(_, 1)));
        assert_eq!(flow.held_bytes, 0);
        check(&flow);
        assert_eq!(fill(&mut flow, 10).len(), 2);
    }

    #[test]
    fn reader_error_ends_after_what_came_before() {
        let mut flow: Flow<u32> = Flow::new(limits());
        for (seq, c) in fill(&mut flow, 10) {
            flow.finish((seq, c, 7 + seq as u32));
        }
        let err = Error::Read {
            path: "in.json".into(),
            reason: "broken".into(),
        };
        // Room again: the reader's error comes next.
        assert!(flow.may_read());
        flow.accept(Some(Err(err)), |_, _| panic!("no chunk"));
        assert!(!flow.may_read());
        assert!(matches!(flow.next(), Step::Merge(_, 7)));
        assert!(matches!(flow.next(), Step::Merge(_, 8)));
        assert!(matches!(flow.next(), Step::End(Some(Error::Read { .. }))));
    }

    #[test]
    fn inputs_and_notes_keep_their_place_between_chunks() {
        let mut flow: Flow<u32> = Flow::new(limits());
        flow.accept(
            Some(Ok(Msg::InputNote {
                input: 0,
                note: "first".into(),
            })),
            |_, _| panic!("no chunk"),
        );
        let mut spawned = None;
        flow.accept(Some(Ok(Msg::Chunk(chunk(10)))), |s, c| {
            spawned = Some((s, c))
        });
        flow.accept(
            Some(Ok(Msg::InputNote {
                input: 0,
                note: "after".into(),
            })),
            |_, _| panic!("no chunk"),
        );
        flow.accept(None, |_, _| panic!("no chunk"));
        assert!(matches!(flow.next(), Step::Apply(Event::Note(0, n)) if n == "first"));
        assert!(matches!(flow.next(), Step::Wait), "the chunk runs");
        let (seq, c) = spawned.expect("spawned");
        flow.finish((seq, c, 1));
        assert!(matches!(flow.next(), Step::Merge(_, 1)));
        assert!(matches!(flow.next(), Step::Apply(Event::Note(0, n)) if n == "after"));
        assert!(matches!(flow.next(), Step::End(None)));
    }

    #[test]
    fn nothing_read_ends_at_once() {
        let mut flow: Flow<u32> = Flow::new(limits());
        assert!(matches!(flow.next(), Step::Read));
        flow.accept(None, |_, _| panic!("no chunk"));
        assert!(matches!(flow.next(), Step::End(None)));
    }
}
