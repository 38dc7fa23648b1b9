//! Reference profiles: what the training data looked like, column by column, in a form that
//! is built once, saved as JSON, and merged across partitions.
//!
//! # Contents
//! Per column, typed numeric or categorical (inferred from the data, or forced with
//! [`ProfileParams::categorical`] / [`ProfileParams::numeric`]):
//! * categorical ([`CategoricalSummary`]): the exact count of every category and of missing
//!   values (numbers in a column forced categorical become categories through
//!   [`number_category`](crate::table::number_category));
//! * numeric ([`NumericSummary`]): the number of finite values, of missing ones (nulls, NaN
//!   and ±inf, each also counted separately), mean and variance (merged with Chan, Golub and
//!   LeVeque's pairwise formulas), exact minimum and maximum, and the values themselves,
//!   exactly (sorted) while there are at most [`ProfileParams::sample_cap`] of them, beyond
//!   that a [`QuantileSketch`] with a stated rank-error bound.
//!
//! With [`ProfileParams::prediction`], the profile also counts positive predictions overall
//! and per group of [`ProfileParams::group_columns`] ([`OutputTally`]), the training side
//! of the monitor's output-rate checks.
//!
//! # Merging
//! [`ReferenceProfile::merge`] of the profiles of disjoint partitions is the profile of their
//! union: counts, minimum and maximum exactly, mean and variance up to rounding, values
//! exactly while the total is within the cap, and otherwise a sketch whose bound holds for
//! the union.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use strum::{Display, EnumIter, IntoStaticStr};

use mlops_core::state::{Checker, MAX_COUNT};
use mlops_core::{CoreError, GroupKey, GroupValue};

use crate::DriftError;
use crate::sketch::{DEFAULT_SKETCH_K, QuantileSketch};
use crate::table::{ColumnData, Table};

/// The JSON format version written by this crate; [`ReferenceProfile::from_json`] reads it
/// and format 1, whose output counts were keyed by text (see [`ReferenceProfile::from_json`]).
pub const PROFILE_FORMAT_VERSION: u32 = 2;

/// Default [`ProfileParams::sample_cap`].
pub const DEFAULT_SAMPLE_CAP: usize = 100_000;

/// How predictions are read as positive or negative.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictionSpec {
    /// The prediction column.
    pub column: String,
    /// A score `>= threshold` is positive; `None`: the column holds 0/1 (or `"true"` /
    /// `"false"`, `"1"`/`"0"`) labels.
    pub threshold: Option<f64>,
}

/// The parameters of [`ReferenceProfile::from_table`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileParams {
    /// Numeric columns keep their values exactly up to this many, a sketch beyond.
    pub sample_cap: usize,
    /// The sketch's `k` (see [`QuantileSketch`]).
    pub sketch_k: u16,
    /// Seed of the sketch's coins.
    pub seed: u64,
    /// Columns to treat as categorical whatever their type (e.g. integer codes).
    pub categorical: Vec<String>,
    /// Columns that must be numeric (an error if they hold text).
    pub numeric: Vec<String>,
    /// Group columns for the output-rate counts.
    pub group_columns: Vec<String>,
    /// The prediction column, if output rates are wanted.
    pub prediction: Option<PredictionSpec>,
}

impl Default for ProfileParams {
    fn default() -> Self {
        Self {
            sample_cap: DEFAULT_SAMPLE_CAP,
            sketch_k: DEFAULT_SKETCH_K,
            seed: 0,
            categorical: Vec::new(),
            numeric: Vec::new(),
            group_columns: Vec::new(),
            prediction: None,
        }
    }
}

/// Whether a column is numeric or categorical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(Display, IntoStaticStr, EnumIter)]
#[strum(serialize_all = "snake_case")]
pub enum ColumnKind {
    /// Numbers.
    Numeric,
    /// Categories.
    Categorical,
}

/// The values of a numeric column: exact while few, a sketch beyond the cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "data")]
pub enum NumericValues {
    /// Every finite value (sorted in a finished profile).
    Exact(Vec<f64>),
    /// A quantile sketch.
    Sketch(QuantileSketch),
}

/// The summary of a numeric column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawNumeric")]
pub struct NumericSummary {
    /// Number of finite values.
    pub count: u64,
    /// Nulls + NaN + ±inf.
    pub missing: u64,
    /// Null entries.
    pub nulls: u64,
    /// NaN values.
    pub nan: u64,
    /// ±inf values.
    pub infinite: u64,
    /// Mean of the finite values (`None` when there are none).
    pub mean: Option<f64>,
    /// Sum of squared deviations from the mean.
    pub m2: f64,
    /// Smallest finite value.
    pub min: Option<f64>,
    /// Largest finite value.
    pub max: Option<f64>,
    /// The values, exact or sketched.
    pub values: NumericValues,
    /// The cap of exact values.
    pub sample_cap: usize,
    /// The sketch's `k` (used when the cap is passed).
    pub sketch_k: u16,
    /// The sketch's seed.
    pub seed: u64,
}

/// The serialised form of [`NumericSummary`], checked on the way in.
#[derive(Deserialize)]
struct RawNumeric {
    count: u64,
    missing: u64,
    nulls: u64,
    nan: u64,
    infinite: u64,
    mean: Option<f64>,
    m2: f64,
    min: Option<f64>,
    max: Option<f64>,
    values: NumericValues,
    sample_cap: usize,
    sketch_k: u16,
    seed: u64,
}

impl TryFrom<RawNumeric> for NumericSummary {
    type Error = DriftError;

    fn try_from(r: RawNumeric) -> Result<Self, DriftError> {
        // Profiles fold -0.0 into 0.0 on the way in (the radix sort needs it); a value
        // written as -0.0 is the same number.
        let fold = |v: f64| if v == 0.0 { 0.0 } else { v };
        let values = match r.values {
            NumericValues::Exact(v) => NumericValues::Exact(v.into_iter().map(fold).collect()),
            sketch => sketch,
        };
        let s = Self {
            count: r.count,
            missing: r.missing,
            nulls: r.nulls,
            nan: r.nan,
            infinite: r.infinite,
            mean: r.mean,
            m2: r.m2,
            min: r.min.map(fold),
            max: r.max.map(fold),
            values,
            sample_cap: r.sample_cap,
            sketch_k: r.sketch_k,
            seed: r.seed,
        };
        s.check()?;
        Ok(s)
    }
}

