"""Synthetic trades and quotes with known properties (no tick data ships with SignalTrust)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

T0 = pd.Timestamp("2024-01-02", tz="UTC").value


def make_trades(n: int = 3000, seed: int = 0, with_side: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = T0 + np.cumsum(rng.integers(1, 500_000_000, n))
    price = np.round(100 + np.cumsum(rng.normal(0, 0.02, n)), 2)
    size = np.round(rng.exponential(2.0, n), 4) + 0.001
    frame = pd.DataFrame({"ts": pd.to_datetime(ts, utc=True), "price": price, "size": size})
    if with_side:
        frame["side"] = rng.choice([-1, 1], n).astype(np.int8)
    return frame


def make_quotes(n: int = 2000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ts = T0 + np.cumsum(rng.integers(1, 300_000_000, n))
    mid = 100 + np.cumsum(rng.choice([-0.01, 0.0, 0.0, 0.01], n))
    half = rng.choice([0.005, 0.015], n)
    return pd.DataFrame({"ts": pd.to_datetime(ts, utc=True), "bid": np.round(mid - half, 3),
                         "ask": np.round(mid + half, 3), "bid_size": rng.integers(1, 20, n) * 1.0,
                         "ask_size": rng.integers(1, 20, n) * 1.0, "seq": np.arange(n)})


@pytest.fixture(scope="module")
def trades() -> pd.DataFrame:
    return make_trades()


@pytest.fixture(scope="module")
def quotes() -> pd.DataFrame:
    return make_quotes()
