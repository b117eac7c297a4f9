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


def _replay(book: pd.DataFrame, depth: int) -> Iterator[tuple[int, list, list]]:
    ts = pd.DatetimeIndex(book["ts"]).as_unit("ns").asi8
    seq = book["seq"].to_numpy()
    side = book["side"].to_numpy()
    price = book["price"].to_numpy()
    size = book["size"].to_numpy()
    snap = book["snapshot"].to_numpy()
    starts = _messages(ts, seq)
    bids: dict[float, float] = {}
    asks: dict[float, float] = {}
    for k in range(len(starts) - 1):
        a, b = starts[k], starts[k + 1]
        if snap[a]:
            bids, asks = {}, {}
        for i in range(a, b):
            levels = bids if side[i] > 0 else asks
            if size[i] == 0:
                levels.pop(price[i], None)
            else:
                levels[price[i]] = size[i]
        if depth == 1:
            top_b = [max(bids)] if bids else []
            top_a = [min(asks)] if asks else []
        else:
            top_b = sorted(bids, reverse=True)[:depth]
            top_a = sorted(asks)[:depth]
        yield b - 1, [(p, bids[p]) for p in top_b], [(p, asks[p]) for p in top_a]


def replay_book(book: pd.DataFrame) -> Iterator[tuple[int, float, float]]:
    """(last row, best bid, best ask) after each message; NaN for an empty side."""
    for row, bids, asks in _replay(book, 1):
        yield row, (bids[0][0] if bids else np.nan), (asks[0][0] if asks else np.nan)


def book_levels(book: pd.DataFrame, depth: int = 5) -> pd.DataFrame:
    """The best ``depth`` levels a side after each message: ts, seq, bid_price_1..depth,
    bid_size_1..depth, ask_price_1..depth, ask_size_1..depth (NaN where the book is thinner)."""
    from signaltrust.core.errors import ValidationError

    if int(depth) < 1:
        raise ValidationError("depth must be at least 1", field="depth", value=depth,
                              fix="ask for depth=1 or more levels")
    depth = int(depth)
    rows: list[int] = []
    values: list[list[float]] = []
    for row, bids, asks in _replay(book, depth):
        line = [np.nan] * (4 * depth)
        for j, (p, s) in enumerate(bids):
            line[j], line[depth + j] = p, s
        for j, (p, s) in enumerate(asks):
            line[2 * depth + j], line[3 * depth + j] = p, s
        rows.append(row)
        values.append(line)
    names = ([f"bid_price_{j}" for j in range(1, depth + 1)]
             + [f"bid_size_{j}" for j in range(1, depth + 1)]
             + [f"ask_price_{j}" for j in range(1, depth + 1)]
             + [f"ask_size_{j}" for j in range(1, depth + 1)])
    out = pd.DataFrame(np.asarray(values, dtype=np.float64).reshape(len(rows), 4 * depth),
                       columns=names)
    out.insert(0, "seq", book["seq"].to_numpy()[rows])
    out.insert(0, "ts", book["ts"].iloc[rows].reset_index(drop=True))
    return out


__all__ = ["book_levels", "replay_book"]
