"""``optimize``: search a strategy's parameters with Optuna (grid, random, TPE, NSGA-II, CMA-ES).

>>> from signaltrust.optimize import optimize
>>> found = optimize("goog", "sma_cross", space=["fast=5:50:5", "slow=20:200:20"], method="tpe",
...                  n_trials=60, storage="memory")
>>> found.best_params, found.best_value, found.deflated_sharpe, found.pbo

Every result carries the evidence of how far to trust its best figure: ``deflated_sharpe``
(the probability that the best trial's true Sharpe ratio is above zero, given how many trials
were tried and how much their Sharpe ratios vary) and ``pbo`` (the probability of backtest
overfitting of picking the best trial, by CSCV over the trials' per-bar returns).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from signaltrust.core.serialize import to_plain
from signaltrust.optimize.evaluate import Evaluator, Outcome, single_asset
from signaltrust.optimize.objectives import Objective, ObjectiveLike, resolve_objectives
from signaltrust.optimize.result import OptimizationResult, overfitting_stats
from signaltrust.optimize.runs import Key, combine_folds, evaluate_item, param_key, run_items
from signaltrust.optimize.space import (
    Constraint,
    constraint_checker,
    distributions,
    grid_combinations,
    grid_values,
    is_discrete,
    parse_space,
)
from signaltrust.optimize.study import (
    Progress,
    check_method,
    create_study,
    make_pruner,
    make_sampler,
    resolve_storage,
    trials_table,
)
from signaltrust.strategy import RuleStrategy


def fold_windows(n_bars: int, folds: int) -> list[tuple[int, int] | None]:
    """``folds`` consecutive windows of equal size over the bars ([None]: the full sample)."""
    if folds <= 1:
        return [None]
    edges = np.linspace(0, n_bars, folds + 1).astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _attrs(outcome: Outcome, source: str) -> dict[str, Any]:
    attrs: dict[str, Any] = {k: (v if math.isfinite(v) else None) for k, v in outcome.stats.items()}
    attrs.update({"feasible": True, "source": source})
    return attrs


def optimize(
    data: Any,
    strategy: Any,
    *,
    space: Any = None,
    method: str = "grid",
    objective: ObjectiveLike | Sequence[ObjectiveLike] = "sharpe_ratio",
    n_trials: int = 100,
    constraints: Constraint | Sequence[Constraint] | None = None,
    params: Mapping[str, Any] | None = None,
    pruning: bool = True,
    folds: int = 1,
    storage: Any = None,
    study_name: str | None = None,
    seed: int | None = 0,
    n_jobs: int = 1,
    cash: float | None = None,
    fees: float | None = None,
    slippage: float | None = None,
    ray: bool | str | None = None,
    statistics: bool = True,
    pbo_partitions: int = 16,
    max_pbo_configurations: int = 200,
    progress: Progress | None = None,
    **engine_options: Any,
) -> OptimizationResult:
    """Search a strategy's parameters and report the best with its deflated Sharpe ratio and PBO.

    ``space``: the strategy's declared sweep grid by default, or ``{name: range, list, (low,
    high) Range, "5:50:5"}`` or grid strings ``["fast=5:50:5", "slow=20:200:20"]``.
    ``method``: "grid" (every combination; one compiled ``sweep`` pass when the objective is
    in a sweep row, recorded in the study as trials), "random", "tpe", "nsga2" (several
    objectives), "cmaes". ``objective``: "sharpe_ratio", "sortino_ratio", "calmar_ratio",
    "return_over_drawdown", "total_return", a ``callable(result) -> float``, or a list of them
    (multi-objective; Pareto front in ``.pareto``). All are maximised. ``constraints``: the
    strategy's own rules (fast < slow) always apply; add callables on the parameter dict or
    expressions ("fast * 2 <= slow"). Infeasible trials are never backtested: NSGA-II and TPE
    see them through Optuna's ``constraints_func``, random and CMA-ES prune them.
    ``folds`` > 1 scores a trial by the mean objective over that many consecutive windows,
    each traded from flat; with ``pruning`` a median pruner stops trials that trail after a fold.
    ``storage``: None or "memory" (the study lives in this process), a URL (SQLite:
    ``study.default_storage(home)``; PostgreSQL: several workers with the same ``study_name``
    share one study) or an Optuna storage. ``n_jobs`` trials are asked and
    evaluated per batch (in parallel on Ray when ``ray`` is True or an address;
    the results depend on ``n_jobs`` and ``seed``, not on where they run). ``cash``, ``fees``,
    ``slippage`` and ``engine_options`` go to ``run``. ``n_trials`` is ignored by "grid".
    """
    from signaltrust.strategy import get_strategy

    chosen = get_strategy(strategy)
    bars = single_asset(data)
    objectives = resolve_objectives(objective)
    method = check_method(method, len(objectives))
    dims = parse_space(chosen, space)
    names = list(dims)
    base = _base(chosen, params, dims)
    feasible = constraint_checker(chosen, constraints)
    evaluator = Evaluator(bars, chosen, cash, fees, slippage, dict(engine_options))
    windows = fold_windows(len(bars), int(folds))
    multi = len(objectives) > 1
    if multi and len(windows) > 1:
        from signaltrust.core.errors import ValidationError

        raise ValidationError("folds (pruning) work with one objective", field="folds",
                              value=folds, fix="use folds=1 with several objectives")
    store, shown = resolve_storage(storage)
    name = study_name or f"{chosen.label}-{method}-{uuid.uuid4().hex[:8]}"
    grid = None
    sampler = make_sampler(method, seed, int(n_trials))
    if method != "grid" and is_discrete(dims):
        from signaltrust.optimize.distinct import DistinctSampler, FeasibleGrid

        grid = FeasibleGrid(dims, base, feasible)
        if grid.size == 0:
            grid_combinations(chosen, dims, base, feasible)  # the error naming the space
        sampler = DistinctSampler(sampler, grid, distributions(dims), seed=seed)
    study = create_study(name, store, len(objectives), sampler,
                         make_pruner(pruning, len(windows)))
    cache: dict[Key, Outcome] = {}
    shared = {"evaluator": evaluator, "objectives": objectives}
    if method == "grid":
        tried, grid_size = _grid(study, chosen, dims, base, feasible, evaluator, objectives,
                                 windows, cache, ray, progress)
    else:
        tried = _sample(study, method, dims, base, feasible, objectives, windows, cache,
                        shared, int(n_trials), max(1, int(n_jobs)), ray, progress, grid)
        grid_size = grid.size if grid is not None else None
    table = trials_table(study, names, [o.name for o in objectives])
    result = OptimizationResult.build(
        strategy=chosen.label, method=method, objectives=[o.name for o in objectives],
        table=table, param_names=names, base=base, study=study, study_name=name,
        storage=shown, seed=seed, periods_per_year=evaluator.periods_per_year,
    )
    result.trials_requested = None if method == "grid" else int(n_trials)
    result.trials_run = tried
    result.grid_size = grid_size
    if statistics and result.best_params:
        overfitting_stats(result, evaluator, objectives, windows, cache, names, seed,
                          pbo_partitions, max_pbo_configurations, ray)
    return result


def _base(strategy: Any, params: Mapping[str, Any] | None, dims: Mapping[str, Any]
          ) -> dict[str, Any]:
    """The fixed parameters: defaults, the strategy's own values and ``params`` (not searched)."""
    fixed = {k: v for k, v in {**strategy.params, **(params or {})}.items() if k not in dims}
    out = strategy.defaults()
    for key, value in fixed.items():
        out[key] = strategy.param(key).coerce(value, strategy=strategy.label)
    return out


