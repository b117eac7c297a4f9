"""The simulated venue's pluggable models: fees, slippage, latency and volume participation.

The defaults reproduce the vectorized engine exactly: fees ``max(pct x notional + fixed,
minimum)``, slippage a fraction of the price against the trader, no latency beyond the
next-bar rule, no volume cap.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import Order


def _non_negative(name: str, value: float) -> float:
    value = float(value)
    if not value >= 0.0 or value == float("inf"):
        raise ValidationError(
            f"{name} must be a finite number >= 0",
            field=name,
            value=value,
            fix=f"pass {name}=0 or a positive number",
        )
    return value


class FeeModel(ABC):
    """Fees of one fill, and its inverse for all-in sizing."""

    @abstractmethod
    def fee(self, notional: float) -> float:
        """The fee of a fill with this (unsigned) notional."""

    @abstractmethod
    def units_for_cash(self, alloc: float, price: float) -> float:
        """The largest units with ``units x price + fee(units x price) == alloc`` (0 if none)."""


@dataclass(frozen=True)
class PercentFee(FeeModel):
    """``max(pct x notional + fixed, minimum)`` per fill; an empty fill pays nothing."""

    pct: float = 0.0
    fixed: float = 0.0
    minimum: float = 0.0

    def __post_init__(self) -> None:
        for name in ("pct", "fixed", "minimum"):
            _non_negative(name, getattr(self, name))

    def fee(self, notional: float) -> float:
        if notional == 0.0:
            return 0.0
        amount = self.pct * abs(notional) + self.fixed
        return amount if amount > self.minimum else self.minimum

    def units_for_cash(self, alloc: float, price: float) -> float:
        # the same float formula as the vectorized engine's units_for_cash (parity)
        if not (alloc > 0.0) or not (price > 0.0):
            return 0.0
        units = (alloc - self.fixed) / (price * (1.0 + self.pct))
        if units <= 0.0:
            return 0.0
        if self.pct * units * price + self.fixed < self.minimum:
            units = (alloc - self.minimum) / price
            if units <= 0.0:
                return 0.0
        return units


class SlippageModel(ABC):
    """The price a market (or triggered stop) fill gets, worse than the reference price."""

    @abstractmethod
    def price(self, reference: float, side: int, quantity: float, volume: float) -> float:
        """Fill price for ``side`` (+1 buy, -1 sell) of ``quantity`` on a bar of ``volume``."""


@dataclass(frozen=True)
class FixedSlippage(SlippageModel):
    """A fraction of the price against the trader (``0.0002`` = 2 bps), as the vectorized engine."""

    fraction: float = 0.0

    def __post_init__(self) -> None:
        _non_negative("slippage", self.fraction)

    @classmethod
    def bps(cls, bps: float) -> FixedSlippage:
        return cls(_non_negative("slippage_bps", bps) / 10_000.0)

    def price(self, reference: float, side: int, quantity: float, volume: float) -> float:
        return reference * (1.0 + self.fraction) if side > 0 else reference * (1.0 - self.fraction)


@dataclass(frozen=True)
class VolumeShareSlippage(SlippageModel):
    """Impact grows with the share of the bar's volume taken: ``impact x (qty / volume)^2``.

    Plus a fixed ``fraction`` floor; a bar without volume gets the floor only.
    """

    impact: float = 0.1
    fraction: float = 0.0

    def __post_init__(self) -> None:
        _non_negative("impact", self.impact)
        _non_negative("fraction", self.fraction)

    def price(self, reference: float, side: int, quantity: float, volume: float) -> float:
        share = quantity / volume if volume > 0.0 else 0.0
        move = self.fraction + self.impact * share * share
        return reference * (1.0 + move) if side > 0 else reference * (1.0 - move)


class LatencyModel(ABC):
    """How long after submission an order becomes active at the venue."""

    @abstractmethod
    def delay_ns(self, order: Order) -> int:
        """Nanoseconds between submission and the first moment the order can match."""


@dataclass(frozen=True)
class FixedLatency(LatencyModel):
    """Every order waits ``ns`` nanoseconds (0: active at once, the next-bar rule still holds)."""

    ns: int = 0

    def __post_init__(self) -> None:
        if int(self.ns) < 0:
            raise ValidationError(
                "latency must be >= 0",
                field="latency_ns",
                value=self.ns,
                fix="pass 0 or a positive number of nanoseconds",
            )

    def delay_ns(self, order: Order) -> int:
        return int(self.ns)


@dataclass(frozen=True)
class VolumeParticipation:
    """Cap fills on one bar at ``share`` of its volume (None: no cap); the rest keeps working."""

    share: float | None = None

    def __post_init__(self) -> None:
        if self.share is not None and not 0.0 < float(self.share) <= 1.0:
            raise ValidationError(
                "participation must be in (0, 1]",
                field="participation",
                value=self.share,
                fix="pass e.g. participation=0.1 or None",
            )

    def capacity(self, volume: float) -> float:
        """Units one bar can fill in total (inf without a cap or without a volume)."""
        if self.share is None or volume != volume:
            return float("inf")
        return self.share * volume
