"""Volume indicators, TA-Lib compatible: obv, ad, adosc, mfi."""

from __future__ import annotations

from typing import Any

from signaltrust.ta import _inputs as check
from signaltrust.ta.nb import volume as nb


def obv(close: Any, volume: Any) -> Any:
    """On-balance volume, starting from the first bar's volume (TA-Lib OBV). No warm-up."""
    p = check.prepare(close=close, volume=volume)
    return check.wrap(p, nb.obv(*p.arrays, p.start, *check.empty(p)))


def ad(high: Any, low: Any, close: Any, volume: Any) -> Any:
    """Chaikin accumulation/distribution line (TA-Lib AD). No warm-up."""
    p = check.prepare(high=high, low=low, close=close, volume=volume)
    return check.wrap(p, nb.ad(*p.arrays, p.start, *check.empty(p)))


def adosc(
    high: Any, low: Any, close: Any, volume: Any, fastperiod: int = 3, slowperiod: int = 10
) -> Any:
    """Chaikin A/D oscillator: fast EMA minus slow EMA of the A/D line (TA-Lib ADOSC).

    The EMAs are seeded with the first A/D value, as TA-Lib does. Warm-up: max(periods) - 1 bars.
    """
    p = check.prepare(high=high, low=low, close=close, volume=volume)
    outputs = nb.adosc(
        *p.arrays,
        check.period("fastperiod", fastperiod, 2),
        check.period("slowperiod", slowperiod, 2),
        p.start,
        *check.empty(p),
    )
    return check.wrap(p, outputs)


def mfi(high: Any, low: Any, close: Any, volume: Any, timeperiod: int = 14) -> Any:
    """Money flow index (TA-Lib MFI); 0 when the total money flow is below 1, as in TA-Lib. Warm-up: timeperiod."""
    p = check.prepare(high=high, low=low, close=close, volume=volume)
    return check.wrap(
        p, nb.mfi(*p.arrays, check.period("timeperiod", timeperiod, 2), p.start, *check.empty(p))
    )
