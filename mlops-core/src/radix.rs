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
//! [`crate::SortedCounts`] ensure both).
//!
//! [`tie_blocks_asc`] uses the same bucket pass to group rows by score for sweeps that need
//! every row's tied block (DeLong's placements) but never the sorted array itself.

/// Below this length a comparison sort is faster.
const RADIX_MIN: usize = 2048;

/// A `u64` that orders like `x` under `<` (flip every bit of a negative number, only the
/// sign bit of a positive one): a finite or infinite `x` with `-0.0` folded into `0.0`
/// sorts by its key, and buckets of keys are ranges of floats.
///
/// # Examples
/// ```
/// use mlops_core::radix::{from_order_key, order_key};
/// assert!(order_key(-2.0) < order_key(-1.0) && order_key(-1.0) < order_key(0.5));
/// assert_eq!(from_order_key(order_key(-1.25)), -1.25);
/// ```
#[inline]
pub fn order_key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// The float of an [`order_key`].
#[inline]
pub fn from_order_key(k: u64) -> f64 {
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
    let descending = |x: &f64| !order_key(*x);
    if let Some(keys) = bucket_sort(v, descending, descending, |&k| k) {
        for (out, &k) in v.iter_mut().zip(&keys) {
            *out = from_order_key(!k);
        }
    }
}

/// Sorts `(score, weight)` pairs by score, descending (ties in any order).
pub fn sort_pairs_desc(v: &mut [(f64, f64)]) {
    if v.len() < RADIX_MIN {
        v.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        return;
    }
    let sorted = bucket_sort(
        v,
        |&(s, _)| !order_key(s),
        |&(s, w)| (!order_key(s), w),
        |i| i.0,
    );
    if let Some(items) = sorted {
        for (out, &(k, w)) in v.iter_mut().zip(&items) {
            *out = (from_order_key(!k), w);
        }
    }
}

/// A row index carrying a one-bit tag (a label, say) in its top bit, so that a pass over
/// rows grouped by score reads the tag with the row instead of looking it up.
pub trait TaggedRow: Copy + Default {
    /// Rows below this bound fit (the top bit is the tag's).
    const ROWS: usize;
    /// Packs `row` (below [`Self::ROWS`]) and `tag`.
    fn new(row: usize, tag: bool) -> Self;
    /// The row index.
    fn row(self) -> usize;
    /// The tag.
    fn tag(self) -> bool;
}

macro_rules! tagged_row {
    ($t:ty) => {
        impl TaggedRow for $t {
            const ROWS: usize = 1 << (<$t>::BITS - 1);
            #[inline]
            fn new(row: usize, tag: bool) -> Self {
                // `row < ROWS` fits in the bits below the tag.
                #[allow(clippy::cast_possible_truncation)]
                let row = row as $t;
                row | (<$t>::from(tag) << (<$t>::BITS - 1))
            }
            #[inline]
            fn row(self) -> usize {
                // Rows were `usize` to begin with.
                #[allow(clippy::cast_possible_truncation)]
                let row = (self & !(1 << (<$t>::BITS - 1))) as usize;
                row
            }
            #[inline]
            fn tag(self) -> bool {
                self >> (<$t>::BITS - 1) == 1
            }
        }
    };
}
tagged_row!(u32);
tagged_row!(u64);

/// Rows of one bucket whose key remainders and local positions pack into one `u64`.
const PACKED_BUCKET: usize = 1 << 16;

