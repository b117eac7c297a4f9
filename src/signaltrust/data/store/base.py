"""The bar store interface: idempotent upserts of OHLCV bars keyed by symbol, venue and timeframe.

Every backend shares the rules written here: how incoming bars are checked, how they are
compared with the stored ones, and what a conflict is. Ranges are half-open: ``start`` is
included, ``end`` is excluded, both in UTC (naive timestamps are taken to be UTC).
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from signaltrust.core.bars import BAR_COLUMNS, INDEX_NAME, validate_bars
from signaltrust.core.errors import BarConflictError, DatasetNotFoundError, ValidationError
from signaltrust.core.timeframe import Timeframe

logger = logging.getLogger(__name__)

OnConflict = Literal["raise", "keep", "overwrite"]
ON_CONFLICT_CHOICES: tuple[str, ...] = ("raise", "keep", "overwrite")
RELATIVE_TOLERANCE = 1e-12
LIST_COLUMNS: tuple[str, ...] = ("symbol", "venue", "timeframe", "start", "end", "bars")
_NAME = re.compile(r"^[^\x00-\x1f\x7f]{1,64}$")


@dataclass(frozen=True)
class SeriesKey:
    """One stored series: a symbol at a venue in one timeframe (canonical, e.g. ``1d``)."""

    symbol: str
    venue: str
    timeframe: str

    @classmethod
    def make(cls, symbol: str, timeframe: Timeframe | str, venue: str = "SIM") -> SeriesKey:
        """Check the names and canonicalise the timeframe (``daily`` becomes ``1d``)."""
        for name, value in (("symbol", symbol), ("venue", venue)):
            if not isinstance(value, str) or not _NAME.match(value) or value.strip() != value:
                raise ValidationError(
                    f"bad {name} for the bar store",
                    field=name,
                    value=value,
                    fix=f"use 1 to 64 printable characters without surrounding spaces, e.g. {name}="
                    + ("'GOOG'" if name == "symbol" else "'SIM'"),
                )
        return cls(symbol, venue, str(Timeframe.parse(timeframe)))

    def __str__(self) -> str:
        return f"{self.symbol}.{self.venue} {self.timeframe}"


@dataclass
class WriteResult:
    """What a write did: bars inserted, bars already stored with equal values, and conflicts.

    ``conflict_rows`` holds one row per clashing timestamp with ``stored_<column>`` and
    ``incoming_<column>`` values; ``overwritten`` counts the conflicts replaced (only with
    ``on_conflict="overwrite"``); ``dropped_columns`` names incoming columns the store does not
    keep.
    """

    symbol: str
    venue: str
    timeframe: str
    inserted: int = 0
    unchanged: int = 0
    conflicts: int = 0
    overwritten: int = 0
    on_conflict: str = "raise"
    conflict_rows: pd.DataFrame = field(default_factory=lambda: empty_conflicts(), repr=False)
    dropped_columns: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.overwritten)

    def to_dict(self) -> dict:
        return {
            "symbol": self.symbol,
            "venue": self.venue,
            "timeframe": self.timeframe,
            "inserted": self.inserted,
            "unchanged": self.unchanged,
            "conflicts": self.conflicts,
            "overwritten": self.overwritten,
            "on_conflict": self.on_conflict,
            "conflict_timestamps": [ts.isoformat() for ts in self.conflict_rows.index],
            "dropped_columns": list(self.dropped_columns),
        }


def empty_conflicts() -> pd.DataFrame:
    columns = [f"{side}_{c}" for c in BAR_COLUMNS for side in ("stored", "incoming")]
    index = pd.DatetimeIndex([], tz="UTC", name=INDEX_NAME).as_unit("ns")
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}, index=index)


def empty_bars() -> pd.DataFrame:
    index = pd.DatetimeIndex([], tz="UTC", name=INDEX_NAME).as_unit("ns")
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in BAR_COLUMNS}, index=index)


def bars_from_arrays(ts_ns: np.ndarray, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """A canonical bar frame from int64 nanoseconds and float columns (missing volume is NaN)."""
    index = pd.DatetimeIndex(pd.to_datetime(np.asarray(ts_ns, dtype="int64"), unit="ns", utc=True))
    data = {c: np.asarray(columns[c], dtype="float64") for c in BAR_COLUMNS}
    return pd.DataFrame(data, index=index.as_unit("ns").rename(INDEX_NAME))


def check_policy(on_conflict: str) -> OnConflict:
    if on_conflict not in ON_CONFLICT_CHOICES:
        raise ValidationError(
            "unknown conflict policy",
            field="on_conflict",
            value=on_conflict,
            fix="use 'raise' (default, writes nothing), 'keep' (stored values win) or 'overwrite'",
        )
    return on_conflict  # type: ignore[return-value]


def prepare_bars(bars: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Check incoming bars; return them canonical (UTC ns, sorted, OHLCV) and dropped columns.

    Refused: frames failing :func:`validate_bars`, duplicate timestamps, indexes that are not
    timestamps, timestamps finer than a microsecond (PostgreSQL keeps microseconds).
    """
    frame = validate_bars(bars)
    index = frame.index
    if index.hasnans:
        raise ValidationError(
            "bars have a missing timestamp (NaT) in the index",
            field="timestamp",
            value=int(index.isna().sum()),
            fix="drop or repair the rows whose date did not parse",
        )
    duplicated = index[index.duplicated()]
    if len(duplicated):
        raise ValidationError(
            f"bars repeat {len(duplicated)} timestamp(s) within the incoming frame",
            field="timestamp",
            value=[ts.isoformat() for ts in duplicated.unique()[:5]],
            fix="keep one bar per timestamp (e.g. bars[~bars.index.duplicated()] after checking "
            "which is right)",
        )
    if (index.asi8 % 1000).any():
        raise ValidationError(
            "bars have timestamps finer than a microsecond",
            field="timestamp",
            value=index[(index.asi8 % 1000) != 0][0].isoformat(),
            fix="floor the index to microseconds: bars.index = bars.index.floor('us')",
        )
    dropped = [c for c in frame.columns if c not in BAR_COLUMNS]
    if dropped:
        logger.info("the bar store keeps OHLCV only; not stored: %s", dropped)
    out = frame.reindex(columns=list(BAR_COLUMNS)).astype("float64").sort_index()
    return out, dropped


