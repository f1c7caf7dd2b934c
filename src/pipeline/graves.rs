//! Chunk accumulators the main thread has merged, held for the pool thread that made them
//! to free.

use crate::analysis::Acc;

/// How many merged accumulators wait for one thread; past that the main thread frees them
/// (a thread busy with a long chunk while the others' are merged), so what is held stays
/// bounded by the thread count whatever the schedule.
pub(super) const MAX_HELD: usize = 16;

/// Merged chunk accumulators waiting for the worker thread that made them to free them:
/// freed by another thread, each of their strings would cost that thread a cross-thread
/// free and the maker a collection of it.
pub(super) struct Graves(Vec<std::sync::Mutex<Vec<Acc>>>);

impl Graves {
    pub(super) fn new(threads: usize) -> Graves {
        Graves((0..threads).map(|_| Default::default()).collect())
    }

    /// Hands `acc` back to its maker; frees it here when the main thread made it or its
    /// maker already has `MAX_HELD` waiting.
    pub(super) fn bury(&self, owner: Option<usize>, acc: Acc) {
        if let Some(slot) = owner.and_then(|t| self.0.get(t))
            && let Ok(mut g) = slot.lock()
            && g.len() < MAX_HELD
        {
            g.push(acc);
        }
    }

    /// Frees what this pool thread made and the main thread has merged since.
    pub(super) fn free_mine(&self) {
        let Some(slot) = rayon::current_thread_index().and_then(|t| self.0.get(t)) else {
            return;
        };
        let dead = slot.lock().map(|mut g| std::mem::take(&mut *g));
        drop(dead);
    }

    #[cfg(test)]
    fn held(&self) -> Vec<usize> {
        self.0
            .iter()
            .map(|s| s.lock().map_or(0, |g| g.len()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_accumulator_waits_for_its_maker_and_only_its_maker_frees_it() {
        let g = Graves::new(2);
        g.bury(Some(1), Acc::default());
        g.bury(Some(1), Acc::default());
        // The main thread's, and a slot past the pool's: not held.
        g.bury(None, Acc::default());
        g.bury(Some(7), Acc::default());
        assert_eq!(g.held(), [0, 2]);
        // Outside the pool nobody's are freed.
        g.free_mine();
        assert_eq!(g.held(), [0, 2]);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.broadcast(|ctx| {
            if ctx.index() == 0 {
                g.free_mine();
            }
        });
        assert_eq!(g.held(), [0, 2], "thread 0 frees only its own");
        pool.broadcast(|ctx| {
            if ctx.index() == 1 {
                g.free_mine();
            }
        });
        assert_eq!(g.held(), [0, 0]);
    }

    #[test]
    fn a_thread_that_does_not_come_back_holds_at_most_max_held() {
        let g = Graves::new(1);
        for _ in 0..MAX_HELD * 3 {
            g.bury(Some(0), Acc::default());
        }
        assert_eq!(g.held(), [MAX_HELD]);
    }
}
