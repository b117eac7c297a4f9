"""The strategy's context: the only door to time, data, the portfolio and orders.

:class:`Context` is built over four interfaces (a clock, market data, the portfolio and an
order router); backtest, paper and live trading provide different implementations, so a
strategy cannot tell which mode it runs in.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Order, SizingIntent, TimeInForce

# ---------------------------------------------------------------------------- interfaces


class ClockView(Protocol):
    """The current time as int64 UTC nanoseconds."""

    @property
    def now_ns(self) -> int: ...


class MarketData(Protocol):
    """History windows and indicators up to the current bar of each symbol (never beyond)."""

    symbols: tuple[str, ...]

    def history(self, symbol: str, field: str, n: int | None) -> np.ndarray: ...
    def indicator(
        self, symbol: str, function: Any, fields: tuple[str, ...] | None, kwargs: dict[str, Any]
    ) -> Any: ...
    def price(self, symbol: str) -> float: ...
    def frame(self, symbol: str, n: int | None) -> pd.DataFrame: ...
    def fields(self, symbol: str) -> tuple[str, ...]: ...


class PortfolioAccess(Protocol):
    """Cash, equity and positions (floats, derived from the exact ledger); positions of one
    strategy when ``strategy_id`` is given."""

    @property
    def cash(self) -> float: ...
    @property
    def equity(self) -> float: ...
    def position(self, symbol: str, strategy_id: str | None = None) -> float: ...
    def positions(self, strategy_id: str | None = None) -> dict[str, float]: ...


class OrderRouting(Protocol):
    """Where orders go: the same path in every mode (OrderManager -> risk check -> broker)."""

    def next_id(self, strategy_id: str) -> str: ...
    def submit(self, order: Order) -> str: ...
    def submit_bracket(
        self, entry: Order, stop_loss: Order | None, take_profit: Order | None
    ) -> str: ...
    def defer(self, intent: SizingIntent) -> str: ...
    def cancel(self, client_order_id: str) -> None: ...
    def link_oco(self, client_order_ids: tuple[str, ...]) -> str: ...
    def get(self, client_order_id: str) -> Order: ...
    def open_orders(self, symbol: str | None, strategy_id: str | None = None) -> list[Order]: ...
    def is_pending(self, client_order_id: str) -> bool: ...


class AlgoRouting(Protocol):
    """Where execution algorithms run (the trading core's ``signaltrust.trading.algos``)."""

    def start(self, strategy_id: str, algo: Any) -> str: ...
    def cancel(self, parent_id: str, reason: str = ...) -> None: ...
    def report(self, parent_id: str) -> Any: ...


# ---------------------------------------------------------------------------- context

_TIFS = {t.value: t.value for t in TimeInForce}
_tuple_new = tuple.__new__

_TYPES = {
    "market": "MARKET",
    "limit": "LIMIT",
    "stop": "STOP",
    "stop_limit": "STOP_LIMIT",
    "trailing_stop": "TRAILING_STOP",
}


class Context:
    """What a strategy sees and does: time, history, indicators, portfolio and orders."""

    __slots__ = ("_algos", "_clock", "_market", "_portfolio", "_router", "_symbols",
                 "strategy_id")

    def __init__(
        self,
        clock: ClockView,
        market: MarketData,
        portfolio: PortfolioAccess,
        router: OrderRouting,
        strategy_id: str = "default",
        symbols: tuple[str, ...] | None = None,
        algos: AlgoRouting | None = None,
    ) -> None:
        self._algos = algos
        self._clock = clock
        self._market = market
        self._portfolio = portfolio
        self._router = router
        self.strategy_id = strategy_id
        self._symbols = tuple(symbols) if symbols is not None else tuple(market.symbols)

    # -- time and data --------------------------------------------------------------------
    @property
    def now(self) -> pd.Timestamp:
        """The current time (UTC): a bar's end while ``on_bar`` handles it."""
        return pd.Timestamp(self._clock.now_ns, tz="UTC")

    @property
    def symbols(self) -> tuple[str, ...]:
        """The instruments this strategy trades."""
        return self._symbols

    def history(self, symbol: str, field: str = "close", n: int | None = None) -> np.ndarray:
        """The last ``n`` values of ``field`` up to the current bar (all when None), read-only."""
        return self._market.history(symbol, field, n)

    def fields(self, symbol: str) -> tuple[str, ...]:
        """The bar fields ``symbol`` has (open, high, low, close, volume and any extra column)."""
        return self._market.fields(symbol)

    def bars(self, symbol: str, n: int | None = None) -> pd.DataFrame:
        """The last ``n`` bars of ``symbol`` up to the current one as a DataFrame (slower)."""
        return self._market.frame(symbol, n)

    def price(self, symbol: str) -> float:
        """The latest known price of ``symbol`` (the current bar's close in ``on_bar``)."""
        return self._market.price(symbol)

    def indicator(
        self, symbol: str, function: Any, *, fields: tuple[str, ...] | None = None, **kwargs: Any
    ) -> Any:
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
        """Signed units this strategy holds of ``symbol`` (0.0 when flat)."""
        return self._portfolio.position(symbol, self.strategy_id)

    @property
    def positions(self) -> dict[str, float]:
        """Signed units per symbol with an open position of this strategy."""
        return self._portfolio.positions(self.strategy_id)

    # -- orders ---------------------------------------------------------------------------
    def order(
        self,
        symbol: str,
        units: float,
        *,
        type: str = "market",  # noqa: A002
        limit: float | None = None,
        stop: float | None = None,
        trail_amount: float | None = None,
        trail_percent: float | None = None,
        tif: str = "GTC",
        tag: str | None = None,
    ) -> str:
        """Place an order for signed ``units`` (+ buy, - sell); returns its client order id."""
        if not units:
            raise ValidationError(
                "an order needs units != 0",
                field="units",
                value=units,
                fix="pass a positive (buy) or negative (sell) quantity",
            )
        return self._router.submit(
            self._build(
                symbol,
                "BUY" if units > 0 else "SELL",
                abs(units),
                type,
                limit,
                stop,
                trail_amount,
                trail_percent,
                tif,
                tag,
            )
        )

    def buy(self, symbol: str, units: float, **kwargs: Any) -> str:
        """Buy ``units`` (> 0): ``type`` market/limit/stop/stop_limit/trailing_stop, ``tif``."""
        return self.order(symbol, abs(units), **kwargs)

    def sell(self, symbol: str, units: float, **kwargs: Any) -> str:
        """Sell ``units`` (> 0), closing a long or opening a short."""
        return self.order(symbol, -abs(units), **kwargs)

    def _build(
        self,
        symbol: str,
        side: str,
        units: float,
        type_: str,
        limit: Any,
        stop: Any,
        trail_amount: Any,
        trail_percent: Any,
        tif: str,
        tag: str | None,
    ) -> Order:
        kind = _TYPES.get(str(type_).lower())
        if kind is None:
            raise ValidationError(
                "unknown order type",
                field="type",
                value=type_,
                fix=f"use one of {', '.join(_TYPES)}",
            )
        return Order(
            self._router.next_id(self.strategy_id),
            symbol,
            side,
            units,
            kind,
            limit_price=limit,
            stop_price=stop,
            trail_amount=trail_amount,
            trail_percent=trail_percent,
            time_in_force=str(tif).upper(),
            strategy_id=self.strategy_id,
            tags=(tag,) if tag else (),
        )

    def _defer(self, symbol: str, kind: str, amount: float, tif: str, tag: str | None) -> str:
        if symbol not in self._symbols:
            raise ValidationError(
                "unknown symbol",
                field="symbol",
                value=symbol,
                fix=f"use one of {', '.join(self._symbols)}",
            )
        value = float(amount)
        if value - value != 0.0:  # NaN or infinite
            raise ValidationError(
                f"the {kind} amount must be a finite number", field="amount", value=amount,
                fix="pass a finite number",
            )
        time_in_force = _TIFS.get(tif) or _TIFS.get(str(tif).upper())
        if time_in_force is None:
            raise ValidationError(
                "unknown time in force", field="tif", value=tif,
                fix=f"use one of {', '.join(_TIFS)}",
            )
        if tag is None:
            tags: tuple[str, ...] = ()
        elif isinstance(tag, str) and tag:
            tags = (tag,)
        else:
            raise ValidationError(
                "a tag is a non-empty string", field="tag", value=tag, fix="pass e.g. tag='entry'"
            )
        sid = self.strategy_id
        router = self._router
        # SizingIntent(...) without the named tuple's Python-level __new__ (every field checked)
        return router.defer(
            _tuple_new(SizingIntent, (router.next_id(sid), symbol, kind, value, time_in_force,
                                      tags, sid))
        )

    def order_value(
        self, symbol: str, value: float, *, tif: str = "GTC", tag: str | None = None
    ) -> str:
        """Trade ``value`` of cash (+ buy, - sell), fees included, sized at release."""
        return self._defer(symbol, "value", value, tif, tag)

    def order_percent(
        self, symbol: str, fraction: float, *, tif: str = "GTC", tag: str | None = None
    ) -> str:
        """Trade ``fraction`` of equity (1.0 = all in; negative sells), sized at release."""
        return self._defer(symbol, "percent", fraction, tif, tag)

    def order_target_weight(
        self, symbol: str, weight: float, *, tif: str = "GTC", tag: str | None = None
    ) -> str:
        """Trade to hold ``weight`` of equity in ``symbol`` (negative: short)."""
        return self._defer(symbol, "target_weight", weight, tif, tag)

    def order_target_units(
        self, symbol: str, units: float, *, tif: str = "GTC", tag: str | None = None
    ) -> str:
        """Trade to hold ``units`` of ``symbol`` (signed)."""
        return self._defer(symbol, "target_units", units, tif, tag)

    def close_position(self, symbol: str, *, tag: str | None = None) -> str:
        """Trade the position in ``symbol`` to zero (at release: what is then held)."""
        return self._defer(symbol, "target_units", 0.0, "GTC", tag)

    def bracket(
        self,
        symbol: str,
        units: float,
        *,
        stop_loss: float | None = None,
        take_profit: float | None = None,
        trail_percent: float | None = None,
        type: str = "market",
        limit: float | None = None,  # noqa: A002
        tif: str = "GTC",
    ) -> str:
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
            sl = self._build(
                symbol,
                exit_side,
                abs(units),
                "trailing_stop",
                None,
                None,
                None,
                trail_percent,
                "GTC",
                "trailing_stop",
            )
        elif stop_loss is not None:
            sl = self._build(
                symbol,
                exit_side,
                abs(units),
                "stop",
                None,
                stop_loss,
                None,
                None,
                "GTC",
                "stop_loss",
            )
        tp = None
        if take_profit is not None:
            tp = self._build(
                symbol,
                exit_side,
                abs(units),
                "limit",
                take_profit,
                None,
                None,
                None,
                "GTC",
                "take_profit",
            )
        return self._router.submit_bracket(entry, sl, tp)

    def one_cancels_other(self, *order_ids: str) -> str:
        """Link open orders so that a fill of one cancels the others; returns the group id."""
        return self._router.link_oco(order_ids)

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
        """This strategy's orders not yet terminal, in submission order."""
        return self._router.open_orders(symbol, self.strategy_id)

    # -- execution algorithms ------------------------------------------------------------
    def execute(self, algo: Any) -> str:
        """Work a parent order with an execution algorithm (TWAP, VWAP, Iceberg, POV from
        ``signaltrust.execution.algos``); returns the parent's id. Every child order goes
        through the same checks as :meth:`order` (docs/execution_algorithms.md)."""
        return self._algorithms().start(self.strategy_id, algo)

    def cancel_algo(self, parent_id: str) -> None:
        """Stop a parent order: its working children are canceled."""
        self._algorithms().cancel(parent_id)

    def algo_report(self, parent_id: str) -> Any:
        """Where a parent order stands: fills, arrival price, implementation shortfall."""
        return self._algorithms().report(parent_id)

    def _algorithms(self) -> AlgoRouting:
        if self._algos is None:
            raise ValidationError(
                "execution algorithms run in the trading core", field="ctx",
                value=type(self._router).__name__,
                fix="run the strategy with the event engine, the paper or the live node",
            )
        return self._algos
