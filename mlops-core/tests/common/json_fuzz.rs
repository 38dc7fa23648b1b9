//! Fuzzing deserialisers: arbitrary JSON documents, and edits of a valid serialised object
//! (change a number, drop or duplicate a field, change a value's JSON type, truncate or
//! reorder an array, cut the text). Shared by the `serde_fuzz.rs` tests of every crate
//! (included with `#[path]`).
#![allow(dead_code, missing_docs, clippy::unwrap_used)]

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// A step into a JSON document.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

/// The paths of every node (the root first), in document order.
fn paths(v: &Value) -> Vec<Vec<Seg>> {
    fn walk(v: &Value, here: &mut Vec<Seg>, out: &mut Vec<Vec<Seg>>) {
        out.push(here.clone());
        match v {
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    here.push(Seg::Index(i));
                    walk(x, here, out);
                    here.pop();
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    here.push(Seg::Key(k.clone()));
                    walk(x, here, out);
                    here.pop();
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut Vec::new(), &mut out);
    out
}

fn node_mut<'a>(v: &'a mut Value, path: &[Seg]) -> Option<&'a mut Value> {
    let mut cur = v;
    for s in path {
        cur = match (s, cur) {
            (Seg::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn node<'a>(v: &'a Value, path: &[Seg]) -> Option<&'a Value> {
    let mut cur = v;
    for s in path {
        cur = match (s, cur) {
            (Seg::Key(k), Value::Object(m)) => m.get(k)?,
            (Seg::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Marks a key to be written twice: `serde_json`'s maps cannot hold a key twice, so the
/// copy goes in under this prefix, which is stripped from the text.
const DUPLICATE: &str = "\u{1}dup\u{1}";

/// One edit of a document. `at` picks a node among those the edit applies to (modulo their
/// number); an edit with no such node does nothing.
#[derive(Clone, Debug)]
pub enum Edit {
    /// Replaces any node with `with`.
    Replace { at: usize, with: Value },
    /// Changes a number: `how` picks negation, +1, *2, /2, a tiny step, 0, 7, -1, 2^64.
    Nudge { at: usize, how: u8 },
    /// Removes a field or an array element.
    Drop { at: usize },
    /// Writes a field twice (the copy first) or repeats an array element.
    Duplicate { at: usize },
    /// Keeps the content, changes the JSON type (number to string, array to object, ...).
    Retype { at: usize },
    /// Keeps the first `keep` elements of an array.
    Truncate { at: usize, keep: usize },
    /// Swaps two elements of an array.
    Swap { at: usize, a: usize, b: usize },
    /// Cuts the final text at this fraction of its length.
    Cut { fraction: f64 },
}

fn pick(candidates: &[Vec<Seg>], at: usize) -> Option<&Vec<Seg>> {
    (!candidates.is_empty()).then(|| &candidates[at % candidates.len()])
}

fn nudge(x: f64, how: u8) -> Value {
    let v = match how % 10 {
        0 => -x,
        1 => x + 1.0,
        2 => x * 2.0,
        3 => x / 2.0,
        4 => x + 1e-9 * x.abs().max(1.0),
        5 => 0.0,
        6 => 7.0,
        7 => -1.0,
        8 => return Value::Number(Number::from(u64::MAX)),
        _ => x - 1.0,
    };
    Number::from_f64(v).map_or(Value::Null, Value::Number)
}

fn retype(v: &Value) -> Value {
    match v {
        Value::Null => Value::from(0),
        Value::Bool(b) => Value::from(u8::from(*b)),
        Value::Number(n) => Value::String(n.to_string()),
        Value::String(s) => s
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map_or(Value::Array(vec![Value::String(s.clone())]), Value::Number),
        Value::Array(a) => Value::Object(
            a.iter()
                .enumerate()
                .map(|(i, x)| (i.to_string(), x.clone()))
                .collect::<Map<_, _>>(),
        ),
        Value::Object(m) => Value::Array(m.values().cloned().collect()),
    }
}

/// Applies `edits` in order to `doc` and returns the text.
pub fn apply(doc: &Value, edits: &[Edit]) -> String {
    let mut v = doc.clone();
    let mut cut = None;
    for e in edits {
        let all = paths(&v);
        let non_root: Vec<Vec<Seg>> = all.iter().filter(|p| !p.is_empty()).cloned().collect();
        let of = |want: fn(&Value) -> bool| -> Vec<Vec<Seg>> {
            all.iter()
                .filter(|p| node(&v, p).is_some_and(want))
                .cloned()
                .collect()
        };
        match e {
            Edit::Replace { at, with } => {
                if let Some(p) = pick(&all, *at)
                    && let Some(n) = node_mut(&mut v, p)
                {
                    *n = with.clone();
                }
            }
            Edit::Nudge { at, how } => {
                let numbers = of(Value::is_number);
                if let Some(p) = pick(&numbers, *at)
                    && let Some(n) = node_mut(&mut v, p)
                {
                    let x = n.as_f64().unwrap_or(0.0);
                    *n = nudge(x, *how);
                }
            }
            Edit::Drop { at } => {
                if let Some(p) = pick(&non_root, *at) {
                    let (last, parent) = p.split_last().unwrap();
                    match (node_mut(&mut v, parent), last) {
                        (Some(Value::Object(m)), Seg::Key(k)) => {
                            m.remove(k);
                        }
                        (Some(Value::Array(a)), Seg::Index(i)) if *i < a.len() => {
                            a.remove(*i);
                        }
                        _ => {}
                    }
                }
            }
            Edit::Duplicate { at } => {
                if let Some(p) = pick(&non_root, *at) {
                    let (last, parent) = p.split_last().unwrap();
                    match (node_mut(&mut v, parent), last) {
                        (Some(Value::Object(m)), Seg::Key(k)) if !k.starts_with(DUPLICATE) => {
                            if let Some(x) = m.get(k).cloned() {
                                m.insert(format!("{DUPLICATE}{k}"), x);
                            }
                        }
                        (Some(Value::Array(a)), Seg::Index(i)) if *i < a.len() => {
                            let x = a[*i].clone();
                            a.insert(*i, x);
                        }
                        _ => {}
                    }
                }
            }
            Edit::Retype { at } => {
                if let Some(p) = pick(&all, *at)
                    && let Some(n) = node_mut(&mut v, p)
                {
                    *n = retype(n);
                }
            }
            Edit::Truncate { at, keep } => {
                let arrays = of(Value::is_array);
                if let Some(p) = pick(&arrays, *at)
                    && let Some(Value::Array(a)) = node_mut(&mut v, p)
                {
                    let k = if a.is_empty() { 0 } else { keep % a.len() };
                    a.truncate(k);
                }
            }
            Edit::Swap { at, a: i, b: j } => {
                let arrays = of(Value::is_array);
                if let Some(p) = pick(&arrays, *at)
                    && let Some(Value::Array(a)) = node_mut(&mut v, p)
                    && !a.is_empty()
                {
                    let n = a.len();
                    a.swap(i % n, j % n);
                }
            }
            Edit::Cut { fraction } => cut = Some(*fraction),
        }
    }
    let text = serde_json::to_string(&v).unwrap();
    // The duplicate marker is written with its control characters escaped.
    let text = text.replace("\"\\u0001dup\\u0001", "\"");
    match cut {
        Some(f) => {
            let mut at = ((text.len() as f64) * f.clamp(0.0, 1.0)) as usize;
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            text[..at].to_owned()
        }
        None => text,
    }
}

/// Numbers that break invariants: signs, zero, probabilities' edges, huge and tiny values,
/// integers beyond `u64` and `f64`'s exact range.
pub fn number() -> BoxedStrategy<Value> {
    prop_oneof![
        prop::sample::select(vec![
            0.0, -0.0, 1.0, -1.0, 0.5, 7.0, 5.0, 1e-300, 1e308, -1e308, 1e6, 1e7, 0.999, 1.5, 2.0,
            -0.5, 36.0, 1e15
        ])
        .prop_map(|x| Value::Number(Number::from_f64(x).unwrap())),
        prop::sample::select(vec![
            0u64,
            1,
            2,
            3,
            8,
            64,
            65,
            200,
            1 << 53,
            (1 << 53) + 1,
            u64::MAX,
            u64::from(u32::MAX),
        ])
        .prop_map(|x| Value::Number(Number::from(x))),
        (-1000i64..1000).prop_map(|x| Value::Number(Number::from(x))),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(|x| Value::Number(Number::from_f64(x).unwrap())),
    ]
    .boxed()
}

/// A leaf: null, a boolean, a number of [`number`], or a string (including the
/// non-finite floats' spellings and the enum names used across the crates).
pub fn leaf() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        number(),
        prop::sample::select(vec![
            "",
            "inf",
            "-inf",
            "nan",
            "x",
            "uniform",
            "quantile",
            "numeric",
            "categorical",
            "exact",
            "sketch",
            "proportions",
            "means",
            "fpr",
            "tpr",
            "cumulative",
            "(all)",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
        "[a-z_]{0,6}".prop_map(Value::String),
    ]
    .boxed()
}

/// Arbitrary JSON documents, up to four levels deep.
pub fn arbitrary_json() -> BoxedStrategy<Value> {
    leaf()
        .prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,10}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
        .boxed()
}

/// One edit.
pub fn edit() -> BoxedStrategy<Edit> {
    let at = any::<usize>();
    prop_oneof![
        (at, leaf()).prop_map(|(at, with)| Edit::Replace { at, with }),
        (at, arbitrary_json()).prop_map(|(at, with)| Edit::Replace { at, with }),
        (at, any::<u8>()).prop_map(|(at, how)| Edit::Nudge { at, how }),
        (at, any::<u8>()).prop_map(|(at, how)| Edit::Nudge { at, how }),
        at.prop_map(|at| Edit::Drop { at }),
        at.prop_map(|at| Edit::Duplicate { at }),
        at.prop_map(|at| Edit::Retype { at }),
        (at, any::<usize>()).prop_map(|(at, keep)| Edit::Truncate { at, keep }),
        (at, any::<usize>(), any::<usize>()).prop_map(|(at, a, b)| Edit::Swap { at, a, b }),
        (0.0..1.0f64).prop_map(|fraction| Edit::Cut { fraction }),
    ]
    .boxed()
}

/// One to four edits.
pub fn edits() -> BoxedStrategy<Vec<Edit>> {
    prop::collection::vec(edit(), 1..5).boxed()
}

/// Cases per property: `default`, or `MLOPS_FUZZ_CASES` for a long local bug hunt.
pub fn cases(default: u32) -> u32 {
    std::env::var("MLOPS_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Asserts `x` is a probability.
#[track_caller]
pub fn assert_probability(what: &str, x: f64) {
    assert!((0.0..=1.0).contains(&x), "{what} = {x}, not in [0, 1]");
}
