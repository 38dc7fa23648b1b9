//! The SVG charts: well-formed XML, one line per defined group, star markers, escaped
//! data text, the same bytes for the same input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)] // test code: fail loudly

use mlops_audit::fairness::{
    DEFAULT_FRONTIER, FrontierPoint, GroupRoc, GroupRule, ThresholdSearch, roc_by_group,
};
use mlops_audit::plot::{frontier_svg, roc_by_group_svg};
use mlops_audit::{BinaryTask, Groups};

const HOSTILE: &str = "<script>alert(1)</script>";

/// Seeded lending-like data: three ordinary groups and one with a hostile name.
fn data(n: usize) -> (Vec<f64>, Vec<bool>, Vec<String>) {
    let mut state = 11u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let names = ["a", "b", "c", HOSTILE];
    let (mut s, mut y, mut g) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n {
        let bad = next() < 0.3;
        let shift = [0.0, 0.08, -0.05, 0.03][i % 4];
        s.push(((if bad { 0.3 } else { 0.0 } + 0.6 * next() + shift) * 100.0).round() / 100.0);
        y.push(bad);
        g.push(names[i % 4].to_owned());
    }
    (s, y, g)
}

fn fitted_rocs(randomized: bool) -> Vec<GroupRoc> {
    let (s, y, g) = data(2000);
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("g", &g).unwrap();
    // Randomized at gap 0, so that rules randomize.
    let tolerance = if randomized { 0.0 } else { 0.01 };
    let policy = ThresholdSearch::new()
        .randomized(randomized)
        .tolerance(tolerance)
        .fit(&task, &groups)
        .unwrap();
    let rules = policy.rules_for(&groups).unwrap();
    roc_by_group(&task, &groups, Some(&rules)).unwrap()
}

/// Adds a group with negatives only (no ROC curve) under the name `solo`.
fn with_one_class_group(mut rocs: Vec<GroupRoc>) -> Vec<GroupRoc> {
    let task = BinaryTask::new(&[0.2, 0.4, 0.1][..], &[false, false, false][..]).unwrap();
    let groups = Groups::from_strs("g", &["solo", "solo", "solo"]).unwrap();
    let solo = roc_by_group(&task, &groups, Some(&[GroupRule::at_least(0.3)])).unwrap();
    assert!(solo[0].curve.is_none() && solo[0].point.is_none());
    rocs.extend(solo);
    rocs
}

fn parse(svg: &str) -> roxmltree::Document<'_> {
    roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("not XML: {e}\n{svg}"))
}

fn elements<'a>(
    doc: &'a roxmltree::Document<'a>,
    tag: &'a str,
) -> impl Iterator<Item = roxmltree::Node<'a, 'a>> + 'a {
    doc.descendants()
        .filter(move |n| n.is_element() && n.tag_name().name() == tag)
}

fn n_points(node: roxmltree::Node<'_, '_>) -> usize {
    node.attribute("points")
        .map_or(0, |p| p.split_whitespace().count())
}

/// Text content of every `<text>` element, trimmed.
fn texts(doc: &roxmltree::Document<'_>) -> Vec<String> {
    elements(doc, "text")
        .map(|n| n.text().unwrap_or("").trim().to_owned())
        .collect()
}

/// The polylines drawn with the curves' stroke width, as (stroke colour, point count).
fn curve_lines(doc: &roxmltree::Document<'_>) -> Vec<(String, usize)> {
    elements(doc, "polyline")
        .filter(|n| n.attribute("stroke-width") == Some("2"))
        .map(|n| (n.attribute("stroke").unwrap_or("").to_owned(), n_points(n)))
        .collect()
}

/// Whole stars: every marker is a dark star under a coloured one, both with 10 vertices.
fn stars(doc: &roxmltree::Document<'_>) -> usize {
    elements(doc, "polygon")
        .filter(|n| n_points(*n) == 10)
        .count()
}

fn assert_self_contained(svg: &str) {
    for needle in [
        "<script",
        "href",
        "@import",
        "url(",
        "@font-face",
        "<foreignObject",
    ] {
        assert!(!svg.contains(needle), "{needle} in the SVG");
    }
}

