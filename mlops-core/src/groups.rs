//! Group keys: sensitive columns interned to dense `u32` ids, several columns combined into
//! intersectional groups.
//!
//! Inner loops only ever see the dense ids; names are kept in a table for reports.

use std::collections::HashMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

/// One level of a group column: an integer, a string, or missing.
///
/// Levels of different kinds are different groups: the integer `1` is not the string `"1"`,
/// and [`GroupValue::Missing`] equals no string (`"(missing)"` included). One column holds
/// one kind of value (plus missing ones): [`GroupColumn`] refuses a column that mixes
/// integers and strings ([`CoreError::MixedGroupTypes`]), whose labels could not be told
/// apart. In JSON an integer is a number, a string a string and a missing value `null`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum GroupValue {
    /// An integer level (for example an encoded category).
    Int(i64),
    /// A string level.
    Str(String),
    /// A missing value (sorts after every integer and string).
    Missing,
}

/// The label of [`GroupValue::Missing`].
const MISSING_LABEL: &str = "(missing)";

/// The label of a row over all groups (a report's whole-population row): no group's label
/// is this (a string group of this name prints quoted), so the row cannot be taken for one.
pub const ALL_ROWS_LABEL: &str = "(all)";

/// What joins the values of an intersectional key's label.
const SEPARATOR: &str = " & ";

impl GroupValue {
    /// `"int"`, `"str"` or `"missing"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Int(_) => "int",
            Self::Str(_) => "str",
            Self::Missing => "missing",
        }
    }

    /// Writes the value's label; `in_tuple` when it is one of several joined by
    /// [`SEPARATOR`] (see [`GroupKey`]'s `Display` for the rules).
    fn write_label(&self, f: &mut fmt::Formatter<'_>, in_tuple: bool) -> fmt::Result {
        match self {
            Self::Int(v) => write!(f, "{v}"),
            Self::Missing => f.write_str(MISSING_LABEL),
            Self::Str(s) => {
                let quote = s == MISSING_LABEL
                    || s == ALL_ROWS_LABEL
                    || if in_tuple {
                        s.contains('&') || s.starts_with('"')
                    } else {
                        s.len() >= 2 && s.starts_with('"') && s.ends_with('"')
                    };
                if !quote {
                    return f.write_str(s);
                }
                f.write_str("\"")?;
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
        }
    }
}

impl fmt::Display for GroupValue {
    /// The value's label as a single-column key (see [`GroupKey`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_label(f, false)
    }
}

impl From<&str> for GroupValue {
    fn from(s: &str) -> Self {
        Self::Str(s.to_owned())
    }
}

impl From<String> for GroupValue {
    fn from(s: String) -> Self {
        Self::Str(s)
    }
}

impl From<i64> for GroupValue {
    fn from(v: i64) -> Self {
        Self::Int(v)
    }
}

/// The key of one (possibly intersectional) group: one value per sensitive column.
///
/// The key, not its label, is a group's identity: results hold it, policies look rules up
/// by it, and Python views are keyed by it (the value itself for one column, a tuple for
/// several). The label (`Display`) is for people, and is unambiguous among the keys of one
/// set of columns:
/// * values are joined by `" & "`; an integer prints in decimal, a missing value as
///   `(missing)`, a string as itself;
/// * a string is written in double quotes (with `\"` and `\\` escaped) where it could
///   otherwise be read as something else: when it is `"(missing)"` or `"(all)"`
///   ([`ALL_ROWS_LABEL`], the label of whole-population rows), and, in an intersectional
///   key, when it contains `&` or starts with `"`; a single-column string that starts and ends
///   with `"` is quoted too, so that quoted labels never equal bare ones.
///
/// Plain strings therefore print unchanged, two different keys over the same columns (each
/// column holding one kind of value, as [`GroupColumn`] ensures) never share a label, and no
/// key's label is [`ALL_ROWS_LABEL`].
///
/// # Examples
/// ```
/// use mlops_core::{GroupKey, GroupValue};
/// let key = |v: &[&str]| GroupKey(v.iter().map(|&s| GroupValue::from(s)).collect());
/// assert_eq!(key(&["a & b", "c"]).to_string(), r#""a & b" & c"#);
/// assert_eq!(key(&["a", "b & c"]).to_string(), r#"a & "b & c""#);
/// assert_eq!(key(&["a & b"]).to_string(), "a & b");
/// assert_eq!(key(&["(missing)"]).to_string(), r#""(missing)""#);
/// assert_eq!(key(&["(all)"]).to_string(), r#""(all)""#);
/// assert_eq!(GroupKey(vec![GroupValue::Missing]).to_string(), "(missing)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GroupKey(pub Vec<GroupValue>);