def _grid(study: Any, strategy: Any, dims: Any, base: dict[str, Any], feasible: Any,
          evaluator: Evaluator, objectives: list[Objective], windows: list[Any],
          cache: dict[Key, Outcome], ray: Any, progress: Progress | None
          ) -> tuple[int, int | None]:
    """Every feasible combination the study does not hold yet, added as finished trials;
    returns how many were added and how many feasible combinations the grid has."""
    names = list(dims)
    dist = distributions(dims)
    combos = grid_combinations(strategy, dims, base, feasible)
    known = _evaluated(study, names, set())
    size = len(combos)
    combos = [c for c in combos if param_key(c, names) not in known]  # a reused study
    if not combos:
        return 0, size
    frozen = []
    if len(windows) == 1 and all(o.sweepable for o in objectives) and isinstance(
            strategy, RuleStrategy):
        from signaltrust.optimize.distributed import distributed_sweep

        fixed = {k: v for k, v in base.items() if k not in dims}
        table = distributed_sweep(
            evaluator.bars, strategy, grid_values(dims), params=fixed, cash=evaluator.cash,
            fees=evaluator.fees, slippage=evaluator.slippage, ray=ray, **evaluator.options)
        wanted = {param_key(c, names) for c in combos}
        for _, row in table.iterrows():
            point = {n: to_plain(row[n]) for n in names}
            if param_key(point, names) not in wanted:
                continue
            values = [o.from_sweep_row(row) for o in objectives]
            stats = {k: float(row[k]) for k in ("sharpe_ratio", "total_return")}
            stats["return_over_drawdown"] = Objective("return_over_drawdown").from_sweep_row(row)
            frozen.append(_frozen(point, dist, values, stats, "sweep"))
        if progress is not None:
            progress(len(combos), len(combos))
    else:
        outcomes = run_items(combos, windows, evaluator, objectives, ray, progress)
        for combo, outcome in zip(combos, outcomes, strict=True):
            cache[param_key(combo, names)] = outcome
            point = {n: combo[n] for n in names}
            frozen.append(_frozen(point, dist, list(outcome.values), outcome.stats, "run"))
    study.add_trials(frozen)
    return len(frozen), size


