"""Option inputs checked once: call/put signs, positive spots, strikes, times and vols."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from signaltrust.core.errors import ValidationError

DAYS_PER_YEAR = 365.0  # Actual/365 Fixed, the day count QuantLib's reference prices use here

_KINDS = {"call": 1.0, "c": 1.0, "put": -1.0, "p": -1.0}


def kind_sign(kind: Any) -> np.ndarray:
    """+1 for a call, -1 for a put, element by element ("call"/"put", "c"/"p" or +1/-1)."""
    arr = np.asarray(kind)
    if arr.dtype.kind in "iuf":
        sign = arr.astype(float)
        if not np.all(np.isin(sign, (1.0, -1.0))):
            raise ValidationError("an option kind must be a call or a put", field="kind",
                                  value=kind, fix="pass 'call' or 'put' (or +1 / -1)")
        return sign
    flat = [str(k).strip().lower() for k in arr.ravel()]
    bad = [k for k in flat if k not in _KINDS]
    if bad:
        raise ValidationError("an option kind must be a call or a put", field="kind",
                              value=bad[0], fix="pass 'call' or 'put'")
    return np.array([_KINDS[k] for k in flat], dtype=float).reshape(arr.shape)


def positive(name: str, value: Any, fix: str) -> np.ndarray:
    """``value`` as a float array, refused unless every element is finite and > 0."""
    arr = np.asarray(value, dtype=float)
    bad = ~np.isfinite(arr) | (arr <= 0.0)
    if np.any(bad):
        raise ValidationError(f"{name} must be a finite number above zero", field=name,
                              value=arr[bad].ravel()[0].item(), fix=fix)
    return arr


def finite(name: str, value: Any) -> np.ndarray:
    """``value`` as a float array, refused if any element is NaN or infinite."""
    arr = np.asarray(value, dtype=float)
    if not np.all(np.isfinite(arr)):
        raise ValidationError(f"{name} must be a finite number", field=name,
                              value=arr[~np.isfinite(arr)].ravel()[0].item(),
                              fix=f"give {name} as a number, e.g. 0.01 for 1%")
    return arr


@dataclass(frozen=True)
class Market:
    """Checked, broadcast inputs of a set of European/American options (one row each)."""

    sign: np.ndarray
    spot: np.ndarray
    strike: np.ndarray
    years: np.ndarray
    rate: np.ndarray
    dividend: np.ndarray

    @classmethod
    def of(cls, kind: Any, spot: Any, strike: Any, years: Any, rate: Any = 0.0,
           dividend: Any = 0.0) -> Market:
        """Validate and broadcast; ``years`` is time to expiry in years (days / 365)."""
        arrays = np.broadcast_arrays(
            kind_sign(kind),
            positive("spot", spot, "give the underlying's price, e.g. 100"),
            positive("strike", strike, "give the strike price, e.g. 105"),
            positive("years", years, "give a time to expiry after now, e.g. 30 days"),
            finite("rate", rate),
            finite("dividend", dividend),
        )
        return cls(*(np.array(a, dtype=float) for a in arrays))


def checked_vol(vol: Any) -> np.ndarray:
    """Volatility per year as a float array (0.2 = 20%), refused unless > 0."""
    return positive("vol", vol, "give the annual volatility as a fraction, e.g. 0.2 for 20%")


def shaped(value: np.ndarray) -> Any:
    """A 0-d array back to a float, anything else unchanged."""
    return float(value) if np.ndim(value) == 0 else value