def to_utc_ns(value: pd.Timestamp | str | None, *, field_name: str) -> int | None:
    """A range bound as int64 nanoseconds since the epoch (naive means UTC)."""
    if value is None:
        return None
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValidationError(
            "not a timestamp", field=field_name, value=value, fix="use ISO dates such as 2018-01-31"
        ) from exc
    if stamp is pd.NaT:
        raise ValidationError("missing timestamp", field=field_name, value=value, fix="give a date")
    stamp = stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")
    return int(stamp.as_unit("ns").value)


def _same(stored: np.ndarray, incoming: np.ndarray) -> np.ndarray:
    both_nan = np.isnan(stored) & np.isnan(incoming)
    with np.errstate(invalid="ignore"):
        close = np.abs(stored - incoming) <= RELATIVE_TOLERANCE * np.maximum(
            np.abs(stored), np.abs(incoming)
        )
    return both_nan | close


@dataclass
class MergePlan:
    """How incoming bars relate to the stored ones at the same timestamps."""

    new: pd.DataFrame
    unchanged: int
    conflicts: pd.DataFrame

    def result(self, key: SeriesKey, policy: OnConflict, dropped: Sequence[str]) -> WriteResult:
        """Raise on conflicts under the ``raise`` policy, else describe the write."""
        if len(self.conflicts) and policy == "raise":
            shown = ", ".join(ts.isoformat() for ts in self.conflicts.index[:10])
            more = f" and {len(self.conflicts) - 10} more" if len(self.conflicts) > 10 else ""
            raise BarConflictError(
                f"{len(self.conflicts)} bar(s) of {key} differ from the stored ones at "
                f"{shown}{more}; "
                "nothing was written",
                conflicts=self.conflicts,
                fix="check which source is right, then write again with on_conflict='keep' "
                "(stored values win) or on_conflict='overwrite' (incoming values win)",
            )
        return WriteResult(
            symbol=key.symbol,
            venue=key.venue,
            timeframe=key.timeframe,
            inserted=len(self.new),
            unchanged=self.unchanged,
            conflicts=len(self.conflicts),
            overwritten=len(self.conflicts) if policy == "overwrite" else 0,
            on_conflict=policy,
            conflict_rows=self.conflicts,
            dropped_columns=list(dropped),
        )


