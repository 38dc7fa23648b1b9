//! Equalized odds: every group at the same false-positive **and** true-positive rate, at the
//! lowest expected cost (Hardt, Price & Srebro 2016, "Equality of Opportunity in Supervised
//! Learning", section 4).
//!
//! With randomization a group can reach any point of the convex hull of its ROC points: mix
//! two thresholds to move along a hull edge, and flip a score-independent coin to move
//! towards the diagonal. The points every group can reach form the intersection of the
//! groups' hulls, and the total expected cost is linear in the common point `(x, y)` =
//! (FPR, TPR):
//!
//! `cost = const + x * sum_g N_g (c_fp - c_tn) + y * sum_g P_g (c_tp - c_fn)`.
//!
//! When flagging a positive is cheaper than missing it (the usual case), `y` is pushed up to
//! `W(x) = min_g U_g(x)`, the lower envelope of the groups' upper hulls (otherwise down to
//! the upper envelope of the lower hulls; the code handles both by flipping the sign of
//! `y`). `W` is concave, so the cost `phi(x) = a x - b W(x)` is convex in `x` and its minimum
//! is exact: a binary search over the hull vertices finds the two hull intervals around it,
//! and inside them, where every group's hull is a straight line, `phi` is the maximum of one
//! line per group, minimised by walking its upper envelope.
//!
//! Cost: one pass over each group's sorted counts for its hull (the counts come from the one
//! sort of [`SortedCounts`]), then `O(G log V)` per evaluated point.

use mlops_core::{CostMatrix, SortedCounts};

/// A hull vertex: the ROC point after the first `k` blocks are flagged, as raw counts
/// (`fp`, `tp`) and normalised coordinates (`x` = FPR, `w` = `sign * TPR`).
#[derive(Debug, Clone, Copy)]
struct Vertex {
    fp: f64,
    tp: f64,
    x: f64,
    w: f64,
    k: usize,
}

/// One group's upper hull in the `(x, w)` plane: vertices with strictly increasing `x`,
/// from `x = 0` to `x = 1`, concave.
#[derive(Debug, Clone)]
struct Hull {
    v: Vec<Vertex>,
}

impl Hull {
    /// The upper hull of the group's ROC points in `(x, sign * y)`. Needs at least one
    /// positive and one negative of non-zero weight.
    fn new(counts: &SortedCounts, sign: f64) -> Self {
        let (p, n) = (counts.total_pos(), counts.total_neg());
        let point = |k: usize| {
            let (fp, tp) = if k == 0 {
                (0.0, 0.0)
            } else {
                (counts.cum_neg()[k - 1], counts.cum_pos()[k - 1])
            };
            Vertex {
                fp,
                tp,
                x: fp / n,
                w: sign * tp / p,
                k,
            }
        };
        let mut v: Vec<Vertex> = Vec::new();
        for k in 0..=counts.len() {
            let q = point(k);
            // Of points with the same x (the same false positives), only the highest counts.
            if let Some(last) = v.last()
                && last.fp == q.fp
            {
                if sign * q.tp > sign * last.tp {
                    v.pop();
                } else {
                    continue;
                }
            }
            // Drop the last vertex while it is not strictly above the chord from its
            // predecessor to q. Counts keep the test exact for integer weights; both axes
            // are scaled by positive constants, which do not change the sign.
            while v.len() >= 2 {
                let (a, b) = (v[v.len() - 2], v[v.len() - 1]);
                let cross =
                    (b.fp - a.fp) * sign * (q.tp - a.tp) - sign * (b.tp - a.tp) * (q.fp - a.fp);
                if cross >= 0.0 {
                    v.pop();
                } else {
                    break;
                }
            }
            v.push(q);
        }
        Self { v }
    }

    /// The segment `(i, i + 1)` holding `x` (or the single vertex `(i, i)` at its ends),
    /// with the weight `t` of vertex `i + 1`.
    fn locate(&self, x: f64) -> (usize, usize, f64) {
        let last = self.v.len() - 1;
        let j = self.v.partition_point(|q| q.x <= x); // first vertex right of x
        if j == 0 {
            return (0, 0, 0.0);
        }
        let i = j - 1;
        if i == last || self.v[i].x == x {
            return (i, i, 0.0);
        }
        let (a, b) = (self.v[i], self.v[i + 1]);
        (i, i + 1, (x - a.x) / (b.x - a.x))
    }

