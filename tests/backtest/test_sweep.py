"""signaltrust.backtest.sweep: one row per valid combination, each equal to run()."""

from __future__ import annotations

import pytest

from signaltrust.backtest.api import run
from signaltrust.backtest.grid import expand_grid, parse_grid, parse_grid_spec
from signaltrust.backtest.sweep import sweep
from signaltrust.core.errors import ValidationError
from signaltrust.strategy import get_strategy


def _assert_row_equals_run(row, result):
    stats = result.stats
    assert row["final_equity"] == pytest.approx(stats["final_equity"], rel=1e-9)
    assert int(row["trades"]) == int(stats["trades"])
    assert row["sharpe_ratio"] == pytest.approx(stats["sharpe_ratio"], rel=1e-9)
    assert row["fees_paid"] == pytest.approx(stats["fees_paid"], rel=1e-9, abs=1e-9)


def test_sweep_when_default_sma_grid_then_one_row_per_valid_combination():
    table = sweep("goog", "sma_cross", cash=1_000_000, fees=0, slippage=0)
    # fast 5..50 x slow 20..200 step 5 with fast < slow
    expected = sum(1 for f in range(5, 51) for s in range(20, 201, 5) if f < s)
    assert len(table) == expected == 1590
    assert (table["fast"] < table["slow"]).all()
    reference = table.table.query("fast == 10 and slow == 30").iloc[0]
    assert round(reference["final_equity"], 2) == 5_827_884.66


@pytest.mark.parametrize(
    ("strategy", "grid", "extra"),
    [
        ("sma_cross", {"fast": [5, 10, 23], "slow": [30, 85, 200]}, {}),
        ("sma_cross", {"fast": [10, 20], "slow": [50]}, {"allow_short": True}),
        ("bollinger_rsi", {"period": [10, 20], "rsi_entry": [25.0, 35.0]}, {"allow_short": True}),
        ("donchian_breakout", {"entry_period": [20, 55], "exit_period": [10, 20]},
         {"allow_short": True}),
        ("ts_momentum", {"lookback": [63, 252], "rebalance": [5, 21]}, {"allow_short": True}),
        ("breakout_score", {"threshold": [0.7, 0.8], "lookback": [20]}, {}),
    ],
)
def test_sweep_when_costs_on_then_every_row_equals_run(strategy, grid, extra):
    table = sweep("goog", strategy, grid, params=extra)
    assert len(table) > 1
    for _, row in table.table.iterrows():
        combo = {**extra, **{k: row[k] for k in grid}}
        _assert_row_equals_run(row, run("goog", strategy, combo))


def test_sweep_when_market_on_close_and_no_costs_then_rows_equal_run():
    grid = {"fast": [8, 12], "slow": [40]}
    table = sweep("goog", "sma_cross", grid, fees=0, slippage=0, fill_at="close")
    for _, row in table.table.iterrows():
        result = run("goog", "sma_cross", {"fast": row["fast"], "slow": 40}, fees=0, slippage=0,
                     fill_at="close")
        _assert_row_equals_run(row, result)


def test_sweep_when_stops_set_then_rows_equal_run_with_the_same_stops():
    table = sweep("goog", "sma_cross", {"fast": [10], "slow": [30, 60]}, sl_stop=0.05,
                  tp_stop=0.2)
    for _, row in table.table.iterrows():
        result = run("goog", "sma_cross", {"fast": 10, "slow": row["slow"]}, sl_stop=0.05,
                     tp_stop=0.2)
        _assert_row_equals_run(row, result)


def test_sweep_when_several_assets_then_rows_per_asset_equal_runs_on_each():
    table = sweep(["goog", "sp500"], "sma_cross", {"fast": [10, 20], "slow": [50]})
    assert len(table) == 4
    assert list(table["asset"]) == ["goog", "goog", "sp500", "sp500"]
    for _, row in table.table.iterrows():
        result = run(row["asset"], "sma_cross", {"fast": row["fast"], "slow": 50})
        _assert_row_equals_run(row, result)


def test_sweep_when_constraint_given_then_only_matching_rows_remain():
    grid = {"fast": range(5, 21, 5), "slow": range(20, 41, 10)}
    by_text = sweep("goog", "sma_cross", grid, constraint="slow >= 2 * fast")
    by_call = sweep("goog", "sma_cross", grid, constraint=lambda p: p["slow"] >= 2 * p["fast"])
    assert (by_text["slow"] >= 2 * by_text["fast"]).all()
    assert by_text.table.equals(by_call.table)


def test_sweep_when_keep_best_then_best_rows_are_rerun_with_full_curves():
    table = sweep("goog", "sma_cross", {"fast": [5, 10, 20], "slow": [50, 100]}, keep_best=2,
                  sort_by="total_return")
    best = table.best(2)
    assert list(table.results) == list(best.index)
    for label, result in table.results.items():
        assert result.equity.iloc[-1] == pytest.approx(best.loc[label, "final_equity"], rel=1e-9)
    assert best["total_return"].is_monotonic_decreasing


def test_sweep_when_heatmap_asked_then_a_figure_over_two_parameters():
    table = sweep("goog", "sma_cross", {"fast": [5, 10], "slow": [30, 50]})
    figure = table.heatmap("fast", "slow", "sharpe_ratio")
    assert figure.data


