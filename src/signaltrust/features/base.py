"""The FeatureSet contract: a scikit-learn transformer from bars to a causal feature frame.

Every feature set follows scikit-learn's transformer contract so that it composes with
``Pipeline``, ``clone`` and grid searches: constructor arguments are stored as given and
nothing is computed in ``__init__``; ``fit(bars)`` returns ``self``; ``transform(bars)``
returns a float64 DataFrame indexed exactly like the bars, one column per feature, named so
that a trader can read it (``rsi_14``, ``ret_5``, ``natr_14``); ``get_feature_names_out()``
lists the columns. Every value at bar t uses bars up to the close of t only.

Feature sets hold no learned state: ``transform`` works without ``fit``; ``fit`` only records
which features the bars allow (``feature_names_out_``) and which were skipped and why
(``skipped_``, e.g. volume features on bars without volume).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from signaltrust.core.errors import ValidationError

PRICE_INPUTS = ("open", "high", "low", "close")


def has_volume(bars: pd.DataFrame) -> bool:
    """True when the bars carry a usable volume column (present, not all missing, not all zero)."""
    if "volume" not in bars.columns:
        return False
    volume = bars["volume"].to_numpy(dtype=float, na_value=np.nan)
    finite = volume[np.isfinite(volume)]
    return bool(finite.size and np.any(finite != 0.0))


def validate_feature_bars(bars: Any, required: tuple[str, ...] = PRICE_INPUTS) -> pd.DataFrame:
    """Check that ``bars`` is a DataFrame with a sorted, unique DatetimeIndex and needed columns."""
    if not isinstance(bars, pd.DataFrame):
        raise ValidationError(
            "feature sets take a DataFrame of bars",
            field="bars",
            value=type(bars).__name__,
            fix="pass bars such as signaltrust.data.load('sp500')",
        )
    if not isinstance(bars.index, pd.DatetimeIndex):
        raise ValidationError(
            "bars need a DatetimeIndex",
            field="bars.index",
            value=type(bars.index).__name__,
            fix="index the bars by timestamp (UTC)",
        )
    if not bars.index.is_monotonic_increasing or not bars.index.is_unique:
        raise ValidationError(
            "bar timestamps must be unique and increasing",
            field="bars.index",
            value="unsorted or duplicated",
            fix="sort the bars and drop duplicated timestamps (signaltrust data check finds them)",
        )
    missing = [name for name in required if name not in bars.columns]
    if missing:
        raise ValidationError(
            "bars lack columns this feature set needs",
            field="bars.columns",
            value=missing,
            fix=f"provide the columns {list(required)}",
        )
    return bars


def column(bars: pd.DataFrame, name: str) -> np.ndarray:
    """One bar column as a contiguous float64 array (missing values as NaN)."""
    return np.ascontiguousarray(bars[name].to_numpy(dtype=float, na_value=np.nan))


class FeatureSet(TransformerMixin, BaseEstimator):
    """Base of every feature set: ``fit`` returns self, ``transform(bars)`` -> causal feature frame.

    Subclasses implement ``_plan(bars)`` (-> feature names and skipped groups with reasons;
    ``bars=None`` means "assume every input is present") and ``_compute(bars)`` (-> a dict of
    name -> float array, one value per bar, in the planned order). ``version`` changes whenever a
    definition changes, so that feature stores never serve values computed by the old one.
    """

    version: ClassVar[str] = "1"

    # -- what subclasses provide -------------------------------------------------------------
    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        raise NotImplementedError

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def _required_columns(self) -> tuple[str, ...]:
        return PRICE_INPUTS

    def _source_fingerprint(self) -> str:
        """A hash of any data the set reads besides the bars (bundled macro series); '' if none."""
        return ""

    # -- the scikit-learn contract -----------------------------------------------------------
    def fit(self, X: pd.DataFrame, y: Any = None) -> FeatureSet:
        """Record which features ``X`` allows; nothing is learned. Returns self."""
        bars = validate_feature_bars(X, self._required_columns())
        names, skipped = self._plan(bars)
        self.feature_names_out_ = np.asarray(names, dtype=object)
        self.skipped_ = dict(skipped)
        self.n_features_out_ = len(names)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Compute the features of every bar: a float64 frame indexed like ``X``, causal."""
        bars = validate_feature_bars(X, self._required_columns())
        names, skipped = self._plan(bars)
        values = self._compute(bars) if len(bars) else {name: np.empty(0) for name in names}
        if list(values) != names:
            raise RuntimeError(f"{type(self).__name__} computed {list(values)}, planned {names}")
        frame = pd.DataFrame(
            {name: np.asarray(values[name], dtype=np.float64) for name in names},
            index=bars.index.copy(),
            columns=pd.Index(names),
        )
        frame.attrs["skipped_features"] = dict(skipped)
        return frame

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The output column names: those of the fitted bars, else those when every input exists."""
        if hasattr(self, "feature_names_out_"):
            return self.feature_names_out_.copy()
        return np.asarray(self._plan(None)[0], dtype=object)

    def __sklearn_tags__(self):  # noqa: D105 - stateless: transform works before fit
        tags = super().__sklearn_tags__()
        tags.requires_fit = False
        return tags

    # -- identity for caches -----------------------------------------------------------------
    def definition(self) -> dict[str, Any]:
        """What defines the output: class, parameters, version (and a hash of any other inputs)."""
        params = {
            key: _jsonable(value) for key, value in sorted(self.get_params(deep=False).items())
        }
        cls = type(self)
        out: dict[str, Any] = {
            "class": f"{cls.__module__}.{cls.__qualname__}",
            "params": params,
            "version": self.version,
        }
        sources = self._source_fingerprint()
        if sources:
            out["sources"] = sources
        return out

    def definition_hash(self) -> str:
        """SHA-256 of ``definition()``: equal for equal class, parameters, version and sources."""
        text = json.dumps(self.definition(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


def _jsonable(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in sorted(value.items())}
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def lagged_ratio(values: np.ndarray, lag: int) -> np.ndarray:
    """``values[t] / values[t - lag] - 1`` (NaN for the first ``lag`` bars): a causal return."""
    out = np.full(values.shape[0], np.nan)
    if lag < values.shape[0]:
        with np.errstate(divide="ignore", invalid="ignore"):
            out[lag:] = values[lag:] / values[:-lag] - 1.0
    return out


def safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """Element-wise division with NaN where the denominator is zero or missing."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = numerator / denominator
    out[~np.isfinite(out)] = np.nan
    return out


