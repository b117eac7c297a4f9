"""The event-driven backtest: a replay of historical bars through the trading core.

``run_strategy(bars, strategy)`` builds a :class:`~signaltrust.trading.TradingCore` over a
:class:`~signaltrust.trading.MarketData` of the bars and a simulated venue, hands it the bars
(and ticks) in time order, and turns what it recorded into the same result tables as the
vectorised engine. The core does not know it is replaying: paper and live trading drive the same
core with a wall clock, live data and a real broker.

Two settings of the replay are optimisations, named and tested to give the same results:

- ``precompute=True``: indicators (and rule signals) are computed once over each replayed
  column and revealed bar by bar, instead of streamed one bar at a time;
- ``stream=True``: when no two bars end at the same time and there are no ticks, the bars go
  to the core in one stream (:meth:`TradingCore.consume`) instead of one call per bar; the
  core's steps are the same;
- ``fast_path=True``: a market order the simulated venue fills the moment it is sent (a sizing
  order released at the open, nothing else working on the symbol, no latency or volume cap)
  passes the pre-trade check, then is taken and filled in one step through the order
  manager's and the ledger's public methods: the same order, events, fill and booking as the
  step-by-step path, without the execution reports in between;
- ``compact_log=True``: while nobody listens for order events, the order manager logs their
  fields and builds the events when ``result.events`` is read.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest.costs import Costs, resolve_costs
from signaltrust.backtest.replay.feed import TICK, HistoricalBarFeed
from signaltrust.backtest.replay.results import EventBacktestResult, Recorder, build_result
from signaltrust.core.bars import validate_bars
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar
from signaltrust.execution import (
    FixedSlippage,
    PercentFee,
    PreTradeCheck,
    SimulatedVenue,
    Verdict,
)
from signaltrust.strategy.api import Strategy
from signaltrust.trading import MarketData, TradingCore


@dataclass(frozen=True)
class ReplaySettings:
    """How a replay feeds the core (both settings give the same results; see the module doc)."""

    precompute: bool = True
    stream: bool = True
    fast_path: bool = True
    compact_log: bool = True


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block; restore it as it was after.

    A replay allocates many small objects that live until the end (orders, events, fills);
    the collector would rescan them over and over (about 10 % of a 100,000-bar run). Reference
    counting still frees everything acyclic; cycles wait until the block ends.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


StepListener = Callable[[TradingCore, Sequence[Bar]], None]


def run_strategy(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame],
    strategy: Strategy,
    params: Mapping[str, Any] | None = None,
    *,
    cash: float | None = None,
    costs: Costs | None = None,
    fees: float | None = None,
    fixed_fees: float | None = None,
    min_fees: float | None = None,
    slippage: float | None = None,
    fill_at: str | None = None,
    venue: SimulatedVenue | None = None,
    check: PreTradeCheck | None = None,
    leverage: float = 1.0,
    periods_per_year: float | None = None,
    benchmark: pd.Series | None = None,
    ticks: Mapping[str, Any] | None = None,
    bar_period: Any = None,
    listeners: Sequence[StepListener] = (),
    settings: ReplaySettings | None = None,
    attach: Callable[[TradingCore], Any] | None = None,
    strategy_id: str | None = None,
    trade_from: Any = None,
) -> EventBacktestResult:
    """Backtest ``strategy`` on bars (a DataFrame or ``{symbol: DataFrame}``) in the trading core.

    ``costs`` (default :class:`Costs`: 0.1 % fees, 2 bps slippage, next-open fills); ``fees``,
    ``fixed_fees``, ``min_fees``, ``slippage`` and ``fill_at`` replace single fields of it.
    ``venue`` replaces the simulated venue built from the costs (its own fee, slippage, latency
    and participation models). ``check`` is the pre-trade check every order passes (a
    :class:`~signaltrust.risk.RiskEngine`; default allow all). ``listeners`` are called as
    ``listener(core, bars)`` after each step (the strategies acted, close fills booked);
    ``attach(core)`` is called once the core is
    built, before it starts (e.g. ``risk.attach``). ``strategy_id`` names the strategy's
    orders (default: its name). ``ticks`` (``{symbol: frame or [frames]}``): quotes, prints
    and L2 book messages replayed between the bars (:mod:`.book_feed`); with book data the
    venue fills limit orders by queue position and algorithms size children from the touch.
    ``trade_from`` (a bar label) makes the bars before it a warm-up: the strategy sees them,
    but orders placed before that bar's close are denied
    (reason ``warm_up``), so trading starts flat on that bar, as a walk-forward test window.
    """
    # the collector is paused from building the feed to the result (see paused_gc)
    with paused_gc():
        replay = build_replay(
            bars, strategy, params, cash=cash, costs=costs, fees=fees, fixed_fees=fixed_fees,
            min_fees=min_fees, slippage=slippage, fill_at=fill_at, venue=venue, check=check,
            leverage=leverage, ticks=ticks, bar_period=bar_period, listeners=listeners,
            settings=settings, attach=attach, strategy_id=strategy_id, trade_from=trade_from,
        )
        core, feed = replay.core, replay.feed
        if replay.settings.stream and feed.single_stream():
            core.consume(feed.in_order())
        else:
            for _, kind, payload in feed.events():
                if kind == TICK:
                    core.on_market(payload)
                else:
                    core.on_bars(payload)
        core.stop()
        return replay.result(periods_per_year, benchmark)


@dataclass
class Replay:
    """A trading core built over historical bars and started, not yet fed: the core, the
    feed of its bars, the recorder of its fills, the strategy and the run's settings.

    :func:`run_strategy` feeds it every bar at once; a driver that steps the core itself (the
    RL environments) hands it the feed's bars one step at a time, then asks for
    :meth:`result`.
    """

    core: TradingCore
    feed: HistoricalBarFeed
    recorder: Recorder
    strategy: Strategy
    venue: SimulatedVenue
    settings: ReplaySettings
    run_settings: dict[str, Any]

    def result(self, periods_per_year: float | None = None,
               benchmark: pd.Series | None = None) -> EventBacktestResult:
        """The replay's result tables (the bars not yet handed to the core count as flat)."""
        return _result(self.core, self.feed, self.recorder, self.strategy, self.run_settings,
                       periods_per_year, benchmark)


