"""The result of a parameter search, with the deflated Sharpe ratio and PBO of its best trial.

``deflated_sharpe`` deflates the best trial's Sharpe ratio by the number of distinct feasible
trials of the study and the variance of their Sharpe ratios (Bailey & López de Prado, 2014),
using the best trial's own per-bar returns for length, skewness and kurtosis. ``pbo`` is the
probability of backtest overfitting by CSCV (Bailey et al., 2015) over the per-bar returns of
the trials evaluated in this call (at most ``max_pbo_configurations`` of them: a seeded sample
that always holds the best; ``pbo_configurations`` says how many).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.serialize import to_plain
from signaltrust.optimize.evaluate import Evaluator, Outcome, returns_matrix
from signaltrust.optimize.runs import param_key, run_items


@dataclass
class OptimizationResult:
    """Best parameters and value, the trials table, the study, and the overfitting statistics."""

    strategy: str
    method: str
    objectives: list[str]
    best_params: dict[str, Any]
    best_value: float
    trials: pd.DataFrame
    study_name: str
    storage: str
    seed: int | None
    periods_per_year: float
    pareto: pd.DataFrame | None = None
    best_sharpe: float = float("nan")
    deflated_sharpe: float = float("nan")
    n_trials_deflated: int = 0
    pbo: float = float("nan")
    pbo_configurations: int = 0
    pbo_result: Any = None
    trials_requested: int | None = None
    trials_run: int = 0
    grid_size: int | None = None
    study: Any = field(default=None, repr=False)

    @classmethod
    def build(cls, *, strategy: str, method: str, objectives: list[str], table: pd.DataFrame,
              param_names: list[str], base: dict[str, Any], study: Any, study_name: str,
              storage: str, seed: int | None, periods_per_year: float) -> OptimizationResult:
        ok = table[(table["state"] == "COMPLETE") & table["feasible"]] if len(table) else table
        best_params: dict[str, Any] = {}
        best_value = float("nan")
        pareto = None
        if len(ok):
            row = ok.loc[ok[objectives[0]].astype(float).idxmax()]
            best_params = {**base, **{n: to_plain(row[n]) for n in param_names}}
            best_value = float(row[objectives[0]])
            if len(objectives) > 1:
                pareto = _pareto(ok, objectives)
        return cls(strategy=strategy, method=method, objectives=objectives,
                   best_params=best_params, best_value=best_value, trials=table,
                   study_name=study_name, storage=storage, seed=seed,
                   periods_per_year=periods_per_year, pareto=pareto, study=study)

    @property
    def n_trials(self) -> int:
        """Trials in the study (all workers), pruned, infeasible and answered ones included."""
        return len(self.trials)

    @property
    def distinct_trials(self) -> int:
        """Distinct parameter sets the study tried (a repeated set answered from the study
        counts once)."""
        t = self.trials
        return int((t["duplicate_of"] < 0).sum()) if len(t) else 0

    @property
    def grid_exhausted(self) -> bool:
        """True when every feasible point of a discrete space is in the study."""
        return self.grid_size is not None and self.distinct_trials >= self.grid_size

    @property
    def note(self) -> str:
        """What the trial count means: all asked for, or the grid had fewer."""
        asked = self.trials_requested
        if asked is not None and self.grid_size is not None and self.grid_size < asked:
            return (f"the grid has {self.grid_size} feasible parameter sets, fewer than the "
                    f"{asked} trials asked: all {self.grid_size} were evaluated"
                    if self.grid_exhausted else
                    f"the grid has {self.grid_size} feasible parameter sets, fewer than the "
                    f"{asked} trials asked")
        if asked is not None and self.trials_run < asked:
            return (f"{self.trials_run} new distinct trials of {asked} asked: the study already "
                    "held the rest of the grid" if self.grid_exhausted else
                    f"{self.trials_run} new distinct trials of {asked} asked")
        if self.method == "grid" and self.grid_size is not None:
            if self.trials_run < self.grid_size:
                return (f"{self.trials_run} of the grid's {self.grid_size} feasible parameter "
                        "sets were new: the study held the others")
            return f"every one of the grid's {self.grid_size} feasible parameter sets"
        return f"{self.trials_run} distinct trials"

    def summary(self) -> dict[str, Any]:
        """The headline figures as a plain dict, with deflated_sharpe and pbo beside them."""
        return {
            "strategy": self.strategy, "method": self.method, "objectives": self.objectives,
            "best_params": self.best_params, "best_value": self.best_value,
            "best_sharpe": self.best_sharpe, "deflated_sharpe": self.deflated_sharpe,
            "pbo": self.pbo, "trials": self.n_trials, "distinct_trials": self.distinct_trials,
            "feasible_trials": int(self._feasible().shape[0]),
            "trials_requested": self.trials_requested, "trials_run": self.trials_run,
            "grid_size": self.grid_size, "grid_exhausted": self.grid_exhausted,
            "note": self.note,
            "trials_deflated": self.n_trials_deflated,
            "pbo_configurations": self.pbo_configurations,
            "study_name": self.study_name, "storage": self.storage, "seed": self.seed,
        }

    def to_dict(self, top: int = 10) -> dict[str, Any]:
        """JSON-ready: the summary, the ``top`` best trials and the Pareto front (if several)."""
        out: dict[str, Any] = {**self.summary(), "top": self.best(top).reset_index(drop=True)}
        if self.pareto is not None:
            out["pareto"] = self.pareto.reset_index(drop=True)
        return to_plain(out)

    def __plain__(self) -> dict[str, Any]:
        """What ``--json`` and the API show (``core.serialize.to_plain``): see ``to_dict``."""
        return self.to_dict()

    def _feasible(self) -> pd.DataFrame:
        """Completed, feasible trials, each parameter set once."""
        t = self.trials
        return t[(t["state"] == "COMPLETE") & t["feasible"]] if len(t) else t

    def best(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` best feasible trials by the first objective."""
        return self._feasible().sort_values(self.objectives[0], ascending=False).head(n)


