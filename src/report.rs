//! Reports people can read: one self-contained HTML file and JSON with the same content
//! and an audit trail.
//!
//! A [`Report`] is a document model — sections of paragraphs, tables and charts, a gate
//! verdict, an audit trail — that the audit fills in and this module renders. The HTML
//! holds no script, no link, no external font or image: it opens from an email attachment.
//! Every string is escaped by the template engine (`maud` escapes by default), so data can
//! never become markup; charts are this crate's own SVG (see [`crate::plot`]), whose text is
//! escaped by the SVG backend, and a chart is embedded only once [`Chart::check`] finds it
//! to be static drawing (no script, event handler, link or external resource).
//!
//! ```
//! use mlops_audit::report::{AuditTrail, Report, Section, Status, Table};
//! let mut report = Report::new("Loan model audit", AuditTrail::now());
//! report.sections.push(Section {
//!     title: "Fairness".into(),
//!     status: Some(Status::Fail),
//!     paragraphs: vec!["The FPR gap is 0.12 (tolerance 0.05).".into()],
//!     tables: vec![Table::new("FPR by group", ["group", "FPR"], [["<b>A</b>", "0.54"]])],
//!     charts: vec![],
//! });
//! let html = report.to_html();
//! assert!(html.contains("&lt;b&gt;A&lt;/b&gt;")); // data is text, never markup
//! assert!(!html.contains("<script"));
//! ```

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use maud::{DOCTYPE, Markup, PreEscaped, html};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::gate::{GateReport, Verdict};

/// Format version of the JSON report.
pub const REPORT_FORMAT_VERSION: u32 = 1;

/// A section's overall status, shown as a coloured badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// All good.
    Pass,
    /// Worth a look.
    Warn,
    /// A requirement is not met.
    Fail,
}

impl Status {
    fn label(self) -> &'static str {
        match self {
            Self::Pass => "PASS",
            Self::Warn => "WARN",
            Self::Fail => "FAIL",
        }
    }
    fn class(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
        }
    }
}

/// A table of text cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    /// What the table shows.
    pub caption: String,
    /// Column names.
    pub header: Vec<String>,
    /// Rows of cells (each as long as the header).
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// A table from anything that turns into strings.
    pub fn new<H, R, C>(
        caption: impl Into<String>,
        header: impl IntoIterator<Item = H>,
        rows: impl IntoIterator<Item = R>,
    ) -> Self
    where
        H: Into<String>,
        R: IntoIterator<Item = C>,
        C: Into<String>,
    {
        Self {
            caption: caption.into(),
            header: header.into_iter().map(Into::into).collect(),
            rows: rows
                .into_iter()
                .map(|r| r.into_iter().map(Into::into).collect())
                .collect(),
        }
    }
}

/// A chart: an SVG drawn by [`crate::plot`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// What the chart shows.
    pub caption: String,
    /// The SVG document.
    pub svg: String,
}

/// Why a chart's SVG cannot go into a report.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The chart is not well-formed SVG (or holds a DTD, a comment, a CDATA section or a
    /// processing instruction, which read differently in HTML than in XML).
    #[error(
        "chart {chart:?} is not an SVG document this report can embed ({reason}); pass the \
         text returned by one of mlops-audit's *_svg functions"
    )]
    NotSvg {
        /// The chart's caption.
        chart: String,
        /// What the parser found.
        reason: String,
    },
    /// The chart holds an element or attribute outside the static-drawing allow-list
    /// (a script, an event handler, a link, an external resource, ...).
    #[error(
        "chart {chart:?} holds {what}, which could run code or fetch a resource when the \
         report is opened; only static drawing (shapes, text, styles) may be embedded"
    )]
    UnsafeSvg {
        /// The chart's caption.
        chart: String,
        /// The element or attribute, as `<name>` or `name="value"`.
        what: String,
    },
}

/// SVG elements a chart may use: static shapes and text, nothing that runs, links or
/// embeds.
const SVG_ELEMENTS: &[&str] = &[
    "svg", "g", "rect", "line", "polyline", "polygon", "path", "circle", "ellipse", "text", "tspan",
];

