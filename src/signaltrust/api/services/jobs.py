"""Research jobs for the API: backtests, sweeps, optimisations and walk-forwards run in a worker
pool, their progress and results kept in the application database.

A job is a row of ``jobs`` (``signaltrust.storage.job_tables``): ``queued`` when submitted,
``running`` when a worker starts it, then ``done`` (with its result), ``failed`` (with the
error), ``canceled`` (a trader canceled it: a queued job never starts, a running one is stopped)
or ``interrupted`` (the API process that owned it ended while it ran: a restarted API says so
instead of showing a job that runs forever). Workers are processes by default (each opens the
database by its URL and writes its own progress); ``pool="thread"`` is the named setting for an
in-memory database (tests), which a process cannot open; ``pool="ray"`` sends each job to a Ray
cluster (``ray_address``; a local Ray without one) as one task running the same function.

Cancelling goes through the database, so any API worker may cancel any job: the row turns
``canceled``; a worker about to start a job starts only a ``queued`` one, and while a job runs
a watcher thread beside it reads its row twice a second and, once it reads ``canceled``, raises
:class:`JobCanceled` in the job's thread (at its next Python instruction: a long call into
compiled code finishes first).

Every result carries the deflated Sharpe ratio and the PBO beside its headline figures (PBO is
``None`` with a reason where one configuration was run: overfitting needs several).
"""

from __future__ import annotations

import ctypes
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from signaltrust.api.services.job_kinds import KINDS, check_params, run_kind
from signaltrust.core.errors import ValidationError
from signaltrust.storage import Database
from signaltrust.storage.job_tables import jobs

STATUSES = ("queued", "running", "done", "failed", "canceled", "interrupted")
ACTIVE = ("queued", "running")
POOLS = ("process", "thread", "ray")
CANCEL_POLL_S = 0.5


