//! The exact randomized search: the cheapest rules among *all* mixtures of each group's
//! thresholds, through the lower convex hulls of the groups' (rate, cost) curves.
//!
//! A randomized rule that flags a row with a probability non-decreasing in its score is a
//! mixture of deterministic thresholds, so the (rate, cost) pairs a group can reach are the
//! convex hull of its curve's points, and the cheapest cost at rate `t` is the group's lower
//! convex hull `h(t)`, a convex piecewise-linear function (Hardt, Price & Srebro 2016,
//! section 4). Every point of it mixes at most two thresholds, which need not be adjacent:
//! "flag everyone with probability 1/3" mixes the first and the last point.
//!
//! With rates held within `tol` of each other, the groups' rates lie in a window
//! `[L, L + tol]`, and for a fixed window each group independently takes the cheapest point
//! of its hull there: its hull's minimiser clamped into the window. The total
//! `F(L) = sum_g min over [L, L + tol] of h_g` is convex in `L` (each term is the
//! infimal convolution of a convex function with an interval) and piecewise linear, with
//! breakpoints where a window end meets a hull vertex. So the optimum is at a window whose
//! lower or upper end is a vertex, and the first of the minima is the first such window
//! after which `F`'s slope (the sum of the groups' hull slopes at their clamped points,
//! read between this window and the next) is not negative: a binary search on that sign.
//! The sign is searched rather than `F`'s values compared, because windows a rounding
//! error apart (a vertex `v` and another vertex minus `tol` landing on `v`) have equal
//! computed `F` on a slope, which a search comparing values mistakes for the flat bottom;
//! and the slope is read between windows, not at one, because there a window end sits on a
//! vertex only up to rounding, on either side of it.

use crate::search::Curve;

/// A group's choice: point `lo` of its curve with probability `1 - p`, point `hi` with
/// probability `p` (`p = 0`: the deterministic point `lo`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mix {
    pub lo: usize,
    pub hi: usize,
    pub p: f64,
}

impl Mix {
    /// The deterministic point `k`.
    pub(crate) fn point(k: usize) -> Self {
        Self {
            lo: k,
            hi: k,
            p: 0.0,
        }
    }

    /// The constrained rate of the mix on its curve.
    pub(crate) fn rate(&self, c: &Curve) -> f64 {
        self.blend(&c.rate)
    }

    /// The expected cost of the mix on its curve.
    pub(crate) fn cost(&self, c: &Curve) -> f64 {
        self.blend(&c.cost)
    }

    fn blend(&self, v: &[f64]) -> f64 {
        if self.p == 0.0 {
            v[self.lo]
        } else {
            (1.0 - self.p) * v[self.lo] + self.p * v[self.hi]
        }
    }
}

/// A group's lower convex hull: indices into its curve, rates strictly increasing. Points
/// on a hull edge are kept (so a rate that a threshold reaches at the hull's cost is
/// reached by that threshold, without randomizing).
struct Hull<'a> {
    curve: &'a Curve,
    idx: Vec<usize>,
    /// The position in `idx` of the first cheapest vertex.
    argmin: usize,
}

/// The vertices of a curve's lower convex hull, in rate order.
fn lower_hull(curve: &Curve) -> Vec<usize> {
    let (rate, cost) = (&curve.rate, &curve.cost);
    let mut idx: Vec<usize> = Vec::new();
    for k in 0..rate.len() {
        let (r, v) = (rate[k], cost[k]);
        // Of points with equal rate only the cheapest (the first of equals) can lie
        // on the hull.
        if let Some(&last) = idx.last()
            && rate[last] == r
        {
            if v < cost[last] {
                idx.pop();
            } else {
                continue;
            }
        }
        // The last vertex stays only if it is on or below the chord from the one
        // before it to the new point.
        while let [.., a, b] = idx[..] {
            let above = (cost[b] - cost[a]) * (r - rate[a]) > (v - cost[a]) * (rate[b] - rate[a]);
            if !above {
                break;
            }
            idx.pop();
        }
        idx.push(k);
    }
    idx
}

