"""Input checks of the vectorized engine: bars and signals become aligned float/bool arrays.

Every refusal is a ValidationError naming the field, the value and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from signaltrust.core.bars import PRICE_COLUMNS, ensure_utc_index
from signaltrust.core.errors import ValidationError

DEFAULT_ASSET = "asset"


@dataclass(frozen=True)
class BarArrays:
    """Bars of one or more assets on one index, as (bars, assets) float64 arrays."""

    index: pd.DatetimeIndex
    assets: tuple[str, ...]
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    frames: dict[str, pd.DataFrame]

    @property
    def close_frame(self) -> pd.DataFrame:
        """Close prices, one column per asset."""
        return pd.DataFrame(self.close, index=self.index, columns=list(self.assets))


def _frame_name(frame: pd.DataFrame) -> str:
    for key in ("symbol", "instrument", "name", "dataset"):
        value = frame.attrs.get(key)
        if isinstance(value, str) and value:
            return value
    return DEFAULT_ASSET


def _check_frame(frame: object, field: str) -> tuple[pd.DatetimeIndex, dict[str, np.ndarray]]:
    """The UTC index and float64 price arrays of one bar frame (no copy when already float64)."""
    if not isinstance(frame, pd.DataFrame):
        raise ValidationError(
            "bars must be a DataFrame or a dict of DataFrames",
            field=field,
            value=type(frame).__name__,
            fix="pass a bar DataFrame (open/high/low/close, UTC index) or {asset: DataFrame}",
        )
    columns = {str(c).lower(): c for c in frame.columns}
    missing = [c for c in PRICE_COLUMNS if c not in columns]
    if missing:
        raise ValidationError(
            "bars lack price columns",
            field=field,
            value=list(frame.columns),
            fix=f"add or rename columns {missing} (open, high, low, close)",
        )
    if len(frame) == 0:
        raise ValidationError("bars are empty", field=field, value=0, fix="pass at least one bar")
    index = frame.index
    if not (isinstance(index, pd.DatetimeIndex) and str(index.tz) == "UTC" and index.unit == "ns"):
        index = ensure_utc_index(index, field=f"{field}.index")
    if not index.is_monotonic_increasing or not index.is_unique:
        raise ValidationError(
            "the bar index must be strictly increasing",
            field=f"{field}.index",
            value="unsorted or duplicated timestamps",
            fix="sort the bars by time and drop duplicates (frame.sort_index(); "
            "frame[~frame.index.duplicated()])",
        )
    arrays = {}
    for name in PRICE_COLUMNS:
        column = frame[columns[name]]
        if not pd.api.types.is_numeric_dtype(column.dtype):
            raise ValidationError(
                "bar column is not numeric",
                field=f"{field}.{name}",
                value=str(column.dtype),
                fix="convert it with pd.to_numeric",
            )
        arrays[name] = column.to_numpy(dtype=np.float64, na_value=np.nan)
    return index, arrays


def prepare_bars(bars: pd.DataFrame | Mapping[str, pd.DataFrame]) -> BarArrays:
    """Bar arrays from one bar DataFrame or a dict {asset: DataFrame} (union of their indexes).

    An asset with no bar at a timestamp of the union gets NaN prices there: nothing fills for it
    on that bar and it is valued at its last known price.
    """
    if isinstance(bars, Mapping):
        if not bars:
            raise ValidationError(
                "no assets given", field="bars", value={}, fix="pass {asset: bar DataFrame, ...}"
            )
        frames = {str(name): frame for name, frame in bars.items()}
    else:
        frames = {_frame_name(bars): bars}
    checked = {
        name: _check_frame(frame, f"bars[{name!r}]" if isinstance(bars, Mapping) else "bars")
        for name, frame in frames.items()
    }
    assets = tuple(frames)
    index = checked[assets[0]][0]
    for own, _ in list(checked.values())[1:]:
        if not own.equals(index):
            index = index.union(own)
    blocks = {}
    for name in PRICE_COLUMNS:
        if len(assets) == 1:
            blocks[name] = checked[assets[0]][1][name].reshape(-1, 1)
            continue
        block = np.empty((len(index), len(assets)))
        for j, asset in enumerate(assets):
            own, arrays = checked[asset]
            if own.equals(index):
                block[:, j] = arrays[name]
            else:
                block[:, j] = pd.Series(arrays[name], index=own).reindex(index).to_numpy()
        blocks[name] = block
    return BarArrays(
        index=index,
        assets=assets,
        open=blocks["open"],
        high=blocks["high"],
        low=blocks["low"],
        close=blocks["close"],
        frames=frames,
    )


def _aligned_index(obj: pd.Series | pd.DataFrame, index: pd.DatetimeIndex, field: str) -> None:
    if obj.index.equals(index):
        return
    try:
        own = ensure_utc_index(obj.index, field=f"{field}.index")
    except ValidationError:
        own = None
    if own is not None and own.equals(index):
        return
    raise ValidationError(
        "the index does not match the bars' index",
        field=field,
        value=f"{len(obj)} rows from {obj.index[0] if len(obj) else None} "
        f"vs {len(index)} bars from {index[0]}",
        fix=f"align it first: {field} = {field}.reindex(bars.index)"
        + (".fillna(False)" if field != "targets" else ""),
    )


def _columns_for(frame: pd.DataFrame, assets: tuple[str, ...], field: str) -> pd.DataFrame:
    if len(assets) == 1 and frame.shape[1] == 1:
        return frame
    names = [str(c) for c in frame.columns]
    if sorted(names) != sorted(assets):
        raise ValidationError(
            "the columns do not match the assets",
            field=field,
            value=names,
            fix=f"give one column per asset: {list(assets)}",
        )
    frame = frame.copy(deep=False)
    frame.columns = names
    return frame[list(assets)]


def prepare_signal(
    signal: pd.Series | pd.DataFrame | np.ndarray | None, data: BarArrays, field: str
) -> np.ndarray:
    """A (bars, assets) bool array from a bool Series (broadcast to every asset) or DataFrame."""
    shape = (len(data.index), len(data.assets))
    if signal is None:
        return np.zeros(shape, dtype=np.bool_)
    if isinstance(signal, np.ndarray):
        raise ValidationError(
            "signals must be pandas objects aligned with the bars",
            field=field,
            value="numpy.ndarray",
            fix=f"wrap it: pd.Series({field}, index=bars.index) (or use the nb kernels directly)",
        )
    if not isinstance(signal, (pd.Series, pd.DataFrame)):
        raise ValidationError(
            "signals must be a bool Series or DataFrame",
            field=field,
            value=type(signal).__name__,
            fix="pass a bool Series indexed like the bars (one column per asset for several)",
        )
    _aligned_index(signal, data.index, field)
    if isinstance(signal, pd.DataFrame):
        signal = _columns_for(signal, data.assets, field)
    if _all_bool(signal):
        values = signal.to_numpy(dtype=np.bool_)
    else:
        raw = signal.to_numpy(dtype=np.float64, na_value=np.nan) if _numeric(signal) else None
        if raw is None or np.isnan(raw).any() or not np.isin(raw, (0.0, 1.0)).all():
            raise ValidationError(
                "signals must be booleans without missing values",
                field=field,
                value=str(getattr(signal, "dtype", "mixed")),
                fix=f"convert it: {field}.fillna(False).astype(bool)",
            )
        values = raw.astype(np.bool_)
    if values.ndim == 1:
        values = np.repeat(values[:, None], shape[1], axis=1)
    return np.ascontiguousarray(values)


def _all_bool(obj: pd.Series | pd.DataFrame) -> bool:
    if isinstance(obj, pd.Series):
        return pd.api.types.is_bool_dtype(obj.dtype)
    return all(pd.api.types.is_bool_dtype(d) for d in obj.dtypes)


def _numeric(obj: pd.Series | pd.DataFrame) -> bool:
    if isinstance(obj, pd.Series):
        return pd.api.types.is_numeric_dtype(obj)
    return all(pd.api.types.is_numeric_dtype(d) for d in obj.dtypes)


def prepare_targets(targets: pd.Series | pd.DataFrame, data: BarArrays) -> np.ndarray:
    """A (bars, assets) float array of targets (NaN: hold) from a Series or DataFrame."""
    if not isinstance(targets, (pd.Series, pd.DataFrame)):
        raise ValidationError(
            "targets must be a Series or DataFrame",
            field="targets",
            value=type(targets).__name__,
            fix="pass a float Series indexed like the bars (one column per asset for several)",
        )
    _aligned_index(targets, data.index, "targets")
    if isinstance(targets, pd.DataFrame):
        targets = _columns_for(targets, data.assets, "targets")
    if not _numeric(targets):
        raise ValidationError(
            "targets must be numbers (NaN to hold)",
            field="targets",
            value=str(getattr(targets, "dtype", "mixed")),
            fix="convert it with pd.to_numeric",
        )
    values = targets.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise ValidationError(
            "targets must be finite",
            field="targets",
            value="inf",
            fix="replace inf by a finite target or NaN",
        )
    if values.ndim == 1:
        values = np.repeat(values[:, None], len(data.assets), axis=1)
    return np.ascontiguousarray(values)
