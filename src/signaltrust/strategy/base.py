"""The rule-strategy contract: declared parameters, validation and causal signals from bars.

A rule strategy turns bars into four boolean signal series (long entries and exits, short
entries and exits). It declares its parameters on the class (:class:`Param`: name, default,
type, bounds or choices) so that sweeps and optimisers can search them, validates a parameter
set with errors that name the parameter, the value and the allowed range, and computes signals
causally: the signal at bar ``t`` uses bars up to the close of ``t`` only. The engine then fills
an order at the next bar's open (DESIGN.md "Time, bars and fills").

Because signals are causal, the event-driven engine (issue 4) can run the same strategy bar by
bar: the signal at bar ``t`` computed on ``bars[:t + 1]`` equals the one computed on all bars.
Strategies whose signals come from a numba kernel (``signal_kernel``) are swept in one
compiled pass; the pandas ``signals`` method calls the same kernel, so a sweep row and a
single ``run`` always see identical signals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from signaltrust.core.bars import validate_bars
from signaltrust.core.errors import ValidationError

ParamType = Literal["int", "float", "bool", "str"]
_PY_TYPES: dict[str, type] = {"int": int, "float": float, "bool": bool, "str": str}


@dataclass(frozen=True)
class Param:
    """One declared strategy parameter: name, default, type and allowed bounds or choices.

    ``low``/``high`` are inclusive bounds for numbers; ``choices`` lists allowed values.
    ``step`` hints the grid step an optimiser should use for an int or float parameter.
    """

    name: str
    default: Any
    type: ParamType = "int"
    low: float | None = None
    high: float | None = None
    choices: tuple[Any, ...] | None = None
    step: float | None = None
    doc: str = ""

    def allowed(self) -> str:
        """The allowed values in words, for error messages and help."""
        if self.choices is not None:
            return "one of " + ", ".join(map(str, self.choices))
        if self.type == "bool":
            return "true or false"
        low = "-inf" if self.low is None else _fmt(self.low)
        high = "inf" if self.high is None else _fmt(self.high)
        return f"{'an integer' if self.type == 'int' else 'a number'} in [{low}, {high}]"

    def coerce(self, value: Any, *, strategy: str = "") -> Any:
        """Convert ``value`` to this parameter's type and check its bounds (ValidationError)."""
        where = f"{strategy}.{self.name}" if strategy else self.name
        out = _convert(value, self.type)
        if out is None:
            raise ValidationError(
                f"parameter {self.name} must be {self.allowed()}", field=where, value=value,
                fix=f"pass {self.name}={self.default!r} or another value {self.allowed()}",
            )
        if self.choices is not None and out not in self.choices:
            raise ValidationError(
                f"parameter {self.name} must be {self.allowed()}", field=where, value=value,
                fix=f"choose {self.name} from {', '.join(map(str, self.choices))}",
            )
        if self.type in ("int", "float") and (
            (self.low is not None and out < self.low) or (self.high is not None and out > self.high)
        ):
            raise ValidationError(
                f"parameter {self.name} is out of range: allowed {self.allowed()}",
                field=where, value=value,
                fix=f"set {self.name} within {self.allowed().split(' in ')[-1]}",
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "default": self.default, "type": self.type, "low": self.low,
            "high": self.high, "choices": None if self.choices is None else list(self.choices),
            "step": self.step, "doc": self.doc,
        }


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _convert(value: Any, kind: str) -> Any:
    """``value`` as the declared type, or None when it cannot be one without losing meaning."""
    if isinstance(value, np.generic):
        value = value.item()
    if kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        word = value.strip().lower() if isinstance(value, str) else None
        if word in ("true", "false", "1", "0", "yes", "no"):
            return word in ("true", "1", "yes")
        return None
    if kind == "int":
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                return None
        return None
    if kind == "float":
        if isinstance(value, bool):
            return None
        try:
            out = float(value)
        except (TypeError, ValueError):
            return None
        return out if np.isfinite(out) else None
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Signals:
    """Boolean signal series on the bars' index: long entries/exits and short entries/exits.

    A True at bar ``t`` is decided at the close of ``t``; the engine fills it at ``t + 1``'s
    open by default.
    """

    entries: pd.Series
    exits: pd.Series
    short_entries: pd.Series
    short_exits: pd.Series

    def as_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {"entries": self.entries, "exits": self.exits,
             "short_entries": self.short_entries, "short_exits": self.short_exits}
        )

    def engine_kwargs(self) -> dict[str, pd.Series | None]:
        """The keyword arguments of the vectorized engine's ``simulate_signals``."""
        has_short = bool(self.short_entries.any())
        return {
            "entries": self.entries,
            "exits": self.exits,
            "short_entries": self.short_entries if has_short else None,
            "short_exits": self.short_exits if has_short else None,
        }


SignalKernel = Callable[..., None]


