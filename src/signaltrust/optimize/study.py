"""Optuna studies: storage (a journal file by default, PostgreSQL to share), samplers, trials.

A study lives in this process unless a storage is passed. ``default_storage(home)`` is the
journal file ``<home>/optuna.journal`` (the command line's default: Optuna's
``JournalStorage``, an append-only log, several times faster than SQLite for one process and
still shared safely by processes on one machine); any path ending in ``.journal`` (or written
``journal:<path>``) is such a file. Any SQLAlchemy URL (``sqlite:///optuna.db``,
``postgresql+psycopg://user@host:5432/db``) lets several workers, each calling ``optimize``
with the same ``study_name``, add trials to one study (PostgreSQL across machines).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

METHODS = ("grid", "random", "tpe", "nsga2", "cmaes")
MEMORY = ("memory", ":memory:")
JOURNAL_PREFIX = "journal:"


def default_storage(home: str | Path) -> str:
    """``<home>/optuna.journal``: the journal file of a data home (``Settings.home``; the
    folder is created)."""
    folder = Path(home).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return str(folder / "optuna.journal")


def _journal_path(storage: str) -> Path | None:
    text = storage.strip()
    if text.lower().startswith(JOURNAL_PREFIX):
        return Path(text[len(JOURNAL_PREFIX):]).expanduser()
    if "://" not in text and text.lower().endswith(".journal"):
        return Path(text).expanduser()
    return None


def resolve_storage(storage: Any) -> tuple[Any, str]:
    """The storage Optuna is given and its printable form (passwords masked)."""
    import optuna

    if storage is None or isinstance(storage, str) and storage.strip().lower() in MEMORY:
        return None, "memory"
    if isinstance(storage, optuna.storages.BaseStorage):
        return storage, type(storage).__name__
    if isinstance(storage, (str, Path)) and (path := _journal_path(str(storage))) is not None:
        from optuna.storages.journal import JournalFileBackend, JournalStorage

        if not path.parent.is_dir():
            raise ValidationError("the journal file's folder does not exist", field="storage",
                                  value=str(storage), fix=f"create {path.parent} or pass "
                                  "another path ending in .journal")
        return JournalStorage(JournalFileBackend(str(path))), f"journal:{path}"
    if isinstance(storage, str) and "://" in storage:
        from sqlalchemy.engine import make_url

        try:
            shown = make_url(storage).render_as_string(hide_password=True)
        except Exception as exc:
            raise ValidationError("the storage URL cannot be parsed", field="storage",
                                  value=storage, fix="write e.g. sqlite:///optuna.db or "
                                  "postgresql+psycopg://user@host:5432/db") from exc
        return storage, shown
    raise ValidationError(
        "storage must be 'memory', a journal file (*.journal) or a database URL",
        field="storage", value=storage,
        fix="pass e.g. 'optuna.journal', 'sqlite:///optuna.db' or "
        "'postgresql+psycopg://postgres@127.0.0.1:5432/test', or leave it out",
    )


def check_method(method: str, n_objectives: int) -> str:
    key = str(method).strip().lower()
    if key not in METHODS:
        raise ValidationError("unknown search method", field="method", value=method,
                              fix=f"use one of {', '.join(METHODS)}")
    if key == "cmaes" and n_objectives > 1:
        raise ValidationError("CMA-ES optimises one objective", field="method", value=method,
                              fix="use method='nsga2' for several objectives")
    return key


def make_sampler(method: str, seed: int | None, n_trials: int) -> Any:
    """The Optuna sampler of a method (grid trials are added directly, not sampled)."""
    import optuna

    if method in ("random", "grid"):
        return optuna.samplers.RandomSampler(seed=seed)
    if method == "tpe":
        # constrained samplers read each trial's ``set_constraint`` value (<= 0 feasible)
        return optuna.samplers.TPESampler(seed=seed,
                                          n_startup_trials=min(10, max(2, n_trials // 4)))
    if method == "nsga2":
        return optuna.samplers.NSGAIISampler(
            seed=seed, population_size=max(4, min(50, n_trials // 5)))
    return optuna.samplers.CmaEsSampler(seed=seed, n_startup_trials=1,
                                        warn_independent_sampling=False)


def make_pruner(pruning: bool, steps: int) -> Any:
    """A median pruner over per-fold intermediate values, when there are several folds."""
    import optuna

    if not pruning or steps <= 1:
        return optuna.pruners.NopPruner()
    return optuna.pruners.MedianPruner(n_startup_trials=5, n_warmup_steps=0)


def create_study(name: str, storage: Any, n_objectives: int, sampler: Any, pruner: Any) -> Any:
    """Create the study, or load it when another worker created it (same directions needed)."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        study_name=name, storage=storage, sampler=sampler, pruner=pruner, load_if_exists=True,
        directions=["maximize"] * n_objectives,
    )
    if len(study.directions) != n_objectives:
        raise ValidationError(
            "the existing study has another number of objectives", field="study_name",
            value=name, fix="use a new study name for a different objective list",
        )
    return study


def delete_study(name: str, storage: Any) -> None:
    """Remove a stored study (e.g. after a test)."""
    import optuna

    optuna.delete_study(study_name=name, storage=resolve_storage(storage)[0])


def trials_table(study: Any, param_names: Sequence[str], objective_names: Sequence[str]
                 ) -> pd.DataFrame:
    """One row per trial of the study: number, state, parameters, objective values, Sharpe,
    feasibility, source, and ``duplicate_of`` (the earlier trial a repeated set was answered
    from; -1 for a set tried once)."""
    rows = []
    for t in study.get_trials(deepcopy=False):
        # one user attribute per trial (one storage write); older studies kept one per figure
        attrs = t.user_attrs.get("signaltrust", t.user_attrs)
        row: dict[str, Any] = {"number": t.number, "state": t.state.name}
        for name in param_names:
            row[name] = t.params.get(name, np.nan)
        values = t.values or [np.nan] * len(objective_names)
        for name, value in zip(objective_names, values, strict=True):
            row[name if name not in row else f"objective_{name}"] = value
        for key in ("sharpe_ratio", "total_return", "return_over_drawdown"):
            if key not in objective_names:
                value = attrs.get(key)
                row[key] = np.nan if value is None else value
        duplicate = t.user_attrs.get("duplicate_of")
        row["feasible"] = duplicate is None and bool(
            attrs.get("feasible", t.state.name == "COMPLETE"))
        row["source"] = "study" if duplicate is not None else attrs.get("source", "")
        row["duplicate_of"] = -1 if duplicate is None else int(duplicate)
        rows.append(row)
    return pd.DataFrame(rows)


def finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(x)


Progress = Callable[[int, int], None]
