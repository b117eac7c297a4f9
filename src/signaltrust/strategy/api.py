"""The Strategy API: one strategy class that runs unchanged in backtest, paper and live trading.

A strategy subclasses :class:`Strategy`, declares its parameters on the class (``Param``, as the
rule strategies do, so optimisers search them the same way) and reacts to events:
``on_start(ctx)``, ``on_bar(ctx, bar)``, ``on_quote`` / ``on_trade`` (ticks), ``on_order(ctx,
event)``, ``on_fill(ctx, fill)``, ``on_stop(ctx)``. Everything it may see or do goes through
``ctx`` (:class:`Context`): the clock (``ctx.now``), history windows up to the current bar and
never beyond, indicators from ``signaltrust.ta``, the portfolio, and order helpers. The context
is built over four interfaces (a clock, market data, the portfolio and an order router); the
engine behind them is not reachable, so a strategy cannot tell which mode it runs in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, ClassVar, Protocol

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Fill, Order, OrderEvent
from signaltrust.strategy.base import Param

# ---------------------------------------------------------------------------- events


class Bar:
    """One completed bar of one instrument, delivered at its end (labelled by its start)."""

    __slots__ = ("close", "end_ns", "high", "low", "open", "symbol", "ts_ns", "volume")

    def __init__(
        self, symbol: str, ts_ns: int, end_ns: int, open_: float, high: float, low: float,
        close: float, volume: float,
    ) -> None:
        self.symbol = symbol
        self.ts_ns = ts_ns
        self.end_ns = end_ns
        self.open = open_
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume

    @property
    def time(self) -> pd.Timestamp:
        """The bar's label: the start of its period (UTC)."""
        return pd.Timestamp(self.ts_ns, tz="UTC")

    @property
    def end_time(self) -> pd.Timestamp:
        """When the bar became known: the end of its period (UTC)."""
        return pd.Timestamp(self.end_ns, tz="UTC")

    def __repr__(self) -> str:
        return (
            f"Bar({self.symbol} {self.time} o={self.open} h={self.high} l={self.low} "
            f"c={self.close} v={self.volume})"
        )


@dataclass(frozen=True)
class Tick:
    """A quote (``bid``/``ask``) or a trade (``price``/``size``) of one instrument at ``ts_ns``."""

    symbol: str
    ts_ns: int
    kind: str  # "quote" or "trade"
    price: float = float("nan")
    size: float = float("nan")
    bid: float = float("nan")
    ask: float = float("nan")

    @property
    def time(self) -> pd.Timestamp:
        return pd.Timestamp(self.ts_ns, tz="UTC")


@dataclass(frozen=True)
class SizingIntent:
    """A market order whose units are fixed when it is released to the venue.

    ``kind``: "value" (signed cash amount), "percent" (signed fraction of equity), "target_units",
    "target_weight" (signed fraction of equity held after the trade). Units are computed with
    the price, fees and equity at release, so that units x fill price + fees = the allotment.
    """

    client_order_id: str
    symbol: str
    kind: str
    amount: float
    time_in_force: str = "GTC"
    tags: tuple[str, ...] = ()
    strategy_id: str = "default"


# ---------------------------------------------------------------------------- interfaces


class ClockView(Protocol):
    """The current time as int64 UTC nanoseconds."""

    @property
    def now_ns(self) -> int: ...


class MarketData(Protocol):
    """History windows and indicators up to the current bar of each symbol (never beyond)."""

    symbols: tuple[str, ...]

    def history(self, symbol: str, field: str, n: int | None) -> np.ndarray: ...
    def indicator(self, symbol: str, function: Any, fields: tuple[str, ...] | None,
                  kwargs: dict[str, Any]) -> Any: ...
    def price(self, symbol: str) -> float: ...
    def frame(self, symbol: str, n: int | None) -> pd.DataFrame: ...


class PortfolioAccess(Protocol):
    """Cash, equity and positions (floats, derived from the exact ledger)."""

    @property
    def cash(self) -> float: ...
    @property
    def equity(self) -> float: ...
    def position(self, symbol: str) -> float: ...
    def positions(self) -> dict[str, float]: ...


