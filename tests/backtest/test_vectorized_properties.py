"""Invariants of the vectorized engine: the books balance, fees are never negative, runs are
deterministic, and no equity value looks at the future."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signaltrust.backtest import simulate_signals, simulate_targets


def market(seed, n_bars, n_assets, nan_share=0.0):
    rng = np.random.default_rng(seed)
    index = pd.date_range("2021-01-01", periods=n_bars, freq="D", tz="UTC").as_unit("ns")
    bars, signals = {}, []
    for k in range(n_assets):
        close = 50 * np.exp(np.cumsum(rng.normal(0, 0.03, n_bars)))
        open_ = close * np.exp(rng.normal(0, 0.01, n_bars))
        frame = pd.DataFrame(
            {
                "open": open_,
                "high": np.maximum(open_, close) * 1.01,
                "low": np.minimum(open_, close) * 0.99,
                "close": close,
            },
            index=index,
        )
        if nan_share:
            frame[rng.random(n_bars) < nan_share] = np.nan
        bars[f"s{k}"] = frame
    for _ in range(4):
        signals.append(
            pd.DataFrame(rng.random((n_bars, n_assets)) < 0.15, index=index, columns=list(bars))
        )
    return bars, signals


costs = st.fixed_dictionaries(
    {
        "fees": st.floats(0, 0.01),
        "fixed_fees": st.floats(0, 2),
        "min_fees": st.floats(0, 3),
        "slippage": st.floats(0, 0.005),
        "fill_at": st.sampled_from(["next_open", "close"]),
        "size": st.floats(0.1, 1.5),
        "leverage": st.floats(1.0, 2.0),
        "sl_stop": st.one_of(st.none(), st.floats(0.01, 0.2)),
        "tp_stop": st.one_of(st.none(), st.floats(0.01, 0.3)),
        "tsl_stop": st.one_of(st.none(), st.floats(0.01, 0.2)),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    n_assets=st.integers(1, 3),
    nan_share=st.sampled_from([0.0, 0.1]),
    options=costs,
)
def test_simulate_when_any_inputs_then_equity_is_cash_plus_marked_positions(
    seed, n_assets, nan_share, options
):
    bars, signals = market(seed, 80, n_assets, nan_share)
    result = simulate_signals(bars, *signals, cash=10_000, **options)
    marks = result.close.ffill().fillna(0.0)
    books = result.cash + (result.positions * marks).sum(axis=1)
    np.testing.assert_allclose(result.equity.to_numpy(), books.to_numpy(), rtol=1e-9, atol=1e-6)
    assert (result.orders["fees"] >= 0).all() and (result.trades["fees"] >= 0).all()
    assert (result.trades["size"] > 0).all()
    np.testing.assert_allclose(
        result.trades["pnl"].sum(), result.equity.iloc[-1] - 10_000, atol=1e-6
    )
    again = simulate_signals(bars, *signals, cash=10_000, **options)
    pd.testing.assert_series_equal(result.equity, again.equity)
    pd.testing.assert_frame_equal(result.trades, again.trades)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), fill_at=st.sampled_from(["next_open", "close"]))
def test_simulate_targets_when_any_weights_then_equity_is_cash_plus_marked_positions(seed, fill_at):
    bars, _ = market(seed, 60, 2)
    rng = np.random.default_rng(seed)
    weights = pd.DataFrame(
        np.where(rng.random((60, 2)) < 0.2, rng.uniform(-0.6, 0.6, (60, 2)), np.nan),
        index=bars["s0"].index,
        columns=list(bars),
    )
    result = simulate_targets(
        bars, weights, cash=10_000, fees=0.001, fixed_fees=0.3, fill_at=fill_at, leverage=1.5
    )
    books = result.cash + (result.positions * result.close).sum(axis=1)
    np.testing.assert_allclose(result.equity.to_numpy(), books.to_numpy(), rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(
        result.trades["pnl"].sum(), result.equity.iloc[-1] - 10_000, atol=1e-6
    )


@settings(max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    cut=st.integers(5, 70),
    fill_at=st.sampled_from(["next_open", "close"]),
)
def test_simulate_when_data_after_t_changes_then_equity_up_to_t_is_unchanged(seed, cut, fill_at):
    """Equity at bar t depends on prices up to bar t and on signals up to bar t - 1 (next-open
    fills; up to bar t with fill_at="close"): changing anything later never changes it."""
    bars, signals = market(seed, 80, 2)
    options = {"cash": 10_000, "fees": 0.001, "sl_stop": 0.05, "tsl_stop": 0.1, "fill_at": fill_at}
    base = simulate_signals(bars, *signals, **options)
    rng = np.random.default_rng(seed + 1)
    first_signal = cut if fill_at == "next_open" else cut + 1
    changed_bars = {k: f.copy() for k, f in bars.items()}
    for frame in changed_bars.values():
        frame.iloc[cut + 1 :] *= rng.uniform(0.5, 1.5, (len(frame) - cut - 1, 1))
    changed_signals = [s.copy() for s in signals]
    for s in changed_signals:
        s.iloc[first_signal:] = rng.random(s.iloc[first_signal:].shape) < 0.5
    other = simulate_signals(changed_bars, *changed_signals, **options)
    pd.testing.assert_series_equal(base.equity.iloc[: cut + 1], other.equity.iloc[: cut + 1])
