//! The one-sample Kolmogorov-Smirnov distributions: [`kstwo_sf`] (two-sided, SciPy's
//! `kstwo.sf`) and [`ksone_sf`] (one-sided, SciPy's `smirnov`), behind the asymptotic
//! p-values of the two-sample test and of the sketched monitor.
//!
//! # References
//! * Simard, R. and L'Ecuyer, P. (2011). Computing the two-sided Kolmogorov-Smirnov
//!   distribution. *Journal of Statistical Software* 39(11).
//! * Marsaglia, G., Tsang, W. W. and Wang, J. (2003). Evaluating Kolmogorov's distribution.
//!   *Journal of Statistical Software* 8(18).
//! * Pelz, W. and Good, I. J. (1976). Approximating the lower tail-areas of the
//!   Kolmogorov-Smirnov one-sample statistic. *JRSS B* 38(2), 152-156.
//! * Birnbaum, Z. W. and Tingey, F. H. (1951). One-sided confidence contours for probability
//!   distribution functions. *Annals of Mathematical Statistics* 22(4), 592-596.
//! * Loader, C. (2000). Fast and accurate computation of binomial probabilities.

use super::matrix::{SCALE_BITS, SCALE_DOWN, SCALE_UP, ldexp, matrix_power};

/// `P(D_n >= d)` for the two-sided one-sample Kolmogorov-Smirnov statistic `D_n`, the
/// quantity SciPy computes as `scipy.stats.kstwo.sf(d, n)`, with the same region rules
/// (Simard and L'Ecuyer 2011): exact closed forms for `n d <= 1`, `n d >= n - 1` and
/// `d >= 1/2`; the exact Durbin matrix for `n <= 140, n d^2 <= 4` and for
/// `n d^1.5 <= 1.4`; Miller's `2 P(D+_n >= d)` for `n d^2 > 4` (`n <= 140`) and
/// `n d^2 >= 2.2` (`n > 140`, 0 from `n d^2 >= 370`); and Pelz and Good's expansion
/// otherwise.
///
/// # Examples
/// ```
/// use mlops_core::special::kstwo_sf;
/// // n = 1: D_1 = max(U, 1 - U) >= d with probability 2 (1 - d) for d >= 1/2.
/// assert!((kstwo_sf(1, 0.75) - 0.5).abs() < 1e-15);
/// // scipy.stats.kstwo.sf(0.3, 20) (SciPy 1.17.1)
/// assert!((kstwo_sf(20, 0.3) / 0.04306706665851623 - 1.0).abs() < 1e-12);
/// ```
pub fn kstwo_sf(n: u64, d: f64) -> f64 {
    if n == 0 || d.is_nan() {
        return f64::NAN;
    }
    if d >= 1.0 {
        return 0.0;
    }
    if d <= 0.0 {
        return 1.0;
    }
    let nf = n as f64;
    let t = nf * d;
    if t <= 1.0 {
        // Ruben and Gambino (1982): P(D_n < d) = n! / n^n (2t - 1)^n for 1/2 < t <= 1.
        if t <= 0.5 {
            return 1.0;
        }
        return (1.0 - scaled_factorial_power(n, 2.0 * t - 1.0)).clamp(0.0, 1.0);
    }
    if t >= nf - 1.0 {
        // Ruben and Gambino: P(D_n >= d) = 2 (1 - d)^n.
        return (2.0 * (1.0 - d).powf(nf)).clamp(0.0, 1.0);
    }
    if d >= 0.5 {
        // The two one-sided events are disjoint.
        return (2.0 * ksone_sf(n, d)).clamp(0.0, 1.0);
    }
    let nxx = t * d;
    if n <= 140 {
        if nxx <= 4.0 {
            return (1.0 - durbin_cdf(n, d)).clamp(0.0, 1.0);
        }
        return (2.0 * ksone_sf(n, d)).clamp(0.0, 1.0);
    }
    if nxx >= 370.0 {
        return 0.0;
    }
    if nxx >= 2.2 {
        return (2.0 * ksone_sf(n, d)).clamp(0.0, 1.0);
    }
    let cdf = if nxx >= 18.0 {
        1.0
    } else if n <= 100_000 && nf * d.powf(1.5) <= 1.4 {
        durbin_cdf(n, d)
    } else {
        pelz_good_cdf(n, d)
    };
    (1.0 - cdf).clamp(0.0, 1.0)
}

