"""Prometheus metrics of every long-running process: the trading node, the API's job runner, the
agents and the learning loop, each in a registry of its own, served on a port of its own.

Two kinds of figures:

- **what a process does**, counted where it happens: a node's steps, orders, fills, rejections,
  reconciliation differences, bar-to-order latency and journal commit time
  (:class:`NodeMetrics`, the node's ``metrics`` hook); the jobs an API submits and finishes and
  how long they ran (:class:`JobMetrics`, the job runner's ``metrics``);
- **what the installation holds**, read from the application database when Prometheus scrapes:
  jobs by state (:class:`JobStateCollector`), the agents' language-model calls, tokens, cost and
  fallbacks from their audit trail (:class:`AgentUsageCollector`), the learning loop's logged
  predictions, promotions and job firings (:class:`LearningCollector`). Any process may expose
  them; every one of them reads the same rows, so they agree.

:func:`serve_metrics` starts ``prometheus_client``'s HTTP server on ``[metrics] port`` (or a
command's ``--metrics-port``) in a thread. Nothing here is global: each process builds its own
registry, so two nodes in one test process never share counts.

>>> metrics = NodeMetrics()
>>> metrics.on_commit("demo", [("fill", 0, {"account": "main"})], 0.002)
>>> metrics.value("signaltrust_node_fills_total", node="demo", account="main")
1.0
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    start_http_server,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from signaltrust.core.errors import ValidationError

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                   10.0)
JOB_BUCKETS = (0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)
#: an order's journalled states that count as refused by the venue or the risk engine
REFUSED = ("REJECTED", "DENIED")
_LOG = logging.getLogger("signaltrust.ops.metrics")
Entry = tuple[str, int, dict[str, Any]]


def process_registry() -> CollectorRegistry:
    """A registry with the process's CPU, memory and file descriptors and Python's version."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    return registry


class _Metrics:
    """Metrics in ``registry`` (a new one with the process collectors by default)."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else process_registry()

    def value(self, name: str, **labels: str) -> float | None:
        """One sample's value (tests and the docs): ``name`` with exactly ``labels``."""
        return self.registry.get_sample_value(name, labels)


class NodeMetrics(_Metrics):
    """A trading node's metrics; pass it as ``TradingNode(..., metrics=...)``.

    The node calls :meth:`on_step` after each step (its input applied, journalled when due,
    orders released) and :meth:`on_commit` after each journal transaction, with what it wrote:
    every order event, fill and reconciliation passes through exactly one commit, so the
    counters never count one twice (a restart's replay of the journal commits nothing).
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__(registry)
        r = self.registry
        self.steps = Counter("signaltrust_node_steps_total", "steps by input kind",
                             ["node", "kind"], registry=r)
        self.step_seconds = Histogram(
            "signaltrust_node_step_seconds", "wall time of one step (apply, journal, release)",
            ["node", "kind"], buckets=LATENCY_BUCKETS, registry=r)
        self.bar_to_order = Histogram(
            "signaltrust_node_bar_to_order_seconds",
            "from a bar reaching the node to its orders released to the venue (journalled "
            "first)", ["node"], buckets=LATENCY_BUCKETS, registry=r)
        self.orders = Counter("signaltrust_node_orders_total", "orders submitted",
                              ["node", "account"], registry=r)
        self.fills = Counter("signaltrust_node_fills_total", "fills", ["node", "account"],
                             registry=r)
        self.rejections = Counter("signaltrust_node_rejections_total",
                                  "orders rejected by the venue or denied by the risk checks",
                                  ["node", "account", "status"], registry=r)
        self.reconciliation_differences = Counter(
            "signaltrust_node_reconciliation_differences_total",
            "differences between the node's book and the venue's", ["node", "account"],
            registry=r)
        self.journal_commit = Histogram(
            "signaltrust_node_journal_commit_seconds", "one journal transaction",
            ["node"], buckets=LATENCY_BUCKETS, registry=r)
        self.journal_entries = Counter("signaltrust_node_journal_entries_total",
                                       "entries written to the journal", ["node"], registry=r)

    def on_step(self, node: str, kind: str, entries: Sequence[Entry], started_ns: int,
                ended_ns: int) -> None:
        seconds = max(ended_ns - started_ns, 0) / 1e9
        self.steps.labels(node, kind).inc()
        self.step_seconds.labels(node, kind).observe(seconds)
        if kind == "bars" and any(k == "order" and p.get("status") == "SUBMITTED"
                                  for k, _, p in entries):
            self.bar_to_order.labels(node).observe(seconds)

    def on_commit(self, node: str, entries: Sequence[Entry], seconds: float) -> None:
        self.journal_commit.labels(node).observe(seconds)
        self.journal_entries.labels(node).inc(len(entries))
        for kind, _, payload in entries:
            account = str(payload.get("account", "node"))
            if kind == "order":
                status = payload.get("status")
                if status == "SUBMITTED":
                    self.orders.labels(node, account).inc()
                elif status in REFUSED:
                    self.rejections.labels(node, account, status).inc()
            elif kind == "fill":
                self.fills.labels(node, account).inc()
            elif kind == "reconcile":
                found = payload.get("differences") or ()
                if found:
                    self.reconciliation_differences.labels(node, account).inc(len(found))


class TracedNodeMetrics(NodeMetrics):
    """:class:`NodeMetrics` that also records each step as an OpenTelemetry span (``tracer``
    from :func:`signaltrust.ops.tracing.tracer`), timed by the node."""

    def __init__(self, tracer: Any, registry: CollectorRegistry | None = None) -> None:
        super().__init__(registry)
        self.tracer = tracer

    def on_step(self, node: str, kind: str, entries: Sequence[Entry], started_ns: int,
                ended_ns: int) -> None:
        super().on_step(node, kind, entries, started_ns, ended_ns)
        span = self.tracer.start_span(f"node.step {kind}", start_time=started_ns, attributes={
            "signaltrust.node": node, "signaltrust.step.kind": kind,
            "signaltrust.step.entries": len(entries)})
        span.end(end_time=ended_ns)


class JobMetrics(_Metrics):
    """The job runner's metrics: jobs submitted, finished by status, and their run time.

    In an API with several workers, give it the API's registry: in Prometheus's multiprocess
    mode the counts of every worker are summed when ``/metrics`` is read."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        super().__init__(registry)
        r = self.registry
        self.submitted = Counter("signaltrust_jobs_submitted_total", "jobs submitted",
                                 ["kind"], registry=r)
        self.finished = Counter("signaltrust_jobs_finished_total",
                                "jobs ended, by status (done, failed, canceled, interrupted)",
                                ["kind", "status"], registry=r)
        self.seconds = Histogram("signaltrust_job_seconds", "from a job's start to its end",
                                 ["kind", "status"], buckets=JOB_BUCKETS, registry=r)

    def on_submit(self, kind: str) -> None:
        self.submitted.labels(kind).inc()

    def on_finish(self, record: Any) -> None:
        """A job's record once it ended (``status``, ``kind``, ``started_ns``,
        ``finished_ns``)."""
        self.finished.labels(record.kind, record.status).inc()
        if record.started_ns is not None and record.finished_ns is not None:
            self.seconds.labels(record.kind, record.status).observe(
                max(record.finished_ns - record.started_ns, 0) / 1e9)


