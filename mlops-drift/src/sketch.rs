//! A mergeable quantile sketch (KLL) for numeric columns too large to keep exactly.
//!
//! [`QuantileSketch`] is the sketch of Karnin, Lang and Liberty (2016), "Optimal Quantile
//! Approximation in Streams", FOCS: a stack of compactors, level `h` holding items of weight
//! `2^h`; level `h` of `H` holds at most `max(8, ceil(k (2/3)^(H-1-h)))` items. A full level
//! is sorted and *compacted*: every other item (starting at a random offset, 0 or 1) moves up
//! one level with twice the weight, and an odd item out stays. Two sketches merge by
//! concatenating their levels and compacting, so sketches of disjoint partitions merge into a
//! sketch of the whole with the same guarantee. Memory is `O(k)` items (about `3k + 8H`)
//! whatever the number of values.
//!
//! # Error bound
//! For a fixed query value `x`, one compaction at level `h` changes the estimated rank of
//! `x` by `0` or `±2^h`, each sign with probability 1/2 given the past (the offset is a fair
//! coin): the errors form a martingale difference sequence with increments bounded by `2^h`.
//! By the Azuma-Hoeffding inequality, with `V = Σ 4^{h_i}` over all compactions done so far
//! (including those done in merged sketches),
//!
//! `P(|rank_estimate(x) - rank(x)| >= t) <= 2 exp(-t^2 / (2 V))`,
//!
//! so with probability at least `1 - δ` the rank error of a query is at most
//! `sqrt(2 V ln(2/δ))` ([`QuantileSketch::rank_error_bound`]); the sketch tracks `V`
//! exactly, so the bound is computed for the data seen rather than quoted for the worst
//! case. The deterministic worst case, `Σ 2^{h_i}`, is [`QuantileSketch::max_rank_error`].
//! For `k = 200` the probabilistic bound at `δ = 0.01` is about 1-2% of `n` (the KLL paper's
//! `O(sqrt(log(1/δ)) / k)`); `tests/profile.rs` checks it empirically on seeded data.
//!
//! The coins come from SplitMix64 (Steele, Lea and Flood 2014) on a counter, so the whole
//! state is plain numbers (serialisable) and a seeded sketch is reproducible.

use serde::{Deserialize, Serialize};

use mlops_core::state::{Checker, MAX_COUNT};

use crate::DriftError;

/// The smallest capacity of a level (DataSketches' `m = 8`): lower levels then compact
/// eight items at a time rather than two, which keeps updates cheap; the error bound is
/// computed from the compactions actually done, so it stays valid.
const MIN_LEVEL_CAPACITY: usize = 8;

/// Default number of items of the top compactor (`k`).
pub const DEFAULT_SKETCH_K: u16 = 200;

/// A KLL quantile sketch of finite `f64` values (see the [module documentation](self)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawSketch")]
pub struct QuantileSketch {
    k: u16,
    n: u64,
    /// `+inf` while empty (written as `"inf"`).
    #[serde(with = "mlops_core::serde_float::scalar")]
    min: f64,
    /// `-inf` while empty.
    #[serde(with = "mlops_core::serde_float::scalar")]
    max: f64,
    /// `levels[h]` holds items of weight `2^h`.
    levels: Vec<Vec<f64>>,
    /// `Σ 4^h` over every compaction (the Azuma variance proxy).
    variance_proxy: f64,
    /// `Σ 2^h` over every compaction (deterministic worst case).
    worst_case: f64,
    /// SplitMix64 state.
    rng: u64,
}

/// Levels a sketch may have: level `h` holds items of weight `2^h`, and a `u64` count
/// reaches level 63 at most.
const MAX_LEVELS: usize = 64;

/// The serialised form of [`QuantileSketch`], checked on the way in.
#[derive(Deserialize)]
struct RawSketch {
    k: u16,
    n: u64,
    #[serde(with = "mlops_core::serde_float::scalar")]
    min: f64,
    #[serde(with = "mlops_core::serde_float::scalar")]
    max: f64,
    levels: Vec<Vec<f64>>,
    variance_proxy: f64,
    worst_case: f64,
    rng: u64,
}

impl TryFrom<RawSketch> for QuantileSketch {
    type Error = DriftError;

