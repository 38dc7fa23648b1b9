//! The sample quantile every crate uses: numpy's default rule, so that bootstrap intervals
//! and quantile bin edges agree with what a data scientist computes with `numpy.quantile`.

/// `numpy.quantile(sorted, q)` with the default `method="linear"` (Hyndman and Fan's type
/// 7): the value at position `h = (n - 1) q` of the ascending `sorted`, interpolated
/// linearly between the neighbours `floor(h)` and `floor(h) + 1`.
///
/// The interpolation is numpy's two-sided one (`a + (b - a) t` for `t < 1/2`,
/// `b - (b - a) (1 - t)` otherwise), which is exact at both ends and bit-identical to
/// numpy's result; the one-sided form can land an ulp beyond `b`.
///
/// `sorted` must be in ascending order (not checked: an unsorted slice gives an
/// interpolation between the wrong values, never a panic). `None` when `sorted` is empty or
/// `q` is outside `[0, 1]` (or NaN).
///
/// # Examples
/// ```
/// use mlops_core::quantile::quantile_linear;
/// // numpy.quantile([1, 2, 4, 8], 0.5) == 3.0
/// assert_eq!(quantile_linear(&[1.0, 2.0, 4.0, 8.0], 0.5), Some(3.0));
/// assert_eq!(quantile_linear(&[], 0.5), None);
/// ```
pub fn quantile_linear(sorted: &[f64], q: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    if !(0.0..=1.0).contains(&q) {
        return None;
    }
    let h = last as f64 * q;
    let lo = h.floor();
    let i = lo as usize;
    let (a, b) = (sorted[i], sorted[(i + 1).min(last)]);
    let t = h - lo;
    let diff = b - a;
    Some(if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// By hand from the definition: position `h = (n - 1) q`, exact binary fractions.
    #[test]
    fn positions_and_interpolation_follow_the_definition() {
        let v = [1.0, 2.0, 4.0, 8.0];
        for (q, want) in [
            (0.0, 1.0),
            (1.0, 8.0),
            (0.5, 3.0),       // h = 1.5: 2 + (4 - 2) / 2
            (0.25, 1.75),     // h = 0.75: 1 + 0.75
            (0.875, 6.5),     // h = 2.625: 8 - 4 * 0.375
            (1.0 / 3.0, 2.0), // h = 1 (to the last bit)
        ] {
            assert_eq!(quantile_linear(&v, q), Some(want), "q = {q}");
        }
        assert_eq!(quantile_linear(&[7.5], 0.3), Some(7.5));
        assert_eq!(quantile_linear(&[-1.0, 1.0], 0.5), Some(0.0));
    }

    /// numpy 2.4.6: `np.quantile([0.1, 0.7], q)` for these `q`, where the one-sided
    /// `a + (b - a) t` differs in the last bit (0.4 and 0.40180000000000005).
    #[test]
    fn matches_numpy_to_the_bit_where_the_one_sided_lerp_does_not() {
        let v = [0.1, 0.7];
        for (q, numpy) in NUMPY_CASES {
            assert_eq!(quantile_linear(&v, q), Some(numpy), "q = {q}");
        }
    }

    const NUMPY_CASES: [(f64, f64); 4] = [
        (0.5, 0.399_999_999_999_999_97),
        (0.503, 0.4018),
        (0.75, 0.549_999_999_999_999_9),
        (0.9, 0.64),
    ];

    #[test]
    fn empty_input_and_bad_levels_are_none() {
        assert_eq!(quantile_linear(&[], 0.5), None);
        for q in [-0.1, 1.1, f64::NAN] {
            assert_eq!(quantile_linear(&[1.0, 2.0], q), None, "q = {q}");
        }
    }
}
