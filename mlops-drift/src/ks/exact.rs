//! The exact null distribution of the two-sample Kolmogorov-Smirnov statistic: the share
//! of monotone lattice paths from `(0, 0)` to `(m, n)` that reach the boundary
//! `|i/m - j/n| >= d` (Hodges 1958), walked as probabilities row by row, with closed forms
//! for equal sizes.

use mlops_core::Alternative;
use mlops_core::integer::gcd;

/// The lattice of interleavings of `m` reference and `n` current observations. A path
/// point `(i, j)` has `F - G = i/m - j/n = (i n' - j m') / lcm` with `m' = m/g`,
/// `n' = n/g`, so distances are integers in units of `1/lcm`.
pub(super) struct Lattice {
    m: u64,
    n: u64,
    mg: u64,
    ng: u64,
    /// `lcm(m, n)`: distances are integers in units of `1 / lcm`.
    pub(super) lcm: u128,
}

impl Lattice {
    pub(super) fn new(m: u64, n: u64) -> Self {
        let g = gcd(m, n).max(1);
        let (mg, ng) = (m / g, n / g);
        Self {
            m,
            n,
            mg,
            ng,
            lcm: u128::from(mg) * u128::from(n),
        }
    }

    /// `|i n' - j m'|`, the distance at `(i, j)` in units of `1/lcm`.
    pub(super) fn units(&self, i: u64, j: u64) -> u128 {
        let a = u128::from(i) * u128::from(self.ng);
        let b = u128::from(j) * u128::from(self.mg);
        a.abs_diff(b)
    }

    /// SciPy declines the exact distribution when `(m/g) (n/g)` reaches the int32 range.
    pub(super) fn scipy_attempts_exact(&self) -> bool {
        (self.mg as f64) < f64::from(i32::MAX) / self.ng as f64
    }

    /// Cells the exact computation visits (an upper bound).
    pub(super) fn exact_cells(&self, h: u128, alternative: Alternative) -> u128 {
        let (m, n) = (u128::from(self.m), u128::from(self.n));
        if h == 0 {
            return 0; // p = 1
        }
        if self.m == self.n {
            return m + 1; // closed forms
        }
        match alternative {
            Alternative::TwoSided => {
                // |i n' - j m'| < h: at most 2h/m' + 1 values of j per row.
                let width = (2 * h / u128::from(self.mg) + 2).min(n + 1);
                (m + 1) * width
            }
            Alternative::Less | Alternative::Greater => (m + 1) * (n + 1),
        }
    }

    /// `P(D >= h / lcm)` under the null hypothesis.
    pub(super) fn exact_pvalue(&self, h: u128, alternative: Alternative) -> f64 {
        let two_sided = alternative == Alternative::TwoSided;
        // The first observation already puts the path at distance n' (reference) or m'
        // (current), so every path reaches min(m', n').
        if h == 0 || (two_sided && h <= u128::from(self.mg.min(self.ng))) {
            return 1.0;
        }
        if self.m == self.n {
            // h is in units of 1/n here (lcm = n).
            let Ok(h) = u64::try_from(h) else {
                return 0.0;
            };
            return if two_sided {
                equal_sizes_two_sided(self.n, h)
            } else {
                equal_sizes_one_sided(self.n, h)
            };
        }
        // The one-sided tails of D+ and D- have the same distribution (reversing a path
        // maps one onto the other), so both count paths reaching i n' - j m' >= h.
        self.exit_probability(h, two_sided)
    }

    /// The probability that a uniformly random path from `(0, 0)` to `(m, n)` reaches
    /// `i n' - j m' >= h` (or, two-sided, `|i n' - j m'| >= h`).
    ///
    /// Works row by row (`i` reference observations seen) with the probability of having
    /// reached `(i, j)` while staying inside. From `(i, j)` the next observation is from the
    /// reference with probability `(m - i) / (m + n - i - j)` (drawing without
    /// replacement), so every quantity is a probability in `[0, 1]` and nothing overflows.
    /// Mass leaving the band is summed as it leaves, so small p-values keep their relative
    /// accuracy (no `1 - P(inside)`). Values below `f64::MIN_POSITIVE` are flushed to zero,
    /// which keeps subnormal arithmetic out and lets each row skip its empty ends.
    fn exit_probability(&self, h: u128, two_sided: bool) -> f64 {
        let (m, n) = (self.m as usize, self.n as usize);
        let total = m + n;
        let (mg, ng) = (i128::from(self.mg), i128::from(self.ng));
        let h = h as i128;
        // Inside: j >= lo(i) (below the line i n' - j m' = h) and, two-sided, j <= hi(i).
        let lo = |i: usize| -> usize {
            let v = (i as i128 * ng - h).div_euclid(mg) + 1;
            v.clamp(0, n as i128 + 1) as usize
        };
        let hi = |i: usize| -> usize {
            if two_sided {
                let v = (i as i128 * ng + h - 1).div_euclid(mg);
                v.clamp(0, n as i128) as usize
            } else {
                n
            }
        };
        let inv: Vec<f64> = (0..=total)
            .map(|k| if k == 0 { 0.0 } else { 1.0 / k as f64 })
            .collect();
        let mut row = vec![0.0_f64; n + 1];
        let mut exited = 0.0_f64;

        // Row 0: only current observations so far.
        let hi0 = hi(0);
        row[0] = 1.0;
        let (mut a, mut b) = (0_usize, 0_usize); // nonzero range of the row
        for j in 1..=hi0 {
            let v = flush(row[j - 1] * (n - j + 1) as f64 * inv[total - j + 1]);
            if v == 0.0 {
                break;
            }
            row[j] = v;
            b = j;
        }
        if b == hi0 && hi0 < n {
            exited += row[b] * (n - b) as f64 * inv[total - b];
        }

        for i in 1..=m {
            let (lo_i, hi_i) = (lo(i), hi(i));
            let right = (m - i + 1) as f64;
            // Cells of the previous row below lo(i) leave through the right step.
            let stop = b.min(lo_i.saturating_sub(1));
            if lo_i > a {
                for j in a..=stop {
                    exited += row[j] * right * inv[total - i - j + 1];
                    row[j] = 0.0;
                }
            }
            let start = a.max(lo_i);
            if start > hi_i || start > b {
                // Every path has left the band.
                return exited;
            }
            let mut left = 0.0_f64; // the new value at (i, j - 1)
            let (mut new_a, mut new_b) = (usize::MAX, start);
            let mut note = |j: usize, v: f64| {
                if v != 0.0 {
                    if new_a == usize::MAX {
                        new_a = j;
                    }
                    new_b = j;
                }
            };
            // Cells fed from below and from the left. `left` is zero at `start`, whose left
            // neighbour is outside the band or carries no mass. The weights are computed off
            // the dependency chain through `left`.
            let fed = b.min(hi_i);
            for j in start..=fed {
                let w = inv[total - i - j + 1];
                let v = flush(row[j] * right * w + left * ((n - j + 1) as f64 * w));
                row[j] = v;
                left = v;
                note(j, v);
            }
            // Cells fed from the left only, until the mass flushes to zero.
            for j in fed + 1..=hi_i {
                if left == 0.0 {
                    break;
                }
                let v = flush(left * ((n - j + 1) as f64 * inv[total - i - j + 1]));
                row[j] = v;
                left = v;
                note(j, v);
            }
            if new_a == usize::MAX {
                return exited;
            }
            // Stale entries beyond the new range (flushed tails) are zero already.
            a = new_a;
            b = new_b;
            if b == hi_i && hi_i < n {
                exited += row[b] * (n - b) as f64 * inv[total - i - b];
            }
        }
        exited
    }
}

