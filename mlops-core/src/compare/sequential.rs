//! Sequential A/B tests that may be looked at after every batch: the mixture sequential
//! probability ratio test (mSPRT) with a normal mixture, its always-valid p-value and
//! confidence sequence (Robbins 1970; Johari, Koomen, Pekelis & Walsh 2017, "Peeking at
//! A/B tests", KDD; Johari, Pekelis & Walsh, "Always valid inference: continuous
//! monitoring of A/B tests", Operations Research 2022).
//!
//! The arms are the champion (control) and the challenger (treatment); the parameter is
//! `theta = mean_challenger - mean_champion` (a difference of proportions or of means),
//! tested against `theta = 0`: positive when the challenger's values are larger, which is
//! better for a success rate and worse for a default rate or a loss. After each update,
//! with `theta_hat` the difference of the arm means and `V = s_champion^2 / n_champion +
//! s_challenger^2 / n_challenger` its estimated variance (plug-in per-arm variances:
//! `p (1 - p)` for proportions, the sample variance for means), the mixture likelihood
//! ratio against a `N(0, tau^2)` mixture over `theta` is
//!
//! `Lambda = sqrt(V / (V + tau^2)) * exp(tau^2 theta_hat^2 / (2 V (V + tau^2)))`,
//!
//! the always-valid p-value is `p_n = min(p_{n-1}, 1 / Lambda_n)` (non-increasing,
//! `p_0 = 1`), and the confidence sequence is the running intersection of
//! `theta_hat +- sqrt(V (V + tau^2) / tau^2 * (ln((V + tau^2) / V) - 2 ln alpha))`, the set
//! of `theta` the test at level `alpha` has not rejected. `P(some p_n <= alpha) <= alpha`
//! under the null however often one looks, exactly for normal data with known variance
//! and asymptotically with the plug-in variance (Johari et al., as cited).
//!
//! **Choosing `tau^2`.** The mixture spends its power on effects of size about `tau`.
//! Johari et al. fit `tau^2` to the distribution of effects seen in past comparable
//! experiments (an empirical-Bayes choice; Optimizely's Stats Engine does so); with no
//! history, take `tau` equal to the smallest difference worth detecting. There is no
//! universal default, so `tau2` is a required parameter.
//!
//! While an arm has fewer than two rows or `V = 0` (every value equal in both arms), the
//! variance is unknown: nothing is tested and the p-value and interval stay as they were.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::state::{Checker, MAX_COUNT};

/// What the arms' values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequentialKind {
    /// 0/1 outcomes; `theta` is a difference of proportions, variances `p (1 - p)`.
    Proportions,
    /// Real values; `theta` is a difference of means, sample variances.
    Means,
}

/// What to do after a look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SequentialDecision {
    /// No conclusion yet: keep collecting.
    Continue,
    /// `theta = 0` rejected with `mean_challenger > mean_champion`.
    ChallengerGreater,
    /// `theta = 0` rejected with `mean_challenger < mean_champion`.
    ChampionGreater,
}

/// Running count, mean and sum of squared deviations of one arm (Welford's update,
/// Chan et al.'s merge), so batches of any size give the same state.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ArmStats {
    /// Rows.
    pub n: u64,
    /// Mean.
    pub mean: f64,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
}

impl ArmStats {
    fn merge(&mut self, n: u64, mean: f64, m2: f64) {
        if n == 0 {
            return;
        }
        let total = self.n + n;
        let (na, nb, nt) = (self.n as f64, n as f64, total as f64);
        let delta = mean - self.mean;
        self.mean += delta * nb / nt;
        self.m2 += m2 + delta * delta * na * nb / nt;
        self.n = total;
    }

    fn add_values(&mut self, values: &[f64]) {
        if values.is_empty() {
            return;
        }
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let m2 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
        self.merge(values.len() as u64, mean, m2);
    }

