"""MacroFeatures: each series reaches the bars only from its publication (the lag table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.data import load
from signaltrust.features import MacroFeatures


@pytest.fixture(scope="module")
def sp500_macro():
    bars = load("sp500")
    return bars, MacroFeatures().fit_transform(bars)


def _monthly_values(name: str, column: str) -> pd.Series:
    frame = load(name)
    return frame[column]


def test_cpi_when_aligned_then_each_month_appears_from_the_45th_day_on(sp500_macro):
    bars, features = sp500_macro
    cpi = _monthly_values("core_cpi", "core_cpi")
    mom = cpi / cpi.shift(1) - 1.0
    # independent expectation: the latest month M whose start + 45 days is on or before the bar
    window = features.loc["2007-06-01":"2011-06-30", "core_cpi_mom"]
    months = mom.loc["2006-01-01":"2011-12-01"]
    expected = []
    for day in window.index:
        published = [m for m in months.index if m + pd.Timedelta(days=45) <= day]
        expected.append(months[published[-1]])
    np.testing.assert_array_equal(window.to_numpy(), expected)


def test_cpi_when_january_2010_then_first_seen_on_feb_16_after_the_holiday(sp500_macro):
    _, features = sp500_macro
    cpi = _monthly_values("core_cpi", "core_cpi")
    january = cpi["2010-01-01"] / cpi["2009-12-01"] - 1.0
    december = cpi["2009-12-01"] / cpi["2009-11-01"] - 1.0
    # Jan 1 + 45 days = Feb 15 2010, Presidents' Day: the next bar is Feb 16
    assert features.loc["2010-02-12", "core_cpi_mom"] == december
    assert features.loc["2010-02-16", "core_cpi_mom"] == january
    assert not (features.loc[:"2010-02-12", "core_cpi_mom"] == january).any()


def test_credit_spread_when_aligned_then_month_used_from_first_day_of_next_month(sp500_macro):
    _, features = sp500_macro
    credit = load("credit_spreads")
    january = credit.loc["2010-01-01", "baa"] - credit.loc["2010-01-01", "aaa"]
    december = credit.loc["2009-12-01", "baa"] - credit.loc["2009-12-01", "aaa"]
    assert features.loc["2010-01-29", "credit_spread"] == december
    assert features.loc["2010-02-01", "credit_spread"] == january


def test_fama_french_when_aligned_then_month_used_after_the_end_of_next_month(sp500_macro):
    _, features = sp500_macro
    ff = load("fama_french") / 100.0
    through_jan = ff.loc["2009-11-01":"2010-01-01", "mkt_rf"].sum()
    through_dec = ff.loc["2009-10-01":"2009-12-01", "mkt_rf"].sum()
    # January 2010 is usable from the close of Feb 28 (a Sunday): first on Monday Mar 1
    assert features.loc["2010-02-26", "ff_mkt_rf_sum_3m"] == pytest.approx(through_dec, abs=1e-12)
    assert features.loc["2010-03-01", "ff_mkt_rf_sum_3m"] == pytest.approx(through_jan, abs=1e-12)


def test_vix_and_wti_when_aligned_then_same_day_close(sp500_macro):
    bars, features = sp500_macro
    vix = load("vix")["vix"].dropna()
    common = bars.index.intersection(vix.index)
    assert len(common) > 1000
    np.testing.assert_array_equal(features.loc[common, "vix"].to_numpy(), vix[common].to_numpy())
    wti = load("wti")["wti"].dropna()
    day = pd.Timestamp("2008-07-14", tz="UTC")
    previous = wti.index[wti.index.get_loc(day) - 1]
    assert features.loc[day, "wti_ret_1"] == pytest.approx(wti[day] / wti[previous] - 1.0)


def test_macro_when_sp500_then_no_column_all_nan_and_vix_only_from_2014(sp500_macro):
    _, features = sp500_macro
    assert not features.isna().all().any()
    assert features.loc[:"2013-12-31", "vix"].isna().all()
    assert features.loc["2015"].notna().all().all()
