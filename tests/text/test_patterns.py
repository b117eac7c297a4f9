"""Pattern memory: similar past windows and what followed, never an outcome not yet known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.text.patterns import PatternMemory, window_vectors


def _bars(close):
    index = pd.date_range("2023-01-02", periods=len(close), freq="D", tz="UTC")
    return pd.DataFrame({"open": close, "high": close, "low": close, "close": close},
                        index=index)


@pytest.fixture(scope="module")
def walk():
    rng = np.random.default_rng(11)
    return _bars(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 300))))


def test_query_when_as_of_then_no_pattern_whose_outcome_is_unknown(walk):
    memory = PatternMemory(window=10, horizon=5).fit(walk)
    recent = walk.iloc[:150]
    match = memory.query(recent, k=20)
    bar_end = walk.index[149] + pd.Timedelta("1D")
    assert match.as_of == bar_end
    assert len(match.neighbours) == 20
    assert (match.neighbours["available_at"] <= bar_end).all()
    # the window ending on the query's own last bar has an outcome 5 bars ahead: not seen
    assert (match.neighbours["window_end"] <= walk.index[149 - 5]).all()


def test_query_when_a_past_window_repeats_then_it_is_found_with_its_outcome():
    up = np.linspace(100, 120, 10)
    shape = np.concatenate([up, up[::-1]])
    rng = np.random.default_rng(2)
    noise = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, 60)))
    close = np.concatenate([noise[:30], shape, noise[30:] * (shape[-1] / noise[30]),
                            shape * 1.5])
    bars = _bars(close)
    memory = PatternMemory(window=10, horizon=3).fit(bars)
    match = memory.query(bars, k=1)
    top = match.neighbours.iloc[0]
    assert top["similarity"] == pytest.approx(1.0, abs=1e-5)  # same shape, other level
    assert top["window_end"] == bars.index[30 + 19]  # the down leg, as the query's last bars
    assert top["forward_return"] == pytest.approx(np.log(close[52] / close[49]))
    assert match.summary["count"] == 1


def test_window_vectors_when_scaled_and_shifted_then_same_shape():
    a = window_vectors(np.array([1.0, 2.0, 3.0, 2.0]), 4)
    b = window_vectors(np.array([10.0, 20.0, 30.0, 20.0]), 4)
    np.testing.assert_allclose(a, b, atol=1e-12)


def test_fit_when_too_few_bars_then_validation_error(walk):
    with pytest.raises(ValidationError, match="window \\+ horizon"):
        PatternMemory(window=10, horizon=5).fit(walk.iloc[:12])


def test_query_when_not_fitted_then_validation_error(walk):
    with pytest.raises(ValidationError, match="fit"):
        PatternMemory().query(walk)