    /// `U(x)`: the hull's height at `x`.
    fn at(&self, x: f64) -> f64 {
        let (i, j, t) = self.locate(x);
        if i == j {
            self.v[i].w
        } else {
            (1.0 - t) * self.v[i].w + t * self.v[j].w
        }
    }

    /// The rule that reaches `(x, w)`, `w` between the diagonal `sign * x` and the hull: the
    /// hull point at `x` (a mix of two thresholds) with weight `lambda`, otherwise a coin of
    /// probability `x` whatever the score (the diagonal, which every group reaches).
    fn towards_diagonal(&self, x: f64, w: f64, sign: f64) -> OddsMix {
        let (i, j, t) = self.locate(x);
        let on_hull = self.at(x);
        let diagonal = sign * x;
        let lambda = if on_hull - diagonal > 0.0 {
            ((w - diagonal) / (on_hull - diagonal)).clamp(0.0, 1.0)
        } else {
            1.0
        };
        let (k1, k2, p) = match (self.v[i].k, self.v[j].k, t) {
            (k1, _, t) if t <= 0.0 => (k1, k1, 0.0),
            (_, k2, t) if t >= 1.0 => (k2, k2, 0.0),
            (k1, k2, t) => (k1, k2, t),
        };
        OddsMix {
            k1,
            k2,
            p,
            lambda,
            x,
        }
    }

    /// The line `w = alpha + beta x` of the hull over the open interval `(l, r)`, which
    /// must not contain a vertex.
    fn line(&self, l: f64, r: f64) -> (f64, f64) {
        let m = 0.5 * (l + r);
        let j = self
            .v
            .partition_point(|q| q.x <= m)
            .clamp(1, self.v.len() - 1);
        let (a, b) = (self.v[j - 1], self.v[j]);
        let beta = (b.w - a.w) / (b.x - a.x);
        (a.w - beta * a.x, beta)
    }
}

/// One group's randomized rule for the common point: with probability `lambda` follow the
/// hull (the first `k1` blocks flagged, the blocks `k1..k2` flagged with probability `p`),
/// otherwise flag with probability `x` whatever the score (the diagonal).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OddsMix {
    /// Blocks flagged on the hull's first vertex.
    pub k1: usize,
    /// Blocks flagged on its second vertex (`k2 >= k1`).
    pub k2: usize,
    /// Weight of the second vertex.
    pub p: f64,
    /// Weight of the hull point against the diagonal.
    pub lambda: f64,
    /// The common false-positive rate (the diagonal's coin).
    pub x: f64,
}

impl OddsMix {
    /// Flag probabilities of the top blocks (`< k1`), the band (`k1..k2`) and the rest.
    pub(crate) fn probabilities(&self) -> (f64, f64, f64) {
        let floor = (1.0 - self.lambda) * self.x;
        (self.lambda + floor, self.lambda * self.p + floor, floor)
    }
}

/// Rates (in `[0, 1]`) closer than this are one abscissa of the equalized-odds search.
const SAME_RATE: f64 = 1e-12;

