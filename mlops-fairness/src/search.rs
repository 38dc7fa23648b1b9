//! The exact searches behind [`crate::ThresholdSearch`], on abstract per-group curves.
//!
//! A group's curve lists its operating points `k = 0..=B` (the first `k` tied blocks of
//! scores predicted positive): the constrained rate (non-decreasing in `k`) and the cost.
//! Nothing here knows about scores or labels, which keeps the searches easy to test against
//! brute force.

/// One group's operating points: `rate[k]` non-decreasing, `cost[k]` any.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Curve {
    pub rate: Vec<f64>,
    pub cost: Vec<f64>,
}

/// A sum over groups whose value depends only on the current leaves, never on the order of
/// updates (a running total would drift as values come and go).
///
/// Few groups (the usual case) keep flat leaves summed in a fixed order on demand: an
/// update is one store, where a tree would pay a chain of dependent loads and stores on
/// every update. Many groups use a tree, with `O(log n)` updates.
struct SumTree {
    size: usize,
    node: Vec<f64>,
    flat: bool,
}

/// Up to this many groups, [`SumTree`] sums its leaves on demand.
const FLAT_SUM_MAX: usize = 16;

impl SumTree {
    fn new(n: usize, fill: f64) -> Self {
        if n <= FLAT_SUM_MAX {
            return Self {
                size: n,
                node: vec![fill; n],
                flat: true,
            };
        }
        let size = n.next_power_of_two().max(1);
        let mut node = vec![0.0; 2 * size];
        for leaf in &mut node[size..size + n] {
            *leaf = fill;
        }
        for i in (1..size).rev() {
            node[i] = node[2 * i] + node[2 * i + 1];
        }
        Self {
            size,
            node,
            flat: false,
        }
    }

    #[inline]
    fn set(&mut self, i: usize, v: f64) {
        if self.flat {
            self.node[i] = v;
            return;
        }
        let mut p = self.size + i;
        self.node[p] = v;
        while p > 1 {
            p /= 2;
            self.node[p] = self.node[2 * p] + self.node[2 * p + 1];
        }
    }

