"""Events a strategy receives (bars, ticks) and the sizing orders it places."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

# ---------------------------------------------------------------------------- events


class Bar:
    """One completed bar of one instrument, delivered at its end (labelled by its start)."""

    __slots__ = ("close", "end_ns", "high", "low", "open", "symbol", "ts_ns", "volume")

    def __init__(
        self,
        symbol: str,
        ts_ns: int,
        end_ns: int,
        open_: float,
        high: float,
        low: float,
        close: float,
        volume: float,
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
