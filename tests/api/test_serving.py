"""A long-lived server's heap: what is alive after start-up, and after a signal model is
loaded, is frozen out of the collector's full collections; a test app freezes nothing."""

from __future__ import annotations

import gc

import pytest
from fastapi.testclient import TestClient

from signaltrust.api.app import create_app
from signaltrust.api.users import fast_password_hash
from signaltrust.core.config import load_settings
from signaltrust.storage import Database


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the rest of this test process collects as usual


def _app(serving: bool):
    database = Database("sqlite://")
    return create_app(load_settings(), database=database, password_hash=fast_password_hash(),
                      serving=serving)


def test_app_when_serving_then_start_up_freezes_the_heap(unfrozen):
    with TestClient(_app(serving=True)) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() > 10_000  # the modules, the app, its routes


def test_app_when_not_serving_then_nothing_is_frozen(unfrozen):
    with TestClient(_app(serving=False)) as client:
        assert client.get("/health").status_code == 200
        assert gc.get_freeze_count() == 0


def test_signal_service_when_a_model_is_loaded_then_its_callback_runs(tmp_path):
    from signaltrust.api.services.signals import SignalService

    calls: list[int] = []
    service = SignalService(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}",
                            lock_dir=tmp_path / "locks", on_model_loaded=lambda: calls.append(1))
    service.signal("sp500")  # trains and registers the default model
    assert calls == [1]
    SignalService(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}", lock_dir=tmp_path / "locks",
                  on_model_loaded=lambda: calls.append(2)).signal("sp500")  # loads it
    assert calls == [1, 2]
