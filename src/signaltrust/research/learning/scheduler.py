"""The loop's scheduler: APScheduler with its jobs in the database, and a lock per firing.

Jobs (data update, feature refresh, retraining, evaluation, reports, backups) are named
callables given as import paths (``"package.module:function"``), so any of them, the backup
included, can be replaced from the configuration; each is called with no argument.

Two processes may run the scheduler on one database (two API workers, a restarted node): the
jobs live in APScheduler's ``SQLAlchemyJobStore`` on that database, and every firing first
inserts a row ``(job, fire time)`` into ``job_runs``. The primary key lets exactly one insert
succeed, so one process runs that firing and the others skip it; the row then records the
status, the owner and any error. The fire time is the scheduled time rounded down to the cron's
grain (the minute; the second for a six-field expression), which both processes compute alike.
"""

from __future__ import annotations

import importlib
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import desc, insert, select, update
from sqlalchemy.exc import IntegrityError

from signaltrust.core.errors import ValidationError
from signaltrust.storage.database import Database
from signaltrust.storage.learning_tables import job_runs

logger = logging.getLogger(__name__)

JOBS = ("data_update", "feature_refresh", "retrain", "evaluate", "report", "backup")


def owner_name() -> str:
    """This process: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def cron_trigger(expression: str, timezone: str = "UTC") -> Any:
    """An APScheduler cron trigger from five fields (minute hour day month weekday) or six
    (second first)."""
    from apscheduler.triggers.cron import CronTrigger

    fields = str(expression).split()
    try:
        if len(fields) == 5:
            return CronTrigger.from_crontab(expression, timezone=timezone)
        if len(fields) == 6:
            second, minute, hour, day, month, dow = fields
            return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                               day_of_week=dow, timezone=timezone)
    except ValueError as exc:
        raise ValidationError(f"the cron expression cannot be read: {exc}", field="cron",
                              value=expression, fix="use e.g. '0 23 * * mon-fri'") from exc
    raise ValidationError("a cron expression has five fields (or six, seconds first)",
                          field="cron", value=expression, fix="use e.g. '0 23 * * mon-fri'")


def resolve_callable(path: str) -> Callable[[], Any]:
    """The function at ``"package.module:function"``."""
    module, _, attr = str(path).partition(":")
    try:
        target = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValidationError("the job's function cannot be imported", field="job",
                              value=path, fix="give it as package.module:function") from exc
    if not callable(target):
        raise ValidationError("the job's target is not callable", field="job", value=path,
                              fix="point at a function")
    return target


def run_once(database: Database, job: str, fire_ns: int, target: Callable[[], Any],
             owner: str | None = None) -> bool:
    """Run ``target`` for the firing ``(job, fire_ns)`` unless another process claimed it.

    Returns True when this call ran it (successfully or not: the row records which).
    """
    owner = owner or owner_name()
    try:
        with database.engine.begin() as conn:
            conn.execute(insert(job_runs).values(job=job, fire_ns=int(fire_ns), owner=owner,
                                                 status="running", started_ns=time.time_ns()))
    except IntegrityError:
        logger.info("job %s at %d runs elsewhere: skipped", job, fire_ns)
        return False
    status, error = "done", None
    try:
        target()
    except Exception as exc:  # a failed job is recorded, never kills the scheduler
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        logger.exception("job %s failed", job)
    with database.engine.begin() as conn:
        conn.execute(update(job_runs).where(job_runs.c.job == job,
                                            job_runs.c.fire_ns == int(fire_ns))
                     .values(status=status, finished_ns=time.time_ns(), error=error))
    return True


def fire(database_url: str, schema: str | None, job: str, target_path: str,
         grain_s: int) -> bool:
    """What APScheduler calls (kept importable, its arguments plain, for the job store)."""
    database = Database(database_url, schema=schema)
    try:
        fire_ns = (time.time_ns() // (grain_s * 10**9)) * grain_s * 10**9
        return run_once(database, job, fire_ns, resolve_callable(target_path))
    finally:
        database.dispose()


@dataclass(frozen=True)
class JobSpec:
    """One scheduled job: its name, cron expression and the function it runs."""

    name: str
    cron: str
    target: str


def job_specs(learning: Any, targets: Mapping[str, str]) -> list[JobSpec]:
    """The configured jobs (``LearningSettings`` crons; an empty cron turns a job off)."""
    out = []
    for name in JOBS:
        cron = getattr(learning, f"{name}_cron", "")
        if cron and name in targets:
            out.append(JobSpec(name, cron, targets[name]))
    return out


class LoopScheduler:
    """APScheduler (background thread) with a SQLAlchemy job store on ``database``."""

    def __init__(self, database: Database, jobs: list[JobSpec], *, timezone: str = "UTC"
                 ) -> None:
        self.database = database
        self.jobs = jobs
        self.timezone = timezone
        self._scheduler: Any = None

    def _url(self) -> str:
        return self.database.url.render_as_string(hide_password=False)

    def start(self) -> None:
        """Store the jobs in the database and start firing them."""
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.schedulers.background import BackgroundScheduler

        store = SQLAlchemyJobStore(engine=self.database.engine)
        scheduler = BackgroundScheduler(jobstores={"default": store}, timezone=self.timezone,
                                        job_defaults={"coalesce": True, "max_instances": 1,
                                                      "misfire_grace_time": 60})
        # another process may be creating the job table or adding the same job right now:
        # its insert wins, ours retries as an update
        _retry(lambda: scheduler.start(paused=True))
        for spec in self.jobs:
            grain = 1 if len(spec.cron.split()) == 6 else 60
            _retry(lambda spec=spec, grain=grain: scheduler.add_job(
                fire, cron_trigger(spec.cron, self.timezone), id=spec.name, name=spec.name,
                replace_existing=True,
                args=[self._url(), self.database.schema, spec.name, spec.target, grain]))
        scheduler.resume()
        self._scheduler = scheduler

    def next_runs(self) -> dict[str, Any]:
        """Each job's next fire time (from its trigger; the scheduler need not run)."""
        from datetime import UTC, datetime

        now = datetime.now(UTC)
        return {s.name: cron_trigger(s.cron, self.timezone).get_next_fire_time(None, now)
                for s in self.jobs}

    def shutdown(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None


def _retry(action: Callable[[], Any], attempts: int = 5) -> Any:
    """``action``, tried again after a clash with another process's identical write."""
    from apscheduler.jobstores.base import ConflictingIdError
    from sqlalchemy.exc import DBAPIError

    for attempt in range(attempts):
        try:
            return action()
        except (ConflictingIdError, DBAPIError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.2 * (attempt + 1))
    return None


def recent_runs(database: Database, limit: int = 20) -> list[dict[str, Any]]:
    """The latest job firings, newest first."""
    with database.engine.connect() as conn:
        rows = conn.execute(select(job_runs).order_by(desc(job_runs.c.started_ns))
                            .limit(limit)).mappings()
        return [dict(r) for r in rows]


__all__ = ["JOBS", "JobSpec", "LoopScheduler", "cron_trigger", "fire", "job_specs",
           "owner_name", "recent_runs", "resolve_callable", "run_once"]
