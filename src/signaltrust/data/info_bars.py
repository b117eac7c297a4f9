"""Bars built from trades: time, tick, volume and dollar bars, and López de Prado's tick/volume
imbalance and run bars (numba kernels in :mod:`signaltrust.data.info_bars_nb`).

Every function takes a trades frame (``ts``, ``price``, ``size``; see
:mod:`signaltrust.data.ticks`) and returns bars in the platform's schema: a UTC index labelled
by the bar's first trade (time bars: by the period start), open/high/low/close/volume, plus
``dollar_volume``, ``trades``, ``vwap`` and ``end`` (the time of the bar's last trade, when
the bar became known). Every engine and feature that reads bars reads these.

A bar's end depends only on the trades up to it. Threshold bars leave out the trailing trades
that have not completed a bar (``keep_partial=True`` keeps them as a last bar); time bars skip
periods without trades.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.bars import INDEX_NAME
from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data import info_bars_nb as nb
from signaltrust.data.ticks import ns, tick_frame

BAR_KINDS = ("time", "tick", "volume", "dollar", "tick_imbalance", "volume_imbalance",
             "tick_run", "volume_run")


def trade_arrays(trades: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(ts ns, price, size, side) of a trades frame as contiguous arrays (only the columns
    the bars need are converted: a trades frame may hold millions of rows)."""
    if not isinstance(trades, pd.DataFrame) or not {"price", "size"} <= set(trades.columns) or (
            "ts" not in trades.columns and not isinstance(trades.index, pd.DatetimeIndex)):
        tick_frame(trades, "trades")  # raises the error that names what is missing
    frame = trades
    ts_column = frame["ts"] if "ts" in frame.columns else frame.index.to_series()
    ts = ns(ts_column) if not pd.api.types.is_integer_dtype(ts_column) else np.asarray(
        ts_column, dtype=np.int64)
    columns = []
    for name in ("price", "size"):
        if not pd.api.types.is_numeric_dtype(frame[name]):
            raise ValidationError("trades column is not numeric", field=name,
                                  value=str(frame[name].dtype), fix="convert it with pd.to_numeric")
        columns.append(np.ascontiguousarray(frame[name].to_numpy(np.float64)))
    side = (frame["side"].to_numpy(np.int8) if "side" in frame.columns
            else np.zeros(len(ts), dtype=np.int8))
    if len(ts) > 1 and bool(np.any(ts[1:] < ts[:-1])):
        raise ValidationError("trades are not in time order", field="ts",
                              value=int(np.flatnonzero(ts[1:] < ts[:-1])[0] + 1),
                              fix="sort the trades by ts (and seq) first")
    return ts, columns[0], columns[1], side


def bars_from_ends(ts: np.ndarray, price: np.ndarray, size: np.ndarray, ends: np.ndarray,
                   labels: np.ndarray | None = None) -> pd.DataFrame:
    """The bars whose last trades sit at ``ends`` (positions); labelled by ``labels`` (ns) or
    by each bar's first trade."""
    o, h, lo, c, vol, dollars, count, first, last = nb.aggregate(ts, price, size,
                                                                 ends.astype(np.int64))
    index = pd.DatetimeIndex(pd.to_datetime(first if labels is None else labels, unit="ns",
                                            utc=True), name=INDEX_NAME)
    with np.errstate(invalid="ignore", divide="ignore"):
        vwap = np.where(vol > 0, dollars / vol, c)
    return pd.DataFrame({"open": o, "high": h, "low": lo, "close": c, "volume": vol,
                         "dollar_volume": dollars, "trades": count, "vwap": vwap,
                         "end": pd.to_datetime(last, unit="ns", utc=True)}, index=index)


def _positive(name: str, value: Any) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = float("nan")
    if not number > 0:
        raise ValidationError(f"{name} must be a positive number", field=name, value=value,
                              fix=f"pass {name} > 0")
    return number


def _with_partial(ends: np.ndarray, n: int, keep_partial: bool) -> np.ndarray:
    if keep_partial and n and (len(ends) == 0 or ends[-1] < n - 1):
        return np.append(ends, n - 1)
    return ends