class RuleStrategy:
    """Base of the built-in rule strategies; subclasses declare ``name`` and ``parameters``.

    Construct with parameter overrides, stored as given (``SmaCross(fast=5)``); ``signals``
    merges defaults, the constructor's values and its own keyword arguments, in that order.
    Subclasses implement ``compute(bars, params)`` (or provide ``signal_kernel``) and may
    override ``check`` for rules that tie parameters together (e.g. ``fast < slow``).
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    parameters: ClassVar[tuple[Param, ...]] = ()
    #: numba kernel ``k(open, high, low, close, volume, p, entries, exits, short_entries,
    #: short_exits)`` filling the four bool arrays from the float64 parameter vector ``p``
    #: (parameters in declaration order, bools as 0/1). None: no compiled sweep.
    signal_kernel: ClassVar[SignalKernel | None] = None
    #: the grid a sweep searches when none is given: {parameter: values}
    default_grid: ClassVar[dict[str, Any]] = {}

    def __init__(self, **params: Any) -> None:
        self.params = dict(params)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"

    # -- parameters -------------------------------------------------------------------------
    @classmethod
    def param(cls, name: str) -> Param:
        for p in cls.parameters:
            if p.name == name:
                return p
        raise ValidationError(
            f"strategy {cls.name} has no parameter {name!r}", field=f"{cls.name}.{name}",
            value=name, fix=f"use one of: {', '.join(cls.param_names())}",
        )

    @classmethod
    def param_names(cls) -> list[str]:
        return [p.name for p in cls.parameters]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        """The default value of every declared parameter."""
        return {p.name: p.default for p in cls.parameters}

    def resolve(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Defaults, then this instance's values, then ``params``; validated (ValidationError)."""
        merged = {**self.params, **(params or {})}
        unknown = [k for k in merged if k not in self.param_names()]
        if unknown:
            raise ValidationError(
                f"strategy {self.name} has no parameter {unknown[0]!r}",
                field=f"{self.name}.{unknown[0]}", value=merged[unknown[0]],
                fix=f"use one of: {', '.join(self.param_names()) or '(none)'}",
            )
        out = self.defaults()
        for p in self.parameters:
            if p.name in merged:
                out[p.name] = p.coerce(merged[p.name], strategy=self.name)
        self.check(out)
        return out

    def validate(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Alias of :meth:`resolve`: the full, checked parameter set."""
        return self.resolve(params)

    def check(self, params: dict[str, Any]) -> None:
        """Rules tying parameters together; raise ValidationError naming the parameter."""

    def is_valid(self, params: Mapping[str, Any]) -> bool:
        """Whether ``params`` pass validation (the default sweep constraint)."""
        try:
            self.resolve(params)
        except ValidationError:
            return False
        return True

    def param_vector(self, params: Mapping[str, Any]) -> np.ndarray:
        """The resolved parameters as the float64 vector a ``signal_kernel`` reads."""
        full = self.resolve(params)
        return np.array([float(full[p.name]) for p in self.parameters], dtype=np.float64)

    def warmup(self, params: Mapping[str, Any]) -> int:
        """Bars needed before the first signal can appear (for the event engine's history)."""
        return 0

    # -- signals ---------------------------------------------------------------------------
    def signals(self, bars: pd.DataFrame, **params: Any) -> Signals:
        """Causal long/short entry and exit signals for ``bars`` (validated parameters)."""
        full = self.resolve(params)
        bars = validate_bars(bars)
        return self.compute(bars, full)

    def compute(self, bars: pd.DataFrame, params: dict[str, Any]) -> Signals:
        """Signals from canonical bars and a validated parameter set (default: the kernel)."""
        kernel = type(self).signal_kernel
        if kernel is None:
            raise NotImplementedError(f"{type(self).__name__} must implement compute()")
        n = len(bars)
        arrays = [np.zeros(n, dtype=np.bool_) for _ in range(4)]
        o, h, lo, c, v = bar_arrays(bars)
        vector = np.array([float(params[p.name]) for p in self.parameters], dtype=np.float64)
        kernel(o, h, lo, c, v, vector, *arrays)
        return signals_from_arrays(bars.index, *arrays)

    def describe(self) -> dict[str, Any]:
        """Name, summary and declared parameters, as plain data (CLI, docs, optimisers)."""
        return {
            "name": self.name, "summary": self.summary,
            "parameters": [p.to_dict() for p in self.parameters],
            "compiled_sweep": type(self).signal_kernel is not None,
            "default_grid": {k: list(v) for k, v in self.default_grid.items()},
        }


def bar_arrays(bars: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """open, high, low, close, volume as contiguous float64 arrays (volume NaN when absent)."""
    n = len(bars)

    def col(name: str) -> np.ndarray:
        if name in bars.columns:
            return np.ascontiguousarray(bars[name].to_numpy(dtype=np.float64, na_value=np.nan))
        return np.full(n, np.nan)

    return col("open"), col("high"), col("low"), col("close"), col("volume")


def signals_from_arrays(index: pd.Index, *arrays: np.ndarray) -> Signals:
    names = ("entries", "exits", "short_entries", "short_exits")
    series = [
        pd.Series(a.astype(bool), index=index, name=nm)
        for a, nm in zip(arrays, names, strict=True)
    ]
    return Signals(*series)
