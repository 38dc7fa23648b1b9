//! `mlops_audit.metrics`: confusion matrices, ROC/PR curves, AUC, costs.

use mlops_core::names::SAMPLE_WEIGHT;
use mlops_core::{ConfusionMatrix, CostMatrix, CostOptimum, Rates, SortedCounts};
use numpy::{IntoPyArray, PyArray1, PyArray2};
use pyo3::prelude::*;

use crate::errors::BindResult;
use pyo3::types::{PyDict, PyTuple};

use crate::detach;
use crate::input::{extract_column, extract_optional, with_task};

/// Three arrays of one curve, as scikit-learn returns them.
type Curve<'py> = (
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
    Bound<'py, PyArray1<f64>>,
);

fn cost_or_default(cost: Option<&PyCostMatrix>) -> CostMatrix {
    cost.map_or_else(CostMatrix::default, |c| c.0)
}

fn fmt_rate(r: Option<f64>) -> String {
    r.map_or_else(|| "None".to_owned(), |v| format!("{v:.6}"))
}

/// A weighted confusion matrix, with every rate; a rate whose denominator is zero is
/// ``None`` (undefined), never 0 or NaN.
///
/// ``numpy.asarray(cm)`` gives scikit-learn's layout ``[[tn, fp], [fn, tp]]``.
#[pyclass(frozen, eq, name = "ConfusionMatrix", module = "mlops_audit.metrics")]
#[derive(Clone, PartialEq)]
pub struct PyConfusionMatrix {
    cm: ConfusionMatrix,
    threshold: Option<f64>,
}

impl PyConfusionMatrix {
    fn rates(&self) -> Rates {
        self.cm.rates()
    }
}

#[pymethods]
impl PyConfusionMatrix {
    #[new]
    #[pyo3(signature = (tp, fp, tn, fn_, threshold=None))]
    fn new(tp: f64, fp: f64, tn: f64, fn_: f64, threshold: Option<f64>) -> BindResult<Self> {
        Ok(Self {
            cm: ConfusionMatrix::from_counts(tp, fp, tn, fn_)?,
            threshold,
        })
    }
    /// Positives predicted positive (weighted).
    #[getter]
    fn tp(&self) -> f64 {
        self.cm.tp
    }
    /// Negatives predicted positive (weighted).
    #[getter]
    fn fp(&self) -> f64 {
        self.cm.fp
    }
    /// Negatives predicted negative (weighted).
    #[getter]
    fn tn(&self) -> f64 {
        self.cm.tn
    }
    /// Positives predicted negative (weighted).
    #[getter]
    #[pyo3(name = "fn")]
    fn fn_(&self) -> f64 {
        self.cm.fn_
    }
    /// The threshold the matrix was counted at (``score >= threshold`` is positive), if any.
    #[getter]
    fn threshold(&self) -> Option<f64> {
        self.threshold
    }
    /// TP / (TP + FN); ``None`` without positives.
    #[getter]
    fn tpr(&self) -> Option<f64> {
        self.rates().tpr
    }
    /// FP / (FP + TN); ``None`` without negatives.
    #[getter]
    fn fpr(&self) -> Option<f64> {
        self.rates().fpr
    }
    /// TN / (TN + FP); ``None`` without negatives.
    #[getter]
    fn tnr(&self) -> Option<f64> {
        self.rates().tnr
    }
    /// FN / (FN + TP); ``None`` without positives.
    #[getter]
    fn fnr(&self) -> Option<f64> {
        self.rates().fnr
    }
    /// TP / (TP + FP); ``None`` when nothing is predicted positive.
    #[getter]
    fn precision(&self) -> Option<f64> {
        self.rates().precision
    }
    /// (TP + FP) / total; ``None`` for zero total weight.
    #[getter]
    fn selection_rate(&self) -> Option<f64> {
        self.rates().selection_rate
    }
    /// (TP + TN) / total; ``None`` for zero total weight.
    #[getter]
    fn accuracy(&self) -> Option<f64> {
        self.rates().accuracy
    }
    /// Counts and rates as a plain ``dict`` (undefined rates are ``None``).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("threshold", self.threshold)?;
        for (k, v) in [
            ("tp", self.cm.tp),
            ("fp", self.cm.fp),
            ("tn", self.cm.tn),
            ("fn", self.cm.fn_),
        ] {
            d.set_item(k, v)?;
        }
        let r = self.rates();
        for (k, v) in [
            ("tpr", r.tpr),
            ("fpr", r.fpr),
            ("tnr", r.tnr),
            ("fnr", r.fnr),
            ("precision", r.precision),
            ("selection_rate", r.selection_rate),
            ("accuracy", r.accuracy),
        ] {
            d.set_item(k, v)?;
        }
        Ok(d)
    }
    /// JSON ``{"threshold", "counts": {tp, fp, tn, fn}, "rates": {...}}``: the content of
    /// :meth:`to_dict`, nested; undefined rates are ``null`` and an infinite threshold is
    /// the string ``"inf"`` (JSON has no infinity).
    fn to_json(&self) -> PyResult<String> {
        let value = serde_json::json!({
            "threshold": self.threshold.map(|t| if t.is_finite() { serde_json::json!(t) } else { serde_json::json!(t.to_string()) }),
            "counts": self.cm,
            "rates": self.rates(),
        });
        serde_json::to_string(&value)
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))
    }
    /// ``[[tn, fp], [fn, tp]]`` (scikit-learn's layout).
    #[pyo3(signature = (dtype=None, copy=None))]
    fn __array__<'py>(
        &self,
        py: Python<'py>,
        dtype: Option<Bound<'py, PyAny>>,
        copy: Option<bool>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let _ = copy;
        let a = self.cm.to_array();
        let arr = PyArray2::from_vec2(py, &[a[0].to_vec(), a[1].to_vec()])
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?
            .into_any();
        match dtype {
            Some(d) if !d.is_none() => arr.call_method1("astype", (d,)),
            _ => Ok(arr),
        }
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let cls = py.get_type::<Self>();
        let args = (
            self.cm.tp,
            self.cm.fp,
            self.cm.tn,
            self.cm.fn_,
            self.threshold,
        );
        (cls, args).into_pyobject(py)
    }
    fn __repr__(&self) -> String {
        let r = self.rates();
        format!(
            "ConfusionMatrix(tp={}, fp={}, tn={}, fn={}, threshold={}, tpr={}, fpr={}, precision={})",
            self.cm.tp,
            self.cm.fp,
            self.cm.tn,
            self.cm.fn_,
            self.threshold
                .map_or_else(|| "None".to_owned(), |t| t.to_string()),
            fmt_rate(r.tpr),
            fmt_rate(r.fpr),
            fmt_rate(r.precision)
        )
    }
    fn _repr_html_(&self) -> String {
        let r = self.rates();
        let rate = |v: Option<f64>| v.map_or_else(|| "undefined".to_owned(), |v| format!("{v:.4}"));
        format!(
            "<table><caption>ConfusionMatrix</caption>\
             <tr><th></th><th>predicted 0</th><th>predicted 1</th></tr>\
             <tr><th>actual 0</th><td>{}</td><td>{}</td></tr>\
             <tr><th>actual 1</th><td>{}</td><td>{}</td></tr>\
             <tr><td colspan=3>TPR {} &middot; FPR {} &middot; precision {} &middot; selection rate {}</td></tr>\
             </table>",
            self.cm.tn,
            self.cm.fp,
            self.cm.fn_,
            self.cm.tp,
            rate(r.tpr),
            rate(r.fpr),
            rate(r.precision),
            rate(r.selection_rate)
        )
    }
}