def time_bars(trades: pd.DataFrame, timeframe: str = "1m") -> pd.DataFrame:
    """Bars of a fixed period (``"1s"``, ``"5m"``, ``"1h"``, ``"1d"``), labelled by the period
    start (UTC); periods without trades have no bar."""
    frame = Timeframe.parse(timeframe)
    if frame.unit.value not in ("s", "m", "h", "d"):
        raise ValidationError("time bars from trades need a period of fixed length",
                              field="timeframe", value=timeframe,
                              fix="use seconds, minutes, hours or days (e.g. 1m, 1h, 1d)")
    period = frame.approx_nanos
    ts, price, size, _ = trade_arrays(trades)
    ends = nb.time_ends(ts, period, 0)
    labels = (ts[ends] // period) * period
    return bars_from_ends(ts, price, size, ends, labels)


def tick_bars(trades: pd.DataFrame, ticks: int, *, keep_partial: bool = False) -> pd.DataFrame:
    """A bar every ``ticks`` trades."""
    ts, price, size, _ = trade_arrays(trades)
    count = int(_positive("ticks", ticks))
    ends = np.arange(count - 1, len(ts), count, dtype=np.int64)
    return bars_from_ends(ts, price, size, _with_partial(ends, len(ts), keep_partial))


def volume_bars(trades: pd.DataFrame, volume: float, *,
                keep_partial: bool = False) -> pd.DataFrame:
    """A bar each time the traded size since the last bar reaches ``volume``."""
    ts, price, size, _ = trade_arrays(trades)
    ends = nb.threshold_ends(size, _positive("volume", volume))
    return bars_from_ends(ts, price, size, _with_partial(ends, len(ts), keep_partial))


def dollar_bars(trades: pd.DataFrame, dollars: float, *,
                keep_partial: bool = False) -> pd.DataFrame:
    """A bar each time the traded value (price x size) since the last bar reaches ``dollars``."""
    ts, price, size, _ = trade_arrays(trades)
    ends = nb.threshold_ends(price * size, _positive("dollars", dollars))
    return bars_from_ends(ts, price, size, _with_partial(ends, len(ts), keep_partial))


def _signs(price: np.ndarray, side: np.ndarray) -> np.ndarray:
    """The venue's aggressor side where known, else the tick rule."""
    rule = nb.tick_rule(price)
    return np.where(side != 0, side, rule).astype(np.float64)


def imbalance_bars(trades: pd.DataFrame, *, by: str = "tick", expected_ticks: float = 100,
                   span_bars: int = 20, span_ticks: int = 1000, bounds: float = 4.0,
                   keep_partial: bool = False) -> pd.DataFrame:
    """Tick (``by="tick"``) or volume (``by="volume"``) imbalance bars: a bar ends when the
    signed flow since its start exceeds what the recent flow leads one to expect,
    E[T] |E[b v]| (EWMAs over ``span_bars`` bars and ``span_ticks`` trades; E[T] starts at
    ``expected_ticks`` and stays within ``expected_ticks / bounds`` and ``expected_ticks *
    bounds``). The sign is the venue's aggressor side, else the tick rule."""
    ts, price, size, side = trade_arrays(trades)
    sign = _signs(price, side)
    signed = sign if _by(by) == "tick" else sign * size
    ends = nb.imbalance_ends(signed, *_expectations(expected_ticks, span_bars, span_ticks,
                                                    bounds))
    return bars_from_ends(ts, price, size, _with_partial(ends, len(ts), keep_partial))


def run_bars(trades: pd.DataFrame, *, by: str = "tick", expected_ticks: float = 100,
             span_bars: int = 20, span_ticks: int = 1000, bounds: float = 4.0,
             keep_partial: bool = False) -> pd.DataFrame:
    """Tick or volume run bars: a bar ends when the buy (or sell) flow within it exceeds
    E[T] max(P[buy] E[v|buy], P[sell] E[v|sell]) (EWMAs, as for :func:`imbalance_bars`)."""
    ts, price, size, side = trade_arrays(trades)
    sign = _signs(price, side)
    amount = np.ones_like(size) if _by(by) == "tick" else size
    ends = nb.run_ends(sign, amount, *_expectations(expected_ticks, span_bars, span_ticks,
                                                    bounds))
    return bars_from_ends(ts, price, size, _with_partial(ends, len(ts), keep_partial))


def _expectations(expected_ticks: float, span_bars: int, span_ticks: int,
                  bounds: float) -> tuple[float, float, float, float, float]:
    """E[T]'s start, the two EWMA weights, and E[T]'s bounds."""
    start = _positive("expected_ticks", expected_ticks)
    wide = _positive("bounds", bounds)
    if wide < 1:
        raise ValidationError("bounds is a factor of at least 1", field="bounds", value=bounds,
                              fix="pass bounds >= 1 (4 lets E[T] range from a quarter to 4x)")
    return (start, 2.0 / (int(_positive("span_bars", span_bars)) + 1),
            2.0 / (int(_positive("span_ticks", span_ticks)) + 1), start / wide, start * wide)


def _by(by: str) -> str:
    if by not in ("tick", "volume"):
        raise ValidationError("imbalance and run bars count ticks or volume", field="by",
                              value=by, fix="use by='tick' or by='volume'")
    return by


def build_bars(trades: pd.DataFrame, kind: str, **params: Any) -> pd.DataFrame:
    """Bars of any kind by name (``BAR_KINDS``), e.g. ``build_bars(t, "dollar", dollars=1e6)``."""
    builders = {"time": time_bars, "tick": tick_bars, "volume": volume_bars,
                "dollar": dollar_bars}
    if kind in builders:
        return builders[kind](trades, **params)
    if kind in BAR_KINDS:
        by, family = kind.split("_")
        return (imbalance_bars if family == "imbalance" else run_bars)(trades, by=by, **params)
    raise ValidationError("unknown kind of bars", field="kind", value=kind,
                          fix=f"use one of {', '.join(BAR_KINDS)}")


__all__ = ["BAR_KINDS", "bars_from_ends", "build_bars", "dollar_bars", "imbalance_bars",
           "run_bars", "tick_bars", "time_bars", "trade_arrays", "volume_bars"]
