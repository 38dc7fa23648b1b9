//! Reference profiles and the KLL sketch: merge of partitions against the profile of the
//! concatenation, the sketch's stated rank-error bound checked empirically on seeded data,
//! JSON round trips, Arrow input and bad input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use mlops_core::CoreError;
use std::borrow::Cow;
use std::sync::Arc;

use arrow_array::types::Int32Type;
use arrow_array::{
    BooleanArray, DictionaryArray, Float64Array, Int64Array, LargeStringArray, RecordBatch,
    StringArray, StringViewArray,
};
use common::{assert_rel, tol};
use mlops_core::{GroupKey, GroupValue};
use mlops_drift::profile::{ColumnSummary, NumericValues, PROFILE_FORMAT_VERSION};
use mlops_drift::sketch::QuantileSketch;
use mlops_drift::table::{ColumnData, Table};
use mlops_drift::{ColumnKind, DriftError, PredictionSpec, ProfileParams, ReferenceProfile};
use proptest::prelude::*;

/// SplitMix64: a small seeded generator for test data.
pub struct Rng(u64);
impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let u = self.uniform().max(1e-300);
        let v = self.uniform();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
}

fn numeric_with_missing(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n)
        .map(|_| match rng.next_u64() % 20 {
            0 => f64::NAN,
            1 => f64::INFINITY,
            _ => (rng.normal() * 10.0).round() / 4.0, // ties
        })
        .collect()
}

fn cats(rng: &mut Rng, n: usize) -> Vec<Option<String>> {
    (0..n)
        .map(|_| match rng.next_u64() % 7 {
            0 => None,
            k => Some(format!("c{k}")),
        })
        .collect()
}

fn table<'a>(x: &'a [f64], c: &'a [Option<String>]) -> Table<'a> {
    Table::new(vec![
        ("x".into(), ColumnData::numeric(x)),
        (
            "c".into(),
            ColumnData::Categorical(c.iter().map(|v| v.as_deref().map(Cow::Borrowed)).collect()),
        ),
    ])
    .unwrap()
}

fn numeric(p: &ReferenceProfile, name: &str) -> mlops_drift::profile::NumericSummary {
    match &p.column(name).unwrap().summary {
        ColumnSummary::Numeric(s) => s.clone(),
        ColumnSummary::Categorical(_) => panic!("not numeric"),
    }
}

fn assert_same_profile(a: &ReferenceProfile, b: &ReferenceProfile) {
    assert_eq!(a.rows, b.rows);
    assert_eq!(a.outputs, b.outputs);
    for (ca, cb) in a.columns.iter().zip(&b.columns) {
        assert_eq!(ca.name, cb.name);
        match (&ca.summary, &cb.summary) {
            (ColumnSummary::Numeric(x), ColumnSummary::Numeric(y)) => {
                assert_eq!(
                    (x.count, x.missing, x.nulls, x.nan, x.infinite, x.min, x.max),
                    (y.count, y.missing, y.nulls, y.nan, y.infinite, y.min, y.max)
                );
                assert_eq!(x.values, y.values);
                match (x.mean, y.mean) {
                    (Some(p), Some(q)) => assert_rel(p, q, tol::SAME_FORMULA),
                    (p, q) => assert_eq!(p, q),
                }
                assert!((x.m2 - y.m2).abs() <= tol::SAME_FORMULA * y.m2.abs().max(1.0));
            }
            (x, y) => assert_eq!(x, y),
        }
    }
}

