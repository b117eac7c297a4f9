"""Momentum oscillators, TA-Lib compatible: rsi, macd, stoch, stochf, stochrsi, willr, cci, roc,
mom, aroon, ultosc, and Wilder's directional system adx, dx, plus_di, minus_di.

Every function accepts NumPy arrays or pandas Series and returns the same kind (Series keep the
input's index); multi-output indicators return a tuple in TA-Lib's order.
"""

from __future__ import annotations

from typing import Any

from signaltrust.ta import _inputs as check
from signaltrust.ta.nb import directional as nb_dir
from signaltrust.ta.nb import momentum as nb


def rsi(close: Any, timeperiod: int = 14) -> Any:
    """Relative strength index with Wilder smoothing (TA-Lib RSI). Warm-up: timeperiod bars."""
    p = check.prepare(close=close)
    return check.wrap(
        p, nb.rsi(*p.arrays, check.period("timeperiod", timeperiod, 2), p.start, *check.empty(p))
    )


def macd(close: Any, fastperiod: int = 12, slowperiod: int = 26, signalperiod: int = 9) -> Any:
    """MACD (TA-Lib MACD) -> (macd, macdsignal, macdhist).

    The fast EMA is seeded slowperiod - fastperiod bars later, so both EMAs start on the same bar
    as in TA-Lib. Warm-up: slowperiod + signalperiod - 2 bars (for all three outputs).
    """
    p = check.prepare(close=close)
    outputs = nb.macd(
        *p.arrays,
        check.period("fastperiod", fastperiod, 2),
        check.period("slowperiod", slowperiod, 2),
        check.period("signalperiod", signalperiod, 1),
        p.start,
        *check.empty(p, 3),
    )
    return check.wrap(p, *outputs)


def stoch(
    high: Any,
    low: Any,
    close: Any,
    fastk_period: int = 5,
    slowk_period: int = 3,
    slowk_matype: int = 0,
    slowd_period: int = 3,
    slowd_matype: int = 0,
) -> Any:
    """Slow stochastic oscillator (TA-Lib STOCH) -> (slowk, slowd).

    Warm-up: fastk_period - 1 plus the two moving averages' warm-ups (8 bars by default).
    """
    p = check.prepare(high=high, low=low, close=close)
    outputs = nb.stoch(
        *p.arrays,
        check.period("fastk_period", fastk_period, 1),
        check.period("slowk_period", slowk_period, 1),
        check.matype("slowk_matype", slowk_matype),
        check.period("slowd_period", slowd_period, 1),
        check.matype("slowd_matype", slowd_matype),
        p.start,
        *check.empty(p, 2),
    )
    return check.wrap(p, *outputs)


def stochf(
    high: Any,
    low: Any,
    close: Any,
    fastk_period: int = 5,
    fastd_period: int = 3,
    fastd_matype: int = 0,
) -> Any:
    """Fast stochastic oscillator (TA-Lib STOCHF) -> (fastk, fastd). Warm-up: fastk_period + fastd_period - 2."""
    p = check.prepare(high=high, low=low, close=close)
    outputs = nb.stochf(
        *p.arrays,
        check.period("fastk_period", fastk_period, 1),
        check.period("fastd_period", fastd_period, 1),
        check.matype("fastd_matype", fastd_matype),
        p.start,
        *check.empty(p, 2),
    )
    return check.wrap(p, *outputs)


def stochrsi(
    close: Any,
    timeperiod: int = 14,
    fastk_period: int = 5,
    fastd_period: int = 3,
    fastd_matype: int = 0,
) -> Any:
    """Stochastic RSI: STOCHF applied to the RSI (TA-Lib STOCHRSI) -> (fastk, fastd).

    Warm-up: timeperiod + fastk_period + fastd_period - 2 bars.
    """
    p = check.prepare(close=close)
    outputs = nb.stochrsi(
        *p.arrays,
        check.period("timeperiod", timeperiod, 2),
        check.period("fastk_period", fastk_period, 1),
        check.period("fastd_period", fastd_period, 1),
        check.matype("fastd_matype", fastd_matype),
        p.start,
        *check.empty(p, 2),
    )
    return check.wrap(p, *outputs)


