"""The scheduler's default data jobs: bars through a local-file adapter into the lake (idempotent),
the feature set recomputed and cached for the updated symbols, and each firing run once when
two processes race for it, on SQLite and on the real PostgreSQL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from signaltrust.core.errors import DatasetNotFoundError, ValidationError
from signaltrust.data import load
from signaltrust.data.store import ParquetLake
from signaltrust.features import FeatureStore, TechnicalFeatures
from signaltrust.research.learning.jobs import (
    LocalFileSource,
    pending_symbols,
    record_updated,
    refresh_features,
    update_bars,
)
from signaltrust.storage import Database
from signaltrust.storage.learning_tables import job_runs

ROOT = Path(__file__).resolve().parents[2]
NOW = pd.Timestamp("2014-01-01", tz="UTC")


@pytest.fixture
def goog():
    return load("goog").iloc[:400]


def drop(folder: Path, bars: pd.DataFrame, symbol: str = "GOOG") -> None:
    folder.mkdir(parents=True, exist_ok=True)
    bars.to_csv(folder / f"{symbol}.csv")


def test_update_bars_when_run_twice_then_second_run_fetches_and_inserts_nothing(tmp_path, goog):
    drop(tmp_path / "drop", goog.iloc[:300])
    lake = ParquetLake(tmp_path / "lake")
    source = LocalFileSource(tmp_path / "drop")
    first = update_bars(lake, source, ["GOOG"], venue="FILE", start="2004-01-01", now=NOW)
    again = update_bars(lake, source, ["GOOG"], venue="FILE", start="2004-01-01", now=NOW)
    assert first[0].inserted == 300 and first[0].changed
    assert again[0].fetched == 0 and again[0].inserted == 0 and not again[0].changed
    pd.testing.assert_frame_equal(lake.read("GOOG", "1d", venue="FILE"), goog.iloc[:300],
                                  check_freq=False)


def test_update_bars_when_file_grows_then_only_the_new_bars_are_fetched(tmp_path, goog):
    drop(tmp_path / "drop", goog.iloc[:300])
    lake = ParquetLake(tmp_path / "lake")
    source = LocalFileSource(tmp_path / "drop")
    update_bars(lake, source, ["GOOG"], venue="FILE", start="2004-01-01", now=NOW)
    drop(tmp_path / "drop", goog)
    grown = update_bars(lake, source, ["GOOG"], venue="FILE", start="2004-01-01", now=NOW)[0]
    # asked from the day after the last stored bar
    assert grown.start == (goog.index[299] + pd.Timedelta(days=1)).isoformat()
    assert (grown.fetched, grown.inserted, grown.unchanged) == (100, 100, 0)
    assert grown.last == goog.index[-1].isoformat()
    assert len(lake.read("GOOG", "1d", venue="FILE")) == 400


def test_update_bars_when_bars_after_now_then_not_fetched(tmp_path, goog):
    drop(tmp_path / "drop", goog)
    lake = ParquetLake(tmp_path / "lake")
    now = goog.index[99] + pd.Timedelta(hours=1)
    update_bars(lake, LocalFileSource(tmp_path / "drop"), ["GOOG"], venue="FILE",
                start="2004-01-01", now=now)
    assert lake.read("GOOG", "1d", venue="FILE").index[-1] == goog.index[99]


def test_update_bars_when_symbol_has_no_file_then_error_names_it_and_the_fix(tmp_path):
    (tmp_path / "drop").mkdir()
    with pytest.raises(DatasetNotFoundError) as error:
        update_bars(ParquetLake(tmp_path / "lake"), LocalFileSource(tmp_path / "drop"),
                    ["MSFT"], venue="FILE", start="2004-01-01", now=NOW)
    assert error.value.value == "MSFT" and "MSFT.csv" in error.value.fix
    with pytest.raises(ValidationError):
        update_bars(ParquetLake(tmp_path / "lake"), LocalFileSource(tmp_path / "drop"), [],
                    venue="FILE", now=NOW)


def test_refresh_features_when_bars_unchanged_then_cache_hit_and_new_bars_recompute(tmp_path,
                                                                                  goog):
    drop(tmp_path / "drop", goog.iloc[:300])
    lake = ParquetLake(tmp_path / "lake")
    source = LocalFileSource(tmp_path / "drop")
    update_bars(lake, source, ["GOOG"], venue="FILE", start="2004-01-01", now=NOW)
    features = FeatureStore(tmp_path / "features")
    first = refresh_features(lake, features, TechnicalFeatures(), ["GOOG"], venue="FILE")[0]
    second = refresh_features(lake, features, TechnicalFeatures(), ["GOOG"], venue="FILE")[0]
    assert not first.cached and second.cached and first.key == second.key
    assert first.rows == 300 and first.columns > 10
    drop(tmp_path / "drop", goog)
    update_bars(lake, source, ["GOOG"], venue="FILE", start="2004-01-01", now=NOW)
    third = refresh_features(lake, features, TechnicalFeatures(), ["GOOG"], venue="FILE")[0]
    assert not third.cached and third.rows == 400 and third.last == goog.index[-1].isoformat()
    computed = TechnicalFeatures().transform(goog)
    pd.testing.assert_frame_equal(features.get_or_compute(TechnicalFeatures(),
                                                          lake.read("GOOG", "1d")),
                                  computed, check_freq=False)


def test_record_updated_when_nothing_changed_then_no_symbol_pending(tmp_path, goog):
    drop(tmp_path / "drop", goog.iloc[:10])
    lake = ParquetLake(tmp_path / "lake")
    source = LocalFileSource(tmp_path / "drop")
    updates = update_bars(lake, source, ["GOOG"], venue="FILE", start="2004-01-01", now=NOW)
    assert record_updated(tmp_path / "features", updates) == ["GOOG"]
    again = update_bars(lake, source, ["GOOG"], venue="FILE", start="2004-01-01", now=NOW)
    assert record_updated(tmp_path / "features", again) == ["GOOG"]  # still pending, once
    assert pending_symbols(tmp_path / "features") == ["GOOG"]


_RACER = textwrap.dedent("""
    import json, sys
    from signaltrust.storage import Database
    from signaltrust.research.learning.scheduler import resolve_callable, run_once
    url, schema, job, fire_ns = sys.argv[1], sys.argv[2] or None, sys.argv[3], int(sys.argv[4])
    db = Database(url, schema=schema)
    ran = run_once(db, job, fire_ns, resolve_callable(f"signaltrust.cli.loop:{job}_job"))
    db.dispose()
    print(json.dumps(ran))
