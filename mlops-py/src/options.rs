//! Keyword options into the core's options structs.
//!
//! A binding that has options takes them as `**options` and reads them here into the core
//! struct that owns their defaults (`#[serde(default)]` and a `Default` impl). The Python
//! wrappers take their signatures' defaults from [`_defaults`], so each default is written
//! once, in Rust, and `inspect.signature` shows it. Each options type is listed once, in
//! [`options_types!`].

use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::errors::{BindError, BindResult};
use crate::value::Value;

/// A core options struct with its name in [`_defaults`].
pub trait OptionsType: Serialize + DeserializeOwned + Default {
    /// The key of its defaults in [`_defaults`].
    const NAME: &'static str;
}

macro_rules! options_types {
    ($($ty:ty => $name:literal,)*) => {
        $(impl OptionsType for $ty {
            const NAME: &'static str = $name;
        })*

        /// The defaults of every options struct, by name: the values the Python
        /// signatures show.
        #[pyfunction]
        pub fn _defaults(py: Python<'_>) -> BindResult<Bound<'_, PyDict>> {
            let all = PyDict::new(py);
            $(all.set_item($name, pythonize::pythonize(py, &<$ty>::default())?)?;)*
            Ok(all)
        }
    };
}

options_types! {
    mlops_drift::ProfileOptions => "ProfileOptions",
    mlops_drift::MonitorOptions => "MonitorOptions",
    mlops_drift::DriftReportOptions => "DriftReportOptions",
    mlops_drift::PsiOptions => "PsiOptions",
    mlops_drift::CategoricalParams => "CategoricalParams",
    mlops_drift::AndersonParams => "AndersonParams",
    mlops_core::CostMatrix => "CostMatrix",
    mlops_core::calibration::HistogramParams => "HistogramParams",
    mlops_fairness::SearchOptions => "SearchOptions",
    mlops_fairness::AuditOptions => "AuditOptions",
    mlops_fairness::EstimateParams => "EstimateParams",
    mlops_audit::gate::Evidence => "Evidence",
}

/// `options` read into `T`, strictly (see [`Value::from_py`]): a key `T` does not have is
/// a `ParameterError` naming it (and listing the options), a value of the wrong type an
/// `InputTypeError` naming its key, an out-of-range or unknown value a `ParameterError`
/// naming its key.
pub fn options<T: OptionsType>(
    py: Python<'_>,
    options: Option<&Bound<'_, PyDict>>,
) -> BindResult<T> {
    let Some(options) = options else {
        return Ok(T::default());
    };
    let defaults = pythonize::pythonize(py, &T::default())?;
    let known = defaults.cast::<PyDict>()?;
    let mut entries = Vec::with_capacity(options.len());
    for (key, value) in options.iter() {
        let key: String = key.extract()?;
        if !known.contains(&key)? {
            let names: Vec<String> = known.keys().iter().map(|k| k.to_string()).collect();
            return Err(BindError::parameter(
                &key,
                format!(
                    "not an option of {}; the options are: {}",
                    T::NAME,
                    names.join(", ")
                ),
            ));
        }
        let value = Value::from_py(&value, &key)?;
        entries.push((key, value));
    }
    let culprits = entries.clone();
    serde_path_to_error::deserialize(Value::Record(entries)).map_err(|e| {
        let path = e.path().to_string();
        let (key, reason) = if path.is_empty() || path == "." {
            // Inside a flattened struct the path is lost: the culprit is the entry that
            // fails alone.
            culprit::<T>(culprits).unwrap_or((path, e.into_inner().to_string()))
        } else {
            (path, e.into_inner().to_string())
        };
        if reason.starts_with("invalid type") {
            BindError::input_type(format!("{key}: {reason}"), Some(&key))
        } else {
            BindError::parameter(&key, reason)
        }
    })
}

/// The first entry that `T` refuses on its own, with the reason.
fn culprit<T: OptionsType>(entries: Vec<(String, Value)>) -> Option<(String, String)> {
    entries.into_iter().find_map(|(key, value)| {
        let one = Value::Record(vec![(key.clone(), value)]);
        serde_path_to_error::deserialize::<_, T>(one)
            .err()
            .map(|e| (key, e.into_inner().to_string()))
    })
}
