"""Data (viewer): the bundled datasets, bars of a symbol over a date range, quality reports.

Only bundled datasets and series of the configured bar store are served: never a file path.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from signaltrust.api.errors import ApiError
from signaltrust.api.security import Principal, require_role
from signaltrust.core.serialize import to_plain

router = APIRouter(prefix="/data", tags=["data"])
MAX_ROWS = 20_000
_SYMBOL = r"^[A-Za-z0-9^][A-Za-z0-9_.^=@-]{0,63}$"


class DatasetAnswer(BaseModel):
    name: str = Field(examples=["sp500"])
    kind: str = Field(examples=["bars"])
    timeframe: str = Field(examples=["1d"])
    frequency: str = Field(examples=["daily"])
    start: str | None = Field(examples=["1999-01-04T00:00:00+00:00"])
    end: str | None = Field(examples=["2018-12-31T00:00:00+00:00"])
    bars: int = Field(examples=[5031])
    columns: list[str] = Field(examples=[["open", "high", "low", "close", "volume"]])
    source: str
    description: str


class BarsAnswer(BaseModel):
    symbol: str = Field(examples=["sp500"])
    source: str = Field(examples=["bundled dataset sp500 (bars, 1d)"])
    columns: list[str] = Field(examples=[["open", "high", "low", "close", "volume"]])
    rows: int = Field(examples=[2])
    truncated: bool = Field(examples=[False])
    bars: list[dict[str, Any]] = Field(examples=[[
        {"timestamp": "2018-12-28T00:00:00+00:00", "open": 2498.77, "high": 2520.27,
         "low": 2472.89, "close": 2485.74, "volume": 3.7e9}]])


def _datasets() -> list[Any]:
    from signaltrust.data.catalog import list_datasets

    return list_datasets()


@router.get("/datasets", response_model=list[DatasetAnswer], summary="The bundled datasets")
def datasets(_: Annotated[Principal, Depends(require_role("viewer"))]) -> list[DatasetAnswer]:
    from signaltrust.data.catalog import dataset_info

    return [DatasetAnswer(**{k: v for k, v in dataset_info(s.name).items()
                             if k in DatasetAnswer.model_fields}) for s in _datasets()]


@router.get("/datasets/{name}", summary="One bundled dataset's summary and instrument")
def dataset(name: Annotated[str, Path(pattern=_SYMBOL)],
            _: Annotated[Principal, Depends(require_role("viewer"))]) -> dict[str, Any]:
    from signaltrust.data.catalog import dataset_info

    return to_plain(dataset_info(name))


@router.get("/bars/{symbol}", response_model=BarsAnswer,
            summary="Bars of a bundled dataset or a stored series, between two dates")
def bars(
    request: Request,
    symbol: Annotated[str, Path(pattern=_SYMBOL, description="sp500, goog, GOOG.XNAS@1d ...")],
    _: Annotated[Principal, Depends(require_role("viewer"))],
    start: Annotated[date | None, Query(description="first day (inclusive)")] = None,
    end: Annotated[date | None, Query(description="last day (inclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 5000,
) -> BarsAnswer:
    """The bars (or prices of a panel) from ``start`` to ``end``, at most ``limit`` rows (the
    first ones; ``truncated`` says whether more were in range)."""
    import pandas as pd

    if start and end and start > end:
        raise ApiError(422, "ValidationError", "start is after end", field="start",
                       value=start.isoformat(), fix="give a start on or before the end")
    frame, source = _open(request, symbol)
    if start is not None:
        frame = frame[frame.index >= pd.Timestamp(start, tz="UTC")]
    if end is not None:
        frame = frame[frame.index < pd.Timestamp(end, tz="UTC") + pd.Timedelta(days=1)]
    truncated = len(frame) > limit
    frame = frame.iloc[:limit]
    return BarsAnswer(symbol=symbol, source=source, columns=[str(c) for c in frame.columns],
                      rows=len(frame), truncated=truncated, bars=_records(frame))


@router.get("/quality/{name}", summary="The data-quality report of a bundled dataset")
def quality(name: Annotated[str, Path(pattern=_SYMBOL)],
            _: Annotated[Principal, Depends(require_role("viewer"))]) -> dict[str, Any]:
    """Every check's findings (gaps, repeated bars, outliers, bad prices ...) and a summary."""
    from signaltrust.data.quality import check_dataset

    return to_plain(check_dataset(name))


def _open(request: Request, symbol: str) -> tuple[Any, str]:
    from signaltrust.core.errors import DatasetNotFoundError
    from signaltrust.data.catalog import get_spec, load

    try:
        spec = get_spec(symbol)
        return load(spec.name), f"bundled dataset {spec.name} ({spec.kind}, {spec.timeframe})"
    except DatasetNotFoundError:
        pass
    store = _store(request)
    if store is not None:
        found = _stored(store, symbol)
        if found is not None:
            return found
    names = ", ".join(s.name for s in _datasets())
    raise ApiError(404, "DatasetNotFoundError", f"no dataset or stored series {symbol!r}",
                   field="symbol", value=symbol,
                   fix=f"use a bundled dataset ({names}) or a series in the bar store")


def _stored(store: Any, spec: str) -> tuple[Any, str] | None:
    """The one stored series ``SYMBOL[.VENUE][@TIMEFRAME]`` names, or None."""
    from signaltrust.core.errors import ValidationError
    from signaltrust.data.sources import parse_series

    try:
        symbol, venue, timeframe = parse_series(spec)
    except ValidationError:
        return None
    listing = store.list()
    hit = listing[listing["symbol"] == symbol]
    if venue is not None:
        hit = hit[hit["venue"] == venue]
    if timeframe is not None:
        hit = hit[hit["timeframe"] == timeframe]
    if len(hit) > 1:
        shown = ", ".join(f"{r.symbol}.{r.venue}@{r.timeframe}" for r in hit.itertuples())
        raise ApiError(422, "ValidationError", f"{spec} matches several stored series: {shown}",
                       field="symbol", value=spec, fix="name one as SYMBOL.VENUE@TIMEFRAME")
    if len(hit) == 0:
        return None
    row = hit.iloc[0]
    frame = store.read(row["symbol"], row["timeframe"], venue=row["venue"])
    return frame, f"stored series {row['symbol']}.{row['venue']}@{row['timeframe']}"


def _store(request: Request) -> Any:
    """The configured bar store when it exists already (never created by a read)."""
    settings = request.app.state.settings
    if settings.store.backend == "duckdb" and not settings.lake_path.exists():
        return None
    from signaltrust.data.store import open_store

    try:
        return open_store(settings)
    except Exception:  # an unreachable store means: only bundled data
        return None


def _records(frame: Any) -> list[dict[str, Any]]:
    out = []
    columns = [str(c) for c in frame.columns]
    for stamp, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        row: dict[str, Any] = {"timestamp": stamp.isoformat()}
        for column, value in zip(columns, values, strict=True):
            row[column] = None if value != value else float(value)  # NaN -> null
        out.append(row)
    return out
