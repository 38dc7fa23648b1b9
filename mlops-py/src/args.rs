//! Integer arguments read with typed errors that name the parameter.
//!
//! pyo3's own conversion of a negative Python int to `u64` raises a bare `OverflowError`
//! without the argument's name, and of a float a bare `TypeError`. Every integer parameter
//! of the bindings is read instead through `#[pyo3(from_py_with = crate::args::<kind>::<name>)]`,
//! with a reader generated below for each parameter name: a wrong type is an
//! `InputTypeError` (a `TypeError`), a negative or too large value a `ParameterError` (a
//! `ValueError`), both from `mlops_audit.errors` and naming the parameter. Booleans are
//! refused (`True` is not a count); numpy integers are accepted (`__index__`).

use pyo3::prelude::*;
use pyo3::types::PyBool;

use crate::errors::{BindError, BindResult};

/// `obj` as a Python int (through `__index__`), refusing booleans and non-integers.
fn python_int<'py>(obj: &Bound<'py, PyAny>, name: &str) -> BindResult<Bound<'py, PyAny>> {
    let type_name = || {
        obj.get_type()
            .name()
            .map_or_else(|_| "?".to_owned(), |n| n.to_string())
    };
    let numpy_bool = obj
        .py()
        .import("numpy")
        .and_then(|np| np.getattr("bool_"))
        .is_ok_and(|t| obj.is_instance(&t).unwrap_or(false));
    if obj.is_instance_of::<PyBool>() || numpy_bool {
        return Err(BindError::input_type(
            format!("parameter `{name}` must be an integer, got a boolean"),
            Some(name),
        ));
    }
    obj.py()
        .import("operator")?
        .call_method1("index", (obj,))
        .map_err(|_| {
            BindError::input_type(
                format!("parameter `{name}` must be an integer, got {}", type_name()),
                Some(name),
            )
        })
}

/// A non-negative integer that fits `T`.
pub fn unsigned<T: TryFrom<u64> + Bounded>(obj: &Bound<'_, PyAny>, name: &str) -> BindResult<T> {
    let int = python_int(obj, name)?;
    if int.lt(0)? {
        return Err(BindError::parameter(
            name,
            format!("must be a non-negative integer, got {int}"),
        ));
    }
    int.extract::<u64>()
        .ok()
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| BindError::parameter(name, format!("must be at most {}, got {int}", T::MAX)))
}

/// [`unsigned`], or `None` for Python's `None`.
pub fn optional_unsigned<T: TryFrom<u64> + Bounded>(
    obj: &Bound<'_, PyAny>,
    name: &str,
) -> BindResult<Option<T>> {
    if obj.is_none() {
        Ok(None)
    } else {
        unsigned(obj, name).map(Some)
    }
}

/// A signed 64-bit integer (for counts whose sign the core checks with its own error).
pub fn signed(obj: &Bound<'_, PyAny>, name: &str) -> BindResult<i64> {
    let int = python_int(obj, name)?;
    int.extract::<i64>().map_err(|_| {
        BindError::parameter(
            name,
            format!("must be a 64-bit integer (at most {}), got {int}", i64::MAX),
        )
    })
}

/// A sequence of non-negative 64-bit integers; an element's error names it
/// (`request_ids[3]`).
pub fn unsigned_list(obj: &Bound<'_, PyAny>, name: &str) -> BindResult<Vec<u64>> {
    if obj.is_instance_of::<pyo3::types::PyString>() {
        return Err(BindError::input_type(
            format!("parameter `{name}` must be a sequence of integers, got a string"),
            Some(name),
        ));
    }
    let items = obj.try_iter().map_err(|_| {
        BindError::input_type(
            format!("parameter `{name}` must be a sequence of integers"),
            Some(name),
        )
    })?;
    items
        .enumerate()
        .map(|(i, item)| unsigned(&item?, &format!("{name}[{i}]")))
        .collect()
}

/// The largest value of an unsigned type, for messages.
pub trait Bounded {
    /// `Self::MAX`, widened.
    const MAX: u64;
}

impl Bounded for u64 {
    const MAX: u64 = u64::MAX;
}
impl Bounded for u16 {
    const MAX: u64 = u16::MAX as u64;
}
impl Bounded for usize {
    // usize is at most 64 bits on every supported platform.
    const MAX: u64 = usize::MAX as u64;
}

/// One reader function per parameter name, in a module per kind of integer.
macro_rules! readers {
    ($(#[$doc:meta])* $module:ident, $reader:ident, $t:ty: $($name:ident),* $(,)?) => {
        $(#[$doc])*
        pub mod $module {
            use pyo3::prelude::*;
            $(
                #[doc = concat!("The `", stringify!($name), "` argument.")]
                pub fn $name(obj: &Bound<'_, PyAny>) -> PyResult<$t> {
                    Ok(super::$reader(obj, stringify!($name))?)
                }
            )*
        }
    };
}

readers!(
    /// Non-negative `u64` parameters.
    u64s, unsigned, u64:
    seed, request_id, count1, nobs1, count2, nobs2, t00, t01, t10, t11,
    successes_champion, trials_champion, successes_challenger, trials_challenger,
);
readers!(
    /// Non-negative `usize` parameters.
    usizes, unsigned, usize:
    n, n_bins, n_groups, n_resamples, n_replicates, max_pending,
    max_groups,
);
readers!(
    /// Optional non-negative `usize` parameters (`None` allowed).
    opt_usizes, optional_unsigned, Option<usize>: df,
);
readers!(
    /// Optional non-negative `u64` parameters (`None` allowed).
    opt_u64s, optional_unsigned, Option<u64>: unix_seconds,
);
readers!(
    /// Signed 64-bit counts whose sign the core checks.
    i64s, signed, i64:
    x0, n0, x, n, reference_count, reference_total, current_count, current_total,
);
readers!(
    /// Sequences of non-negative `u64`.
    u64_lists, unsigned_list, Vec<u64>: request_ids,
);
