"""Strategies: the one Strategy contract, rule strategies and the built-in ones.

>>> from signaltrust.strategy import get_strategy
>>> get_strategy("sma_cross").defaults()
{'fast': 10, 'slow': 30, 'allow_short': False}
"""

from __future__ import annotations

import copy
from typing import Any

from signaltrust.core.errors import ValidationError
from signaltrust.strategy.api import Bar, Context, Strategy, Tick
from signaltrust.strategy.base import Param, RuleStrategy, Signals
from signaltrust.strategy.breakout_score import BreakoutScore
from signaltrust.strategy.rules import BollingerRsi, DonchianBreakout, SmaCross, TsMomentum

_BUILTINS: dict[str, type[RuleStrategy]] = {
    cls.name: cls for cls in (SmaCross, BollingerRsi, DonchianBreakout, TsMomentum, BreakoutScore)
}


def list_strategies() -> list[str]:
    """The names of the built-in strategies, e.g. ``['sma_cross', 'bollinger_rsi', ...]``."""
    return list(_BUILTINS)


def get_strategy(name: Any, **params: Any) -> Strategy:
    """A built-in strategy by name (``get_strategy("sma_cross", fast=5)``), or the object given.

    Accepts a name, a Strategy class or instance (a copy with ``params`` over its own when
    given); an unknown name raises ValidationError listing the built-ins.
    """
    if isinstance(name, Strategy):
        if not params:
            return name
        clone = copy.copy(name)
        clone.params = {**name.params, **params}
        return clone
    if isinstance(name, type) and issubclass(name, Strategy):
        return name(**params)
    key = str(name).strip().lower()
    if key not in _BUILTINS:
        raise ValidationError(
            "unknown strategy", field="strategy", value=name,
            fix=f"use one of: {', '.join(_BUILTINS)}",
        )
    return _BUILTINS[key](**params)


from signaltrust.strategy.news_events import NewsEvents  # noqa: E402  (needs a mentions table)
from signaltrust.strategy.news_sentiment import NewsSentiment  # noqa: E402  (the same)
from signaltrust.strategy.regime_switch import RegimeSwitch  # noqa: E402  (uses get_strategy)

__all__ = [
    "Bar", "BollingerRsi", "BreakoutScore", "Context", "DonchianBreakout", "NewsEvents",
    "NewsSentiment", "Param",
    "RegimeSwitch", "RuleStrategy", "Signals", "SmaCross", "Strategy", "Tick", "TsMomentum",
    "get_strategy", "list_strategies",
]
