"""``signaltrust models list|show|promote`` on an isolated local registry."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.ml.models import get_model
from signaltrust.ml.registry import ModelRegistry, tracking_uri

runner = CliRunner()


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory):
    """An MLflow SQLite store with its tables created once (creation takes seconds)."""
    folder = tmp_path_factory.mktemp("mlflow_cli_template")
    ModelRegistry(f"sqlite:///{folder / 'mlflow.db'}").client.search_experiments()
    return folder / "mlflow.db"


@pytest.fixture(autouse=True)
def no_server(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture
def registered(empty_store, isolated_home):
    """Two versions of ``sp500_logit`` in the home's registry."""
    isolated_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(empty_store, isolated_home / "mlflow.db")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 2)), columns=["rsi_14", "ret_20"])
    y = (X["rsi_14"] > 0).astype(int)
    registry = ModelRegistry(tracking_uri(isolated_home))
    for c, data_hash in ((1.0, "hash-a"), (0.1, "hash-b")):
        registry.log_training_run(
            get_model("logistic", C=c).fit(X, y), name="sp500_logit", data_hash=data_hash,
            features=list(X.columns), params={"label": "sign"}, seeds={"model": 0},
            metrics={"ic": 0.05, "hit_rate": 0.51},
        )
    return registry


def _json(result) -> dict:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_models_list_when_empty_registry_then_says_so(isolated_home, empty_store):
    isolated_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(empty_store, isolated_home / "mlflow.db")

    result = runner.invoke(app, ["models", "list"])

    assert result.exit_code == 0 and "no registered models" in result.stdout
    assert _json(runner.invoke(app, ["models", "list", "--json"])) == {"models": []}


def test_models_list_when_versions_logged_then_lists_name_versions_and_aliases(registered):
    registered.promote("sp500_logit", 1)

    payload = _json(runner.invoke(app, ["models", "list", "--json"]))
    text = runner.invoke(app, ["models", "list"])

    (model,) = payload["models"]
    assert model["name"] == "sp500_logit" and model["versions"] == [1, 2]
    assert model["latest_version"] == 2 and model["aliases"] == {"production": 1}
    assert "sp500_logit" in text.stdout and "production=1" in text.stdout


def test_models_show_when_version_or_alias_then_prints_the_training_record(registered):
    latest = _json(runner.invoke(app, ["models", "show", "sp500_logit", "--json"]))
    first = _json(runner.invoke(app, ["models", "show", "sp500_logit", "--version", "1",
                                      "--json"]))
    text = runner.invoke(app, ["models", "show", "sp500_logit", "-v", "1"])

    assert latest["version"] == 2 and latest["data_hash"] == "hash-b"
    assert first["data_hash"] == "hash-a" and first["features"] == ["rsi_14", "ret_20"]
    assert first["params"]["label"] == "sign" and first["params"]["model.C"] == 1.0
    assert first["seeds"] == {"model": 0} and first["metrics"]["ic"] == 0.05
    assert text.exit_code == 0
    for word in ("hash-a", "rsi_14", "hit_rate", "model.C", "model=0"):
        assert word in text.stdout


def test_models_promote_when_version_exists_then_alias_points_at_it(registered):
    payload = _json(runner.invoke(app, ["models", "promote", "sp500_logit", "2", "--json"]))
    staged = runner.invoke(app, ["models", "promote", "sp500_logit", "1", "--alias", "staging"])
    by_alias = _json(runner.invoke(app, ["models", "show", "sp500_logit", "--version",
                                         "production", "--json"]))

    assert payload == {"name": "sp500_logit", "version": 2, "alias": "production",
                       "aliases": ["production"]}
    assert staged.exit_code == 0 and "staging" in staged.stdout
    assert by_alias["version"] == 2 and by_alias["aliases"] == ["production"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["models", "show", "nope"], ["nope", "sp500_logit"]),
        (["models", "show", "sp500_logit", "--version", "9"], ["9", "[1, 2]"]),
        (["models", "show", "sp500_logit", "--version", "production"], ["production"]),
        (["models", "promote", "sp500_logit", "5"], ["5", "[1, 2]"]),
        (["models", "promote", "ghost", "1"], ["ghost", "sp500_logit"]),
    ],
)
def test_models_when_unknown_name_or_version_then_exit_1_naming_it_and_listing(
    registered, args, expected
):
    result = runner.invoke(app, args)

    assert result.exit_code == 1
    for word in expected:
        assert word in result.stderr


def test_models_show_when_unknown_and_json_then_error_object(registered):
    result = runner.invoke(app, ["models", "show", "nope", "--json"])

    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["error"] == "ModelNotFoundError" and "sp500_logit" in payload["fix"]
