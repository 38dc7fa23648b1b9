//! A process-wide switch for data parallelism.
//!
//! The library splits work with rayon's global pool. A process forked after that pool has
//! started inherits the pool's state but none of its threads, and any rayon call in the
//! child would wait forever. The Python bindings therefore turn parallelism off in a forked
//! child (through `os.register_at_fork`); Rust services that fork can do the same. This is
//! a switch on the library's own use of rayon, never a change to the global pool.

use std::sync::atomic::{AtomicBool, Ordering};

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Whether the library may run work in parallel.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Turns the library's parallelism on or off for this process.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Runs `a` and `b`, in parallel when allowed and `parallel` is true.
pub fn join<A, B, RA, RB>(parallel: bool, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if parallel && enabled() {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}

/// `items.map(f)` in order, in parallel when allowed.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    use rayon::prelude::*;
    if enabled() && items.len() > 1 {
        items.par_iter().map(f).collect()
    } else {
        items.iter().map(f).collect()
    }
}
