"""Reports from Python: data is always text in the HTML, the JSON holds the same content and
reads back, the audit trail records what the run used, and input fingerprints are the
SHA-256 the Rust ``InputFingerprint`` defines (checked with ``hashlib``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import struct
import time
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mlops_audit
from hostile_report import HOSTILE, UNIX_SECONDS, build, data
from mlops_audit import errors, fairness, gate, report

# --------------------------------------------------------------------------------------
# An independent reading of the HTML: Python's own parser.
# --------------------------------------------------------------------------------------
# Every element the renderer and the SVG backend may write; anything else is injected.
ALLOWED_ELEMENTS = {
    "html", "head", "meta", "title", "style", "body", "main", "h1", "h2", "p", "b", "span",
    "section", "div", "details", "summary", "table", "caption", "thead", "tbody", "tr", "th",
    "td", "figure", "figcaption", "svg", "g", "rect", "line", "polyline", "polygon", "path",
    "circle", "text", "defs", "clippath", "tspan",
}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(tag)
        self.attributes.extend(attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def read_html(html: str) -> _Reader:
    r = _Reader()
    r.feed(html)
    r.close()
    return r


def assert_inert(html: str, *, raw: bool = True) -> _Reader:
    """No element outside the allow-list, no event handler, no URL that fetches or runs
    (``raw=False``: leave out the search of the raw text, for data that may itself
    mention ``https://``)."""
    r = read_html(html)
    assert set(r.elements) <= ALLOWED_ELEMENTS, set(r.elements) - ALLOWED_ELEMENTS
    for name, value in r.attributes:
        assert not name.startswith("on"), (name, value)
        assert name not in ("src", "href", "xlink:href", "action", "formaction"), (name, value)
        assert "javascript:" not in (value or "").lower()
    if not raw:
        return r
    lowered = html.lower()
    for needle in ("<script", "<link", "<img", "<iframe", "@import", "url(", "http://", "https://"):
        # The SVG namespace is the only URL, and it is an identifier, not a fetch.
        hits = [m.start() for m in re.finditer(re.escape(needle), lowered)]
        for at in hits:
            assert lowered[at - 7:at + len(needle) + 20].count("xmlns") == 1, (needle, at)
    return r


@pytest.fixture(scope="module")
def hostile():
    return build()


def test_hostile_names_are_text_everywhere(hostile):
    r, _, _ = hostile
    html = r.to_html()
    reader = assert_inert(html)
    text = "".join(reader.text)
    # Each hostile string reads back as text: in the title, section titles, paragraphs,
    # table cells and captions, chart captions, group names, parameters, seeds, inputs.
    for h in HOSTILE:
        assert h not in html, h  # never verbatim: each holds a character that is escaped
        assert h in text, h
    assert f"Audit {HOSTILE[0]}" in text
    # Group names appear in the audit's and the policy's tables.
    assert text.count(HOSTILE[1]) >= 5


def test_hostile_names_in_the_charts_are_escaped(hostile):
    r, _, _ = hostile
    charts = [c for s in r.sections for c in s.charts]
    assert len(charts) == 4
    for c in charts:
        reader = assert_inert(c["svg"])
        assert reader.elements[0] == "svg"
    # The chart titles (truncated to fit, with an ellipsis) are text in their SVG.
    assert "alert(1)" in "".join(read_html(charts[1]["svg"]).text)


def test_every_fragment_is_inert(hostile):
    r, policy, audit = hostile
    for s in r.sections:
        assert_inert(s._repr_html_())
    assert_inert(r._repr_html_())
    assert_inert(policy._repr_html_())
    assert_inert(audit._repr_html_())


def test_json_holds_the_same_content_and_reads_back(hostile):
    r, _, audit = hostile
    doc = json.loads(r.to_json())
    assert doc == r.to_dict()
    assert doc["format_version"] == 1
    assert doc["title"] == f"Audit {HOSTILE[0]}"  # raw text in JSON, escaped in HTML
    assert [s["title"] for s in doc["sections"]] == [
        f"Policy {HOSTILE[1]}", f"Audit {HOSTILE[2]}", f"Section {HOSTILE[3]}"]
    back = report.Report.from_json(r.to_json())
    assert back.to_json() == r.to_json()
    assert back.to_html() == r.to_html()
    # Every text of the JSON shows in the HTML, as text.
    text = "".join(read_html(r.to_html()).text)
    for s in doc["sections"]:
        assert s["title"] in text
        for p in s["paragraphs"]:
            assert p in text
        for t in s["tables"]:
            assert t["caption"] in text
            for row in t["rows"]:
                for cell in row:
                    assert cell in text
        for c in s["charts"]:
            assert c["caption"] in text
    # The gate at the top: before the first section.
    html = r.to_html()
    assert html.index('id="gate"') < html.index(f"Policy {HOSTILE[1]}".replace("<", "&lt;")
                                                .replace(">", "&gt;").replace('"', "&quot;"))
    assert {"test": "GateReport", **doc["gate"]} == r.gate.to_dict()
    assert doc["gate"]["passed"] is (audit.max_gap <= 0.05)


def test_audit_section_rates_equal_numpy_counts(hostile):
    # The audit table's FPR per group against a direct count at the policy's thresholds.
    r, policy, _ = hostile
    y, score, groups = data()
    table = r.sections[1].tables[0]
    assert table["header"][:5] == ["group", "rows", "positives", "negatives", "FPR"]
    by_group = {row[0]: row for row in table["rows"]}
    for g, t in policy.thresholds.items():
        m = groups == g
        neg = m & (y == 0)
        fpr = np.sum(score[neg] >= t) / np.sum(neg)
        assert by_group[g][1] == str(int(m.sum()))
        assert by_group[g][3] == str(int(neg.sum()))
        assert by_group[g][4] == f"{fpr:.4f}"


def test_audit_trail_records_the_run(hostile):
    r, _, _ = hostile
    trail = r.trail
    assert trail["library_version"] == mlops_audit.__version__
    expected = dt.datetime.fromtimestamp(UNIX_SECONDS, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert trail["created_utc"] == expected
    assert trail["parameters"] == {HOSTILE[1]: HOSTILE[2], "tolerance": "0.05"}
    assert trail["seeds"] == {HOSTILE[3]: 11}
    y, score, groups = data()
    assert trail["inputs"] == [report.fingerprint(HOSTILE[0], score),
                               report.fingerprint("groups", groups)]
    text = "".join(read_html(r.to_html()).text)
    for fp in trail["inputs"]:
        assert fp["sha256"] in text
    assert expected in text


def test_trail_time_defaults_to_now():
    before = int(time.time())
    stamp = report.Report("t").trail["created_utc"]
    after = int(time.time())
    got = dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC).timestamp()
    assert before <= got <= after


@pytest.mark.parametrize("seconds", [0, 951_827_696, 4_102_444_800, 253_402_300_799])
def test_trail_time_matches_datetime(seconds):
    stamp = report.Report("t", unix_seconds=seconds).trail["created_utc"]
    expected = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(seconds=seconds)
    assert stamp == expected.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.parametrize("seconds", [-1, 253_402_300_800, 2**64])
def test_trail_time_outside_rfc3339_is_refused(seconds):
    # RFC 3339 years have four digits: 9999-12-31T23:59:59Z is the last stamp it can write.
    with pytest.raises(errors.ParameterError, match="unix_seconds"):
        report.Report("t", unix_seconds=seconds)


@given(st.text(max_size=40), st.text(max_size=40))
def test_any_text_reads_back_as_text(a, b):
    # Hypothesis text: any code point but lone surrogates, control characters included.
    r = report.Report(a, unix_seconds=0)
    r.add_section(b, paragraphs=[a], tables=[(b, [a], [[b]])],
                  charts=[(a, report.rate_bars_svg({b: (0.1, 0.2)}, title=a))])
    r.set_parameters({a: b}).set_seed(b, 1)
    html = r.to_html()
    reader = assert_inert(html, raw=False)
    text = "".join(reader.text)
    for t in (a, b, f"mlops-audit {mlops_audit.__version__}"):
        assert t in text
    # One style element, the package's own: data never opens another.
    assert reader.elements.count("style") == 1
    assert report.Report.from_json(r.to_json()).to_html() == html


@pytest.mark.parametrize("where", ["title", "section", "paragraph", "cell", "caption",
                                   "parameter", "seed", "input"])
def test_lone_surrogates_are_refused_when_added(where):
    bad = "a\ud800b"
    r = report.Report("t")
    add = {
        "title": lambda: report.Report(bad),
        "section": lambda: r.add_section(bad),
        "paragraph": lambda: r.add_section("s", paragraphs=[bad]),
        "cell": lambda: r.add_section("s", tables=[("c", ["h"], [[bad]])]),
        "caption": lambda: r.add_section("s", charts=[(bad, report.rate_bars_svg({}))]),
        "parameter": lambda: r.set_parameters({"p": bad}),
        "seed": lambda: r.set_seed(bad, 1),
        "input": lambda: r.add_input("x", [bad, "c"]),
    }[where]
    with pytest.raises(errors.ParameterError, match="surrogate"):
        add()
    r.to_html()  # the report stays renderable


# --------------------------------------------------------------------------------------
# Fingerprints: hashlib over the bytes the Rust definition names.
# --------------------------------------------------------------------------------------
def sha_f64(values) -> str:
    a = np.asarray(values, dtype="<f8")
    return hashlib.sha256(struct.pack(f"<{a.size}d", *a.tolist())).hexdigest()


def sha_strs(values) -> str:
    h = hashlib.sha256()
    for v in values:
        b = v.encode("utf-8")
        h.update(struct.pack("<Q", len(b)))
        h.update(b)
    return h.hexdigest()


def test_fingerprint_known_value():
    # SHA-256 of the 8 little-endian bytes of 1.0 (0x3FF0000000000000), by hashlib.
    expected = hashlib.sha256(bytes([0, 0, 0, 0, 0, 0, 0xF0, 0x3F])).hexdigest()
    assert report.fingerprint("x", np.array([1.0])) == {"name": "x", "rows": 1,
                                                        "sha256": expected}
    assert report.fingerprint("e", np.array([], dtype=float))["sha256"] == hashlib.sha256(
        b"").hexdigest()


def test_fingerprint_same_as_rust():
    # The digests tests/report_fingerprint.rs checks InputFingerprint::of_f64 / of_strs
    # against (computed with hashlib): the same data gives the same hash in both languages.
    numbers = np.array([0.0, -0.0, 1.5, -2.25, 1e300, np.inf, 5e-324])
    assert report.fingerprint("x", numbers) == {
        "name": "x", "rows": 7,
        "sha256": "cfc03343a0667f41bdbe876fccfa8ab621ec846c2c942396e703e9a47ba3851b"}
    assert report.fingerprint("g", ["A", "Bé", "", "日本"])["sha256"] == (
        "06b29923e654d663af72ff3c09494f10a16a1530097ea90766a1640f818edb29")
    assert sha_f64(numbers) == report.fingerprint("x", numbers)["sha256"]


@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=60))
def test_fingerprint_of_numbers_matches_hashlib(values):
    arr = np.array(values, dtype=np.float64)
    fp = report.fingerprint("x", arr)
    assert fp == {"name": "x", "rows": len(values), "sha256": sha_f64(arr)}