impl NumericSummary {
    /// Checks the summary's invariants (a summary built from data always passes; one read
    /// from edited JSON may not): counts up to `2^53` with `missing = nulls + nan +
    /// infinite`; mean, minimum and maximum present exactly when there are finite values,
    /// finite, with `min <= max`; `m2` finite and `>= 0` (0 for fewer than two values);
    /// exact values finite, as many as `count`, at most `sample_cap`, with `min` and `max`
    /// among them; a sketch of `count` values with this summary's `sketch_k`, `min` and
    /// `max`.
    ///
    /// # Errors
    /// [`DriftError::Core`] ([`mlops_core::CoreError::InvalidState`]) naming the field.
    pub fn check(&self) -> Result<(), DriftError> {
        let c = Checker::new("NumericSummary");
        for (name, v) in [
            ("count", self.count),
            ("missing", self.missing),
            ("nulls", self.nulls),
            ("nan", self.nan),
            ("infinite", self.infinite),
        ] {
            c.count(name, v)?;
        }
        let parts = u128::from(self.nulls) + u128::from(self.nan) + u128::from(self.infinite);
        c.ensure(u128::from(self.missing) == parts, "missing", || {
            format!("is {} but nulls + nan + infinite = {parts}", self.missing)
        })?;
        let any = self.count > 0;
        for (name, v) in [("mean", self.mean), ("min", self.min), ("max", self.max)] {
            c.ensure(v.is_some() == any, name, || {
                format!(
                    "is {v:?} for a column with {} finite values; it is set exactly when \
                     there are some",
                    self.count
                )
            })?;
            if let Some(x) = v {
                c.finite(name, x)?;
            }
        }
        if let (Some(lo), Some(hi)) = (self.min, self.max) {
            c.ensure(lo <= hi, "max", || format!("is {hi} below min = {lo}"))?;
        }
        c.within("m2", self.m2, 0.0, f64::MAX)?;
        c.ensure(self.count >= 2 || self.m2 == 0.0, "m2", || {
            format!(
                "is {} for {} value(s); it is 0 below two",
                self.m2, self.count
            )
        })?;
        match &self.values {
            NumericValues::Exact(v) => {
                c.all_finite("values.data", v)?;
                c.ensure(v.len() as u64 == self.count, "values.data", || {
                    format!("holds {} values but count is {}", v.len(), self.count)
                })?;
                c.ensure(v.len() <= self.sample_cap, "values.data", || {
                    format!(
                        "holds {} exact values, more than sample_cap = {}",
                        v.len(),
                        self.sample_cap
                    )
                })?;
                if let (Some(lo), Some(hi)) = (self.min, self.max) {
                    let (vlo, vhi) = v
                        .iter()
                        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                            (a.min(x), b.max(x))
                        });
                    c.ensure(vlo == lo, "min", || {
                        format!("is {lo} but the smallest value is {vlo}")
                    })?;
                    c.ensure(vhi == hi, "max", || {
                        format!("is {hi} but the largest value is {vhi}")
                    })?;
                }
            }
            NumericValues::Sketch(sk) => {
                c.ensure(sk.count() == self.count, "values.data.n", || {
                    format!("is {} but count is {}", sk.count(), self.count)
                })?;
                c.ensure(sk.k() == self.sketch_k, "values.data.k", || {
                    format!("is {} but sketch_k is {}", sk.k(), self.sketch_k)
                })?;
                c.ensure(
                    sk.min() == self.min && sk.max() == self.max,
                    "values.data.min",
                    || {
                        format!(
                            "the sketch's range {:?}..{:?} differs from min..max {:?}..{:?}",
                            sk.min(),
                            sk.max(),
                            self.min,
                            self.max
                        )
                    },
                )?;
            }
        }
        Ok(())
    }

    /// An empty summary.
    pub fn new(sample_cap: usize, sketch_k: u16, seed: u64) -> Self {
        Self {
            count: 0,
            missing: 0,
            nulls: 0,
            nan: 0,
            infinite: 0,
            mean: None,
            m2: 0.0,
            min: None,
            max: None,
            values: NumericValues::Exact(Vec::new()),
            sample_cap,
            sketch_k,
            seed,
        }
    }

    /// The population variance (`ddof = 0`); `None` without values.
    pub fn variance(&self) -> Option<f64> {
        (self.count > 0).then(|| self.m2 / self.count as f64)
    }

    /// The share of missing entries; `None` for an empty column.
    pub fn missing_rate(&self) -> Option<f64> {
        let total = self.count + self.missing;
        (total > 0).then(|| self.missing as f64 / total as f64)
    }

    /// Whether the values are kept exactly.
    pub fn is_exact(&self) -> bool {
        matches!(self.values, NumericValues::Exact(_))
    }

    /// Adds the rows of a column (numbers; null/NaN/inf are counted as missing).
    pub(crate) fn add_column(&mut self, col: &ColumnData<'_>) -> Result<(), DriftError> {
        let ColumnData::Numeric { values, nulls } = col else {
            return Ok(());
        };
        let mut finite = Vec::with_capacity(values.len());
        match nulls {
            // The common case, a column of plain numbers: a copy the compiler can stream,
            // then the missing values counted only if there are any.
            None => {
                finite.extend(
                    values
                        .iter()
                        .filter(|v| v.is_finite())
                        .map(|&v| if v == 0.0 { 0.0 } else { v }),
                );
                if finite.len() < values.len() {
                    let nan = values.iter().filter(|v| v.is_nan()).count() as u64;
                    self.nan += nan;
                    self.infinite += (values.len() - finite.len()) as u64 - nan;
                }
            }
            Some(mask) => {
                for (&v, &null) in values.iter().zip(mask) {
                    if null {
                        self.nulls += 1;
                    } else if v.is_nan() {
                        self.nan += 1;
                    } else if v.is_infinite() {
                        self.infinite += 1;
                    } else {
                        finite.push(if v == 0.0 { 0.0 } else { v });
                    }
                }
            }
        }
        self.missing = self.nulls + self.nan + self.infinite;
        self.add_finite(finite)
    }

    /// Adds finite values (the caller filtered them).
    fn add_finite(&mut self, finite: Vec<f64>) -> Result<(), DriftError> {
        if finite.is_empty() {
            return Ok(());
        }
        let part = Moments::of(&finite);
        self.merge_moments(&part);
        self.push_values(finite)
    }

    fn merge_moments(&mut self, other: &Moments) {
        let (na, nb) = (self.count as f64, other.count as f64);
        let n = na + nb;
        match (self.mean, other.mean) {
            (_, None) => {}
            (None, Some(mb)) => {
                self.mean = Some(mb);
                self.m2 = other.m2;
            }
            (Some(ma), Some(mb)) => {
                let delta = mb - ma;
                self.mean = Some(ma + delta * nb / n);
                self.m2 += other.m2 + delta * delta * na * nb / n;
            }
        }
        self.count += other.count;
        self.min = match (self.min, other.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, other.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    fn push_values(&mut self, finite: Vec<f64>) -> Result<(), DriftError> {
        match &mut self.values {
            NumericValues::Exact(v) if v.is_empty() && finite.len() <= self.sample_cap => {
                *v = finite;
            }
            NumericValues::Exact(v) if v.len() + finite.len() <= self.sample_cap => {
                v.extend(finite);
            }
            NumericValues::Exact(v) => {
                let mut s = QuantileSketch::new(self.sketch_k, self.seed)?;
                s.extend(v.iter().copied());
                s.extend(finite);
                self.values = NumericValues::Sketch(s);
            }
            NumericValues::Sketch(s) => s.extend(finite),
        }
        Ok(())
    }

    /// Sorts exact values (the canonical form of a finished profile).
    pub(crate) fn finish(&mut self) {
        if let NumericValues::Exact(v) = &mut self.values {
            // Finite, with -0.0 folded into 0.0 on the way in: what the radix sort needs.
            mlops_core::radix::sort_desc(v);
            v.reverse();
        }
    }

    /// Merges a summary of other rows into this one.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] when the sketches' `k` differ.
    pub fn merge(&mut self, other: &Self) -> Result<(), DriftError> {
        self.merge_with_cap(other, self.sample_cap)
    }

    /// Merges with an explicit cap of exact values for the result.
    pub(crate) fn merge_with_cap(&mut self, other: &Self, cap: usize) -> Result<(), DriftError> {
        self.merge_moments(&Moments {
            count: other.count,
            mean: other.mean,
            m2: other.m2,
            min: other.min,
            max: other.max,
        });
        self.nulls += other.nulls;
        self.nan += other.nan;
        self.infinite += other.infinite;
        self.missing += other.missing;
        let values = std::mem::replace(&mut self.values, NumericValues::Exact(Vec::new()));
        self.values = match (values, &other.values) {
            (NumericValues::Exact(mut a), NumericValues::Exact(b)) if a.len() + b.len() <= cap => {
                a.extend_from_slice(b);
                NumericValues::Exact(a)
            }
            (NumericValues::Exact(a), NumericValues::Exact(b)) => {
                let mut s = QuantileSketch::new(self.sketch_k, self.seed)?;
                s.extend(a);
                s.extend(b.iter().copied());
                NumericValues::Sketch(s)
            }
            (NumericValues::Sketch(mut s), NumericValues::Exact(b)) => {
                s.extend(b.iter().copied());
                NumericValues::Sketch(s)
            }
            (NumericValues::Exact(a), NumericValues::Sketch(t)) => {
                let mut s = t.clone();
                s.extend(a);
                NumericValues::Sketch(s)
            }
            (NumericValues::Sketch(mut s), NumericValues::Sketch(t)) => {
                s.merge(t)?;
                NumericValues::Sketch(s)
            }
        };
        Ok(())
    }
}

struct Moments {
    count: u64,
    mean: Option<f64>,
    m2: f64,
    min: Option<f64>,
    max: Option<f64>,
}

impl Moments {
    /// Two-pass mean and sum of squared deviations of finite, non-empty values.
    fn of(v: &[f64]) -> Self {
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let m2 = v.iter().map(|x| (x - mean) * (x - mean)).sum();
        let (lo, hi) = v
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &x| {
                (lo.min(x), hi.max(x))
            });
        Self {
            count: v.len() as u64,
            mean: Some(mean),
            m2,
            min: Some(lo),
            max: Some(hi),
        }
    }
}

