"""Logistic and ridge baselines: signal, noise, three classes, scaling inside, pickling."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import check_estimator

from signaltrust.ml.models import LinearModel, LogisticModel, get_model


def _problem(n: int = 1000, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"])
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-2.5 * X["a"]))).astype(int).to_numpy()
    return X, y


def test_logistic_when_signal_then_out_of_sample_accuracy_beats_chance():
    X, y = _problem()
    model = get_model("logistic").fit(X[:700], y[:700])
    assert (model.predict(X[700:]) == y[700:]).mean() > 0.7


def test_logistic_when_noise_then_accuracy_near_chance():
    X, _ = _problem()
    y = np.random.default_rng(3).integers(0, 2, len(X))
    model = get_model("logistic").fit(X[:700], y[:700])
    assert abs((model.predict(X[700:]) == y[700:]).mean() - 0.5) < 0.08


def test_logistic_when_labels_minus_one_zero_one_then_three_probability_columns():
    X, _ = _problem()
    y = np.digitize(X["a"].to_numpy(), [-0.5, 0.5]) - 1
    model = get_model("logistic").fit(X, y)
    assert list(model.classes_) == [-1, 0, 1]
    assert model.predict_proba(X).shape == (len(X), 3)
    assert (model.predict(X) == y).mean() > 0.8


def test_logistic_when_feature_scaled_by_1e6_then_same_predictions():
    X, y = _problem()
    scaled = X.copy()
    scaled["b"] *= 1e6
    a = get_model("logistic").fit(X, y).predict_proba(X)
    b = get_model("logistic").fit(scaled, y).predict_proba(scaled)
    np.testing.assert_allclose(a, b, atol=1e-6)


def test_linear_when_linear_target_then_recovers_it_and_pickles():
    X, _ = _problem()
    target = 2 * X["a"].to_numpy() - X["c"].to_numpy()
    model = get_model("linear", alpha=0.0).fit(X, target)
    np.testing.assert_allclose(model.predict(X), target, atol=1e-8)
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.predict(X), model.predict(X))


@pytest.mark.parametrize("estimator", [LogisticModel(), LinearModel()])
def test_estimator_checks_when_run_then_sklearn_contract_holds(estimator):
    check_estimator(estimator)
