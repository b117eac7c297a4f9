"""Implementation shortfall against the arrival price, and the report of one parent order.

Sign convention: a positive shortfall is a cost. For a buy it is how far above the arrival
price the average fill was, for a sell how far below, in basis points of the arrival price::

    shortfall_bps = side * (average_fill_price - arrival_price) / arrival_price * 10_000

with ``side`` +1 for a buy and -1 for a sell. ``fees_bps`` are the fees paid over the filled
quantity's value at the arrival price; ``cost_bps`` is their sum. The arrival price is the
mid quote when the parent order started (the latest price when there is no quote: in a bar
replay, the close of the bar on which the strategy decided). The unfilled part's missed move
(``opportunity_bps``, over the whole quantity) is reported apart, at the latest price.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import pandas as pd


def shortfall_bps(side: int, arrival_price: float, average_price: float) -> float:
    """``side * (average - arrival) / arrival * 10_000``: positive is a cost (see module doc)."""
    if not arrival_price > 0.0 or average_price != average_price:
        return float("nan")
    return side * (average_price - arrival_price) / arrival_price * 10_000.0


@dataclass(frozen=True)
class AlgoReport:
    """Where one parent order stands: what it was, what filled, at what cost.

    ``status`` is WORKING, FILLED, CANCELED, EXPIRED (its window ended with the rest unfilled,
    ``finish="cancel"``) or STOPPED (a child was denied by the risk engine or rejected by the
    broker: ``reason`` says which and why). Prices are floats for reading; quantities and fees
    are exact. ``children`` counts the child orders sent, ``denied`` those the pre-trade check
    refused; ``duration`` runs from the start to the end (or to now while working).
    """

    parent_id: str
    algorithm: str
    mode: str
    symbol: str
    side: str
    quantity: Decimal
    filled_quantity: Decimal
    status: str
    reason: str | None
    arrival_price: float
    average_fill_price: float
    last_price: float
    shortfall_bps: float
    fees: Decimal
    fees_bps: float
    cost_bps: float
    opportunity_bps: float
    children: int
    denied: int
    start: pd.Timestamp
    end: pd.Timestamp | None
    duration: pd.Timedelta

    @property
    def remaining_quantity(self) -> Decimal:
        return self.quantity - self.filled_quantity

    def __plain__(self) -> dict[str, Any]:
        out = asdict(self)
        out["remaining_quantity"] = self.remaining_quantity
        return out


def build_report(
    *, parent_id: str, algorithm: str, mode: str, symbol: str, side: str, quantity: Decimal,
    filled: Decimal, notional: Decimal, fees: Decimal, status: str, reason: str | None,
    arrival: float, last: float, children: int, denied: int, start_ns: int,
    end_ns: int | None, now_ns: int,
) -> AlgoReport:
    """The report of a parent order from its running totals (see :class:`AlgoReport`)."""
    sign = 1 if side == "BUY" else -1
    average = float(notional / filled) if filled else float("nan")
    slip = shortfall_bps(sign, arrival, average)
    paper = float(filled) * arrival
    fee_bps = float(fees) / paper * 10_000.0 if paper > 0.0 else (0.0 if not fees else
                                                                   float("nan"))
    unfilled = float(quantity - filled)
    missed = (shortfall_bps(sign, arrival, last) * unfilled / float(quantity)
              if unfilled and last == last else 0.0)
    stop = end_ns if end_ns is not None else now_ns
    return AlgoReport(
        parent_id, algorithm, mode, symbol, side, quantity, filled, status, reason, arrival,
        average, last, slip, fees, fee_bps, slip + fee_bps if filled else float("nan"), missed,
        children, denied, pd.Timestamp(start_ns, tz="UTC"),
        pd.Timestamp(end_ns, tz="UTC") if end_ns is not None else None,
        pd.Timedelta(max(0, stop - start_ns), "ns"),
    )


__all__ = ["AlgoReport", "build_report", "shortfall_bps"]
