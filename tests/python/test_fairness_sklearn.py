"""ThresholdOptimizer as a scikit-learn estimator: is_classifier, clone, nested parameters,
pipelines (a model inside it, and it as the last step on score input), fairlearn's
``prefit=False`` path (an unfitted estimator is cloned and fitted), and the same protocol
without scikit-learn installed (checked in a subprocess that hides it).

scikit-learn's ``check_estimator`` is not run: every one of its checks calls ``fit(X, y)``
without sensitive features, which this post-processor refuses (a ParameterError) rather
than fit one threshold for everybody; the parts of the protocol those checks exercise that
apply here (clone, get_params/set_params round trips, pickling, NotFittedError, classes_,
the classifier tag) are tested one by one below.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from mlops_audit import errors
from mlops_audit.fairness import ThresholdOptimizer, equal_opportunity

sklearn_base = pytest.importorskip("sklearn.base")
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline, make_pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer, StandardScaler  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402


def loans(n=3000, seed=3):
    """Features on very different scales (so scaling matters), binary labels, groups."""
    rng = np.random.default_rng(seed)
    g = rng.choice(np.array(["a", "b", "c"]), n, p=[0.5, 0.3, 0.2])
    y = (rng.random(n) < 0.3).astype(int)
    X = np.column_stack([
        1000 * (y + rng.normal(0, 1.2, n)),
        0.01 * (0.5 * y + rng.normal(0, 1, n) + (g == "b")),
        rng.normal(0, 1, n),
    ])
    return X, y, g


def model():
    return make_pipeline(StandardScaler(), LogisticRegression())


def test_it_is_a_scikit_learn_classifier():
    opt = ThresholdOptimizer(model(), tolerance=0.05)
    assert sklearn_base.is_classifier(opt)
    assert isinstance(opt, sklearn_base.BaseEstimator)
    assert isinstance(opt, sklearn_base.ClassifierMixin)
    twin = sklearn_base.clone(opt)
    assert twin is not opt and twin.estimator is not opt.estimator
    assert twin.get_params(deep=False).keys() == opt.get_params(deep=False).keys()
    assert twin.tolerance == 0.05 and twin.prefit is False
    params = opt.get_params(deep=True)
    assert params["estimator__logisticregression__C"] == 1.0
    opt.set_params(estimator__logisticregression__C=0.25, tolerance=0.1)
    assert opt.estimator.steps[1][1].C == 0.25 and opt.tolerance == 0.1
    assert "ThresholdOptimizer(" in repr(opt)
    assert pickle.loads(pickle.dumps(opt)).get_params()["tolerance"] == 0.1


def test_an_unfitted_estimator_is_cloned_and_fitted_as_fairlearn_does():
    X, y, g = loans()
    inner = model()
    opt = ThresholdOptimizer(inner, tolerance=0.05).fit(X, y, sensitive_features=g)
    # The estimator given is left unfitted; a fitted clone is kept.
    with pytest.raises(NotFittedError):
        check_is_fitted(inner)
    assert opt.estimator_ is not inner
    reference = model().fit(X, y)
    lr, ref_lr = opt.estimator_.steps[1][1], reference.steps[1][1]
    np.testing.assert_allclose(lr.coef_, ref_lr.coef_, rtol=1e-12)
    # The thresholds are those of equal_opportunity on the fitted model's probabilities.
    scores = reference.predict_proba(X)[:, 1]
    policy = equal_opportunity(y, scores, g, tolerance=0.05)
    assert opt.policy_.thresholds == pytest.approx(policy.thresholds, rel=1e-9)
    np.testing.assert_array_equal(opt.predict(X, sensitive_features=g), policy.predict(scores, g))
    np.testing.assert_array_equal(opt.classes_, [0, 1])
    assert opt.score(X, y, sensitive_features=g) == pytest.approx(
        np.mean(policy.predict(scores, g) == y))


def test_prefit_uses_the_estimator_as_it_is():
    X, y, g = loans()
    fitted = model().fit(X, y)
    opt = ThresholdOptimizer(fitted, prefit=True).fit(X, y, sensitive_features=g)
    assert opt.estimator_ is fitted
    with pytest.raises(NotFittedError):
        ThresholdOptimizer(model(), prefit=True).fit(X, y, sensitive_features=g)


def test_as_the_last_step_of_a_pipeline_on_score_input():
    X, y, g = loans()
    scores = model().fit(X, y).predict_proba(X)[:, 1]
    # A previous step hands the scores over as one column, shape (n, 1).
    pipe = Pipeline([("score", FunctionTransformer(lambda Z: Z[:, :1])),
                     ("thresholds", ThresholdOptimizer(tolerance=0.05))])
    Z = np.column_stack([scores, X])
    pipe.fit(Z, y, thresholds__sensitive_features=g)
    direct = ThresholdOptimizer(tolerance=0.05).fit(scores, y, g)
    np.testing.assert_array_equal(pipe.predict(Z, sensitive_features=g), direct.predict(scores, g))
    assert sklearn_base.is_classifier(pipe)


def test_scores_as_one_column_equal_scores_as_a_vector():
    X, y, g = loans()
    s = model().fit(X, y).predict_proba(X)[:, 1]
    a = ThresholdOptimizer().fit(s[:, None], y, sensitive_features=g)
    b = ThresholdOptimizer().fit(s, y, g)
    assert a.policy_.thresholds == b.policy_.thresholds
    np.testing.assert_array_equal(a.predict(s[:, None], sensitive_features=g), b.predict(s, g))
    with pytest.raises(errors.InputTypeError):
        ThresholdOptimizer().fit(np.column_stack([s, s]), y, g)


def test_groups_are_required_and_given_once():
    X, y, g = loans(200)
    s = X[:, 0]
    with pytest.raises(errors.ParameterError, match="sensitive_features"):
        ThresholdOptimizer().fit(s, y)
    with pytest.raises(errors.ParameterError, match="both"):
        ThresholdOptimizer().fit(s, y, g, sensitive_features=g)
    opt = ThresholdOptimizer().fit(s, y, g)
    with pytest.raises(errors.ParameterError):
        opt.predict(s)
    with pytest.raises(NotFittedError):
        ThresholdOptimizer().predict(s, g)


def test_the_protocol_without_scikit_learn():
    """With scikit-learn hidden, the class is built on the fallback base: parameters,
    nested parameters, repr and fitting still work, and importing mlops_audit never
    imported scikit-learn."""
    code = textwrap.dedent("""
        import sys
        sys.modules["sklearn"] = None  # importing it now raises ImportError
        import numpy as np
        import mlops_audit.fairness as f
        assert "ThresholdOptimizer" not in vars(f)  # built on first use
        T = f.ThresholdOptimizer
        assert T.__module__ == "mlops_audit.fairness" and T is f.ThresholdOptimizer

        class Inner:
            def __init__(self, c=1.0):
                self.c = c
            def get_params(self, deep=True):
                return {"c": self.c}
            def set_params(self, **p):
                self.c = p["c"]
                return self
            def fit(self, X, y):
                self.fitted_ = True
                return self
            def predict_proba(self, X):
                return np.column_stack([1 - X[:, 0], X[:, 0]])

        inner = Inner()
        t = T(inner, tolerance=0.1)
        assert t.get_params()["estimator__c"] == 1.0
        t.set_params(estimator__c=2.0)
        assert inner.c == 2.0 and "tolerance=0.1" in repr(t)
        rng = np.random.default_rng(0)
        y = rng.random(500) < 0.3
        X = np.clip(0.3 * y + 0.7 * rng.random(500), 0, 1)[:, None]
        g = rng.choice(["a", "b"], 500)
        t.fit(X, y, sensitive_features=g)
        assert t.estimator_ is not inner and t.estimator_.fitted_ and not hasattr(inner, "fitted_")
        assert set(t.predict(X, sensitive_features=g)) <= {0, 1}
        try:
            T().predict(X, g)
        except AttributeError:
            pass
        else:
            raise AssertionError("predict before fit must raise")
        import pickle
        assert pickle.loads(pickle.dumps(t)).policy_.thresholds == t.policy_.thresholds
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_importing_mlops_audit_does_not_import_scikit_learn():
    code = ("import sys, mlops_audit, mlops_audit.fairness; "
            "print(any(m == 'sklearn' or m.startswith('sklearn.') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
