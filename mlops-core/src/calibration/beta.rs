//! Beta calibration (Kull, Silva Filho & Flach 2017, "Beta calibration: a well-founded and
//! easily implemented improvement on logistic calibration for binary classifiers",
//! AISTATS): `logit q = a ln s - b ln(1 - s) + c`, a logistic regression on the two
//! features `ln s` and `-ln(1 - s)`.

// The 3x3 linear algebra reads as the formulas do with explicit indices.
#![allow(clippy::needless_range_loop)]

use serde::{Deserialize, Serialize};

use crate::calibration::{Calibrator, NoParams, check_probabilities, sigmoid, softplus};
use crate::error::{CoreError, Result};
use crate::input::BinaryTask;
use crate::state::Checker;

/// Scores are clipped to `[BETA_EPS, 1 - BETA_EPS]` before their logarithms are taken, so
/// that a score of exactly 0 or 1 has finite features: the `f64` machine epsilon (as the
/// authors' `betacal` package and scikit-learn's log loss).
pub const BETA_EPS: f64 = f64::EPSILON;

/// A fitted beta calibrator: `q(s) = 1 / (1 + exp(-(a ln s - b ln(1 - s) + c)))`.
///
/// # Examples
/// ```
/// use mlops_core::{BinaryTask, calibration::{Calibrator, BetaCalibrator}};
/// let s = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/// let y = [0, 0, 1, 0, 0, 1, 0, 1, 1, 1];
/// let cal = BetaCalibrator::fit(&BinaryTask::new(&s[..], &y[..])?)?;
/// assert!(cal.a >= 0.0 && cal.b >= 0.0);
/// let q = cal.transform(&[0.1, 0.5, 0.9][..])?;
/// assert!(q[0] < q[1] && q[1] < q[2]);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBeta")]
pub struct BetaCalibrator {
    /// Coefficient of `ln s` (`>= 0`).
    pub a: f64,
    /// Coefficient of `-ln(1 - s)` (`>= 0`).
    pub b: f64,
    /// The intercept.
    pub c: f64,
}

/// The largest coefficient a fit returns: beyond it a fit is taken to be running off to
/// infinity (separated classes). It also bounds what a calibrator may hold, so that
/// `a ln s - b ln(1 - s) + c` is finite for every clipped score (no `inf - inf`).
pub const BETA_MAX_COEFFICIENT: f64 = 1e6;

/// The serialised form of [`BetaCalibrator`], checked on the way in.
#[derive(Deserialize)]
struct RawBeta {
    a: f64,
    b: f64,
    c: f64,
}

impl TryFrom<RawBeta> for BetaCalibrator {
    type Error = CoreError;

    fn try_from(r: RawBeta) -> Result<Self> {
        let cal = Self {
            a: r.a,
            b: r.b,
            c: r.c,
        };
        cal.check()?;
        Ok(cal)
    }
}

/// `(ln s, -ln(1 - s))` of a clipped score.
#[inline]
fn features(s: f64) -> [f64; 2] {
    let s = s.clamp(BETA_EPS, 1.0 - BETA_EPS);
    [s.ln(), -(-s).ln_1p()]
}

/// Rows as `(features, label, weight)`.
type Row = ([f64; 2], f64, f64);

/// Solves `h x = g` for a symmetric positive definite `h` of size `k <= 3` by Cholesky;
/// `None` when `h` is not (numerically) positive definite.
fn solve_spd(h: &[[f64; 3]; 3], g: &[f64; 3], k: usize) -> Option<[f64; 3]> {
    let mut l = [[0.0; 3]; 3];
    for i in 0..k {
        for j in 0..=i {
            let mut sum = h[i][j];
            for m in 0..j {
                sum -= l[i][m] * l[j][m];
            }
            if i == j {
                if sum.is_nan() || sum <= 1e-14 * h[i][i].abs().max(f64::MIN_POSITIVE) {
                    return None;
                }
                l[i][i] = sum.sqrt();
            } else {
                l[i][j] = sum / l[j][j];
            }
        }
    }
    let mut y = [0.0; 3];
    for i in 0..k {
        let mut sum = g[i];
        for m in 0..i {
            sum -= l[i][m] * y[m];
        }
        y[i] = sum / l[i][i];
    }
    let mut x = [0.0; 3];
    for i in (0..k).rev() {
        let mut sum = y[i];
        for m in i + 1..k {
            sum -= l[m][i] * x[m];
        }
        x[i] = sum / l[i][i];
    }
    Some(x)
}

/// How a logistic fit ended: at the maximum of the likelihood, or running off to infinity
/// along a direction (the classes are separated in the fitted features), with the last
/// iterate, whose coefficients have the signs of that direction.
#[derive(Debug, Clone, Copy)]
enum Fit {
    Converged([f64; 3]),
    Diverging([f64; 3]),
}

