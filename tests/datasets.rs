//! The built-in German credit data reproduces the figures in data/german_credit/SOURCE.md
//! (UCI documentation: 700 good / 300 bad), and flows through the core types.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_audit::datasets::german_credit;
use mlops_audit::{BinaryTask, Groups, SortedCounts};

#[test]
fn german_credit_matches_published_counts() {
    let d = german_credit().unwrap();
    assert_eq!(d.len(), 1000);
    assert_eq!(d.target.iter().filter(|&&y| y == 1).count(), 300);
    let status_sex = d.categorical("status_sex").unwrap();
    let count = |code: &str| status_sex.iter().filter(|s| *s == code).count();
    assert_eq!(
        (count("A93"), count("A92"), count("A94"), count("A91")),
        (548, 310, 92, 50)
    );
    let sex = d.categorical("sex").unwrap();
    let bad_in = |who: &str| {
        (0..d.len())
            .filter(|&i| sex[i] == who && d.target[i] == 1)
            .count()
    };
    assert_eq!(bad_in("female"), 109);
    assert_eq!(bad_in("male"), 191);
    let age = d.categorical("age_group").unwrap();
    let young: Vec<usize> = (0..d.len()).filter(|&i| age[i] == "<=25").collect();
    assert_eq!(young.len(), 190);
    assert_eq!(young.iter().filter(|&&i| d.target[i] == 1).count(), 80);
    assert_eq!(d.numeric.len() + d.categorical.len(), 20);
}

#[test]
fn per_group_counts_through_the_facade() {
    let d = german_credit().unwrap();
    // Score = loan duration in months: a crude but real risk signal.
    let duration = d.numeric("duration").unwrap();
    let task = BinaryTask::new(duration, &d.target[..]).unwrap();
    let groups = Groups::from_strs("sex", d.categorical("sex").unwrap()).unwrap();
    let per = SortedCounts::by_group(&task, &groups).unwrap();
    assert_eq!(groups.keys()[0].to_string(), "female");
    assert_eq!(per[0].positive_rows() + per[0].negative_rows(), 310);
    assert_eq!(per[0].total_pos(), 109.0);
    assert_eq!(per[1].total_pos(), 191.0);
    let auc = SortedCounts::new(&task).roc_auc().unwrap();
    assert!(auc > 0.5 && auc < 1.0, "{auc}");
}
