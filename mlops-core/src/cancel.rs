//! Cooperative cancellation of long computations.
//!
//! A caller that may need to stop a long call (the Python bindings honouring Ctrl-C, a
//! service with a deadline) runs it inside [`with_token`] and cancels the token from
//! another thread. The library's long loops (the replicates of
//! [`crate::compare::paired_bootstrap`], the fairness audit's bootstrap) take a
//! [`Checkpoint`] when they start, on the calling thread, and consult it once per unit of
//! work in every worker, so they stop within about one replicate; a cancelled call returns
//! [`CoreError::Cancelled`], never a partial result.
//!
//! The token is scoped to a thread rather than passed as an argument so that the functions
//! keep their signatures; a loop that hands work to other threads captures the
//! [`Checkpoint`] first (the workers do not see the caller's thread-local state).
//!
//! # Examples
//! ```
//! use mlops_core::cancel::{CancelToken, Checkpoint, with_token};
//! let token = CancelToken::new();
//! token.cancel();
//! let stopped = with_token(&token, || Checkpoint::current().check());
//! assert!(stopped.is_err());
//! assert!(Checkpoint::current().check().is_ok()); // outside, nothing to cancel
//! ```

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{CoreError, Result};

/// A flag shared between the thread that runs a computation and the one that may cancel
/// it; cloning shares the flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks every computation running under this token to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

thread_local! {
    static CURRENT: RefCell<Option<CancelToken>> = const { RefCell::new(None) };
}

/// Restores the token that was current before [`with_token`], even if `f` panics.
struct Restore(Option<CancelToken>);

impl Drop for Restore {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// Runs `f` on this thread with `token` as the current token: the long loops `f` reaches
/// stop with [`CoreError::Cancelled`] once the token is cancelled.
pub fn with_token<R>(token: &CancelToken, f: impl FnOnce() -> R) -> R {
    let previous = CURRENT.with(|c| c.borrow_mut().replace(token.clone()));
    let _restore = Restore(previous);
    f()
}

/// The current token of the thread that took it, to be consulted from any thread.
#[derive(Debug, Clone, Default)]
pub struct Checkpoint(Option<CancelToken>);

impl Checkpoint {
    /// The token current on this thread, if any (none: never cancelled).
    pub fn current() -> Self {
        Self(CURRENT.with(|c| c.borrow().clone()))
    }

    /// Whether the computation should stop.
    pub fn cancelled(&self) -> bool {
        self.0.as_ref().is_some_and(CancelToken::is_cancelled)
    }

    /// `Err(CoreError::Cancelled)` once cancelled.
    ///
    /// # Errors
    /// [`CoreError::Cancelled`] when the token was cancelled.
    pub fn check(&self) -> Result<()> {
        if self.cancelled() {
            Err(CoreError::Cancelled)
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_nest_and_are_restored() {
        let (outer, inner) = (CancelToken::new(), CancelToken::new());
        inner.cancel();
        with_token(&outer, || {
            assert!(!Checkpoint::current().cancelled());
            with_token(&inner, || assert!(Checkpoint::current().cancelled()));
            assert!(!Checkpoint::current().cancelled());
            let caught = std::panic::catch_unwind(|| with_token(&inner, || panic!("boom")));
            assert!(caught.is_err());
            assert!(!Checkpoint::current().cancelled());
        });
        assert!(Checkpoint::current().0.is_none());
    }

    #[test]
    fn a_checkpoint_sees_a_cancel_from_another_thread() {
        let token = CancelToken::new();
        let checkpoint = with_token(&token, Checkpoint::current);
        let t = token.clone();
        std::thread::spawn(move || t.cancel()).join().ok();
        assert!(matches!(checkpoint.check(), Err(CoreError::Cancelled)));
    }
}
