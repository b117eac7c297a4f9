"""Research jobs for the API: backtests, sweeps, optimisations and walk-forwards run in a worker
pool, their progress and results kept in the application database.

A job is a row of ``jobs`` (``signaltrust.storage.job_tables``): ``queued`` when submitted,
``running`` when a worker starts it, then ``done`` (with its result), ``failed`` (with the
error), ``canceled`` (a trader canceled it: a queued job never starts, a running one is stopped)
or ``interrupted`` (the API process that owned it ended while it ran: a restarted API says so
instead of showing a job that runs forever). Workers are processes by default (each opens the
database by its URL and writes its own progress); ``pool="thread"`` is the named setting for an
in-memory database (tests), which a process cannot open; ``pool="ray"`` sends each job to a Ray
cluster (``ray_address``; a local Ray without one) as one task running the same function;
``pool="queue"`` only records the job as queued, ownerless, for a stand-alone job worker
(``signaltrust jobs work``, :mod:`signaltrust.api.services.job_worker`) to claim.

Cancelling goes through the database, so any API worker may cancel any job: the row turns
``canceled``; a worker about to start a job starts only a ``queued`` one, and while a job runs
a watcher thread beside it reads its row twice a second and, once it reads ``canceled``, raises
:class:`JobCanceled` in the job's thread (at its next Python instruction: a long call into
compiled code finishes first).

Every result carries the deflated Sharpe ratio and the PBO beside its headline figures (PBO is
``None`` with a reason where one configuration was run: overfitting needs several).
"""

from __future__ import annotations

import builtins
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
POOLS = ("process", "thread", "ray", "queue")
#: the owner of a stand-alone worker's jobs: ``worker/host:pid/token`` (the token tells a new
#: worker from an ended one that had the same process id, as in a restarted container)
WORKER_PREFIX = "worker/"
CANCEL_POLL_S = 0.5


class JobCanceled(BaseException):  # noqa: N818 - like KeyboardInterrupt: no job code catches it
    """Raised in a running job's thread once its row reads ``canceled`` (or anything but
    ``running``: interrupted, or put back in the queue by a worker that stops)."""


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


def output_dir(home: str | Path) -> Path:
    """Where jobs write their files (tearsheets): ``<home>/api/jobs``, the same folder for the
    API and every job worker of an installation."""
    return Path(home).expanduser() / "api" / "jobs"


def worker_lock_key(owner: str) -> int:
    """The PostgreSQL advisory lock (a signed 64-bit key) a worker holds while it lives."""
    import hashlib

    digest = hashlib.blake2b(f"signaltrust-job-worker:{owner}".encode(), digest_size=8)
    return int.from_bytes(digest.digest(), "big", signed=True)


def _alive(owner: str | None, database: Database | None = None) -> bool:
    if owner and owner.startswith(WORKER_PREFIX):
        return _worker_alive(owner, database)
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


def _worker_alive(owner: str, database: Database | None) -> bool:
    """A stand-alone worker lives while it holds its advisory lock (PostgreSQL: its session
    ends with its process, on whatever machine); on SQLite, while its process runs here."""
    if database is not None and database.dialect == "postgresql":
        from sqlalchemy import text

        with database.engine.begin() as connection:  # a lock got here is free at commit
            free = connection.execute(text("SELECT pg_try_advisory_xact_lock(:key)"),
                                      {"key": worker_lock_key(owner)}).scalar()
        return not free
    _, host_pid, token = owner.split("/", 2)
    if host_pid == owner_id():
        return token == _PROCESS_TOKEN  # this very process, or an ended one with its pid
    return _alive(host_pid)


_PROCESS_TOKEN = uuid.uuid4().hex[:12]  # drawn once per process: constant, never shared


def worker_owner() -> str:
    """``worker/host:pid/token``: the owner a stand-alone worker writes on the jobs it claims."""
    return f"{WORKER_PREFIX}{owner_id()}/{_PROCESS_TOKEN}"


