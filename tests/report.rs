//! Reports: self-contained HTML in which data is always text, JSON with the same content.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_audit::fairness::{ThresholdSearch, roc_by_group};
use mlops_audit::gate::{Evidence, Requirements, evaluate};
use mlops_audit::plot::{RatePair, rate_bars_svg, roc_by_group_svg};
use mlops_audit::report::{AuditTrail, Chart, InputFingerprint, Report, Section, Status, Table};
use mlops_audit::{BinaryTask, Groups};

const EVIL: &str = "<script>alert(1)</script>";

fn report() -> Report {
    let scores = [0.9, 0.8, 0.3, 0.2, 0.7, 0.6, 0.5, 0.1, 0.65, 0.4];
    let bad = [1u8, 0, 0, 0, 1, 1, 0, 0, 1, 0];
    let group = ["a", "a", "a", "a", EVIL, EVIL, EVIL, EVIL, "a", EVIL];
    let task = BinaryTask::new(&scores[..], &bad[..]).unwrap();
    let groups = Groups::from_strs(EVIL, &group).unwrap();
    let policy = ThresholdSearch::new()
        .tolerance(0.5)
        .fit(&task, &groups)
        .unwrap();
    let rocs = roc_by_group(&task, &groups, policy.rules_for(&groups).as_deref()).unwrap();
    let mut trail = AuditTrail::at(1_795_478_400);
    trail.parameters.insert(EVIL.into(), EVIL.into());
    trail
        .inputs
        .push(InputFingerprint::of_f64("y_score", &scores));
    trail.seeds.insert("bootstrap".into(), 7);
    let mut r = Report::new(format!("Audit {EVIL}"), trail);
    let req = Requirements::from_toml("max_fpr_gap = 0.05").unwrap();
    r.gate = Some(
        evaluate(
            &req,
            &Evidence {
                fpr_gap: Some(0.2),
                ..Evidence::default()
            },
        )
        .unwrap(),
    );
    let mut s = Section::new(format!("Fairness {EVIL}"));
    s.status = Some(Status::Fail);
    s.paragraphs.push(EVIL.into());
    s.tables
        .push(Table::new(EVIL, [EVIL, "FPR"], [[EVIL, "0.5"]]));
    s.charts.push(Chart {
        caption: EVIL.into(),
        svg: roc_by_group_svg(&rocs, EVIL),
    });
    s.charts.push(Chart {
        caption: "FPR".into(),
        svg: rate_bars_svg(
            &[
                RatePair {
                    group: EVIL.into(),
                    before: Some(0.4),
                    after: Some(0.3),
                },
                RatePair {
                    group: "a".into(),
                    before: None,
                    after: Some(0.31),
                },
            ],
            "false-positive rate",
            "one threshold",
            "fair thresholds",
            EVIL,
        ),
    });
    r.sections.push(s);
    r
}

