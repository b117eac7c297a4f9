"""Two schedulers (``signaltrust loop run``) on one PostgreSQL schema, as when a deployment
briefly overlaps two: every firing of a job runs once, in one of them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.postgres]


def test_schedulers_when_two_share_the_database_then_each_firing_runs_once(
        tmp_path, postgres_url, postgres_schema):
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{postgres_schema}"')
    database_url = (postgres_url.replace("postgresql://", "postgresql+psycopg://")
                    + f"?options=-csearch_path%3D{postgres_schema}")
    firings = tmp_path / "firings.txt"
    env = {**os.environ, "SIGNALTRUST__DATABASE__URL": database_url,
           "SIGNALTRUST_HOME": str(tmp_path / "home"),
           "SIGNALTRUST__LEARNING__REPORT_CRON": "*/2 * * * * *",  # every 2 s (seconds first)
           "SIGNALTRUST_TEST_FIRINGS": str(firings),
           "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                       os.environ.get("PYTHONPATH")]))}
    args = [sys.executable, "-c", "from signaltrust.cli.main import run; run()", "loop", "run",
            "--job", "report=tests.ops.scheduled:record", "--seconds", "14"]
    schedulers = [subprocess.Popen(args, env=env, stdout=subprocess.PIPE,  # noqa: S603
                                   stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [s.communicate(timeout=180)[0] for s in schedulers]
    assert [s.returncode for s in schedulers] == [0, 0], outputs

    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute(f'SELECT fire_ns, status FROM "{postgres_schema}".job_runs '
                            "WHERE job = 'report'").fetchall()
    ran = firings.read_text().split()
    assert len(rows) >= 3, outputs  # the schedulers overlapped for several firings
    assert len({fire for fire, _ in rows}) == len(rows)
    assert {status for _, status in rows} == {"done"}
    assert len(ran) == len(rows)  # each firing ran once: never in both schedulers