impl fmt::Display for GroupKey {
    /// The key's label (see the type's documentation).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let in_tuple = self.0.len() > 1;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(SEPARATOR)?;
            }
            v.write_label(f, in_tuple)?;
        }
        Ok(())
    }
}

/// Integer group columns whose values span fewer than this many (or fewer than the rows)
/// are factorised through a table indexed by value.
const DENSE_INT_SPAN: u64 = 1 << 16;

/// One sensitive column, factorised: a code per row and the level each code stands for.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupColumn {
    name: String,
    codes: Vec<u32>,
    levels: Vec<GroupValue>,
}

impl GroupColumn {
    /// A column of string values.
    ///
    /// # Errors
    /// [`CoreError::EmptyInput`]; more than `u32::MAX` levels is
    /// [`CoreError::InvalidParameter`].
    pub fn from_strs<S: AsRef<str>>(name: impl Into<String>, values: &[S]) -> Result<Self> {
        Self::factorize(name.into(), values.iter().map(|s| s.as_ref()), |s| {
            GroupValue::Str(s.to_owned())
        })
    }

    /// A column of integer values.
    ///
    /// # Errors
    /// As [`GroupColumn::from_strs`].
    pub fn from_ints(name: impl Into<String>, values: &[i64]) -> Result<Self> {
        let name = name.into();
        let (Some(&lo), Some(&hi)) = (values.iter().min(), values.iter().max()) else {
            return Err(CoreError::EmptyInput { input: name });
        };
        // Group ids are usually small and dense: index a table by value, O(n) without
        // hashing (levels in order of first appearance, as with the hash map).
        let span = hi.abs_diff(lo);
        if span < DENSE_INT_SPAN.max(values.len() as u64) {
            let mut table = vec![u32::MAX; span as usize + 1];
            let mut levels = Vec::new();
            let codes = values
                .iter()
                .map(|&v| {
                    let slot = &mut table[v.abs_diff(lo) as usize];
                    if *slot == u32::MAX {
                        *slot = levels.len() as u32;
                        levels.push(GroupValue::Int(v));
                    }
                    *slot
                })
                .collect();
            return Ok(Self {
                name,
                codes,
                levels,
            });
        }
        Self::factorize(name, values.iter().copied(), GroupValue::Int)
    }

