"""Rule strategies: a Strategy that also offers vectorised signals.

A rule strategy turns bars into four boolean signal series (long entries and exits, short
entries and exits), computed causally: the signal at bar ``t`` uses bars up to the close of
``t`` only, and an order placed on it fills at the next bar's open by default. It is a
:class:`~signaltrust.strategy.api.Strategy`, so it runs in the trading core like any other
(backtest replay, paper, live) and is optimised, walk-forwarded and checked for look-ahead the
same way; its vectorised form (:meth:`RuleStrategy.signals`) is what the vectorised engine and
the compiled sweeps use, and the two give the same trades.

In the trading core, the rule's signals are an indicator of the bars: a streaming form
(:meth:`RuleStrategy.signal_stream`, O(1) per bar, the same arithmetic as the kernel) or, in a
replay, the kernel run once over the column and revealed bar by bar. At each bar's end the rule
places the orders the vectorised engine would: an exit closes the position, an entry buys (or
sells short) ``size`` of equity, sized at release with the fee-inclusive formula, a reversal
does both; optional stop-loss, take-profit and trailing stops are placed after the entry fills.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from signaltrust.core.bars import validate_bars
from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Fill
from signaltrust.strategy.api import Bar, Context, Strategy
from signaltrust.strategy.params import Param
from signaltrust.strategy.streams import (
    ENTRY,
    EXIT,
    SHORT_ENTRY,
    SHORT_EXIT,
    WindowedSignal,
    decide,
)

FIELDS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class Signals:
    """Boolean signal series on the bars' index: long entries/exits and short entries/exits.

    A True at bar ``t`` is decided at the close of ``t``; the engine fills it at ``t + 1``'s
    open by default.
    """

    entries: pd.Series
    exits: pd.Series
    short_entries: pd.Series
    short_exits: pd.Series

    def as_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"entries": self.entries, "exits": self.exits,
             "short_entries": self.short_entries, "short_exits": self.short_exits}
        )

    def codes(self) -> np.ndarray:
        """One int per bar: ENTRY | EXIT | SHORT_ENTRY | SHORT_EXIT bits (0: no signal)."""
        return (
            self.entries.to_numpy(dtype=np.int64) * ENTRY
            + self.exits.to_numpy(dtype=np.int64) * EXIT
            + self.short_entries.to_numpy(dtype=np.int64) * SHORT_ENTRY
            + self.short_exits.to_numpy(dtype=np.int64) * SHORT_EXIT
        )

    def engine_kwargs(self) -> dict[str, pd.Series | None]:
        """The keyword arguments of the vectorized engine's ``simulate_signals``."""
        has_short = bool(self.short_entries.any())
        return {
            "entries": self.entries,
            "exits": self.exits,
            "short_entries": self.short_entries if has_short else None,
            "short_exits": self.short_exits if has_short else None,
        }


SignalKernel = Callable[..., None]


@dataclass(frozen=True)
class RuleExecution:
    """How a rule strategy trades its signals in the trading core (the vectorised engine's
    options of the same names): ``size`` of equity (``size_type="percent"``) or of cash
    (``"value"``) per entry, and stops as fractions of the entry fill price."""

    size: float = 1.0
    size_type: str = "percent"
    sl_stop: float = 0.0
    tp_stop: float = 0.0
    tsl_stop: float = 0.0

    def __post_init__(self) -> None:
        if self.size_type not in ("percent", "value"):
            raise ValidationError(
                "a rule strategy sizes by percent of equity or by value", field="size_type",
                value=self.size_type, fix="use size_type='percent' (default) or 'value'",
            )
        for name in ("size", "sl_stop", "tp_stop", "tsl_stop"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                0.0 <= float(value) < float("inf")
            ):
                raise ValidationError(
                    f"{name} must be a finite number >= 0", field=name, value=value,
                    fix=f"pass {name}=0 (off) or a positive fraction",
                )


