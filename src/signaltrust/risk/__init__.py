"""Risk: the pre-trade risk engine, trading states, drawdown protection, circuit breakers, the
kill switch, the audit log, VaR/CVaR, exposures and stress scenarios.

Every order passes a :class:`PreTradeCheck` before any venue; :class:`RiskEngine` is the full
one (limits from the ``[risk]`` configuration section, ACTIVE / REDUCING / HALTED, named
denials recorded in a hash-chained :class:`AuditLog`). See docs/risk.md.
"""

from signaltrust.risk.audit import AuditLog, AuditRecord
from signaltrust.risk.breakers import (
    ConsecutiveLossBreaker,
    DailyLossBreaker,
    StaleDataGuard,
    VolatilitySpikeBreaker,
)
from signaltrust.risk.drawdown import DrawdownProtection
from signaltrust.risk.engine import DenialRecord, KillResult, RiskEngine, validate_limits
from signaltrust.risk.exposure import (
    EXPOSURE_GROUPS,
    correlation_matrix,
    effective_number_of_bets,
    exposures,
    herfindahl,
)
from signaltrust.risk.hook import (
    AllowAll,
    CheckChain,
    MaxOrderNotional,
    MaxOrderQuantity,
    PortfolioView,
    PreTradeCheck,
    Verdict,
)
from signaltrust.risk.killswitch import KILL_TAG, FlattenBroker
from signaltrust.risk.limits import Denial, Reason
from signaltrust.risk.measures import (
    VAR_METHODS,
    component_var,
    conditional_value_at_risk,
    cornish_fisher_z,
    moments,
    portfolio_cvar,
    portfolio_returns,
    portfolio_var,
    position_cvar,
    position_var,
    value_at_risk,
)
from signaltrust.risk.states import TradingState, TradingStateMachine
from signaltrust.risk.stress import (
    HISTORICAL_SHOCKS,
    PortfolioStress,
    correlation_shock,
    gap_down,
    historical_stress,
    portfolio_stress,
    volatility_spike,
)

__all__ = [
    "EXPOSURE_GROUPS", "HISTORICAL_SHOCKS", "KILL_TAG", "VAR_METHODS", "AllowAll", "AuditLog",
    "AuditRecord",
    "CheckChain", "ConsecutiveLossBreaker", "DailyLossBreaker", "Denial", "DenialRecord",
    "DrawdownProtection", "FlattenBroker", "KillResult", "MaxOrderNotional", "MaxOrderQuantity",
    "PortfolioStress", "PortfolioView", "PreTradeCheck", "Reason", "RiskEngine",
    "StaleDataGuard", "TradingState", "TradingStateMachine", "Verdict", "VolatilitySpikeBreaker",
    "component_var", "conditional_value_at_risk", "cornish_fisher_z", "correlation_matrix",
    "correlation_shock", "effective_number_of_bets", "exposures", "gap_down", "herfindahl",
    "historical_stress", "moments", "portfolio_cvar", "portfolio_returns", "portfolio_stress",
    "portfolio_var", "position_cvar", "position_var", "validate_limits", "value_at_risk",
    "volatility_spike",
]
