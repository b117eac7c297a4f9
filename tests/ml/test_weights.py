"""Sample weights: concurrency and uniqueness on hand examples, attributed returns, time decay."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import ValidationError
from signaltrust.ml.weights import (
    concurrent_labels,
    label_uniqueness,
    time_decay,
    uniqueness_weights,
)

BARS = pd.date_range("2024-01-01", periods=6, freq="D", tz="UTC").as_unit("ns")


def _labels(pairs):
    return pd.Series(
        [BARS[b] for _, b in pairs], index=pd.DatetimeIndex([BARS[a] for a, _ in pairs])
    )


def test_label_uniqueness_when_hand_example_then_mean_inverse_concurrency():
    # labels earn the returns of bars (t0, t1]: A = bars 1, 2; B = bars 2, 3; C = bar 5
    t1 = _labels([(0, 2), (1, 3), (4, 5)])
    assert concurrent_labels(t1, BARS).tolist() == [0, 1, 2, 1, 0, 1]
    np.testing.assert_allclose(label_uniqueness(t1, BARS), [0.75, 0.75, 1.0])


def test_label_uniqueness_when_back_to_back_one_bar_labels_then_all_unique():
    t1 = _labels([(0, 1), (1, 2), (2, 3)])
    np.testing.assert_allclose(label_uniqueness(t1, BARS), [1.0, 1.0, 1.0])


def test_label_uniqueness_when_label_ends_at_its_start_then_counted_on_its_own_bar():
    t1 = _labels([(1, 3), (2, 2)])
    np.testing.assert_allclose(label_uniqueness(t1, BARS), [0.75, 0.5])


@settings(max_examples=50, deadline=None)
@given(spans=st.lists(st.tuples(st.integers(0, 29), st.integers(0, 8)), min_size=1, max_size=40))
def test_label_uniqueness_when_random_labels_then_equals_brute_force(spans):
    bars = pd.date_range("2024-01-01", periods=40, freq="h", tz="UTC").as_unit("ns")
    starts = sorted(a for a, _ in spans)
    ends = [min(a + h, 39) for a, (_, h) in zip(starts, spans, strict=True)]
    t1 = pd.Series(bars[ends], index=bars[starts])
    earned = [
        range(a + 1, b + 1) if b > a else range(a, a + 1) for a, b in zip(starts, ends, strict=True)
    ]
    count = np.zeros(40)
    for r in earned:
        count[list(r)] += 1
    expected = [np.mean(1.0 / count[list(r)]) for r in earned]
    np.testing.assert_allclose(label_uniqueness(t1, bars), expected)
    np.testing.assert_array_equal(concurrent_labels(t1, bars), count)


def test_uniqueness_weights_when_close_given_then_attributed_absolute_log_returns_scaled_to_n():
    close = pd.Series([100.0, 110.0, 99.0, 99.0, 120.0, 90.0], index=BARS)
    t1 = _labels([(0, 2), (1, 3), (4, 5)])
    r = np.log(close.to_numpy())
    r = np.diff(r, prepend=r[0])
    raw = np.array([abs(r[1] + r[2] / 2), abs(r[2] / 2 + r[3]), abs(r[5])])
    np.testing.assert_allclose(uniqueness_weights(t1, close), raw * 3 / raw.sum())


def test_uniqueness_weights_when_no_close_then_uniqueness_scaled_to_mean_one():
    t1 = _labels([(0, 2), (1, 3), (4, 5)])
    out = uniqueness_weights(t1, index=BARS)
    np.testing.assert_allclose(out, np.array([0.75, 0.75, 1.0]) * 3 / 2.5)
    assert out.sum() == pytest.approx(3)


@pytest.mark.parametrize(
    ("last_weight", "expected"),
    [
        (1.0, [1, 1, 1, 1]),
        (0.0, [0.25, 0.5, 0.75, 1.0]),
        (0.5, [0.625, 0.75, 0.875, 1.0]),
        (-0.5, [0, 0, 0.5, 1]),
    ],
)
def test_time_decay_when_equal_weights_then_linear_in_age(last_weight, expected):
    weights = pd.Series(1.0, index=BARS[:4])
    np.testing.assert_allclose(time_decay(weights, last_weight), expected)


def test_time_decay_when_last_weight_out_of_range_then_error_names_it():
    with pytest.raises(ValidationError) as info:
        time_decay(pd.Series(1.0, index=BARS), last_weight=1.5)
    assert info.value.field == "last_weight"


def test_label_uniqueness_when_bars_do_not_cover_labels_then_error_names_index():
    t1 = _labels([(0, 5)])
    with pytest.raises(ValidationError) as info:
        label_uniqueness(t1, BARS[:3])
    assert info.value.field == "index"