def _pareto(table: pd.DataFrame, objectives: Sequence[str]) -> pd.DataFrame:
    values = table[list(objectives)].to_numpy(dtype=float)
    keep = []
    for row in values:
        dominated = np.any(np.all(values >= row, axis=1) & np.any(values > row, axis=1))
        keep.append(not dominated)
    return table[np.array(keep)].sort_values(objectives[0], ascending=False)


def deflated_sharpe_of(returns: pd.Series, trials_sharpes: Sequence[float],
                       periods_per_year: float, n_trials: int | None = None) -> float:
    """DSR of ``returns`` against annualised trial Sharpe ratios (nan when undefined)."""
    from signaltrust.core.errors import ValidationError
    from signaltrust.optimize.overfitting import deflated_sharpe_ratio

    sharpes = [s for s in trials_sharpes if s is not None and math.isfinite(s)]
    try:
        if len(sharpes) < 2:
            from signaltrust.optimize.overfitting import probabilistic_sharpe_ratio, sharpe_moments

            sr, n, skew, kurt = sharpe_moments(returns)
            return float(probabilistic_sharpe_ratio(sr, n, skew, kurt))
        return float(deflated_sharpe_ratio(returns, trials_sharpes=sharpes, n_trials=n_trials,
                                           annualization=periods_per_year))
    except ValidationError:
        return float("nan")


def pbo_of(outcomes: Sequence[Outcome], partitions: int, periods_per_year: float) -> Any:
    """PBO by CSCV over the outcomes' per-bar returns (None with fewer than two)."""
    from signaltrust.core.errors import ValidationError
    from signaltrust.optimize.pbo import probability_of_backtest_overfitting

    if len(outcomes) < 2:
        return None
    matrix = returns_matrix(outcomes)
    parts = min(int(partitions), max(2, (len(matrix) // 4) // 2 * 2))
    try:
        return probability_of_backtest_overfitting(matrix, n_partitions=parts,
                                                   periods_per_year=periods_per_year)
    except ValidationError:
        return None


def _pick(keys: list[Any], best: Any, limit: int, seed: int | None) -> list[Any]:
    if len(keys) <= limit:
        return keys
    others = [k for k in keys if k != best]
    rng = np.random.default_rng(seed)
    picked = rng.choice(len(others), size=limit - 1, replace=False)
    return [best] + [others[i] for i in sorted(picked)]


def overfitting_stats(result: OptimizationResult, evaluator: Evaluator, objectives: Any,
                      windows: list[Any], cache: dict[Any, Outcome], names: list[str],
                      seed: int | None, partitions: int, limit: int, ray: Any) -> None:
    """Fill ``best_sharpe``, ``deflated_sharpe`` and ``pbo`` of a result in place."""
    feasible = result._feasible().drop_duplicates(subset=names)
    best_key = param_key(result.best_params, names)
    keys = [param_key({n: to_plain(r[n]) for n in names}, names) for _, r in feasible.iterrows()]
    local = [k for k in keys if k in cache]
    if result.trials["source"].eq("sweep").any() or best_key not in cache:
        local = keys  # the sweep kept no returns: re-run a sample of its rows
    chosen = _pick(local if best_key in local else [best_key, *local], best_key, limit, seed)
    missing = [k for k in chosen if k not in cache]
    if missing:
        combos = [{**result.best_params, **dict(k)} for k in missing]
        for k, out in zip(missing, run_items(combos, windows, evaluator, objectives, ray, None),
                          strict=True):
            cache[k] = out
    best = cache[best_key]
    result.best_sharpe = best.sharpe_ratio
    sharpes = feasible["sharpe_ratio"].astype(float).tolist()
    result.n_trials_deflated = int(np.isfinite(sharpes).sum())
    result.deflated_sharpe = deflated_sharpe_of(best.returns, sharpes, result.periods_per_year)
    pbo = pbo_of([cache[k] for k in chosen], partitions, result.periods_per_year)
    result.pbo_result = pbo
    result.pbo = float(pbo.pbo) if pbo is not None else float("nan")
    result.pbo_configurations = len(chosen) if pbo is not None else 0