def willr(high: Any, low: Any, close: Any, timeperiod: int = 14) -> Any:
    """Williams' %R, from -100 to 0 (TA-Lib WILLR). Warm-up: timeperiod - 1 bars."""
    p = check.prepare(high=high, low=low, close=close)
    return check.wrap(
        p, nb.willr(*p.arrays, check.period("timeperiod", timeperiod, 2), p.start, *check.empty(p))
    )


def cci(high: Any, low: Any, close: Any, timeperiod: int = 14) -> Any:
    """Commodity channel index on the typical price (TA-Lib CCI). Warm-up: timeperiod - 1 bars."""
    p = check.prepare(high=high, low=low, close=close)
    return check.wrap(
        p, nb.cci(*p.arrays, check.period("timeperiod", timeperiod, 2), p.start, *check.empty(p))
    )


def roc(close: Any, timeperiod: int = 10) -> Any:
    """Rate of change in percent, (close / close[t - timeperiod] - 1) * 100 (TA-Lib ROC). Warm-up: timeperiod."""
    p = check.prepare(close=close)
    return check.wrap(
        p, nb.roc(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )


def mom(close: Any, timeperiod: int = 10) -> Any:
    """Momentum, close - close[t - timeperiod] (TA-Lib MOM). Warm-up: timeperiod bars."""
    p = check.prepare(close=close)
    return check.wrap(
        p, nb.mom(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )


def aroon(high: Any, low: Any, timeperiod: int = 14) -> Any:
    """Aroon (TA-Lib AROON) -> (aroondown, aroonup); ties go to the latest bar. Warm-up: timeperiod."""
    p = check.prepare(high=high, low=low)
    return check.wrap(
        p,
        *nb.aroon(
            *p.arrays, check.period("timeperiod", timeperiod, 2), p.start, *check.empty(p, 2)
        ),
    )


def ultosc(
    high: Any,
    low: Any,
    close: Any,
    timeperiod1: int = 7,
    timeperiod2: int = 14,
    timeperiod3: int = 28,
) -> Any:
    """Ultimate oscillator (TA-Lib ULTOSC); the periods are sorted, the shortest weighs 4.

    Warm-up: the longest period.
    """
    p = check.prepare(high=high, low=low, close=close)
    outputs = nb.ultosc(
        *p.arrays,
        check.period("timeperiod1", timeperiod1, 1),
        check.period("timeperiod2", timeperiod2, 1),
        check.period("timeperiod3", timeperiod3, 1),
        p.start,
        *check.empty(p),
    )
    return check.wrap(p, outputs)


def plus_di(high: Any, low: Any, close: Any, timeperiod: int = 14) -> Any:
    """Plus directional indicator +DI (TA-Lib PLUS_DI). Warm-up: timeperiod bars (1 when timeperiod is 1).

    With timeperiod=1 TA-Lib returns the unsmoothed ratio +DM/TR without the factor 100; so does this.
    """
    p = check.prepare(high=high, low=low, close=close)
    t = check.period("timeperiod", timeperiod, 1)
    return check.wrap(p, nb_dir.directional(*p.arrays, t, nb_dir.PLUS, p.start, *check.empty(p)))


def minus_di(high: Any, low: Any, close: Any, timeperiod: int = 14) -> Any:
    """Minus directional indicator -DI (TA-Lib MINUS_DI). Warm-up: timeperiod bars (1 when timeperiod is 1)."""
    p = check.prepare(high=high, low=low, close=close)
    t = check.period("timeperiod", timeperiod, 1)
    return check.wrap(p, nb_dir.directional(*p.arrays, t, nb_dir.MINUS, p.start, *check.empty(p)))


def dx(high: Any, low: Any, close: Any, timeperiod: int = 14) -> Any:
    """Directional movement index DX (TA-Lib DX). Warm-up: timeperiod bars."""
    p = check.prepare(high=high, low=low, close=close)
    t = check.period("timeperiod", timeperiod, 2)
    return check.wrap(p, nb_dir.directional(*p.arrays, t, nb_dir.DX, p.start, *check.empty(p)))


def adx(high: Any, low: Any, close: Any, timeperiod: int = 14) -> Any:
    """Average directional index, Wilder-smoothed DX (TA-Lib ADX). Warm-up: 2 * timeperiod - 1 bars."""
    p = check.prepare(high=high, low=low, close=close)
    return check.wrap(
        p,
        nb_dir.adx(*p.arrays, check.period("timeperiod", timeperiod, 2), p.start, *check.empty(p)),
    )
