import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.portfolio import ewma_cov, expected_returns, ledoit_wolf_cov, sample_cov


def _daily_prices(n=300, seed=1):
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2020-01-01", periods=n, tz="UTC").as_unit("ns")
    returns = rng.normal(0.0005, 0.01, size=(n, 3))
    return pd.DataFrame(100 * np.cumprod(1 + returns, axis=0), index=index, columns=list("ABC"))


def test_sample_cov_when_monthly_then_annualised_by_12(stocks_clean):
    r = stocks_clean.pct_change().iloc[1:]
    expected = r.cov() * 12
    assert np.allclose(sample_cov(stocks_clean), expected, rtol=1e-12, atol=0)


def test_sample_cov_when_daily_then_annualised_by_252():
    prices = _daily_prices()
    r = prices.pct_change().iloc[1:]
    assert np.allclose(sample_cov(prices), r.cov() * 252, rtol=1e-12, atol=0)


def test_sample_cov_when_frequency_given_then_it_overrides_the_index(stocks_clean):
    assert np.allclose(sample_cov(stocks_clean, frequency=52), sample_cov(stocks_clean) * 52 / 12)


def test_ledoit_wolf_when_computed_then_between_sample_and_target_and_annualised(stocks_clean):
    from sklearn.covariance import LedoitWolf

    r = stocks_clean.pct_change().iloc[1:].to_numpy()
    fit = LedoitWolf().fit(r)
    ours = ledoit_wolf_cov(stocks_clean).to_numpy()
    assert np.allclose(ours, fit.covariance_ * 12)
    assert 0 < fit.shrinkage_ < 1


def test_ewma_cov_when_computed_then_equals_hand_weighted_formula():
    prices = _daily_prices(n=80)
    r = prices.pct_change().iloc[1:].to_numpy()
    span = 20
    alpha = 2 / (span + 1)
    w = (1 - alpha) ** np.arange(len(r) - 1, -1, -1)
    mean = (w[:, None] * r).sum(axis=0) / w.sum()
    dev = r - mean
    biased = (w[:, None, None] * dev[:, :, None] * dev[:, None, :]).sum(axis=0) / w.sum()
    unbiased = biased * w.sum() ** 2 / (w.sum() ** 2 - (w**2).sum())
    assert np.allclose(ewma_cov(prices, span=span).to_numpy(), unbiased * 252, rtol=1e-10)


def test_ewma_cov_when_span_invalid_then_error_names_span():
    with pytest.raises(ValidationError, match="span"):
        ewma_cov(_daily_prices(), span=0)


def test_expected_returns_when_arithmetic_or_compounded_then_hand_values(stocks_clean):
    r = stocks_clean.pct_change().iloc[1:]
    assert np.allclose(expected_returns(stocks_clean), r.mean() * 12)
    cagr = (1 + r).prod() ** (12 / len(r)) - 1
    assert np.allclose(expected_returns(stocks_clean, compounding=True), cagr)


def test_expected_returns_when_index_not_datetime_and_no_frequency_then_error():
    prices = _daily_prices().reset_index(drop=True)
    with pytest.raises(ValidationError, match="frequency"):
        expected_returns(prices)
