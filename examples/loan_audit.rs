//! The loan audit, on built-in data: the README's first command.
//!
//! ```text
//! cargo run --release --example loan_audit
//! ```
//!
//! A lender's risk model flags loans; a flagged loan goes to manual review. A bad loan waved
//! through costs 5 times a good loan sent to review. This example fits a logistic-regression
//! risk model on the UCI German credit data (built in), then audits it on held-out loans:
//! ROC AUC, the confusion matrix and cost at the Bayes threshold 1/6, the empirical
//! cost-optimal threshold, and the false-positive rate per group (who gets flagged although
//! they would have repaid).

use std::process::ExitCode;

use mlops_audit::calibration::{
    BinStrategy, IsotonicCalibrator, brier_score, calibration_error, reliability_curve,
};
use mlops_audit::compare::{delong, mcnemar_from_predictions};
use mlops_audit::datasets::{Dataset, german_credit};
use mlops_audit::fairness::{AuditParams, Decision, ThresholdSearch, audit};
use mlops_audit::{BinaryTask, ConfusionMatrix, CostMatrix, Groups, SortedCounts};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("loan_audit failed: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let data = german_credit()?;
    let (train, test) = split(data.len(), 0.3, 20_261_124);
    let x = design_matrix(&data);
    let model = fit_logistic(&x, &data.target, &train, 1.0);
    let scores: Vec<f64> = test.iter().map(|&i| model.predict(&x[i])).collect();
    let labels: Vec<u8> = test.iter().map(|&i| data.target[i]).collect();
    let train_scores: Vec<f64> = train.iter().map(|&i| model.predict(&x[i])).collect();
    let train_labels: Vec<u8> = train.iter().map(|&i| data.target[i]).collect();

    println!(
        "Loan audit: UCI German credit (1,000 loans, built in), logistic-regression risk model"
    );
    println!(
        "  fitted on {} loans, audited on {} held-out loans ({} bad)",
        train.len(),
        test.len(),
        labels.iter().filter(|&&y| y == 1).count()
    );

    let task = BinaryTask::new(&scores[..], &labels[..])?;
    let counts = SortedCounts::new(&task);
    println!("\nDiscrimination");
    println!("  ROC AUC            {:.4}", counts.roc_auc()?);
    println!("  average precision  {:.4}", counts.average_precision()?);

    let cost = CostMatrix::default();
    println!(
        "\nCost: a missed bad loan costs {} x a needless review",
        cost.fn_cost() / cost.fp_cost()
    );
    let bayes = cost.bayes_threshold();
    print_rule(
        "Bayes threshold for calibrated risk",
        bayes,
        &counts.confusion_at(bayes),
        &cost,
    );
    let train_task = BinaryTask::new(&train_scores[..], &train_labels[..])?;
    let learned = cost.min_cost_threshold(&SortedCounts::new(&train_task));
    print_rule(
        "cost-optimal threshold learned on the training loans",
        learned.threshold,
        &counts.confusion_at(learned.threshold),
        &cost,
    );
    let flag_none = counts.confusion_at(f64::INFINITY);
    print_rule("no model (flag nobody)", f64::INFINITY, &flag_none, &cost);

    println!(
        "\nWho is flagged although they would have repaid (FPR at threshold {bayes:.4}), by group"
    );
    for column in ["sex", "age_group"] {
        let values: Vec<&str> = test
            .iter()
            .map(|&i| data.categorical(column).map_or("?", |c| c[i].as_str()))
            .collect();
        let groups = Groups::from_strs(column, &values)?;
        let per_group = SortedCounts::by_group(&task, &groups)?;
        let mut fprs = Vec::new();
        for (key, g) in groups.keys().iter().zip(&per_group) {
            let cm = g.confusion_at(bayes);
            let auc = g
                .roc_auc()
                .map_or_else(|_| "undefined".into(), |a| format!("{a:.3}"));
            println!(
                "  {column:>9} = {:<6} n = {:>3}  FPR {}  TPR {}  AUC {auc}",
                key.to_string(),
                g.positive_rows() + g.negative_rows(),
                show(cm.fpr()),
                show(cm.tpr()),
            );
            fprs.extend(cm.fpr());
        }
        let gap = fprs.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            - fprs.iter().copied().fold(f64::INFINITY, f64::min);
        println!("  {column:>9}   largest FPR gap {gap:.3}");
    }

    // Equal opportunity on the FPR by age group: per-group thresholds fitted on the
    // training loans, audited on the held-out ones.
    let column = "age_group";
    let group_of = |rows: &[usize]| -> Result<Groups, mlops_audit::CoreError> {
        let values: Vec<&str> = rows
            .iter()
            .map(|&i| data.categorical(column).map_or("?", |c| c[i].as_str()))
            .collect();
        Groups::from_strs(column, &values)
    };
    let (train_groups, test_groups) = (group_of(&train)?, group_of(&test)?);
    let tolerance = 0.05;
    let policy = ThresholdSearch::new()
        .cost(cost)
        .tolerance(tolerance)
        .fit(&train_task, &train_groups)?;
    println!(
        "\nEqual opportunity on the FPR by {column} (tolerance {tolerance}), fitted on the training loans"
    );
    for g in &policy.groups {
        println!(
            "  {:<6} flag when risk >= {:.4}   training FPR {:.3}",
            g.name, g.rule.threshold, g.rate
        );
    }
    let b = &policy.baselines;
    println!(
        "  training cost: fair {:.0}, best single threshold {:.0} (FPR gap {:.3}), each group's own optimum {:.0} (gap {:.3})",
        policy.total_cost,
        b.single_threshold.cost,
        b.single_threshold.max_gap,
        b.unconstrained.cost,
        b.unconstrained.max_gap
    );
    println!(
        "  price of fairness on the training loans: {:.0}",
        policy.price_of_fairness()
    );
    let thresholds: Vec<f64> = test_groups
        .keys()
        .iter()
        .map(|k| {
            policy
                .rule_for(k)
                .map_or(learned.threshold, |r| r.threshold)
        })
        .collect();
    let params = AuditParams {
        tolerance,
        ..AuditParams::default()
    };
    let held_out = audit(&task, &test_groups, Decision::PerGroup(&thresholds), params)?
        .with_bootstrap(
            &task,
            &test_groups,
            Decision::PerGroup(&thresholds),
            1000,
            0.95,
            7,
        )?;
    let single = audit(
        &task,
        &test_groups,
        Decision::Threshold(learned.threshold),
        params,
    )?;
    let verdict = |p: Option<bool>| match p {
        Some(true) => "passes",
        Some(false) => "FAILS",
        None => "undefined",
    };
    println!("  held-out audit:");
    for (name, a) in [
        ("single threshold", &single),
        ("per-group thresholds", &held_out),
    ] {
        let total: ConfusionMatrix = a
            .groups
            .iter()
            .fold(ConfusionMatrix::default(), |acc, g| acc + g.confusion);
        println!(
            "    {name:<21} FPR gap {}  ({} the {tolerance} test)  cost {:.0}",
            show(a.max_gap),
            verdict(a.passed),
            cost.total_cost(&total)
        );
    }
    if let Some(iv) = held_out.intervals.as_ref().and_then(|i| i.max_gap) {
        println!(
            "    95% bootstrap interval of the held-out FPR gap: [{:.3}, {:.3}] (1,000 replicates, seed 7)",
            iv.low, iv.high
        );
    }
    for w in &held_out.warnings {
        println!("    warning: {w}");
    }

    // Calibration: the 1/6 cut assumes probabilities mean what they say.
    // A calibrator must learn from scores the model did not fit (in-sample scores are
    // over-confident): fit it on one half of the held-out loans, judge it on the other.
    let half = scores.len() / 2;
    let (fit_s, eval_s) = scores.split_at(half);
    let (fit_y, eval_y) = labels.split_at(half);
    println!(
        "\nCalibration (isotonic fit on {half} held-out loans, judged on the other {}; 10 equal-width bins)",
        eval_s.len()
    );
    let iso = IsotonicCalibrator::fit(&BinaryTask::new(fit_s, fit_y)?)?;
    let recalibrated = iso.transform(eval_s)?;
    for (name, probs) in [("model as fitted", eval_s), ("isotonic", &recalibrated[..])] {
        let t = BinaryTask::new(probs, eval_y)?;
        let (ece, mce) = calibration_error(&reliability_curve(&t, 10, BinStrategy::Uniform)?);
        println!(
            "  {name:<16} Brier {:.4}  ECE {ece:.4}  MCE {mce:.4}",
            brier_score(&t)?
        );
    }

    // Champion/challenger: a challenger that drops the categorical features.
    let numeric_only: Vec<Vec<f64>> = x
        .iter()
        .map(|row| row[..=data.numeric.len()].to_vec())
        .collect();
    let challenger = fit_logistic(&numeric_only, &data.target, &train, 1.0);
    let challenger_scores: Vec<f64> = test
        .iter()
        .map(|&i| challenger.predict(&numeric_only[i]))
        .collect();
    let d = delong(&labels[..], &scores[..], &challenger_scores[..], 0.95)?;
    println!("\nChampion (all features) vs challenger (numeric features only), held-out loans");
    println!(
        "  DeLong: AUC {:.4} vs {:.4}, difference {:+.4} (95% CI {:+.4} .. {:+.4}), z {}, p {}",
        d.auc_a,
        d.auc_b,
        d.difference,
        d.ci_low,
        d.ci_high,
        show(d.statistic),
        d.pvalue
            .map_or_else(|| "undefined".to_owned(), |p| format!("{p:.2e}"))
    );
    let flag = |s: &[f64]| -> Vec<bool> { s.iter().map(|&v| v >= bayes).collect() };
    let m = mcnemar_from_predictions(
        &labels[..],
        &flag(&scores)[..],
        &flag(&challenger_scores)[..],
        true,
        true,
    )?;
    println!(
        "  McNemar (exact) at the 1/6 cut: only champion right {}, only challenger right {}, p {:.2e}",
        m.b, m.c, m.pvalue
    );
    Ok(())
}