def test_fingerprint_of_other_numeric_layouts():
    rng = np.random.default_rng(3)
    x = rng.normal(size=101)
    assert report.fingerprint("x", x[::3])["sha256"] == sha_f64(x[::3])  # strided view
    assert report.fingerprint("x", pd.Series(x))["sha256"] == sha_f64(x)
    assert report.fingerprint("x", x.astype(np.float32))["sha256"] == sha_f64(
        x.astype(np.float32).astype(np.float64))
    ints = rng.integers(-5, 5, 50)
    assert report.fingerprint("y", ints)["sha256"] == sha_f64(ints.astype(np.float64))
    bools = rng.random(50) < 0.5
    assert report.fingerprint("b", bools)["sha256"] == sha_f64(bools.astype(np.float64))
    assert report.fingerprint("l", [1.5, 2, 3])["sha256"] == sha_f64([1.5, 2.0, 3.0])


@given(st.lists(st.text(), min_size=1, max_size=30))
def test_fingerprint_of_strings_matches_hashlib(values):
    expected = sha_strs(values)
    assert report.fingerprint("g", values)["sha256"] == expected
    assert report.fingerprint("g", np.array(values, dtype=object))["sha256"] == expected


def test_fingerprint_of_string_columns():
    values = ["A", "Bé", "", "日本", "A", "<x>"]
    expected = sha_strs(values)
    assert report.fingerprint("g", np.array(values))["sha256"] == expected
    assert report.fingerprint("g", pd.Series(values, dtype="category"))["sha256"] == expected
    assert report.fingerprint("g", pd.Series(values))["sha256"] == expected
    # A length prefix keeps ["ab", "c"] apart from ["a", "bc"].
    assert report.fingerprint("g", ["ab", "c"]) != report.fingerprint("g", ["a", "bc"])


