"""Resample bars to a coarser timeframe: open first, high max, low min, close last, volume sum.

Periods are labelled by their start (UTC). Fixed lengths (``4h``, ``1d``, ``3d``) are counted
from the Unix epoch, weeks start on Monday 00:00 UTC, months, quarters and years on their first
day. Periods without bars give no rows. NaN values are skipped (open/close take the first/last
non-missing value); a period whose volume is all missing has NaN volume. Extra numeric columns
(e.g. ``adj_close``) take their last value in the period, as levels do.

With ``calendar=`` an exchange code or a :class:`TradingCalendar`, intraday bars resampled to
``1d`` are grouped by trading session, labelled by the session date at 00:00 UTC (as daily files
and the calendars label them): exchange sessions for an exchange calendar, the 17:00 New York
roll for FX (``"24/5"``). Other targets ignore the calendar.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numba import njit

from signaltrust.core.bars import BAR_COLUMNS, INDEX_NAME, validate_bars
from signaltrust.core.calendar import (
    ExchangeCalendar,
    ForexCalendar,
    TradingCalendar,
    get_calendar,
)
from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe, TimeUnit

_DAY = 86_400_000_000_000
_MONDAY_ORIGIN = 4 * _DAY  # 1970-01-05, the first Monday after the epoch
_MONTHS = {TimeUnit.MONTH: 1, TimeUnit.QUARTER: 3, TimeUnit.YEAR: 12}


@njit(cache=True)
def aggregate_ohlcv_nb(labels, open_, high, low, close, volume, extra):
    """Aggregate sorted bars by runs of equal ``labels`` (first, max, min, last, sum, last).

    NaN is skipped; a sum over only NaN is NaN. ``extra`` columns take their last value.
    """
    n = labels.size
    groups = 0
    for i in range(n):
        if i == 0 or labels[i] != labels[i - 1]:
            groups += 1
    out_label = np.empty(groups, dtype=np.int64)
    out = np.full((groups, 5), np.nan)
    out_extra = np.full((groups, extra.shape[1]), np.nan)
    g = -1
    for i in range(n):
        if i == 0 or labels[i] != labels[i - 1]:
            g += 1
            out_label[g] = labels[i]
        if np.isnan(out[g, 0]) and not np.isnan(open_[i]):
            out[g, 0] = open_[i]
        if not np.isnan(high[i]) and (np.isnan(out[g, 1]) or high[i] > out[g, 1]):
            out[g, 1] = high[i]
        if not np.isnan(low[i]) and (np.isnan(out[g, 2]) or low[i] < out[g, 2]):
            out[g, 2] = low[i]
        if not np.isnan(close[i]):
            out[g, 3] = close[i]
        if not np.isnan(volume[i]):
            out[g, 4] = volume[i] if np.isnan(out[g, 4]) else out[g, 4] + volume[i]
        for j in range(extra.shape[1]):
            if not np.isnan(extra[i, j]):
                out_extra[g, j] = extra[i, j]
    return out_label, out, out_extra


def _fixed_labels(ts: np.ndarray, step: int, origin: int) -> np.ndarray:
    return origin + np.floor_divide(ts - origin, step) * step


def _month_labels(ts: np.ndarray, months: int) -> np.ndarray:
    month_index = ts.astype("datetime64[ns]").astype("datetime64[M]").astype("int64")
    start = np.floor_divide(month_index, months) * months
    return start.astype("datetime64[M]").astype("datetime64[ns]").astype("int64")


def period_labels(ts: np.ndarray, timeframe: Timeframe) -> np.ndarray:
    """The start (int64 ns, UTC) of the ``timeframe`` period holding each timestamp."""
    if timeframe.unit in _MONTHS:
        return _month_labels(ts, timeframe.count * _MONTHS[timeframe.unit])
    origin = _MONDAY_ORIGIN if timeframe.unit is TimeUnit.WEEK else 0
    return _fixed_labels(ts, timeframe.approx_nanos, origin)


def _check_target(source: Timeframe, target: Timeframe) -> None:
    """Refuse a target that is finer than the bars or whose periods do not hold whole bars."""
    if target < source:
        raise ValidationError(
            f"cannot resample {source} bars to the finer timeframe {target}",
            field="timeframe",
            value=str(target),
            fix=f"choose a timeframe coarser than {source} (resampling only aggregates)",
        )
    fixed = (TimeUnit.SECOND, TimeUnit.MINUTE, TimeUnit.HOUR, TimeUnit.DAY, TimeUnit.WEEK)
    if target.unit in fixed:
        ok = source.unit in fixed and target.approx_nanos % source.approx_nanos == 0
    elif source.unit in _MONTHS:
        ok = (target.count * _MONTHS[target.unit]) % (source.count * _MONTHS[source.unit]) == 0
    else:  # calendar periods hold whole days, not whole weeks
        ok = source.unit is not TimeUnit.WEEK and _DAY % source.approx_nanos == 0
    if not ok:
        raise ValidationError(
            f"{target} is not a whole multiple of {source}: some bars would straddle two periods",
            field="timeframe",
            value=str(target),
            fix=f"choose a multiple of {source} (e.g. 1h->4h, 1d->1w, 1d->1mo, 1mo->1q)",
        )


def _session_labels(ts: np.ndarray, source: Timeframe, calendar: TradingCalendar) -> np.ndarray:
    """Session date (00:00 UTC) of each intraday bar under ``calendar``."""
    if isinstance(calendar, ForexCalendar):
        local = pd.DatetimeIndex(pd.to_datetime(ts, unit="ns", utc=True)).tz_convert(
            "America/New_York"
        )
        trading_day = (local + pd.Timedelta(hours=7)).normalize().tz_localize(None)
        return trading_day.as_unit("ns").asi8
    if not isinstance(calendar, ExchangeCalendar):
        return _fixed_labels(ts, _DAY, 0)
    cal = calendar._calendar
    first = pd.Timestamp(ts[0]).normalize() - pd.Timedelta(days=5)
    last = pd.Timestamp(ts[-1]).normalize() + pd.Timedelta(days=5)
    sessions = cal.sessions_in_range(max(first, cal.first_session), min(last, cal.last_session))
    opens = pd.DatetimeIndex(cal.opens.loc[sessions].array).as_unit("ns").asi8
    closes = pd.DatetimeIndex(cal.closes.loc[sessions].array).as_unit("ns").asi8
    which = np.searchsorted(closes, ts, side="right")
    inside = which < len(sessions)
    inside[inside] = ts[inside] + source.approx_nanos > opens[which[inside]]
    if not inside.all():
        outside = pd.to_datetime(ts[~inside][:5], unit="ns", utc=True)
        raise ValidationError(
            f"{int((~inside).sum())} bar(s) lie outside the sessions of {calendar.name}",
            field="timestamp",
            value=[t.isoformat() for t in outside],
            fix="remove extended-hours bars first, or resample without calendar= (UTC days)",
        )
    return pd.DatetimeIndex(sessions).as_unit("ns").asi8[which]


def resample(
    bars: pd.DataFrame,
    timeframe: Timeframe | str,
    *,
    calendar: TradingCalendar | str | None = None,
    source: Timeframe | str | None = None,
) -> pd.DataFrame:
    """Resample bars to a coarser timeframe with OHLCV aggregation, labelled at the period start.

    ``source`` is the timeframe of ``bars`` (inferred from the index when left out). A finer
    target, or one that is not a whole multiple of the source (``1w`` to ``1mo``), is refused.

    >>> weekly = resample(daily_bars, "1w")      # doctest: +SKIP
    """
    frame = validate_bars(bars)
    index = frame.index
    if len(index) and not index.is_monotonic_increasing or index.has_duplicates:
        raise ValidationError(
            "bars must have unique timestamps in increasing order to be resampled",
            field="timestamp",
            value=len(index),
            fix="sort the bars (bars.sort_index()) and remove duplicate timestamps after "
            "checking them",
        )
    target = Timeframe.parse(timeframe)
    if source is None:
        if len(index) < 2:
            raise ValidationError(
                "cannot infer the timeframe of fewer than two bars",
                field="source",
                value=len(index),
                fix="pass source= (e.g. source='1d')",
            )
        source_tf = Timeframe.infer(index)
    else:
        source_tf = Timeframe.parse(source)
    _check_target(source_tf, target)
    extra = [c for c in frame.columns if c not in BAR_COLUMNS]
    for column in extra:
        if not pd.api.types.is_numeric_dtype(frame[column]):
            raise ValidationError(
                "an extra column is not numeric and cannot be resampled",
                field=column,
                value=str(frame[column].dtype),
                fix=f"drop it first: bars.drop(columns=[{column!r}])",
            )
    ts = index.as_unit("ns").asi8
    if len(ts) == 0:
        return frame.copy()
    if calendar is not None and target == Timeframe(1, TimeUnit.DAY) and source_tf.is_intraday:
        cal = get_calendar(calendar) if isinstance(calendar, str) else calendar
        labels = _session_labels(ts, source_tf, cal)
    else:
        labels = period_labels(ts, target)
        ends = (
            period_labels(ts + source_tf.approx_nanos - 1, target)
            if target.unit not in _MONTHS or source_tf.unit not in _MONTHS
            else labels
        )
        straddle = ends != labels
        if straddle.any():
            first = pd.Timestamp(ts[straddle][0], tz="UTC")
            raise ValidationError(
                f"{int(straddle.sum())} {source_tf} bar(s) straddle two {target} periods",
                field="timestamp",
                value=first.isoformat(),
                fix=f"the bars are not aligned to the {target} grid (UTC); align them first",
            )
    volume = frame["volume"].to_numpy("float64") if "volume" in frame else np.full(len(ts), np.nan)
    extras = frame[extra].to_numpy("float64") if extra else np.empty((len(ts), 0))
    out_labels, out, out_extra = aggregate_ohlcv_nb(  # type: ignore[call-arg]
        labels.astype("int64"),
        *(frame[c].to_numpy("float64") for c in BAR_COLUMNS[:4]),
        volume,
        np.ascontiguousarray(extras),
    )
    out_index = pd.DatetimeIndex(pd.to_datetime(out_labels, unit="ns", utc=True)).as_unit("ns")
    result = pd.DataFrame(out, columns=list(BAR_COLUMNS), index=out_index.rename(INDEX_NAME))
    if "volume" not in frame:
        result = result.drop(columns="volume")
    for j, column in enumerate(extra):
        result[column] = out_extra[:, j]
    return result