#[test]
fn data_never_becomes_markup() {
    let html = report().to_html();
    assert!(
        !html.to_lowercase().contains("<script"),
        "a script tag leaked"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Self-contained: nothing is fetched.
    for needle in ["http://", "https://", "src=", "@import", "url("] {
        let hits: Vec<_> = html.match_indices(needle).collect();
        // The SVG namespace URI is an identifier, not a fetch.
        assert!(
            hits.iter()
                .all(|(i, _)| html[*i..].starts_with("http://www.w3.org/2000/svg")),
            "{needle} in the report"
        );
    }
    assert!(html.contains("FAILED") && html.contains("badge fail"));
    assert_eq!(html.matches("<svg").count(), 2);
}

#[test]
fn html_is_well_formed_xml_apart_from_the_doctype() {
    // The page is written as XHTML-compatible markup: every element closed, attributes
    // quoted; an XML parser reading it proves no stray markup came from data.
    let html = report().to_html();
    let body = html.trim_start_matches("<!DOCTYPE html>");
    let fixed = body
        .replace("<meta charset=\"utf-8\">", "<meta charset=\"utf-8\"/>")
        .replace(
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>",
        );
    let doc = roxmltree::Document::parse(&fixed).expect("well-formed");
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(texts.iter().any(|t| t.contains(EVIL)));
    assert!(doc.descendants().all(|n| n.tag_name().name() != "script"));
}

#[test]
fn json_has_the_same_content_and_round_trips() {
    let r = report();
    let json = r.to_json();
    let back: Report = serde_json::from_str(&json).unwrap();
    assert_eq!(back, r);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["format_version"], 1);
    assert_eq!(v["trail"]["created_utc"], "2026-11-24T00:00:00Z");
    assert_eq!(v["trail"]["inputs"][0]["rows"], 10);
    assert_eq!(v["gate"]["passed"], false);
    let dir = std::env::temp_dir().join(format!("mlops-report-{}", std::process::id()));
    let (html, json) = r.write(&dir).unwrap();
    assert!(
        std::fs::read_to_string(html)
            .unwrap()
            .contains("Audit trail")
    );
    assert!(std::fs::read_to_string(json).unwrap().contains("sha256"));
    std::fs::remove_dir_all(dir).unwrap();
}

/// Report tables name every group once, and the whole-population row by a label no group
/// has: groups called "(all)", "overall" and "(missing)" stay rows of their own.
#[test]
fn report_tables_name_each_group_once_and_all_rows_apart() {
    use mlops_audit::drift::table::{ColumnData, Table as DataTable};
    use mlops_audit::drift::{MonitorConfig, PredictionSpec, ProfileParams, drift_report};
    use mlops_audit::fairness::{AuditParams, Decision, audit};
    use mlops_audit::report::{audit_section, drift_section};

    let names = ["(all)", "overall", "(missing)", "x"];
    let group: Vec<&str> = (0..40).map(|i| names[i % 4]).collect();
    let scores: Vec<f64> = (0..40).map(|i| f64::from(i) / 40.0).collect();
    let bad: Vec<u8> = (0..40).map(|i| u8::from(i % 3 == 0)).collect();
    let task = BinaryTask::new(&scores[..], &bad[..]).unwrap();
    let groups = Groups::from_strs("g", &group).unwrap();
    let a = audit(
        &task,
        &groups,
        Decision::Threshold(0.5),
        AuditParams::default(),
    )
    .unwrap();
    let section = audit_section(&a, "audit");
    let table = section
        .tables
        .iter()
        .find(|t| t.caption == "Rates by group")
        .unwrap();
    let first: Vec<&str> = table.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        first,
        ["(all)", "\"(all)\"", "\"(missing)\"", "overall", "x"]
    );
    assert_eq!(table.rows[0][1], "40");

    let preds: Vec<f64> = bad.iter().map(|&b| f64::from(b)).collect();
    let optional: Vec<Option<&str>> = group
        .iter()
        .enumerate()
        .map(|(i, &g)| (i % 5 != 0).then_some(g))
        .collect();
    let data = DataTable::new(vec![
        ("g".into(), ColumnData::categorical(&optional)),
        ("pred".into(), ColumnData::numeric(&preds)),
    ])
    .unwrap();
    let params = ProfileParams {
        group_columns: vec!["g".into()],
        prediction: Some(PredictionSpec {
            column: "pred".into(),
            threshold: None,
        }),
        ..ProfileParams::default()
    };
    let d = drift_report(&data, &data, &params, MonitorConfig::default()).unwrap();
    let section = drift_section(&d, "drift");
    let table = section
        .tables
        .iter()
        .find(|t| t.caption.starts_with("Share of positive predictions"))
        .unwrap();
    let first: Vec<&str> = table.rows.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        first,
        [
            "(all)",
            "\"(all)\"",
            "\"(missing)\"",
            "overall",
            "x",
            "(missing)"
        ]
    );
}