/// The summary of a categorical column: exact counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCategorical")]
pub struct CategoricalSummary {
    /// Count per category.
    pub counts: BTreeMap<String, u64>,
    /// Missing entries.
    pub missing: u64,
}

/// The serialised form of [`CategoricalSummary`], checked on the way in.
#[derive(Deserialize)]
struct RawCategorical {
    counts: BTreeMap<String, u64>,
    missing: u64,
}

impl TryFrom<RawCategorical> for CategoricalSummary {
    type Error = DriftError;

    fn try_from(r: RawCategorical) -> Result<Self, DriftError> {
        let s = Self {
            counts: r.counts,
            missing: r.missing,
        };
        s.check()?;
        Ok(s)
    }
}

impl CategoricalSummary {
    /// Checks the counts: every listed category seen at least once, and every count, as
    /// well as their total with the missing entries, at most `2^53`.
    ///
    /// # Errors
    /// [`DriftError::Core`] ([`mlops_core::CoreError::InvalidState`]) naming the category.
    pub fn check(&self) -> Result<(), DriftError> {
        let c = Checker::new("CategoricalSummary");
        for (k, &n) in &self.counts {
            let field = format!("counts[{k:?}]");
            c.ensure(n >= 1, field.clone(), || {
                "is 0; a category is listed only once seen".to_owned()
            })?;
            c.count(&field, n)?;
        }
        c.count("missing", self.missing)?;
        let total: u128 =
            self.counts.values().map(|&n| u128::from(n)).sum::<u128>() + u128::from(self.missing);
        c.ensure(total <= u128::from(MAX_COUNT), "counts", || {
            format!("add up to {total} entries; at most 2^53")
        })?;
        Ok(())
    }

    /// Number of non-missing entries.
    pub fn count(&self) -> u64 {
        self.counts.values().sum()
    }

    /// The share of missing entries; `None` for an empty column.
    pub fn missing_rate(&self) -> Option<f64> {
        let total = self.count() + self.missing;
        (total > 0).then(|| self.missing as f64 / total as f64)
    }

    pub(crate) fn add_column(&mut self, col: &ColumnData<'_>) {
        match col {
            ColumnData::Categorical(values) => {
                let mut counter = CategoryCounter::default();
                values.iter().for_each(|v| counter.add(v.as_deref()));
                counter.into_counts(self);
            }
            ColumnData::Text(text) => {
                let mut counter = CategoryCounter::default();
                text.for_each(|v| counter.add(v));
                counter.into_counts(self);
            }
            ColumnData::Factorized { codes, levels } => {
                let mut per_level = vec![0u64; levels.len()];
                let mut missing = 0u64;
                for &c in codes.iter() {
                    match per_level.get_mut(c as usize) {
                        Some(n) => *n += 1,
                        None => missing += 1, // MISSING_CODE
                    }
                }
                for (level, &n) in levels.iter().zip(&per_level) {
                    if n > 0 {
                        *self.counts.entry(level.as_ref().to_owned()).or_insert(0) += n;
                    }
                }
                self.missing += missing;
            }
            ColumnData::Numeric { .. } => {
                for i in 0..col.len() {
                    match col.category(i) {
                        Some(c) => {
                            if let Some(n) = self.counts.get_mut(c.as_ref()) {
                                *n += 1;
                            } else {
                                self.counts.insert(c.into_owned(), 1);
                            }
                        }
                        None => self.missing += 1,
                    }
                }
            }
        }
    }

