"""Technical indicators as numba kernels, TA-Lib-compatible names, parameters and results.

``from signaltrust import ta; ta.rsi(close, timeperiod=14)``. Functions take NumPy arrays or
pandas Series and return the same kind; see docs/indicators.md for the list, the warm-up of each
and the guarantees (equal to TA-Lib to 1e-9, causal).
"""

from signaltrust.ta.extra import (
    donchian,
    ichimoku,
    keltner,
    realized_volatility,
    supertrend,
    vwap,
    zscore,
)
from signaltrust.ta.momentum import (
    adx,
    aroon,
    cci,
    dx,
    macd,
    minus_di,
    mom,
    plus_di,
    roc,
    rsi,
    stoch,
    stochf,
    stochrsi,
    ultosc,
    willr,
)
from signaltrust.ta.overlap import bbands, dema, ema, kama, sar, sma, tema, trix, wma
from signaltrust.ta.volatility import atr, natr, trange
from signaltrust.ta.volume import ad, adosc, mfi, obv

TALIB_COMPATIBLE = (
    "sma",
    "ema",
    "wma",
    "dema",
    "tema",
    "kama",
    "trix",
    "bbands",
    "sar",
    "rsi",
    "macd",
    "stoch",
    "stochf",
    "stochrsi",
    "willr",
    "cci",
    "roc",
    "mom",
    "aroon",
    "ultosc",
    "adx",
    "dx",
    "plus_di",
    "minus_di",
    "trange",
    "atr",
    "natr",
    "obv",
    "ad",
    "adosc",
    "mfi",
)
"""Indicators whose values equal TA-Lib's function of the same (upper-case) name."""

EXTRA = ("keltner", "donchian", "supertrend", "vwap", "zscore", "realized_volatility", "ichimoku")
"""Indicators TA-Lib does not have."""

__all__ = [
    "sma",
    "ema",
    "wma",
    "dema",
    "tema",
    "kama",
    "trix",
    "bbands",
    "sar",
    "rsi",
    "macd",
    "stoch",
    "stochf",
    "stochrsi",
    "willr",
    "cci",
    "roc",
    "mom",
    "aroon",
    "ultosc",
    "adx",
    "dx",
    "plus_di",
    "minus_di",
    "trange",
    "atr",
    "natr",
    "obv",
    "ad",
    "adosc",
    "mfi",
    "keltner",
    "donchian",
    "supertrend",
    "vwap",
    "zscore",
    "realized_volatility",
    "ichimoku",
    "TALIB_COMPATIBLE",
    "EXTRA",
]
