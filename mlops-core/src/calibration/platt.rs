//! Platt scaling (Platt 1999): a logistic curve `P(y = 1 | f) = 1 / (1 + exp(A f + B))`
//! fitted to the scores by weighted maximum likelihood on Platt's smoothed targets, as
//! scikit-learn's sigmoid calibration (Lin, Lin and Weng 2007 give the numerics).
//!
//! The objective, with `z = A f + B` and each row's target `t` (positives:
//! `(N+ + 1) / (N+ + 2)`, negatives: `1 / (N- + 2)`, `N` the weighted class totals) and
//! `u = 1 - t`, is
//!
//! `L(A, B) = sum w [t softplus(z) + u softplus(-z)]`,
//!
//! the cross-entropy `-t ln P - u ln(1 - P)`, written as a sum of non-negative terms so
//! that no digits cancel. Since `0 < t < 1`, every row's term grows without bound as its
//! `z` goes to either infinity: when the weighted rows hold at least two distinct scores,
//! `L` is strictly convex and coercive, so its minimum exists and is unique, even for
//! separable data. When they all hold one score, `L` depends on `A f + B` alone and the
//! fit is the constant `A = 0`, `B = ln(sum w u / sum w t)` (the scores carry no
//! information).

use serde::{Deserialize, Serialize};

use crate::calibration::{Calibrator, NoParams};
use crate::error::{CoreError, Result};
use crate::input::BinaryTask;
use crate::state::Checker;

/// A fitted Platt calibrator.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, calibration::{Calibrator, PlattCalibrator}};
/// let scores = [-2.0, -1.0, -0.5, 0.3, 0.8, 1.5, 2.2, -0.1];
/// let labels = [0, 0, 1, 0, 1, 1, 1, 0];
/// let cal = PlattCalibrator::fit(&BinaryTask::new(&scores[..], &labels[..])?)?;
/// let p = cal.transform(&[-3.0, 0.0, 3.0][..])?;
/// assert!(p[0] < p[1] && p[1] < p[2]); // A < 0: higher scores, higher probabilities
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPlatt")]
pub struct PlattCalibrator {
    /// The slope `A` (negative when higher scores mean more risk).
    pub a: f64,
    /// The intercept `B`.
    pub b: f64,
}

/// The serialised form of [`PlattCalibrator`], checked on the way in.
#[derive(Deserialize)]
struct RawPlatt {
    a: f64,
    b: f64,
}

impl TryFrom<RawPlatt> for PlattCalibrator {
    type Error = CoreError;

    fn try_from(r: RawPlatt) -> Result<Self> {
        let c = Self { a: r.a, b: r.b };
        c.check()?;
        Ok(c)
    }
}

/// One row of the standardised problem: score `f` in `[-1, 1]`, targets `t` and `u = 1 - t`
/// (both kept, so neither loses digits near 0 or 1), and weight `w` in `[0, 1]`.
#[derive(Debug, Clone, Copy)]
struct Row {
    f: f64,
    t: f64,
    u: f64,
    w: f64,
}

/// The loss and its derivatives at `(A, B)`: `sum w [t softplus(z) + u softplus(-z)]`
/// with `z = A f + B`, its gradient, and its Hessian as the curvature-weighted moments of
/// `f - shift` (`s0 = sum h`, `s1 = sum h (f - shift)`, `s2 = sum h (f - shift)^2`, `h`
/// each row's curvature). With `shift` near the curvature-weighted mean of `f`, the
/// determinant `s0 s2 - s1^2` is a sum of non-negative terms less a small square, so it
/// keeps its digits even when nearly all the curvature sits at one score; from `H` in
/// `(A, B)` it would cancel away (`haa hbb - hab^2`).
#[derive(Debug, Clone, Copy, Default)]
struct Taylor {
    loss: f64,
    ga: f64,
    gb: f64,
    shift: f64,
    s0: f64,
    s1: f64,
    s2: f64,
}

