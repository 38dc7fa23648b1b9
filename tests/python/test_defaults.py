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
from mlops_audit import calibration, drift, errors, fairness, gate, metrics
from mlops_audit._mlops_audit import _defaults

DEFAULTS = _defaults()

#: Python callables (wrappers) -> the Rust options struct whose fields are their keywords.
WRAPPERS = {
    "drift.DriftMonitor": (drift.DriftMonitor.__init__, "MonitorOptions"),
    "drift.drift_report": (drift.drift_report, "DriftReportOptions"),
    "fairness.equal_opportunity": (fairness.equal_opportunity, "SearchOptions"),
    "fairness.audit": (fairness.audit, "AuditOptions"),
    "drift.psi": (drift.psi, "PsiOptions"),
    "drift.categorical_drift": (drift.categorical_drift, "CategoricalParams"),
    "drift.anderson_ksamp": (drift.anderson_ksamp, "AndersonParams"),
    "gate.evaluate": (gate.evaluate, "Evidence"),
    "fairness.estimate_audit": (fairness.estimate_audit, "EstimateParams"),
}

#: pyo3 classes whose constructor's keywords are a Rust struct's fields: pyo3 can show a
#: default only as a literal in the binding's signature, so these are checked copies (the
#: runtime signature and the stub against the Rust default).
CONSTRUCTORS = {
    "CostMatrix": (metrics.CostMatrix, "CostMatrix"),
    "HistogramCalibrator": (calibration.HistogramCalibrator, "HistogramParams"),
}

