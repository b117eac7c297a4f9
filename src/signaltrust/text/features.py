"""Text features per symbol and bar: sentiment, mention volume and surprise, novelty, events.

**When a document counts.** Bars are labelled by their start; a bar labelled b with length P
ends at b + P (``signaltrust.features.bar_ends``). A document first seen at f counts from the
first bar that **ends after** f (end > f), and never earlier: a story first seen at 15:59:59
reaches the daily bar that closes at midnight UTC that day, one first seen exactly at a bar's
end reaches the next bar. The time the source states (``published_at``) is not used, since a
source can back-date an item and a backfill sees old items late.

Columns (``window`` = w, ``surprise_window`` = s):

===========================  ==============================================================
``news_count``               mentions counted in this bar
``news_volume_w``            mentions in the last w bars
``news_surprise_s``          (this bar's count - mean of the previous s bars) / max(their
                             std, 1): a burst of news; NaN before s bars of history
``news_sentiment``           mean sentiment of the mentions of the last w bars, each
                             weighted 0.5 ** (age in bars / ``halflife``); NaN when none
``news_sentiment_change``    news_sentiment - its value ``change_period`` bars before
``news_novelty``             mean novelty of this bar's mentions: 1 - the highest similarity
                             to the symbol's previous ``novelty_lookback`` mentions (cosine of
                             embeddings when given, else word-set Jaccard); NaN when none
``news_event_tone``          tanh of the decayed sum of event directions of the last w bars
``event_<type>``             1.0 when a mention of this bar carries the event, else 0.0
===========================  ==============================================================

The set is a :class:`~signaltrust.features.FeatureSet` (scikit-learn transformer): it joins
other feature sets (``pd.concat([TechnicalFeatures().fit_transform(bars),
TextFeatures(mentions, "AAPL").fit_transform(bars)], axis=1)``), its definition hash covers
the mentions' content, and ``signaltrust.optimize.lookahead.check_features`` finds it causal.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.features.align import bar_ends
from signaltrust.features.base import FeatureSet
from signaltrust.text.events import EVENT_TYPES

_WORDS = re.compile(r"[a-z0-9]+")
_STOP = frozenset([
    "a", "an", "the", "of", "to", "in", "on", "for", "and", "or", "with", "by", "at", "as", "is",
    "are", "was", "its", "it", "from", "after", "shares", "stock", "says", "said", "inc", "corp",
    "co",
])


class TextFeatures(FeatureSet):
    """Per-bar text features of one symbol from a mentions table (see the module docstring)."""

    version: ClassVar[str] = "1"

    def __init__(self, mentions: pd.DataFrame | None = None, symbol: str | None = None,
                 timeframe: str | None = None, window: int = 5, halflife: float = 2.0,
                 change_period: int = 1, surprise_window: int = 20, novelty_lookback: int = 20,
                 embeddings: np.ndarray | None = None) -> None:
        self.mentions = mentions
        self.symbol = symbol
        self.timeframe = timeframe
        self.window = window
        self.halflife = halflife
        self.change_period = change_period
        self.surprise_window = surprise_window
        self.novelty_lookback = novelty_lookback
        self.embeddings = embeddings

    # -- identity --------------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return super().get_params(deep=False)

    def definition(self) -> dict[str, Any]:
        out = super().definition()
        out["params"].pop("mentions", None)
        out["params"].pop("embeddings", None)
        return out

    def _source_fingerprint(self) -> str:
        digest = hashlib.sha256()
        frame = self._mentions()
        for column in ("first_seen_at", "sentiment", "content_hash"):
            digest.update(pd.util.hash_pandas_object(frame[column], index=False).to_numpy()
                          .tobytes())
        digest.update(repr([sorted(e["type"] + str(e["direction"]) for e in events)
                            for events in frame["events"]]).encode())
        if self.embeddings is not None:
            digest.update(np.ascontiguousarray(self.embeddings, dtype=np.float32).tobytes())
        return digest.hexdigest()

    # -- the FeatureSet hooks --------------------------------------------------------------
    def _names(self) -> list[str]:
        w, s = int(self.window), int(self.surprise_window)
        return ["news_count", f"news_volume_{w}", f"news_surprise_{s}", "news_sentiment",
                "news_sentiment_change", "news_novelty", "news_event_tone",
                *(f"event_{t}" for t in EVENT_TYPES)]

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        self._check()
        return self._names(), {}

    def _check(self) -> None:
        for name in ("window", "change_period", "surprise_window", "novelty_lookback"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValidationError(f"{name} must be a whole number of bars >= 1", field=name,
                                      value=value, fix=f"e.g. {name}=5")
        if not isinstance(self.halflife, (int, float)) or not self.halflife > 0:
            raise ValidationError("halflife must be a positive number of bars",
                                  field="halflife", value=self.halflife, fix="e.g. halflife=2")
        if not isinstance(self.symbol, str) or not self.symbol.strip():
            raise ValidationError("TextFeatures needs the symbol whose news it counts",
                                  field="symbol", value=self.symbol, fix="e.g. symbol='AAPL'")

    def _mentions(self) -> pd.DataFrame:
        frame = self.mentions
        if not isinstance(frame, pd.DataFrame):
            raise ValidationError("TextFeatures needs a mentions table", field="mentions",
                                  value=type(frame).__name__,
                                  fix="pass signaltrust.text.mentions_frame(...)")
        missing = [c for c in ("symbol", "first_seen_at", "sentiment", "events")
                   if c not in frame.columns]
        if missing:
            raise ValidationError("the mentions table lacks columns", field="mentions.columns",
                                  value=missing, fix="build it with mentions_frame()")
        if "content_hash" not in frame.columns:
            frame = frame.assign(content_hash=frame.get("title", pd.Series("", index=frame.index))
                                 .astype(str))
        return frame

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        n = len(bars)
        frame = self._mentions()
        symbol = str(self.symbol).strip().upper()
        rows = np.flatnonzero((frame["symbol"].astype(str).str.upper() == symbol).to_numpy())
        mine = frame.iloc[rows]
        seen = pd.to_datetime(mine["first_seen_at"], utc=True)
        seen_ns = pd.DatetimeIndex(seen).as_unit("ns").asi8
        order = np.argsort(seen_ns, kind="stable")
        rows, mine, seen_ns = rows[order], mine.iloc[order], seen_ns[order]
        ends = bar_ends(bars.index, self.timeframe).as_unit("ns").asi8
        # the first bar that ends after the first-seen time (end > first_seen)
        position = np.searchsorted(ends, seen_ns, side="right")
        keep = position < n
        mine, position = mine[keep], position[keep]
        novelty = self._novelty(mine, rows[keep])
        count = np.bincount(position, minlength=n).astype(float)
        sentiment = mine["sentiment"].to_numpy(dtype=float)
        valid = np.isfinite(sentiment)
        sent_sum = np.bincount(position[valid], weights=sentiment[valid], minlength=n)
        sent_n = np.bincount(position[valid], minlength=n).astype(float)
        direction = np.zeros(n)
        flags = {t: np.zeros(n) for t in EVENT_TYPES}
        for pos, events in zip(position, mine["events"], strict=True):
            for event in events or ():
                kind = event["type"] if isinstance(event, dict) else event.type
                sign = event["direction"] if isinstance(event, dict) else event.direction
                if kind in flags:
                    flags[kind][pos] = 1.0
                direction[pos] += float(sign)
        w, s = int(self.window), int(self.surprise_window)
        decay = 0.5 ** (np.arange(w) / float(self.halflife))
        weighted, weights, tone = np.zeros(n), np.zeros(n), np.zeros(n)
        volume = np.zeros(n)
        for lag in range(w):
            weighted[lag:] += decay[lag] * sent_sum[:n - lag]
            weights[lag:] += decay[lag] * sent_n[:n - lag]
            tone[lag:] += decay[lag] * direction[:n - lag]
            volume[lag:] += count[:n - lag]
        with np.errstate(invalid="ignore", divide="ignore"):
            level = np.where(weights > 0, weighted / weights, np.nan)
        change = np.full(n, np.nan)
        k = int(self.change_period)
        if k < n:
            change[k:] = level[k:] - level[:-k]
        surprise = np.full(n, np.nan)
        if s < n:
            windows = np.lib.stride_tricks.sliding_window_view(count, s)[:n - s]
            mean, std = windows.mean(axis=1), windows.std(axis=1)
            surprise[s:] = (count[s:] - mean) / np.maximum(std, 1.0)
        nov_sum = np.bincount(position, weights=novelty, minlength=n)
        with np.errstate(invalid="ignore", divide="ignore"):
            novelty_bar = np.where(count > 0, nov_sum / np.maximum(count, 1), np.nan)
        values = [count, volume, surprise, level, change, novelty_bar, np.tanh(tone),
                  *(flags[t] for t in EVENT_TYPES)]
        return dict(zip(self._names(), values, strict=True))

    def _novelty(self, mine: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
        """1 - the highest similarity to the previous ``novelty_lookback`` mentions (``rows``:
        their rows in the mentions table, for the embeddings)."""
        m = len(mine)
        out = np.ones(m)
        lookback = int(self.novelty_lookback)
        if self.embeddings is not None:
            vectors = np.asarray(self.embeddings, dtype=float)
            if vectors.ndim != 2 or len(vectors) != len(self.mentions):
                raise ValidationError("embeddings need one row per mention", field="embeddings",
                                      value=getattr(vectors, "shape", None),
                                      fix="embed mentions['title'] in the same order")
            chosen = vectors[rows]
            norms = np.linalg.norm(chosen, axis=1, keepdims=True)
            chosen = chosen / np.where(norms > 0, norms, 1.0)
            for i in range(1, m):
                past = chosen[max(0, i - lookback):i]
                out[i] = 1.0 - float(np.clip((past @ chosen[i]).max(), -1.0, 1.0))
            return out
        titles = mine["title"] if "title" in mine.columns else pd.Series([""] * m)
        sets = [frozenset(_WORDS.findall(str(t).lower())) - _STOP for t in titles]
        for i in range(1, m):
            best = 0.0
            for past in sets[max(0, i - lookback):i]:
                union = len(sets[i] | past)
                if union:
                    best = max(best, len(sets[i] & past) / union)
            out[i] = 1.0 - best
        return out


def bar_event_score(mentions: pd.DataFrame, symbol: str, index: pd.DatetimeIndex,
                    timeframe: str | None = None,
                    types: tuple[str, ...] | None = None) -> pd.Series:
    """Sum of the directions (+1, -1) of ``symbol``'s events of ``types`` (default: all)
    counted in each bar, by the rule of :class:`TextFeatures` (a document counts from the
    first bar that ends after its first-seen time); 0.0 where there were none."""
    chosen = EVENT_TYPES if types is None else tuple(types)
    unknown = sorted(set(chosen) - set(EVENT_TYPES))
    if unknown:
        raise ValidationError("unknown event types", field="types", value=unknown,
                              fix=f"use some of: {', '.join(EVENT_TYPES)}")
    missing = [c for c in ("symbol", "first_seen_at", "events") if c not in mentions.columns]
    if missing:
        raise ValidationError("the mentions table lacks columns", field="mentions.columns",
                              value=missing, fix="build it with mentions_frame()")
    mine = mentions[mentions["symbol"].astype(str).str.upper() == symbol.strip().upper()]
    score = np.zeros(len(index))
    if len(mine) and len(index):
        seen = pd.DatetimeIndex(pd.to_datetime(mine["first_seen_at"], utc=True)).as_unit("ns")
        ends = bar_ends(index, timeframe).as_unit("ns").asi8
        position = np.searchsorted(ends, seen.asi8, side="right")
        for pos, events in zip(position, mine["events"], strict=True):
            if pos >= len(index):
                continue
            for event in events or ():
                kind = event["type"] if isinstance(event, dict) else event.type
                sign = event["direction"] if isinstance(event, dict) else event.direction
                if kind in chosen:
                    score[pos] += float(sign)
    return pd.Series(score, index=index, name="news_event_score")


def breakout_components(features: pd.DataFrame) -> pd.DataFrame:
    """The sentiment and news components of the breakout score from text features:
    ``sentiment`` = ``news_sentiment``, ``news`` = ``news_event_tone`` (both in [-1, 1], NaN
    where there was no news, so the score drops them at those bars). Join them to the bars as
    columns, or pass them to ``BreakoutScore(sentiment=..., news=...)`` already on the bars'
    index."""
    if not {"news_sentiment", "news_event_tone"} <= set(features.columns):
        raise ValidationError("these are not text features", field="features.columns",
                              value=list(features.columns)[:5],
                              fix="pass TextFeatures(...).fit_transform(bars)")
    tone = features["news_event_tone"].where(features[[c for c in features.columns
                                                         if c.startswith("news_volume")]]
                                              .iloc[:, 0] > 0)
    return pd.DataFrame({"sentiment": features["news_sentiment"], "news": tone},
                        index=features.index)


__all__ = ["TextFeatures", "bar_event_score", "breakout_components"]
