"""Prometheus metrics of every process: a node counts what its journal holds, a node started with
--metrics-port serves them, the job runner counts and times jobs, the agents' and the learning
loop's figures are read from the database, and an API with two workers sums both workers'
counts."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest
from typer.testing import CliRunner

from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.ops.metrics import (
    AgentUsageCollector,
    JobMetrics,
    JobStateCollector,
    LearningCollector,
    NodeMetrics,
    serve_metrics,
)
from signaltrust.storage import Database, Journal, NodeRegistry, open_database
from tests.live.nodekit import paper_config, run_node

START_S = 180.0  # imports and numba compilation on a busy two-core machine


@pytest.fixture
def database(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'app.db'}")
    db.upgrade()
    yield db
    db.dispose()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _sample(text: str, name: str, **labels: str) -> float | None:
    """The value of one sample in the text format (labels in any order), None when absent."""
    for line in text.splitlines():
        if not line.startswith(name + "{") and not line.startswith(name + " "):
            continue
        found = dict(re.findall(r'(\w+)="([^"]*)"', line.split(" ")[0]))
        if line.startswith(name + "{") and found != labels:
            continue
        if line.startswith(name + " ") and labels:
            continue
        return float(line.rsplit(" ", 1)[1])
    return None


def test_node_metrics_when_a_paper_node_runs_then_counts_equal_what_its_journal_holds(tmp_path):
    database = open_database(None, tmp_path)
    metrics = NodeMetrics()
    run_node(paper_config("counted"), database, {"SPX": load("sp500").iloc[:1500]},
             metrics=metrics)
    entries = list(Journal(database, "counted").entries())
    kinds = Counter(e.kind for e in entries)
    submitted = sum(1 for e in entries if e.kind == "order" and e.payload["status"] == "SUBMITTED")
    value = metrics.value
    assert kinds["fill"] > 10 and submitted > 10
    assert value("signaltrust_node_steps_total", node="counted", kind="bars") == kinds["bars"]
    assert value("signaltrust_node_fills_total", node="counted", account="main") == kinds["fill"]
    assert value("signaltrust_node_orders_total", node="counted", account="main") == submitted
    assert value("signaltrust_node_journal_entries_total", node="counted") == len(entries)
    commits = value("signaltrust_node_journal_commit_seconds_count", node="counted")
    assert 1 <= commits <= kinds["bars"]
    # one latency per bar that sent orders (sma_cross sends one order per crossing)
    bar_steps_with_orders = value("signaltrust_node_bar_to_order_seconds_count", node="counted")
    assert 0 < bar_steps_with_orders <= submitted
    assert value("signaltrust_node_rejections_total", node="counted", account="main",
                 status="DENIED") is None


def test_node_metrics_when_paused_then_each_denied_order_is_a_rejection(tmp_path):
    database = open_database(None, tmp_path)
    registry = NodeRegistry(database)
    config = paper_config("paused")
    registry.register("paused", "paper", config.model_dump(mode="json"), pid=None)
    registry.post("paused", "pause", actor="tester")
    metrics = NodeMetrics()
    run_node(config, database, {"SPX": load("sp500").iloc[:600]}, poll_seconds=0.0,
             metrics=metrics)
    denied = [e for e in Journal(database, "paused").entries()
              if e.kind == "order" and e.payload["status"] == "DENIED"]
    assert denied
    assert metrics.value("signaltrust_node_rejections_total", node="paused", account="main",
                         status="DENIED") == len(denied)
    assert metrics.value("signaltrust_node_steps_total", node="paused", kind="command") == 1


def test_serve_metrics_when_the_port_is_taken_then_the_error_names_the_port_and_the_fix():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ValidationError) as error:
            serve_metrics(CollectorRegistry(), port)
    assert error.value.field == "metrics.port" and error.value.value == port
    assert "--metrics-port" in str(error.value.fix)


def test_job_metrics_when_jobs_end_then_counted_by_status_and_the_states_read_from_the_database(
        database, tmp_path):
    from signaltrust.api.services.jobs import JobRunner

    registry = CollectorRegistry()
    metrics = JobMetrics(registry)
    registry.register(JobStateCollector(database))
    runner = JobRunner(database, output_dir=tmp_path / "jobs", pool="thread", metrics=metrics,
                       costs={"fill_at": "next_open"})
    try:
        good = runner.submit("backtest", {"data": "goog", "strategy": "sma_cross"}, actor="t")
        bad = runner.submit("backtest", {"data": "goog", "strategy": "sma_cross",
                                         "params": {"fast": 5, "slow": 60}}, actor="t")
        runner.cancel(bad.id, "ada")  # queued or just started: it ends canceled
        deadline = time.monotonic() + 120
        while runner._futures and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        runner.shutdown(wait=True)
    records = [runner.store.require(j.id) for j in (good, bad)]
    statuses = Counter(r.status for r in records)
    # a run time only for a job that started: the canceled one may have ended still queued
    started = Counter(r.status for r in records if r.started_ns is not None)
    assert statuses == {"done": 1, "canceled": 1}
    value = registry.get_sample_value
    assert value("signaltrust_jobs_submitted_total", {"kind": "backtest"}) == 2
    for status, n in statuses.items():
        assert value("signaltrust_jobs_finished_total", {"kind": "backtest",
                                                          "status": status}) == n
        assert value("signaltrust_job_seconds_count", {"kind": "backtest",
                                                        "status": status}) == (
            started[status] or None)  # None: no run time observed under that status
        assert value("signaltrust_job_records", {"state": status}) == n
    assert value("signaltrust_job_records", {"state": "running"}) == 0


def test_agent_usage_when_the_audit_trail_grows_then_calls_tokens_cost_and_fallbacks_add_up(
        database):
    from signaltrust.agents.audit import AuditTrail

    trail = AuditTrail(database)
    registry = CollectorRegistry()
    registry.register(AgentUsageCollector(database))
    trail.record("macro", "prompt", {"prompt": "rates?"})
    trail.record("macro", "usage", {"input_tokens": 120, "output_tokens": 30, "cost_usd": 0.002})
    trail.record("news", "prompt", {"prompt": "headline?"})
    trail.record("news", "fallback", {"why": "TimeoutError"})
    value = registry.get_sample_value
    assert value("signaltrust_agent_llm_calls_total", {"agent": "macro"}) == 1
    assert value("signaltrust_agent_llm_tokens_total", {"agent": "macro",
                                                        "direction": "input"}) == 120
    assert value("signaltrust_agent_llm_cost_usd_total", {"agent": "macro"}) == \
        pytest.approx(0.002)
    assert value("signaltrust_agent_fallbacks_total", {"agent": "news"}) == 1
    trail.record("macro", "prompt", {"prompt": "again"})
    trail.record("macro", "usage", {"input_tokens": 80, "output_tokens": 20, "cost_usd": 0.001})
    assert value("signaltrust_agent_llm_calls_total", {"agent": "macro"}) == 2
    assert value("signaltrust_agent_llm_tokens_total", {"agent": "macro",
                                                        "direction": "output"}) == 50
    assert value("signaltrust_agent_llm_cost_usd_total", {"agent": "macro"}) == \
        pytest.approx(0.003)


def test_learning_metrics_when_predictions_and_firings_are_recorded_then_counted(database):
    from signaltrust.research.learning.scheduler import run_once
    from signaltrust.research.learning.signal_log import log_prediction

    for ts, served in ((1, "live"), (2, "live"), (3, "shadow")):
        log_prediction(database, symbol="SPX", ts=ts * 86_400_000_000_000, model="m",
                       model_version="1", feature_hash="h", score=0.6, decision="long",
                       confidence=0.7, served=served, price=100.0)
    assert run_once(database, "report", 1, lambda: None)
    assert run_once(database, "report", 2, lambda: 1 / 0)
    assert not run_once(database, "report", 2, lambda: None)  # claimed already: not run
    registry = CollectorRegistry()
    registry.register(LearningCollector(database))
    text = generate_latest(registry).decode()
    assert _sample(text, "signaltrust_learning_predictions_logged_total", served="live") == 2
    assert _sample(text, "signaltrust_learning_predictions_logged_total", served="shadow") == 1
    assert _sample(text, "signaltrust_learning_predictions_matured_total") == 0
    assert _sample(text, "signaltrust_learning_job_firings_total", job="report",
                   status="done") == 1
    assert _sample(text, "signaltrust_learning_job_firings_total", job="report",
                   status="failed") == 1


def _signaltrust(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - this interpreter running the project's own CLI
        [sys.executable, "-c", "from signaltrust.cli.main import run; run()", *args],
        stdout=log.open("w"), stderr=subprocess.STDOUT, env=env)


def _wait(what, check, timeout_s: float, log: Path):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            value = check()
        except httpx.TransportError:
            value = None
        if value:
            return value
        time.sleep(0.25)
    pytest.fail(f"timed out waiting for {what}\n{log.read_text()[-2000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.mark.slow
def test_node_process_when_started_with_a_metrics_port_then_its_scrape_shows_steps_and_fills(
        tmp_path):
    port = _free_port()
    log = tmp_path / "node.log"
    node = _signaltrust(["paper", "--data", "sp500", "--strategy", "sma_cross", "--speed",
                         "25920000", "--name", "scraped", "--metrics-port", str(port)],
                        dict(os.environ), log)
    try:
        def scraped() -> str | None:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            fills = _sample(text, "signaltrust_node_fills_total", node="scraped",
                            account="main")
            return text if fills and fills >= 2 else None

        text = _wait("the node's fills on its /metrics", scraped, START_S, log)
    finally:
        _stop(node)
    assert _sample(text, "signaltrust_node_steps_total", node="scraped", kind="bars") > 0
    assert _sample(text, "signaltrust_node_journal_commit_seconds_count", node="scraped") > 0
    assert _sample(text, "signaltrust_node_orders_total", node="scraped", account="main") >= 2
    assert _sample(text, "process_resident_memory_bytes") > 0


@pytest.mark.slow
def test_api_when_two_workers_answer_then_metrics_sum_the_counts_of_both(tmp_path,
                                                                          monkeypatch):
    from signaltrust.cli.main import app

    runner = CliRunner()
    added = runner.invoke(app, ["users", "add", "ops", "--role", "viewer", "--password",
                                "correct horse battery"])
    assert added.exit_code == 0, added.output
    created = runner.invoke(app, ["keys", "create", "scrape", "--user", "ops"])
    assert created.exit_code == 0, created.output
    key = created.output.strip().splitlines()[-1]
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"stale")  # a previous run's file: removed at start
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    port = _free_port()
    log = tmp_path / "api.log"
    api = _signaltrust(["api", "--port", str(port), "--workers", "2"], env, log)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait("the API", lambda: httpx.get(f"{base}/ready", timeout=2).status_code == 200,
              START_S, log)
        pids = set()
        with httpx.Client(base_url=base, timeout=5) as client:
            for _ in range(60):  # new connections: uvicorn's workers share the socket
                with httpx.Client(base_url=base, timeout=5) as fresh:
                    assert fresh.get("/health").status_code == 200
            pids = {p.name.split("_")[-1] for p in folder.glob("counter_*.db")}
            texts = [client.get("/metrics", headers={"X-API-Key": key}).text
                     for _ in range(4)]
    finally:
        _stop(api)
    assert not (folder / "counter_1.db").exists()
    assert len(pids) == 2, f"both workers should have answered: {pids}"
    for text in texts:  # whichever worker answered the scrape: every worker's requests
        assert _sample(text, "signaltrust_api_requests_total", method="GET", route="/health",
                       status="200") == 60
        assert _sample(text, "signaltrust_job_records", state="queued") == 0


@pytest.mark.slow
def test_scheduler_when_started_with_a_metrics_port_then_its_scrape_shows_the_learning_loop(
        tmp_path, isolated_home):
    from signaltrust.research.learning.signal_log import log_prediction

    database = open_database(None, isolated_home)  # the scheduler's database: under its home
    log_prediction(database, symbol="SPX", ts=86_400_000_000_000, model="m", model_version="1",
                   feature_hash="h", score=0.6, decision="long", confidence=0.7, served="live",
                   price=100.0)
    database.dispose()
    port = _free_port()
    log = tmp_path / "scheduler.log"
    scheduler = _signaltrust(["loop", "run", "--metrics-port", str(port), "--seconds", "120"],
                             dict(os.environ), log)
    try:
        text = _wait("the scheduler's /metrics",
                     lambda: httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text,
                     START_S, log)
    finally:
        _stop(scheduler)
    assert _sample(text, "signaltrust_learning_predictions_logged_total", served="live") == 1
    assert _sample(text, "process_resident_memory_bytes") > 0
