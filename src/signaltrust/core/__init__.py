"""Domain types, enums, time and calendars, configuration and errors. Imports nothing of the project.

The names below load on first use, so that importing ``signaltrust.core.errors`` (as every
command line does) does not load pandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'signaltrust.core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"signaltrust.core.{module}"), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
