//! Serde helpers for floats that may be infinite (a threshold of `+inf` flags nobody).
//!
//! JSON has no infinity and `serde_json` writes non-finite floats as `null`, which would
//! not read back. These helpers write `"inf"`, `"-inf"` or `"nan"` instead, and read
//! numbers or those strings.

use serde::{Deserialize, Deserializer, Serializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumOrText {
    Num(f64),
    Text(String),
}

fn parse<E: serde::de::Error>(v: NumOrText) -> Result<f64, E> {
    match v {
        NumOrText::Num(x) => Ok(x),
        NumOrText::Text(t) => match t.as_str() {
            "inf" => Ok(f64::INFINITY),
            "-inf" => Ok(f64::NEG_INFINITY),
            "nan" => Ok(f64::NAN),
            other => Err(E::custom(format!(
                "expected a number, \"inf\", \"-inf\" or \"nan\", got {other:?}"
            ))),
        },
    }
}

fn text(v: f64) -> &'static str {
    if v.is_nan() {
        "nan"
    } else if v > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

/// One `f64`: `#[serde(with = "mlops_core::serde_float::scalar")]`.
pub mod scalar {
    use super::*;

    /// Writes a number, or a string for a non-finite value.
    ///
    /// # Errors
    /// Those of the serializer.
    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_str(text(*v))
        }
    }

    /// Reads a number or `"inf"`/`"-inf"`/`"nan"`.
    ///
    /// # Errors
    /// Anything else.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        parse(NumOrText::deserialize(d)?)
    }
}

/// A `Vec<f64>`: `#[serde(with = "mlops_core::serde_float::vec")]`.
pub mod vec {
    use super::*;
    use serde::ser::SerializeSeq;

    /// Writes each value as [`scalar`] does.
    ///
    /// # Errors
    /// Those of the serializer.
    pub fn serialize<S: Serializer>(v: &[f64], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(v.len()))?;
        for &x in v {
            if x.is_finite() {
                seq.serialize_element(&x)?;
            } else {
                seq.serialize_element(text(x))?;
            }
        }
        seq.end()
    }

    /// Reads numbers or `"inf"`/`"-inf"`/`"nan"`.
    ///
    /// # Errors
    /// Anything else.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
        Vec::<NumOrText>::deserialize(d)?
            .into_iter()
            .map(parse)
            .collect()
    }
}
