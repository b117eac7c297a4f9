"""The bar store interface: idempotent upserts of OHLCV bars keyed by symbol, venue and timeframe.

Every backend shares the rules written here: how incoming bars are checked, how they are
compared with the stored ones, and what a conflict is. Ranges are half-open: ``start`` is
included, ``end`` is excluded, both in UTC (naive timestamps are taken to be UTC).
"""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from signaltrust.core.bars import BAR_COLUMNS, INDEX_NAME, validate_bars
from signaltrust.core.errors import BarRuleError, DatasetNotFoundError, ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data.quality.rules import check_allow, rule_violations
from signaltrust.data.store.merge import (
    RELATIVE_TOLERANCE,
    MergePlan,
    OnConflict,
    WriteResult,
    empty_conflicts,
    plan_merge,
)

__all__ = [
    "RELATIVE_TOLERANCE",
    "BarStore",
    "MergePlan",
    "OnConflict",
    "SeriesKey",
    "WriteResult",
    "empty_conflicts",
    "plan_merge",
]

logger = logging.getLogger(__name__)

ON_CONFLICT_CHOICES: tuple[str, ...] = ("raise", "keep", "overwrite")
LIST_COLUMNS: tuple[str, ...] = ("symbol", "venue", "timeframe", "start", "end", "bars")
FLAGS = "flags"
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


def empty_bars() -> pd.DataFrame:
    index = pd.DatetimeIndex([], tz="UTC", name=INDEX_NAME).as_unit("ns")
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in BAR_COLUMNS}, index=index)


def bars_from_arrays(
    ts_ns: np.ndarray, columns: dict[str, np.ndarray], flags: np.ndarray | None = None
) -> pd.DataFrame:
    """A canonical bar frame from int64 nanoseconds and float columns (missing volume is NaN);
    with ``flags``, an int16 ``flags`` column follows."""
    index = pd.DatetimeIndex(pd.to_datetime(np.asarray(ts_ns, dtype="int64"), unit="ns", utc=True))
    data = {c: np.asarray(columns[c], dtype="float64") for c in BAR_COLUMNS}
    if flags is not None:
        data[FLAGS] = np.asarray(flags, dtype="int16")
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

    The sorted frame's ``attrs["order"]`` holds each bar's position in ``bars``.

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
    dropped = [c for c in frame.columns if c not in BAR_COLUMNS and c != FLAGS]
    if dropped:
        logger.info("the bar store keeps OHLCV only; not stored: %s", dropped)
    if index.is_monotonic_increasing:  # the usual case: no sorting copy
        order = np.arange(len(index))
        out = frame.reindex(columns=list(BAR_COLUMNS)).astype("float64")
    else:
        order = np.argsort(index.asi8, kind="stable")
        out = frame.reindex(columns=list(BAR_COLUMNS)).astype("float64").iloc[order]
    out.attrs = {"order": order}
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


def _rule_error(key: SeriesKey, refused: pd.DataFrame) -> BarRuleError:
    bars = refused["row"].dropna().nunique() or len(refused)
    shown = "; ".join(
        (f"row {int(r.row)} ({r.timestamp.isoformat()}) " if r.row == r.row and r.row is not None
         else "") + f"{r.rule}: {r.message}"
        for r in refused.head(5).itertuples()
    )
    more = f"; and {len(refused) - 5} more" if len(refused) > 5 else ""
    rules = sorted(refused["rule"].unique())
    return BarRuleError(
        f"{bars} bar(s) of {key} break hard rules ({', '.join(rules)}): {shown}{more}; "
        "nothing was written",
        violations=refused.reset_index(drop=True),
        field=rules[0],
        fix="correct those rows in the source; to store them anyway, flagged, name the rules "
        f"in allow= (the CLI's --allow), e.g. allow={tuple(rules)!r}",
    )


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

    >>> store = open_store(load_settings())                      # doctest: +SKIP
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
        allow: Iterable[str] | None = None,
        rows: Sequence[int] | np.ndarray | None = None,
    ) -> WriteResult:
        """Upsert bars: new timestamps added, equal bars left alone, differing ones are conflicts.

        ``on_conflict``: ``"raise"`` (default) raises :class:`BarConflictError` and writes nothing;
        ``"keep"`` keeps the stored values and reports the conflicts; ``"overwrite"`` replaces them.
        Bars breaking a hard rule (:data:`signaltrust.data.quality.rules.RULES`) raise
        :class:`BarRuleError` and nothing is written, unless ``allow`` names the rule: then they
        are stored with its bit in their flags. ``rows`` numbers the bars in that report (file
        lines; default 1..n).
        """
        key = SeriesKey.make(symbol, timeframe, venue)
        policy = check_policy(on_conflict)
        allowed = check_allow(allow)
        incoming, dropped = prepare_bars(bars)
        order = incoming.attrs.pop("order")
        if rows is not None and len(rows) != len(order):
            raise ValidationError(
                "rows must give one row number per bar", field="rows", value=len(rows),
                fix=f"pass {len(order)} row numbers, or leave rows=None",
            )
        numbers = (np.asarray(rows) if rows is not None else np.arange(1, len(order) + 1))[order]
        violations, flags = rule_violations(incoming, key.timeframe, rows=numbers)
        refused = violations[~violations["rule"].isin(allowed)]
        if len(refused):
            raise _rule_error(key, refused)
        incoming[FLAGS] = flags
        if incoming.empty:
            return WriteResult(
                key.symbol, key.venue, key.timeframe, on_conflict=policy, dropped_columns=dropped
            )
        result = self._write(key, incoming, policy, dropped)
        result.allowed = sorted(allowed)
        return result

    def read(
        self,
        symbol: str,
        timeframe: Timeframe | str,
        *,
        venue: str | None = None,
        start: pd.Timestamp | str | None = None,
        end: pd.Timestamp | str | None = None,
        flags: bool = False,
    ) -> pd.DataFrame:
        """Stored bars of one series with ``start <= timestamp < end`` (either bound optional).

        ``venue=None`` picks the only venue storing the symbol in that timeframe. An absent series
        raises :class:`DatasetNotFoundError` listing what is stored; a range with no bars gives an
        empty frame. ``flags=True`` adds each bar's ``flags`` (the bits of the hard rules it was
        allowed to break; see :func:`signaltrust.data.quality.rules.flag_names`).
        """
        key = self._resolve(symbol, timeframe, venue)
        lo, hi = to_utc_ns(start, field_name="start"), to_utc_ns(end, field_name="end")
        bars = self._read(key, lo, hi)
        return bars if flags else bars.drop(columns=[FLAGS], errors="ignore")

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

    def damaged(self) -> list[tuple[str, str]]:
        """Stored series that cannot be read: (where, why). The lake lists damaged files."""
        return []

    def close(self) -> None:  # noqa: B027 - a no-op unless the backend holds connections
        """Release connections or handles (a no-op where there are none)."""

    def __enter__(self) -> BarStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
