"""Look-ahead detector: re-run a strategy, feature set or indicator on truncated data.

A value at bar t that changes when the data after t is removed is a defect (research
integrity, docs/architecture.md). :func:`detect_lookahead` computes a pipeline once on all the
data and again on ``data[: t + 1]`` for sampled cut points t, and reports every value up to t
that differs, with its column, timestamp, both values and the cut point.

>>> from signaltrust.data import load
>>> report = check_strategy(load("goog"), "sma_cross")
>>> report.clean
True
>>> leaky = detect_lookahead(lambda bars: bars["close"].shift(-1), load("goog"))
>>> leaky.leaking_columns
['close']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

MODES = ("truncate", "extend", "both")
FINDING_COLUMNS = (
    "mode", "cut", "cut_time", "column", "timestamp", "kind", "full_value", "truncated_value",
)
Compute = Callable[[Any], Any]


@dataclass
class LookaheadReport:
    """What the detector found: every differing value, the cut points checked and the errors.

    ``findings`` has one row per differing value: ``mode`` (truncate or extend), ``cut`` (the
    position of the last bar kept), ``cut_time`` (its timestamp), ``column``, ``timestamp`` (the
    bar whose value changed), ``kind`` (``value``; ``missing_row``/``missing_column`` when one
    run has a row or column the other lacks), ``full_value`` and ``truncated_value``.
    ``errors`` maps cut positions where the pipeline raised to the error message.
    """

    findings: pd.DataFrame
    points: list[int]
    n_bars: int
    columns: list[str]
    seed: int
    tolerance: float
    mode: str
    errors: dict[int, str] = field(default_factory=dict)

    @property
    def clean(self) -> bool:
        """True when no value up to any cut point changed (errors are reported separately)."""
        return self.findings.empty

    @property
    def leaking_columns(self) -> list[str]:
        """The columns with at least one changed value, in output order."""
        found = set(self.findings["column"])
        return [c for c in self.columns if c in found] + sorted(found - set(self.columns))

    def summary(self) -> pd.DataFrame:
        """One row per leaking column: changed values, cut points hit, first and last timestamp."""
        if self.findings.empty:
            return pd.DataFrame(columns=["column", "values", "cuts", "first", "last"])
        grouped = self.findings.groupby("column", sort=False)
        out = pd.DataFrame({
            "values": grouped.size(),
            "cuts": grouped["cut"].nunique(),
            "first": grouped["timestamp"].min(),
            "last": grouped["timestamp"].max(),
        })
        return out.reindex([c for c in self.leaking_columns if c in out.index]).reset_index()

    def to_dict(self, max_findings: int | None = None) -> dict[str, Any]:
        """JSON-ready plain data (``core.serialize.to_plain``): verdict, settings, findings."""
        from signaltrust.core.serialize import to_plain

        rows = self.findings if max_findings is None else self.findings.head(max_findings)
        return to_plain({
            "clean": self.clean, "n_bars": self.n_bars, "points": list(self.points),
            "seed": self.seed, "tolerance": self.tolerance, "mode": self.mode,
            "columns": list(self.columns), "leaking_columns": self.leaking_columns,
            "findings_total": len(self.findings),
            "summary": self.summary().reset_index(drop=True),
            "findings": rows.reset_index(drop=True),
            "errors": self.errors,
        })

    def __plain__(self) -> dict[str, Any]:
        """What ``--json`` and the API show: ``to_dict()`` with every finding."""
        return self.to_dict()

    def __repr__(self) -> str:
        verdict = "clean" if self.clean else f"{len(self.findings)} changed values in "
        cols = "" if self.clean else ", ".join(self.leaking_columns)
        return f"LookaheadReport({verdict}{cols}; {len(self.points)} cut points of {self.n_bars})"


# -- data handling ---------------------------------------------------------------------------
def _length(data: Any) -> int:
    if isinstance(data, (pd.DataFrame, pd.Series, np.ndarray)):
        return len(data)
    if isinstance(data, Mapping):
        return _common_length([_length(v) for v in data.values()])
    if isinstance(data, tuple):
        return _common_length([_length(v) for v in data])
    raise ValidationError(
        "data must be a DataFrame, Series, array, or a dict or tuple of them",
        field="data", value=type(data).__name__,
        fix="pass the bars, e.g. signaltrust.data.load('goog')",
    )


def _common_length(lengths: list[int]) -> int:
    if not lengths or len(set(lengths)) != 1:
        raise ValidationError(
            "the inputs must all have the same number of bars", field="data", value=lengths,
            fix="align the inputs on one index before checking them",
        )
    return lengths[0]


def _index(data: Any, n: int) -> pd.Index:
    if isinstance(data, (pd.DataFrame, pd.Series)):
        return data.index
    parts = list(data.values()) if isinstance(data, Mapping) else list(data) if isinstance(
        data, tuple) else []
    for part in parts:
        if isinstance(part, (pd.DataFrame, pd.Series)):
            return part.index
    return pd.RangeIndex(n)


def _head(data: Any, stop: int) -> Any:
    """The first ``stop`` bars of ``data`` (positional), keeping its type."""
    if isinstance(data, (pd.DataFrame, pd.Series)):
        return data.iloc[:stop]
    if isinstance(data, np.ndarray):
        return data[:stop]
    if isinstance(data, Mapping):
        return {k: _head(v, stop) for k, v in data.items()}
    return tuple(_head(v, stop) for v in data)


def _perturb(data: Any, start: int, rng: np.random.Generator) -> Any:
    """``data`` with every bar from ``start`` on replaced by a different, plausible future.

    Numeric values are scaled by one random-walk factor per bar (the same for every price
    column, so high >= close >= low still holds); the past is untouched.
    """
    n = _length(data)
    factor = np.ones(n)
    factor[start:] = np.exp(np.cumsum(rng.normal(0.0, 0.03, n - start)) + rng.normal(0.0, 0.05))
    return _scale(data, factor)


def _scalable(series: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def _scale(data: Any, factor: np.ndarray) -> Any:
    if isinstance(data, pd.DataFrame):
        out = data.copy()
        for name in out.columns:
            if _scalable(out[name]):
                out[name] = out[name].to_numpy(dtype=float, na_value=np.nan) * factor
        return out
    if isinstance(data, pd.Series):
        return data.astype(float) * factor if _scalable(data) else data
    if isinstance(data, np.ndarray):
        return data * factor if data.dtype.kind in "fiu" else data
    if isinstance(data, Mapping):
        return {k: _scale(v, factor) for k, v in data.items()}
    return tuple(_scale(v, factor) for v in data)


def _as_frame(output: Any, index: pd.Index, where: str) -> pd.DataFrame:
    """The pipeline's output as a DataFrame: DataFrame, Series, dict/tuple of Series, arrays."""
    if hasattr(output, "as_frame") and not isinstance(output, (pd.DataFrame, pd.Series)):
        output = output.as_frame()
    if isinstance(output, pd.DataFrame):
        frame = output
    elif isinstance(output, pd.Series):
        frame = output.to_frame(name="value" if output.name is None else output.name)
    elif isinstance(output, np.ndarray):
        arr = output.reshape(len(output), -1)
        frame = pd.DataFrame(arr, index=index[: len(arr)],
                             columns=["value"] if arr.shape[1] == 1 else range(arr.shape[1]))
    elif isinstance(output, Mapping):
        frame = pd.concat({str(k): _as_frame(v, index, where).iloc[:, 0] for k, v in
                           output.items()}, axis=1)
    elif isinstance(output, tuple):
        frame = pd.concat({str(i): _as_frame(v, index, where).iloc[:, 0] for i, v in
                           enumerate(output)}, axis=1)
    else:
        raise ValidationError(
            "the checked function must return a DataFrame, a Series, a dict of Series or an array",
            field="compute", value=type(output).__name__,
            fix="return the values indexed by the bars' timestamps, e.g. a DataFrame of features",
        )
    frame = frame.copy(deep=False)
    frame.columns = [str(c) for c in frame.columns]
    if frame.columns.has_duplicates:
        raise ValidationError(
            f"the {where} output has duplicated column names", field="compute",
            value=list(frame.columns), fix="give every output column its own name",
        )
    return frame


