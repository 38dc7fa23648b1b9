//! The exact searches behind [`crate::ThresholdSearch`], on abstract per-group curves.
//!
//! A group's curve lists its operating points `k = 0..=B` (the first `k` tied blocks of
//! scores predicted positive): the constrained rate (non-decreasing in `k`) and the cost.
//! Nothing here knows about scores or labels, which keeps the searches easy to test against
//! brute force.

use std::collections::VecDeque;

/// One group's operating points: `rate[k]` non-decreasing, `cost[k]` any.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Curve {
    pub rate: Vec<f64>,
    pub cost: Vec<f64>,
}

/// A sum over groups whose value depends only on the current leaves, never on the order of
/// updates (a running total would drift as values come and go).
struct SumTree {
    size: usize,
    node: Vec<f64>,
}

impl SumTree {
    fn new(n: usize, fill: f64) -> Self {
        let size = n.next_power_of_two().max(1);
        let mut node = vec![0.0; 2 * size];
        for leaf in &mut node[size..size + n] {
            *leaf = fill;
        }
        for i in (1..size).rev() {
            node[i] = node[2 * i] + node[2 * i + 1];
        }
        Self { size, node }
    }

    fn set(&mut self, i: usize, v: f64) {
        let mut p = self.size + i;
        self.node[p] = v;
        while p > 1 {
            p /= 2;
            self.node[p] = self.node[2 * p] + self.node[2 * p + 1];
        }
    }

    fn total(&self) -> f64 {
        self.node[1]
    }
}

/// Every operating point of every group, ordered by rate, then group, then index: within a
/// group, points of equal rate stay in index order.
///
/// Each group's rates are already sorted, so this is a k-way merge, not a sort.
fn points_by_rate(curves: &[Curve]) -> Vec<(f64, u32, u32)> {
    let runs: Vec<&[f64]> = curves.iter().map(|c| c.rate.as_slice()).collect();
    let mut out = Vec::with_capacity(runs.iter().map(|r| r.len()).sum());
    mlops_core::merge::merge_runs(
        &runs,
        mlops_core::merge::Order::Ascending,
        |rate, members| {
            out.extend(members.iter().map(|&(g, j)| (rate, g as u32, j as u32)));
        },
    );
    out
}

/// The group of every point in rate order (see [`points_by_rate`]); a point's index within
/// its group is implied, because each group's points appear in index order.
fn groups_by_rate(curves: &[Curve]) -> Vec<u32> {
    let runs: Vec<&[f64]> = curves.iter().map(|c| c.rate.as_slice()).collect();
    let mut out = Vec::with_capacity(runs.iter().map(|r| r.len()).sum());
    mlops_core::merge::merge_runs(&runs, mlops_core::merge::Order::Ascending, |_, members| {
        out.extend(members.iter().map(|&(g, _)| g as u32));
    });
    out
}

/// A cursor over the points in rate order: `next()` yields `(group, index)`.
struct RateCursor<'a> {
    order: &'a [u32],
    pos: usize,
    seen: Vec<u32>,
}

impl<'a> RateCursor<'a> {
    fn new(order: &'a [u32], groups: usize) -> Self {
        Self {
            order,
            pos: 0,
            seen: vec![0; groups],
        }
    }
    /// The next point's `(group, index)` without moving.
    #[inline]
    fn peek(&self) -> Option<(usize, usize)> {
        self.order
            .get(self.pos)
            .map(|&g| (g as usize, self.seen[g as usize] as usize))
    }
    #[inline]
    fn advance(&mut self) {
        let g = self.order[self.pos] as usize;
        self.seen[g] += 1;
        self.pos += 1;
    }
}