/// Costs of the four outcomes of a binary decision. Defaults to the lending case: a missed
/// positive (a bad loan waved through) costs 5, a false alarm (a good loan sent to review)
/// costs 1, correct decisions cost nothing.
#[pyclass(frozen, eq, name = "CostMatrix", module = "mlops_audit.metrics")]
#[derive(Clone, PartialEq)]
pub struct PyCostMatrix(pub CostMatrix);

#[pymethods]
impl PyCostMatrix {
    #[new]
    #[pyo3(signature = (fn_cost=5.0, fp_cost=1.0, tp_cost=0.0, tn_cost=0.0))]
    fn new(fn_cost: f64, fp_cost: f64, tp_cost: f64, tn_cost: f64) -> BindResult<Self> {
        Ok(Self(CostMatrix::full(fn_cost, fp_cost, tp_cost, tn_cost)?))
    }
    /// Cost of a false negative.
    #[getter]
    fn fn_cost(&self) -> f64 {
        self.0.fn_cost()
    }
    /// Cost of a false positive.
    #[getter]
    fn fp_cost(&self) -> f64 {
        self.0.fp_cost()
    }
    /// Cost of a true positive.
    #[getter]
    fn tp_cost(&self) -> f64 {
        self.0.tp_cost()
    }
    /// Cost of a true negative.
    #[getter]
    fn tn_cost(&self) -> f64 {
        self.0.tn_cost()
    }
    /// The threshold on calibrated probabilities above which flagging has the lower
    /// expected cost: ``(fp - tn) / ((fp - tn) + (fn - tp))`` (1/6 for the default).
    fn bayes_threshold(&self) -> f64 {
        self.0.bayes_threshold()
    }
    /// Total cost of the decisions counted in ``cm``.
    fn total_cost(&self, cm: &PyConfusionMatrix) -> BindResult<f64> {
        self.0.check_total_weight("cm", cm.cm.total())?;
        Ok(self.0.total_cost(&cm.cm))
    }
    /// Cost per unit of weight; ``None`` for an empty matrix.
    fn mean_cost(&self, cm: &PyConfusionMatrix) -> Option<f64> {
        self.0.mean_cost(&cm.cm)
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let c = self.0;
        (
            py.get_type::<Self>(),
            (c.fn_cost(), c.fp_cost(), c.tp_cost(), c.tn_cost()),
        )
            .into_pyobject(py)
    }
    fn __repr__(&self) -> String {
        let c = self.0;
        format!(
            "CostMatrix(fn_cost={}, fp_cost={}, tp_cost={}, tn_cost={})",
            c.fn_cost(),
            c.fp_cost(),
            c.tp_cost(),
            c.tn_cost()
        )
    }
}