#[test]
fn merged_partitions_equal_the_profile_of_the_concatenation_below_the_cap() {
    for seed in 0..10u64 {
        let mut rng = Rng(seed);
        let n = 50 + (rng.next_u64() % 500) as usize;
        let x = numeric_with_missing(&mut rng, n);
        let c = cats(&mut rng, n);
        let params = ProfileParams::default();
        let whole = ReferenceProfile::from_table(&table(&x, &c), &params).unwrap();
        // Four partitions of random sizes (one may be empty).
        let mut cuts: Vec<usize> = (0..3)
            .map(|_| (rng.next_u64() as usize) % (n + 1))
            .collect();
        cuts.push(0);
        cuts.push(n);
        cuts.sort_unstable();
        let mut merged: Option<ReferenceProfile> = None;
        for w in cuts.windows(2) {
            let p = ReferenceProfile::from_table(&table(&x[w[0]..w[1]], &c[w[0]..w[1]]), &params)
                .unwrap();
            match &mut merged {
                None => merged = Some(p),
                Some(m) => m.merge(&p).unwrap(),
            }
        }
        let merged = merged.unwrap();
        assert_same_profile(&merged, &whole);
        // And the numbers themselves against a direct computation.
        let s = numeric(&whole, "x");
        let finite: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
        assert_eq!(s.count as usize, finite.len());
        assert_eq!(s.nan as usize, x.iter().filter(|v| v.is_nan()).count());
        assert_eq!(
            s.infinite as usize,
            x.iter().filter(|v| v.is_infinite()).count()
        );
        let mean = finite.iter().sum::<f64>() / finite.len() as f64;
        assert_rel(s.mean.unwrap(), mean, tol::SAME_FORMULA);
        let var = finite.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / finite.len() as f64;
        assert_rel(s.variance().unwrap(), var, tol::SAME_FORMULA);
        let mut sorted = finite.clone();
        sorted.sort_by(f64::total_cmp);
        assert_eq!(s.values, NumericValues::Exact(sorted));
    }
}

#[test]
fn merged_sketches_stay_within_the_stated_bound_above_the_cap() {
    let mut rng = Rng(42);
    let n = 60_000;
    let x: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
    let c: Vec<Option<String>> = vec![Some("a".into()); n];
    let params = ProfileParams {
        sample_cap: 5_000,
        ..ProfileParams::default()
    };
    let mut merged: Option<ReferenceProfile> = None;
    for part in 0..6 {
        let (lo, hi) = (part * n / 6, (part + 1) * n / 6);
        let p = ReferenceProfile::from_table(&table(&x[lo..hi], &c[lo..hi]), &params).unwrap();
        match &mut merged {
            None => merged = Some(p),
            Some(m) => m.merge(&p).unwrap(),
        }
    }
    let merged = merged.unwrap();
    let whole = ReferenceProfile::from_table(&table(&x, &c), &params).unwrap();
    let (ms, ws) = (numeric(&merged, "x"), numeric(&whole, "x"));
    assert_eq!((ms.count, ms.min, ms.max), (ws.count, ws.min, ws.max));
    assert_rel(ms.mean.unwrap(), ws.mean.unwrap(), 1e-9);
    let mut sorted = x.clone();
    sorted.sort_by(f64::total_cmp);
    for s in [&ms, &ws] {
        let NumericValues::Sketch(sk) = &s.values else {
            panic!("expected a sketch above the cap")
        };
        assert_eq!(sk.count(), n as u64);
        let bound = sk.rank_error_bound(1e-4);
        assert!(bound / (n as f64) < 0.05, "bound {bound} is not useful");
        for q in 1..20 {
            let v = sorted[q * n / 20];
            let true_rank = sorted.partition_point(|&y| y <= v) as f64;
            let err = (sk.rank(v) - true_rank).abs();
            assert!(err <= bound, "q={q}: rank error {err} > bound {bound}");
            assert!(err <= sk.max_rank_error());
        }
    }
}

/// The Azuma-Hoeffding bound at level delta: over many seeded sketches and queries, at most
/// a delta share of rank errors may exceed it (with slack for the binomial spread); the
/// deterministic bound must never be exceeded.
#[test]
fn sketch_rank_error_bound_holds_empirically() {
    let delta = 0.05;
    let (mut violations, mut trials) = (0usize, 0usize);
    let mut worst_normalised: f64 = 0.0;
    for seed in 0..40u64 {
        let mut rng = Rng(1000 + seed);
        let n = 20_000;
        let x: Vec<f64> = (0..n).map(|_| rng.uniform()).collect();
        let mut sk = QuantileSketch::new(200, seed).unwrap();
        sk.extend(x.iter().copied());
        let mut sorted = x.clone();
        sorted.sort_by(f64::total_cmp);
        let bound = sk.rank_error_bound(delta);
        worst_normalised = worst_normalised.max(sk.rank_error_bound(0.01) / n as f64);
        assert!(sk.retained_items() < 3 * 200 + 8 * 20, "memory is O(k)");
        for q in [0.01, 0.1, 0.25, 0.4, 0.5, 0.6, 0.75, 0.9, 0.99] {
            let v = sorted[(q * n as f64) as usize];
            let true_rank = sorted.partition_point(|&y| y <= v) as f64;
            let err = (sk.rank(v) - true_rank).abs();
            trials += 1;
            if err > bound {
                violations += 1;
            }
            assert!(err <= sk.max_rank_error());
        }
    }
    assert!(
        (violations as f64) <= delta * trials as f64 + 3.0,
        "{violations} of {trials} queries exceed the 95% bound"
    );
    // k = 200: the 99% bound is a few percent of n at most.
    assert!(
        worst_normalised < 0.03,
        "normalised bound {worst_normalised}"
    );
}

