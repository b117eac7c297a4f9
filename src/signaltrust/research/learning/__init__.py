"""The continuous learning loop: every prediction logged and scored, scheduled retraining,
champion/challenger promotion behind a gate, drift monitoring, shadow and A/B serving.

>>> from signaltrust.research.learning import simulate_loop
>>> result = simulate_loop("sp500", "lgbm")  # doctest: +SKIP
>>> [d["promoted"] for d in result.decisions][:3], result.results["gated"]["sharpe_ratio"]

The reading guide is docs/learning_loop.md. Submodules load on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Alert": "alerts", "Alerter": "alerts", "EmailChannel": "alerts", "WebhookChannel": "alerts",
    "ChampionChallenger": "champion", "decisions": "champion",
    "Decision": "gate", "GateRules": "gate", "decide": "gate",
    "LoopScheduler": "scheduler", "run_once": "scheduler",
    "DriftMonitor": "monitor", "retrain_and_review": "retrain",
    "Arm": "serving", "Router": "serving", "compare_arms": "serving",
    "SignalLog": "signal_log", "log_prediction": "signal_log",
    "SimulationResult": "simulate", "simulate_loop": "simulate",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        module = importlib.import_module(f"{__name__}.{_EXPORTS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = sorted(_EXPORTS)
