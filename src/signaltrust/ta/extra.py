"""Indicators the platform needs and TA-Lib lacks: keltner, donchian, supertrend, vwap, zscore,
realized_volatility, ichimoku. All are causal: the value at bar t uses bars up to t only."""

from __future__ import annotations

from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.ta import _inputs as check
from signaltrust.ta.nb import extra as nb


def keltner(
    high: Any,
    low: Any,
    close: Any,
    timeperiod: int = 20,
    atr_period: int = 10,
    multiplier: float = 2.0,
) -> Any:
    """Keltner channel -> (upper, middle, lower): EMA(close) +/- multiplier * ATR.

    The EMA and ATR are TA-Lib's (SMA-seeded EMA, Wilder ATR). Warm-up: max(timeperiod - 1, atr_period).
    """
    p = check.prepare(high=high, low=low, close=close)
    outputs = nb.keltner(
        *p.arrays,
        check.period("timeperiod", timeperiod, 1),
        check.period("atr_period", atr_period, 1),
        check.number("multiplier", multiplier, positive=True),
        p.start,
    )
    return check.wrap(p, *outputs)


def donchian(high: Any, low: Any, timeperiod: int = 20) -> Any:
    """Donchian channel -> (upper, middle, lower): highest high, midpoint, lowest low of the last
    timeperiod bars, the current bar included. Warm-up: timeperiod - 1 bars."""
    p = check.prepare(high=high, low=low)
    return check.wrap(
        p, *nb.donchian(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start)
    )


def supertrend(
    high: Any, low: Any, close: Any, timeperiod: int = 10, multiplier: float = 3.0
) -> Any:
    """Supertrend -> (line, direction): an ATR trailing stop that flips with the trend.

    Bands are (high + low) / 2 +/- multiplier * ATR(timeperiod) (Wilder, as TA-Lib's ATR); the upper
    band only moves down and the lower band only up while the close stays inside them. direction is
    +1 (uptrend: line is the lower band) or -1 (downtrend: line is the upper band); the first
    direction is +1 when the close is at or above the bar's midpoint. Warm-up: timeperiod bars.
    """
    p = check.prepare(high=high, low=low, close=close)
    outputs = nb.supertrend(
        *p.arrays,
        check.period("timeperiod", timeperiod, 1),
        check.number("multiplier", multiplier, positive=True),
        p.start,
    )
    return check.wrap(p, *outputs)


def vwap(high: Any, low: Any, close: Any, volume: Any, timeperiod: int | None = None) -> Any:
    """Volume-weighted average price of the typical price (high + low + close) / 3.

    ``timeperiod=None``: cumulative from the first bar (no warm-up); an integer: over the last
    timeperiod bars (warm-up timeperiod - 1). NaN where the volume summed is zero.
    """
    p = check.prepare(high=high, low=low, close=close, volume=volume)
    window = 0 if timeperiod is None else check.period("timeperiod", timeperiod, 1)
    return check.wrap(p, nb.vwap(*p.arrays, window, p.start))


def zscore(close: Any, timeperiod: int = 20) -> Any:
    """Rolling z-score, (close - mean) / population std over the last timeperiod bars.

    NaN where the window is flat (std 0). Warm-up: timeperiod - 1 bars.
    """
    p = check.prepare(close=close)
    return check.wrap(p, nb.zscore(*p.arrays, check.period("timeperiod", timeperiod, 2), p.start))


def realized_volatility(close: Any, timeperiod: int = 20, periods_per_year: float = 252) -> Any:
    """Annualised realized volatility: sample std (ddof=1) of the last timeperiod log returns times
    sqrt(periods_per_year). Warm-up: timeperiod bars (timeperiod returns need timeperiod + 1 closes)."""
    p = check.prepare(close=close)
    t = check.period("timeperiod", timeperiod, 2)
    year = check.number("periods_per_year", periods_per_year, positive=True)
    return check.wrap(p, nb.realized_volatility(*p.arrays, t, year, p.start))


def ichimoku(
    high: Any, low: Any, timeperiod1: int = 9, timeperiod2: int = 26, timeperiod3: int = 52
) -> Any:
    """Ichimoku cloud -> (tenkan, kijun, senkou_a, senkou_b), causal.

    tenkan and kijun are the midpoints of the high-low range over timeperiod1 and timeperiod2 bars;
    senkou_a = (tenkan + kijun) / 2 and senkou_b = the timeperiod3 midpoint are shifted forward by
    timeperiod2 bars, as charted, so their value at t uses data up to t - timeperiod2 only.
    The chikou span (the close plotted timeperiod2 bars back) is deliberately absent: aligned at t it
    would need the close of t + timeperiod2, i.e. the future. Use ``close`` itself, or compare close
    with the values timeperiod2 bars ago, instead.
    Warm-up: timeperiod1 - 1 (tenkan), timeperiod2 - 1 (kijun), 2*timeperiod2 - 1 (senkou_a),
    timeperiod2 + timeperiod3 - 1 (senkou_b).
    """
    p = check.prepare(high=high, low=low)
    periods = [
        check.period(name, value, 1)
        for name, value in (
            ("timeperiod1", timeperiod1),
            ("timeperiod2", timeperiod2),
            ("timeperiod3", timeperiod3),
        )
    ]
    if periods[0] > periods[1]:
        raise ValidationError(
            "timeperiod1 (tenkan) must not exceed timeperiod2 (kijun)",
            field="timeperiod1",
            value=timeperiod1,
            fix=f"pass timeperiod1 <= {timeperiod2}",
        )
    return check.wrap(p, *nb.ichimoku(*p.arrays, *periods, p.start))