/// `P(D+_n >= d)` for the one-sided one-sample Kolmogorov-Smirnov statistic (SciPy's
/// `scipy.special.smirnov(n, d)`), exactly, by the Birnbaum-Tingey sum
/// `d sum_{j <= n(1-d)} C(n, j) (1 - d - j/n)^(n-j) (d + j/n)^(j-1)`, each term evaluated as
/// a binomial probability with Loader's saddle-point method (no cancellation, no overflow).
///
/// # Examples
/// ```
/// use mlops_core::special::ksone_sf;
/// // n = 1: D+_1 = 1 - U.
/// assert!((ksone_sf(1, 0.3) - 0.7).abs() < 1e-15);
/// // scipy.special.smirnov(5, 0.6) (SciPy 1.17.1)
/// assert!((ksone_sf(5, 0.6) / 0.015040000000000005 - 1.0).abs() < 1e-12);
/// ```
pub fn ksone_sf(n: u64, d: f64) -> f64 {
    ksone_sf_pruned(n, d, true)
}

/// [`ksone_sf`], with the pruning of negligible blocks of terms on or off (off: every term
/// summed, for the test that pruning changes nothing).
fn ksone_sf_pruned(n: u64, d: f64, prune: bool) -> f64 {
    if n == 0 || d.is_nan() {
        return f64::NAN;
    }
    if d <= 0.0 {
        return 1.0;
    }
    if d >= 1.0 {
        return 0.0;
    }
    let nf = n as f64;
    if n == 1 {
        return 1.0 - d;
    }
    // n d, split into its rounded value and the rounding error, so that n(1 - d) - j is
    // accurate even when small.
    let nd = nf * d;
    let nd_err = nf.mul_add(d, -nd);
    let last = ((nf - nd) - nd_err).floor();
    if last < 0.0 {
        return 0.0;
    }
    let last = (last as u64).min(n - 1);
    let term = |j: u64| -> f64 {
        let jf = j as f64;
        let np = (nd + jf) + nd_err; // n (d + j/n)
        let nq = ((nf - jf) - nd) - nd_err; // n (1 - d - j/n)
        if nq <= 0.0 {
            // Only at the end of the range (nq decreases with j): no probability left.
            return 0.0;
        }
        let pmf = if j == 0 {
            // (1 - d)^n
            (nf * (-d).ln_1p()).exp()
        } else {
            binomial_pmf(jf, nf, np, nq)
        };
        // d / (d + j/n) * C(n, j) p^j q^(n-j)
        pmf * nd / np
    };
    // Fixed blocks summed in order: the same result with one thread or many.
    const BLOCK: u64 = 8192;
    let blocks = last / BLOCK + 1;
    let block_range = |b: u64| (b * BLOCK, (b * BLOCK + BLOCK - 1).min(last));
    let block_sum = |b: u64| -> f64 {
        let (start, end) = block_range(b);
        (start..=end).map(term).sum::<f64>()
    };
    // Far from j = n/2 the terms are negligible once n d^2 is large, yet each costs a few
    // logarithms and an exponential. Block b gets a rigorous bound on its terms (see
    // `term_bound_ln`); blocks whose bound is under 2^-80 of the largest are left out at
    // first, and kept out only if the sum of their bounds is under 2^-60 of the sum of the
    // others: far below the rounding of the result, so the sum is the full one to the last
    // bit or two.
    let bound_ln: Vec<f64> = (0..blocks)
        .map(|b| {
            let (start, end) = block_range(b);
            ((end - start + 1) as f64).ln() + term_bound_ln(nf, d, start as f64, end as f64)
        })
        .collect();
    let top = bound_ln.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let cut = if prune {
        top - 80.0 * std::f64::consts::LN_2
    } else {
        f64::NEG_INFINITY
    };
    let wanted: Vec<u64> = (0..blocks)
        .filter(|&b| bound_ln[b as usize] >= cut)
        .collect();
    let sum_of = |blocks: &[u64]| -> Vec<f64> {
        crate::parallel::map_range(blocks.len() > 2, blocks.len(), |k| block_sum(blocks[k]))
    };
    let mut sums = vec![0.0_f64; blocks as usize];
    for (&b, v) in wanted.iter().zip(sum_of(&wanted)) {
        sums[b as usize] = v;
    }
    if (wanted.len() as u64) < blocks {
        let kept: f64 = sums.iter().sum();
        let left_out: f64 = (0..blocks)
            .filter(|&b| bound_ln[b as usize] < cut)
            .map(|b| bound_ln[b as usize].exp())
            .sum();
        // Scaled on the left: `kept` may be subnormal far in the tail. NaN keeps every block.
        let negligible = left_out * 2f64.powi(60) <= kept;
        if !negligible {
            let rest: Vec<u64> = (0..blocks)
                .filter(|&b| bound_ln[b as usize] < cut)
                .collect();
            for (&b, v) in rest.iter().zip(sum_of(&rest)) {
                sums[b as usize] = v;
            }
        }
    }
    let sum: f64 = sums.iter().sum();
    sum.clamp(0.0, 1.0)
}

