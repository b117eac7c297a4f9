"""Model registry on a local MLflow store: log, list, show, promote, load round-trips."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.ml.models import get_model
from signaltrust.ml.registry import (
    ModelNotFoundError,
    ModelRegistry,
    get_model_version,
    list_models,
    load_model,
    log_training_run,
    promote,
    tracking_uri,
)


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory):
    """An MLflow SQLite store with its tables created once (creation takes seconds)."""
    folder = tmp_path_factory.mktemp("mlflow_template")
    ModelRegistry(f"sqlite:///{folder / 'mlflow.db'}").client.search_experiments()
    return folder / "mlflow.db"


@pytest.fixture(autouse=True)
def no_server(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)


@pytest.fixture
def registry(empty_store, isolated_home) -> ModelRegistry:
    isolated_home.mkdir(parents=True, exist_ok=True)
    shutil.copy(empty_store, isolated_home / "mlflow.db")
    return ModelRegistry(tracking_uri(isolated_home))


@pytest.fixture(scope="module")
def data() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["rsi_14", "ret_20", "gap"])
    y = (X["rsi_14"] + rng.normal(0, 0.5, 300) > 0).astype(int)
    return X, y


def _log(registry, model, X, name="sp500_lgbm", data_hash="hash-1", **kwargs):
    return registry.log_training_run(
        model, name=name, data_hash=data_hash, features=list(X.columns),
        params={"label": "triple_barrier", "horizon": 5}, seeds={"model": 0, "split": 7},
        metrics={"ic": 0.041, "hit_rate": 0.52, "folds": {"0": {"ic": 0.03}}}, **kwargs,
    )


def test_tracking_uri_when_no_server_configured_then_local_sqlite_under_home(isolated_home):
    assert tracking_uri(isolated_home) == f"sqlite:///{isolated_home.resolve() / 'mlflow.db'}"
    assert tracking_uri(isolated_home, {"PATH": "/bin"}).endswith("mlflow.db")


def test_tracking_uri_when_environment_given_sets_server_then_uses_it(isolated_home):
    environ = {"MLFLOW_TRACKING_URI": "http://mlflow.internal:5000"}
    assert tracking_uri(isolated_home, environ) == "http://mlflow.internal:5000"
    assert ModelRegistry(tracking_uri(isolated_home, environ)).tracking_uri == environ[
        "MLFLOW_TRACKING_URI"]


def test_tracking_uri_when_process_environment_sets_server_then_library_ignores_it(
    isolated_home, monkeypatch
):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://mlflow.internal:5000")
    assert tracking_uri(isolated_home).startswith("sqlite:///")  # the boundary passes os.environ


def test_registry_when_no_store_given_then_error_names_tracking_uri():
    with pytest.raises(ValidationError, match="tracking_uri"):
        ModelRegistry("")


@pytest.mark.parametrize("kind", ["lgbm", "xgb", "logistic"])
def test_registry_when_model_logged_then_round_trips_with_identical_predictions(
    registry, data, kind
):
    X, y = data
    model = get_model(kind).fit(X, y)

    version = _log(registry, model, X, name=f"m_{kind}")
    loaded = registry.load_model(f"m_{kind}", version.version)

    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert type(loaded) is type(model)


def test_log_training_run_when_logged_then_show_returns_everything_recorded(registry, data):
    X, y = data
    model = get_model("lgbm", n_estimators=40, random_state=3).fit(X, y)

    version = _log(registry, model, X, artefacts={"fold_table": [{"fold": 0, "ic": 0.03}]})
    shown = registry.get_model_version("sp500_lgbm", 1)

    assert version == shown
    assert shown.version == 1 and shown.data_hash == "hash-1"
    assert shown.features == ["rsi_14", "ret_20", "gap"]
    assert shown.params["label"] == "triple_barrier" and shown.params["horizon"] == 5
    assert shown.params["model.n_estimators"] == 40 and shown.params["model.random_state"] == 3
    assert shown.seeds == {"model": 0, "split": 7}
    assert shown.metrics == {"ic": 0.041, "hit_rate": 0.52, "folds": {"0": {"ic": 0.03}}}
    assert shown.model_class.endswith("LGBMClassifierModel")
    # and MLflow itself holds the run, so its UI and clients see the same figures
    run = registry.client.get_run(shown.run_id)
    assert run.data.metrics["ic"] == pytest.approx(0.041)
    assert run.data.metrics["folds.0.ic"] == pytest.approx(0.03)
    assert run.data.params["data_hash"] == "hash-1" and run.data.params["seed.split"] == "7"
    assert run.info.status == "FINISHED"
    arts = {a.path for a in registry.client.list_artifacts(shown.run_id, "artefacts")}
    assert arts == {"artefacts/fold_table.json"}


def test_promote_when_alias_moves_then_latest_alias_and_list_agree(registry, data):
    X, y = data
    first = get_model("logistic", C=0.1).fit(X, y)
    second = get_model("logistic", C=10.0).fit(X, y)
    _log(registry, first, X, name="logit", data_hash="h1")
    _log(registry, second, X, name="logit", data_hash="h2")

    registry.promote("logit", 1)
    registry.promote("logit", 2, alias="staging")
    assert registry.get_model_version("logit", "production").version == 1
    moved = registry.promote("logit", "2", alias="production")

    assert moved.aliases == ["production", "staging"]
    assert registry.get_model_version("logit", 1).aliases == []
    assert registry.get_model_version("logit").data_hash == "h2"  # latest
    listed = {m.name: m for m in registry.list_models()}
    assert listed["logit"].versions == [1, 2] and listed["logit"].latest_version == 2
    assert listed["logit"].aliases == {"production": 2, "staging": 2}
    prod = registry.load_model("logit", "production")
    np.testing.assert_array_equal(prod.predict_proba(X), second.predict_proba(X))


def test_get_model_version_when_unknown_then_error_lists_what_exists(registry, data):
    X, y = data
    _log(registry, get_model("logistic").fit(X, y), X, name="logit")

    with pytest.raises(ModelNotFoundError, match="nope.*use one of: logit"):
        registry.get_model_version("nope")
    with pytest.raises(ModelNotFoundError, match=r"no version 7.*\[1\]"):
        registry.get_model_version("logit", 7)
    with pytest.raises(ModelNotFoundError, match="no alias 'production'"):
        registry.load_model("logit", "production")
    with pytest.raises(ModelNotFoundError, match="no version 3"):
        registry.promote("logit", 3)
    with pytest.raises(ValidationError, match="alias"):
        registry.promote("logit", 1, alias="v2")


def test_log_training_run_when_required_record_missing_then_refused(registry, data):
    X, y = data
    model = get_model("logistic").fit(X, y)
    with pytest.raises(ValidationError, match="data_hash"):
        registry.log_training_run(model, name="x", data_hash="", features=list(X.columns))
    with pytest.raises(ValidationError, match="name"):
        registry.log_training_run(model, name=" ", data_hash="h", features=list(X.columns))


def test_module_functions_when_given_the_store_then_use_that_registry(registry, data):
    X, y = data
    model = get_model("logistic").fit(X, y)
    store = registry.tracking_uri

    version = log_training_run(model, tracking_uri=store, name="default_store", data_hash="h",
                               features=["a"], seeds=11)
    promote("default_store", version.version, alias="staging", tracking_uri=store)

    assert [m.name for m in list_models(tracking_uri=store)] == ["default_store"]
    assert get_model_version("default_store", "staging", tracking_uri=store).seeds == {
        "random_state": 11}
    np.testing.assert_array_equal(load_model("default_store", tracking_uri=store).predict(X),
                                  model.predict(X))


def test_registry_when_torch_sequence_model_logged_then_loads_and_predicts_identically(
    registry, data
):
    pytest.importorskip("torch")
    X, y = data
    model = get_model("lstm", hidden_size=8, lookback=5, max_epochs=2).fit(X, y)

    _log(registry, model, X, name="seq")
    loaded = registry.load_model("seq")

    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_docs_examples_when_run_in_order_then_no_error(registry):
    """docs/ml_regimes_explain_registry.md: every python block runs, in one namespace."""
    import re
    from pathlib import Path

    text = (Path(__file__).parents[2] / "docs" / "ml_regimes_explain_registry.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/ml_regimes_explain_registry.md", "exec"), namespace)
    assert namespace["version"].version == 1
