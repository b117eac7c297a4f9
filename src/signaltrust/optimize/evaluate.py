"""Evaluating one parameter set: a full-sample backtest, or one window traded out of sample.

:class:`Evaluator` holds one asset's bars, the strategy and the engine settings; it is plain
data, so it travels to Ray workers. ``full(params)`` is exactly ``run(bars, strategy, params,
...)``. ``window(params, start, stop)`` trades bars ``start:stop`` only: the signals are
computed on every bar *before* ``stop`` (so indicators are warmed up on the history, and no bar
at or after ``stop`` is seen), the account starts flat with the starting cash on bar
``start``, and every signal before ``start`` is dropped; the first order can therefore fill at
the open of bar ``start + 1`` (a signal at the close of bar ``start``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.optimize.objectives import Objective, finite_or


@dataclass(frozen=True)
class Outcome:
    """One evaluated parameter set: objective values, its Sharpe ratio and per-bar returns."""

    params: dict[str, Any]
    values: tuple[float, ...]
    sharpe_ratio: float
    returns: pd.Series
    stats: dict[str, float] = field(default_factory=dict)


def single_asset(data: Any) -> pd.DataFrame:
    """The bars of one asset (a dataset name or a bar DataFrame); several assets are refused."""
    from signaltrust.backtest.api import prepare_data

    prepared = prepare_data(data)
    if not prepared.single:
        raise ValidationError(
            "optimisation runs on one asset at a time", field="data",
            value=prepared.assets, fix="pass one dataset name or one bar DataFrame",
        )
    return next(iter(prepared.frames.values()))


@dataclass
class Evaluator:
    """Backtests parameter sets of one strategy on one asset with fixed engine settings."""

    bars: pd.DataFrame
    strategy: Any
    cash: float | None = None
    fees: float | None = None
    slippage: float | None = None
    options: dict[str, Any] = field(default_factory=dict)
    periods_per_year: float | None = None

    def __post_init__(self) -> None:
        from signaltrust.backtest.api import periods_for
        from signaltrust.strategy import get_strategy

        self.strategy = get_strategy(self.strategy)
        if self.periods_per_year is None:
            self.periods_per_year = float(
                self.options.get("periods_per_year") or periods_for({"asset": self.bars}))

    def engine_options(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """The vectorised engine's options for ``params`` (a rule strategy's window)."""
        options = dict(self.options)
        options.setdefault("allow_short", bool(params.get("allow_short", False)))
        options.setdefault("periods_per_year", self.periods_per_year)
        return options

    def result(self, params: Mapping[str, Any]) -> Any:
        """``run(bars, strategy, params)`` with this evaluator's settings (a BacktestResult)."""
        from signaltrust.backtest.api import run

        return run(self.bars, self.strategy, dict(params), cash=self.cash, fees=self.fees,
                   slippage=self.slippage, **self.options)

    def window_result(self, params: Mapping[str, Any], start: int, stop: int) -> Any:
        """Trade bars ``start:stop`` only, signals warmed up on the bars before (see module).

        A rule strategy's vectorised signals are cut to the window; any other Strategy runs in
        the trading core over bars ``0:stop`` with the bars before ``start`` as its warm-up
        (orders placed before the close of bar ``start`` are denied), and the window's part
        of the result is returned."""
        from signaltrust.backtest.vectorized import simulate_signals
        from signaltrust.strategy import RuleStrategy

        if not 0 <= start < stop <= len(self.bars):
            raise ValidationError("a window must lie inside the bars", field="window",
                                  value=(start, stop), fix=f"use 0 <= start < stop <= "
                                  f"{len(self.bars)}")
        if not isinstance(self.strategy, RuleStrategy):
            return self._event_window(params, start, stop)
        full = self.strategy.resolve(dict(params))
        history = self.bars.iloc[:stop]
        signals = self.strategy.compute(history, full)
        window = self.bars.iloc[start:stop]
        options = self.engine_options(full)
        short = bool(options["allow_short"])
        return simulate_signals(
            window, signals.entries.iloc[start:stop], signals.exits.iloc[start:stop],
            signals.short_entries.iloc[start:stop] if short else None,
            signals.short_exits.iloc[start:stop] if short else None,
            cash=self.cash, fees=self.fees, slippage=self.slippage, **options,
        )

    def _event_window(self, params: Mapping[str, Any], start: int, stop: int) -> Any:
        from signaltrust.backtest.api import run

        options = {k: v for k, v in self.options.items() if k != "allow_short"}
        result = run(self.bars.iloc[:stop], self.strategy, dict(params), cash=self.cash,
                     fees=self.fees, slippage=self.slippage, engine="event",
                     trade_from=self.bars.index[start], **options)
        return replace(result, equity=result.equity.iloc[start:stop],
                       cash=result.cash.iloc[start:stop],
                       positions=result.positions.iloc[start:stop])

    def outcome(self, result: Any, params: Mapping[str, Any],
                objectives: Sequence[Objective]) -> Outcome:
        from signaltrust.optimize.objectives import equity_objective

        start = float(result.settings.get("cash", result.equity.iloc[0]))
        values = tuple(float(o(result)) for o in objectives)
        stats = {name: equity_objective(name, result.equity, start, self.periods_per_year)
                 for name in ("sharpe_ratio", "total_return", "return_over_drawdown")}
        returns = result.equity.pct_change().fillna(0.0)
        # the first bar's return is measured from the starting cash (fees on the first fill)
        returns.iloc[0] = float(result.equity.iloc[0]) / start - 1.0
        return Outcome(dict(params), values, finite_or(stats["sharpe_ratio"], 0.0),
                       returns, stats)

    def evaluate(self, params: Mapping[str, Any], objectives: Sequence[Objective],
                 window: tuple[int, int] | None = None) -> Outcome:
        """Objective values and per-bar returns of ``params`` (full sample or a window)."""
        result = (self.result(params) if window is None
                  else self.window_result(params, *window))
        return self.outcome(result, params, objectives)


def returns_matrix(outcomes: Sequence[Outcome]) -> pd.DataFrame:
    """Per-bar returns of several outcomes as a T x N frame (one column per parameter set)."""
    columns = {}
    for k, out in enumerate(outcomes):
        columns[k] = out.returns.to_numpy(dtype=np.float64)
    frame = pd.DataFrame(columns, index=outcomes[0].returns.index)
    frame.columns = [_label(o.params) for o in outcomes]
    return frame


def _label(params: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())
