"""Drawdown protection: scale exposure limits down at drawdown levels, back up on recovery.

Levels ``[(0.10, 0.5), (0.20, 0.0)]`` mean: from a 10 % drawdown off the equity peak, exposure
limits are scaled to 50 %; from 20 %, to 0 (no new exposure: the engine goes REDUCING).
Stepping down is immediate. Stepping up needs the drawdown to fall a band below a level: the
band is ``first level - recovery_drawdown``, so with ``recovery_drawdown=0.05`` full exposure
returns under a 5 % drawdown and the 0 -> 50 % step comes under 15 %. The band keeps a drawdown
hovering around a level from switching the limits on and off every bar (``recovery_drawdown``
defaults to the first level: no band).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError


@dataclass(frozen=True)
class DrawdownStep:
    """A change of the exposure multiplier: at which drawdown, from what to what."""

    drawdown: float
    previous: float
    multiplier: float


class DrawdownProtection:
    """Tracks the equity peak and the exposure multiplier; ``update(equity)`` each bar.

    >>> guard = DrawdownProtection([(0.10, 0.5), (0.20, 0.0)], recovery_drawdown=0.05)
    >>> [guard.update(e) and guard.multiplier for e in (100, 89, 79, 85, 93, 96)]
    [None, 0.5, 0.0, None, 0.5, 1.0]
    """

    def __init__(self, levels: Sequence[tuple[float, float]] = (),
                 recovery_drawdown: float | None = None) -> None:
        self.levels = tuple((float(d), float(m)) for d, m in levels)
        previous_dd, previous_mult = 0.0, 1.0
        for drawdown, multiplier in self.levels:
            if not previous_dd < drawdown < 1.0 or not 0.0 <= multiplier <= previous_mult:
                raise ValidationError(
                    "drawdown levels must increase in (0, 1) with multipliers in [0, 1] that "
                    "do not increase", field="drawdown_levels", value=list(levels),
                    fix="pass e.g. [(0.10, 0.5), (0.20, 0.0)]")
            previous_dd, previous_mult = drawdown, multiplier
        first = self.levels[0][0] if self.levels else 1.0
        self.recovery_drawdown = first if recovery_drawdown is None else float(recovery_drawdown)
        if self.levels and not 0.0 <= self.recovery_drawdown <= first:
            raise ValidationError("must lie between 0 and the first drawdown level",
                                  field="recovery_drawdown", value=recovery_drawdown,
                                  fix=f"pass a value below {first}")
        self.peak = float("nan")
        self.drawdown = 0.0
        self.multiplier = 1.0

    def target(self, drawdown: float) -> float:
        """The multiplier the levels assign to ``drawdown`` (1.0 under the first level)."""
        multiplier = 1.0
        for level, mult in self.levels:
            if drawdown >= level:
                multiplier = mult
        return multiplier

    def update(self, equity: float) -> DrawdownStep | None:
        """Take the latest equity; return the step when the multiplier changed, else None."""
        equity = float(equity)
        if equity != equity:
            return None
        if not self.peak >= equity:  # also the first value (peak NaN)
            self.peak = equity
        self.drawdown = 0.0 if self.peak <= 0.0 else 1.0 - equity / self.peak
        target = self.target(self.drawdown)
        new = self.multiplier
        if target < self.multiplier:
            new = target
        elif target > self.multiplier:
            band = self.levels[0][0] - self.recovery_drawdown
            new = max(self.multiplier, self.target(self.drawdown + band))
        if new == self.multiplier:
            return None
        step = DrawdownStep(self.drawdown, self.multiplier, new)
        self.multiplier = new
        return step

    def replay(self, equity: pd.Series) -> pd.DataFrame:
        """Replay an equity curve on a fresh copy: drawdown, peak and multiplier per bar."""
        guard = DrawdownProtection(self.levels, self.recovery_drawdown)
        values = np.asarray(equity, dtype=np.float64)
        out = np.empty((values.size, 3))
        for i, value in enumerate(values):
            guard.update(value)
            out[i] = guard.drawdown, guard.peak, guard.multiplier
        return pd.DataFrame(out, index=equity.index, columns=["drawdown", "peak", "multiplier"])
