"""Walk-forward evaluation of an RL agent: out of sample, after costs, against baselines.

``evaluate_agent(bars, RLAgent(algo="ppo"), n_splits=3, seeds=range(5))`` splits the bars
after the features' warm-up with the ML layer's purged walk-forward splitter
(:class:`~signaltrust.ml.validation.WalkForwardSplit`; a decision at the close of bar t is
paid by bar t+1, so each row's label interval ends at the next bar, and the embargo drops the
training rows just before each test fold). For every fold and every seed an agent is trained
on the training rows only (its feature scaler too) and traded deterministically over the
test rows; the folds' out-of-sample paths are stitched per seed. Over the same test rows,
with the same costs and cash: buy-and-hold, equal weight, and the agent's own actions at
random times (same turnover), and optionally the supervised ML strategy of
:func:`~signaltrust.research.ml_eval.walk_forward_evaluation`.

Every seed is a trial: the deflated Sharpe ratio of the best seed is computed against all of
their Sharpe ratios (and ``n_trials`` configurations tried before). The verdict says plainly
whether RL beat buy-and-hold: the median seed's net Sharpe ratio against buy-and-hold's.

Training units (one fold x one seed) are independent: with ``ray=True`` (a local Ray, or the
one already running) or a Ray address they run as Ray tasks, two at a time on a local Ray with
two CPUs. Each unit trains on the same rows with the same seed and one torch thread, so the
figures are those of the in-process run, to the last digit. Asking for Ray when it cannot start
raises a ValidationError.
"""

from __future__ import annotations

import logging
import math
import socket
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone

from signaltrust import __version__
from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain
from signaltrust.features.base import hash_frame
from signaltrust.ml.validation import WalkForwardSplit
from signaltrust.optimize.distributed import RayOption, ensure_ray, ray_address
from signaltrust.optimize.result import deflated_sharpe_of
from signaltrust.research.rl.agent import RLAgent, torch_threads
from signaltrust.research.rl.episodes import (
    Baselines,
    EpisodeFigures,
    agent_policy,
    play,
    scripted,
    shifted,
    stitch,
)
from signaltrust.rl.features import symbol_frames

logger = logging.getLogger(__name__)

SIGNIFICANT = 0.95  # a deflated Sharpe ratio above this survives the trials at 5 %


@dataclass
class RLEvaluation:
    """What the walk-forward evaluation of an agent found (out-of-sample figures only).

    ``seeds``: each seed's stitched figures (``EpisodeFigures.headline``); ``sharpe_ratio``: the
    median seed's net Sharpe ratio; ``buy_and_hold``, ``equal_weight``, ``random_agent``
    (mean over seeds) and ``ml_strategy`` (None unless asked): the baselines' figures;
    ``deflated_sharpe``: the best seed's, against every trial; ``folds``: the boundaries;
    ``reproducibility``: seeds, data hash, code version, algorithm and its settings.
    """

    data: str
    algo: str
    sharpe_ratio: float | None
    best_sharpe: float | None
    deflated_sharpe: float | None
    seeds: dict[int, dict[str, Any]]
    buy_and_hold: dict[str, Any]
    equal_weight: dict[str, Any]
    random_agent: dict[str, Any]
    ml_strategy: dict[str, Any] | None
    folds: list[dict[str, Any]]
    reproducibility: dict[str, Any]
    n_trials: int
    paths: dict[str, pd.Series] = field(default_factory=dict, repr=False)
    agents: list[RLAgent] = field(default_factory=list, repr=False)
    elapsed_seconds: float = math.nan
    registry_version: dict[str, Any] | None = None
    executor: str = "in-process"

    @property
    def beat_buy_and_hold(self) -> bool:
        """The median seed's out-of-sample net Sharpe ratio is above buy-and-hold's."""
        mine, bench = self.sharpe_ratio, self.buy_and_hold.get("sharpe_ratio")
        return mine is not None and (bench is None or mine > bench)

    @property
    def verdict(self) -> str:
        """One plain sentence: did RL beat buy-and-hold, and is it more than luck."""
        mine, bench = self.sharpe_ratio, self.buy_and_hold.get("sharpe_ratio")
        dsr = self.deflated_sharpe
        luck = ("more than luck at 5 %" if dsr is not None and dsr >= SIGNIFICANT
                else "not distinguishable from luck at 5 %")
        return (f"RL beat buy-and-hold: {'yes' if self.beat_buy_and_hold else 'no'} "
                f"(median seed's net Sharpe {_fmt(mine)} vs {_fmt(bench)} over the same bars "
                f"and costs; the best of {self.n_trials} trial(s) has a deflated Sharpe ratio of "
                f"{_fmt(dsr)}: {luck})")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready plain data (the CLI's ``--json``)."""
        return to_plain({
            "data": self.data, "algo": self.algo, "sharpe_ratio": self.sharpe_ratio,
            "best_sharpe": self.best_sharpe, "deflated_sharpe": self.deflated_sharpe,
            "beat_buy_and_hold": self.beat_buy_and_hold, "verdict": self.verdict,
            "buy_and_hold": self.buy_and_hold, "equal_weight": self.equal_weight,
            "random_agent": self.random_agent, "ml_strategy": self.ml_strategy,
            "seeds": {str(k): v for k, v in self.seeds.items()}, "folds": self.folds,
            "n_trials": self.n_trials, "reproducibility": self.reproducibility,
            "elapsed_seconds": self.elapsed_seconds, "registry_version": self.registry_version,
            "executor": self.executor,
        }, default=str)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.2f}"


