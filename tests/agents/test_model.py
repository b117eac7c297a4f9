"""The signal's meta-model: labels known by the last bar only, SHAP equal to ml.explain, and
the last bar's features on a tail equal to those on the whole history."""

from __future__ import annotations

import numpy as np
import pytest

from signaltrust.agents.model import VIEW_BARS, SignalModel
from signaltrust.data import load
from signaltrust.ml.explain import explain


@pytest.fixture(scope="module")
def bars():
    return load("sp500").iloc[-1600:]


@pytest.fixture(scope="module")
def model(bars):
    return SignalModel(n_estimators=30).fit(bars)


def test_fit_when_trained_then_no_row_whose_label_needs_later_bars(model, bars):
    # row t is labelled by the close at t + horizon: the last row known at the last bar
    assert model.train_end_ == bars.index[len(bars) - 1 - model.horizon_]


def test_explain_when_cached_explainer_then_equals_ml_explain(model, bars):
    rows = model.features(bars)[model.columns_].iloc[-3:]
    mine = model.explain(rows)
    reference = explain(model.classifier_, rows, background=model.background_)
    np.testing.assert_allclose(mine.values.to_numpy(), reference.values.to_numpy(), atol=1e-12)
    np.testing.assert_allclose(mine.predictions.to_numpy(),
                               model.classifier_.predict_proba(rows)[:, 1], atol=1e-6)


def test_view_when_features_on_a_tail_then_last_bar_equals_the_full_history():
    full = load("sp500")
    whole = SignalModel.features(full).iloc[-1]
    tail = SignalModel.features(full.iloc[-VIEW_BARS:]).iloc[-1]
    np.testing.assert_allclose(tail.to_numpy(), whole.to_numpy(), rtol=1e-3, atol=1e-6)


def test_view_when_asked_then_probability_and_top_contributions(model, bars):
    view, features = model.view(bars)
    assert 0 <= view.probability <= 1 and len(view.contributions) == 5
    assert view.sentence and "rsi_14" in features
