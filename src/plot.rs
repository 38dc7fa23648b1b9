//! Charts as self-contained SVG: per-group ROC curves with each group's operating point
//! marked, and the cost-versus-gap frontier a business picks its fairness tolerance from.
//!
//! Drawn with `plotters`' SVG backend, at a fixed [`SIZE`]. The SVG holds no script, no
//! link and no embedded or external font (text uses the generic `sans-serif` family), so
//! it can be written to a file, embedded in an HTML report or shown in a notebook as is.
//!
//! Text that comes from data (group names, titles) can never become markup: the SVG
//! backend escapes `<`, `>`, `&` and quotes in text and attributes, and characters that
//! XML 1.0 cannot hold even escaped (control characters) are replaced here first.
//!
//! # Examples
//! ```
//! use mlops_audit::{BinaryTask, Groups};
//! use mlops_audit::fairness::{ThresholdSearch, roc_by_group};
//! use mlops_audit::plot::roc_by_group_svg;
//! let scores = [0.9, 0.8, 0.3, 0.2, 0.7, 0.6, 0.5, 0.1];
//! let bad = [1, 0, 0, 0, 1, 1, 0, 0];
//! let group = ["a", "a", "a", "a", "b", "b", "b", "b"];
//! let task = BinaryTask::new(&scores[..], &bad[..])?;
//! let groups = Groups::from_strs("group", &group)?;
//! let policy = ThresholdSearch::new().fit(&task, &groups)?;
//! let rules = policy.rules_for(&groups);
//! let rocs = roc_by_group(&task, &groups, rules.as_deref())?;
//! let svg = roc_by_group_svg(&rocs, "ROC by group");
//! assert!(svg.starts_with("<svg") && svg.contains("False-positive rate"));
//! # Ok::<(), mlops_audit::fairness::FairnessError>(())
//! ```

use std::error::Error;

use mlops_fairness::{FrontierPoint, GroupRoc, GroupRule};
use plotters::coord::Shift;
use plotters::element::ComposedElement;
use plotters::prelude::*;

/// Width and height of every chart, in pixels.
pub const SIZE: (u32, u32) = (640, 480);

/// Longest group name shown in a legend, in characters; longer ones end in `…`.
const MAX_NAME_CHARS: usize = 40;
/// Longest title shown, in characters.
const MAX_TITLE_CHARS: usize = 80;
const FONT: &str = "sans-serif";

/// Tableau 10 without its grey (kept for undefined groups and the diagonal): distinct
/// hues that stay apart for common colour-vision deficiencies. Groups past the ninth
/// reuse the colours in order.
const PALETTE: [RGBColor; 9] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
];
const GREY: RGBColor = RGBColor(0xba, 0xb0, 0xac);
const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type DrawResult = Result<(), Box<dyn Error>>;
type Star<DB> = ComposedElement<(f64, f64), DB, Polygon<(i32, i32)>, Polygon<(i32, i32)>>;

/// One ROC curve per group with a defined curve, the chance diagonal, and each group's
/// operating point (when [`GroupRoc::point`] is set) as a star in the group's colour.
///
/// The legend lists every group with its AUC and, where a point is given, its threshold
/// (and the probability of flagging at the threshold for a randomized rule). A group with
/// one class only has no curve: it is listed as undefined and nothing is drawn for it.
/// Colours follow the order of `rocs`, so the same groups keep their colours across charts.
pub fn roc_by_group_svg(rocs: &[GroupRoc], title: &str) -> String {
    render(|root| draw_roc(root, rocs, title))
}

/// The lowest total cost against the largest gap between groups it reaches, as a
/// staircase through the frontier points: each step is what loosening fairness buys.
///
/// `chosen_tolerance`, when given, is drawn as a dashed vertical line (everything to its
/// left is allowed) and the point fitted at that tolerance, if among `points`, as a star.
/// Points with a non-finite value are left out.
pub fn frontier_svg(
    points: &[FrontierPoint],
    chosen_tolerance: Option<f64>,
    title: &str,
) -> String {
    render(|root| draw_frontier(root, points, chosen_tolerance, title))
}

/// One group's rate under two rules (`None`: undefined in that group).
#[derive(Debug, Clone, PartialEq)]
pub struct RatePair {
    /// The group's name.
    pub group: String,
    /// The rate under the first rule (for example one threshold for everyone).
    pub before: Option<f64>,
    /// The rate under the second rule (for example the fair per-group thresholds).
    pub after: Option<f64>,
}

