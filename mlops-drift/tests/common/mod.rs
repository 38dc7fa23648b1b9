//! Tolerances and helpers shared by the drift test files, in one place.
#![allow(dead_code, missing_docs)]

/// Tolerances.
pub mod tol {
    /// Against SciPy/statsmodels values computed by an independent implementation.
    pub const SCIPY: f64 = 1e-10;
    /// Same formula, same arithmetic in a different order (sums, merges).
    pub const SAME_FORMULA: f64 = 1e-12;
}

pub fn rel_close(actual: f64, expected: f64, rtol: f64) -> bool {
    actual == expected || (actual - expected).abs() <= rtol * expected.abs()
}

#[track_caller]
pub fn assert_rel(actual: f64, expected: f64, rtol: f64) {
    assert!(
        rel_close(actual, expected, rtol),
        "{actual:e} vs {expected:e} (rel err {:e}, tol {rtol:e})",
        ((actual - expected) / expected).abs()
    );
}