/// For each group, the points that can be chosen in a deterministic search: of points with
/// equal rate, only the cheapest (the lowest index among equals) can ever be picked, so the
/// others are dropped. Returns the reduced curves and, per group, the original indices.
fn undominated(curves: &[Curve]) -> (Vec<Curve>, Vec<Vec<usize>>) {
    curves
        .iter()
        .map(|c| {
            let mut kept = Curve {
                rate: Vec::with_capacity(c.rate.len()),
                cost: Vec::with_capacity(c.rate.len()),
            };
            let mut index = Vec::with_capacity(c.rate.len());
            let mut j = 0;
            while j < c.rate.len() {
                let mut best = j;
                let mut k = j + 1;
                while k < c.rate.len() && c.rate[k] == c.rate[j] {
                    if c.cost[k] < c.cost[best] {
                        best = k;
                    }
                    k += 1;
                }
                kept.rate.push(c.rate[j]);
                kept.cost.push(c.cost[best]);
                index.push(best);
                j = k;
            }
            (kept, index)
        })
        .unzip()
}

/// The exact minimum of the summed cost over one point per group, subject to
/// `max(rate) - min(rate) <= tol`.
///
/// Returns the chosen index per group, or `None` when no choice is feasible. Among choices
/// of equal cost, the one with the lowest window start wins, and within a group the lowest
/// index (fewest positive predictions).
///
/// Why it is exact: a choice is feasible iff all its rates lie in `[L, L + tol]` for
/// `L` = its smallest rate, which is one of the rates swept; for a fixed `L` the groups
/// choose independently. The predicate `r - L <= tol` is monotone in `r` and in `L` under
/// IEEE rounding, so two cursors over the rate-ordered points maintain every window, and a
/// monotone deque per group gives its cheapest point in the window.
pub(crate) fn window_search(curves: &[Curve], tol: f64) -> Option<Vec<usize>> {
    let (reduced, original) = undominated(curves);
    let g_count = reduced.len();
    let order = groups_by_rate(&reduced);
    let mut deques: Vec<VecDeque<u32>> = vec![VecDeque::new(); g_count];
    let mut tree = SumTree::new(g_count, f64::INFINITY);
    let (mut candidates, mut enter, mut leave) = (
        RateCursor::new(&order, g_count),
        RateCursor::new(&order, g_count),
        RateCursor::new(&order, g_count),
    );
    let mut best: Option<(f64, f64)> = None; // (cost, L)
    while let Some((g, j)) = candidates.peek() {
        let l = reduced[g].rate[j];
        while candidates
            .peek()
            .is_some_and(|(g, j)| reduced[g].rate[j] == l)
        {
            candidates.advance();
        }
        while let Some((g, j)) = enter.peek() {
            let c = &reduced[g];
            if c.rate[j] - l > tol {
                break;
            }
            let dq = &mut deques[g];
            while dq.back().is_some_and(|&b| c.cost[b as usize] > c.cost[j]) {
                dq.pop_back();
            }
            dq.push_back(j as u32);
            tree.set(g, c.cost[dq[0] as usize]);
            enter.advance();
        }
        while let Some((g, j)) = leave.peek() {
            if reduced[g].rate[j] >= l {
                break;
            }
            let dq = &mut deques[g];
            if dq.front() == Some(&(j as u32)) {
                dq.pop_front();
            }
            tree.set(
                g,
                dq.front()
                    .map_or(f64::INFINITY, |&f| reduced[g].cost[f as usize]),
            );
            leave.advance();
        }
        let total = tree.total();
        if total.is_finite() && best.is_none_or(|(c, _)| total < c) {
            best = Some((total, l));
        }
    }
    let (_, l) = best?;
    Some(
        reduced
            .iter()
            .zip(&original)
            .map(|(c, index)| {
                let mut pick: Option<usize> = None;
                for (j, (&r, &cost)) in c.rate.iter().zip(&c.cost).enumerate() {
                    if r >= l && r - l <= tol && pick.is_none_or(|p| cost < c.cost[p]) {
                        pick = Some(j);
                    }
                }
                pick.map_or(0, |p| index[p])
            })
            .collect(),
    )
}

