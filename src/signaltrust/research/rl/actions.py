"""Actions and how they become orders: the same rules in the environment and in the strategy.

- **discrete**: per asset 0 = short, 1 = flat, 2 = long, a target weight of ``-u``, 0 or
  ``+u`` of equity with ``u = max_weight / n_assets``. The position is changed only when its
  side differs from the target's (a long that drifted with the price is not resized every bar).
  Without ``allow_short`` the mask hides "short" (MaskablePPO never picks it); an algorithm that
  cannot read masks may still send it, and it is then taken as flat (counted as ``masked``).
- **continuous**: per asset a number in [-1, 1]; with ``allow_short`` the target weight is
  ``a * u``, long-only it is ``(a + 1) / 2 * u`` (the whole range means something). A
  position is traded to its target when they differ by more than ``rebalance_band``.

Orders are ``ctx.order_target_weight``: sized at the next open with the equity then, filled
there by the simulated venue with its fees, slippage and volume cap. A target still waiting is
canceled before a new one is sent, so two targets never add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from signaltrust.backtest.costs import Costs
from signaltrust.core.errors import ValidationError

ACTIONS = ("discrete", "continuous")


@dataclass(frozen=True)
class EnvSettings:
    """How an environment trades and pays (one object; every field checked).

    ``actions`` discrete or continuous; ``allow_short``; ``max_weight`` the gross target
    weight of equity (split equally between the assets); ``rebalance_band`` for continuous
    targets; ``reward`` ``pnl``, ``differential_sharpe`` or ``drawdown``; ``episode_bars``
    bars per training episode from a random start (None: the whole span, one episode);
    ``cash``; ``costs`` (:class:`~signaltrust.backtest.Costs`, on by default; fills at the
    next open); ``participation`` the volume cap (share of a bar's volume an order may take;
    None: no cap); ``clip`` the bound of every observation value.
    """

    actions: str = "discrete"
    allow_short: bool = False
    max_weight: float = 1.0
    rebalance_band: float = 0.02
    reward: str = "pnl"
    episode_bars: int | None = None
    cash: float = 100_000.0
    costs: Costs = field(default_factory=Costs)
    participation: float | None = None
    clip: float = 5.0

    def __post_init__(self) -> None:
        if self.actions not in ACTIONS:
            raise ValidationError("unknown action kind", field="actions", value=self.actions,
                                  fix="use 'discrete' (short/flat/long) or 'continuous' (weights)")
        for name, low, high in (("max_weight", 0.0, 10.0), ("rebalance_band", 0.0, 1.0),
                                ("clip", 0.0, 1e6)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                low < float(value) <= high or (name == "rebalance_band" and value == 0.0)
            ):
                raise ValidationError(f"{name} is out of range", field=name, value=value,
                                      fix=f"pass a number in ({low}, {high}]")
        if self.episode_bars is not None and (
            not isinstance(self.episode_bars, int) or self.episode_bars < 2
        ):
            raise ValidationError("episode_bars must be None or a whole number >= 2",
                                  field="episode_bars", value=self.episode_bars,
                                  fix="pass e.g. episode_bars=252 (a year of daily bars)")
        if not isinstance(self.costs, Costs):
            raise ValidationError("costs must be a signaltrust.backtest.Costs", field="costs",
                                  value=type(self.costs).__name__, fix="pass Costs(fees=...)")
        if self.costs.fill_at != "next_open":
            raise ValidationError(
                "an agent acts after the close; its orders fill at the next open",
                field="costs.fill_at", value=self.costs.fill_at,
                fix="use Costs(fill_at='next_open') (the default)",
            )
        if not (isinstance(self.cash, (int, float)) and self.cash > 0):
            raise ValidationError("cash must be a positive number", field="cash",
                                  value=self.cash, fix="pass e.g. cash=100_000")
        if self.participation is not None and not 0.0 < float(self.participation) <= 1.0:
            raise ValidationError("participation is a share of the bar's volume in (0, 1]",
                                  field="participation", value=self.participation,
                                  fix="pass e.g. participation=0.1, or None for no cap")


class ActionMap:
    """Actions of ``n_assets`` assets under ``settings``: their space, masks, target weights
    and the orders that reach them."""

    def __init__(self, settings: EnvSettings, n_assets: int) -> None:
        self.settings = settings
        self.n = n_assets
        self.unit = float(settings.max_weight) / n_assets
        self.discrete = settings.actions == "discrete"
        self.short = bool(settings.allow_short)
        self.band = float(settings.rebalance_band)
        self.levels = (-self.unit if self.short else 0.0, 0.0, self.unit)

    def space(self) -> Any:
        from gymnasium import spaces

        if self.discrete:
            return spaces.Discrete(3) if self.n == 1 else spaces.MultiDiscrete([3] * self.n)
        return spaces.Box(-1.0, 1.0, shape=(self.n,), dtype=np.float32)

    def masks(self) -> np.ndarray:
        """Which discrete actions are allowed (short only with ``allow_short``), flattened."""
        one = np.array([self.short, True, True], dtype=bool)
        return np.tile(one, self.n)

    @property
    def masked(self) -> bool:
        """Whether the masks hide anything (discrete actions without shorting)."""
        return self.discrete and not self.short

    def targets(self, action: Any) -> tuple[list[float], bool]:
        """Target weights of the assets and whether a masked action was taken as flat."""
        if self.discrete:
            chosen = [int(action)] if self.n == 1 and np.ndim(action) == 0 else [
                int(a) for a in np.asarray(action).reshape(-1)]
            self._check_size(len(chosen))
            masked = not self.short and 0 in chosen
            return [self.levels[a] for a in chosen], masked
        values = np.clip(np.asarray(action, dtype=np.float64).reshape(-1), -1.0, 1.0)
        self._check_size(values.size)
        if self.short:
            return (values * self.unit).tolist(), False
        return ((values + 1.0) * 0.5 * self.unit).tolist(), False

    def _check_size(self, size: int) -> None:
        if size != self.n:
            raise ValidationError("one action per asset", field="action",
                                  value=f"{size} values for {self.n} assets",
                                  fix=f"pass {self.n} action(s)")

    def wants_trade(self, target: float, weight: float, position: float) -> bool:
        """Whether to trade one asset from ``weight`` (``position`` units) to ``target``."""
        if self.discrete:
            side = (position > 0.0) - (position < 0.0)
            return side != (target > 0.0) - (target < 0.0)
        return abs(target - weight) > self.band

    def trade(self, ctx: Any, symbols: Sequence[str], targets: Sequence[float],
              weights: Sequence[float], positions: Sequence[float], waiting: dict[str, str],
              capped: bool) -> None:
        """Send the target-weight orders the rules ask for through ``ctx`` (its strategy's
        context); ``waiting`` keeps each symbol's last order id (to cancel it if unfilled)."""
        for symbol, target, weight, position in zip(symbols, targets, weights, positions,
                                                    strict=True):
            if not self.wants_trade(target, weight, position):
                continue
            last = waiting.get(symbol)
            if last is not None and ctx.is_pending(last):
                ctx.cancel(last)
            if capped:
                for order in ctx.open_orders(symbol):
                    ctx.cancel(order.client_order_id)
            waiting[symbol] = ctx.order_target_weight(symbol, target, tag="rl")


__all__ = ["ACTIONS", "ActionMap", "EnvSettings"]
