//! The special functions behind this crate's p-values and intervals live in
//! [`mlops_core::special`], shared by every crate; re-exported here.

pub use mlops_core::special::{beta_inc, beta_ppf, chi2_sf, gamma_q, normal_ppf, normal_sf};
