"""OpenTelemetry tracing: off by default; when configured, one span per API request (not the
probes), a span per job that is a child of the request that submitted it, a span per node step,
and the spans reach an OTLP/HTTP collector on loopback."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from signaltrust.api.services.jobs import JobRunner
from signaltrust.core.config import load_settings
from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.ops.metrics import TracedNodeMetrics
from signaltrust.ops.tracing import configured_provider, instrument_api, tracer_provider
from signaltrust.storage import Journal, open_database
from tests.api.conftest import add_users, make_app, sign_in
from tests.live.nodekit import paper_config, run_node


def _traced_app(tmp_path):
    app = make_app(tmp_path)
    add_users(app)
    spans = InMemorySpanExporter()
    provider = tracer_provider(service_name="test-api", exporter=spans)
    instrument_api(app, provider)
    app.state.tracer = provider.get_tracer("signaltrust.api")
    return app, spans


def test_tracing_when_not_configured_then_off_and_nothing_instrumented(tmp_path):
    app = make_app(tmp_path)
    assert app.state.tracer is None
    assert configured_provider(load_settings().tracing, {}, "api") is None
    assert not any("OpenTelemetry" in str(m.cls) for m in app.user_middleware)


def test_tracing_when_endpoint_is_not_a_url_then_the_error_names_it():
    with pytest.raises(ValidationError) as error:
        configured_provider(load_settings(tracing={"endpoint": "collector:4318"}).tracing, {},
                            "api")
    assert error.value.field == "tracing.endpoint" and "http" in str(error.value.fix)


def test_api_request_when_traced_then_one_server_span_by_route_and_probes_are_left_out(
        tmp_path):
    app, spans = _traced_app(tmp_path)
    with TestClient(app) as client:
        assert client.get("/health").status_code == 200
        token = sign_in(client, "viewer").json()["access_token"]
        answer = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
    names = [s.name for s in spans.get_finished_spans() if s.parent is None]
    assert "GET /api/v1/jobs" in names and "POST /api/v1/auth/token" in names
    assert not any("/health" in name for name in names)


def test_job_when_traced_then_its_span_is_a_child_of_the_request_that_submitted_it(tmp_path):
    app, spans = _traced_app(tmp_path)
    app.state.jobs = JobRunner(app.state.database, output_dir=tmp_path / "jobs", pool="thread",
                               costs={"fill_at": "next_open"}, tracer=app.state.tracer)
    try:
        with TestClient(app) as client:
            token = sign_in(client, "trader").json()["access_token"]
            job = client.post("/api/v1/backtests", headers={"Authorization": f"Bearer {token}"},
                              json={"data": "goog", "strategy": "sma_cross"}).json()
            deadline = time.monotonic() + 120
            while app.state.jobs._futures and time.monotonic() < deadline:
                time.sleep(0.1)
    finally:
        app.state.jobs.shutdown(wait=True)
    finished = spans.get_finished_spans()
    job_span = next(s for s in finished if s.name == "job backtest")
    request = next(s for s in finished if s.name == "POST /api/v1/backtests")
    assert job_span.attributes["signaltrust.job.id"] == job["id"]
    assert job_span.attributes["signaltrust.job.status"] == "done"
    assert job_span.context.trace_id == request.context.trace_id
    assert job_span.parent.span_id == request.context.span_id
    assert job_span.end_time > job_span.start_time


def test_node_steps_when_traced_then_one_span_per_step(tmp_path):
    database = open_database(None, tmp_path)
    spans = InMemorySpanExporter()
    provider = tracer_provider(service_name="test-node", exporter=spans)
    run_node(paper_config("traced"), database, {"SPX": load("sp500").iloc[:300]},
             metrics=TracedNodeMetrics(provider.get_tracer("signaltrust.node")))
    steps = [s for s in spans.get_finished_spans() if s.name == "node.step bars"]
    bars = sum(1 for e in Journal(database, "traced").entries() if e.kind == "bars")
    assert len(steps) == bars > 0
    assert all(s.attributes["signaltrust.node"] == "traced" for s in steps)
    assert all(s.end_time >= s.start_time for s in steps)


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver: keeps the body of every POST /v1/traces."""

    received: list[bytes]

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path == "/v1/traces":
            self.server.received.append(body)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_api_when_an_otlp_endpoint_is_configured_then_its_spans_reach_the_collector(tmp_path):
    from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
        ExportTraceServiceRequest,
    )

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        from signaltrust.api.app import create_app
        from signaltrust.api.users import fast_password_hash
        from signaltrust.storage import Database

        endpoint = f"http://127.0.0.1:{server.server_port}"
        settings = load_settings(tracing={"endpoint": endpoint, "service_name": "st-test"})
        app = create_app(settings, database=Database(f"sqlite:///{tmp_path / 'api.db'}"),
                         password_hash=fast_password_hash())
        assert app.state.tracer is not None
        with TestClient(app) as client:
            assert client.get("/api/v1/auth/me").status_code == 401
        app.state.tracer_provider.force_flush()
        app.state.tracer_provider.shutdown()
    finally:
        server.shutdown()
        server.server_close()
    names, services = [], set()
    for body in server.received:
        request = ExportTraceServiceRequest.FromString(body)
        for resource_spans in request.resource_spans:
            services |= {a.value.string_value for a in resource_spans.resource.attributes
                         if a.key == "service.name"}
            names += [s.name for scope in resource_spans.scope_spans for s in scope.spans]
    assert services == {"st-test-api"}
    assert any(name.startswith("GET /api/v1/auth") for name in names), names
