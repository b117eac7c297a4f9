"""Parameter grids: expansion with constraints, and the CLI's ``name=start:stop[:step]`` syntax.

A grid's size and memory are estimated from its axes before anything is built; a grid beyond
the limits (:data:`MAX_COMBINATIONS`, :data:`MAX_MEMORY_BYTES`, or those a :class:`ParameterGrid`
carries) raises :class:`GridTooLargeError` unless the limit is lifted on purpose
(``ParameterGrid(..., max_combinations=None)``; the CLI's ``--large-grid``).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import GridTooLargeError, ValidationError
from signaltrust.strategy import RuleStrategy

MAX_COMBINATIONS = 1_000_000
MAX_MEMORY_BYTES = 4096 * 2**20
# a combination costs its parameter dict (~600 bytes with the strategy's defaults merged in)
# and, per asset, a row of ~30 float statistics held twice (the array and the result table)
_BYTES_PER_COMBINATION = 600
_BYTES_PER_RESULT = 2 * 30 * 8


class ParameterGrid(dict):
    """A parameter grid (``{name: values}``) that carries the limits it is expanded under.

    ``max_combinations`` / ``max_memory_bytes`` of ``None`` lift a limit on purpose (the CLI's
    ``--large-grid``); otherwise :data:`MAX_COMBINATIONS` and :data:`MAX_MEMORY_BYTES` apply.
    """

    def __init__(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        max_combinations: int | None = MAX_COMBINATIONS,
        max_memory_bytes: int | None = MAX_MEMORY_BYTES,
    ) -> None:
        super().__init__(values or {})
        self.max_combinations = max_combinations
        self.max_memory_bytes = max_memory_bytes


@dataclass(frozen=True)
class GridEstimate:
    """What a grid will cost before it is built: combinations and bytes of memory."""

    combinations: int
    memory_bytes: int

    def describe(self) -> str:
        return f"{self.combinations:,} combinations, about {_size(self.memory_bytes)}"


def estimate_grid(sizes: Iterable[int], *, assets: int = 1) -> GridEstimate:
    """The combinations (before constraints drop any) and memory of axes of these sizes."""
    combinations = math.prod(int(n) for n in sizes)
    memory = combinations * (_BYTES_PER_COMBINATION + _BYTES_PER_RESULT * max(1, assets))
    return GridEstimate(combinations, memory)


def check_grid_size(
    sizes: Iterable[int],
    *,
    max_combinations: int | None = MAX_COMBINATIONS,
    max_memory_bytes: int | None = MAX_MEMORY_BYTES,
    assets: int = 1,
) -> GridEstimate:
    """The estimate of a grid; GridTooLargeError when it exceeds a limit (None: no limit)."""
    estimate = estimate_grid(sizes, assets=assets)
    over = (max_combinations is not None and estimate.combinations > max_combinations) or (
        max_memory_bytes is not None and estimate.memory_bytes > max_memory_bytes
    )
    if over:
        limit = [f"{max_combinations:,} combinations" if max_combinations is not None else "",
                 _size(max_memory_bytes) if max_memory_bytes is not None else ""]
        raise GridTooLargeError(
            f"the grid is too large: {estimate.describe()} (limit "
            f"{' or '.join(x for x in limit if x)}); nothing was allocated",
            combinations=estimate.combinations, memory_bytes=estimate.memory_bytes,
            field="grid", value=estimate.combinations,
            fix="narrow the ranges or take bigger steps (fast=5:50:5), or lift the limit on "
            "purpose: --large-grid on the command line, ParameterGrid(..., max_combinations=None)"
            " in Python, or backtest.max_grid_combinations / max_grid_memory_mb in the "
            "configuration",
        )
    return estimate


def _size(n: int) -> str:
    for unit, scale in (("GB", 2**30), ("MB", 2**20), ("kB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n} bytes"


def parse_grid_spec(
    spec: str, *, max_values: int | None = MAX_COMBINATIONS
) -> tuple[str, list[Any]]:
    """``"fast=5:50"`` -> ("fast", [5, ..., 50]); ``start:stop[:step]`` includes stop; a comma
    list (``"nbdev=1.5,2,2.5"``) or one value is taken as given. Empty items and repeated values
    are refused; a range longer than ``max_values`` is refused before it is built."""
    name, values = _split_spec(spec)
    if ":" in values:
        start, stop, step, count = _range(name, values)
        if max_values is not None and count > max_values:
            check_grid_size([count], max_combinations=max_values, max_memory_bytes=None)
        if all(isinstance(x, int) for x in (start, stop, step)):
            return name, list(range(int(start), int(stop) + 1, int(step)))
        return name, [round(start + i * step, 12) for i in range(count)]
    items = [v.strip() for v in values.split(",")]
    if any(not item for item in items):
        raise ValidationError(
            "a grid list has an empty item", field=f"grid.{name}", value=spec,
            fix=f"remove the extra comma, e.g. {name}={','.join(i for i in items if i)}",
        )
    parsed = [_value(item) for item in items]
    seen: list[Any] = []
    for item, value in zip(items, parsed, strict=True):
        if any(type(value) is not bool and value == other for other in seen):
            raise ValidationError(
                "a grid list repeats a value", field=f"grid.{name}", value=item,
                fix=f"give each value of {name} once",
            )
        seen.append(value)
    return name, parsed


def _split_spec(spec: str) -> tuple[str, str]:
    name, sep, values = str(spec).partition("=")
    name = name.strip()
    if not sep or not name or not values.strip():
        raise ValidationError(
            "a grid is written name=start:stop[:step] or name=v1,v2,...", field="grid",
            value=spec, fix="write e.g. --grid fast=5:50 --grid slow=20:200:5",
        )
    return name, values.strip()


def _range(name: str, values: str) -> tuple[Any, Any, Any, int]:
    """start, stop, step and the number of values of ``start:stop[:step]`` (none built)."""
    parts = values.split(":")
    if len(parts) not in (2, 3):
        raise ValidationError(
            "a range is start:stop or start:stop:step", field=f"grid.{name}", value=values,
            fix=f"write e.g. {name}=5:50 or {name}=20:200:5",
        )
    numbers = [_number(p, name, values) for p in parts]
    start, stop = numbers[0], numbers[1]
    step = numbers[2] if len(numbers) == 3 else 1
    if not all(math.isfinite(x) for x in numbers) or step <= 0 or stop < start:
        raise ValidationError(
            "a range needs finite start <= stop and a positive step", field=f"grid.{name}",
            value=values, fix=f"write e.g. {name}=5:50:5",
        )
    if all(isinstance(x, int) for x in numbers):
        return start, stop, step, (int(stop) - int(start)) // int(step) + 1
    return start, stop, step, int(np.floor((stop - start) / step + 1e-9)) + 1


def grid_sizes(specs: Iterable[str]) -> dict[str, int]:
    """The number of values of each ``name=...`` spec, counted without building any range."""
    sizes: dict[str, int] = {}
    for spec in specs:
        name, values = _split_spec(spec)
        sizes[name] = _range(name, values)[3] if ":" in values else len(values.split(","))
    return sizes


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


def parse_grid(
    specs: Iterable[str],
    *,
    max_combinations: int | None = MAX_COMBINATIONS,
    max_memory_bytes: int | None = MAX_MEMORY_BYTES,
    assets: int = 1,
) -> ParameterGrid:
    """Several ``name=...`` grid specs as one grid; a repeated name raises ValidationError.

    The grid's size and memory are estimated from the specs first: beyond the limits (None:
    none) it raises GridTooLargeError before any value list is built.
    """
    specs = list(specs)
    names = [_split_spec(spec)[0] for spec in specs]
    for i, name in enumerate(names):
        if name in names[:i]:
            raise ValidationError("a parameter appears twice in the grid", field=f"grid.{name}",
                                  value=specs[i], fix=f"give {name} once")
    check_grid_size(grid_sizes(specs).values(), max_combinations=max_combinations,
                    max_memory_bytes=max_memory_bytes, assets=assets)
    grid = ParameterGrid(max_combinations=max_combinations, max_memory_bytes=max_memory_bytes)
    for spec in specs:
        name, values = parse_grid_spec(spec, max_values=None)
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
    it). The size and memory are estimated first: beyond the limits (those a ParameterGrid
    carries, else MAX_COMBINATIONS and MAX_MEMORY_BYTES) GridTooLargeError is raised.
    ``constraint`` filters combinations; by default the strategy's own rules do (a
    combination that fails ``strategy.check``, e.g. fast >= slow, is left out).
    """
    grid_in = grid
    grid = dict(strategy.default_grid if grid is None else grid)
    if not grid:
        raise ValidationError(
            f"strategy {strategy.name} has no default grid", field="grid", value=None,
            fix=f"pass grid={{name: values}} over {', '.join(strategy.param_names())}",
        )
    base = strategy.resolve({k: v for k, v in (params or {}).items() if k not in grid})
    sizes = [1 if isinstance(v, (str, bytes, int, float, bool)) else len(v)
             for v in grid.values()]
    check_grid_size(
        sizes,
        max_combinations=getattr(grid_in, "max_combinations", MAX_COMBINATIONS),
        max_memory_bytes=getattr(grid_in, "max_memory_bytes", MAX_MEMORY_BYTES),
    )
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
