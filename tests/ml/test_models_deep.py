"""Sequence models (LSTM, CNN, Transformer): causal windows, learning, leakage, seeds, early
stopping, MC dropout, pickling. Sizes are tiny so each test runs in about a second on a CPU."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models import get_model
from signaltrust.ml.models.deep.windows import make_windows

ARCHS = ["lstm", "cnn", "transformer"]
FAST = {"lookback": 8, "max_epochs": 8, "batch_size": 64, "learning_rate": 5e-3, "device": "cpu"}


def _problem(n: int = 700, seed: int = 0):
    """x0..x3; label from x0 at the same row and x1 two rows back (Bayes accuracy ~0.8)."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2021-01-01", periods=n, freq="h", tz="UTC").as_unit("ns")
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["x0", "x1", "x2", "x3"], index=idx)
    logit = 2.5 * X["x0"] + 1.5 * X["x1"].shift(2).fillna(0.0)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()
    return X, y


def test_make_windows_when_built_then_window_t_ends_at_row_t_and_is_padded_before():
    X = np.arange(12, dtype=float).reshape(6, 2)
    w = make_windows(X, lookback=3)
    assert w.shape == (6, 3, 2)
    np.testing.assert_array_equal(w[4], X[2:5])
    np.testing.assert_array_equal(w[0], [[0, 0], [0, 0], X[0]])


@pytest.mark.parametrize("name", ARCHS)
def test_fit_when_signal_then_out_of_sample_accuracy_beats_chance(name):
    X, y = _problem()
    model = get_model(name, **FAST).fit(X[:500], y[:500])
    assert (model.predict(X[500:]) == y[500:]).mean() > 0.65


@pytest.mark.parametrize("name", ARCHS)
def test_fit_when_label_is_next_rows_feature_then_no_better_than_chance(name):
    # y_t = sign of x0 at t+1: only a window that peeks at t+1 could learn it.
    X, _ = _problem()
    y = (X["x0"].shift(-1).fillna(0.0) > 0).astype(int).to_numpy()
    model = get_model(name, **FAST).fit(X[:500], y[:500])
    assert abs((model.predict(X[500:]) == y[500:]).mean() - 0.5) < 0.1


@pytest.mark.parametrize("name", ARCHS)
def test_predict_when_future_rows_dropped_then_past_predictions_unchanged(name):
    X, y = _problem()
    model = get_model(name, **FAST).fit(X[:500], y[:500])
    full = model.predict_proba(X)
    for t in (520, 600, 699):
        np.testing.assert_allclose(model.predict_proba(X.iloc[: t + 1])[t], full[t], atol=1e-6)
    changed = X.copy()
    changed.iloc[601:] *= 5.0  # the future moves; the past must not
    np.testing.assert_allclose(model.predict_proba(changed)[:601], full[:601], atol=1e-6)


@pytest.mark.parametrize("name", ARCHS)
def test_fit_when_same_seed_twice_then_identical_predictions(name):
    X, y = _problem()
    a = get_model(name, random_state=1, **FAST).fit(X, y).predict_proba(X)
    b = get_model(name, random_state=1, **FAST).fit(X, y).predict_proba(X)
    c = get_model(name, random_state=2, **FAST).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


@pytest.mark.parametrize("name", ARCHS)
def test_predict_uncertainty_when_mc_dropout_then_nonzero_std_and_reproducible(name):
    X, y = _problem()
    model = get_model(name, dropout=0.3, **FAST).fit(X, y)
    mean, std = model.predict_uncertainty(X[-50:], mc_samples=10)
    assert mean.shape == std.shape == (50, 2)
    assert (std[:, 1] > 0).mean() > 0.9
    np.testing.assert_allclose(mean.sum(axis=1), 1.0, atol=1e-6)
    mean2, std2 = model.predict_uncertainty(X[-50:], mc_samples=10)
    np.testing.assert_array_equal(std, std2)
    deterministic = model.predict_proba(X[-50:])
    np.testing.assert_array_equal(deterministic, model.predict_proba(X[-50:]))


@pytest.mark.parametrize("name", ARCHS)
def test_fit_when_validation_loss_stops_improving_then_early_stopping_stops(name):
    X, _ = _problem()
    y = np.random.default_rng(4).integers(0, 2, len(X))
    params = {**FAST, "max_epochs": 60, "patience": 2, "learning_rate": 2e-2}
    model = get_model(name, **params).fit(X, y)
    assert model.stopped_early_ and model.n_epochs_ < 60
    assert model.best_epoch_ == model.n_epochs_ - 2
    assert len(model.history_) == model.n_epochs_ and "valid_loss" in model.history_[0]


@pytest.mark.parametrize("name", ARCHS)
def test_pickle_when_round_trip_then_identical_predictions(name):
    X, y = _problem()
    model = get_model(name, **FAST).fit(X, y)
    back = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(back.predict_proba(X), model.predict_proba(X))


def test_fit_when_three_classes_then_three_probability_columns():
    X, _ = _problem()
    y = np.digitize(X["x0"].to_numpy(), [-0.5, 0.5]) - 1
    model = get_model("lstm", **FAST).fit(X[:500], y[:500])
    proba = model.predict_proba(X[500:])
    assert list(model.classes_) == [-1, 0, 1] and proba.shape == (200, 3)
    assert (model.predict(X[500:]) == y[500:]).mean() > 0.6


def test_predict_when_warmup_nan_then_first_rows_have_no_prediction():
    X, y = _problem()
    model = get_model("cnn", warmup="nan", **FAST).fit(X, y)
    proba = model.predict_proba(X)
    assert np.isnan(proba[:7]).all() and np.isfinite(proba[7:]).all()
    assert np.isnan(model.predict(X)[:7]).all()


@pytest.mark.parametrize("name", ["lstm_regressor", "cnn_regressor", "transformer_regressor"])
def test_regressor_when_signal_then_positive_correlation_and_uncertainty(name):
    X, _ = _problem()
    target = X["x0"].to_numpy() + 0.5 * X["x1"].shift(1).fillna(0.0).to_numpy()
    model = get_model(name, **FAST).fit(X[:500], target[:500])
    assert np.corrcoef(model.predict(X[500:]), target[500:])[0, 1] > 0.6
    mean, std = model.predict_uncertainty(X[500:], mc_samples=5)
    assert mean.shape == (200,) and (std > 0).all()


def test_fit_when_features_hold_nan_then_error_names_columns():
    X, y = _problem()
    X.iloc[3, 2] = np.nan
    with pytest.raises(ValidationError) as err:
        get_model("lstm", **FAST).fit(X, y)
    assert "x2" in str(err.value) and "lgbm" in err.value.fix


def test_fit_when_eval_set_given_then_it_drives_early_stopping():
    X, y = _problem()
    model = get_model("lstm", **{**FAST, "validation_fraction": 0.0})
    model.fit(X[:500], y[:500], eval_set=[(X[500:], y[500:])])
    assert "valid_loss" in model.history_[0]


def test_fit_when_too_few_rows_for_lookback_then_validation_error():
    X, y = _problem(n=10)
    with pytest.raises(ValidationError) as err:
        get_model("lstm", **{**FAST, "lookback": 12}).fit(X, y)
    assert err.value.field == "len(X)"


def test_fit_when_fitted_then_torch_global_state_restored():
    import torch

    threads = torch.get_num_threads()
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    X, y = _problem()
    get_model("cnn", **FAST).fit(X, y)
    assert torch.rand(1) == expected
    assert torch.get_num_threads() == threads
