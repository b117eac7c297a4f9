"""Pre-trade limits: each check looks at one order's impact and allows it or names a denial.

An order is valued at its limit price (limit and stop-limit orders), its stop price (stop
orders) or the instrument's last price (market and trailing-stop orders), and assumed filled in
full. Position, exposure, leverage and buying-power limits deny only orders that would take the
measure beyond the limit *and* increase it: an order that reduces risk always passes them.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from signaltrust.core.orders import Order, OrderType
from signaltrust.execution.portfolio import Portfolio

_TRAILING = OrderType.TRAILING_STOP
_STOP = OrderType.STOP


class Reason(StrEnum):
    """The named reason a denial carries (the prefix of the reason ``on_order`` shows)."""

    MAX_ORDER_QUANTITY = "max_order_quantity"
    MAX_ORDER_NOTIONAL = "max_order_notional"
    MAX_POSITION_QUANTITY = "max_position_quantity"
    MAX_POSITION_NOTIONAL = "max_position_notional"
    MAX_GROSS_EXPOSURE = "max_gross_exposure"
    MAX_NET_EXPOSURE = "max_net_exposure"
    MAX_LEVERAGE = "max_leverage"
    ORDER_RATE = "order_rate"
    PRICE_BAND = "price_band"
    BUYING_POWER = "buying_power"
    NO_PRICE = "no_price"
    STALE_DATA = "stale_data"
    TRADING_HALTED = "trading_halted"
    REDUCING_ONLY = "reducing_only"
    MAX_VAR = "max_var"
    MAX_CVAR = "max_cvar"
    MAX_CORRELATION = "max_correlation"
    MAX_SECTOR_EXPOSURE = "max_sector_exposure"
    MAX_ASSET_CLASS_EXPOSURE = "max_asset_class_exposure"


@dataclass(frozen=True)
class Denial:
    """Why an order was denied: the named reason, a sentence, and the values involved."""

    reason: Reason
    message: str
    values: dict[str, Any] = field(default_factory=dict)


class OrderImpact(NamedTuple):
    """What an order would do if filled in full: position and exposures before and after."""

    symbol: str
    side: int
    quantity: float
    price: float
    last_price: float
    position: float
    position_after: float
    gross: float
    gross_after: float
    net: float
    net_after: float
    equity: float
    buying_power: float
    leverage: float = 1.0

    @property
    def notional(self) -> float:
        return self.quantity * self.price

    @property
    def position_notional_after(self) -> float:
        return abs(self.position_after) * self.price


_tuple_new = tuple.__new__


def order_price(order: Order, last: float) -> float:
    """The price an order is valued at: limit, else stop, else the last price."""
    if order.limit_price is not None:
        return float(order.limit_price)
    if order.stop_price is not None and order.order_type is _STOP:
        return float(order.stop_price)
    return last


def order_impact(order: Order, portfolio: Any) -> OrderImpact | Denial:
    """Measure ``order`` against a portfolio view (price, position, equity; positions if any)."""
    symbol = order.symbol
    last = float(portfolio.price(symbol))
    price = order_price(order, last)
    if price != price:
        return Denial(Reason.NO_PRICE, f"no price yet for {symbol}", {"symbol": symbol})
    side = order.side.sign
    quantity = float(order.quantity)
    position = float(portfolio.position(symbol))
    after = position + side * quantity
    gross = net = 0.0  # of the other symbols
    if type(portfolio) is Portfolio:  # the core's portfolio: units and latest prices by slot
        for other, held, mark in zip(portfolio.symbols, portfolio.qty, portfolio.last,
                                     strict=True):
            if held and other != symbol:
                value = held * mark
                gross += abs(value)
                net += value
    else:
        held_by = portfolio.positions() if hasattr(portfolio, "positions") else {}
        for other, held in held_by.items():
            if other == symbol or not held:
                continue
            value = float(held) * float(portfolio.price(other))
            gross += abs(value)
            net += value
    mark = last if last == last else price
    equity = float(portfolio.equity)
    leverage = float(getattr(portfolio, "leverage", 1.0))
    gross_now = gross + abs(position) * mark
    return _tuple_new(OrderImpact, (  # OrderImpact(...) without its Python-level __new__
        symbol, side, quantity, price, last, position, after,
        gross_now, gross + abs(after) * price, net + position * mark, net + after * price,
        equity, equity * leverage - gross_now, leverage,
    ))


def buying_power_denial(order: Order, portfolio: Portfolio) -> Denial | None:
    """:func:`check_buying_power` of :func:`order_impact` on the trading core's portfolio, the
    same arithmetic without building the impact (the default limits check only this)."""
    symbol = order.symbol
    slot = portfolio.slots.get(symbol)
    if slot is None:
        return buying_power_check(order_impact(order, portfolio))
    last = portfolio.last[slot]
    price = last if order.limit_price is None and order.stop_price is None else order_price(
        order, last)
    if price != price:
        return Denial(Reason.NO_PRICE, f"no price yet for {symbol}", {"symbol": symbol})
    qty = portfolio.qty
    position = qty[slot]
    after = position + order.side.sign * float(order.quantity)
    gross = 0.0  # of the other symbols
    if len(qty) > 1:
        for other, (held, mark) in enumerate(zip(qty, portfolio.last, strict=True)):
            if held and other != slot:
                gross += abs(held * mark)
    mark = last if last == last else price
    gross_now = gross + abs(position) * mark
    cost = (gross + abs(after) * price) - gross_now
    if cost > 0.0:
        buying_power = portfolio.equity * portfolio.leverage - gross_now
        if cost > buying_power + 1e-9:
            return _buying_power(cost, buying_power)
    return None


def buying_power_check(impact: OrderImpact | Denial) -> Denial | None:
    return impact if isinstance(impact, Denial) else check_buying_power(impact)


def _deny(reason: Reason, message: str, **values: Any) -> Denial:
    return Denial(reason, message, values)


def _increases(before: float, after: float) -> bool:
    return abs(after) > abs(before) + 1e-12


def check_order_quantity(impact: OrderImpact, limit: float) -> Denial | None:
    if impact.quantity > limit:
        return _deny(Reason.MAX_ORDER_QUANTITY,
                     f"quantity {impact.quantity:g} exceeds the limit {limit:g}",
                     quantity=impact.quantity, limit=limit)
    return None


def check_order_notional(impact: OrderImpact, limit: float) -> Denial | None:
    if impact.notional > limit:
        return _deny(Reason.MAX_ORDER_NOTIONAL,
                     f"notional {impact.notional:.2f} exceeds the limit {limit:.2f}",
                     notional=impact.notional, price=impact.price, limit=limit)
    return None


def check_position_quantity(impact: OrderImpact, limit: float) -> Denial | None:
    after = abs(impact.position_after)
    if after > limit and _increases(impact.position, impact.position_after):
        return _deny(Reason.MAX_POSITION_QUANTITY,
                     f"position {impact.position_after:g} would exceed the limit {limit:g}",
                     position=impact.position, position_after=impact.position_after,
                     limit=limit)
    return None


def check_position_notional(impact: OrderImpact, limit: float) -> Denial | None:
    after = impact.position_notional_after
    if after > limit and _increases(impact.position, impact.position_after):
        return _deny(Reason.MAX_POSITION_NOTIONAL,
                     f"position value {after:.2f} would exceed the limit {limit:.2f}",
                     position_notional_after=after, limit=limit)
    return None


def check_gross_exposure(impact: OrderImpact, limit: float) -> Denial | None:
    if impact.gross_after > limit and impact.gross_after > impact.gross + 1e-9:
        return _deny(Reason.MAX_GROSS_EXPOSURE,
                     f"gross exposure {impact.gross_after:.2f} would exceed the limit "
                     f"{limit:.2f}", gross=impact.gross, gross_after=impact.gross_after,
                     limit=limit)
    return None


def check_net_exposure(impact: OrderImpact, limit: float) -> Denial | None:
    if abs(impact.net_after) > limit and _increases(impact.net, impact.net_after):
        return _deny(Reason.MAX_NET_EXPOSURE,
                     f"net exposure {impact.net_after:.2f} would exceed the limit {limit:.2f}",
                     net=impact.net, net_after=impact.net_after, limit=limit)
    return None


def check_leverage(impact: OrderImpact, limit: float) -> Denial | None:
    if not impact.equity > 0.0:
        if impact.gross_after > impact.gross:
            return _deny(Reason.MAX_LEVERAGE, f"equity {impact.equity:.2f} is not positive",
                         equity=impact.equity, limit=limit)
        return None
    leverage = impact.gross_after / impact.equity
    if leverage > limit and impact.gross_after > impact.gross + 1e-9:
        return _deny(Reason.MAX_LEVERAGE,
                     f"leverage {leverage:.3f} would exceed the limit {limit:g}",
                     leverage_after=leverage, gross_after=impact.gross_after,
                     equity=impact.equity, limit=limit)
    return None


def check_buying_power(impact: OrderImpact) -> Denial | None:
    """Deny when the added gross exposure costs more than the buying power left."""
    cost = impact.gross_after - impact.gross
    if cost > 0.0 and cost > impact.buying_power + 1e-9:
        return _buying_power(cost, impact.buying_power)
    return None


def _buying_power(cost: float, buying_power: float) -> Denial:
    return _deny(Reason.BUYING_POWER,
                 f"the order adds {cost:.2f} of exposure but only {buying_power:.2f}"
                 " of buying power is left", cost=cost, buying_power=buying_power)


def check_price_band(order: Order, impact: OrderImpact, band: float) -> Denial | None:
    """Fat finger: deny a limit or stop price more than ``band`` (fraction) off the last price."""
    last = impact.last_price
    if last != last:
        return _deny(Reason.NO_PRICE, f"no last price for {order.symbol} to check the band",
                     symbol=order.symbol)
    for name in ("limit_price", "stop_price"):
        value = getattr(order, name)
        if value is None or (name == "stop_price" and order.order_type is _TRAILING):
            continue
        price = float(value)
        off = abs(price / last - 1.0)
        if off > band + 1e-12:
            return _deny(Reason.PRICE_BAND,
                         f"{name} {price:g} is {off:.2%} from the last price {last:g} "
                         f"(band {band:.2%})", price=price, last_price=last, distance=off,
                         band=band)
    return None


class OrderRateLimiter:
    """At most ``limit`` orders in any ``window_ns`` of engine-clock time (a sliding window)."""

    def __init__(self, limit: int, window_ns: int, name: str) -> None:
        self.limit = int(limit)
        self.window_ns = int(window_ns)
        self.name = name
        self._times: deque[int] = deque()

    def check(self, now_ns: int) -> Denial | None:
        times = self._times
        while times and times[0] <= now_ns - self.window_ns:
            times.popleft()
        if len(times) >= self.limit:
            return _deny(Reason.ORDER_RATE,
                         f"{len(times)} orders in the last {self.name} reach the limit "
                         f"{self.limit}", orders=len(times), window=self.name, limit=self.limit)
        return None

    def record(self, now_ns: int) -> None:
        self._times.append(int(now_ns))
