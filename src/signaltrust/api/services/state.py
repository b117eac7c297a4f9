"""The API's services of one app, made on first use and kept on ``app.state``: the signal
service, the job runner, the node service and the WebSocket hub.

Each is built from the app's settings and database; a test (or an embedding program) may set
``app.state.signals``, ``.jobs``, ``.nodes`` or ``.hub`` first to choose its own. The job runner
is made by the first request that touches jobs: it marks ``interrupted`` the jobs a dead
predecessor was running, so no restarted API shows a job that runs forever.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

_LOCK = threading.RLock()  # guards creation only (the hub makes the node service)


def _get(app: Any, name: str, build: Any) -> Any:
    found = getattr(app.state, name, None)
    if found is not None:
        return found
    with _LOCK:
        found = getattr(app.state, name, None)
        if found is None:
            found = build(app)
            setattr(app.state, name, found)
    return found


def _home(app: Any) -> Path:
    return Path(app.state.settings.home)


def redis_url(settings: Any) -> str | None:
    """The API's Redis (its rate-limit storage when that is Redis), or None."""
    url = settings.api.rate_limit_storage.get_secret_value()
    return url if url.startswith(("redis://", "rediss://")) else None


def signals_of(app: Any) -> Any:
    def build(app: Any) -> Any:
        from signaltrust.api.services.signals import SignalService
        from signaltrust.core.heap import freeze_heap
        from signaltrust.ml.registry import tracking_uri

        settings = app.state.settings
        service = SignalService(tracking_uri=tracking_uri(settings.home),
                                lock_dir=_home(app) / "api" / "locks",
                                redis_url=redis_url(settings), engine=signal_engine_of(app),
                                on_model_loaded=freeze_heap if getattr(
                                    app.state, "serving", False) else None)
        service.listeners.append(PredictionLog(app.state.database))
        return service

    return _get(app, "signals", build)


def signal_engine_of(app: Any) -> Any:
    """The agents' signal engine of the app's ``[agents]`` and ``[llm]`` settings (one per app):
    its prompts, answers and decisions go to the app database's audit trail."""
    from signaltrust.agents.audit import AuditTrail
    from signaltrust.agents.llm import Reasoner
    from signaltrust.research.agents.signal import documents_in, signal_engine

    settings = app.state.settings
    trail = AuditTrail(getattr(app.state, "database", None), workflow="api:signals")
    reasoner = Reasoner.from_settings(settings.llm, settings.agents, trail=trail)
    return signal_engine(settings, reasoner=reasoner, trail=trail,
                         documents=documents_in(settings.home))


class PredictionLog:
    """A signals-service listener: each signal computed (once per symbol and bar) goes to the
    learning loop's signal log, where its outcome is joined when the label matures."""

    def __init__(self, database: Any) -> None:
        self.database = database

    def __call__(self, answer: dict[str, Any]) -> None:
        import hashlib

        from signaltrust.research.learning.signal_log import log_prediction

        version = answer.get("model_version") or {}
        features = sorted(answer.get("features") or {})
        log_prediction(
            self.database, symbol=answer["symbol"], ts=answer["timestamp"],
            model=str(version.get("name")), model_version=str(version.get("version")),
            feature_hash=hashlib.sha256("|".join(features).encode()).hexdigest()[:16],
            score=float(answer["score"]), decision=str(answer.get("direction", "")),
            confidence=answer.get("confidence"), served="live",
            price=(answer.get("bar") or {}).get("close"),
        )


def jobs_of(app: Any) -> Any:
    def build(app: Any) -> Any:
        from signaltrust.api.services.jobs import JobRunner

        settings = app.state.settings
        backtest, jobs = settings.backtest, settings.jobs
        costs = {"cash": backtest.cash, "fees": backtest.fees,
                 "slippage": backtest.slippage_bps / 10_000.0, "fill_at": backtest.fill_at}
        metrics = getattr(app.state, "metrics", None)
        return JobRunner(app.state.database, output_dir=_home(app) / "api" / "jobs",
                         workers=jobs.workers, pool=jobs.backend, costs=costs,
                         ray_address=jobs.ray_address,
                         metrics=None if metrics is None else metrics.job_metrics(),
                         tracer=getattr(app.state, "tracer", None))

    return _get(app, "jobs", build)


def nodes_of(app: Any) -> Any:
    def build(app: Any) -> Any:
        from signaltrust.api.services.nodes import NodeService

        return NodeService(app.state.database, home=_home(app),
                           log_dir=_home(app) / "api" / "nodes")

    return _get(app, "nodes", build)


def hub_of(app: Any) -> Any:
    def build(app: Any) -> Any:
        from signaltrust.api.services.hub import Hub

        return Hub(nodes=nodes_of(app), jobs=lambda: jobs_of(app),
                   signals=lambda: signals_of(app), bus=getattr(app.state, "bus", None),
                   metrics=getattr(app.state, "metrics", None))

    return _get(app, "hub", build)


__all__ = ["hub_of", "jobs_of", "nodes_of", "redis_url", "signals_of"]