/// A rate per group under two rules, as paired bars: `before` in grey, `after` in colour,
/// with the labels of the two rules in the legend. An undefined rate draws no bar and the
/// group's label says so.
pub fn rate_bars_svg(
    pairs: &[RatePair],
    rate: &str,
    before: &str,
    after: &str,
    title: &str,
) -> String {
    render(|root| draw_rate_bars(root, pairs, rate, before, after, title))
}

fn draw_rate_bars(
    root: &Area<'_>,
    pairs: &[RatePair],
    rate: &str,
    before: &str,
    after: &str,
    title: &str,
) -> DrawResult {
    root.fill(&WHITE)?;
    let finite = |v: Option<f64>| v.filter(|x| x.is_finite());
    let top = pairs
        .iter()
        .flat_map(|p| [finite(p.before), finite(p.after)])
        .flatten()
        .fold(0.0, f64::max);
    let y_hi = if top > 0.0 {
        (top * 1.15).min(1.05).max(top * 1.05)
    } else {
        1.0
    };
    let n = pairs.len().max(1);
    let names: Vec<String> = pairs
        .iter()
        .map(|p| {
            let name = text_for_xml(&p.group, 16);
            if finite(p.before).is_none() && finite(p.after).is_none() {
                format!("{name} (undefined)")
            } else {
                name
            }
        })
        .collect();
    let mut chart = ChartBuilder::on(root)
        .caption(text_for_xml(title, MAX_TITLE_CHARS), (FONT, 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..n as f64, 0f64..y_hi)?;
    let label_of = |v: &f64| {
        let i = v.floor();
        if (v - i - 0.5).abs() < 1e-9 && i >= 0.0 {
            names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(2 * n + 1)
        .x_label_formatter(&label_of)
        .y_desc(text_for_xml(rate, MAX_NAME_CHARS))
        .y_labels(6)
        .y_label_formatter(&|v| trimmed(*v, 2))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .draw()?;
    let accent = PALETTE[0];
    let bar =
        |i: usize, offset: f64, v: f64| [(i as f64 + offset, 0.0), (i as f64 + offset + 0.34, v)];
    chart
        .draw_series(pairs.iter().enumerate().filter_map(|(i, p)| {
            finite(p.before).map(|v| Rectangle::new(bar(i, 0.14, v), GREY.filled()))
        }))?
        .label(text_for_xml(before, MAX_NAME_CHARS))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], GREY.filled()));
    chart
        .draw_series(pairs.iter().enumerate().filter_map(|(i, p)| {
            finite(p.after).map(|v| Rectangle::new(bar(i, 0.52, v), accent.filled()))
        }))?
        .label(text_for_xml(after, MAX_NAME_CHARS))
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], accent.filled()));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.2))
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}

/// One group's share of positive predictions: the training share, the production share
/// and the interval a sample of the production size would show.
#[derive(Debug, Clone, PartialEq)]
pub struct ShareInterval {
    /// The group's name.
    pub group: String,
    /// The share in the training data.
    pub training: Option<f64>,
    /// The share in production.
    pub production: Option<f64>,
    /// The interval's bounds around the production share.
    pub interval: Option<(f64, f64)>,
}

/// The output panel: per group, the production share with its interval (a whisker) and the
/// training share (a diamond); a diamond outside its whisker is an alert.
pub fn share_intervals_svg(shares: &[ShareInterval], title: &str) -> String {
    render(|root| draw_share_intervals(root, shares, title))
}