class JobCanceled(BaseException):  # noqa: N818 - like KeyboardInterrupt: no job code catches it
    """Raised in a running job's thread once its row reads ``canceled``."""


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One job: what was asked, by whom, how far it got and what came out."""

    id: str
    kind: str
    status: str
    params: dict[str, Any]
    actor: str
    owner: str | None
    created_ns: int
    started_ns: int | None
    finished_ns: int | None
    progress: float
    message: str | None
    result: dict[str, Any] | None
    error: str | None

    def summary(self) -> dict[str, Any]:
        """The record without its result (what a list shows)."""
        return {k: getattr(self, k) for k in self.__slots__ if k != "result"}


def owner_id() -> str:
    """``host:pid`` of this process: who runs the jobs it submits."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(owner: str | None) -> bool:
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class JobStore:
    """The job rows of ``database``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def create(self, kind: str, params: Mapping[str, Any], actor: str, owner: str) -> JobRecord:
        job_id = uuid.uuid4().hex[:16]
        with self.database.engine.begin() as connection:
            connection.execute(insert(jobs), {
                "id": job_id, "kind": kind, "status": "queued", "params": dict(params),
                "actor": actor, "owner": owner, "created_ns": time.time_ns(), "progress": 0.0,
                "message": "waiting for a worker",
            })
        return self.require(job_id)

    def get(self, job_id: str) -> JobRecord | None:
        with self.database.engine.connect() as connection:
            row = connection.execute(select(jobs).where(jobs.c.id == job_id)).first()
        return None if row is None else JobRecord(**row._mapping)

    def require(self, job_id: str) -> JobRecord:
        record = self.get(job_id)
        if record is None:
            raise ValidationError("there is no job with this id", field="job_id", value=job_id,
                                  fix="list the jobs with GET /api/v1/jobs")
        return record

    def list(self, *, status: str | None = None, kind: str | None = None,
             limit: int = 50) -> list[JobRecord]:
        """The newest jobs first (without filtering when ``status``/``kind`` are None)."""
        query = select(jobs).order_by(jobs.c.created_ns.desc()).limit(limit)
        if status is not None:
            query = query.where(jobs.c.status == status)
        if kind is not None:
            query = query.where(jobs.c.kind == kind)
        with self.database.engine.connect() as connection:
            return [JobRecord(**row._mapping) for row in connection.execute(query).all()]

    def changed_since(self, ns: int) -> list[JobRecord]:
        """Jobs created, started or finished after ``ns`` or still active (the WebSocket's
        jobs channel polls this)."""
        query = select(jobs).where(
            (jobs.c.created_ns > ns) | (jobs.c.status.in_(ACTIVE))
            | (jobs.c.finished_ns > ns)).order_by(jobs.c.created_ns)
        with self.database.engine.connect() as connection:
            return [JobRecord(**row._mapping) for row in connection.execute(query).all()]

    def _set(self, job_id: str, only_active: bool = False, **values: Any) -> None:
        query = update(jobs).where(jobs.c.id == job_id)
        if only_active:
            query = query.where(jobs.c.status.in_(ACTIVE))
        with self.database.engine.begin() as connection:
            connection.execute(query.values(**values))

    def start(self, job_id: str) -> bool:
        """Mark a ``queued`` job running; False when it is not queued any more (canceled or
        interrupted before a worker took it): then it must not run."""
        with self.database.engine.begin() as connection:
            changed = connection.execute(
                update(jobs).where(jobs.c.id == job_id, jobs.c.status == "queued")
                .values(status="running", started_ns=time.time_ns(), message="started"))
        return bool(changed.rowcount)

    def status(self, job_id: str) -> str | None:
        with self.database.engine.connect() as connection:
            return connection.execute(select(jobs.c.status).where(jobs.c.id == job_id)).scalar()

    def cancel(self, job_id: str, actor: str) -> tuple[JobRecord, bool]:
        """Mark a queued or running job ``canceled``; the record, and whether this call
        canceled it (False: it had already ended, and keeps its status)."""
        with self.database.engine.begin() as connection:
            changed = connection.execute(
                update(jobs).where(jobs.c.id == job_id, jobs.c.status.in_(ACTIVE))
                .values(status="canceled", finished_ns=time.time_ns(),
                        message=f"canceled by {actor}"))
        return self.require(job_id), bool(changed.rowcount)

    def progress(self, job_id: str, fraction: float, message: str) -> None:
        self._set(job_id, True, progress=min(max(float(fraction), 0.0), 1.0), message=message)

    def finish(self, job_id: str, result: dict[str, Any]) -> None:
        self._set(job_id, True, status="done", finished_ns=time.time_ns(), progress=1.0,
                  message="done", result=result)

    def fail(self, job_id: str, error: str, status: str = "failed") -> None:
        self._set(job_id, True, status=status, finished_ns=time.time_ns(), error=error,
                  message=status)

    def interrupt_orphans(self) -> int:
        """Mark ``interrupted`` every active job whose owning API process is gone; how many."""
        orphans = [r for r in self.list(status="running", limit=10_000)
                   + self.list(status="queued", limit=10_000) if not _alive(r.owner)]
        for record in orphans:
            self.fail(record.id, f"the API process that ran this job ({record.owner}) ended "
                      f"while it was {record.status}: submit it again", status="interrupted")
        return len(orphans)


class _CancelWatch:
    """A thread beside a running job: reads the job's status every ``every`` seconds and raises
    :class:`JobCanceled` in the job's thread once it reads ``canceled``."""

    def __init__(self, store: JobStore, job_id: str, every: float = CANCEL_POLL_S) -> None:
        self.store, self.job_id, self.every = store, job_id, every
        self.target = threading.get_ident()
        self.lock = threading.Lock()
        self.done = False
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._watch, name=f"cancel-{job_id}", daemon=True)

    def __enter__(self) -> _CancelWatch:
        self.thread.start()
        return self

    def _watch(self) -> None:
        while not self.stopping.wait(self.every):
            try:
                status = self.store.status(self.job_id)
            except Exception:  # a database hiccup: read again next time
                continue
            if status == "canceled":
                with self.lock:  # never once the job has finished (see finish)
                    if not self.done:
                        ctypes.pythonapi.PyThreadState_SetAsyncExc(
                            ctypes.c_ulong(self.target), ctypes.py_object(JobCanceled))
                return

    def finish(self) -> None:
        """The job's work is over: no cancel is raised after this returns."""
        with self.lock:
            self.done = True

    def __exit__(self, *exc: object) -> None:
        self.finish()
        self.stopping.set()
        self.thread.join()


def _execute(url: str, schema: str | None, job_id: str, kind: str, params: dict[str, Any],
             output_dir: str, database: Database | None = None) -> None:
    """Run one job in a worker (a process opens the database by URL; a thread shares it)."""
    owned = database is None
    database = database if database is not None else Database(url, schema=schema)
    store = JobStore(database)
    try:
        if not store.start(job_id):  # canceled (or interrupted) while it waited
            return
        last = [0.0]

        def report(done: int, total: int | None) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.5 or (total and done >= total):
                last[0] = now
                fraction = done / total if total else 0.0
                store.progress(job_id, fraction, f"{done} of {total or '?'}")

        folder = Path(output_dir) / job_id
        folder.mkdir(parents=True, exist_ok=True)
        with _CancelWatch(store, job_id) as watch:
            result = run_kind(kind, params, folder, report)
            watch.finish()
        store.finish(job_id, result)
    except JobCanceled:
        pass  # the row already says canceled, by whom and when
    except ValidationError as exc:
        store.fail(job_id, str(exc))
    except Exception as exc:  # a job's failure is its record, never the API's crash
        store.fail(job_id, f"{type(exc).__name__}: {exc}")
    finally:
        if owned:
            database.dispose()


