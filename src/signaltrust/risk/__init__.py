"""Risk: pre-trade checks that every order passes before it reaches any venue.

This wave holds only the hook (``PreTradeCheck``, ``Verdict``), a pass-through (``AllowAll``),
two simple limits that prove the path (``MaxOrderQuantity``, ``MaxOrderNotional``) and
``CheckChain``; the risk issue adds exposure, leverage, rate, price-band and drawdown checks.
"""

from signaltrust.risk.hook import (
    AllowAll,
    CheckChain,
    MaxOrderNotional,
    MaxOrderQuantity,
    PortfolioView,
    PreTradeCheck,
    Verdict,
)

__all__ = [
    "AllowAll", "CheckChain", "MaxOrderNotional", "MaxOrderQuantity", "PortfolioView",
    "PreTradeCheck", "Verdict",
]