    /// The plug-in variance of one value: `p (1 - p)` for proportions (the MLE), the
    /// sample variance (denominator `n - 1`) for means.
    fn variance(&self, kind: SequentialKind) -> Option<f64> {
        if self.n < 2 {
            return None;
        }
        Some(match kind {
            SequentialKind::Proportions => self.mean * (1.0 - self.mean),
            SequentialKind::Means => self.m2 / (self.n - 1) as f64,
        })
    }
}

/// The state of a mixture SPRT; serialise it to pause and resume a test.
///
/// # Examples
/// ```
/// use mlops_core::compare::{SequentialKind, SequentialTest};
/// let mut test = SequentialTest::new(SequentialKind::Proportions, 0.05, 0.02 * 0.02)?;
/// for day in 0..30 {
///     // 500 loans a day per arm (champion first); the challenger's approvals default
///     // less often, so the estimate (challenger - champion) is negative
///     test.update_counts(60, 500, 40, 500)?;
///     if test.result().rejected { break; }
/// }
/// let r = test.result();
/// assert!(r.rejected && r.estimate < 0.0 && r.ci_high.unwrap() < 0.0);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "SequentialState")]
pub struct SequentialTest {
    kind: SequentialKind,
    alpha: f64,
    tau2: f64,
    champion: ArmStats,
    challenger: ArmStats,
    pvalue: f64,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    looks: u64,
    rejected_at: Option<u64>,
    /// Whether `mean_challenger > mean_champion` at the look where the test rejected.
    rejected_sign: Option<bool>,
}

/// The serialised form of [`SequentialTest`], checked on the way in.
#[derive(Deserialize)]
struct SequentialState {
    kind: SequentialKind,
    alpha: f64,
    tau2: f64,
    // States saved before the arms were named call them `a` (champion) and `b`.
    #[serde(alias = "a")]
    champion: ArmStats,
    #[serde(alias = "b")]
    challenger: ArmStats,
    pvalue: f64,
    ci_low: Option<f64>,
    ci_high: Option<f64>,
    looks: u64,
    rejected_at: Option<u64>,
    rejected_sign: Option<bool>,
}

impl TryFrom<SequentialState> for SequentialTest {
    type Error = CoreError;

    /// Checks the settings as [`SequentialTest::new`] does, and that the state is one the
    /// updates can reach: arm counts up to `2^53` with finite means (in `[0, 1]` for
    /// proportions) and sums of squares `>= 0` (both 0 for an empty arm, the latter for one
    /// value), a p-value in `[0, 1]`, an interval with both ends or neither, and a rejection
    /// recorded (with its look and sign) exactly when the p-value is at most `alpha`.
    fn try_from(s: SequentialState) -> Result<Self> {
        let k = Checker::new("SequentialTest");
        let fresh = Self::new(s.kind, s.alpha, s.tau2).map_err(|e| match e {
            CoreError::InvalidParameter {
                name,
                value,
                reason,
            } => k.fail(name, format!("is {value}: {reason}")),
            other => other,
        })?;
        for (name, arm) in [("champion", &s.champion), ("challenger", &s.challenger)] {
            let field = |f: &str| format!("{name}.{f}");
            k.count(&field("n"), arm.n)?;
            k.finite(&field("mean"), arm.mean)?;
            if s.kind == SequentialKind::Proportions {
                k.probability(&field("mean"), arm.mean)?;
            }
            k.within(&field("m2"), arm.m2, 0.0, f64::MAX)?;
            k.ensure(
                arm.n > 0 || (arm.mean == 0.0 && arm.m2 == 0.0),
                field("mean"),
                || {
                    format!(
                        "is {} with m2 = {} for an arm with no rows",
                        arm.mean, arm.m2
                    )
                },
            )?;
            k.ensure(arm.n != 1 || arm.m2 == 0.0, field("m2"), || {
                format!("is {} for an arm of one row", arm.m2)
            })?;
        }
        k.probability("pvalue", s.pvalue)?;
        k.ensure(s.ci_low.is_some() == s.ci_high.is_some(), "ci_low", || {
            "and ci_high must both be set or both be null".to_owned()
        })?;
        for (name, end) in [("ci_low", s.ci_low), ("ci_high", s.ci_high)] {
            if let Some(x) = end {
                k.finite(name, x)?;
            }
        }
        k.count("looks", s.looks)?;
        k.ensure(
            s.rejected_at.is_some() == s.rejected_sign.is_some(),
            "rejected_sign",
            || "must be set exactly when rejected_at is".to_owned(),
        )?;
        k.ensure(
            s.rejected_at.is_some() == (s.pvalue <= s.alpha),
            "rejected_at",
            || {
                format!(
                    "is {:?} with pvalue {} and alpha {}; the test rejects exactly when \
                     pvalue <= alpha",
                    s.rejected_at, s.pvalue, s.alpha
                )
            },
        )?;
        if let Some(at) = s.rejected_at {
            k.ensure((1..=s.looks).contains(&at), "rejected_at", || {
                format!("is {at}; expected a look in 1..={}", s.looks)
            })?;
        }
        Ok(Self {
            champion: s.champion,
            challenger: s.challenger,
            pvalue: s.pvalue,
            ci_low: s.ci_low,
            ci_high: s.ci_high,
            looks: s.looks,
            rejected_at: s.rejected_at,
            rejected_sign: s.rejected_sign,
            ..fresh
        })
    }
}