def test_fingerprint_errors():
    with pytest.raises(errors.InputTypeError):
        report.fingerprint("g", np.array(["a", None], dtype=object))
    with pytest.raises(TypeError):
        report.fingerprint("g", {"a": 1})


# --------------------------------------------------------------------------------------
# The API's edges.
# --------------------------------------------------------------------------------------
def test_bad_arguments_are_named_errors():
    r = report.Report("t")
    with pytest.raises(errors.ParameterError, match="status"):
        r.add_section("s", status="ok")
    with pytest.raises(errors.ParameterError, match="row 1 has 1 cells"):
        r.add_section("s", tables=[("c", ["a", "b"], [[1, 2], [3]])])
    with pytest.raises(errors.NotSvgError, match="root element is <div>") as e:
        r.add_section("s", charts=[("c", "<div>not a chart</div>")])
    assert e.value.chart == "c"
    with pytest.raises(errors.InputTypeError, match="tuple \\(caption, svg\\)"):
        r.add_section("s", charts=["<svg/>"])
    with pytest.raises(errors.InputTypeError, match="tuple \\(caption, header, rows\\)"):
        r.add_section("s", tables=[("caption", ["a"])])
    with pytest.raises(errors.ParameterError, match="seed"):
        r.set_seed("bootstrap", -1)
    with pytest.raises(errors.InputTypeError):
        r.add_audit("not an audit")  # type: ignore[arg-type]
    with pytest.raises(errors.InputTypeError):
        r.add_policy(None)  # type: ignore[arg-type]
    with pytest.raises(errors.InputTypeError):
        r.set_gate({"passed": True})  # type: ignore[arg-type]
    assert r.sections == []  # nothing half-added