    /// Checks what the sketch's methods rely on: `k >= 8`; between 1 and 64 levels of
    /// finite items; a count equal to the items' total weight `sum |level h| 2^h` (and at
    /// most `2^53`); the exact minimum and maximum (`+inf`/`-inf` when empty) bracketing
    /// every item; error-bound accumulators finite, non-negative and consistent
    /// (`sum 4^h <= (sum 2^h)^2`).
    fn try_from(r: RawSketch) -> Result<Self, DriftError> {
        let c = Checker::new("QuantileSketch");
        c.ensure(r.k >= 8, "k", || format!("is {}; expected at least 8", r.k))?;
        c.ensure((1..=MAX_LEVELS).contains(&r.levels.len()), "levels", || {
            format!("has {} levels; expected 1 to {MAX_LEVELS}", r.levels.len())
        })?;
        let mut weight: u128 = 0;
        for (h, level) in r.levels.iter().enumerate() {
            c.all_finite(&format!("levels[{h}]"), level)?;
            weight += (level.len() as u128) << h;
        }
        c.count("n", r.n)?;
        c.ensure(weight == u128::from(r.n), "n", || {
            format!("is {} but the retained items weigh {weight} in all", r.n)
        })?;
        if r.n == 0 {
            c.ensure(
                r.min == f64::INFINITY && r.max == f64::NEG_INFINITY,
                "min",
                || "an empty sketch has min = inf and max = -inf".to_owned(),
            )?;
        } else {
            c.finite("min", r.min)?;
            c.finite("max", r.max)?;
            c.ensure(r.min <= r.max, "max", || {
                format!("is {} below min = {}", r.max, r.min)
            })?;
            for (h, level) in r.levels.iter().enumerate() {
                c.all_within(&format!("levels[{h}]"), level, r.min, r.max)?;
            }
        }
        c.within("worst_case", r.worst_case, 0.0, f64::MAX)?;
        c.within("variance_proxy", r.variance_proxy, 0.0, f64::MAX)?;
        c.ensure(
            r.variance_proxy <= r.worst_case * r.worst_case,
            "variance_proxy",
            || {
                format!(
                    "is {} but a sum of 4^h cannot exceed the square of the sum of 2^h ({})",
                    r.variance_proxy, r.worst_case
                )
            },
        )?;
        Ok(Self {
            k: r.k,
            n: r.n,
            min: r.min,
            max: r.max,
            levels: r.levels,
            variance_proxy: r.variance_proxy,
            worst_case: r.worst_case,
            rng: r.rng,
        })
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl QuantileSketch {
    /// An empty sketch with top-compactor size `k` and the seed of its coins.
    ///
    /// # Examples
    /// ```
    /// use mlops_drift::sketch::QuantileSketch;
    /// let mut s = QuantileSketch::new(200, 7)?;
    /// s.extend((0..100_000).map(f64::from));
    /// let median = s.quantile(0.5).unwrap();
    /// let bound = s.rank_error_bound(0.01) / s.count() as f64; // normalised rank error
    /// assert!((median / 100_000.0 - 0.5).abs() <= bound + 1e-5);
    /// # Ok::<(), mlops_drift::DriftError>(())
    /// ```
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) naming `sketch_k`
    /// when `k < 8`.
    pub fn new(k: u16, seed: u64) -> Result<Self, DriftError> {
        if k < 8 {
            return Err(DriftError::invalid_parameter(
                "sketch_k",
                k.to_string(),
                "expected at least 8 (200 gives about 1-2% rank error)",
            ));
        }
        Ok(Self {
            k,
            n: 0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
            levels: vec![Vec::new()],
            variance_proxy: 0.0,
            worst_case: 0.0,
            rng: seed,
        })
    }

    /// The top-compactor size `k`.
    pub fn k(&self) -> u16 {
        self.k
    }

    /// Number of values summarised.
    pub fn count(&self) -> u64 {
        self.n
    }

    /// The smallest value seen (exact); `None` when empty.
    pub fn min(&self) -> Option<f64> {
        (self.n > 0).then_some(self.min)
    }

    /// The largest value seen (exact); `None` when empty.
    pub fn max(&self) -> Option<f64> {
        (self.n > 0).then_some(self.max)
    }

    fn capacity(&self, level: usize) -> usize {
        let depth = self.levels.len() - 1 - level;
        let cap = f64::from(self.k) * (2.0f64 / 3.0).powi(depth as i32);
        (cap.ceil() as usize).max(MIN_LEVEL_CAPACITY)
    }

    fn capacities(&self) -> Vec<usize> {
        (0..self.levels.len()).map(|h| self.capacity(h)).collect()
    }

    fn retained(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }

    /// Adds one value; non-finite values are the caller's to filter (they are ignored).
    pub fn update(&mut self, value: f64) {
        if !value.is_finite() {
            return;
        }
        self.n += 1;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
        self.levels[0].push(value);
        if self.levels[0].len() >= self.capacity(0) {
            self.compress();
        }
    }

    /// Adds many values (non-finite ones are ignored).
    pub fn extend(&mut self, values: impl IntoIterator<Item = f64>) {
        let mut cap0 = self.capacity(0);
        for value in values {
            if !value.is_finite() {
                continue;
            }
            self.n += 1;
            self.min = self.min.min(value);
            self.max = self.max.max(value);
            self.levels[0].push(value);
            if self.levels[0].len() >= cap0 {
                self.compress();
                cap0 = self.capacity(0);
            }
        }
    }

    /// Compacts the lowest full level until every level is within its capacity (KLL's
    /// rule), with the capacities recomputed only when a level is added.
    fn compress(&mut self) {
        let mut caps = self.capacities();
        loop {
            let over_total = self.retained() > caps.iter().sum::<usize>();
            let over_level = self.levels.iter().zip(&caps).any(|(l, &c)| l.len() > c);
            if !(over_total || over_level) {
                break;
            }
            let Some(h) = (0..self.levels.len()).find(|&h| self.levels[h].len() >= caps[h]) else {
                break;
            };
            let depth = self.levels.len();
            self.compact(h);
            if self.levels.len() != depth {
                caps = self.capacities();
            }
        }
    }

    fn compact(&mut self, h: usize) {
        if h + 1 == self.levels.len() {
            self.levels.push(Vec::new());
        }
        let mut items = std::mem::take(&mut self.levels[h]);
        items.sort_unstable_by(f64::total_cmp);
        // An odd item out stays behind (the largest), so an even number is compacted.
        let keep = if items.len() % 2 == 1 {
            items.pop()
        } else {
            None
        };
        let offset = (splitmix64(&mut self.rng) & 1) as usize;
        let promoted: Vec<f64> = items.iter().skip(offset).step_by(2).copied().collect();
        self.levels[h + 1].extend(promoted);
        self.levels[h].extend(keep);
        let weight = 2f64.powi(h as i32);
        self.variance_proxy += weight * weight;
        self.worst_case += weight;
    }

    /// Merges `other` into `self`: the result summarises both streams.
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`](mlops_core::CoreError::InvalidParameter) naming `sketch_k`
    /// when the two sketches were made with different `k`, or `other` when the merged count would
    /// pass `2^53`.
    pub fn merge(&mut self, other: &Self) -> Result<(), DriftError> {
        if self.k != other.k {
            return Err(DriftError::invalid_parameter(
                "sketch_k",
                other.k.to_string(),
                format!(
                    "cannot merge sketches made with k = {} and k = {}",
                    self.k, other.k
                ),
            ));
        }
        if other.n == 0 {
            return Ok(());
        }
        let n = self
            .n
            .checked_add(other.n)
            .filter(|&n| n <= MAX_COUNT)
            .ok_or_else(|| {
                DriftError::invalid_parameter(
                    "other",
                    other.n.to_string(),
                    format!(
                        "the merged sketch would count more than 2^53 values ({} + {})",
                        self.n, other.n
                    ),
                )
            })?;
        self.n = n;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        while self.levels.len() < other.levels.len() {
            self.levels.push(Vec::new());
        }
        for (mine, theirs) in self.levels.iter_mut().zip(&other.levels) {
            mine.extend_from_slice(theirs);
        }
        self.variance_proxy += other.variance_proxy;
        self.worst_case += other.worst_case;
        let mut mix = other.rng;
        self.rng ^= splitmix64(&mut mix);
        self.compress();
        Ok(())
    }

    /// The retained items with their weights, sorted by value (ties kept apart).
    pub fn weighted_items(&self) -> Vec<(f64, u64)> {
        let mut out: Vec<(f64, u64)> = self
            .levels
            .iter()
            .enumerate()
            .flat_map(|(h, l)| l.iter().map(move |&v| (v, 1u64 << h)))
            .collect();
        out.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
        out
    }

    /// Estimated number of values `<= x`.
    pub fn rank(&self, x: f64) -> f64 {
        self.levels
            .iter()
            .enumerate()
            .map(|(h, l)| (l.iter().filter(|&&v| v <= x).count() as f64) * 2f64.powi(h as i32))
            .sum()
    }

    /// Estimated `q`-quantile: the smallest retained value whose estimated rank reaches
    /// `q n`; `None` when empty or `q` is outside `[0, 1]`.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.n == 0 || !(0.0..=1.0).contains(&q) {
            return None;
        }
        let items = self.weighted_items();
        let total: u64 = items.iter().map(|(_, w)| w).sum();
        let target = q * total as f64;
        let mut acc = 0u64;
        for (v, w) in &items {
            acc += w;
            if acc as f64 >= target {
                return Some(*v);
            }
        }
        Some(self.max)
    }

    /// With probability at least `1 - delta`, the rank error of one query is at most this
    /// many values (Azuma-Hoeffding; see the [module documentation](self)). 0 while no
    /// compaction has happened (the sketch is then exact).
    pub fn rank_error_bound(&self, delta: f64) -> f64 {
        if !(delta > 0.0 && delta < 1.0) {
            return self.worst_case;
        }
        (2.0 * self.variance_proxy * (2.0 / delta).ln())
            .sqrt()
            .min(self.worst_case)
    }

    /// The deterministic worst-case rank error, `Σ 2^h` over the compactions.
    pub fn max_rank_error(&self) -> f64 {
        self.worst_case
    }

    /// Number of retained items (memory use is about 8 bytes each).
    pub fn retained_items(&self) -> usize {
        self.retained()
    }
}
