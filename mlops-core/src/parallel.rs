//! A process-wide switch for data parallelism, and the library's only way to use it.
//!
//! The library splits work with rayon's global pool. A process forked after that pool has
//! started inherits the pool's state but none of its threads, and any rayon call in the
//! child would wait forever. The Python bindings therefore turn parallelism off in a forked
//! child (through `os.register_at_fork`); Rust services that fork can do the same. This is
//! a switch on the library's own use of rayon, never a change to the global pool.
//!
//! A switch only helps if nothing goes around it, so this module is the one place in the
//! workspace that names rayon: every parallel loop goes through one of the helpers below,
//! each of which runs the same closures in order on the calling thread when the switch is
//! off. The other crates do not depend on rayon at all (so the compiler refuses a use), and
//! the workspace test `tests/parallel_switch.rs` fails when a source file outside this one
//! names rayon or a parallel-iterator method, or a manifest other than mlops-core's brings
//! rayon in; it also runs every parallel entry point with rayon's workers all busy and the
//! switch off, which finishes only if none of them reaches the pool.
//!
//! Every helper takes `parallel`, the caller's judgement that the work is worth spreading
//! (enough rows, more than one item); the work runs in parallel only when that is true and
//! the switch is on. Results come back in input order either way, so the answer never
//! depends on the switch.

use std::cmp::Ordering as CmpOrdering;
use std::sync::atomic::{AtomicBool, Ordering};

use rayon::prelude::*;

static ENABLED: AtomicBool = AtomicBool::new(true);

/// Whether the library may run work in parallel.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Turns the library's parallelism on or off for this process.
///
/// Turn it off in a process forked after the library ran in parallel (rayon's pool has no
/// threads there); turning it back on in such a process makes the next parallel call hang.
pub fn set_enabled(on: bool) {
    ENABLED.store(on, Ordering::Relaxed);
}

/// Whether a helper given `parallel` may use rayon now.
fn go(parallel: bool) -> bool {
    parallel && enabled()
}

/// Runs `a` and `b`, in parallel when allowed and `parallel` is true.
pub fn join<A, B, RA, RB>(parallel: bool, a: A, b: B) -> (RA, RB)
where
    A: FnOnce() -> RA + Send,
    B: FnOnce() -> RB + Send,
    RA: Send,
    RB: Send,
{
    if go(parallel) {
        rayon::join(a, b)
    } else {
        (a(), b())
    }
}

/// `items.map(f)` in order, in parallel when allowed and there is more than one item.
pub fn map<T, R, F>(items: &[T], f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    if go(items.len() > 1) {
        items.par_iter().map(f).collect()
    } else {
        items.iter().map(f).collect()
    }
}

/// `(0..n).map(f)` in order, in parallel when allowed and `parallel` is true.
pub fn map_range<R, F>(parallel: bool, n: usize, f: F) -> Vec<R>
where
    R: Send,
    F: Fn(usize) -> R + Sync + Send,
{
    if go(parallel) {
        (0..n).into_par_iter().map(f).collect()
    } else {
        (0..n).map(f).collect()
    }
}

/// `(0..n).map(|i| f(&mut scratch, i))` in order, in parallel when allowed and `parallel`
/// is true. Each worker gets scratch space from `init` (once per piece of work rayon hands
/// out, so `f` must not rely on what an earlier call left in it).
pub fn map_range_init<S, R, I, F>(parallel: bool, n: usize, init: I, f: F) -> Vec<R>
where
    R: Send,
    I: Fn() -> S + Sync + Send,
    F: Fn(&mut S, usize) -> R + Sync + Send,
{
    if go(parallel) {
        (0..n).into_par_iter().map_init(init, f).collect()
    } else {
        let mut scratch = init();
        (0..n).map(|i| f(&mut scratch, i)).collect()
    }
}

/// `(0..n).map(f)` collected into a `Result`: the first error in index order wins when run
/// serially; in parallel, some error (rayon stops at the first one it sees).
///
/// # Errors
/// An error returned by `f`.
pub fn try_map_range<R, E, F>(parallel: bool, n: usize, f: F) -> Result<Vec<R>, E>
where
    R: Send,
    E: Send,
    F: Fn(usize) -> Result<R, E> + Sync + Send,
{
    if go(parallel) {
        (0..n).into_par_iter().map(f).collect()
    } else {
        (0..n).map(f).collect()
    }
}

/// `items.map(f)` collected into a `Result`, in parallel when allowed and `parallel` is
/// true.
///
/// # Errors
/// An error returned by `f` (as [`try_map_range`]).
pub fn try_map<T, R, E, F>(parallel: bool, items: &[T], f: F) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
    F: Fn(&T) -> Result<R, E> + Sync + Send,
{
    if go(parallel) {
        items.par_iter().map(f).collect()
    } else {
        items.iter().map(f).collect()
    }
}

/// `f` on each chunk of `size` items (the last may be shorter; a `size` of 0 counts as 1),
/// results in order; in parallel when allowed and `parallel` is true.
pub fn map_chunks<T, R, F>(parallel: bool, items: &[T], size: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&[T]) -> R + Sync + Send,
{
    let size = size.max(1);
    if go(parallel) {
        items.par_chunks(size).map(f).collect()
    } else {
        items.chunks(size).map(f).collect()
    }
}

