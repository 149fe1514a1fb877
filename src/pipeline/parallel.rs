//! Who runs the work: the caller's thread or a rayon pool, and the streaming driver that every
//! pass over a stream goes through. rayon lives here and nowhere else.

use std::collections::BTreeMap;
use std::sync::{mpsc, Arc};

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

    /// `f` over `items`, taken by value (and dropped on the thread that took them), results
    /// in input order.
    pub(crate) fn map_owned<T, R, F>(&self, items: Vec<T>, f: F) -> Vec<R>
    where
        T: Send,
        R: Send,
        F: Fn(T) -> R + Sync + Send,
    {
        match self {
            Executor::Sequential => items.into_iter().map(f).collect(),
            Executor::Pool(pool) => pool.install(|| items.into_par_iter().map(f).collect()),
        }
    }

    /// The streaming driver: chunks read on a thread of their own, worked on by the pool, and
    /// handed over in input order.
    ///
    /// `read(spent)` gives the next chunk (`None` at the end); `spent` is a chunk `done` has
    /// finished with, to be filled again (its buffers are already allocated) or dropped.
    /// `work(chunk, i)` runs on the pool for each of a chunk's `parts(chunk)` tasks, and
    /// `done(chunk, results)` on the caller's thread for each chunk in the order they were
    /// read, with the results in task order. So `done` may keep state across chunks and need
    /// not be `Send`.
    ///
    /// Up to `ahead` chunks are in flight (started and not yet done) and one more read and
    /// waiting, which bounds memory. The pool starts on the next chunks while the tasks of a
    /// chunk finish and while `done` works, so no thread waits at the end of a chunk (a map
    /// per chunk would wait for its slowest task). With one thread everything runs on the
    /// caller's thread, chunk after chunk.
    ///
    /// # Errors
    ///
    /// `done` failing stops the stream: no further chunk is started, and its error is
    /// returned. `read` failing ends the stream once the chunks read before it are done, and
    /// its error is returned.
    ///
    /// # Panics
    ///
    /// A panic in `work`, `read` or `done` is raised again on the caller's thread.
    pub(crate) fn stream<C, R, E>(
        &self,
        mut read: impl FnMut(Option<C>) -> std::result::Result<Option<C>, E> + Send,
        ahead: usize,
        parts: impl Fn(&C) -> usize + Sync,
        work: impl Fn(&C, usize) -> R + Sync,
        mut done: impl FnMut(&C, Vec<R>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E>
    where
        C: Send + Sync,
        R: Send,
        E: Send,
    {
        let pool = match self {
            Executor::Pool(pool) if pool.current_num_threads() > 1 => pool,
            _ => {
                let mut spent = None;
                while let Some(chunk) = read(spent.take())? {
                    let results = (0..parts(&chunk)).map(|i| work(&chunk, i)).collect();
                    done(&chunk, results)?;
                    spent = Some(chunk);
                }
                return Ok(());
            }
        };
        let (parts, work) = (&parts, &work);
        std::thread::scope(|threads| {
            // The channels live in this closure, so that a panic of `done` drops them and
            // lets the reader go before the scope waits for it.
            let (ready_tx, ready_rx) = mpsc::channel::<(u64, InFlight<C, R>)>();
            // One credit a chunk in flight: `done` hands one back for each chunk it is done
            // with, and the reader's send fails once `done` has stopped.
            let (credit_tx, credit_rx) = mpsc::sync_channel::<()>(ahead.max(1));
            let (spent_tx, spent_rx) = mpsc::sync_channel::<C>(ahead.max(1) + 1);
            let reader = threads.spawn(move || {
                pool.in_place_scope(|scope| {
                    for seq in 0u64.. {
                        let Some(chunk) = read(spent_rx.try_recv().ok())? else {
                            break;
                        };
                        if credit_tx.send(()).is_err() {
                            break; // `done` stopped: its error is returned below
                        }
                        let n = parts(&chunk);
                        let chunk = Arc::new(InFlight::new(chunk, n));
                        for i in 0..n {
                            let (chunk, ready_tx) = (Arc::clone(&chunk), ready_tx.clone());
                            scope.spawn(move |_| {
                                let result =
                                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                        work(&chunk.chunk, i)
                                    }));
                                chunk.put(i, result);
                                // The task that lets go of the chunk last hands it over.
                                if let Some(chunk) = Arc::into_inner(chunk) {
                                    let _ = ready_tx.send((seq, chunk));
                                }
                            });
                        }
                        if let Some(chunk) = Arc::into_inner(chunk) {
                            let _ = ready_tx.send((seq, chunk));
                        }
                    }
                    Ok(())
                })
            });
            let mut waiting = BTreeMap::new();
            let mut next = 0u64;
            let mut sink = || {
                for (seq, chunk) in &ready_rx {
                    waiting.insert(seq, chunk);
                    while let Some(mut chunk) = waiting.remove(&next) {
                        let results = chunk.results();
                        done(&chunk.chunk, results)?;
                        next += 1;
                        let _ = spent_tx.try_send(chunk.chunk);
                        let _ = credit_rx.recv();
                    }
                }
                Ok(())
            };
            let sunk = sink();
            drop((ready_rx, credit_rx, spent_tx));
            let read = match reader.join() {
                Ok(outcome) => outcome,
                Err(panic) => std::panic::resume_unwind(panic),
            };
            sunk.and(read)
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

/// A chunk of [`Executor::stream`] and the results of its tasks as they come in.
struct InFlight<C, R> {
    chunk: C,
    results: Vec<std::sync::Mutex<Option<std::thread::Result<R>>>>,
}

impl<C, R> InFlight<C, R> {
    fn new(chunk: C, parts: usize) -> Self {
        InFlight {
            chunk,
            results: (0..parts).map(|_| std::sync::Mutex::new(None)).collect(),
        }
    }

    fn put(&self, i: usize, result: std::thread::Result<R>) {
        *self.results[i]
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(result);
    }

    /// The results in task order; a task's panic is raised again.
    fn results(&mut self) -> Vec<R> {
        self.results
            .iter_mut()
            .map(|slot| {
                let result = slot
                    .get_mut()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take()
                    .expect("every task is in before its chunk is handed over");
                result.unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `chunks` in turn, as [`Executor::stream`]'s `read`.
    fn reading<C>(
        mut chunks: impl Iterator<Item = C> + Send,
    ) -> impl FnMut(Option<C>) -> std::result::Result<Option<C>, String> + Send {
        move |_| Ok(chunks.next())
    }

    /// Chunks of varying sizes; the work is slower for low task numbers so later tasks and
    /// later chunks finish first.
    fn run(executor: &Executor, ahead: usize) -> Vec<(usize, Vec<usize>)> {
        let chunks = (0..40usize).map(|g| (g, g % 7));
        let mut seen = Vec::new();
        executor
            .stream(
                reading(chunks),
                ahead,
                |&(_, n)| n,
                |&(g, n), i| {
                    std::thread::sleep(std::time::Duration::from_micros(((n - i) * 50) as u64));
                    g * 100 + i
                },
                |&(g, _), results| {
                    seen.push((g, results));
                    Ok(())
                },
            )
            .unwrap();
        seen
    }

    #[test]
    fn stream_hands_chunks_over_in_order_with_their_tasks_in_order() {
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
        let chunks = (0..1000usize).inspect(|_| {
            started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let mut done = 0;
        let outcome = executor.stream(
            reading(chunks),
            2,
            |_| 3,
            |&g, i| g + i,
            |&g, _| {
                done += 1;
                if g == 5 {
                    Err(format!("chunk {g}"))
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(outcome, Err("chunk 5".to_string()));
        assert_eq!(done, 6);
        // Chunks 0–5 and at most the few in flight or read after them were read.
        assert!(started.load(std::sync::atomic::Ordering::Relaxed) < 12);
    }

    #[test]
    fn stream_does_the_chunks_read_before_an_error_of_read_and_returns_it() {
        for executor in [
            Executor::Sequential,
            Executor::new(&Parallelism::Threads(2)).unwrap(),
        ] {
            let mut next = 0usize;
            let mut done = Vec::new();
            let outcome = executor.stream(
                |_| {
                    next += 1;
                    match next {
                        8 => Err("cannot read".to_string()),
                        n => Ok(Some(n)),
                    }
                },
                3,
                |_| 2,
                |&g, i| g * 10 + i,
                |&g, results| {
                    done.push((g, results));
                    Ok(())
                },
            );
            assert_eq!(outcome, Err("cannot read".to_string()));
            let expected: Vec<_> = (1..8).map(|g| (g, vec![g * 10, g * 10 + 1])).collect();
            assert_eq!(done, expected);
        }
    }

    #[test]
    fn stream_hands_spent_chunks_back_to_read() {
        for executor in [
            Executor::Sequential,
            Executor::new(&Parallelism::Threads(2)).unwrap(),
        ] {
            // A chunk is a buffer; a new one is made only when none comes back.
            let mut made = 0;
            let mut read = 0;
            let mut sums = Vec::new();
            executor
                .stream(
                    |spent: Option<Vec<usize>>| {
                        if read == 100 {
                            return Ok(None);
                        }
                        read += 1;
                        let mut buffer = spent.unwrap_or_else(|| {
                            made += 1;
                            Vec::new()
                        });
                        buffer.clear();
                        buffer.extend(read..read + 4);
                        Ok::<_, ()>(Some(buffer))
                    },
                    2,
                    |_| 1,
                    |chunk, _| chunk.iter().sum::<usize>(),
                    |_, results| {
                        sums.extend(results);
                        Ok(())
                    },
                )
                .unwrap();
            assert_eq!(sums, (1..=100).map(|r| 4 * r + 6).collect::<Vec<_>>());
            // In flight, waiting and being read: a few, however long the stream.
            assert!(made <= 6, "{made} buffers made");
        }
    }

    #[test]
    fn stream_raises_a_panic_of_work_again() {
        let executor = Executor::new(&Parallelism::Threads(2)).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            executor.stream(
                reading(0..100usize),
                2,
                |_| 2,
                |&g, _| assert!(g != 7, "task of chunk 7"),
                |_, _| Ok(()),
            )
        }));
        let panic = outcome.expect_err("the panic comes back");
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()));
        assert_eq!(message.as_deref(), Some("task of chunk 7"));
    }

    #[test]
    fn stream_lets_the_reader_go_when_done_panics() {
        let executor = Executor::new(&Parallelism::Threads(2)).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            executor.stream(
                reading(0..usize::MAX),
                2,
                |_| 1,
                |&g, _| g,
                |&g, _| -> std::result::Result<(), String> {
                    assert!(g != 3, "done at chunk 3");
                    Ok(())
                },
            )
        }));
        assert!(outcome.is_err());
    }
}