    #[inline]
    fn total(&self) -> f64 {
        if self.flat {
            self.node.iter().sum()
        } else {
            self.node[1]
        }
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

/// A group's points that a deterministic search can pick: of points with equal rate only
/// the cheapest can ever be chosen, so the others are dropped. Rates strictly increase.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct Reduced {
    pub rate: Vec<f64>,
    pub cost: Vec<f64>,
}

impl Reduced {
    /// Reduces `(rate, cost)` pairs given in curve order (rates non-decreasing); `capacity`
    /// is the number of pairs, or a bound.
    pub(crate) fn from_points(points: impl Iterator<Item = (f64, f64)>, capacity: usize) -> Self {
        let mut out = Self {
            rate: Vec::with_capacity(capacity),
            cost: Vec::with_capacity(capacity),
        };
        for (rate, cost) in points {
            match out.rate.last() {
                Some(&last) if last == rate => {
                    let best = out.cost.len() - 1;
                    out.cost[best] = out.cost[best].min(cost);
                }
                _ => {
                    out.rate.push(rate);
                    out.cost.push(cost);
                }
            }
        }
        out
    }
}

/// One point of the rate-ordered sweep.
#[derive(Debug, Clone, Copy)]
struct Point {
    rate: f64,
    cost: f64,
    group: u32,
}

/// Every point of every group, ordered by rate, then group, then index: each group is
/// sorted already, so this is a stable merge (earlier groups first on equal rates).
fn sweep_order(groups: &[Reduced]) -> Vec<Point> {
    let runs: Vec<Vec<Point>> = groups
        .iter()
        .enumerate()
        .map(|(g, r)| {
            r.rate
                .iter()
                .zip(&r.cost)
                .map(|(&rate, &cost)| Point {
                    rate,
                    cost,
                    group: g as u32,
                })
                .collect()
        })
        .collect();
    mlops_core::merge::merge_sorted(&runs, &|x: &Point, y: &Point| x.rate < y.rate)
}

/// A monotone queue of sweep positions for one group: costs non-decreasing from the head.
/// Positions enter once and leave once, so a vector with a moving head is enough.
#[derive(Default)]
struct MinQueue {
    items: Vec<u32>,
    head: usize,
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
/// monotone queue per group gives its cheapest point in the window.
///
/// The sweep is pruned by bounds (see [`mlops_core::bound`]): window starts are bucketed by
/// rate, and a bucket whose windows cannot beat a total already reached is not swept.
pub(crate) fn window_search(curves: &[Curve], tol: f64) -> Option<Vec<usize>> {
    window_search_in(curves, tol, RateBuckets::auto(curves, tol))
}

/// [`window_search`] with the given buckets (one bucket: the plain sweep).
pub(crate) fn window_search_in(
    curves: &[Curve],
    tol: f64,
    buckets: RateBuckets,
) -> Option<Vec<usize>> {
    let summaries: Vec<Summary> = mlops_core::parallel::map(curves, |c| buckets.summarize(c));
    // Windows starting in bucket b hold only points of buckets b..=b + reach.
    let reach = (tol * buckets.scale).ceil() as usize + 1;
    let mut lower = vec![0.0; buckets.count];
    for s in &summaries {
        for (l, m) in lower
            .iter_mut()
            .zip(mlops_core::bound::window_min(&s.min, reach))
        {
            *l += m;
        }
    }
    let (_, l) = mlops_core::bound::min_over_buckets(&lower, None, |b0, b1| {
        let (start, end) = (buckets.start(b0), buckets.start(b1));
        let limit = buckets.start(b1 + reach);
        let reduced: Vec<Reduced> = curves
            .iter()
            .map(|c| {
                let lo = c.rate.partition_point(|&r| r < start);
                let hi = c.rate.partition_point(|&r| r < limit);
                Reduced::from_points(
                    c.rate[lo..hi]
                        .iter()
                        .copied()
                        .zip(c.cost[lo..hi].iter().copied()),
                    hi - lo,
                )
            })
            .collect();
        sweep_windows(&reduced, tol, end)
    })?;
    Some(picks_at(curves, l, tol))
}

/// Each group's cheapest point in the window `[l, l + tol]` (the lowest index among equally
/// cheap ones).
fn picks_at(curves: &[Curve], l: f64, tol: f64) -> Vec<usize> {
    mlops_core::parallel::map(curves, |c| {
        let first = c.rate.partition_point(|&r| r < l);
        let mut pick = first;
        for j in first..c.rate.len() {
            if c.rate[j] - l > tol {
                break;
            }
            if c.cost[j] < c.cost[pick] {
                pick = j;
            }
        }
        pick
    })
}

/// The window sweep over undominated points, window starts below `end` only: the smallest
/// total and the lowest window start reaching it.
fn sweep_windows(reduced: &[Reduced], tol: f64, end: f64) -> Option<(f64, f64)> {
    let points = sweep_order(reduced);
    let n = points.len();
    let mut queues: Vec<MinQueue> = reduced
        .iter()
        .map(|r| MinQueue {
            items: Vec::with_capacity(r.rate.len()),
            head: 0,
        })
        .collect();
    let mut tree = SumTree::new(reduced.len(), f64::INFINITY);
    let (mut candidate, mut enter, mut leave) = (0usize, 0usize, 0usize);
    let mut best: Option<(f64, f64)> = None; // (cost, L)
    while candidate < n && points[candidate].rate < end {
        let l = points[candidate].rate;
        while candidate < n && points[candidate].rate == l {
            candidate += 1;
        }
        while enter < n && points[enter].rate - l <= tol {
            let p = points[enter];
            let q = &mut queues[p.group as usize];
            while q.items.len() > q.head
                && q.items
                    .last()
                    .is_some_and(|&b| points[b as usize].cost > p.cost)
            {
                q.items.pop();
            }
            q.items.push(enter as u32);
            tree.set(p.group as usize, points[q.items[q.head] as usize].cost);
            enter += 1;
        }
        while points[leave].rate < l {
            let g = points[leave].group as usize;
            let q = &mut queues[g];
            if q.items.get(q.head) == Some(&(leave as u32)) {
                q.head += 1;
                tree.set(
                    g,
                    q.items
                        .get(q.head)
                        .map_or(f64::INFINITY, |&f| points[f as usize].cost),
                );
            }
            leave += 1;
        }
        let total = tree.total();
        if total.is_finite() && best.is_none_or(|(c, _)| total < c) {
            best = Some((total, l));
        }
    }
    best
}

/// Buckets of equal width `2^-bits` over rates in `[0, 1]`, for bounding the searches:
/// bucket `b` holds rates in `[b / 2^bits, (b + 1) / 2^bits)`, the last one the rate 1
/// alone. Scaling by a power of two is exact, so every rate's bucket is exact too.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RateBuckets {
    scale: f64,
    count: usize,
}

/// The finest buckets used: 4097 per group.
const MAX_BUCKET_BITS: u32 = 12;

/// A group's cheapest point in each bucket (`+inf` where the bucket holds none).
struct Summary {
    min: Vec<f64>,
}

impl RateBuckets {
    /// `2^bits` buckets of width `2^-bits` (and one for the rate 1).
    pub(crate) fn new(bits: u32) -> Self {
        let bits = bits.min(MAX_BUCKET_BITS);
        Self {
            scale: f64::from(1u32 << bits),
            count: (1usize << bits) + 1,
        }
    }