/// The smallest `max(rate) - min(rate)` any choice of one point per group achieves
/// (the smallest window that holds a point of every group).
pub(crate) fn smallest_gap(curves: &[Curve]) -> f64 {
    let points = points_by_rate(curves);
    let mut count = vec![0usize; curves.len()];
    let mut covered = 0;
    let mut best = f64::INFINITY;
    let mut lo = 0;
    for hi in 0..points.len() {
        let g = points[hi].1 as usize;
        if count[g] == 0 {
            covered += 1;
        }
        count[g] += 1;
        while covered == curves.len() {
            best = best.min(points[hi].0 - points[lo].0);
            let g = points[lo].1 as usize;
            count[g] -= 1;
            if count[g] == 0 {
                covered -= 1;
            }
            lo += 1;
        }
    }
    best
}

/// One group's randomized choice: points `k` and `k + 1` mixed, `k + 1` with probability
/// `p` (`p = 0`: the deterministic point `k`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Mix {
    pub k: usize,
    pub p: f64,
}

impl Mix {
    pub(crate) fn rate(&self, c: &Curve) -> f64 {
        if self.p == 0.0 {
            c.rate[self.k]
        } else {
            (1.0 - self.p) * c.rate[self.k] + self.p * c.rate[self.k + 1]
        }
    }
    pub(crate) fn cost(&self, c: &Curve) -> f64 {
        if self.p == 0.0 {
            c.cost[self.k]
        } else {
            (1.0 - self.p) * c.cost[self.k] + self.p * c.cost[self.k + 1]
        }
    }
}

/// Group `g`'s cheapest way to reach rate exactly `t`, by a point of rate `t` or a mix of
/// the two adjacent points around it; `None` when `t` is outside the curve.
pub(crate) fn mix_at(c: &Curve, t: f64) -> Option<Mix> {
    let first = c.rate.partition_point(|&r| r < t);
    if first < c.rate.len() && c.rate[first] == t {
        let mut k = first;
        for j in first..c.rate.len() {
            if c.rate[j] != t {
                break;
            }
            if c.cost[j] < c.cost[k] {
                k = j;
            }
        }
        return Some(Mix { k, p: 0.0 });
    }
    if first == 0 || first == c.rate.len() {
        return None;
    }
    let k = first - 1;
    let p = (t - c.rate[k]) / (c.rate[first] - c.rate[k]);
    Some(Mix { k, p })
}

