"""Sizing at release: the units of an order given as money, a share of equity or a target.

A strategy may order "10 % of equity" or "hold 30 % short" (a :class:`SizingIntent`); the units
are fixed when the order is released to the broker, with the price, fees and equity of that
moment, so that ``units x fill price + fee == allotment`` (the vectorized engine's formula, for
parity). Orders that shrink a position are released first (``reducing=True``), so the others
are sized with the equity and buying power left after them.
"""

from __future__ import annotations

from typing import NamedTuple

from signaltrust.execution.models import FeeModel, SlippageModel

#: an order whose notional (an entry: whose allotment, fees included) is at most this share of
#: equity is float noise of an account already all in, or of a rebalance: no order (the
#: vectorized engine's rule)
MIN_ORDER_SHARE = 1e-9

TARGETS = frozenset({"target_units", "target_weight"})


class Release(NamedTuple):
    """What releasing a sizing order does now: send ``units`` (> 0) on ``side`` (+1 buy, -1
    sell), or the whole position when ``close_all``; ``done`` when nothing more is left for a
    later pass (else it waits for the other pass or the next price)."""

    side: int
    units: float
    close_all: bool
    done: bool


WAIT = Release(0, 0.0, False, False)
NOTHING = Release(0, 0.0, False, True)
_tuple_new = tuple.__new__  # Release(...) without the named tuple's Python-level __new__


def _send(side: int, units: float, close_all: bool = False, done: bool = True) -> Release:
    return _tuple_new(Release, (side, units, close_all, done))


def release(
    kind: str,
    amount: float,
    reducing: bool,
    price: float,
    position: float,
    equity: float,
    gross_exposure: float,
    leverage: float,
    fees: FeeModel,
    slippage: SlippageModel,
    volume: float,
) -> Release:
    """The order a sizing intent of ``kind`` and ``amount`` becomes at ``price`` now.

    ``kind`` is one of "value", "percent" (all-in allotments: cash, or a share of equity, fees
    included, capped by buying power) and "target_units", "target_weight" (trade to hold the
    target). A target across zero closes the position in the reducing pass and opens the rest
    in the other pass.
    """
    if price != price:
        return WAIT  # no price yet: wait for the symbol's next one
    if kind in TARGETS:
        target = amount if kind == "target_units" else amount * equity / price
        crosses = position != 0.0 and (target == 0.0 or (target > 0.0) != (position > 0.0))
        away = -1 if position > 0 else 1
        if reducing:
            if position == 0.0:
                return WAIT
            if crosses:
                return _send(away, abs(position), True, target == 0.0)
            if abs(target) < abs(position):
                units = abs(position) - abs(target)
                if units * price > MIN_ORDER_SHARE * abs(equity):
                    return _send(away, units)
                return NOTHING
            return WAIT
        delta = target - position
        if delta == 0.0 or abs(delta) * price <= MIN_ORDER_SHARE * abs(equity) or not equity > 0.0:
            return NOTHING
        side = 1 if delta > 0 else -1
        units = abs(delta)
        fill_price = slippage.price(price, side, 0.0, volume)
        room = leverage * equity - gross_exposure
        cost = units * fill_price + fees.fee(units * fill_price)
        if cost > room:
            if room <= MIN_ORDER_SHARE * equity:  # buying power used up but float noise
                return NOTHING
            units = fees.units_for_cash(room, fill_price)
        return _send(side, units) if units > 0.0 else NOTHING
    if reducing:
        return WAIT
    side = 1 if amount > 0 else -1
    fill_price = slippage.price(price, side, 0.0, volume)
    room = leverage * equity - gross_exposure
    if not equity > 0.0 or not room > 0.0:
        return NOTHING
    alloc = min(abs(amount) * equity if kind == "percent" else abs(amount), room)
    if alloc <= MIN_ORDER_SHARE * equity:  # float noise of an account already all in
        return NOTHING
    units = fees.units_for_cash(alloc, fill_price)
    return _send(side, units) if units > 0.0 else NOTHING


__all__ = ["MIN_ORDER_SHARE", "NOTHING", "TARGETS", "WAIT", "Release", "release"]
