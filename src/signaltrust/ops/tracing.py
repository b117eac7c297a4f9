"""OpenTelemetry tracing, off unless configured: spans of API requests, jobs and node steps sent
to a collector by OTLP over HTTP.

``[tracing] endpoint`` (or the standard ``OTEL_EXPORTER_OTLP_ENDPOINT``, read by the boundary
and passed in) turns it on; without either, :func:`configured_provider` returns None and
nothing is instrumented, so tracing costs nothing. Each process builds its own
:class:`~opentelemetry.sdk.trace.TracerProvider` (never the global one), so two apps in one
process, or a test, each see only their own spans.

>>> from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
>>> spans = InMemorySpanExporter()
>>> provider = tracer_provider(service_name="demo", exporter=spans)
>>> with provider.get_tracer("doc").start_as_current_span("work"):
...     pass
>>> [span.name for span in spans.get_finished_spans()]
['work']
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from signaltrust.core.errors import ValidationError

ENV_ENDPOINT = "OTEL_EXPORTER_OTLP_ENDPOINT"
TRACES_PATH = "/v1/traces"
#: operations endpoints never traced (probes and scrapes would drown the requests)
EXCLUDED_URLS = "/health,/ready,/metrics"


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL of a collector's base ``endpoint`` (``http://host:4318``)."""
    endpoint = endpoint.strip()
    if not endpoint.startswith(("http://", "https://")):
        raise ValidationError("the tracing endpoint must be an http(s) URL",
                              field="tracing.endpoint", value=endpoint,
                              fix="set e.g. http://127.0.0.1:4318 (OTLP over HTTP)")
    base = endpoint.rstrip("/")
    return base if base.endswith(TRACES_PATH) else base + TRACES_PATH


def tracer_provider(endpoint: str | None = None, *, service_name: str = "signaltrust",
                    sample_ratio: float = 1.0, exporter: Any = None) -> Any:
    """A tracer provider exporting to ``endpoint`` (OTLP/HTTP, batched) or to ``exporter``
    (each span as it ends: tests use an in-memory exporter)."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    if not 0.0 <= sample_ratio <= 1.0:
        raise ValidationError("sample_ratio is a share from 0 to 1",
                              field="tracing.sample_ratio", value=sample_ratio,
                              fix="set e.g. 1.0 (every trace) or 0.1")
    provider = TracerProvider(resource=Resource.create({"service.name": service_name}),
                              sampler=ParentBased(TraceIdRatioBased(sample_ratio)))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(
            OTLPSpanExporter(endpoint=traces_url(endpoint))))
    else:
        raise ValidationError("tracing needs an endpoint or an exporter",
                              field="tracing.endpoint", value=None,
                              fix="set [tracing] endpoint or OTEL_EXPORTER_OTLP_ENDPOINT")
    return provider


def configured_provider(tracing: Any, environ: Mapping[str, str], service: str) -> Any:
    """The provider the configuration asks for, or None (tracing off).

    ``tracing`` is the ``[tracing]`` section; ``environ`` the process environment (read at
    the boundary); ``service`` names the process (``api``, ``node``, ...) in service.name."""
    endpoint = tracing.endpoint or environ.get(ENV_ENDPOINT, "").strip() or None
    if endpoint is None:
        return None
    return tracer_provider(endpoint, service_name=f"{tracing.service_name}-{service}",
                           sample_ratio=tracing.sample_ratio)


def tracer(provider: Any, name: str = "signaltrust") -> Any:
    """A tracer of ``provider``, or None when tracing is off."""
    return None if provider is None else provider.get_tracer(name)


def instrument_api(app: Any, provider: Any) -> None:
    """Trace every request of the FastAPI ``app`` (one server span each, the route as its name)
    except the operations endpoints."""
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider,
                                       excluded_urls=EXCLUDED_URLS)


__all__ = ["ENV_ENDPOINT", "configured_provider", "instrument_api", "tracer",
           "tracer_provider", "traces_url"]
