"""Search spaces: integer and float ranges and choices, from a strategy's declared parameters.

A space maps parameter names to dimensions. Accepted forms per parameter: a ``range`` or an
arithmetic list of integers (an integer range with that step), another list or tuple of values
(choices), a ``(low, high)`` pair given as :class:`Range`, a dict ``{"low", "high", "step",
"log"}``, or a grid string ``"5:50:5"`` / ``"fast=5:50:5"`` (stop included) or ``"a,b,c"``.
The default space is the strategy's declared sweep grid (``default_grid``): its values for a
grid search, its bounds and steps for the samplers.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain


@dataclass(frozen=True)
class Range:
    """A numeric range [low, high]; ``step`` makes it discrete; ``log`` samples log-uniformly."""

    low: float
    high: float
    step: float | None = None
    log: bool = False
    integer: bool = False

    def values(self, name: str) -> list[Any]:
        """Every value of a discrete range (for grid search)."""
        if self.step is None:
            if not self.integer:
                raise ValidationError(
                    "a grid search needs a step for a float range", field=f"space.{name}",
                    value=(self.low, self.high), fix=f"give {name} a step, e.g. Range(lo, hi, 0.5)",
                )
            step: float = 1
        else:
            step = self.step
        count = int(np.floor((self.high - self.low) / step + 1e-9)) + 1
        out = [self.low + i * step for i in range(count)]
        return [int(round(v)) for v in out] if self.integer else [round(v, 12) for v in out]


@dataclass(frozen=True)
class Choice:
    """A finite set of values (categorical)."""

    options: tuple[Any, ...]

    def values(self, name: str) -> list[Any]:
        return list(self.options)


Dimension = Range | Choice
Space = dict[str, Dimension]


def _is_int(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _from_values(values: Sequence[Any]) -> Dimension:
    values = [to_plain(v) for v in values]
    if len(values) >= 3 and all(_is_int(v) for v in values):
        steps = {b - a for a, b in itertools.pairwise(values)}
        if len(steps) == 1 and next(iter(steps)) > 0:
            return Range(values[0], values[-1], next(iter(steps)), integer=True)
    return Choice(tuple(values))


def dimension(name: str, spec: Any, declared: Any = None) -> Dimension:
    """One dimension from any accepted form (``declared``: the strategy's Param, for types)."""
    from signaltrust.backtest.grid import parse_grid_spec

    if isinstance(spec, (Range, Choice)):
        return spec
    if isinstance(spec, str):
        text = spec if "=" in spec else f"{name}={spec}"
        return _from_values(parse_grid_spec(text)[1])
    if isinstance(spec, Mapping):
        try:
            low, high = float(spec["low"]), float(spec["high"])
        except (KeyError, TypeError, ValueError):
            raise ValidationError(
                "a range is written {'low': ..., 'high': ..., 'step': ...}", field=f"space.{name}",
                value=spec, fix=f"pass e.g. {{'low': 5, 'high': 50, 'step': 5}} for {name}",
            ) from None
        integer = declared is not None and declared.type == "int" or (
            _is_int(spec["low"]) and _is_int(spec["high"]) and _is_int(spec.get("step", 1)))
        step = spec.get("step")
        return _checked(name, Range(low if not integer else int(low), high if not integer
                                    else int(high), step, bool(spec.get("log", False)), integer))
    if isinstance(spec, range):
        return _from_values(list(spec))
    if isinstance(spec, (list, tuple, np.ndarray, pd.Index)):
        if len(spec) == 0:
            raise ValidationError("a dimension has no values", field=f"space.{name}",
                                  value=spec, fix=f"give {name} at least one value")
        return _from_values(list(spec))
    return Choice((to_plain(spec),))


def _checked(name: str, dim: Range) -> Range:
    if not dim.low <= dim.high or (dim.step is not None and dim.step <= 0):
        raise ValidationError("a range needs low <= high and a positive step",
                              field=f"space.{name}", value=(dim.low, dim.high, dim.step),
                              fix=f"write e.g. {name}=5:50:5")
    return dim


def parse_space(strategy: Any, space: Any = None) -> Space:
    """The search space over a strategy's parameters (default: its declared sweep grid).

    ``space`` is a dict ``{name: spec}`` or a list of grid strings ``["fast=5:50:5", ...]``;
    every name must be a declared parameter (ValidationError naming it otherwise).
    """
    from signaltrust.backtest.grid import parse_grid

    if space is None:
        space = dict(getattr(strategy, "default_grid", {}))
        if not space:
            raise ValidationError(
                f"strategy {strategy.label} declares no search grid", field="space",
                value=None,
                fix=f"pass space={{name: values}} over {', '.join(strategy.param_names())}",
            )
    elif isinstance(space, str):
        space = parse_grid([space])
    elif isinstance(space, (list, tuple)) and all(isinstance(s, str) for s in space):
        space = parse_grid(space)
    if not isinstance(space, Mapping) or not space:
        raise ValidationError("space must be a dict of dimensions or grid strings", field="space",
                              value=type(space).__name__, fix="pass e.g. {'fast': range(5, 51)}")
    out: Space = {}
    for name, spec in space.items():
        declared = strategy.param(name) if strategy is not None else None
        dim = dimension(name, spec, declared)
        if declared is not None:
            for value in ([dim.low, dim.high] if isinstance(dim, Range) else dim.options):
                declared.coerce(value, strategy=strategy.label)
        out[name] = dim
    return out


def grid_values(space: Space) -> dict[str, list[Any]]:
    """Every dimension as its list of values (ValidationError for a continuous range)."""
    return {name: dim.values(name) for name, dim in space.items()}


def is_discrete(space: Space) -> bool:
    """True when every dimension has a finite list of values (a step, integers or choices)."""
    return all(isinstance(d, Choice) or d.integer or d.step is not None for d in space.values())


def distributions(space: Space) -> dict[str, Any]:
    """The Optuna distribution of every dimension."""
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    out: dict[str, Any] = {}
    for name, dim in space.items():
        if isinstance(dim, Choice):
            out[name] = CategoricalDistribution(list(dim.options))
        elif dim.integer:
            step = int(dim.step or 1)
            high = int(dim.low + (int(dim.high) - int(dim.low)) // step * step)
            out[name] = IntDistribution(int(dim.low), high, log=dim.log and step == 1, step=step)
        else:
            high = dim.high if dim.step is None else dim.low + np.floor(
                (dim.high - dim.low) / dim.step + 1e-9) * dim.step
            out[name] = FloatDistribution(float(dim.low), float(high), log=dim.log and
                                          dim.step is None, step=dim.step)
    return out


Constraint = Callable[[dict[str, Any]], bool] | str


def constraint_checker(
    strategy: Any, constraints: Constraint | Iterable[Constraint] | None
) -> Callable[[dict[str, Any]], bool]:
    """One predicate: the strategy's own rules (e.g. fast < slow) and every user constraint.

    A user constraint is a callable on the full parameter dict returning True when feasible, or
    an expression such as ``"fast * 3 <= slow"``.
    """
    if constraints is None:
        items: list[Constraint] = []
    elif isinstance(constraints, str) or callable(constraints):
        items = [constraints]
    else:
        items = list(constraints)
    for item in items:
        if not (isinstance(item, str) or callable(item)):
            raise ValidationError("a constraint is a callable(params) -> bool or an expression",
                                  field="constraints", value=repr(item)[:60],
                                  fix="pass e.g. constraints=['fast * 2 <= slow']")

    def feasible(params: dict[str, Any]) -> bool:
        if strategy is not None and not strategy.is_valid(params):
            return False
        for item in items:
            if isinstance(item, str):
                try:
                    ok = pd.eval(item, local_dict=dict(params))
                except Exception as exc:
                    raise ValidationError("the constraint cannot be evaluated",
                                          field="constraints", value=item,
                                          fix="write e.g. 'fast * 2 <= slow'") from exc
            else:
                ok = item(dict(params))
            if not bool(ok):
                return False
        return True

    return feasible


def grid_combinations(
    strategy: Any, space: Space, base: Mapping[str, Any],
    feasible: Callable[[dict[str, Any]], bool],
) -> list[dict[str, Any]]:
    """Every feasible combination of a discrete space, merged over ``base`` (grid order)."""
    values = grid_values(space)
    names = list(values)
    combos = []
    for point in itertools.product(*values.values()):
        params = {**base, **dict(zip(names, point, strict=True))}
        if feasible(params):
            combos.append(params)
    if not combos:
        raise ValidationError(
            "no combination of the space satisfies the constraints", field="space",
            value={k: (v[0], v[-1], len(v)) for k, v in values.items()},
            fix="widen the space or relax the constraints (e.g. keep fast below slow)",
        )
    return combos
