//! The special functions behind this crate's p-values and intervals live in
//! [`mlops_core::special`], shared by every crate; re-exported here.

pub use mlops_core::special::{
    beta_inc, beta_isf, beta_ppf, beta_sf, chi2_sf, gamma_q, normal_isf, normal_ppf, normal_sf,
};