impl<'a> Hull<'a> {
    fn new(curve: &'a Curve, idx: Vec<usize>) -> Self {
        let cost = &curve.cost;
        let mut argmin = 0;
        for (j, &k) in idx.iter().enumerate() {
            if cost[k] < cost[idx[argmin]] {
                argmin = j;
            }
        }
        Self { curve, idx, argmin }
    }

    fn rate(&self, j: usize) -> f64 {
        self.curve.rate[self.idx[j]]
    }

    /// The lowest and highest rates the group can reach.
    fn domain(&self) -> (f64, f64) {
        (self.rate(0), self.rate(self.idx.len() - 1))
    }

    /// The cheapest way to reach rate `t` exactly (`None` outside the domain).
    fn at(&self, t: f64) -> Option<Mix> {
        let j = self.idx.partition_point(|&k| self.curve.rate[k] < t);
        if j < self.idx.len() && self.rate(j) == t {
            return Some(Mix::point(self.idx[j]));
        }
        if j == 0 || j == self.idx.len() {
            return None;
        }
        let (lo, hi) = (self.idx[j - 1], self.idx[j]);
        let (r0, r1) = (self.curve.rate[lo], self.curve.rate[hi]);
        Some(Mix {
            lo,
            hi,
            p: (t - r0) / (r1 - r0),
        })
    }

    /// The slope of the hull just to the right of rate `t` (`+inf` at or beyond its last
    /// vertex, where no higher rate is reachable).
    fn right_slope(&self, t: f64) -> f64 {
        let j = self.idx.partition_point(|&k| self.curve.rate[k] <= t);
        if j == 0 || j == self.idx.len() {
            return if j == 0 {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            };
        }
        let (a, b) = (self.idx[j - 1], self.idx[j]);
        let (rate, cost) = (&self.curve.rate, &self.curve.cost);
        (cost[b] - cost[a]) / (rate[b] - rate[a])
    }

    /// The derivative, in `l`, of the cheapest cost in the window `[l, u = l + tol]`, for
    /// `l` and `u` inside hull segments (not on vertices): the hull's slope at the window
    /// end that holds the clamped minimiser when that end moves with the window, else 0.
    fn window_slope(&self, l: f64, u: f64) -> f64 {
        let m = self.rate(self.argmin);
        if m <= l {
            self.right_slope(l)
        } else if m > u && u < self.domain().1 {
            self.right_slope(u)
        } else {
            0.0
        }
    }

    /// The cheapest point with a rate in `[l, u]` (the lowest such rate among equally
    /// cheap ones): the hull's first minimiser clamped into the window. `None` when the
    /// window misses the domain.
    fn cheapest_in(&self, l: f64, u: f64) -> Option<Mix> {
        let (a, b) = self.domain();
        let (l, u) = (l.max(a), u.min(b));
        if l > u {
            return None;
        }
        self.at(self.rate(self.argmin).clamp(l, u))
    }
}

/// A window of rates `[l, u]`, `u - l` being the tolerance up to rounding.
#[derive(Debug, Clone, Copy)]
struct Window {
    l: f64,
    u: f64,
}

