"""The leak check: the environment can teach (a leaked next-bar return is exploited), and the
same agent without the leak earns an honest result on a random walk."""

from __future__ import annotations

import numpy as np
import pytest

from signaltrust.research.rl.leak import leak_check, random_walk_bars


def test_random_walk_when_built_then_each_bar_opens_at_the_previous_close():
    bars = random_walk_bars(50, seed=4)
    np.testing.assert_allclose(bars["open"].to_numpy()[1:], bars["close"].to_numpy()[:-1])
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1)).all()
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1)).all()
    assert random_walk_bars(50, seed=4).equals(bars)


@pytest.mark.slow
def test_leak_check_when_agent_sees_next_return_then_exploits_it_and_without_it_does_not():
    result = leak_check(timesteps=6_000, seed=0)
    assert result.env_teaches, result
    assert result.leaked_sharpe > 3.0 and result.leaked_return > 0.5
    # a driftless walk has nothing to find: after costs the honest agent earns no Sharpe
    assert result.honest_sharpe < 1.0
    assert result.leaked_sharpe - result.honest_sharpe > 3.0
    assert result.test_bars == 359 and result.__plain__()["env_teaches"] is True
