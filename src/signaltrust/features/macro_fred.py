"""Macro features from FRED vintages: each bar sees only what had been published by then.

``FredMacroFeatures`` reads series downloaded with ``signaltrust data download --source fred``
(every ALFRED real-time period), computes each feature on the vintage in effect at each
release, and aligns those values to the bars with ``align_asof`` from the end of the release
day. A figure revised later is seen with its first-release value until the revision is out.
``macro_features`` picks it when vintages are there, the bundled-series ``MacroFeatures``
otherwise.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data.fred import FredVintages, load_vintages
from signaltrust.features.align import align_asof, bar_ends
from signaltrust.features.base import FeatureSet
from signaltrust.features.macro import MacroFeatures

RELEASE_LAG = pd.Timedelta(days=1)  # FRED dates releases by day: usable from the day's end

TRANSFORMS: dict[str, Callable[[pd.Series], pd.Series]] = {
    "level": lambda s: s,
    "diff": lambda s: s.diff(1),
    "mom": lambda s: s / s.shift(1) - 1.0,
    "yoy": lambda s: s / s.shift(12) - 1.0,
}
"""How a feature is computed from one vintage (monthly series: ``yoy`` is 12 observations)."""

DEFAULT_SERIES = {
    "core_cpi_yoy": "CPILFESL:yoy",
    "core_cpi_mom": "CPILFESL:mom",
    "unemployment": "UNRATE:level",
    "fed_funds": "FEDFUNDS:level",
}


def point_in_time(vintages: FredVintages, target_index: pd.DatetimeIndex,
                  transform: str = "level", *, decided_at: object = None,
                  max_age: pd.Timedelta | None = None) -> pd.Series:
    """One value per bar of ``target_index``, from what was published by its decision time."""
    if transform not in TRANSFORMS:
        raise ValidationError("unknown FRED transform", field="transform", value=transform,
                              fix=f"use one of {', '.join(TRANSFORMS)}")
    known = vintages.known_values(TRANSFORMS[transform])
    return align_asof(known, target_index, known.index + RELEASE_LAG, decided_at=decided_at,
                      max_age=max_age)


def _parse(spec: str) -> tuple[str, str]:
    series, _, transform = spec.partition(":")
    transform = transform or "level"
    if not series or transform not in TRANSFORMS:
        raise ValidationError("a FRED feature is SERIES:transform", field="series", value=spec,
                              fix=f"e.g. CPILFESL:yoy; transforms: {', '.join(TRANSFORMS)}")
    return series.upper(), transform


class FredMacroFeatures(FeatureSet):
    """Point-in-time macro features from FRED vintages saved under ``vintages_dir``.

    ``series`` maps a feature name to ``SERIES:transform`` (transforms: level, diff, mom,
    yoy). ``max_age_days`` drops values whose latest release is older than that.
    """

    version = "1"

    def __init__(self, vintages_dir: str | Path, series: dict[str, str] | None = None,
                 max_age_days: float = 75.0, timeframe: str | None = None) -> None:
        self.vintages_dir = vintages_dir
        self.series = series
        self.max_age_days = max_age_days
        self.timeframe = timeframe

    def _specs(self) -> dict[str, tuple[str, str]]:
        return {name: _parse(spec) for name, spec in (self.series or DEFAULT_SERIES).items()}

    def _required_columns(self) -> tuple[str, ...]:
        return ()

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        return list(self._specs()), {}

    def _source_fingerprint(self) -> str:
        digest = hashlib.sha256()
        for series in sorted({s for s, _ in self._specs().values()}):
            path = Path(self.vintages_dir) / f"{series}.parquet"
            digest.update(path.read_bytes() if path.exists() else series.encode())
        return digest.hexdigest()

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        timeframe = Timeframe.parse(self.timeframe) if self.timeframe else \
            Timeframe.infer(bars.index)
        decided = bar_ends(bars.index, timeframe)
        loaded: dict[str, FredVintages] = {}
        out = {}
        for name, (series, transform) in self._specs().items():
            if series not in loaded:
                loaded[series] = load_vintages(Path(self.vintages_dir), series)
            out[name] = point_in_time(
                loaded[series], bars.index, transform, decided_at=decided,
                max_age=pd.Timedelta(days=self.max_age_days)).to_numpy()
        return out


def macro_features(vintages_dir: str | Path | None,
                   series: dict[str, str] | None = None) -> FeatureSet:
    """FRED point-in-time features when every needed series was downloaded, else the bundled
    ``MacroFeatures`` (the first wave's series with conservative publication lags)."""
    if vintages_dir is not None:
        needed = {_parse(spec)[0] for spec in (series or DEFAULT_SERIES).values()}
        if all((Path(vintages_dir) / f"{s}.parquet").exists() for s in needed):
            return FredMacroFeatures(vintages_dir, series)
    return MacroFeatures()


__all__ = ["DEFAULT_SERIES", "TRANSFORMS", "FredMacroFeatures", "macro_features",
           "point_in_time"]
