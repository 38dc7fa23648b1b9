//! The `mlops-audit` command: audits, fair thresholds, drift and the deployment gate on
//! CSV, Parquet and Arrow IPC files. Everything lives in [`mlops_audit::cli`], which the
//! Python wheel runs too (`python -m mlops_audit`).

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(mlops_audit::cli::main(std::env::args_os().skip(1)))
}