def build_replay(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame],
    strategy: Strategy,
    params: Mapping[str, Any] | None = None,
    *,
    cash: float | None = None,
    costs: Costs | None = None,
    fees: float | None = None,
    fixed_fees: float | None = None,
    min_fees: float | None = None,
    slippage: float | None = None,
    fill_at: str | None = None,
    venue: SimulatedVenue | None = None,
    check: PreTradeCheck | None = None,
    leverage: float = 1.0,
    ticks: Mapping[str, Any] | None = None,
    bar_period: Any = None,
    listeners: Sequence[StepListener] = (),
    settings: ReplaySettings | None = None,
    attach: Callable[[TradingCore], Any] | None = None,
    strategy_id: str | None = None,
    trade_from: Any = None,
) -> Replay:
    """Build and start the trading core of a replay (the arguments of :func:`run_strategy`),
    without feeding it: the market over the bars, the simulated venue from the costs, the
    recorder, the strategy. The caller hands it the feed's bars in time order."""
    chosen = resolve_costs(cash=cash, fees=fees, fixed_fees=fixed_fees, min_fees=min_fees,
                           slippage=slippage, fill_at=fill_at, costs=costs)
    settings = settings or ReplaySettings()
    frames = (
        {"asset": validate_bars(bars)}
        if isinstance(bars, pd.DataFrame)
        else {str(k): validate_bars(v) for k, v in bars.items()}
    )
    if not frames:
        raise ValidationError("no bars given", field="data", value=bars,
                              fix="pass a DataFrame of bars or {symbol: DataFrame}")
    frames = {s: strategy.prepare_bars(f) for s, f in frames.items()}
    if venue is None:
        venue = SimulatedVenue(
            fees=PercentFee(chosen.fees, chosen.fixed_fees, chosen.min_fees),
            slippage=FixedSlippage(chosen.slippage), fill_at=chosen.fill_at,
        )
    elif costs is not None or any(v is not None for v in (fees, fixed_fees, min_fees, slippage)):
        raise ValidationError(
            "costs and a venue were both given", field="venue", value=repr(venue),
            fix="give the venue its fee and slippage models, or pass costs without a venue",
        )
    feed = HistoricalBarFeed(frames, bar_period=bar_period, ticks=ticks)
    market = MarketData.replay(feed.frames, precompute=settings.precompute)
    if trade_from is not None:
        check = WarmUp(_first_close(feed, trade_from), check)
    core = TradingCore(market, venue, cash=chosen.cash, leverage=leverage, check=check,
                       fast_path=settings.fast_path, compact_log=settings.compact_log)
    if trade_from is not None:
        check.clock = core.clock  # type: ignore[union-attr]
    recorder = Recorder(core)
    for listener in listeners:
        core.add_step_listener(listener, after=True)
    if attach is not None:
        attach(core)
    core.add_strategy(strategy, params, strategy_id=strategy_id)
    core.start()
    run_settings = {
        **chosen.to_dict(), "leverage": leverage, "replay": asdict(settings),
        "venue": describe_venue(venue),
    }
    return Replay(core, feed, recorder, strategy, venue, settings, run_settings)


