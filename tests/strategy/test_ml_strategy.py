"""MLStrategy: trades a trained model in the event engine, decides from history only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import run
from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.features import TechnicalFeatures
from signaltrust.features.labels import sign_labels
from signaltrust.ml.models import get_model
from signaltrust.strategy.ml_strategy import MLStrategy, model_score


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return load("sp500")


@pytest.fixture(scope="module")
def toy_model(bars):
    """A logistic model of the 10-day direction, trained on bars before 2014 only."""
    train = bars.loc[:"2013-12-31"]
    X = TechnicalFeatures().fit_transform(train)
    sign = sign_labels(train["close"], 10)
    ok = X.notna().all(axis=1) & sign.notna()
    return get_model("logistic").fit(X[ok], (sign[ok] > 0).astype(int))


@pytest.fixture(scope="module")
def test_bars(bars) -> pd.DataFrame:
    return bars.loc["2014-01-01":"2015-12-31"]


def _strategy(model, **params) -> MLStrategy:
    return MLStrategy(model, "technical", entry_threshold=0.55, exit_threshold=0.5,
                      lookback=250, **params)


def test_ml_strategy_when_run_in_event_engine_with_trained_model_then_it_trades(toy_model,
                                                                               test_bars):
    strategy = _strategy(toy_model)
    result = run(test_bars, strategy, engine="event")
    decisions = strategy.decisions()
    assert (decisions["action"] == "enter").sum() > 0 and (decisions["action"] == "exit").sum() > 0
    assert result.stats["trades"] > 0
    assert (decisions.loc[decisions["action"] == "warm_up", "score"].isna()).all()
    entered = decisions[decisions["action"] == "enter"]
    assert (entered["score"] > 0.55).all()
    assert (decisions.loc[decisions["action"] == "exit", "score"] < 0.5).all()


def test_ml_strategy_when_bars_after_t_are_removed_then_decisions_up_to_t_unchanged(toy_model,
                                                                                   test_bars):
    full = _strategy(toy_model)
    run(test_bars, full, engine="event")
    whole = full.decisions()
    for cut in (260, 333, 410):
        part = _strategy(toy_model)
        run(test_bars.iloc[: cut + 1], part, engine="event")
        pd.testing.assert_frame_equal(part.decisions(), whole.iloc[: cut + 1])


def test_ml_strategy_when_lookback_is_whole_history_then_scores_equal_the_batch_scores(
    toy_model, test_bars,
):
    window = test_bars.iloc[:320]
    strategy = MLStrategy(toy_model, "technical", lookback=0)
    run(window, strategy, engine="event")
    X = TechnicalFeatures().fit_transform(window)
    ready = X.notna().all(axis=1)
    batch = toy_model.predict_proba(X[ready])[:, 1]
    online = strategy.decisions().set_index("time").loc[X.index[ready], "score"]
    np.testing.assert_allclose(online.to_numpy(), batch, rtol=1e-10)


def test_ml_strategy_when_sizing_by_confidence_then_weight_is_max_weight_times_confidence(
    toy_model, test_bars,
):
    strategy = _strategy(toy_model, max_weight=0.8)
    run(test_bars, strategy, engine="event")
    entered = strategy.decisions().query("action == 'enter'")
    expected = 0.8 * np.abs(2 * entered["score"] - 1)
    np.testing.assert_allclose(entered["weight"], expected)
    flat = _strategy(toy_model, size_by_confidence=False, max_weight=0.8)
    run(test_bars, flat, engine="event")
    assert (flat.decisions().query("action == 'enter'")["weight"] == 0.8).all()


class _Agreeing:
    """A model offering score and confidence itself (as the stacked ensemble does)."""

    def predict_score(self, X):
        return pd.DataFrame({"score": np.full(len(X), 0.7), "confidence": np.full(len(X), 0.9)},
                            index=X.index)


def test_model_score_when_model_gives_confidence_then_it_is_used():
    X = pd.DataFrame({"a": [1.0, 2.0]})
    score, confidence = model_score(_Agreeing(), X)
    assert list(score) == [0.7, 0.7] and list(confidence) == [0.9, 0.9]


def test_ml_strategy_when_exit_above_entry_then_validation_error_names_it(toy_model, test_bars):
    strategy = MLStrategy(toy_model, "technical", entry_threshold=0.5, exit_threshold=0.6)
    with pytest.raises(ValidationError) as err:
        run(test_bars.iloc[:50], strategy, engine="event")
    assert err.value.field == "ml.exit_threshold"
