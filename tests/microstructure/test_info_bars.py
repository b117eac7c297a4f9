"""Bars from trades equal a plain-Python reference, bar by bar."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data.info_bars import (
    build_bars,
    dollar_bars,
    imbalance_bars,
    run_bars,
    tick_bars,
    time_bars,
    volume_bars,
)
from tests.microstructure.conftest import make_trades


def _bars(ts, price, size, ends):
    rows, start = [], 0
    for end in ends:
        p, s = price[start:end + 1], size[start:end + 1]
        rows.append((ts[start], p[0], max(p), min(p), p[-1], sum(s), sum(p * s), end + 1 - start,
                     ts[end]))
        start = end + 1
    return rows


def _arrays(trades):
    return (pd.DatetimeIndex(trades["ts"]).asi8, trades["price"].to_numpy(),
            trades["size"].to_numpy())


def _check(bars, rows, labels=None):
    assert len(bars) == len(rows)
    for k, (first, o, h, lo, c, v, d, n, last) in enumerate(rows):
        bar = bars.iloc[k]
        assert bars.index[k].value == (first if labels is None else labels[k])
        assert (bar["open"], bar["high"], bar["low"], bar["close"]) == (o, h, lo, c)
        assert bar["volume"] == pytest.approx(v, rel=1e-12)
        assert bar["dollar_volume"] == pytest.approx(d, rel=1e-12)
        assert bar["trades"] == n and bar["end"].value == last


def _threshold_ends(amount, threshold):
    ends, total = [], 0.0
    for i, x in enumerate(amount):
        total += x
        if total >= threshold:
            ends.append(i)
            total = 0.0
    return ends


def _tick_rule(price):
    out, last = [0], 0
    for i in range(1, len(price)):
        last = 1 if price[i] > price[i - 1] else -1 if price[i] < price[i - 1] else last
        out.append(last)
    return out


def _clip(x, lo, hi):
    return min(max(x, lo), hi)


def _imbalance_ends(signed, e_t, a_bars, a_ticks, lo, hi):
    ends, theta, e_b, e_abs, start = [], 0.0, 0.0, 0.0, 0
    for i, x in enumerate(signed):
        theta += x
        e_b = x if i == 0 else e_b + a_ticks * (x - e_b)
        e_abs = abs(x) if i == 0 else e_abs + a_ticks * (abs(x) - e_abs)
        threshold = e_t * max(abs(e_b), e_abs / math.sqrt(e_t))
        if threshold > 0 and abs(theta) >= threshold:
            ends.append(i)
            e_t = _clip(e_t + a_bars * (i - start + 1 - e_t), lo, hi)
            start, theta = i + 1, 0.0
    return ends


def _run_ends(sign, amount, e_t, a_bars, a_ticks, lo, hi):
    ends, buys, sells, p_buy, v_buy, v_sell, start = [], 0.0, 0.0, 0.5, 0.0, 0.0, 0
    for i, (b, v) in enumerate(zip(sign, amount, strict=True)):
        if b > 0:
            buys += v
            v_buy = v if v_buy == 0 else v_buy + a_ticks * (v - v_buy)
        elif b < 0:
            sells += v
            v_sell = v if v_sell == 0 else v_sell + a_ticks * (v - v_sell)
        if b != 0:
            p_buy += a_ticks * ((1.0 if b > 0 else 0.0) - p_buy)
        threshold = e_t * max(p_buy * v_buy, (1 - p_buy) * v_sell)
        if threshold > 0 and max(buys, sells) >= threshold:
            ends.append(i)
            e_t = _clip(e_t + a_bars * (i - start + 1 - e_t), lo, hi)
            start, buys, sells = i + 1, 0.0, 0.0
    return ends


def test_time_bars_when_built_then_equal_reference_grouping_by_period(trades):
    ts, price, size = _arrays(trades)
    period = 60_000_000_000
    ends = [i for i in range(len(ts)) if i == len(ts) - 1 or ts[i + 1] // period != ts[i] // period]
    _check(time_bars(trades, "1m"), _bars(ts, price, size, ends), [ts[e] // period * period
                                                                    for e in ends])


def test_time_bars_when_compared_with_pandas_resample_then_same_ohlcv(trades):
    bars = time_bars(trades, "5m")
    frame = trades.set_index("ts")
    expected = frame["price"].resample("5min").ohlc().dropna()
    assert np.allclose(bars[["open", "high", "low", "close"]].to_numpy(), expected.to_numpy())
    assert np.allclose(bars["volume"], frame["size"].resample("5min").sum().loc[expected.index])


def test_tick_bars_when_built_then_every_bar_has_n_trades(trades):
    ts, price, size = _arrays(trades)
    ends = list(range(99, len(ts), 100))
    _check(tick_bars(trades, 100), _bars(ts, price, size, ends))
    assert len(tick_bars(trades, 100, keep_partial=True)) == math.ceil(len(ts) / 100)


def test_volume_and_dollar_bars_when_built_then_equal_reference(trades):
    ts, price, size = _arrays(trades)
    _check(volume_bars(trades, 50.0), _bars(ts, price, size, _threshold_ends(size, 50.0)))
    _check(dollar_bars(trades, 5000.0),
           _bars(ts, price, size, _threshold_ends(price * size, 5000.0)))


@pytest.mark.parametrize("by", ["tick", "volume"])
def test_imbalance_bars_when_built_then_equal_reference(trades, by):
    ts, price, size = _arrays(trades)
    signed = np.asarray(_tick_rule(price), float) * (size if by == "volume" else 1.0)
    ends = _imbalance_ends(signed, 30.0, 2 / 21, 2 / 1001, 30 / 4, 30 * 4)
    _check(imbalance_bars(trades, by=by, expected_ticks=30), _bars(ts, price, size, ends))


@pytest.mark.parametrize("by", ["tick", "volume"])
def test_run_bars_when_built_then_equal_reference(trades, by):
    ts, price, size = _arrays(trades)
    amount = size if by == "volume" else np.ones(len(size))
    ends = _run_ends(_tick_rule(price), amount, 30.0, 2 / 21, 2 / 1001, 30 / 4, 30 * 4)
    _check(run_bars(trades, by=by, expected_ticks=30), _bars(ts, price, size, ends))


def test_imbalance_bars_when_flow_turns_one_sided_then_bars_get_shorter():
    trades = make_trades(6000, seed=3, with_side=True)
    side = trades["side"].to_numpy().copy()
    side[3000:] = np.where(np.random.default_rng(4).random(3000) < 0.9, 1, -1)
    trades["side"] = side
    bars = imbalance_bars(trades, expected_ticks=50)
    cut = trades["ts"].iloc[3000]
    before = bars.loc[bars["end"] < cut, "trades"].mean()
    after = bars.loc[bars.index > cut, "trades"].mean()
    assert after < before / 2


@pytest.mark.parametrize("kind", ["tick", "volume", "dollar", "tick_imbalance", "volume_run"])
def test_bars_when_future_trades_change_then_completed_bars_do_not(trades, kind):
    params = {"tick": {"ticks": 50}, "volume": {"volume": 60.0},
              "dollar": {"dollars": 6000.0}}.get(kind, {"expected_ticks": 40})
    full = build_bars(trades, kind, **params)
    altered = trades.copy()
    altered.loc[2000:, "price"] = altered.loc[2000:, "price"] * 1.5
    altered.loc[2000:, "size"] = altered.loc[2000:, "size"] * 3
    cut = trades["ts"].iloc[1999]
    changed = build_bars(altered, kind, **params)
    done = full[full["end"] <= cut]
    assert len(done) > 5
    pd.testing.assert_frame_equal(done, changed.iloc[:len(done)])


def test_bars_when_trades_unsorted_or_threshold_bad_then_validation_error(trades):
    with pytest.raises(ValidationError, match="time order"):
        tick_bars(trades.iloc[::-1], 10)
    with pytest.raises(ValidationError, match="positive"):
        volume_bars(trades, 0)
    with pytest.raises(ValidationError, match="fixed length"):
        time_bars(trades, "1mo")
    with pytest.raises(ValidationError, match="unknown kind"):
        build_bars(trades, "renko")


def test_bars_when_times_have_microsecond_resolution_then_same_bars(trades):
    coarse = trades.assign(ts=trades["ts"].dt.floor("us").astype("datetime64[us, UTC]"))
    fine = trades.assign(ts=trades["ts"].dt.floor("us"))
    pd.testing.assert_frame_equal(tick_bars(coarse, 100), tick_bars(fine, 100))
    assert tick_bars(coarse, 100).index[0] == fine["ts"].iloc[0]


def test_bars_from_trades_when_backtested_and_featurised_then_engines_take_them():
    from signaltrust.backtest.api import run
    from signaltrust.features import TechnicalFeatures

    bars = dollar_bars(make_trades(8000, seed=11), 2000.0)
    result = run(bars, "sma_cross", {"fast": 5, "slow": 20})
    assert len(result.equity) == len(bars)
    features = TechnicalFeatures().transform(bars)
    assert features.index.equals(bars.index) and features.notna().any().all()