def _frozen(point: dict[str, Any], dist: dict[str, Any], values: list[float],
            stats: Mapping[str, float], source: str) -> Any:
    import optuna

    ok = all(math.isfinite(v) for v in values)
    attrs: dict[str, Any] = {k: (float(v) if math.isfinite(v) else None)
                             for k, v in stats.items()}
    attrs.update({"feasible": ok, "source": source})
    if not ok:
        attrs["reason"] = "objective undefined (no trades or flat equity)"
    return optuna.trial.create_trial(
        params=point, distributions=dist, values=values if ok else None,
        state=optuna.trial.TrialState.COMPLETE if ok else optuna.trial.TrialState.FAIL,
        user_attrs={"signaltrust": attrs},
    )


def _sample(study: Any, method: str, dims: Any, base: dict[str, Any], feasible: Any,
            objectives: list[Objective], windows: list[Any], cache: dict[Key, Outcome],
            shared: dict[str, Any], n_trials: int, n_jobs: int, ray: Any,
            progress: Progress | None, grid: Any) -> int:
    """Ask, evaluate and tell until ``n_trials`` new distinct parameter sets were tried or the
    grid is exhausted; a repeated set is answered from the study (see ``_answer``). Returns
    how many new distinct sets were tried."""
    from signaltrust.optimize.distributed import fan_out

    names = list(dims)
    dist = distributions(dims)
    # samplers that read trial constraints; a known grid proposes feasible points only
    penalise = method in ("tpe", "nsga2") and grid is None
    folds: dict[tuple[Key, int], Outcome] = {}
    done = asked = 0
    while done < n_trials and asked < 10 * n_trials:
        left = grid.untried(study.get_trials(deepcopy=False)) if grid is not None else None
        if left == 0:
            break  # every feasible point of the grid is in the study
        size = min(n_jobs, n_trials - done, left if left is not None else n_trials)
        batch = [study.ask(dist) for _ in range(size)]
        asked += len(batch)
        known = _evaluated(study, names, {t.number for t in batch})
        live, seen = [], set()
        for trial in batch:
            key = param_key(trial.params, names)
            if key in known or key in seen:
                _answer(study, trial, known.get(key), len(objectives))
                continue
            seen.add(key)
            full = {**base, **trial.params}
            if grid is not None or feasible(full):
                live.append((trial, full))
            else:
                _infeasible(study, trial, penalise, len(objectives))
            done += 1
        _evaluate(study, live, names, windows, folds, cache, shared, penalise, fan_out, ray)
        if progress is not None:
            progress(done, n_trials)
    return done


def _evaluated(study: Any, names: list[str], skip: set[int]) -> dict[Key, Any]:
    """The study's finished trials by parameter set (the first trial of each set)."""
    from optuna.trial import TrialState

    out: dict[Key, Any] = {}
    for t in study.get_trials(deepcopy=False):
        if t.number in skip or t.state == TrialState.RUNNING or "duplicate_of" in t.user_attrs:
            continue
        if all(n in t.params for n in names):
            out.setdefault(param_key(t.params, names), t)
    return out


def _answer(study: Any, trial: Any, earlier: Any, n_objectives: int) -> None:
    """A repeated parameter set: told the earlier trial's values, never backtested again."""
    from optuna.trial import TrialState

    trial.set_user_attr("duplicate_of", earlier.number if earlier is not None else -1)
    if earlier is not None and earlier.state == TrialState.COMPLETE:
        study.tell(trial, list(earlier.values))
    else:
        study.tell(trial, state=TrialState.FAIL)


def _infeasible(study: Any, trial: Any, penalise: bool, n_objectives: int) -> None:
    from optuna.trial import TrialState

    trial.set_user_attr("signaltrust", {"feasible": False, "reason": "violates the constraints"})
    if penalise:
        trial.set_constraint("params", 1.0)
        study.tell(trial, [-1e12] * n_objectives)
    else:
        study.tell(trial, state=TrialState.PRUNED)


