"""Labels: hand-computed values, the barriers' order, and causality by truncation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.features.labels import (
    ewm_volatility,
    forward_returns,
    horizon_end_times,
    meta_labels,
    sign_labels,
    triple_barrier_labels,
)


def _series(values, start="2024-01-01"):
    index = pd.date_range(start, periods=len(values), freq="D", tz="UTC").as_unit("ns")
    return pd.Series(np.asarray(values, dtype="float64"), index=index)


@pytest.fixture(scope="module")
def sp500():
    return load("sp500").iloc[-600:]


def test_forward_returns_when_horizon_two_then_close_ratio_and_nan_tail():
    close = _series([100, 110, 121, 133.1])
    out = forward_returns(close, 2)
    np.testing.assert_allclose(out.iloc[:2], [0.21, 0.21])
    assert out.iloc[2:].isna().all()
    logged = forward_returns(close, 1, log=True)
    np.testing.assert_allclose(logged.iloc[:3], np.log([1.1, 1.1, 1.1]))


def test_horizon_end_times_when_horizon_two_then_bar_two_later_and_nat_tail():
    close = _series([1, 2, 3, 4])
    t1 = horizon_end_times(close.index, 2)
    assert list(t1.iloc[:2]) == list(close.index[2:])
    assert t1.iloc[2:].isna().all()


def test_sign_labels_when_move_inside_dead_zone_then_zero():
    close = _series([100, 100.05, 101, 100, 100])
    out = sign_labels(close, dead_zone=0.001)
    assert out.iloc[:4].tolist() == [0.0, 1.0, -1.0, 0.0]
    assert np.isnan(out.iloc[-1])


def test_triple_barrier_when_profit_target_reached_first_then_pt():
    close = _series([100, 100.5, 102.5, 97, 100])
    vol = pd.Series(0.02, index=close.index)
    out = triple_barrier_labels(close, horizon=3, volatility=vol)
    row = out.iloc[0]
    assert row.barrier == "pt" and row.label == 1.0
    assert row.t1 == close.index[2]
    assert row.ret == pytest.approx(0.025)


def test_triple_barrier_when_stop_reached_first_then_sl():
    close = _series([100, 99.5, 97.5, 103, 100])
    vol = pd.Series(0.02, index=close.index)
    row = triple_barrier_labels(close, horizon=3, volatility=vol).iloc[0]
    assert (row.barrier, row.label, row.t1) == ("sl", -1.0, close.index[2])
    assert row.ret == pytest.approx(-0.025)


def test_triple_barrier_when_no_barrier_touched_then_vertical_with_sign_of_return():
    close = _series([100, 100.5, 99.8, 100.4, 130])
    vol = pd.Series(0.02, index=close.index)
    out = triple_barrier_labels(close, horizon=3, volatility=vol)
    row = out.iloc[0]
    assert (row.barrier, row.label, row.t1) == ("vertical", 1.0, close.index[3])
    assert row.ret == pytest.approx(0.004)
    down = triple_barrier_labels(
        _series([100, 100.5, 99.8, 99.9, 130]),
        horizon=3,
        volatility=pd.Series(0.02, index=close.index),
    )
    assert down.iloc[0].label == -1.0


def test_triple_barrier_when_one_bar_spans_both_barriers_then_stop_loss_first():
    close = _series([100, 100.5, 100.2, 100, 100])
    high = close.copy()
    low = close.copy()
    high.iloc[1], low.iloc[1] = 103.0, 97.0
    vol = pd.Series(0.02, index=close.index)
    row = triple_barrier_labels(close, horizon=3, volatility=vol, high=high, low=low).iloc[0]
    assert (row.barrier, row.label, row.t1) == ("sl", -1.0, close.index[1])
    assert row.ret == pytest.approx(-0.02)  # the stop's level, reached within the bar


def test_triple_barrier_when_high_touches_target_intrabar_then_pt_at_barrier_level():
    close = _series([100, 100.5, 100.2, 100, 100])
    high = close.copy()
    high.iloc[2] = 102.4
    vol = pd.Series(0.02, index=close.index)
    row = triple_barrier_labels(close, horizon=3, volatility=vol, high=high, low=close).iloc[0]
    assert (row.barrier, row.t1) == ("pt", close.index[2])
    assert row.ret == pytest.approx(0.02)
    closes_only = triple_barrier_labels(close, horizon=3, volatility=vol).iloc[0]
    assert closes_only.barrier == "vertical"


def test_triple_barrier_when_short_side_then_returns_flip():
    close = _series([100, 99.5, 97.5, 103, 100])
    vol = pd.Series(0.02, index=close.index)
    side = pd.Series(-1.0, index=close.index)
    row = triple_barrier_labels(close, horizon=3, volatility=vol, side=side).iloc[0]
    assert (row.barrier, row.label) == ("pt", 1.0)
    assert row.ret == pytest.approx(0.025)


def test_triple_barrier_when_profit_barrier_disabled_then_only_stop_or_vertical():
    close = _series([100, 103, 104, 105, 100])
    vol = pd.Series(0.02, index=close.index)
    row = triple_barrier_labels(close, horizon=3, pt_sl=(0.0, 1.0), volatility=vol).iloc[0]
    assert (row.barrier, row.label, row.t1) == ("vertical", 1.0, close.index[3])


def test_triple_barrier_when_target_below_min_return_then_no_label():
    close = _series([100, 103, 104, 105, 100])
    vol = pd.Series([0.001, 0.02, 0.02, 0.02, 0.02], index=close.index)
    out = triple_barrier_labels(close, horizon=2, volatility=vol, min_return=0.005)
    assert np.isnan(out.label.iloc[0]) and pd.isna(out.t1.iloc[0])
    assert out.label.iloc[1] == -1.0 or out.label.iloc[1] == 1.0


def test_triple_barrier_when_data_ends_before_outcome_then_nan_unless_a_barrier_was_hit():
    close = _series([100, 100.1, 100.2, 110, 100.3])
    vol = pd.Series(0.02, index=close.index)
    out = triple_barrier_labels(close, horizon=10, volatility=vol)
    assert out.barrier.iloc[0] == "pt" and out.t1.iloc[0] == close.index[3]
    assert out.barrier.iloc[3] == "sl"  # 110 -> 100.3 hits the stop before the data ends
    assert pd.isna(out.barrier.iloc[4]) and pd.isna(out.t1.iloc[4]) and np.isnan(out.label.iloc[4])


def test_meta_labels_when_bet_profitable_then_one_else_zero_and_no_bet_nan():
    close = _series([100, 103, 97, 100, 100, 100])
    vol = pd.Series(0.02, index=close.index)
    side = pd.Series([1.0, -1.0, 0.0, 1.0, 1.0, 1.0], index=close.index)
    out = meta_labels(side, close, horizon=2, volatility=vol)
    assert out.label.iloc[0] == 1.0  # long, +3 %
    assert out.label.iloc[1] == 1.0  # short, 103 -> 97
    assert np.isnan(out.label.iloc[2])  # no bet
    assert out.label.iloc[3] == 0.0  # flat at the vertical barrier is not a profit


def test_ewm_volatility_when_data_after_t_removed_then_value_at_t_unchanged(sp500):
    close = sp500["close"]
    full = ewm_volatility(close)
    for cut in (30, 200, 417, 599):
        np.testing.assert_allclose(ewm_volatility(close.iloc[: cut + 1]).iloc[-1], full.iloc[cut])
    assert full.iloc[:20].isna().all() and full.iloc[20:].notna().all()


@pytest.mark.parametrize("intrabar", [False, True])
def test_triple_barrier_when_data_truncated_at_t1_then_same_label(sp500, intrabar):
    extra = {"high": sp500["high"], "low": sp500["low"]} if intrabar else {}
    full = triple_barrier_labels(sp500["close"], horizon=15, pt_sl=(2.0, 1.0), **extra)
    rows = np.random.default_rng(7).choice(
        np.flatnonzero(full.t1.notna().to_numpy()), 25, replace=False
    )
    for i in rows:
        t0, t1 = full.index[i], full.t1.iloc[i]
        cut = sp500.loc[:t1]
        extra_cut = {"high": cut["high"], "low": cut["low"]} if intrabar else {}
        again = triple_barrier_labels(cut["close"], horizon=15, pt_sl=(2.0, 1.0), **extra_cut).loc[
            t0
        ]
        assert (
            again.t1 == t1
            and again.label == full.label.iloc[i]
            and again.barrier == full.barrier.iloc[i]
        )
        assert again.ret == pytest.approx(full.ret.iloc[i])


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(st.floats(-0.05, 0.05), min_size=30, max_size=80),
    horizon=st.integers(1, 8),
    pt=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
    sl=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
)
def test_labels_when_truncated_at_each_t1_then_unchanged_property(steps, horizon, pt, sl):
    close = _series(100 * np.exp(np.cumsum(steps)))
    vol = ewm_volatility(close, span=5)
    full = triple_barrier_labels(close, horizon=horizon, pt_sl=(pt, sl), volatility=vol)
    forward = forward_returns(close, horizon)
    fixed_t1 = horizon_end_times(close.index, horizon)
    for i in np.flatnonzero(full.t1.notna().to_numpy())[::3]:
        cut = close.loc[: full.t1.iloc[i]]
        again = triple_barrier_labels(
            cut, horizon=horizon, pt_sl=(pt, sl), volatility=vol.loc[cut.index]
        )
        assert again.label.iloc[i] == full.label.iloc[i] and again.t1.iloc[i] == full.t1.iloc[i]
    for i in np.flatnonzero(fixed_t1.notna().to_numpy())[::5]:
        again = forward_returns(close.loc[: fixed_t1.iloc[i]], horizon)
        assert again.iloc[i] == pytest.approx(forward.iloc[i])


def test_labels_when_close_has_nan_then_validation_error_names_close():
    close = _series([100, np.nan, 101])
    with pytest.raises(ValidationError, match="close"):
        forward_returns(close)


def test_labels_when_index_not_sorted_then_validation_error_with_fix():
    close = _series([100, 101, 102]).iloc[[1, 0, 2]]
    with pytest.raises(ValidationError, match="sort_index"):
        triple_barrier_labels(close)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"pt_sl": (-1, 1)}, "pt_sl"),
        ({"horizon": 0}, "horizon"),
        ({"min_return": -0.1}, "min_return"),
        ({"high": None, "low": "x"}, "high"),
    ],
)
def test_triple_barrier_when_bad_argument_then_error_names_it(kwargs, field):
    close = _series([100, 101, 102, 103])
    with pytest.raises(ValidationError) as info:
        triple_barrier_labels(close, **kwargs)
    assert info.value.field.startswith(field)


def test_triple_barrier_when_side_not_a_direction_then_error():
    close = _series([100, 101, 102, 103])
    with pytest.raises(ValidationError, match="side"):
        triple_barrier_labels(close, side=pd.Series(0.5, index=close.index))