#[test]
fn roc_chart_is_xml_with_one_line_per_defined_group_and_a_star_per_point() {
    for randomized in [false, true] {
        let rocs = with_one_class_group(fitted_rocs(randomized));
        let svg = roc_by_group_svg(&rocs, "ROC by group");
        let doc = parse(&svg);
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert_eq!(doc.root_element().attribute("width"), Some("640"));
        assert_self_contained(&svg);

        let defined: Vec<&GroupRoc> = rocs.iter().filter(|r| r.curve.is_some()).collect();
        assert_eq!(defined.len(), 4);
        let lines = curve_lines(&doc);
        assert_eq!(lines.len(), defined.len(), "{lines:?}");
        for (roc, (_, n)) in defined.iter().zip(&lines) {
            assert_eq!(*n, roc.curve.as_ref().unwrap().fpr.len());
        }
        let colours: std::collections::BTreeSet<&String> = lines.iter().map(|(c, _)| c).collect();
        assert_eq!(
            colours.len(),
            defined.len(),
            "each group has its own colour"
        );

        // Two polygons per marker, plus the legend's sample star.
        let points = rocs.iter().filter(|r| r.point.is_some()).count();
        assert_eq!(points, 4);
        assert_eq!(stars(&doc), 2 * points + 1);

        let shown = texts(&doc);
        for axis in ["False-positive rate", "True-positive rate", "ROC by group"] {
            assert!(
                shown.iter().any(|t| t == axis),
                "{axis} missing in {shown:?}"
            );
        }
        for roc in &defined {
            let auc = format!("AUC {:.3}", roc.auc.unwrap());
            assert!(
                shown
                    .iter()
                    .any(|t| t.contains(&roc.name) && t.contains(&auc)),
                "legend misses {} {auc}: {shown:?}",
                roc.name
            );
        }
        assert!(shown.contains(&"solo: undefined (one class only)".to_owned()));
        if randomized {
            assert!(shown.iter().any(|t| t.contains("p=")), "{shown:?}");
        }
    }
}

#[test]
fn hostile_names_and_titles_stay_text() {
    let rocs = fitted_rocs(false);
    assert!(rocs.iter().any(|r| r.name == HOSTILE));
    let title = "Q3 <b>audit</b> & \"review\" 'x'";
    let svg = roc_by_group_svg(&rocs, title);
    assert!(
        !svg.contains(HOSTILE),
        "the raw name must not appear as markup"
    );
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let doc = parse(&svg);
    assert!(elements(&doc, "script").next().is_none());
    assert!(elements(&doc, "b").next().is_none());
    let shown = texts(&doc);
    assert!(
        shown
            .iter()
            .any(|t| t.starts_with(&format!("{HOSTILE}: AUC"))),
        "{shown:?}"
    );
    assert!(shown.contains(&title.to_owned()), "{shown:?}");

    let frontier = [FrontierPoint {
        tolerance: 0.0,
        cost: 1.0,
        max_gap: 0.0,
    }];
    let svg = frontier_svg(&frontier, None, HOSTILE);
    assert!(!svg.contains(HOSTILE));
    let doc = parse(&svg);
    assert!(elements(&doc, "script").next().is_none());
    assert!(texts(&doc).contains(&HOSTILE.to_owned()));
}

#[test]
fn characters_xml_cannot_hold_are_replaced_and_long_names_shortened() {
    let mut rocs = fitted_rocs(false);
    rocs[0].name = "nul\u{0}bell\u{7}line\nbreak".to_owned();
    rocs[1].name = "x".repeat(200);
    let svg = roc_by_group_svg(&rocs, "tab\there \u{1b}[31m");
    let doc = parse(&svg);
    let shown = texts(&doc);
    assert!(
        shown
            .iter()
            .any(|t| t.starts_with("nul\u{fffd}bell\u{fffd}line break: AUC"))
    );
    assert!(
        shown
            .iter()
            .any(|t| t.starts_with(&format!("{}…: AUC", "x".repeat(39))))
    );
    assert!(shown.contains(&"tab here \u{fffd}[31m".to_owned()));
}