# -- comparison --------------------------------------------------------------------------------
def _numeric(series: pd.Series) -> np.ndarray | None:
    if pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series):
        if pd.api.types.is_complex_dtype(series):
            return None
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    return None


def _differs(full: pd.Series, cut: pd.Series, tolerance: float) -> np.ndarray:
    """Positions where the two columns differ: exact (NaN equals NaN) or within ``tolerance``."""
    a, b = _numeric(full), _numeric(cut)
    if a is not None and b is not None:
        both_nan = np.isnan(a) & np.isnan(b)
        with np.errstate(invalid="ignore"):
            same = a == b
            if tolerance > 0:
                same |= np.abs(a - b) <= tolerance * np.maximum(1.0, np.abs(a))
        return ~(same | both_nan)
    va, vb = full.to_numpy(dtype=object), cut.to_numpy(dtype=object)
    na_a, na_b = pd.isna(full).to_numpy(), pd.isna(cut).to_numpy()
    same = np.array([x == y if not (p or q) else (p and q)
                     for x, y, p, q in zip(va, vb, na_a, na_b, strict=True)], dtype=bool)
    return ~same


def _value(x: Any) -> Any:
    return x.item() if isinstance(x, np.generic) else x


def _compare(full: pd.DataFrame, cut: pd.DataFrame, stop: int, cut_time: Any,
             positional: bool, tolerance: float) -> list[dict[str, Any]]:
    """Every difference between the full run and the cut run on rows up to the cut point."""
    if positional:
        left, right = full.iloc[:stop], cut.iloc[:stop]
    else:
        left, right = full.loc[full.index <= cut_time], cut.loc[cut.index <= cut_time]
    out: list[dict[str, Any]] = []
    for name in left.columns.difference(right.columns, sort=False):
        out.append({"column": name, "timestamp": None, "kind": "missing_column",
                    "full_value": "present", "truncated_value": "absent"})
    for name in right.columns.difference(left.columns, sort=False):
        out.append({"column": name, "timestamp": None, "kind": "missing_column",
                    "full_value": "absent", "truncated_value": "present"})
    if not left.index.equals(right.index):
        if left.index.has_duplicates or right.index.has_duplicates:
            raise ValidationError(
                "the checked output has duplicated timestamps", field="compute",
                value="duplicated index", fix="return one row per bar",
            )
        for ts in left.index.difference(right.index):
            out.append({"column": "*", "timestamp": ts, "kind": "missing_row",
                        "full_value": "present", "truncated_value": "absent"})
        for ts in right.index.difference(left.index):
            out.append({"column": "*", "timestamp": ts, "kind": "missing_row",
                        "full_value": "absent", "truncated_value": "present"})
        common = left.index.intersection(right.index)
        left, right = left.loc[common], right.loc[common]
    for name in [c for c in left.columns if c in right.columns]:
        changed = np.flatnonzero(_differs(left[name], right[name], tolerance))
        if changed.size == 0:
            continue
        full_vals, cut_vals = left[name].to_numpy(dtype=object), right[name].to_numpy(dtype=object)
        for i in changed:
            out.append({"column": name, "timestamp": left.index[i], "kind": "value",
                        "full_value": _value(full_vals[i]), "truncated_value": _value(cut_vals[i])})
    return out


