"""stress_test: a strategy re-run under the historical and synthetic shocks of risk.stress."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data.catalog import load
from signaltrust.research import stress_test
from signaltrust.risk.stress import HISTORICAL_SHOCKS


@pytest.fixture(scope="module")
def sp500() -> pd.DataFrame:
    return load("sp500")


def test_stress_test_when_run_on_sp500_then_one_row_per_scenario(sp500):
    table = stress_test(sp500, "sma_cross", {"fast": 50, "slow": 200}, shock_at="2010-05-03")
    assert table["scenario"].tolist() == [*HISTORICAL_SHOCKS, "gap_down_20%", "volatility_x3"]
    assert (table["bars"] > 0).all()
    synthetic = table[table["kind"] == "synthetic"].set_index("scenario")
    assert synthetic.loc["gap_down_20%", "start"] == "2010-04-30"  # measured from the close before
    assert synthetic.loc["gap_down_20%", "benchmark_max_drawdown"] <= -0.2 + 1e-9
    assert table.loc[table["kind"] == "historical", "final_equity_impact"].isna().all()


def test_stress_test_when_shock_date_outside_data_then_error_names_shock_at():
    with pytest.raises(ValidationError, match="shock_at"):
        stress_test("goog", "sma_cross", shock_at="1990-01-02")
