"""Microstructure features equal straightforward reference implementations and are causal."""

from __future__ import annotations

import math
import statistics

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data.info_bars import time_bars
from signaltrust.features.microstructure import (
    amihud,
    book_imbalance,
    effective_spread,
    kyle_lambda,
    microprice,
    order_flow_imbalance,
    roll_spread,
    spread,
    volume_profile,
    vpin,
    vpin_buckets,
)
from signaltrust.optimize.lookahead import check_indicator, detect_lookahead
from tests.microstructure.conftest import make_trades


@pytest.fixture(scope="module")
def bars(trades):
    return time_bars(trades, "1m")


def test_microprice_and_spread_when_computed_then_equal_the_formula(quotes):
    mp, sp = microprice(quotes), spread(quotes)
    for i in range(0, len(quotes), 97):
        b, a, bs, az = quotes.loc[i, ["bid", "ask", "bid_size", "ask_size"]]
        assert mp.iloc[i] == pytest.approx((b * az + a * bs) / (bs + az), rel=1e-14)
        assert sp["spread"].iloc[i] == pytest.approx(a - b)
        assert sp["relative_spread"].iloc[i] == pytest.approx((a - b) / ((a + b) / 2))


def test_microprice_when_bid_side_is_heavier_then_leans_toward_the_ask():
    quotes = pd.DataFrame({"bid": [99.0], "ask": [101.0], "bid_size": [9.0], "ask_size": [1.0]})
    assert microprice(quotes).iloc[0] == pytest.approx(100.8)


def test_book_imbalance_when_computed_then_equal_sums_over_the_levels():
    rng = np.random.default_rng(0)
    book = pd.DataFrame({f"{s}_size_{j}": rng.integers(1, 10, 50) * 1.0
                         for s in ("bid", "ask") for j in range(1, 4)})
    out = book_imbalance(book, depths=(1, 3))
    for i in range(50):
        b = sum(book.loc[i, f"bid_size_{j}"] for j in range(1, 4))
        a = sum(book.loc[i, f"ask_size_{j}"] for j in range(1, 4))
        assert out["imbalance_3"].iloc[i] == pytest.approx((b - a) / (b + a))
    with pytest.raises(ValidationError, match="fewer levels"):
        book_imbalance(book, depths=(5,))


def _ofi_reference(frame):
    q = {c: frame[c].to_numpy() for c in ("bid", "ask", "bid_size", "ask_size")}
    out = [0.0]
    for n in range(1, len(frame)):
        b, bp, a, ap = q["bid"][n], q["bid"][n - 1], q["ask"][n], q["ask"][n - 1]
        e = (q["bid_size"][n] if b >= bp else 0) - (q["bid_size"][n - 1] if b <= bp else 0)
        e += -(q["ask_size"][n] if a <= ap else 0) + (q["ask_size"][n - 1] if a >= ap else 0)
        out.append(e)
    return np.array(out)


def test_order_flow_imbalance_when_computed_then_equal_cont_kukanov_stoikov(quotes):
    ref = _ofi_reference(quotes)
    assert np.allclose(order_flow_imbalance(quotes).to_numpy(), ref)
    rolled = order_flow_imbalance(quotes, window=20).to_numpy()
    assert rolled[100] == pytest.approx(ref[81:101].sum())


def test_order_flow_imbalance_when_bid_rises_then_positive_and_when_ask_falls_then_negative():
    up = pd.DataFrame({"bid": [100.0, 100.01], "ask": [100.02] * 2, "bid_size": [5.0, 3.0],
                       "ask_size": [4.0, 4.0]})
    down = pd.DataFrame({"bid": [100.0] * 2, "ask": [100.02, 100.01], "bid_size": [5.0] * 2,
                         "ask_size": [4.0, 2.0]})
    assert order_flow_imbalance(up).iloc[1] == 3.0  # new bid queue of 3
    assert order_flow_imbalance(down).iloc[1] == -2.0  # new ask queue of 2


