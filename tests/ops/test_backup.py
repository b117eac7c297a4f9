"""``signaltrust.ops.backup``: the database, the bar lake and the model registry survive a backup
and a restore (SQLite, PostgreSQL, and SQLite into PostgreSQL); a restore never replaces data
silently and refuses a damaged backup before changing anything."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.core.errors import ValidationError
from signaltrust.ops import BackupSources, backup, restore
from signaltrust.storage import Database, Journal, NodeRegistry

runner = CliRunner()
SNAPSHOT = bytes(range(256)) * 3  # every byte value: binary columns must survive the dump


def _pg(url: str, schema: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://")


def _sources(home: Path, database_url: str | None = None, schema: str | None = None
             ) -> BackupSources:
    return BackupSources(
        database_url=database_url or f"sqlite:///{home / 'signaltrust.db'}",
        lake_path=home / "lake", registry_uri=f"sqlite:///{home / 'mlflow.db'}",
        artifacts_path=home / "mlartifacts", schema=schema,
    )


def _fill(sources: BackupSources) -> None:
    """An installation with a node, its journal and snapshot, a queued command, a lake file
    and a registry store with an artefact."""
    database = Database(sources.database_url, schema=sources.schema)
    database.upgrade()
    NodeRegistry(database).register("alpha", "paper", {"strategy": "sma_cross"}, pid=None)
    journal = Journal(database, "alpha")
    journal.append([("bar", 1_700_000_000_000_000_000 + i, {"close": 100.25 + i, "i": i})
                    for i in range(50)])
    journal.save_snapshot(50, SNAPSHOT, "pickle")
    NodeRegistry(database).post("alpha", "pause", {"why": "test"})
    database.dispose()
    bars = sources.lake_path / "symbol=SPY"
    bars.mkdir(parents=True)
    pd.DataFrame({"close": [1.5, 2.5, 3.5]}).to_parquet(bars / "part-0.parquet")
    with sqlite3.connect(sources.registry_uri[len("sqlite:///"):]) as store:
        store.execute("CREATE TABLE registered_models (name TEXT PRIMARY KEY)")
        store.execute("INSERT INTO registered_models VALUES ('spy-direction')")
    (sources.artifacts_path / "1").mkdir(parents=True)
    (sources.artifacts_path / "1" / "model.pkl").write_bytes(b"weights")


def _state(sources: BackupSources) -> dict:
    database = Database(sources.database_url, schema=sources.schema)
    try:
        journal = Journal(database, "alpha")
        registry = NodeRegistry(database)
        state = {
            "entries": [(e.seq, e.kind, e.ts_ns, e.payload) for e in journal.entries()],
            "snapshot": journal.latest_snapshot(),
            "commands": [(c.command, c.args) for c in registry.pending("alpha")],
            "node": registry.require("alpha").config,
        }
    finally:
        database.dispose()
    state["lake"] = pd.read_parquet(sources.lake_path / "symbol=SPY" / "part-0.parquet")
    with sqlite3.connect(sources.registry_uri[len("sqlite:///"):]) as store:
        state["models"] = store.execute("SELECT name FROM registered_models").fetchall()
    state["artifact"] = (sources.artifacts_path / "1" / "model.pkl").read_bytes()
    return state


def _assert_same(restored: dict, original: dict) -> None:
    assert restored["entries"] == original["entries"]
    assert restored["snapshot"] == original["snapshot"] == (50, "pickle", SNAPSHOT)
    assert restored["commands"] == original["commands"]
    assert restored["node"] == original["node"]
    pd.testing.assert_frame_equal(restored["lake"], original["lake"])
    assert restored["models"] == original["models"] == [("spy-direction",)]
    assert restored["artifact"] == b"weights"


def test_restore_when_a_sqlite_backup_goes_to_a_new_home_then_everything_is_back(tmp_path):
    source = _sources(tmp_path / "a")
    _fill(source)
    manifest = backup(source, tmp_path / "backup")
    assert manifest.parts["database"]["kind"] == "sqlite"
    assert manifest.parts["database"]["rows"]["journal"] == 50
    target = _sources(tmp_path / "b")
    restore(tmp_path / "backup", target)
    _assert_same(_state(target), _state(source))


def test_restore_when_the_target_holds_data_then_refused_unless_force(tmp_path):
    source = _sources(tmp_path / "a")
    _fill(source)
    backup(source, tmp_path / "backup")
    database = Database(source.database_url)
    Journal(database, "alpha").append([("bar", 1, {"after": "backup"})])
    database.dispose()
    with pytest.raises(ValidationError, match="would replace existing data") as refused:
        restore(tmp_path / "backup", source)
    assert "--force" in refused.value.fix
    assert "bar lake" in str(refused.value) and "model registry" in str(refused.value)
    assert len(_state(source)["entries"]) == 51  # nothing was touched
    restore(tmp_path / "backup", source, force=True)
    assert len(_state(source)["entries"]) == 50


def test_backup_when_the_folder_is_not_empty_then_refused_unless_force(tmp_path):
    source = _sources(tmp_path / "a")
    _fill(source)
    (tmp_path / "backup").mkdir()
    (tmp_path / "backup" / "notes.txt").write_text("mine")
    with pytest.raises(ValidationError, match="not empty"):
        backup(source, tmp_path / "backup")
    assert (tmp_path / "backup" / "notes.txt").read_text() == "mine"
    backup(source, tmp_path / "backup", force=True)
    assert not (tmp_path / "backup" / "notes.txt").exists()


def test_restore_when_a_lake_file_was_changed_then_refused_before_anything_changes(tmp_path):
    source = _sources(tmp_path / "a")
    _fill(source)
    backup(source, tmp_path / "backup")
    (tmp_path / "backup" / "lake" / "symbol=SPY" / "part-0.parquet").write_bytes(b"damaged")
    target = _sources(tmp_path / "b")
    with pytest.raises(ValidationError, match="does not match its manifest"):
        restore(tmp_path / "backup", target)
    assert not (tmp_path / "b").exists()


def test_restore_when_the_folder_has_no_manifest_then_it_is_not_a_backup(tmp_path):
    (tmp_path / "half").mkdir()
    with pytest.raises(ValidationError, match="not a SignalTrust backup"):
        restore(tmp_path / "half", _sources(tmp_path / "b"))


@pytest.mark.postgres
def test_restore_when_postgres_then_tables_round_trip_and_new_ids_follow(
        tmp_path, postgres_url, postgres_schema):
    url = _pg(postgres_url, postgres_schema)
    source = _sources(tmp_path / "a", url, postgres_schema)
    _fill(source)
    manifest = backup(source, tmp_path / "backup")
    assert manifest.parts["database"]["kind"] == "tables"
    second = f"{postgres_schema}_r"
    target = _sources(tmp_path / "b", url, second)
    try:
        restore(tmp_path / "backup", target)
        _assert_same(_state(target), _state(source))
        database = Database(url, schema=second)
        command_id = NodeRegistry(database).post("alpha", "resume", {})
        database.dispose()
        assert command_id == 2  # the restored command is id 1: the sequence moved past it
    finally:
        import psycopg

        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{second}" CASCADE')


@pytest.mark.postgres
def test_restore_when_a_sqlite_backup_goes_to_postgres_then_rows_are_loaded(
        tmp_path, postgres_url, postgres_schema):
    source = _sources(tmp_path / "a")
    _fill(source)
    backup(source, tmp_path / "backup")
    target = _sources(tmp_path / "b", _pg(postgres_url, postgres_schema), postgres_schema)
    restore(tmp_path / "backup", target)
    _assert_same(_state(target), _state(source))
    with pytest.raises(ValidationError, match="would replace existing data"):
        restore(tmp_path / "backup", target)


def test_cli_when_backup_then_restore_into_an_occupied_home_then_exit_1_naming_force(
        tmp_path, isolated_home):
    _fill(_sources(isolated_home))
    result = runner.invoke(app, ["backup", str(tmp_path / "b1"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["database"]["rows"] > 50
    refused = runner.invoke(app, ["restore", str(tmp_path / "b1")])
    assert refused.exit_code == 1
    assert "--force" in refused.output
    forced = runner.invoke(app, ["restore", str(tmp_path / "b1"), "--force"])
    assert forced.exit_code == 0, forced.output


def test_backup_job_when_the_scheduler_fires_it_then_a_dated_backup_lands_under_home(
        isolated_home):
    from signaltrust.cli.backup import backup_job

    _fill(_sources(isolated_home))
    backup_job()
    made = list((isolated_home / "backups").iterdir())
    assert len(made) == 1 and made[0].name.endswith("Z")
    target = _sources(isolated_home.parent / "restored")
    restore(made[0], target)
    _assert_same(_state(target), _state(_sources(isolated_home)))
