//! Data shared by the benches (included with `mod common;`).

#![allow(dead_code)] // each bench uses some of these

/// A seeded xorshift generator of uniforms in [0, 1): cheap, and the same stream on every
/// platform, so every bench times the same data.
pub fn uniforms(seed: u64) -> impl FnMut() -> f64 {
    let mut state = seed | 1;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `n`, or a hundredth of it (at least 1,000) when the bench binary runs in test mode
/// (`cargo test --benches` runs each bench once, unoptimised: it checks that it runs,
/// not how fast).
pub fn rows(n: usize) -> usize {
    if std::env::args().any(|a| a == "--bench") {
        n
    } else {
        (n / 100).max(1_000)
    }
}

/// Seeded scores of two correlated models with ties (rounded to 1e-4) and labels
/// correlated with them: `(champion, challenger, labels)`.
pub fn two_models(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<u8>) {
    let mut next = uniforms(seed);
    let mut a = Vec::with_capacity(n);
    let mut b = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let s = next();
        a.push((s * 1e4).round() / 1e4);
        b.push(((0.7 * s + 0.3 * next()) * 1e4).round() / 1e4);
        y.push(u8::from(next() < s));
    }
    (a, b, y)
}

/// Group names for [`lending`].
pub const GROUP_NAMES: [&str; 8] = ["a", "b", "c", "d", "e", "f", "g", "h"];

/// Seeded lending-like data in `k` groups (at most 8) of unequal size and base rate, scores
/// to 1e-6: `(scores, labels, group names)`.
pub fn lending(n: usize, k: usize, seed: u64) -> (Vec<f64>, Vec<u8>, Vec<&'static str>) {
    let k = k.clamp(1, GROUP_NAMES.len());
    let mut next = uniforms(seed);
    let mut s = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    let mut g = Vec::with_capacity(n);
    for _ in 0..n {
        // Group j takes a share that halves with j (the last takes the rest).
        let u = next();
        let j = ((-u.log2()).floor() as usize).min(k - 1);
        let bad = next() < 0.2 + 0.025 * j as f64;
        let score = (if bad { 0.3 } else { 0.0 }) + 0.6 * next() + 0.02 * j as f64;
        s.push((score * 1e6).round() / 1e6);
        y.push(u8::from(bad));
        g.push(GROUP_NAMES[j]);
    }
    (s, y, g)
}

/// Seeded probabilities to 1e-4 (ties) and labels with `P(y = 1) = p^2`: a miscalibrated
/// model, `(probabilities, labels)`.
pub fn miscalibrated(n: usize, seed: u64) -> (Vec<f64>, Vec<u8>) {
    let mut next = uniforms(seed);
    (0..n)
        .map(|_| {
            let p = (next() * 1e4).round() / 1e4;
            (p, u8::from(next() < p * p))
        })
        .unzip()
}

/// Seeded bell-shaped values (a sum of three uniforms, centred), `shift` added.
pub fn bell(n: usize, shift: f64, seed: u64) -> Vec<f64> {
    let mut next = uniforms(seed);
    (0..n)
        .map(|_| next() + next() + next() - 1.5 + shift)
        .collect()
}

/// A bare `sort_unstable_by(f64::total_cmp)` of a copy of `values` per iteration, outside
/// the timing of the copy: the lower bound beside any task that sorts its scores.
pub fn bench_sort(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    values: &[f64],
) {
    g.bench_function(criterion::BenchmarkId::new(name, values.len()), |b| {
        b.iter_batched(
            || values.to_vec(),
            |mut v| {
                v.sort_unstable_by(f64::total_cmp);
                std::hint::black_box(v)
            },
            criterion::BatchSize::LargeInput,
        )
    });
}