    /// Merges the counts of other rows.
    pub fn merge(&mut self, other: &Self) {
        for (k, v) in &other.counts {
            *self.counts.entry(k.clone()).or_insert(0) += v;
        }
        self.missing += other.missing;
    }
}

/// Counts of the categories of a column, by hash: one hash and usually one comparison per
/// row, where an ordered map of strings compares strings at every level. Categories under
/// 16 bytes (nearly all) are packed with their length into a `u128`, so that neither the
/// hash nor the comparison loops over bytes; the few distinct categories go into the
/// summary's ordered map once, at the end.
#[derive(Default)]
struct CategoryCounter<'s> {
    short: FxHashMap<u128, u64>,
    long: FxHashMap<&'s str, u64>,
    missing: u64,
}

impl<'s> CategoryCounter<'s> {
    #[inline]
    fn add(&mut self, value: Option<&'s str>) {
        match value {
            None => self.missing += 1,
            Some(s) if s.len() < 16 => {
                let mut key = (s.len() as u128) << 120;
                for (i, &b) in s.as_bytes().iter().enumerate() {
                    key |= u128::from(b) << (8 * i);
                }
                *self.short.entry(key).or_insert(0) += 1;
            }
            Some(s) => *self.long.entry(s).or_insert(0) += 1,
        }
    }

    fn into_counts(self, summary: &mut CategoricalSummary) {
        for (key, n) in self.short {
            let len = (key >> 120) as usize;
            let bytes = key.to_le_bytes();
            // The bytes of a `str`, so valid UTF-8: the lossy conversion never replaces.
            let name = String::from_utf8_lossy(&bytes[..len]).into_owned();
            *summary.counts.entry(name).or_insert(0) += n;
        }
        for (name, n) in self.long {
            *summary.counts.entry(name.to_owned()).or_insert(0) += n;
        }
        summary.missing += self.missing;
    }
}

/// The summary of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ColumnSummary {
    /// A numeric column.
    Numeric(NumericSummary),
    /// A categorical column.
    Categorical(CategoricalSummary),
}

impl ColumnSummary {
    /// The column's kind.
    pub fn kind(&self) -> ColumnKind {
        match self {
            Self::Numeric(_) => ColumnKind::Numeric,
            Self::Categorical(_) => ColumnKind::Categorical,
        }
    }

    /// The share of missing entries; `None` for an empty column.
    pub fn missing_rate(&self) -> Option<f64> {
        match self {
            Self::Numeric(s) => s.missing_rate(),
            Self::Categorical(s) => s.missing_rate(),
        }
    }

    /// An empty summary of the same kind and settings.
    pub(crate) fn empty_like(&self) -> Self {
        match self {
            Self::Numeric(s) => {
                Self::Numeric(NumericSummary::new(s.sample_cap, s.sketch_k, s.seed))
            }
            Self::Categorical(_) => Self::Categorical(CategoricalSummary::default()),
        }
    }

    /// Adds a column's rows; the column must fit the kind (checked by the caller with
    /// [`check_fits`]).
    pub(crate) fn add_column(&mut self, col: &ColumnData<'_>) -> Result<(), DriftError> {
        match self {
            Self::Numeric(s) => s.add_column(col),
            Self::Categorical(s) => {
                s.add_column(col);
                Ok(())
            }
        }
    }

    pub(crate) fn merge_with_cap(
        &mut self,
        name: &str,
        other: &Self,
        cap: usize,
    ) -> Result<(), DriftError> {
        match (self, other) {
            (Self::Numeric(a), Self::Numeric(b)) => a.merge_with_cap(b, cap),
            (Self::Categorical(a), Self::Categorical(b)) => {
                a.merge(b);
                Ok(())
            }
            (a, b) => Err(DriftError::ProfileMismatch {
                column: name.to_owned(),
                reason: format!(
                    "it is {} in one profile and {} in the other",
                    a.kind(),
                    b.kind()
                ),
            }),
        }
    }
}

/// Checks that a column's data can feed a summary of `kind`: categorical summaries take
/// anything (numbers become categories), numeric ones only numbers.
pub(crate) fn check_fits(
    name: &str,
    kind: ColumnKind,
    col: &ColumnData<'_>,
) -> Result<(), DriftError> {
    if kind == ColumnKind::Numeric
        && matches!(
            col,
            ColumnData::Categorical(_) | ColumnData::Text(_) | ColumnData::Factorized { .. }
        )
    {
        return Err(DriftError::ColumnTypeMismatch {
            column: name.to_owned(),
            expected: kind.to_string(),
            found: col.kind_name().to_owned(),
        });
    }
    Ok(())
}

/// One profiled column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnProfile {
    /// The column's name.
    pub name: String,
    /// Its summary.
    pub summary: ColumnSummary,
}

/// Positive predictions and rows of one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputCounts {
    /// Rows with a positive prediction.
    pub positives: u64,
    /// Rows with a (non-missing) prediction.
    pub total: u64,
}

impl OutputCounts {
    /// Adds another count.
    pub fn add(&mut self, other: Self) {
        self.positives += other.positives;
        self.total += other.total;
    }
}

/// Whether row `i` of the prediction column is positive; `None` when missing.
pub(crate) fn prediction_of(
    spec: &PredictionSpec,
    col: &ColumnData<'_>,
    i: usize,
) -> Result<Option<bool>, DriftError> {
    let bad = |value: String| DriftError::InvalidPrediction {
        column: spec.column.clone(),
        index: i,
        value,
    };
    match (col, spec.threshold) {
        (ColumnData::Numeric { .. }, Some(t)) => Ok(col.number(i).map(|v| v >= t)),
        (ColumnData::Numeric { .. }, None) => match col.number(i) {
            None => Ok(None),
            Some(0.0) => Ok(Some(false)),
            Some(1.0) => Ok(Some(true)),
            Some(v) => Err(bad(v.to_string())),
        },
        (ColumnData::Categorical(_) | ColumnData::Text(_) | ColumnData::Factorized { .. }, _) => {
            match col.category(i).as_deref() {
                None => Ok(None),
                Some("0" | "false" | "False") => Ok(Some(false)),
                Some("1" | "true" | "True") => Ok(Some(true)),
                Some(other) => Err(bad(other.to_owned())),
            }
        }
    }
}