/// Presentation and geometry attributes a chart may use.
const SVG_ATTRIBUTES: &[&str] = &[
    "width",
    "height",
    "viewBox",
    "x",
    "y",
    "x1",
    "y1",
    "x2",
    "y2",
    "dx",
    "dy",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "points",
    "d",
    "transform",
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-dasharray",
    "stroke-linecap",
    "stroke-linejoin",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "dominant-baseline",
    "alignment-baseline",
    "preserveAspectRatio",
];

impl Chart {
    /// Checks that the chart's SVG is static drawing that can be embedded in a report as
    /// markup: one well-formed `<svg>` in the SVG namespace with only allow-listed elements
    /// and attributes, no DTD, comment, CDATA or processing instruction, and no `url(`,
    /// `javascript:` or `@import` in any value. This crate's charts ([`crate::plot`])
    /// always pass; anything else is refused rather than trusted.
    ///
    /// # Examples
    /// ```
    /// use mlops_audit::report::Chart;
    /// let ok = Chart { caption: "c".into(), svg: r#"<svg xmlns="http://www.w3.org/2000/svg"><rect width="1"/></svg>"#.into() };
    /// assert!(ok.check().is_ok());
    /// let bad = Chart { caption: "c".into(), svg: r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#.into() };
    /// assert!(bad.check().is_err());
    /// ```
    ///
    /// # Errors
    /// [`ReportError::NotSvg`] or [`ReportError::UnsafeSvg`], naming the chart and what was
    /// found.
    pub fn check(&self) -> Result<(), ReportError> {
        const SVG_NS: &str = "http://www.w3.org/2000/svg";
        let not_svg = |reason: String| ReportError::NotSvg {
            chart: self.caption.clone(),
            reason,
        };
        let unsafe_svg = |what: String| ReportError::UnsafeSvg {
            chart: self.caption.clone(),
            what,
        };
        // roxmltree folds CDATA into text: find it (and the rest) in the source.
        for marker in ["<![CDATA[", "<!--", "<?", "<!DOCTYPE", "<!ENTITY"] {
            if self.svg.contains(marker) {
                return Err(not_svg(format!("it contains {marker:?}")));
            }
        }
        let doc = roxmltree::Document::parse(&self.svg).map_err(|e| not_svg(e.to_string()))?;
        let root = doc.root_element();
        if root.tag_name().name() != "svg" || root.tag_name().namespace() != Some(SVG_NS) {
            return Err(not_svg(format!(
                "its root element is <{}>, not <svg> in the SVG namespace",
                root.tag_name().name()
            )));
        }
        for node in doc.descendants() {
            match node.node_type() {
                roxmltree::NodeType::Root | roxmltree::NodeType::Text => continue,
                roxmltree::NodeType::Element => {}
                other => return Err(not_svg(format!("it contains a {other:?} node"))),
            }
            let tag = node.tag_name();
            if tag.namespace() != Some(SVG_NS) || !SVG_ELEMENTS.contains(&tag.name()) {
                return Err(unsafe_svg(format!("<{}>", tag.name())));
            }
            for a in node.attributes() {
                let value = a.value().to_ascii_lowercase();
                let risky = ["url(", "javascript:", "@import"]
                    .iter()
                    .any(|m| value.contains(m));
                if a.namespace().is_some() || !SVG_ATTRIBUTES.contains(&a.name()) || risky {
                    return Err(unsafe_svg(format!("{}={:?}", a.name(), a.value())));
                }
            }
        }
        Ok(())
    }
}

/// One part of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// The heading.
    pub title: String,
    /// The section's verdict, if it has one.
    pub status: Option<Status>,
    /// Plain-text paragraphs.
    pub paragraphs: Vec<String>,
    /// Tables.
    pub tables: Vec<Table>,
    /// Charts.
    pub charts: Vec<Chart>,
}

