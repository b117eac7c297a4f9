"""Samplers that never propose a parameter set the study already holds.

Optuna's samplers draw from distributions: on a discrete grid TPE keeps proposing the best
point it knows, so 100 trials on a 90-point grid used to evaluate 44 distinct sets. Here a
sampler knows the grid. :class:`FeasibleGrid` enumerates the feasible points of a discrete
space (the strategy's rules and the user's constraints applied), and :class:`DistinctSampler`
wraps any Optuna sampler: it lets the wrapped sampler propose a whole point, then, when that
point was already tried by any trial of the study (another worker's running trial included) or
is infeasible, moves it to the nearest untried feasible point (distance in grid steps, each
dimension scaled to [0, 1]; ties broken by the seeded generator). The wrapped sampler sees the
point that is evaluated, so its model stays consistent. When every feasible point is tried the
grid is exhausted: :meth:`FeasibleGrid.untried` says how many remain, and the search stops.

A space too large to enumerate (more than ``max_points`` combinations) keeps the wrapped
sampler's proposal when it is new and feasible, else draws random grid points until one is;
a duplicate that still slips through (two workers racing) is answered from the study by the
search (``search.py``), not evaluated again.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from optuna.samplers import BaseSampler

from signaltrust.optimize.space import Choice, Space, grid_values

MAX_POINTS = 50_000  # combinations enumerated at most (each is checked by the constraints)
Key = tuple[Any, ...]


def _index_of(values: Sequence[Any], numeric: bool, value: Any) -> float:
    if not numeric:
        for i, v in enumerate(values):
            if v == value:
                return float(i)
        return math.nan
    arr = np.asarray(values, dtype=np.float64)
    return float(np.argmin(np.abs(arr - float(value))))


class FeasibleGrid:
    """The feasible points of a discrete space, as value keys and grid-index rows.

    ``feasible(params)`` is called on ``{**base, **point}``. ``points`` is None when the
    product of the dimensions exceeds ``max_points`` (then only ``size`` is unknown).
    """

    def __init__(self, space: Space, base: Mapping[str, Any],
                 feasible: Callable[[dict[str, Any]], bool], *,
                 max_points: int = MAX_POINTS) -> None:
        self.names = list(space)
        self.values = grid_values(space)
        self.numeric = [not isinstance(space[n], Choice) for n in self.names]
        self.base = dict(base)
        self.feasible = feasible
        self.product = math.prod(len(v) for v in self.values.values())
        self.rows: dict[Key, int] = {}
        self.index: np.ndarray | None = None
        if self.product <= max_points:
            kept: list[tuple[int, ...]] = []
            ranges = [range(len(self.values[n])) for n in self.names]
            for position in itertools.product(*ranges):
                point = {n: self.values[n][i] for n, i in zip(self.names, position, strict=True)}
                if feasible({**self.base, **point}):
                    self.rows[self.key(point)] = len(kept)
                    kept.append(position)
            self.index = np.asarray(kept, dtype=np.float64).reshape(len(kept), len(self.names))
            spans = np.array([max(len(self.values[n]) - 1, 1) for n in self.names], float)
            self._scaled = self.index / spans
            self._spans = spans

    @property
    def enumerated(self) -> bool:
        return self.index is not None

    @property
    def size(self) -> int | None:
        """The number of feasible points (None when the space was too large to enumerate)."""
        return len(self.rows) if self.index is not None else None

    def key(self, params: Mapping[str, Any]) -> Key:
        return tuple(params[n] for n in self.names)

    def tried(self, trials: Sequence[Any], skip: int | None = None) -> set[Key]:
        """Keys of the study's trials (any state) that hold every searched parameter."""
        out = set()
        for t in trials:
            if t.number == skip:
                continue
            params = t.params
            if all(n in params for n in self.names):
                out.add(self.key(params))
        return out

    def untried(self, trials: Sequence[Any]) -> int | None:
        """Feasible points no trial holds yet (None when the space was not enumerated)."""
        if self.index is None:
            return None
        return len(self.rows) - len(self.tried(trials) & self.rows.keys())

    def is_feasible(self, point: Mapping[str, Any]) -> bool:
        if self.index is not None:
            return self.key(point) in self.rows
        return bool(self.feasible({**self.base, **point}))

    def nearest(self, point: Mapping[str, Any], tried: set[Key],
                rng: np.random.Generator) -> dict[str, Any] | None:
        """The untried feasible point nearest ``point`` in grid steps (None: none left)."""
        if self.index is None:
            return self._random_untried(tried, rng)
        free = np.ones(len(self.rows), dtype=bool)
        for key in tried:
            row = self.rows.get(key)
            if row is not None:
                free[row] = False
        if not free.any():
            return None
        target = np.array([_index_of(self.values[n], num, point.get(n))
                           for n, num in zip(self.names, self.numeric, strict=True)])
        candidates = np.flatnonzero(free)
        grid = self.index[candidates]
        distance = np.zeros(len(candidates))
        for d, numeric in enumerate(self.numeric):
            if numeric:
                distance += ((grid[:, d] - target[d]) / self._spans[d]) ** 2
            else:
                distance += (grid[:, d] != target[d]).astype(float)
        best = np.flatnonzero(distance <= distance.min() + 1e-12)
        row = candidates[best[int(rng.integers(len(best)))]]
        return self._point(self.index[row])

    def _point(self, position: np.ndarray) -> dict[str, Any]:
        return {n: self.values[n][int(i)] for n, i in zip(self.names, position, strict=True)}

    def _random_untried(self, tried: set[Key], rng: np.random.Generator,
                        draws: int = 1000) -> dict[str, Any] | None:
        sizes = [len(self.values[n]) for n in self.names]
        for _ in range(draws):
            point = self._point(np.array([rng.integers(s) for s in sizes]))
            if self.key(point) not in tried and self.feasible({**self.base, **point}):
                return point
        return None


