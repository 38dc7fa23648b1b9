//! A progress line on stderr while a long step runs, only when stderr is a terminal: a CI
//! log or a redirected stderr stays quiet (one line per failure, nothing else).

use std::io::{IsTerminal, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the line is redrawn.
const TICK: Duration = Duration::from_millis(120);

/// A running step; the line is cleared when it is dropped.
pub(crate) struct Progress {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Progress {
    /// Starts showing `step` with a spinner and the elapsed time (a no-op unless stderr is
    /// a terminal).
    pub fn start(step: impl Into<String>) -> Self {
        if !std::io::stderr().is_terminal() {
            return Self {
                stop: None,
                thread: None,
            };
        }
        let step = step.into();
        let (tx, rx) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("mlops-audit-progress".into())
            .spawn(move || {
                let t0 = Instant::now();
                let frames = ['|', '/', '-', '\\'];
                let mut k = 0;
                // Until the sender is dropped or signals.
                while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(TICK) {
                    let mut err = std::io::stderr().lock();
                    let _ = write!(
                        err,
                        "\r{} {step} ({:.1} s)",
                        frames[k % frames.len()],
                        t0.elapsed().as_secs_f64()
                    );
                    let _ = err.flush();
                    k += 1;
                }
                let mut err = std::io::stderr().lock();
                // Clear the line: the result, not the progress, is what stays on screen.
                let _ = write!(err, "\r\x1b[2K");
                let _ = err.flush();
            })
            .ok();
        Self {
            stop: Some(tx),
            thread,
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs `f` under a progress line for `step`.
pub(crate) fn step<T>(step: impl Into<String>, f: impl FnOnce() -> T) -> T {
    let _p = Progress::start(step);
    f()
}