def test_effective_spread_when_computed_then_uses_last_quote_strictly_before(trades, quotes):
    out = effective_spread(trades, quotes).to_numpy()
    qts = pd.DatetimeIndex(quotes["ts"]).asi8
    for i in range(0, len(trades), 131):
        t = pd.Timestamp(trades["ts"].iloc[i]).value
        before = [k for k in range(len(qts)) if qts[k] < t]
        if not before:
            assert np.isnan(out[i])
            continue
        k = before[-1]
        mid = (quotes["bid"].iloc[k] + quotes["ask"].iloc[k]) / 2
        assert out[i] == pytest.approx(2 * abs(trades["price"].iloc[i] - mid) / mid)


def _vpin_reference(trades, bucket, window, sigma_window):
    closes, room = [], bucket
    for p, q in zip(trades["price"], trades["size"], strict=True):
        while q > 0:
            take = min(q, room)
            room, q = room - take, q - take
            if room <= bucket * 1e-12:
                closes.append(p)
                room = bucket
                q = 0.0 if q <= bucket * 1e-12 else q
    dp = np.diff([trades["price"].iloc[0], *closes])
    imbalance, out = [], []
    for k in range(len(dp)):
        past = dp[max(0, k - sigma_window + 1):k + 1]
        if len(past) < 2:
            imbalance.append(np.nan)
        else:
            sd = statistics.stdev(past)
            buy = 0.5 * (1 + math.erf(dp[k] / sd / math.sqrt(2))) if sd > 0 else 0.5
            imbalance.append(abs(2 * buy - 1))
        last = imbalance[max(0, k - window + 1):k + 1]
        out.append(np.mean(last) if len(last) == window and not np.isnan(last).any() else np.nan)
    return np.array(closes), np.array(out)


def test_vpin_when_computed_then_equal_reference_bulk_volume_classification(trades):
    closes, ref = _vpin_reference(trades, 25.0, 10, 15)
    got = vpin_buckets(trades, 25.0, window=10, sigma_window=15)
    assert np.array_equal(got["close"].to_numpy(), closes)
    assert np.allclose(got["vpin"].to_numpy(), ref, equal_nan=True, rtol=1e-9, atol=1e-12)
    assert np.allclose((got["buy_volume"] + got["sell_volume"]).iloc[1:], 25.0)
    assert got["vpin"].between(0, 1).sum() == np.isfinite(ref).sum() > 100


def _informed_episode(seed: int = 7):
    """Balanced flow, then informed buyers (80% of the volume) pushing the price up slowly,
    then the news: a 3% jump; then balanced flow again."""
    rng = np.random.default_rng(seed)
    phases = [(40_000, 0.5), (8_000, 0.8), (10_000, 0.5)]
    sides = np.concatenate([np.where(rng.random(n) < p, 1, -1) for n, p in phases])
    size = rng.exponential(1.0, len(sides))
    steps = 0.002 * sides * size + rng.normal(0, 0.01, len(sides))
    jump_at = phases[0][0] + phases[1][0]
    steps[jump_at] += 3.0
    price = 100 + np.cumsum(steps)
    ts = pd.Timestamp("2024-01-02", tz="UTC").value + np.arange(len(sides)) * 100_000_000
    trades = pd.DataFrame({"ts": pd.to_datetime(ts, unit="ns", utc=True), "price": price,
                           "size": size})
    return trades, trades["ts"].iloc[phases[0][0]], trades["ts"].iloc[jump_at]


@pytest.mark.parametrize("seed", [7, 8])
def test_vpin_when_informed_flow_precedes_a_jump_then_vpin_rises_before_the_price_move(seed):
    trades, informed_start, jump = _informed_episode(seed)
    series = vpin(trades, bucket_volume=100.0, window=50)
    calm = series[series.index < informed_start].dropna()
    alarm = calm.quantile(0.99)
    above = series[(series > alarm) & (series.index >= informed_start)]
    assert len(calm) > 200
    assert len(above) and above.index[0] < jump  # the alarm goes off before the news
    assert series[series.index < jump].iloc[-1] > alarm
    assert series[series.index < jump].iloc[-1] > calm.max() + 0.05


