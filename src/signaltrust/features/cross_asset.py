"""Cross-asset features: returns and z-scores of other bundled series, aligned as of availability.

Each source is read on its own calendar, its features are computed there, and they reach the
target's bars through ``align_asof``: a source bar becomes known at its end (a daily close at the
end of its day, a monthly close at the end of its month), and the target bar t uses the latest
source value known at the close of t. A source with shorter bars than the target (hourly EUR/USD
beside daily S&P 500 bars) is taken as known at the *start* of the target bar instead, because
the target's close may fall inside the source's day (the NYSE closes at 21:00 UTC, the FX day
runs to midnight).
"""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data import load
from signaltrust.data.catalog import get_spec
from signaltrust.features.align import align_asof, bar_ends
from signaltrust.features.base import FeatureSet, check_periods, hash_frame


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def parse_source(source: str) -> tuple[str, str | None, str]:
    """``"vix"`` or ``"stocks:AAPL"`` -> (dataset, column or None, feature prefix)."""
    dataset, _, col = str(source).partition(":")
    spec = get_spec(dataset)  # raises DatasetNotFoundError with the valid names
    if spec.kind == "bars" and not col:
        col = "close"
    if not col and len(spec.columns) == 1:
        col = spec.columns[0]
    if not col:
        raise ValidationError(
            "this dataset has several columns: name one",
            field="sources",
            value=source,
            fix=f"write '{spec.name}:<column>' with a column among {list(spec.columns)}",
        )
    if spec.kind == "bars" or col == spec.name:
        prefix = spec.name
    elif spec.kind == "series" and len(spec.columns) == 1:
        prefix = _slug(col)
    else:
        prefix = f"{spec.name}_{_slug(col)}" if spec.kind == "series" else _slug(col)
    return spec.name, None if spec.kind == "bars" and col == "close" else col, prefix


class CrossAssetFeatures(FeatureSet):
    """Returns and z-scores of other bundled series, aligned to the bars as of availability.

    ``sources``: bundled dataset names (bars use their close), or ``"dataset:column"`` for a
    column of a panel or multi-column series (``"stocks:AAPL"``, ``"crude:brent"``). Columns per
    source: ``<source>_ret_<h>`` (change over h of the source's own bars) for each of
    ``return_horizons``, and ``<source>_zscore_<n>`` (the level against its last n bars).
    ``max_age_bars``: a source value older than this many of its own bars at the target's
    decision is not used (NaN), so a series that ended is not carried forward forever.
    """

    version = "1"

    def __init__(
        self,
        sources: tuple[str, ...] = ("sp500", "goog", "vix"),
        return_horizons: tuple[int, ...] = (1, 5, 20),
        zscore_period: int = 20,
        max_age_bars: int = 5,
        timeframe: str | None = None,
    ) -> None:
        self.sources = sources
        self.return_horizons = return_horizons
        self.zscore_period = zscore_period
        self.max_age_bars = max_age_bars
        self.timeframe = timeframe

    def _required_columns(self) -> tuple[str, ...]:
        return ()

    def _sources(self) -> list[tuple[str, str | None, str]]:
        items = (self.sources,) if isinstance(self.sources, str) else tuple(self.sources)
        parsed = [parse_source(item) for item in items]
        prefixes = [prefix for _, _, prefix in parsed]
        if not parsed or len(set(prefixes)) != len(prefixes):
            raise ValidationError(
                "sources must be a non-empty list without repeats",
                field="sources",
                value=self.sources,
                fix="for example sources=('vix', 'wti')",
            )
        return parsed

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        horizons = check_periods("return_horizons", self.return_horizons)
        zscore = check_periods("zscore_period", self.zscore_period, 2)[0]
        check_periods("max_age_bars", self.max_age_bars)
        names = []
        for _, _, prefix in self._sources():
            names += [f"{prefix}_ret_{h}" for h in horizons] + [f"{prefix}_zscore_{zscore}"]
        return names, {}

    def _source_fingerprint(self) -> str:
        digest = hashlib.sha256()
        for dataset, _, _ in self._sources():
            digest.update(hash_frame(load(dataset)).encode())
        return digest.hexdigest()

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        names, _ = self._plan(bars)
        horizons = check_periods("return_horizons", self.return_horizons)
        zscore = check_periods("zscore_period", self.zscore_period, 2)[0]
        target_frame = (
            Timeframe.parse(self.timeframe) if self.timeframe else Timeframe.infer(bars.index)
        )
        out: dict[str, np.ndarray] = {}
        for dataset, col, prefix in self._sources():
            spec = get_spec(dataset)
            frame = load(dataset)
            frame = frame[~frame.index.duplicated(keep="last")].sort_index()
            level = frame[col or "close"].dropna()
            known = bar_ends(level.index, spec.timeframe)
            if spec.timeframe < target_frame:
                decided = pd.DatetimeIndex(bars.index).tz_convert("UTC").as_unit("ns")
            else:
                decided = bar_ends(bars.index, target_frame)
            max_age = pd.Timedelta(spec.timeframe.approx_nanos * int(self.max_age_bars), unit="ns")
            mean = level.rolling(zscore, min_periods=zscore).mean()
            std = level.rolling(zscore, min_periods=zscore).std(ddof=0)
            derived = {f"{prefix}_ret_{h}": level / level.shift(h) - 1.0 for h in horizons}
            derived[f"{prefix}_zscore_{zscore}"] = (level - mean) / std.where(std > 0)
            for name, series in derived.items():
                aligned = align_asof(series, bars.index, known, decided_at=decided, max_age=max_age)
                out[name] = aligned.to_numpy()
        return {name: out[name] for name in names}
