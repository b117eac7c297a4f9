"""Drawdown protection: steps down at the levels, back up on recovery (S&P 500 2007-2013)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.risk.drawdown import DrawdownProtection

LEVELS = [(0.10, 0.5), (0.20, 0.0)]


@pytest.mark.parametrize(("equity", "expected"), [
    ([100, 95, 89.9, 89], [1, 1, 0.5, 0.5]),          # a 10 % drawdown steps down
    ([100, 85, 79, 85, 81], [1, 0.5, 0.0, 0.0, 0.0]),  # 15 % is not under 20 - 5 % yet
    ([100, 79, 84, 86, 96], [1, 0.0, 0.0, 0.5, 1.0]),  # under 15 % -> 0.5, under 5 % -> 1
    ([100, 89, 94, 96], [1, 0.5, 0.5, 1.0]),          # 6 % is not recovered, 4 % is
    ([100, 120, 108, 107.9], [1, 1, 1, 0.5]),         # the peak moves up with equity
])
def test_update_when_equity_path_then_multiplier_steps(equity, expected):
    guard = DrawdownProtection(LEVELS, recovery_drawdown=0.05)
    seen = []
    for value in equity:
        guard.update(value)
        seen.append(guard.multiplier)
    assert seen == expected


def _hand_multipliers(values: np.ndarray) -> np.ndarray:
    """The rule written out independently: down at 10/20 %, up under 15/5 %."""
    out, mult, peak = [], 1.0, -np.inf
    for v in values:
        peak = max(peak, v)
        dd = 1 - v / peak
        if dd >= 0.20:
            mult = 0.0
        elif dd >= 0.10:
            mult = min(mult, 0.5)
        if mult == 0.0 and dd < 0.15:
            mult = 0.5
        if mult == 0.5 and dd < 0.05:
            mult = 1.0
        out.append(mult)
    return np.array(out)


def test_replay_when_buy_and_hold_through_2008_then_steps_on_the_right_dates():
    close = load("sp500")["close"].loc["2007-06":"2013-12"]
    table = DrawdownProtection(LEVELS, recovery_drawdown=0.05).replay(close)
    np.testing.assert_array_equal(table["multiplier"].to_numpy(),
                                  _hand_multipliers(close.to_numpy()))
    mult = table["multiplier"]
    dd = 1 - close / close.cummax()
    first_10, first_20 = dd.index[dd >= 0.10][0], dd.index[dd >= 0.20][0]
    assert close.loc[:"2012"].idxmax() == pd.Timestamp("2007-10-09", tz="UTC")
    assert mult[:first_10].iloc[:-1].eq(1.0).all() and mult[first_10] == 0.5
    assert mult[:first_20].iloc[:-1].gt(0.0).all() and mult[first_20] == 0.0
    assert first_20.year == 2008
    assert (mult.loc["2008-10":"2009-06"] == 0.0).all()  # through the crash: no new exposure
    back = mult.index[(mult == 1.0) & (mult.index > first_20)][0]
    assert back.year == 2013 and dd[back] < 0.05

@pytest.mark.parametrize("levels", [[(0.2, 0.5), (0.1, 0.0)], [(0.1, 0.5), (0.2, 0.7)],
                                    [(0.1, 1.5)], [(1.2, 0.5)]])
def test_init_when_levels_bad_then_validation_error(levels):
    with pytest.raises(ValidationError, match="drawdown_levels"):
        DrawdownProtection(levels)
