//! What every calibrator shares: it is fitted on a task with its parameters, maps new scores
//! to probabilities, and travels as checked JSON. Code that handles calibrators in general
//! (the Python binding, a pipeline step) is written once against [`Calibrator`].

use std::fmt::Debug;

use ndarray::ArrayView1;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::input::BinaryTask;

/// A fitted map from scores to calibrated probabilities.
///
/// Implemented by [`super::IsotonicCalibrator`], [`super::PlattCalibrator`],
/// [`super::HistogramCalibrator`] and [`super::BetaCalibrator`]. Each also keeps an
/// inherent `fit` with its natural arguments; [`Calibrator::fit`] takes them as
/// [`Calibrator::Params`], so that generic code can fit any of them.
///
/// # Examples
/// ```
/// use mlops_core::BinaryTask;
/// use mlops_core::calibration::{Calibrator, IsotonicCalibrator, PlattCalibrator};
///
/// fn refit<C: Calibrator>(cal: &C, task: &BinaryTask<'_>) -> mlops_core::Result<C> {
///     C::fit(task, &cal.params())
/// }
/// let task = BinaryTask::new(&[0.1, 0.2, 0.3, 0.4][..], &[0, 1, 0, 1][..])?;
/// let iso = IsotonicCalibrator::fit(&task)?;
/// assert_eq!(refit(&iso, &task)?, iso);
/// let platt = PlattCalibrator::fit(&task)?;
/// assert_eq!(PlattCalibrator::from_json(&platt.to_json()?)?, platt);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
pub trait Calibrator:
    Sized + Clone + Debug + PartialEq + Send + Sync + Serialize + DeserializeOwned
{
    /// The type's name, as errors and the Python binding report it.
    const NAME: &'static str;

    /// What a fit is told besides the data ([`NoParams`] when nothing). The default value
    /// is the default of every interface.
    type Params: Clone + Debug + Default + PartialEq + Send + Sync + Serialize + DeserializeOwned;

    /// Fits on scores and labels (and weights, when the task has them).
    ///
    /// # Errors
    /// Those of the type's inherent `fit`: parameters out of range, scores the method
    /// cannot take, or a fit that does not exist on these data.
    fn fit(task: &BinaryTask<'_>, params: &Self::Params) -> Result<Self>;

    /// The parameters this calibrator was fitted with (as far as the fitted object records
    /// them: a histogram's bin count and strategy; nothing for the others).
    fn params(&self) -> Self::Params;

    /// Checks the invariants [`Calibrator::transform`] relies on (a fitted calibrator
    /// always passes; one built by hand or read from edited JSON may not).
    ///
    /// # Errors
    /// [`crate::CoreError::InvalidState`] naming the first offending field.
    fn check(&self) -> Result<()>;

    /// Calibrated probabilities for new scores.
    ///
    /// # Errors
    /// [`crate::CoreError::NotFinite`] for a NaN or infinite score, the type's own range
    /// errors (beta calibration takes probabilities only) and
    /// [`crate::CoreError::InvalidState`] for a calibrator that fails its check.
    fn transform<'a>(&self, scores: impl Into<ArrayView1<'a, f64>>) -> Result<Vec<f64>>;

    /// Reads a calibrator written by [`Calibrator::to_json`] through its checked raw form
    /// (see [`crate::state`]).
    ///
    /// # Errors
    /// [`crate::CoreError::InvalidState`] for malformed JSON or a calibrator that fails its
    /// check, naming the field.
    fn from_json(text: &str) -> Result<Self>;

    /// The calibrator as JSON.
    ///
    /// # Errors
    /// [`crate::CoreError::InvalidState`] if serde fails.
    fn to_json(&self) -> Result<String> {
        crate::state::to_json(Self::NAME, self)
    }
}

