"""What a long-running command serves for operations: ``/metrics`` on ``--metrics-port`` (or
``[metrics] port``) and OpenTelemetry spans when ``[tracing]`` names a collector."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import typer

METRICS_PORT_OPTION = typer.Option(
    None, "--metrics-port", min=0, max=65535,
    help="Serve Prometheus metrics at http://<[metrics] host>:PORT/metrics (default [metrics] "
    "port; none: off).",
)


def _settings() -> Any:
    from signaltrust.core.config import load_settings

    return load_settings()


@contextmanager
def serving_metrics(port: int | None, make: Callable[[Any], list[Any]] = lambda r: []
                    ) -> Iterator[Any]:
    """While the block runs, serve a process registry plus the collectors ``make(registry)``
    adds on ``port`` (the configured one when None); yields the registry, or None when off."""
    from signaltrust.ops.metrics import process_registry, serve_metrics

    settings = _settings()
    port = port if port is not None else settings.metrics.port
    if port is None:
        yield None
        return
    registry = process_registry()
    server = serve_metrics(registry, port, settings.metrics.host, make(registry))
    try:
        yield registry
    finally:
        server.close()


@contextmanager
def node_observability(port: int | None) -> Iterator[Any]:
    """A node's ``metrics`` hook while it runs (None when neither metrics nor tracing is on):
    its counters served on the metrics port, its steps traced when tracing is configured."""
    from signaltrust.ops.metrics import NodeMetrics, TracedNodeMetrics
    from signaltrust.ops.tracing import configured_provider, tracer

    provider = configured_provider(_settings().tracing, os.environ, "node")
    with serving_metrics(port) as registry:
        if provider is not None:
            hook: Any = TracedNodeMetrics(tracer(provider, "signaltrust.node"), registry)
        elif registry is not None:
            hook = NodeMetrics(registry)
        else:
            hook = None
        try:
            yield hook
        finally:
            if provider is not None:
                provider.shutdown()  # sends the spans still batched


__all__ = ["METRICS_PORT_OPTION", "node_observability", "serving_metrics"]
