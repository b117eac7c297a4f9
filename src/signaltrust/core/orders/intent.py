"""Sizing orders: a market order whose units are fixed when it is released to the broker."""

from __future__ import annotations

from typing import NamedTuple

#: the kinds of sizing order, and what ``amount`` means for each
SIZING_KINDS = {
    "value": "signed cash amount, fees included",
    "percent": "signed fraction of equity, fees included",
    "target_units": "signed units held after the trade",
    "target_weight": "signed fraction of equity held after the trade",
}


class SizingIntent(NamedTuple):
    """A market order whose units are fixed when it is released to the broker.

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
