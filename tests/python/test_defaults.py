"""Each default is written once, in Rust, and every signature shows it.

The Rust core's options structs (``#[serde(default)]`` with a ``Default`` impl) own the
defaults; ``_defaults()`` returns them. Python wrappers take their signatures' defaults from
there, pyo3 methods take ``**options`` and their stubs list the keywords. These tests fail when
a signature or a stub shows another default, misses an option or has one the core lacks, and
check that the options are read strictly, naming the culprit."""

from __future__ import annotations

import ast
import inspect
import math
import pathlib

import pytest

import mlops_audit
from mlops_audit import drift, errors
from mlops_audit._mlops_audit import _defaults

DEFAULTS = _defaults()

#: Python callables (wrappers) -> the Rust options struct whose fields are their keywords.
WRAPPERS = {
    "drift.DriftMonitor": (drift.DriftMonitor.__init__, "MonitorOptions"),
    "drift.drift_report": (drift.drift_report, "DriftReportOptions"),
}

#: Stubbed pyo3 methods taking ``**options`` -> their options struct.
STUBBED = {
    "ReferenceProfile.from_data": "ProfileOptions",
}

STUB = pathlib.Path(mlops_audit.__file__).with_name("_mlops_audit.pyi")


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return type(a) is type(b) and a == b


def test_every_options_struct_is_used_by_some_signature():
    used = {s for _, s in WRAPPERS.values()} | set(STUBBED.values())
    assert used == set(DEFAULTS)


@pytest.mark.parametrize("name", sorted(WRAPPERS))
def test_wrapper_signatures_show_the_rust_defaults(name):
    fn, struct = WRAPPERS[name]
    keywords = {p.name: p.default for p in inspect.signature(fn).parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY}
    assert set(keywords) == set(DEFAULTS[struct]), f"{name} and {struct} differ"
    for key, value in DEFAULTS[struct].items():
        assert _same(keywords[key], value), f"{name}({key}=...) is not {struct}'s default"


def _stub_keywords(qualname: str) -> dict[str, object]:
    tree = ast.parse(STUB.read_text())
    cls, _, method = qualname.rpartition(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == method:
                    args = item.args
                    return {a.arg: ast.literal_eval(d)
                            for a, d in zip(args.kwonlyargs, args.kw_defaults)}
    raise AssertionError(f"{qualname} is not in the stub")


@pytest.mark.parametrize("qualname", sorted(STUBBED))
def test_stub_defaults_are_the_rust_defaults(qualname):
    struct = STUBBED[qualname]
    keywords = _stub_keywords(qualname)
    assert set(keywords) == set(DEFAULTS[struct]), f"the stub of {qualname} and {struct} differ"
    for key, value in DEFAULTS[struct].items():
        assert _same(keywords[key], value), f"stub {qualname}({key}=...) is not {struct}'s"


def _call(name, **options):
    table = {"x": [0.1, 0.2, 0.3, 0.4], "c": ["a", "b", "a", "b"]}
    if name == "drift.DriftMonitor":
        return drift.DriftMonitor(drift.ReferenceProfile.from_data(table), **options)
    if name == "drift.drift_report":
        return drift.drift_report(table, table, **options)
    if name == "ReferenceProfile.from_data":
        return drift.ReferenceProfile.from_data(table, **options)
    raise AssertionError(name)


CALLS = sorted(WRAPPERS) + sorted(STUBBED)


@pytest.mark.parametrize("name", CALLS)
def test_defaults_spelled_out_change_nothing(name):
    struct = _struct(name)
    a, b = _call(name), _call(name, **DEFAULTS[struct])
    if hasattr(a, "to_json") and not isinstance(a, drift.DriftMonitor):
        assert a.to_json() == b.to_json()


def test_unknown_options_are_refused_by_name():
    with pytest.raises(TypeError):  # a Python wrapper: Python's own check
        _call("drift.drift_report", alhpa=0.1)
    with pytest.raises(errors.ParameterError) as e:
        _call("ReferenceProfile.from_data", sketch=10)
    assert e.value.name == "sketch" and "sketch_k" in str(e.value)


def _struct(name: str) -> str:
    return WRAPPERS[name][1] if name in WRAPPERS else STUBBED[name]


BAD_VALUES = [
    ("seed", True), ("seed", 1.5), ("seed", "1"),
    ("alpha", "0.05"), ("alpha", True), ("correction", 3), ("tests", ["x"]),
    ("features", "x"), ("sample_cap", -1), ("shards", 2**70), ("ks_method", "exactly"),
]


@pytest.mark.parametrize("name,key,value", [
    (name, key, value) for name in CALLS for key, value in BAD_VALUES
    if key in DEFAULTS[_struct(name)]
])
def test_bad_option_values_name_the_option(name, key, value):
    with pytest.raises((errors.InputTypeError, errors.ParameterError)) as e:
        _call(name, **{key: value})
    named = getattr(e.value, "name", None) or getattr(e.value, "input", None)
    assert named is not None and named.split(".")[0].split("[")[0] == key, str(e.value)
    if isinstance(value, bool) or (isinstance(value, str) and key != "ks_method"):
        assert isinstance(e.value, errors.InputTypeError), str(e.value)
