"""The application database: processes that open a new PostgreSQL schema at the same moment
all find it migrated (they migrate in turn), and the schema is at the newest revision."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from signaltrust.storage import open_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_open_database_when_six_processes_migrate_a_new_schema_at_once_then_all_succeed(
        tmp_path, postgres_url, postgres_schema):
    code = ("import sys; from signaltrust.storage import open_database; "
            "d = open_database(sys.argv[1], sys.argv[2], schema=sys.argv[3]); "
            "print(d.revision())")
    processes = [subprocess.Popen(  # noqa: S603
        [sys.executable, "-c", code, postgres_url, str(tmp_path), postgres_schema],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
        for _ in range(6)]
    outputs = [p.communicate(timeout=120)[0] for p in processes]
    assert [p.returncode for p in processes] == [0] * 6, outputs
    database = open_database(postgres_url, tmp_path, schema=postgres_schema)
    revisions = {line.strip().splitlines()[-1] for line in outputs}
    assert revisions == {database.revision()}
    database.dispose()
