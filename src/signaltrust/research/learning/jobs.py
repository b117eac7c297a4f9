"""The scheduler's data jobs: new bars through an adapter into the bar store, then the feature
set recomputed and cached for the symbols that changed.

:func:`update_bars` asks a :data:`BarFetcher` (a venue adapter's history, Yahoo, or
:class:`LocalFileSource` for files dropped in a folder) for each symbol's bars from the bar
after the last stored one up to now, and upserts them: running it twice fetches nothing new the
second time and writes nothing (the store keeps equal bars as they are). :func:`refresh_features`
then computes the feature set on each updated symbol's stored bars through the
:class:`~signaltrust.features.store.FeatureStore` cache (keyed by the bars' content and the
set's definition, so an unchanged series is a cache hit). The default jobs of ``signaltrust
loop run`` (``data_update`` and ``feature_refresh``) call them with the ``[learning]``
settings; the feature job refreshes the symbols the last data update changed, recorded in
``<features>/updated.json``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from signaltrust.core.errors import DatasetNotFoundError, ValidationError
from signaltrust.core.timeframe import Timeframe

logger = logging.getLogger(__name__)

#: (symbol, start, end, timeframe) -> bars with ``start <= timestamp < end`` (UTC index)
BarFetcher = Callable[[str, pd.Timestamp, pd.Timestamp, str], pd.DataFrame]
UPDATED_FILE = "updated.json"


@dataclass(frozen=True)
class LocalFileSource:
    """An offline adapter: bars of ``SYMBOL`` from ``<folder>/<SYMBOL>.csv`` (or ``.csv.gz``,
    ``.parquet``), read with the importers, cut to the asked range. A file that grows (a
    vendor's drop folder, an export) is read again each time."""

    folder: Path

    def file_for(self, symbol: str) -> Path:
        for suffix in (".csv", ".csv.gz", ".parquet"):
            path = Path(self.folder) / f"{symbol}{suffix}"
            if path.is_file():
                return path
        raise DatasetNotFoundError(f"no file of {symbol} in {self.folder}", field="symbol",
                                   value=symbol,
                                   fix=f"put {symbol}.csv (or .parquet) in {self.folder}")

    def __call__(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp,
                 timeframe: str) -> pd.DataFrame:
        from signaltrust.data.importers import read_csv, read_parquet

        path = self.file_for(symbol)
        frame = read_parquet(path) if path.suffix == ".parquet" else read_csv(path)
        return frame[(frame.index >= start) & (frame.index < end)]


@dataclass(frozen=True)
class BarUpdate:
    """What one symbol's update did."""

    symbol: str
    venue: str
    timeframe: str
    start: str | None  # the first bar asked for (None: the store was already up to date)
    fetched: int = 0
    inserted: int = 0
    unchanged: int = 0
    conflicts: int = 0
    last: str | None = None  # the last stored bar after the update

    @property
    def changed(self) -> bool:
        return self.inserted > 0

    def __plain__(self) -> dict[str, Any]:
        return {**asdict(self), "changed": self.changed}


def _utc(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def last_stored(store: Any, symbol: str, timeframe: str, venue: str) -> pd.Timestamp | None:
    """The start of the last stored bar of the series (None: nothing stored)."""
    listing = store.list()
    hit = listing[(listing["symbol"] == symbol) & (listing["timeframe"] == timeframe)
                  & (listing["venue"] == venue)]
    if hit.empty or not int(hit["bars"].iloc[0]):
        return None
    return _utc(hit["end"].iloc[0])


def update_bars(store: Any, fetch: BarFetcher, symbols: Sequence[str], *, venue: str,
                timeframe: str = "1d", start: Any = "2024-01-01", now: Any = None
                ) -> list[BarUpdate]:
    """Fetch each symbol's bars after its last stored one (from ``start`` when none is) up to
    ``now`` and upsert them; stored bars are never changed (a differing bar is a conflict,
    counted and kept as stored). Idempotent: a second run fetches and inserts nothing new."""
    if not symbols:
        raise ValidationError("no symbol to update", field="update_symbols", value=[],
                              fix="list the symbols in [learning] update_symbols")
    tf = Timeframe.parse(timeframe)
    step = tf.pandas_offset  # the next bar after the last stored one
    stop = _utc(now) if now is not None else pd.Timestamp.now("UTC")
    out = []
    for symbol in symbols:
        last = last_stored(store, symbol, str(tf), venue)
        begin = _utc(start) if last is None else last + step
        if begin >= stop:
            out.append(BarUpdate(symbol, venue, str(tf), None,
                                 last=None if last is None else last.isoformat()))
            continue
        bars = fetch(symbol, begin, stop, str(tf))
        if bars.empty:
            out.append(BarUpdate(symbol, venue, str(tf), begin.isoformat(),
                                 last=None if last is None else last.isoformat()))
            continue
        result = store.write(bars, symbol=symbol, venue=venue, timeframe=str(tf),
                             on_conflict="keep")
        newest = last_stored(store, symbol, str(tf), venue)
        out.append(BarUpdate(symbol, venue, str(tf), begin.isoformat(), len(bars),
                             result.inserted, result.unchanged, result.conflicts,
                             None if newest is None else newest.isoformat()))
        logger.info("data update %s: %d fetched, %d inserted", symbol, len(bars),
                    result.inserted)
    return out


@dataclass(frozen=True)
class FeatureRefresh:
    """What one symbol's feature refresh did."""

    symbol: str
    rows: int
    columns: int
    cached: bool  # the feature store already held this exact frame
    key: str
    last: str | None

    def __plain__(self) -> dict[str, Any]:
        return asdict(self)


def refresh_features(store: Any, feature_store: Any, feature_set: Any,
                     symbols: Sequence[str], *, venue: str, timeframe: str = "1d"
                     ) -> list[FeatureRefresh]:
    """Compute ``feature_set`` on each symbol's stored bars through ``feature_store`` (its
    cache: a series that did not change since the last refresh is a hit)."""
    out = []
    for symbol in symbols:
        bars = store.read(symbol, timeframe, venue=venue)
        if bars.empty:
            continue
        key = feature_store.key(feature_set, bars)
        cached = feature_store.path(key).is_file()
        frame = feature_store.get_or_compute(feature_set, bars)
        out.append(FeatureRefresh(symbol, len(frame), frame.shape[1], cached, key,
                                  bars.index[-1].isoformat()))
    return out


def record_updated(folder: Path, updates: Sequence[BarUpdate]) -> list[str]:
    """Add the symbols ``updates`` changed to ``<folder>/updated.json``; returns them all."""
    path = Path(folder) / UPDATED_FILE
    pending = pending_symbols(folder)
    pending += [u.symbol for u in updates if u.changed and u.symbol not in pending]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pending))
    return pending


def pending_symbols(folder: Path) -> list[str]:
    """The symbols updated since the last feature refresh."""
    path = Path(folder) / UPDATED_FILE
    return list(json.loads(path.read_text())) if path.is_file() else []


def clear_pending(folder: Path, done: Sequence[str]) -> None:
    path = Path(folder) / UPDATED_FILE
    left = [s for s in pending_symbols(folder) if s not in set(done)]
    if path.is_file():
        path.write_text(json.dumps(left))


__all__ = ["BarFetcher", "BarUpdate", "FeatureRefresh", "LocalFileSource", "clear_pending",
           "last_stored", "pending_symbols", "record_updated", "refresh_features",
           "update_bars"]