#: Keywords of a wrapper that are not options (inputs, objects) or options it leaves out.
NOT_OPTIONS = {
    "fairness.equal_opportunity": {"sample_weight", "cost"},
    "fairness.audit": {"group_proba", "threshold", "thresholds", "y_pred", "sample_weight"},
    "gate.evaluate": {"expected_cost"},  # the deprecated name of cost_per_decision
    # A CostMatrix object (its defaults: CONSTRUCTORS below).
    "fairness.estimate_audit": {"threshold", "thresholds", "y_pred", "y_score",
                                "sample_weight", "cost"},
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
    used = ({s for _, s in WRAPPERS.values()} | set(STUBBED.values())
            | {s for _, s in CONSTRUCTORS.values()})
    assert used == set(DEFAULTS)


@pytest.mark.parametrize("name", sorted(WRAPPERS))
def test_wrapper_signatures_show_the_rust_defaults(name):
    fn, struct = WRAPPERS[name]
    keywords = {p.name: p.default for p in inspect.signature(fn).parameters.values()
                if p.kind is inspect.Parameter.KEYWORD_ONLY
                and p.name not in NOT_OPTIONS.get(name, set())}
    fields = set(DEFAULTS[struct]) - NOT_OPTIONS.get(name, set())
    assert set(keywords) == fields, f"{name} and {struct} differ"
    for key in fields:
        value = DEFAULTS[struct][key]
        assert _same(keywords[key], value), f"{name}({key}=...) is not {struct}'s default"


@pytest.mark.parametrize("name", sorted(CONSTRUCTORS))
def test_constructor_signatures_and_stubs_show_the_rust_defaults(name):
    cls, struct = CONSTRUCTORS[name]
    runtime = {p.name: p.default for p in inspect.signature(cls).parameters.values()}
    stub = _stub_keywords(f"{name}.__new__", positional=True)
    assert set(runtime) == set(stub) == set(DEFAULTS[struct])
    for key, value in DEFAULTS[struct].items():
        assert _same(runtime[key], value), f"{name}({key}=...) is not {struct}'s default"
        assert _same(stub[key], value), f"stub {name}({key}=...) is not {struct}'s default"


def _stub_keywords(qualname: str, positional: bool = False) -> dict[str, object]:
    tree = ast.parse(STUB.read_text())
    cls, _, method = qualname.rpartition(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name == cls:
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == method:
                    args = item.args
                    if positional:
                        named = args.args[len(args.args) - len(args.defaults):]
                        return {a.arg: ast.literal_eval(d) for a, d in zip(named, args.defaults)}
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
    y, s, g = [0, 1, 0, 1, 0, 1, 0, 1], [.1, .9, .3, .6, .2, .8, .4, .7], list("aabbaabb")
    if name == "drift.psi":
        return drift.psi(s, s, **options)
    if name == "drift.categorical_drift":
        return drift.categorical_drift({"a": 3, "b": 4}, {"a": 4, "b": 2}, **options)
    if name == "drift.anderson_ksamp":
        return drift.anderson_ksamp([s, [0.5, 0.25, 0.75, 0.05]], **options)
    if name == "fairness.estimate_audit":
        return fairness.estimate_audit(s, g, threshold=0.5, **options)
    if name == "gate.evaluate":
        return gate.evaluate({"max_fpr_gap": 0.05}, **options)
    if name == "fairness.equal_opportunity":
        return fairness.equal_opportunity(y, s, g, **options)
    if name == "fairness.audit":
        return fairness.audit(y, s, g, threshold=0.5, **options)
    raise AssertionError(name)


CALLS = sorted(WRAPPERS) + sorted(STUBBED)


@pytest.mark.parametrize("name", CALLS)
def test_defaults_spelled_out_change_nothing(name):
    struct = _struct(name)
    spelled = {k: v for k, v in DEFAULTS[struct].items() if k not in NOT_OPTIONS.get(name, ())}
    a, b = _call(name), _call(name, **spelled)
    if hasattr(a, "to_json") and not isinstance(a, drift.DriftMonitor):
        assert a.to_json() == b.to_json()


def test_the_threshold_optimizer_shows_the_search_defaults():
    params = inspect.signature(fairness.ThresholdOptimizer.__init__).parameters
    shared = set(params) & set(DEFAULTS["SearchOptions"])
    assert shared == {"fn_cost", "fp_cost", "constraint", "tolerance", "randomized"}
    for key in shared:
        assert _same(params[key].default, DEFAULTS["SearchOptions"][key])


#: Keywords that mean one thing everywhere: wherever a public function has one, its
#: default is the Rust struct's (the frontier and plotting functions, the estimators).
SHARED = {"fn_cost": "SearchOptions", "fp_cost": "SearchOptions", "max_groups": "SearchOptions",
          "randomized": "SearchOptions", "window_sample_cap": "MonitorOptions",
          "psi_threshold": "MonitorOptions", "sketch_k": "ProfileOptions"}


def _public_callables():
    from mlops_audit import calibration as c, compare, datasets, metrics as m, report

    for mod in (c, compare, datasets, drift, fairness, gate, m, report):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if isinstance(obj, type):
                yield f"{mod.__name__}.{name}", obj
                for attr, member in vars(obj).items():
                    if callable(member) and not attr.startswith("_") or attr == "__init__":
                        yield f"{mod.__name__}.{name}.{attr}", member
            elif callable(obj):
                yield f"{mod.__name__}.{name}", obj


def test_shared_keywords_show_the_rust_default_everywhere():
    checked = 0
    for name, fn in _public_callables():
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            continue
        for key, struct in SHARED.items():
            p = params.get(key)
            if p is None or p.default is inspect.Parameter.empty:
                continue
            checked += 1
            assert _same(p.default, DEFAULTS[struct][key]), f"{name}({key}={p.default!r})"
    assert checked >= 8


def test_unknown_options_are_refused_by_name():
    with pytest.raises(TypeError):  # a Python wrapper: Python's own check
        _call("drift.drift_report", alhpa=0.1)
    with pytest.raises(errors.ParameterError) as e:
        _call("ReferenceProfile.from_data", sketch=10)
    assert e.value.name == "sketch" and "sketch_k" in str(e.value)


def _struct(name: str) -> str:
    return WRAPPERS[name][1] if name in WRAPPERS else STUBBED[name]


#: (option, bad value, the error it must raise): a value of the wrong type is an
#: InputTypeError (a TypeError), a value of the right type out of range a ParameterError.
T, P = errors.InputTypeError, errors.ParameterError
BAD_VALUES = [
    ("seed", True, T), ("seed", 1.5, T), ("seed", "1", T), ("alpha", "0.05", T),
    ("alpha", True, T), ("correction", 3, T), ("tests", ["x"], T), ("features", "x", T),
    ("sample_cap", -1, P), ("shards", 2**70, P), ("ks_method", "exactly", P),
    ("randomized", "no", T), ("randomized", 1, T), ("constraint", "fnr", P),
    ("max_groups", 2.0, T), ("bootstrap", -1, P), ("min_count", True, T),
    ("tolerance", "0.1", T), ("bins", True, T), ("edges", [1.0, "2"], T),
    ("epsilon", "1e-4", T), ("variant", "left", P), ("resamples", 9.5, T),
]


@pytest.mark.parametrize("name,key,value,error", [
    (name, key, value, error) for name in CALLS for key, value, error in BAD_VALUES
    if key in DEFAULTS[_struct(name)]
])
def test_bad_option_values_name_the_option(name, key, value, error):
    with pytest.raises(error) as e:
        _call(name, **{key: value})
    named = getattr(e.value, "name", None) or getattr(e.value, "input", None)
    assert named is not None and named.split(".")[0].split("[")[0] == key, str(e.value)