# -- sampling ----------------------------------------------------------------------------------
def sample_points(n_bars: int, n_points: int = 20, *, seed: int = 0, min_history: int | None = None,
                  tail: int = 2) -> list[int]:
    """Cut points for ``n_bars`` bars: the ``tail`` last positions before the end, the rest
    random but stratified (one in each equal slice of ``[min_history, first tail point)``),
    seeded. Fewer come back when the range has fewer bars than points."""
    if n_bars < 2:
        raise ValidationError(
            "the look-ahead check needs at least 2 bars", field="data", value=n_bars,
            fix="pass a longer history",
        )
    last = n_bars - 2  # the last cut that removes at least one bar
    low = min(_default_history(n_bars) if min_history is None else int(min_history), last)
    if low < 0:
        raise ValidationError("min_history must be >= 0", field="min_history", value=min_history,
                              fix="pass min_history=0 or more bars")
    tail_points = [p for p in range(last, last - max(0, tail), -1) if p >= low]
    spread = max(0, int(n_points) - len(tail_points))
    rng = np.random.default_rng(seed)
    stop = min(tail_points, default=last + 1)  # the strata end where the tail begins
    edges = np.linspace(low, stop, spread + 1) if stop > low else np.array([])
    strata = [int(rng.integers(int(a), max(int(a) + 1, int(b)))) for a, b in
              zip(edges[:-1], edges[1:], strict=True)]
    return sorted({min(p, last) for p in strata + tail_points})