def code_version() -> dict[str, Any]:
    """The package version and, in a git checkout, its commit (None elsewhere)."""
    commit = None
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent,
                             capture_output=True, text=True, timeout=5, check=False)
        commit = out.stdout.strip() or None if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {"signaltrust_version": __version__, "git_commit": commit}


def data_hash(bars: pd.DataFrame | Mapping[str, pd.DataFrame]) -> str:
    """The content hash of the bars (one asset) or of each asset's, joined in order."""
    frames = symbol_frames(bars)
    if len(frames) == 1:
        return hash_frame(next(iter(frames.values())))
    return ";".join(f"{s}={hash_frame(f)}" for s, f in frames.items())


def _seeds(seeds: Iterable[int] | int) -> list[int]:
    values: list[Any] = (list(range(seeds)) if isinstance(seeds, int)
                         and not isinstance(seeds, bool) else list(seeds))  # type: ignore[arg-type]
    if not values or any(isinstance(s, bool) or not isinstance(s, (int, np.integer))
                         for s in values) or len(set(values)) != len(values):
        raise ValidationError("seeds must be distinct whole numbers (or how many)",
                              field="seeds", value=seeds,
                              fix="pass e.g. seeds=5 or [0, 1, 2, 3, 4]")
    return [int(s) for s in values]


def walk_forward_rows(index: pd.Index, warm_up: int, n_splits: int, *,
                      test_size: int | None = None, train_size: int | None = None,
                      embargo: float = 0.01) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """``((train_first, train_last), (test_first, test_last))`` bar rows of each fold, oldest
    first, from the purged walk-forward splitter over the rows after ``warm_up``."""
    rows = index[warm_up:]
    if len(rows) < 3:
        raise ValidationError("too few bars after the features' warm-up", field="bars",
                              value=f"{len(index)} bars, warm-up {warm_up}",
                              fix="pass more bars")
    # a decision at the close of bar t is paid by bar t+1: that is its label's end
    t1 = pd.Series(np.append(rows[1:], rows[-1:]), index=rows)
    splitter = WalkForwardSplit(n_splits, t1=t1, test_size=test_size, train_size=train_size,
                                embargo=embargo, min_train_size=20)
    out = []
    for train, test in splitter.split(np.zeros(len(rows))):
        out.append(((warm_up + int(train[0]), warm_up + int(train[-1])),
                    (warm_up + int(test[0]), warm_up + int(test[-1]))))
    return out


