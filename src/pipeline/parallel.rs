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
