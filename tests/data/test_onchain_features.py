"""On-chain features on bars: trailing 24 h flows, no look-ahead, and the breakout score."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data.onchain import transfers_frame
from signaltrust.features.onchain import OnchainFeatures
from signaltrust.strategy.breakout_score import BreakoutScore

START = pd.Timestamp("2024-01-01", tz="UTC")


def _transfer(hours, usd, src, dst, coins=None):
    return {"time": START + pd.Timedelta(hours=hours), "chain": "bitcoin", "symbol": "BTC",
            "amount": usd / 40_000 if coins is None else coins, "amount_usd": usd,
            "from_type": src, "to_type": dst, "from_owner": src, "to_owner": dst,
            "hash": f"h{hours}-{usd}"}


TRANSFERS = transfers_frame([
    _transfer(1.5, 4_000_000, "exchange", "unknown"),   # whale withdrawal: +4M
    _transfer(2.5, 2_000_000, "unknown", "exchange"),   # whale deposit: -2M
    _transfer(3.5, 400_000, "unknown", "exchange"),     # small: not a whale, still net flow
    _transfer(5.5, 8_000_000, "exchange", "exchange"),  # between exchanges: neither
])
HOURLY = pd.DataFrame({"open": 1.0, "high": 1.0, "low": 1.0, "close": 1.0, "volume": 1.0},
                      index=pd.date_range(START, periods=48, freq="h"))


def _features(**kw):
    return OnchainFeatures(TRANSFERS, coverage=(START - pd.Timedelta(days=1),
                                                START + pd.Timedelta(days=2)), **kw)


def test_whale_flow_when_transfers_happen_then_each_bar_sums_the_last_24h_known_at_its_end():
    frame = _features().fit_transform(HOURLY)
    whale = frame["whale_flow_24h"]
    assert whale.iloc[0] == 0.0  # bar 00:00-01:00: nothing yet
    assert whale.iloc[1] == 4_000_000  # bar 01:00-02:00 ends after the 01:30 withdrawal
    assert whale.iloc[2] == 2_000_000 and whale.iloc[5] == 2_000_000
    assert whale.iloc[26] == 0.0  # 02:00 next day: the withdrawal left the window
    netflow = frame["exchange_netflow_24h"]
    assert netflow.iloc[3] == pytest.approx((2_000_000 + 400_000 - 4_000_000) / 40_000)


def test_flows_when_a_future_transfer_is_added_then_earlier_bars_do_not_change():
    base = _features().fit_transform(HOURLY)
    later = transfers_frame([*TRANSFERS.to_dict("records"),
                             _transfer(30.2, 9_000_000, "exchange", "unknown")])
    changed = OnchainFeatures(later, coverage=(START - pd.Timedelta(days=1),
                                               START + pd.Timedelta(days=2))).fit_transform(HOURLY)
    assert base.iloc[:30].equals(changed.iloc[:30])
    assert changed["whale_flow_24h"].iloc[30] == base["whale_flow_24h"].iloc[30] + 9_000_000


def test_flows_when_the_window_reaches_before_coverage_then_nan_not_zero():
    frame = OnchainFeatures(TRANSFERS, coverage=(START, START + pd.Timedelta(days=2))) \
        .fit_transform(HOURLY)
    assert frame["whale_flow_24h"].iloc[:23].isna().all()
    assert frame["whale_flow_24h"].iloc[23:].notna().all()


def test_active_addresses_when_daily_then_usable_only_after_the_day_ends():
    daily = pd.Series([900_000.0, 950_000.0],
                      index=pd.DatetimeIndex([START, START + pd.Timedelta(days=1)]))
    frame = OnchainFeatures(active_addresses=daily).fit_transform(HOURLY)
    assert list(frame.columns) == ["active_addresses"]
    assert frame["active_addresses"].iloc[:23].isna().all()  # day 1 is not over yet
    assert frame["active_addresses"].iloc[23] == 900_000.0  # the bar ending at midnight
    assert frame["active_addresses"].iloc[47] == 950_000.0


def test_onchain_flow_when_given_to_the_breakout_score_then_the_component_is_present():
    bars = HOURLY.assign(close=np.linspace(100, 110, 48), high=np.linspace(101, 111, 48),
                         low=np.linspace(99, 109, 48))
    flow = _features().fit_transform(bars)["onchain_flow"]
    scores = BreakoutScore().score(bars.assign(onchain_flow=flow), rank_window=10, lookback=5)
    assert scores["onchain"].notna().sum() > 30
    without = BreakoutScore().score(bars, rank_window=10, lookback=5)
    assert without["onchain"].isna().all()


def test_features_when_several_coins_and_no_symbol_then_validation_error():
    mixed = transfers_frame([*TRANSFERS.to_dict("records"),
                             {**_transfer(4, 1e6, "unknown", "exchange"), "symbol": "ETH"}])
    with pytest.raises(ValidationError, match="several coins"):
        OnchainFeatures(mixed).fit_transform(HOURLY)
