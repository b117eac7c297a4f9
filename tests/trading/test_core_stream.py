"""The replay's stream (``TradingCore.consume``) for one symbol and one strategy: it refuses a
bar that does not end after the one before, keeps what it processed, and trades as one call per
bar does with the risk engine's default limits on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest.replay.feed import HistoricalBarFeed
from signaltrust.core.errors import ValidationError
from signaltrust.execution import PercentFee, SimulatedVenue
from signaltrust.risk import RiskEngine
from signaltrust.strategy import Strategy
from signaltrust.trading import MarketData, TradingCore


def bars(n: int = 30, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n)))
    open_ = np.r_[100.0, close[:-1]]
    index = pd.date_range("2024-01-01", periods=n, freq="h", tz="UTC").as_unit("ns")
    return pd.DataFrame({"open": open_, "high": np.maximum(open_, close) * 1.01,
                         "low": np.minimum(open_, close) * 0.99, "close": close,
                         "volume": 1e6}, index=index)


class Flips(Strategy):
    """All in on one bar, flat on the next: an order on every bar."""

    def on_start(self, ctx):
        self.seen = 0
        self.sma = ctx.indicator(ctx.symbols[0], "sma", timeperiod=3)
        self.lengths: list[int] = []

    def on_bar(self, ctx, bar):
        self.seen += 1
        self.lengths.append(len(self.sma))
        if ctx.position(bar.symbol):
            ctx.close_position(bar.symbol)
        else:
            ctx.order_percent(bar.symbol, 1.0)


def core_over(frame: pd.DataFrame, *, risk: RiskEngine | None = None) -> TradingCore:
    core = TradingCore(MarketData.replay({"X": frame}), SimulatedVenue(fees=PercentFee(0.001)),
                       cash=100_000, check=risk, fast_path=True, compact_log=True)
    if risk is not None:
        risk.attach(core)
    core.add_strategy(Flips(), strategy_id="flips")
    core.start()
    return core


def test_consume_when_a_bar_repeats_its_end_then_refused_after_the_bars_before():
    frame = bars(10)
    stream = list(HistoricalBarFeed({"X": frame}).in_order())
    core = core_over(frame)
    with pytest.raises(ValidationError, match="does not end after"):
        core.consume([*stream[:6], stream[5], *stream[6:]])
    strategy = core.strategy("flips")
    assert strategy.seen == 6 and strategy.lengths == [1, 2, 3, 4, 5, 6]
    assert core.last_end[0] == stream[5].end_ns == core.clock.now_ns
    core.consume(stream[6:])  # the rest is still accepted, in order
    assert strategy.seen == 10 and core.last_end[0] == stream[-1].end_ns


def test_consume_when_bars_go_back_then_refused_and_nothing_of_that_bar_applied():
    frame = bars(8)
    stream = list(HistoricalBarFeed({"X": frame}).in_order())
    core = core_over(frame)
    core.consume(stream[:5])
    with pytest.raises(ValidationError, match="does not end after"):
        core.consume([stream[2]])
    assert core.strategy("flips").seen == 5 and core.market.lengths[0] == 5
    assert core.last_end[0] == stream[4].end_ns


def test_consume_when_risk_engine_default_limits_then_same_fills_as_one_call_per_bar():
    frame = bars(40)
    fills = []
    for stream in (True, False):
        risk = RiskEngine()
        core = core_over(frame, risk=risk)
        feed = HistoricalBarFeed({"X": frame}).in_order()
        if stream:
            core.consume(feed)
        else:
            for bar in feed:
                core.on_bar(bar)
        core.stop()
        fills.append([(f.quantity, f.price, f.fee) for f in core.manager.fills])
        assert not risk.denials and core.ledger.check_balanced()
    assert fills[0] == fills[1] and len(fills[0]) >= 38
