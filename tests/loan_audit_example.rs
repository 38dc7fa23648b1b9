//! The README's first command: the loan audit example's findings, asserted (seeded data,
//! so they are exact), its report, and its gate stopping a model that misses a requirement.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

#[path = "../examples/loan_audit.rs"]
mod loan_audit;

use loan_audit::{Args, loan_audit};
use mlops_audit::gate::Verdict;

fn out_dir(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("mlops-loan-audit-{name}-{}", std::process::id()))
}

#[test]
fn the_story_holds_and_the_report_is_written() {
    let out = out_dir("default");
    let o = loan_audit(&Args {
        out: out.clone(),
        requirements: None,
    })
    .unwrap();
    // One threshold for everyone fails equal FPR; the challenger's fair thresholds pass.
    assert!(
        o.champion_single_gap.unwrap() > 0.1,
        "{:?}",
        o.champion_single_gap
    );
    assert!(
        o.challenger_fair_gap.unwrap() <= 0.05,
        "{:?}",
        o.challenger_fair_gap
    );
    assert!(o.gate_passed, "{}", o.gate);
    let html = std::fs::read_to_string(&o.html).unwrap();
    assert!(html.contains("Deployment gate: <b>PASSED</b>"));
    assert!(
        html.matches("<svg").count() >= 7,
        "ROC, FPR bars, frontier x2 + reliability"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&o.json).unwrap()).unwrap();
    assert_eq!(json["gate"]["passed"], true);
    assert_eq!(json["trail"]["seeds"]["bootstrap"], 7);
    assert_eq!(json["trail"]["inputs"].as_array().unwrap().len(), 8);
    // Seeded: a second run finds the same numbers.
    let again = loan_audit(&Args {
        out: out.clone(),
        requirements: None,
    })
    .unwrap();
    assert_eq!(again.challenger_fair_gap, o.challenger_fair_gap);
    assert_eq!(again.gate.checks, o.gate.checks);
    std::fs::remove_dir_all(out).unwrap();
}

#[test]
fn the_gate_stops_a_model_that_misses_a_requirement() {
    let out = out_dir("strict");
    std::fs::create_dir_all(&out).unwrap();
    let req = out.join("strict.toml");
    // An AUC no model here reaches, and an FPR gap tighter than sampling noise allows.
    std::fs::write(&req, "min_auc = 0.95\nmax_fpr_gap = 0.001\n").unwrap();
    let o = loan_audit(&Args {
        out: out.clone(),
        requirements: Some(req),
    })
    .unwrap();
    assert!(!o.gate_passed);
    let failed: Vec<&str> = o.gate.failures().map(|c| c.name.as_str()).collect();
    assert_eq!(failed, vec!["max_fpr_gap", "min_auc"]);
    assert!(
        o.gate
            .checks
            .iter()
            .all(|c| c.verdict != Verdict::NotMeasured)
    );
    std::fs::remove_dir_all(out).unwrap();
}