impl Taylor {
    fn add(self, o: Self) -> Self {
        Self {
            loss: self.loss + o.loss,
            ga: self.ga + o.ga,
            gb: self.gb + o.gb,
            shift: self.shift,
            s0: self.s0 + o.s0,
            s1: self.s1 + o.s1,
            s2: self.s2 + o.s2,
        }
    }

    /// The shift for the next pass: the curvature-weighted mean of `f` here.
    fn next_shift(&self) -> f64 {
        let m = self.shift + self.s1 / self.s0;
        if m.is_finite() { m } else { self.shift }
    }

    /// The Newton step `H^-1 g` and the squared Newton decrement `g' H^-1 g` (twice the
    /// decrease the quadratic model predicts; invariant under a change of parameters).
    /// `None` where the curvature underflows to zero.
    fn newton(&self) -> Option<((f64, f64), f64)> {
        self.solve(self.ga, self.gb)
    }

    /// `H^-1 g` and `g' H^-1 g` for this Hessian and the gradient `(ga, gb)`.
    fn solve(&self, ga: f64, gb: f64) -> Option<((f64, f64), f64)> {
        // In the coordinates (A, B + A shift) the Hessian is [[s2, s1], [s1, s0]]; scaling
        // it by its diagonal keeps the determinant clear of underflow.
        let (r2, r0) = (self.s2.sqrt(), self.s0.sqrt());
        if !(r2 > 0.0 && r0 > 0.0) {
            return None;
        }
        let r = self.s1 / (r2 * r0); // a correlation, near 0 once the shift is centred
        let mut det = 1.0 - r * r;
        let mut diag = 1.0;
        if det < SINGULAR {
            // Nearly all the curvature at one score while the shift is far from it (the
            // first pass, at most): a Levenberg-Marquardt shift keeps the step a descent
            // one, and the next pass is centred.
            diag += SINGULAR;
            det = diag * diag - r * r;
        }
        let (ga, gb) = ((ga - self.shift * gb) / r2, gb / r0);
        let (da, db) = ((diag * ga - r * gb) / det, (diag * gb - r * ga) / det);
        let decrement = ga * da + gb * db;
        let (da, db) = (da / r2, db / r0);
        let step = (da, db - self.shift * da);
        (decrement.is_finite() && step.0.is_finite() && step.1.is_finite())
            .then_some((step, decrement.max(0.0)))
    }
}

/// Below this `1 - r^2` (with `r` the scaled Hessian's off-diagonal) the Newton system is
/// shifted.
const SINGULAR: f64 = 1e-10;

/// Rows per block: blocks are summed in a fixed order whatever the number of threads, so
/// the fit is reproducible bit for bit.
const BLOCK: usize = 1 << 14;

/// One pass over the rows: [`Taylor`] at `(a, b)` with the Hessian's moments about
/// `shift`, one `exp` and one `ln_1p` a row.
fn taylor(rows: &[Row], a: f64, b: f64, shift: f64) -> Taylor {
    let block = |chunk: &[Row]| {
        let mut acc = Taylor {
            shift,
            ..Taylor::default()
        };
        for &Row { f, t, u, w } in chunk {
            let z = a * f + b;
            let e = (-z.abs()).exp();
            let l = e.ln_1p();
            // softplus(±z) = max(±z, 0) + ln(1 + exp(-|z|)); q = sigmoid(z), p = sigmoid(-z).
            let (sp_pos, sp_neg) = (z.max(0.0) + l, (-z).max(0.0) + l);
            let (big, small) = (1.0 / (1.0 + e), e / (1.0 + e));
            let (q, p) = if z > 0.0 { (big, small) } else { (small, big) };
            let r = w * (t * q - u * p);
            let h = w * (t + u) * q * p;
            let d = f - shift;
            acc.loss += w * (t * sp_pos + u * sp_neg);
            acc.ga += r * f;
            acc.gb += r;
            acc.s0 += h;
            acc.s1 += h * d;
            acc.s2 += h * d * d;
        }
        acc
    };
    let parts: Vec<Taylor> =
        crate::parallel::map_chunks(rows.len() > 2 * BLOCK, rows, BLOCK, block);
    parts.into_iter().fold(
        Taylor {
            shift,
            ..Taylor::default()
        },
        Taylor::add,
    )
}

