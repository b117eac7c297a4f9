"""Market and broker events: what advances the trading core, in every mode.

A driver (the backtest replay, the paper/live node, an RL environment) turns its source into
these values and hands them to the trading core one at a time:

- :class:`Bar`: one completed bar of one instrument, delivered at its end;
- :class:`Tick`: a quote (bid/ask) or a trade (price/size);
- :class:`ExecutionReport`: what a broker says happened to an order (accepted, rejected, a
  fill with its own fee and ids, canceled, expired), possibly late, twice or out of order;
- :class:`Timer`: a moment the driver wants the core to act at (a session end, a schedule).

All times are int64 UTC nanoseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from itertools import repeat
from typing import Any, NamedTuple

import pandas as pd

from signaltrust.core.orders.enums import Liquidity


class Bar(NamedTuple):
    """One completed bar of one instrument, delivered at its end (labelled by its start).

    An immutable named tuple: ``bar.close``, ``bar.symbol``, ...; a replay builds its bars in
    bulk (see :meth:`bulk`), which is why a bar costs almost nothing per ``on_bar``.
    """

    symbol: str
    ts_ns: int
    end_ns: int
    open: float
    high: float
    low: float
    close: float
    volume: float

    @property
    def time(self) -> pd.Timestamp:
        """The bar's label: the start of its period (UTC)."""
        return pd.Timestamp(self.ts_ns, tz="UTC")

    @property
    def end_time(self) -> pd.Timestamp:
        """When the bar became known: the end of its period (UTC)."""
        return pd.Timestamp(self.end_ns, tz="UTC")

    @classmethod
    def bulk(cls, symbols: Iterable[str], *columns: Iterable[Any]) -> Iterator[Bar]:
        """Bars from parallel iterables (symbol, start ns, end ns, open, high, low, close,
        volume), built lazily in C (``zip`` then ``tuple.__new__``), without per-bar Python.
        ``symbols`` may be endless (``itertools.repeat``): the columns end the bars."""
        return map(_tuple_new, repeat(cls), zip(symbols, *columns))  # noqa: B905

    def __repr__(self) -> str:
        return (
            f"Bar({self.symbol} {self.time} o={self.open} h={self.high} l={self.low} "
            f"c={self.close} v={self.volume})"
        )


_tuple_new = tuple.__new__


@dataclass(frozen=True, slots=True)
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


class ReportKind(StrEnum):
    """What a broker reports about an order."""

    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    FILL = "FILL"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


class ExecutionReport(NamedTuple):
    """A broker's report about one order, in the broker's own words.

    ``client_order_id`` is ours, ``venue_order_id`` the broker's. A ``FILL`` carries the
    broker's ``venue_fill_id`` (the key that makes a report delivered twice harmless), the
    quantity of this fill (not the cumulative one), its price, the fee the broker charged (in
    ``fee_currency``, the account currency when None) and the liquidity side. ``reason`` says
    why an order was rejected, canceled or expired. Reports may arrive late, twice or out of
    order; the order router sorts that out (docs/execution.md).
    """

    kind: ReportKind
    client_order_id: str
    venue_order_id: str | None
    ts_ns: int
    venue_fill_id: str | None = None
    quantity: Decimal | None = None
    price: Decimal | None = None
    fee: Decimal | None = None
    liquidity: Liquidity = Liquidity.TAKER
    fee_currency: str | None = None
    reason: str | None = None

    @property
    def time(self) -> pd.Timestamp:
        return pd.Timestamp(self.ts_ns, tz="UTC")


@dataclass(frozen=True, slots=True)
class Timer:
    """A moment the core should act at: ``name`` says which schedule fired (``"session_end"``)."""

    ts_ns: int
    name: str = "timer"


__all__ = ["Bar", "ExecutionReport", "ReportKind", "Tick", "Timer"]
