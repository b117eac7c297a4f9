"""The multi-signal breakout score: momentum, on-chain flow, sentiment, macro and news.

Each component is a score in [0, 1] at every bar, computed causally from the data present:

=========  ======  ====================================================================
component  weight  score at bar t
=========  ======  ====================================================================
momentum   0.25    position of close[t] in the range of the last ``lookback`` bars
                   (t included): (close - lowest low) / (highest high - lowest low),
                   0.5 when the range is flat. Always present (needs only prices).
onchain    0.25    percentile rank (0-1, ties averaged) of the on-chain net flow at t among
                   its last ``rank_window`` values; higher flow (e.g. net exchange
                   outflow, coins leaving exchanges) is bullish.
sentiment  0.20    (s + 1) / 2, clipped to [0, 1], for a sentiment score s in [-1, 1].
macro      0.15    1 - percentile rank of the macro stress gauge among its last
                   ``rank_window`` values: high stress (VIX, a credit spread) is bearish.
news       0.15    (s + 1) / 2, clipped to [0, 1], for a news-tone score s in [-1, 1].
=========  ======  ====================================================================

Where the data comes from: columns of the bars frame (``onchain_flow``, ``sentiment``,
``news``, ``macro``), already aligned so that the value on bar t is known at its close
(``onchain_flow`` is the column of that name of ``signaltrust.features.onchain.OnchainFeatures``:
whale flow off exchanges over 24 h, from Whale Alert or Etherscan transfers); or
series given to the constructor (``BreakoutScore(macro=load("vix")["vix"])``), aligned
causally: a value labelled s with period P (the series' inferred frequency, a business day
counting as one calendar day, else its median spacing) becomes known at s + P and is used
from the first bar whose end (label + the bars' period, found the same way) is at or after it.

A component whose data is absent at a bar (no column or series, warm-up, a missing value)
drops out at that bar and the weights of the others renormalise:
score = sum(w_i * s_i over present i) / sum(w_i over present i).
Signals: long entry while score >= ``threshold`` (0.73: a strong breakout), exit when score <
``exit_threshold``. Long only.
"""

from __future__ import annotations

import warnings
from collections import deque
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from signaltrust.core.bars import ensure_utc_index
from signaltrust.core.errors import ValidationError
from signaltrust.strategy.base import Param, RuleStrategy, Signals

WEIGHTS: dict[str, float] = {
    "momentum": 0.25, "onchain": 0.25, "sentiment": 0.20, "macro": 0.15, "news": 0.15,
}
COLUMNS: dict[str, str] = {
    "onchain": "onchain_flow", "sentiment": "sentiment", "macro": "macro", "news": "news",
}
STRONG_BREAKOUT = 0.73