/// The exact cost-optimal equalized-odds point and each group's mix; `None` when a group
/// lacks positives or negatives (checked by the caller beforehand).
pub(crate) fn equalized_odds(groups: &[&SortedCounts], cost: &CostMatrix) -> Option<Vec<OddsMix>> {
    if groups.is_empty()
        || groups
            .iter()
            .any(|c| c.total_pos() <= 0.0 || c.total_neg() <= 0.0)
    {
        return None;
    }
    let (neg, pos): (f64, f64) = groups.iter().fold((0.0, 0.0), |(n, p), c| {
        (n + c.total_neg(), p + c.total_pos())
    });
    let a = neg * (cost.fp_cost() - cost.tn_cost());
    let ay = pos * (cost.tp_cost() - cost.fn_cost());
    // Maximise sign * y: up to the upper hulls when a higher TPR lowers the cost.
    let sign = if ay <= 0.0 { 1.0 } else { -1.0 };
    let b = ay.abs();
    let hulls: Vec<Hull> = groups.iter().map(|c| Hull::new(c, sign)).collect();
    let envelope = |x: f64| hulls.iter().map(|h| h.at(x)).fold(f64::INFINITY, f64::min);
    let phi = |x: f64| a * x - b * envelope(x);

    // Every vertex abscissa of every group, sorted and distinct: phi is linear in each
    // group between them, so its minimum over them brackets the true one.
    // Abscissae a rounding error apart (the same rate reached by two groups, summed in
    // different orders: 0.6 and 0.6000000000000001) count once: phi computed at both is
    // equal up to rounding, which the binary search below would read as the flat bottom of
    // a slope. The exact search between the neighbours of the minimum covers what is merged.
    let mut xs: Vec<f64> = hulls.iter().flat_map(|h| h.v.iter().map(|q| q.x)).collect();
    xs.sort_unstable_by(f64::total_cmp);
    xs.dedup_by(|b, a| *b - *a <= SAME_RATE);
    // phi is convex: its discrete minimum over the abscissae.
    let i = crate::search::first_minimum(&xs, phi)?;
    let mut best = (phi(xs[i]), xs[i]);
    for (l, r) in [
        (xs[i.saturating_sub(1)], xs[i]),
        (xs[i], xs[(i + 1).min(xs.len() - 1)]),
    ] {
        if r > l {
            let (value, x) = min_of_max_lines(&hulls, a, b, l, r);
            if value < best.0 {
                best = (value, x);
            }
        }
    }
    let x = best.1;
    let w = envelope(x);
    Some(
        hulls
            .iter()
            .map(|h| h.towards_diagonal(x, w, sign))
            .collect(),
    )
}

/// Rates within this of the tolerance's edge are left to the solver's feasibility
/// tolerance: the box the linear program sees is this much narrower, so every group's rates
/// stay within the tolerance asked for.
const LP_FEASIBILITY: f64 = 1e-10;

/// Equalized odds within a tolerance: every group's (FPR, TPR) inside one box
/// `[X, X + tol] x [Y, Y + tol]`, at the lowest expected cost over all mixtures of every
/// group's thresholds.
///
/// With `tol > 0` the groups no longer share a point, and the cheapest box is found by a
/// linear program: one weight per vertex of each group's ROC convex hull (upper and lower
/// hull: every mixture of thresholds is a mixture of those), the box corner free, the
/// groups' rates held in the box. The simplex solves it to a feasibility tolerance of
/// [`LP_FEASIBILITY`] (the box it sees is narrowed by twice that, so the rates returned
/// are within `tol`). Each group's point then becomes a rule as in [`equalized_odds`]: the
/// hull point at its FPR mixed with the diagonal's coin.
///
/// # Errors
/// `Err(reason)` when the solver fails (numerically; the problem itself always has a
/// solution, since every group can reach the diagonal).
pub(crate) fn equalized_odds_within(
    groups: &[&SortedCounts],
    cost: &CostMatrix,
    tol: f64,
) -> Result<Vec<OddsMix>, String> {
    use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOptions, Tolerances};
    let total: f64 = groups.iter().map(|c| c.total_pos() + c.total_neg()).sum();
    let width = (tol - 2.0 * LP_FEASIBILITY).max(0.0);
    let mut lp = Problem::new(OptimizationDirection::Minimize);
    let corner_x = lp.add_var(0.0, (-1.0, 1.0));
    let corner_y = lp.add_var(0.0, (-1.0, 1.0));
    let mut hulls = Vec::with_capacity(groups.len());
    let mut weights = Vec::with_capacity(groups.len());
    for c in groups {
        let (upper, lower) = (Hull::new(c, 1.0), Hull::new(c, -1.0));
        // Costs per unit of FPR and TPR, in units of the total weight (coefficients of
        // order one keep the simplex well conditioned).
        let per_x = c.total_neg() * (cost.fp_cost() - cost.tn_cost()) / total;
        let per_y = c.total_pos() * (cost.tp_cost() - cost.fn_cost()) / total;
        let points: Vec<(f64, f64)> = upper
            .v
            .iter()
            .map(|q| (q.x, q.w))
            .chain(lower.v.iter().map(|q| (q.x, -q.w)))
            .collect();
        let vars: Vec<_> = points
            .iter()
            .map(|&(x, y)| lp.add_var(per_x * x + per_y * y, (0.0, f64::INFINITY)))
            .collect();
        let sum: Vec<_> = vars.iter().map(|&v| (v, 1.0)).collect();
        lp.add_constraint(&sum, ComparisonOp::Eq, 1.0);
        for (axis, corner) in [(0, corner_x), (1, corner_y)] {
            let mut rate: Vec<_> = vars
                .iter()
                .zip(&points)
                .map(|(&v, p)| (v, if axis == 0 { p.0 } else { p.1 }))
                .collect();
            rate.push((corner, -1.0));
            lp.add_constraint(&rate, ComparisonOp::Ge, 0.0);
            lp.add_constraint(&rate, ComparisonOp::Le, width);
        }
        hulls.push((upper, lower));
        weights.push((vars, points));
    }
    let mut tolerances = Tolerances::default();
    tolerances.feasibility = LP_FEASIBILITY;
    let mut options = SolveOptions::default();
    options.tolerances = tolerances;
    let solution = lp
        .solve_with(options)
        .map_err(|e| e.to_string())?
        .into_solution()
        .map_err(|_| "interrupted".to_owned())?;
    Ok(hulls
        .iter()
        .zip(&weights)
        .map(|((upper, lower), (vars, points))| {
            // The group's point: the mixture of its hull vertices the program chose.
            let lambdas: Vec<f64> = vars
                .iter()
                .map(|&v| solution.var_value(v).max(0.0))
                .collect();
            let mass: f64 = lambdas.iter().sum();
            let (x, y) = lambdas
                .iter()
                .zip(points)
                .fold((0.0, 0.0), |(x, y), (l, p)| {
                    (x + l * p.0 / mass, y + l * p.1 / mass)
                });
            let x = x.clamp(0.0, 1.0);
            // Above the diagonal, from the upper hull towards it; below, from the lower
            // (in w = -y, where the lower hull is an upper one).
            if y >= x {
                upper.towards_diagonal(x, y, 1.0)
            } else {
                lower.towards_diagonal(x, -y, -1.0)
            }
        })
        .collect())
}