impl Fit {
    fn coefficients(self) -> [f64; 3] {
        match self {
            Self::Converged(beta) | Self::Diverging(beta) => beta,
        }
    }
}

/// Unpenalised weighted logistic regression of the labels on the features named in
/// `active` (indices into `[ln s, -ln(1 - s)]`) plus an intercept, by Newton's method
/// with a backtracking line search. The coefficients come in `active`'s order, then the
/// intercept. The caller has checked that they are identifiable (enough distinct scores),
/// so a Hessian that turns singular means the fitted probabilities are running to 0 and 1.
fn logistic_fit(rows: &[Row], active: &[usize], total: f64, positive: f64) -> Fit {
    let k = active.len() + 1;
    let x_of = |f: &[f64; 2], j: usize| if j < active.len() { f[active[j]] } else { 1.0 };
    let loss = |beta: &[f64; 3]| -> f64 {
        rows.iter()
            .map(|&(f, y, w)| {
                let z: f64 = (0..k).map(|j| beta[j] * x_of(&f, j)).sum();
                w * (softplus(z) - y * z)
            })
            .sum()
    };
    // Start at the intercept-only optimum: the logit of the weighted event rate.
    let mut beta = [0.0; 3];
    beta[k - 1] = (positive / (total - positive)).ln();
    let mut current = loss(&beta);
    let mut polishing = 0;
    for _ in 0..100 {
        let mut g = [0.0; 3];
        let mut h = [[0.0; 3]; 3];
        for &(f, y, w) in rows {
            let z: f64 = (0..k).map(|j| beta[j] * x_of(&f, j)).sum();
            let p = sigmoid(z);
            let r = w * (p - y);
            let v = w * p * (1.0 - p);
            for i in 0..k {
                let xi = x_of(&f, i);
                g[i] += r * xi;
                for j in 0..=i {
                    h[i][j] += v * xi * x_of(&f, j);
                }
            }
        }
        for i in 0..k {
            for j in 0..i {
                h[j][i] = h[i][j];
            }
        }
        let Some(step) = solve_spd(&h, &g, k) else {
            // The features are identifiable, so the Hessian vanished because the rows that
            // carry the curvature are fitted almost perfectly.
            return Fit::Diverging(beta);
        };
        // Newton decrement: g' H^-1 g, twice the predicted decrease of the loss.
        let decrement: f64 = (0..k).map(|j| g[j] * step[j]).sum();
        // Near the optimum the loss cannot resolve the remaining decrease (it is below the
        // loss's rounding), so a line search would stall there; Newton converges
        // quadratically in that region, so a few full steps polish the fit to rounding.
        if polishing > 0 || decrement <= 1e-10 * (1.0 + current.abs()) {
            for j in 0..k {
                beta[j] -= step[j];
            }
            polishing += 1;
            let tiny = (0..k).all(|j| step[j].abs() <= 1e-15 * (1.0 + beta[j].abs()));
            if tiny || polishing >= 5 {
                return finite_fit(beta, loss(&beta), total);
            }
            continue;
        }
        let mut t = 1.0;
        let mut accepted = false;
        for _ in 0..60 {
            let mut next = beta;
            for j in 0..k {
                next[j] -= t * step[j];
            }
            let value = loss(&next);
            // Armijo condition with the usual small slope fraction.
            if value <= current - 1e-4 * t * decrement {
                beta = next;
                current = value;
                accepted = true;
                break;
            }
            t *= 0.5;
        }
        if !accepted {
            // The loss cannot tell the points apart any more: polish with full steps.
            polishing = 1;
        }
    }
    Fit::Diverging(beta)
}

fn separated() -> CoreError {
    CoreError::undefined(
        "beta calibration",
        "the likelihood has no maximum (the scores separate the classes, so the \
         coefficients grow without bound); use a histogram or isotonic calibrator",
    )
}

/// The fit of one slope left after the paper's rule dropped the other: a negative slope
/// (finite, or running to minus infinity) is fixed at 0 too, leaving the constant.
fn one_slope(fit: Fit, positive: f64, negative: f64) -> Result<(f64, f64)> {
    let [slope, c, _] = fit.coefficients();
    if slope < 0.0 {
        Ok((0.0, (positive / negative).ln()))
    } else if let Fit::Diverging(_) = fit {
        Err(separated())
    } else {
        Ok((slope, c))
    }
}

