"""Explanations of sequence models (integrated gradients per feature and bar, the hybrid's
attention) and LIME: completeness, the bars that matter, the context rows, errors."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.ml.explain import explain, score_function
from signaltrust.ml.models import get_model

TINY = {"lookback": 6, "hidden_size": 16, "max_epochs": 12, "batch_size": 64,
        "learning_rate": 5e-3, "device": "cpu", "dropout": 0.0}


def _problem(n: int = 600, seed: int = 0):
    """The label is x0 two bars ago: only that feature at that bar carries the signal."""
    rng = np.random.default_rng(seed)
    idx = pd.date_range("2021-01-01", periods=n, freq="h", tz="UTC").as_unit("ns")
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=["x0", "x1", "x2"], index=idx)
    y = (X["x0"].shift(2).fillna(0.0) > 0).astype(int).to_numpy()
    return X, y


@pytest.fixture(scope="module")
def problem():
    return _problem()


@pytest.fixture(scope="module")
def lstm(problem):
    X, y = problem
    return get_model("lstm", **TINY).fit(X[:450], y[:450])


def test_explain_when_lstm_then_integrated_gradients_add_up_to_its_score(problem, lstm):
    X, _ = problem
    rows, context = X.iloc[500:506], X.iloc[495:500]

    exp = explain(lstm, rows, context=context, steps=128)

    assert exp.method == "integrated_gradients"
    score = lstm.predict_proba(X.iloc[495:506])[5:, 1]
    np.testing.assert_allclose(exp.model_output.to_numpy(), score, atol=1e-6)
    np.testing.assert_allclose(exp.predictions.to_numpy(), score, atol=5e-3)
    # per bar and per feature are two sums of the same cells
    np.testing.assert_allclose(exp.steps.sum(axis=1), exp.values.sum(axis=1), atol=1e-9)
    assert exp.attributions.shape == (6, 6, 3)


def test_explain_when_signal_is_two_bars_back_then_that_bar_and_feature_count_most(problem, lstm):
    X, _ = problem
    exp = explain(lstm, X.iloc[500:540], context=X.iloc[495:500])

    by_bar = exp.steps.abs().mean()
    by_feature = exp.values.abs().mean()
    assert by_bar.idxmax() == 2
    assert by_feature.idxmax() == "x0"
    ago = [int(exp.top_steps(i, 1)["bars_ago"].iloc[0]) for i in range(len(exp.values))]
    assert max(set(ago), key=ago.count) == 2
    first = {0: "this bar", 1: "the bar before"}.get(ago[0], f"{ago[0]} bars ago")
    assert re.search(rf"Over its 6-bar window, {first} counted most \(\d", exp.sentence(0))


def test_explain_when_context_is_missing_then_windows_are_padded_and_scores_differ(problem, lstm):
    X, _ = problem
    with_history = explain(lstm, X.iloc[500:502], context=X.iloc[495:500])
    without = explain(lstm, X.iloc[500:502])
    assert not np.allclose(with_history.model_output, without.model_output)
    with pytest.raises(ValidationError) as err:
        explain(lstm, X.iloc[500:502], context=X.iloc[501:503])
    assert err.value.field == "context"


def test_explain_when_cnn_lstm_hybrid_then_attention_comes_with_the_steps(problem):
    X, y = problem
    hybrid = get_model("cnn_lstm", lookback=6, channels=8, hidden_size=8, max_epochs=3,
                       device="cpu").fit(X[:300], y[:300])
    exp = explain(hybrid, X.iloc[400:403], context=X.iloc[395:400], steps=32)

    assert list(exp.attention.columns) == list(exp.steps.columns)
    np.testing.assert_allclose(exp.attention.sum(axis=1), 1.0, atol=1e-6)
    top = exp.top_steps(0, 2)
    assert list(top.columns) == ["bars_ago", "contribution", "attention"]
    assert "attention" in exp.sentence(0)


def test_explain_when_sequence_regressor_then_the_prediction_is_explained(problem):
    X, y = problem
    target = X["x0"].shift(1).fillna(0.0).to_numpy() * 0.01
    model = get_model("lstm_regressor", **{**TINY, "max_epochs": 4}).fit(X[:300], target[:300])
    exp = explain(model, X.iloc[400:403], context=X.iloc[395:400], steps=128)
    assert exp.target == "prediction"
    np.testing.assert_allclose(exp.model_output, model.predict(X.iloc[395:403])[5:], atol=1e-7)
    np.testing.assert_allclose(exp.predictions, exp.model_output, atol=2e-3)


def test_explain_when_sequence_model_with_shap_method_then_error_names_the_method(problem, lstm):
    X, _ = problem
    with pytest.raises(ValidationError) as err:
        explain(lstm, X.iloc[:5], method="permutation")
    assert err.value.field == "method"
    with pytest.raises(ValidationError) as err:
        explain(lstm, X.iloc[:5], output="raw")
    assert err.value.field == "output"


def test_explain_when_lime_then_surrogate_ranks_the_features_the_model_uses():
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(400, 3)), columns=["rsi_14", "ret_20", "gap"])
    y = (2 * X["rsi_14"] - X["ret_20"] + rng.normal(0, 0.3, 400) > 0).astype(int)
    model = get_model("logistic").fit(X.iloc[:300], y.iloc[:300])

    exp = explain(model, X.iloc[300:305], method="lime", background=X.iloc[:300],
                  num_samples=500)

    assert exp.method == "lime"
    np.testing.assert_allclose(exp.model_output, score_function(model)(X.iloc[300:305]))
    importance = exp.values.abs().mean()
    assert importance.idxmax() == "rsi_14" and importance["gap"] < importance["ret_20"]
    assert exp.reference.startswith("500 perturbed samples around a 300-row background")
    with pytest.raises(ValidationError) as err:
        explain(model, X.iloc[300:302], method="lime", num_samples=3)
    assert err.value.field == "num_samples"


@pytest.mark.parametrize("name", ["cnn", "transformer"])
def test_explain_when_other_sequence_models_then_integrated_gradients_are_complete(problem, name):
    X, y = problem
    model = get_model(name, lookback=6, max_epochs=2, device="cpu").fit(X[:300], y[:300])
    exp = explain(model, X.iloc[400:403], context=X.iloc[395:400], steps=128)
    assert exp.method == "integrated_gradients"
    np.testing.assert_allclose(exp.predictions, exp.model_output, atol=5e-3)
