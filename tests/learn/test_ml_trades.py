"""Trades of the ML strategy explained with SHAP contributions."""

from __future__ import annotations

import copy

import pytest

from signaltrust.backtest import run
from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.features import TechnicalFeatures
from signaltrust.learn.explain import explain_trade
from signaltrust.learn.ml_trades import ml_record
from signaltrust.ml.models import get_model
from signaltrust.strategy.ml_strategy import MLStrategy

pytestmark = pytest.mark.slow  # a model fitted and an event backtest: ~15 s on one core
COLUMNS = ["rsi_14", "ret_20", "natr_14", "sma_ratio_50"]


@pytest.fixture(scope="module")
def ran():
    bars = load("goog")
    features = TechnicalFeatures().fit_transform(bars)[COLUMNS]
    label = (bars["close"].shift(-5) > bars["close"]).astype(int).rename("up")
    train = features.join(label).dropna().loc[:"2010"]
    model = get_model("lgbm", n_estimators=30).fit(train[COLUMNS], train["up"])
    test = bars.loc["2012-06":]
    strategy = MLStrategy(model, "technical", entry_threshold=0.55, exit_threshold=0.5,
                          lookback=250)
    result = run(test, strategy, engine="event")
    return result, strategy, test, train[COLUMNS].sample(100, random_state=0)


def test_ml_trade_when_explained_then_shap_adds_up_to_the_logged_score(ran):
    result, strategy, test, background = ran
    record = ml_record(result, strategy, test, background=background)
    why = explain_trade(record, 1)
    logged = strategy.decisions().set_index("time").loc[why.entry["decided_at"]]
    shap = why.shap
    assert set(shap["contributions"]) == set(COLUMNS)
    assert shap["base_value"] + sum(shap["contributions"].values()) == pytest.approx(
        shap["score"], abs=1e-6)
    assert shap["score"] == pytest.approx(float(logged["score"])) and shap["score"] > 0.55
    assert why.sizing["share_of_equity"] == pytest.approx(float(logged["weight"]), rel=0.01)
    assert "SHAP" in why.text() and "entry threshold 0.55" in why.entry["rule"]


def test_ml_trade_when_model_differs_from_the_run_then_validation_error(ran):
    result, strategy, test, background = ran
    other = copy.copy(strategy)
    bars = load("goog")
    features = TechnicalFeatures().fit_transform(bars)[COLUMNS].dropna()
    other.model = get_model("logistic").fit(features, (features["ret_20"] > 0).astype(int))
    with pytest.raises(ValidationError) as error:
        explain_trade(ml_record(result, other, test, background=background), 1)
    assert "logged" in error.value.message
