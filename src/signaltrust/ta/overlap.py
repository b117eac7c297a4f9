"""Moving averages and overlap studies, TA-Lib compatible: sma, ema, wma, dema, tema, kama, trix,
bbands, sar.

Every function accepts NumPy arrays or pandas Series and returns the same kind (Series keep the
input's index). Leading NaN are skipped as TA-Lib's Python wrapper does; a NaN inside the data
propagates into the values after it, as in TA-Lib.
"""

from __future__ import annotations

from typing import Any

from signaltrust.ta import _inputs as check
from signaltrust.ta.nb import overlap as nb


def sma(close: Any, timeperiod: int = 30) -> Any:
    """Simple moving average (TA-Lib SMA). Warm-up: timeperiod - 1 bars."""
    p = check.prepare(close=close)
    return check.wrap(
        p, nb.sma(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )


def ema(close: Any, timeperiod: int = 30) -> Any:
    """Exponential moving average (TA-Lib EMA), seeded with the SMA of the first timeperiod values.

    k = 2 / (timeperiod + 1). Warm-up: timeperiod - 1 bars.
    """
    p = check.prepare(close=close)
    return check.wrap(
        p, nb.ema(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )


def wma(close: Any, timeperiod: int = 30) -> Any:
    """Linearly weighted moving average (TA-Lib WMA). Warm-up: timeperiod - 1 bars."""
    p = check.prepare(close=close)
    return check.wrap(
        p, nb.wma(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )


def dema(close: Any, timeperiod: int = 30) -> Any:
    """Double exponential moving average 2*EMA - EMA(EMA) (TA-Lib DEMA). Warm-up: 2*(timeperiod-1)."""
    p = check.prepare(close=close)
    return check.wrap(
        p, nb.dema(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )


def tema(close: Any, timeperiod: int = 30) -> Any:
    """Triple exponential moving average 3*E1 - 3*E2 + E3 (TA-Lib TEMA). Warm-up: 3*(timeperiod-1)."""
    p = check.prepare(close=close)
    return check.wrap(
        p, nb.tema(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )


def kama(close: Any, timeperiod: int = 30) -> Any:
    """Kaufman adaptive moving average, fast 2 / slow 30 constants (TA-Lib KAMA). Warm-up: timeperiod."""
    p = check.prepare(close=close)
    return check.wrap(
        p, nb.kama(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )


def trix(close: Any, timeperiod: int = 30) -> Any:
    """TRIX: one-bar rate of change (percent) of a triple EMA (TA-Lib TRIX). Warm-up: 3*(timeperiod-1)+1."""
    p = check.prepare(close=close)
    return check.wrap(
        p, nb.trix(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )


def bbands(
    close: Any, timeperiod: int = 20, nbdevup: float = 2.0, nbdevdn: float = 2.0, matype: int = 0
) -> Any:
    """Bollinger bands (TA-Lib BBANDS) -> (upperband, middleband, lowerband).

    The middle band is the moving average of type ``matype`` (0 SMA, 1 EMA, 2 WMA, 3 DEMA, 4 TEMA,
    6 KAMA); the width is the population standard deviation over ``timeperiod`` bars times
    ``nbdevup`` / ``nbdevdn``. The default timeperiod is 20, as in TA-Lib 0.6+ (older TA-Lib: 5).
    Warm-up: the moving average's (timeperiod - 1 for SMA and EMA).
    """
    p = check.prepare(close=close)
    outputs = nb.bbands(
        *p.arrays,
        check.period("timeperiod", timeperiod, 2),
        check.number("nbdevup", nbdevup),
        check.number("nbdevdn", nbdevdn),
        check.matype("matype", matype),
        p.start,
        *check.empty(p, 3),
    )
    return check.wrap(p, *outputs)


def sar(high: Any, low: Any, acceleration: float = 0.02, maximum: float = 0.2) -> Any:
    """Parabolic SAR (TA-Lib SAR): Wilder's stop-and-reverse. Warm-up: 1 bar.

    The first direction is short when the second bar's down-move exceeds its up-move, else long.
    """
    p = check.prepare(high=high, low=low)
    outputs = nb.sar(
        *p.arrays,
        check.number("acceleration", acceleration, non_negative=True),
        check.number("maximum", maximum, non_negative=True),
        p.start,
        *check.empty(p),
    )
    return check.wrap(p, outputs)
