"""Alpha158Features: 158 Qlib-style factors, checked against independent pandas definitions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.data import load
from signaltrust.features import Alpha158Features
from signaltrust.features.alpha158 import ROLLING


@pytest.fixture(scope="module")
def sp500_alpha():
    bars = load("sp500")
    return bars, Alpha158Features().fit_transform(bars)


def test_alpha158_when_vwap_and_volume_present_then_158_columns():
    bars = load("goog").iloc[:200]
    bars = bars.assign(vwap=(bars["high"] + bars["low"] + bars["close"]) / 3)
    names = Alpha158Features().fit(bars).get_feature_names_out()
    assert len(names) == 158
    assert len(ROLLING) == 29


def test_alpha158_when_sp500_then_157_columns_and_no_nan_after_60_bars(sp500_alpha):
    _, features = sp500_alpha
    assert features.shape[1] == 157  # no vwap column: VWAP0 skipped
    assert features.attrs["skipped_features"] == {"VWAP0": "the bars have no 'vwap' column"}
    assert not features.iloc[60:].isna().any().any()


def _rolling_reference(bars: pd.DataFrame, w: int) -> dict[str, pd.Series]:
    c, h, low, v = bars["close"], bars["high"], bars["low"], bars["volume"]
    x = np.arange(w)

    def fit(y):
        slope, intercept = np.polyfit(x, y, 1)
        fitted = intercept + slope * x
        ss_res = ((y - fitted) ** 2).sum()
        ss_tot = ((y - y.mean()) ** 2).sum()
        return slope, 1 - ss_res / ss_tot, y[-1] - fitted[-1]

    roll = c.rolling(w)
    return {
        f"ROC{w}": c.shift(w) / c,
        f"MA{w}": roll.mean() / c,
        f"STD{w}": roll.std() / c,
        f"BETA{w}": roll.apply(lambda y: fit(y)[0], raw=True) / c,
        f"RSQR{w}": roll.apply(lambda y: fit(y)[1], raw=True),
        f"RESI{w}": roll.apply(lambda y: fit(y)[2], raw=True) / c,
        f"QTLU{w}": roll.quantile(0.8) / c,
        f"RANK{w}": roll.rank(pct=True),
        f"IMAX{w}": (h.rolling(w).apply(np.argmax, raw=True) + 1) / w,
        f"IMIN{w}": (low.rolling(w).apply(np.argmin, raw=True) + 1) / w,
        f"RSV{w}": (c - low.rolling(w).min()) / (h.rolling(w).max() - low.rolling(w).min() + 1e-12),
        f"CORR{w}": c.rolling(w).corr(np.log(v + 1)),
        f"CNTP{w}": (c.diff() > 0).astype(float).where(c.diff().notna()).rolling(w).mean(),
        f"SUMP{w}": c.diff().clip(lower=0).rolling(w).sum()
        / (c.diff().abs().rolling(w).sum() + 1e-12),
        f"VSTD{w}": v.rolling(w).std() / (v + 1e-12),
    }


@pytest.mark.parametrize("window", [5, 20])
def test_rolling_factors_when_compared_with_pandas_then_equal(sp500_alpha, window):
    bars, features = sp500_alpha
    part = bars.iloc[:400]
    for name, expected in _rolling_reference(part, window).items():
        np.testing.assert_allclose(
            features[name].iloc[:400], expected, rtol=1e-7, atol=1e-10, err_msg=name
        )


def test_kbar_when_bar_constructed_then_values_by_hand():
    index = pd.date_range("2020-01-01", periods=1, freq="D", tz="UTC").as_unit("ns")
    bars = pd.DataFrame(
        {"open": [10.0], "high": [12.0], "low": [9.0], "close": [11.0], "volume": [100.0]},
        index=index,
    )
    row = Alpha158Features().fit_transform(bars).iloc[0]
    assert row["KMID"] == pytest.approx(0.1)
    assert row["KLEN"] == pytest.approx(0.3)
    assert row["KMID2"] == pytest.approx(1 / 3)
    assert row["KUP"] == pytest.approx(0.1)
    assert row["KLOW"] == pytest.approx(0.1)
    assert row["KSFT"] == pytest.approx((22 - 12 - 9) / 10)
    assert row["OPEN0"] == pytest.approx(10 / 11)
    assert np.isnan(row["MA5"])


def test_alpha158_when_no_volume_then_volume_factors_skipped():
    bars = load("sp500").iloc[:200].drop(columns=["volume"])
    alpha = Alpha158Features(windows=(5, 10)).fit(bars)
    names = list(alpha.get_feature_names_out())
    assert not any(n.startswith(("CORR", "CORD", "VMA", "VSTD", "WVMA", "VSUM")) for n in names)
    assert "VSUMD" in alpha.skipped_["volume"]
    assert len(names) == 9 + 3 + (29 - 8) * 2
