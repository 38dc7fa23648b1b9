//! Platt scaling (Platt 1999): a logistic curve `P(y = 1 | f) = 1 / (1 + exp(A f + B))`
//! fitted to the scores by weighted maximum likelihood on Platt's smoothed targets, as
//! scikit-learn's sigmoid calibration.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::input::BinaryTask;

/// A fitted Platt calibrator.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, calibration::PlattCalibrator};
/// let scores = [-2.0, -1.0, -0.5, 0.3, 0.8, 1.5, 2.2, -0.1];
/// let labels = [0, 0, 1, 0, 1, 1, 1, 0];
/// let cal = PlattCalibrator::fit(&BinaryTask::new(&scores[..], &labels[..])?)?;
/// let p = cal.transform(&[-3.0, 0.0, 3.0][..])?;
/// assert!(p[0] < p[1] && p[1] < p[2]); // A < 0: higher scores, higher probabilities
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlattCalibrator {
    /// The slope `A` (negative when higher scores mean more risk).
    pub a: f64,
    /// The intercept `B`.
    pub b: f64,
}

/// `1 / (1 + exp(z))`, without overflow.
#[inline]
fn sigmoid_neg(z: f64) -> f64 {
    if z > 0.0 {
        let e = (-z).exp();
        e / (1.0 + e)
    } else {
        1.0 / (1.0 + z.exp())
    }
}

/// `ln(1 + exp(x))`, without overflow.
#[inline]
fn softplus(x: f64) -> f64 {
    if x > 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    }
}

impl PlattCalibrator {
    /// Fits `A` and `B`.
    ///
    /// As Platt (and scikit-learn) do, the 0/1 labels become the targets
    /// `(N+ + 1) / (N+ + 2)` and `1 / (N- + 2)` (weighted counts), which keeps the fit finite
    /// on separable data; scores of magnitude 30 or more are scaled down first (the fitted
    /// curve does not change). The convex likelihood is minimised by damped Newton steps to
    /// convergence.
    ///
    /// # Errors
    /// [`CoreError::UndefinedMetric`] if the optimisation does not converge (it always
    /// has in practice: the problem is strictly convex with smoothed targets).
    pub fn fit(task: &BinaryTask<'_>) -> Result<Self> {
        let max_abs = task.scores().iter().fold(0.0f64, |m, &s| m.max(s.abs()));
        let scale = if max_abs >= 30.0 { max_abs } else { 1.0 };
        let (prior1, prior0) = (task.positive_weight(), task.negative_weight());
        let t_pos = (prior1 + 1.0) / (prior1 + 2.0);
        let t_neg = 1.0 / (prior0 + 2.0);
        let rows: Vec<(f64, f64, f64)> = task
            .rows()
            .map(|(s, y, w)| (s / scale, if y { t_pos } else { t_neg }, w))
            .collect();
        // Loss of (A, B): sum w [softplus(z) - (1 - t) z] with z = A f + B, since
        // -t ln sigmoid(-z) - (1 - t) ln sigmoid(z) = softplus(z) - (1 - t) z.
        let loss = |a: f64, b: f64| -> f64 {
            rows.iter()
                .map(|&(f, t, w)| {
                    let z = a * f + b;
                    w * (softplus(z) - (1.0 - t) * z)
                })
                .sum()
        };
        let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
        let mut current = loss(a, b);
        for _ in 0..200 {
            // Gradient and Hessian of the loss in (A, B).
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for &(f, t, w) in &rows {
                let z = a * f + b;
                let q = 1.0 - sigmoid_neg(z); // = 1 / (1 + exp(-z))
                let r = w * (q - (1.0 - t));
                let h = w * q * (1.0 - q);
                ga += r * f;
                gb += r;
                haa += h * f * f;
                hab += h * f;
                hbb += h;
            }
            let det = haa * hbb - hab * hab;
            let (da, db) = if det > 0.0 {
                ((hbb * ga - hab * gb) / det, (haa * gb - hab * ga) / det)
            } else {
                (ga, gb) // a gradient step where the Hessian is singular
            };
            // Backtracking keeps every step a descent step.
            let mut step = 1.0;
            let mut accepted = false;
            for _ in 0..60 {
                let (na, nb) = (a - step * da, b - step * db);
                let next = loss(na, nb);
                if next <= current {
                    let converged = (na - a).abs() <= 1e-15 * (1.0 + a.abs())
                        && (nb - b).abs() <= 1e-15 * (1.0 + b.abs());
                    a = na;
                    b = nb;
                    current = next;
                    accepted = true;
                    if converged {
                        return Ok(Self { a: a / scale, b });
                    }
                    break;
                }
                step *= 0.5;
            }
            if !accepted {
                // No step lowers the loss: we are at the minimum to machine precision.
                return Ok(Self { a: a / scale, b });
            }
        }
        Err(CoreError::undefined(
            "Platt calibration",
            "the likelihood maximisation did not converge in 200 Newton steps",
        ))
    }

    /// Calibrated probabilities `1 / (1 + exp(A s + B))`.
    ///
    /// # Errors
    /// [`CoreError::NotFinite`] for a NaN or infinite score.
    pub fn transform<'a>(
        &self,
        scores: impl Into<ndarray::ArrayView1<'a, f64>>,
    ) -> Result<Vec<f64>> {
        let scores = scores.into();
        crate::input::check_finite(crate::input::names::Y_SCORE, &scores)?;
        Ok(scores
            .iter()
            .map(|&s| sigmoid_neg(self.a * s + self.b))
            .collect())
    }
}