    /// A column of fixed-width UTF-32 strings (numpy's `<U{width}` memory: `width` code
    /// points per row, padded with NUL), factorised in one pass with a small open-addressing
    /// table: O(n), where sorting the strings would be O(n log n).
    ///
    /// # Errors
    /// [`CoreError::EmptyInput`] for no rows (or `width == 0`).
    pub fn from_utf32(name: impl Into<String>, data: &[u32], width: usize) -> Result<Self> {
        let name = name.into();
        if width == 0 || data.len() < width {
            return Err(CoreError::EmptyInput { input: name });
        }
        let mut codes = Vec::with_capacity(data.len() / width);
        let mut levels: Vec<&[u32]> = Vec::new();
        let mut table = vec![u32::MAX; 64];
        let hash = |row: &[u32]| {
            let mut h: u64 = 0x9E37_79B9_7F4A_7C15;
            for &c in row {
                h = (h ^ u64::from(c)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                h ^= h >> 31;
            }
            h as usize
        };
        for row in data.chunks_exact(width) {
            let mask = table.len() - 1;
            let mut slot = hash(row) & mask;
            let code = loop {
                let level = table[slot];
                if level == u32::MAX {
                    let code = levels.len() as u32;
                    levels.push(row);
                    table[slot] = code;
                    break code;
                }
                if levels[level as usize] == row {
                    break level;
                }
                slot = (slot + 1) & mask;
            };
            codes.push(code);
            if 2 * levels.len() > table.len() {
                // Grow and re-insert: the table stays at most half full.
                table = vec![u32::MAX; 2 * table.len()];
                let mask = table.len() - 1;
                for (code, row) in levels.iter().enumerate() {
                    let mut slot = hash(row) & mask;
                    while table[slot] != u32::MAX {
                        slot = (slot + 1) & mask;
                    }
                    table[slot] = code as u32;
                }
            }
        }
        let levels = levels
            .iter()
            .map(|row| {
                let end = row.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
                GroupValue::Str(
                    row[..end]
                        .iter()
                        .map(|&c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
                        .collect(),
                )
            })
            .collect();
        Self::from_codes(name, codes, levels)
    }

    /// A column already factorised elsewhere (a pandas categorical, an Arrow dictionary):
    /// `codes[i]` indexes `levels`.
    ///
    /// # Errors
    /// [`CoreError::EmptyInput`], [`CoreError::GroupCodeOutOfRange`],
    /// [`CoreError::DuplicateGroupLevel`], [`CoreError::MixedGroupTypes`] for levels that
    /// mix integers and strings.
    pub fn from_codes(
        name: impl Into<String>,
        codes: Vec<u32>,
        levels: Vec<GroupValue>,
    ) -> Result<Self> {
        let name = name.into();
        if codes.is_empty() {
            return Err(CoreError::EmptyInput { input: name });
        }
        if let Some((index, &code)) = codes
            .iter()
            .enumerate()
            .find(|&(_, &c)| c as usize >= levels.len())
        {
            return Err(CoreError::GroupCodeOutOfRange {
                column: name,
                index,
                code,
                levels: levels.len(),
            });
        }
        let mut seen = std::collections::HashSet::with_capacity(levels.len());
        for level in &levels {
            if !seen.insert(level) {
                return Err(CoreError::DuplicateGroupLevel {
                    column: name,
                    level: level.to_string(),
                });
            }
        }
        check_one_kind(&name, &levels)?;
        Ok(Self {
            name,
            codes,
            levels,
        })
    }

    fn factorize<K: Eq + std::hash::Hash + Copy>(
        name: String,
        values: impl ExactSizeIterator<Item = K>,
        to_value: impl Fn(K) -> GroupValue,
    ) -> Result<Self> {
        if values.len() == 0 {
            return Err(CoreError::EmptyInput { input: name });
        }
        let mut index: HashMap<K, u32> = HashMap::new();
        let mut levels = Vec::new();
        let mut codes = Vec::with_capacity(values.len());
        for v in values {
            let next = u32::try_from(levels.len()).map_err(|_| {
                CoreError::invalid_parameter(&name, "more than 2^32 levels", "too many levels")
            })?;
            let code = *index.entry(v).or_insert_with(|| {
                levels.push(to_value(v));
                next
            });
            codes.push(code);
        }
        Ok(Self {
            name,
            codes,
            levels,
        })
    }

    /// The column name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.codes.len()
    }

    /// Always `false`: an empty column is rejected at construction.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
}

/// Refuses levels that mix integers and strings: `1` and `"1"` would be two groups with one
/// label, and a caller holding one of them could not say which it meant.
fn check_one_kind(column: &str, levels: &[GroupValue]) -> Result<()> {
    let int = levels.iter().find_map(|l| match l {
        GroupValue::Int(v) => Some(*v),
        _ => None,
    });
    let text = levels.iter().find_map(|l| match l {
        GroupValue::Str(s) => Some(s),
        _ => None,
    });
    match (int, text) {
        (Some(int_value), Some(str_value)) => Err(CoreError::MixedGroupTypes {
            column: column.to_owned(),
            int_value,
            str_value: str_value.clone(),
        }),
        _ => Ok(()),
    }
}

/// Rows assigned to groups: a dense id per row and a sorted table of group keys.
///
/// Several columns combine into intersectional groups; only combinations that occur are
/// groups. Groups are numbered in the sorted order of their keys (column by column; in a
/// column, integers or strings in order, then missing), so ids do not depend on row order.
///
/// # Examples
/// ```
/// use mlops_core::{GroupColumn, Groups};
/// let sex = GroupColumn::from_strs("sex", &["f", "m", "f", "m"])?;
/// let age = GroupColumn::from_ints("age_over_25", &[1, 1, 0, 1])?;
/// let groups = Groups::new(vec![sex, age])?;
/// let names: Vec<String> = groups.keys().iter().map(|k| k.to_string()).collect();
/// assert_eq!(names, ["f & 0", "f & 1", "m & 1"]);
/// assert_eq!(groups.ids(), &[1, 2, 0, 2]);
/// # Ok::<(), mlops_core::CoreError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Groups {
    columns: Vec<String>,
    ids: Vec<u32>,
    keys: Vec<GroupKey>,
    sizes: Vec<usize>,
}

