"""Walk-forward optimisation: windows never let IS and OOS overlap, the stitched OOS bars are the
union of the test windows, OOS trading never sees later bars, seeds reproduce the choices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest.api import load_bars
from signaltrust.core.errors import ValidationError
from signaltrust.optimize.evaluate import Evaluator
from signaltrust.optimize.walkforward import make_windows, stability, walk_forward

GRID = ["fast=5:25:10", "slow=40:80:20"]


@pytest.fixture(scope="module")
def bars():
    return load_bars("goog").iloc[:1300]


@pytest.mark.parametrize("anchored", [False, True])
def test_make_windows_when_bar_counts_then_test_windows_follow_training_and_tile_the_rest(anchored):
    index = pd.date_range("2020-01-01", periods=1000, freq="D", tz="UTC").as_unit("ns")
    windows = make_windows(index, train_bars=300, test_bars=200, anchored=anchored)
    assert windows[0].test_start == 300
    for w in windows:
        assert w.train_stop == w.test_start  # the test window starts right after training
        assert w.train_start < w.train_stop
        assert w.train_start == (0 if anchored else w.test_start - 300)
    for a, b in zip(windows[:-1], windows[1:], strict=True):
        assert a.test_stop == b.test_start  # no overlap, no gap
    assert windows[-1].test_stop == 1000
    assert [w.test_stop - w.test_start for w in windows] == [200, 200, 200, 100]


def test_make_windows_when_periods_then_windows_start_on_the_period_boundaries():
    index = pd.bdate_range("2010-01-01", "2014-12-31", tz="UTC").as_unit("ns")
    windows = make_windows(index, train_period="2YS", test_period="1YS")
    assert [index[w.test_start].year for w in windows] == [2012, 2013, 2014]
    assert all(index[w.train_start].year == index[w.test_start].year - 2 for w in windows)


def test_make_windows_when_data_too_short_then_error_names_train_bars():
    index = pd.date_range("2020-01-01", periods=50, freq="D", tz="UTC").as_unit("ns")
    with pytest.raises(ValidationError, match="train_bars"):
        make_windows(index, train_bars=60, test_bars=10)


def test_walk_forward_when_rolling_then_stitched_oos_bars_are_the_union_of_test_windows(bars):
    wf = walk_forward(bars, "sma_cross", grid=GRID, train_bars=500, test_bars=200)
    table = wf.windows
    assert (table["test_start"] > table["train_end"]).all()  # OOS strictly after its IS
    expected = bars.index[500:]
    assert wf.returns.index.equals(expected)
    assert wf.equity.index.equals(expected)
    assert not wf.returns.index.has_duplicates
    chained = wf.equity.iloc[-1] / wf.equity.iloc[0]
    assert chained == pytest.approx(float(np.prod(1 + wf.returns.iloc[1:])))


def test_walk_forward_when_run_then_reports_trust_figures_and_stability(bars):
    wf = walk_forward(bars, "sma_cross", grid=GRID, train_bars=500, test_bars=200)
    summary = wf.summary()
    for key in ("oos_sharpe", "is_sharpe", "efficiency", "deflated_sharpe", "pbo"):
        assert key in summary
    assert 0.0 <= wf.pbo <= 1.0 and 0.0 <= wf.deflated_sharpe <= 1.0
    assert wf.n_configurations == 9  # 3 x 3, all with fast < slow
    assert wf.is_sharpe == pytest.approx(wf.windows["is_sharpe"].mean())
    assert wf.efficiency == pytest.approx(wf.oos_sharpe / wf.is_sharpe)
    modal = wf.windows["param_fast"].value_counts()
    assert wf.stability.loc["fast", "modal_share"] == pytest.approx(modal.iloc[0] / len(wf.windows))


def test_walk_forward_when_each_window_is_optimised_then_chosen_params_are_is_best(bars):
    from signaltrust.backtest.api import run

    wf = walk_forward(bars, "sma_cross", grid=GRID, train_bars=500, test_bars=400)
    first = wf.windows.iloc[0]
    train = bars.iloc[0:500]
    best = max(((f, s) for f in (5, 15, 25) for s in (40, 60, 80)),
               key=lambda p: run(train, "sma_cross", {"fast": p[0], "slow": p[1]})
               .stats["sharpe_ratio"])
    assert (first["param_fast"], first["param_slow"]) == best


def test_walk_forward_when_same_seed_then_same_choices_per_window(bars):
    kwargs = {"grid": {"fast": range(5, 30), "slow": range(35, 90)}, "train_bars": 500,
              "test_bars": 300, "method": "tpe", "n_trials": 12}
    one = walk_forward(bars, "sma_cross", seed=5, **kwargs)
    two = walk_forward(bars, "sma_cross", seed=5, **kwargs)
    columns = ["param_fast", "param_slow"]
    assert one.windows[columns].equals(two.windows[columns])


def test_window_result_when_later_bars_change_then_oos_returns_do_not(bars):
    evaluator = Evaluator(bars, "sma_cross")
    params = {"fast": 5, "slow": 20}
    before = evaluator.window_result(params, 600, 800).equity
    altered = bars.copy()
    altered.iloc[800:, :4] = altered.iloc[800:, :4].to_numpy()[::-1]  # scramble the future
    after = Evaluator(altered, "sma_cross").window_result(params, 600, 800).equity
    pd.testing.assert_series_equal(before, after)
    # and the window starts flat: its first bar carries no position
    result = evaluator.window_result(params, 600, 800)
    assert result.positions.iloc[0].abs().sum() == 0.0


def test_stability_when_hand_table_then_modal_share_and_dispersion():
    table = pd.DataFrame({"param_fast": [10, 10, 20, 10], "param_slow": [50, 60, 70, 80]})
    out = stability(table, ["fast", "slow"])
    assert out.loc["fast", "modal"] == 10
    assert out.loc["fast", "modal_share"] == 0.75
    assert out.loc["slow", "distinct"] == 4
    assert out.loc["slow", "std"] == pytest.approx(np.std([50, 60, 70, 80], ddof=1))