/// An upper bound on the log of every term `j` in `[j0, j1]` of [`ksone_sf`]'s sum.
///
/// Term `j` is at most the binomial probability `P(X = j)` of `X ~ Bin(n, p)` with
/// `p = d + j/n` (the factor `d / p` is at most 1), and since `j < n p`, Chernoff's bound
/// gives `P(X = j) <= P(X <= j) <= exp(-n KL(j/n || p))`. Writing
/// `KL(x || p) = integral from x to p of (t - x) / (t (1 - t)) dt` shows
/// `KL(x || x + d) >= d^2 / (2 V)` with `V` the largest `t (1 - t)` on `[x, x + d]`; over
/// the block, `t` stays in `[j0/n, j1/n + d]`. A margin of `e^2` covers the rounding of
/// `p` and of the terms.
fn term_bound_ln(n: f64, d: f64, j0: f64, j1: f64) -> f64 {
    let (lo, hi) = (j0 / n, (j1 / n + d).min(1.0));
    let v = if lo <= 0.5 && 0.5 <= hi {
        0.25
    } else {
        (lo * (1.0 - lo)).max(hi * (1.0 - hi))
    };
    if v <= 0.0 {
        return 2.0;
    }
    2.0 - n * d * d / (2.0 * v)
}

/// `n! / n^n * x^n`, without overflow or underflow on the way (`0 <= x <= 1`).
fn scaled_factorial_power(n: u64, x: f64) -> f64 {
    let nf = n as f64;
    let mut v = 1.0_f64;
    for i in 1..=n {
        v *= i as f64 / nf * x;
        if v < 1e-300 {
            return 0.0;
        }
    }
    v
}