fn draw_share_intervals(root: &Area<'_>, shares: &[ShareInterval], title: &str) -> DrawResult {
    root.fill(&WHITE)?;
    let finite = |v: Option<f64>| v.filter(|x| x.is_finite());
    let values: Vec<f64> = shares
        .iter()
        .flat_map(|s| {
            [
                finite(s.training),
                finite(s.production),
                s.interval.map(|i| i.0),
                s.interval.map(|i| i.1),
            ]
        })
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
            (a.min(v), b.max(v))
        });
    // Room below the data for the legend.
    let (y_lo, y_hi) = if values.is_empty() {
        (0.0, 1.0)
    } else {
        padded(lo - 0.45 * (hi - lo).max(1e-3), hi)
    };
    let n = shares.len().max(1);
    let names: Vec<String> = shares.iter().map(|s| text_for_xml(&s.group, 16)).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(text_for_xml(title, MAX_TITLE_CHARS), (FONT, 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(56)
        .build_cartesian_2d(0f64..n as f64, y_lo..y_hi)?;
    let label_of = |v: &f64| {
        let i = v.floor();
        if (v - i - 0.5).abs() < 1e-9 && i >= 0.0 {
            names.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let y_dec = decimals((y_hi - y_lo) / 6.0) + 1;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(2 * n + 1)
        .x_label_formatter(&label_of)
        .y_desc("share flagged")
        .y_labels(6)
        .y_label_formatter(&|v| trimmed(*v, y_dec))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .draw()?;
    let accent = PALETTE[0];
    let alert = PALETTE[2];
    for (i, s) in shares.iter().enumerate() {
        let x = i as f64 + 0.5;
        let outside = match (finite(s.training), s.interval) {
            (Some(t), Some((a, b))) => t < a || t > b,
            _ => false,
        };
        let colour = if outside { alert } else { accent };
        if let Some((a, b)) = s.interval {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x, a), (x, b)],
                colour.stroke_width(3),
            )))?;
            for y in [a, b] {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(x - 0.08, y), (x + 0.08, y)],
                    colour.stroke_width(2),
                )))?;
            }
        }
        if let Some(p) = finite(s.production) {
            chart.draw_series(std::iter::once(Circle::new((x, p), 5, colour.filled())))?;
        }
        if let Some(t) = finite(s.training) {
            chart.draw_series(std::iter::once(
                EmptyElement::at((x + 0.18, t))
                    + Polygon::new(vec![(0, -7), (7, 0), (0, 7), (-7, 0)], INK.filled()),
            ))?;
        }
    }
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
        .label("production share, with its interval (red: training share outside)")
        .legend(move |(x, y)| Circle::new((x + 8, y), 5, accent.filled()));
    chart
        .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())?
        .label("training share")
        .legend(|(x, y)| {
            EmptyElement::at((x + 8, y))
                + Polygon::new(vec![(0, -6), (6, 0), (0, 6), (-6, 0)], INK.filled())
        });
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.2))
        .label_font((FONT, 13))
        .draw()?;
    Ok(())
}

/// Draws on a fresh SVG canvas. The SVG backend writing to a `String` has no failing
/// operation, but should plotters ever report one, the caller still gets a valid SVG that
/// says what went wrong rather than a panic or a truncated document.
fn render(draw: impl for<'a> FnOnce(&Area<'a>) -> DrawResult) -> String {
    let mut svg = String::new();
    let outcome = {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        draw(&root).and_then(|()| root.present().map_err(Into::into))
    };
    match outcome {
        Ok(()) => svg,
        Err(e) => error_svg(&e.to_string()),
    }
}

fn error_svg(message: &str) -> String {
    let mut text = String::new();
    for c in text_for_xml(message, usize::MAX).chars() {
        match c {
            '<' => text.push_str("&lt;"),
            '>' => text.push_str("&gt;"),
            '&' => text.push_str("&amp;"),
            c => text.push(c),
        }
    }
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         xmlns=\"http://www.w3.org/2000/svg\">\n<text x=\"10\" y=\"20\" \
         font-family=\"{FONT}\">chart could not be drawn: {text}</text>\n</svg>\n",
        w = SIZE.0,
        h = SIZE.1
    )
}

/// Data text made safe for XML and for a one-line label: line breaks and tabs become
/// spaces, other control characters (which XML 1.0 forbids even escaped) and the
/// non-characters U+FFFE/U+FFFF become U+FFFD, and text past `max_chars` ends in `…`.
/// Markup characters are left to the SVG backend, which escapes them.
fn text_for_xml(text: &str, max_chars: usize) -> String {
    let clean = text.chars().map(|c| match c {
        '\t' | '\n' | '\r' => ' ',
        c if c.is_control() || c == '\u{fffe}' || c == '\u{ffff}' => '\u{fffd}',
        c => c,
    });
    if text.chars().count() > max_chars {
        let mut short: String = clean.take(max_chars.saturating_sub(1)).collect();
        short.push('…');
        short
    } else {
        clean.collect()
    }
}