def evaluate_agent(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame],
    agent: RLAgent | None = None,
    *,
    n_splits: int = 3,
    seeds: Iterable[int] | int = 5,
    test_size: int | None = None,
    train_size: int | None = None,
    embargo: float = 0.01,
    n_trials: int = 1,
    ml_model: str | None = None,
    data_name: str | None = None,
    tracking_uri: str | None = None,
    progress: Callable[[int], None] | None = None,
    ray: RayOption = None,
) -> RLEvaluation:
    """Walk-forward evaluation of ``agent`` (an unfitted RLAgent: its algorithm, features,
    reward, actions, costs and timesteps) on ``bars``; see the module doc.

    ``n_splits`` test folds of ``test_size`` rows (default: an equal share), trained on every
    earlier row (or the last ``train_size``) minus the ``embargo``; one agent per fold and seed
    (``seeds``: how many, or which). ``n_trials``: configurations tried before this one (this one
    included). ``ml_model`` (e.g. ``"logistic"``): also run the supervised ML walk-forward with
    the same folds count and costs. ``tracking_uri``: log the last fold's agent of the best seed
    to that MLflow registry. ``progress(1)`` is called after each trained agent. ``ray``: True
    (a local Ray with two CPUs, or the running one) or an address (``"auto"``,
    ``"ray://host:10001"``) trains the fold x seed units as Ray tasks; None or False in-process.
    """
    started = time.perf_counter()
    template = agent if agent is not None else RLAgent()
    seed_list = _seeds(seeds)
    if isinstance(n_trials, bool) or not isinstance(n_trials, (int, np.integer)) or n_trials < 1:
        raise ValidationError("n_trials must be a whole number >= 1", field="n_trials",
                              value=n_trials, fix="count every configuration tried, this one too")
    if ml_model and not isinstance(bars, pd.DataFrame):
        raise ValidationError("the ML baseline trades one asset", field="ml_model",
                              value=ml_model, fix="leave ml_model unset for a portfolio")
    probe = template.make_env(bars)
    folds = walk_forward_rows(probe.index, probe.warm_up, n_splits, test_size=test_size,
                              train_size=train_size, embargo=embargo)
    baselines = Baselines(bars, template.env_settings())
    units = [(k, seed) for k in range(len(folds)) for seed in seed_list]
    address = ray_address(_ray_value(ray))
    trained = _run_units(units, bars, template, folds, address, progress)
    per_seed: dict[int, list[EpisodeFigures]] = {s: [] for s in seed_list}
    shuffled: dict[int, list[EpisodeFigures]] = {s: [] for s in seed_list}
    last_agents: dict[int, RLAgent] = {}
    for (k, seed), (figures, random_figures, fitted) in zip(units, trained, strict=True):
        per_seed[seed].append(figures)
        shuffled[seed].append(random_figures)
        last_agents[seed] = fitted
        logger.info("fold %d seed %d: out-of-sample Sharpe %.2f", k, seed, figures.sharpe_ratio)
    hold, weight, fold_rows = [], [], []
    for k, ((train_first, train_last), (test_first, test_last)) in enumerate(folds):
        hold.append(baselines.buy_and_hold(test_first, test_last))
        weight.append(baselines.equal_weight(test_first, test_last))
        index = probe.index
        fold_rows.append({"fold": k, "train_start": index[train_first],
                          "train_end": index[train_last], "test_start": index[test_first],
                          "test_end": index[test_last], "n_train": train_last - train_first + 1,
                          "n_test": test_last - test_first + 1,
                          "gap_bars": test_first - train_last - 1})
    stitched = {s: stitch(parts) for s, parts in per_seed.items()}
    sharpes = {s: f.sharpe_ratio for s, f in stitched.items()}
    finite = [v for v in sharpes.values() if math.isfinite(v)]
    best = max(sharpes, key=lambda s: sharpes[s] if math.isfinite(sharpes[s]) else -np.inf)
    trials = max(int(n_trials), len(seed_list))
    dsr = deflated_sharpe_of(stitched[best].returns, list(sharpes.values()),
                             stitched[best].periods_per_year,
                             n_trials=trials if len(finite) >= 2 else None)
    randoms = [stitch(parts).headline() for parts in shuffled.values()]
    name = data_name or str(getattr(bars, "attrs", {}).get("dataset") or "bars")
    result = RLEvaluation(
        data=name, algo=str(template.algo),
        sharpe_ratio=float(np.median(finite)) if finite else None,
        best_sharpe=sharpes[best] if math.isfinite(sharpes[best]) else None,
        deflated_sharpe=dsr if math.isfinite(dsr) else None,
        seeds={s: f.headline() for s, f in stitched.items()},
        buy_and_hold=stitch(hold).headline(), equal_weight=stitch(weight).headline(),
        random_agent=_mean(randoms), ml_strategy=None, folds=fold_rows,
        reproducibility={
            "seeds": seed_list, "data_hash": data_hash(bars), **code_version(),
            "algo": str(template.algo), "algorithm": last_agents[best].algorithm_,
            "agent_params": {k: v for k, v in template.get_params(deep=False).items()
                             if k != "seed" and (v is None or isinstance(v, (str, int, float,
                                                                             bool)))},
            "features": list(last_agents[best].feature_names_),
            "hyperparameters": last_agents[best].hyperparameters_,
            "costs": template.env_settings().costs, "n_splits": n_splits, "embargo": embargo,
            "train_size": train_size, "test_size": test_size,
        },
        n_trials=trials,
        paths={**{f"seed_{s}": f.returns for s, f in stitched.items()},
               "buy_and_hold": stitch(hold).returns},
        agents=[last_agents[s] for s in seed_list],
        executor="in-process" if address is None else f"ray ({address})",
    )
    if ml_model:
        result.ml_strategy = _ml_baseline(bars, ml_model, n_splits, template)
    if tracking_uri is not None:
        _register(result, last_agents[best], tracking_uri)
    result.elapsed_seconds = time.perf_counter() - started
    return result