class OrderRouting(Protocol):
    """Where orders go: the same path in every mode (OrderManager -> risk check -> broker)."""

    def next_id(self, strategy_id: str) -> str: ...
    def submit(self, order: Order) -> str: ...
    def submit_bracket(self, entry: Order, stop_loss: Order | None,
                       take_profit: Order | None) -> str: ...
    def defer(self, intent: SizingIntent) -> str: ...
    def cancel(self, client_order_id: str) -> None: ...
    def get(self, client_order_id: str) -> Order: ...
    def open_orders(self, symbol: str | None) -> list[Order]: ...
    def is_pending(self, client_order_id: str) -> bool: ...


# ---------------------------------------------------------------------------- context

_TYPES = {"market": "MARKET", "limit": "LIMIT", "stop": "STOP", "stop_limit": "STOP_LIMIT",
          "trailing_stop": "TRAILING_STOP"}


class Context:
    """What a strategy sees and does: time, history, indicators, portfolio and orders."""

    __slots__ = ("_clock", "_market", "_portfolio", "_router", "strategy_id")

    def __init__(self, clock: ClockView, market: MarketData, portfolio: PortfolioAccess,
                 router: OrderRouting, strategy_id: str = "default") -> None:
        self._clock = clock
        self._market = market
        self._portfolio = portfolio
        self._router = router
        self.strategy_id = strategy_id

    # -- time and data --------------------------------------------------------------------
    @property
    def now(self) -> pd.Timestamp:
        """The current time (UTC): a bar's end while ``on_bar`` handles it."""
        return pd.Timestamp(self._clock.now_ns, tz="UTC")

    @property
    def symbols(self) -> tuple[str, ...]:
        """The instruments this strategy trades."""
        return self._market.symbols

    def history(self, symbol: str, field: str = "close", n: int | None = None) -> np.ndarray:
        """The last ``n`` values of ``field`` up to the current bar (all when None), read-only."""
        return self._market.history(symbol, field, n)

    def bars(self, symbol: str, n: int | None = None) -> pd.DataFrame:
        """The last ``n`` bars of ``symbol`` up to the current one as a DataFrame (slower)."""
        return self._market.frame(symbol, n)

    def price(self, symbol: str) -> float:
        """The latest known price of ``symbol`` (the current bar's close in ``on_bar``)."""
        return self._market.price(symbol)

    def indicator(self, symbol: str, function: Any, *, fields: tuple[str, ...] | None = None,
                  **kwargs: Any) -> Any:
        """An indicator from ``signaltrust.ta`` (by name, e.g. ``"sma"``) on ``symbol``'s bars.

        Returns a handle (or a tuple of handles for multi-output indicators): ``h[-1]`` is the
        value at the current bar, ``h[-2]`` the one before, ``h.values`` the series up to now.
        Inputs are taken from the bar fields named like the function's arguments (close, high,
        ...) unless ``fields`` names them. Create handles in ``on_start``; reading is cheap.
        """
        return self._market.indicator(symbol, function, fields, kwargs)

    # -- portfolio ------------------------------------------------------------------------
    @property
    def cash(self) -> float:
        return self._portfolio.cash

    @property
    def equity(self) -> float:
        """Cash plus positions marked at their latest prices."""
        return self._portfolio.equity

    def position(self, symbol: str) -> float:
        """Signed units held of ``symbol`` (0.0 when flat)."""
        return self._portfolio.position(symbol)

    @property
    def positions(self) -> dict[str, float]:
        """Signed units per symbol with an open position."""
        return self._portfolio.positions()

    # -- orders ---------------------------------------------------------------------------
    def order(self, symbol: str, units: float, *, type: str = "market",  # noqa: A002
              limit: float | None = None, stop: float | None = None,
              trail_amount: float | None = None, trail_percent: float | None = None,
              tif: str = "GTC", tag: str | None = None) -> str:
        """Place an order for signed ``units`` (+ buy, - sell); returns its client order id."""
        if not units:
            raise ValidationError("an order needs units != 0", field="units", value=units,
                                  fix="pass a positive (buy) or negative (sell) quantity")
        return self._router.submit(self._build(symbol, "BUY" if units > 0 else "SELL",
                                               abs(units), type, limit, stop, trail_amount,
                                               trail_percent, tif, tag))

    def buy(self, symbol: str, units: float, **kwargs: Any) -> str:
        """Buy ``units`` (> 0): ``type`` market/limit/stop/stop_limit/trailing_stop, ``tif``."""
        return self.order(symbol, abs(units), **kwargs)

    def sell(self, symbol: str, units: float, **kwargs: Any) -> str:
        """Sell ``units`` (> 0), closing a long or opening a short."""
        return self.order(symbol, -abs(units), **kwargs)

    def _build(self, symbol: str, side: str, units: float, type_: str, limit: Any, stop: Any,
               trail_amount: Any, trail_percent: Any, tif: str, tag: str | None) -> Order:
        kind = _TYPES.get(str(type_).lower())
        if kind is None:
            raise ValidationError("unknown order type", field="type", value=type_,
                                  fix=f"use one of {', '.join(_TYPES)}")
        return Order(
            self._router.next_id(self.strategy_id), symbol, side, units, kind,
            limit_price=limit, stop_price=stop, trail_amount=trail_amount,
            trail_percent=trail_percent, time_in_force=str(tif).upper(),
            strategy_id=self.strategy_id, tags=(tag,) if tag else (),
        )

    def _defer(self, symbol: str, kind: str, amount: float, tif: str, tag: str | None) -> str:
        if symbol not in self._market.symbols:
            raise ValidationError("unknown symbol", field="symbol", value=symbol,
                                  fix=f"use one of {', '.join(self._market.symbols)}")
        cid = self._router.next_id(self.strategy_id)
        return self._router.defer(SizingIntent(cid, symbol, kind, float(amount), tif.upper(),
                                               (tag,) if tag else (), self.strategy_id))

    def order_value(self, symbol: str, value: float, *, tif: str = "GTC",
                    tag: str | None = None) -> str:
        """Trade ``value`` of cash (+ buy, - sell), fees included, sized at release."""
        return self._defer(symbol, "value", value, tif, tag)

    def order_percent(self, symbol: str, fraction: float, *, tif: str = "GTC",
                      tag: str | None = None) -> str:
        """Trade ``fraction`` of equity (1.0 = all in; negative sells), sized at release."""
        return self._defer(symbol, "percent", fraction, tif, tag)

    def order_target_weight(self, symbol: str, weight: float, *, tif: str = "GTC",
                            tag: str | None = None) -> str:
        """Trade to hold ``weight`` of equity in ``symbol`` (negative: short)."""
        return self._defer(symbol, "target_weight", weight, tif, tag)

    def order_target_units(self, symbol: str, units: float, *, tif: str = "GTC",
                           tag: str | None = None) -> str:
        """Trade to hold ``units`` of ``symbol`` (signed)."""
        return self._defer(symbol, "target_units", units, tif, tag)

    def close_position(self, symbol: str, *, tag: str | None = None) -> str:
        """Trade the position in ``symbol`` to zero (at release: what is then held)."""
        return self._defer(symbol, "target_units", 0.0, "GTC", tag)

    def bracket(self, symbol: str, units: float, *, stop_loss: float | None = None,
                take_profit: float | None = None, trail_percent: float | None = None,
                type: str = "market", limit: float | None = None,  # noqa: A002
                tif: str = "GTC") -> str:
        """An entry of signed ``units`` with a linked stop-loss and/or take-profit (OCO).

        ``stop_loss`` is a stop price (or use ``trail_percent`` for a trailing stop),
        ``take_profit`` a limit price. The exits wait for the entry's fill, then work GTC; when
        one fills the other is canceled. Returns the entry's client order id.
        """
        side = "BUY" if units > 0 else "SELL"
        exit_side = "SELL" if units > 0 else "BUY"
        entry = self._build(symbol, side, abs(units), type, limit, None, None, None, tif, None)
        sl = None
        if trail_percent is not None:
            sl = self._build(symbol, exit_side, abs(units), "trailing_stop", None, None, None,
                             trail_percent, "GTC", "trailing_stop")
        elif stop_loss is not None:
            sl = self._build(symbol, exit_side, abs(units), "stop", None, stop_loss, None, None,
                             "GTC", "stop_loss")
        tp = None
        if take_profit is not None:
            tp = self._build(symbol, exit_side, abs(units), "limit", take_profit, None, None,
                             None, "GTC", "take_profit")
        return self._router.submit_bracket(entry, sl, tp)

    def cancel(self, order_id: str) -> None:
        """Cancel an open order (or a sizing order not yet released)."""
        self._router.cancel(order_id)

    def is_pending(self, order_id: str) -> bool:
        """True while a sizing order (value, percent, target) waits to be released."""
        return self._router.is_pending(order_id)

    def get_order(self, order_id: str) -> Order:
        """The order with this client order id (its status, fills, reason)."""
        return self._router.get(order_id)

    def open_orders(self, symbol: str | None = None) -> list[Order]:
        """Orders not yet terminal, in submission order."""
        return self._router.open_orders(symbol)


