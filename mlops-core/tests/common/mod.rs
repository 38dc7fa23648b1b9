//! Tolerances for the core tests, in one place.

/// Absolute tolerance for sums of a few hundred weighted terms.
pub const TOL: f64 = 1e-12;

/// Equal up to [`TOL`], relative to the magnitude.
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOL * (1.0 + a.abs().max(b.abs()))
}