    /// About eight buckets per window of width `tol`, at most a quarter of a bucket per
    /// point (bounds that cost more than the sweep they prune are no help).
    fn auto(curves: &[Curve], tol: f64) -> Self {
        let points: usize = curves.iter().map(|c| c.rate.len()).sum();
        let per_group = points / (4 * curves.len().max(1));
        let by_size = usize::BITS - per_group.leading_zeros();
        let by_tol = if tol > 0.0 {
            (8.0 / tol)
                .log2()
                .ceil()
                .clamp(0.0, f64::from(MAX_BUCKET_BITS)) as u32
        } else {
            MAX_BUCKET_BITS
        };
        Self::new(by_tol.min(by_size.saturating_sub(1)))
    }

    #[inline]
    fn of(&self, rate: f64) -> usize {
        ((rate * self.scale) as usize).min(self.count - 1)
    }

    /// The smallest rate of bucket `b` (`+inf` past the last bucket).
    fn start(&self, b: usize) -> f64 {
        if b >= self.count {
            f64::INFINITY
        } else {
            b as f64 / self.scale
        }
    }

    fn summarize(&self, c: &Curve) -> Summary {
        let mut s = Summary {
            min: vec![f64::INFINITY; self.count],
        };
        for (&rate, &cost) in c.rate.iter().zip(&c.cost) {
            let b = self.of(rate);
            s.min[b] = s.min[b].min(cost);
        }
        s
    }
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

/// The first minimum of a function convex along `items` (sorted): the first item not
/// followed by a smaller value, by binary search (`None` for no items).
pub(crate) fn first_minimum<T: Copy>(items: &[T], f: impl Fn(T) -> f64) -> Option<usize> {
    let (mut lo, mut hi) = (0usize, items.len().checked_sub(1)?);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if f(items[mid + 1]) >= f(items[mid]) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Some(lo)
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

    /// For each window start among the rates, each group's cheapest point in the window by
    /// direct scan: the O(n^2) form of the window argument, for many groups.
    fn by_windows(curves: &[Curve], tol: f64) -> Option<f64> {
        let mut best: Option<f64> = None;
        for c in curves {
            for &l in &c.rate {
                let mut total = 0.0;
                for d in curves {
                    let m = d
                        .rate
                        .iter()
                        .zip(&d.cost)
                        .filter(|&(&r, _)| r >= l && r - l <= tol)
                        .map(|(_, &c)| c)
                        .fold(f64::INFINITY, f64::min);
                    total += m;
                }
                if total.is_finite() && best.is_none_or(|b| total < b) {
                    best = Some(total);
                }
            }
        }
        best
    }

    #[test]
    fn many_groups_use_the_tree_and_agree_with_window_scans() {
        // 20 groups (more than FLAT_SUM_MAX): the sum tree's path.
        let mut state = 12345u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as f64 / (1u64 << 31) as f64
        };
        for round in 0..20 {
            let curves: Vec<Curve> = (0..20)
                .map(|_| {
                    let mut rate: Vec<f64> =
                        (0..6).map(|_| (next() * 10.0).floor() / 10.0).collect();
                    rate.sort_by(f64::total_cmp);
                    let cost = (0..6).map(|_| (next() * 20.0).floor()).collect();
                    Curve { rate, cost }
                })
                .collect();
            for tol in [0.0, 0.1, 0.3, 1.0] {
                let fast = window_search(&curves, tol)
                    .map(|p| p.iter().zip(&curves).map(|(&k, c)| c.cost[k]).sum::<f64>());
                assert_eq!(fast, by_windows(&curves, tol), "round {round} tol {tol}");
            }
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

    /// The unpruned sweeps, for reference.
    fn plain_window(curves: &[Curve], tol: f64) -> Option<(f64, f64)> {
        let reduced: Vec<Reduced> = curves
            .iter()
            .map(|c| {
                Reduced::from_points(
                    c.rate.iter().copied().zip(c.cost.iter().copied()),
                    c.rate.len(),
                )
            })
            .collect();
        sweep_windows(&reduced, tol, f64::INFINITY)
    }

    /// Random curves over `[0, 1]` with repeated rates and costs (ties everywhere), some
    /// starting above 0 or stopping below 1.
    fn random_curves(next: &mut impl FnMut() -> u64, groups: usize) -> Vec<Curve> {
        (0..groups)
            .map(|_| {
                let n = 1 + (next() % 40) as usize;
                let grid = [4.0, 16.0, 1000.0, 1e6][(next() % 4) as usize];
                let mut rate: Vec<f64> = (0..n)
                    .map(|_| ((next() % 1_000_001) as f64 / 1e6 * grid).round() / grid)
                    .collect();
                if next().is_multiple_of(2) {
                    rate.push(0.0);
                    rate.push(1.0);
                }
                rate.sort_by(f64::total_cmp);
                let cost = rate.iter().map(|_| (next() % 30) as f64 * 0.5).collect();
                Curve { rate, cost }
            })
            .collect()
    }

    /// Pruning never changes the answer: the same picks (tie rule included) as the plain
    /// sweep, for every bucket width.
    #[test]
    fn bounded_searches_equal_the_plain_sweeps() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..300 {
            let groups = 1 + (next() % 5) as usize;
            let curves = random_curves(&mut next, groups);
            for tol in [0.0, 0.001, 0.01, 0.05, 0.25, 1.0] {
                let plain = plain_window(&curves, tol);
                for bits in [0, 1, 2, 3, 5, 8, 12] {
                    let pick = window_search_in(&curves, tol, RateBuckets::new(bits));
                    let total = pick
                        .as_ref()
                        .map(|p| p.iter().zip(&curves).map(|(&k, c)| c.cost[k]).sum::<f64>());
                    assert_eq!(
                        total,
                        plain.map(|p| p.0),
                        "round {round} tol {tol} bits {bits}"
                    );
                    assert_eq!(
                        pick,
                        plain.map(|p| picks_at(&curves, p.1, tol)),
                        "round {round} tol {tol} bits {bits}"
                    );
                }
                if groups <= 3 && curves.iter().all(|c| c.rate.len() <= 12) {
                    assert_eq!(plain.map(|p| p.0), brute(&curves, tol), "round {round}");
                }
            }
        }
    }
}