#[test]
fn sketch_quantiles_and_exactness_before_compaction() {
    let mut sk = QuantileSketch::new(200, 1).unwrap();
    sk.extend([3.0, 1.0, 2.0]);
    assert_eq!(sk.rank_error_bound(0.01), 0.0);
    assert_eq!(sk.rank(2.0), 2.0);
    assert_eq!(sk.quantile(0.5), Some(2.0));
    assert_eq!((sk.min(), sk.max()), (Some(1.0), Some(3.0)));
    assert!(QuantileSketch::new(4, 0).is_err());
    let mut other = QuantileSketch::new(100, 0).unwrap();
    other.update(1.0);
    assert!(matches!(
        sk.merge(&other),
        Err(DriftError::Core(CoreError::InvalidParameter { .. }))
    ));
    assert_eq!(QuantileSketch::new(200, 0).unwrap().quantile(0.5), None);
}

#[test]
fn json_round_trip_exact_sketched_categorical_and_outputs() {
    let mut rng = Rng(5);
    let n = 3_000;
    let x = numeric_with_missing(&mut rng, n);
    let c = cats(&mut rng, n);
    let pred: Vec<f64> = (0..n).map(|i| f64::from(u8::from(i % 3 == 0))).collect();
    let t = Table::new(vec![
        ("x".into(), ColumnData::numeric(&x)),
        (
            "c".into(),
            ColumnData::Categorical(c.iter().map(|v| v.as_deref().map(Cow::Borrowed)).collect()),
        ),
        ("pred".into(), ColumnData::numeric(&pred)),
    ])
    .unwrap();
    for cap in [100_000, 500] {
        let params = ProfileParams {
            sample_cap: cap,
            group_columns: vec!["c".into()],
            prediction: Some(PredictionSpec {
                column: "pred".into(),
                threshold: None,
            }),
            ..ProfileParams::default()
        };
        let p = ReferenceProfile::from_table(&t, &params).unwrap();
        assert_eq!(p.format_version, PROFILE_FORMAT_VERSION);
        assert_eq!(numeric(&p, "x").is_exact(), cap > n);
        let back = ReferenceProfile::from_json(&p.to_json().unwrap()).unwrap();
        assert_eq!(back, p);
        let all = p.outputs.all;
        assert_eq!(all.total, n as u64);
        assert_eq!(all.positives, (0..n).filter(|i| i % 3 == 0).count() as u64);
        let missing_group = p.outputs.groups[&GroupKey(vec![GroupValue::Missing])];
        assert_eq!(
            missing_group.total,
            c.iter().filter(|v| v.is_none()).count() as u64
        );
    }
}

#[test]
fn json_errors_are_typed() {
    let x = [1.0];
    let t = Table::new(vec![("x".into(), ColumnData::numeric(&x))]).unwrap();
    let p = ReferenceProfile::from_table(&t, &ProfileParams::default()).unwrap();
    let json = p.to_json().unwrap().replace(
        &format!("\"format_version\":{PROFILE_FORMAT_VERSION}"),
        "\"format_version\":99",
    );
    assert!(matches!(
        ReferenceProfile::from_json(&json),
        Err(DriftError::UnsupportedFormatVersion { found: 99, .. })
    ));
    assert!(matches!(
        ReferenceProfile::from_json("{not json"),
        Err(DriftError::Serialization { .. })
    ));
}