/// Relative size of the rounding noise in a computed loss (a sum of non-negative terms):
/// a predicted decrease below `LOSS_NOISE * loss` cannot be told from rounding.
const LOSS_NOISE: f64 = 1e-12;

/// Once a full Newton step moves every row's `z` by at most `FINAL_STEP` (`|dA| + |dB|`,
/// the scores being in `[-1, 1]`), it lands within rounding of the minimum and is taken
/// without another pass: the logistic loss's third derivative is bounded by its second,
/// so the error left after the step is about `FINAL_STEP` times the step, below 1e-16.
const FINAL_STEP: f64 = 1e-8;

/// Armijo's sufficient-decrease fraction.
const ARMIJO: f64 = 1e-4;

/// The shortest step tried on the gradient's norm before it counts as rounding noise.
const MIN_STEP: f64 = 1.0 / (1u64 << 30) as f64;

/// A safeguard only: the damped phase needs a handful of steps on every data set tried.
const MAX_STEPS: usize = 500;

impl PlattCalibrator {
    /// Fits `A` and `B`: the unique minimum of Platt's smoothed-target likelihood (see the
    /// module documentation), as scikit-learn's `_sigmoid_calibration` defines it.
    ///
    /// The scores of the rows with positive weight are first mapped onto `[-1, 1]` (an
    /// affine change of parameters: the fitted curve is the same). Damped Newton steps
    /// with an Armijo backtracking line search then lower the loss at every step, none is
    /// accepted without a decrease. Once the decrease Newton predicts (the squared Newton
    /// decrement) is below what the loss can resolve in floating point, the steps must
    /// lower the gradient's norm instead, which keeps its precision there. The fit stops
    /// when a Newton step moves no row's `A f + B` by more than 1e-8 (that step is taken: the
    /// next would be below rounding), or when no step lowers the gradient (it is rounding
    /// noise). Every pass over the rows is one fused loop, in parallel blocks.
    ///
    /// When every weighted row holds the same score, the fit is `A = 0` and `B` the
    /// log-odds of the smoothed targets (the likelihood is flat along `A f + B`).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] naming `sample_weight` when the weights sum past
    /// the largest `f64`; [`CoreError::UndefinedMetric`] when the fitted `A` or `B` is too
    /// large for an `f64` (scores whose spread is below about `1e-300`).
    pub fn fit(task: &BinaryTask<'_>) -> Result<Self> {
        let w_max = task.rows().fold(0.0f64, |m, (_, _, w)| m.max(w));
        // Weighted class totals in units of w_max (no overflow), then in weight units.
        let (mut pos, mut neg) = (0.0, 0.0);
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for (s, y, w) in task.rows() {
            if w > 0.0 {
                if y {
                    pos += w / w_max;
                } else {
                    neg += w / w_max;
                }
                lo = lo.min(s);
                hi = hi.max(s);
            }
        }
        let (prior1, prior0) = (pos * w_max, neg * w_max);
        if !(prior1 + prior0).is_finite() {
            return Err(CoreError::invalid_parameter(
                crate::input::names::SAMPLE_WEIGHT,
                prior1 + prior0,
                "the weights sum past the largest f64; divide them by a common factor",
            ));
        }
        let (t_pos, u_pos) = ((prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior1 + 2.0));
        let (t_neg, u_neg) = (1.0 / (prior0 + 2.0), (prior0 + 1.0) / (prior0 + 2.0));
        let fitted = |a: f64, b: f64| -> Result<Self> {
            if a.is_finite() && b.is_finite() {
                Ok(Self { a, b })
            } else {
                Err(CoreError::undefined(
                    "Platt calibration",
                    format!(
                        "the fitted slope is too large for an f64: the weighted scores span only [{lo:e}, {hi:e}]"
                    ),
                ))
            }
        };
        // The weighted rows hold one score: the loss depends on A f + B only. Then
        // sigmoid(B) sum w t = sigmoid(-B) sum w u gives B in closed form.
        if lo == hi {
            let (mut wt, mut wu) = (0.0, 0.0);
            for (_, y, w) in task.rows() {
                let w = w / w_max;
                if y {
                    wt += w * t_pos;
                    wu += w * u_pos;
                } else {
                    wt += w * t_neg;
                    wu += w * u_neg;
                }
            }
            return fitted(0.0, wu.ln() - wt.ln());
        }
        // f' = (s - centre) / half on [-1, 1]; halves first so that nothing overflows.
        let centre = 0.5 * lo + 0.5 * hi;
        let half = 0.5 * hi - 0.5 * lo;
        let rows: Vec<Row> = task
            .rows()
            .map(|(s, y, w)| {
                let (t, u) = if y { (t_pos, u_pos) } else { (t_neg, u_neg) };
                Row {
                    f: (s - centre) / half,
                    t,
                    u,
                    w: w / w_max,
                }
            })
            .collect();
        // At A = 0 every row has the same curvature per unit weight: the first Hessian is
        // centred at the weighted mean score.
        let (sw, swf) = rows
            .iter()
            .fold((0.0, 0.0), |(sw, swf), r| (sw + r.w, swf + r.w * r.f));
        let b0 = ((prior0 + 1.0) / (prior1 + 1.0)).ln();
        let (a, b) = minimise(&rows, b0, swf / sw)?;
        // z = a (s - centre) / half + b = (a / half) s + (b - (a / half) centre).
        let slope = a / half;
        fitted(slope, b - slope * centre)
    }
}

