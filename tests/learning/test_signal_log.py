"""The signal log: predictions recorded, outcomes joined only once they mature, scores."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.research.learning.signal_log import SignalLog, log_prediction, outcomes
from signaltrust.storage import Database


@pytest.fixture
def database():
    db = Database("sqlite://")
    db.upgrade()
    yield db
    db.dispose()


def _bars(closes, start="2020-01-01"):
    index = pd.date_range(start, periods=len(closes), freq="D", tz="UTC")
    close = pd.Series(closes, index=index, dtype="float64")
    return pd.DataFrame({"open": close, "high": close, "low": close, "close": close})


def test_outcome_when_price_rises_more_than_threshold_within_horizon_then_hit():
    bars = _bars([100, 101, 103, 102, 99])
    times = pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-04"], utc=True))
    out = outcomes(bars["close"], times, horizon=2, threshold=0.02)
    assert out.loc[0, "realized_return"] == pytest.approx(0.03)
    assert out.loc[0, "outcome"] == 1.0  # 100 -> 103: +3 % > 2 %
    assert out.loc[1, "outcome"] == 0.0  # 101 -> 102: +1 %, not a hit
    assert out.loc[1, "realized_return"] == pytest.approx(102 / 101 - 1)
    assert np.isnan(out.loc[2, "outcome"])  # 2020-01-04 + 2 bars is past the data: not matured


def test_outcome_when_triple_barrier_touches_lower_first_then_miss_even_if_it_ends_up():
    bars = _bars([100, 97, 104, 105])
    times = pd.Series(pd.to_datetime(["2020-01-01"], utc=True))
    barrier = outcomes(bars["close"], times, horizon=3, threshold=0.02, rule="triple_barrier")
    hit = outcomes(bars["close"], times, horizon=3, threshold=0.02, rule="hit")
    assert barrier.loc[0, "outcome"] == 0.0
    assert hit.loc[0, "outcome"] == 1.0


def test_join_outcomes_when_some_not_matured_then_only_matured_ones_are_scored(database):
    log = SignalLog(database)
    bars = _bars([100, 103, 101, 106, 107])
    for day, score in [("2020-01-01", 0.8), ("2020-01-02", 0.3), ("2020-01-05", 0.9)]:
        log.log_prediction(symbol="SPY", ts=day, model="m", model_version=1,
                           feature_hash="h", score=score, decision="long")
    assert log.join_outcomes("SPY", bars, horizon=1, threshold=0.02) == 2
    frame = log.frame(model="m")
    assert frame["outcome"].tolist()[:2] == [1.0, 0.0]
    assert pd.isna(frame["outcome"].iloc[2])
    assert log.join_outcomes("SPY", bars, horizon=1, threshold=0.02) == 0  # nothing new
    assert log.counts() == {"m": {"logged": 3, "matured": 2}}


def test_scores_when_outcomes_known_then_brier_mae_and_hit_rate_match_hand_values(database):
    log = SignalLog(database)
    closes = [100, 103, 101, 104, 100, 99]
    bars = _bars(closes)
    scores = [0.9, 0.2, 0.7, 0.4, 0.5]
    for i, s in enumerate(scores):
        log_prediction(database, symbol="SPY", ts=bars.index[i], model="m", model_version=2,
                       feature_hash="h", score=s, decision="long" if s > 0.5 else "flat")
    log.join_outcomes("SPY", bars, horizon=1, threshold=0.02)
    got = log.scores("m")
    outcome = np.array([1, 0, 1, 0, 0.0])
    assert got.n == 5
    assert got.brier == pytest.approx(np.mean((np.array(scores) - outcome) ** 2))
    assert got.mae == pytest.approx(np.mean(np.abs(np.array(scores) - outcome)))
    # directions called: 0.9 up (+3 %), 0.2 down (-1.9 %), 0.7 up (+3 %), 0.4 down (-3.8 %);
    # 0.5 makes no call
    assert got.hit_rate == 1.0


def test_log_prediction_when_served_mode_unknown_then_validation_error(database):
    with pytest.raises(ValidationError):
        SignalLog(database).log_prediction(symbol="SPY", ts="2020-01-01", model="m",
                                           model_version=1, feature_hash="h", score=0.5,
                                           decision="long", served="paper")