def test_from_json_checks_its_input():
    with pytest.raises(errors.ParameterError, match="report"):
        report.Report.from_json('{"title": "no trail"}')
    doc = report.Report("t").to_dict()
    doc["format_version"] = 99
    with pytest.raises(errors.ParameterError, match="format version 99"):
        report.Report.from_json(json.dumps(doc))


def test_nan_in_a_table_is_shown_not_hidden():
    r = report.Report("t").add_section("s", tables=[("c", ["v"], [[float("nan")],
                                                                  [float("inf")], [None]])])
    rows = r.sections[0].tables[0]["rows"]
    assert rows == [["nan"], ["inf"], ["undefined"]]


def test_write_gives_both_files(tmp_path, hostile):
    r, _, _ = hostile
    html_path, json_path = r.write(tmp_path / "new" / "dir")
    assert html_path.name == "report.html" and json_path.name == "report.json"
    assert html_path.read_text(encoding="utf-8") == r.to_html()
    assert json.loads(json_path.read_text(encoding="utf-8")) == r.to_dict()


def test_repr_and_gate_roundtrip():
    y, score, groups = data(400)
    a = fairness.audit(y, score, groups, threshold=0.5)
    g = gate.evaluate({"max_fpr_gap": 0.0}, fpr_gap=a.max_gap)
    r = report.Report("x").add_audit(a).set_gate(g)
    assert repr(r) == "Report('x', 1 sections, gate FAILED, 0 inputs)"
    assert r.gate == g
    assert r.set_gate(None).gate is None


def test_rate_bars_svg_undefined_group():
    svg = report.rate_bars_svg({"a": (0.2, 0.1), "b": (None, None)}, title="FPR")
    assert svg.startswith("<svg")
    assert "b (undefined)" in "".join(read_html(svg).text)


SVG_NS = 'xmlns="http://www.w3.org/2000/svg"'


@pytest.mark.parametrize("svg, what", [
    (f"<svg {SVG_NS}><script>alert(1)</script></svg>", "<script>"),
    (f'<svg {SVG_NS} onload="alert(1)"/>', "onload"),
    (f'<svg {SVG_NS}><image width="1" height="1"/></svg>', "<image>"),
    (f'<svg {SVG_NS}><rect fill="url(https://example.invalid/x)"/></svg>', "fill"),
    (f'<svg {SVG_NS}><foreignObject><div/></foreignObject></svg>', "<foreignObject>"),
])
def test_charts_that_could_run_or_fetch_are_refused(svg, what):
    r = report.Report("t")
    with pytest.raises(errors.UnsafeSvgError) as e:
        r.add_section("s", charts=[("evil", svg)])
    assert e.value.chart == "evil" and e.value.what.startswith(what)
    assert r.sections == []
    # A report read from JSON is checked too, before anything is rendered.
    doc = r.to_dict()
    doc["sections"] = [{"title": "s", "status": None, "paragraphs": [], "tables": [],
                        "charts": [{"caption": "evil", "svg": svg}]}]
    with pytest.raises(errors.UnsafeSvgError):
        report.Report.from_json(json.dumps(doc))
    with pytest.raises(errors.UnsafeSvgError):
        report.Section("s", charts=[{"caption": "evil", "svg": svg}])._repr_html_()


def test_cdata_cannot_smuggle_markup():
    svg = f"<svg {SVG_NS}><text><![CDATA[</svg><script>alert(1)</script>]]></text></svg>"
    with pytest.raises(errors.NotSvgError, match="CDATA"):
        report.Report("t").add_section("s", charts=[("c", svg)])


def test_table_from_a_dataframe():
    frame = pd.DataFrame({"rows": [3, 4], "FPR": [0.25, None]},
                         index=pd.Index(["A", "<b>"], name="group"))
    t = report.Table.from_frame(frame, "by group").to_dict()
    assert t == {"caption": "by group", "header": ["group", "rows", "FPR"],
                 "rows": [["A", "3", "0.2500"], ["<b>", "4", "nan"]]}
    assert report.Table.from_frame(frame, "c", index=False).to_dict()["header"] == ["rows", "FPR"]