/// Where a sequential test stands.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SequentialResult {
    /// `"proportions"` or `"means"`.
    pub kind: SequentialKind,
    /// Rows in the champion's arm (control).
    pub n_champion: u64,
    /// Rows in the challenger's arm (treatment).
    pub n_challenger: u64,
    /// Mean of the champion's arm.
    pub mean_champion: f64,
    /// Mean of the challenger's arm.
    pub mean_challenger: f64,
    /// `mean_challenger - mean_champion` (positive: the challenger's values are larger).
    pub estimate: f64,
    /// `sqrt(V)`; `None` while the variance is unknown.
    pub std_error: Option<f64>,
    /// `ln Lambda` at this look; `None` while the variance is unknown.
    pub log_likelihood_ratio: Option<f64>,
    /// The always-valid p-value (non-increasing over looks).
    pub pvalue: f64,
    /// Lower end of the confidence sequence (running intersection); `None` before the
    /// first tested look.
    pub ci_low: Option<f64>,
    /// Upper end of the confidence sequence.
    pub ci_high: Option<f64>,
    /// Whether `theta = 0` is rejected at `alpha` (`pvalue <= alpha`); final once true.
    pub rejected: bool,
    /// Continue, or which arm is larger (the sign of the estimate at the look where the
    /// test rejected).
    pub decision: SequentialDecision,
    /// The look (update count) at which the test rejected.
    pub rejected_at: Option<u64>,
    /// Updates so far.
    pub looks: u64,
    /// Significance level.
    pub alpha: f64,
    /// Mixing variance.
    pub tau2: f64,
}