#[test]
fn overrides_types_and_bad_tables() {
    let codes = [1.0, 2.0, 2.0, f64::NAN, 1.5];
    let text = [Some("a"), Some("b"), None, Some("a"), Some("c")];
    let t = Table::new(vec![
        ("code".into(), ColumnData::numeric(&codes)),
        ("text".into(), ColumnData::categorical(&text)),
    ])
    .unwrap();
    // Numbers as categories.
    let params = ProfileParams {
        categorical: vec!["code".into()],
        ..ProfileParams::default()
    };
    let p = ReferenceProfile::from_table(&t, &params).unwrap();
    let ColumnSummary::Categorical(s) = &p.column("code").unwrap().summary else {
        panic!()
    };
    assert_eq!(s.counts["1"], 1);
    assert_eq!(s.counts["2"], 2);
    assert_eq!(s.counts["1.5"], 1);
    assert_eq!(s.missing, 1);
    assert_eq!(
        p.column("text").unwrap().summary.kind(),
        ColumnKind::Categorical
    );
    // Text forced numeric.
    let bad = ProfileParams {
        numeric: vec!["text".into()],
        ..ProfileParams::default()
    };
    assert!(matches!(
        ReferenceProfile::from_table(&t, &bad),
        Err(DriftError::ColumnTypeMismatch { ref column, .. }) if column == "text"
    ));
    let unknown = ProfileParams {
        categorical: vec!["nope".into()],
        ..ProfileParams::default()
    };
    assert!(matches!(
        ReferenceProfile::from_table(&t, &unknown),
        Err(DriftError::UnknownColumn { ref column, .. }) if column == "nope"
    ));
    let zero_cap = ProfileParams {
        sample_cap: 0,
        ..ProfileParams::default()
    };
    assert!(matches!(
        ReferenceProfile::from_table(&t, &zero_cap),
        Err(DriftError::Core(CoreError::InvalidParameter { .. }))
    ));
    // Lengths and duplicate names.
    let short = [1.0];
    assert!(matches!(
        Table::new(vec![
            ("a".into(), ColumnData::numeric(&codes)),
            ("b".into(), ColumnData::numeric(&short)),
        ]),
        Err(DriftError::Core(CoreError::LengthMismatch {
            expected: 5,
            found: 1,
            ..
        }))
    ));
    assert!(matches!(
        Table::new(vec![
            ("a".into(), ColumnData::numeric(&codes)),
            ("a".into(), ColumnData::numeric(&codes)),
        ]),
        Err(DriftError::DuplicateColumn { .. })
    ));
}

#[test]
fn all_missing_and_empty_columns_are_profiled_not_rejected() {
    let x = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    let t = Table::new(vec![("x".into(), ColumnData::numeric(&x))]).unwrap();
    let p = ReferenceProfile::from_table(&t, &ProfileParams::default()).unwrap();
    let s = numeric(&p, "x");
    assert_eq!((s.count, s.missing, s.nan, s.infinite), (0, 3, 1, 2));
    assert_eq!((s.mean, s.min, s.variance()), (None, None, None));
    assert_eq!(s.missing_rate(), Some(1.0));
    let empty: [f64; 0] = [];
    let t = Table::new(vec![("x".into(), ColumnData::numeric(&empty))]).unwrap();
    let p = ReferenceProfile::from_table(&t, &ProfileParams::default()).unwrap();
    assert_eq!(numeric(&p, "x").missing_rate(), None);
}

#[test]
fn merge_rejects_incompatible_profiles() {
    let x = [1.0, 2.0];
    let a = ReferenceProfile::from_table(
        &Table::new(vec![("x".into(), ColumnData::numeric(&x))]).unwrap(),
        &ProfileParams::default(),
    )
    .unwrap();
    let y = [Some("u"), Some("v")];
    let b = ReferenceProfile::from_table(
        &Table::new(vec![("x".into(), ColumnData::categorical(&y))]).unwrap(),
        &ProfileParams::default(),
    )
    .unwrap();
    let mut m = a.clone();
    assert!(matches!(
        m.merge(&b),
        Err(DriftError::ProfileMismatch { .. })
    ));
    assert_eq!(m, a, "a failed merge leaves the profile unchanged");
    let c = ReferenceProfile::from_table(
        &Table::new(vec![("z".into(), ColumnData::numeric(&x))]).unwrap(),
        &ProfileParams::default(),
    )
    .unwrap();
    assert!(matches!(
        m.merge(&c),
        Err(DriftError::ProfileMismatch { .. })
    ));
    let d = ReferenceProfile::from_table(
        &Table::new(vec![("x".into(), ColumnData::numeric(&x))]).unwrap(),
        &ProfileParams {
            sample_cap: 7,
            ..ProfileParams::default()
        },
    )
    .unwrap();
    assert!(matches!(
        m.merge(&d),
        Err(DriftError::ProfileMismatch { .. })
    ));
}

