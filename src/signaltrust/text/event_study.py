"""Event studies: average returns after positive and negative news, with confidence intervals.

For each symbol, the news of one bar (its mentions, grouped by the first bar that **ends
after** their first-seen time, the rule of the text features) is one event. The event enters
at that bar's close, the first close at which the news could be traded, and its return at
horizon h is ``log(close[p + h] / close[p])``, minus the benchmark's over the same bars when a
benchmark is given (an abnormal return). Events are grouped:

- ``by="sentiment"``: ``positive`` (mean sentiment of the bar's mentions > ``threshold``),
  ``negative`` (< -``threshold``), ``neutral``;
- ``by="event"``: ``<type>:<direction>`` for each event type found (``earnings:+1``, ...).

Each group reports count, mean, standard deviation, a Student-t confidence interval of the
mean, t statistic and hit rate; ``baseline`` is every bar of the same symbols (what "no
signal" earns), and ``positive-negative`` the difference of means with a Welch interval.
With ``split_at`` the events first seen before it are ``in_sample`` and the rest
``out_of_sample``: a group that only works in sample is the usual story. Returns at horizons
longer than one bar overlap when events are close together, so the intervals are then too
narrow; read them with that in mind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.features.align import bar_ends
from signaltrust.text.documents import as_utc

STAT_COLUMNS = ("period", "group", "horizon", "count", "mean", "std", "ci_low", "ci_high",
                "t_stat", "hit_rate")


@dataclass(frozen=True)
class EventStudyResult:
    """``table``: one row per (period, group, horizon); ``events``: one row per event with its
    forward returns ``ret_<h>``."""

    table: pd.DataFrame
    events: pd.DataFrame
    confidence: float

    def mean(self, group: str, horizon: int, period: str = "all") -> float:
        rows = self.table[(self.table["group"] == group) & (self.table["horizon"] == horizon)
                          & (self.table["period"] == period)]
        return float(rows["mean"].iloc[0]) if len(rows) else float("nan")

    def __plain__(self) -> dict[str, Any]:
        return {"confidence": self.confidence, "table": self.table.to_dict("records"),
                "events": len(self.events)}


def _closes(prices: pd.DataFrame | Mapping[str, pd.DataFrame]) -> dict[str, pd.Series]:
    if isinstance(prices, pd.DataFrame):
        if "close" in prices.columns:
            raise ValidationError("give a table of closes (one column per symbol) or "
                                  "{symbol: bars}", field="prices",
                                  value=list(prices.columns)[:5],
                                  fix="e.g. {'AAPL': aapl_bars} or a frame with an AAPL column")
        series = {str(c).upper(): prices[c] for c in prices.columns}
    elif isinstance(prices, Mapping):
        series = {str(k).upper(): (v["close"] if isinstance(v, pd.DataFrame) else v)
                  for k, v in prices.items()}
    else:
        raise ValidationError("prices must be a DataFrame or a mapping", field="prices",
                              value=type(prices).__name__, fix="give {symbol: bars}")
    out = {}
    for symbol, close in series.items():
        close = pd.Series(close, dtype=float).dropna()
        if not isinstance(close.index, pd.DatetimeIndex) or close.index.tz is None:
            raise ValidationError("prices need a UTC DatetimeIndex", field="prices.index",
                                  value=symbol, fix="index the bars by their UTC start times")
        if (close <= 0).any():
            raise ValidationError("closes must be positive", field="prices", value=symbol,
                                  fix="use prices, not returns")
        out[symbol] = close.sort_index()
    return out


def _interval(values: np.ndarray, confidence: float) -> tuple[float, ...]:
    from scipy import stats

    n = len(values)
    if n == 0:
        return (0, np.nan, np.nan, np.nan, np.nan, np.nan, np.nan)
    mean = float(values.mean())
    std = float(values.std(ddof=1)) if n > 1 else np.nan
    if n > 1 and std > 0:
        half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * std / np.sqrt(n)
        t_stat = mean / (std / np.sqrt(n))
    else:
        half, t_stat = np.nan, np.nan
    return (n, mean, std, mean - half, mean + half, t_stat, float((values > 0).mean()))


def _welch(a: np.ndarray, b: np.ndarray, confidence: float) -> tuple[float, ...]:
    from scipy import stats

    if len(a) < 2 or len(b) < 2:
        return (len(a) + len(b), np.nan, np.nan, np.nan, np.nan, np.nan, np.nan)
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    diff, se = float(a.mean() - b.mean()), float(np.sqrt(va + vb))
    if se == 0:
        return (len(a) + len(b), diff, np.nan, np.nan, np.nan, np.nan, np.nan)
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    half = float(stats.t.ppf(0.5 + confidence / 2, dof)) * se
    return (len(a) + len(b), diff, np.nan, diff - half, diff + half, diff / se, np.nan)


def event_study(mentions: pd.DataFrame, prices: pd.DataFrame | Mapping[str, pd.DataFrame],
                *, horizons: Sequence[int] = (1, 5, 10), by: str = "sentiment",
                threshold: float = 0.2, benchmark: pd.Series | None = None,
                split_at: Any = None, confidence: float = 0.95,
                timeframe: str | None = None, per_symbol: bool = False) -> EventStudyResult:
    """Average (abnormal) log returns after news, per group and horizon (module docstring).

    ``mentions``: a mentions table (:func:`~signaltrust.text.mentions.mentions_frame`:
    symbol, first_seen_at, sentiment, events); ``prices``: closes, one column per symbol, or
    ``{symbol: bars}``; ``benchmark``: closes of a market index on the same bars;
    ``per_symbol``: groups per ticker as well (``AAPL/positive``, ``AAPL/earnings:+1``; the
    baseline stays pooled).
    """
    if by not in ("sentiment", "event"):
        raise ValidationError("by must be 'sentiment' or 'event'", field="by", value=by,
                              fix="by='sentiment'")
    steps = [int(h) for h in horizons]
    if not steps or any(h < 1 for h in steps):
        raise ValidationError("horizons must be whole numbers of bars >= 1", field="horizons",
                              value=list(horizons), fix="e.g. horizons=(1, 5, 10)")
    if not 0 < confidence < 1:
        raise ValidationError("confidence must be in (0, 1)", field="confidence",
                              value=confidence, fix="e.g. 0.95")
    missing = {"symbol", "first_seen_at", "sentiment"} - set(mentions.columns)
    if missing:
        raise ValidationError("not a mentions table", field="mentions.columns",
                              value=sorted(missing), fix="build it with mentions_frame()")
    closes = _closes(prices)
    split_ns = as_utc(split_at, "split_at").value if split_at is not None else None
    bench = None if benchmark is None else pd.Series(benchmark, dtype=float)
    events, baseline = [], []
    for symbol, close in closes.items():
        logs = np.log(close.to_numpy())
        if bench is not None:
            logs = logs - np.log(bench.reindex(close.index).to_numpy())
        ends = bar_ends(close.index, timeframe).as_unit("ns").asi8
        n = len(close)
        forward = {h: np.concatenate([logs[h:] - logs[:-h], np.full(h, np.nan)])
                   if h < n else np.full(n, np.nan) for h in steps}
        base = pd.DataFrame({f"ret_{h}": forward[h] for h in steps})
        base["first_seen_ns"] = ends
        baseline.append(base)
        mine = mentions[mentions["symbol"].astype(str).str.upper() == symbol]
        if mine.empty:
            continue
        seen = pd.DatetimeIndex(pd.to_datetime(mine["first_seen_at"], utc=True)).as_unit(
            "ns").asi8
        position = np.searchsorted(ends, seen, side="right")
        keep = position < n
        mine, position, seen = mine[keep], position[keep], seen[keep]
        for pos in np.unique(position):
            rows = mine[position == pos]
            record = {"symbol": symbol, "entry_time": close.index[pos],
                      "first_seen_ns": int(seen[position == pos].min()),
                      "mentions": len(rows), "sentiment": float(rows["sentiment"].mean()),
                      **{f"ret_{h}": forward[h][pos] for h in steps}}
            if by == "sentiment":
                s = record["sentiment"]
                groups = ["positive" if s > threshold else "negative" if s < -threshold
                          else "neutral"]
            else:
                kinds: dict[str, float] = {}
                for found in rows.get("events", pd.Series([[]] * len(rows))):
                    for event in found or ():
                        kind = event["type"] if isinstance(event, dict) else event.type
                        sign = event["direction"] if isinstance(event, dict) else event.direction
                        kinds[kind] = kinds.get(kind, 0.0) + float(sign)
                groups = [f"{k}:{int(np.sign(v)):+d}" if v else f"{k}:0"
                          for k, v in sorted(kinds.items())]
            for group in groups:
                events.append({**record,
                               "group": f"{symbol}/{group}" if per_symbol else group})
    columns = ["symbol", "entry_time", "first_seen_ns", "mentions", "sentiment", "group",
               *(f"ret_{h}" for h in steps)]
    table_events = pd.DataFrame(events, columns=columns)
    base = pd.concat(baseline, ignore_index=True) if baseline else pd.DataFrame()
    periods = {"all": (table_events, base)}
    if split_ns is not None:
        periods["in_sample"] = (table_events[table_events["first_seen_ns"] < split_ns],
                                base[base["first_seen_ns"] <= split_ns] if len(base) else base)
        periods["out_of_sample"] = (table_events[table_events["first_seen_ns"] >= split_ns],
                                    base[base["first_seen_ns"] > split_ns] if len(base) else base)
    rows = []
    for period, (frame, base_frame) in periods.items():
        for h in steps:
            column = f"ret_{h}"
            groups = sorted(frame["group"].unique()) if len(frame) else []
            values = {g: frame.loc[frame["group"] == g, column].dropna().to_numpy()
                      for g in groups}
            for group in groups:
                rows.append((period, group, h, *_interval(values[group], confidence)))
            if len(base_frame):
                rows.append((period, "baseline", h,
                             *_interval(base_frame[column].dropna().to_numpy(), confidence)))
            if by == "sentiment":
                prefixes = sorted({g[:-len("positive")] for g in groups if g.endswith("positive")})
                for prefix in prefixes:
                    pos, neg = values.get(f"{prefix}positive"), values.get(f"{prefix}negative")
                    if pos is not None and neg is not None:
                        rows.append((period, f"{prefix}positive-negative", h,
                                     *_welch(pos, neg, confidence)))
    table = pd.DataFrame(rows, columns=list(STAT_COLUMNS))
    table["count"] = table["count"].astype(int)
    table_events["first_seen_at"] = pd.to_datetime(table_events["first_seen_ns"], unit="ns",
                                                   utc=True)
    return EventStudyResult(table, table_events.drop(columns="first_seen_ns"), confidence)


__all__ = ["EventStudyResult", "STAT_COLUMNS", "event_study"]