class DistinctSampler(BaseSampler):
    """An Optuna sampler that moves a repeated or infeasible proposal to the nearest untried
    feasible grid point (see the module); every other call goes to the wrapped sampler."""

    def __init__(self, base: Any, grid: FeasibleGrid, distributions: Mapping[str, Any],
                 seed: int | None = None) -> None:
        self.base = base
        self.grid = grid
        self.distributions = dict(distributions)
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    def reseed_rng(self) -> None:
        self.base.reseed_rng()
        self._rng = np.random.default_rng()

    def infer_relative_search_space(self, study: Any, trial: Any) -> dict[str, Any]:
        return dict(self.distributions)

    def sample_relative(self, study: Any, trial: Any, search_space: Mapping[str, Any]
                        ) -> dict[str, Any]:
        inner_space = self.base.infer_relative_search_space(study, trial)
        point = dict(self.base.sample_relative(study, trial, inner_space)) if inner_space else {}
        for name, dist in self.distributions.items():
            if name not in point:
                point[name] = self.base.sample_independent(study, trial, name, dist)
        trials = study.get_trials(deepcopy=False)
        tried = self.grid.tried(trials, skip=trial.number)
        if self.grid.key(point) in tried or not self.grid.is_feasible(point):
            moved = self.grid.nearest(point, tried, self._rng)
            if moved is not None:
                point = moved
        return point

    def sample_independent(self, study: Any, trial: Any, param_name: str,
                           param_distribution: Any) -> Any:
        return self.base.sample_independent(study, trial, param_name, param_distribution)

    def before_trial(self, study: Any, trial: Any) -> None:
        self.base.before_trial(study, trial)

    def after_trial(self, study: Any, trial: Any, state: Any, values: Any) -> None:
        self.base.after_trial(study, trial, state, values)


__all__ = ["MAX_POINTS", "DistinctSampler", "FeasibleGrid"]
