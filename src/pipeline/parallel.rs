//! Who runs the work: the caller's thread or a rayon pool. rayon lives here and nowhere else.

use std::sync::Arc;

use rayon::prelude::*;

use crate::error::{Error, Result};

/// How a batch is spread over threads; the caller chooses.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub enum Parallelism {
    /// Everything on the calling thread (the default for the library: a service usually has
    /// its own threads).
    #[default]
    Sequential,
    /// A pool of this many threads, owned by the engine.
    Threads(usize),
    /// A pool the caller already has.
    Pool(Arc<rayon::ThreadPool>),
}

impl Parallelism {
    /// One thread per available core.
    #[must_use]
    pub fn available() -> Self {
        Parallelism::Threads(std::thread::available_parallelism().map_or(1, usize::from))
    }
}

/// The built form of [`Parallelism`].
#[derive(Debug, Clone)]
pub(crate) enum Executor {
    Sequential,
    Pool(Arc<rayon::ThreadPool>),
}

impl Executor {
    pub(crate) fn new(parallelism: &Parallelism) -> Result<Self> {
        Ok(match parallelism {
            Parallelism::Sequential => Executor::Sequential,
            Parallelism::Threads(n) => {
                let threads = (*n).max(1);
                let pool = rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .thread_name(|i| format!("fankui-{i}"))
                    .build()
                    .map_err(|source| Error::ThreadPool { threads, source })?;
                Executor::Pool(Arc::new(pool))
            }
            Parallelism::Pool(pool) => Executor::Pool(Arc::clone(pool)),
        })
    }

    /// `f` over `items`, results in input order.
    pub(crate) fn map<T, R, F>(&self, items: &[T], f: F) -> Vec<R>
    where
        T: Sync,
        R: Send,
        F: Fn(&T) -> R + Sync + Send,
    {
        match self {
            Executor::Sequential => items.iter().map(f).collect(),
            Executor::Pool(pool) => pool.install(|| items.par_iter().map(f).collect()),
        }
    }

    /// Streams `groups` through the pool: `work(group, i)` for each of a group's `parts`,
    /// then `done(group, results)` for each group in the order the groups came, on a thread
    /// of its own, while the pool already works on the groups after it. `done` gets the group
    /// back, to keep or to reuse.
    ///
    /// A map per group would wait for the group's slowest part before starting the next
    /// group, leaving threads idle at the end of every group. Here up to `ahead` groups are in
    /// flight (started and not yet done), which bounds memory. On one thread everything runs
    /// on the caller's thread, group after group. `done` failing stops the stream: the groups
    /// still to come are not started and the error is returned. A panic in `work` is raised
    /// again here.
    pub(crate) fn stream<G, R, E, P, W, D>(
        &self,
        groups: impl Iterator<Item = G>,
        ahead: usize,
        parts: P,
        work: W,
        mut done: D,
    ) -> std::result::Result<(), E>
    where
        G: Send + Sync,
        R: Send,
        E: Send,
        P: Fn(&G) -> usize,
        W: Fn(&G, usize) -> R + Sync,
        D: FnMut(G, Vec<R>) -> std::result::Result<(), E> + Send,
    {
        let pool = match self {
            Executor::Pool(pool) => pool,
            Executor::Sequential => {
                for group in groups {
                    let results = (0..parts(&group)).map(|i| work(&group, i)).collect();
                    done(group, results)?;
                }
                return Ok(());
            }
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<(u64, InFlight<G, R>)>();
        // One credit a group in flight: the sink hands one back for each group it is done
        // with, and it is gone (the send fails) once the sink stops.
        let (credit_tx, credit_rx) = std::sync::mpsc::sync_channel::<()>(ahead.max(1));
        std::thread::scope(|threads| {
            let sink = threads.spawn(move || -> std::result::Result<(), E> {
                let mut waiting = std::collections::BTreeMap::new();
                let mut next = 0u64;
                for (seq, group) in ready_rx {
                    waiting.insert(seq, group);
                    while let Some(mut group) = waiting.remove(&next) {
                        let results = group.results();
                        done(group.group, results)?;
                        next += 1;
                        let _ = credit_rx.recv();
                    }
                }
                Ok(())
            });
            pool.in_place_scope(|scope| {
                for (seq, group) in (0u64..).zip(groups) {
                    if credit_tx.send(()).is_err() {
                        break; // the sink stopped: its error is below
                    }
                    let n = parts(&group);
                    let group = Arc::new(InFlight::new(group, n));
                    for i in 0..n {
                        let (group, ready_tx, work) = (Arc::clone(&group), ready_tx.clone(), &work);
                        scope.spawn(move |_| {
                            let result =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    work(&group.group, i)
                                }));
                            group.put(i, result);
                            // The part that lets go of the group last hands it over.
                            if let Some(group) = Arc::into_inner(group) {
                                let _ = ready_tx.send((seq, group));
                            }
                        });
                    }
                    if let Some(group) = Arc::into_inner(group) {
                        let _ = ready_tx.send((seq, group));
                    }
                }
                drop(ready_tx);
            });
            match sink.join() {
                Ok(outcome) => outcome,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        })
    }

    /// Runs `a` and `b`, at the same time when there is more than one thread.
    pub(crate) fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA + Send,
        B: FnOnce() -> RB + Send,
        RA: Send,
        RB: Send,
    {
        match self {
            Executor::Pool(pool) if pool.current_num_threads() > 1 => pool.join(a, b),
            _ => (a(), b()),
        }
    }

    /// Number of threads that work on a batch.
    pub(crate) fn threads(&self) -> usize {
        match self {
            Executor::Sequential => 1,
            Executor::Pool(pool) => pool.current_num_threads(),
        }
    }
}

