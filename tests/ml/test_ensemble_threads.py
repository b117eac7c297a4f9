"""The stacked ensemble hands its thread count to the base models it builds by name (one
thread each in the walk-forward evaluation: on busy shared cores LightGBM's threads wait for
each other), and the result does not depend on it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from signaltrust.ml.models import get_model
from signaltrust.research.ml_eval.pipeline import _build_model


def _problem(n: int = 400):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    y = (X["a"] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def test_ensemble_when_n_jobs_given_then_named_bases_that_take_it_get_it():
    X, y = _problem()
    model = get_model("ensemble", n_jobs=1, cv=3).fit(X, y)
    params = {name: m.get_params() for name, m in model.estimators_}
    assert params["lgbm"]["n_jobs"] == 1
    assert "n_jobs" not in params["logistic"]  # the logistic model takes no thread count


def test_ensemble_when_one_or_two_threads_then_same_probabilities():
    X, y = _problem()
    one = get_model("ensemble", n_jobs=1, cv=3).fit(X, y).predict_proba(X)
    two = get_model("ensemble", n_jobs=2, cv=3).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(one, two, atol=1e-12)


def test_walk_forward_model_when_ensemble_then_built_with_one_thread():
    assert _build_model("ensemble", "triple_barrier", {}, 0).get_params()["n_jobs"] == 1
