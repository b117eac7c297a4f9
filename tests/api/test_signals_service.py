"""The signal service: a fresh install trains and registers the default meta-model on the first
request, later requests use the champion; answers are cached per bar (memory, Redis)."""

from __future__ import annotations

import uuid

import pandas as pd
import pytest

from signaltrust.api.services.signals import SignalService
from signaltrust.core.errors import SignalTrustError
from signaltrust.data import load


@pytest.fixture(scope="module")
def registry_home(tmp_path_factory):
    return tmp_path_factory.mktemp("signals")


def _service(home, **kwargs) -> SignalService:
    return SignalService(tracking_uri=f"sqlite:///{home / 'mlflow.db'}", lock_dir=home / "locks",
                         **kwargs)


@pytest.fixture(scope="module")
def first_answer(registry_home):
    service = _service(registry_home)
    return service, service.signal("goog")


@pytest.mark.slow
def test_signal_when_no_model_is_registered_then_first_request_trains_and_says_so(first_answer):
    _, answer = first_answer
    assert answer["trained"] is True
    assert "no model was registered for goog" in answer["note"]
    assert answer["model_version"] == {"name": "signal_goog", "version": 1,
                                       "alias": "production",
                                       "model_class": answer["model_version"]["model_class"]}
    assert 0.0 <= answer["score"] <= 1.0 and answer["score"] == answer["ml_probability"]
    assert answer["confidence"] == pytest.approx(abs(2 * answer["score"] - 1))
    assert answer["timestamp"].startswith(str(load("goog").index[-1].date()))
    assert answer["regime"]["label"] in answer["regime"]["probabilities"]
    explanation = answer["explanation"]
    assert explanation["method"] == "tree" and len(explanation["contributions"]) == 5
    assert explanation["sentences"] and all(isinstance(s, str) for s in
                                            explanation["sentences"])
    top = {c["feature"] for c in explanation["contributions"]}
    assert top <= set(answer["features"])


@pytest.mark.slow
def test_signal_when_champion_is_registered_then_a_new_service_loads_it_without_training(
        first_answer, registry_home):
    _, answer = first_answer
    again = _service(registry_home).signal("goog")
    assert again["trained"] is False
    assert "registered champion signal_goog v1" in again["note"]
    assert again["score"] == pytest.approx(answer["score"])


@pytest.mark.slow
def test_signal_when_same_bar_then_cached_and_when_new_bar_then_computed_again(registry_home):
    bars = load("goog")
    known = {"n": len(bars) - 5}
    service = _service(registry_home, recheck_seconds=0.0,
                       loader=lambda symbol: (bars.iloc[:known["n"]].copy(), False))
    first = service.signal("goog")
    assert service.signal("goog") is first and service.computed == 1
    known["n"] += 1  # a new bar lands in the store
    second = service.signal("goog")
    assert service.computed == 2
    assert pd.Timestamp(second["timestamp"]) > pd.Timestamp(first["timestamp"])


@pytest.mark.slow
def test_signal_when_redis_holds_the_bar_then_another_worker_answers_without_computing(
        first_answer, tmp_path):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=1).ping()
    except Exception:
        pytest.skip("Redis unreachable at 127.0.0.1:6379")
    namespace = f"test:{uuid.uuid4().hex}"
    service, _ = first_answer
    writer = _service(service.lock_dir.parent, redis_url="redis://127.0.0.1:6379/0",
                      namespace=namespace)
    answer = writer.signal("goog")
    # an empty registry: computing would train; the shared cache answers instead
    reader = _service(tmp_path, redis_url="redis://127.0.0.1:6379/0", namespace=namespace)
    assert reader.signal("goog") == answer
    assert reader.computed == 0


@pytest.mark.parametrize("symbol", ["vix", "../etc/passwd", "prices.csv", "no_such_dataset"])
def test_signal_when_symbol_is_not_a_bar_series_then_refused_with_a_fix(tmp_path, symbol):
    with pytest.raises(SignalTrustError) as caught:
        _service(tmp_path).signal(symbol)
    assert caught.value.fix


@pytest.mark.slow
def test_signal_when_series_is_monthly_and_short_then_still_answers(tmp_path):
    answer = _service(tmp_path).signal("btcusd")
    assert answer["trained"] is True and 0.0 <= answer["score"] <= 1.0
