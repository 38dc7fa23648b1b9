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

/// The loss and its derivatives at `(A, B)`: `sum w [softplus(z) - (1 - t) z]` with
/// `z = A f + B` (since `-t ln sigmoid(-z) - (1 - t) ln sigmoid(z) = softplus(z) - (1 - t) z`),
/// its gradient and its Hessian.
#[derive(Debug, Clone, Copy, Default)]
struct Taylor {
    loss: f64,
    ga: f64,
    gb: f64,
    haa: f64,
    hab: f64,
    hbb: f64,
}

impl Taylor {
    fn add(self, o: Self) -> Self {
        Self {
            loss: self.loss + o.loss,
            ga: self.ga + o.ga,
            gb: self.gb + o.gb,
            haa: self.haa + o.haa,
            hab: self.hab + o.hab,
            hbb: self.hbb + o.hbb,
        }
    }
}

/// Rows per block: blocks are summed in a fixed order whatever the number of threads, so
/// the fit is reproducible bit for bit.
const BLOCK: usize = 1 << 14;

/// One pass over `(f, t, w)` rows: [`Taylor`] at `(a, b)`, one `exp` and one `ln_1p` a row.
fn taylor(rows: &[(f64, f64, f64)], a: f64, b: f64) -> Taylor {
    let block = |chunk: &[(f64, f64, f64)]| {
        let mut acc = Taylor::default();
        for &(f, t, w) in chunk {
            let z = a * f + b;
            let e = (-z.abs()).exp();
            // softplus(z) = max(z, 0) + ln(1 + exp(-|z|)); q = sigmoid(z).
            let softplus = z.max(0.0) + e.ln_1p();
            let q = if z > 0.0 {
                1.0 / (1.0 + e)
            } else {
                e / (1.0 + e)
            };
            let r = w * (q - (1.0 - t));
            let h = w * q * (1.0 - q);
            acc.loss += w * (softplus - (1.0 - t) * z);
            acc.ga += r * f;
            acc.gb += r;
            acc.haa += h * f * f;
            acc.hab += h * f;
            acc.hbb += h;
        }
        acc
    };
    let parts: Vec<Taylor> =
        crate::parallel::map_chunks(rows.len() > 2 * BLOCK, rows, BLOCK, block);
    parts.into_iter().fold(Taylor::default(), Taylor::add)
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
        // The loss, gradient and Hessian on weights rescaled so that they add up to [1, 2):
        // the Newton steps and loss comparisons are ratios, unchanged by a power of two,
        // and with weights near `f64::MAX` the sums no longer overflow. (The targets above
        // keep the caller's weights: Platt's prior counts are not scale-free.)
        let k = crate::input::unit_exponent(prior1 + prior0);
        let rows: Vec<(f64, f64, f64)> = task
            .rows()
            .map(|(s, y, w)| (s / scale, if y { t_pos } else { t_neg }, libm::scalbn(w, k)))
            .collect();
        let (mut a, mut b) = (0.0, ((prior0 + 1.0) / (prior1 + 1.0)).ln());
        let mut at = taylor(&rows, a, b);
        for _ in 0..200 {
            // The determinant is computed with a rounding error of a few ulps of haa * hbb:
            // below a margin of that, the Hessian is singular to working precision (all the
            // curvature in one row, say) and a "Newton step" would be rounding noise.
            let det = at.haa * at.hbb - at.hab * at.hab;
            let det = if det > 1e-12 * (at.haa * at.hbb) {
                det
            } else {
                0.0
            };
            let (da, db) = if det > 0.0 {
                (
                    (at.hbb * at.ga - at.hab * at.gb) / det,
                    (at.haa * at.gb - at.hab * at.ga) / det,
                )
            } else {
                (at.ga, at.gb) // a gradient step where the Hessian is singular
            };
            // Newton converges quadratically: once a full step moves (A, B) by less than
            // 1e-10 relative, the next would move them by about 1e-20, below the precision
            // of a double. Take that last step and stop.
            if det > 0.0
                && da.abs() <= 1e-10 * (1.0 + a.abs())
                && db.abs() <= 1e-10 * (1.0 + b.abs())
            {
                return Ok(Self {
                    a: (a - da) / scale,
                    b: b - db,
                });
            }
            // Backtracking keeps every step a descent step; the pass that evaluates a trial
            // point also gives the derivatives for the next step.
            let mut step = 1.0;
            let mut accepted = false;
            for _ in 0..60 {
                let (na, nb) = (a - step * da, b - step * db);
                let next = taylor(&rows, na, nb);
                if next.loss <= at.loss {
                    a = na;
                    b = nb;
                    at = next;
                    accepted = true;
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
            .map(|&s| super::sigmoid(-(self.a * s + self.b)))
            .collect())
    }
}
