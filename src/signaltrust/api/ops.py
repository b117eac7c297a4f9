"""Operations: request ids and JSON access logs (structlog), Prometheus metrics, the request
size and per-address limits, and the ``/health``, ``/ready`` and ``/metrics`` endpoints.

Metrics live in a registry of their own per app (two apps in one process never share counts);
part 2 of the API and the node endpoints count orders, fills, rejections, reconciliation
differences, WebSocket clients and the job queue through ``app.state.metrics``.

With several uvicorn workers (``signaltrust api --workers N``) each worker is a process of its
own: the command sets ``PROMETHEUS_MULTIPROC_DIR`` (emptied at start) before the workers
start, every worker writes its counts there, and ``/metrics``, whichever worker answers, sums
them (``prometheus_client``'s multiprocess mode). Figures read from the database (jobs by state,
the agents' language-model usage) are the same in every worker and added as they are.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import re
import time
import uuid
from typing import Any

import structlog
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from signaltrust import __version__
from signaltrust.api.security import API_PREFIX, require_role

#: paths neither rate-limited per address nor counted by route (probes and scrapes)
OPS_PATHS = ("/health", "/ready", "/metrics")
_LOGGER = "signaltrust.api"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 10.0)


class ApiMetrics:
    """The API's Prometheus metrics, in their own registry."""

    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.requests = Counter("signaltrust_api_requests_total", "HTTP requests answered",
                                ["method", "route", "status"], registry=r)
        self.latency = Histogram("signaltrust_api_request_seconds", "HTTP request latency",
                                 ["method", "route"], buckets=_LATENCY_BUCKETS, registry=r)
        self.in_flight = Gauge("signaltrust_api_requests_in_flight", "requests being answered",
                               registry=r, multiprocess_mode="livesum")
        self.rate_limited = Counter("signaltrust_api_rate_limited_total",
                                    "requests refused by a rate limit", ["kind"], registry=r)
        self.logins = Counter("signaltrust_api_logins_total", "sign-in attempts", ["outcome"],
                              registry=r)
        self.orders = Counter("signaltrust_orders_total", "orders submitted", ["node"],
                              registry=r)
        self.fills = Counter("signaltrust_fills_total", "fills received", ["node"], registry=r)
        self.rejections = Counter("signaltrust_rejections_total", "orders rejected",
                                  ["node", "reason"], registry=r)
        self.reconciliation_differences = Counter(
            "signaltrust_reconciliation_differences_total",
            "differences found between the node and the venue", ["node"], registry=r)
        self.ws_clients = Gauge("signaltrust_ws_clients", "WebSocket clients connected",
                                registry=r, multiprocess_mode="livesum")
        self.ws_lag = Histogram("signaltrust_ws_lag_seconds",
                                "time from an event to its send to a WebSocket client",
                                buckets=_LATENCY_BUCKETS, registry=r)
        self.ws_dropped = Counter("signaltrust_ws_dropped_total",
                                  "WebSocket clients dropped for being slow", registry=r)
        self.jobs = Gauge("signaltrust_jobs", "jobs by state", ["state"], registry=r,
                          multiprocess_mode="livemax")
        #: the workers' shared folder in multiprocess mode (read once, where the app is built)
        self.multiprocess_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None
        self.collectors: list[Any] = []
        self._job_metrics: Any = None

    def watch(self, database: Any) -> None:
        """Add the figures read from ``database`` when scraped: jobs by state and the agents'
        language-model calls, tokens, cost and fallbacks."""
        from signaltrust.ops.metrics import AgentUsageCollector, JobStateCollector

        for collector in (JobStateCollector(database), AgentUsageCollector(database)):
            self.registry.register(collector)
            self.collectors.append(collector)

    def job_metrics(self) -> Any:
        """The job runner's counters and timings, in this registry (made once)."""
        if self._job_metrics is None:
            from signaltrust.ops.metrics import JobMetrics

            self._job_metrics = JobMetrics(self.registry)
        return self._job_metrics

    def render(self) -> bytes:
        """The text exposition format (every worker's counts summed in multiprocess mode)."""
        if self.multiprocess_dir is None:
            return generate_latest(self.registry)
        from prometheus_client import multiprocess

        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged, path=self.multiprocess_dir)
        for collector in self.collectors:
            merged.register(collector)
        return generate_latest(merged)


def access_logger(name: str = _LOGGER) -> Any:
    """A structlog logger writing one JSON object per event to the stdlib logger ``name``,
    with the request id bound in the context (no global structlog configuration)."""
    return structlog.wrap_logger(
        logging.getLogger(name),
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.JSONRenderer(),
        ],
    )