impl Calibrator for PlattCalibrator {
    const NAME: &'static str = "PlattCalibrator";
    type Params = NoParams;

    /// [`PlattCalibrator::fit`]: the method has no parameters.
    fn fit(task: &BinaryTask<'_>, _params: &NoParams) -> Result<Self> {
        PlattCalibrator::fit(task)
    }

    fn params(&self) -> NoParams {
        NoParams {}
    }

    /// Checks that `A` and `B` are finite (a fitted calibrator's always are).
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] naming the non-finite coefficient.
    fn check(&self) -> Result<()> {
        let c = Checker::new(Self::NAME);
        c.finite("a", self.a)?;
        c.finite("b", self.b)
    }

    /// Reads a calibrator written as JSON (by serde), checked with
    /// [`PlattCalibrator::check`].
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for malformed JSON or a calibrator that fails its check.
    fn from_json(text: &str) -> Result<Self> {
        crate::state::from_json::<RawPlatt, _, _>(Self::NAME, text)
    }

    /// Calibrated probabilities `1 / (1 + exp(A s + B))`.
    ///
    /// # Errors
    /// [`CoreError::NotFinite`] for a NaN or infinite score; [`CoreError::InvalidState`]
    /// for non-finite coefficients.
    fn transform<'a>(&self, scores: impl Into<ndarray::ArrayView1<'a, f64>>) -> Result<Vec<f64>> {
        let scores = scores.into();
        crate::input::check_finite(crate::input::names::Y_SCORE, &scores)?;
        self.check()?;
        Ok(scores
            .iter()
            .map(|&s| super::sigmoid(-(self.a * s + self.b)))
            .collect())
    }
}