#[inline]
fn flush(v: f64) -> f64 {
    if v < f64::MIN_POSITIVE { 0.0 } else { v }
}

/// `m = n`, one-sided: `P(D+ >= h/n) = C(2n, n-h) / C(2n, n)` (reflection principle),
/// as the product `prod_{t<h} (n - t) / (n + t + 1)`.
fn equal_sizes_one_sided(n: u64, h: u64) -> f64 {
    if h > n {
        return 0.0;
    }
    let nf = n as f64;
    let mut p = 1.0;
    for t in 0..h {
        p *= (nf - t as f64) / (nf + t as f64 + 1.0);
        if p == 0.0 {
            break;
        }
    }
    p
}

/// `m = n`, two-sided: `P(D >= h/n) = 2 sum_{k>=1} (-1)^(k+1) C(2n, n-kh) / C(2n, n)`
/// (repeated reflection).
fn equal_sizes_two_sided(n: u64, h: u64) -> f64 {
    if h > n {
        return 0.0;
    }
    let nf = n as f64;
    // C(2n, n - kh) / C(2n, n) for k = 1, 2, ... while positive.
    let mut terms = Vec::new();
    let mut ratio = 1.0;
    let mut t = 0_u64;
    let mut k = 1_u64;
    while k * h <= n {
        while t < k * h {
            ratio *= (nf - t as f64) / (nf + t as f64 + 1.0);
            t += 1;
        }
        if ratio == 0.0 {
            break;
        }
        terms.push(ratio);
        k += 1;
    }
    // Smallest terms first: the alternating sum loses least that way.
    let sum = terms.iter().enumerate().rev().fold(
        0.0,
        |acc, (i, &r)| if i % 2 == 0 { acc + r } else { acc - r },
    );
    (2.0 * sum).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Exact `C(a, b)` as f64 for small arguments.
    fn binom(a: u64, b: u64) -> f64 {
        let mut r = 1.0;
        for t in 0..b {
            r = r * (a - t) as f64 / (t + 1) as f64;
        }
        r
    }

    #[test]
    fn lattice_walk_matches_the_closed_forms_for_equal_sizes() {
        for n in 1..=40_u64 {
            let lat = Lattice::new(n, n);
            for h in 1..=n {
                let h128 = u128::from(h);
                let two = lat.exit_probability(h128, true);
                let one = lat.exit_probability(h128, false);
                let two_cf = equal_sizes_two_sided(n, h);
                let one_cf = equal_sizes_one_sided(n, h);
                assert!(
                    (two - two_cf).abs() <= 1e-13 * two_cf.max(1e-300),
                    "n={n} h={h} {two} {two_cf}"
                );
                assert!(
                    (one - one_cf).abs() <= 1e-13 * one_cf.max(1e-300),
                    "n={n} h={h} {one} {one_cf}"
                );
            }
        }
    }

    #[test]
    fn disjoint_samples_have_the_smallest_p_value() {
        // Only the two extreme interleavings reach D = 1.
        for (m, n) in [(3_u64, 5_u64), (7, 2), (10, 13)] {
            let lat = Lattice::new(m, n);
            let h = lat.lcm;
            let p = lat.exit_probability(h, true);
            let expected = 2.0 / binom(m + n, m);
            assert!((p / expected - 1.0).abs() < 1e-13, "{m} {n} {p} {expected}");
            let p1 = lat.exit_probability(h, false);
            assert!((p1 / (expected / 2.0) - 1.0).abs() < 1e-13);
        }
    }
}
