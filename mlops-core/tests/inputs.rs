//! Every bad input is its own typed error naming the culprit; published reference values.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_core::{
    BinaryTask, ConfusionMatrix, CoreError, CostMatrix, GroupColumn, GroupValue, Groups,
    SortedCounts, roc_auc, to_f64_lossless,
};

mod common;

#[test]
fn empty_scores() {
    let e = BinaryTask::new(&[][..], &[0u8; 0][..]).unwrap_err();
    assert_eq!(
        e,
        CoreError::EmptyInput {
            input: "y_score".into()
        }
    );
}

#[test]
fn length_mismatch_names_both_inputs() {
    let e = BinaryTask::new(&[0.1, 0.2][..], &[0u8][..]).unwrap_err();
    assert_eq!(
        e,
        CoreError::LengthMismatch {
            input: "y_true".into(),
            reference: "y_score".into(),
            expected: 2,
            found: 1
        }
    );
    let task = BinaryTask::new(&[0.1, 0.2][..], &[0u8, 1][..]).unwrap();
    let e = task.with_weights(&[1.0][..]).unwrap_err();
    assert!(matches!(e, CoreError::LengthMismatch { ref input, .. } if input == "sample_weight"));
}

#[test]
fn non_finite_scores_name_index_and_value() {
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let e = BinaryTask::new(&[0.1, 0.2, bad][..], &[0u8, 1, 1][..]).unwrap_err();
        match e {
            CoreError::NotFinite {
                input,
                index,
                value,
            } => {
                assert_eq!((input.as_str(), index), ("y_score", 2));
                assert!(value.is_nan() == bad.is_nan() && (bad.is_nan() || value == bad));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

#[test]
fn labels_must_be_binary() {
    let e = BinaryTask::new(&[0.1, 0.2, 0.3][..], &[0i64, 1, 2][..]).unwrap_err();
    assert_eq!(
        e,
        CoreError::LabelNotBinary {
            input: "y_true".into(),
            index: 2,
            value: "2".into()
        }
    );
    let e = BinaryTask::new(&[0.1, 0.2][..], &[0.0, 0.5][..]).unwrap_err();
    assert!(matches!(e, CoreError::LabelNotBinary { index: 1, .. }));
    // bool, unsigned, signed and float labels that are 0/1 are fine.
    assert!(BinaryTask::new(&[0.1, 0.2][..], &[false, true][..]).is_ok());
    assert!(BinaryTask::new(&[0.1, 0.2][..], &[0u64, 1][..]).is_ok());
    assert!(BinaryTask::new(&[0.1, 0.2][..], &[-0.0f32, 1.0][..]).is_ok());
}

#[test]
fn weights_are_checked() {
    let task = || BinaryTask::new(&[0.1, 0.2][..], &[0u8, 1][..]).unwrap();
    assert_eq!(
        task().with_weights(&[1.0, -0.5][..]).unwrap_err(),
        CoreError::NegativeWeight {
            input: "sample_weight".into(),
            index: 1,
            value: -0.5
        }
    );
    assert!(matches!(
        task().with_weights(&[f64::NAN, 1.0][..]).unwrap_err(),
        CoreError::NotFinite { index: 0, .. }
    ));
    assert_eq!(
        task().with_weights(&[0.0, 0.0][..]).unwrap_err(),
        CoreError::AllWeightsZero {
            input: "sample_weight".into()
        }
    );
}

#[test]
fn integers_beyond_2_pow_53_are_not_silently_rounded() {
    let big = (1i64 << 53) + 1;
    let e = to_f64_lossless("y_score", [1, big].as_slice()).unwrap_err();
    assert_eq!(
        e,
        CoreError::NotRepresentable {
            input: "y_score".into(),
            index: 1,
            value: big.to_string()
        }
    );
    assert!(to_f64_lossless("y_score", [1i64 << 53].as_slice()).is_ok());
    assert!(to_f64_lossless("y_score", [u64::MAX].as_slice()).is_err());
}

#[test]
fn one_class_is_undefined_not_zero() {
    let task = BinaryTask::new(&[0.1, 0.2][..], &[1u8, 1][..]).unwrap();
    assert!(matches!(
        roc_auc(&task),
        Err(CoreError::UndefinedMetric { .. })
    ));
    let counts = SortedCounts::new(&task);
    assert!(counts.roc_curve().is_err());
    // The rates themselves say undefined, not 0.
    let cm = counts.confusion_at(0.15);
    assert_eq!(cm.fpr(), None);
    assert_eq!(cm.tnr(), None);
    assert_eq!(cm.tpr(), Some(0.5));
    let none_flagged = counts.confusion_at(f64::INFINITY);
    assert_eq!(none_flagged.precision(), None);
    // A task whose positives all have zero weight has no positives.
    let task = BinaryTask::new(&[0.1, 0.2][..], &[1u8, 0][..])
        .unwrap()
        .with_weights(&[0.0, 1.0][..])
        .unwrap();
    assert!(roc_auc(&task).is_err());
    assert!(SortedCounts::new(&task).average_precision().is_err());
}

#[test]
fn nan_threshold_is_a_parameter_error() {
    let task = BinaryTask::new(&[0.1, 0.2][..], &[0u8, 1][..]).unwrap();
    assert!(matches!(
        ConfusionMatrix::at_threshold(&task, f64::NAN),
        Err(CoreError::InvalidParameter { .. })
    ));
}

#[test]
fn costs_are_checked() {
    for (f, p) in [
        (-1.0, 1.0),
        (5.0, f64::NAN),
        (f64::INFINITY, 1.0),
        (0.0, 1.0),
        (5.0, 0.0),
    ] {
        assert!(
            matches!(
                CostMatrix::new(f, p),
                Err(CoreError::InvalidParameter { .. })
            ),
            "{f} {p}"
        );
    }
    assert!(CostMatrix::full(5.0, 1.0, 6.0, 0.0).is_err()); // a catch costs more than a miss
    let c = CostMatrix::full(5.0, 1.0, 0.5, 0.25).unwrap();
    // (fp - tn) / ((fp - tn) + (fn - tp)) = 0.75 / 5.25
    assert!((c.bayes_threshold() - 0.75 / 5.25).abs() < 1e-15);
}

#[test]
fn zero_signs_are_one_score() {
    let task = BinaryTask::new(&[-0.0, 0.0, 1.0][..], &[0u8, 1, 1][..]).unwrap();
    let counts = SortedCounts::new(&task);
    assert_eq!(counts.len(), 2);
    assert_eq!(counts.roc_auc().unwrap(), 0.75);
}

#[test]
fn strided_views_are_read_in_place() {
    let scores = ndarray::array![0.9, -1.0, 0.1, -1.0, 0.5, -1.0, 0.3];
    let labels = ndarray::array![true, false, false, false, true, false, false];
    let s = scores.slice(ndarray::s![..;2]);
    let y = labels.slice(ndarray::s![..;2]);
    let task = BinaryTask::new(s, y).unwrap();
    assert_eq!(task.len(), 4);
    assert_eq!(roc_auc(&task).unwrap(), 1.0);
}

/// Hanley & McNeil (1982), "The meaning and use of the area under a ROC curve",
/// Radiology 143:29-36, Table 1: 109 CT images rated 1 (definitely normal) to 5 (definitely
/// abnormal). Normal: 33, 6, 6, 11, 2; abnormal: 3, 2, 2, 11, 33. Published area: 0.893.
#[test]
fn hanley_mcneil_1982_ct_ratings() {
    let normal = [33, 6, 6, 11, 2];
    let abnormal = [3, 2, 2, 11, 33];
    let (mut s, mut y) = (Vec::new(), Vec::new());
    for (rating, (&n, &a)) in normal.iter().zip(&abnormal).enumerate() {
        for (count, label) in [(n, 0u8), (a, 1u8)] {
            for _ in 0..count {
                s.push(rating as f64 + 1.0);
                y.push(label);
            }
        }
    }
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let auc = roc_auc(&task).unwrap();
    assert_eq!((auc * 1000.0).round() / 1000.0, 0.893, "{auc}");
    // The same counts as weights on five rows per class.
    let s5: Vec<f64> = (1..=5).chain(1..=5).map(f64::from).collect();
    let y5: Vec<u8> = [0; 5].into_iter().chain([1; 5]).collect();
    let w5: Vec<f64> = normal
        .iter()
        .chain(&abnormal)
        .map(|&c| f64::from(c))
        .collect();
    let task = BinaryTask::new(&s5[..], &y5[..])
        .unwrap()
        .with_weights(&w5[..])
        .unwrap();
    assert!(common::close(roc_auc(&task).unwrap(), auc));
}

#[test]
fn groups_combine_and_validate() {
    let a = GroupColumn::from_strs("eth", &["b", "a", "b", "c"]).unwrap();
    let b = GroupColumn::from_ints("region", &[2, 1, 2, 1]).unwrap();
    let g = Groups::new(vec![a, b]).unwrap();
    let names: Vec<String> = g.keys().iter().map(ToString::to_string).collect();
    assert_eq!(names, ["a & 1", "b & 2", "c & 1"]);
    assert_eq!(g.ids(), &[1, 0, 1, 2]);
    assert_eq!(g.sizes(), &[1, 2, 1]);
    assert_eq!(g.columns(), &["eth".to_owned(), "region".to_owned()]);

    assert_eq!(Groups::new(vec![]).unwrap_err(), CoreError::NoGroupColumns);
    let short = GroupColumn::from_ints("region", &[1]).unwrap();
    let long = GroupColumn::from_ints("eth", &[1, 2]).unwrap();
    assert!(matches!(
        Groups::new(vec![long, short]),
        Err(CoreError::LengthMismatch { .. })
    ));
    assert!(matches!(
        GroupColumn::from_codes("eth", vec![0, 3], vec!["a".into(), "b".into()]),
        Err(CoreError::GroupCodeOutOfRange {
            index: 1,
            code: 3,
            ..
        })
    ));
    assert!(matches!(
        GroupColumn::from_codes("eth", vec![0], vec![GroupValue::Int(1), GroupValue::Int(1)]),
        Err(CoreError::DuplicateGroupLevel { .. })
    ));
    assert!(matches!(
        GroupColumn::from_ints("x", &[]),
        Err(CoreError::EmptyInput { .. })
    ));
    // Unused levels of a factorised column are not groups.
    let c = GroupColumn::from_codes("eth", vec![1, 1], vec!["a".into(), "b".into()]).unwrap();
    let g = Groups::new(vec![c]).unwrap();
    assert_eq!(g.n_groups(), 1);
    assert_eq!(g.ids(), &[0, 0]);
}

#[test]
fn by_group_rejects_misaligned_groups() {
    let task = BinaryTask::new(&[0.1, 0.2][..], &[0u8, 1][..]).unwrap();
    let g = Groups::from_strs("g", &["a"]).unwrap();
    assert!(matches!(
        SortedCounts::by_group(&task, &g),
        Err(CoreError::LengthMismatch { .. })
    ));
}

/// numpy's `<U{width}` memory for `values`: each row's code points, NUL-padded.
fn utf32(values: &[&str], width: usize) -> Vec<u32> {
    let mut out = Vec::new();
    for v in values {
        let mut row: Vec<u32> = v.chars().map(u32::from).collect();
        row.resize(width, 0);
        out.extend(row);
    }
    out
}

#[test]
fn fixed_width_utf32_groups_equal_string_groups() {
    // Many levels (the table grows several times), unicode, the empty string, repeats.
    let mut values: Vec<String> = (0..500).map(|i| format!("g{}", i % 137)).collect();
    values.extend(["", "é", "日本", "g1", "", "ab"].map(str::to_owned));
    let refs: Vec<&str> = values.iter().map(String::as_str).collect();
    let width = refs.iter().map(|v| v.chars().count()).max().unwrap();
    let fast = Groups::new(vec![
        GroupColumn::from_utf32("g", &utf32(&refs, width), width).unwrap(),
    ])
    .unwrap();
    let slow = Groups::from_strs("g", &refs).unwrap();
    assert_eq!(fast.keys(), slow.keys());
    assert_eq!(fast.ids(), slow.ids());
    assert!(GroupColumn::from_utf32("g", &[], 1).is_err());
    assert!(GroupColumn::from_utf32("g", &[1, 2], 0).is_err());
}

/// Integer columns, dense (a table by value) or sparse (hashed): every row lands in the
/// group named by its value, and spreading the values apart (which moves them from the
/// table to the hash map without changing their order) changes no group id.
#[test]
fn integer_columns_factorise_by_value_on_both_paths() {
    let cases: Vec<Vec<i64>> = vec![
        vec![3, -2, 3, 7, -2, 0],
        (0..5000).map(|i| (i * 7919) % 13 - 6).collect(),
        vec![i64::MIN, 5, i64::MAX, 5, i64::MIN],
        (0..300).map(|i| (i % 17) * 1_000_000_007).collect(),
        vec![42],
    ];
    for (case, values) in cases.iter().enumerate() {
        let groups = Groups::new(vec![GroupColumn::from_ints("g", values).unwrap()]).unwrap();
        let names: Vec<String> = groups.keys().iter().map(ToString::to_string).collect();
        let mut distinct = values.clone();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(groups.n_groups(), distinct.len(), "case {case}");
        for (row, &v) in values.iter().enumerate() {
            assert_eq!(
                names[groups.ids()[row] as usize],
                v.to_string(),
                "case {case} row {row}"
            );
        }
        if values.iter().all(|v| v.unsigned_abs() < 1 << 20) {
            let spread: Vec<i64> = values.iter().map(|v| v * 1_000_000_007).collect();
            let sparse = Groups::new(vec![GroupColumn::from_ints("g", &spread).unwrap()]).unwrap();
            assert!(sparse.ids() == groups.ids(), "case {case}: ids differ");
        }
    }
}
