"""Replay L2 book messages (the ``book`` tick frame) into the best levels after each message.

A message is the run of consecutive rows sharing one ``seq`` (or, without sequence numbers,
one ``ts``). A snapshot message replaces the book; a delta sets each level's size, 0 removing
it. :func:`book_levels` answers one row per message with the best ``depth`` levels a side,
the wide form the microstructure features read (``bid_price_1``, ``bid_size_1``, ...).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd


def _messages(ts: np.ndarray, seq: np.ndarray) -> np.ndarray:
    """Start positions of the messages (plus the end)."""
    n = len(ts)
    if n == 0:
        return np.zeros(1, dtype=np.int64)
    new = np.ones(n, dtype=bool)
    same_seq = (seq[1:] == seq[:-1]) & (seq[1:] >= 0)
    same_ts = (seq[1:] < 0) & (seq[:-1] < 0) & (ts[1:] == ts[:-1])
    new[1:] = ~(same_seq | same_ts)
    return np.append(np.flatnonzero(new), n)


def _levels(book: pd.DataFrame, depth: int) -> tuple[np.ndarray, np.ndarray]:
    """(last row of each message, the best ``depth`` levels after it) via the numba kernel."""
    from signaltrust.data.ticks_book_nb import replay_levels

    ts = pd.DatetimeIndex(book["ts"]).as_unit("ns").asi8
    seq = book["seq"].to_numpy(np.int64)
    starts = _messages(ts, seq)
    values = replay_levels(starts.astype(np.int64), book["side"].to_numpy(np.int8),
                           book["price"].to_numpy(np.float64), book["size"].to_numpy(np.float64),
                           book["snapshot"].to_numpy(np.bool_), depth)
    return starts[1:] - 1, values


def replay_book(book: pd.DataFrame) -> Iterator[tuple[int, float, float]]:
    """(last row, best bid, best ask) after each message; NaN for an empty side."""
    rows, values = _levels(book, 1)
    yield from zip(rows.tolist(), values[:, 0].tolist(), values[:, 2].tolist(), strict=True)


def book_levels(book: pd.DataFrame, depth: int = 5) -> pd.DataFrame:
    """The best ``depth`` levels a side after each message: ts, seq, bid_price_1..depth,
    bid_size_1..depth, ask_price_1..depth, ask_size_1..depth (NaN where the book is thinner)."""
    from signaltrust.core.errors import ValidationError

    if int(depth) < 1:
        raise ValidationError("depth must be at least 1", field="depth", value=depth,
                              fix="ask for depth=1 or more levels")
    depth = int(depth)
    rows, values = _levels(book, depth)
    names = ([f"bid_price_{j}" for j in range(1, depth + 1)]
             + [f"bid_size_{j}" for j in range(1, depth + 1)]
             + [f"ask_price_{j}" for j in range(1, depth + 1)]
             + [f"ask_size_{j}" for j in range(1, depth + 1)])
    out = pd.DataFrame(values, columns=names)
    out.insert(0, "seq", book["seq"].to_numpy()[rows])
    out.insert(0, "ts", book["ts"].iloc[rows].reset_index(drop=True))
    return out


__all__ = ["book_levels", "replay_book"]
