//! Where the difference of the two empirical CDFs is extreme: one merge of the sorted
//! samples ([`Sweep::run`]), or the same extremes found from bucket counts without sorting
//! everything ([`Sweep::bucketed`]).

use mlops_core::radix::{from_order_key, order_key};

use super::{PARALLEL_MIN, fold_zero};

/// Where a difference of the empirical CDFs is extreme.
#[derive(Debug, Clone, Copy)]
pub(super) struct Extreme {
    /// `i/m - j/n` as floats, exactly as SciPy evaluates it.
    pub(super) diff: f64,
    /// The value where it is attained.
    pub(super) location: f64,
    /// Reference observations `<= location`.
    pub(super) i: usize,
    /// Current observations `<= location`.
    pub(super) j: usize,
}

/// The largest and smallest `F - G` over the pooled values.
pub(super) struct Sweep {
    pub(super) max: Extreme,
    pub(super) min: Extreme,
}

/// An observation of a sorted sample: a value, and how many times it was seen (1 for a
/// plain value; a sketch's item stands for many).
pub(crate) trait Observation: Copy {
    /// The value.
    fn value(self) -> f64;
    /// How many observations it stands for.
    fn count(self) -> u64;
}

impl Observation for f64 {
    fn value(self) -> f64 {
        self
    }
    fn count(self) -> u64 {
        1
    }
}

impl Observation for (f64, u64) {
    fn value(self) -> f64 {
        self.0
    }
    fn count(self) -> u64 {
        self.1
    }
}

/// The best maximum and minimum of `F - G` so far, separately among the values present in
/// the reference sample and in the current one (SciPy's tie-break needs both).
#[derive(Default)]
struct Candidates {
    max: [Option<Extreme>; 2],
    min: [Option<Extreme>; 2],
}

impl Candidates {
    /// `e`, at a value present in the reference sample (`in_x`) and/or the current one.
    fn offer(&mut self, e: Extreme, in_x: bool, in_y: bool) {
        for (side, present) in [(0, in_x), (1, in_y)] {
            if !present {
                continue;
            }
            if self.max[side].is_none_or(|b| e.diff > b.diff) {
                self.max[side] = Some(e);
            }
            if self.min[side].is_none_or(|b| e.diff < b.diff) {
                self.min[side] = Some(e);
            }
        }
    }

    /// SciPy's tie-break between the reference-side and current-side candidates.
    fn finish(self) -> Sweep {
        let pick = |c: [Option<Extreme>; 2], better: fn(f64, f64) -> bool| -> Extreme {
            match c {
                [Some(x), Some(y)] => {
                    if better(y.diff, x.diff) {
                        y
                    } else {
                        x
                    }
                }
                [Some(x), None] | [None, Some(x)] => x,
                // Both samples are non-empty, so both candidates exist.
                [None, None] => Extreme {
                    diff: 0.0,
                    location: 0.0,
                    i: 0,
                    j: 0,
                },
            }
        };
        Sweep {
            max: pick(self.max, |a, b| a > b),
            min: pick(self.min, |a, b| a < b),
        }
    }
}

impl Sweep {
    /// One merge of the two sorted samples. SciPy takes the first extreme in the order
    /// "sorted reference, then sorted current", so a value of `reference` wins a tie with
    /// one of `current`, and smaller values win among each.
    ///
    /// Observations may carry counts (a sketch's items): `F` and `G` are then the weighted
    /// empirical CDFs, and `i`, `j` of an [`Extreme`] count observations with multiplicity.
    pub(super) fn run<T: Observation>(xs: &[T], ys: &[T]) -> Self {
        let total = |s: &[T]| s.iter().map(|o| o.count()).sum::<u64>() as f64;
        let (m, n) = (total(xs), total(ys));
        let mut candidates = Candidates::default();
        // Positions in the samples and observations seen so far.
        let (mut a, mut b) = (0, 0);
        let (mut i, mut j) = (0u64, 0u64);
        while a < xs.len() || b < ys.len() {
            let v = match (xs.get(a), ys.get(b)) {
                (Some(x), Some(y)) => x.value().min(y.value()),
                (Some(x), None) => x.value(),
                (None, Some(y)) => y.value(),
                (None, None) => break,
            };
            let (a0, b0) = (a, b);
            while a < xs.len() && xs[a].value() == v {
                i += xs[a].count();
                a += 1;
            }
            while b < ys.len() && ys[b].value() == v {
                j += ys[b].count();
                b += 1;
            }
            let e = Extreme {
                diff: i as f64 / m - j as f64 / n,
                location: v,
                i: i as usize,
                j: j as usize,
            };
            candidates.offer(e, a > a0, b > b0);
        }
        candidates.finish()
    }