class RequestGuard:
    """ASGI middleware: a request id on every request and answer, the body size limit, the
    per-address rate limit, latency metrics and one JSON log line per request."""

    def __init__(self, app: ASGIApp, *, max_body: int, metrics: ApiMetrics, limits: Any,
                 log: Any) -> None:
        self.app = app
        self.max_body = max_body
        self.metrics = metrics
        self.limits = limits
        self.log = log
        self.logging_to = logging.getLogger(_LOGGER)
        #: request ids: this process's random prefix and a count (unique across workers
        #: without reading the system's random source on every request)
        self._id_prefix = uuid.uuid4().hex[:16]
        self._id_count = itertools.count(1)

    def _next_id(self) -> str:
        return f"{self._id_prefix}{next(self._id_count):016x}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.match(given) else self._next_id()
        scope.setdefault("state", {})["request_id"] = request_id
        path, method = scope["path"], scope["method"]
        address = scope["client"][0] if scope.get("client") else "unknown"
        structlog.contextvars.bind_contextvars(request_id=request_id)
        start = time.perf_counter()
        status = [500]

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", request_id.encode("latin-1"))]
            await send(message)

        try:
            refusal = await self._refusal(path, address, headers, receive)
            if isinstance(refusal, tuple):
                await self._answer(send_with_id, *refusal)
            else:
                self.metrics.in_flight.inc()
                try:
                    await self.app(scope, refusal or receive, send_with_id)
                finally:
                    self.metrics.in_flight.dec()
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            if route is not None and path.startswith(API_PREFIX) and \
                    not template.startswith(API_PREFIX):
                template = API_PREFIX + template  # a route of a router mounted there
            self.metrics.requests.labels(method, template, str(status[0])).inc()
            if path not in OPS_PATHS:
                self.metrics.latency.labels(method, template).observe(elapsed)
            if self.logging_to.isEnabledFor(logging.INFO):  # else skip rendering the JSON
                self.log.info("request", method=method, path=path, status=status[0],
                              ms=round(elapsed * 1000, 2), address=address,
                              user=getattr(scope.get("state", {}).get("principal"), "name",
                                           None))
            structlog.contextvars.unbind_contextvars("request_id")

    async def _refusal(self, path: str, address: str, headers: dict[str, str],
                       receive: Receive) -> Any:
        """None to go on, a replaying receive for a buffered body, or (status, body, headers)."""
        if path not in OPS_PATHS:
            verdict = self.limits.hit("address", address)
            if not verdict.allowed:
                self.metrics.rate_limited.labels("address").inc()
                return 429, _body("RateLimited", f"too many requests from {address}",
                                  f"retry after {verdict.retry_after_s} s"), \
                    {"Retry-After": str(verdict.retry_after_s)}
        length = headers.get("content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.max_body:
                return 413, _too_large(length, self.max_body), {}
            return None
        if "chunked" not in headers.get("transfer-encoding", ""):
            return None
        chunks, size = [], 0  # no declared length: read it here, within the limit, and replay
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_body:
                return 413, _too_large(str(size) + "+", self.max_body), {}
            if not message.get("more_body"):
                break
        body, sent = b"".join(chunks), [False]

        async def replay() -> Message:
            if sent[0]:
                return await receive()
            sent[0] = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay

    @staticmethod
    async def _answer(send: Send, status: int, body: dict[str, Any],
                      headers: dict[str, str]) -> None:
        raw = json.dumps(body).encode("utf-8")
        pairs = [(b"content-type", b"application/json"),
                 (b"content-length", str(len(raw)).encode())]
        pairs += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": pairs})
        await send({"type": "http.response.body", "body": raw})


def _body(error: str, message: str, fix: str, field: str | None = None,
          value: str | None = None) -> dict[str, Any]:
    return {"error": error, "message": message, "field": field, "value": value, "fix": fix}


def _too_large(length: str, limit: int) -> dict[str, Any]:
    return _body("PayloadTooLarge", f"the request body is larger than {limit} bytes",
                 f"send at most {limit} bytes (api.max_request_bytes)", "Content-Length", length)


router = APIRouter(tags=["operations"])


@router.get("/health", summary="Whether the process answers (no auth)")
async def health() -> dict[str, str]:
    """Liveness: the process answers; nothing else is checked."""
    return {"status": "ok", "version": __version__}


@router.get("/ready", summary="Whether the API can serve (database, rate-limit storage)",
            responses={503: {"description": "a dependency is down"}})
def ready(request: Request) -> JSONResponse:
    """Readiness: the database answers at the latest schema and the rate-limit storage too."""
    state = request.app.state
    checks: dict[str, str] = {}
    try:
        with state.database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        revision = state.database.revision()
        checks["database"] = "ok" if revision == state.schema_head else f"at {revision}"
    except Exception as exc:  # any failure means not ready; say which
        checks["database"] = f"down: {type(exc).__name__}"
    checks["rate_limits"] = "ok" if state.access.limits.healthy() else "down"
    ok = all(v == "ok" for v in checks.values())
    return JSONResponse({"status": "ready" if ok else "not ready", "checks": checks},
                        status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics (viewer; a key as Bearer works)",
            response_class=Response, dependencies=[Depends(require_role("viewer"))])
async def metrics(request: Request) -> Response:
    """The Prometheus text format: request latency, logins, rate limits, orders, fills,
    rejections, reconciliation differences, WebSocket clients and lag, jobs."""
    return Response(request.app.state.metrics.render(), media_type=CONTENT_TYPE_LATEST)


__all__ = ["OPS_PATHS", "ApiMetrics", "RequestGuard", "access_logger", "router"]