/// Groups the rows by score, in ascending order of score, and calls `block` once per tied
/// block with that block's rows (tagged by `tag(row)`, in no particular order).
///
/// One pass finds the bits every key shares, a second counts rows per bucket of the 16 key
/// bits below them, a third scatters keys and tagged rows into their buckets; then each
/// bucket, small and in cache, is sorted and its tied blocks visited. A bucket's keys share
/// their top 16 bits below the prefix, so the other (at most 48) bits and a 16-bit position
/// in the bucket pack into one `u64`: the in-bucket sort moves 8 bytes, and never the rows.
/// Ties cannot straddle buckets, so the whole sorted order is never written out.
///
/// `scores` must be NaN-free (`-0.0` and `0.0` tie) and shorter than `R::ROWS`; `tags`
/// has one tag per score (extra tags are ignored, missing ones read as `false`).
pub fn tie_blocks_asc<R: TaggedRow>(scores: &[f64], tags: &[bool], mut block: impl FnMut(&[R])) {
    let n = scores.len();
    let tagged = || {
        scores
            .iter()
            .zip(tags.iter().copied().chain(std::iter::repeat(false)))
            .enumerate()
            .map(|(i, (&s, t))| (order_key(s + 0.0), R::new(i, t)))
    };
    let mut pairs: Vec<(u64, R)> = Vec::new();
    if n < RADIX_MIN {
        pairs.extend(tagged());
        visit_sorted_pairs(&mut pairs, &mut Vec::new(), &mut block);
        return;
    }
    let (lo, hi) = scores.iter().fold((u64::MAX, 0u64), |(lo, hi), &s| {
        let k = order_key(s + 0.0);
        (lo.min(k), hi.max(k))
    });
    if lo == hi {
        let rows: Vec<R> = tagged().map(|p| p.1).collect();
        block(&rows);
        return;
    }
    let shared = (lo ^ hi).leading_zeros();
    let bits = 16u32.min(64 - shared);
    let shift = 64 - shared - bits; // at most 48: the bits a key keeps inside its bucket
    let mask = (1u64 << bits) - 1;
    let digit = |k: u64| ((k >> shift) & mask) as usize;
    let buckets = 1usize << bits;
    let mut starts = vec![0usize; buckets + 1];
    for &s in scores {
        starts[digit(order_key(s + 0.0)) + 1] += 1;
    }
    for b in 0..buckets {
        starts[b + 1] += starts[b];
    }
    let mut next = starts.clone();
    let mut keys = vec![0u64; n];
    let mut rows = vec![R::default(); n];
    for (k, row) in tagged() {
        let d = digit(k);
        keys[next[d]] = k;
        rows[next[d]] = row;
        next[d] += 1;
    }
    drop(next);
    let remainder = if shift == 0 {
        0
    } else {
        u64::MAX >> (64 - shift)
    };
    let mut packed: Vec<u64> = Vec::new();
    let mut sorted: Vec<R> = Vec::new();
    for b in 0..buckets {
        let (start, end) = (starts[b], starts[b + 1]);
        let (keys, rows) = (&keys[start..end], &rows[start..end]);
        match rows.len() {
            0 => {}
            1 => block(rows),
            len if len <= PACKED_BUCKET => {
                packed.clear();
                packed.extend(
                    keys.iter()
                        .zip(0u64..)
                        .map(|(&k, local)| ((k & remainder) << 16) | local),
                );
                packed.sort_unstable();
                sorted.clear();
                sorted.extend(packed.iter().map(|&p| rows[(p & 0xffff) as usize]));
                let mut i = 0;
                while i < len {
                    let k = packed[i] >> 16;
                    let mut j = i + 1;
                    while j < len && packed[j] >> 16 == k {
                        j += 1;
                    }
                    block(&sorted[i..j]);
                    i = j;
                }
            }
            _ => {
                pairs.clear();
                pairs.extend(keys.iter().copied().zip(rows.iter().copied()));
                visit_sorted_pairs(&mut pairs, &mut sorted, &mut block);
            }
        }
    }
}

/// Sorts `(key, row)` pairs by key and visits their tied blocks (`rows` is scratch).
fn visit_sorted_pairs<R: TaggedRow>(
    pairs: &mut [(u64, R)],
    rows: &mut Vec<R>,
    block: &mut impl FnMut(&[R]),
) {
    pairs.sort_unstable_by_key(|p| p.0);
    rows.clear();
    rows.extend(pairs.iter().map(|p| p.1));
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i + 1;
        while j < pairs.len() && pairs[j].0 == pairs[i].0 {
            j += 1;
        }
        block(&rows[i..j]);
        i = j;
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
            assert!(order_key(w[0]) < order_key(w[1]), "{} vs {}", w[0], w[1]);
        }
        for &x in &xs {
            assert_eq!(from_order_key(order_key(x)).to_bits(), x.to_bits());
        }
    }

    #[test]
    fn tie_blocks_past_the_packed_bucket_size() {
        // Two values in 70000 rows each: buckets too large to pack positions in 16 bits.
        let v: Vec<f64> = (0..140_000).map(|i| f64::from(i % 2) * 0.75).collect();
        let mut blocks = Vec::new();
        let tags: Vec<bool> = (0..v.len()).map(|i| i % 4 == 0).collect();
        tie_blocks_asc::<u32>(&v, &tags, |b| {
            let score = v[b[0].row()];
            assert!(
                b.iter()
                    .all(|r| v[r.row()] == score && r.tag() == (r.row() % 4 == 0))
            );
            blocks.push((score, b.len()));
        });
        assert_eq!(blocks, vec![(0.0, 70_000), (0.75, 70_000)]);
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
