"""Optimisation, walk-forward and the look-ahead check take any Strategy: one without
vectorised signals (an ML strategy, a hand-written one) runs through the trading core."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.data import load
from signaltrust.features import TechnicalFeatures
from signaltrust.features.labels import sign_labels
from signaltrust.ml.models import get_model
from signaltrust.optimize import optimize, walk_forward
from signaltrust.optimize.lookahead import check_strategy
from signaltrust.strategy import Param, Strategy
from signaltrust.strategy.ml_strategy import MLStrategy

SPACE = {"entry_threshold": [0.52, 0.56], "exit_threshold": [0.44, 0.5]}


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return load("sp500")


def short_features() -> TechnicalFeatures:
    """Technical features with short windows: a 60-bar history is enough to compute them."""
    return TechnicalFeatures(return_horizons=(1, 5, 10), ma_periods=(10, 20), vol_periods=(20,),
                             aroon_period=14)


def ml(model, **params) -> MLStrategy:
    return MLStrategy(model, short_features(), lookback=60, **params)


@pytest.fixture(scope="module")
def model(bars):
    """A logistic model of the 10-day direction, trained on bars before 2014 only."""
    train = bars.loc[:"2013-12-31"]
    X = short_features().fit_transform(train)
    sign = sign_labels(train["close"], 10)
    ok = X.notna().all(axis=1) & sign.notna()
    return get_model("logistic").fit(X[ok], (sign[ok] > 0).astype(int))


@pytest.fixture(scope="module")
def later(bars) -> pd.DataFrame:
    return bars.loc["2014-01-01":"2014-12-31"]


def test_optimize_when_ml_strategy_then_every_grid_point_runs_in_the_trading_core(model, later):
    result = optimize(later, ml(model), space=SPACE,
                      statistics=False)
    table = result.trials
    assert len(table) == 4 and set(SPACE) <= set(result.best_params)
    assert result.best_params["entry_threshold"] in SPACE["entry_threshold"]
    assert np.isfinite(table["sharpe_ratio"]).all()
    assert table["sharpe_ratio"].nunique() > 1  # the thresholds change the trades
    assert result.strategy == "ml"


@pytest.mark.slow
def test_walk_forward_when_ml_strategy_then_test_windows_trade_out_of_sample(model, later):
    result = walk_forward(later, ml(model), space=SPACE, train_bars=100, test_bars=50)
    windows = result.windows
    assert len(windows) >= 3
    assert (windows["test_start"] > windows["train_end"]).all()
    assert result.equity.index.min() >= windows["test_start"].min()
    assert np.isfinite(result.oos_sharpe)


def test_window_when_event_strategy_then_flat_before_the_window_and_trades_in_it(model, later):
    from signaltrust.optimize.evaluate import Evaluator

    evaluator = Evaluator(later, ml(model))
    result = evaluator.window_result({"entry_threshold": 0.52}, 100, 200)
    assert len(result.equity) == 100
    assert result.equity.index[0] == later.index[100]
    assert result.cash.iloc[0] == result.settings["cash"]  # flat on the window's first bar
    assert result.stats["trades"] > 0
    # orders before the window's first close were denied as warm-up
    denied = result.order_log[result.order_log["status"] == "DENIED"]
    assert (denied["reason"].str.startswith("warm_up")).all()


class Peeks(Strategy):
    """Buys when tomorrow's close is higher: joins tomorrow's close to the bars it is given
    (a look-ahead in the data preparation)."""

    parameters = (Param("units", 1, "int", low=1),)

    def prepare_bars(self, bars):
        return bars.assign(tomorrow=bars["close"].shift(-1))

    def on_bar(self, ctx, bar):
        position = ctx.position(bar.symbol)
        up = ctx.history(bar.symbol, "tomorrow")[-1] > bar.close
        if up and not position:
            ctx.buy(bar.symbol, self.p.units)
        elif not up and position:
            ctx.sell(bar.symbol, position)


def test_check_strategy_when_event_strategy_peeks_then_findings_and_when_fair_then_clean(
    model, later
):
    data = later.iloc[:200]
    leak = check_strategy(data, Peeks(), n_points=5, min_history=50)
    assert not leak.clean and leak.findings["cut"].notna().all()
    fair = check_strategy(data, ml(model), n_points=3, min_history=80)
    assert fair.clean
