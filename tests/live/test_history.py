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


def test_equity_curve_when_kept_between_reads_then_equal_to_reading_the_whole_journal():
    database = _journal(3)
    curve = history.EquityCurve({"main": 1000.0})
    fill = {"account": "main", "symbol": "X", "side": "BUY", "quantity": "2", "price": "103",
            "fee": "1", "cash_after": "793", "position_after": "2"}
    first = history.equity_history(database, "n", {"main": 1000.0}, curve=curve)
    assert [p["total"] for p in first] == [1000.0, 1000.0, 1000.0]
    journal = Journal(database, "n")
    journal.append([("fill", 3 * DAY, fill)])  # a fill in the latest bar's step, read after it
    journal.append([("bars", 4 * DAY, {"bars": [{"symbol": "X", "end_ns": 4 * DAY,
                                                 "close": 110.0}]})])
    again = history.equity_history(database, "n", {"main": 1000.0}, curve=curve)
    fresh = history.equity_history(database, "n", {"main": 1000.0})
    assert again == fresh
    assert [p["total"] for p in again] == [1000.0, 1000.0, 999.0, 1013.0]
