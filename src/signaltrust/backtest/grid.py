"""Parameter grids: expansion with constraints, and the CLI's ``name=start:stop[:step]`` syntax."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.strategy import RuleStrategy


def parse_grid_spec(spec: str) -> tuple[str, list[Any]]:
    """``"fast=5:50"`` -> ("fast", [5, ..., 50]); ``start:stop[:step]`` includes stop; a comma
    list (``"nbdev=1.5,2,2.5"``) or one value is taken as given."""
    name, sep, values = spec.partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise ValidationError(
            "a grid is written name=start:stop[:step] or name=v1,v2,...", field="grid",
            value=spec, fix="write e.g. --grid fast=5:50 --grid slow=20:200:5",
        )
    values = values.strip()
    if ":" in values:
        parts = values.split(":")
        if len(parts) not in (2, 3):
            raise ValidationError(
                "a range is start:stop or start:stop:step", field=f"grid.{name}", value=values,
                fix=f"write e.g. {name}=5:50 or {name}=20:200:5",
            )
        numbers = [_number(p, name, values) for p in parts]
        start, stop = numbers[0], numbers[1]
        step = numbers[2] if len(numbers) == 3 else 1
        if step <= 0 or stop < start:
            raise ValidationError(
                "a range needs start <= stop and a positive step", field=f"grid.{name}",
                value=values, fix=f"write e.g. {name}=5:50:5",
            )
        if all(isinstance(x, int) for x in numbers):
            return name, list(range(int(start), int(stop) + 1, int(step)))
        count = int(np.floor((stop - start) / step + 1e-9)) + 1
        return name, [round(start + i * step, 12) for i in range(count)]
    return name, [_value(v.strip()) for v in values.split(",") if v.strip()]


def _number(text: str, name: str, spec: str) -> int | float:
    value = _value(text.strip())
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(
            "a range bound is not a number", field=f"grid.{name}", value=spec,
            fix=f"write numbers, e.g. {name}=5:50:5",
        )
    return value


def _value(text: str) -> Any:
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def parse_grid(specs: Iterable[str]) -> dict[str, list[Any]]:
    """Several ``name=...`` grid specs as one grid; a repeated name raises ValidationError."""
    grid: dict[str, list[Any]] = {}
    for spec in specs:
        name, values = parse_grid_spec(spec)
        if name in grid:
            raise ValidationError("a parameter appears twice in the grid", field=f"grid.{name}",
                                  value=spec, fix=f"give {name} once")
        grid[name] = values
    return grid


def expand_grid(
    strategy: RuleStrategy,
    grid: Mapping[str, Any] | None,
    *,
    params: Mapping[str, Any] | None = None,
    constraint: Callable[[dict[str, Any]], bool] | str | None = None,
) -> list[dict[str, Any]]:
    """Every valid parameter combination of ``grid`` (full parameter dicts, grid order).

    Values are coerced and bounds-checked per parameter (an out-of-range value raises naming
    it). ``constraint`` filters combinations; by default the strategy's own rules do (a
    combination that fails ``strategy.check``, e.g. fast >= slow, is left out).
    """
    grid = dict(strategy.default_grid if grid is None else grid)
    if not grid:
        raise ValidationError(
            f"strategy {strategy.name} has no default grid", field="grid", value=None,
            fix=f"pass grid={{name: values}} over {', '.join(strategy.param_names())}",
        )
    base = strategy.resolve({k: v for k, v in (params or {}).items() if k not in grid})
    axes = []
    for name, values in grid.items():
        declared = strategy.param(name)
        seq = [values] if isinstance(values, (str, bytes, int, float, bool)) else list(values)
        if not seq:
            raise ValidationError("a grid axis is empty", field=f"grid.{name}", value=values,
                                  fix=f"give {name} at least one value")
        axes.append([declared.coerce(v, strategy=strategy.name) for v in seq])
    names = list(grid)
    combos = []
    for values in itertools.product(*axes):
        combos.append({**base, **dict(zip(names, values, strict=True))})
    if isinstance(constraint, str):
        frame = pd.DataFrame(combos)
        try:
            keep = frame.eval(constraint).to_numpy(dtype=bool)
        except Exception as exc:
            raise ValidationError("the constraint cannot be evaluated", field="constraint",
                                  value=constraint, fix="write e.g. 'fast < slow'") from exc
        combos = [c for c, k in zip(combos, keep, strict=True) if k]
    elif constraint is not None:
        combos = [c for c in combos if constraint(dict(c))]
    # values are already coerced and bounds-checked per axis: only the cross-parameter rules
    combos = [c for c in combos if _passes_check(strategy, c)]
    if not combos:
        raise ValidationError(
            "no parameter combination of the grid is valid", field="grid",
            value={k: list(v)[:5] for k, v in grid.items()} if grid else grid,
            fix="widen the grid or relax the constraint (e.g. keep fast below slow)",
        )
    return combos


def _passes_check(strategy: RuleStrategy, combo: dict[str, Any]) -> bool:
    try:
        strategy.check(dict(combo))
    except ValidationError:
        return False
    return True
