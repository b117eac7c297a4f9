"""Run the data-quality checks on bars, panels and series, bundled datasets and files.

The checks report and never fix: the frame passed in is read, never modified, and nothing is
sorted, deduplicated, filled or dropped. Thresholds default to ``Settings.data``
(``outlier_sigma``, ``stale_run``, ``max_gap_report``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from signaltrust.core.bars import PRICE_COLUMNS
from signaltrust.core.calendar import TradingCalendar
from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data.quality import moves, timestamps, values
from signaltrust.data.quality.report import CHECKS, ERROR, QualityIssue, QualityReport, issue

# bundled series whose values are returns, not prices (checked without the price-only checks)
_RETURN_SERIES = frozenset({"fama_french"})


def _thresholds(
    outlier_sigma: float | None, stale_run: int | None, max_gap_report: int | None
) -> tuple[float, int, int]:
    if outlier_sigma is None or stale_run is None or max_gap_report is None:
        # the thresholds' defaults; the CLI passes the configured ones (library code never
        # reads the configuration)
        from signaltrust.core.config import DataSettings

        data = DataSettings()
        outlier_sigma = data.outlier_sigma if outlier_sigma is None else outlier_sigma
        stale_run = data.stale_run if stale_run is None else stale_run
        max_gap_report = data.max_gap_report if max_gap_report is None else max_gap_report
    if not outlier_sigma > 0:
        raise ValidationError(
            "outlier_sigma must be above zero",
            field="outlier_sigma",
            value=outlier_sigma,
            fix="pass a robust z-score limit such as 8",
        )
    if stale_run < 2:
        raise ValidationError(
            "stale_run must be at least 2",
            field="stale_run",
            value=stale_run,
            fix="pass the number of identical consecutive bars to flag, such as 5",
        )
    if max_gap_report < 1:
        raise ValidationError(
            "max_gap_report must be at least 1",
            field="max_gap_report",
            value=max_gap_report,
            fix="pass how many gap ranges to list, such as 50",
        )
    return float(outlier_sigma), int(stale_run), int(max_gap_report)


def _index_of(frame: pd.DataFrame) -> pd.DatetimeIndex:
    """The frame's index as UTC nanoseconds (a new object; the frame keeps its own)."""
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(
            "the data to check must be a pandas DataFrame",
            field="frame",
            value=type(frame).__name__,
            fix="pass a DataFrame with a datetime index",
        )
    index = frame.index
    if not isinstance(index, pd.DatetimeIndex):
        try:
            index = pd.DatetimeIndex(index)
        except (TypeError, ValueError) as exc:
            raise ValidationError(
                "the index is not made of timestamps",
                field="index",
                value=type(frame.index).__name__,
                fix="set a datetime index, e.g. df.set_index(pd.to_datetime(df['date'], utc=True))",
            ) from exc
    index = index.tz_localize("UTC") if index.tz is None else index.tz_convert("UTC")
    return index.as_unit("ns").rename("timestamp")


def _timeframe(timeframe: Timeframe | str | None, index: pd.DatetimeIndex) -> Timeframe | None:
    if timeframe is not None:
        return Timeframe.parse(timeframe)
    clean = index.dropna().unique().sort_values()
    if len(clean) < 2:
        return None
    return Timeframe.infer(clean)


def _timestamp_checks(
    index: pd.DatetimeIndex,
    rows: np.ndarray,
    matrix: np.ndarray,
    tf: Timeframe | None,
    calendar: str | TradingCalendar | None,
    max_gap_report: int,
    context: dict[str, Any],
) -> tuple[list[QualityIssue], np.ndarray]:
    """Unreadable, duplicate, out-of-order and off-grid timestamps, calendar gaps; off-grid mask."""
    out: list[QualityIssue] = []
    readable = ~np.asarray(index.isna())
    for p in np.flatnonzero(~readable):
        out.append(
            issue(
                "unparsable",
                "the timestamp is empty or unreadable; correct the date",
                row=rows[p],
                column="timestamp",
            )
        )
    good = index[readable]
    good_rows = rows[readable]
    out += timestamps.duplicate_timestamps(good, good_rows)
    out += timestamps.out_of_order(good, good_rows)
    off_grid = np.zeros(len(index), dtype=bool)
    if tf is None:
        return out, off_grid
    empty = np.isnan(matrix).all(axis=1) if matrix.size else np.ones(len(index), dtype=bool)
    grid_issues, mask = timestamps.off_grid(good, good_rows, tf, empty[readable])
    out += grid_issues
    off_grid[readable] = mask
    cal = timestamps.resolve_calendar(calendar, good[~empty[readable]], tf)
    context["calendar"] = cal.name
    out += timestamps.calendar_gaps(good, ~empty[readable], tf, cal, max_gap_report)
    return out, off_grid


