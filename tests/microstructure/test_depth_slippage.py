"""Slippage from depth: equal to walking the displayed book, measured from recorded books,
used by the simulated venue for market fills."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import run_strategy
from signaltrust.core.errors import ValidationError
from signaltrust.execution import FixedLatency, PercentFee, SimulatedVenue
from signaltrust.execution.depth_slippage import DepthSlippage
from signaltrust.execution.liquidity import walk_book
from signaltrust.strategy.api import Strategy

MODEL = DepthSlippage(spread_bps=2.0, level_sizes=(10.0, 20.0, 40.0), level_step_bps=1.0)


def _book_row(mid: float = 100.0) -> pd.Series:
    row = {"bid_price_1": mid * (1 - 1e-4), "ask_price_1": mid * (1 + 1e-4)}
    for j, size in enumerate(MODEL.level_sizes, start=1):
        row[f"ask_price_{j}"] = mid * (1 + (1 + (j - 1)) * 1e-4)
        row[f"bid_price_{j}"] = mid * (1 - (1 + (j - 1)) * 1e-4)
        row[f"ask_size_{j}"] = row[f"bid_size_{j}"] = size
    return pd.Series(row)


@pytest.mark.parametrize("quantity", [5.0, 10.0, 25.0, 70.0])
def test_depth_slippage_when_within_the_book_then_equal_walking_it(quantity):
    fill = walk_book(_book_row(), "BUY", quantity)
    assert MODEL.price(100.0, 1, quantity, 0.0) == pytest.approx(fill.average_price, rel=1e-12)
    sell = walk_book(_book_row(), "SELL", quantity)
    assert MODEL.price(100.0, -1, quantity, 0.0) == pytest.approx(sell.average_price, rel=1e-12)


def test_depth_slippage_when_beyond_the_levels_then_book_goes_on_like_its_deepest_level():
    # 70 units fill the three levels; 40 more take one more level of 40 at 4 bp
    expected = (10 * 1 + 20 * 2 + 40 * 3 + 40 * 4) / 110
    assert MODEL.cost_bps(110.0) == pytest.approx(expected)
    assert MODEL.cost_bps(10.0) < MODEL.cost_bps(100.0)


def test_from_levels_when_books_recorded_then_median_shape_measured():
    rows = [_book_row(mid) for mid in np.linspace(99, 101, 25)]
    model = DepthSlippage.from_levels(pd.DataFrame(rows), depth=3)
    assert model.spread_bps == pytest.approx(2.0, rel=1e-6)
    assert model.level_sizes == (10.0, 20.0, 40.0)
    assert model.level_step_bps == pytest.approx(1.0, rel=1e-6)
    with pytest.raises(ValidationError, match="level sizes"):
        DepthSlippage(2.0, (), 1.0)


class BuyOnce(Strategy):
    def on_start(self, ctx):
        self.fills = []

    def on_bar(self, ctx, bar):
        if len(ctx.history(bar.symbol)) == 1:
            ctx.buy("X", 25)

    def on_fill(self, ctx, fill):
        self.fills.append(fill)


def test_simulated_venue_when_given_depth_slippage_then_market_fill_walks_the_book():
    index = pd.date_range("2024-01-01", periods=3, freq="D", tz="UTC").as_unit("ns")
    bars = pd.DataFrame({"open": [100.0, 102.0, 101.0], "high": [101.0, 103.0, 102.0],
                         "low": [99.0, 101.0, 100.0], "close": [100.0, 102.0, 101.0],
                         "volume": 1e6}, index=index)
    strategy = BuyOnce()
    venue = SimulatedVenue(fees=PercentFee(0.0), slippage=MODEL, latency=FixedLatency(0))
    run_strategy({"X": bars}, strategy, cash=100_000, venue=venue)
    expected = 102.0 * (1 + MODEL.cost_bps(25.0) / 1e4)
    assert float(strategy.fills[0].price) == pytest.approx(expected)