/// Accepts a converged fit unless it is the tail of a run to infinity: on separated data
/// the loss tends to 0 (complete separation) or a slope grows without bound (quasi-complete
/// separation) while every step still lowers the loss.
fn finite_fit(beta: [f64; 3], loss: f64, total: f64) -> Fit {
    if loss <= 1e-10 * total
        || beta
            .iter()
            .any(|b| !b.is_finite() || b.abs() > BETA_MAX_COEFFICIENT)
    {
        Fit::Diverging(beta)
    } else {
        Fit::Converged(beta)
    }
}

/// The rows with positive weight as distinct `(features, label)` with their weights summed,
/// in increasing order of score then label: a weighted sample and the same sample with
/// rows repeated (integer weights expanded) become the same rows, summed in the same order,
/// so they get the same fit to the last bit; the order of the rows does not matter either.
/// The weights come rescaled by a power of two (see the end).
fn distinct_rows(task: &BinaryTask<'_>) -> Vec<Row> {
    let mut rows: Vec<(f64, bool, f64)> = task
        .rows()
        .filter(|&(_, _, w)| w > 0.0)
        .map(|(s, y, w)| (s.clamp(BETA_EPS, 1.0 - BETA_EPS), y, w))
        .collect();
    rows.sort_unstable_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)));
    let mut out: Vec<Row> = Vec::with_capacity(rows.len());
    let mut last: Option<(f64, bool)> = None;
    for (s, y, w) in rows {
        match out.last_mut() {
            Some(row) if last == Some((s, y)) => row.2 += w,
            _ => out.push((features(s), f64::from(u8::from(y)), w)),
        }
        last = Some((s, y));
    }
    // Weights rescaled by a power of two so that they add up to [1, 2): the fit depends on
    // them only through ratios, the stopping rules see a loss of the same size whatever the
    // caller's units, and with weights near `f64::MAX` the loss cannot overflow.
    let k = crate::input::unit_exponent(out.iter().map(|r| r.2).sum());
    for row in &mut out {
        row.2 = libm::scalbn(row.2, k);
    }
    out
}

impl BetaCalibrator {
    /// Fits `a`, `b` and `c` by unpenalised weighted maximum likelihood.
    ///
    /// The paper's rule keeps the map monotone: when the full fit has `a < 0`, `a` is fixed
    /// at 0 and the model refitted on `-ln(1 - s)` alone (likewise `b < 0`: refitted on
    /// `ln s` alone); should the remaining slope also come out negative, it is fixed at 0
    /// too, leaving the constant `logit(event rate)`. Scores are clipped to
    /// `[BETA_EPS, 1 - BETA_EPS]`.
    ///
    /// Weights are frequency weights: integer weights give the same fit, to the last bit,
    /// as the rows repeated (rows with equal scores and labels are pooled first).
    ///
    /// Separated classes: when some beta map fits every row perfectly (or all but rows
    /// sharing a score), the likelihood has no maximum and its coefficients run off to
    /// infinity, where scikit-learn's `LogisticRegression(C=inf)` and the authors' `betacal`
    /// stop at large finite coefficients with the signs of that direction. Here:
    /// - every negative scored at or below every positive (an increasing map separates the
    ///   classes): the fit is undefined (an error), rather than an arbitrary steep step;
    /// - every positive at or below every negative: any slope would be negative, and the
    ///   rule fixes both at 0, leaving the constant;
    /// - overlapping classes that a bump or a valley separates (`a > 0 > b` or
    ///   `b > 0 > a` running off): the rule applies to those signs, and the refit on the
    ///   one feature left has a maximum.
    ///
    /// # Errors
    /// [`CoreError::OutOfRange`] for a score outside `[0, 1]`;
    /// [`CoreError::UndefinedMetric`] when one class is missing (weighted), when the
    /// coefficients are not identifiable (fewer than three distinct scores) or when an
    /// increasing map separates the classes (the maximum-likelihood fit does not exist).
    pub fn fit(task: &BinaryTask<'_>) -> Result<Self> {
        check_probabilities(task)?;
        let (positive, negative) = (task.positive_weight(), task.negative_weight());
        if positive <= 0.0 || negative <= 0.0 {
            return Err(CoreError::undefined(
                "beta calibration",
                "the labels hold one class only (by weight): both events and non-events \
                 are needed",
            ));
        }
        let rows = distinct_rows(task);
        // Three distinct points of the strictly convex curve (ln s, -ln(1 - s)) are never
        // on one line, so three distinct scores make a, b and c identifiable. Checked here,
        // on the data, so that a singular Hessian in the fit can only mean separation.
        let distinct = 1 + rows.windows(2).filter(|w| w[0].0 != w[1].0).count();
        if distinct < 3 {
            return Err(CoreError::undefined(
                "beta calibration",
                "the features ln(s) and -ln(1 - s) are collinear on fewer than three \
                 distinct scores: the coefficients are not identifiable; use more distinct \
                 scores or Platt scaling",
            ));
        }
        // Sums over the distinct rows, as the fit's: the same for weights and repeats.
        let positive: f64 = rows.iter().map(|r| r.1 * r.2).sum();
        let negative: f64 = rows.iter().map(|r| (1.0 - r.1) * r.2).sum();
        let total = positive + negative;
        // Separation by a monotone map, decided on the data rather than by the optimiser:
        // the slopes of the full fit and of either refit run to +infinity when every
        // negative scores at or below every positive (no maximum: undefined), and to
        // -infinity the other way round, where the rule fixes them at 0 (the constant).
        let (mut low, mut high) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
        for (s, y, w) in task.rows() {
            if w > 0.0 {
                let s = s.clamp(BETA_EPS, 1.0 - BETA_EPS);
                let class = usize::from(y);
                low[class] = low[class].min(s);
                high[class] = high[class].max(s);
            }
        }
        if high[0] <= low[1] {
            return Err(separated());
        }
        if high[1] <= low[0] {
            return Ok(Self {
                a: 0.0,
                b: 0.0,
                c: (positive / negative).ln(),
            });
        }
        // The classes overlap, so a fit on one feature has a maximum. The paper's rule
        // reads the signs of the full fit; where that fit runs off to infinity (a bump or
        // a valley separates the classes), they are the signs of the direction it runs in,
        // as the large finite coefficients scikit-learn and betacal stop at would have them.
        let full = logistic_fit(&rows, &[0, 1], total, positive);
        let [a, b, c] = full.coefficients();
        let (a, b, c) = if a < 0.0 {
            let (b, c) = one_slope(
                logistic_fit(&rows, &[1], total, positive),
                positive,
                negative,
            )?;
            (0.0, b, c)
        } else if b < 0.0 {
            let (a, c) = one_slope(
                logistic_fit(&rows, &[0], total, positive),
                positive,
                negative,
            )?;
            (a, 0.0, c)
        } else if let Fit::Diverging(_) = full {
            return Err(separated());
        } else {
            (a, b, c)
        };
        Ok(Self { a, b, c })
    }
}

