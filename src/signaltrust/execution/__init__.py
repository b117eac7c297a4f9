"""Execution: the order path of every mode.

The order state machine and order management (ids, brackets, OCO, time in force), the exact
ledger and its float portfolio view, sizing at release, the pre-trade hook, the router that
ties them to a broker, the broker interface and the simulated venue with its cost models.
"""

from signaltrust.core.orders import (
    Account,
    Fill,
    Liquidity,
    Order,
    OrderEvent,
    OrderSide,
    OrderStatus,
    OrderType,
    Position,
    SizingIntent,
    TimeInForce,
)
from signaltrust.execution.brackets import Bracket
from signaltrust.execution.broker import BarSimulator, Broker, ReportSink
from signaltrust.execution.ids import IdGenerator
from signaltrust.execution.ledger import Ledger
from signaltrust.execution.manager import OrderListener, OrderManager
from signaltrust.execution.models import (
    FeeModel,
    FixedLatency,
    FixedSlippage,
    LatencyModel,
    PercentFee,
    SlippageModel,
    VolumeParticipation,
    VolumeShareSlippage,
)
from signaltrust.execution.portfolio import Portfolio
from signaltrust.execution.pretrade import AllowAll, PortfolioView, PreTradeCheck, Verdict
from signaltrust.execution.router import Anomaly, OrderRouter
from signaltrust.execution.simulated import SimulatedVenue
from signaltrust.execution.state import TRANSITIONS, allowed_transitions, can_transition, transition

__all__ = [
    "TRANSITIONS",
    "Account",
    "AllowAll",
    "Anomaly",
    "BarSimulator",
    "Bracket",
    "Broker",
    "FeeModel",
    "Fill",
    "FixedLatency",
    "FixedSlippage",
    "IdGenerator",
    "LatencyModel",
    "Ledger",
    "Liquidity",
    "Order",
    "OrderEvent",
    "OrderListener",
    "OrderManager",
    "OrderRouter",
    "OrderSide",
    "OrderStatus",
    "OrderType",
    "PercentFee",
    "Portfolio",
    "PortfolioView",
    "Position",
    "PreTradeCheck",
    "ReportSink",
    "SimulatedVenue",
    "SizingIntent",
    "SlippageModel",
    "TimeInForce",
    "Verdict",
    "VolumeParticipation",
    "VolumeShareSlippage",
    "allowed_transitions",
    "can_transition",
    "transition",
]