/// The minimum over `[l, r]` of `max_g (a x - b (alpha_g + beta_g x))`, where no group's
/// hull has a vertex strictly inside `(l, r)`: walk the upper envelope of the lines from
/// `l` rightwards while it descends. Returns `(value, x)`.
fn min_of_max_lines(hulls: &[Hull], a: f64, b: f64, l: f64, r: f64) -> (f64, f64) {
    let lines: Vec<(f64, f64)> = hulls
        .iter()
        .map(|h| {
            let (alpha, beta) = h.line(l, r);
            (-b * alpha, a - b * beta)
        })
        .collect();
    let value = |x: f64| {
        lines
            .iter()
            .map(|&(c, s)| c + s * x)
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let mut x = l;
    for _ in 0..=lines.len() {
        let top = value(x);
        // The envelope's slope just right of x: the steepest line attaining the top there.
        let slope = lines
            .iter()
            .filter(|&&(c, s)| c + s * x >= top - 1e-12 * top.abs().max(1.0))
            .map(|&(_, s)| s)
            .fold(f64::NEG_INFINITY, f64::max);
        if slope >= 0.0 {
            break;
        }
        // The first steeper line to overtake it.
        let next = lines
            .iter()
            .filter(|&&(_, s)| s > slope)
            .map(|&(c, s)| x + (top - (c + s * x)) / (s - slope))
            .fold(r, f64::min);
        if next <= x {
            break;
        }
        x = next.min(r);
        if x >= r {
            break;
        }
    }
    (value(x), x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlops_core::BinaryTask;

    fn counts(scores: &[f64], labels: &[u8]) -> SortedCounts {
        let task = BinaryTask::new(scores, labels).unwrap();
        SortedCounts::new(&task)
    }

    #[test]
    fn hull_of_a_perfect_ranking_is_the_corner() {
        let c = counts(&[0.9, 0.8, 0.2, 0.1], &[1, 1, 0, 0]);
        let h = Hull::new(&c, 1.0);
        let xy: Vec<(f64, f64)> = h.v.iter().map(|q| (q.x, q.w)).collect();
        assert_eq!(xy, vec![(0.0, 1.0), (1.0, 1.0)]);
    }

    #[test]
    fn identical_groups_keep_their_own_optimum() {
        // Two copies of one group: the common point is each group's own best point.
        let c = counts(
            &[0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2],
            &[1, 0, 1, 1, 0, 1, 0, 0],
        );
        let mixes = equalized_odds(&[&c, &c], &CostMatrix::default()).unwrap();
        assert_eq!(mixes[0], mixes[1]);
        assert!((mixes[0].lambda - 1.0).abs() < 1e-12);
    }
}
