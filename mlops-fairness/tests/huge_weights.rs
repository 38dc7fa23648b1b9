//! The threshold search and the frontier report total costs: weights whose total cost could
//! overflow are refused by the core itself, whichever front end calls it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::MAX_TOTAL_WEIGHT;
use mlops_core::{BinaryTask, CoreError, Groups};
use mlops_fairness::{FairnessError, ThresholdSearch};

fn weighted_fit(total: f64) -> Result<(), FairnessError> {
    let s = [0.1, 0.4, 0.35, 0.8, 0.2, 0.7, 0.6, 0.9];
    let y = [false, false, true, true, false, true, false, true];
    let w = [total / 8.0; 8];
    let g = ["a", "a", "a", "a", "b", "b", "b", "b"];
    let task = BinaryTask::new(&s[..], &y[..])?.with_weights(&w[..])?;
    let groups = Groups::from_strs("g", &g)?;
    let search = ThresholdSearch::new().tolerance(1.0);
    search.fit(&task, &groups)?;
    search.randomized(true).fit(&task, &groups)?;
    search.frontier(&task, &groups, &[0.0, 1.0])?;
    Ok(())
}

#[test]
fn a_total_cost_that_could_overflow_is_refused_by_fit_and_frontier() {
    // The 5:1 default: the largest cost times the total weight must stay within the limit.
    weighted_fit(MAX_TOTAL_WEIGHT / 5.0).unwrap();
    match weighted_fit(MAX_TOTAL_WEIGHT / 4.0).unwrap_err() {
        FairnessError::Core(CoreError::WeightsOverflow { input, .. }) => {
            assert_eq!(input, "sample_weight");
        }
        other => panic!("{other:?}"),
    }
}
