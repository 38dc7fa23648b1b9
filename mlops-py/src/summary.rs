//! `mlops_audit.fairness.ScoreSummary`: the exact, mergeable summary of scores by group.

use mlops_core::{CoreError, ScoreSummary};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::detach;
use crate::errors::{BindError, BindResult};
use crate::input::{TaskInputs, extract_groups};

/// An exact summary of scores by group: per group, per distinct score, the weight of the
/// positives and of the negatives, each an exact sum. Build one per batch or partition
/// with :meth:`from_arrays`, combine them with :meth:`merge` (exact: any partitioning and
/// any merge order give the same summary), and pass the result to
/// :func:`~mlops_audit.fairness.audit`, :func:`~mlops_audit.fairness.equal_opportunity`,
/// :func:`~mlops_audit.fairness.roc_by_group` or :func:`~mlops_audit.fairness.frontier`
/// in place of ``y_true``: the results equal, bit for bit, those of the rows summarised.
///
/// Its size is the number of distinct ``(group, score)`` pairs. It pickles, and
/// :meth:`to_json` writes it with a format version; :meth:`from_json` checks it (sorted,
/// finite, non-negative, a known version) and raises ``StateError`` otherwise.
#[pyclass(frozen, eq, name = "ScoreSummary", module = "mlops_audit.fairness")]
#[derive(Clone, PartialEq)]
pub struct PyScoreSummary(pub ScoreSummary);

#[pymethods]
impl PyScoreSummary {
    /// The summary of the rows ``(y_true, y_score, groups)`` (with ``sample_weight``):
    /// inputs as :func:`~mlops_audit.fairness.audit` takes them. Rows of zero weight are
    /// left out, but their groups are kept (as the in-memory functions keep them).
    #[staticmethod]
    #[pyo3(signature = (y_true, y_score, groups, *, sample_weight=None))]
    fn from_arrays(
        py: Python<'_>,
        y_true: &Bound<'_, PyAny>,
        y_score: &Bound<'_, PyAny>,
        groups: &Bound<'_, PyAny>,
        sample_weight: Option<&Bound<'_, PyAny>>,
    ) -> BindResult<Self> {
        let inputs = TaskInputs::read(y_true, y_score, sample_weight)?;
        let views = inputs.views()?;
        let groups = extract_groups(groups)?;
        let summary = detach(py, || match views.task() {
            Ok(task) => ScoreSummary::new(&task, &groups),
            // A batch whose weights are all zero adds no rows, only its groups.
            Err(CoreError::AllWeightsZero { .. }) => Ok(ScoreSummary::of_keys(&groups)),
            Err(e) => Err(e),
        })?;
        Ok(Self(summary))
    }

    /// The summary of no rows over these group columns (the unit of :meth:`merge`).
    #[staticmethod]
    fn empty(group_columns: Vec<String>) -> BindResult<Self> {
        Ok(Self(ScoreSummary::empty(group_columns)?))
    }

    /// A new summary of both summaries' rows. Refuses summaries over other group columns
    /// (``ParameterError``), a column holding integers in one and strings in the other
    /// (``GroupError``), and totals past the weight bound.
    fn merge(&self, py: Python<'_>, other: &Self) -> BindResult<Self> {
        let mut out = self.0.clone();
        detach(py, || out.merge(&other.0))?;
        Ok(Self(out))
    }

    /// The names of the group columns.
    #[getter]
    fn group_columns(&self) -> Vec<String> {
        self.0.group_columns().to_vec()
    }

    /// Rows summarised (of non-zero weight).
    #[getter]
    fn rows(&self) -> u64 {
        self.0.rows()
    }

    /// Groups summarised.
    #[getter]
    fn n_groups(&self) -> usize {
        self.0.groups().len()
    }

    /// Distinct ``(group, score)`` pairs held: the summary's size.
    #[getter]
    fn n_scores(&self) -> usize {
        self.0.groups().iter().map(|g| g.scores().len()).sum()
    }

    /// The serialisation format version.
    #[getter]
    fn format_version(&self) -> u32 {
        self.0.format_version()
    }

    /// The summary as JSON (exact: each weight as the floats whose exact sum it is).
    fn to_json(&self) -> BindResult<String> {
        Ok(self.0.to_json()?)
    }

    /// Reads a summary written by :meth:`to_json`, checked.
    #[staticmethod]
    fn from_json(json: &str) -> BindResult<Self> {
        Ok(Self(ScoreSummary::from_json(json)?))
    }

    /// The JSON as UTF-8 bytes (what a Spark partition hands on).
    fn to_bytes<'py>(&self, py: Python<'py>) -> BindResult<Bound<'py, PyBytes>> {
        Ok(PyBytes::new(py, self.0.to_json()?.as_bytes()))
    }

    /// Reads bytes written by :meth:`to_bytes`, checked.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> BindResult<Self> {
        let text = std::str::from_utf8(data).map_err(|e| {
            BindError::from(CoreError::invalid_state(
                "ScoreSummary",
                ".",
                format!("not UTF-8 JSON: {e}"),
            ))
        })?;
        Self::from_json(text)
    }

    /// Pickles through the checked JSON.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            py.get_type::<Self>().getattr("from_json")?,
            (self.to_json()?,),
        ))
    }

    fn __copy__(&self) -> Self {
        self.clone()
    }

    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.clone()
    }

    fn __repr__(&self) -> String {
        format!(
            "ScoreSummary(group_columns={:?}, groups={}, rows={}, distinct scores={})",
            self.0.group_columns(),
            self.0.groups().len(),
            self.0.rows(),
            self.n_scores()
        )
    }
}
