//! Exact sums of floats: the weight of a block of tied scores, independent of the order in
//! which its rows arrive (row order, a sort's order, or partitions merged in any order).
//!
//! A sum is held as a list of non-overlapping partials whose exact (real) sum is the sum of
//! every value added (Shewchuk's "grow expansion", as behind Python's `math.fsum`), and is
//! read as that real number rounded to the nearest `f64` (ties to even). Two accumulators of
//! the same values therefore read the same bits, whatever the order of the additions.
//!
//! Every value added must be finite, and every partial sum finite: the workspace bounds
//! total weights ([`crate::input::MAX_TOTAL_WEIGHT`]), so no sum of weights overflows.

use serde::{Deserialize, Serialize};

/// An exact sum of finite floats.
///
/// # Examples
/// ```
/// use mlops_core::ExactSum;
/// let (mut a, mut b) = (ExactSum::default(), ExactSum::default());
/// for x in [0.1, 1e16, 0.2, -1e16] {
///     a.add(x);
/// }
/// for x in [-1e16, 0.2, 1e16, 0.1] {
///     b.add(x);
/// }
/// // Plain summation gives 0.0 in one order and 0.2 in the other.
/// assert_eq!(a.value(), b.value());
/// assert_eq!(a.value(), 0.30000000000000004); // the nearest float to 0.1 + 0.2, exactly summed
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExactSum {
    /// Non-overlapping partials, smallest magnitude first.
    partials: Vec<f64>,
}

impl ExactSum {
    /// A sum of one value.
    pub fn of(x: f64) -> Self {
        let mut s = Self::default();
        s.add(x);
        s
    }

    /// Adds `x` exactly.
    pub fn add(&mut self, mut x: f64) {
        if x == 0.0 {
            return;
        }
        let mut kept = 0;
        for j in 0..self.partials.len() {
            let mut y = self.partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                self.partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        self.partials.truncate(kept);
        if x != 0.0 {
            self.partials.push(x);
        }
    }

    /// Back to zero, keeping the allocation.
    pub fn clear(&mut self) {
        self.partials.clear();
    }

    /// Adds every partial of `other` (exactly).
    pub fn merge(&mut self, other: &Self) {
        for &x in &other.partials {
            self.add(x);
        }
    }

    /// The partials (their exact sum is the sum).
    pub fn partials(&self) -> &[f64] {
        &self.partials
    }

    /// The sum rounded to the nearest `f64`, ties to even.
    pub fn value(&self) -> f64 {
        let p = &self.partials;
        let Some(&top) = p.last() else { return 0.0 };
        let mut n = p.len() - 1;
        let mut hi = top;
        let mut lo = 0.0;
        while n > 0 {
            let x = hi;
            n -= 1;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        // `hi + lo` is exact; when `lo` is exactly half an ulp of `hi`, the partials below
        // decide which way the tie breaks.
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            if x - hi == y {
                hi = x;
            }
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The unit of the fixed-point oracle: every value the property test draws is an
    /// integer multiple of 2^-62, and every sum of a dozen of them fits an `i128`.
    const UNIT_EXP: i32 = -62;

    /// The exact sum in units of 2^-62.
    fn exact(values: &[f64]) -> i128 {
        values
            .iter()
            .map(|&x| {
                let scaled = x * 2f64.powi(-UNIT_EXP);
                assert_eq!(scaled.fract(), 0.0);
                scaled as i128
            })
            .sum()
    }

    /// The integer `n * 2^-62` rounded to the nearest f64, ties to even, by integer
    /// arithmetic on its bits.
    fn round(n: i128) -> f64 {
        let mag = n.unsigned_abs();
        if mag == 0 {
            return 0.0;
        }
        let top = 127 - mag.leading_zeros() as i32; // highest set bit
        let shift = (top - 52).max(0);
        let mut mant = mag >> shift;
        if shift > 0 {
            let half = 1u128 << (shift - 1);
            let rest = mag & ((1u128 << shift) - 1);
            if rest > half || (rest == half && mant & 1 == 1) {
                mant += 1;
            }
        }
        let v = (mant as f64) * 2f64.powi(shift + UNIT_EXP);
        if n < 0 { -v } else { v }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        /// Any order of the same values reads the same bits, and those are the correctly
        /// rounded exact sum (checked by fixed-point arithmetic on the bits).
        #[test]
        fn order_free_and_correctly_rounded(
            raw in proptest::collection::vec((-10i32..10, 1u64..(1 << 53), any::<bool>()), 1..12),
            seed in any::<u64>(),
        ) {
            let values: Vec<f64> = raw
                .iter()
                .map(|&(e, m, neg)| {
                    let v = (m as f64) * 2f64.powi(e - 52);
                    if neg { -v } else { v }
                })
                .collect();
            let mut a = ExactSum::default();
            values.iter().for_each(|&x| a.add(x));
            let mut shuffled = values.clone();
            let mut s = seed;
            for i in (1..shuffled.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                shuffled.swap(i, (s >> 33) as usize % (i + 1));
            }
            // Also as a merge of two halves.
            let (l, r) = shuffled.split_at(shuffled.len() / 2);
            let (mut b, mut c) = (ExactSum::default(), ExactSum::default());
            l.iter().for_each(|&x| b.add(x));
            r.iter().for_each(|&x| c.add(x));
            c.merge(&b);
            prop_assert_eq!(a.value().to_bits(), c.value().to_bits());
            prop_assert_eq!(a.value().to_bits(), round(exact(&values)).to_bits());
        }
    }

    #[test]
    fn half_way_cases_round_to_even() {
        // 1 + 2^-53 is half way between 1 and 1 + 2^-52: ties to even gives 1; a tiny
        // extra term below breaks the tie upwards.
        let mut s = ExactSum::of(1.0);
        s.add(2f64.powi(-53));
        assert_eq!(s.value(), 1.0);
        s.add(2f64.powi(-100));
        assert_eq!(s.value(), 1.0 + 2f64.powi(-52));
    }
}