#[test]
fn arrow_record_batches_are_profiled_by_type() {
    let f = Float64Array::from(vec![Some(1.0), None, Some(f64::NAN), Some(4.0)]);
    let i = Int64Array::from(vec![1, 2, 3, 4]);
    let s = StringArray::from(vec![Some("a"), None, Some("b"), Some("a")]);
    let b = BooleanArray::from(vec![Some(true), Some(false), None, Some(true)]);
    let d: DictionaryArray<Int32Type> = vec!["x", "y", "x", "x"].into_iter().collect();
    let batch = RecordBatch::try_from_iter(vec![
        ("f", Arc::new(f) as _),
        ("i", Arc::new(i) as _),
        ("s", Arc::new(s) as _),
        ("b", Arc::new(b) as _),
        ("d", Arc::new(d) as _),
    ])
    .unwrap();
    let t = Table::from_record_batch(&batch).unwrap();
    let p = ReferenceProfile::from_table(&t, &ProfileParams::default()).unwrap();
    let fs = numeric(&p, "f");
    assert_eq!((fs.count, fs.nulls, fs.nan, fs.missing), (2, 1, 1, 2));
    assert_eq!(numeric(&p, "i").mean, Some(2.5));
    let cat = |name: &str| match &p.column(name).unwrap().summary {
        ColumnSummary::Categorical(c) => c.clone(),
        ColumnSummary::Numeric(_) => panic!("{name} should be categorical"),
    };
    assert_eq!((cat("s").counts["a"], cat("s").missing), (2, 1));
    assert_eq!(
        (
            cat("b").counts["true"],
            cat("b").counts["false"],
            cat("b").missing
        ),
        (2, 1, 1)
    );
    assert_eq!((cat("d").counts["x"], cat("d").counts["y"]), (3, 1));
    // A type that is neither numbers nor text.
    let bin = arrow_array::BinaryArray::from(vec![b"a".as_ref()]);
    let batch = RecordBatch::try_from_iter(vec![("raw", Arc::new(bin) as _)]).unwrap();
    assert!(matches!(
        Table::from_record_batch(&batch),
        Err(DriftError::UnsupportedColumnType { ref column, .. }) if column == "raw"
    ));
}

#[test]
fn arrow_strings_are_counted_in_place_like_owned_text() {
    // Short and long (16 bytes and more) categories, multi-byte text, the empty string and
    // nulls, in the three Arrow string types.
    let words = [
        Some("a"),
        Some(""),
        None,
        Some("exactly15bytes!"),
        Some("sixteen bytes!!!"),
        Some("a much longer category name"),
        Some("café"),
        Some("b"),
    ];
    let rows: Vec<Option<&str>> = (0..500)
        .map(|i| words[(i * i + 3 * i) % words.len()])
        .collect();
    let owned: Vec<Option<String>> = rows.iter().map(|r| r.map(str::to_owned)).collect();
    let expected = ReferenceProfile::from_table(
        &Table::new(vec![(
            "c".into(),
            ColumnData::Categorical(
                owned
                    .iter()
                    .map(|v| v.as_deref().map(Cow::Borrowed))
                    .collect(),
            ),
        )])
        .unwrap(),
        &ProfileParams::default(),
    )
    .unwrap();
    let arrays: [arrow_array::ArrayRef; 3] = [
        Arc::new(StringArray::from(rows.clone())),
        Arc::new(LargeStringArray::from(rows.clone())),
        Arc::new(StringViewArray::from(rows.clone())),
    ];
    for array in arrays {
        let batch = RecordBatch::try_from_iter(vec![("c", array)]).unwrap();
        let t = Table::from_record_batch(&batch).unwrap();
        assert!(matches!(t.column("c"), Some(ColumnData::Text(_))));
        let p = ReferenceProfile::from_table(&t, &ProfileParams::default()).unwrap();
        assert_eq!(p, expected);
    }
}