impl Calibrator for BetaCalibrator {
    const NAME: &'static str = "BetaCalibrator";
    type Params = NoParams;

    /// [`BetaCalibrator::fit`]: the method has no parameters.
    fn fit(task: &BinaryTask<'_>, _params: &NoParams) -> Result<Self> {
        BetaCalibrator::fit(task)
    }

    fn params(&self) -> NoParams {
        NoParams {}
    }

    /// Checks what a fit guarantees and [`BetaCalibrator::transform`] relies on: `a` and `b`
    /// in `[0, BETA_MAX_COEFFICIENT]` (so the map is non-decreasing), `c` finite with
    /// `|c| <= BETA_MAX_COEFFICIENT`.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] naming the offending coefficient.
    fn check(&self) -> Result<()> {
        let k = Checker::new(Self::NAME);
        k.within("a", self.a, 0.0, BETA_MAX_COEFFICIENT)?;
        k.within("b", self.b, 0.0, BETA_MAX_COEFFICIENT)?;
        k.within("c", self.c, -BETA_MAX_COEFFICIENT, BETA_MAX_COEFFICIENT)
    }

    /// Reads a calibrator written as JSON (by serde), checked with
    /// [`BetaCalibrator::check`].
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for malformed JSON or a calibrator that fails its check.
    fn from_json(text: &str) -> Result<Self> {
        crate::state::from_json::<RawBeta, _, _>(Self::NAME, text)
    }

    /// Calibrated probabilities `sigmoid(a ln s - b ln(1 - s) + c)`, scores clipped to
    /// `[BETA_EPS, 1 - BETA_EPS]`.
    ///
    /// # Errors
    /// [`CoreError::NotFinite`] for a NaN or infinite score; [`CoreError::OutOfRange`] for
    /// a score outside `[0, 1]`; [`CoreError::InvalidState`] for coefficients that fail
    /// [`BetaCalibrator::check`].
    fn transform<'a>(&self, scores: impl Into<ndarray::ArrayView1<'a, f64>>) -> Result<Vec<f64>> {
        let scores = scores.into();
        crate::input::check_finite(crate::input::names::Y_SCORE, &scores)?;
        self.check()?;
        scores
            .iter()
            .enumerate()
            .map(|(index, &s)| {
                if !(0.0..=1.0).contains(&s) {
                    return Err(CoreError::OutOfRange {
                        input: crate::input::names::Y_SCORE.to_owned(),
                        index,
                        value: s,
                        low: 0.0,
                        high: 1.0,
                    });
                }
                let [x1, x2] = features(s);
                Ok(sigmoid(self.a * x1 + self.b * x2 + self.c))
            })
            .collect()
    }
}
