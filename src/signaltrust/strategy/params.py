"""Declared strategy parameters: name, default, type, bounds or choices, and their validation.

Every strategy declares its parameters on the class (``parameters = (Param("fast", 10), ...)``)
so that sweeps and optimisers can search them; a value is converted to the declared type and
checked against its bounds, with an error naming the parameter, the value and what is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain

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
        """JSON-ready plain data (``core.serialize.to_plain``)."""
        return to_plain(self)

    def __plain__(self) -> dict[str, Any]:
        """The declaration: name, default, type, bounds or choices, step and what it means."""
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


__all__ = ["Param", "ParamType"]
