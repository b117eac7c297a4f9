"""What an agent observes: causal feature sets, the deliberate leak, the training scaler."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.rl.features import (
    FeatureScaler,
    NextBarReturn,
    SelectedFeatures,
    feature_frame,
    first_complete_row,
    resolve_sets,
    symbol_frames,
)
from tests.rl.conftest import drifting_bars


def test_feature_frame_when_bars_after_t_are_cut_then_row_t_is_unchanged(sp500_recent):
    full = feature_frame(sp500_recent, "technical")
    t = 450
    cut = feature_frame(sp500_recent.iloc[: t + 1], "technical")
    pd.testing.assert_series_equal(full.iloc[t], cut.iloc[t])


def test_selected_features_when_columns_chosen_then_only_those_in_that_order(sp500_recent):
    frame = feature_frame(sp500_recent, SelectedFeatures(columns=("rsi_14", "ret_1")))
    assert list(frame.columns) == ["rsi_14", "ret_1"]
    close = sp500_recent["close"]
    assert frame["ret_1"].iloc[-1] == pytest.approx(close.iloc[-1] / close.iloc[-2] - 1.0)


def test_selected_features_when_column_unknown_then_validation_error_lists_choices(walk):
    with pytest.raises(ValidationError) as info:
        feature_frame(walk, SelectedFeatures(columns=("ret_1", "crystal_ball")))
    assert info.value.field == "columns" and info.value.value == ["crystal_ball"]
    assert "ret_1" in info.value.fix


def test_next_bar_return_when_computed_then_reads_the_next_bar_and_is_nan_on_the_last():
    bars = drifting_bars(5)
    leak = feature_frame(bars, NextBarReturn())["leak_next_return"].to_numpy()
    expected = (bars["close"] / bars["open"] - 1.0).to_numpy()[1:]
    np.testing.assert_allclose(leak[:-1], expected)
    assert np.isnan(leak[-1])


def test_resolve_sets_when_name_unknown_then_validation_error():
    with pytest.raises(ValidationError) as info:
        resolve_sets(["technical", "astrology"])
    assert info.value.field == "features" and info.value.value == "astrology"


def test_resolve_sets_when_nothing_given_then_validation_error():
    with pytest.raises(ValidationError) as info:
        resolve_sets([])
    assert info.value.field == "features" and "technical" in info.value.fix


def test_feature_frame_when_a_set_is_given_twice_then_validation_error(walk):
    with pytest.raises(ValidationError) as info:
        feature_frame(walk, [SelectedFeatures(columns=("ret_1",))] * 2)
    assert info.value.value == ["ret_1"]


def test_scaler_when_fitted_on_training_rows_then_later_rows_do_not_move_it():
    train = np.array([[1.0, 5.0], [3.0, 5.0], [np.nan, 5.0]])
    scaler = FeatureScaler(clip=2.0).fit(train)
    np.testing.assert_allclose(scaler.mean_, [2.0, 5.0])
    np.testing.assert_allclose(scaler.scale_, [1.0, 1.0])  # the constant column keeps scale 1
    out = scaler.transform(np.array([[4.0, 6.0], [100.0, np.nan]]))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[2.0, 1.0], [2.0, 0.0]])  # clipped; missing -> mean


def test_scaler_when_columns_differ_from_fit_then_validation_error():
    scaler = FeatureScaler().fit(np.ones((3, 2)))
    with pytest.raises(ValidationError) as info:
        scaler.transform(np.ones((1, 3)))
    assert info.value.field == "features" and "2" in str(info.value.value)


def test_first_complete_row_when_no_row_is_complete_then_validation_error():
    with pytest.raises(ValidationError) as info:
        first_complete_row(np.full((4, 2), np.nan))
    assert info.value.field == "bars" and "more bars" in info.value.fix


def test_symbol_frames_when_indexes_differ_then_validation_error_says_how_to_align():
    a, b = drifting_bars(8), drifting_bars(8).iloc[1:]
    with pytest.raises(ValidationError) as info:
        symbol_frames({"a": a, "b": b})
    assert info.value.field == "bars['b']" and "intersection" in info.value.fix


def test_symbol_frames_when_not_bars_then_validation_error():
    with pytest.raises(ValidationError) as info:
        symbol_frames([1, 2, 3])
    assert info.value.field == "bars" and info.value.value == "list"
