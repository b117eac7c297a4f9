"""LightGBM and XGBoost wrappers: signal, noise, three classes, seeds, pickling, early stopping."""

from __future__ import annotations

import pickle

import joblib
import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models import get_model

SMALL = {"n_estimators": 60, "n_jobs": 1}  # 1 thread: tests share 2 cores with others


def _problem(n: int = 1200, signal: float = 2.5, seed: int = 0, classes: int = 2):
    """Features x0..x4; the label depends on x0 at the same row (Bayes accuracy ~0.81 binary)."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 5)), columns=[f"x{i}" for i in range(5)])
    if classes == 2:
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-signal * X["x0"]))).astype(int)
    else:
        z = X["x0"] + 0.4 * rng.normal(size=n)
        y = np.where(z > 0.5, 1, np.where(z < -0.5, -1, 0))
    return X, np.asarray(y)


@pytest.mark.parametrize("name", ["lgbm", "xgb"])
def test_fit_when_signal_then_out_of_sample_accuracy_beats_chance(name):
    X, y = _problem()
    model = get_model(name, **SMALL).fit(X[:800], y[:800])
    acc = (model.predict(X[800:]) == y[800:]).mean()
    assert acc > 0.7


@pytest.mark.parametrize("name", ["lgbm", "xgb"])
def test_fit_when_noise_then_out_of_sample_accuracy_near_chance(name):
    X, _ = _problem()
    y = np.random.default_rng(1).integers(0, 2, len(X))
    model = get_model(name, **SMALL).fit(X[:800], y[:800])
    assert abs((model.predict(X[800:]) == y[800:]).mean() - 0.5) < 0.08


@pytest.mark.parametrize("name", ["lgbm", "xgb"])
def test_fit_when_three_classes_then_proba_columns_follow_classes(name):
    X, y = _problem(classes=3)
    model = get_model(name, **SMALL).fit(X[:800], y[:800])
    proba = model.predict_proba(X[800:])
    assert list(model.classes_) == [-1, 0, 1] and proba.shape == (400, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-9)
    assert set(np.unique(model.predict(X[800:]))) <= {-1, 0, 1}
    assert (model.predict(X[800:]) == y[800:]).mean() > 0.6


@pytest.mark.parametrize("name", ["lgbm", "xgb"])
def test_fit_when_same_seed_twice_then_identical_predictions(name):
    X, y = _problem()
    a = get_model(name, random_state=3, **SMALL).fit(X, y).predict_proba(X)
    b = get_model(name, random_state=3, **SMALL).fit(X, y).predict_proba(X)
    c = get_model(name, random_state=4, **SMALL).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)  # subsampling makes the seed matter


@pytest.mark.parametrize("name", ["lgbm", "xgb", "lgbm_regressor", "xgb_regressor"])
def test_pickle_when_round_trip_then_identical_predictions(name, tmp_path):
    X, y = _problem()
    model = get_model(name, **SMALL).fit(X, y)
    back = pickle.loads(pickle.dumps(model))
    joblib.dump(model, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_array_equal(model.predict(X), back.predict(X))
    np.testing.assert_array_equal(model.predict(X), loaded.predict(X))


@pytest.mark.parametrize("name", ["lgbm", "xgb"])
def test_fit_when_eval_set_and_early_stopping_then_stops_before_all_trees(name):
    X, _ = _problem()
    y = np.random.default_rng(2).integers(0, 2, len(X))  # noise: validation loss rises quickly
    model = get_model(name, n_estimators=400, early_stopping_rounds=10, learning_rate=0.2)
    model.fit(X[:800], y[:800], eval_set=[(X[800:], y[800:])])
    assert model.best_iteration_ < 400


@pytest.mark.parametrize("name", ["lgbm", "xgb"])
def test_fit_when_early_stopping_without_eval_set_then_validation_error(name):
    X, y = _problem(n=200)
    with pytest.raises(ValidationError) as err:
        get_model(name, early_stopping_rounds=5).fit(X, y)
    assert err.value.field == "eval_set"


@pytest.mark.parametrize("name", ["lgbm", "xgb"])
def test_fit_when_features_hold_nan_then_trees_accept_them(name):
    X, y = _problem()
    X.iloc[::7, 2] = np.nan
    proba = get_model(name, **SMALL).fit(X, y).predict_proba(X)
    assert np.isfinite(proba).all()


@pytest.mark.parametrize("name", ["lgbm", "xgb"])
def test_fit_when_fitted_then_booster_and_importances_exposed(name):
    X, y = _problem()
    model = get_model(name, **SMALL).fit(X, y)
    assert model.booster_ is not None
    imp = model.feature_importances_
    assert imp.shape == (5,) and int(np.argmax(imp)) == 0  # x0 carries the signal


def test_booster_when_given_to_shap_style_raw_predict_then_matches_wrapper():
    import lightgbm as lgb

    X, y = _problem()
    model = get_model("lgbm", **SMALL).fit(X, y)
    assert isinstance(model.booster_, lgb.Booster)
    assert model.booster_.feature_name() == list(X.columns)
    np.testing.assert_allclose(model.booster_.predict(X.to_numpy()), model.predict_proba(X)[:, 1])


@pytest.mark.parametrize("name", ["lgbm_regressor", "xgb_regressor"])
def test_regressor_when_linear_signal_then_positive_out_of_sample_correlation(name):
    X, _ = _problem()
    target = X["x0"].to_numpy() + 0.5 * np.random.default_rng(5).normal(size=len(X))
    model = get_model(name, **SMALL).fit(X[:800], target[:800])
    assert np.corrcoef(model.predict(X[800:]), target[800:])[0, 1] > 0.7


def test_fit_when_sample_weight_zero_on_half_then_that_half_is_ignored():
    X, y = _problem()
    flipped = y.copy()
    flipped[:600] = 1 - flipped[:600]  # the first half says the opposite
    w = np.r_[np.zeros(600), np.ones(600)]
    model = get_model("lgbm", **SMALL).fit(X, flipped, sample_weight=w)
    assert (model.predict(X[600:]) == y[600:]).mean() > 0.7


@pytest.mark.parametrize("name", ["lgbm", "xgb", "lgbm_regressor", "xgb_regressor"])
def test_estimator_checks_when_run_then_sklearn_contract_holds(name):
    from sklearn.utils.estimator_checks import check_estimator

    # Row/column subsampling draws differ between weighted and repeated rows.
    expected = {"check_sample_weight_equivalence_on_dense_data": "random subsampling"}
    extra = {"min_child_samples": 5} if name.startswith("lgbm") else {}  # sklearn's tiny data
    model = get_model(name, n_estimators=10, learning_rate=0.3, n_jobs=1, **extra)
    check_estimator(model, expected_failed_checks=expected)