class JobStateCollector:
    """Jobs by state (``signaltrust_job_records{state}``), counted in the database when read."""

    def __init__(self, database: Any) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        from sqlalchemy import func, select

        from signaltrust.storage.job_tables import jobs

        family = GaugeMetricFamily("signaltrust_job_records", "jobs in the database by state",
                                   labels=["state"])
        counts = dict.fromkeys(("queued", "running", "done", "failed", "canceled",
                                "interrupted"), 0)
        try:
            with self.database.engine.connect() as connection:
                for status, count in connection.execute(
                        select(jobs.c.status, func.count()).group_by(jobs.c.status)):
                    counts[str(status)] = int(count)
        except Exception as exc:  # a scrape never fails for the database; the log says why
            _LOG.warning("job states unavailable: %s", exc)
            return
        for status, count in counts.items():
            family.add_metric([status], count)
        yield family

    def describe(self) -> list[Metric]:
        return []  # read at collection only (no database access when registered)


class AgentUsageCollector:
    """The agents' language-model calls, tokens, cost and fallbacks, from their audit trail
    (``agent_audit``): the rows added since the last read are added to the totals."""

    def __init__(self, database: Any) -> None:
        self.database = database
        self._last_id = 0
        self.calls: defaultdict[str, int] = defaultdict(int)
        self.tokens: defaultdict[tuple[str, str], int] = defaultdict(int)
        self.cost: defaultdict[str, float] = defaultdict(float)
        self.fallbacks: defaultdict[str, int] = defaultdict(int)

    def _read(self) -> None:
        import sqlalchemy as sa

        from signaltrust.agents.tables import agent_audit

        query = (sa.select(agent_audit.c.id, agent_audit.c.agent, agent_audit.c.kind,
                           agent_audit.c.payload)
                 .where(agent_audit.c.id > self._last_id,
                        agent_audit.c.kind.in_(("prompt", "usage", "fallback")))
                 .order_by(agent_audit.c.id))
        with self.database.engine.connect() as connection:
            for row in connection.execute(query):
                self._last_id = max(self._last_id, int(row.id))
                payload = row.payload or {}
                if row.kind == "prompt":
                    self.calls[row.agent] += 1
                elif row.kind == "usage":
                    self.tokens[(row.agent, "input")] += int(payload.get("input_tokens") or 0)
                    self.tokens[(row.agent, "output")] += int(payload.get("output_tokens") or 0)
                    self.cost[row.agent] += float(payload.get("cost_usd") or 0.0)
                else:
                    self.fallbacks[row.agent] += 1

    def collect(self) -> Iterator[Metric]:
        try:
            self._read()
        except Exception as exc:  # e.g. the agents' tables not migrated yet
            _LOG.warning("agent usage unavailable: %s", exc)
            return
        calls = CounterMetricFamily("signaltrust_agent_llm_calls",
                                    "language-model calls the agents made", labels=["agent"])
        tokens = CounterMetricFamily("signaltrust_agent_llm_tokens", "tokens used",
                                     labels=["agent", "direction"])
        cost = CounterMetricFamily("signaltrust_agent_llm_cost_usd", "what the calls cost",
                                   labels=["agent"])
        fallbacks = CounterMetricFamily(
            "signaltrust_agent_fallbacks", "answers that fell back to the rules (model failed, "
            "quota spent)", labels=["agent"])
        for agent, n in self.calls.items():
            calls.add_metric([agent], n)
        for (agent, direction), n in self.tokens.items():
            tokens.add_metric([agent, direction], n)
        for agent, usd in self.cost.items():
            cost.add_metric([agent], usd)
        for agent, n in self.fallbacks.items():
            fallbacks.add_metric([agent], n)
        yield from (calls, tokens, cost, fallbacks)

    def describe(self) -> list[Metric]:
        return []