impl Section {
    /// An empty section with a title.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            status: None,
            paragraphs: Vec::new(),
            tables: Vec::new(),
            charts: Vec::new(),
        }
    }
}

/// An input's fingerprint: its size and a SHA-256 of its content, so a report traces back
/// to exactly the data it was computed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputFingerprint {
    /// The input's name.
    pub name: String,
    /// Number of values.
    pub rows: usize,
    /// SHA-256 (hex) of the values: little-endian IEEE bits for numbers, UTF-8 with a
    /// length prefix for strings.
    pub sha256: String,
}

impl InputFingerprint {
    /// Fingerprint of numbers.
    pub fn of_f64(name: impl Into<String>, values: &[f64]) -> Self {
        let mut h = Sha256::new();
        for v in values {
            h.update(v.to_bits().to_le_bytes());
        }
        Self::done(name, values.len(), h)
    }

    /// Fingerprint of labels or other bytes.
    pub fn of_u8(name: impl Into<String>, values: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(values);
        Self::done(name, values.len(), h)
    }

    /// Fingerprint of strings.
    pub fn of_strs<S: AsRef<str>>(name: impl Into<String>, values: &[S]) -> Self {
        let mut h = Sha256::new();
        for v in values {
            let b = v.as_ref().as_bytes();
            h.update((b.len() as u64).to_le_bytes());
            h.update(b);
        }
        Self::done(name, values.len(), h)
    }

