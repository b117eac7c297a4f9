"""The CNN+LSTM hybrid: both heads learn, attention is causal and sums to one, MC dropout,
seeds, pickling and the scikit-learn contract. Tiny sizes: the fitted models are shared."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier, is_regressor

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models import get_model

TINY = {"lookback": 8, "channels": 16, "hidden_size": 16, "max_epochs": 15, "batch_size": 64,
        "learning_rate": 5e-3, "device": "cpu"}


def _problem(n: int = 700, seed: int = 0):
    """Label from x0 now and x1 two bars back; the return is the same signal plus noise."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2021-01-01", periods=n, freq="h", tz="UTC").as_unit("ns")
    X = pd.DataFrame(rng.normal(size=(n, 4)), columns=["x0", "x1", "x2", "x3"], index=idx)
    logit = 2.5 * X["x0"] + 1.5 * X["x1"].shift(2).fillna(0.0)
    y = (rng.uniform(size=n) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()
    ret = 0.01 * logit.to_numpy() + rng.normal(0.0, 0.005, n)
    return X, y, ret


@pytest.fixture(scope="module")
def problem():
    return _problem()


@pytest.fixture(scope="module")
def hybrid(problem):
    X, y, ret = problem
    return get_model("cnn_lstm", **TINY).fit(X[:500], y[:500], regression_target=ret[:500])


def test_fit_when_class_and_return_given_then_both_heads_beat_chance(problem, hybrid):
    X, y, ret = problem
    assert is_classifier(hybrid)
    assert (hybrid.predict(X[500:]) == y[500:]).mean() > 0.65
    assert np.corrcoef(hybrid.predict_return(X[500:]), ret[500:])[0, 1] > 0.5
    joint = hybrid.predict_joint(X[500:])
    np.testing.assert_allclose(joint["score"], hybrid.predict_proba(X[500:])[:, 1])
    np.testing.assert_allclose(joint["predicted_return"], hybrid.predict_return(X[500:]))


def test_attention_when_computed_then_rows_sum_to_one_and_recent_signal_bars_weigh_most(
    problem, hybrid
):
    X, _, _ = problem
    weights = hybrid.attention_weights(X[500:])
    assert list(weights.columns) == list(range(7, -1, -1)) and weights.index.equals(X.index[500:])
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-6)
    mean = weights.mean()
    # x0 acts now (0 bars ago) and x1 two bars ago; the oldest bars carry nothing
    assert mean[[0, 2]].mean() > 2 * mean[[4, 5, 6, 7]].mean()


def test_predict_when_future_rows_dropped_then_past_outputs_and_attention_unchanged(
    problem, hybrid
):
    X, _, _ = problem
    full, attention = hybrid.predict_joint(X), hybrid.attention_weights(X)
    changed = X.copy()
    changed.iloc[601:] *= 5.0
    pd.testing.assert_frame_equal(hybrid.predict_joint(changed).iloc[:601], full.iloc[:601])
    np.testing.assert_allclose(hybrid.attention_weights(X.iloc[:560]).to_numpy(),
                               attention.iloc[:560].to_numpy(), atol=1e-6)


def test_predict_joint_when_mc_dropout_then_spread_is_positive_and_reproducible(problem, hybrid):
    X, _, _ = problem
    a = hybrid.predict_joint(X[-40:], mc_samples=10)
    b = hybrid.predict_joint(X[-40:], mc_samples=10)
    pd.testing.assert_frame_equal(a, b)
    assert (a["score_std"] > 0).mean() > 0.9 and (a["predicted_return_std"] > 0).all()
    mean, std = hybrid.predict_uncertainty(X[-40:], mc_samples=10)
    np.testing.assert_allclose(mean[:, 1], a["score"])


def test_fit_when_same_seed_then_identical_and_pickle_round_trips(problem, hybrid):
    X, y, ret = problem
    again = clone(hybrid).fit(X[:500], y[:500], regression_target=ret[:500])
    np.testing.assert_array_equal(again.predict_proba(X), hybrid.predict_proba(X))
    back = pickle.loads(pickle.dumps(hybrid))
    pd.testing.assert_frame_equal(back.predict_joint(X), hybrid.predict_joint(X))


def test_predict_return_when_fitted_without_return_then_validation_error(problem):
    X, y, _ = problem
    model = get_model("cnn_lstm", **{**TINY, "max_epochs": 1}).fit(X[:300], y[:300])
    with pytest.raises(ValidationError) as err:
        model.predict_return(X)
    assert err.value.field == "regression_target"
    assert model.predict_joint(X[:5])["predicted_return"].isna().all()


def test_regressor_when_return_target_then_value_and_direction_heads_learn(problem):
    X, _, ret = problem
    model = get_model("cnn_lstm_regressor", **TINY).fit(X[:500], ret[:500])
    assert is_regressor(model)
    assert np.corrcoef(model.predict(X[500:]), ret[500:])[0, 1] > 0.5
    up = model.predict_up_proba(X[500:])
    assert ((up > 0.5) == (ret[500:] > 0)).mean() > 0.65
    mean, std = model.predict_uncertainty(X[500:], mc_samples=5)
    assert mean.shape == (200,) and (std > 0).all()


def test_get_model_when_bad_parameter_then_error_names_it():
    with pytest.raises(ValidationError) as err:
        get_model("cnn_lstm", aux_weight=-1.0).fit(*_problem(100)[:2])
    assert err.value.field == "aux_weight"