/// The threshold with the lowest total cost on the data, and what it achieves.
#[pyclass(frozen, name = "CostOptimum", module = "mlops_audit.metrics")]
pub struct PyCostOptimum(CostOptimum);

#[pymethods]
impl PyCostOptimum {
    #[new]
    fn new(threshold: f64, cost: f64, confusion: &PyConfusionMatrix) -> Self {
        Self(CostOptimum {
            threshold,
            cost,
            confusion: confusion.cm,
        })
    }
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (
            py.get_type::<Self>(),
            (self.0.threshold, self.0.cost, self.confusion()),
        )
            .into_pyobject(py)
    }
    /// Flag when ``score >= threshold`` (``inf``: flag nobody).
    #[getter]
    fn threshold(&self) -> f64 {
        self.0.threshold
    }
    /// Total (weighted) cost at the threshold.
    #[getter]
    fn cost(&self) -> f64 {
        self.0.cost
    }
    /// The confusion matrix at the threshold.
    #[getter]
    fn confusion(&self) -> PyConfusionMatrix {
        PyConfusionMatrix {
            cm: self.0.confusion,
            threshold: Some(self.0.threshold),
        }
    }
    fn __repr__(&self) -> String {
        format!(
            "CostOptimum(threshold={}, cost={})",
            self.0.threshold, self.0.cost
        )
    }
}

/// Area under the ROC curve, with ties counted one half and optional sample weights.
///
/// Agrees with ``sklearn.metrics.roc_auc_score``. Raises ``UndefinedMetricError`` when
/// ``y_true`` holds only one class.
#[pyfunction]
#[pyo3(signature = (y_true, y_score, sample_weight=None))]
pub fn roc_auc(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<f64> {
    with_task(py, y_true, y_score, sample_weight, |t| {
        SortedCounts::new(t).roc_auc()
    })
}

/// ROC curve ``(fpr, tpr, thresholds)``, as ``sklearn.metrics.roc_curve``: a first point
/// ``(0, 0)`` at threshold ``inf``, then one point per distinct score (ties grouped).
///
/// ``drop_intermediate=True`` (the default, as scikit-learn's) drops, by scikit-learn's
/// rule, the point of every distinct score but the highest and the lowest where the step
/// into it equals the step out of it in both weighted positives and weighted negatives
/// (zero second differences): it lies on the segment joining its neighbours, so the curve
/// and its area are unchanged. ``drop_intermediate=False`` keeps every point. The steps are
/// compared exactly: unweighted or with integer weights the points equal scikit-learn's;
/// with fractional weights scikit-learn decides on rounded running sums, so a point
/// collinear only up to rounding may be kept by one and dropped by the other.
#[pyfunction]
#[pyo3(signature = (y_true, y_score, sample_weight=None, *, drop_intermediate=true))]
pub fn roc_curve<'py>(
    py: Python<'py>,
    y_true: &Bound<'py, PyAny>,
    y_score: &Bound<'py, PyAny>,
    sample_weight: Option<&Bound<'py, PyAny>>,
    drop_intermediate: bool,
) -> BindResult<Curve<'py>> {
    let c = with_task(py, y_true, y_score, sample_weight, |t| {
        let counts = SortedCounts::new(t);
        if drop_intermediate {
            counts.roc_curve_dropping_intermediate()
        } else {
            counts.roc_curve()
        }
    })?;
    Ok((
        c.fpr.into_pyarray(py),
        c.tpr.into_pyarray(py),
        c.thresholds.into_pyarray(py),
    ))
}

/// Precision-recall curve ``(precision, recall, thresholds)``, as
/// ``sklearn.metrics.precision_recall_curve`` (thresholds ascending; the curve ends at
/// precision 1, recall 0).
#[pyfunction]
#[pyo3(signature = (y_true, y_score, sample_weight=None))]
pub fn precision_recall_curve<'py>(
    py: Python<'py>,
    y_true: &Bound<'py, PyAny>,
    y_score: &Bound<'py, PyAny>,
    sample_weight: Option<&Bound<'py, PyAny>>,
) -> BindResult<Curve<'py>> {
    let c = with_task(py, y_true, y_score, sample_weight, |t| {
        SortedCounts::new(t).pr_curve()
    })?;
    Ok((
        c.precision.into_pyarray(py),
        c.recall.into_pyarray(py),
        c.thresholds.into_pyarray(py),
    ))
}

