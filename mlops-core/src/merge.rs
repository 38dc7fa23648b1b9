//! A k-way merge of sorted runs, grouped by equal keys: the way per-group results combine
//! without sorting again.
//!
//! For a few runs (the usual number of groups) a linear scan of the heads beats a binary
//! heap several times over; for many runs the heap's O(log k) wins.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// The direction the runs are sorted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Smallest key first.
    Ascending,
    /// Largest key first.
    Descending,
}

/// Up to this many runs, the heads are scanned linearly.
const LINEAR_MAX: usize = 16;

/// Walks the union of `runs` (each sorted in `order`, by `f64::total_cmp`) key by key. For
/// each distinct key, `visit(key, members)` receives every `(run, index)` holding that key,
/// runs in increasing order and, within a run, indices in increasing order.
pub fn merge_runs(runs: &[&[f64]], order: Order, mut visit: impl FnMut(f64, &[(usize, usize)])) {
    let before = |a: f64, b: f64| match order {
        Order::Ascending => a.total_cmp(&b) == Ordering::Less,
        Order::Descending => a.total_cmp(&b) == Ordering::Greater,
    };
    let mut next = vec![0usize; runs.len()];
    let mut members: Vec<(usize, usize)> = Vec::with_capacity(runs.len());
    if runs.len() <= LINEAR_MAX {
        loop {
            let mut key: Option<f64> = None;
            for (r, run) in runs.iter().enumerate() {
                if let Some(&k) = run.get(next[r])
                    && key.is_none_or(|best| before(k, best))
                {
                    key = Some(k);
                }
            }
            let Some(key) = key else { break };
            members.clear();
            for (r, run) in runs.iter().enumerate() {
                while run.get(next[r]) == Some(&key) {
                    members.push((r, next[r]));
                    next[r] += 1;
                }
            }
            visit(key, &members);
        }
        return;
    }
    /// A run's next key; the max-heap pops the key that comes first in `order`, ties by run.
    struct Head(f64, usize, Order);
    impl PartialEq for Head {
        fn eq(&self, o: &Self) -> bool {
            self.cmp(o) == Ordering::Equal
        }
    }
    impl Eq for Head {}
    impl PartialOrd for Head {
        fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
            Some(self.cmp(o))
        }
    }
    impl Ord for Head {
        fn cmp(&self, o: &Self) -> Ordering {
            let by_key = match self.2 {
                Order::Ascending => o.0.total_cmp(&self.0),
                Order::Descending => self.0.total_cmp(&o.0),
            };
            by_key.then(o.1.cmp(&self.1))
        }
    }
    let mut heap: BinaryHeap<Head> = runs
        .iter()
        .enumerate()
        .filter_map(|(r, run)| run.first().map(|&k| Head(k, r, order)))
        .collect();
    while let Some(Head(key, r, _)) = heap.pop() {
        members.clear();
        let mut take =
            |r: usize, members: &mut Vec<(usize, usize)>, heap: &mut BinaryHeap<Head>| {
                while runs[r].get(next[r]) == Some(&key) {
                    members.push((r, next[r]));
                    next[r] += 1;
                }
                if let Some(&k) = runs[r].get(next[r]) {
                    heap.push(Head(k, r, order));
                }
            };
        take(r, &mut members, &mut heap);
        while heap.peek().is_some_and(|h| h.0 == key) {
            if let Some(Head(_, r2, _)) = heap.pop() {
                take(r2, &mut members, &mut heap);
            }
        }
        visit(key, &members);
    }
}

/// Merges two runs sorted by `before` (`before(x, y)`: `x` strictly precedes `y`); on ties
/// `a`'s element comes first. The selection is branch-free: when the runs interleave at
/// random, a branch on the comparison would be mispredicted half the time.
pub fn merge_two<T: Copy>(a: &[T], b: &[T], before: &impl Fn(&T, &T) -> bool) -> Vec<T> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let pair = [a[i], b[j]];
        let take_b = usize::from(before(&pair[1], &pair[0]));
        out.push(pair[take_b]);
        j += take_b;
        i += 1 - take_b;
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Merges runs, each sorted by `before`, into one sorted run: a balanced tree of
/// [`merge_two`]s, halves in parallel when large (and parallelism is on). Stable: on ties,
/// elements of earlier runs come first, and within a run their order is kept.
pub fn merge_sorted<T, F>(runs: &[Vec<T>], before: &F) -> Vec<T>
where
    T: Copy + Send + Sync,
    F: Fn(&T, &T) -> bool + Sync,
{
    match runs.len() {
        0 => Vec::new(),
        1 => runs[0].clone(),
        n => {
            let mid = n / 2;
            let size: usize = runs.iter().map(Vec::len).sum();
            let (a, b) = crate::parallel::join(
                size >= 1 << 16,
                || merge_sorted(&runs[..mid], before),
                || merge_sorted(&runs[mid..], before),
            );
            merge_two(&a, &b, before)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(runs: &[&[f64]], order: Order) -> Vec<(f64, Vec<(usize, usize)>)> {
        let mut out = Vec::new();
        merge_runs(runs, order, |k, m| out.push((k, m.to_vec())));
        out
    }

    #[test]
    fn linear_and_heap_paths_agree_with_a_sort() {
        // 20 runs force the heap path; the first 3 the linear one.
        let runs: Vec<Vec<f64>> = (0..20)
            .map(|r| {
                (0..(r % 5 + 1))
                    .map(|i| f64::from((i * 3 + r) % 7))
                    .collect()
            })
            .collect();
        for order in [Order::Ascending, Order::Descending] {
            let sorted: Vec<Vec<f64>> = runs
                .iter()
                .map(|r| {
                    let mut r = r.clone();
                    r.sort_by(|a, b| match order {
                        Order::Ascending => a.total_cmp(b),
                        Order::Descending => b.total_cmp(a),
                    });
                    r
                })
                .collect();
            for k in [3, 20] {
                let refs: Vec<&[f64]> = sorted[..k].iter().map(Vec::as_slice).collect();
                let got = collect(&refs, order);
                // Every element once, keys in order, members in (run, index) order.
                let mut all: Vec<(f64, usize, usize)> = Vec::new();
                for (r, run) in refs.iter().enumerate() {
                    for (i, &v) in run.iter().enumerate() {
                        all.push((v, r, i));
                    }
                }
                all.sort_by(|a, b| {
                    let c = match order {
                        Order::Ascending => a.0.total_cmp(&b.0),
                        Order::Descending => b.0.total_cmp(&a.0),
                    };
                    c.then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2))
                });
                let flat: Vec<(f64, usize, usize)> = got
                    .iter()
                    .flat_map(|(k, m)| m.iter().map(move |&(r, i)| (*k, r, i)))
                    .collect();
                assert_eq!(flat, all, "k = {k}, {order:?}");
            }
        }
    }
}
