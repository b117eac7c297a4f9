"""The seeds' strategy families as agents: trend, mean reversion, momentum, volatility.

Each family observes its own columns of the technical feature set (what a trader of that
style reads) and is paid its own reward:

- trend: price against its 20/50/200-bar averages, ADX, Aroon, MACD histogram; net P&L;
- mean_reversion: RSI, %B, stochastic, 1- and 5-bar returns, distance to the 10-bar SMA;
  differential Sharpe;
- momentum: 5- to 60-bar returns, ROC, MACD; net P&L;
- volatility: NATR, realised volatility (20, 60, ratio 5/20), Bollinger width, 20-bar
  return; drawdown-penalised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.features import TechnicalFeatures
from signaltrust.research.rl.agent import RLAgent
from signaltrust.rl.features import SelectedFeatures


@dataclass(frozen=True)
class Family:
    """A family: the technical columns its agent observes and the reward it is paid."""

    name: str
    columns: tuple[str, ...]
    reward: str

    def features(self) -> SelectedFeatures:
        return SelectedFeatures(TechnicalFeatures(), self.columns)


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family("trend", ("sma_ratio_20", "sma_ratio_50", "sma_ratio_200", "adx_14",
                         "aroon_osc_25", "macd_hist_12_26_9"), "pnl"),
        Family("mean_reversion", ("rsi_14", "bb_pctb_20", "stoch_k_14_3", "ret_1", "ret_5",
                                  "sma_ratio_10"), "differential_sharpe"),
        Family("momentum", ("ret_5", "ret_10", "ret_20", "ret_60", "roc_10", "macd_12_26_9"),
               "pnl"),
        Family("volatility", ("natr_14", "realized_vol_20", "realized_vol_60",
                              "realized_vol_ratio_5_20", "bb_width_20", "ret_20"), "drawdown"),
    )
}


def family_agent(family: str, algo: str = "ppo", **params: Any) -> RLAgent:
    """An unfitted agent of ``family`` (its features and reward; any RLAgent argument may
    be given, except those two)."""
    key = str(family).strip().lower()
    if key not in FAMILIES:
        raise ValidationError("unknown strategy family", field="family", value=family,
                              fix=f"use one of {', '.join(FAMILIES)}")
    for fixed in ("features", "reward"):
        if fixed in params:
            raise ValidationError(f"a family agent has its own {fixed}", field=fixed,
                                  value=params[fixed],
                                  fix="build RLAgent(...) yourself to choose them")
    spec = FAMILIES[key]
    return RLAgent(algo=algo, features=spec.features(), reward=spec.reward, **params)


__all__ = ["FAMILIES", "Family", "family_agent"]