/// Minimises the loss over `(A, B)` from `A = 0`, `B = b0`, for rows whose scores span
/// `[-1, 1]` (so the Hessian is positive definite everywhere), the first Hessian's
/// moments taken about `shift`.
fn minimise(rows: &[Row], b0: f64, shift: f64) -> Result<(f64, f64)> {
    let (mut a, mut b) = (0.0, b0);
    let mut at = taylor(rows, a, b, shift);
    // Which merit a step must lower: the loss, until its rounding hides the progress; then
    // the gradient's norm in the metric of the current Hessian's inverse, `g' H^-1 g`
    // with `H` held fixed during the line search. Along the Newton step that falls at
    // twice the squared Newton decrement, and it keeps its precision near the minimum,
    // also in a direction of small curvature, which the loss's rounding hides first.
    let mut by_gradient = false;
    for _ in 0..MAX_STEPS {
        let Some(((da, db), decrement)) = at.newton() else {
            return Err(CoreError::undefined(
                "Platt calibration",
                "the likelihood's curvature underflows (weights or scores beyond the range of an f64)",
            ));
        };
        if da.abs() + db.abs() <= FINAL_STEP {
            return Ok((a - da, b - db));
        }
        if decrement <= LOSS_NOISE * at.loss {
            by_gradient = true;
        }
        let shift = at.next_shift();
        // Backtracking: halve the step until the merit drops by an Armijo fraction of its
        // predicted decrease. A trial point's pass also gives the next step's derivatives.
        let mut step = 1.0;
        let next = loop {
            let (na, nb) = (a - step * da, b - step * db);
            let next = taylor(rows, na, nb, shift);
            let lower = if by_gradient {
                at.solve(next.ga, next.gb)
                    .is_some_and(|(_, m)| m <= (1.0 - ARMIJO * step) * decrement)
            } else {
                next.loss <= at.loss - ARMIJO * step * decrement
            };
            if lower {
                break Some((na, nb, next));
            }
            step *= 0.5;
            if (by_gradient && step < MIN_STEP)
                || (!by_gradient && step * decrement <= LOSS_NOISE * at.loss)
            {
                break None;
            }
        };
        match next {
            Some(next) => (a, b, at) = next,
            // No step lowers the gradient: it is rounding noise, and (a, b) the minimum as
            // far as the arithmetic can tell.
            None if by_gradient => return Ok((a, b)),
            // The decrease a shorter step could show is below the loss's rounding: judge
            // the same step by the gradient instead.
            None => by_gradient = true,
        }
    }
    Err(CoreError::undefined(
        "Platt calibration",
        format!("Newton's method did not reach the minimum in {MAX_STEPS} steps"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn fit(scores: &[f64], labels: &[u8], weights: Option<&[f64]>) -> Result<PlattCalibrator> {
        let task = BinaryTask::new(scores, labels)?;
        let task = match weights {
            Some(w) => task.with_weights(w)?,
            None => task,
        };
        PlattCalibrator::fit(&task)
    }

    /// The gradient of the smoothed-target loss at the fit, in the coordinates of scores
    /// mapped onto `[-1, 1]` (where its natural size is the total weight), over that size.
    fn relative_gradient(
        scores: &[f64],
        labels: &[u8],
        weights: &[f64],
        c: PlattCalibrator,
    ) -> f64 {
        let live = || scores.iter().zip(weights).filter(|(_, w)| **w > 0.0);
        let lo = live().fold(f64::INFINITY, |m, (s, _)| m.min(*s));
        let hi = live().fold(f64::NEG_INFINITY, |m, (s, _)| m.max(*s));
        let (centre, half) = (0.5 * lo + 0.5 * hi, 0.5 * hi - 0.5 * lo);
        let pos: f64 = weights
            .iter()
            .zip(labels)
            .filter(|(_, y)| **y == 1)
            .map(|(w, _)| w)
            .sum();
        let neg: f64 = weights.iter().sum::<f64>() - pos;
        let (mut ga, mut gb, mut size) = (0.0f64, 0.0f64, 0.0f64);
        for ((&s, &y), &w) in scores.iter().zip(labels).zip(weights) {
            let u = if y == 1 {
                1.0 / (pos + 2.0)
            } else {
                (neg + 1.0) / (neg + 2.0)
            };
            let q = crate::calibration::sigmoid(c.a * s + c.b);
            let f = (s - centre) / half;
            ga += w * (q - u) * f;
            gb += w * (q - u);
            size += w;
        }
        ga.abs().max(gb.abs()) / size
    }

    /// Platt's example that gave up after 200 Newton steps: the loss could no longer
    /// resolve the last step's decrease. Reference: a 50-digit mpmath Newton fit of the same
    /// objective (tests/python/test_trust_platt.py has the oracle).
    #[test]
    fn three_points_reach_the_minimum() {
        let c = fit(&[-1.8, -1.4, -0.3], &[1, 0, 1], None).unwrap();
        let (a, b) = (-0.345_399_289_390_443_56, -0.860_654_483_225_558_8);
        assert!((c.a / a - 1.0).abs() < 1e-14, "{c:?}");
        assert!((c.b / b - 1.0).abs() < 1e-14, "{c:?}");
    }

    /// 121 small data sets (2 to 12 rows, scores on a 0.1 grid, some tied): every fit
    /// converges to a stationary point. The old stopping rule gave up on many of them.
    #[test]
    fn small_data_sets_always_converge() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..121 {
            let n = 2 + (next() % 11) as usize;
            let scores: Vec<f64> = (0..n)
                .map(|_| ((next() % 61) as f64 - 30.0) / 10.0)
                .collect();
            let labels: Vec<u8> = (0..n).map(|_| (next() % 2) as u8).collect();
            let c = fit(&scores, &labels, None)
                .unwrap_or_else(|e| panic!("{scores:?} {labels:?}: {e}"));
            let ones = vec![1.0; n];
            if scores.iter().any(|&s| s != scores[0]) {
                let g = relative_gradient(&scores, &labels, &ones, c);
                assert!(g < 1e-13, "{scores:?} {labels:?}: gradient {g}");
            }
        }
    }

    /// All weighted rows on one score: the slope is 0 and `sigmoid(-B)` is the smoothed
    /// share of positives.
    #[test]
    fn one_score_is_the_smoothed_base_rate() {
        let c = fit(
            &[0.7, 0.7, 0.7, 5.0],
            &[1, 0, 1, 1],
            Some(&[1.0, 1.0, 1.0, 0.0]),
        )
        .unwrap();
        assert_eq!(c.a, 0.0);
        // Targets 3/4 (two positives of weight 1) and 1/3: mean (3/4 + 1/3 + 3/4) / 3.
        let share = (0.75 + 1.0 / 3.0 + 0.75) / 3.0;
        assert!((crate::calibration::sigmoid(-c.b) / share - 1.0).abs() < 1e-15);
    }

    #[test]
    fn overflowing_weights_and_slopes_are_typed_errors() {
        let e = fit(&[0.0, 1.0], &[0, 1], Some(&[f64::MAX, f64::MAX])).unwrap_err();
        // Refused where the weights are read (their total cannot be summed safely).
        assert!(
            matches!(e, CoreError::WeightsOverflow { ref input, .. } if input == "sample_weight"),
            "{e}"
        );
        let tiny = f64::from_bits(1); // scores 5e-324 apart: the slope is ~1e324
        let e = fit(&[0.0, tiny, 0.0, tiny], &[0, 1, 0, 1], None).unwrap_err();
        assert!(matches!(e, CoreError::UndefinedMetric { .. }), "{e}");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Any small data set, of any score magnitude, with ties and weights: the fit
        /// converges to a stationary point of the loss.
        #[test]
        fn fits_are_stationary_points(
            raw in proptest::collection::vec((-40i32..40, 0u8..2, 0usize..4), 2..15),
            exponent in -200i32..200,
        ) {
            let scale = 10f64.powi(exponent);
            let scores: Vec<f64> = raw.iter().map(|r| f64::from(r.0) * scale).collect();
            let labels: Vec<u8> = raw.iter().map(|r| r.1).collect();
            let mut weights: Vec<f64> = raw.iter().map(|r| [0.0, 0.5, 1.0, 7.0][r.2]).collect();
            if weights.iter().all(|&w| w == 0.0) {
                weights[0] = 1.0;
            }
            let c = fit(&scores, &labels, Some(&weights)).unwrap();
            let live: Vec<f64> = scores.iter().zip(&weights).filter(|(_, w)| **w > 0.0).map(|(s, _)| *s).collect();
            if live.iter().any(|&s| s != live[0]) {
                let g = relative_gradient(&scores, &labels, &weights, c);
                prop_assert!(g < 1e-12, "gradient {}", g);
            } else {
                prop_assert_eq!(c.a, 0.0);
            }
        }
    }
}