Unit = tuple[EpisodeFigures, EpisodeFigures, RLAgent]
Folds = list[tuple[tuple[int, int], tuple[int, int]]]


def train_unit(unit: tuple[int, int], bars: Any, template: RLAgent, folds: Folds) -> Unit:
    """Fold ``k`` with ``seed`` (``unit = (k, seed)``): train a clone of ``template`` on the
    fold's training rows, trade it over its test rows, and replay its actions at random times.
    A pure function of its arguments (the same on any process): the agent's figures, the
    random agent's, and the fitted agent."""
    k, seed = unit
    (train_first, train_last), (test_first, test_last) = folds[k]
    with torch_threads(template.n_threads):
        fitted = clone(template).set_params(seed=seed)
        fitted.fit(bars, span=(train_first, train_last), tb_log_name=f"fold{k}_seed{seed}")
        env = fitted.make_env(bars)  # the fold's scaler: fitted on its training rows only
        figures, actions = play(env, agent_policy(fitted), test_first, test_last)
        random_figures, _ = play(env, scripted(shifted(actions, seed * 1_000 + k)),
                                 test_first, test_last)
    return figures, random_figures, fitted


def _ray_value(ray: Any) -> RayOption:
    if ray is None or isinstance(ray, (bool, str)):
        return ray
    raise ValidationError("ray must be True, False, None or a Ray address", field="ray",
                          value=ray, fix="pass ray=True (a local Ray) or e.g. ray='auto'")


FIX_RAY = ("check the address (SIGNALTRUST_RAY_ADDRESS) and that the cluster runs, or leave "
           "out --ray / ray=True to train in-process")


def _check_listening(address: str, timeout: float = 3.0) -> None:
    """Refuse at once an address ``host:port`` (or ``ray://host:port``) where nothing listens:
    Ray itself retries such a connection for minutes."""
    target = address.removeprefix("ray://")
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", "local" and the like: Ray resolves them (and fails fast)
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
    except OSError as exc:
        raise ValidationError(f"nothing answers at the Ray address ({exc.strerror or exc})",
                              field="ray", value=address, fix=FIX_RAY) from None


def _ray_running() -> bool:
    try:
        import ray as ray_mod
    except ImportError:
        return False
    return bool(ray_mod.is_initialized())


