"""Vintage tables: what a macro series said, and from when, for as-of lookups without revisions
leaking backwards.

The format is :class:`~signaltrust.data.fred.FredVintages` (ALFRED's real-time periods: one row
per observation ``date`` and ``value`` with the ``realtime_start`` and ``realtime_end`` days it
held). Three ways in:

- ``signaltrust data download --source fred SERIES`` (FRED's API, every real-time period);
- :func:`read_alfred_csv`: a CSV exported from ALFRED, either *by real-time period* (columns
  ``realtime_start``, ``realtime_end``, ``date`` or ``observation_date``, and ``value`` or the
  series id) or *by vintage date* (``observation_date`` and one column per vintage,
  ``SERIES_YYYYMMDD``);
- :func:`vintages_from_lag`: a series that was never revised (a bundled one) with a fixed
  publication lag, the fallback when no vintage was downloaded.

:class:`AsOfVintages` answers "what was known at ``t``": a release day's values are usable from
the end of that day (``release_lag``, one day by default, as in
:mod:`signaltrust.features.macro_fred`), so a revision published on day D is not seen before
D's close.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.data.fred import FredVintages

RELEASE_LAG = pd.Timedelta(days=1)
_START = ("realtime_start", "realtime_start_date")
_END = ("realtime_end", "realtime_end_date")
_DATE = ("date", "observation_date")
_VINTAGE_COLUMN = re.compile(r"^(?P<series>.+)_(?P<day>\d{8})$")


def _days(values: Any, column: str) -> pd.Series:
    text = pd.Series(values, dtype=object).astype(str).str.strip()
    open_end = text.str.startswith("9999") | text.isin(["", "nan", "NaT", "None"])
    out = pd.to_datetime(text.where(~open_end, None), errors="coerce", utc=True)
    bad = out.isna() & ~open_end
    if bad.any():
        raise ValidationError("a vintage CSV has a date that cannot be read", field=column,
                              value=str(text[bad].iloc[0]), fix="write dates as YYYY-MM-DD")
    return out.dt.normalize().astype("datetime64[ns, UTC]")


def _pick(columns: list[str], names: tuple[str, ...]) -> str | None:
    lowered = {c.lower(): c for c in columns}
    return next((lowered[n] for n in names if n in lowered), None)


def read_alfred_csv(source: str | Path | io.StringIO, series_id: str | None = None
                    ) -> FredVintages:
    """Vintages from an ALFRED CSV export (by real-time period, or by vintage date).

    ``series_id`` names the series when the file does not (a real-time-period file whose value
    column is called ``value``). Missing values (``.`` or empty) are left out.
    """
    frame = pd.read_csv(source, dtype=str, keep_default_na=False)
    columns = [str(c).strip() for c in frame.columns]
    frame.columns = columns
    date = _pick(columns, _DATE)
    if date is None:
        raise ValidationError("a vintage CSV needs an observation date column", field="columns",
                              value=columns, fix="export from ALFRED with observation_date")
    start, end = _pick(columns, _START), _pick(columns, _END)
    if start is not None:
        value_columns = [c for c in columns if c not in (date, start, end)]
        if len(value_columns) != 1:
            raise ValidationError("a real-time-period CSV has one value column",
                                  field="columns", value=columns,
                                  fix="keep realtime_start, realtime_end, date and the value")
        value = value_columns[0]
        name = series_id or ("" if value.lower() == "value" else value)
        if not name:
            raise ValidationError("the CSV does not name its series", field="series_id",
                                  value=None, fix="pass series_id, e.g. 'CPILFESL'")
        rows = frame[~frame[value].str.strip().isin([".", ""])]
        observations = [{"date": d, "value": v, "realtime_start": s,
                         "realtime_end": e if end is not None else "9999-12-31"}
                        for d, v, s, e in zip(rows[date], rows[value], rows[start],
                                              rows[end] if end is not None else rows[start],
                                              strict=True)]
        return _checked(name, observations)
    vintages = {c: _VINTAGE_COLUMN.match(c) for c in columns if c != date}
    unknown = [c for c, m in vintages.items() if m is None]
    if unknown or not vintages:
        raise ValidationError("a vintage-date CSV names each column SERIES_YYYYMMDD",
                              field="columns", value=unknown or columns,
                              fix="export 'all observations by vintage date' from ALFRED, or "
                                  "one with realtime_start and realtime_end columns")
    names = {m.group("series") for m in vintages.values() if m is not None}
    if len(names) != 1:
        raise ValidationError("a vintage-date CSV holds one series", field="columns",
                              value=sorted(names), fix="export each series on its own")
    ordered = sorted(vintages, key=lambda c: vintages[c].group("day"))  # type: ignore[union-attr]
    days = [pd.Timestamp(vintages[c].group("day")) for c in ordered]  # type: ignore[union-attr]
    observations = []
    for i, column in enumerate(ordered):
        last_day = (days[i + 1] - pd.Timedelta(days=1)).strftime("%Y-%m-%d") \
            if i + 1 < len(ordered) else "9999-12-31"
        for d, v in zip(frame[date], frame[column], strict=True):
            if v.strip() not in (".", ""):
                observations.append({"date": d, "value": v, "realtime_start":
                                     days[i].strftime("%Y-%m-%d"), "realtime_end": last_day})
    return _checked(series_id or names.pop(), _merged(observations))


def _merged(observations: list[dict[str, str]]) -> list[dict[str, str]]:
    """Consecutive vintages that repeat a value become one real-time period."""
    out: list[dict[str, str]] = []
    last: dict[str, dict[str, str]] = {}
    for row in sorted(observations, key=lambda r: (r["date"], r["realtime_start"])):
        kept = last.get(row["date"])
        if kept is not None and kept["value"] == row["value"]:
            kept["realtime_end"] = row["realtime_end"]
            continue
        copy = dict(row)
        out.append(copy)
        last[row["date"]] = copy
    return out


def _checked(series_id: str, observations: list[dict[str, Any]]) -> FredVintages:
    for row in observations:
        try:
            float(row["value"])
        except ValueError:
            raise ValidationError("a vintage CSV has a value that is not a number",
                                  field="value", value=row["value"],
                                  fix="leave missing values as '.' or empty") from None
    vintages = FredVintages.from_observations(series_id, observations)
    rows = vintages.rows
    if rows.empty:
        raise ValidationError("the vintage CSV holds no observation", field="rows", value=0,
                              fix="export a series with values")
    ends = rows["realtime_end"]
    if (ends.notna() & (ends < rows["realtime_start"])).any():
        raise ValidationError("a real-time period ends before it starts", field="realtime_end",
                              value=str(ends[ends < rows["realtime_start"]].iloc[0].date()),
                              fix="check the realtime_start and realtime_end columns")
    return vintages


def vintages_from_lag(series: pd.Series, series_id: str,
                      known_at: Callable[[pd.DatetimeIndex], pd.DatetimeIndex],
                      release_lag: pd.Timedelta = RELEASE_LAG) -> FredVintages:
    """A never-revised ``series`` as vintages: each value released ``known_at(date) -
    release_lag`` (so that it is usable from ``known_at(date)``), never revised."""
    clean = series.dropna()
    index = pd.DatetimeIndex(clean.index)
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    usable = pd.DatetimeIndex(known_at(index))
    rows = pd.DataFrame({
        "date": index.as_unit("ns"),
        "value": clean.to_numpy(dtype=float),
        "realtime_start": (usable - release_lag).as_unit("ns"),
        "realtime_end": pd.Series(pd.NaT, index=range(len(clean)), dtype="datetime64[ns, UTC]"),
    })
    return FredVintages(series_id.upper(), rows.sort_values(["date", "realtime_start"])
                        .reset_index(drop=True))


class AsOfVintages:
    """Fast "what was known at ``t``" lookups on one series' vintages.

    ``known(t)`` is the vintage in effect at ``t - release_lag`` (value by observation date,
    with ``.attrs['usable_from']``: when each value became usable).
    """

    def __init__(self, vintages: FredVintages, release_lag: pd.Timedelta = RELEASE_LAG) -> None:
        self.vintages = vintages
        self.release_lag = release_lag
        rows = vintages.rows.sort_values(["date", "realtime_start"], kind="stable")
        self._date = pd.DatetimeIndex(rows["date"])
        self._dates = self._date.asi8
        self._value = rows["value"].to_numpy(dtype=float)
        lag = release_lag.value
        self._from = rows["realtime_start"].dt.tz_convert(None).to_numpy().astype("int64") + lag
        self._usable = pd.DatetimeIndex(pd.to_datetime(self._from, utc=True))
        end = rows["realtime_end"]
        until = (end + pd.Timedelta(days=1)).dt.tz_convert(None).to_numpy().astype("int64")
        self._until = np.where(end.isna().to_numpy(), np.iinfo(np.int64).max, until + lag)

    @property
    def series_id(self) -> str:
        return self.vintages.series_id

    def known(self, when: Any, since: Any = None) -> pd.Series:
        """The series as it could be read at ``when`` (UTC; naive is read as UTC), by
        observation date (from ``since`` on, when given); ``.attrs['usable_from']`` says when
        each value became usable."""
        t = _utc(when).value
        lo = 0 if since is None else int(np.searchsorted(self._dates, _utc(since).value))
        mask = (self._from[lo:] <= t) & (self._until[lo:] > t)
        dates = self._dates[lo:][mask]
        if (np.diff(dates) <= 0).any():
            raise ValidationError("two vintages of one observation hold at the same time",
                                  field="realtime_start", value=self.series_id,
                                  fix="check that the real-time periods do not overlap")
        out = pd.Series(self._value[lo:][mask], index=self._date[lo:][mask],
                        name=self.series_id)
        out.attrs["usable_from"] = pd.Series(self._usable[lo:][mask], index=out.index)
        return out


def _utc(value: Any) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def load_folder(folder: str | Path) -> dict[str, FredVintages]:
    """Every vintage file under ``folder``: ``SERIES.parquet`` (``data download --source
    fred``) and ``SERIES.csv`` (ALFRED exports); a missing folder holds none."""
    path = Path(folder)
    out: dict[str, FredVintages] = {}
    if not path.is_dir():
        return out
    for file in sorted(path.glob("*.csv")):
        out[file.stem.upper()] = read_alfred_csv(file, file.stem.upper())
    for file in sorted(path.glob("*.parquet")):  # a download wins over an export
        out[file.stem.upper()] = FredVintages(file.stem.upper(), pd.read_parquet(file))
    return out


__all__ = ["RELEASE_LAG", "AsOfVintages", "load_folder", "read_alfred_csv", "vintages_from_lag"]