#[test]
fn dictionaries_and_factorized_columns_count_like_text() {
    // Keys with nulls, a null dictionary value, an unused value: rows as text for the oracle.
    let values = StringArray::from(vec![Some("x"), None, Some("y"), Some("unused")]);
    let keys = arrow_array::Int32Array::from(vec![Some(0), Some(2), None, Some(1), Some(0)]);
    let dict = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values)).unwrap();
    let rows = [Some("x"), Some("y"), None, None, Some("x")];
    let owned = Table::new(vec![(
        "c".into(),
        ColumnData::Categorical(rows.iter().map(|r| r.map(Cow::Borrowed)).collect()),
    )])
    .unwrap();
    let expected = ReferenceProfile::from_table(&owned, &ProfileParams::default()).unwrap();
    let batch = RecordBatch::try_from_iter(vec![("c", Arc::new(dict) as _)]).unwrap();
    let t = Table::from_record_batch(&batch).unwrap();
    assert!(matches!(t.column("c"), Some(ColumnData::Factorized { .. })));
    assert_eq!(
        ReferenceProfile::from_table(&t, &ProfileParams::default()).unwrap(),
        expected
    );
    // Given codes directly, with a repeated level name merged into one category.
    let levels = vec![Cow::Borrowed("x"), Cow::Borrowed("y"), Cow::Borrowed("x")];
    let codes = vec![
        0,
        1,
        mlops_drift::MISSING_CODE,
        mlops_drift::MISSING_CODE,
        2,
    ];
    let t = Table::new(vec![(
        "c".into(),
        ColumnData::Factorized {
            codes: Cow::Owned(codes),
            levels: levels.clone(),
        },
    )])
    .unwrap();
    assert_eq!(
        ReferenceProfile::from_table(&t, &ProfileParams::default()).unwrap(),
        expected
    );
    // A code beyond the levels is refused when the table is built.
    let bad = Table::new(vec![(
        "c".into(),
        ColumnData::Factorized {
            codes: Cow::Owned(vec![0, 3]),
            levels,
        },
    )]);
    assert!(matches!(
        bad,
        Err(DriftError::Core(CoreError::InvalidParameter { .. }))
    ));
}

proptest! {
    #[test]
    fn merge_is_concatenation(
        a in prop::collection::vec(prop_oneof![Just(f64::NAN), -5.0..5.0f64, Just(1.0)], 0..60),
        b in prop::collection::vec(prop_oneof![Just(f64::INFINITY), -5.0..5.0f64, Just(1.0)], 0..60),
    ) {
        let params = ProfileParams::default();
        let prof = |v: &[f64]| ReferenceProfile::from_table(
            &Table::new(vec![("x".into(), ColumnData::numeric(v))]).unwrap(), &params).unwrap();
        let mut m = prof(&a);
        m.merge(&prof(&b)).unwrap();
        let ab: Vec<f64> = a.iter().chain(&b).copied().collect();
        let w = prof(&ab);
        let (ms, ws) = (numeric(&m, "x"), numeric(&w, "x"));
        prop_assert_eq!(&ms.values, &ws.values);
        prop_assert_eq!((ms.count, ms.missing, ms.min, ms.max), (ws.count, ws.missing, ws.min, ws.max));
        if let (Some(x), Some(y)) = (ms.mean, ws.mean) {
            prop_assert!((x - y).abs() <= 1e-12 * y.abs().max(1.0));
        }
    }
}

#[test]
fn group_columns_need_a_prediction() {
    let x = [1.0, 2.0];
    let g = [Some("a"), Some("b")];
    let t = Table::new(vec![
        ("x".into(), ColumnData::numeric(&x)),
        ("g".into(), ColumnData::categorical(&g)),
    ])
    .unwrap();
    let params = ProfileParams {
        group_columns: vec!["g".into()],
        ..ProfileParams::default()
    };
    assert!(matches!(
        ReferenceProfile::from_table(&t, &params),
        Err(DriftError::Core(CoreError::InvalidParameter { ref name, .. })) if name == "group_columns"
    ));
}
