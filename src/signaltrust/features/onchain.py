"""On-chain features: whale flow and exchange net flow over 24 h, active addresses.

Computed at each bar's decision time (its end) from transfers already made by then:

- ``whale_flow_24h``: USD of whale transfers (``amount_usd >= whale_usd``) leaving exchanges
  minus those entering them, over the trailing ``window``: positive when whales withdraw
  (coins taken off exchanges, read as accumulation).
- ``exchange_netflow_24h``: coins entering exchanges minus coins leaving them over ``window``
  (positive: supply arriving to be sold). Transfers between two exchanges count in neither.
- ``active_addresses``: the last complete UTC day's count (day D usable from the end of D).
- ``onchain_flow``: the breakout score's on-chain input (higher is bullish): whale flow, or
  the negated exchange net flow with ``flow_source="exchange"``.

Bars before the transfers' coverage starts (``coverage`` or the first transfer), or after it
ends, get NaN rather than a zero that would claim no flow.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.timeframe import Timeframe
from signaltrust.data.onchain import TRANSFER_COLUMNS
from signaltrust.features.align import align_asof, bar_ends
from signaltrust.features.base import FeatureSet, hash_frame

NAMES = ("whale_flow_24h", "exchange_netflow_24h", "active_addresses", "onchain_flow")


def _window_sums(times: np.ndarray, values: np.ndarray, decided: np.ndarray,
                 window: np.timedelta64) -> np.ndarray:
    """Sum of ``values`` with time in ``(decided - window, decided]`` for each decision time."""
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    hi = np.searchsorted(times, decided, side="right")
    lo = np.searchsorted(times, decided - window, side="right")
    return cumulative[hi] - cumulative[lo]


class OnchainFeatures(FeatureSet):
    """Whale flow, exchange net flow and active addresses aligned to bars without look-ahead.

    ``transfers``: the frame of ``signaltrust.data.onchain`` (Whale Alert, Etherscan);
    ``active_addresses``: a daily series labelled by day start (Blockchair-style);
    ``symbol``: the coin whose exchange flow is counted (default: the only one present).
    """

    version = "1"

    def __init__(self, transfers: pd.DataFrame | None = None,
                 active_addresses: pd.Series | None = None, *, symbol: str | None = None,
                 window: str = "24h", whale_usd: float = 1_000_000.0,
                 flow_source: str = "whale", coverage: tuple[Any, Any] | None = None,
                 timeframe: str | None = None) -> None:
        self.transfers = transfers
        self.active_addresses = active_addresses
        self.symbol = symbol
        self.window = window
        self.whale_usd = whale_usd
        self.flow_source = flow_source
        self.coverage = coverage
        self.timeframe = timeframe

    def _required_columns(self) -> tuple[str, ...]:
        return ()

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        if self.flow_source not in ("whale", "exchange"):
            raise ValidationError("unknown on-chain flow source", field="flow_source",
                                  value=self.flow_source, fix="use 'whale' or 'exchange'")
        names, skipped = [], {}
        if self.transfers is not None:
            missing = [c for c in TRANSFER_COLUMNS if c not in self.transfers.columns]
            if missing:
                raise ValidationError("transfers lack columns", field="transfers",
                                      value=missing, fix="build them with data.onchain")
            names += ["whale_flow_24h", "exchange_netflow_24h", "onchain_flow"]
        else:
            skipped["flows"] = "no transfers given"
        if self.active_addresses is not None:
            names.insert(2 if self.transfers is not None else 0, "active_addresses")
        else:
            skipped["active_addresses"] = "no daily active-address series given"
        return names, skipped

    def _source_fingerprint(self) -> str:
        parts = [hash_frame(x) for x in (self.transfers, self.active_addresses) if x is not None]
        return "-".join(parts)

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        names, _ = self._plan(bars)
        timeframe = Timeframe.parse(self.timeframe) if self.timeframe else \
            Timeframe.infer(bars.index)
        decided = pd.DatetimeIndex(bar_ends(bars.index, timeframe))
        out: dict[str, np.ndarray] = {}
        if self.transfers is not None:
            out.update(self._flows(decided))
        if self.active_addresses is not None:
            daily = self.active_addresses.astype(float)
            out["active_addresses"] = align_asof(
                daily, bars.index, daily.index + pd.Timedelta(days=1), decided_at=decided,
                max_age=pd.Timedelta(days=3)).to_numpy()
        return {name: out[name] for name in names}

    def _flows(self, decided: pd.DatetimeIndex) -> dict[str, np.ndarray]:
        t = self.transfers.sort_values("time", kind="stable")
        symbols = sorted(set(t["symbol"].dropna()))
        symbol = self.symbol or (symbols[0] if len(symbols) == 1 else None)
        if symbol is None and len(symbols) > 1:
            raise ValidationError("transfers of several coins: name the one to count",
                                  field="symbol", value=symbols, fix=f"symbol={symbols[0]!r}")
        window = np.timedelta64(pd.Timedelta(self.window).value, "ns")
        times = t["time"].dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")
        at = decided.tz_convert(None).to_numpy(dtype="datetime64[ns]")
        into = (t["to_type"] == "exchange") & (t["from_type"] != "exchange")
        out_of = (t["from_type"] == "exchange") & (t["to_type"] != "exchange")
        direction = into.astype(float) - out_of.astype(float)  # +1 in, -1 out, 0 neither
        usd = t["amount_usd"].fillna(0.0).to_numpy()
        whale = np.where(usd >= self.whale_usd, -direction.to_numpy() * usd, 0.0)
        coins = np.where(t["symbol"] == symbol, direction.to_numpy() * t["amount"].to_numpy(),
                         0.0) if symbol else np.zeros(len(t))
        whale_flow = _window_sums(times, whale, at, window)
        netflow = _window_sums(times, np.nan_to_num(coins), at, window)
        start, end = self.coverage or (t["time"].min(), t["time"].max())
        start_ns = np.datetime64(pd.Timestamp(start).tz_convert(None), "ns") if len(t) else None
        end_ns = np.datetime64(pd.Timestamp(end).tz_convert(None), "ns") if len(t) else None
        if start_ns is None:
            outside = np.ones(len(at), dtype=bool)
        else:
            outside = (at - window < start_ns) | (at > end_ns)
        whale_flow[outside] = np.nan
        netflow[outside] = np.nan
        flow = whale_flow if self.flow_source == "whale" else -netflow
        return {"whale_flow_24h": whale_flow, "exchange_netflow_24h": netflow,
                "onchain_flow": flow.copy()}


__all__ = ["NAMES", "OnchainFeatures"]
