"""Events a strategy receives (bars, ticks) and the sizing orders it places."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import repeat
from typing import Any, NamedTuple

import pandas as pd

# ---------------------------------------------------------------------------- events


class Bar(NamedTuple):
    """One completed bar of one instrument, delivered at its end (labelled by its start).

    An immutable named tuple: ``bar.close``, ``bar.symbol``, ...; the engine builds a run's
    bars in bulk (see :meth:`bulk`), which is why a bar costs almost nothing per ``on_bar``.
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


class SizingIntent(NamedTuple):
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
