"""Streaming indicators: the values of ``signaltrust.ta``'s functions, one bar at a time.

``stream.create("rsi", timeperiod=14)`` (or ``stream.create(ta.rsi, timeperiod=14)``) returns an
indicator whose ``update(close)`` takes one new bar and returns the RSI at that bar, equal to
``ta.rsi`` over the bars so far. Every function of ``signaltrust.ta`` has one; see
docs/indicators.md for the protocol and the guarantees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.ta.stream.averages import DEMA, EMA, KAMA, SMA, TEMA, TRIX, WMA
from signaltrust.ta.stream.base import StreamingIndicator
from signaltrust.ta.stream.directional import ADX, DX, MINUS_DI, PLUS_DI
from signaltrust.ta.stream.extra import Donchian, Ichimoku, Keltner, Supertrend
from signaltrust.ta.stream.momentum import MACD, MOM, ROC, RSI, ULTOSC
from signaltrust.ta.stream.oscillators import AROON, CCI, WILLR
from signaltrust.ta.stream.overlap import BBANDS, SAR
from signaltrust.ta.stream.statistics import VWAP, RealizedVolatility, ZScore
from signaltrust.ta.stream.stochastic import STOCH, STOCHF, STOCHRSI
from signaltrust.ta.stream.volatility import ATR, NATR, TRANGE
from signaltrust.ta.stream.volume import AD, ADOSC, MFI, OBV

INDICATORS: Mapping[str, type[StreamingIndicator]] = MappingProxyType(
    {
        cls.name: cls
        for cls in (
            SMA,
            EMA,
            WMA,
            DEMA,
            TEMA,
            KAMA,
            TRIX,
            BBANDS,
            SAR,
            RSI,
            MACD,
            STOCH,
            STOCHF,
            STOCHRSI,
            WILLR,
            CCI,
            ROC,
            MOM,
            AROON,
            ULTOSC,
            ADX,
            DX,
            PLUS_DI,
            MINUS_DI,
            TRANGE,
            ATR,
            NATR,
            OBV,
            AD,
            ADOSC,
            MFI,
            Keltner,
            Donchian,
            Supertrend,
            VWAP,
            ZScore,
            RealizedVolatility,
            Ichimoku,
        )
    }
)
"""The streaming class of each function of ``signaltrust.ta``, by the function's name."""


def available() -> tuple[str, ...]:
    """The names of the indicators that have a streaming form (all of ``signaltrust.ta``'s)."""
    return tuple(INDICATORS)


def create(function: str | Callable[..., Any], /, **params: Any) -> StreamingIndicator:
    """A streaming indicator for a function of ``signaltrust.ta``, by name or the function itself.

    ``params`` are the batch function's parameters (same names, defaults and checks), e.g.
    ``create("bbands", timeperiod=20, nbdevup=2.0)``. Raises ``ValidationError`` for an unknown
    indicator or parameter and for a bad parameter value.
    """
    name = function if isinstance(function, str) else getattr(function, "__name__", None)
    cls = INDICATORS.get(name) if isinstance(name, str) else None
    if cls is None or not (isinstance(function, str) or _is_batch_function(function, name)):
        raise ValidationError(
            "unknown indicator",
            field="function",
            value=function if isinstance(function, str) else repr(function),
            fix=f"use one of {', '.join(INDICATORS)} (or the signaltrust.ta function itself)",
        )
    allowed = cls.parameter_names()
    for key, value in params.items():
        if key not in allowed:
            raise ValidationError(
                f"{name} has no parameter {key!r}",
                field=key,
                value=value,
                fix=f"pass only {', '.join(allowed)}" if allowed else f"{name} takes no parameters",
            )
    return cls(**params)


def _is_batch_function(function: Any, name: str) -> bool:
    from signaltrust import ta

    return getattr(ta, name, None) is function


__all__ = [
    "create",
    "available",
    "StreamingIndicator",
    "INDICATORS",
    *sorted(cls.__name__ for cls in INDICATORS.values()),
]