def _evaluate(study: Any, live: list[tuple[Any, dict[str, Any]]], names: list[str],
              windows: list[Any], folds: dict[tuple[Key, int], Outcome],
              cache: dict[Key, Outcome], shared: dict[str, Any], penalise: bool,
              fan_out: Any, ray: Any) -> None:
    """Backtest the batch's new parameter sets fold by fold (pruning between folds), tell."""
    from optuna.trial import TrialState

    per_trial: dict[int, list[Outcome]] = {t.number: [] for t, _ in live}
    for step, window in enumerate(windows):
        todo = [(full, window) for _, full in live
                if (param_key(full, names), step) not in folds]
        for (full, _), out in zip(todo, fan_out(evaluate_item, todo, shared=shared, ray=ray),
                                  strict=True):
            folds[(param_key(full, names), step)] = out
        survivors = []
        for trial, full in live:
            out = folds[(param_key(full, names), step)]
            per_trial[trial.number].append(out)
            if len(windows) > 1:
                running = float(np.nanmean([o.values[0] for o in per_trial[trial.number]]))
                if math.isfinite(running):
                    trial.report(running, step)
                    if trial.should_prune():
                        trial.set_user_attr("signaltrust", {
                            "feasible": False, "reason": f"pruned after fold {step + 1}"})
                        study.tell(trial, state=TrialState.PRUNED)
                        continue
            survivors.append((trial, full))
        live = survivors
    for trial, full in live:
        outcome = combine_folds(per_trial[trial.number])
        cache[param_key(full, names)] = outcome
        attrs = _attrs(outcome, "run")
        if penalise:
            trial.set_constraint("params", 0.0)
        if all(math.isfinite(v) for v in outcome.values):
            trial.set_user_attr("signaltrust", attrs)
            study.tell(trial, list(outcome.values))
        else:
            attrs.update(feasible=False, reason="objective undefined (no trades or flat equity)")
            trial.set_user_attr("signaltrust", attrs)
            study.tell(trial, state=TrialState.FAIL)


def optimize_function(
    objective: Callable[..., Any],
    space: Mapping[str, Any] | None = None,
    *,
    method: str = "tpe",
    n_trials: int = 100,
    directions: Sequence[str] = ("maximize",),
    pruning: bool = True,
    storage: Any = "memory",
    study_name: str | None = None,
    seed: int | None = 0,
) -> Any:
    """Tune any model's hyper-parameters with Optuna: the escape hatch for a user objective.

    Without ``space``, ``objective(trial)`` suggests its own parameters (``trial.suggest_int``
    ...) and may ``trial.report`` / ``trial.should_prune()`` (a median pruner is on when
    ``pruning``). With ``space`` (a dict of dimensions as in ``optimize``), ``objective(params)``
    gets the sampled values. Returns the Optuna study (``.best_params``, ``.best_value``,
    ``.trials_dataframe()``); no deflated Sharpe or PBO, since no returns are known here.
    """
    import optuna

    from signaltrust.optimize.study import check_method

    method = check_method(method, len(directions))
    store, _ = resolve_storage(storage)
    sampler = (optuna.samplers.GridSampler({k: v.values(k) for k, v in
                                            parse_space(None, space).items()}, seed=seed)
               if method == "grid" and space is not None else make_sampler(method, seed, n_trials))
    pruner = optuna.pruners.MedianPruner() if pruning else optuna.pruners.NopPruner()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(study_name=study_name, storage=store, sampler=sampler,
                                pruner=pruner, directions=list(directions), load_if_exists=True)
    if space is None:
        study.optimize(objective, n_trials=n_trials)
        return study
    dist = distributions(parse_space(None, space))

    def wrapped(trial: Any) -> Any:
        return objective({name: suggest(trial, name, d) for name, d in dist.items()})

    study.optimize(wrapped, n_trials=n_trials)
    return study


def suggest(trial: Any, name: str, dist: Any) -> Any:
    """``trial.suggest_*`` for one Optuna distribution."""
    from optuna.distributions import CategoricalDistribution, IntDistribution

    if isinstance(dist, CategoricalDistribution):
        return trial.suggest_categorical(name, dist.choices)
    if isinstance(dist, IntDistribution):
        return trial.suggest_int(name, dist.low, dist.high, step=dist.step, log=dist.log)
    return trial.suggest_float(name, dist.low, dist.high, step=dist.step, log=dist.log)
