"""The boundary of signaltrust.ta: turn user inputs into float64 arrays, check parameters, and
give results back in the kind the user passed (NumPy in, NumPy out; Series in, Series out)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

SUPPORTED_MATYPES = {0: "SMA", 1: "EMA", 2: "WMA", 3: "DEMA", 4: "TEMA", 6: "KAMA"}


@dataclass(frozen=True)
class Prepared:
    """Validated inputs: contiguous float64 arrays, the index to restore, the first bar without NaN."""

    arrays: tuple[np.ndarray, ...]
    index: pd.Index | None
    start: int


def _to_array(name: str, value: Any) -> tuple[np.ndarray, pd.Index | None]:
    index = None
    if isinstance(value, pd.DataFrame):
        raise ValidationError(
            f"{name} must be one column, not a DataFrame",
            field=name,
            value=f"DataFrame with columns {list(value.columns)[:5]}",
            fix=f"pass a single column, e.g. df['{name}']",
        )
    if isinstance(value, pd.Series):
        index = value.index
        if not pd.api.types.is_numeric_dtype(value.dtype) or pd.api.types.is_bool_dtype(
            value.dtype
        ):
            raise ValidationError(
                f"{name} must be numeric",
                field=name,
                value=str(value.dtype),
                fix="convert it first, e.g. pd.to_numeric(series)",
            )
        if value.dtype == np.float64:
            raw = value.to_numpy()  # a view: no copy, no pass over the data
        else:
            raw = value.to_numpy(dtype="float64", na_value=np.nan)
    else:
        try:
            raw = np.asarray(value)
        except Exception as error:  # pragma: no cover - exotic objects
            raise ValidationError(
                f"{name} must be array-like",
                field=name,
                value=type(value).__name__,
                fix="pass a NumPy array or a pandas Series",
            ) from error
        if raw.dtype.kind not in "iuf":
            raise ValidationError(
                f"{name} must be a numeric array",
                field=name,
                value=f"{type(value).__name__} of dtype {raw.dtype}",
                fix="pass a float NumPy array or a numeric pandas Series",
            )
    if raw.ndim != 1:
        raise ValidationError(
            f"{name} must be one-dimensional",
            field=name,
            value=f"array of shape {raw.shape}",
            fix="pass one series at a time, e.g. prices[:, 0]",
        )
    return np.ascontiguousarray(raw, dtype=np.float64), index


def prepare(**inputs: Any) -> Prepared:
    """Check and convert the named inputs; all must have the same length (and index, for Series)."""
    arrays: list[np.ndarray] = []
    index: pd.Index | None = None
    first_name = ""
    for name, value in inputs.items():
        array, own_index = _to_array(name, value)
        if arrays and array.shape[0] != arrays[0].shape[0]:
            raise ValidationError(
                f"{name} has {array.shape[0]} values but {first_name} has {arrays[0].shape[0]}",
                field=name,
                value=array.shape[0],
                fix="pass inputs of equal length, taken from the same bars",
            )
        if own_index is not None:
            if index is not None and not own_index.equals(index):
                raise ValidationError(
                    f"{name} has a different index from the other inputs",
                    field=name,
                    value=f"{own_index[:1].tolist()}...",
                    fix="align the series first, e.g. take them as columns of one DataFrame",
                )
            index = own_index if index is None else index
        if not arrays:
            first_name = name
        arrays.append(array)
    return Prepared(tuple(arrays), index, _first_valid(arrays))


def _first_valid(arrays: list[np.ndarray]) -> int:
    """The first index where no input is NaN, looking at growing chunks: O(that index), not O(n)."""
    n = arrays[0].shape[0]
    begin = 0
    size = 64
    while begin < n:
        end = min(n, begin + size)
        valid = ~np.isnan(arrays[0][begin:end])
        for array in arrays[1:]:
            valid &= ~np.isnan(array[begin:end])
        if valid.any():
            return begin + int(np.argmax(valid))
        begin = end
        size *= 4
    return n


def empty(prepared: Prepared, count: int = 1) -> tuple[np.ndarray, ...]:
    """Output arrays for a kernel to fill, allocated by NumPy rather than inside numba.

    NumPy asks the kernel for transparent huge pages on large arrays; numba's allocator does not,
    and faulting in a fresh multi-megabyte output 4 KiB at a time costs more than the indicator.
    """
    n = prepared.arrays[0].shape[0]
    return tuple(np.empty(n) for _ in range(count))


def period(name: str, value: Any, minimum: int) -> int:
    """An integer parameter of at least ``minimum`` (TA-Lib's lower bound for it)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValidationError(
            f"{name} must be an integer",
            field=name,
            value=value,
            fix=f"pass an integer of at least {minimum}",
        )
    if value < minimum:
        raise ValidationError(
            f"{name} must be at least {minimum}",
            field=name,
            value=int(value),
            fix=f"pass {name}={minimum} or more",
        )
    return int(value)


def number(name: str, value: Any, *, positive: bool = False, non_negative: bool = False) -> float:
    """A finite real parameter."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ValidationError(
            f"{name} must be a number", field=name, value=value, fix=f"pass a float for {name}"
        )
    result = float(value)
    if not np.isfinite(result) or (positive and result <= 0) or (non_negative and result < 0):
        bound = "positive" if positive else "non-negative" if non_negative else "finite"
        raise ValidationError(
            f"{name} must be {bound}", field=name, value=value, fix=f"pass a {bound} {name}"
        )
    return result


def matype(name: str, value: Any) -> int:
    """A moving-average type code, as TA-Lib numbers them."""
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, np.integer))
        or int(value) not in SUPPORTED_MATYPES
    ):
        supported = ", ".join(f"{code} ({label})" for code, label in SUPPORTED_MATYPES.items())
        raise ValidationError(
            f"{name} is not a supported moving-average type",
            field=name,
            value=value,
            fix=f"use one of {supported}; TRIMA (5), MAMA (7) and T3 (8) are not implemented",
        )
    return int(value)


def wrap(prepared: Prepared, *outputs: np.ndarray) -> Any:
    """One output as it is, several as a tuple; Series with the input's index when Series came in."""
    if prepared.index is not None:
        outputs = tuple(pd.Series(out, index=prepared.index) for out in outputs)
    return outputs[0] if len(outputs) == 1 else tuple(outputs)
