"""Recorded tick data as the trading core's events: quotes, prints and L2 book messages.

A replay's ``ticks={symbol: frame or [frames]}`` takes, per symbol, frames of two forms:

- the plain form (a DatetimeIndex; ``bid``/``ask`` columns for quotes, ``price``/``size`` for
  trades): :class:`~signaltrust.core.events.Tick` events, as before;
- the tick-data schema of :mod:`signaltrust.data.ticks` (``trades``, ``quotes`` with
  ``bid_size``/``ask_size``, ``book``; its ``kind`` in ``frame.attrs`` as the tick lake and
  :func:`~signaltrust.data.ticks.tick_frame` set it, or a ``ts`` column): prints with their
  aggressor side (:class:`~signaltrust.core.book.Trade`), quotes with sizes
  (:class:`~signaltrust.core.book.Quote`) and L2 messages
  (:class:`~signaltrust.core.book.BookUpdate`: the consecutive rows of one ``seq``, or of one
  ``ts`` without sequence numbers, as :mod:`signaltrust.data.ticks_book` reads them).

Book data drives the simulated venue's queue fills and the algorithms' book sizing
(:class:`~signaltrust.trading.books.BookEvents`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.book import BookLevel, BookUpdate, Quote, Side, Trade
from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Tick
from signaltrust.data.ticks import tick_frame

Event = tuple[int, Any]


def frame_kind(frame: pd.DataFrame) -> str:
    """``"trades"``, ``"quotes"`` or ``"book"`` for a frame in the tick-data schema, ``"tick"``
    for the plain form (module doc)."""
    kind = frame.attrs.get("kind")
    if kind in ("trades", "quotes", "book"):
        return str(kind)
    columns = set(frame.columns)
    if "snapshot" in columns:
        return "book"
    if "ts" not in columns and not {"bid_size", "ask_size"} <= columns and "side" not in columns:
        return "tick"
    if "bid" in columns:
        return "quotes"
    if "price" in columns:
        return "trades"
    raise ValidationError("tick data of an unknown kind", field="ticks",
                          value=sorted(columns),
                          fix="pass trades (price, size), quotes (bid, ask) or book rows "
                              "(seq, side, price, size, snapshot); see docs/microstructure.md")


def tick_events(symbol: str, frame: pd.DataFrame) -> list[Event]:
    """``(ts_ns, event)`` for each record of ``frame`` (module doc), in the frame's order."""
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError("tick data must be a pandas DataFrame", field="ticks",
                              value=type(frame).__name__, fix=f"pass {{{symbol!r}: DataFrame}}")
    kind = frame_kind(frame)
    if kind == "tick":
        return _plain(symbol, frame)
    table = tick_frame(frame, kind)
    ts = pd.DatetimeIndex(table["ts"]).as_unit("ns").asi8.tolist()
    if kind == "trades":
        price, size = table["price"].tolist(), table["size"].tolist()
        side, seq = table["side"].tolist(), table["seq"].tolist()
        ids = table["trade_id"].tolist()
        sides = {int(s): s for s in Side}  # a lookup: Side(value) is slow per print
        return [(t, Trade(symbol, t, price[i], size[i], sides[side[i]], seq[i], ids[i]))
                for i, t in enumerate(ts)]
    if kind == "quotes":
        cols = [table[c].tolist() for c in ("bid", "ask", "bid_size", "ask_size", "seq")]
        return [(t, Quote(symbol, t, *(c[i] for c in cols))) for i, t in enumerate(ts)]
    return _book(symbol, table, ts)


def _plain(symbol: str, frame: pd.DataFrame) -> list[Event]:
    kind = "quote" if "bid" in frame.columns else "trade"
    get = {c: frame[c].to_numpy(dtype=np.float64) for c in frame.columns
           if c in ("price", "size", "bid", "ask")}
    stamps = pd.DatetimeIndex(frame.index).as_unit("ns").asi8
    out = []
    for i, ts in enumerate(stamps.tolist()):
        values = {k: float(v[i]) for k, v in get.items()}
        out.append((ts, Tick(symbol, ts, kind, **values)))
    return out


def _book(symbol: str, table: pd.DataFrame, ts: list[int]) -> list[Event]:
    """One BookUpdate per message; messages without sequence numbers are numbered in order."""
    seq_array = table["seq"].to_numpy(np.int64)
    stamps = np.asarray(ts, dtype=np.int64)
    new = np.ones(len(ts), dtype=bool)
    same_seq = (seq_array[1:] == seq_array[:-1]) & (seq_array[1:] >= 0)
    same_ts = (seq_array[1:] < 0) & (seq_array[:-1] < 0) & (stamps[1:] == stamps[:-1])
    new[1:] = ~(same_seq | same_ts)
    starts = np.flatnonzero(new).tolist() + [len(ts)]
    seq = seq_array.tolist()
    levels = [BookLevel(p, q) for p, q in zip(table["price"].tolist(), table["size"].tolist(),
                                              strict=True)]
    bid = (table["side"].to_numpy() > 0).tolist()
    snapshot = table["snapshot"].tolist()
    out: list[Event] = []
    for number, (first, stop) in enumerate(zip(starts[:-1], starts[1:], strict=True)):
        rows = levels[first:stop]
        sides = bid[first:stop]
        bids = tuple(level for level, b in zip(rows, sides, strict=True) if b)
        asks = tuple(level for level, b in zip(rows, sides, strict=True) if not b)
        out.append((ts[first], BookUpdate(symbol, ts[first],
                                          seq[first] if seq[first] >= 0 else number, bids,
                                          asks, bool(snapshot[first]))))
    return out


__all__ = ["frame_kind", "tick_events"]
