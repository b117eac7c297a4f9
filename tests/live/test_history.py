"""A node's equity history read back from its journal: the module's example runs, and the
history is evenly thinned to its limit with the first and the latest point kept."""

from __future__ import annotations

import doctest

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.live import history
from signaltrust.storage import Database, Journal

DAY = 86_400 * 10**9


def test_module_example_when_run_then_it_prints_what_it_says():
    assert doctest.testmod(history).failed == 0


def _journal(bars: int) -> Database:
    database = Database("sqlite://")
    database.upgrade()
    Journal(database, "n").append([
        ("bars", i * DAY, {"bars": [{"symbol": "X", "end_ns": i * DAY, "close": 100.0 + i}]})
        for i in range(1, bars + 1)])
    return database


def test_equity_history_when_longer_than_the_limit_then_evenly_thinned_ends_kept():
    database = _journal(101)
    points = history.equity_history(database, "n", {"main": 1000.0}, limit=11)
    assert len(points) == 11
    days = [int(p["time"][8:10]) for p in points[:3]]
    assert days == [2, 12, 22]  # bars 1, 11, 21: every tenth from the first
    assert points[-1]["time"].startswith("1970-04-12")  # the latest bar (day 101)
    assert all(p["total"] == 1000.0 for p in points)  # no fill: the starting cash


def test_equity_history_when_the_limit_is_below_2_then_refused_naming_it():
    with pytest.raises(ValidationError) as caught:
        history.equity_history(_journal(3), "n", {"main": 1.0}, limit=1)
    assert caught.value.field == "limit"
