"""The registry's direct SQL read path answers what MLflow answers, without importing MLflow.

One real local store is written through MLflow (two models, three versions, aliases, a deleted
version, a prompt); every read through ``reads="auto"`` (plain SQL) is compared with the same
read through ``reads="mlflow"`` (MLflow's client), and the ``signaltrust models`` commands
are run in fresh processes to check which modules they import.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from signaltrust.ml.models import get_model
from signaltrust.ml.registry import ModelNotFoundError, ModelRegistry, tracking_uri
from signaltrust.ml.registry_sql import SqlRegistryStore, is_sql_store

HEAVY = ("mlflow", "sqlalchemy", "torch", "sklearn", "scipy", "lightgbm", "pandas")


@pytest.fixture(scope="module")
def store_home(tmp_path_factory):
    """A home whose MLflow store holds sp500_logit v1-v3 (v2 deleted), sp500_lgbm v1, a prompt."""
    home = tmp_path_factory.mktemp("registry_sql") / "home"
    home.mkdir()
    registry = ModelRegistry(tracking_uri(home), reads="mlflow")
    rng = np.random.default_rng(3)
    X = pd.DataFrame(rng.normal(size=(120, 2)), columns=["rsi_14", "ret_20"])
    y = (X["rsi_14"] > 0).astype(int)
    for name, c in (("sp500_logit", 1.0), ("sp500_logit", 0.5), ("sp500_logit", 0.1),
                    ("sp500_lgbm", 1.0)):
        registry.log_training_run(
            get_model("logistic", C=c).fit(X, y), name=name, data_hash=f"hash-{c}",
            features=list(X.columns), params={"label": "sign", "C": c}, seeds={"model": 0},
            metrics={"ic": 0.05, "folds": {"0": {"ic": 0.01}}}, tags={"desk": "equities"})
    registry.promote("sp500_logit", 3, "production")
    registry.promote("sp500_logit", 1, "staging")
    registry.client.delete_model_version("sp500_logit", "2")
    registry.client.register_prompt("a_prompt", "Summarise {{ text }}")
    return home


def _both(home):
    uri = tracking_uri(home)
    return ModelRegistry(uri), ModelRegistry(uri, reads="mlflow")


def test_is_sql_store_when_uri_given_then_sql_schemes_only():
    assert is_sql_store("sqlite:////tmp/mlflow.db")
    assert is_sql_store("postgresql+psycopg://u@h/db") and is_sql_store("mysql://u@h/db")
    assert not is_sql_store("http://mlflow:5000") and not is_sql_store("file:///tmp/mlruns")
    assert not is_sql_store("databricks") and not is_sql_store("/tmp/mlruns")


def test_list_models_when_read_directly_then_equal_to_mlflow(store_home):
    fast, slow = _both(store_home)
    listed = fast.list_models()
    assert listed == slow.list_models()
    assert [(m.name, m.versions, m.aliases) for m in listed] == [
        ("sp500_lgbm", [1], {}),
        ("sp500_logit", [1, 3], {"production": 3, "staging": 1}),
    ]


@pytest.mark.parametrize("name, ref", [
    ("sp500_logit", None), ("sp500_logit", 1), ("sp500_logit", "3"), ("sp500_logit", "production"),
    ("sp500_logit", "staging"), ("sp500_lgbm", None),
])
def test_get_model_version_when_read_directly_then_equal_to_mlflow(store_home, name, ref):
    fast, slow = _both(store_home)
    direct = fast.get_model_version(name, ref)
    assert direct == slow.get_model_version(name, ref)
    assert direct.tags["desk"] == "equities" and direct.features == ["rsi_14", "ret_20"]


@pytest.mark.parametrize("name, ref", [
    ("nope", None), ("a_prompt", None), ("sp500_logit", 2), ("sp500_logit", 9),
    ("sp500_logit", "canary"),
])
def test_get_model_version_when_unknown_then_same_error_as_mlflow(store_home, name, ref):
    fast, slow = _both(store_home)
    with pytest.raises(ModelNotFoundError) as direct:
        fast.get_model_version(name, ref)
    with pytest.raises(ModelNotFoundError) as through_mlflow:
        slow.get_model_version(name, ref)
    assert str(direct.value) == str(through_mlflow.value)


def test_promote_when_written_directly_then_mlflow_reads_the_alias(store_home, tmp_path):
    home = tmp_path / "copy"
    shutil.copytree(store_home, home)
    fast, slow = _both(home)
    moved = fast.promote("sp500_logit", 1, "production")
    assert moved.aliases == ["production", "staging"]
    assert slow.client.get_registered_model("sp500_logit").aliases == {
        "production": 1, "staging": 1}
    assert fast.list_models() == slow.list_models()
    assert "mlflow" in sys.modules  # this test process used MLflow's client for the check


def test_reads_when_store_missing_then_nothing_created(tmp_path):
    store = SqlRegistryStore(f"sqlite:///{tmp_path / 'none' / 'mlflow.db'}")
    assert store.models() == [] and not store.exists("x")
    assert not (tmp_path / "none").exists()


def _cli(home, *args: str) -> tuple[dict, list[str]]:
    """Run ``signaltrust <args> --json`` in a fresh process: its JSON and the heavy modules."""
    code = ("import atexit, json, sys\n"
            f"atexit.register(lambda: sys.stderr.write('HEAVY=' + json.dumps("
            f"[m for m in {HEAVY!r} if m in sys.modules])))\n"
            "from signaltrust.cli.main import app\n"
            "sys.argv = ['signaltrust', *sys.argv[1:]]\n"
            "app()\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIGNALTRUST", "MLFLOW"))}
    done = subprocess.run([sys.executable, "-c", code, *args, "--json"], capture_output=True,
                          text=True, env={**env, "SIGNALTRUST_HOME": str(home)}, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), json.loads(done.stderr.rsplit("HEAVY=", 1)[1])


def test_models_commands_when_run_then_mlflow_pandas_and_sklearn_not_imported(store_home, tmp_path):
    home = tmp_path / "copy"
    shutil.copytree(store_home, home)
    listed, heavy = _cli(home, "models", "list")
    assert [m["name"] for m in listed["models"]] == ["sp500_lgbm", "sp500_logit"] and heavy == []
    shown, heavy = _cli(home, "models", "show", "sp500_logit", "--version", "production")
    assert shown["version"] == 3 and shown["data_hash"] == "hash-0.1" and heavy == []
    promoted, heavy = _cli(home, "models", "promote", "sp500_lgbm", "1", "--alias", "staging")
    assert promoted["aliases"] == ["staging"] and heavy == []
    assert ModelRegistry(tracking_uri(home), reads="mlflow").get_model_version(
        "sp500_lgbm", "staging").version == 1


@pytest.mark.postgres
def test_reads_when_store_is_postgresql_then_equal_to_mlflow(postgres_url, postgres_schema,
                                                             tmp_path, monkeypatch):
    import psycopg

    monkeypatch.chdir(tmp_path)  # MLflow puts a server store's artefacts under ./mlruns
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{postgres_schema}"')
    uri = (postgres_url.replace("postgresql://", "postgresql+psycopg://", 1)
           + f"?options=-csearch_path%3D{postgres_schema}")
    fast, slow = ModelRegistry(uri), ModelRegistry(uri, reads="mlflow")
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(100, 2)), columns=["a", "b"])
    for c in (1.0, 0.1):
        slow.log_training_run(get_model("logistic", C=c).fit(X, (X["a"] > 0).astype(int)),
                              name="pg_logit", data_hash=f"h{c}", features=["a", "b"])
    fast.promote("pg_logit", 1, "production")
    assert slow.client.get_registered_model("pg_logit").aliases == {"production": 1}
    assert fast.list_models() == slow.list_models()
    for ref in (None, 1, "production"):
        assert fast.get_model_version("pg_logit", ref) == slow.get_model_version("pg_logit", ref)
