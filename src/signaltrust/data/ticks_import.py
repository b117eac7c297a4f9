"""Read tick files (CSV or Parquet) in the common exchange export formats into tick frames.

Formats (``fmt``):

- ``"signaltrust"``: the columns of :mod:`signaltrust.data.ticks` (``ts`` as ISO text or
  integer nanoseconds);
- ``"binance-trades"``: Binance's public trade dumps (id, price, qty, quote_qty, time,
  is_buyer_maker[, is_best_match]; time in ms, or µs since 2025); headerless or with header;
- ``"binance-aggtrades"``: agg_trade_id, price, quantity, first_trade_id, last_trade_id,
  transact_time, is_buyer_maker;
- ``"tardis-trades"`` / ``"tardis-quotes"`` / ``"tardis-book"``: Tardis.dev's CSV datasets
  (``trades``, ``quotes``, ``incremental_book_L2``; times in µs; a book message is the rows of
  one timestamp, ``is_snapshot`` marks snapshots).

The result is in canonical form; it is not judged: :func:`signaltrust.data.ticks.check_ticks`
does that, and the lake's ``write`` refuses what fails.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.data.ticks import check_kind, tick_frame

FORMATS = {"signaltrust": None, "binance-trades": "trades", "binance-aggtrades": "trades",
           "tardis-trades": "trades", "tardis-quotes": "quotes", "tardis-book": "book"}
_BINANCE_TRADES = ["id", "price", "qty", "quote_qty", "time", "is_buyer_maker", "is_best_match"]
_BINANCE_AGG = ["agg_trade_id", "price", "quantity", "first_trade_id", "last_trade_id",
                "transact_time", "is_buyer_maker", "is_best_match"]


def _raw(path: Path, names: list[str] | None) -> pd.DataFrame:
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if names is None:
        return pd.read_csv(path)
    with open(path) as handle:
        first = handle.readline()
    has_header = not first.split(",")[0].strip().lstrip("-").replace(".", "").isdigit()
    frame = pd.read_csv(path, header=0 if has_header else None)
    if not has_header:
        frame.columns = names[: frame.shape[1]]
    return frame


def _epoch(values: pd.Series) -> pd.Series:
    """Integer epoch times in s, ms, µs or ns (told apart by size) as UTC timestamps."""
    x = values.to_numpy(np.int64)
    scale = np.where(x > 10**17, 1, np.where(x > 10**14, 1_000, np.where(x > 10**11, 10**6,
                                                                          10**9)))
    return pd.Series(pd.to_datetime(x * scale, unit="ns", utc=True))


def _bool(values: pd.Series) -> np.ndarray:
    if values.dtype == bool:
        return values.to_numpy()
    return values.astype(str).str.strip().str.lower().isin(["true", "1", "t"]).to_numpy()


def read_ticks(path: str | os.PathLike[str], fmt: str = "signaltrust",
               kind: str | None = None) -> pd.DataFrame:
    """The ticks in ``path`` (CSV or Parquet) in format ``fmt`` as a canonical tick frame."""
    file = Path(path).expanduser()
    if fmt not in FORMATS:
        raise ValidationError("unknown tick file format", field="fmt", value=fmt,
                              fix=f"use one of {', '.join(FORMATS)}")
    if not file.exists():
        raise ValidationError("no such file", field="path", value=str(file),
                              fix="check the path")
    target = FORMATS[fmt] or check_kind(kind or "trades")
    if kind is not None and check_kind(kind) != target:
        raise ValidationError(f"format {fmt} holds {target}", field="kind", value=kind,
                              fix=f"pass kind={target!r} or leave it out")
    if fmt == "signaltrust":
        return tick_frame(_raw(file, None), target)
    if fmt == "binance-trades":
        raw = _raw(file, _BINANCE_TRADES)
        return tick_frame(pd.DataFrame({
            "ts": _epoch(raw["time"]), "price": raw["price"], "size": raw["qty"],
            # the buyer is the maker: a seller hit the bid
            "side": np.where(_bool(raw["is_buyer_maker"]), -1, 1), "seq": raw["id"],
            "trade_id": raw["id"].astype(str)}), "trades")
    if fmt == "binance-aggtrades":
        raw = _raw(file, _BINANCE_AGG)
        return tick_frame(pd.DataFrame({
            "ts": _epoch(raw["transact_time"]), "price": raw["price"], "size": raw["quantity"],
            "side": np.where(_bool(raw["is_buyer_maker"]), -1, 1), "seq": raw["agg_trade_id"],
            "trade_id": raw["agg_trade_id"].astype(str)}), "trades")
    raw = _raw(file, None)
    ts = _epoch(raw["timestamp"])
    if fmt == "tardis-trades":
        side = raw["side"].astype(str).str.lower().map({"buy": 1, "sell": -1}).fillna(0)
        return tick_frame(pd.DataFrame({"ts": ts, "price": raw["price"], "size": raw["amount"],
                                        "side": side.astype(np.int8),
                                        "trade_id": raw["id"].astype(str)}), "trades")
    if fmt == "tardis-quotes":
        return tick_frame(pd.DataFrame({"ts": ts, "bid": raw["bid_price"], "ask": raw["ask_price"],
                                        "bid_size": raw["bid_amount"],
                                        "ask_size": raw["ask_amount"]}), "quotes")
    stamp = ts.to_numpy()
    message = np.concatenate(([0], np.cumsum(stamp[1:] != stamp[:-1]))) if len(stamp) else []
    side = raw["side"].astype(str).str.lower().map({"bid": 1, "buy": 1, "ask": -1, "sell": -1})
    if side.isna().any():
        row = int(np.flatnonzero(side.isna().to_numpy())[0])
        raise ValidationError("book side must be bid or ask", field="side",
                              value=raw["side"].iloc[row], fix=f"correct row {row}")
    return tick_frame(pd.DataFrame({"ts": ts, "seq": message, "side": side.astype(np.int8),
                                    "price": raw["price"], "size": raw["amount"],
                                    "snapshot": _bool(raw["is_snapshot"])}), "book")


__all__ = ["FORMATS", "read_ticks"]