def _kyle_reference(bars, window):
    dp = bars["close"].diff().to_numpy()
    q = np.sign(np.nan_to_num(dp)) * bars["volume"].to_numpy()
    out = np.full(len(bars), np.nan)
    for t in range(window, len(bars)):
        x, y = q[t - window + 1:t + 1], dp[t - window + 1:t + 1]
        if np.var(x) > 0:
            out[t] = np.cov(x, y)[0, 1] / np.var(x, ddof=1)
    return out


def test_kyle_amihud_roll_when_computed_then_equal_reference_loops(bars):
    assert np.allclose(kyle_lambda(bars, 20).to_numpy(), _kyle_reference(bars, 20),
                       equal_nan=True, rtol=1e-8)
    ret = bars["close"].pct_change().abs().to_numpy()
    illiq = ret / bars["dollar_volume"].to_numpy()
    ref = [np.mean(illiq[t - 9:t + 1]) if t >= 10 else np.nan for t in range(len(bars))]
    assert np.allclose(amihud(bars, 10).to_numpy(), ref, equal_nan=True, rtol=1e-10)
    dp = bars["close"].diff().to_numpy()
    ref_roll = []
    for t in range(len(bars)):
        if t < 11:
            ref_roll.append(np.nan)
            continue
        cov = np.cov(dp[t - 9:t + 1], dp[t - 10:t])[0, 1]
        ref_roll.append(2 * math.sqrt(max(0.0, -cov)))
    assert np.allclose(roll_spread(bars["close"], 10).to_numpy(), ref_roll, equal_nan=True)


def test_roll_spread_when_prices_bounce_between_bid_and_ask_then_recovers_the_spread():
    rng = np.random.default_rng(1)
    side = rng.choice([-1.0, 1.0], 5000)
    close = pd.Series(100 + 0.05 * side)  # spread 0.10 around a fixed value
    assert roll_spread(close, 4000).iloc[-1] == pytest.approx(0.10, rel=0.05)


def test_volume_profile_when_built_then_volumes_per_level_sum_to_total():
    trades = make_trades(500, with_side=True)
    profile = volume_profile(trades, tick_size=0.05)
    assert profile["volume"].sum() == pytest.approx(trades["size"].sum())
    levels = np.round(np.round(trades["price"] / 0.05) * 0.05, 12)
    ref = trades.groupby(levels)["size"].sum()
    assert np.allclose(profile["volume"].to_numpy(), ref.to_numpy())
    assert profile.attrs["point_of_control"] == pytest.approx(ref.idxmax())


@pytest.mark.parametrize("feature", [
    lambda q: order_flow_imbalance(q, 20), microprice,
    lambda q: spread(q)["relative_spread"],
])
def test_quote_features_when_checked_for_lookahead_then_clean(quotes, feature):
    report = check_indicator(feature, quotes, n_points=8, seed=1)
    assert report.clean, report.summary()


@pytest.mark.parametrize("feature", [
    lambda b: kyle_lambda(b, 20), lambda b: amihud(b, 10),
    lambda b: roll_spread(b["close"], 10),
])
def test_bar_features_when_checked_for_lookahead_then_clean(bars, feature):
    report = check_indicator(feature, bars, n_points=8, seed=2)
    assert report.clean, report.summary()


def test_vpin_when_checked_for_lookahead_then_clean_and_a_leak_is_caught(trades):
    def at_trades(t, leak=False):
        buckets = vpin(t, 25.0, window=10)
        values = buckets.to_numpy()
        where = np.searchsorted(pd.DatetimeIndex(buckets.index).asi8,
                                pd.DatetimeIndex(t["ts"]).asi8, side="right") - 1
        out = pd.Series(np.where(where >= 0, values[np.maximum(where, 0)], np.nan))
        return out.shift(-5) if leak else out

    assert detect_lookahead(at_trades, trades, n_points=8, seed=3).clean
    assert not detect_lookahead(lambda t: at_trades(t, True), trades, n_points=8, seed=3).clean
