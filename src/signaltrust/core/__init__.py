"""Domain types, enums, time, calendars, configuration and errors; imports nothing of the project.

The names below load on first use, so that importing ``signaltrust.core.errors`` (as every
command line does) does not load pandas.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signaltrust.core.lazy import lazy_exports

if TYPE_CHECKING:
    from signaltrust.core.errors import (
        BarConflictError,
        ConfigError,
        DataQualityError,
        DatasetNotFoundError,
        ParseError,
        SerializationError,
        SignalTrustError,
        StoreError,
        ValidationError,
    )
    from signaltrust.core.instrument import AssetClass, Instrument
    from signaltrust.core.serialize import to_plain
    from signaltrust.core.timeframe import Timeframe

_WHERE = {
    "AssetClass": "instrument",
    "BarConflictError": "errors",
    "ConfigError": "errors",
    "DataQualityError": "errors",
    "DatasetNotFoundError": "errors",
    "Instrument": "instrument",
    "ParseError": "errors",
    "SerializationError": "errors",
    "SignalTrustError": "errors",
    "StoreError": "errors",
    "Timeframe": "timeframe",
    "ValidationError": "errors",
    "to_plain": "serialize",
}

__all__ = [
    "AssetClass", "BarConflictError", "ConfigError", "DataQualityError", "DatasetNotFoundError",
    "Instrument", "ParseError", "SerializationError", "SignalTrustError", "StoreError",
    "Timeframe", "ValidationError", "to_plain",
]
__getattr__, __dir__ = lazy_exports(
    globals(), {name: f"signaltrust.core.{module}:{name}" for name, module in _WHERE.items()}
)