/// Positive predictions counted over every row and per group: the training side (in a
/// profile) or the production side (in a window) of the output-rate checks.
///
/// A group's key holds one value per group column: the row's category text (numbers
/// through [`number_category`](crate::table::number_category), as for categorical
/// features), or [`GroupValue::Missing`], which equals no text. All rows are counted in
/// [`OutputTally::all`], never under a group key, so no group (whatever it is called) adds
/// into it. In JSON, `groups` is a list of `{"key": [...], "positives", "total"}` sorted by
/// key, a missing value being `null`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputTally {
    /// Every row with a prediction.
    pub all: OutputCounts,
    /// Per group of the group columns (empty without group columns).
    #[serde(with = "keyed_counts")]
    pub groups: BTreeMap<GroupKey, OutputCounts>,
}

impl OutputTally {
    /// Checks counts read back (the profile's, or a monitor window's): none without a
    /// prediction column; positives within totals and totals within `rows`; keys with one
    /// value per group column; and with group columns, the groups adding up to all rows
    /// (every row has a key, a missing value included).
    pub(crate) fn check(
        &self,
        c: &Checker,
        field: &str,
        prediction: bool,
        columns: usize,
        rows: u64,
    ) -> Result<(), DriftError> {
        if !prediction {
            c.ensure(
                self.all == OutputCounts::default() && self.groups.is_empty(),
                field,
                || "holds counts but the profile has no prediction column".to_owned(),
            )?;
            return Ok(());
        }
        let counts = |name: String, o: &OutputCounts| {
            c.ensure(o.positives <= o.total, name.clone(), || {
                format!("has {} positives out of {}", o.positives, o.total)
            })?;
            c.ensure(o.total <= rows, name, || {
                format!("counts {} predictions in {rows} rows", o.total)
            })
        };
        counts(format!("{field}.all"), &self.all)?;
        let mut by_group: u128 = 0;
        for (key, g) in &self.groups {
            let name = format!("{field}.groups[{key}]");
            counts(name.clone(), g)?;
            c.ensure(key.0.len() == columns, name, || {
                format!("a key has one value per group column ({columns})")
            })?;
            by_group += u128::from(g.total);
        }
        c.ensure(
            columns == 0 || by_group == u128::from(self.all.total),
            format!("{field}.groups"),
            || {
                format!(
                    "the groups count {by_group} predictions where all rows count {}",
                    self.all.total
                )
            },
        )?;
        Ok(())
    }

    /// Adds the counts of other rows.
    pub fn add(&mut self, other: &Self) {
        self.all.add(other.all);
        for (k, v) in &other.groups {
            self.groups.entry(k.clone()).or_default().add(*v);
        }
    }

    /// Format 1 counts, keyed by text, read into keys. Format 1 wrote `"(all)"` for all rows
    /// (and added a group of that name into it), `"(missing)"` for a missing value (and for
    /// a group of that name), and `col=value` pairs joined by `", "` for several columns
    /// (ambiguous when a value holds `", col="`): whatever cannot be read back to exactly one
    /// tally is refused rather than guessed.
    fn from_v1(
        map: BTreeMap<String, OutputCounts>,
        columns: &[String],
    ) -> Result<Self, DriftError> {
        let ambiguous = |group: &str, reason: &str| DriftError::AmbiguousGroups {
            group: group.to_owned(),
            reason: reason.to_owned(),
        };
        let mut tally = Self::default();
        for (text, counts) in map {
            if text == "(all)" {
                tally.all = counts;
                continue;
            }
            let key = match columns {
                [] => return Err(ambiguous(&text, "a group without group columns")),
                [_] => vec![text.clone()],
                many => {
                    let mut parses = Vec::new();
                    split_v1(&text, many, &mut Vec::new(), &mut parses);
                    match parses.len() {
                        1 => parses.swap_remove(0),
                        0 => return Err(ambiguous(&text, "not `col=value` pairs of the columns")),
                        _ => return Err(ambiguous(&text, "more than one way to split it")),
                    }
                }
            };
            if key.iter().any(|v| v == "(missing)") {
                return Err(ambiguous(
                    &text,
                    "format 1 wrote missing values and values called \"(missing)\" alike",
                ));
            }
            tally.groups.insert(
                GroupKey(key.into_iter().map(GroupValue::Str).collect()),
                counts,
            );
        }
        if !columns.is_empty() {
            // Every row with a prediction is in exactly one group: a group called "(all)"
            // shows as "(all)" counting more than the groups together.
            let mut sum = OutputCounts::default();
            for c in tally.groups.values() {
                sum.add(*c);
            }
            if sum != tally.all {
                return Err(ambiguous(
                    "(all)",
                    "its counts are not the groups' sum: a group called \"(all)\" was added \
                     into all rows",
                ));
            }
        }
        Ok(tally)
    }
}

/// Every way of reading `text` as `c0=v0, c1=v1, ...` over `columns`, into `out`.
fn split_v1(text: &str, columns: &[String], done: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let Some((first, rest)) = columns.split_first() else {
        return;
    };
    let prefix = if done.is_empty() {
        format!("{first}=")
    } else {
        format!(", {first}=")
    };
    let Some(tail) = text.strip_prefix(prefix.as_str()) else {
        return;
    };
    match rest.first() {
        None => {
            done.push(tail.to_owned());
            out.push(done.clone());
            done.pop();
        }
        Some(next) => {
            let sep = format!(", {next}=");
            for (at, _) in tail.match_indices(sep.as_str()) {
                done.push(tail[..at].to_owned());
                split_v1(&tail[at..], rest, done, out);
                done.pop();
            }
        }
    }
}

/// Serde of [`OutputTally::groups`]: JSON object keys are text, so the map is a list of
/// entries; a key listed twice is an error rather than one count silently kept.
mod keyed_counts {
    use std::collections::BTreeMap;

    use mlops_core::GroupKey;
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::OutputCounts;

    #[derive(Serialize)]
    struct EntryRef<'a> {
        key: &'a GroupKey,
        positives: u64,
        total: u64,
    }

    #[derive(Deserialize)]
    struct Entry {
        key: GroupKey,
        positives: u64,
        total: u64,
    }

    pub(super) fn serialize<S: Serializer>(
        m: &BTreeMap<GroupKey, OutputCounts>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(m.iter().map(|(key, c)| EntryRef {
            key,
            positives: c.positives,
            total: c.total,
        }))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<GroupKey, OutputCounts>, D::Error> {
        let mut m = BTreeMap::new();
        for e in Vec::<Entry>::deserialize(d)? {
            let counts = OutputCounts {
                positives: e.positives,
                total: e.total,
            };
            if m.insert(e.key.clone(), counts).is_some() {
                return Err(D::Error::custom(format!("group {} is listed twice", e.key)));
            }
        }
        Ok(m)
    }
}