/// The exact minimum of the summed cost when every group reaches the same rate `t`,
/// randomizing between adjacent points where needed. The summed cost is piecewise linear
/// in `t` with breakpoints at the groups' rates, so its minimum is at one of them; every
/// rate is tried. Returns `(t, mix per group)`, or `None` when no common rate exists.
pub(crate) fn randomized_search(curves: &[Curve]) -> Option<(f64, Vec<Mix>)> {
    let points = points_by_rate(curves);
    let g_count = curves.len();
    // Each leaf holds the group's cost as a line `a + b t` valid at the current `t`.
    let mut a = SumTree::new(g_count, f64::INFINITY);
    let mut b = SumTree::new(g_count, 0.0);
    let mut best: Option<(f64, f64)> = None; // (cost, t)
    let mut i = 0;
    while i < points.len() {
        let t = points[i].0;
        let start = i;
        while i < points.len() && points[i].0 == t {
            i += 1;
        }
        // Groups with a point at t: their cheapest point there, flat. Points of one group
        // are contiguous here, so each group is looked at once per t.
        let mut previous = None;
        for &(_, g, _) in &points[start..i] {
            let g = g as usize;
            if previous == Some(g) {
                continue;
            }
            previous = Some(g);
            if let Some(m) = mix_at(&curves[g], t) {
                a.set(g, m.cost(&curves[g]));
                b.set(g, 0.0);
            }
        }
        let total = a.total() + b.total() * t;
        if total.is_finite() && best.is_none_or(|(c, _)| total < c) {
            best = Some((total, t));
        }
        // After t, those groups follow the segment from their last point at t.
        for &(_, g, j) in &points[start..i] {
            let (g, j) = (g as usize, j as usize);
            let c = &curves[g];
            if j + 1 < c.rate.len() && c.rate[j + 1] != t {
                let slope = (c.cost[j + 1] - c.cost[j]) / (c.rate[j + 1] - c.rate[j]);
                a.set(g, c.cost[j] - slope * c.rate[j]);
                b.set(g, slope);
            } else if j + 1 == c.rate.len() {
                a.set(g, f64::INFINITY);
                b.set(g, 0.0);
            }
        }
    }
    let (_, t) = best?;
    let mixes: Option<Vec<Mix>> = curves.iter().map(|c| mix_at(c, t)).collect();
    mixes.map(|m| (t, m))
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

    /// Brute force over every combination of one point per group.
    fn brute(curves: &[Curve], tol: f64) -> Option<f64> {
        let mut best: Option<f64> = None;
        let mut idx = vec![0usize; curves.len()];
        loop {
            let rates: Vec<f64> = idx.iter().zip(curves).map(|(&j, c)| c.rate[j]).collect();
            let gap = rates.iter().copied().fold(f64::NEG_INFINITY, f64::max)
                - rates.iter().copied().fold(f64::INFINITY, f64::min);
            if gap <= tol {
                let cost: f64 = idx.iter().zip(curves).map(|(&j, c)| c.cost[j]).sum();
                if best.is_none_or(|b| cost < b) {
                    best = Some(cost);
                }
            }
            let mut g = 0;
            loop {
                if g == curves.len() {
                    return best;
                }
                idx[g] += 1;
                if idx[g] < curves[g].rate.len() {
                    break;
                }
                idx[g] = 0;
                g += 1;
            }
        }
    }

    #[test]
    fn non_unimodal_cost_is_searched_exactly() {
        // Group 0's cost has two valleys; a ternary search in the rate would miss one.
        let g0 = curve(
            &[0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            &[10.0, 4.0, 9.0, 2.0, 8.0, 12.0],
        );
        let g1 = curve(&[0.0, 0.25, 0.6, 1.0], &[7.0, 3.0, 5.0, 9.0]);
        for tol in [0.0, 0.05, 0.1, 0.2, 0.5, 1.0] {
            let pick = window_search(&[g0.clone(), g1.clone()], tol).unwrap();
            let cost = g0.cost[pick[0]] + g1.cost[pick[1]];
            assert_eq!(
                Some(cost),
                brute(&[g0.clone(), g1.clone()], tol),
                "tol {tol}"
            );
            assert!((g0.rate[pick[0]] - g1.rate[pick[1]]).abs() <= tol);
        }
    }

    #[test]
    fn smallest_gap_and_infeasible() {
        let g0 = curve(&[0.1, 0.5], &[1.0, 1.0]);
        let g1 = curve(&[0.3, 0.9], &[1.0, 1.0]);
        assert!(window_search(&[g0.clone(), g1.clone()], 0.1).is_none());
        assert!((smallest_gap(&[g0.clone(), g1.clone()]) - 0.2).abs() < 1e-15);
        assert!(window_search(&[g0, g1], 0.2 + 1e-12).is_some());
    }

    #[test]
    fn randomized_mixes_adjacent_points() {
        // Group 1 reaches 0.2 only by mixing its points at 0 and 0.4 half and half.
        let g0 = curve(&[0.0, 0.2, 1.0], &[10.0, 1.0, 10.0]);
        let g1 = curve(&[0.0, 0.4, 1.0], &[6.0, 2.0, 10.0]);
        let (t, mixes) = randomized_search(&[g0.clone(), g1.clone()]).unwrap();
        assert_eq!(t, 0.2);
        assert_eq!(mixes[0], Mix { k: 1, p: 0.0 });
        assert_eq!(mixes[1].k, 0);
        assert!((mixes[1].p - 0.5).abs() < 1e-15);
        assert!((mixes[1].cost(&g1) - 4.0).abs() < 1e-12);
        // Cost 1 + 4 = 5 beats t = 0 (16), t = 0.4 (3.25 + 2 = 5.25) and t = 1 (20).
    }
}
