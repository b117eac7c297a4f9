"""Rule strategies in the event engine: an adapter that decides bar by bar from history only.

:class:`RuleAdapter` wraps a built-in rule strategy (``sma_cross``, ``bollinger_rsi``, ...).
At each bar's end it computes the rule's signals for that bar from the history up to it
(the rule's compiled kernel on the expanding history, so recursive indicators such as
Wilder's RSI see exactly what the vectorized engine saw; rules without a kernel run their
pandas ``compute`` on a window of ``window`` bars) and places the orders the vectorized engine
would: an exit closes the position, an entry buys (or sells short) ``size`` of equity, sized
at release with the fee-inclusive formula, a reversal does both (two orders).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import numpy as np

from signaltrust.backtest.nb.steps import decide
from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Fill
from signaltrust.strategy.api import Bar, Context, Strategy
from signaltrust.strategy.base import RuleStrategy

_FIELDS = ("open", "high", "low", "close", "volume")


class RuleAdapter(Strategy):
    """A rule strategy (``RuleStrategy``) as an event-driven strategy, with the same trades."""

    def __init__(
        self,
        rule: RuleStrategy,
        *,
        size: float = 1.0,
        size_type: str = "percent",
        allow_short: bool | None = None,
        window: int | None = None,
        sl_stop: float | None = None,
        tp_stop: float | None = None,
        tsl_stop: float | None = None,
        **params: Any,
    ) -> None:
        super().__init__(**params)
        if size_type not in ("percent", "value"):
            raise ValidationError(
                "the event adapter sizes by percent of equity or by value",
                field="size_type",
                value=size_type,
                fix="use size_type='percent' (default) or 'value'",
            )
        self.rule = rule
        self.name = rule.name
        self.size = float(size)
        self.size_type = size_type
        self.allow_short = allow_short
        self.window = window
        self.stops = {
            "stop_loss": sl_stop or 0.0,
            "take_profit": tp_stop or 0.0,
            "trailing_stop": tsl_stop or 0.0,
        }
        self.parameters = rule.parameters  # type: ignore[misc]

    def resolve(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return self.rule.resolve({**self.params, **(params or {})})

    def on_start(self, ctx: Context) -> None:
        full = vars(self.p)
        self._short = (
            bool(full.get("allow_short", False))
            if self.allow_short is None
            else bool(self.allow_short)
        )
        kernel = type(self.rule).signal_kernel
        self._kernel = kernel
        self._vector = np.array([float(full[p.name]) for p in self.rule.parameters])
        self._window = self.window or max(2 * self.rule.warmup(full) + 2, 64)
        self._pending: dict[str, tuple[float, list[str]]] = {}
        self._entry_ids: set[str] = set()
        self._exit_ids: dict[str, list[str]] = {}

    def signal(self, ctx: Context, symbol: str) -> tuple[bool, bool, bool, bool]:
        """The rule's (entry, exit, short entry, short exit) at the current bar of ``symbol``."""
        if self._kernel is not None:
            arrays = [ctx.history(symbol, f) for f in _FIELDS]
            n = len(arrays[3])
            out = [np.zeros(n, dtype=np.bool_) for _ in range(4)]
            self._kernel(*arrays, self._vector, *out)
            return bool(out[0][-1]), bool(out[1][-1]), bool(out[2][-1]), bool(out[3][-1])
        frame = ctx.bars(symbol, self._window)
        sig = self.rule.compute(frame, vars(self.p))
        return (
            bool(sig.entries.iloc[-1]),
            bool(sig.exits.iloc[-1]),
            bool(sig.short_entries.iloc[-1]),
            bool(sig.short_exits.iloc[-1]),
        )

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        symbol = bar.symbol
        entry, exit_, short_entry, short_exit = self.signal(ctx, symbol)
        if not (entry or exit_ or short_entry or short_exit):
            return
        pending = self._pending.get(symbol)
        if pending is not None and not any(ctx.is_pending(i) for i in pending[1]):
            pending = None
        if pending is not None:
            current = pending[0]
        else:
            position = ctx.position(symbol)
            current = 1.0 if position > 0 else (-1.0 if position < 0 else 0.0)
        desired = decide(current, entry, exit_, short_entry, short_exit, self._short)
        if desired != desired:
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
            amount = desired * self.size
            entry = (
                ctx.order_percent(symbol, amount)
                if self.size_type == "percent"
                else ctx.order_value(symbol, amount)
            )
            ids.append(entry)
            self._entry_ids.add(entry)
        self._pending[symbol] = (desired, ids)

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        """After an entry fills, place its stop-loss, trailing stop and take-profit (OCO).

        Levels are fractions of the entry fill price, as in the vectorized engine; the exits
        work from the rest of the entry's bar.
        """
        if fill.client_order_id not in self._entry_ids or not any(self.stops.values()):
            return
        self._entry_ids.discard(fill.client_order_id)
        symbol = fill.symbol
        units = abs(ctx.position(symbol))
        if units == 0.0:
            return
        long = ctx.position(symbol) > 0
        price = float(fill.price)
        sell = -1.0 if long else 1.0
        exits = []
        if self.stops["stop_loss"] > 0.0:
            level = price * (1.0 - self.stops["stop_loss"] * -sell)
            exits.append(ctx.order(symbol, sell * units, type="stop", stop=level, tag="stop_loss"))
        if self.stops["trailing_stop"] > 0.0:
            percent = Decimal(repr(self.stops["trailing_stop"])) * 100
            exits.append(
                ctx.order(
                    symbol,
                    sell * units,
                    type="trailing_stop",
                    trail_percent=percent,
                    tag="trailing_stop",
                )
            )
        if self.stops["take_profit"] > 0.0:
            level = price * (1.0 + self.stops["take_profit"] * -sell)
            exits.append(
                ctx.order(symbol, sell * units, type="limit", limit=level, tag="take_profit")
            )
        if len(exits) > 1:
            ctx.one_cancels_other(*exits)
        self._exit_ids[symbol] = exits