    fn done(name: impl Into<String>, rows: usize, h: Sha256) -> Self {
        let digest = h.finalize();
        Self {
            name: name.into(),
            rows,
            sha256: digest.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// Where a report came from: the library version, the time, the parameters, the inputs'
/// fingerprints and the seeds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditTrail {
    /// The library version that produced the report.
    pub library_version: String,
    /// When, in UTC (RFC 3339).
    pub created_utc: String,
    /// Parameters, by name, as text.
    pub parameters: BTreeMap<String, String>,
    /// Inputs.
    pub inputs: Vec<InputFingerprint>,
    /// Seeds, by purpose.
    pub seeds: BTreeMap<String, u64>,
}

impl AuditTrail {
    /// A trail stamped with the current time.
    pub fn now() -> Self {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Self::at(secs)
    }

    /// A trail stamped with a given time (seconds since the Unix epoch), for reproducible
    /// reports.
    pub fn at(unix_seconds: u64) -> Self {
        Self {
            library_version: env!("CARGO_PKG_VERSION").to_owned(),
            created_utc: rfc3339(unix_seconds),
            parameters: BTreeMap::new(),
            inputs: Vec::new(),
            seeds: BTreeMap::new(),
        }
    }
}

/// `YYYY-MM-DDThh:mm:ssZ` for seconds since the epoch (proleptic Gregorian calendar;
/// the days-to-civil conversion of H. Hinnant's "chrono-compatible low-level date
/// algorithms").
fn rfc3339(unix_seconds: u64) -> String {
    let days = unix_seconds / 86_400;
    let rem = unix_seconds % 86_400;
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!("{year:04}-{month:02}-{d:02}T{h:02}:{m:02}:{s:02}Z")
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`REPORT_FORMAT_VERSION`].
    pub format_version: u32,
    /// The title.
    pub title: String,
    /// The deployment gate's verdict, shown at the top.
    pub gate: Option<GateReport>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// Where the report came from.
    pub trail: AuditTrail,
}

/// The report's CSS, every rule scoped to `.mlops-report` so that a fragment embedded in
/// a notebook styles only itself.
const STYLE: &str = "\
.mlops-report{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#222}\
main.mlops-report{max-width:1100px;margin:0 auto;padding:24px}\
.mlops-report h1{font-size:1.6em;margin:0 0 4px}.mlops-report h2{font-size:1.25em;margin:0 0 8px}\
.mlops-report section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:16px 20px;margin:16px 0}\
.mlops-report .badge{display:inline-block;padding:2px 8px;border-radius:4px;font-weight:bold;font-size:.85em;color:#fff;margin-left:8px;vertical-align:middle}\
.mlops-report .pass{background:#2e7d32}.mlops-report .warn{background:#ef6c00}.mlops-report .fail{background:#c62828}\
.mlops-report table{border-collapse:collapse;margin:8px 0 16px;font-size:.92em}\
.mlops-report caption{text-align:left;font-weight:bold;padding:4px 0}\
.mlops-report th,.mlops-report td{border-bottom:1px solid #e6e6e6;padding:4px 10px;text-align:left}\
.mlops-report th{background:#f3f3f3}.mlops-report td.num{text-align:right;font-variant-numeric:tabular-nums}\
.mlops-report figure{display:inline-block;margin:8px 16px 8px 0;vertical-align:top}\
.mlops-report figure svg{max-width:100%;height:auto;border:1px solid #eee}\
.mlops-report figcaption{font-size:.9em;color:#555}\
.mlops-report .verdict{font-size:1.1em;padding:12px 16px;border-radius:6px;color:#fff}\
.mlops-report details{font-size:.9em}\
.mlops-report .chart-refused{color:#c62828;border:1px dashed #c62828;padding:8px}\
";
fn looks_numeric(cell: &str) -> bool {
    !cell.is_empty()
        && cell
            .trim_start_matches(['-', '+'])
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+' | '%'))
}

fn render_table(t: &Table) -> Markup {
    html! {
        table {
            caption { (t.caption) }
            thead { tr { @for h in &t.header { th { (h) } } } }
            tbody {
                @for row in &t.rows {
                    tr { @for cell in row {
                        @if looks_numeric(cell) { td.num { (cell) } } @else { td { (cell) } }
                    } }
                }
            }
        }
    }
}

fn render_section(s: &Section) -> Markup {
    html! {
        section {
            h2 {
                (s.title)
                @if let Some(st) = s.status {
                    span class=(format!("badge {}", st.class())) { (st.label()) }
                }
            }
            @for p in &s.paragraphs { p { (p) } }
            @for c in &s.charts {
                figure {
                    // Markup only once checked to be static drawing (this crate's charts
                    // always are; their text was escaped when drawn). Anything else is shown
                    // as a notice, never embedded.
                    @match c.check() {
                        Ok(()) => (PreEscaped(&c.svg)),
                        Err(e) => p.chart-refused { "Chart not shown: " (e) },
                    }
                    figcaption { (c.caption) }
                }
            }
            @for tbl in &s.tables { (render_table(tbl)) }
        }
    }
}

/// A section as an HTML fragment with its own scoped style, for a notebook's
/// `_repr_html_`.
pub fn section_html(section: &Section) -> String {
    html! {
        div.mlops-report {
            style { (PreEscaped(STYLE)) }
            (render_section(section))
        }
    }
    .into_string()
}

fn render_gate(g: &GateReport) -> Markup {
    let class = if g.passed { "pass" } else { "fail" };
    html! {
        section #gate {
            div class=(format!("verdict {class}")) {
                "Deployment gate: " b { (if g.passed { "PASSED" } else { "FAILED" }) }
            }
            table {
                caption { "Requirements" }
                thead { tr { th { "requirement" } th { "limit" } th { "measured" } th { "verdict" } } }
                tbody {
                    @for c in &g.checks {
                        @let (label, class) = match c.verdict {
                            Verdict::Pass => ("PASS", "pass"),
                            Verdict::Fail => ("FAIL", "fail"),
                            Verdict::NotMeasured => ("NOT MEASURED", "warn"),
                        };
                        tr {
                            td { (c.name) }
                            td { (c.requirement) }
                            td { (c.measured.as_deref().unwrap_or("not measured")) }
                            td { span class=(format!("badge {class}")) { (label) } }
                        }
                    }
                }
            }
        }
    }
}

impl Report {
    /// An empty report.
    pub fn new(title: impl Into<String>, trail: AuditTrail) -> Self {
        Self {
            format_version: REPORT_FORMAT_VERSION,
            title: title.into(),
            gate: None,
            sections: Vec::new(),
            trail,
        }
    }