class JobRunner:
    """Submit jobs to a pool of ``workers`` (processes; threads with ``pool="thread"``; Ray
    tasks with ``pool="ray"`` on ``ray_address``, a local Ray when None).

    ``metrics`` (:class:`signaltrust.ops.metrics.JobMetrics`) counts jobs submitted and ended
    and times them; ``tracer`` (OpenTelemetry) records each job that ended as a span, a child of
    the request that submitted it."""

    def __init__(self, database: Database, *, output_dir: str | Path, workers: int = 2,
                 pool: str = "process", costs: Mapping[str, Any] | None = None,
                 ray_address: str | None = None, metrics: Any = None,
                 tracer: Any = None) -> None:
        if pool not in POOLS:
            raise ValidationError("unknown worker pool", field="pool", value=pool,
                                  fix=f"use one of {list(POOLS)}")
        if pool in ("process", "ray") and database.dialect == "sqlite" and \
                database.url.database in (None, "", ":memory:"):
            raise ValidationError(
                f"{pool} workers cannot open an in-memory database", field="pool",
                value=pool, fix="use a database file, or pool='thread'")
        self.database = database
        self.store = JobStore(database)
        self.output_dir = Path(output_dir)
        self.workers = workers
        self.pool = pool
        self.costs = dict(costs or {})
        self.ray_address = ray_address
        self.metrics = metrics
        self.tracer = tracer
        self.owner = owner_id()
        self._executor: Executor | None = None
        self._futures: dict[str, Any] = {}
        self.interrupted = self.store.interrupt_orphans()

    def _pool(self) -> Executor:
        if self._executor is None:
            if self.pool == "process":
                import multiprocessing

                self._executor = ProcessPoolExecutor(
                    self.workers, mp_context=multiprocessing.get_context("spawn"))
            else:
                self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="job")
        return self._executor

    def submit(self, kind: str, params: Mapping[str, Any], actor: str) -> JobRecord:
        """Check ``params``, record the job as queued and hand it to the pool."""
        checked = check_params(kind, params, self.costs)
        record = self.store.create(kind, checked, actor, self.owner)
        url = self.database.url.render_as_string(hide_password=False)
        args = (url, self.database.schema, record.id, kind, checked, str(self.output_dir))
        if self.pool == "ray":
            future = self._ray_task().remote(*args).future()
        else:
            shared = self.database if self.pool == "thread" else None
            future = self._pool().submit(_execute, *args, shared)
        self._futures[record.id] = future
        if self.metrics is not None:
            self.metrics.on_submit(kind)
        future.add_done_callback(self._ended(record.id, self._context()))
        return record

    def _ray_task(self) -> Any:
        from signaltrust.optimize.distributed import ensure_ray

        ray = ensure_ray(self.ray_address or "local")
        return ray.remote(num_cpus=1, max_retries=0)(_execute)

    def _context(self) -> Any:
        if self.tracer is None:
            return None
        from opentelemetry import context

        return context.get_current()  # the submitting request's span: the job's parent

    def cancel(self, job_id: str, actor: str) -> tuple[JobRecord, bool]:
        """Cancel a queued or running job (whichever API worker or process runs it); the
        record and whether this call canceled it (False: it had already ended)."""
        record, canceled = self.store.cancel(job_id, actor)
        future = self._futures.get(job_id)
        if canceled and future is not None and self.pool != "ray":
            future.cancel()  # still in this pool's queue: it leaves it (else start() refuses)
        return record, canceled

    def _ended(self, job_id: str, parent: Any) -> Callable[[Any], None]:
        def done(future: Any) -> None:
            self._futures.pop(job_id, None)
            error = future.exception() if not future.cancelled() else None
            if error is not None:  # the worker itself died (killed, out of memory)
                self.store.fail(job_id, f"the worker ended: {error}")
            record = self.store.get(job_id)
            if record is None or record.status in ACTIVE:
                return
            if self.metrics is not None:
                self.metrics.on_finish(record)
            if self.tracer is not None:
                self._span(record, parent)
        return done

    def _span(self, record: JobRecord, parent: Any) -> None:
        from opentelemetry.trace import Status, StatusCode

        span = self.tracer.start_span(
            f"job {record.kind}", context=parent,
            start_time=record.started_ns or record.created_ns,
            attributes={"signaltrust.job.id": record.id, "signaltrust.job.kind": record.kind,
                        "signaltrust.job.status": record.status,
                        "signaltrust.job.pool": self.pool})
        if record.status == "failed":
            span.set_status(Status(StatusCode.ERROR, (record.error or "")[:200]))
        span.end(end_time=record.finished_ns or time.time_ns())

    def tearsheet(self, job_id: str) -> Path:
        """The job's HTML tearsheet (backtests and walk-forwards that finished)."""
        record = self.store.require(job_id)
        path = self.output_dir / job_id / "tearsheet.html"
        if record.status != "done" or not path.exists():
            raise ValidationError(
                f"this job has no tearsheet ({record.kind}, {record.status})", field="job_id",
                value=job_id, fix="a finished backtest or walk-forward job has one")
        return path

    def shutdown(self, wait: bool = False) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=wait, cancel_futures=True)
            self._executor = None


__all__ = ["ACTIVE", "KINDS", "POOLS", "STATUSES", "JobCanceled", "JobRecord", "JobRunner",
           "JobStore", "owner_id"]
