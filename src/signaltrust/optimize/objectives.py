"""Objectives of a parameter search: Sharpe, Sortino, Calmar, return over drawdown, or your own.

Every objective is *larger is better*. A named objective is computed from a backtest's equity
curve with the same ``signaltrust.metrics`` functions as ``BacktestResult.stats``, so the value
an optimiser records equals ``run(...).stats[name]``. ``return_over_drawdown`` is
``total_return / |max_drawdown|`` (``total_return`` measured from the starting cash, as in
``stats``; infinite drawdown-free gains are capped to ``total_return / 1e-12``). A callable
receives the :class:`~signaltrust.backtest.result.BacktestResult` and returns a float.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

OBJECTIVES = ("sharpe_ratio", "sortino_ratio", "calmar_ratio", "return_over_drawdown",
              "total_return")
#: objectives a vectorized sweep row holds (or derives) without re-running
SWEEP_OBJECTIVES = frozenset({"sharpe_ratio", "return_over_drawdown", "total_return"})

ObjectiveLike = str | Callable[[Any], float]


@dataclass(frozen=True)
class Objective:
    """One named or user objective; ``name`` is the key it is reported under."""

    name: str
    func: Callable[[Any], float] | None = None

    @property
    def sweepable(self) -> bool:
        return self.func is None and self.name in SWEEP_OBJECTIVES

    def __call__(self, result: Any) -> float:
        if self.func is not None:
            value = self.func(result)
            try:
                return float(value)
            except (TypeError, ValueError):
                raise ValidationError(
                    "a user objective must return a number", field="objective",
                    value=repr(value)[:60], fix="return a float (larger is better)",
                ) from None
        return equity_objective(self.name, result.equity, _start_cash(result),
                                result.periods_per_year)

    def from_sweep_row(self, row: pd.Series | dict[str, Any]) -> float:
        """The objective from a sweep table row (``sweepable`` objectives only)."""
        if self.name == "return_over_drawdown":
            return _ratio(float(row["total_return"]), float(row["max_drawdown"]))
        return float(row[self.name])


def _start_cash(result: Any) -> float:
    return float(result.settings.get("cash", result.equity.iloc[0]))


def _ratio(total_return: float, max_dd: float) -> float:
    if not math.isfinite(total_return) or not math.isfinite(max_dd):
        return float("nan")
    return total_return / max(abs(max_dd), 1e-12)


def equity_objective(
    name: str, equity: pd.Series, start_cash: float | None = None,
    periods_per_year: float | None = None,
) -> float:
    """A named objective of an equity curve (per-bar simple returns, as ``metrics`` computes)."""
    from signaltrust import metrics

    curve = equity.astype(np.float64)
    returns = metrics.simple_returns(curve)
    ppy = periods_per_year
    if ppy is None:
        ppy = metrics.periods_per_year(curve.index) if len(curve) > 2 else 252.0
    start = float(curve.iloc[0]) if start_cash is None else float(start_cash)
    total = float(curve.iloc[-1]) / start - 1.0
    if name == "sharpe_ratio":
        return float(metrics.sharpe_ratio(returns, 0.0, annualization=ppy))
    if name == "sortino_ratio":
        return float(metrics.sortino_ratio(returns, 0.0, annualization=ppy))
    if name == "calmar_ratio":
        return float(metrics.calmar_ratio(returns, annualization=ppy))
    if name == "total_return":
        return total
    if name == "return_over_drawdown":
        dd = float(metrics.max_drawdown(returns)) if len(returns) else 0.0
        return _ratio(total, dd)
    raise _unknown(name)


def _unknown(name: Any) -> ValidationError:
    return ValidationError(
        "unknown objective", field="objective", value=name,
        fix=f"use one of {', '.join(OBJECTIVES)} or a callable(result) -> float",
    )


def resolve_objectives(objective: ObjectiveLike | Sequence[ObjectiveLike]) -> list[Objective]:
    """One Objective per name or callable; a list gives several (multi-objective search)."""
    items = list(objective) if isinstance(objective, (list, tuple)) else [objective]
    if not items:
        raise ValidationError("no objective given", field="objective", value=objective,
                              fix="pass e.g. objective='sharpe_ratio'")
    out: list[Objective] = []
    for item in items:
        if callable(item):
            out.append(Objective(getattr(item, "__name__", "objective"), item))
        elif isinstance(item, str) and item.strip().lower() in OBJECTIVES:
            out.append(Objective(item.strip().lower()))
        else:
            raise _unknown(item)
    names = [o.name for o in out]
    if len(set(names)) != len(names):
        raise ValidationError("an objective appears twice", field="objective", value=names,
                              fix="give each objective once (name user functions apart)")
    return out


def finite_or(value: float, fallback: float) -> float:
    """``value`` when finite, else ``fallback`` (a flat strategy has no Sharpe ratio)."""
    return value if value is not None and math.isfinite(value) else fallback
