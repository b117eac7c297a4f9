"""The look-ahead detector: planted leaks are found with their column and timestamps, the
built-in strategies and feature sets pass, and the report is reproducible."""

from __future__ import annotations

import json
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest

from signaltrust import ta
from signaltrust.cli.console import to_jsonable
from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.features import Alpha158Features, TechnicalFeatures
from signaltrust.optimize.lookahead import (
    check_features,
    check_indicator,
    check_strategy,
    detect_lookahead,
    sample_points,
)
from signaltrust.strategy import list_strategies
from signaltrust.strategy.base import Param, RuleStrategy, Signals


@pytest.fixture(scope="module")
def goog() -> pd.DataFrame:
    return load("goog")


def _next_close(bars: pd.DataFrame) -> pd.DataFrame:
    close = bars["close"]
    return pd.DataFrame({"ret_1": close.pct_change(), "next_close": close.shift(-1)})


def _cut_times(report) -> set[pd.Timestamp]:
    return set(report.findings["cut_time"])


class ZScoreLeak(RuleStrategy):
    """Mean reversion on a z-score whose mean and deviation are those of the whole sample."""

    name: ClassVar[str] = "zscore_leak"
    parameters: ClassVar[tuple[Param, ...]] = (Param("entry", 1.0, "float", low=0.0, high=5.0),)

    def compute(self, bars: pd.DataFrame, params: dict[str, Any]) -> Signals:
        close = bars["close"]
        z = (close - close.mean()) / close.std()  # the leak: statistics of the future too
        entries = z < -params["entry"]
        exits = z > 0.0
        never = pd.Series(False, index=bars.index)
        return Signals(entries.rename("entries"), exits.rename("exits"), never, never)


# -- planted leaks -------------------------------------------------------------------------------
def test_detect_when_feature_uses_next_close_then_each_cut_bar_is_reported(goog):
    report = detect_lookahead(_next_close, goog, n_points=15, seed=3)

    assert not report.clean
    assert report.leaking_columns == ["next_close"]
    closes = goog["close"].to_numpy()
    assert len(report.findings) == len(report.points)
    for row in report.findings.itertuples(index=False):
        # exactly the bar at the cut: its "next close" is gone once the future is removed
        assert row.timestamp == goog.index[row.cut] == row.cut_time
        assert row.full_value == closes[row.cut + 1]
        assert np.isnan(row.truncated_value)
        assert row.kind == "value"


def test_detect_when_rolling_mean_is_centred_then_last_two_bars_before_each_cut_reported(goog):
    def centred(bars: pd.DataFrame) -> pd.Series:
        return bars["close"].rolling(5, center=True).mean().rename("sma5_centred")

    report = detect_lookahead(centred, goog, n_points=10, seed=1)

    assert report.leaking_columns == ["sma5_centred"]
    closes = goog["close"]
    for t in report.points:
        rows = report.findings[report.findings["cut"] == t]
        # a bar whose window reaches past the data's end is NaN in the full run too
        leaked = [s for s in (t - 1, t) if s + 2 <= len(goog) - 1]
        assert set(rows["timestamp"]) == {goog.index[s] for s in leaked}
        for s in leaked:
            row = rows[rows["timestamp"] == goog.index[s]].iloc[0]
            assert row.full_value == pytest.approx(closes.iloc[s - 2 : s + 3].mean(), rel=1e-12)
            assert np.isnan(row.truncated_value)


def test_check_strategy_when_signal_uses_full_sample_zscore_then_signals_reported(goog):
    report = check_strategy(goog, ZScoreLeak(), n_points=6, seed=0)

    assert not report.clean
    assert {"entries", "exits"} <= set(report.leaking_columns)
    # the expected changes, from the definition: entries on the prefix's z vs the full one
    close = goog["close"]
    full_z = (close - close.mean()) / close.std()
    for t in report.points:
        prefix = close.iloc[: t + 1]
        cut_z = (prefix - prefix.mean()) / prefix.std()
        expected = set(prefix.index[(full_z.iloc[: t + 1] < -1.0) != (cut_z < -1.0)])
        rows = report.findings[(report.findings["cut"] == t)
                               & (report.findings["column"] == "entries")]
        assert set(rows["timestamp"]) == expected


def test_check_strategy_when_leaky_signals_then_positions_are_flagged_too(goog):
    report = check_strategy(goog, ZScoreLeak(), n_points=6)
    assert "position" in report.leaking_columns

    without = check_strategy(goog, ZScoreLeak(), n_points=6, positions=False)
    assert "position" not in without.columns


