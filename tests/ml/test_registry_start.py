"""The registry commands start fast: nothing heavy is imported before it is needed, and an
empty local store is answered without starting MLflow."""

from __future__ import annotations

import subprocess
import sys

from signaltrust.ml.registry import ModelRegistry


def test_registry_import_when_fresh_process_then_no_sklearn_scipy_torch_or_mlflow():
    code = ("import sys, signaltrust.ml.registry\n"
            "heavy = [m for m in ('sklearn', 'scipy', 'torch', 'numba', 'mlflow', 'lightgbm')"
            " if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_list_models_when_local_store_does_not_exist_then_empty_and_nothing_created(tmp_path):
    registry = ModelRegistry(f"sqlite:///{tmp_path / 'home' / 'mlflow.db'}")
    assert registry.list_models() == []
    assert not (tmp_path / "home").exists()
    assert registry._client_obj is None  # MLflow was not started