#[test]
fn charts_are_deterministic() {
    let rocs = with_one_class_group(fitted_rocs(true));
    assert_eq!(roc_by_group_svg(&rocs, "t"), roc_by_group_svg(&rocs, "t"));
    let (s, y, g) = data(2000);
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("g", &g).unwrap();
    let points = ThresholdSearch::new()
        .frontier(&task, &groups, &DEFAULT_FRONTIER)
        .unwrap();
    assert_eq!(
        frontier_svg(&points, Some(0.02), "f"),
        frontier_svg(&points, Some(0.02), "f")
    );
}

#[test]
fn frontier_chart_draws_the_staircase_and_stars_the_chosen_tolerance() {
    let (s, y, g) = data(2000);
    let task = BinaryTask::new(&s[..], &y[..]).unwrap();
    let groups = Groups::from_strs("g", &g).unwrap();
    let points = ThresholdSearch::new()
        .frontier(&task, &groups, &DEFAULT_FRONTIER)
        .unwrap();
    let svg = frontier_svg(&points, Some(0.02), "Cost versus gap");
    assert_self_contained(&svg);
    let doc = parse(&svg);
    let lines = curve_lines(&doc);
    // The staircase (two vertices per point after the first, and the run to the edge).
    assert!(
        lines.iter().any(|(_, n)| *n == 2 * points.len()),
        "{lines:?}"
    );
    let circles = elements(&doc, "circle").count();
    assert_eq!(circles, points.len());
    assert_eq!(stars(&doc), 2 + 1, "one chosen point and the legend's star");
    let chosen = points.iter().find(|p| p.tolerance == 0.02).unwrap();
    let shown = texts(&doc);
    assert!(
        shown
            .iter()
            .any(|t| t.starts_with("tolerance 0.02: cost")
                && t.contains(&format!("{}", chosen.cost))),
        "{shown:?}"
    );
    for axis in ["Largest gap between groups (reached)", "Total cost"] {
        assert!(
            shown.iter().any(|t| t == axis),
            "{axis} missing in {shown:?}"
        );
    }

    // Without a choice: no star; a tolerance not among the points: the line only.
    let doc_none = frontier_svg(&points, None, "f");
    assert_eq!(stars(&parse(&doc_none)), 0);
    let svg_other = frontier_svg(&points, Some(0.04), "f");
    let doc_other = parse(&svg_other);
    assert_eq!(stars(&doc_other), 0);
    assert!(texts(&doc_other).contains(&"tolerance 0.04".to_owned()));
}

#[test]
fn degenerate_inputs_still_give_valid_svg() {
    for svg in [
        roc_by_group_svg(&[], ""),
        frontier_svg(&[], Some(0.1), ""),
        frontier_svg(
            &[
                FrontierPoint {
                    tolerance: 0.0,
                    cost: f64::NAN,
                    max_gap: 0.0,
                },
                FrontierPoint {
                    tolerance: 0.1,
                    cost: 5.0,
                    max_gap: 0.0,
                },
            ],
            Some(f64::INFINITY),
            "flat",
        ),
    ] {
        let doc = parse(&svg);
        assert_eq!(doc.root_element().tag_name().name(), "svg");
    }
    let svg = with_one_class_group(Vec::new());
    let svg = roc_by_group_svg(&svg, "only undefined");
    let doc = parse(&svg);
    assert!(curve_lines(&doc).is_empty());
    assert!(texts(&doc).contains(&"solo: undefined (one class only)".to_owned()));
}

#[test]
fn share_intervals_chart_is_valid_svg_and_escapes_names() {
    use mlops_audit::plot::{ShareInterval, share_intervals_svg};
    let svg = share_intervals_svg(
        &[
            ShareInterval {
                group: "<b>&".into(),
                training: Some(0.5),
                production: Some(0.6),
                interval: Some((0.58, 0.62)),
            },
            ShareInterval {
                group: "empty".into(),
                training: None,
                production: None,
                interval: None,
            },
        ],
        "Outputs <script>",
    );
    let doc = roxmltree::Document::parse(&svg).unwrap();
    assert!(doc.descendants().all(|n| n.tag_name().name() != "script"));
    assert!(svg.contains("&lt;b&gt;&amp;"));
    assert!(svg.contains("training share"));
}