class RuleSignal:
    """A rule's signals as an indicator of the bars: one int code per bar (see
    :meth:`Signals.codes`); ``batch`` runs the vectorised form over whole columns, ``stream``
    gives the rule's one-bar-at-a-time form."""

    outputs = ("signal",)

    def __init__(self, rule: RuleStrategy, params: dict[str, Any], inputs: tuple[str, ...]):
        self.rule = rule
        self.params = params
        self.inputs = inputs
        self.name = f"{rule.label}.signal"

    def batch(self, *columns: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(dict(zip(self.inputs, columns, strict=True)))
        return self.rule.compute(frame, self.params).codes()

    def stream(self) -> Any:
        return self.rule.signal_stream(self.params, self.inputs)


class RuleStrategy(Strategy):
    """Base of the built-in rule strategies; subclasses declare ``name`` and ``parameters``.

    Construct with parameter overrides, stored as given (``SmaCross(fast=5)``); ``signals``
    merges defaults, the constructor's values and its own keyword arguments, in that order.
    Subclasses implement ``compute(bars, params)`` (or provide ``signal_kernel``) and may
    override ``check`` for rules that tie parameters together (e.g. ``fast < slow``), and
    ``signal_stream`` for an O(1)-per-bar streaming form (default: the rule recomputed over a
    trailing window of ``warmup`` bars, exact for rules whose signal depends on that window).
    """

    #: numba kernel ``k(open, high, low, close, volume, p, entries, exits, short_entries,
    #: short_exits)`` filling the four bool arrays from the float64 parameter vector ``p``
    #: (parameters in declaration order, bools as 0/1). None: no compiled sweep.
    signal_kernel: ClassVar[SignalKernel | None] = None
    #: the grid a sweep searches when none is given: {parameter: values}
    default_grid: ClassVar[dict[str, Any]] = {}

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.execution = RuleExecution()

    def trading(self, **options: Any) -> RuleStrategy:
        """Set how the core trades the signals (:class:`RuleExecution`: ``size``,
        ``size_type``, ``sl_stop``, ``tp_stop``, ``tsl_stop``); returns the strategy."""
        self.execution = RuleExecution(**{**self.execution.__dict__, **options})
        return self

    # -- vectorised ------------------------------------------------------------------------
    def param_vector(self, params: Mapping[str, Any]) -> np.ndarray:
        """The resolved parameters as the float64 vector a ``signal_kernel`` reads."""
        full = self.resolve(params)
        return np.array([float(full[p.name]) for p in self.parameters], dtype=np.float64)

    def signals(self, bars: pd.DataFrame, **params: Any) -> Signals:
        """Causal long/short entry and exit signals for ``bars`` (validated parameters)."""
        full = self.resolve(params)
        bars = validate_bars(bars)
        return self.compute(bars, full)

    def compute(self, bars: pd.DataFrame, params: dict[str, Any]) -> Signals:
        """Signals from canonical bars and a validated parameter set (default: the kernel)."""
        kernel = type(self).signal_kernel
        if kernel is None:
            raise NotImplementedError(f"{type(self).__name__} must implement compute()")
        n = len(bars)
        arrays = [np.zeros(n, dtype=np.bool_) for _ in range(4)]
        o, h, lo, c, v = bar_arrays(bars)
        vector = np.array([float(params[p.name]) for p in self.parameters], dtype=np.float64)
        kernel(o, h, lo, c, v, vector, *arrays)
        return signals_from_arrays(bars.index, *arrays)

    def signal_inputs(self, fields: tuple[str, ...]) -> tuple[str, ...]:
        """The bar fields the signals read, among the ``fields`` the data has."""
        return FIELDS

    def signal_stream(self, params: dict[str, Any], inputs: tuple[str, ...]) -> Any:
        """An object whose ``update(*values of inputs)`` gives the signal code of each new bar.

        The default recomputes the rule over a trailing window of its warm-up (exact for rules
        whose signal at t depends on that window only); the built-in kernels override it
        with an O(1) form equal to the kernel at every bar.
        """
        return WindowedSignal(self, params, inputs, self.warmup(params) + 2)

    def describe(self) -> dict[str, Any]:
        return {
            **super().describe(),
            "vectorized": True,
            "compiled_sweep": type(self).signal_kernel is not None,
            "default_grid": {k: list(v) for k, v in self.default_grid.items()},
        }

    # -- the event form (the trading core) ---------------------------------------------------
    def on_start(self, ctx: Context) -> None:
        full = vars(self.p)
        self._short = bool(full.get("allow_short", False))
        self._signal = {
            symbol: ctx.indicator(
                symbol, RuleSignal(self, full, self.signal_inputs(ctx.fields(symbol)))
            )
            for symbol in ctx.symbols
        }
        self._pending: dict[str, tuple[float, list[str]]] = {}
        self._entry_ids: set[str] = set()
        self._exit_ids: dict[str, list[str]] = {}
        ex = self.execution
        self._stops = {"stop_loss": ex.sl_stop, "take_profit": ex.tp_stop,
                       "trailing_stop": ex.tsl_stop}
        self._with_stops = any(self._stops.values())

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        code = self._signal[bar.symbol][-1]
        if not code:
            return
        self._trade(ctx, bar.symbol, code)

    def _trade(self, ctx: Context, symbol: str, code: int) -> None:
        pending = self._pending.get(symbol)
        if pending is not None and not any(ctx.is_pending(i) for i in pending[1]):
            pending = None
        if pending is not None:
            current = pending[0]
        else:
            position = ctx.position(symbol)
            current = 1.0 if position > 0 else (-1.0 if position < 0 else 0.0)
        desired = decide(current, code, self._short)
        if desired is None:
            return
        if pending is not None:
            for cid in pending[1]:
                if ctx.is_pending(cid):
                    ctx.cancel(cid)
        ids = []
        for cid in self._exit_ids.pop(symbol, []):  # the signal exit replaces the stops
            if ctx.get_order(cid).is_open:
                ctx.cancel(cid)
        position = ctx.position(symbol)
        if position != 0.0 and (desired == 0.0 or (position > 0) != (desired > 0)):
            ids.append(ctx.close_position(symbol, tag="reverse" if desired != 0.0 else None))
        if desired != 0.0:
            amount = desired * self.execution.size
            entry = (
                ctx.order_percent(symbol, amount)
                if self.execution.size_type == "percent"
                else ctx.order_value(symbol, amount)
            )
            ids.append(entry)
            if self._with_stops:
                self._entry_ids.add(entry)
        self._pending[symbol] = (desired, ids)

    def listens(self, hook: str) -> bool:
        """Fills matter only to place stops after an entry (``trading(sl_stop=...)``)."""
        if hook == "on_fill" and type(self).on_fill is RuleStrategy.on_fill:
            ex = self.execution
            return bool(ex.sl_stop or ex.tp_stop or ex.tsl_stop)
        return super().listens(hook)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        """After an entry fills, place its stop-loss, trailing stop and take-profit (OCO).

        Levels are fractions of the entry fill price, as in the vectorized engine; the exits
        work from the rest of the entry's bar.
        """
        if fill.client_order_id not in self._entry_ids:
            return
        self._entry_ids.discard(fill.client_order_id)
        symbol = fill.symbol
        held = ctx.position(symbol)
        if held == 0.0:
            return
        units, long = abs(held), held > 0
        price = float(fill.price)
        sell = -1.0 if long else 1.0
        stops, exits = self._stops, []
        if stops["stop_loss"] > 0.0:
            level = price * (1.0 - stops["stop_loss"] * -sell)
            exits.append(ctx.order(symbol, sell * units, type="stop", stop=level, tag="stop_loss"))
        if stops["trailing_stop"] > 0.0:
            percent = Decimal(repr(stops["trailing_stop"])) * 100
            exits.append(ctx.order(symbol, sell * units, type="trailing_stop",
                                   trail_percent=percent, tag="trailing_stop"))
        if stops["take_profit"] > 0.0:
            level = price * (1.0 + stops["take_profit"] * -sell)
            exits.append(
                ctx.order(symbol, sell * units, type="limit", limit=level, tag="take_profit")
            )
        if len(exits) > 1:
            ctx.one_cancels_other(*exits)
        self._exit_ids[symbol] = exits


def bar_arrays(bars: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """open, high, low, close, volume as contiguous float64 arrays (volume NaN when absent)."""
    n = len(bars)

    def col(name: str) -> np.ndarray:
        if name in bars.columns:
            return np.ascontiguousarray(bars[name].to_numpy(dtype=np.float64, na_value=np.nan))
        return np.full(n, np.nan)

    return col("open"), col("high"), col("low"), col("close"), col("volume")


def signals_from_arrays(index: pd.Index, *arrays: np.ndarray) -> Signals:
    names = ("entries", "exits", "short_entries", "short_exits")
    series = [
        pd.Series(a.astype(bool), index=index, name=nm)
        for a, nm in zip(arrays, names, strict=True)
    ]
    return Signals(*series)


__all__ = ["FIELDS", "Param", "RuleExecution", "RuleSignal", "RuleStrategy", "Signals",
           "bar_arrays", "signals_from_arrays"]