/// `ln(n!) - ln(sqrt(2 pi n) (n/e)^n)` (the error of Stirling's formula) for integer `n`.
fn stirlerr(n: f64) -> f64 {
    // ln(n!) - ln(sqrt(2 pi n) (n/e)^n) for n = 1..15, correctly rounded (mpmath, 40 digits).
    const TABLE: [f64; 16] = [
        0.0,
        0.081_061_466_795_327_26,
        0.041_340_695_955_409_3,
        0.027_677_925_684_998_34,
        0.020_790_672_103_765_093,
        0.016_644_691_189_821_193,
        0.013_876_128_823_070_748,
        0.011_896_709_945_891_77,
        0.010_411_265_261_972_096,
        0.009_255_462_182_712_733,
        0.008_330_563_433_362_87,
        0.007_573_675_487_951_841,
        0.006_942_840_107_209_53,
        0.006_408_994_188_004_207,
        0.005_951_370_112_758_847_5,
        0.005_554_733_551_962_801,
    ];
    const S0: f64 = 1.0 / 12.0;
    const S1: f64 = 1.0 / 360.0;
    const S2: f64 = 1.0 / 1260.0;
    const S3: f64 = 1.0 / 1680.0;
    const S4: f64 = 1.0 / 1188.0;
    if n <= 15.0 {
        return TABLE[n as usize];
    }
    let nn = n * n;
    if n > 500.0 {
        return (S0 - S1 / nn) / n;
    }
    if n > 80.0 {
        return (S0 - (S1 - S2 / nn) / nn) / n;
    }
    if n > 35.0 {
        return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
    }
    (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n
}

/// `x ln(x / np) + np - x`, the deviance term of Loader's binomial probability, without
/// cancellation when `x` is close to `np`.
fn bd0(x: f64, np: f64) -> f64 {
    if (x - np).abs() < 0.1 * (x + np) {
        let v = (x - np) / (x + np);
        let mut s = (x - np) * v;
        let mut ej = 2.0 * x * v;
        let v2 = v * v;
        for k in 1..1000 {
            ej *= v2;
            let s1 = s + ej / f64::from(2 * k + 1);
            if s1 == s {
                return s1;
            }
            s = s1;
        }
        return s;
    }
    x * (x / np).ln() + np - x
}

/// `C(n, x) p^x q^(n-x)` for integers `0 < x < n`, given `np` and `nq` (Loader 2000).
fn binomial_pmf(x: f64, n: f64, np: f64, nq: f64) -> f64 {
    let lc = stirlerr(n) - stirlerr(x) - stirlerr(n - x) - bd0(x, np) - bd0(n - x, nq);
    let lf = std::f64::consts::TAU.ln() + x.ln() + (-x / n).ln_1p();
    (lc - 0.5 * lf).exp()
}

/// `P(D_n < d)` by the Durbin matrix, as Marsaglia, Tsang and Wang (2003) evaluate it:
/// `n!/n^n (H^n)_{kk}` with `k = ceil(n d)`, `h = k - n d`. The power keeps a binary
/// exponent apart so that nothing overflows.
fn durbin_cdf(n: u64, d: f64) -> f64 {
    let nf = n as f64;
    let nd = nf * d;
    let kf = nd.ceil();
    let h = kf - nd;
    let k = kf as usize;
    let size = 2 * k - 1;
    let mut inv_fact = vec![1.0_f64; size + 1];
    let mut hpow = vec![1.0_f64; size + 1];
    for i in 1..=size {
        inv_fact[i] = inv_fact[i - 1] / i as f64;
        hpow[i] = hpow[i - 1] * h;
    }
    let mut hm = vec![0.0_f64; size * size];
    for i in 0..size {
        for j in 0..=(i + 1).min(size - 1) {
            hm[i * size + j] = inv_fact[i + 1 - j];
        }
    }
    for i in 0..size {
        hm[i * size] -= hpow[i + 1] * inv_fact[i + 1];
        hm[(size - 1) * size + i] -= hpow[size - i] * inv_fact[size - i];
    }
    if 2.0 * h - 1.0 > 0.0 {
        hm[(size - 1) * size] += (2.0 * h - 1.0).powi(size as i32) * inv_fact[size];
    }
    let (power, mut exponent) = matrix_power(&hm, size, n);
    let mut v = power[(k - 1) * size + (k - 1)];
    // times n! / n^n
    for i in 1..=n {
        v *= i as f64 / nf;
        if v != 0.0 && v < SCALE_DOWN {
            v *= SCALE_UP;
            exponent -= SCALE_BITS;
        }
    }
    ldexp(v, exponent).clamp(0.0, 1.0)
}

/// Pelz and Good's (1976) expansion of `P(D_n < d)` to order `n^(-3/2)`, in the form given
/// by Simard and L'Ecuyer (2011): `K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^(3/2)` at
/// `z = d sqrt(n)`. The theta-type sums run until their terms stop mattering.
fn pelz_good_cdf(n: u64, d: f64) -> f64 {
    use std::f64::consts::PI;
    let nf = n as f64;
    let sqrt_n = nf.sqrt();
    let z = d * sqrt_n;
    let z2 = d * d * nf;
    let z4 = z2 * z2;
    let z6 = z4 * z2;
    let z8 = z4 * z4;
    let pi2 = PI * PI;
    let pi4 = pi2 * pi2;
    let pi6 = pi4 * pi2;

    // Sums over k >= k0 of term(k) until the terms are negligible.
    let series = |k0: u32, term: &dyn Fn(f64) -> f64| -> f64 {
        let mut sum = 0.0;
        for k in k0..10_000 {
            let t = term(f64::from(k));
            sum += t;
            if t.abs() <= 1e-20 * sum.abs() || t == 0.0 {
                break;
            }
        }
        sum
    };

    let k0 = series(1, &|k| {
        let a = 2.0 * k - 1.0;
        (-pi2 * a * a / (8.0 * z2)).exp()
    }) * (2.0 * PI).sqrt()
        / z;

    let half = |k: f64| k + 0.5;
    let gauss = |k2: f64| (-pi2 * k2 / (2.0 * z2)).exp();
    let s1 = series(0, &|k| {
        let k2 = half(k) * half(k);
        (pi2 * k2 - z2) * gauss(k2)
    });
    let sqrt_half_pi = (PI / 2.0).sqrt();
    let k1 = s1 * sqrt_half_pi / (3.0 * z4 * sqrt_n);

    let s2a = series(0, &|k| {
        let k2 = half(k) * half(k);
        (6.0 * z6 + 2.0 * z4 + pi2 * (2.0 * z4 - 5.0 * z2) * k2 + pi4 * (1.0 - 2.0 * z2) * k2 * k2)
            * gauss(k2)
    });
    let s2b = series(1, &|k| pi2 * k * k * gauss(k * k));
    let k2 = sqrt_half_pi / nf * (s2a / (36.0 * z6 * z) - s2b / (18.0 * z2 * z));

    let s3a = series(0, &|k| {
        let k2 = half(k) * half(k);
        let k4 = k2 * k2;
        let k6 = k4 * k2;
        (pi6 * k6 * (5.0 - 30.0 * z2)
            + pi4 * k4 * (-60.0 * z2 + 212.0 * z4)
            + pi2 * k2 * (135.0 * z4 - 96.0 * z6)
            - 30.0 * z6
            - 90.0 * z8)
            * gauss(k2)
    });
    let s3b = series(1, &|k| {
        let k2 = k * k;
        (-pi4 * k2 * k2 + 3.0 * pi2 * k2 * z2) * gauss(k2)
    });
    let k3 = sqrt_half_pi / (sqrt_n * nf) * (s3a / (3240.0 * z6 * z4) + s3b / (108.0 * z6));

    (k0 + k1 + k2 + k3).clamp(0.0, 1.0)
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
    fn ksone_pruning_changes_at_most_the_last_bits() {
        for n in [1_000u64, 20_000, 100_000, 400_000] {
            let nf = n as f64;
            for nxx in [0.5, 2.2, 5.0, 20.0, 60.0, 150.0, 360.0] {
                let d = (nxx / nf).sqrt();
                let full = ksone_sf_pruned(n, d, false);
                let pruned = ksone_sf_pruned(n, d, true);
                assert!(
                    (pruned - full).abs() <= 4.0 * f64::EPSILON * full,
                    "n={n} d={d}: {pruned} vs {full}"
                );
            }
        }
    }

    #[test]
    fn ksone_small_n_matches_direct_sum() {
        // Direct Birnbaum-Tingey sum in plain arithmetic for small n.
        for n in 2..=12_u64 {
            for &d in &[0.05, 0.1, 0.23, 0.5, 0.77, 0.95] {
                let nf = n as f64;
                let mut s = 0.0;
                let mut j = 0;
                while (j as f64) <= nf * (1.0 - d) {
                    let jf = j as f64;
                    s += binom(n, j)
                        * (1.0 - d - jf / nf).powi((n - j) as i32)
                        * (d + jf / nf).powi(j as i32 - 1);
                    j += 1;
                }
                s *= d;
                let v = ksone_sf(n, d);
                assert!((v - s).abs() <= 1e-13 * s, "n={n} d={d} {v} {s}");
            }
        }
    }

    #[test]
    fn stirlerr_table_meets_the_series() {
        // The series is accurate from n = 16; at 15 it still agrees to 1e-15.
        let nn = 15.0_f64 * 15.0;
        let series = (1.0 / 12.0
            - (1.0 / 360.0 - (1.0 / 1260.0 - (1.0 / 1680.0 - 1.0 / (1188.0 * nn)) / nn) / nn) / nn)
            / 15.0;
        assert!((stirlerr(15.0) - series).abs() < 1e-15);
    }
}