/// `f` on every item, in parallel when allowed and `parallel` is true.
pub fn for_each_mut<T, F>(parallel: bool, items: &mut [T], f: F)
where
    T: Send,
    F: Fn(&mut T) + Sync + Send,
{
    if go(parallel) {
        items.par_iter_mut().for_each(f);
    } else {
        items.iter_mut().for_each(f);
    }
}

/// `f` on every item until one fails, in parallel when allowed and `parallel` is true.
///
/// # Errors
/// An error returned by `f` (as [`try_map_range`]); items after it may be left untouched.
pub fn try_for_each_mut<T, E, F>(parallel: bool, items: &mut [T], f: F) -> Result<(), E>
where
    T: Send,
    E: Send,
    F: Fn(&mut T) -> Result<(), E> + Sync + Send,
{
    if go(parallel) {
        items.par_iter_mut().try_for_each(f)
    } else {
        items.iter_mut().try_for_each(f)
    }
}

/// Sorts `items` by `compare` (not stable), in parallel when allowed and `parallel` is
/// true.
pub fn sort_unstable_by<T, F>(parallel: bool, items: &mut [T], compare: F)
where
    T: Send,
    F: Fn(&T, &T) -> CmpOrdering + Sync,
{
    if go(parallel) {
        items.par_sort_unstable_by(compare);
    } else {
        items.sort_unstable_by(compare);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// The switch is process-wide, so the tests that flip it take turns.
    static SWITCH: Mutex<()> = Mutex::new(());

    /// Every helper with `parallel = true`, each closure reporting whether it ran on a
    /// rayon worker; returns how many closures did, and checks each result.
    fn calls_on_workers() -> usize {
        let on_worker = || usize::from(rayon::current_thread_index().is_some());
        let n = 4096;
        let items: Vec<usize> = (0..n).collect();
        let mut seen = 0;
        let (a, b) = join(true, on_worker, on_worker);
        seen += a + b;
        let m = map(&items, |&i| (i, on_worker()));
        assert!(m.iter().enumerate().all(|(k, &(i, _))| k == i));
        seen += m.iter().map(|p| p.1).sum::<usize>();
        let m = map_range(true, n, |i| (i, on_worker()));
        assert!(m.iter().enumerate().all(|(k, &(i, _))| k == i));
        seen += m.iter().map(|p| p.1).sum::<usize>();
        let m = map_range_init(true, n, Vec::<usize>::new, |s, i| {
            s.push(i);
            (i, on_worker())
        });
        assert!(m.iter().enumerate().all(|(k, &(i, _))| k == i));
        seen += m.iter().map(|p| p.1).sum::<usize>();
        let m: Result<Vec<(usize, usize)>, ()> = try_map_range(true, n, |i| Ok((i, on_worker())));
        seen += m.unwrap().iter().map(|p| p.1).sum::<usize>();
        let m: Result<Vec<usize>, ()> = try_map(true, &items, |_| Ok(on_worker()));
        seen += m.unwrap().iter().sum::<usize>();
        let m = map_chunks(true, &items, 7, |c| (c.len(), on_worker()));
        assert_eq!(m.iter().map(|p| p.0).sum::<usize>(), n);
        seen += m.iter().map(|p| p.1).sum::<usize>();
        let mut cells: Vec<usize> = vec![0; n];
        for_each_mut(true, &mut cells, |c| *c = on_worker());
        seen += cells.iter().sum::<usize>();
        let r: Result<(), ()> = try_for_each_mut(true, &mut cells, |c| {
            *c = on_worker();
            Ok(())
        });
        r.unwrap();
        seen += cells.iter().sum::<usize>();
        let mut keys: Vec<u64> = (0..1u64 << 16).rev().collect();
        let sorted_on_worker = std::sync::atomic::AtomicUsize::new(0);
        sort_unstable_by(true, &mut keys, |a, b| {
            if rayon::current_thread_index().is_some() {
                sorted_on_worker.fetch_add(1, Ordering::Relaxed);
            }
            a.cmp(b)
        });
        assert!(keys.windows(2).all(|w| w[0] < w[1]));
        seen + sorted_on_worker.into_inner()
    }

    #[test]
    fn the_switch_keeps_every_helper_on_the_calling_thread() {
        let _turn = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
        set_enabled(false);
        let seen = calls_on_workers();
        set_enabled(true);
        assert_eq!(seen, 0);
        // The control: with the switch on the same calls do reach rayon's workers, so the
        // count above can detect a helper that ignores the switch.
        assert!(calls_on_workers() > 0);
    }

    #[test]
    fn errors_come_back_from_the_try_helpers() {
        let _turn = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
        for on in [true, false] {
            set_enabled(on);
            let r = try_map_range(true, 100, |i| if i == 42 { Err(i) } else { Ok(i) });
            assert_eq!(r, Err(42));
            let mut v = vec![0; 100];
            let r = try_for_each_mut(true, &mut v, |x| if *x == 0 { Err(()) } else { Ok(()) });
            assert_eq!(r, Err(()));
        }
        set_enabled(true);
    }
}
