"""The demo's risk step: a fat-finger order denied by the price band, as the strategy sees it.

A strategy buys the S&P 500 with a limit price typed 20% above the market. The risk engine,
which every order passes before the venue, denies it with the named reason ``price_band``; the
strategy reads the reason in ``on_order`` and retries with a market order, which passes. The
denial and the state changes are in the hash-chained audit log, which verifies.
"""

from __future__ import annotations

from typing import Any

from signaltrust.backtest.replay import run_strategy
from signaltrust.data import load
from signaltrust.risk import RiskEngine
from signaltrust.strategy import Strategy


class FatFingerBuyer(Strategy):
    """Buys with a limit price ``mistake`` above the close; retries at market if denied."""

    def __init__(self, units: int = 10, mistake: float = 0.20) -> None:
        super().__init__()
        self.units = units
        self.mistake = mistake
        self.denied: list[str] = []

    def on_bar(self, ctx, bar) -> None:
        if ctx.position(bar.symbol) == 0 and not ctx.open_orders() and not self.denied:
            ctx.buy(bar.symbol, self.units, type="limit", limit=bar.close * (1 + self.mistake))

    def on_order(self, ctx, event) -> None:
        if str(event.status) == "DENIED":
            self.denied.append(f"{ctx.now.date()} {event.reason}")
            ctx.buy(event.symbol, self.units)


def fat_finger_denied(year: str = "2018", price_band_pct: float = 0.05) -> dict[str, Any]:
    """Run the fat-finger strategy on one year of the S&P 500 under a 5% price band."""
    risk = RiskEngine({"price_band_pct": price_band_pct, "max_order_quantity": 100})
    strategy = FatFingerBuyer()
    result = run_strategy({"SPX": load("sp500").loc[year]}, strategy, check=risk,
                          attach=risk.attach)
    status = risk.status()
    return {
        "limit": f"price band {price_band_pct:.0%}",
        "denied": strategy.denied,
        "denials_by_reason": status["denials"],
        "position_after_retry": float(result.positions.iloc[-1].sum()),
        "audit_records": status["audit_records"],
        "audit_verified": status["audit_verified"],
    }
