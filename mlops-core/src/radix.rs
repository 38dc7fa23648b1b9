//! Sorting finite `f64` keys by their bits: one MSD bucket pass then small in-cache sorts,
//! faster than a comparison sort on the large inputs this library sees, in safe Rust.
//!
//! A finite `f64` maps to a `u64` that orders like the float (flip every bit of a negative
//! number, only the sign bit of a positive one). One pass scatters the `u64`s into up to
//! 2^16 buckets (about eight keys each) by the bits just below the prefix all keys share (the sign and exponent
//! bits of scores in `[0, 1]`, say, are skipped rather than sorted), and each bucket, small
//! and in cache, is sorted by comparison: two passes over the data where an LSD radix sort
//! needs up to eight.
//! Inputs must be NaN-free and have `-0.0` already folded into `0.0` (validation and
//! [`crate::sorted`] ensure both).

/// Below this length a comparison sort is faster.
const RADIX_MIN: usize = 2048;

#[inline]
pub(crate) fn key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

#[inline]
fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// Sorts `input` ascending by `key_of` into a new vector of `store(item)`s (`stored_key`
/// reads the key back): one pass scatters them into up to 2^16 buckets by the (up to 16)
/// key bits just below the bits every key shares, then each bucket is sorted by
/// comparison. Keys cluster (scores in `[0, 1]` share sign and high exponent bits), so the
/// shared prefix is skipped rather than spent on passes; buckets are small and sort in cache.
/// Two passes over the data instead of an LSD radix sort's eight, and no copy of the input
/// before the scatter. `None` when all keys are equal (any order is sorted).
fn bucket_sort<T: Copy, U: Copy + Default>(
    input: &[T],
    key_of: impl Fn(&T) -> u64 + Copy,
    store: impl Fn(&T) -> U,
    stored_key: impl Fn(&U) -> u64 + Copy,
) -> Option<Vec<U>> {
    let n = input.len();
    let (lo, hi) = input.iter().fold((u64::MAX, 0u64), |(lo, hi), it| {
        let k = key_of(it);
        (lo.min(k), hi.max(k))
    });
    if lo >= hi {
        return None;
    }
    let shared = (lo ^ hi).leading_zeros();
    // About eight items per bucket, at most 2^16 buckets: bucket offsets that outgrow the
    // cache cost more than the small sorts they save.
    let bits = 16u32.min(64 - shared).min((n / 8).max(2).ilog2());
    let shift = 64 - shared - bits;
    let mask = (1u64 << bits) - 1;
    let digit = |k: u64| ((k >> shift) & mask) as usize;
    let buckets = 1usize << bits;
    let mut starts = vec![0usize; buckets + 1];
    for it in input {
        starts[digit(key_of(it)) + 1] += 1;
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let mut out = vec![U::default(); n];
    for it in input {
        let d = digit(key_of(it));
        out[next[d]] = store(it);
        next[d] += 1;
    }
    for b in 0..buckets {
        let bucket = &mut out[starts[b]..starts[b + 1]];
        if bucket.len() > 1 {
            bucket.sort_unstable_by_key(stored_key);
        }
    }
    Some(out)
}

/// Sorts finite floats in descending order.
pub fn sort_desc(v: &mut [f64]) {
    if v.len() < RADIX_MIN {
        v.sort_unstable_by(|a, b| b.total_cmp(a));
        return;
    }
    // Descending: sort the complemented keys ascending.
    let descending = |x: &f64| !key(*x);
    if let Some(keys) = bucket_sort(v, descending, descending, |&k| k) {
        for (out, &k) in v.iter_mut().zip(&keys) {
            *out = unkey(!k);
        }
    }
}

/// Sorts `(score, weight)` pairs by score, descending (ties in any order).
pub fn sort_pairs_desc(v: &mut [(f64, f64)]) {
    if v.len() < RADIX_MIN {
        v.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        return;
    }
    let sorted = bucket_sort(v, |&(s, _)| !key(s), |&(s, w)| (!key(s), w), |i| i.0);
    if let Some(items) = sorted {
        for (out, &(k, w)) in v.iter_mut().zip(&items) {
            *out = (unkey(!k), w);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_order_like_floats() {
        let xs = [
            f64::NEG_INFINITY,
            -1e300,
            -1.5,
            -f64::MIN_POSITIVE,
            0.0,
            f64::MIN_POSITIVE,
            1e-300,
            0.5,
            1.0,
            1e300,
            f64::INFINITY,
        ];
        for w in xs.windows(2) {
            assert!(key(w[0]) < key(w[1]), "{} vs {}", w[0], w[1]);
        }
        for &x in &xs {
            assert_eq!(unkey(key(x)).to_bits(), x.to_bits());
        }
    }

    #[test]
    fn bucket_sort_handles_clusters_ties_and_extremes() {
        let cases: Vec<Vec<f64>> = vec![
            vec![0.5; 5000],                                          // all equal
            (0..5000).map(|i| f64::from(i % 2)).collect(),            // two values
            (0..5000).map(|i| 0.25 + f64::from(i) * 1e-12).collect(), // one cluster
            (0..5000).map(|i| f64::from(i - 2500) * 1e280).collect(), // huge range
            (0..5000)
                .map(|i| match i % 5 {
                    0 => f64::INFINITY,
                    1 => f64::NEG_INFINITY,
                    2 => -f64::MIN_POSITIVE,
                    3 => 0.0,
                    _ => f64::from(i) * 1e-300,
                })
                .collect(),
        ];
        for v in cases {
            let mut a = v.clone();
            sort_desc(&mut a);
            let mut b = v.clone();
            b.sort_unstable_by(|x, y| y.total_cmp(x));
            assert_eq!(
                a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
            let mut pairs: Vec<(f64, f64)> = v.iter().map(|&x| (x, 1.0)).collect();
            sort_pairs_desc(&mut pairs);
            assert!(pairs.windows(2).all(|w| w[0].0 >= w[1].0));
        }
    }
}
