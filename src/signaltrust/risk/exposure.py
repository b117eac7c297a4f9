"""Exposure by instrument, asset class and currency; correlation and concentration of weights.

Positions are market values (signed: negative = short), keyed by Instrument or by symbol with
an ``instruments`` mapping for the metadata. Values in another currency than ``base_currency``
are converted with ``fx_rates`` (units of the base currency per unit of that currency).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.instrument import Instrument

EXPOSURE_GROUPS = ("instrument", "asset_class", "currency")


def _rows(positions, instruments) -> list[tuple[str, str, str, float]]:
    if isinstance(positions, pd.DataFrame):
        if "value" in positions:
            values = positions["value"]
        elif {"quantity", "price"} <= set(positions.columns):
            mult = positions["multiplier"] if "multiplier" in positions else 1.0
            values = positions["quantity"] * positions["price"] * mult
        else:
            raise ValidationError(
                "positions need a value column or quantity and price",
                field="positions",
                value=list(positions.columns),
                fix="add 'value' (market value) or 'quantity' and 'price'",
            )
        keys = positions["symbol"] if "symbol" in positions else positions.index
        items = list(zip(keys, values, strict=True))
    elif isinstance(positions, Mapping):
        items = list(positions.items())
    else:
        raise ValidationError(
            "positions must be a mapping or a DataFrame",
            field="positions",
            value=type(positions).__name__,
            fix="pass {Instrument or symbol: market value}",
        )
    rows = []
    for key, value in items:
        inst = key if isinstance(key, Instrument) else (instruments or {}).get(str(key))
        if inst is None:
            raise ValidationError(
                "a position has no instrument metadata",
                field="instruments",
                value=str(key),
                fix="key positions by Instrument or pass instruments={symbol: Instrument}",
            )
        v = float(value)
        if not np.isfinite(v):
            raise ValidationError(
                "a position value is not finite",
                field=f"positions[{inst.symbol}]",
                value=value,
                fix="pass the market value as a finite number",
            )
        rows.append((inst.symbol, str(inst.asset_class), inst.currency, v))
    return rows


def exposures(
    positions,
    by: str = "instrument",
    *,
    instruments: Mapping[str, Instrument] | None = None,
    equity: float | None = None,
    base_currency: str = "USD",
    fx_rates: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Long, short, net and gross exposure per instrument, asset class or currency (base currency).

    With ``equity`` the table also has ``net_pct`` and ``gross_pct`` (exposure / equity); a
    ``TOTAL`` row sums every group.
    """
    if by not in EXPOSURE_GROUPS:
        raise ValidationError(
            "unknown exposure grouping",
            field="by",
            value=by,
            fix=f"use one of {', '.join(EXPOSURE_GROUPS)}",
        )
    rates = {
        base_currency.upper(): 1.0,
        **{k.upper(): float(v) for k, v in (fx_rates or {}).items()},
    }
    records = []
    for symbol, asset_class, currency, value in _rows(positions, instruments):
        if currency not in rates:
            raise ValidationError(
                "no FX rate for a position's currency",
                field="fx_rates",
                value=currency,
                fix=f"pass fx_rates={{'{currency}': <{base_currency} per {currency}>}}",
            )
        base = value * rates[currency]
        key = {"instrument": symbol, "asset_class": asset_class, "currency": currency}[by]
        records.append((key, max(base, 0.0), min(base, 0.0)))
    frame = pd.DataFrame(records, columns=[by, "long", "short"])
    table = frame.groupby(by, sort=True)[["long", "short"]].sum()
    table["net"] = table["long"] + table["short"]
    table["gross"] = table["long"] - table["short"]
    table.loc["TOTAL"] = table.sum()
    if equity is not None:
        if not np.isfinite(equity) or equity <= 0:
            raise ValidationError(
                "equity must be positive",
                field="equity",
                value=equity,
                fix="pass the account equity in the base currency",
            )
        table["net_pct"] = table["net"] / equity
        table["gross_pct"] = table["gross"] / equity
    return table


def correlation_matrix(returns: pd.DataFrame, method: str = "pearson") -> pd.DataFrame:
    """Correlation of asset returns (pearson, spearman or kendall); NaN-containing input refused."""
    if not isinstance(returns, pd.DataFrame) or returns.isna().to_numpy().any():
        raise ValidationError(
            "returns must be a DataFrame without NaN",
            field="returns",
            value=type(returns).__name__,
            fix="pass prices.pct_change().dropna()",
        )
    return returns.corr(method=method)


def herfindahl(weights) -> float:
    """Herfindahl-Hirschman index of weights: sum of squared |w| shares (1/n equal .. 1 single)."""
    w = np.abs(
        np.asarray(
            pd.Series(weights, dtype=float) if isinstance(weights, Mapping) else weights,
            dtype=np.float64,
        )
    )
    if w.ndim != 1 or w.size == 0 or not np.isfinite(w).all() or w.sum() == 0:
        raise ValidationError(
            "weights must be finite and not all zero",
            field="weights",
            value=w.tolist() if w.ndim == 1 else w.shape,
            fix="pass one weight per asset",
        )
    share = w / w.sum()
    return float(share @ share)


def effective_number_of_bets(weights) -> float:
    """Effective number of positions: 1 / Herfindahl (n for equal weights, 1 for one asset)."""
    return 1.0 / herfindahl(weights)