fn colour(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Vertices of a five-pointed star around the origin, in pixels, pointing up.
fn star_vertices(outer: f64, inner: f64) -> Vec<(i32, i32)> {
    (0..10)
        .map(|k| {
            let r = if k % 2 == 0 { outer } else { inner };
            let angle = std::f64::consts::PI * (f64::from(k) / 5.0 - 0.5);
            (
                (r * angle.cos()).round() as i32,
                (r * angle.sin()).round() as i32,
            )
        })
        .collect()
}

/// A star marker: a dark star with a smaller one in `fill` on top, so the marker stands
/// out on a line of its own colour.
fn star<DB: DrawingBackend, C: Color>(at: (f64, f64), fill: &C) -> Star<DB> {
    EmptyElement::at(at)
        + Polygon::new(star_vertices(10.0, 4.2), INK.filled())
        + Polygon::new(star_vertices(7.0, 2.9), fill.filled())
}

fn threshold_text(rule: GroupRule) -> String {
    if let Some(band) = rule.band {
        if band.p_above < 1.0 || band.p_below > 0.0 {
            return "randomized (see the rule's steps)".to_owned();
        }
        // A mix of two thresholds: always above the first, at random down to the second.
        let random = format!(
            "p={} from {}",
            format_number(band.p_between),
            format_number(band.lower)
        );
        return if rule.threshold.is_finite() {
            format!("threshold {}, {random}", format_number(rule.threshold))
        } else {
            random
        };
    }
    if rule.threshold == f64::INFINITY {
        return "flags nobody".to_owned();
    }
    let t = format_number(rule.threshold);
    if rule.p_at_threshold < 1.0 {
        format!("threshold {t} (p={})", format_number(rule.p_at_threshold))
    } else {
        format!("threshold {t}")
    }
}

/// Up to four decimals, without trailing zeros.
fn format_number(x: f64) -> String {
    trimmed(x, 4)
}

/// `x` with at most `decimals` decimals, without trailing zeros.
fn trimmed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn roc_label(roc: &GroupRoc) -> String {
    let name = text_for_xml(&roc.name, MAX_NAME_CHARS);
    if roc.curve.is_none() {
        return format!("{name}: undefined (one class only)");
    }
    let auc = roc
        .auc
        .map_or_else(|| "undefined".to_owned(), |a| format!("{a:.3}"));
    match roc.point {
        Some(p) => format!("{name}: AUC {auc}, {}", threshold_text(p.rule)),
        None => format!("{name}: AUC {auc}"),
    }
}

fn draw_roc(root: &Area<'_>, rocs: &[GroupRoc], title: &str) -> DrawResult {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(text_for_xml(title, MAX_TITLE_CHARS), (FONT, 20))
        .margin(12)
        // Room above TPR 1, where cost-optimal operating points often sit, for the stars.
        .margin_top(22)
        .x_label_area_size(42)
        .y_label_area_size(52)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    chart
        .configure_mesh()
        .x_desc("False-positive rate")
        .y_desc("True-positive rate")
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .draw()?;
    chart.draw_series(DashedLineSeries::new(
        [(0.0, 0.0), (1.0, 1.0)],
        6,
        4,
        GREY.stroke_width(1),
    ))?;
    for (i, roc) in rocs.iter().enumerate() {
        let label = roc_label(roc);
        match &roc.curve {
            Some(curve) => {
                let c = colour(i);
                let line = curve.fpr.iter().copied().zip(curve.tpr.iter().copied());
                chart
                    .draw_series(LineSeries::new(line, c.stroke_width(2)))?
                    .label(label)
                    .legend(move |(x, y)| {
                        Rectangle::new([(x, y - 1), (x + 18, y + 2)], c.filled())
                    });
            }
            None => {
                chart
                    .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())?
                    .label(label)
                    .legend(|(x, y)| {
                        Rectangle::new([(x, y - 4), (x + 18, y + 4)], GREY.stroke_width(1))
                    });
            }
        }
    }
    // Stars last, so that no curve hides a marker.
    let mut any_point = false;
    for (i, roc) in rocs.iter().enumerate() {
        if let (Some(p), Some(_)) = (roc.point, &roc.curve) {
            chart.draw_series(std::iter::once(star((p.fpr, p.tpr), &colour(i))))?;
            any_point = true;
        }
    }
    if any_point {
        chart
            .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())?
            .label("operating point at the threshold")
            .legend(|(x, y)| {
                EmptyElement::at((x + 9, y)) + Polygon::new(star_vertices(7.0, 2.9), INK.filled())
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .margin(10)
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

/// `[lo, hi]` padded by 6% of its width, or around the value when there is no width.
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    let width = hi - lo;
    if width > 0.0 {
        (lo - 0.06 * width, hi + 0.06 * width)
    } else {
        let pad = (lo.abs() * 0.05).max(1.0);
        (lo - pad, hi + pad)
    }
}

/// Decimals that tell tick labels `step` apart.
fn decimals(step: f64) -> usize {
    if step > 0.0 && step.is_finite() {
        (-step.log10().floor()).clamp(0.0, 6.0) as usize
    } else {
        2
    }
}

fn draw_frontier(
    root: &Area<'_>,
    points: &[FrontierPoint],
    chosen_tolerance: Option<f64>,
    title: &str,
) -> DrawResult {
    root.fill(&WHITE)?;
    let mut pts: Vec<FrontierPoint> = points
        .iter()
        .copied()
        .filter(|p| p.tolerance.is_finite() && p.cost.is_finite() && p.max_gap.is_finite())
        .collect();
    pts.sort_by(|a, b| {
        a.max_gap
            .total_cmp(&b.max_gap)
            .then(b.cost.total_cmp(&a.cost))
            .then(a.tolerance.total_cmp(&b.tolerance))
    });
    let chosen_tolerance = chosen_tolerance.filter(|t| t.is_finite());
    let gap_max = pts.iter().map(|p| p.max_gap).fold(0.0, f64::max);
    let x_hi = if gap_max > 0.0 { gap_max * 1.1 } else { 0.01 };
    let (cost_lo, cost_hi) = pts
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.cost), hi.max(p.cost))
        });
    let (y_lo, y_hi) = if pts.is_empty() {
        (0.0, 1.0)
    } else {
        padded(cost_lo, cost_hi)
    };
    // One decimal more than the tick step needs, for steps such as 0.0025.
    let (x_dec, y_dec) = (decimals(x_hi / 6.0) + 1, decimals((y_hi - y_lo) / 6.0) + 1);

    let mut chart = ChartBuilder::on(root)
        .caption(text_for_xml(title, MAX_TITLE_CHARS), (FONT, 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..x_hi, y_lo..y_hi)?;
    chart
        .configure_mesh()
        .x_desc("Largest gap between groups (reached)")
        .y_desc("Total cost")
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| trimmed(*v, x_dec))
        .y_label_formatter(&|v| trimmed(*v, y_dec))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .draw()?;

    let line = PALETTE[0];
    if pts.is_empty() {
        root.draw(&Text::new(
            "no frontier points",
            (SIZE.0 as i32 / 2 - 60, SIZE.1 as i32 / 2),
            (FONT, 16).into_font().color(&INK),
        ))?;
        return Ok(());
    }
    // The cost reachable within a gap x is that of the last point at or left of x: a
    // staircase, carried on to the right edge.
    let mut steps = Vec::with_capacity(2 * pts.len() + 1);
    for (i, p) in pts.iter().enumerate() {
        if i > 0 {
            steps.push((p.max_gap, pts[i - 1].cost));
        }
        steps.push((p.max_gap, p.cost));
    }
    if let Some(last) = pts.last() {
        steps.push((x_hi, last.cost));
    }
    chart
        .draw_series(LineSeries::new(steps, line.stroke_width(2)))?
        .label("lowest total cost within each tolerance")
        .legend(move |(x, y)| Rectangle::new([(x, y - 1), (x + 18, y + 2)], line.filled()));
    chart.draw_series(
        pts.iter()
            .map(|p| Circle::new((p.max_gap, p.cost), 3, line.filled())),
    )?;
    if let Some(t) = chosen_tolerance {
        let accent = PALETTE[2];
        if t <= x_hi {
            chart.draw_series(DashedLineSeries::new(
                [(t, y_lo), (t, y_hi)],
                6,
                4,
                accent.stroke_width(2),
            ))?;
        }
        let chosen: Vec<FrontierPoint> = pts.iter().copied().filter(|p| p.tolerance == t).collect();
        let label = match chosen.first() {
            Some(p) => format!(
                "tolerance {}: cost {}, gap {}",
                format_number(t),
                format_number(p.cost),
                format_number(p.max_gap)
            ),
            None => format!("tolerance {}", format_number(t)),
        };
        let series = chart
            .draw_series(chosen.iter().map(|p| star((p.max_gap, p.cost), &accent)))?
            .label(label);
        if chosen.is_empty() {
            series.legend(move |(x, y)| {
                Rectangle::new([(x + 8, y - 6), (x + 10, y + 6)], accent.filled())
            });
        } else {
            series.legend(move |(x, y)| {
                EmptyElement::at((x + 9, y))
                    + Polygon::new(star_vertices(7.0, 2.9), accent.filled())
            });
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .margin(10)
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

/// A reliability diagram: for each named curve (a whole population, or one per group from
/// [`mlops_core::calibration::calibration_by_group`]), the observed event frequency
/// against the mean predicted probability of every non-empty bin, as a line with a dot per
/// bin, beside the dashed diagonal of perfect calibration. The legend gives each curve's
/// expected calibration error over its bins. Colours follow the order of `curves`.
///
/// # Examples
/// ```
/// use mlops_audit::BinaryTask;
/// use mlops_audit::calibration::{BinStrategy, reliability_curve};
/// use mlops_audit::plot::reliability_diagram_svg;
/// let task = BinaryTask::new(&[0.1, 0.3, 0.35, 0.8, 0.9][..], &[0, 0, 1, 1, 1][..])?;
/// let curve = reliability_curve(&task, 5, BinStrategy::Uniform)?;
/// let svg = reliability_diagram_svg(&[("all", &curve)], "Calibration");
/// assert!(svg.starts_with("<svg") && svg.contains("Observed frequency"));
/// # Ok::<(), mlops_audit::CoreError>(())
/// ```
pub fn reliability_diagram_svg(
    curves: &[(&str, &mlops_core::calibration::ReliabilityCurve)],
    title: &str,
) -> String {
    render(|root| draw_reliability(root, curves, title))
}

fn draw_reliability(
    root: &Area<'_>,
    curves: &[(&str, &mlops_core::calibration::ReliabilityCurve)],
    title: &str,
) -> DrawResult {
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(root)
        .caption(text_for_xml(title, MAX_TITLE_CHARS), (FONT, 20))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(52)
        .build_cartesian_2d(0f64..1f64, 0f64..1f64)?;
    chart
        .configure_mesh()
        .x_desc("Mean predicted probability")
        .y_desc("Observed frequency")
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|v| format!("{v:.1}"))
        .y_label_formatter(&|v| format!("{v:.1}"))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.08))
        .axis_desc_style((FONT, 15))
        .label_style((FONT, 13))
        .draw()?;
    chart
        .draw_series(DashedLineSeries::new(
            [(0.0, 0.0), (1.0, 1.0)],
            6,
            4,
            GREY.stroke_width(1),
        ))?
        .label("perfectly calibrated")
        .legend(|(x, y)| Rectangle::new([(x, y), (x + 18, y + 1)], GREY.filled()));
    for (i, (name, curve)) in curves.iter().enumerate() {
        let c = colour(i);
        let (ece, _) = mlops_core::calibration::calibration_error(curve);
        let label = format!(
            "{}: ECE {}",
            text_for_xml(name, MAX_NAME_CHARS),
            format_number(ece)
        );
        let points: Vec<(f64, f64)> = curve
            .bins
            .iter()
            .map(|b| (b.mean_predicted, b.fraction_positive))
            .collect();
        chart
            .draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))?
            .label(label)
            .legend(move |(x, y)| Rectangle::new([(x, y - 1), (x + 18, y + 2)], c.filled()));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 3, c.filled())))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .margin(10)
        .label_font((FONT, 13))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_for_xml_replaces_what_xml_cannot_hold_and_shortens() {
        assert_eq!(
            text_for_xml("a\u{0}b\nc\u{ffff}", 10),
            "a\u{fffd}b c\u{fffd}"
        );
        assert_eq!(text_for_xml("abcdef", 4), "abc…");
        assert_eq!(text_for_xml("<&>", 4), "<&>");
    }

    #[test]
    fn stars_have_ten_vertices_and_point_up() {
        let v = star_vertices(10.0, 4.0);
        assert_eq!(v.len(), 10);
        assert_eq!(v[0], (0, -10));
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(format_number(0.25), "0.25");
        assert_eq!(format_number(812.0), "812");
        assert_eq!(format_number(0.123456), "0.1235");
        assert_eq!(trimmed(0.0050, 4), "0.005");
        assert_eq!(trimmed(-0.00001, 3), "0");
        assert_eq!(decimals(0.02), 2);
        assert_eq!(decimals(200.0), 0);
    }
}