def plan_merge(stored: pd.DataFrame, incoming: pd.DataFrame) -> MergePlan:
    """Split ``incoming`` into new bars, bars equal to the stored ones, and conflicts.

    ``stored`` needs only the stored bars at timestamps that ``incoming`` also has (more is fine).
    Values are equal within a relative tolerance of 1e-12; NaN equals NaN.
    """
    overlap = incoming.index.intersection(stored.index)
    new = incoming.loc[~incoming.index.isin(overlap)]
    if len(overlap) == 0:
        return MergePlan(new=new, unchanged=0, conflicts=empty_conflicts())
    old = stored.loc[overlap, list(BAR_COLUMNS)].to_numpy("float64")
    inc = incoming.loc[overlap, list(BAR_COLUMNS)].to_numpy("float64")
    differs = ~_same(old, inc).all(axis=1)
    report = {}
    for j, column in enumerate(BAR_COLUMNS):
        report[f"stored_{column}"] = old[differs, j]
        report[f"incoming_{column}"] = inc[differs, j]
    conflicts = pd.DataFrame(report, index=overlap[differs].rename(INDEX_NAME))
    return MergePlan(new=new, unchanged=int((~differs).sum()), conflicts=conflicts)


def not_found(
    key: SeriesKey, listing: pd.DataFrame, what: str = "no bars stored for"
) -> DatasetNotFoundError:
    """An error naming the missing series and what the store does hold."""
    stored = [f"{r.symbol}.{r.venue} {r.timeframe}" for r in listing.itertuples()]
    shown = ", ".join(stored[:20]) + (f" and {len(stored) - 20} more" if len(stored) > 20 else "")
    return DatasetNotFoundError(
        f"{what} {key}; stored: {shown or 'nothing yet'}",
        field="symbol",
        value=key.symbol,
        fix="pick one of the stored series (signaltrust data stored) or ingest it first "
        "(signaltrust data ingest NAME|FILE)",
    )


