//! `Constraint`'s text names: one spelling per variant, shared by serde (policy JSON),
//! `Display`, `FromStr` (Python's `constraint=`) and the parse error's list.

#![allow(clippy::unwrap_used, missing_docs)]

use mlops_core::CoreError;
use mlops_fairness::{Constraint, FairnessError};
use strum::IntoEnumIterator;

#[test]
fn constraint_names() {
    let names: Vec<&'static str> = Constraint::iter().map(Into::into).collect();
    assert_eq!(names, ["fpr", "tpr", "selection_rate", "equalized_odds"]);
    for c in Constraint::iter() {
        let name: &'static str = c.into();
        assert_eq!(
            serde_json::to_value(c).unwrap(),
            name,
            "serde name of {c:?}"
        );
        assert_eq!(
            serde_json::from_value::<Constraint>(name.into()).unwrap(),
            c
        );
        assert_eq!(c.to_string(), name);
        assert_eq!(name.parse::<Constraint>().unwrap(), c);
    }
    let err = "equalised".parse::<Constraint>().unwrap_err();
    assert!(
        matches!(&err, FairnessError::Core(CoreError::InvalidParameter { name, .. })
            if name == "constraint"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "parameter `constraint` = \"equalised\" is invalid: expected \"fpr\", \"tpr\", \
         \"selection_rate\" or \"equalized_odds\""
    );
}
