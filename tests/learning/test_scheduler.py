"""The loop's scheduler: cron from the configuration, one run per firing across processes."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import select

from signaltrust.core.config import LearningSettings
from signaltrust.core.errors import ValidationError
from signaltrust.research.learning.scheduler import (
    cron_trigger,
    job_specs,
    recent_runs,
    resolve_callable,
    run_once,
)
from signaltrust.storage import Database
from signaltrust.storage.learning_tables import job_runs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def database(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'loop.db'}")
    db.upgrade()
    yield db
    db.dispose()


def test_job_specs_when_configured_then_each_job_has_its_cron_and_an_empty_cron_turns_off():
    learning = LearningSettings(backup_cron="", retrain_cron="0 1 * * *")
    specs = job_specs(learning, {"retrain": "a:b", "backup": "c:d", "report": "e:f"})
    assert [(s.name, s.cron) for s in specs] == [("retrain", "0 1 * * *"),
                                                 ("report", learning.report_cron)]


def test_cron_trigger_when_expression_malformed_then_validation_error():
    with pytest.raises(ValidationError):
        cron_trigger("every night")
    assert cron_trigger("*/5 * * * * *") is not None  # six fields: seconds first


def test_run_once_when_same_firing_claimed_twice_then_second_skips(database, tmp_path,
                                                                    monkeypatch):
    monkeypatch.setenv("LOOP_MARK_FILE", str(tmp_path / "marks"))
    target = resolve_callable("tests.learning.scheduled_targets:mark")
    assert run_once(database, "report", 1_000, target, owner="a")
    assert not run_once(database, "report", 1_000, target, owner="b")
    assert run_once(database, "report", 2_000, target, owner="b")
    assert len((tmp_path / "marks").read_text().splitlines()) == 2


def test_run_once_when_job_raises_then_failure_recorded_and_not_raised(database):
    target = resolve_callable("tests.learning.scheduled_targets:explode")
    assert run_once(database, "backup", 5, target)
    row = recent_runs(database)[0]
    assert row["status"] == "failed" and "disk full" in row["error"]


def test_resolve_callable_when_path_wrong_then_validation_error():
    with pytest.raises(ValidationError):
        resolve_callable("no.such.module:thing")


_WORKER = textwrap.dedent("""
    import sys, time
    from signaltrust.storage import Database
    import signaltrust.research.learning.scheduler as scheduling
    from signaltrust.research.learning.scheduler import JobSpec, LoopScheduler
    url, schema, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    claim = scheduling.run_once

    def counted(database, job, fire_ns, target, owner=None):  # every attempt, won or lost
        ran = claim(database, job, fire_ns, target, owner)
        with open(sys.argv[4], "a") as handle:
            handle.write(f"{fire_ns} {ran}\\n")
        return ran

    scheduling.run_once = counted
    db = Database(url, schema=schema)
    scheduler = LoopScheduler(db, [JobSpec("report", "* * * * * *",
                                           "tests.learning.scheduled_targets:mark")])
    scheduler.start()
    time.sleep(seconds)
    scheduler.shutdown()
""")


@pytest.mark.slow
def test_two_schedulers_when_sharing_postgres_then_each_firing_runs_in_one_process_only(
        postgres_url, postgres_schema, tmp_path):
    url = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    db = Database(url, schema=postgres_schema)
    db.upgrade()
    marks = tmp_path / "marks"
    env = dict(os.environ, LOOP_MARK_FILE=str(marks),
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, url, postgres_schema, "5",
                                 str(tmp_path / "attempts")],
                                cwd=ROOT, env=env) for _ in range(2)]
    for w in workers:
        assert w.wait(timeout=120) == 0
    with db.engine.connect() as conn:
        rows = conn.execute(select(job_runs)).mappings().all()
    db.dispose()
    lines = marks.read_text().splitlines()
    assert len(rows) >= 2  # several firings happened
    assert len(lines) == len(rows)  # and each ran exactly once
    assert all(r["status"] == "done" for r in rows)
    assert len({r["fire_ns"] for r in rows}) == len(rows)
    attempts = (tmp_path / "attempts").read_text().splitlines()
    assert len(attempts) > len(rows)  # both processes tried firings: the lock turned one away
