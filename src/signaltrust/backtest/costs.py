"""Trading costs and account settings of a backtest, defaulted from the configuration.

Slippage is a fraction of the price in the API (``slippage=0.0002`` = 2 basis points) and
basis points in the configuration (``backtest.slippage_bps``). Fees per order are
``max(fees * notional + fixed_fees, min_fees)``; an empty order pays nothing.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from signaltrust.core.errors import ValidationError

FILL_AT = ("next_open", "close")


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
        return asdict(self)


def _number(
    name: str, value: Any, *, low: float, high: float = math.inf, low_open: bool = False, fix: str
) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError(
            f"{name} must be a number", field=name, value=value, fix=fix
        ) from None
    ok = math.isfinite(number) and number < high and (number > low if low_open else number >= low)
    if not ok:
        raise ValidationError(f"{name} is out of range", field=name, value=value, fix=fix)
    return number


def resolve_costs(
    *,
    cash: float | None,
    fees: float | None,
    fixed_fees: float | None,
    min_fees: float | None,
    slippage: float | None,
    fill_at: str | None,
) -> BacktestCosts:
    """Fill the settings not given from ``Settings.backtest`` and check every value."""
    if None in (cash, fees, fixed_fees, min_fees, slippage, fill_at):
        from signaltrust.core.config import load_settings

        config = load_settings().backtest
        cash = config.cash if cash is None else cash
        fees = config.fees if fees is None else fees
        fixed_fees = config.fixed_fees if fixed_fees is None else fixed_fees
        min_fees = config.min_fees if min_fees is None else min_fees
        slippage = config.slippage_bps / 10_000.0 if slippage is None else slippage
        fill_at = config.fill_at if fill_at is None else fill_at
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