# ---------------------------------------------------------------------------- strategy


class Strategy:
    """Base of event-driven strategies: override the ``on_*`` hooks you need.

    Declare parameters as ``parameters = (Param("fast", 10), ...)``; construct with overrides
    (``MyStrategy(fast=5)``, stored as given); the engine resolves and validates them before
    ``on_start`` and exposes them as ``self.p.fast``.
    """

    name: ClassVar[str] = ""
    parameters: ClassVar[tuple[Param, ...]] = ()

    def __init__(self, **params: Any) -> None:
        self.params = dict(params)
        self.p = SimpleNamespace()

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        return {p.name: p.default for p in cls.parameters}

    @classmethod
    def param_names(cls) -> list[str]:
        return [p.name for p in cls.parameters]

    def resolve(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults, then the constructor's values, then ``params``; validated (ValidationError)."""
        merged = {**self.params, **(params or {})}
        label = self.name or type(self).__name__
        for key in merged:
            if key not in self.param_names():
                raise ValidationError(
                    f"strategy {label} has no parameter {key!r}", field=f"{label}.{key}",
                    value=merged[key], fix=f"use one of: {', '.join(self.param_names()) or '-'}",
                )
        out = self.defaults()
        for p in self.parameters:
            if p.name in merged:
                out[p.name] = p.coerce(merged[p.name], strategy=label)
        self.check(out)
        return out

    def check(self, params: dict[str, Any]) -> None:
        """Rules tying parameters together; raise ValidationError naming the parameter."""

    def bind(self, params: Mapping[str, Any] | None = None) -> None:
        """Resolve the parameters into ``self.p`` (the engine calls this before ``on_start``)."""
        self.p = SimpleNamespace(**self.resolve(params))

    # -- hooks ----------------------------------------------------------------------------
    def on_start(self, ctx: Context) -> None:
        """Before the first event: create indicator handles, read parameters."""

    def on_bar(self, ctx: Context, bar: Bar) -> None:
        """A bar of ``bar.symbol`` has completed (``ctx.now`` is its end)."""

    def on_quote(self, ctx: Context, tick: Tick) -> None:
        """A quote (bid/ask) arrived."""

    def on_trade(self, ctx: Context, tick: Tick) -> None:
        """A market trade (price/size) arrived."""

    def on_order(self, ctx: Context, event: OrderEvent) -> None:
        """An order changed state (NEW, SUBMITTED, ACCEPTED, ..., DENIED with ``event.reason``)."""

    def on_fill(self, ctx: Context, fill: Fill) -> None:
        """One of this strategy's orders (partly) filled."""

    def on_stop(self, ctx: Context) -> None:
        """After the last event."""


__all__ = ["Bar", "Context", "SizingIntent", "Strategy", "Tick"]