    /// Checks every chart (see [`Chart::check`]): run it on a report read from outside
    /// (JSON from a file or another program) before rendering it.
    ///
    /// # Errors
    /// The first chart that fails [`Chart::check`].
    pub fn check(&self) -> Result<(), ReportError> {
        self.sections
            .iter()
            .flat_map(|s| &s.charts)
            .try_for_each(Chart::check)
    }

    /// The report as one self-contained HTML document.
    pub fn to_html(&self) -> String {
        let t = &self.trail;
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (self.title) }
                    style { (PreEscaped(STYLE)) }
                }
                body style="margin:0;background:#fafafa" { main.mlops-report {
                    h1 { (self.title) }
                    p { "mlops-audit " (t.library_version) ", " (t.created_utc) }
                    @if let Some(g) = &self.gate { (render_gate(g)) }
                    @for s in &self.sections { (render_section(s)) }
                    section #trail {
                        h2 { "Audit trail" }
                        details open="open" {
                            summary { "Parameters, inputs and seeds" }
                            (render_table(&Table::new(
                                "Parameters",
                                ["parameter", "value"],
                                t.parameters.iter().map(|(k, v)| [k.clone(), v.clone()]),
                            )))
                            (render_table(&Table::new(
                                "Inputs",
                                ["input", "rows", "SHA-256"],
                                t.inputs.iter().map(|i| [i.name.clone(), i.rows.to_string(), i.sha256.clone()]),
                            )))
                            (render_table(&Table::new(
                                "Seeds",
                                ["purpose", "seed"],
                                t.seeds.iter().map(|(k, v)| [k.clone(), v.to_string()]),
                            )))
                        }
                    }
                } }
            }
        }
        .into_string()
    }

    /// The report as JSON (the same content, charts included as SVG text).
    pub fn to_json(&self) -> String {
        // Only strings, numbers, booleans and maps: serialisation cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes `report.html` and `report.json` into `dir` (created if missing) and returns
    /// their paths.
    ///
    /// # Errors
    /// Any I/O error.
    pub fn write(
        &self,
        dir: impl AsRef<std::path::Path>,
    ) -> std::io::Result<(std::path::PathBuf, std::path::PathBuf)> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        let html = dir.join("report.html");
        let json = dir.join("report.json");
        std::fs::write(&html, self.to_html())?;
        std::fs::write(&json, self.to_json())?;
        Ok((html, json))
    }
}

/// A number for a table: 4 significant decimals, `undefined` for `None`.
fn cell(v: Option<f64>) -> String {
    v.map_or_else(|| "undefined".to_owned(), |x| format!("{x:.4}"))
}

