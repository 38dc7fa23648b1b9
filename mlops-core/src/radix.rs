//! Sorting finite `f64` keys by their bits: an LSD radix sort, several times faster than a
//! comparison sort on the large inputs this library sees, in safe Rust.
//!
//! A finite `f64` maps to a `u64` that orders like the float (flip every bit of a negative
//! number, only the sign bit of a positive one). Eight passes of 8-bit digits sort the
//! `u64`s; all eight histograms come from one read of the data, and a pass whose digit is the
//! same for every key (the sign and exponent bits of scores in `[0, 1]`, say) is skipped.
//! Inputs must be NaN-free and have `-0.0` already folded into `0.0` (validation and
//! [`crate::sorted`] ensure both).

/// Below this length a comparison sort is faster.
const RADIX_MIN: usize = 2048;

#[inline]
fn key(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

#[inline]
fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// The eight byte histograms of `keys`.
fn histograms(keys: impl Iterator<Item = u64>) -> Box<[[u32; 256]; 8]> {
    let mut h = Box::new([[0u32; 256]; 8]);
    for k in keys {
        for (d, row) in h.iter_mut().enumerate() {
            row[((k >> (8 * d)) & 0xFF) as usize] += 1;
        }
    }
    h
}

/// Runs the passes over `(key, payload)` items; `key_of` reads the sort key.
fn passes<T: Copy + Default>(
    items: &mut Vec<T>,
    n: usize,
    h: &[[u32; 256]; 8],
    key_of: impl Fn(&T) -> u64,
) {
    let mut buf: Vec<T> = vec![T::default(); n];
    for (d, row) in h.iter().enumerate() {
        if row.iter().any(|&c| c as usize == n) {
            continue; // every key has the same digit here
        }
        let mut offset = [0usize; 256];
        let mut total = 0;
        for (o, &c) in offset.iter_mut().zip(row) {
            *o = total;
            total += c as usize;
        }
        for &item in items.iter() {
            let digit = ((key_of(&item) >> (8 * d)) & 0xFF) as usize;
            buf[offset[digit]] = item;
            offset[digit] += 1;
        }
        std::mem::swap(items, &mut buf);
    }
}

/// Sorts finite floats in descending order.
pub fn sort_desc(v: &mut [f64]) {
    if v.len() < RADIX_MIN {
        v.sort_unstable_by(|a, b| b.total_cmp(a));
        return;
    }
    // Descending: sort the complemented keys ascending.
    let mut keys: Vec<u64> = v.iter().map(|&x| !key(x)).collect();
    let h = histograms(keys.iter().copied());
    let n = keys.len();
    passes(&mut keys, n, &h, |&k| k);
    for (out, &k) in v.iter_mut().zip(&keys) {
        *out = unkey(!k);
    }
}

/// Sorts `(score, weight)` pairs by score, descending (ties in any order).
pub fn sort_pairs_desc(v: &mut [(f64, f64)]) {
    if v.len() < RADIX_MIN {
        v.sort_unstable_by(|a, b| b.0.total_cmp(&a.0));
        return;
    }
    let mut items: Vec<(u64, f64)> = v.iter().map(|&(s, w)| (!key(s), w)).collect();
    let h = histograms(items.iter().map(|i| i.0));
    let n = items.len();
    passes(&mut items, n, &h, |i| i.0);
    for (out, &(k, w)) in v.iter_mut().zip(&items) {
        *out = (unkey(!k), w);
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
}