/// A group of [`Executor::stream`] and the results of its parts as they come in.
struct InFlight<G, R> {
    group: G,
    results: Vec<std::sync::Mutex<Option<std::thread::Result<R>>>>,
}

impl<G, R> InFlight<G, R> {
    fn new(group: G, parts: usize) -> Self {
        InFlight {
            group,
            results: (0..parts).map(|_| std::sync::Mutex::new(None)).collect(),
        }
    }

    fn put(&self, i: usize, result: std::thread::Result<R>) {
        *self.results[i]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
    }

    /// The results in part order; a part's panic is raised again.
    fn results(&mut self) -> Vec<R> {
        self.results
            .iter_mut()
            .map(|slot| {
                let result = slot
                    .get_mut()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take()
                    .expect("every part is in before its group is handed over");
                result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Groups of varying sizes; the work is slower for low part numbers so later parts and
    /// later groups finish first.
    fn run(executor: &Executor, ahead: usize) -> Vec<(usize, Vec<usize>)> {
        let groups = (0..40usize).map(|g| (g, g % 7));
        let mut seen = Vec::new();
        executor
            .stream(
                groups,
                ahead,
                |&(_, n)| n,
                |&(g, n), i| {
                    std::thread::sleep(std::time::Duration::from_micros(((n - i) * 50) as u64));
                    g * 100 + i
                },
                |(g, _), results| -> std::result::Result<(), ()> {
                    seen.push((g, results));
                    Ok(())
                },
            )
            .unwrap();
        seen
    }

    #[test]
    fn stream_hands_groups_over_in_order_with_their_parts_in_order() {
        let expected: Vec<(usize, Vec<usize>)> = (0..40)
            .map(|g| (g, (0..g % 7).map(|i| g * 100 + i).collect()))
            .collect();
        assert_eq!(run(&Executor::Sequential, 3), expected);
        for threads in [1, 2, 4] {
            let executor = Executor::new(&Parallelism::Threads(threads)).unwrap();
            for ahead in [1, 2, 5] {
                assert_eq!(
                    run(&executor, ahead),
                    expected,
                    "{threads} threads, {ahead} ahead"
                );
            }
        }
    }

    #[test]
    fn stream_stops_at_the_first_error_of_done() {
        let executor = Executor::new(&Parallelism::Threads(2)).unwrap();
        let started = std::sync::atomic::AtomicUsize::new(0);
        let groups = (0..1000usize).inspect(|_| {
            started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let mut done = 0;
        let outcome = executor.stream(
            groups,
            2,
            |_| 3,
            |&g, i| g + i,
            |g, _| {
                done += 1;
                if g == 5 {
                    Err(format!("group {g}"))
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(outcome, Err("group 5".to_string()));
        assert_eq!(done, 6);
        // Groups 0–5 and at most the few in flight after them were started.
        assert!(started.load(std::sync::atomic::Ordering::Relaxed) < 12);
    }

    #[test]
    fn stream_raises_a_panic_of_work_again() {
        let executor = Executor::new(&Parallelism::Threads(2)).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            executor.stream(
                0..100usize,
                2,
                |_| 2,
                |&g, _| assert!(g != 7, "part of group 7"),
                |_, _| Ok::<(), ()>(()),
            )
        }));
        let panic = outcome.expect_err("the panic comes back");
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
        assert_eq!(message.as_deref(), Some("part of group 7"));
    }
}
