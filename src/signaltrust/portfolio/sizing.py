"""Position sizing: fixed fractional, volatility targeting, ATR stops, Kelly, confidence scaling.

Sizes come back as units (shares, contracts) or as a fraction of equity (a weight; negative is
short). Every function validates its inputs (an error names the field, the value and the fix)
and caps the position at ``max_leverage`` x equity in notional.
"""

from __future__ import annotations

import math

from signaltrust.core.errors import ValidationError


def _number(
    field: str,
    value: float,
    *,
    low: float | None = None,
    high: float | None = None,
    strict_low: bool = False,
    fix: str,
) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValidationError("must be a number", field=field, value=value, fix=fix) from None
    bad = not math.isfinite(x)
    if low is not None:
        bad = bad or (x <= low if strict_low else x < low)
    if high is not None:
        bad = bad or x > high
    if bad:
        span = (f"> {low}" if strict_low else f">= {low}" if low is not None else "finite") + (
            f" and <= {high}" if high is not None else ""
        )
        raise ValidationError(f"{field} must be {span}", field=field, value=value, fix=fix)
    return x


def _leverage(max_leverage: float) -> float:
    return _number(
        "max_leverage",
        max_leverage,
        low=0,
        strict_low=True,
        fix="pass max_leverage > 0 (1.0 = no borrowing)",
    )


def _cap_units(units: float, price: float, equity: float, max_leverage: float) -> float:
    cap = max_leverage * equity / price
    return math.copysign(min(abs(units), cap), units)


def _round_lots(units: float, lot_size: float | None) -> float:
    if lot_size is None:
        return units
    lot = _number("lot_size", lot_size, low=0, strict_low=True, fix="pass lot_size > 0 or None")
    return math.copysign(math.floor(abs(units) / lot + 1e-9) * lot, units)


def fixed_fractional_size(
    equity: float,
    risk_fraction: float,
    entry_price: float,
    stop_price: float,
    *,
    max_leverage: float = 1.0,
    lot_size: float | None = None,
) -> float:
    """Units that lose ``risk_fraction`` of equity if the stop is hit: equity x f / |entry - stop|.

    Positive for a long (stop below the entry), negative for a short (stop above); capped so the
    notional stays within ``max_leverage`` x equity, then rounded down to whole lots.
    """
    equity = _number("equity", equity, low=0, strict_low=True, fix="pass the account equity > 0")
    f = _number(
        "risk_fraction",
        risk_fraction,
        low=0,
        high=1,
        fix="pass the fraction of equity to risk per trade, e.g. 0.01 for 1%",
    )
    entry = _number("entry_price", entry_price, low=0, strict_low=True, fix="pass a price > 0")
    stop = _number("stop_price", stop_price, low=0, fix="pass a stop price >= 0")
    if stop == entry:
        raise ValidationError(
            "the stop equals the entry price, so the risk per unit is zero",
            field="stop_price",
            value=stop_price,
            fix="place the stop below the entry (long) or above it (short)",
        )
    units = equity * f / abs(entry - stop) * (1.0 if stop < entry else -1.0)
    return _round_lots(_cap_units(units, entry, equity, _leverage(max_leverage)), lot_size)


def volatility_target_weight(
    target_vol: float, asset_vol: float, *, max_leverage: float = 1.0
) -> float:
    """Fraction of equity whose annualised volatility equals ``target_vol``: target / asset vol."""
    target = _number(
        "target_vol", target_vol, low=0, fix="pass an annualised volatility target >= 0, e.g. 0.10"
    )
    vol = _number(
        "asset_vol",
        asset_vol,
        low=0,
        strict_low=True,
        fix="pass the asset's annualised volatility > 0 (e.g. daily std x sqrt(252))",
    )
    return min(target / vol, _leverage(max_leverage))


def volatility_target_size(
    equity: float,
    price: float,
    target_vol: float,
    asset_vol: float,
    *,
    max_leverage: float = 1.0,
    lot_size: float | None = None,
) -> float:
    """Units whose position has annualised volatility ``target_vol`` x equity (capped, in lots)."""
    equity = _number("equity", equity, low=0, strict_low=True, fix="pass the account equity > 0")
    price = _number("price", price, low=0, strict_low=True, fix="pass a price > 0")
    weight = volatility_target_weight(target_vol, asset_vol, max_leverage=max_leverage)
    return _round_lots(weight * equity / price, lot_size)


