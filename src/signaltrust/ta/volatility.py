"""Volatility indicators, TA-Lib compatible: trange, atr, natr."""

from __future__ import annotations

from typing import Any

from signaltrust.ta import _inputs as check
from signaltrust.ta.nb import volatility as nb


def trange(high: Any, low: Any, close: Any) -> Any:
    """True range, max(high, previous close) - min(low, previous close) (TA-Lib TRANGE). Warm-up: 1 bar."""
    p = check.prepare(high=high, low=low, close=close)
    return check.wrap(p, nb.trange(*p.arrays, p.start, *check.empty(p)))


def atr(high: Any, low: Any, close: Any, timeperiod: int = 14) -> Any:
    """Average true range with Wilder smoothing, seeded by the mean of the first true ranges (TA-Lib ATR).

    Warm-up: timeperiod bars. timeperiod=1 gives the true range.
    """
    p = check.prepare(high=high, low=low, close=close)
    return check.wrap(
        p, nb.atr(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )


def natr(high: Any, low: Any, close: Any, timeperiod: int = 14) -> Any:
    """Normalized average true range, 100 * ATR / close (TA-Lib NATR). Warm-up: timeperiod bars."""
    p = check.prepare(high=high, low=low, close=close)
    return check.wrap(
        p, nb.natr(*p.arrays, check.period("timeperiod", timeperiod, 1), p.start, *check.empty(p))
    )
