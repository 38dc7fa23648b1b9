//! Exact minimisation of a sweep, pruned by bounds: branch and bound over buckets of the
//! sweep's candidates.
//!
//! Several searches in this library minimise a sum over groups along a sorted sweep (the
//! pooled cost-optimal threshold, the equal-opportunity window search). Their exact sweeps visit every candidate, merging the groups'
//! sorted runs on the way; on large inputs that merge, not the arithmetic, is the cost.
//! Yet the optimum sits in a small part of the sweep. So the candidates are grouped into
//! buckets (consecutive in sweep order) and each bucket gets a cheap **lower bound** on
//! every total inside it (a sum over groups of each group's smallest value there). One
//! exact sweep over the most promising bucket gives an **upper bound**; every bucket whose
//! lower bound exceeds it cannot hold the optimum and is skipped; the remaining buckets
//! are swept exactly, in sweep order.
//!
//! The answer is the one the full sweep gives, including its tie rule (the first candidate
//! in sweep order among equal totals): skipped buckets hold only totals above the optimum,
//! and the rest are swept in order with the same arithmetic. The comparison with the upper
//! bound allows a relative slack of [`SLACK`], far above the rounding of a sum of
//! non-negative terms, so rounding never prunes the optimum.

/// Relative slack in `lower <= upper`: sums of up to millions of non-negative terms round
/// by far less (about `terms * 2^-53`).
pub const SLACK: f64 = 1e-9;

/// Buckets probed for an upper bound (the lowest lower bounds first) before giving up on
/// pruning; a probe fails only when its bucket holds no feasible candidate.
const PROBES: usize = 4;

/// The smallest `(total, position)` over all buckets' candidates, ties to the earliest in
/// sweep order.
///
/// - `lower[b]`: a lower bound on every total of bucket `b` (`+inf`: no feasible candidate);
/// - `first`: a candidate before every bucket (say, "flag nothing"), if there is one;
/// - `exact(b0, b1)`: the exact sweep over the candidates of buckets `b0..b1` in sweep
///   order, returning its first smallest `(total, position)`, or `None` when none of
///   them is feasible.
///
/// # Examples
/// ```
/// use mlops_core::bound::min_over_buckets;
/// // Candidates 0..12 in buckets of 4, total (x - 7)^2: only bucket 1 needs a sweep.
/// let total = |x: usize| ((x as f64) - 7.0).powi(2);
/// let lower: Vec<f64> = (0..3)
///     .map(|b| (4 * b..4 * b + 4).map(total).fold(f64::INFINITY, f64::min))
///     .collect();
/// let mut swept = Vec::new();
/// let best = min_over_buckets(&lower, None, |b0, b1| {
///     swept.push((b0, b1));
///     (4 * b0..4 * b1).map(|x| (total(x), x as f64)).min_by(|a, b| a.0.total_cmp(&b.0))
/// });
/// assert_eq!(best, Some((0.0, 7.0)));
/// assert!(swept.iter().all(|&(b0, b1)| b0 <= 1 && b1 >= 2));
/// ```
pub fn min_over_buckets(
    lower: &[f64],
    first: Option<(f64, f64)>,
    mut exact: impl FnMut(usize, usize) -> Option<(f64, f64)>,
) -> Option<(f64, f64)> {
    let mut upper = first.map_or(f64::INFINITY, |f| f.0);
    let mut order: Vec<usize> = (0..lower.len())
        .filter(|&b| lower[b] < upper || (upper.is_infinite() && lower[b].is_finite()))
        .collect();
    order.sort_unstable_by(|&a, &b| lower[a].total_cmp(&lower[b]).then(a.cmp(&b)));
    for &b in order.iter().take(PROBES) {
        if let Some((total, _)) = exact(b, b + 1) {
            upper = upper.min(total);
            break;
        }
    }
    let keep = |b: usize| lower[b].is_finite() && lower[b] <= upper + upper.abs() * SLACK;
    let mut best = first;
    let mut b = 0;
    while b < lower.len() {
        if !keep(b) {
            b += 1;
            continue;
        }
        let start = b;
        while b < lower.len() && keep(b) {
            b += 1;
        }
        if let Some((total, position)) = exact(start, b)
            && best.is_none_or(|(c, _)| total < c)
        {
            best = Some((total, position));
        }
    }
    best
}

/// Sliding minimum: `out[b] = min(values[b..=b + width])` (the window clipped at the end).
pub fn window_min(values: &[f64], width: usize) -> Vec<f64> {
    let n = values.len();
    let mut out = vec![f64::INFINITY; n];
    // A monotone deque of indices, scanned from the right.
    let mut deque = std::collections::VecDeque::with_capacity(width + 1);
    for b in (0..n).rev() {
        while deque
            .back()
            .is_some_and(|&j: &usize| values[j] >= values[b])
        {
            deque.pop_back();
        }
        deque.push_back(b);
        while deque.front().is_some_and(|&j| j > b + width) {
            deque.pop_front();
        }
        out[b] = deque.front().map_or(f64::INFINITY, |&j| values[j]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_min_matches_direct_minima() {
        let v = [5.0, 3.0, 8.0, 1.0, 9.0, 2.0, 7.0, f64::INFINITY, 4.0];
        for width in 0..11 {
            let got = window_min(&v, width);
            for b in 0..v.len() {
                let want = v[b..=(b + width).min(v.len() - 1)]
                    .iter()
                    .copied()
                    .fold(f64::INFINITY, f64::min);
                assert_eq!(got[b], want, "width {width} at {b}");
            }
        }
    }

    /// Totals with many ties and plateaus: the pruned search equals a full sweep, tie rule
    /// included, for every bucket size.
    #[test]
    fn pruned_search_equals_the_full_sweep() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..200 {
            let n = 1 + (next() % 60) as usize;
            let totals: Vec<Option<f64>> = (0..n)
                .map(|_| (!next().is_multiple_of(5)).then(|| (next() % 9) as f64))
                .collect();
            let full = totals
                .iter()
                .enumerate()
                .filter_map(|(i, t)| t.map(|t| (t, i as f64)))
                .fold(None, |best: Option<(f64, f64)>, (t, i)| {
                    if best.is_none_or(|(c, _)| t < c) {
                        Some((t, i))
                    } else {
                        best
                    }
                });
            for size in 1..8 {
                let buckets = n.div_ceil(size);
                let lower: Vec<f64> = (0..buckets)
                    .map(|b| {
                        totals[b * size..((b + 1) * size).min(n)]
                            .iter()
                            .flatten()
                            .copied()
                            .fold(f64::INFINITY, f64::min)
                    })
                    .collect();
                let got = min_over_buckets(&lower, None, |b0, b1| {
                    (b0 * size..(b1 * size).min(n))
                        .filter_map(|i| totals[i].map(|t| (t, i as f64)))
                        .fold(None, |best: Option<(f64, f64)>, (t, i)| {
                            if best.is_none_or(|(c, _)| t < c) {
                                Some((t, i))
                            } else {
                                best
                            }
                        })
                });
                assert_eq!(got, full, "round {round}, bucket size {size}");
            }
        }
    }
}