def atr_stop(entry_price: float, atr: float, multiple: float = 2.0, side: str = "long") -> float:
    """Stop price ``multiple`` ATRs away from the entry: below for a long, above for a short."""
    entry = _number("entry_price", entry_price, low=0, strict_low=True, fix="pass a price > 0")
    atr = _number("atr", atr, low=0, strict_low=True, fix="pass the average true range > 0")
    k = _number(
        "multiple", multiple, low=0, strict_low=True, fix="pass an ATR multiple > 0, e.g. 2"
    )
    if side not in ("long", "short"):
        raise ValidationError("unknown side", field="side", value=side, fix="use 'long' or 'short'")
    stop = entry - k * atr if side == "long" else entry + k * atr
    if stop <= 0:
        raise ValidationError(
            "the stop would be at or below zero",
            field="multiple",
            value=multiple,
            fix="use a smaller ATR multiple",
        )
    return stop


def atr_size(
    equity: float,
    risk_fraction: float,
    entry_price: float,
    atr: float,
    multiple: float = 2.0,
    side: str = "long",
    *,
    max_leverage: float = 1.0,
    lot_size: float | None = None,
) -> float:
    """Fixed-fractional units with the stop ``multiple`` ATRs away."""
    stop = atr_stop(entry_price, atr, multiple, side)
    return fixed_fractional_size(
        equity, risk_fraction, entry_price, stop, max_leverage=max_leverage, lot_size=lot_size
    )


def kelly_fraction(
    win_probability: float,
    payoff_ratio: float,
    fraction: float = 1.0,
    *,
    max_leverage: float = 1.0,
) -> float:
    """Kelly fraction of a bet won with probability p paying b per unit lost: p - (1 - p) / b.

    ``fraction`` scales it (0.5 = half Kelly); no edge (a negative Kelly) gives 0 - no bet;
    the result is capped at ``max_leverage``.
    """
    p = _number(
        "win_probability",
        win_probability,
        low=0,
        high=1,
        fix="pass a probability between 0 and 1, e.g. the hit rate 0.55",
    )
    b = _number(
        "payoff_ratio",
        payoff_ratio,
        low=0,
        strict_low=True,
        fix="pass the average win / average loss > 0, e.g. 1.5",
    )
    k = _number("fraction", fraction, low=0, high=1, fix="pass 1 for full Kelly, 0.5 for half")
    return min(max(k * (p - (1 - p) / b), 0.0), _leverage(max_leverage))


def kelly_from_moments(
    mean_return: float,
    volatility: float,
    fraction: float = 1.0,
    *,
    risk_free: float = 0.0,
    max_leverage: float = 1.0,
) -> float:
    """Continuous Kelly leverage (mu - rf) / sigma^2, scaled by ``fraction``, within +-max_leverage.

    ``mean_return``, ``risk_free`` and ``volatility`` share one period (e.g. all annualised);
    the ratio does not depend on which. Negative means short.
    """
    mu = _number("mean_return", mean_return, fix="pass the expected return per period")
    rf = _number("risk_free", risk_free, fix="pass the risk-free rate per period")
    sigma = _number(
        "volatility",
        volatility,
        low=0,
        strict_low=True,
        fix="pass the standard deviation of returns > 0 (not the variance)",
    )
    k = _number("fraction", fraction, low=0, high=1, fix="pass 1 for full Kelly, 0.5 for half")
    cap = _leverage(max_leverage)
    return max(-cap, min(cap, k * (mu - rf) / sigma**2))


def confidence_scaled_fraction(
    score: float,
    confidence: float,
    base_fraction: float,
    *,
    min_confidence: float = 0.0,
    long_only: bool = False,
    max_leverage: float = 1.0,
) -> float:
    """A model's signal as a fraction of a base size: base x (2 x score - 1) x confidence.

    ``score`` in [0, 1] is the model's probability that the price rises (0.5 = no view; the
    direction and strength are 2 x score - 1 in [-1, 1]); ``confidence`` in [0, 1] shrinks the
    size towards zero (0 below ``min_confidence``); ``base_fraction`` is the full size, e.g. a
    Kelly or volatility-target weight. ``long_only`` turns short views into 0.
    """
    s = _number(
        "score", score, low=0, high=1, fix="pass the model's probability of a rise in [0, 1]"
    )
    c = _number("confidence", confidence, low=0, high=1, fix="pass a confidence in [0, 1]")
    base = _number(
        "base_fraction",
        base_fraction,
        low=0,
        fix="pass the full position as a non-negative fraction of equity",
    )
    floor = _number("min_confidence", min_confidence, low=0, high=1, fix="pass a value in [0, 1]")
    if c < floor:
        return 0.0
    out = base * (2.0 * s - 1.0) * c
    if long_only:
        out = max(out, 0.0)
    cap = _leverage(max_leverage)
    return max(-cap, min(cap, out))
