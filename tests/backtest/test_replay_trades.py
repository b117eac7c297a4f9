"""Trades of a replay built from its fills (the compiled pass at the end)."""

from __future__ import annotations

import numpy as np

from signaltrust.backtest.replay.trades_nb import trades_from_fills
from signaltrust.strategy.events import Bar


def test_trades_from_fills_when_fill_goes_through_zero_then_fees_shared_pro_rata():
    fills = np.array(
        [
            # bar, asset, side, units, price, fee, reason
            [0, 0, 1.0, 10.0, 100.0, 1.0, 1],
            [5, 0, -1.0, 15.0, 110.0, 3.0, 1],  # closes 10 (pays 2 of the fee), opens 5 short
            [8, 0, 1.0, 5.0, 100.0, 0.5, 2],
        ]
    )
    trades, state = trades_from_fills(fills, 1)
    # asset, direction, entry bar, exit bar, entry, exit, units, pnl, fees, reason
    np.testing.assert_allclose(
        trades,
        [
            [0, 1.0, 0, 5, 100.0, 110.0, 10.0, 10 * 10 - 1 - 2, 3.0, 1],
            [0, -1.0, 5, 8, 110.0, 100.0, 5.0, 5 * 10 - 1 - 0.5, 1.5, 2],
        ],
    )
    assert state[0, 0] == 0.0  # flat at the end


def test_trades_from_fills_when_position_added_to_then_average_entry_and_open_state():
    fills = np.array([[0, 1, 1.0, 10.0, 100.0, 0.0, 1], [3, 1, 1.0, 30.0, 120.0, 2.0, 1]])
    trades, state = trades_from_fills(fills, 2)
    assert trades.shape == (0, 10)
    units, average, entry_fees, entry_bar = state[1]
    assert (units, average, entry_fees, entry_bar) == (40.0, 115.0, 2.0, 0.0)


def test_bar_bulk_when_built_in_c_then_equal_to_named_construction():
    bulk = list(Bar.bulk(["A", "A"], [0, 60], [60, 120], [1.0, 2.0], [3.0, 4.0],
                         [0.5, 1.5], [2.0, 3.0], [10.0, 20.0]))
    assert bulk[1] == Bar("A", 60, 120, 2.0, 4.0, 1.5, 3.0, 20.0)
    assert type(bulk[0]) is Bar and bulk[0].close == 2.0 and bulk[1].end_ns == 120
    assert str(bulk[0].time) == "1970-01-01 00:00:00+00:00"


def test_steps_when_changes_at_bars_then_equal_to_forward_filled_records():
    import pandas as pd

    from signaltrust.backtest.replay.results import steps

    rng = np.random.default_rng(5)
    for _ in range(200):
        n, m = int(rng.integers(1, 40)), int(rng.integers(0, 12))
        at = np.sort(rng.integers(0, n, m))  # several changes in one bar: the last one holds
        values = rng.normal(size=m)
        expected = np.full(n, np.nan)
        expected[0] = 7.0
        expected[at] = values
        assert np.array_equal(steps(n, 7.0, at, values), pd.Series(expected).ffill().to_numpy())
