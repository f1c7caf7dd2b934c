//! Chunk accumulators the main thread has merged, held for the pool thread that made them
//! to free.

use crate::analysis::Acc;

/// Merged chunk accumulators waiting for the worker thread that made them to free them:
/// freed by another thread, each of their strings would cost that thread a cross-thread
/// free and the maker a collection of it.
pub(super) struct Graves(Vec<std::sync::Mutex<Vec<Acc>>>);

impl Graves {
    pub(super) fn new(threads: usize) -> Graves {
        Graves((0..threads).map(|_| Default::default()).collect())
    }

    /// Hands `acc` back to its maker (or frees it here, when the main thread made it).
    pub(super) fn bury(&self, owner: Option<usize>, acc: Acc) {
        if let Some(slot) = owner.and_then(|t| self.0.get(t))
            && let Ok(mut g) = slot.lock()
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Acc;

    fn held(g: &Graves) -> Vec<usize> {
        g.0.iter().map(|s| s.lock().unwrap().len()).collect()
    }

    #[test]
    fn an_accumulator_waits_for_its_maker_and_the_main_threads_is_freed_at_once() {
        let g = Graves::new(2);
        g.bury(Some(1), Acc::default());
        g.bury(Some(1), Acc::default());
        g.bury(None, Acc::default());
        g.bury(Some(7), Acc::default());
        assert_eq!(held(&g), [0, 2]);
        // Outside the pool nobody's are freed.
        g.free_mine();
        assert_eq!(held(&g), [0, 2]);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        pool.broadcast(|ctx| {
            if ctx.index() == 0 {
                g.free_mine();
            }
        });
        assert_eq!(held(&g), [0, 2], "thread 0 frees only its own");
        pool.broadcast(|ctx| {
            if ctx.index() == 1 {
                g.free_mine();
            }
        });
        assert_eq!(held(&g), [0, 0]);
    }
}
