"""Stacked ensemble: out-of-fold stacking, a score in [0, 1] and a confidence in [0, 1]."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models import StackedEnsemble, get_model

FAST_DEEP = {
    "lookback": 6,
    "max_epochs": 4,
    "batch_size": 64,
    "learning_rate": 5e-3,
    "device": "cpu",
    "dropout": 0.3,
}


def _problem(n: int = 1000, seed: int = 0):
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2022-01-01", periods=n, freq="D", tz="UTC").as_unit("ns")
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["a", "b", "c", "d"], index=idx)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-2.5 * X["a"]))).astype(int).to_numpy()
    return X, y


def _base():
    return [
        ("lgbm", get_model("lgbm", n_estimators=50, n_jobs=1)),
        ("logistic", get_model("logistic")),
    ]


def test_ensemble_when_fitted_then_score_and_confidence_in_unit_interval_on_index():
    X, y = _problem()
    model = StackedEnsemble(models=_base(), cv=4).fit(X[:700], y[:700])
    out = model.predict_score(X[700:])
    assert list(out.columns) == ["score", "confidence"] and out.index.equals(X.index[700:])
    assert out["score"].between(0, 1).all() and out["confidence"].between(0, 1).all()
    np.testing.assert_allclose(out["score"], model.predict_proba(X[700:])[:, 1])
    assert (model.predict(X[700:]) == y[700:]).mean() > 0.7


def test_ensemble_when_fitted_then_meta_trained_on_out_of_fold_rows_only():
    X, y = _problem()
    model = StackedEnsemble(models=_base(), cv=4).fit(X, y)
    assert model.n_meta_samples_ == 800  # TimeSeriesSplit(4): the first fifth is never tested


def test_confidence_when_base_models_agree_then_higher_than_when_they_disagree():
    X, y = _problem()
    model = StackedEnsemble(models=_base(), cv=3).fit(X, y)
    probs = np.column_stack([m.predict_proba(X)[:, 1] for _, m in model.estimators_])
    conf = model.predict_confidence(X)
    np.testing.assert_allclose(conf, 1 - probs.std(axis=1) / 0.5, atol=1e-12)
    disagree = np.abs(probs[:, 0] - probs[:, 1])
    assert conf[disagree > np.quantile(disagree, 0.9)].mean() < conf[disagree < 0.05].mean()


def test_ensemble_when_noise_then_out_of_sample_accuracy_near_chance():
    X, _ = _problem()
    y = np.random.default_rng(9).integers(0, 2, len(X))
    model = StackedEnsemble(models=_base(), cv=3).fit(X[:700], y[:700])
    assert abs((model.predict(X[700:]) == y[700:]).mean() - 0.5) < 0.1


def test_ensemble_when_deep_member_and_mc_samples_then_confidence_includes_dropout_spread():
    X, y = _problem(n=600)
    members = [
        ("lgbm", get_model("lgbm", n_estimators=30, n_jobs=1)),
        ("lstm", get_model("lstm", **FAST_DEEP)),
    ]
    plain = StackedEnsemble(models=members, cv=2).fit(X, y)
    with_mc = StackedEnsemble(models=members, cv=2, mc_samples=8).fit(X, y)
    np.testing.assert_array_equal(plain.predict_proba(X), with_mc.predict_proba(X))
    c0, c1 = plain.predict_confidence(X), with_mc.predict_confidence(X)
    assert (c1 <= c0 + 1e-12).all() and (c1 < c0).mean() > 0.9
    assert ((c1 >= 0) & (c1 <= 1)).all()


def test_ensemble_when_three_classes_then_score_is_rescaled_expected_class():
    X, _ = _problem()
    y = np.digitize(X["a"].to_numpy(), [-0.5, 0.5]) - 1
    model = StackedEnsemble(
        models=["logistic", ("lgbm", get_model("lgbm", n_estimators=30, n_jobs=1))], cv=3
    ).fit(X, y)
    proba = model.predict_proba(X)
    out = model.predict_score(X)
    np.testing.assert_allclose(out["score"], proba[:, 2] + 0.5 * proba[:, 1])
    assert out["confidence"].between(0, 1).all()


def test_ensemble_when_pickled_then_identical_scores():
    X, y = _problem(n=600)
    model = StackedEnsemble(models=_base(), cv=3).fit(X, y)
    back = pickle.loads(pickle.dumps(model))
    pd.testing.assert_frame_equal(back.predict_score(X), model.predict_score(X))


@pytest.mark.slow  # the default members use 2 threads each: slow on a busy 2-core machine
def test_ensemble_when_same_seed_then_reproducible_and_default_members_by_name():
    X, y = _problem(n=400)
    a = get_model("ensemble", random_state=5, cv=2).fit(X, y).predict_proba(X)
    b = get_model("ensemble", random_state=5, cv=2).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)


def test_ensemble_when_model_name_unknown_then_validation_error():
    X, y = _problem(n=300)
    with pytest.raises(ValidationError) as err:
        StackedEnsemble(models=["lgbm", "svm"]).fit(X, y)
    assert err.value.field == "name" and err.value.value == "svm"