def test_sweep_when_sort_by_unknown_then_validation_error_lists_statistics():
    with pytest.raises(ValidationError, match="sharpe_ratio") as info:
        sweep("goog", "sma_cross", {"fast": [5], "slow": [30]}, sort_by="sharp")
    assert info.value.field == "sort_by"


def test_sweep_when_engine_is_not_vectorized_then_validation_error():
    with pytest.raises(ValidationError) as info:
        sweep("goog", "sma_cross", {"fast": [5], "slow": [30]}, engine="event")
    assert info.value.field == "engine"


def test_expand_grid_when_value_out_of_bounds_then_error_names_the_parameter():
    with pytest.raises(ValidationError) as info:
        expand_grid(get_strategy("sma_cross"), {"fast": [0, 5], "slow": [30]})
    assert info.value.field == "sma_cross.fast"


def test_expand_grid_when_no_valid_combination_then_validation_error():
    with pytest.raises(ValidationError, match="no parameter combination"):
        expand_grid(get_strategy("sma_cross"), {"fast": [50], "slow": [20, 30]})


def test_parse_grid_spec_when_range_then_stop_is_included():
    assert parse_grid_spec("fast=5:50") == ("fast", list(range(5, 51)))
    assert parse_grid_spec("slow=20:200:5")[1][-1] == 200
    assert parse_grid_spec("nbdev=1.5,2,2.5") == ("nbdev", [1.5, 2, 2.5])
    assert parse_grid_spec("x=0.1:0.3:0.1") == ("x", [0.1, 0.2, 0.3])


@pytest.mark.parametrize("spec", ["fast", "fast=", "fast=5:1", "fast=1:5:0", "fast=a:b"])
def test_parse_grid_spec_when_malformed_then_validation_error(spec):
    with pytest.raises(ValidationError):
        parse_grid_spec(spec)


def test_parse_grid_when_name_repeated_then_validation_error():
    with pytest.raises(ValidationError, match="twice"):
        parse_grid(["fast=5:10", "fast=20"])


def _doc_blocks() -> list[str]:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "sweeps.md").read_text()
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_docs_when_examples_run_then_their_assertions_hold(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    blocks = _doc_blocks()
    assert len(blocks) >= 4
    for number, block in enumerate(blocks):
        exec(compile(block, f"docs/sweeps.md block {number}", "exec"), {})
    assert (tmp_path / "sma_sweep.html").exists()


def test_docs_when_read_then_every_builtin_and_parameter_is_listed():
    from pathlib import Path

    from signaltrust.strategy import list_strategies

    text = (Path(__file__).resolve().parents[2] / "docs" / "sweeps.md").read_text()
    for name in list_strategies():
        row = next(line for line in text.splitlines() if line.startswith(f"| `{name}` |"))
        for declared in get_strategy(name).parameters:
            default = declared.default
            spellings = {str(default).lower(), f"{default:g}" if declared.type == "float" else ""}
            assert any(f"`{declared.name}` ({s}," in row or f"`{declared.name}` ({s})" in row
                       for s in spellings if s), (name, declared.name)


def _cross_inputs(close_gaps: bool):
    import numpy as np

    from signaltrust.data.catalog import load
    from signaltrust.strategy.base import bar_arrays

    arrays = [bar_arrays(load(name)) for name in ("goog", "sp500")]
    o, h, lo, c, v = (np.concatenate([a[i][:700] if k == 0 else a[i][:450]
                                      for k, a in enumerate(arrays)]) for i in range(5))
    if close_gaps:  # missing closes silence the windows holding them and the marking
        c[[40, 41, 300, 701, 900]] = np.nan
        o[[41, 500]] = np.nan
    offsets = np.array([0, 700, 1150], dtype=np.int64)
    params = np.array([(f, s, short) for f in (3, 7, 12) for s in (12, 30, 61)
                       for short in (0.0, 1.0) if f < s], dtype=np.float64)
    return o, h, lo, c, v, offsets, params


@pytest.mark.parametrize("fill_at_close", [False, True])
@pytest.mark.parametrize("close_gaps", [False, True])
@pytest.mark.parametrize("block", [7, 256, 5000])
def test_sweep_cross_when_blocks_and_gaps_vary_then_stats_equal_the_signal_kernel_pass(
    fill_at_close, close_gaps, block
):
    import numpy as np

    from signaltrust.backtest.nb.sweep import sweep_signals_nb
    from signaltrust.backtest.nb.sweep_cross import sweep_cross_nb

    o, h, lo, c, v, offsets, params = _cross_inputs(close_gaps)
    periods = np.array([252.0, 252.0])
    costs = (10_000.0, 0.001, 1.0, 2.0, 0.0005, fill_at_close, 0, 0.9)
    expected = sweep_signals_nb(0, o, h, lo, c, v, offsets, params, *costs, 0.0, 0.0, 0.0, 1.0,
                                True, periods, 2)
    fast = params[:, 0].astype(np.int64)
    slow = params[:, 1].astype(np.int64)
    windows = np.unique(np.concatenate([fast, slow]))
    got = sweep_cross_nb(o, c, offsets, windows, np.searchsorted(windows, fast),
                         np.searchsorted(windows, slow), params[:, 2] != 0.0, block, *costs,
                         1.0, True, periods)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected, equal_nan=True)
