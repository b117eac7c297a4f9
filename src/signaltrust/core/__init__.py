"""Domain types, enums, time and calendars, configuration and errors. Imports nothing of the project."""

from signaltrust.core.errors import (
    BarConflictError,
    ConfigError,
    DataQualityError,
    DatasetNotFoundError,
    ParseError,
    SignalTrustError,
    StoreError,
    ValidationError,
)
from signaltrust.core.instrument import AssetClass, Instrument
from signaltrust.core.timeframe import Timeframe

__all__ = [
    "AssetClass",
    "BarConflictError",
    "ConfigError",
    "DataQualityError",
    "DatasetNotFoundError",
    "Instrument",
    "ParseError",
    "SignalTrustError",
    "StoreError",
    "Timeframe",
    "ValidationError",
]
