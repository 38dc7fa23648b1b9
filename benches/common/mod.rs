//! Data shared by the benches (included with `mod common;`).

/// Seeded scores of two correlated models with ties (rounded to 1e-4) and labels
/// correlated with them: `(champion, challenger, labels)`.
pub fn two_models(n: usize, seed: u64) -> (Vec<f64>, Vec<f64>, Vec<u8>) {
    let mut state = seed;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
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