/// A group audit as a section: the core test's verdict, the rates per group, the spread of
/// each rate, bootstrap intervals when computed, and warnings.
pub fn audit_section(a: &mlops_fairness::GroupAudit, title: &str) -> Section {
    let mut s = Section::new(title);
    let names = a.params.constraint.rate_names().join(" and ");
    s.status = Some(match a.passed {
        Some(true) => Status::Pass,
        Some(false) => Status::Fail,
        None => Status::Warn,
    });
    s.paragraphs.push(match (a.max_gap, a.passed) {
        (Some(g), Some(p)) => format!(
            "Largest {names} gap between groups: {g:.4} ({} the tolerance {}).",
            if p { "within" } else { "above" },
            a.params.tolerance
        ),
        _ => format!("The {names} gap is undefined (fewer than two groups where it is)."),
    });
    let mut header = vec![
        "group",
        "rows",
        "positives",
        "negatives",
        "FPR",
        "TPR",
        "precision",
        "selection rate",
        "AUC",
    ];
    if a.groups.iter().any(|g| g.threshold.is_some()) {
        header.push("threshold");
    }
    // The whole population first, named `ALL_ROWS_LABEL`, which no group's name is.
    let rows = std::iter::once(&a.overall).chain(&a.groups).map(|g| {
        let mut r = vec![
            g.name.clone(),
            g.rows.to_string(),
            g.positive_rows.to_string(),
            g.negative_rows.to_string(),
            cell(g.rates.fpr),
            cell(g.rates.tpr),
            cell(g.rates.precision),
            cell(g.rates.selection_rate),
            cell(g.roc_auc),
        ];
        if header.len() > 9 {
            r.push(cell(g.threshold));
        }
        r
    });
    s.tables
        .push(Table::new("Rates by group", header.clone(), rows));
    s.tables.push(Table::new(
        "Spread of each rate across groups",
        ["rate", "max - min", "highest / lowest group", "min / max"],
        a.disparities.iter().map(|d| {
            [
                d.rate.clone(),
                cell(d.max_diff),
                d.diff_pair
                    .as_ref()
                    .map_or_else(String::new, |(h, l)| format!("{h} / {l}")),
                cell(d.min_ratio),
            ]
        }),
    ));
    if let Some(iv) = &a.intervals {
        let level = iv.level * 100.0;
        s.tables.push(Table::new(
            format!(
                "{level:.0}% bootstrap intervals ({} replicates, seed {})",
                iv.replicates, iv.seed
            ),
            ["group", "rate", "low", "high"],
            a.groups.iter().zip(&iv.groups).flat_map(|(g, rates)| {
                rates
                    .iter()
                    .filter(|(name, _)| name == "fpr" || name == "tpr")
                    .map(|(name, i)| {
                        [
                            g.name.clone(),
                            name.clone(),
                            cell(i.as_ref().map(|i| i.low)),
                            cell(i.as_ref().map(|i| i.high)),
                        ]
                    })
                    .collect::<Vec<_>>()
            }),
        ));
    }
    s.paragraphs.extend(a.warnings.iter().cloned());
    s
}

/// A production window's drift report as a section: the alert status and its reasons, the
/// drift panel (a row per feature: test, statistic, corrected p-value, effect size, status)
/// and the output panel (the share flagged per group, training against the interval of the
/// production share).
pub fn drift_section(d: &mlops_drift::DriftReport, title: &str) -> Section {
    use mlops_drift::AlertStatus;
    let mut s = Section::new(title);
    s.status = Some(match d.status {
        AlertStatus::Alert => Status::Fail,
        AlertStatus::Ok => Status::Pass,
        _ => Status::Warn,
    });
    s.paragraphs.push(format!(
        "{} rows monitored against the reference profile (status {}); p-values corrected \
         across features ({:?}, alpha {}).",
        d.window.rows, d.status, d.correction, d.alpha
    ));
    s.paragraphs.extend(d.reasons.iter().cloned());
    s.tables.push(Table::new(
        "Input drift by feature",
        [
            "feature",
            "test",
            "statistic",
            "p-value (corrected)",
            "effect size",
            "missing",
            "status",
        ],
        d.features.iter().map(|f| {
            [
                f.name.clone(),
                f.test.clone().unwrap_or_default(),
                cell(f.statistic),
                f.pvalue_corrected
                    .map_or_else(|| "undefined".to_owned(), |p| format!("{p:.3e}")),
                match (&f.effect_size_name, f.effect_size) {
                    (Some(n), Some(v)) => format!("{n} {v:.4}"),
                    _ => "undefined".into(),
                },
                cell(f.current_missing_rate),
                // A feature whose values were not testable is not "ok".
                match (f.drifted, f.missing_drifted, f.test.is_some()) {
                    (true, _, _) => "DRIFT",
                    (false, true, _) => "MISSING",
                    (false, false, false) => "undefined",
                    (false, false, true) => "ok",
                }
                .to_owned(),
            ]
        }),
    ));
    // All rows first (named `ALL_ROWS_LABEL`, which no group's name is), then the groups.
    let outputs: Vec<&mlops_drift::report::OutputDrift> =
        d.output_overall.iter().chain(&d.outputs).collect();
    if !outputs.is_empty() {
        let shares: Vec<crate::plot::ShareInterval> = outputs
            .iter()
            .map(|o| crate::plot::ShareInterval {
                group: o.name.clone(),
                training: o.training_share,
                production: o.production_share,
                interval: o.test.as_ref().map(|t| (t.exact_low, t.exact_high)),
            })
            .collect();
        s.charts.push(Chart {
            caption: "Share flagged by group: production with its Clopper-Pearson interval, \
                      training as a diamond"
                .into(),
            svg: crate::plot::share_intervals_svg(&shares, &format!("Outputs: {title}")),
        });
        s.tables.push(Table::new(
            "Share of positive predictions by group (training share against the production \
             share's Clopper-Pearson interval)",
            ["group", "training", "production", "interval", "status"],
            outputs.iter().map(|o| {
                [
                    o.name.clone(),
                    cell(o.training_share),
                    cell(o.production_share),
                    o.test.as_ref().map_or_else(
                        || "undefined".into(),
                        |t| format!("[{:.4}, {:.4}]", t.exact_low, t.exact_high),
                    ),
                    if o.out_of_interval { "ALERT" } else { "ok" }.to_owned(),
                ]
            }),
        ));
    }
    s
}

