"""Pattern memory: the past price windows most like today's, and what followed them.

Each window of ``window`` bars ending at bar i becomes a vector: the path of its log closes
relative to the last close, z-scored (shape, not level or volatility), unit length. What
followed is the log return from close i to close i + ``horizon``. That outcome is known only
when bar i + horizon ends, so a pattern **becomes available** then: a query at t only ever
sees windows whose outcome was known at t (the as-of rule of news retrieval, applied to
prices). The vectors live in a :class:`~signaltrust.text.vectors.FaissVectorStore`.

>>> memory = PatternMemory(window=20, horizon=5).fit(bars)              # doctest: +SKIP
>>> memory.query(bars.loc[:"2020-06-30"], k=10).summary                  # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.features.align import bar_ends
from signaltrust.text.documents import as_utc
from signaltrust.text.vectors import FaissVectorStore


def window_vectors(close: np.ndarray, window: int) -> np.ndarray:
    """One z-scored shape vector per window of ``window`` closes (row j: closes j..j+w-1)."""
    logs = np.log(np.asarray(close, dtype=float))
    frames = np.lib.stride_tricks.sliding_window_view(logs, window)
    shaped = frames - frames[:, -1:]
    centred = shaped - shaped.mean(axis=1, keepdims=True)
    scale = centred.std(axis=1, keepdims=True)
    return np.where(scale > 0, centred / np.where(scale > 0, scale, 1.0), 0.0)


@dataclass(frozen=True)
class PatternMatch:
    """The neighbours of a query window and a summary of what followed them."""

    neighbours: pd.DataFrame
    as_of: pd.Timestamp

    @property
    def summary(self) -> dict[str, float]:
        """Count, mean and median forward log return, share of positive outcomes, and the
        similarity-weighted mean."""
        frame = self.neighbours
        if frame.empty:
            return {"count": 0, "mean_forward": float("nan"), "median_forward": float("nan"),
                    "hit_rate": float("nan"), "weighted_forward": float("nan")}
        weights = frame["similarity"].clip(lower=0.0)
        total = float(weights.sum())
        forward = frame["forward_return"]
        return {"count": int(len(frame)), "mean_forward": float(forward.mean()),
                "median_forward": float(forward.median()),
                "hit_rate": float((forward > 0).mean()),
                "weighted_forward": float((forward * weights).sum() / total) if total > 0
                else float("nan")}

    def __plain__(self) -> dict[str, Any]:
        return {"as_of": self.as_of, "summary": self.summary,
                "neighbours": self.neighbours.to_dict("records")}


class PatternMemory:
    """Price-window embeddings searchable for the most similar past windows, as of a time.

    ``window``: bars per pattern; ``horizon``: bars of the outcome; ``timeframe``: the bars'
    length (inferred when None), which fixes when each bar ends.
    """

    def __init__(self, window: int = 20, horizon: int = 5, timeframe: str | None = None,
                 kind: str = "flat") -> None:
        self.window = window
        self.horizon = horizon
        self.timeframe = timeframe
        self.kind = kind

    def _check(self) -> None:
        for name, low in (("window", 3), ("horizon", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
                raise ValidationError(f"{name} must be a whole number of bars >= {low}",
                                      field=name, value=value, fix=f"e.g. {name}=20")

    def _close(self, bars: pd.DataFrame | pd.Series) -> pd.Series:
        close = bars["close"] if isinstance(bars, pd.DataFrame) else bars
        if not isinstance(close.index, pd.DatetimeIndex) or close.index.tz is None:
            raise ValidationError("bars need a UTC DatetimeIndex", field="bars.index",
                                  value=type(close.index).__name__,
                                  fix="index the bars by their UTC start times")
        if (close <= 0).any() or close.isna().any():
            raise ValidationError("closes must be positive and present", field="close",
                                  fix="drop missing bars before building pattern memory")
        return close.astype(float)

    def fit(self, bars: pd.DataFrame | pd.Series, symbol: str = "") -> PatternMemory:
        """Store every window of ``bars`` whose outcome is inside the data."""
        self._check()
        close = self._close(bars)
        w, h = int(self.window), int(self.horizon)
        if len(close) < w + h:
            raise ValidationError(f"need at least window + horizon = {w + h} bars",
                                  field="bars", value=len(close), fix="give more history")
        vectors = window_vectors(close.to_numpy(), w)[: len(close) - w - h + 1]
        ends = bar_ends(close.index, self.timeframe)
        last = np.arange(w - 1, len(close) - h)  # the bar each window ends on
        logs = np.log(close.to_numpy())
        forward = logs[last + h] - logs[last]
        available = ends[last + h]
        self.store_ = FaissVectorStore(dim=w, kind=self.kind)
        keys = [f"{symbol}@{close.index[i].isoformat()}" for i in last]
        self.store_.add(keys, vectors, list(available))
        self.table_ = pd.DataFrame({
            "symbol": symbol, "window_end": close.index[last], "available_at": available,
            "forward_return": forward,
        }, index=pd.Index(keys, name="key"))
        return self

    def query(self, recent: pd.DataFrame | pd.Series, k: int = 10,
              as_of: Any = None) -> PatternMatch:
        """The ``k`` past windows most like the last ``window`` bars of ``recent``, among
        those whose outcome was known by ``as_of`` (default: the end of the last bar)."""
        if not hasattr(self, "store_"):
            raise ValidationError("the pattern memory is empty", field="memory",
                                  fix="call fit(bars) first")
        close = self._close(recent)
        w = int(self.window)
        if len(close) < w:
            raise ValidationError(f"a query needs the last {w} bars", field="recent",
                                  value=len(close), fix=f"give at least {w} bars")
        vector = window_vectors(close.to_numpy()[-w:], w)
        cutoff = (bar_ends(close.index, self.timeframe)[-1] if as_of is None
                  else as_utc(as_of, "as_of"))
        hits = self.store_.search(vector, k, as_of=cutoff)[0]
        rows = self.table_.loc[[h.key for h in hits]].assign(
            similarity=[h.score for h in hits])
        return PatternMatch(rows.reset_index(), cutoff)


__all__ = ["PatternMatch", "PatternMemory", "window_vectors"]
