"""The whale watcher: large transfers and exchange flows of a crypto asset, as of now.

It reads normalised transfers (:func:`signaltrust.data.onchain.transfers_frame`, from Whale
Alert, Etherscan or Blockchair through their adapters) made in the ``window`` before
``as_of`` and at least ``whale_usd`` in size. Whale flow = USD leaving exchanges minus USD
entering them (coins withdrawn read as accumulation, deposits as supply about to be sold);
score = tanh(flow / ``scale_usd``). Stocks and indices have no chain: it says so, neutral.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from signaltrust.agents.base import Agent, AgentSpec, MarketInputs, clip
from signaltrust.agents.reports import AgentReport, stance_of


def whale_flow(transfers: pd.DataFrame, as_of: pd.Timestamp, window: pd.Timedelta,
               whale_usd: float) -> tuple[float, float, float, pd.DataFrame]:
    """(out of exchanges, into exchanges, net out, the whale transfers) in (as_of-window, as_of]."""
    times = pd.to_datetime(transfers["time"], utc=True)
    big = transfers[(times > as_of - window) & (times <= as_of)
                    & (transfers["amount_usd"].fillna(0) >= whale_usd)]
    to_ex = big["to_type"].eq("exchange") & ~big["from_type"].eq("exchange")
    from_ex = big["from_type"].eq("exchange") & ~big["to_type"].eq("exchange")
    inflow = float(big.loc[to_ex, "amount_usd"].sum())
    outflow = float(big.loc[from_ex, "amount_usd"].sum())
    return outflow, inflow, outflow - inflow, big


@dataclass
class WhaleWatcher(Agent):
    spec: ClassVar[AgentSpec] = AgentSpec(
        "whale_watcher", "large on-chain transfers and exchange flows", "on_transfer / hourly",
        "MarketInputs.transfers (normalised transfers)", tools=("largest_transfers",))
    window_hours: float = 24.0
    whale_usd: float = 1_000_000.0
    scale_usd: float = 50_000_000.0

    def assess(self, inputs: MarketInputs) -> AgentReport:
        as_of = inputs.as_of.to_pydatetime()
        if inputs.asset_class != "crypto":
            return AgentReport(agent=self.name, as_of=as_of, data={"applicable": False},
                               summary=f"{inputs.symbol} is not on a chain: no on-chain view")
        if inputs.transfers is None or inputs.transfers.empty:
            return AgentReport(agent=self.name, as_of=as_of, data={"transfers": 0},
                               summary="no transfer records were given (configure an on-chain "
                                       "adapter or pass recorded transfers)")
        out, into, net, big = whale_flow(inputs.transfers, inputs.as_of,
                                         pd.Timedelta(hours=self.window_hours), self.whale_usd)
        score = clip(math.tanh(net / self.scale_usd))
        top = big.sort_values("amount_usd", ascending=False).head(3)
        reasons = [f"{r.amount_usd / 1e6:,.1f}M USD {r.from_type} -> {r.to_type}"
                   for r in top.itertuples()]
        return AgentReport(
            agent=self.name, stance=stance_of(score), score=score, as_of=as_of,
            confidence=round(clip(len(big) / (len(big) + 3) * abs(score) + 0.1 * bool(len(big)),
                                  0, 1), 4),
            summary=(f"{len(big)} whale transfers in {self.window_hours:g} h: "
                     f"{out / 1e6:,.1f}M USD off exchanges, {into / 1e6:,.1f}M onto them"),
            reasons=reasons,
            data={"outflow_usd": out, "inflow_usd": into, "net_usd": net, "transfers": len(big)})

    def tools(self, inputs: MarketInputs) -> dict[str, Any]:
        def largest_transfers() -> list[dict[str, Any]]:
            """The ten largest whale transfers in the window."""
            if inputs.transfers is None:
                return []
            big = whale_flow(inputs.transfers, inputs.as_of,
                             pd.Timedelta(hours=self.window_hours), self.whale_usd)[3]
            return big.nlargest(10, "amount_usd").astype(str).to_dict("records")

        return {"largest_transfers": largest_transfers}


__all__ = ["WhaleWatcher", "whale_flow"]