/// The parameters of a calibrator that has none: an empty record (`{}` in JSON).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calibration::{
        BetaCalibrator, BinStrategy, HistogramCalibrator, HistogramParams, IsotonicCalibrator,
        PlattCalibrator,
    };

    /// Scores in (0, 1) with overlapping classes, so that every calibrator can be fitted;
    /// weights when `weighted`.
    fn data(weighted: bool) -> (Vec<f64>, Vec<u8>, Option<Vec<f64>>) {
        let n = 40;
        let s: Vec<f64> = (0..n)
            .map(|i| (f64::from(i) + 0.5) / f64::from(n))
            .collect();
        // Mostly increasing risk, with some inversions.
        let y: Vec<u8> = (0..n).map(|i| u8::from((i * 7 + 3) % 10 < i / 4)).collect();
        let w = weighted.then(|| (0..n).map(|i| f64::from(1 + i % 3) * 0.5).collect());
        (s, y, w)
    }

    fn task<'a>(s: &'a [f64], y: &'a [u8], w: Option<&'a [f64]>) -> BinaryTask<'a> {
        let t = BinaryTask::new(s, y).expect("valid task");
        match w {
            Some(w) => t.with_weights(w).expect("valid weights"),
            None => t,
        }
    }

    /// Fit through the trait equals the inherent fit; so do transform, the recorded
    /// parameters, and the JSON round trip (which must give back an equal calibrator and
    /// the same probabilities).
    fn agrees<C: Calibrator>(
        params: &C::Params,
        inherent: impl Fn(&BinaryTask<'_>) -> Result<C>,
        grid: &[f64],
    ) {
        for weighted in [false, true] {
            let (s, y, w) = data(weighted);
            let t = task(&s, &y, w.as_deref());
            let generic = C::fit(&t, params).expect("fits");
            let direct = inherent(&t).expect("fits");
            assert_eq!(generic, direct, "{}", C::NAME);
            assert_eq!(&generic.params(), params, "{}", C::NAME);
            generic
                .check()
                .expect("a fitted calibrator passes its check");
            let q = generic
                .transform(ArrayView1::from(grid))
                .expect("transforms");
            assert!(
                q.iter().all(|p| (0.0..=1.0).contains(p)),
                "{}: {q:?}",
                C::NAME
            );
            let text = generic.to_json().expect("serialises");
            assert_eq!(text, serde_json::to_string(&generic).expect("serde"));
            let back = C::from_json(&text).expect("reads back");
            assert_eq!(back, generic, "{}", C::NAME);
            assert_eq!(
                back.transform(ArrayView1::from(grid)).expect("transforms"),
                q
            );
        }
    }

    const GRID: [f64; 7] = [0.0, 0.01, 0.2, 0.5, 0.77, 0.99, 1.0];

    #[test]
    fn trait_fit_and_transform_equal_the_inherent_methods() {
        agrees::<IsotonicCalibrator>(&NoParams {}, IsotonicCalibrator::fit, &GRID);
        agrees::<PlattCalibrator>(&NoParams {}, PlattCalibrator::fit, &GRID);
        agrees::<BetaCalibrator>(&NoParams {}, BetaCalibrator::fit, &GRID);
        for (n_bins, strategy) in [
            (10, BinStrategy::Uniform),
            (3, BinStrategy::Quantile),
            (1, BinStrategy::Uniform),
        ] {
            let params = HistogramParams::new(n_bins, strategy).expect("valid");
            agrees::<HistogramCalibrator>(
                &params,
                |t| HistogramCalibrator::fit(t, n_bins, strategy),
                &GRID,
            );
        }
    }

    /// The transform is the formula of each method, computed here independently.
    #[test]
    fn transform_is_each_methods_formula() {
        let (s, y, _) = data(false);
        let t = task(&s, &y, None);
        let platt = <PlattCalibrator as Calibrator>::fit(&t, &NoParams {}).expect("fits");
        let beta = <BetaCalibrator as Calibrator>::fit(&t, &NoParams {}).expect("fits");
        let iso = <IsotonicCalibrator as Calibrator>::fit(&t, &NoParams {}).expect("fits");
        let g = ArrayView1::from(&GRID[..]);
        let (p, b, i) = (
            platt.transform(g).expect("ok"),
            beta.transform(g).expect("ok"),
            iso.transform(g).expect("ok"),
        );
        for (k, &x) in GRID.iter().enumerate() {
            let want_p = 1.0 / (1.0 + (platt.a * x + platt.b).exp());
            assert!((p[k] - want_p).abs() <= 1e-15, "platt at {x}");
            let xc = x.clamp(f64::EPSILON, 1.0 - f64::EPSILON);
            let z = beta.a * xc.ln() - beta.b * (1.0 - xc).ln() + beta.c;
            assert!(
                (b[k] - 1.0 / (1.0 + (-z).exp())).abs() <= 1e-14,
                "beta at {x}"
            );
        }
        // Isotonic: clipped outside the thresholds, and at a threshold its value.
        let (xs, ys) = (&iso.x_thresholds, &iso.y_thresholds);
        assert_eq!(i[0], ys[0]);
        assert_eq!(i[GRID.len() - 1], ys[ys.len() - 1]);
        let at = iso
            .transform(ArrayView1::from(&xs[..]))
            .expect("transforms");
        assert_eq!(&at, ys);
    }

    #[test]
    fn params_default_and_serde() {
        assert_eq!(
            HistogramParams::default(),
            HistogramParams::new(10, BinStrategy::Uniform).expect("valid")
        );
        let p: HistogramParams = serde_json::from_str(r#"{"n_bins": 4}"#).expect("reads");
        assert_eq!(
            p,
            HistogramParams::new(4, BinStrategy::Uniform).expect("valid")
        );
        assert_eq!(serde_json::to_string(&NoParams {}).expect("serde"), "{}");
        assert!(serde_json::from_str::<NoParams>(r#"{"n_bins": 4}"#).is_err());
        assert!(HistogramParams::new(0, BinStrategy::Uniform).is_err());
        // Checked on the way in, like the calibrators.
        assert!(serde_json::from_str::<HistogramParams>(r#"{"n_bins": 0}"#).is_err());
    }

    /// A payload that fails a calibrator's check is refused by `from_json` and by plain
    /// serde alike (both go through the raw form).
    #[test]
    fn from_json_keeps_the_checks() {
        fn refused<C: Calibrator>(text: &str) {
            let e = C::from_json(text).expect_err("refused");
            assert!(matches!(e, crate::CoreError::InvalidState { .. }), "{e:?}");
            assert!(serde_json::from_str::<C>(text).is_err());
        }
        refused::<IsotonicCalibrator>(r#"{"x_thresholds": [0.2, 0.1], "y_thresholds": [0, 1]}"#);
        refused::<PlattCalibrator>(r#"{"a": "inf", "b": 0}"#);
        refused::<BetaCalibrator>(r#"{"a": -1, "b": 0, "c": 0}"#);
        refused::<HistogramCalibrator>(
            r#"{"strategy": "uniform", "edges": [0, 1], "values": [2], "bin_weight": [1]}"#,
        );
    }
}
