//! Powers of a non-negative square matrix with a binary exponent kept apart, so that
//! entries that would overflow `f64` (the Durbin matrix to the power `n`) stay exact in
//! their leading digits.

pub(super) const SCALE_BITS: i32 = 256;
pub(super) const SCALE_UP: f64 = 1.157_920_892_373_162e77; // 2^256
pub(super) const SCALE_DOWN: f64 = 8.636_168_555_094_445e-78; // 2^-256

/// `v * 2^e` in steps that cannot overflow on the way.
pub(super) fn ldexp(mut v: f64, mut e: i32) -> f64 {
    while e > 0 && v != 0.0 {
        let s = e.min(SCALE_BITS);
        v *= 2f64.powi(s);
        e -= s;
    }
    while e < 0 && v != 0.0 {
        let s = (-e).min(SCALE_BITS);
        v *= 2f64.powi(-s);
        e += s;
    }
    v
}

fn matmul(a: &[f64], b: &[f64], size: usize) -> Vec<f64> {
    let mut c = vec![0.0_f64; size * size];
    for i in 0..size {
        let ci = &mut c[i * size..(i + 1) * size];
        for k in 0..size {
            let aik = a[i * size + k];
            if aik == 0.0 {
                continue;
            }
            let bk = &b[k * size..(k + 1) * size];
            for (c, &b) in ci.iter_mut().zip(bk) {
                *c += aik * b;
            }
        }
    }
    c
}

/// Keeps the entries of a non-negative matrix below `2^256`, returning the exponent taken
/// out.
fn rescale(a: &mut [f64]) -> i32 {
    let max = a.iter().fold(0.0_f64, |m, &v| m.max(v.abs()));
    if max > SCALE_UP {
        for v in a.iter_mut() {
            *v *= SCALE_DOWN;
        }
        SCALE_BITS
    } else {
        0
    }
}

/// `A^p` as `(matrix, e)` with `A^p = matrix * 2^e`.
pub(super) fn matrix_power(a: &[f64], size: usize, mut p: u64) -> (Vec<f64>, i32) {
    let mut result = vec![0.0_f64; size * size];
    for i in 0..size {
        result[i * size + i] = 1.0;
    }
    let mut result_exp = 0_i32;
    let mut base = a.to_vec();
    let mut base_exp = 0_i32;
    while p > 0 {
        if p & 1 == 1 {
            result = matmul(&result, &base, size);
            result_exp += base_exp + rescale(&mut result);
        }
        p >>= 1;
        if p > 0 {
            base = matmul(&base, &base, size);
            base_exp = 2 * base_exp + rescale(&mut base);
        }
    }
    (result, result_exp)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `A^p` against repeated multiplication on a small matrix (entries stay exact: small
    /// integers), and the exponent kept apart where the entries overflow: the Fibonacci
    /// matrix `[[1, 1], [1, 0]]^p` holds `F(p)`, whose log is `p log(phi) - log(sqrt 5)`
    /// to far below an ulp from `p = 100` on (Binet's formula).
    #[test]
    fn powers_match_repeated_products_and_survive_overflow() {
        let a = [1.0, 1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let mut direct = vec![1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        for p in 0..=12u64 {
            let (m, e) = matrix_power(&a, 3, p);
            let scaled: Vec<f64> = m.iter().map(|&v| ldexp(v, e)).collect();
            assert_eq!(scaled, direct, "p = {p}");
            direct = matmul(&direct, &a, 3);
        }
        let phi = (1.0 + 5f64.sqrt()) / 2.0;
        for p in [100u64, 1_000, 5_000] {
            let (m, e) = matrix_power(&[1.0, 1.0, 1.0, 0.0], 2, p);
            let got = m[1].log2() + f64::from(e);
            let want = p as f64 * phi.log2() - 0.5 * 5f64.log2();
            assert!((got / want - 1.0).abs() < 1e-13, "p = {p}: {got} vs {want}");
            assert!(e > 0 || p < 1_000, "p = {p}: no exponent kept apart");
        }
    }

    #[test]
    fn ldexp_steps_past_the_exponent_range() {
        assert_eq!(ldexp(0.75, 1_100), 0.75 * 2f64.powi(550) * 2f64.powi(550));
        assert_eq!(ldexp(2f64.powi(600), -1_500), 2f64.powi(-900));
        assert_eq!(ldexp(0.0, 5_000), 0.0);
    }
}