def hash_frame(frame: pd.DataFrame | pd.Series) -> str:
    """SHA-256 of a frame's content: index instants, column names, dtypes and value bytes.

    Equal frames hash equal; any changed value, timestamp, column name or dtype changes the hash.
    """
    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    digest = hashlib.sha256()
    index = frame.index
    if isinstance(index, pd.DatetimeIndex):
        tz = str(index.tz)
        index_values = (
            (index.tz_convert("UTC") if index.tz is not None else index).as_unit("ns").asi8
        )
        digest.update(f"datetime[ns]|{tz}|".encode())
        digest.update(np.ascontiguousarray(index_values).tobytes())
    else:
        digest.update(pd.util.hash_pandas_object(index, index=False).to_numpy().tobytes())
    for name in frame.columns:
        values = frame[name]
        digest.update(f"|{name}|{values.dtype}|".encode())
        if values.dtype.kind in "fiub":
            digest.update(np.ascontiguousarray(values.to_numpy()).tobytes())
        else:
            digest.update(pd.util.hash_pandas_object(values, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def check_periods(name: str, value: Any, minimum: int = 1) -> tuple[int, ...]:
    """Whole bar counts >= ``minimum`` (an int or a sequence) as a tuple; else ValidationError."""
    items = (value,) if isinstance(value, (int, np.integer)) else tuple(value)
    if not items or any(int(v) != v or int(v) < minimum for v in items):
        raise ValidationError(
            f"{name} must hold whole numbers of bars >= {minimum}",
            field=name,
            value=value,
            fix=f"for example {name}=(5, 20)",
        )
    return tuple(int(v) for v in items)