def test_detect_when_mode_extend_and_pipeline_refuses_short_input_then_leak_found(goog):
    n = len(goog)

    def needs_everything(bars: pd.DataFrame) -> pd.Series:
        if len(bars) < n:
            raise ValueError("need the full history")
        return (bars["close"] / bars["close"].max()).rename("scaled")

    with pytest.raises(ValidationError, match="every cut point"):
        detect_lookahead(needs_everything, goog, n_points=5)
    report = detect_lookahead(needs_everything, goog, n_points=5, mode="extend")
    assert report.leaking_columns == ["scaled"]
    assert set(report.findings["mode"]) == {"extend"}


def test_detect_when_output_columns_depend_on_length_then_missing_column_reported(goog):
    def grows(bars: pd.DataFrame) -> pd.DataFrame:
        out = pd.DataFrame({"close": bars["close"]})
        if len(bars) == len(goog):
            out["extra"] = 1.0
        return out

    report = detect_lookahead(grows, goog, n_points=3)
    assert set(report.findings["kind"]) == {"missing_column"}
    assert report.leaking_columns == ["extra"]


# -- clean pipelines ---------------------------------------------------------------------------
@pytest.mark.parametrize("dataset", ["goog", "sp500"])
@pytest.mark.parametrize("strategy", list_strategies())
def test_check_strategy_when_builtin_with_defaults_then_clean(strategy, dataset):
    report = check_strategy(load(dataset), strategy, n_points=12, seed=7)
    assert report.clean, report.summary()
    assert not report.errors
    assert "position" in report.columns


@pytest.mark.parametrize("feature_set", [TechnicalFeatures(), Alpha158Features(), "macro",
                                         "cross_asset"], ids=["technical", "alpha158", "macro",
                                                              "cross_asset"])
def test_check_features_when_builtin_feature_set_then_clean(feature_set):
    report = check_features(load("sp500"), feature_set, n_points=6, seed=2)
    assert report.clean, report.summary()
    assert not report.errors and len(report.columns) > 5


def test_check_indicator_when_causal_ta_function_then_clean_on_series_and_arrays(goog):
    assert check_indicator(ta.rsi, goog["close"], n_points=8).clean
    assert check_indicator(ta.sma, goog["close"].to_numpy(), params={"timeperiod": 10},
                           n_points=8).clean


def test_check_indicator_when_function_reads_future_then_positional_rows_reported(goog):
    def peek(close: np.ndarray) -> np.ndarray:
        return np.append(close[1:], np.nan)

    report = check_indicator(peek, goog["close"].to_numpy(), n_points=4)
    assert report.leaking_columns == ["value"]
    assert set(report.findings["timestamp"]) == set(report.points)


def test_detect_when_float_noise_then_tolerance_accepts_it_and_exact_does_not(goog):
    def noisy(bars: pd.DataFrame) -> pd.Series:
        return (bars["close"] * (1 + 1e-14 * len(bars) / 1000)).rename("close")

    assert not detect_lookahead(noisy, goog, n_points=4).clean
    assert detect_lookahead(noisy, goog, n_points=4, tolerance=1e-10).clean


# -- sampling and the report --------------------------------------------------------------------
def test_sample_points_when_seeded_then_reproducible_stratified_and_ends_at_the_tail():
    first = sample_points(1000, 20, seed=5, min_history=100)
    assert first == sample_points(1000, 20, seed=5, min_history=100)
    assert first != sample_points(1000, 20, seed=6, min_history=100)
    assert {997, 998} <= set(first) and max(first) == 998 and min(first) >= 100
    inner = [p for p in first if p < 997]
    # one point in each of the 18 equal slices of [100, 997), the bars before the tail
    edges = np.linspace(100, 997, 19).astype(int)
    slices = np.searchsorted(edges, inner, side="right") - 1
    assert sorted(slices.tolist()) == list(range(18))


def test_detect_when_points_given_as_timestamps_then_those_cuts_are_used(goog):
    when = [goog.index[500], goog.index[1500].isoformat()]
    report = detect_lookahead(_next_close, goog, points=when)
    assert report.points == [500, 1500]
    assert _cut_times(report) == {goog.index[500], goog.index[1500]}


def test_detect_when_point_outside_data_then_validation_error_names_points(goog):
    with pytest.raises(ValidationError, match="points"):
        detect_lookahead(_next_close, goog, points=[len(goog) - 1])


def test_report_when_serialised_then_json_carries_verdict_summary_and_findings(goog):
    report = detect_lookahead(_next_close, goog, n_points=5)
    payload = json.loads(json.dumps(to_jsonable(report.to_dict(max_findings=2))))
    assert payload["clean"] is False
    assert payload["leaking_columns"] == ["next_close"]
    assert payload["findings_total"] == 5 and len(payload["findings"]) == 2
    assert payload["summary"][0]["values"] == 5


def test_docs_example_when_run_then_it_holds():
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "lookahead.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks
    for i, block in enumerate(blocks):
        exec(compile(block, f"docs/lookahead.md block {i}", "exec"), {})
