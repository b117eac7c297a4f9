"""Tick data frames (trades, quotes, L2 book messages): their schema and their quality checks.

Three kinds, one row per record, times as ``ts`` (UTC nanoseconds), in columns (not the index:
ticks may share a timestamp):

- ``trades``: ts, price, size, side (+1 buy aggressor, -1 sell, 0 unknown), seq, trade_id;
- ``quotes``: ts, bid, ask, bid_size, ask_size, seq;
- ``book``: ts, seq, side (+1 bid, -1 ask), price, size (0 removes the level), snapshot (the
  rows of one message share its seq; a snapshot message replaces the book).

``seq`` is the venue's sequence number (-1 when it has none). :func:`tick_frame` puts a frame
in this form; :func:`check_ticks` judges the values and answers a row-level report; writers
refuse a frame whose report has errors (:class:`TickQualityError`, which carries it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

TickKind = Literal["trades", "quotes", "book"]
COLUMNS: dict[str, dict[str, str]] = {
    "trades": {"ts": "datetime64[ns, UTC]", "price": "float64", "size": "float64",
               "side": "int8", "seq": "int64", "trade_id": "object"},
    "quotes": {"ts": "datetime64[ns, UTC]", "bid": "float64", "ask": "float64",
               "bid_size": "float64", "ask_size": "float64", "seq": "int64"},
    "book": {"ts": "datetime64[ns, UTC]", "seq": "int64", "side": "int8", "price": "float64",
             "size": "float64", "snapshot": "bool"},
}
_DEFAULTS: dict[str, Any] = {"side": 0, "seq": -1, "trade_id": "", "snapshot": False}
_PRICES = {"trades": ("price",), "quotes": ("bid", "ask"), "book": ("price",)}
_SIZES = {"trades": ("size",), "quotes": ("bid_size", "ask_size"), "book": ("size",)}


def ns(times: pd.Series) -> np.ndarray:
    """UTC nanoseconds (int64) of a datetime column."""
    return pd.DatetimeIndex(times).as_unit("ns").asi8


def check_kind(kind: str) -> TickKind:
    if kind not in COLUMNS:
        raise ValidationError("unknown kind of tick data", field="kind", value=kind,
                              fix=f"use one of {', '.join(COLUMNS)}")
    return kind  # type: ignore[return-value]


def tick_frame(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """``frame`` in the canonical schema of ``kind``: columns in order and typed, ``ts`` in UTC
    (a DatetimeIndex is taken as ``ts``; naive times are UTC). Values are not judged here."""
    kind = check_kind(kind)
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError("tick data must be a pandas DataFrame", field="ticks",
                              value=type(frame).__name__, fix="pass a DataFrame")
    if "ts" not in frame.columns and isinstance(frame.index, pd.DatetimeIndex):
        frame = frame.reset_index(names="ts")
    spec = COLUMNS[kind]
    missing = [c for c in spec if c not in frame.columns and c not in _DEFAULTS]
    if missing:
        raise ValidationError(f"{kind} lack required columns", field="columns",
                              value=list(frame.columns),
                              fix=f"add or rename columns {missing} (see docs/microstructure.md)")
    out: dict[str, Any] = {}
    for name, dtype in spec.items():
        values = frame[name] if name in frame.columns else pd.Series(
            _DEFAULTS[name], index=frame.index)
        if name == "ts":
            ts = pd.to_datetime(values, utc=True) if not pd.api.types.is_integer_dtype(
                values) else pd.to_datetime(values.to_numpy(np.int64), unit="ns", utc=True)
            out[name] = pd.Series(pd.DatetimeIndex(ts).as_unit("ns"))
        elif dtype == "object":
            out[name] = values.astype(str).to_numpy()
        else:
            if not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
                    values):
                raise ValidationError(f"{kind} column is not numeric", field=name,
                                      value=str(values.dtype),
                                      fix="convert it with pd.to_numeric")
            out[name] = values.to_numpy().astype(dtype)
    result = pd.DataFrame(out)
    result.attrs["kind"] = kind
    return result


@dataclass
class TickQualityReport:
    """What is wrong with a tick frame, row by row: ``issues`` has row (position in the frame),
    check, column and value; ``ok`` when there is nothing."""

    kind: str
    n_rows: int
    issues: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["row", "check", "column", "value"]))

    @property
    def ok(self) -> bool:
        return self.issues.empty

    def counts(self) -> dict[str, int]:
        """How many rows fail each check."""
        return {str(k): int(v) for k, v in self.issues["check"].value_counts().items()}

    def __plain__(self) -> dict[str, Any]:
        return {"kind": self.kind, "n_rows": self.n_rows, "ok": self.ok,
                "counts": self.counts(),
                "issues": self.issues.head(100).astype({"value": str}).to_dict("records")}

    def __str__(self) -> str:
        if self.ok:
            return f"{self.kind}: {self.n_rows} rows, no issues"
        shown = ", ".join(f"{k}: {v}" for k, v in self.counts().items())
        first = self.issues.iloc[0]
        return (f"{self.kind}: {len(self.issues)} issues in {self.n_rows} rows ({shown}); "
                f"first at row {first['row']}: {first['check']} in {first['column']}")


class TickQualityError(ValidationError):
    """Tick data refused by the quality checks; ``report`` names every failing row."""

    def __init__(self, report: TickQualityReport) -> None:
        super().__init__(f"tick data refused: {report}", field="rows",
                         value=report.issues["row"].head(10).tolist(),
                         fix="correct or drop the rows the report names (report.issues)")
        self.report = report


def _rows(mask: np.ndarray, check: str, column: str, values: np.ndarray) -> pd.DataFrame:
    rows = np.flatnonzero(mask)
    return pd.DataFrame({"row": rows, "check": check, "column": column,
                         "value": values[rows].astype(object)})


def check_ticks(frame: pd.DataFrame, kind: str) -> TickQualityReport:
    """Judge a tick frame: non-finite or non-positive prices, negative or non-finite sizes,
    out-of-order times and sequence numbers, crossed quotes and books (``crossed``)."""
    kind = check_kind(kind)
    ticks = tick_frame(frame, kind)
    parts: list[pd.DataFrame] = []
    for col in _PRICES[kind]:
        x = ticks[col].to_numpy()
        bad = ~np.isfinite(x) | (x <= 0)
        if kind == "book":  # a removal may carry any price, but not a non-finite one
            bad = ~np.isfinite(x) | ((x <= 0) & (ticks["size"].to_numpy() > 0))
        parts.append(_rows(bad, "bad_price", col, x))
    for col in _SIZES[kind]:
        x = ticks[col].to_numpy()
        parts.append(_rows(~np.isfinite(x), "bad_size", col, x))
        parts.append(_rows(x < 0, "negative_size", col, x))
    ts = ns(ticks["ts"])
    back = np.zeros(len(ts), dtype=bool)
    back[1:] = ts[1:] < ts[:-1]
    parts.append(_rows(back, "out_of_order_time", "ts", ts))
    seq = ticks["seq"].to_numpy()
    known = seq >= 0
    running = np.maximum.accumulate(np.where(known, seq, -1)) if len(seq) else seq
    stale = np.zeros(len(seq), dtype=bool)
    if len(seq) > 1:
        # a book message spans rows sharing its seq; every other record needs a new one
        before = running[:-1]
        stale[1:] = known[1:] & ((seq[1:] < before) if kind == "book" else (seq[1:] <= before))
    parts.append(_rows(stale, "out_of_order_seq", "seq", seq))
    if kind == "quotes":
        bid, ask = ticks["bid"].to_numpy(), ticks["ask"].to_numpy()
        parts.append(_rows(bid > ask, "crossed", "bid", bid))
    elif kind == "book":
        parts.append(_crossed_book(ticks))
    issues = pd.concat([p for p in parts if len(p)] or [parts[0]], ignore_index=True)
    issues = issues.sort_values(["row", "check"], kind="stable").reset_index(drop=True)
    return TickQualityReport(kind, len(ticks), issues)


def _crossed_book(ticks: pd.DataFrame) -> pd.DataFrame:
    """The last row of each book message after which the best bid is at or above the best ask."""
    from signaltrust.data.ticks_book import replay_book

    crossed_rows: list[int] = []
    for row, best_bid, best_ask in replay_book(ticks):
        if best_bid >= best_ask:
            crossed_rows.append(row)
    mask = np.zeros(len(ticks), dtype=bool)
    mask[crossed_rows] = True
    return _rows(mask, "crossed", "price", ticks["price"].to_numpy())


def require_clean(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The canonical frame, or :class:`TickQualityError` when the checks find any issue."""
    report = check_ticks(frame, kind)
    if not report.ok:
        raise TickQualityError(report)
    return tick_frame(frame, kind)


__all__ = ["COLUMNS", "TickKind", "TickQualityError", "TickQualityReport", "check_ticks",
           "ns", "require_clean", "tick_frame"]
