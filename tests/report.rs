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
    r.gate = Some(evaluate(
        &req,
        &Evidence {
            fpr_gap: Some(0.2),
            ..Evidence::default()
        },
    ));
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