/// The exact minimum of the summed expected cost over all mixtures of each group's points
/// whose rates lie within `tol` of each other. Returns each group's mix (mixing at most two
/// points of its hull), or `None` when the groups' rates cannot come that close.
///
/// Ties: the window with the lowest lower end, and in each group the lowest rate.
pub(crate) fn hull_search(curves: &[Curve], tol: f64) -> Option<Vec<Mix>> {
    let vertices: Vec<Vec<usize>> = mlops_core::parallel::map(curves, lower_hull);
    let hulls: Vec<Hull<'_>> = curves
        .iter()
        .zip(vertices)
        .map(|(c, idx)| Hull::new(c, idx))
        .collect();
    // Feasible windows reach every group's domain.
    let lowest_top = hulls
        .iter()
        .map(|h| h.domain().1)
        .fold(f64::INFINITY, f64::min);
    let highest_bottom = hulls
        .iter()
        .map(|h| h.domain().0)
        .fold(f64::NEG_INFINITY, f64::max);
    // Every window's lower end: a vertex, or a vertex minus `tol` (its upper end on the
    // vertex). The upper end is `l + tol`, computed the same way for every window, so
    // that it is non-decreasing in `l`.
    let mut runs: Vec<Vec<f64>> = Vec::with_capacity(2 * hulls.len());
    for h in &hulls {
        let vertices = (0..h.idx.len()).map(|j| h.rate(j));
        runs.push(vertices.clone().collect());
        if tol > 0.0 {
            runs.push(vertices.map(|v| v - tol).collect());
        }
    }
    let mut lows = mlops_core::merge::merge_sorted(&runs, &|a: &f64, b: &f64| a < b);
    lows.dedup();
    let windows: Vec<Window> = lows
        .into_iter()
        .map(|l| Window { l, u: l + tol })
        .filter(|w| w.l <= lowest_top && w.u >= highest_bottom)
        .collect();
    // F is linear between consecutive windows: its slope there, read at the midpoint so
    // that no window end sits on a vertex up to rounding. F is convex: the first minimum
    // is the first window after which F does not decrease (after the last, F is undefined).
    let slope_after = |i: usize| -> f64 {
        match (windows.get(i), windows.get(i + 1)) {
            (Some(w), Some(next)) => {
                let l = w.l + (next.l - w.l) / 2.0;
                hulls.iter().map(|h| h.window_slope(l, l + tol)).sum()
            }
            _ => f64::INFINITY,
        }
    };
    let indices: Vec<usize> = (0..windows.len()).collect();
    let first = indices.partition_point(|&i| slope_after(i) < 0.0);
    let w = *windows.get(first)?;
    hulls.iter().map(|h| h.cheapest_in(w.l, w.u)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(rate: &[f64], cost: &[f64]) -> Curve {
        Curve {
            rate: rate.to_vec(),
            cost: cost.to_vec(),
        }
    }

    #[test]
    fn windows_a_rounding_error_apart_do_not_stop_the_search_on_a_slope() {
        // One group (the tolerance binds nothing): the optimum flags everyone, cost 1.
        // The window from vertex 0.3 and the one from vertex 0.4 minus 0.1 start a
        // rounding error apart and computed the same total (30) on the way down, which the
        // search comparing totals took for the bottom (found by hypothesis against an LP).
        let c = curve(&[0.0, 0.3, 0.4, 1.0], &[50.0, 35.0, 30.0, 1.0]);
        let mixes = hull_search(std::slice::from_ref(&c), 0.1);
        let cost = mixes.map(|m| m[0].cost(&c));
        assert_eq!(cost, Some(1.0));
        // Two groups, the same trap.
        let d = curve(&[0.0, 1.0], &[5.0, 1.0]);
        let mixes = hull_search(&[c.clone(), d.clone()], 0.1);
        let total = mixes.map(|m| m[0].cost(&c) + m[1].cost(&d));
        assert_eq!(total, Some(2.0));
    }

    #[test]
    fn the_hull_mixes_non_adjacent_points() {
        // The middle point lies above the chord from the first to the last: the cheapest
        // way to rate 0.5 mixes the two ends half and half (cost 3), not the point (cost 9).
        let c = curve(&[0.0, 0.5, 1.0], &[4.0, 9.0, 2.0]);
        let h = Hull::new(&c, lower_hull(&c));
        assert_eq!(h.idx, vec![0, 2]);
        assert_eq!(
            h.at(0.5),
            Some(Mix {
                lo: 0,
                hi: 2,
                p: 0.5
            })
        );
        assert_eq!(h.at(0.5).map(|m| m.cost(&c)), Some(3.0));
    }

    #[test]
    fn points_on_a_hull_edge_are_reached_without_randomizing() {
        let c = curve(&[0.0, 0.25, 0.5, 0.5, 1.0], &[4.0, 3.0, 3.0, 2.0, 0.0]);
        let h = Hull::new(&c, lower_hull(&c));
        // (0.5, 3.0) is beaten by (0.5, 2.0); (0.25, 3.0) lies on the edge from 0 to 0.5.
        assert_eq!(h.idx, vec![0, 1, 3, 4]);
        assert_eq!(h.at(0.25), Some(Mix::point(1)));
    }

    #[test]
    fn the_issue_example_flags_one_group_at_random_whatever_the_score() {
        // Group a: y = [0,0,0,1], s = [2,3,3,0]; group b: y = [1,0,0,0], s = [2,2,1,0];
        // costs 5:1, FPR constraint. Points k = 0.. (top k score blocks flagged).
        // a: blocks {3: 2 neg}, {2: 1 neg}, {0: 1 pos} -> fpr 0, 2/3, 1, 1; cost 5, 7, 8, 3.
        let a = curve(&[0.0, 2.0 / 3.0, 1.0, 1.0], &[5.0, 7.0, 8.0, 3.0]);
        // b: blocks {2: 1 pos, 1 neg}, {1: 1 neg}, {0: 1 neg} -> fpr 0, 1/3, 2/3, 1; cost 5, 1, 2, 3.
        let b = curve(&[0.0, 1.0 / 3.0, 2.0 / 3.0, 1.0], &[5.0, 1.0, 2.0, 3.0]);
        let mixes = hull_search(&[a.clone(), b.clone()], 0.0).unwrap();
        let total = mixes[0].cost(&a) + mixes[1].cost(&b);
        assert!((total - 16.0 / 3.0).abs() < 1e-12, "{total}");
        assert_eq!((mixes[0].lo, mixes[0].hi), (0, 3));
        assert_eq!(mixes[1], Mix::point(1));
    }

    /// The cheapest mix of any two points (any point of the convex hull in one dimension
    /// is a mix of two) reaching exactly rate `t`: the definition, by brute force.
    fn cheapest_at(c: &Curve, t: f64) -> f64 {
        let mut best = f64::INFINITY;
        for i in 0..c.rate.len() {
            for j in 0..c.rate.len() {
                let (ri, rj) = (c.rate[i], c.rate[j]);
                if ri == t {
                    best = best.min(c.cost[i]);
                } else if ri < t && t < rj {
                    let p = (t - ri) / (rj - ri);
                    best = best.min((1.0 - p) * c.cost[i] + p * c.cost[j]);
                }
            }
        }
        best
    }

    /// Brute force: windows starting or ending at any point's rate; in each, each group's
    /// cheapest mix at the window's ends or at any of its points' rates inside.
    fn brute(curves: &[Curve], tol: f64) -> Option<f64> {
        let rates: Vec<f64> = curves.iter().flat_map(|c| c.rate.iter().copied()).collect();
        let mut best: Option<f64> = None;
        for &v in &rates {
            for (l, u) in [(v, v + tol), (v - tol, v)] {
                let mut total = 0.0;
                for c in curves {
                    let mut group = f64::INFINITY;
                    for t in [l, u].into_iter().chain(c.rate.iter().copied()) {
                        if t >= l && t <= u {
                            group = group.min(cheapest_at(c, t));
                        }
                    }
                    total += group;
                }
                if total.is_finite() && best.is_none_or(|b| total < b) {
                    best = Some(total);
                }
            }
        }
        best
    }

    #[test]
    fn equals_brute_force_over_all_two_point_mixes() {
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..400 {
            let groups = 1 + (next() % 4) as usize;
            let curves: Vec<Curve> = (0..groups)
                .map(|_| {
                    let n = 1 + (next() % 8) as usize;
                    let mut rate: Vec<f64> = (0..n).map(|_| (next() % 9) as f64 / 8.0).collect();
                    rate.push(0.0);
                    rate.push(1.0);
                    rate.sort_by(f64::total_cmp);
                    let cost = rate.iter().map(|_| (next() % 20) as f64).collect();
                    Curve { rate, cost }
                })
                .collect();
            for tol in [0.0, 0.05, 0.125, 0.3, 1.0] {
                let mixes = hull_search(&curves, tol).unwrap();
                let total: f64 = mixes.iter().zip(&curves).map(|(m, c)| m.cost(c)).sum();
                let expected = brute(&curves, tol).unwrap();
                assert!(
                    (total - expected).abs() <= 1e-9 * (1.0 + expected.abs()),
                    "round {round} tol {tol}: {total} vs {expected}"
                );
                let rates: Vec<f64> = mixes.iter().zip(&curves).map(|(m, c)| m.rate(c)).collect();
                let gap = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                    - rates.iter().copied().fold(f64::INFINITY, f64::min);
                assert!(gap <= tol + 1e-12, "round {round} tol {tol}: gap {gap}");
                for m in &mixes {
                    assert!((0.0..1.0).contains(&m.p), "{m:?}");
                }
            }
        }
    }
}