def _start_ray(address: str) -> Any:
    """The ``ray`` module, connected; a ValidationError naming the fix when it cannot start."""
    if address != "local" and not _ray_running():
        _check_listening(address)
    try:
        return ensure_ray(address)
    except ValidationError:
        raise
    except Exception as exc:  # Ray raises ConnectionError, RuntimeError, TimeoutError, ...
        raise ValidationError(
            f"Ray could not start ({type(exc).__name__}: {str(exc).splitlines()[0][:200]})"
            if str(exc) else f"Ray could not start ({type(exc).__name__})",
            field="ray", value=address, fix=FIX_RAY,
        ) from exc


def _run_units(units: list[tuple[int, int]], bars: Any, template: RLAgent, folds: Folds,
               address: str | None, progress: Callable[[int], None] | None) -> list[Unit]:
    """Every unit's result in the order of ``units``: in-process, or as Ray tasks."""
    if address is None:
        out = []
        for unit in units:
            out.append(train_unit(unit, bars, template, folds))
            if progress is not None:
                progress(1)
        return out
    ray_mod = _start_ray(address)
    remote = ray_mod.remote(num_cpus=1, max_retries=0)(train_unit)
    bars_ref, template_ref = ray_mod.put(bars), ray_mod.put(template)
    refs = [remote.remote(unit, bars_ref, template_ref, folds) for unit in units]
    position = {ref: i for i, ref in enumerate(refs)}
    results: list[Any] = [None] * len(refs)
    pending = list(refs)
    try:
        while pending:
            ready, pending = ray_mod.wait(pending, num_returns=1)
            for ref in ready:
                results[position[ref]] = ray_mod.get(ref)
                if progress is not None:
                    progress(1)
    except Exception as exc:
        for ref in pending:
            ray_mod.cancel(ref)
        cause = getattr(exc, "cause", None)
        if isinstance(cause, ValidationError):  # the unit's own error, as in-process
            raise cause from None
        raise
    return results


def _mean(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The mean of each figure over the random agents (one per seed)."""
    out: dict[str, Any] = {}
    for key in rows[0]:
        values = [r[key] for r in rows if r[key] is not None]
        out[key] = float(np.mean(values)) if values else None
    out["draws"] = len(rows)
    return out


def _ml_baseline(bars: Any, model: str, n_splits: int, template: RLAgent) -> dict[str, Any]:
    """The supervised ML strategy's out-of-sample figures (next-bar sign label, same costs).

    Its folds follow its own label table, so its period can differ by a few bars; it says so.
    """
    from signaltrust.research.ml_eval import walk_forward_evaluation

    costs = template.env_settings().costs
    result = walk_forward_evaluation(bars, model, features=template.features
                                     if isinstance(template.features, (str, list)) else
                                     "technical", label="sign", horizon=1, n_splits=n_splits,
                                     fees=costs.fees, slippage=costs.slippage, explain_last=0)
    stats = result.strategy.stats
    index = result.predictions.index
    return {"model": model, "sharpe_ratio": stats.get("sharpe_ratio"),
            "total_return": stats.get("total_return"), "max_drawdown": stats.get("max_drawdown"),
            "trades": stats.get("trades"), "fees_paid": stats.get("fees_paid"),
            "period": [index[0], index[-1]]}


def _register(result: RLEvaluation, agent: RLAgent, tracking_uri: str) -> None:
    """Log the best seed's last agent and the evaluation in the MLflow model registry."""
    from signaltrust.ml.registry import log_training_run

    payload = result.to_dict()
    version = log_training_run(
        agent, tracking_uri=tracking_uri, name=f"{result.data}_rl_{result.algo}",
        data_hash=result.reproducibility["data_hash"], features=agent.feature_names_,
        params={k: v for k, v in result.reproducibility.items()
                if k not in ("features", "seeds", "data_hash")},
        seeds={"seeds": result.reproducibility["seeds"], "registered_seed": agent.seed},
        metrics={"sharpe_ratio": result.sharpe_ratio, "deflated_sharpe": result.deflated_sharpe,
                 "buy_and_hold_sharpe": result.buy_and_hold.get("sharpe_ratio")},
        artefacts={"rl_evaluation": payload}, tags={"evaluation": "rl_walk_forward"},
    )
    result.registry_version = version.to_dict()


__all__ = ["SIGNIFICANT", "RLEvaluation", "code_version", "data_hash", "evaluate_agent",
           "train_unit", "walk_forward_rows"]