class BarStore(ABC):
    """Where bars live: write (idempotent upsert), read by range, list, delete.

    >>> store = open_store()                                     # doctest: +SKIP
    >>> store.write(bars, symbol="GOOG", timeframe="1d")         # doctest: +SKIP
    >>> store.read("GOOG", "1d", start="2010-01-01", end="2011-01-01")  # doctest: +SKIP
    """

    def write(
        self,
        bars: pd.DataFrame,
        *,
        symbol: str,
        timeframe: Timeframe | str,
        venue: str = "SIM",
        on_conflict: OnConflict = "raise",
    ) -> WriteResult:
        """Upsert bars: new timestamps added, equal bars left alone, differing ones are conflicts.

        ``on_conflict``: ``"raise"`` (default) raises :class:`BarConflictError` and writes nothing;
        ``"keep"`` keeps the stored values and reports the conflicts; ``"overwrite"`` replaces them.
        """
        key = SeriesKey.make(symbol, timeframe, venue)
        policy = check_policy(on_conflict)
        incoming, dropped = prepare_bars(bars)
        if incoming.empty:
            return WriteResult(
                key.symbol, key.venue, key.timeframe, on_conflict=policy, dropped_columns=dropped
            )
        return self._write(key, incoming, policy, dropped)

    def read(
        self,
        symbol: str,
        timeframe: Timeframe | str,
        *,
        venue: str | None = None,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
    ) -> pd.DataFrame:
        """Stored bars of one series with ``start <= timestamp < end`` (either bound optional).

        ``venue=None`` picks the only venue storing the symbol in that timeframe. An absent series
        raises :class:`DatasetNotFoundError` listing what is stored; a range with no bars gives an
        empty frame.
        """
        key = self._resolve(symbol, timeframe, venue)
        lo, hi = to_utc_ns(start, field_name="start"), to_utc_ns(end, field_name="end")
        return self._read(key, lo, hi)

    def delete(
        self,
        symbol: str,
        timeframe: Timeframe | str,
        *,
        venue: str | None = None,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
    ) -> int:
        """Delete the bars of one series with ``start <= timestamp < end``; return how many went."""
        key = self._resolve(symbol, timeframe, venue)
        lo, hi = to_utc_ns(start, field_name="start"), to_utc_ns(end, field_name="end")
        return self._delete(key, lo, hi)

    def exists(self, symbol: str, timeframe: Timeframe | str, *, venue: str | None = None) -> bool:
        """Whether any bars of the series are stored (any venue when ``venue`` is None)."""
        listing = self.list()
        tf = str(Timeframe.parse(timeframe))
        hit = (listing["symbol"] == symbol) & (listing["timeframe"] == tf)
        if venue is not None:
            hit &= listing["venue"] == venue
        return bool(hit.any())

    @abstractmethod
    def list(self) -> pd.DataFrame:
        """One row per stored series: symbol, venue, timeframe, start, end (UTC), bars."""

    @abstractmethod
    def _write(
        self, key: SeriesKey, incoming: pd.DataFrame, policy: OnConflict, dropped: Sequence[str]
    ) -> WriteResult: ...

    @abstractmethod
    def _read(self, key: SeriesKey, start_ns: int | None, end_ns: int | None) -> pd.DataFrame: ...

    @abstractmethod
    def _delete(self, key: SeriesKey, start_ns: int | None, end_ns: int | None) -> int: ...

    def _resolve(self, symbol: str, timeframe: Timeframe | str, venue: str | None) -> SeriesKey:
        """The stored series meant by symbol/timeframe/venue, or an error naming what is stored."""
        key = SeriesKey.make(symbol, timeframe, venue or "SIM")
        listing = self.list()
        hit = listing[(listing["symbol"] == key.symbol) & (listing["timeframe"] == key.timeframe)]
        if venue is not None:
            hit = hit[hit["venue"] == venue]
        if hit.empty:
            shown = key if venue is not None else SeriesKey(key.symbol, "*", key.timeframe)
            raise not_found(shown, listing)
        if len(hit) > 1:
            raise ValidationError(
                f"{symbol} {key.timeframe} is stored at several venues",
                field="venue",
                value=sorted(hit["venue"]),
                fix="pass venue= (or --venue) to choose one",
            )
        return SeriesKey(key.symbol, str(hit["venue"].iloc[0]), key.timeframe)


def empty_listing() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in LIST_COLUMNS}).astype(
        {"bars": "int64"}
    )


def make_listing(rows: list[tuple]) -> pd.DataFrame:
    """The frame :meth:`BarStore.list` returns.

    ``rows`` are (symbol, venue, timeframe, start_ns, end_ns, bars).
    """
    if not rows:
        out = empty_listing()
        for column in ("start", "end"):
            out[column] = pd.Series(dtype="datetime64[ns, UTC]")
        return out
    frame = pd.DataFrame(rows, columns=list(LIST_COLUMNS))
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(
            frame[column].astype("int64"), unit="ns", utc=True
        ).dt.as_unit("ns")
    frame["bars"] = frame["bars"].astype("int64")
    for column in ("symbol", "venue", "timeframe"):
        frame[column] = frame[column].astype(object)
    return frame.sort_values(["symbol", "venue", "timeframe"]).reset_index(drop=True)
