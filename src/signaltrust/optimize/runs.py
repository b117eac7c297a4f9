"""Evaluating parameter combinations: one outcome per combination, over one or several folds.

The search (``search.py``) and the overfitting statistics of its result (``result.py``) both
run combinations; they share this module rather than import each other.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.optimize.evaluate import Evaluator, Outcome
from signaltrust.optimize.objectives import Objective
from signaltrust.optimize.study import Progress

Key = tuple[tuple[str, Any], ...]


def param_key(params: Mapping[str, Any], names: Sequence[str]) -> Key:
    """A hashable key of the searched parameters of a combination."""
    return tuple((n, params[n]) for n in names)


def evaluate_item(item: tuple[dict[str, Any], tuple[int, int] | None], *, evaluator: Evaluator,
                  objectives: list[Objective]) -> Outcome:
    """One combination over one window (None: the full sample)."""
    params, window = item
    return evaluator.evaluate(params, objectives, window)


def combine_folds(outcomes: list[Outcome]) -> Outcome:
    """Per-fold outcomes as one: mean objective values, stitched returns."""
    if len(outcomes) == 1:
        return outcomes[0]
    values = tuple(float(np.nanmean(v)) for v in zip(*(o.values for o in outcomes), strict=True))
    returns = pd.concat([o.returns for o in outcomes])
    stats = {k: float(np.nanmean([o.stats[k] for o in outcomes])) for k in outcomes[0].stats}
    return Outcome(outcomes[0].params, values, stats["sharpe_ratio"], returns, stats)


def run_items(combos: list[dict[str, Any]], windows: list[Any], evaluator: Evaluator,
              objectives: list[Objective], ray: Any, progress: Progress | None
              ) -> list[Outcome]:
    """Every combination over every window (in parallel on Ray when set), folds combined."""
    from signaltrust.optimize.distributed import fan_out

    items = [(c, w) for c in combos for w in windows]
    outs = fan_out(evaluate_item, items,
                   shared={"evaluator": evaluator, "objectives": objectives},
                   ray=ray, progress=progress)
    k = len(windows)
    return [combine_folds(outs[i * k:(i + 1) * k]) for i in range(len(combos))]
