"""The store's hard rules: bars that break one are refused whole, unless allowed and flagged."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import BarRuleError, ValidationError
from signaltrust.data.catalog import load
from signaltrust.data.quality.rules import RULES, flag_names, rule_violations
from signaltrust.data.store import ParquetLake, PostgresBarStore

OHLCV = ["open", "high", "low", "close", "volume"]


@pytest.fixture(params=["lake", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "lake":
        yield ParquetLake(tmp_path / "lake")
        return
    made = PostgresBarStore(
        request.getfixturevalue("postgres_url"), request.getfixturevalue("postgres_schema")
    )
    yield made
    made.close()


def goog(n: int = 40) -> pd.DataFrame:
    return load("goog")[OHLCV].iloc[:n].copy()


BROKEN = {
    "non_positive_price": ("close", -5.0),
    "ohlc_inconsistent": ("high", 1.0),
    "negative_volume": ("volume", -100.0),
    "non_finite": ("close", np.inf),
}


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_write_when_a_bar_breaks_a_rule_then_refused_with_its_row_and_nothing_written(
    store, rule
):
    store.write(goog(10), symbol="G", timeframe="1d")
    bars = goog(30)
    column, value = BROKEN[rule]
    bars.loc[bars.index[20], column] = value
    with pytest.raises(BarRuleError) as caught:
        store.write(bars, symbol="G", timeframe="1d")
    found = caught.value.violations
    assert rule in set(found["rule"])
    assert (found.loc[found["rule"] == rule, "row"] == 21).all()
    assert "nothing was written" in str(caught.value) and rule in caught.value.fix
    assert len(store.read("G", "1d")) == 10  # not even the 19 good new bars


def test_write_when_rule_allowed_then_bars_stored_flagged_and_again_unchanged(store):
    bars = goog(30)
    bars.loc[bars.index[5], "close"] = np.inf
    bars.loc[bars.index[5], "high"] = np.inf
    first = store.write(bars, symbol="G", timeframe="1d", allow=["non_finite"])
    assert (first.inserted, first.flagged, first.allowed) == (30, 1, ["non_finite"])
    stored = store.read("G", "1d", flags=True)
    assert flag_names(stored["flags"].iloc[5]) == ["non_finite"]
    assert (stored["flags"].drop(stored.index[5]) == 0).all()
    assert np.isinf(stored["close"].iloc[5])
    again = store.write(bars, symbol="G", timeframe="1d", allow=["non_finite"])
    assert (again.inserted, again.unchanged, again.conflicts) == (0, 30, 0)  # inf equals inf
    assert list(store.read("G", "1d").columns) == OHLCV  # flags only when asked for


def test_write_when_rows_given_then_report_names_file_lines(store):
    bars = goog(5)
    bars.loc[bars.index[3], "volume"] = -1.0
    with pytest.raises(BarRuleError) as caught:
        store.write(bars, symbol="G", timeframe="1d", rows=np.arange(2, 7))
    assert caught.value.violations["row"].tolist() == [5]


def test_write_when_daily_bars_stamped_off_midnight_then_off_grid(store):
    bars = goog(5)
    bars.index = bars.index + pd.Timedelta(hours=5)
    with pytest.raises(BarRuleError, match="off_grid"):
        store.write(bars, symbol="G", timeframe="1d")


def test_write_when_daily_bars_declared_hourly_then_refused_as_one_series_violation(store):
    with pytest.raises(BarRuleError) as caught:
        store.write(goog(50), symbol="G", timeframe="1h")
    found = caught.value.violations
    assert len(found) == 1 and "daily" in found["message"].iloc[0]


def test_write_when_unknown_rule_allowed_then_validation_error_lists_rules(store):
    with pytest.raises(ValidationError, match="unknown rule") as caught:
        store.write(goog(5), symbol="G", timeframe="1d", allow=["typo"])
    assert all(rule in caught.value.fix for rule in RULES)


def test_rule_violations_when_missing_values_then_no_rule_broken():
    bars = goog(10)
    bars.loc[bars.index[2], ["open", "volume"]] = np.nan
    found, flags = rule_violations(bars, "1d")
    assert found.empty and not flags.any()


def test_rule_violations_when_intraday_bars_share_a_phase_then_on_grid():
    index = pd.date_range("2024-03-06 14:30", periods=120, freq="1min", tz="UTC")
    bars = pd.DataFrame({"open": 1.0, "high": 2.0, "low": 0.5, "close": 1.5, "volume": 1.0},
                        index=index)
    assert rule_violations(bars, "1m")[0].empty
    hourly = bars.iloc[::60]  # 14:30 and 15:30: on their own hourly phase
    assert rule_violations(hourly, "1h")[0].empty
    shifted = bars.iloc[::60].copy()
    shifted.index = shifted.index[:1].append(shifted.index[1:] + pd.Timedelta(minutes=7))
    assert not rule_violations(shifted, "1h")[0].empty
