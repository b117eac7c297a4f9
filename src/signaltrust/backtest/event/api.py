"""``run_strategy``: an event-driven backtest of a Strategy on bars in one call."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from signaltrust.backtest.costs import resolve_costs
from signaltrust.backtest.event.engine import EventEngine, paused_gc
from signaltrust.backtest.event.feed import HistoricalBarFeed
from signaltrust.backtest.event.models import (
    FeeModel,
    FixedLatency,
    FixedSlippage,
    PercentFee,
    SlippageModel,
)
from signaltrust.backtest.event.results import EventBacktestResult
from signaltrust.backtest.event.venue import SimulatedVenue
from signaltrust.core.bars import validate_bars
from signaltrust.risk.hook import PreTradeCheck
from signaltrust.strategy.api import Strategy


def run_strategy(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame],
    strategy: Strategy,
    params: Mapping[str, Any] | None = None,
    *,
    cash: float | None = None,
    fees: float | None = None,
    fixed_fees: float | None = None,
    min_fees: float | None = None,
    slippage: float | None = None,
    fill_at: str | None = None,
    fee_model: FeeModel | None = None,
    slippage_model: SlippageModel | None = None,
    latency_ns: int = 0,
    participation: float | None = None,
    check: PreTradeCheck | None = None,
    leverage: float = 1.0,
    periods_per_year: float | None = None,
    benchmark: pd.Series | None = None,
    ticks: Mapping[str, pd.DataFrame] | None = None,
    bar_period: Any = None,
    observers: tuple[Any, ...] = (),
) -> EventBacktestResult:
    """Backtest an event-driven ``strategy`` on bars (a DataFrame or ``{symbol: DataFrame}``).

    Costs default to the configuration's ``backtest`` section, as in the vectorized engine;
    ``fee_model`` / ``slippage_model`` replace the percent fee / fixed slippage built from
    them. ``participation`` caps fills at that share of a bar's volume; ``latency_ns`` delays
    each order's activation; ``check`` is the pre-trade risk check (default: allow all).
    """
    costs = resolve_costs(
        cash=cash,
        fees=fees,
        fixed_fees=fixed_fees,
        min_fees=min_fees,
        slippage=slippage,
        fill_at=fill_at,
    )
    frames = (
        {"asset": validate_bars(bars)}
        if isinstance(bars, pd.DataFrame)
        else {str(k): validate_bars(v) for k, v in bars.items()}
    )
    venue = SimulatedVenue(
        fees=fee_model or PercentFee(costs.fees, costs.fixed_fees, costs.min_fees),
        slippage=slippage_model or FixedSlippage(costs.slippage),
        latency=FixedLatency(latency_ns),
        participation=participation,
        fill_at=costs.fill_at,
    )
    # the collector is paused from building the feed to the result (see paused_gc): a pause
    # between them would let it scan every bar list just built
    with paused_gc():
        feed = HistoricalBarFeed(frames, bar_period=bar_period, ticks=ticks)
        engine = EventEngine(
            feed,
            strategy,
            cash=costs.cash,
            venue=venue,
            check=check,
            leverage=leverage,
            params=params,
            observers=observers,
        )
        engine.settings = {
            **costs.to_dict(),
            "participation": participation,
            "latency_ns": latency_ns,
            "leverage": leverage,
        }
        engine.periods_per_year = periods_per_year
        engine.benchmark = benchmark
        return engine.run()
