//! The reliability diagram SVG: well-formed XML, one line and one dot per non-empty bin
//! for each curve, escaped names, the same bytes for the same input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_audit::calibration::{
    BinStrategy, CalibrationByGroupParams, ReliabilityCurve, calibration_by_group,
    reliability_curve,
};
use mlops_audit::plot::reliability_diagram_svg;
use mlops_audit::{BinaryTask, Groups};

const HOSTILE: &str = "<script>alert(1)</script>";

fn data(n: usize) -> (Vec<f64>, Vec<bool>, Vec<String>) {
    let mut state = 5u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let names = ["a", "b", HOSTILE];
    (0..n)
        .map(|i| {
            let p = (next() * 100.0).round() / 100.0;
            (p, next() < p, names[i % 3].to_owned())
        })
        .fold(
            (vec![], vec![], vec![]),
            |(mut s, mut y, mut g), (p, b, n)| {
                s.push(p);
                y.push(b);
                g.push(n);
                (s, y, g)
            },
        )
}

#[test]
fn one_curve_per_group_well_formed_and_escaped() {
    let (s, y, g) = data(900);
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("g", &g).unwrap();
    let params = CalibrationByGroupParams::new(
        8,
        BinStrategy::Uniform,
        mlops_audit::calibration::HosmerLemeshowParams::default(),
    )
    .unwrap();
    let report = calibration_by_group(&task, &groups, &params).unwrap();
    let curves: Vec<(&str, &ReliabilityCurve)> = report
        .groups
        .iter()
        .map(|g| (g.group.as_str(), &g.reliability))
        .collect();
    let svg = reliability_diagram_svg(&curves, "Calibration by <group>");
    let doc = roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("not XML: {e}"));
    assert_eq!(doc.root_element().tag_name().name(), "svg");
    assert!(!svg.contains(HOSTILE) && !svg.contains("<group>"));
    let texts: Vec<&str> = doc.descendants().filter_map(|n| n.text()).collect();
    assert!(
        texts.iter().any(|t| t.trim().starts_with(HOSTILE)),
        "the name is shown, escaped: {texts:?}"
    );
    assert!(texts.iter().any(|t| t.trim().starts_with("a: ECE ")));
    let dots = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "circle")
        .count();
    let bins: usize = curves.iter().map(|(_, c)| c.bins.len()).sum();
    assert_eq!(dots, bins);
    assert_eq!(
        svg,
        reliability_diagram_svg(&curves, "Calibration by <group>")
    );
}

#[test]
fn a_single_curve_and_an_empty_chart() {
    let (s, y, _) = data(200);
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let curve = reliability_curve(&task, 10, BinStrategy::Quantile).unwrap();
    let svg = reliability_diagram_svg(&[("all", &curve)], "Calibration");
    roxmltree::Document::parse(&svg).unwrap();
    let empty = reliability_diagram_svg(&[], "nothing");
    roxmltree::Document::parse(&empty).unwrap();
}