def finish_report(issues: list[QualityIssue], context: dict[str, Any]) -> QualityReport:
    order = list(CHECKS)
    issues = sorted(issues, key=lambda i: (i.severity != ERROR, order.index(i.check)))
    return QualityReport(issues=issues, context=context)


def _rows(n: int, rows: Sequence[int] | np.ndarray | None) -> np.ndarray:
    if rows is None:
        return np.arange(1, n + 1, dtype=np.int64)
    out = np.asarray(rows, dtype=np.int64)
    if out.shape != (n,):
        raise ValidationError(
            "rows must give one row number per row of the frame",
            field="rows",
            value=out.shape,
            fix=f"pass {n} row numbers, or leave rows=None for positions 1..{n}",
        )
    return out


def _pick(names: list[str], choice: bool | Sequence[str]) -> list[str]:
    if choice is True:
        return list(names)
    if choice is False:
        return []
    chosen = {str(c) for c in choice}
    return [c for c in names if c in chosen]


def check_bars(
    frame: pd.DataFrame,
    *,
    timeframe: Timeframe | str | None = None,
    calendar: str | TradingCalendar | None = None,
    expects_volume: bool = True,
    outlier_sigma: float | None = None,
    stale_run: int | None = None,
    max_gap_report: int | None = None,
    rows: Sequence[int] | np.ndarray | None = None,
) -> QualityReport:
    """Check OHLCV bars for data-quality problems and report them; the frame is never changed.

    ``timeframe`` is inferred from the spacing when not given; ``calendar`` (``XNYS``, ``24/5``,
    ``24/7`` or a TradingCalendar) is guessed from the timestamps when not given. ``rows`` gives
    the row number reported for each row (default: positions 1..n; file lines for files).

    >>> from signaltrust.data import load
    >>> check_bars(load("goog"), timeframe="1d", calendar="XNYS").ok
    True
    """
    sigma, run, max_gaps = _thresholds(outlier_sigma, stale_run, max_gap_report)
    index = _index_of(frame)
    missing = [c for c in PRICE_COLUMNS if c not in frame.columns]
    if missing:
        raise ValidationError(
            "bars lack required columns",
            field="columns",
            value=list(frame.columns),
            fix=f"add or rename {missing} (lower case), or check the frame with check_series",
        )
    row_numbers = _rows(len(frame), rows)
    has_volume = "volume" in frame.columns
    names = [*PRICE_COLUMNS, *(["volume"] if has_volume else [])]
    numbers, issues = values.numeric_columns(frame, names, row_numbers)
    prices = {c: numbers[c] for c in PRICE_COLUMNS}
    matrix = np.column_stack([numbers[c] for c in names])
    tf = _timeframe(timeframe, index)
    context: dict[str, Any] = {
        "kind": "bars",
        "rows": len(frame),
        "timeframe": None if tf is None else str(tf),
        "outlier_sigma": sigma,
        "stale_run": run,
        "max_gap_report": max_gaps,
        "expects_volume": expects_volume,
    }
    found, off_grid = _timestamp_checks(
        index, row_numbers, np.column_stack(list(prices.values())), tf, calendar, max_gaps, context
    )
    issues += found
    issues += values.non_finite(numbers, index, row_numbers)
    issues += values.non_positive(prices, index, row_numbers)
    issues += values.ohlc_inconsistent(prices, index, row_numbers)
    issues += values.missing_values(prices, index, row_numbers, skip_leading=False)
    issues += values.volume_checks(
        frame, numbers.get("volume"), index, row_numbers, expects_volume=expects_volume
    )
    issues += moves.outlier_returns(prices["close"], index, row_numbers, "close", sigma)
    issues += moves.stale_runs(matrix, index, row_numbers, "bars", run)
    if tf is not None:
        issues += moves.repeated_rows(matrix, names, index, row_numbers, tf, off_grid)
    return finish_report(issues, context)


