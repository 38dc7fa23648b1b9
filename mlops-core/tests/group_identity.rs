//! Group identity: a key is a tuple of typed values, and its label names it unambiguously.
//!
//! The oracle for the labels is a decoder written here from the documented rules: every
//! label decodes back to its key, so no two keys share one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use std::collections::{BTreeSet, HashMap};

use mlops_core::{ALL_ROWS_LABEL, CoreError, GroupColumn, GroupKey, GroupValue, Groups};
use proptest::prelude::*;

fn s(v: &str) -> GroupValue {
    GroupValue::Str(v.to_owned())
}

/// Reads one quoted string starting at `label[0] == '"'`; returns it and the rest.
fn unquote(label: &str) -> (String, &str) {
    let mut out = String::new();
    let mut chars = label.char_indices().skip(1);
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.push(chars.next().expect("an escaped character").1),
            '"' => return (out, &label[i + 1..]),
            c => out.push(c),
        }
    }
    panic!("unterminated quote in {label:?}")
}

/// Decodes a label, given whether each column holds integers (`true`) or strings.
fn decode(label: &str, int_columns: &[bool]) -> GroupKey {
    let many = int_columns.len() > 1;
    let mut rest = label;
    let mut values = Vec::new();
    for (c, &is_int) in int_columns.iter().enumerate() {
        if c > 0 {
            rest = rest.strip_prefix(" & ").expect("a separator");
        }
        // The token: a quoted string, or text up to the next separator (the whole rest for
        // a single column, whose bare strings may hold `&`).
        let (token, quoted, tail) =
            if rest.starts_with('"') && (many || (rest.len() >= 2 && rest.ends_with('"'))) {
                let (text, tail) = unquote(rest);
                (text, true, tail)
            } else if many {
                let end = rest.find(" & ").unwrap_or(rest.len());
                (rest[..end].to_owned(), false, &rest[end..])
            } else {
                (rest.to_owned(), false, "")
            };
        rest = tail;
        values.push(if !quoted && token == "(missing)" {
            GroupValue::Missing
        } else if is_int && !quoted {
            GroupValue::Int(token.parse().expect("an integer"))
        } else {
            GroupValue::Str(token)
        });
    }
    assert!(rest.is_empty(), "{label:?} has {rest:?} left over");
    GroupKey(values)
}

#[test]
fn intersectional_labels_do_not_collide() {
    // Before keys had an unambiguous label, both of these printed "a & b & c".
    let a = GroupKey(vec![s("a & b"), s("c")]);
    let b = GroupKey(vec![s("a"), s("b & c")]);
    assert_ne!(a.to_string(), b.to_string());
    assert_eq!(a.to_string(), r#""a & b" & c"#);
    assert_eq!(b.to_string(), r#"a & "b & c""#);
    // Plain strings (single-column ones with `&` too) print as they are.
    assert_eq!(GroupKey(vec![s("a & b")]).to_string(), "a & b");
    assert_eq!(
        GroupKey(vec![s("f"), GroupValue::Int(1)]).to_string(),
        "f & 1"
    );
    // Missing is not the string "(missing)".
    let missing = GroupKey(vec![GroupValue::Missing]);
    let text = GroupKey(vec![s("(missing)")]);
    assert_ne!(missing, text);
    assert_ne!(missing.to_string(), text.to_string());
}

#[test]
fn a_column_mixing_integers_and_strings_is_refused() {
    let e =
        GroupColumn::from_codes("g", vec![0, 1, 0], vec![GroupValue::Int(1), s("1")]).unwrap_err();
    assert_eq!(
        e,
        CoreError::MixedGroupTypes {
            column: "g".into(),
            int_value: 1,
            str_value: "1".into(),
        }
    );
    assert!(e.to_string().contains("`g`"), "{e}");
    // Missing values go with either kind.
    let ok = GroupColumn::from_codes(
        "g",
        vec![0, 1],
        vec![GroupValue::Int(1), GroupValue::Missing],
    );
    assert!(ok.is_ok());
}

#[test]
fn keys_round_trip_through_json_with_missing_as_null() {
    let key = GroupKey(vec![
        GroupValue::Missing,
        s("(missing)"),
        GroupValue::Int(-3),
    ]);
    let json = serde_json::to_string(&key).unwrap();
    assert_eq!(json, r#"[null,"(missing)",-3]"#);
    assert_eq!(serde_json::from_str::<GroupKey>(&json).unwrap(), key);
}

/// Adversarial string levels: separators, quotes, escapes and the old placeholder names.
fn level() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a",
        "b",
        "&",
        " & ",
        " ",
        "\"",
        "\\",
        "(missing)",
        "(all)",
        "overall",
        "1",
        "",
    ]);
    prop::collection::vec(pieces, 0..4).prop_map(|p| p.concat())
}

/// Columns of one kind each (with some missing values) and the same number of rows.
fn columns() -> impl Strategy<Value = (Vec<bool>, Vec<Vec<GroupValue>>)> {
    (1usize..=3, 1usize..40).prop_flat_map(|(k, n)| {
        prop::collection::vec(any::<bool>(), k).prop_flat_map(move |ints| {
            let cols: Vec<_> = ints
                .iter()
                .map(|&is_int| {
                    let value = if is_int {
                        prop_oneof![
                            4 => (-3i64..4).prop_map(GroupValue::Int),
                            1 => Just(GroupValue::Missing),
                        ]
                        .boxed()
                    } else {
                        prop_oneof![
                            4 => level().prop_map(GroupValue::Str),
                            1 => Just(GroupValue::Missing),
                        ]
                        .boxed()
                    };
                    prop::collection::vec(value, n)
                })
                .collect();
            (Just(ints.clone()), cols)
        })
    })
}

/// One column as codes into its distinct values.
fn factorise(name: &str, values: &[GroupValue]) -> GroupColumn {
    let mut index: HashMap<&GroupValue, u32> = HashMap::new();
    let mut levels = Vec::new();
    let codes = values
        .iter()
        .map(|v| {
            *index.entry(v).or_insert_with(|| {
                levels.push(v.clone());
                levels.len() as u32 - 1
            })
        })
        .collect();
    GroupColumn::from_codes(name, codes, levels).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Every label decodes to its key (so distinct keys have distinct labels), there are as
    /// many groups as distinct tuples, each row is in the group of its tuple, and the group
    /// sizes add up to the rows.
    #[test]
    fn every_group_is_one_distinct_tuple_with_its_own_label((ints, cols) in columns()) {
        let n = cols[0].len();
        let groups = Groups::new(
            cols.iter().enumerate().map(|(c, v)| factorise(&format!("c{c}"), v)).collect(),
        ).unwrap();
        let tuples: Vec<GroupKey> =
            (0..n).map(|i| GroupKey(cols.iter().map(|c| c[i].clone()).collect())).collect();
        let distinct: BTreeSet<&GroupKey> = tuples.iter().collect();
        prop_assert_eq!(groups.n_groups(), distinct.len());
        for (i, t) in tuples.iter().enumerate() {
            prop_assert_eq!(&groups.keys()[groups.ids()[i] as usize], t);
        }
        prop_assert_eq!(groups.sizes().iter().sum::<usize>(), n);
        let labels: BTreeSet<String> = groups.keys().iter().map(ToString::to_string).collect();
        prop_assert_eq!(labels.len(), groups.n_groups());
        for key in groups.keys() {
            prop_assert_eq!(&decode(&key.to_string(), &ints), key);
            prop_assert_ne!(key.to_string(), ALL_ROWS_LABEL);
        }
    }
}
