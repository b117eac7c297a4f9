"""FRED series with their ALFRED vintages: what each value was, and from when it was known.

FRED revises: a monthly figure is first published, then revised months or years later.
``FredClient.vintages`` asks ``/fred/series/observations`` for every real-time period
(``realtime_start=1776-07-04``, ``realtime_end=9999-12-31``), so each row says: observation
``date`` had ``value`` from ``realtime_start`` until ``realtime_end``. ``FredVintages.as_of(t)``
is the series as it was known at ``t``, and ``known_values`` turns a transform of the series
(a level, a year-on-year change) into one value per release day computed only from what had
been published that day (``signaltrust.features.macro_fred`` aligns them to bars): before a
revision, the first release is used.

A release day's values are taken as usable from the end of that day (UTC), since FRED does not
stamp the hour (US releases are mostly 08:30 New York). The API key is passed in; only the
boundary (the CLI, with ``$FRED_API_KEY``) reads it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd

from signaltrust.core.errors import DatasetNotFoundError, ValidationError

FRED_URL = "https://api.stlouisfed.org"
ALL_REALTIME = ("1776-07-04", "9999-12-31")
PAGE_LIMIT = 100_000  # FRED's maximum
Transform = Callable[[pd.Series], pd.Series]


def _utc_days(values: pd.Series) -> pd.Series:
    text = values.astype(str)
    open_end = text.str.startswith("9999")
    out = pd.to_datetime(text.where(~open_end, None), utc=True, format="%Y-%m-%d")
    return out.astype("datetime64[ns, UTC]")


@dataclass(frozen=True)
class FredVintages:
    """Every published value of one series: date, value, realtime_start, realtime_end (NaT:
    still current). Dates and real-time bounds are UTC midnights."""

    series_id: str
    rows: pd.DataFrame

    @classmethod
    def from_observations(cls, series_id: str, observations: list[dict[str, Any]]) -> FredVintages:
        """From the ``observations`` list of FRED's JSON (values '.' are missing: dropped)."""
        frame = pd.DataFrame(observations, columns=["realtime_start", "realtime_end", "date",
                                                    "value"])
        frame = frame[frame["value"].astype(str) != "."]
        rows = pd.DataFrame({
            "date": _utc_days(frame["date"]),
            "value": pd.to_numeric(frame["value"], errors="coerce"),
            "realtime_start": _utc_days(frame["realtime_start"]),
            "realtime_end": _utc_days(frame["realtime_end"]),
        }).dropna(subset=["date", "value", "realtime_start"])
        rows = rows.sort_values(["date", "realtime_start"], kind="stable").reset_index(drop=True)
        return cls(series_id.upper(), rows)

    def _in_effect(self, when: pd.Timestamp) -> np.ndarray:
        """Rows whose real-time period holds ``when``: FRED's ``realtime_end`` is the last day
        the value held (inclusive), so start <= when < end + 1 day; an open end holds now."""
        t = when.tz_convert("UTC").value
        start = self.rows["realtime_start"].dt.tz_convert(None).to_numpy().astype("int64")
        end_col = self.rows["realtime_end"]
        end = (end_col + pd.Timedelta(days=1)).dt.tz_convert(None).to_numpy().astype("int64")
        end = np.where(end_col.isna().to_numpy(), np.iinfo(np.int64).max, end)
        return (start <= t) & (end > t)

    def as_of(self, when: Any) -> pd.Series:
        """The series as it was published at ``when`` (a vintage): value by observation date."""
        stamp = pd.Timestamp(when)
        stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
        rows = self.rows[self._in_effect(stamp)]
        return pd.Series(rows["value"].to_numpy(), index=pd.DatetimeIndex(rows["date"]),
                         name=self.series_id)

    def latest(self) -> pd.Series:
        """The series as published now (every value's latest revision)."""
        return self.as_of(self.rows["realtime_start"].max())

    def first_release(self) -> pd.DataFrame:
        """Each observation's first published value and when (``value``, ``released``)."""
        first = self.rows.drop_duplicates("date", keep="first")
        return pd.DataFrame({"value": first["value"].to_numpy(),
                             "released": first["realtime_start"].to_numpy()},
                            index=pd.DatetimeIndex(first["date"], name="date"))

    def releases(self) -> pd.DatetimeIndex:
        """The days on which something of the series was published or revised, ascending."""
        return pd.DatetimeIndex(self.rows["realtime_start"].drop_duplicates().sort_values())

    def known_values(self, transform: Transform | None = None) -> pd.Series:
        """At each release, the transform's value at the latest observation of that vintage."""
        values, stamps = [], []
        for release in self.releases():
            vintage = self.as_of(release)
            if vintage.empty:
                continue
            out = transform(vintage) if transform is not None else vintage
            values.append(float(out.iloc[-1]))
            stamps.append(release)
        return pd.Series(values, index=pd.DatetimeIndex(stamps), name=self.series_id)

    def save(self, folder: Path) -> Path:
        """Write to ``folder/<SERIES>.parquet``; returns the path."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.series_id}.parquet"
        self.rows.to_parquet(path, index=False)
        return path


def load_vintages(folder: Path, series_id: str) -> FredVintages:
    """Vintages saved by ``FredVintages.save`` (``signaltrust data download --source fred``)."""
    path = Path(folder) / f"{series_id.upper()}.parquet"
    if not path.exists():
        raise DatasetNotFoundError(f"no FRED vintages of {series_id.upper()} in {folder}",
                                   field="series", value=series_id,
                                   fix=f"signaltrust data download --source fred {series_id}")
    return FredVintages(series_id.upper(), pd.read_parquet(path))


class FredClient:
    """FRED's REST API (sync httpx): series metadata and observations with vintages."""

    def __init__(self, api_key: str, base_url: str = FRED_URL, *, timeout_s: float = 20.0,
                 retries: int = 3, backoff_s: float = 1.0,
                 sleep: Callable[[float], None] = time.sleep,
                 transport: httpx.BaseTransport | None = None) -> None:
        if not api_key or not str(api_key).strip():
            raise ValidationError("FRED needs an API key", field="api_key", value=None,
                                  fix="get a free key at fred.stlouisfed.org and set "
                                      "$FRED_API_KEY")
        self._key = str(api_key).strip()
        self.base_url = base_url.rstrip("/")
        self.retries, self.backoff_s, self.sleep = retries, backoff_s, sleep
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout_s, transport=transport)

    def __repr__(self) -> str:  # never the key
        return f"FredClient({self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> FredClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        query = {**params, "api_key": self._key, "file_type": "json"}
        for attempt in range(self.retries + 1):
            try:
                reply = self._http.get(path, params=query)
            except httpx.TransportError as exc:
                if attempt == self.retries:
                    raise ValidationError(f"FRED did not answer ({type(exc).__name__})",
                                          field="base_url", value=self.base_url,
                                          fix="check the network and try again") from None
                self.sleep(self.backoff_s * 2**attempt)
                continue
            if reply.status_code == 429 or reply.status_code >= 500:
                if attempt == self.retries:
                    break
                wait = reply.headers.get("Retry-After")
                self.sleep(float(wait) if wait and wait.isdigit() else self.backoff_s * 2**attempt)
                continue
            body = reply.json() if reply.content else {}
            if reply.status_code >= 400:
                message = str(body.get("error_message", reply.text))[:300]
                message = message.replace(self._key, "***")
                raise ValidationError(f"FRED refused: {message}", field="series_id",
                                      value=params.get("series_id"),
                                      fix="check the series id (e.g. CPIAUCSL) and the API key")
            return body
        raise ValidationError("FRED kept answering 'too many requests' or a server error",
                              field="series_id", value=params.get("series_id"),
                              fix="wait a minute (FRED allows 120 requests a minute)")

    def vintages(self, series_id: str, *, realtime: tuple[str, str] = ALL_REALTIME,
                 observation_start: str | None = None) -> FredVintages:
        """Every real-time period of ``series_id`` (ALFRED), paged through FRED's limit."""
        params: dict[str, Any] = {"series_id": series_id.upper(), "realtime_start": realtime[0],
                                  "realtime_end": realtime[1], "limit": PAGE_LIMIT,
                                  "offset": 0}
        if observation_start:
            params["observation_start"] = observation_start
        rows: list[dict[str, Any]] = []
        while True:
            page = self._get("/fred/series/observations", params)
            got = page.get("observations") or []
            rows.extend(got)
            count = int(page.get("count", len(rows)))
            if not got or len(rows) >= count:
                break
            params["offset"] = len(rows)
        return FredVintages.from_observations(series_id, rows)

    def series_info(self, series_id: str) -> dict[str, Any]:
        """Title, frequency, units and last update of a series."""
        page = self._get("/fred/series", {"series_id": series_id.upper()})
        series = page.get("seriess") or []
        if not series:
            raise DatasetNotFoundError(f"FRED has no series {series_id}", field="series_id",
                                       value=series_id, fix="search fred.stlouisfed.org")
        return dict(series[0])


__all__ = ["FRED_URL", "FredClient", "FredVintages", "load_vintages"]