impl Groups {
    /// Combines one or more factorised columns.
    ///
    /// # Errors
    /// [`CoreError::NoGroupColumns`], [`CoreError::LengthMismatch`] between columns.
    pub fn new(columns: Vec<GroupColumn>) -> Result<Self> {
        let first = columns.first().ok_or(CoreError::NoGroupColumns)?;
        let n = first.len();
        for c in &columns[1..] {
            crate::input::check_len(&c.name, c.len(), &first.name, n)?;
        }
        // Combine row by row into a tuple of level codes, interned in first-seen order.
        let mut index: HashMap<Vec<u32>, u32> = HashMap::new();
        let mut combos: Vec<Vec<u32>> = Vec::new();
        let mut raw = Vec::with_capacity(n);
        if let [only] = columns.as_slice() {
            raw.clone_from(&only.codes);
            let mut used = vec![false; only.levels.len()];
            for &c in &only.codes {
                used[c as usize] = true;
            }
            combos = (0..only.levels.len())
                .filter(|&l| used[l])
                .map(|l| vec![l as u32])
                .collect();
        } else {
            let mut key = vec![0u32; columns.len()];
            for i in 0..n {
                for (k, c) in key.iter_mut().zip(&columns) {
                    *k = c.codes[i];
                }
                let next = combos.len() as u32;
                let id = *index.entry(key.clone()).or_insert_with(|| {
                    combos.push(key.clone());
                    next
                });
                raw.push(id);
            }
        }
        // Sort the groups by key and renumber.
        let mut keyed: Vec<(GroupKey, usize)> = combos
            .iter()
            .enumerate()
            .map(|(i, combo)| {
                let parts = combo
                    .iter()
                    .zip(&columns)
                    .map(|(&code, c)| c.levels[code as usize].clone())
                    .collect();
                (GroupKey(parts), i)
            })
            .collect();
        keyed.sort();
        let single = columns.len() == 1;
        // Map from the raw id (a level code for one column, a combo id otherwise) to the
        // sorted group id.
        let raw_len = if single {
            columns[0].levels.len()
        } else {
            combos.len()
        };
        let mut remap = vec![0u32; raw_len];
        for (new_id, (_, old)) in keyed.iter().enumerate() {
            let raw_id = if single {
                combos[*old][0] as usize
            } else {
                *old
            };
            remap[raw_id] = new_id as u32;
        }
        let mut sizes = vec![0usize; keyed.len()];
        let ids: Vec<u32> = raw
            .iter()
            .map(|&r| {
                let id = remap[r as usize];
                sizes[id as usize] += 1;
                id
            })
            .collect();
        Ok(Self {
            columns: columns.into_iter().map(|c| c.name).collect(),
            ids,
            keys: keyed.into_iter().map(|(k, _)| k).collect(),
            sizes,
        })
    }

    /// One column of strings; a shortcut for the common case.
    ///
    /// # Errors
    /// As [`GroupColumn::from_strs`].
    pub fn from_strs<S: AsRef<str>>(name: impl Into<String>, values: &[S]) -> Result<Self> {
        Self::new(vec![GroupColumn::from_strs(name, values)?])
    }

    /// The group id of every row.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// The key of every group, indexed by id.
    pub fn keys(&self) -> &[GroupKey] {
        &self.keys
    }

    /// The names of the sensitive columns.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// Rows per group, indexed by id.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Number of groups.
    pub fn n_groups(&self) -> usize {
        self.keys.len()
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Always `false`: empty columns are rejected at construction.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The id of the group with this key, if any.
    pub fn id_of(&self, key: &GroupKey) -> Option<u32> {
        self.keys.binary_search(key).ok().map(|i| i as u32)
    }
}