fn show(rate: Option<f64>) -> String {
    rate.map_or_else(|| "undefined".to_owned(), |r| format!("{r:.3}"))
}

fn print_rule(name: &str, threshold: f64, cm: &ConfusionMatrix, cost: &CostMatrix) {
    println!("  {name}: flag when risk >= {threshold:.4}");
    println!(
        "    TP {:>4}  FP {:>4}  TN {:>4}  FN {:>4}   FPR {}  TPR {}  flagged {}",
        cm.tp,
        cm.fp,
        cm.tn,
        cm.fn_,
        show(cm.fpr()),
        show(cm.tpr()),
        show(cm.selection_rate())
    );
    println!(
        "    cost 5*FN + FP = {:.0}  ({} per loan)",
        cost.total_cost(cm),
        show(cost.mean_cost(cm))
    );
}

/// A seeded split of row indices (splitmix64 draws), `test_share` of them held out.
fn split(n: usize, test_share: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut state = seed;
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for i in 0..n {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        let u = (z >> 11) as f64 / (1u64 << 53) as f64;
        if u < test_share {
            &mut test
        } else {
            &mut train
        }
        .push(i);
    }
    (train, test)
}

/// Standardised numeric columns and one-hot categoricals (first level dropped), plus an
/// intercept, one row per loan.
fn design_matrix(data: &Dataset) -> Vec<Vec<f64>> {
    let n = data.len();
    let mut rows = vec![vec![1.0]; n];
    for (_, col) in &data.numeric {
        let mean = col.iter().sum::<f64>() / n as f64;
        let sd = (col.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        for (row, v) in rows.iter_mut().zip(col) {
            row.push((v - mean) / sd.max(1e-12));
        }
    }
    for (_, col) in &data.categorical {
        let mut levels: Vec<&String> = col.iter().collect();
        levels.sort();
        levels.dedup();
        for level in levels.iter().skip(1) {
            for (row, v) in rows.iter_mut().zip(col) {
                row.push(f64::from(u8::from(v == *level)));
            }
        }
    }
    rows
}

struct Logistic {
    beta: Vec<f64>,
}

impl Logistic {
    fn predict(&self, x: &[f64]) -> f64 {
        let z: f64 = self.beta.iter().zip(x).map(|(b, v)| b * v).sum();
        1.0 / (1.0 + (-z).exp())
    }
}

/// L2-penalised logistic regression by Newton's method (the intercept is not penalised).
fn fit_logistic(x: &[Vec<f64>], y: &[u8], rows: &[usize], l2: f64) -> Logistic {
    let p = x[0].len();
    let mut model = Logistic { beta: vec![0.0; p] };
    for _ in 0..50 {
        let mut grad: Vec<f64> = model.beta.iter().map(|b| l2 * b).collect();
        grad[0] = 0.0;
        let mut hess = vec![vec![0.0; p]; p];
        for (j, row) in hess.iter_mut().enumerate().skip(1) {
            row[j] = l2;
        }
        for &i in rows {
            let mu = model.predict(&x[i]);
            let r = mu - f64::from(y[i]);
            let w = mu * (1.0 - mu);
            for a in 0..p {
                grad[a] += r * x[i][a];
                for b in 0..=a {
                    hess[a][b] += w * x[i][a] * x[i][b];
                }
            }
        }
        let step = solve_spd(hess, grad);
        let size: f64 = step.iter().map(|s| s.abs()).sum();
        for (b, s) in model.beta.iter_mut().zip(&step) {
            *b -= s;
        }
        if size < 1e-10 {
            break;
        }
    }
    model
}

/// Solves `A x = b` for symmetric positive definite `A` (lower triangle given), by Cholesky.
fn solve_spd(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let p = b.len();
    for j in 0..p {
        let d = (a[j][j] - (0..j).map(|k| a[j][k] * a[j][k]).sum::<f64>()).sqrt();
        a[j][j] = d;
        for i in j + 1..p {
            a[i][j] = (a[i][j] - (0..j).map(|k| a[i][k] * a[j][k]).sum::<f64>()) / d;
        }
    }
    for i in 0..p {
        b[i] = (b[i] - (0..i).map(|k| a[i][k] * b[k]).sum::<f64>()) / a[i][i];
    }
    for i in (0..p).rev() {
        b[i] = (b[i] - (i + 1..p).map(|k| a[k][i] * b[k]).sum::<f64>()) / a[i][i];
    }
    b
}
