"""The registry commands start fast: nothing heavy is imported before it is needed, and an
empty local store is answered without starting MLflow."""

from __future__ import annotations

import subprocess
import sys

from signaltrust.ml.registry import ModelRegistry


def test_registry_import_when_fresh_process_then_no_sklearn_scipy_torch_or_mlflow():
    code = ("import sys, signaltrust.ml.registry\n"
            "heavy = [m for m in ('sklearn', 'scipy', 'torch', 'numba', 'mlflow', 'lightgbm',"
            " 'pandas', 'sqlalchemy') if m in sys.modules]\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_list_models_when_local_store_does_not_exist_then_empty_and_nothing_created(tmp_path):
    registry = ModelRegistry(f"sqlite:///{tmp_path / 'home' / 'mlflow.db'}")
    assert registry.list_models() == []
    assert not (tmp_path / "home").exists()
    assert registry._client_obj is None  # MLflow was not started


def test_ml_explain_when_its_module_was_imported_first_then_still_the_function():
    code = ("import signaltrust.ml.explain as first, sys\n"
            "from signaltrust.ml import Explanation, explain\n"
            "from signaltrust.ml.explain import explain as direct\n"
            "assert explain is direct and first is direct and callable(explain)\n"
            "assert sys.modules['signaltrust.ml.explain'].METHODS[0] == 'auto'\n"
            "assert Explanation.__name__ == 'Explanation'\n")
    subprocess.run([sys.executable, "-c", code], check=True)