/// The group key of row `i`: per group column, its category text or missing.
pub(crate) fn group_key(groups: &[(&str, &ColumnData<'_>)], i: usize) -> GroupKey {
    GroupKey(
        groups
            .iter()
            .map(|(_, c)| {
                c.category(i)
                    .map_or(GroupValue::Missing, |v| GroupValue::Str(v.into_owned()))
            })
            .collect(),
    )
}

/// Counts positive predictions over all rows and per group in `table`, into `out`.
pub(crate) fn count_outputs(
    table: &Table<'_>,
    spec: &PredictionSpec,
    group_columns: &[String],
    out: &mut OutputTally,
) -> Result<(), DriftError> {
    let pred = table
        .column(&spec.column)
        .ok_or_else(|| DriftError::MissingColumn {
            column: spec.column.clone(),
        })?;
    let groups = group_columns
        .iter()
        .map(|g| {
            table
                .column(g)
                .map(|c| (g.as_str(), c))
                .ok_or_else(|| DriftError::MissingColumn { column: g.clone() })
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Validate every prediction first, so that a bad row leaves the counts untouched.
    let preds = (0..table.rows())
        .map(|i| prediction_of(spec, pred, i))
        .collect::<Result<Vec<_>, _>>()?;
    let mut local: FxHashMap<GroupKey, OutputCounts> = FxHashMap::default();
    let mut all = OutputCounts::default();
    for (i, p) in preds.into_iter().enumerate() {
        let Some(p) = p else { continue };
        let c = OutputCounts {
            positives: u64::from(p),
            total: 1,
        };
        all.add(c);
        if !groups.is_empty() {
            local.entry(group_key(&groups, i)).or_default().add(c);
        }
    }
    out.all.add(all);
    for (k, v) in local {
        out.groups.entry(k).or_default().add(v);
    }
    Ok(())
}

/// A reference profile of training data (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawProfile")]
pub struct ReferenceProfile {
    /// [`PROFILE_FORMAT_VERSION`] when written.
    pub format_version: u32,
    /// Rows profiled.
    pub rows: u64,
    /// The parameters the profile was built with.
    pub params: ProfileParams,
    /// The columns, in the order of the first table.
    pub columns: Vec<ColumnProfile>,
    /// Positive predictions over all rows and per group (zero without
    /// [`ProfileParams::prediction`]).
    pub outputs: OutputTally,
}

/// The serialised form of [`ReferenceProfile`], checked on the way in (the columns'
/// summaries check themselves as they are read).
#[derive(Deserialize)]
struct RawProfile {
    format_version: u32,
    rows: u64,
    params: ProfileParams,
    columns: Vec<ColumnProfile>,
    outputs: OutputTally,
}

impl TryFrom<RawProfile> for ReferenceProfile {
    type Error = DriftError;

    fn try_from(r: RawProfile) -> Result<Self, DriftError> {
        let p = Self {
            format_version: r.format_version,
            rows: r.rows,
            params: r.params,
            columns: r.columns,
            outputs: r.outputs,
        };
        p.check_profile()?;
        Ok(p)
    }
}

impl ReferenceProfile {
    /// Checks a profile (one built from data always passes; one read from edited JSON or
    /// assembled by hand may not): every column's summary
    /// ([`NumericSummary::check`], [`CategoricalSummary::check`]) and the profile's own
    /// invariants: the format version; valid parameters naming profiled columns (of the
    /// forced kind); distinct column names; every
    /// column accounting for each of the `rows` rows (values plus missing entries); numeric
    /// columns with the profile's `sample_cap`, `sketch_k` and seed and exact values in
    /// ascending order; output counts only with a prediction column, positives within
    /// totals, no more predictions than rows, and with group columns the groups' counts
    /// adding up to all rows'.
    ///
    /// # Errors
    /// [`DriftError::UnsupportedFormatVersion`] for another format version,
    /// [`DriftError::Core`] ([`mlops_core::CoreError::InvalidState`]) naming the field
    /// otherwise.
    pub fn check(&self) -> Result<(), DriftError> {
        let c = Checker::new("ReferenceProfile");
        for (i, col) in self.columns.iter().enumerate() {
            match &col.summary {
                ColumnSummary::Numeric(s) => s.check(),
                ColumnSummary::Categorical(s) => s.check(),
            }
            .map_err(|e| c.fail(format!("columns[{i}].summary"), e.to_string()))?;
        }
        self.check_profile()
    }

    /// The invariants of the profile beyond its columns' own (see
    /// [`ReferenceProfile::check`]).
    fn check_profile(&self) -> Result<(), DriftError> {
        let c = Checker::new("ReferenceProfile");
        if self.format_version != PROFILE_FORMAT_VERSION {
            return Err(DriftError::UnsupportedFormatVersion {
                found: self.format_version,
                supported: PROFILE_FORMAT_VERSION,
            });
        }
        check_params(&self.params).map_err(|e| match e {
            DriftError::Core(CoreError::InvalidParameter {
                name,
                value,
                reason,
            }) => c
                .fail(format!("params.{name}"), format!("is {value}: {reason}"))
                .into(),
            other => other,
        })?;
        c.count("rows", self.rows)?;
        let mut names = std::collections::BTreeSet::new();
        for (i, col) in self.columns.iter().enumerate() {
            let field = |f: &str| format!("columns[{i}].{f}");
            c.ensure(names.insert(col.name.as_str()), field("name"), || {
                format!("{:?} names two columns", col.name)
            })?;
            let total = match &col.summary {
                ColumnSummary::Numeric(s) => u128::from(s.count) + u128::from(s.missing),
                ColumnSummary::Categorical(s) => u128::from(s.count()) + u128::from(s.missing),
            };
            c.ensure(total == u128::from(self.rows), field("summary"), || {
                format!(
                    "accounts for {total} rows (values and missing entries) but the profile \
                     has {}",
                    self.rows
                )
            })?;
            if let ColumnSummary::Numeric(s) = &col.summary {
                let p = &self.params;
                c.ensure(
                    s.sample_cap == p.sample_cap && s.sketch_k == p.sketch_k && s.seed == p.seed,
                    field("summary"),
                    || {
                        format!(
                            "has sample_cap {}, sketch_k {}, seed {}; the profile's parameters \
                             are {}, {}, {}",
                            s.sample_cap, s.sketch_k, s.seed, p.sample_cap, p.sketch_k, p.seed
                        )
                    },
                )?;
                if let NumericValues::Exact(v) = &s.values {
                    c.ascending(&field("summary.values.data"), v, false)?;
                }
            }
        }
        let p = &self.params;
        let kind_of = |name: &str| self.column(name).map(|col| col.summary.kind());
        for (field, names, kind) in [
            (
                "params.categorical",
                &p.categorical,
                Some(ColumnKind::Categorical),
            ),
            ("params.numeric", &p.numeric, Some(ColumnKind::Numeric)),
            ("params.group_columns", &p.group_columns, None),
        ] {
            for (i, name) in names.iter().enumerate() {
                let found = kind_of(name);
                c.ensure(
                    found.is_some() && (kind.is_none() || found == kind),
                    format!("{field}[{i}]"),
                    || match found {
                        None => format!("names {name:?}, which is not a profiled column"),
                        Some(k) => format!("names {name:?}, which is profiled as {}", k),
                    },
                )?;
            }
        }
        if let Some(spec) = &p.prediction {
            c.ensure(
                kind_of(&spec.column).is_some(),
                "params.prediction.column",
                || format!("names {:?}, which is not a profiled column", spec.column),
            )?;
        }
        self.outputs.check(
            &c,
            "outputs",
            self.params.prediction.is_some(),
            self.params.group_columns.len(),
            self.rows,
        )?;
        Ok(())
    }

    /// Profiles `table`.
    ///
    /// # Examples
    /// ```
    /// use mlops_drift::table::{ColumnData, Table};
    /// use mlops_drift::{ProfileParams, ReferenceProfile};
    /// let income = [30.0, 42.0, f64::NAN, 55.0];
    /// let housing = [Some("rent"), Some("own"), None, Some("own")];
    /// let table = Table::new(vec![
    ///     ("income".into(), ColumnData::numeric(&income)),
    ///     ("housing".into(), ColumnData::categorical(&housing)),
    /// ])?;
    /// let p = ReferenceProfile::from_table(&table, &ProfileParams::default())?;
    /// let back = ReferenceProfile::from_json(&p.to_json()?)?;
    /// assert_eq!(back, p);
    /// # Ok::<(), mlops_drift::DriftError>(())
    /// ```
    ///
    /// # Errors
    /// [`DriftError::UnknownColumn`] for a column named in the parameters but absent,
    /// [`DriftError::ColumnTypeMismatch`] for a column forced numeric that holds text,
    /// [`DriftError::InvalidPrediction`] for a prediction that is not a 0/1 label (without a
    /// threshold), [`CoreError::InvalidParameter`] for a bad `sample_cap` or `sketch_k`,
    /// group columns without a prediction column, or a non-finite threshold.
    pub fn from_table(table: &Table<'_>, params: &ProfileParams) -> Result<Self, DriftError> {
        let mut p = Self::empty(table, params)?;
        p.add_table(table)?;
        p.finish_where(|_| true);
        Ok(p)
    }

    /// [`ReferenceProfile::from_table`] with the exact values of only the columns `sort`
    /// picks sorted into the canonical order, the others left in table order: for a profile
    /// used once and dropped (the one-shot report), where sorting columns whose tests do not
    /// depend on the order would be wasted work.
    pub(crate) fn from_table_sorting(
        table: &Table<'_>,
        params: &ProfileParams,
        sort: impl Fn(&str) -> bool + Sync,
    ) -> Result<Self, DriftError> {
        let mut p = Self::empty(table, params)?;
        p.add_table(table)?;
        p.finish_where(sort);
        Ok(p)
    }

    /// A profile with the columns of `table` and no rows yet.
    fn empty(table: &Table<'_>, params: &ProfileParams) -> Result<Self, DriftError> {
        check_params(params)?;
        for name in params
            .categorical
            .iter()
            .chain(&params.numeric)
            .chain(&params.group_columns)
            .chain(params.prediction.as_ref().map(|p| &p.column))
        {
            if table.column(name).is_none() {
                return Err(DriftError::UnknownColumn {
                    column: name.clone(),
                    available: table.columns().iter().map(|(n, _)| n.clone()).collect(),
                });
            }
        }
        if let Some(both) = params
            .categorical
            .iter()
            .find(|c| params.numeric.contains(c))
        {
            return Err(DriftError::invalid_parameter(
                "categorical",
                both.clone(),
                "a column cannot be forced both categorical and numeric",
            ));
        }
        let mut columns = Vec::with_capacity(table.columns().len());
        for (name, col) in table.columns() {
            let kind = if params.categorical.contains(name) {
                ColumnKind::Categorical
            } else if params.numeric.contains(name) {
                ColumnKind::Numeric
            } else {
                match col {
                    ColumnData::Numeric { .. } => ColumnKind::Numeric,
                    ColumnData::Categorical(_)
                    | ColumnData::Text(_)
                    | ColumnData::Factorized { .. } => ColumnKind::Categorical,
                }
            };
            check_fits(name, kind, col)?;
            let summary = match kind {
                ColumnKind::Numeric => ColumnSummary::Numeric(NumericSummary::new(
                    params.sample_cap,
                    params.sketch_k,
                    params.seed,
                )),
                ColumnKind::Categorical => {
                    ColumnSummary::Categorical(CategoricalSummary::default())
                }
            };
            columns.push(ColumnProfile {
                name: name.clone(),
                summary,
            });
        }
        Ok(Self {
            format_version: PROFILE_FORMAT_VERSION,
            rows: 0,
            params: params.clone(),
            columns,
            outputs: OutputTally::default(),
        })
    }

    fn add_table(&mut self, table: &Table<'_>) -> Result<(), DriftError> {
        if let Some(spec) = &self.params.prediction {
            count_outputs(table, spec, &self.params.group_columns, &mut self.outputs)?;
        }
        let add = |c: &mut ColumnProfile| -> Result<(), DriftError> {
            let col = table
                .column(&c.name)
                .ok_or_else(|| DriftError::MissingColumn {
                    column: c.name.clone(),
                })?;
            check_fits(&c.name, c.summary.kind(), col)?;
            c.summary.add_column(col)
        };
        let spread = parallel(table.rows(), self.columns.len());
        mlops_core::parallel::try_for_each_mut(spread, &mut self.columns, add)?;
        self.rows += table.rows() as u64;
        Ok(())
    }

    fn finish_where(&mut self, pick: impl Fn(&str) -> bool + Sync) {
        let sort = |c: &mut ColumnProfile| {
            if let ColumnSummary::Numeric(s) = &mut c.summary
                && pick(&c.name)
            {
                s.finish();
            }
        };
        let largest = self
            .columns
            .iter()
            .map(|c| match &c.summary {
                ColumnSummary::Numeric(s) => s.count as usize,
                ColumnSummary::Categorical(_) => 0,
            })
            .max()
            .unwrap_or(0);
        let spread = parallel(largest, self.columns.len());
        mlops_core::parallel::for_each_mut(spread, &mut self.columns, sort);
    }

    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Merges the profile of other (disjoint) rows: the result is the profile of both.
    ///
    /// # Examples
    /// ```
    /// use mlops_drift::table::{ColumnData, Table};
    /// use mlops_drift::{ProfileParams, ReferenceProfile};
    /// let (a, b) = ([1.0, 2.0], [3.0]);
    /// let p = |v| -> Result<ReferenceProfile, mlops_drift::DriftError> {
    ///     let t = Table::new(vec![("x".into(), ColumnData::numeric(v))])?;
    ///     ReferenceProfile::from_table(&t, &ProfileParams::default())
    /// };
    /// let mut merged = p(&a)?;
    /// merged.merge(&p(&b)?)?;
    /// assert_eq!(merged.rows, 3);
    /// # Ok::<(), mlops_drift::DriftError>(())
    /// ```
    ///
    /// # Errors
    /// [`DriftError::ProfileMismatch`] when the two profiles have different columns, kinds,
    /// or parameters (cap, sketch size, groups, prediction), or together more than `2^53`
    /// rows.
    pub fn merge(&mut self, other: &Self) -> Result<(), DriftError> {
        let mismatch = |column: &str, reason: String| DriftError::ProfileMismatch {
            column: column.to_owned(),
            reason,
        };
        let (a, b) = (&self.params, &other.params);
        if a.sample_cap != b.sample_cap
            || a.sketch_k != b.sketch_k
            || a.group_columns != b.group_columns
            || a.prediction != b.prediction
        {
            return Err(mismatch(
                "",
                "the profiles were built with different sample_cap, sketch_k, group columns \
                 or prediction; build every partition with the same parameters"
                    .to_owned(),
            ));
        }
        if self.columns.len() != other.columns.len() {
            return Err(mismatch(
                "",
                format!(
                    "one profile has {} columns, the other {}",
                    self.columns.len(),
                    other.columns.len()
                ),
            ));
        }
        for c in &self.columns {
            if other.column(&c.name).is_none() {
                return Err(mismatch(
                    &c.name,
                    "it is missing from the other profile".to_owned(),
                ));
            }
        }
        if self
            .rows
            .checked_add(other.rows)
            .is_none_or(|n| n > MAX_COUNT)
        {
            return Err(mismatch(
                "",
                format!(
                    "the merged profile would count more than 2^53 rows ({} + {})",
                    self.rows, other.rows
                ),
            ));
        }
        let cap = self.params.sample_cap;
        let mut merged = self.columns.clone();
        for c in &mut merged {
            if let Some(o) = other.column(&c.name) {
                c.summary.merge_with_cap(&c.name, &o.summary, cap)?;
            }
        }
        self.columns = merged;
        self.outputs.add(&other.outputs);
        self.rows += other.rows;
        self.finish_where(|_| true);
        Ok(())
    }

    /// The profile as JSON.
    ///
    /// # Errors
    /// [`DriftError::Serialization`] if serde fails (it does not for a valid profile).
    pub fn to_json(&self) -> Result<String, DriftError> {
        serde_json::to_string(self).map_err(|e| DriftError::Serialization {
            message: e.to_string(),
        })
    }

    /// Reads a profile written by [`ReferenceProfile::to_json`], in this format or in
    /// format 1 (whose output counts were keyed by text: they are read into keys where
    /// that is unambiguous).
    ///
    /// # Errors
    /// [`DriftError::Serialization`] for malformed JSON (a group listed twice included),
    /// [`DriftError::UnsupportedFormatVersion`] for a profile from a newer format, and
    /// [`DriftError::AmbiguousGroups`] for format 1 output counts that cannot be told apart
    /// (a group called `"(all)"` or `"(missing)"`, a value holding `", col="`): rebuild
    /// such a profile from the training data.
    pub fn from_json(json: &str) -> Result<Self, DriftError> {
        #[derive(Deserialize)]
        struct Version {
            format_version: u32,
        }
        let serde_err = |e: serde_json::Error| DriftError::Serialization {
            message: e.to_string(),
        };
        let v: Version = serde_json::from_str(json).map_err(serde_err)?;
        match v.format_version {
            PROFILE_FORMAT_VERSION => {
                let p: Self =
                    mlops_core::state::from_json::<RawProfile, _, _>("ReferenceProfile", json)?;
                check_params(&p.params)?;
                Ok(p)
            }
            1 => {
                let mut value: serde_json::Value = serde_json::from_str(json).map_err(serde_err)?;
                let object = value
                    .as_object_mut()
                    .ok_or_else(|| DriftError::Serialization {
                        message: "a profile is a JSON object".to_owned(),
                    })?;
                let old: BTreeMap<String, OutputCounts> = match object.remove("outputs") {
                    Some(o) => serde_json::from_value(o).map_err(serde_err)?,
                    None => BTreeMap::new(),
                };
                object.insert(
                    "outputs".to_owned(),
                    serde_json::to_value(OutputTally::default()).map_err(serde_err)?,
                );
                object.insert("format_version".to_owned(), PROFILE_FORMAT_VERSION.into());
                let mut p: Self = serde_json::from_value(value).map_err(serde_err)?;
                check_params(&p.params)?;
                p.outputs = OutputTally::from_v1(old, &p.params.group_columns)?;
                p.check_profile()?;
                Ok(p)
            }
            found => Err(DriftError::UnsupportedFormatVersion {
                found,
                supported: PROFILE_FORMAT_VERSION,
            }),
        }
    }
}

/// Whether per-column work on `rows` rows is worth spreading over threads (where the
/// switch in [`mlops_core::parallel`] allows it).
pub(crate) fn parallel(rows: usize, columns: usize) -> bool {
    columns > 1 && rows >= 20_000
}

fn check_params(params: &ProfileParams) -> Result<(), DriftError> {
    if params.sample_cap == 0 {
        return Err(DriftError::invalid_parameter(
            "sample_cap",
            "0",
            "expected at least 1 exact value per column before sketching",
        ));
    }
    if !params.group_columns.is_empty() && params.prediction.is_none() {
        return Err(DriftError::invalid_parameter(
            "group_columns",
            params.group_columns.join(", "),
            "group columns split the output rates; give the prediction column too",
        ));
    }
    if let Some(t) = params.prediction.as_ref().and_then(|p| p.threshold)
        && !t.is_finite()
    {
        return Err(DriftError::invalid_parameter(
            "threshold",
            t.to_string(),
            "expected a finite threshold",
        ));
    }
    QuantileSketch::new(params.sketch_k, params.seed).map(|_| ())
}
