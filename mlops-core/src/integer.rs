//! Integer arithmetic shared by the exact (lattice) distributions of the two-sample tests.

/// The greatest common divisor of `a` and `b` by Euclid's algorithm; `gcd(0, 0) = 0`.
///
/// # Examples
/// ```
/// use mlops_core::integer::gcd;
/// assert_eq!(gcd(12, 18), 6);
/// assert_eq!(gcd(0, 7), 7);
/// ```
pub fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gcd_of_known_factorisations() {
        assert_eq!(gcd(0, 0), 0);
        assert_eq!(gcd(5, 0), 5);
        assert_eq!(gcd(1, u64::MAX), 1);
        // 2^3 3^2 5 and 2^2 3^3 7 share 2^2 3^2.
        assert_eq!(gcd(360, 756), 36);
        // 2^63 and 3 2^40 share 2^40.
        assert_eq!(gcd(1 << 63, 3 << 40), 1 << 40);
        // Consecutive Fibonacci numbers are coprime (Euclid's slowest case).
        assert_eq!(
            gcd(7_540_113_804_746_346_429, 12_200_160_415_121_876_738),
            1
        );
        // Symmetric, and k gcd(a, b) for multiples.
        for (a, b) in [(10_000u64, 7_500u64), (97, 1_000_003), (48, 180)] {
            assert_eq!(gcd(a, b), gcd(b, a));
            assert_eq!(gcd(13 * a, 13 * b), 13 * gcd(a, b));
        }
    }
}