class LearningCollector:
    """The learning loop's figures, counted in its tables when read: predictions logged (by how
    they were served) and matured, promotion decisions, and scheduled job firings by status."""

    def __init__(self, database: Any) -> None:
        self.database = database

    def collect(self) -> Iterator[Metric]:
        from sqlalchemy import func, select

        from signaltrust.storage.learning_tables import job_runs, promotion_decisions, signal_log

        logged = CounterMetricFamily("signaltrust_learning_predictions_logged",
                                     "signals logged for the learning loop", labels=["served"])
        matured = CounterMetricFamily("signaltrust_learning_predictions_matured",
                                      "logged signals whose outcome is known")
        decisions = CounterMetricFamily(
            "signaltrust_learning_promotion_decisions", "champion/challenger decisions",
            labels=["action", "promoted"])
        firings = CounterMetricFamily("signaltrust_learning_job_firings",
                                      "scheduled job firings", labels=["job", "status"])
        try:
            with self.database.engine.connect() as connection:
                for served, n in connection.execute(
                        select(signal_log.c.served, func.count()).group_by(signal_log.c.served)):
                    logged.add_metric([str(served)], int(n))
                matured.add_metric([], int(connection.execute(
                    select(func.count()).select_from(signal_log)
                    .where(signal_log.c.outcome.is_not(None))).scalar_one()))
                for action, promoted, n in connection.execute(
                        select(promotion_decisions.c.action, promotion_decisions.c.promoted,
                               func.count()).group_by(promotion_decisions.c.action,
                                                      promotion_decisions.c.promoted)):
                    decisions.add_metric([str(action), str(bool(promoted)).lower()], int(n))
                for job, status, n in connection.execute(
                        select(job_runs.c.job, job_runs.c.status, func.count())
                        .group_by(job_runs.c.job, job_runs.c.status)):
                    firings.add_metric([str(job), str(status)], int(n))
        except Exception as exc:
            _LOG.warning("learning-loop figures unavailable: %s", exc)
            return
        yield from (logged, matured, decisions, firings)

    def describe(self) -> list[Metric]:
        return []


class MetricsServer:
    """``prometheus_client``'s HTTP server of one registry, in a daemon thread."""

    def __init__(self, server: Any, thread: Any) -> None:
        self.server, self.thread = server, thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve_metrics(registry: CollectorRegistry, port: int, host: str = "127.0.0.1",
                  collectors: Iterable[Any] = ()) -> MetricsServer:
    """Serve ``registry`` (with ``collectors`` added) at ``http://host:port/metrics``; port 0
    picks a free one (see :attr:`MetricsServer.port`)."""
    for collector in collectors:
        registry.register(collector)
    if not 0 <= int(port) <= 65535:
        raise ValidationError("a metrics port is 0 to 65535", field="metrics.port", value=port,
                              fix="pass e.g. --metrics-port 9100")
    try:
        server, thread = start_http_server(int(port), addr=host, registry=registry)
    except OSError as exc:
        raise ValidationError(
            f"cannot serve metrics on {host}:{port}: {exc.strerror or exc}",
            field="metrics.port", value=port,
            fix="choose a free port with --metrics-port (each process needs its own)") from None
    return MetricsServer(server, thread)



def reset_multiprocess_dir(folder: str | Path) -> Path:
    """Create ``folder`` for ``prometheus_client``'s multiprocess mode and empty it of a previous
    run's files (their counts would be added to this run's); the folder."""
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    return path


__all__ = ["AgentUsageCollector", "JobMetrics", "JobStateCollector", "LearningCollector",
           "MetricsServer", "NodeMetrics", "TracedNodeMetrics", "process_registry",
           "reset_multiprocess_dir", "serve_metrics"]