class BreakoutScore(RuleStrategy):
    """Multi-signal breakout score (momentum, on-chain, sentiment, macro, news) above 0.73."""

    name: ClassVar[str] = "breakout_score"
    summary: ClassVar[str] = (
        "weighted score of momentum/on-chain/sentiment/macro/news; long above 0.73"
    )
    parameters: ClassVar[tuple[Param, ...]] = (
        Param("threshold", STRONG_BREAKOUT, "float", low=0.0, high=1.0, step=0.01,
              doc="enter while the score is at or above this"),
        Param("exit_threshold", 0.5, "float", low=0.0, high=1.0, step=0.05,
              doc="exit when the score falls below this"),
        Param("lookback", 20, "int", low=2, high=100_000, step=5, doc="bars of the price range"),
        Param("rank_window", 60, "int", low=2, high=100_000, step=10,
              doc="values in the percentile ranks of on-chain flow and macro"),
    )
    default_grid: ClassVar[dict[str, Any]] = {
        "threshold": (0.6, 0.65, 0.7, 0.73, 0.8), "lookback": (10, 20, 40, 60),
    }

    def __init__(
        self,
        *,
        onchain: pd.Series | None = None,
        sentiment: pd.Series | None = None,
        macro: pd.Series | None = None,
        news: pd.Series | None = None,
        **params: Any,
    ) -> None:
        super().__init__(**params)
        self.onchain = onchain
        self.sentiment = sentiment
        self.macro = macro
        self.news = news

    def check(self, params: dict[str, Any]) -> None:
        if params["exit_threshold"] >= params["threshold"]:
            raise ValidationError(
                "parameter exit_threshold must be < threshold "
                f"(got exit_threshold={params['exit_threshold']}, threshold={params['threshold']})",
                field=f"{self.name}.exit_threshold", value=params["exit_threshold"],
                fix=f"choose exit_threshold below threshold={params['threshold']}, e.g. 0.5",
            )

    def warmup(self, params: Any) -> int:
        # the longest window of any component: a history shorter than ``rank_window`` would
        # rank on-chain flow and macro among fewer values than the full run does
        full = self.resolve(params)
        return max(int(full["lookback"]), int(full["rank_window"]))

    def prepare_bars(self, bars: pd.DataFrame) -> pd.DataFrame:
        """The bars with the constructor's series joined as columns, aligned causally (a value
        is used from the first bar whose end is at or after the end of its period)."""
        extra = {
            COLUMNS[key]: align_causally(getattr(self, key), bars.index, field=key)
            for key in COLUMNS
            if getattr(self, key) is not None and COLUMNS[key] not in bars.columns
        }
        return bars.assign(**extra) if extra else bars

    def signal_inputs(self, fields: tuple[str, ...]) -> tuple[str, ...]:
        return ("open", "high", "low", "close", "volume",
                *(c for c in COLUMNS.values() if c in fields))

    def signal_stream(self, params: dict[str, Any], inputs: tuple[str, ...]) -> BreakoutSignal:
        return BreakoutSignal(params, inputs)

    def score(self, bars: pd.DataFrame, **params: Any) -> pd.DataFrame:
        """The component scores, the weights present and the total score at every bar."""
        full = self.resolve(params)
        from signaltrust.core.bars import validate_bars

        return self._score(validate_bars(bars), full)

    def compute(self, bars: pd.DataFrame, params: dict[str, Any]) -> Signals:
        total = self._score(bars, params)["score"]
        entries = (total >= params["threshold"]).fillna(False).astype(bool)
        exits = (total < params["exit_threshold"]).fillna(False).astype(bool)
        none = pd.Series(False, index=bars.index)
        return Signals(entries.rename("entries"), exits.rename("exits"),
                       none.rename("short_entries"), none.copy().rename("short_exits"))

    # -- components ------------------------------------------------------------------------
    def _score(self, bars: pd.DataFrame, params: dict[str, Any]) -> pd.DataFrame:
        window = int(params["lookback"])
        ranks = int(params["rank_window"])
        hh = bars["high"].rolling(window, min_periods=window).max()
        ll = bars["low"].rolling(window, min_periods=window).min()
        span = hh - ll
        momentum = ((bars["close"] - ll) / span.where(span > 0)).clip(0.0, 1.0)
        momentum = momentum.where(~(span == 0), 0.5)
        parts = {"momentum": momentum}
        onchain = self._component(bars, "onchain")
        parts["onchain"] = None if onchain is None else _pct_rank(onchain, ranks)
        sentiment = self._component(bars, "sentiment")
        parts["sentiment"] = None if sentiment is None else ((sentiment + 1.0) / 2.0).clip(0, 1)
        macro = self._component(bars, "macro")
        parts["macro"] = None if macro is None else 1.0 - _pct_rank(macro, ranks)
        news = self._component(bars, "news")
        parts["news"] = None if news is None else ((news + 1.0) / 2.0).clip(0, 1)
        out = pd.DataFrame(index=bars.index)
        weighted = pd.Series(0.0, index=bars.index)
        weight_sum = pd.Series(0.0, index=bars.index)
        for key, weight in WEIGHTS.items():
            part = parts[key]
            out[key] = np.nan if part is None else part.astype(float)
            present = out[key].notna()
            weighted = weighted + out[key].fillna(0.0) * weight
            weight_sum = weight_sum + present * weight
        out["weight_present"] = weight_sum
        out["score"] = (weighted / weight_sum.where(weight_sum > 0)).astype(float)
        return out

    def _component(self, bars: pd.DataFrame, key: str) -> pd.Series | None:
        column = COLUMNS[key]
        if column in bars.columns:
            return pd.to_numeric(bars[column], errors="coerce").astype(float)
        series = getattr(self, key)
        if series is None:
            return None
        return align_causally(series, bars.index, field=key)


class _RollingRank:
    """The percentile rank (ties averaged) of each value among the last ``window`` values,
    NaN below ``min(window, 2)`` valid values: ``Series.rolling(...).rank(pct=True)``."""

    __slots__ = ("values", "need")

    def __init__(self, window: int) -> None:
        self.values: deque[float] = deque(maxlen=window)
        self.need = min(window, 2)

    def update(self, x: float) -> float:
        self.values.append(x)
        if x != x:
            return _NAN
        less = equal = count = 0
        for v in self.values:
            if v == v:
                count += 1
                if v < x:
                    less += 1
                elif v == x:
                    equal += 1
        if count < self.need:
            return _NAN
        return (less + (equal + 1) / 2) / count


class _RollingExtreme:
    """The max (or min) of the last ``window`` values, NaN until ``window`` valid values are
    in it: ``Series.rolling(window, min_periods=window).max()``."""

    __slots__ = ("values", "window", "is_max")

    def __init__(self, window: int, is_max: bool) -> None:
        self.values: deque[float] = deque(maxlen=window)
        self.window, self.is_max = window, is_max

    def update(self, x: float) -> float:
        self.values.append(x)
        valid = [v for v in self.values if v == v]
        if len(valid) < self.window:
            return _NAN
        return max(valid) if self.is_max else min(valid)