/// A rule in words: `score >= t`, a boundary mix, or the flag probabilities by score.
fn describe_rule(rule: &mlops_fairness::GroupRule) -> String {
    match (&rule.band, rule.threshold) {
        (None, t) if t == f64::INFINITY => "flag nobody".to_owned(),
        (None, t) if rule.p_at_threshold >= 1.0 => format!("flag when score >= {t}"),
        (None, t) => format!(
            "flag when score > {t}; at {t} with probability {:.4}",
            rule.p_at_threshold
        ),
        (Some(_), _) => rule
            .steps()
            .iter()
            .map(|&(cut, q)| {
                if cut == f64::NEG_INFINITY {
                    format!("any score: {q:.4}")
                } else {
                    format!("score >= {cut}: {q:.4}")
                }
            })
            .collect::<Vec<_>>()
            .join("; "),
    }
}

/// A threshold policy as a section: each group's rule and what it achieves, and what the
/// alternatives cost (the price of fairness).
pub fn policy_section(p: &mlops_fairness::ThresholdPolicy, title: &str) -> Section {
    let mut s = Section::new(title);
    let mode = match (p.params.randomized, p.params.tolerance) {
        (true, 0.0) => "randomized rules (mixtures of thresholds), rates equal exactly".to_owned(),
        (true, t) => format!("randomized rules (mixtures of thresholds), tolerance {t}"),
        (false, t) => format!("one threshold per group, tolerance {t}"),
    };
    s.paragraphs.push(format!(
        "Constraint {}: {mode}. Largest gap reached {:.4}; total cost {:.2}; price of \
         fairness against the best single threshold {:+.2}.",
        p.params.constraint,
        p.max_gap,
        p.total_cost,
        p.price_of_fairness()
    ));
    s.tables.push(Table::new(
        "Rule by group",
        [
            "group",
            "rule (flag probability by score)",
            "FPR",
            "TPR",
            "cost",
            "rows",
        ],
        p.groups.iter().map(|g| {
            let rule = describe_rule(&g.rule);
            [
                g.name.clone(),
                rule,
                cell(g.confusion.fpr()),
                cell(g.confusion.tpr()),
                format!("{:.2}", g.cost),
                g.rows.to_string(),
            ]
        }),
    ));
    let b = &p.baselines;
    s.tables.push(Table::new(
        "What the alternatives cost on the same data",
        ["rule", "total cost", "largest gap"],
        [
            ("this policy", p.total_cost, p.max_gap),
            (
                "best single threshold",
                b.single_threshold.cost,
                b.single_threshold.max_gap,
            ),
            (
                "each group's own optimum (no constraint)",
                b.unconstrained.cost,
                b.unconstrained.max_gap,
            ),
            (
                "Bayes threshold for everyone",
                b.bayes.cost,
                b.bayes.max_gap,
            ),
        ]
        .map(|(name, cost, gap)| [name.to_owned(), format!("{cost:.2}"), format!("{gap:.4}")]),
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_known_dates() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        // 2000-02-29 12:34:56 UTC (a leap day of a century leap year).
        assert_eq!(rfc3339(951_827_696), "2000-02-29T12:34:56Z");
        // 2026-11-24 00:00:00 UTC.
        assert_eq!(rfc3339(1_795_478_400), "2026-11-24T00:00:00Z");
    }

    fn chart(svg: &str) -> Chart {
        Chart {
            caption: "c".into(),
            svg: svg.into(),
        }
    }

    #[test]
    fn this_crates_charts_pass_the_check() {
        let bars = crate::plot::rate_bars_svg(
            &[crate::plot::RatePair {
                group: "<script>alert(1)</script>".into(),
                before: Some(0.2),
                after: None,
            }],
            "FPR",
            "\"><img src=x onerror=alert(1)>",
            "after",
            "</style>",
        );
        assert_eq!(chart(&bars).check(), Ok(()));
        let frontier = crate::plot::frontier_svg(&[], Some(0.05), "empty");
        assert_eq!(chart(&frontier).check(), Ok(()));
    }

    #[test]
    fn anything_that_could_run_or_fetch_is_refused() {
        const NS: &str = r#"xmlns="http://www.w3.org/2000/svg""#;
        let unsafe_svgs = [
            format!("<svg {NS}><script>alert(1)</script></svg>"),
            format!(r#"<svg {NS} onload="alert(1)"/>"#),
            format!(r#"<svg {NS}><rect onclick="x()"/></svg>"#),
            format!(
                r#"<svg {NS} xmlns:xl="http://www.w3.org/1999/xlink"><rect xl:href="x"/></svg>"#
            ),
            format!(r#"<svg {NS}><a href="https://example.invalid"><text>x</text></a></svg>"#),
            format!(r#"<svg {NS}><image width="1" height="1"/></svg>"#),
            format!(r#"<svg {NS}><foreignObject><div/></foreignObject></svg>"#),
            format!(r#"<svg {NS}><style>@import "x.css";</style></svg>"#),
            format!(r#"<svg {NS}><rect fill="url(https://example.invalid/x)"/></svg>"#),
            format!(r#"<svg {NS}><rect style="fill:red"/></svg>"#),
            format!(r#"<svg {NS}><set attributeName="onmouseover" to="alert(1)"/></svg>"#),
        ];
        for svg in &unsafe_svgs {
            assert!(
                matches!(chart(svg).check(), Err(ReportError::UnsafeSvg { .. })),
                "{svg}"
            );
        }
        let not_svgs = [
            String::new(),
            "<div>x</div>".to_owned(),
            "<svg><rect/></svg>".to_owned(), // no SVG namespace
            format!("<svg {NS}><rect></svg>"),
            format!("<svg {NS}><!-- --><rect/></svg>"),
            format!("<svg {NS}><text><![CDATA[</svg><script>alert(1)</script>]]></text></svg>"),
            format!(r#"<?xml version="1.0"?><svg {NS}/>"#),
            format!(r#"<!DOCTYPE svg [<!ENTITY x "y">]><svg {NS}>&x;</svg>"#),
        ];
        for svg in &not_svgs {
            assert!(
                matches!(chart(svg).check(), Err(ReportError::NotSvg { .. })),
                "{svg}"
            );
        }
    }

    #[test]
    fn an_unsafe_chart_is_never_embedded() {
        let mut s = Section::new("s");
        s.charts.push(chart(
            r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>"#,
        ));
        let html = section_html(&s);
        assert!(!html.contains("onload=\"alert"), "{html}");
        assert!(html.contains("Chart not shown: "));
        assert!(html.contains("onload=&quot;alert(1)&quot;")); // named, as text
    }

    #[test]
    fn sha256_of_known_bytes() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            InputFingerprint::of_u8("x", b"abc").sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
