//! The alternative hypothesis of a test, shared by every two-sample and paired test of the
//! library (`ks_2samp` in `mlops-drift`, the tests of [`crate::compare`]), with scipy's
//! names.

use serde::{Deserialize, Serialize};
use strum::{Display, EnumString, IntoStaticStr, VariantNames};

use crate::error::{CoreError, Result};

/// The alternative hypothesis of a test about `a` against `b` (for the Kolmogorov-Smirnov
/// test, about the CDFs `F` of the reference and `G` of the current sample).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[derive(Display, EnumString, IntoStaticStr, VariantNames)]
#[strum(
    serialize_all = "kebab-case",
    parse_err_ty = CoreError,
    parse_err_fn = Alternative::unknown
)]
pub enum Alternative {
    /// `a != b` (KS: `F != G`; the statistic is `max |F - G|`).
    #[default]
    TwoSided,
    /// `a > b` (KS: `F > G` somewhere, reference values tend to be smaller; the statistic
    /// is `max(F - G)`).
    Greater,
    /// `a < b` (KS: `F < G` somewhere, reference values tend to be larger; the statistic is
    /// `max(G - F)`).
    Less,
}

impl Alternative {
    /// Parses `"two-sided"`, `"greater"` or `"less"` (scipy's spelling).
    ///
    /// # Errors
    /// [`CoreError::InvalidParameter`] naming `alternative` for anything else.
    ///
    /// # Examples
    /// ```
    /// use mlops_core::compare::Alternative;
    /// assert_eq!(Alternative::parse("less")?, Alternative::Less);
    /// assert!(Alternative::parse("smaller").is_err());
    /// # Ok::<(), mlops_core::CoreError>(())
    /// ```
    pub fn parse(s: &str) -> Result<Self> {
        s.parse()
    }

    /// scipy's name: `"two-sided"`, `"greater"` or `"less"`.
    pub fn name(self) -> &'static str {
        self.into()
    }

    fn unknown(given: &str) -> CoreError {
        CoreError::unknown_choice("alternative", given, Self::VARIANTS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_display_and_serde_agree() {
        for (alt, name) in [
            (Alternative::TwoSided, "two-sided"),
            (Alternative::Greater, "greater"),
            (Alternative::Less, "less"),
        ] {
            assert_eq!(alt.name(), name);
            assert_eq!(alt.to_string(), name);
            assert_eq!(name.parse::<Alternative>(), Ok(alt));
            assert_eq!(
                serde_json::to_string(&alt).ok(),
                Some(format!("\"{name}\""))
            );
        }
        assert_eq!(Alternative::default(), Alternative::TwoSided);
        assert!(matches!(
            Alternative::parse("two_sided"),
            Err(CoreError::InvalidParameter { ref name, .. }) if name == "alternative"
        ));
    }
}