impl SequentialTest {
    /// A test with nothing seen.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] for `alpha` outside (0, 1) or `tau2` not finite and
    /// positive.
    pub fn new(kind: SequentialKind, alpha: f64, tau2: f64) -> Result<Self> {
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(CoreError::invalid_parameter(
                "alpha",
                alpha,
                "must be in (0, 1)",
            ));
        }
        if !(tau2.is_finite() && tau2 > 0.0) {
            return Err(CoreError::invalid_parameter(
                "tau2",
                tau2,
                "must be a finite positive mixing variance (about the squared effect worth detecting)",
            ));
        }
        Ok(Self {
            kind,
            alpha,
            tau2,
            champion: ArmStats::default(),
            challenger: ArmStats::default(),
            pvalue: 1.0,
            ci_low: None,
            ci_high: None,
            looks: 0,
            rejected_at: None,
            rejected_sign: None,
        })
    }

    /// Adds a batch of values to each arm (either may be empty), then looks.
    ///
    /// # Errors
    /// [`CoreError::NotFinite`] for a NaN or infinite value; [`CoreError::OutOfRange`] for
    /// a proportion test value other than 0 or 1; [`CoreError::InvalidParameter`] when an
    /// arm would exceed `2^53` rows. Nothing is added on error.
    pub fn update(&mut self, champion: &[f64], challenger: &[f64]) -> Result<()> {
        for (input, values) in [("champion", champion), ("challenger", challenger)] {
            for (index, &value) in values.iter().enumerate() {
                if !value.is_finite() {
                    return Err(CoreError::NotFinite {
                        input: input.to_owned(),
                        index,
                        value,
                    });
                }
                if self.kind == SequentialKind::Proportions && value != 0.0 && value != 1.0 {
                    return Err(CoreError::OutOfRange {
                        input: input.to_owned(),
                        index,
                        value,
                        low: 0.0,
                        high: 1.0,
                    });
                }
            }
        }
        self.check_room(champion.len() as u64, challenger.len() as u64)?;
        self.champion.add_values(champion);
        self.challenger.add_values(challenger);
        self.look();
        Ok(())
    }

    /// Adds a batch of counts to a proportions test (`successes` out of `trials` in each
    /// arm, the champion's first), then looks.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] on a means test, when successes exceed trials, or
    /// when an arm would exceed `2^53` rows.
    pub fn update_counts(
        &mut self,
        successes_champion: u64,
        trials_champion: u64,
        successes_challenger: u64,
        trials_challenger: u64,
    ) -> Result<()> {
        if self.kind != SequentialKind::Proportions {
            return Err(CoreError::invalid_parameter(
                "kind",
                "means",
                "counts update a proportions test; pass values to update() instead",
            ));
        }
        for (name, s, t) in [
            ("successes_champion", successes_champion, trials_champion),
            (
                "successes_challenger",
                successes_challenger,
                trials_challenger,
            ),
        ] {
            if s > t {
                return Err(CoreError::invalid_parameter(
                    name,
                    s,
                    format!("exceeds its trials ({t})"),
                ));
            }
        }
        self.check_room(trials_champion, trials_challenger)?;
        for (arm, s, t) in [
            (&mut self.champion, successes_champion, trials_champion),
            (
                &mut self.challenger,
                successes_challenger,
                trials_challenger,
            ),
        ] {
            if t > 0 {
                let p = s as f64 / t as f64;
                // Sum of squared deviations of s ones and t - s zeros around p.
                arm.merge(t, p, t as f64 * p * (1.0 - p));
            }
        }
        self.look();
        Ok(())
    }

    /// Checks that the arms can take `more_champion` and `more_challenger` rows: counts stay within
    /// `2^53` (exact as floats, and far from overflowing).
    fn check_room(&self, more_champion: u64, more_challenger: u64) -> Result<()> {
        for (name, arm, more) in [
            ("champion", &self.champion, more_champion),
            ("challenger", &self.challenger, more_challenger),
        ] {
            if arm.n.checked_add(more).is_none_or(|n| n > MAX_COUNT) {
                return Err(CoreError::invalid_parameter(
                    name,
                    more,
                    format!("the arm would exceed 2^53 rows (it holds {})", arm.n),
                ));
            }
        }
        Ok(())
    }

    /// Reads a test written as JSON (by serde), with its state checked.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] for malformed JSON or a state the test cannot reach.
    pub fn from_json(text: &str) -> Result<Self> {
        crate::state::from_json::<SequentialState, _, _>("SequentialTest", text)
    }

    /// The test as JSON.
    ///
    /// # Errors
    /// [`CoreError::InvalidState`] if serde fails.
    pub fn to_json(&self) -> Result<String> {
        crate::state::to_json("SequentialTest", self)
    }

    fn variance(&self) -> Option<f64> {
        let (va, vb) = (
            self.champion.variance(self.kind)?,
            self.challenger.variance(self.kind)?,
        );
        let v = va / self.champion.n as f64 + vb / self.challenger.n as f64;
        (v > 0.0).then_some(v)
    }

    /// `theta_hat = mean_challenger - mean_champion`.
    fn theta(&self) -> f64 {
        self.challenger.mean - self.champion.mean
    }

    fn log_lr(&self, v: f64) -> f64 {
        let theta = self.theta();
        let t2 = self.tau2;
        0.5 * (v / (v + t2)).ln() + t2 * theta * theta / (2.0 * v * (v + t2))
    }

    fn look(&mut self) {
        self.looks += 1;
        let Some(v) = self.variance() else {
            return;
        };
        let t2 = self.tau2;
        self.pvalue = self.pvalue.min((-self.log_lr(v)).exp().min(1.0));
        let theta = self.theta();
        let half = (v * (v + t2) / t2 * (((v + t2) / v).ln() - 2.0 * self.alpha.ln())).sqrt();
        self.ci_low = Some(self.ci_low.map_or(theta - half, |l| l.max(theta - half)));
        self.ci_high = Some(self.ci_high.map_or(theta + half, |h| h.min(theta + half)));
        if self.rejected_at.is_none() && self.pvalue <= self.alpha {
            self.rejected_at = Some(self.looks);
            self.rejected_sign = Some(theta > 0.0);
        }
    }

    /// Where the test stands.
    pub fn result(&self) -> SequentialResult {
        let v = self.variance();
        let estimate = self.theta();
        let rejected = self.rejected_at.is_some();
        SequentialResult {
            kind: self.kind,
            n_champion: self.champion.n,
            n_challenger: self.challenger.n,
            mean_champion: self.champion.mean,
            mean_challenger: self.challenger.mean,
            estimate,
            std_error: v.map(f64::sqrt),
            log_likelihood_ratio: v.map(|v| self.log_lr(v)),
            pvalue: self.pvalue,
            ci_low: self.ci_low,
            ci_high: self.ci_high,
            rejected,
            decision: match self.rejected_sign {
                None => SequentialDecision::Continue,
                Some(true) => SequentialDecision::ChallengerGreater,
                Some(false) => SequentialDecision::ChampionGreater,
            },
            rejected_at: self.rejected_at,
            looks: self.looks,
            alpha: self.alpha,
            tau2: self.tau2,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_values_give_the_same_state() {
        let mut by_counts = SequentialTest::new(SequentialKind::Proportions, 0.05, 1e-3).unwrap();
        let mut by_values = by_counts.clone();
        by_counts.update_counts(3, 10, 7, 12).unwrap();
        let a: Vec<f64> = (0..10).map(|i| f64::from(u8::from(i < 3))).collect();
        let b: Vec<f64> = (0..12).map(|i| f64::from(u8::from(i < 7))).collect();
        by_values.update(&a, &b).unwrap();
        let (x, y) = (by_counts.result(), by_values.result());
        assert!((x.pvalue - y.pvalue).abs() < 1e-14);
        assert!((x.ci_low.unwrap() - y.ci_low.unwrap()).abs() < 1e-14);
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(SequentialTest::new(SequentialKind::Means, 0.0, 1.0).is_err());
        assert!(SequentialTest::new(SequentialKind::Means, 0.05, 0.0).is_err());
        let mut t = SequentialTest::new(SequentialKind::Proportions, 0.05, 1.0).unwrap();
        assert!(t.update(&[0.5], &[]).is_err());
        assert!(t.update_counts(3, 2, 0, 0).is_err());
        assert_eq!(t.result().looks, 0);
    }
}
