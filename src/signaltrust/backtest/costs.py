"""Trading costs of a backtest: one :class:`Costs` object, on by default.

Slippage is a fraction of the price in the API (``slippage=0.0002`` = 2 basis points) and
basis points in the configuration (``backtest.slippage_bps``). Fees per order are
``max(fees * notional + fixed_fees, min_fees)``; an empty order pays nothing. The defaults are
the configuration's defaults (0.1 % fees, 2 bps slippage, next-open fills): library functions
never read the configuration file; the CLI and the API build ``Costs.from_settings(...)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from signaltrust.core.config import BacktestSettings
from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain

FILL_AT = ("next_open", "close")
_DEFAULTS = BacktestSettings()


@dataclass(frozen=True)
class BacktestCosts:
    """The account and cost settings one backtest used."""

    cash: float
    fees: float
    fixed_fees: float
    min_fees: float
    slippage: float
    fill_at: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (``core.serialize.to_plain``)."""
        return to_plain(self)


def _number(
    name: str, value: Any, *, low: float, high: float = math.inf, low_open: bool = False, fix: str
) -> float:
    try:
        if isinstance(value, bool):
            raise TypeError("a boolean is not a number")
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{name} must be a number", field=name, value=value, fix=fix
        ) from None
    ok = math.isfinite(number) and number < high and (number > low if low_open else number >= low)
    if not ok:
        raise ValidationError(f"{name} is out of range", field=name, value=value, fix=fix)
    return number


@dataclass(frozen=True)
class Costs:
    """What trading costs in a backtest: fees per order, slippage, and when market orders fill.

    ``Costs()`` is the default (0.1 % of the notional per order, 2 bps slippage, fills at the
    next bar's open); ``Costs.zero()`` turns costs off on purpose; ``Costs.from_settings``
    takes the configuration's ``[backtest]`` section.
    """

    fees: float = _DEFAULTS.fees
    fixed_fees: float = _DEFAULTS.fixed_fees
    min_fees: float = _DEFAULTS.min_fees
    slippage: float = _DEFAULTS.slippage_bps / 10_000.0
    fill_at: str = _DEFAULTS.fill_at

    def __post_init__(self) -> None:
        checked = _checked(1.0, self.fees, self.fixed_fees, self.min_fees, self.slippage,
                           self.fill_at)
        for name in ("fees", "fixed_fees", "min_fees", "slippage", "fill_at"):
            object.__setattr__(self, name, getattr(checked, name))

    @classmethod
    def zero(cls) -> Costs:
        """No fees and no slippage (say so in any result you show)."""
        return cls(fees=0.0, fixed_fees=0.0, min_fees=0.0, slippage=0.0)

    @classmethod
    def from_settings(cls, settings: BacktestSettings) -> Costs:
        """The costs of a configuration's ``[backtest]`` section."""
        return cls(fees=settings.fees, fixed_fees=settings.fixed_fees,
                   min_fees=settings.min_fees, slippage=settings.slippage_bps / 10_000.0,
                   fill_at=settings.fill_at)

    def replace(self, **changes: Any) -> Costs:
        """These costs with some fields changed (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (``core.serialize.to_plain``)."""
        return to_plain(self)


def resolve_costs(
    *,
    cash: float | None,
    fees: float | None = None,
    fixed_fees: float | None = None,
    min_fees: float | None = None,
    slippage: float | None = None,
    fill_at: str | None = None,
    costs: Costs | None = None,
) -> BacktestCosts:
    """The account and cost settings of one backtest: ``costs`` (default :class:`Costs`) with
    any field given here replacing its own, and ``cash`` (default 100,000); every value
    checked. Nothing is read from the configuration."""
    base = costs if costs is not None else Costs()
    return _checked(
        _DEFAULTS.cash if cash is None else cash,
        base.fees if fees is None else fees,
        base.fixed_fees if fixed_fees is None else fixed_fees,
        base.min_fees if min_fees is None else min_fees,
        base.slippage if slippage is None else slippage,
        base.fill_at if fill_at is None else fill_at,
    )


def _checked(
    cash: Any, fees: Any, fixed_fees: Any, min_fees: Any, slippage: Any, fill_at: Any
) -> BacktestCosts:
    if fill_at not in FILL_AT:
        raise ValidationError(
            "unknown fill_at",
            field="fill_at",
            value=fill_at,
            fix="use 'next_open' (default, next bar's open) or 'close' (market-on-close)",
        )
    return BacktestCosts(
        cash=_number(
            "cash", cash, low=0.0, low_open=True, fix="pass a positive starting cash, e.g. 100_000"
        ),
        fees=_number(
            "fees",
            fees,
            low=0.0,
            high=1.0,
            fix="pass a fraction of the notional in [0, 1), e.g. 0.001 for 0.1%",
        ),
        fixed_fees=_number(
            "fixed_fees",
            fixed_fees,
            low=0.0,
            fix="pass a non-negative amount per order in account currency",
        ),
        min_fees=_number(
            "min_fees", min_fees, low=0.0, fix="pass a non-negative minimum fee per order"
        ),
        slippage=_number(
            "slippage",
            slippage,
            low=0.0,
            high=1.0,
            fix="pass a fraction of the price in [0, 1), e.g. 0.0005 for 5 basis points",
        ),
        fill_at=str(fill_at),
    )


def check_stop(name: str, value: float | None) -> float:
    """A stop fraction (> 0) as a float, NaN when off (None)."""
    if value is None:
        return math.nan
    return _number(
        name,
        value,
        low=0.0,
        low_open=True,
        fix=f"pass {name} as a positive fraction of the entry price (0.05 = 5%) or None",
    )


def check_positive(name: str, value: Any, fix: str) -> float:
    """A finite number > 0."""
    return _number(name, value, low=0.0, low_open=True, fix=fix)