def _default_history(n_bars: int) -> int:
    return min(100, n_bars // 4)


def _points(points: Sequence[Any] | None, index: pd.Index, n: int, n_points: int, seed: int,
            min_history: int | None, tail: int) -> list[int]:
    if points is None:
        return sample_points(n, n_points, seed=seed, min_history=min_history, tail=tail)
    out = []
    for p in points:
        if isinstance(p, (int, np.integer)) and not isinstance(p, bool):
            pos = int(p) + n if p < 0 else int(p)
        else:
            try:
                pos = int(index.get_indexer([pd.Timestamp(p)], method="pad")[0])
            except (TypeError, ValueError):
                pos = -1
        if not 0 <= pos <= n - 2:
            raise ValidationError(
                "a cut point must keep at least one bar and remove at least one", field="points",
                value=p, fix=f"pass positions from 0 to {n - 2} or timestamps inside the data",
            )
        out.append(pos)
    return sorted(set(out))


# -- the detector --------------------------------------------------------------------------------
def detect_lookahead(
    compute: Compute,
    data: Any,
    *,
    n_points: int = 20,
    seed: int = 0,
    min_history: int | None = None,
    points: Sequence[Any] | None = None,
    tolerance: float = 0.0,
    tail: int = 2,
    mode: str = "truncate",
    progress: Callable[[int, int], None] | None = None,
) -> LookaheadReport:
    """Find look-ahead bias: values up to t that change when the data after t is removed.

    ``compute(data_prefix)`` is any pipeline (a strategy's signals, a feature set's transform,
    an indicator) returning a DataFrame, Series, dict of Series or array on the data's index.
    It runs once on ``data`` and once per cut point t on ``data[: t + 1]``; every value at or
    before t that differs from the full run is a finding. Cut points: ``points`` (positions or
    timestamps), else ``n_points`` seeded, stratified over ``[min_history, n - 2]`` including the
    ``tail`` last bars before the end. Values compare exactly (NaN equals NaN) unless
    ``tolerance`` > 0: then ``|full - cut| <= tolerance * max(1, |full|)`` counts as equal.
    ``mode="extend"`` replaces the data after t by a perturbed future instead of removing it
    (for pipelines that cannot run on short input); ``"both"`` does each. ``progress(done,
    total)`` is called after each run.
    """
    if mode not in MODES:
        raise ValidationError("unknown look-ahead mode", field="mode", value=mode,
                              fix=f"use one of: {', '.join(MODES)}")
    if not np.isfinite(tolerance) or tolerance < 0:
        raise ValidationError("tolerance must be a finite number >= 0", field="tolerance",
                              value=tolerance, fix="pass 0 for exact equality or e.g. 1e-12")
    if n_points < 1:
        raise ValidationError("n_points must be at least 1", field="n_points", value=n_points,
                              fix="pass e.g. n_points=20")
    n = _length(data)
    index = _index(data, n)
    positional = not isinstance(index, pd.DatetimeIndex)
    cuts = _points(points, index, n, n_points, seed, min_history, tail)
    modes = ["truncate", "extend"] if mode == "both" else [mode]
    total = 1 + len(cuts) * len(modes)
    full = _as_frame(compute(data), index, "full-data")
    if progress is not None:
        progress(1, total)
    rng = np.random.default_rng(seed)
    rows: list[dict[str, Any]] = []
    errors: dict[int, str] = {}
    done = 1
    for how in modes:
        for t in cuts:
            part = _head(data, t + 1) if how == "truncate" else _perturb(data, t + 1, rng)
            try:
                cut = _as_frame(compute(part), index, f"cut-at-{t}")
            except ValidationError as exc:
                if exc.field == "compute":
                    raise
                errors[t] = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # noqa: BLE001 - the user's pipeline may raise anything
                errors[t] = f"{type(exc).__name__}: {exc}"
            else:
                for row in _compare(full, cut, t + 1, index[t], positional, tolerance):
                    rows.append({"mode": how, "cut": t, "cut_time": index[t], **row})
            done += 1
            if progress is not None:
                progress(done, total)
    if errors and len(errors) == len(cuts) * len(modes):
        first = next(iter(errors.values()))
        raise ValidationError(
            "the checked pipeline failed at every cut point", field="compute", value=first,
            fix="raise min_history above the pipeline's warm-up, or use mode='extend'",
        )
    findings = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    return LookaheadReport(findings=findings, points=cuts, n_bars=n, columns=list(full.columns),
                           seed=seed, tolerance=float(tolerance), mode=mode, errors=errors)


# -- convenience wrappers --------------------------------------------------------------------------
def check_strategy(data: pd.DataFrame, strategy: Any, params: Mapping[str, Any] | None = None, *,
                   positions: bool = True, **kw: Any) -> LookaheadReport:
    """Check a strategy's decisions for look-ahead bias.

    ``strategy`` is a built-in name, a Strategy class or instance; ``params`` override its
    defaults. A rule strategy's signals are checked (and, with ``positions``, the positions
    the vectorized engine derives from them, column ``position``); any other Strategy runs in
    the trading core and its positions and cash after every bar are checked. Other keywords go
    to :func:`detect_lookahead`.
    """
    from signaltrust.strategy import RuleStrategy, get_strategy

    rule = get_strategy(strategy)
    resolved = rule.resolve(params)
    kw.setdefault("min_history", min(max(_default_history(len(data)), rule.warmup(resolved)),
                                     max(len(data) - 2, 0)))
    if not isinstance(rule, RuleStrategy):
        return detect_lookahead(_event_compute(rule, resolved), data, **kw)

    def compute(bars: pd.DataFrame) -> pd.DataFrame:
        signals = rule.signals(bars, **resolved)
        frame = signals.as_frame()
        if positions:
            frame["position"] = _positions(bars, signals)
        return frame

    return detect_lookahead(compute, data, **kw)


def _event_compute(strategy: Any, params: dict[str, Any]) -> Compute:
    """What ``strategy`` run in the trading core decided at every bar: the orders it left
    waiting at the bar's end (sizing orders and open orders), and its positions and cash."""
    from signaltrust.backtest.replay import run_strategy

    def compute(bars: pd.DataFrame) -> pd.DataFrame:
        pending: list[str] = []

        def record(core: Any, _bars: Any) -> None:
            waiting = [f"{i.kind} {i.symbol} {i.amount!r}" for q in core.router.intents
                       for i in q]
            waiting += [f"{o.side} {o.symbol} {o.remaining_quantity} {o.order_type} "
                        f"{o.limit_price} {o.stop_price}" for o in core.manager.open_orders()]
            pending.append("; ".join(waiting))

        result = run_strategy(bars, strategy, params, listeners=(record,))
        frame = result.positions.add_prefix("position_")
        frame["cash"] = result.cash
        frame["orders_waiting"] = pending
        return frame

    return compute


def _positions(bars: pd.DataFrame, signals: Any) -> pd.Series:
    from signaltrust.backtest.vectorized import simulate_signals

    result = simulate_signals(bars, **signals.engine_kwargs())
    return result.positions.iloc[:, 0].rename("position")


def check_features(data: pd.DataFrame, feature_set: Any, **kw: Any) -> LookaheadReport:
    """Check a feature set (``TechnicalFeatures()``, ``"technical"``, ``"alpha158"``...) for
    look-ahead bias: ``fit`` and ``transform`` on each truncated history."""
    from sklearn.base import clone

    estimator = feature_set_by_name(feature_set) if isinstance(feature_set, str) else feature_set

    def compute(bars: pd.DataFrame) -> pd.DataFrame:
        return clone(estimator).fit(bars).transform(bars)

    return detect_lookahead(compute, data, **kw)


FEATURE_SETS = ("technical", "alpha158", "macro", "cross_asset")


def feature_set_by_name(name: str) -> Any:
    """A feature set with default arguments by short name: technical, alpha158, macro,
    cross_asset."""
    from signaltrust import features

    classes = {"technical": features.TechnicalFeatures, "alpha158": features.Alpha158Features,
               "macro": features.MacroFeatures, "cross_asset": features.CrossAssetFeatures}
    key = name.strip().lower().replace("-", "_")
    if key not in classes:
        raise ValidationError("unknown feature set", field="features", value=name,
                              fix=f"use one of: {', '.join(FEATURE_SETS)}")
    return classes[key]()


def check_indicator(func: Callable[..., Any], *inputs: Any, params: Mapping[str, Any] | None = None,
                    **kw: Any) -> LookaheadReport:
    """Check an indicator ``func(*inputs, **params)`` (e.g. ``ta.rsi``) for look-ahead bias; every
    input (Series or array, same length) is truncated together."""
    if not inputs:
        raise ValidationError("check_indicator needs at least one input series", field="inputs",
                              value=0, fix="pass e.g. check_indicator(ta.sma, bars['close'])")
    extra = dict(params or {})

    def compute(parts: tuple[Any, ...]) -> Any:
        return func(*parts, **extra)

    return detect_lookahead(compute, tuple(inputs), **kw)


__all__ = [
    "FEATURE_SETS", "LookaheadReport", "check_features", "check_indicator", "check_strategy",
    "detect_lookahead", "feature_set_by_name", "sample_points",
]