/// Average precision (no interpolation), as ``sklearn.metrics.average_precision_score``.
#[pyfunction]
#[pyo3(signature = (y_true, y_score, sample_weight=None))]
pub fn average_precision(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<f64> {
    with_task(py, y_true, y_score, sample_weight, |t| {
        SortedCounts::new(t).average_precision()
    })
}

/// Weighted confusion matrix of the rule ``y_score >= threshold`` (one pass, no sort).
#[pyfunction]
#[pyo3(signature = (y_true, y_score, threshold, sample_weight=None))]
pub fn confusion_matrix(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: &Bound<'_, PyAny>,
    threshold: f64,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<PyConfusionMatrix> {
    let cm = with_task(py, y_true, y_score, sample_weight, |t| {
        ConfusionMatrix::at_threshold(t, threshold)
    })?;
    Ok(PyConfusionMatrix {
        cm,
        threshold: Some(threshold),
    })
}

/// Weighted confusion matrix of hard predictions (0/1 or bool) against labels.
#[pyfunction]
#[pyo3(signature = (y_true, y_pred, sample_weight=None))]
pub fn confusion_from_predictions(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_pred: &Bound<'_, PyAny>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<PyConfusionMatrix> {
    let labels_col = extract_column(y_true, "y_true")?;
    let pred_col = extract_column(y_pred, "y_pred")?;
    let weights_col = extract_optional(sample_weight, "sample_weight")?;
    let labels = labels_col.labels("y_true")?;
    let preds = pred_col.labels("y_pred")?;
    let weights = weights_col
        .as_ref()
        .map(|w| w.floats("sample_weight"))
        .transpose()?;
    let cm = detach(py, || {
        ConfusionMatrix::from_predictions(
            labels.view(),
            preds.view(),
            weights.as_ref().map(|w| w.view()),
        )
    })?;
    Ok(PyConfusionMatrix {
        cm,
        threshold: None,
    })
}

/// Total cost, summed over the rows, of the rule ``y_score >= threshold`` under ``cost``
/// (default: 5:1 lending).
#[pyfunction]
#[pyo3(signature = (y_true, y_score, threshold, *, cost=None, sample_weight=None))]
pub fn total_cost(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: &Bound<'_, PyAny>,
    threshold: f64,
    cost: Option<&PyCostMatrix>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<f64> {
    let cost = cost_or_default(cost);
    with_task(py, y_true, y_score, sample_weight, |t| {
        cost.check_total_weight(SAMPLE_WEIGHT, t.total_weight())?;
        Ok(cost.total_cost(&ConfusionMatrix::at_threshold(t, threshold)?))
    })
}

/// Cost per decision (the total divided by the number of rows, or by the total weight) of
/// the rule ``y_score >= threshold`` under ``cost``: the quantity the gate's
/// ``max_cost_per_decision`` bounds.
#[pyfunction]
#[pyo3(signature = (y_true, y_score, threshold, *, cost=None, sample_weight=None))]
pub fn cost_per_decision(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: &Bound<'_, PyAny>,
    threshold: f64,
    cost: Option<&PyCostMatrix>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<f64> {
    let cost = cost_or_default(cost);
    with_task(py, y_true, y_score, sample_weight, |t| {
        let cm = ConfusionMatrix::at_threshold(t, threshold)?;
        // A checked task has rows and a positive total weight, so this is defined; the
        // error keeps the promise should that ever change.
        cost.mean_cost(&cm).ok_or_else(|| {
            mlops_core::CoreError::undefined("cost_per_decision", "the total weight is zero")
        })
    })
}

/// The threshold with the lowest total cost on the data (over every distinct score and
/// "flag nobody"); ties go to the highest threshold.
#[pyfunction]
#[pyo3(signature = (y_true, y_score, *, cost=None, sample_weight=None))]
pub fn min_cost_threshold(
    py: Python<'_>,
    y_true: &Bound<'_, PyAny>,
    y_score: &Bound<'_, PyAny>,
    cost: Option<&PyCostMatrix>,
    sample_weight: Option<&Bound<'_, PyAny>>,
) -> BindResult<PyCostOptimum> {
    let cost = cost_or_default(cost);
    with_task(py, y_true, y_score, sample_weight, |t| {
        cost.check_total_weight(SAMPLE_WEIGHT, t.total_weight())?;
        Ok(cost.min_cost_threshold(&SortedCounts::new(t)))
    })
    .map(PyCostOptimum)
}