""")


def _race(url: str, schema: str, tmp_path: Path, goog: pd.DataFrame) -> None:
    """Two processes fire data_update, then feature_refresh, at the same fire times."""
    home = tmp_path / "home"
    drop(tmp_path / "drop", goog.iloc[:300])
    env = dict(os.environ, SIGNALTRUST_HOME=str(home),
               SIGNALTRUST__LEARNING__UPDATE_SOURCE=f"file:{tmp_path / 'drop'}",
               SIGNALTRUST__LEARNING__UPDATE_SYMBOLS='["GOOG"]',
               SIGNALTRUST__LEARNING__UPDATE_START="2004-01-01",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    env.pop("SIGNALTRUST_CONFIG", None)
    db = Database(url, schema=schema or None)
    db.upgrade()
    ran = {}
    for job in ("data_update", "feature_refresh"):
        racers = [subprocess.Popen([sys.executable, "-c", _RACER, url, schema, job, "1000"],
                                   cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
                  for _ in range(2)]
        outs = [r.communicate(timeout=300)[0] for r in racers]
        assert all(r.returncode == 0 for r in racers)
        ran[job] = [json.loads(out.strip().splitlines()[-1]) for out in outs]
    with db.engine.connect() as conn:
        rows = conn.execute(select(job_runs)).mappings().all()
    db.dispose()
    assert sorted(ran["data_update"]) == [False, True]  # one process each, the other skipped
    assert sorted(ran["feature_refresh"]) == [False, True]
    assert sorted((r["job"], r["status"]) for r in rows) == [("data_update", "done"),
                                                             ("feature_refresh", "done")]
    lake = ParquetLake(home / "lake")
    assert len(lake.read("GOOG", "1d", venue="FILE")) == 300  # inserted once
    assert len(list((home / "features").glob("*/*.parquet"))) == 1  # computed once, cached
    assert pending_symbols(home / "features") == []


def test_default_data_jobs_when_two_processes_race_on_sqlite_then_each_firing_runs_once(
        tmp_path, goog):
    _race(f"sqlite:///{tmp_path / 'app.db'}", "", tmp_path, goog)


@pytest.mark.slow
def test_default_data_jobs_when_two_processes_race_on_postgres_then_each_firing_runs_once(
        postgres_url, postgres_schema, tmp_path, goog):
    url = postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
    _race(url, postgres_schema, tmp_path, goog)


def test_loop_status_when_update_source_set_then_data_jobs_listed_else_off(isolated_home,
                                                                           monkeypatch):
    from typer.testing import CliRunner

    from signaltrust.cli.main import app

    runner = CliRunner()
    off = json.loads(runner.invoke(app, ["loop", "status", "--json"]).stdout)
    assert not {"data_update", "feature_refresh"} & {j["name"] for j in off["jobs"]}
    monkeypatch.setenv("SIGNALTRUST__LEARNING__UPDATE_SOURCE", "file:/srv/drops")
    on = json.loads(runner.invoke(app, ["loop", "status", "--json"]).stdout)
    assert {"data_update", "feature_refresh"} <= {j["name"] for j in on["jobs"]}


def test_bar_fetcher_when_source_unknown_then_error_names_the_setting_and_the_choices(tmp_path):
    from signaltrust.cli.loop import bar_fetcher

    with pytest.raises(ValidationError) as error:
        bar_fetcher("ftp://bars", None)
    assert error.value.field == "learning.update_source" and "file:<folder>" in error.value.fix
    fetch, venue = bar_fetcher(f"file:{tmp_path}", None)
    assert venue == "FILE" and fetch == LocalFileSource(tmp_path)
