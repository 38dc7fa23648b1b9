//! The text names of the parameter and result enums: one spelling per variant, shared by
//! serde (JSON, pickles), `Display`, `FromStr` (Python's string arguments) and the list of
//! accepted values in a parse error.

#![allow(clippy::unwrap_used, missing_docs)]

use std::fmt::Display;
use std::str::FromStr;

use mlops_core::CoreError;
use mlops_drift::{
    AdMethod, AdVariant, AlertStatus, ColumnKind, Correction, CvmMethod, DriftError, FeatureTest,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use strum::IntoEnumIterator;

/// Every variant has the same name in serde, `Display` and `&'static str`, and the names
/// are exactly `expected` (the strings Python, JSON and reports already use).
fn same_names<E>(expected: &[&str])
where
    E: IntoEnumIterator + Into<&'static str> + Display + Serialize + DeserializeOwned,
    E: Copy + PartialEq + std::fmt::Debug,
{
    let names: Vec<&'static str> = E::iter().map(Into::into).collect();
    assert_eq!(names, expected);
    for v in E::iter() {
        let name: &'static str = v.into();
        assert_eq!(
            serde_json::to_value(v).unwrap(),
            name,
            "serde name of {v:?}"
        );
        assert_eq!(serde_json::from_value::<E>(name.into()).unwrap(), v);
        assert_eq!(v.to_string(), name);
    }
}

/// Parsing inverts the names, and an unknown name is an `InvalidParameter` naming the
/// parameter, quoting the text and listing the accepted names.
fn parses<E>(parameter: &str, message: &str)
where
    E: IntoEnumIterator + Into<&'static str> + FromStr<Err = DriftError>,
    E: Copy + PartialEq + std::fmt::Debug,
{
    for v in E::iter() {
        assert_eq!(E::from_str(v.into()).unwrap(), v);
    }
    let err = E::from_str("Nope").unwrap_err();
    assert!(
        matches!(&err, DriftError::Core(CoreError::InvalidParameter { name, value, .. })
            if name == parameter && value == "\"Nope\""),
        "{err:?}"
    );
    assert_eq!(err.to_string(), message);
}

#[test]
fn anderson_names() {
    same_names::<AdVariant>(&["midrank", "right", "continuous"]);
    parses::<AdVariant>(
        "variant",
        "parameter `variant` = \"Nope\" is invalid: expected \"midrank\", \"right\" or \
         \"continuous\"",
    );
    same_names::<AdMethod>(&["interpolated", "permutation"]);
    parses::<AdMethod>(
        "method",
        "parameter `method` = \"Nope\" is invalid: expected \"interpolated\" or \"permutation\"",
    );
}

#[test]
fn cvm_names() {
    same_names::<CvmMethod>(&["auto", "exact", "asymptotic"]);
    parses::<CvmMethod>(
        "method",
        "parameter `method` = \"Nope\" is invalid: expected \"auto\", \"exact\" or \
         \"asymptotic\"",
    );
}

#[test]
fn correction_names() {
    same_names::<Correction>(&["bonferroni", "holm", "fdr_bh"]);
    parses::<Correction>(
        "method",
        "parameter `method` = \"Nope\" is invalid: expected \"bonferroni\", \"holm\" or \
         \"fdr_bh\"",
    );
}

#[test]
fn monitor_names() {
    same_names::<FeatureTest>(&["auto", "ks", "psi", "wasserstein", "chi_square", "g_test"]);
    parses::<FeatureTest>(
        "test",
        "parameter `test` = \"Nope\" is invalid: expected \"auto\", \"ks\", \"psi\", \
         \"wasserstein\", \"chi_square\" or \"g_test\"",
    );
    same_names::<ColumnKind>(&["numeric", "categorical"]);
    same_names::<AlertStatus>(&["ok", "alert", "no_data"]);
}

/// Case and surrounding blanks are not guessed at: `"Holm"` is not `"holm"`.
#[test]
fn names_are_exact() {
    assert!("Holm".parse::<Correction>().is_err());
    assert!(" holm".parse::<Correction>().is_err());
    assert!("".parse::<FeatureTest>().is_err());
}