def check_series(
    frame: pd.DataFrame,
    *,
    timeframe: Timeframe | str | None = None,
    calendar: str | TradingCalendar | None = None,
    prices: bool | Sequence[str] = True,
    returns: bool | Sequence[str] = False,
    columns: Sequence[str] | None = None,
    outlier_sigma: float | None = None,
    stale_run: int | None = None,
    max_gap_report: int | None = None,
    rows: Sequence[int] | np.ndarray | None = None,
) -> QualityReport:
    """Check a panel or macro series column by column and report problems; never changes the frame.

    ``returns`` names columns whose values are returns (True: all): their outliers are judged on
    the values themselves. ``prices`` names the price columns among the rest (True: all): they are
    checked for values of zero or below and their outliers are judged on log returns. Any other
    column (a yield, a spread) is judged on its plain changes. Empty cells before a column's
    first value (a stock not yet listed) are not reported.
    """
    sigma, run, max_gaps = _thresholds(outlier_sigma, stale_run, max_gap_report)
    index = _index_of(frame)
    row_numbers = _rows(len(frame), rows)
    names = [str(c) for c in (columns if columns is not None else frame.columns)]
    unknown = [c for c in names if c not in frame.columns]
    if unknown:
        raise ValidationError(
            "columns to check are not in the frame",
            field="columns",
            value=unknown,
            fix=f"use columns of the frame: {list(frame.columns)}",
        )
    return_names = _pick(names, returns)
    price_names = [c for c in _pick(names, prices) if c not in return_names]
    numbers, issues = values.numeric_columns(frame, names, row_numbers)
    matrix = np.column_stack([numbers[c] for c in names]) if names else np.empty((len(frame), 0))
    tf = _timeframe(timeframe, index)
    context: dict[str, Any] = {
        "kind": "series",
        "rows": len(frame),
        "timeframe": None if tf is None else str(tf),
        "columns": ",".join(names),
        "price_columns": ",".join(price_names),
        "return_columns": ",".join(return_names),
        "outlier_sigma": sigma,
        "stale_run": run,
        "max_gap_report": max_gaps,
    }
    found, off_grid = _timestamp_checks(index, row_numbers, matrix, tf, calendar, max_gaps, context)
    issues += found
    issues += values.non_positive({c: numbers[c] for c in price_names}, index, row_numbers)
    issues += values.missing_values(numbers, index, row_numbers, skip_leading=True)
    for c in names:
        mode = "log" if c in price_names else "level" if c in return_names else "change"
        issues += moves.outlier_returns(numbers[c], index, row_numbers, c, sigma, mode=mode)
        issues += moves.stale_runs(numbers[c], index, row_numbers, c, run)
    if tf is not None and names:
        issues += moves.repeated_rows(matrix, names, index, row_numbers, tf, off_grid)
    return finish_report(issues, context)


def check_frame(
    frame: pd.DataFrame,
    *,
    kind: Literal["bars", "series", "auto"] = "auto",
    expects_volume: bool = True,
    **options: Any,
) -> QualityReport:
    """check_bars when the frame has open/high/low/close (or ``kind="bars"``), else check_series."""
    is_bars = kind == "bars" or (kind == "auto" and all(c in frame.columns for c in PRICE_COLUMNS))
    if is_bars:
        return check_bars(frame, expects_volume=expects_volume, **options)
    return check_series(frame, **options)


def check_dataset(
    name: str,
    *,
    timeframe: Timeframe | str | None = None,
    calendar: str | TradingCalendar | None = None,
    expects_volume: bool | None = None,
    **thresholds: Any,
) -> QualityReport:
    """Check a bundled dataset (``stocks``, ``wti``, ``sp500`` ...) with its timeframe and calendar.

    >>> check_dataset("stocks").by_check("repeated_bar")[0].timestamp
    '2022-06-28T00:00:00+00:00'
    """
    from signaltrust.data.catalog import get_spec, load

    spec = get_spec(name)
    frame = load(spec.name)
    options = {
        "timeframe": timeframe if timeframe is not None else spec.timeframe,
        "calendar": calendar if calendar is not None else spec.calendar,
        **thresholds,
    }
    if spec.kind == "bars":
        volume = spec.expects_volume if expects_volume is None else expects_volume
        report = check_bars(frame, expects_volume=volume, **options)
    else:
        is_returns = getattr(spec, "values", None) == "returns" or spec.name in _RETURN_SERIES
        report = check_series(frame, prices=not is_returns, returns=is_returns, **options)
    report.context = {"dataset": spec.name, **report.context}
    return report
