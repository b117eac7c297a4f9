"""The stand-alone job worker (``signaltrust jobs work``): takes the API's research jobs from the
shared queue in the database and runs them in a pool of its own processes.

With ``[jobs] backend = "queue"`` the API only records a submitted job (``queued``, without an
owner); any number of workers, on this machine or others, claim queued jobs one at a time
(:meth:`JobStore.claim`: an update that applies only to a row still queued, so no two workers
run one job) and run each with the code the API's own process pool runs. Progress, results and
cancelling keep going through the job's row; files go to :func:`output_dir` of the shared home,
where the API serves tearsheets from.

A worker's jobs carry its owner (:func:`worker_owner`). How its end is seen:

- **stopped** (SIGTERM, Ctrl-C): the jobs it runs go back to the queue, from the start, and
  another worker (or this one, restarted) runs them. A stop is a deploy or a scale-down, not a
  fault of the job, and a job is a pure function of its stored parameters and seed: run again,
  it gives the same result, so nothing a trader asked for is lost.
- **killed** (SIGKILL, out of memory, a machine gone): the job is marked ``interrupted`` by the
  orphan check of any other worker (each poll) or API (at its start): PostgreSQL tells it from
  the worker's session lock (:func:`worker_lock_key`), which ends with its process on any
  machine; on SQLite (one machine) the worker's process id says it. It is not queued again: a
  job that kills its worker would kill the next one too.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import text

from signaltrust.api.services.jobs import (
    ACTIVE,
    JobRecord,
    JobStore,
    execute_claimed,
    worker_lock_key,
    worker_owner,
)
from signaltrust.core.errors import ValidationError
from signaltrust.storage import Database

_LOG = logging.getLogger("signaltrust.api.jobs.worker")
ORPHAN_CHECK_S = 2.0


@dataclass(slots=True)
class WorkSummary:
    """What one worker did until it stopped: job ids by how they ended here."""

    owner: str
    ended: dict[str, str] = field(default_factory=dict)  # id -> done|failed|canceled|...
    requeued: list[str] = field(default_factory=list)
    interrupted_orphans: int = 0


class JobWorker:
    """Run queued jobs of ``database`` in ``workers`` processes until ``stop`` is set.

    ``metrics`` (:class:`signaltrust.ops.metrics.JobMetrics`) counts the jobs that ended here
    and times them. ``poll_s``: how often an idle worker looks at the queue."""

    def __init__(self, database: Database, *, output_dir: str | Path, workers: int = 1,
                 metrics: Any = None, poll_s: float = 0.5) -> None:
        if database.dialect == "sqlite" and database.url.database in (None, "", ":memory:"):
            raise ValidationError("a job worker cannot share an in-memory database",
                                  field="database.url", value=database.describe(),
                                  fix="use a database file or PostgreSQL, as the API does")
        if not 1 <= int(workers) <= 256:
            raise ValidationError("a job worker runs 1 to 256 jobs at once", field="workers",
                                  value=workers, fix="pass e.g. --workers 2")
        self.database = database
        self.store = JobStore(database)
        self.output_dir = Path(output_dir)
        self.workers = int(workers)
        self.metrics = metrics
        self.poll_s = poll_s
        self.owner = worker_owner()
        self._lock_connection: Any = None

    # -- liveness: the session lock that tells other processes this worker lives ------------
    def _hold_lock(self) -> None:
        if self.database.dialect != "postgresql":
            return
        connection = self.database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT")
        connection.execute(text("SELECT pg_advisory_lock(:key)"),
                           {"key": worker_lock_key(self.owner)})
        self._lock_connection = connection

    def _check_lock(self) -> None:
        if self._lock_connection is None:
            return
        try:
            self._lock_connection.execute(text("SELECT 1"))
        except Exception as exc:  # the session ended: others may have judged its jobs gone
            _LOG.warning("the worker's database session ended (%s): taking its lock again", exc)
            self._lock_connection.invalidate()
            self._hold_lock()

    def _release_lock(self) -> None:
        if self._lock_connection is not None:
            try:  # a pooled connection outlives close(): end the session, and its lock, here
                self._lock_connection.invalidate()
            finally:
                self._lock_connection.close()
                self._lock_connection = None

    # -- the loop --------------------------------------------------------------------------
    def run(self, stop: threading.Event) -> WorkSummary:
        """Claim and run jobs until ``stop`` is set; then put the jobs still running back in
        the queue and wait for the pool's processes to end."""
        summary = WorkSummary(self.owner)
        self.output_dir.mkdir(parents=True, exist_ok=True)
        self._hold_lock()
        summary.interrupted_orphans += self.store.interrupt_orphans(workers_only=True)
        url = self.database.url.render_as_string(hide_password=False)
        pool = self._pool()
        running: dict[str, Future[None]] = {}
        checked = time.monotonic()
        try:
            while not stop.is_set():
                broken = self._reap(running, summary)
                if broken:
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = self._pool()
                if time.monotonic() - checked >= ORPHAN_CHECK_S:
                    self._check_lock()
                    summary.interrupted_orphans += self.store.interrupt_orphans(
                        workers_only=True)
                    checked = time.monotonic()
                while len(running) < self.workers and not stop.is_set():
                    job = self.store.claim(self.owner)
                    if job is None:
                        break
                    _LOG.info("job %s (%s) claimed by %s", job.id, job.kind, self.owner)
                    running[job.id] = pool.submit(
                        execute_claimed, url, self.database.schema, job.id, job.kind,
                        job.params, str(self.output_dir), self.owner)
                stop.wait(self.poll_s)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)
            for job_id in list(running):  # its process sees the row queued and stops
                if self.store.requeue(job_id, self.owner):
                    summary.requeued.append(job_id)
                    running.pop(job_id)
            pool.shutdown(wait=True)
            self._reap(running, summary)
            self._release_lock()
        return summary

    def _pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                   initializer=_child_init, initargs=(os.getpid(),))

    def _reap(self, running: dict[str, Future[None]], summary: WorkSummary) -> bool:
        """Count the jobs whose process returned; True when the pool broke (a process died)."""
        broken = False
        for job_id, future in list(running.items()):
            if not future.done():
                continue
            running.pop(job_id)
            error = None if future.cancelled() else future.exception()
            if error is not None:  # the process itself died (killed, out of memory)
                broken = broken or isinstance(error, BrokenProcessPool)
                self.store.fail(job_id, f"the worker process running it ended: {error}",
                                owner=self.owner)
            record = self.store.get(job_id)
            if record is not None and record.status not in ACTIVE:
                summary.ended[job_id] = record.status
                self._count(record)
        return broken

    def _count(self, record: JobRecord) -> None:
        if self.metrics is not None:
            self.metrics.on_finish(record)


def _child_init(parent_pid: int) -> None:
    """In each pool process: Ctrl-C is the parent's to handle (it puts the job back in the
    queue), and a process whose parent was killed ends rather than run on unseen."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch_parent() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)  # the parent is gone: its jobs are judged interrupted by the others

    threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()


__all__ = ["JobWorker", "WorkSummary"]
