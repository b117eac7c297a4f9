"""As-of alignment without look-ahead: each value is used only from the time it became known.

``align_asof(series, target_index, available_at)`` puts a series of another calendar (a monthly
macro figure, a daily index, an hourly rate) on a target's bars. Every observation carries the
instant it became known (``available_at``, UTC); every target bar decides at one instant
(``decided_at``: by default the end of the bar, i.e. its close). The value at bar t is the latest
observation known at or before the decision of t; nothing published later can reach it.

Convention for "known at the close of day D" (a daily close, or a figure published some time
during day D): ``available_at = D + 1 day`` (the end of day D, UTC). A daily bar labelled D
decides at ``D + 1 day`` too, so it sees that day's close and nothing released after it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe, TimeUnit

_CALENDAR_UNITS = {TimeUnit.MONTH: 1, TimeUnit.QUARTER: 3, TimeUnit.YEAR: 12}


def _utc_index(values: Any, field: str) -> pd.DatetimeIndex:
    index = pd.DatetimeIndex(values)
    if index.tz is None:
        raise ValidationError(
            "timestamps must be time-zone aware (UTC)",
            field=field,
            value=str(index[:1].tolist()),
            fix="localize them with .tz_localize('UTC')",
        )
    return index.tz_convert("UTC").as_unit("ns")


def bar_ends(index: pd.DatetimeIndex, timeframe: Timeframe | str | None = None) -> pd.DatetimeIndex:
    """The end of each bar (label + bar length): the instant its close is known.

    ``timeframe`` is inferred from the index when omitted. Monthly, quarterly and yearly bars
    end on calendar boundaries (a bar labelled 2020-02-01 ends 2020-03-01).
    """
    labels = _utc_index(index, "target_index")
    frame = Timeframe.infer(labels) if timeframe is None else Timeframe.parse(timeframe)
    if frame.unit in _CALENDAR_UNITS:
        return labels + pd.DateOffset(months=frame.count * _CALENDAR_UNITS[frame.unit])
    return labels + pd.Timedelta(frame.approx_nanos, unit="ns")


def align_asof(
    series: pd.Series,
    target_index: pd.DatetimeIndex,
    available_at: Any,
    *,
    decided_at: Any = None,
    max_age: pd.Timedelta | str | None = None,
) -> pd.Series:
    """Align ``series`` to ``target_index`` as of availability: no value before it is known.

    ``available_at``: one UTC instant per observation, when its value became known.
    ``decided_at``: one UTC instant per target bar, when the bar's decision is taken; default
    the end of each target bar (``bar_ends(target_index)``). The value at target bar t is that of
    the latest non-missing observation with ``available_at <= decided_at[t]`` (among equal
    availability times, the later row); NaN when there is none, or when it became known more
    than ``max_age`` before ``decided_at[t]`` (a source that stopped is not carried forever).
    Returns a float Series indexed by ``target_index`` with the series' name.
    """
    if not isinstance(series, pd.Series):
        raise ValidationError(
            "align_asof aligns one Series at a time",
            field="series",
            value=type(series).__name__,
            fix="pass frame[column], one column per call",
        )
    known = _utc_index(available_at, "available_at")
    if len(known) != len(series):
        raise ValidationError(
            "available_at needs one instant per observation",
            field="available_at",
            value=f"{len(known)} instants for {len(series)} observations",
            fix="compute it from the series' own index",
        )
    targets = pd.DatetimeIndex(target_index)
    decisions = bar_ends(targets) if decided_at is None else _utc_index(decided_at, "decided_at")
    if len(decisions) != len(targets):
        raise ValidationError(
            "decided_at needs one instant per target bar",
            field="decided_at",
            value=f"{len(decisions)} instants for {len(targets)} bars",
            fix="omit it to use the end of each bar",
        )
    values = series.to_numpy(dtype=float, na_value=np.nan)
    known_ns = known.asi8
    present = ~np.isnan(values) & (known_ns != np.iinfo(np.int64).min)
    values, known_ns = values[present], known_ns[present]
    order = np.argsort(known_ns, kind="stable")
    values, known_ns = values[order], known_ns[order]
    decision_ns = decisions.asi8
    last = np.searchsorted(known_ns, decision_ns, side="right") - 1
    out = np.full(len(targets), np.nan)
    found = last >= 0
    out[found] = values[last[found]]
    if max_age is not None and found.any():
        age = decision_ns[found] - known_ns[last[found]]
        limit = pd.Timedelta(max_age).value
        stale = np.zeros(len(targets), dtype=bool)
        stale[np.flatnonzero(found)[age > limit]] = True
        out[stale] = np.nan
    return pd.Series(out, index=targets, name=series.name)