class WarmUp(PreTradeCheck):
    """Deny every order placed before ``start_ns`` (reason ``warm_up``); after it, ask
    ``check`` (allow all when None). A replay's warm-up: the strategy sees the bars before the
    window, but trades from flat in it."""

    name = "warm_up"

    def __init__(self, start_ns: int, check: PreTradeCheck | None = None) -> None:
        self.start_ns = int(start_ns)
        self.inner = check
        self.clock: Any = None

    def check(self, order: Any, portfolio: Any) -> Any:
        if self.clock is not None and self.clock.now_ns < self.start_ns:
            return Verdict.deny("warm_up", "orders start with the trading window")
        return self.inner.check(order, portfolio) if self.inner is not None else _ALLOWED


_ALLOWED = Verdict.allow("warm_up")


def _first_close(feed: HistoricalBarFeed, trade_from: Any) -> int:
    """The end (ns) of the first bar labelled at or after ``trade_from``, of any symbol."""
    label = pd.Timestamp(trade_from)
    label = label.tz_localize("UTC") if label.tzinfo is None else label.tz_convert("UTC")
    ends = [
        int(end[np.searchsorted(start, label.value)])
        for start, end in zip(feed.starts, feed.ends, strict=True)
        if np.searchsorted(start, label.value) < len(start)
    ]
    if not ends:
        raise ValidationError(
            "trade_from is after the last bar", field="trade_from", value=trade_from,
            fix="pass the label of a bar in the data",
        )
    return min(ends)


def describe_venue(venue: Any) -> dict[str, Any]:
    """The venue's models as plain data (for the result's settings)."""
    return {
        "fees": repr(venue.fees), "slippage": repr(venue.slippage),
        "latency": repr(getattr(venue, "latency", None)),
        "participation": getattr(getattr(venue, "participation", None), "share", None),
        "fill_at": getattr(venue, "fill_at", "next_open"),
    }


def _result(
    core: TradingCore,
    feed: HistoricalBarFeed,
    recorder: Recorder,
    strategy: Strategy,
    settings: dict[str, Any],
    periods_per_year: float | None,
    benchmark: pd.Series | None,
) -> EventBacktestResult:
    frames = feed.frames
    labels = [f.index for f in frames.values()]
    union = labels[0]
    for other in labels[1:]:
        union = union.union(other)
    index = pd.DatetimeIndex(union).as_unit("ns")
    bar_of = [
        np.arange(len(index)) if len(labels) == 1 else index.get_indexer(lab.as_unit("ns"))
        for lab in labels
    ]
    if len(frames) == 1:
        close = pd.DataFrame(
            {s: f["close"].to_numpy(dtype=np.float64) for s, f in frames.items()}, index=index
        )
    else:
        close = pd.DataFrame({s: f["close"].astype(np.float64) for s, f in frames.items()})
        close = close.reindex(index)
        close.index = index
    marks = {}  # each symbol's last known close
    for symbol, frame in frames.items():
        known = frame["close"].to_numpy(dtype=np.float64)
        known = known[~np.isnan(known)]
        if len(known):
            marks[symbol] = float(known[-1])
    if marks:
        core.ledger.mark(marks)
    core.ledger.check_balanced()
    params = {"engine": "event", "strategy": repr(strategy), "strategy_params": vars(strategy.p)}
    return build_result(
        recorder, bar_of, index, close, float(core.ledger.initial_cash()), core.manager,
        params=params, settings=settings, periods_per_year=periods_per_year,
        benchmark=benchmark, bars=dict(frames),
    )


__all__ = ["Replay", "ReplaySettings", "WarmUp", "build_replay", "paused_gc", "run_strategy"]
