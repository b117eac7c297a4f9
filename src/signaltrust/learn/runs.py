"""Saved backtest runs: what a trade explanation needs to find a backtest again.

A run is saved as ``<folder>/<name>.json`` (the CLI's folder is ``<home>/runs``): the data set,
the built-in rule strategy and its parameters, the settings the engine used (cash, fees,
slippage, fills, stops, size), and the trades and statistics it produced. Explaining a trade
replays the run from that record (the vectorised engine is deterministic) and refuses when the
replay does not give the saved trades: changed data or code is reported, never explained.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest import BacktestResult, run
from signaltrust.core.errors import ValidationError
from signaltrust.core.serialize import to_plain
from signaltrust.strategy import RuleStrategy, get_strategy

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
ENGINE_OPTIONS = ("size", "size_type", "sl_stop", "tp_stop", "tsl_stop", "leverage")
SETTINGS = ("cash", "fees", "fixed_fees", "min_fees", "slippage", "fill_at")


@dataclass(frozen=True)
class RunSpec:
    """How to repeat a backtest: data set, built-in rule strategy, parameters, settings."""

    data: str
    strategy: str
    params: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    def run(self) -> BacktestResult:
        """The backtest this spec describes (the vectorised engine)."""
        chosen = get_strategy(self.strategy)
        if not isinstance(chosen, RuleStrategy):
            raise ValidationError(
                "only built-in rule strategies can be saved as runs", field="strategy",
                value=self.strategy, fix="use a built-in rule strategy (sma_cross, ...)")
        settings = dict(self.settings)
        cash, fees, slippage = (settings.pop(k, None) for k in ("cash", "fees", "slippage"))
        return run(self.data, self.strategy, self.params, cash=cash, fees=fees,
                   slippage=slippage, engine="vectorized", **settings, **self.options)


@dataclass
class SavedRun:
    """A saved run: its name, its spec, and the trades and statistics saved with it."""

    name: str
    spec: RunSpec
    trades: pd.DataFrame
    stats: dict[str, Any]
    _result: BacktestResult | None = field(default=None, repr=False)

    def replay(self) -> BacktestResult:
        """The run repeated from its spec, checked against the saved trades."""
        if self._result is None:
            result = self.spec.run()
            _same_trades(self.name, self.trades, result.trades)
            self._result = result
        return self._result


def check_name(name: str) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError("a run name is letters, digits, '_', '.' or '-' (64 at most)",
                              field="run", value=name, fix="e.g. goog-sma-10-30")
    return name


def save_run(name: str, spec: RunSpec, folder: str | Path) -> SavedRun:
    """Run ``spec`` and save it as ``<folder>/<name>.json``; the settings the engine resolved
    (costs from the configuration included) are saved, so a replay repeats them exactly."""
    check_name(name)
    result = spec.run()
    settings = {k: result.settings[k] for k in SETTINGS if k in result.settings}
    options = {k: result.params[k] for k in ENGINE_OPTIONS if result.params.get(k) is not None}
    params = {k: v for k, v in result.params.get("strategy_params", spec.params).items()}
    fixed = RunSpec(spec.data, spec.strategy, params, settings, options)
    saved = SavedRun(name, fixed, result.trades, result.stats, result)
    path = Path(folder) / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"name": name, "data": fixed.data, "strategy": fixed.strategy,
              "params": fixed.params, "settings": fixed.settings, "options": fixed.options,
              "stats": result.stats, "trades": result.trades}
    path.write_text(json.dumps(to_plain(record), indent=1), encoding="utf-8")
    return saved


def load_run(run_id: str | Path, folder: str | Path) -> SavedRun:
    """The saved run named ``run_id`` in ``folder``; a ``Path`` to a ``.json`` file is read
    from there."""
    path = run_id if isinstance(run_id, Path) else Path(folder) / f"{check_name(run_id)}.json"
    if not path.exists():
        raise ValidationError("no saved run of that name", field="run", value=str(run_id),
                              fix="save one with `signaltrust learn save NAME --data ... "
                              "--strategy ...`, or give a node's name")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        spec = RunSpec(record["data"], record["strategy"], record["params"],
                       record["settings"], record.get("options", {}))
    except (ValueError, KeyError) as error:
        raise ValidationError("the saved run cannot be read", field="run", value=str(path),
                              fix="save the run again") from error
    trades = pd.DataFrame(record.get("trades", []))
    for column in ("entry_time", "exit_time"):
        if column in trades:
            trades[column] = pd.to_datetime(trades[column], utc=True)
    return SavedRun(record["name"], spec, trades, record.get("stats", {}))


def list_runs(folder: str | Path) -> list[str]:
    """The names of the runs saved in ``folder``."""
    folder = Path(folder)
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def _same_trades(name: str, saved: pd.DataFrame, replayed: pd.DataFrame) -> None:
    same = len(saved) == len(replayed) and (
        len(saved) == 0 or (
            list(saved["entry_bar"]) == list(replayed["entry_bar"])
            and np.allclose(saved["pnl"].astype(float), replayed["pnl"], rtol=1e-9, atol=1e-6)))
    if not same:
        raise ValidationError(
            "replaying the run does not give its saved trades (the data or the code changed)",
            field="run", value=name, fix="save the run again to explain the current version")


__all__ = ["RunSpec", "SavedRun", "list_runs", "load_run", "save_run"]