    /// The same extremes as [`Sweep::run`] without sorting the samples: three linear
    /// passes and a sort of the few values that can matter.
    ///
    /// Values go into buckets by their order-preserving bit pattern: first `2^coarse_bits`
    /// coarse buckets by its top bits, then each coarse bucket split into a power of two of
    /// fine buckets, about one per `per_bucket` values it holds, so that fine buckets hold
    /// few values wherever the data are dense. Prefix counts give `F - G` at the end of
    /// every fine bucket (attained at its largest value), which bounds the extremes:
    /// `max(F - G) >= LB`, `min(F - G) <= UB`. Inside a bucket starting from counts
    /// `(i, j)` and holding `(a, b)` values, `F - G` lies in `[i/m - (j + b)/n,
    /// (i + a)/m - j/n]` (floating-point division and subtraction are monotone, so this
    /// holds for the computed differences too). Only buckets whose range reaches `LB` or
    /// `UB` can hold an extreme; their values are collected, sorted and swept from the
    /// bucket's prefix counts by the rules of [`Sweep::run`]. Every value attaining an
    /// extreme lies in such a bucket, so the first occurrence (SciPy's location) is found,
    /// and the per-sample candidates of other buckets never win the tie-break. Heavy ties
    /// only make the sorted buckets larger.
    ///
    /// `None` when a value is not finite: the histogram pass checks it on the way, which
    /// spares a separate validation pass over both samples.
    pub(super) fn bucketed(
        xs: &[f64],
        ys: &[f64],
        coarse_bits: u32,
        per_bucket: usize,
    ) -> Option<Self> {
        let key = |v: f64| order_key(fold_zero(v));
        let low_bits = 64 - coarse_bits;
        let low_mask = (1u64 << low_bits) - 1;
        let coarse_of = |k: u64| (k >> low_bits) as usize;
        // The passes over the two samples are independent: run them side by side.
        let parallel = xs.len().min(ys.len()) >= PARALLEL_MIN;
        // The coarse histogram only sizes the fine buckets (any bucketing gives the same
        // extremes; density only sets how many values share a bucket), so it reads a regular
        // sample of about 2^15 values per side: a few cache lines in eight, not every one.
        let histogram = |values: &[f64]| {
            let step = (values.len() >> 15).max(1);
            let mut h = vec![0usize; 1 << coarse_bits];
            for &v in values.iter().step_by(step) {
                h[coarse_of(key(v))] += step;
            }
            h
        };
        let (mut coarse, coarse_y) =
            mlops_core::parallel::join(parallel, || histogram(xs), || histogram(ys));
        for (c, y) in coarse.iter_mut().zip(&coarse_y) {
            *c += y;
        }
        // Fine buckets: offset and shift per coarse bucket.
        // (offset of the first fine bucket, shift of the key's low bits) per coarse bucket;
        // at least one per coarse bucket, since the sample may miss values that are there.
        let mut fine: Vec<(usize, u32)> = vec![(0, 0); coarse.len()];
        let mut total = 0usize;
        for (&c, f) in coarse.iter().zip(fine.iter_mut()) {
            let want = c.div_ceil(per_bucket.max(1)).max(1);
            let sub_bits = (usize::BITS - (want - 1).leading_zeros()).min(low_bits);
            *f = (total, low_bits - sub_bits);
            total += 1usize << sub_bits;
        }
        let fine_of = |k: u64| {
            let (offset, shift) = fine[coarse_of(k)];
            offset + ((k & low_mask) >> shift) as usize
        };
        let fine_histogram = |values: &[f64]| {
            let mut h = vec![0u32; total];
            let mut finite = true;
            for &v in values {
                finite &= v.is_finite();
                h[fine_of(key(v))] += 1;
            }
            (h, finite)
        };
        let ((fx, finite_x), (fy, finite_y)) =
            mlops_core::parallel::join(parallel, || fine_histogram(xs), || fine_histogram(ys));
        if !(finite_x && finite_y) {
            return None;
        }
        let counts: Vec<[u32; 2]> = fx.iter().zip(&fy).map(|(&a, &b)| [a, b]).collect();
        let (m, n) = (xs.len() as f64, ys.len() as f64);
        let diff = |i: usize, j: usize| i as f64 / m - j as f64 / n;

        let mut lb = f64::NEG_INFINITY;
        let mut ub = f64::INFINITY;
        let (mut i, mut j) = (0usize, 0usize);
        for &[a, b] in &counts {
            if a + b == 0 {
                continue;
            }
            i += a as usize;
            j += b as usize;
            let d = diff(i, j);
            lb = lb.max(d);
            ub = ub.min(d);
        }
        // Candidate buckets and the counts before each.
        let mut start: Vec<Option<(usize, usize)>> = vec![None; total];
        let (mut i, mut j) = (0usize, 0usize);
        for (&[a, b], s) in counts.iter().zip(start.iter_mut()) {
            if a + b == 0 {
                continue;
            }
            let (a, b) = (a as usize, b as usize);
            if diff(i + a, j) >= lb || diff(i, j + b) <= ub {
                *s = Some((i, j));
            }
            i += a;
            j += b;
        }
        // The candidate buckets as a bitset, tested once per value: a few kilobytes that stay
        // in L1, where `start` (24 bytes a bucket) missed the cache on most values.
        let mut candidate = vec![0u64; total.div_ceil(64)];
        for (b, s) in start.iter().enumerate() {
            if s.is_some() {
                candidate[b / 64] |= 1 << (b % 64);
            }
        }
        let is_candidate = |b: usize| candidate[b / 64] >> (b % 64) & 1 == 1;
        let collect = |values: &[f64], is_y: bool| -> Vec<(u64, bool)> {
            values
                .iter()
                .map(|&v| key(v))
                .filter(|&k| is_candidate(fine_of(k)))
                .map(|k| (k, is_y))
                .collect()
        };
        let (mut items, items_y) =
            mlops_core::parallel::join(parallel, || collect(xs, false), || collect(ys, true));
        items.extend(items_y);
        items.sort_unstable_by_key(|&(k, _)| k);

        let mut candidates = Candidates::default();
        let mut current_bucket = usize::MAX;
        let (mut i, mut j) = (0usize, 0usize);
        let mut t = 0;
        while t < items.len() {
            let k = items[t].0;
            let b = fine_of(k);
            if b != current_bucket {
                current_bucket = b;
                (i, j) = start[b].unwrap_or((i, j));
            }
            let (mut in_x, mut in_y) = (false, false);
            while t < items.len() && items[t].0 == k {
                if items[t].1 {
                    j += 1;
                    in_y = true;
                } else {
                    i += 1;
                    in_x = true;
                }
                t += 1;
            }
            let e = Extreme {
                diff: diff(i, j),
                location: from_order_key(k),
                i,
                j,
            };
            candidates.offer(e, in_x, in_y);
        }
        Some(candidates.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DriftError;
    use crate::ks::{
        COARSE_BITS, KsParams, VALUES_PER_BUCKET, ks_2samp, names, sorted, weighted_distance,
    };

    #[test]
    fn bucketed_sweep_with_a_sampled_coarse_histogram_finds_the_same_extremes() {
        // Sizes where the coarse pass reads a sample: values the sample misses (a lone far
        // outlier, a tiny cluster) must still have buckets.
        let mut state = 0x1234_5678_9ABC_DEF1_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for (m, n, levels) in [(200_000, 150_000, 0.0), (100_000, 300_000, 1000.0)] {
            let mut draw = |count: usize, shift: f64| -> Vec<f64> {
                (0..count)
                    .map(|_| {
                        let v = next() + shift;
                        if levels > 0.0 {
                            (v * levels).round() / levels
                        } else {
                            v
                        }
                    })
                    .collect()
            };
            let mut xs = draw(m, 0.0);
            let mut ys = draw(n, 0.01);
            xs[77] = -1.0e300;
            ys[5] = 7.5e-200;
            ys[6] = -3.0;
            let full = Sweep::run(&sorted(&xs), &sorted(&ys));
            let Some(b) = Sweep::bucketed(&xs, &ys, COARSE_BITS, VALUES_PER_BUCKET) else {
                panic!("finite samples were refused");
            };
            for (e, f) in [(b.max, full.max), (b.min, full.min)] {
                assert_eq!(
                    (e.diff.to_bits(), e.location.to_bits(), e.i, e.j),
                    (f.diff.to_bits(), f.location.to_bits(), f.i, f.j)
                );
            }
        }
    }

    #[test]
    fn bucketed_sweep_refuses_non_finite_values_for_validation_to_name() {
        let mut xs: Vec<f64> = (0..20_000).map(f64::from).collect();
        let ys = xs.clone();
        assert!(Sweep::bucketed(&xs, &ys, COARSE_BITS, VALUES_PER_BUCKET).is_some());
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            xs[12_345] = bad;
            assert!(Sweep::bucketed(&xs, &ys, COARSE_BITS, VALUES_PER_BUCKET).is_none());
            assert!(Sweep::bucketed(&ys, &xs, COARSE_BITS, VALUES_PER_BUCKET).is_none());
            let err = ks_2samp(&ys, &xs, KsParams::default()).unwrap_err();
            assert!(matches!(
                err,
                DriftError::Core(mlops_core::CoreError::NotFinite { ref input, index: 12_345, .. })
                    if input == names::CURRENT
            ));
        }
    }

    #[test]
    fn bucketed_sweep_finds_the_same_extremes_as_the_full_sweep() {
        // xorshift, seeded: tie-heavy and continuous samples, few and many buckets.
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for case in 0..400 {
            let m = 1 + (next() * 300.0) as usize;
            let n = 1 + (next() * 300.0) as usize;
            let levels = [2.0, 5.0, 40.0, 1e6][case % 4];
            let shift = next() * 0.3;
            let mut draw = |count: usize, s: f64| -> Vec<f64> {
                (0..count)
                    .map(|_| {
                        let v = ((next() + s) * levels).round() / levels - 0.5;
                        if v == 0.0 && case % 3 == 0 { -0.0 } else { v }
                    })
                    .collect()
            };
            let xs = draw(m, 0.0);
            let ys = draw(n, shift);
            let full = Sweep::run(&sorted(&xs), &sorted(&ys));
            for (bits, per) in [(1, 1), (3, 4), (6, 1000), (16, 16), (12, 2)] {
                let Some(b) = Sweep::bucketed(&xs, &ys, bits, per) else {
                    panic!("case {case}: finite samples were refused");
                };
                for (e, f) in [(b.max, full.max), (b.min, full.min)] {
                    assert_eq!(
                        (e.diff.to_bits(), e.location.to_bits(), e.i, e.j),
                        (f.diff.to_bits(), f.location.to_bits(), f.i, f.j),
                        "case {case} bits {bits}"
                    );
                }
            }
        }
    }

    /// The weighted sweep against a brute force: at every pooled value, the weighted
    /// CDFs counted from scratch.
    #[test]
    fn weighted_distance_is_the_largest_gap_of_the_weighted_cdfs() {
        let mut state = 0x2545_F491_4F6C_DD1D_u64;
        let mut next = move |k: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % k
        };
        for _ in 0..300 {
            let mut draw = || -> Vec<(f64, u64)> {
                let mut v: Vec<(f64, u64)> = (0..1 + next(12))
                    .map(|_| (next(20) as f64 / 4.0, 1 + next(5)))
                    .collect();
                v.sort_unstable_by(|a, b| a.0.total_cmp(&b.0));
                v
            };
            let (xs, ys) = (draw(), draw());
            let cdf = |s: &[(f64, u64)], t: f64| {
                let total: u64 = s.iter().map(|o| o.1).sum();
                let below: u64 = s.iter().filter(|o| o.0 <= t).map(|o| o.1).sum();
                below as f64 / total as f64
            };
            let brute = xs
                .iter()
                .chain(&ys)
                .map(|&(t, _)| (cdf(&xs, t) - cdf(&ys, t)).abs())
                .fold(0.0, f64::max);
            assert_eq!(weighted_distance(&xs, &ys), brute, "{xs:?} {ys:?}");
        }
    }
}
