"""CrossAssetFeatures: other series' returns and z-scores, aligned as of their availability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import DatasetNotFoundError, ValidationError
from signaltrust.data import load
from signaltrust.features import CrossAssetFeatures


def test_daily_source_when_same_exchange_then_same_days_close_is_used():
    bars = load("sp500")
    features = CrossAssetFeatures(sources=("goog",)).fit_transform(bars)
    goog = load("goog")["close"]
    common = bars.index.intersection(goog.index)
    expected = (goog / goog.shift(5) - 1.0)[common]
    np.testing.assert_array_equal(
        features.loc[common, "goog_ret_5"].to_numpy(), expected.to_numpy()
    )
    assert features.loc[: goog.index[0] - pd.Timedelta(days=1), "goog_ret_1"].isna().all()


def test_daily_source_when_target_hourly_then_used_only_after_its_day_ends():
    fx = load("eurusd")
    features = CrossAssetFeatures(sources=("sp500",), return_horizons=(1,)).fit_transform(fx)
    close = load("sp500")["close"]
    ret = close / close.shift(1) - 1.0
    # the 22:00 hour ends at 23:00, before the end of June 5: it still sees June 2 (Friday)
    assert features.loc["2017-06-05 22:00", "sp500_ret_1"] == ret["2017-06-02"]
    # the 23:00 hour ends at midnight: June 5's close is known
    assert features.loc["2017-06-05 23:00", "sp500_ret_1"] == ret["2017-06-05"]


def test_hourly_source_when_target_daily_then_only_hours_before_the_bar_starts():
    fx = load("eurusd")
    daily = load("sp500").loc["2017-05-01":"2017-12-29"]
    features = CrossAssetFeatures(sources=("eurusd",), return_horizons=(1,)).fit_transform(daily)
    close = fx["close"]
    ret = close / close.shift(1) - 1.0
    day = pd.Timestamp("2017-06-06", tz="UTC")
    known = ret[ret.index + pd.Timedelta(hours=1) <= day].iloc[-1]
    assert features.loc[day, "eurusd_ret_1"] == known


def test_monthly_source_when_target_daily_then_month_known_after_it_ends():
    bars = load("sp500")
    features = CrossAssetFeatures(sources=("stocks:AAPL",), return_horizons=(1,)).fit_transform(
        bars
    )
    aapl = load("stocks")["AAPL"].dropna()  # the panel has empty mid-month rows
    ret = aapl / aapl.shift(1) - 1.0
    # the January 2010 bar (labelled 2010-01-01) ends at midnight Feb 1 (UTC): the daily bar of
    # Friday Jan 29 decides before that, so January is first seen on Monday Feb 1
    assert features.loc["2010-01-29", "aapl_ret_1"] == ret["2009-12-01"]
    assert features.loc["2010-02-01", "aapl_ret_1"] == ret["2010-01-01"]


def test_source_when_it_stopped_then_not_carried_forward():
    bars = load("sp500")
    features = CrossAssetFeatures(sources=("goog",)).fit_transform(bars)
    assert features.loc["2013-03-15":, "goog_ret_1"].isna().all()


def test_zscore_when_computed_then_level_against_its_last_n_bars():
    bars = load("sp500")
    features = CrossAssetFeatures(sources=("vix",), zscore_period=10).fit_transform(bars)
    vix = load("vix")["vix"].dropna()
    day = pd.Timestamp("2016-03-10", tz="UTC")
    window = vix[:day].iloc[-10:]
    expected = (window.iloc[-1] - window.mean()) / window.std(ddof=0)
    assert features.loc[day, "vix_zscore_10"] == pytest.approx(expected, rel=1e-12)


def test_sources_when_unknown_or_ambiguous_then_errors_name_them():
    bars = load("sp500").iloc[:100]
    with pytest.raises(DatasetNotFoundError):
        CrossAssetFeatures(sources=("nasdaq",)).fit(bars)
    with pytest.raises(ValidationError, match="credit_spreads:"):
        CrossAssetFeatures(sources=("credit_spreads",)).fit(bars)
    with pytest.raises(ValidationError, match="repeats"):
        CrossAssetFeatures(sources=("vix", "vix")).fit(bars)


def test_cross_asset_when_sp500_then_no_column_all_nan():
    bars = load("sp500")
    features = CrossAssetFeatures().fit_transform(bars)
    assert not features.isna().all().any()