class JobStore:
    """The job rows of ``database``."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def create(self, kind: str, params: Mapping[str, Any], actor: str,
               owner: str | None) -> JobRecord:
        """Record a queued job; ``owner`` None puts it in the shared queue (workers claim it)."""
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

    def changed_since(self, ns: int) -> builtins.list[JobRecord]:  # list: the method above
        """Jobs created, started or finished after ``ns`` or still active (the WebSocket's
        jobs channel polls this)."""
        query = select(jobs).where(
            (jobs.c.created_ns > ns) | (jobs.c.status.in_(ACTIVE))
            | (jobs.c.finished_ns > ns)).order_by(jobs.c.created_ns)
        with self.database.engine.connect() as connection:
            return [JobRecord(**row._mapping) for row in connection.execute(query).all()]

    def _set(self, job_id: str, only_active: bool = False, owner: str | None = None,
             **values: Any) -> None:
        query = update(jobs).where(jobs.c.id == job_id)
        if only_active:
            query = query.where(jobs.c.status.in_(ACTIVE))
        if owner is not None:  # a worker writes only while the job is its own and running
            query = query.where(jobs.c.owner == owner, jobs.c.status == "running")
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

    def claim(self, owner: str) -> JobRecord | None:
        """Take the oldest job of the shared queue (queued, ownerless) for ``owner`` and mark it
        running; None when the queue is empty. Atomic on SQLite and PostgreSQL: the update
        applies only to a row still queued, so of two workers racing for a job one gets it."""
        query = (select(jobs.c.id).where(jobs.c.status == "queued", jobs.c.owner.is_(None))
                 .order_by(jobs.c.created_ns).limit(8))
        while True:
            with self.database.engine.connect() as connection:
                candidates = list(connection.execute(query).scalars())
            if not candidates:
                return None
            for job_id in candidates:
                with self.database.engine.begin() as connection:
                    changed = connection.execute(
                        update(jobs).where(jobs.c.id == job_id, jobs.c.status == "queued",
                                           jobs.c.owner.is_(None))
                        .values(status="running", owner=owner, started_ns=time.time_ns(),
                                message=f"started by {owner}"))
                if changed.rowcount == 1:
                    return self.require(job_id)

    def requeue(self, job_id: str, owner: str) -> bool:
        """Put ``owner``'s running job back in the shared queue, from the start (a worker that
        stops); False when it is not ``owner``'s running job any more (canceled, say)."""
        with self.database.engine.begin() as connection:
            changed = connection.execute(
                update(jobs).where(jobs.c.id == job_id, jobs.c.status == "running",
                                   jobs.c.owner == owner)
                .values(status="queued", owner=None, started_ns=None, progress=0.0,
                        message="back in the queue: the worker running it stopped"))
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

    def progress(self, job_id: str, fraction: float, message: str,
                 owner: str | None = None) -> None:
        self._set(job_id, True, owner, progress=min(max(float(fraction), 0.0), 1.0),
                  message=message)

    def finish(self, job_id: str, result: dict[str, Any], owner: str | None = None) -> None:
        self._set(job_id, True, owner, status="done", finished_ns=time.time_ns(), progress=1.0,
                  message="done", result=result)

    def fail(self, job_id: str, error: str, status: str = "failed",
             owner: str | None = None) -> None:
        self._set(job_id, True, owner, status=status, finished_ns=time.time_ns(), error=error,
                  message=status)

    def interrupt_orphans(self, workers_only: bool = False) -> int:
        """Mark ``interrupted`` every active job whose owner is gone (an API process, or a
        stand-alone worker: see :func:`worker_owner`); how many. A queued job of the shared
        queue has no owner and waits for a worker. ``workers_only``: judge only the jobs of
        stand-alone workers (what a worker checks as it polls)."""
        active = self.list(status="running", limit=10_000) + [
            r for r in self.list(status="queued", limit=10_000) if r.owner is not None]
        orphans = [r for r in active
                   if (not workers_only or (r.owner or "").startswith(WORKER_PREFIX))
                   and not _alive(r.owner, self.database)]
        for record in orphans:
            who = ("job worker" if (record.owner or "").startswith(WORKER_PREFIX)
                   else "API process")
            self.fail(record.id, f"the {who} that ran this job ({record.owner}) ended while "
                      f"it was {record.status}: submit it again", status="interrupted")
        return len(orphans)


class _CancelWatch:
    """A thread beside a running job: reads the job's status every ``every`` seconds and raises
    :class:`JobCanceled` in the job's thread once it reads anything but ``running``
    (``canceled``; ``interrupted`` or ``queued`` again when its worker was judged gone or
    stopped)."""

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
            if status != "running":  # canceled, interrupted, or back in the queue
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
        if store.start(job_id):  # else canceled (or interrupted) while it waited
            _run_started(store, job_id, kind, params, output_dir)
    finally:
        if owned:
            database.dispose()


def execute_claimed(url: str, schema: str | None, job_id: str, kind: str,
                    params: dict[str, Any], output_dir: str, owner: str) -> None:
    """Run a job a stand-alone worker claimed for ``owner`` (in a process of its pool): what
    :func:`_execute` runs, writing only while the job is still ``owner``'s and running."""
    database = Database(url, schema=schema)
    try:
        _run_started(JobStore(database), job_id, kind, params, output_dir, owner)
    finally:
        database.dispose()


def _run_started(store: JobStore, job_id: str, kind: str, params: dict[str, Any],
                 output_dir: str, owner: str | None = None) -> None:
    """The body of every job once its row reads ``running``: progress, result or error."""
    try:
        last = [0.0]

        def report(done: int, total: int | None) -> None:
            now = time.monotonic()
            if now - last[0] >= 0.5 or (total and done >= total):
                last[0] = now
                fraction = done / total if total else 0.0
                store.progress(job_id, fraction, f"{done} of {total or '?'}", owner)

        folder = Path(output_dir) / job_id
        folder.mkdir(parents=True, exist_ok=True)
        with _CancelWatch(store, job_id) as watch:
            result = run_kind(kind, params, folder, report)
            watch.finish()
        store.finish(job_id, result, owner)
    except JobCanceled:
        pass  # the row already says canceled (by whom, when), interrupted or queued again
    except ValidationError as exc:
        store.fail(job_id, str(exc), owner=owner)
    except Exception as exc:  # a job's failure is its record, never the API's crash
        store.fail(job_id, f"{type(exc).__name__}: {exc}", owner=owner)


class JobRunner:
    """Submit jobs to a pool of ``workers`` (processes; threads with ``pool="thread"``; Ray
    tasks with ``pool="ray"`` on ``ray_address``, a local Ray when None; with ``pool="queue"``
    to the shared queue in the database, which ``signaltrust jobs work`` processes take from).

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
        if pool in ("process", "ray", "queue") and database.dialect == "sqlite" and \
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
        if self.pool == "queue":  # a job worker claims it; it outlives this process
            record = self.store.create(kind, checked, actor, None)
            if self.metrics is not None:
                self.metrics.on_submit(kind)
            return record
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


__all__ = ["ACTIVE", "KINDS", "POOLS", "STATUSES", "WORKER_PREFIX", "JobCanceled", "JobRecord",
           "JobRunner", "JobStore", "execute_claimed", "output_dir", "owner_id", "worker_lock_key",
           "worker_owner"]