class BreakoutSignal:
    """:class:`BreakoutScore`'s signal one bar at a time, O(window) per bar (the components'
    rolling windows), equal to its vectorised signals at every bar."""

    def __init__(self, params: dict[str, Any], inputs: tuple[str, ...]) -> None:
        window, ranks = int(params["lookback"]), int(params["rank_window"])
        self.threshold, self.exit_threshold = params["threshold"], params["exit_threshold"]
        self.high = _RollingExtreme(window, True)
        self.low = _RollingExtreme(window, False)
        self.index = {name: i for i, name in enumerate(inputs)}
        self.onchain = _RollingRank(ranks)
        self.macro = _RollingRank(ranks)

    def update(self, *values: float) -> int:
        at = self.index
        close = values[at["close"]]
        hh, ll = self.high.update(values[at["high"]]), self.low.update(values[at["low"]])
        span = hh - ll
        if span == 0.0:
            momentum = 0.5
        elif span > 0.0:
            momentum = min(max((close - ll) / span, 0.0), 1.0)
        else:
            momentum = _NAN
        parts = {"momentum": momentum}
        for key, column in COLUMNS.items():
            if column not in at:
                continue
            x = values[at[column]]
            if key == "onchain":
                parts[key] = self.onchain.update(x)
            elif key == "macro":
                parts[key] = 1.0 - self.macro.update(x)
            else:
                parts[key] = min(max((x + 1.0) / 2.0, 0.0), 1.0) if x == x else _NAN
        weighted = weight_sum = 0.0
        for key, weight in WEIGHTS.items():
            part = parts.get(key, _NAN)
            if part == part:
                weighted = weighted + part * weight
                weight_sum = weight_sum + weight
            else:
                weighted = weighted + 0.0 * weight
        if not weight_sum > 0:
            return 0
        score = weighted / weight_sum
        return (1 if score >= self.threshold else 0) | (2 if score < self.exit_threshold else 0)


_NAN = float("nan")


def _pct_rank(series: pd.Series, window: int) -> pd.Series:
    """Percentile rank (0-1, ties averaged) of each value among the last ``window`` values."""
    return series.rolling(window, min_periods=min(window, 2)).rank(pct=True)


def align_causally(
    series: pd.Series | pd.DataFrame, index: pd.DatetimeIndex, *, field: str
) -> pd.Series:
    """``series`` on the bars' ``index`` with only values known by each bar's end.

    A value labelled s is known at the end of its period, s + P (P: the series' inferred
    frequency, else its median spacing); bar b ends at b + Q (the same for the bars). The last
    value known at a bar's end is used.
    """
    if isinstance(series, pd.DataFrame):
        if series.shape[1] != 1:
            raise ValidationError(
                f"{field} data must be one series", field=field, value=list(series.columns),
                fix=f"pass one column, e.g. {field}=frame['{series.columns[0]}']",
            )
        series = series.iloc[:, 0]
    if not isinstance(series, pd.Series):
        raise ValidationError(
            f"{field} data must be a pandas Series with a datetime index", field=field,
            value=type(series).__name__, fix="pass a Series indexed by UTC timestamps",
        )
    values = pd.to_numeric(series, errors="coerce").astype(float).dropna()
    values.index = ensure_utc_index(values.index, field=field)
    values = values[~values.index.duplicated(keep="last")].sort_index()
    if values.empty or len(index) == 0:
        return pd.Series(np.nan, index=index)
    known_at = _period_end(values.index)
    bar_end = _period_end(index)
    pos = np.searchsorted(known_at.as_unit("ns").asi8, bar_end.as_unit("ns").asi8, side="right") - 1
    out = np.where(pos >= 0, values.to_numpy()[np.clip(pos, 0, None)], np.nan)
    return pd.Series(out, index=index, name=field)


_BUSINESS = (
    pd.offsets.BusinessDay,
    pd.offsets.CustomBusinessDay,
    pd.offsets.BusinessHour,
    pd.offsets.CustomBusinessHour,
)


def _period_end(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The end of each labelled period: label + the inferred frequency (``MS``, ``D``, ``W``...),
    else label + the median spacing.

    A business-day (or business-hour) frequency is one calendar day (hour) long: a Friday bar
    ends on Saturday, not on Monday. So a stretch of trading days without a holiday (which
    infers ``B``) gets the same period as a longer one with holidays (no frequency; median
    spacing one day): the event engine's window of recent bars and the full run agree.
    """
    index = index.as_unit("ns")
    if len(index) < 2:
        return index + pd.Timedelta(days=1)
    freq = None
    if len(index) >= 3:
        with warnings.catch_warnings():  # pandas 3 announces a change of return type only
            warnings.simplefilter("ignore")
            freq = pd.infer_freq(index)
    if freq is not None:
        offset = pd.tseries.frequencies.to_offset(freq)
        if isinstance(offset, _BUSINESS):
            hourly = isinstance(offset, (pd.offsets.BusinessHour, pd.offsets.CustomBusinessHour))
            step = pd.Timedelta(hours=offset.n) if hourly else pd.Timedelta(days=offset.n)
            return index + step
        return (index + offset).as_unit("ns")
    return index + pd.Timedelta(int(np.median(np.diff(index.asi8))), unit="ns")
