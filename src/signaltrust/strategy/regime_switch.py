"""Switch between strategies by regime: each bar follows the strategy its regime names.

The position each strategy would hold is rebuilt from its causal signals (an exit first
flattens, then an entry opens: long entry -> +1, short entry -> -1, both on one bar -> +1). At
bar t the switch holds the position of the strategy mapped to bar t's regime (``None``: flat;
no label yet: flat). Both inputs are known at the close of t, so the target decided at t is
filled at t + 1's open by the engine, like any strategy signal.

It lives in ``strategy`` because it composes strategies with a regime model from ``ml``
(the layer below).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numba import njit

from signaltrust.core.errors import ValidationError

if TYPE_CHECKING:
    from signaltrust.strategy import Signals


@njit(cache=True)
def positions_from_signals_nb(
    entries: np.ndarray, exits: np.ndarray, short_entries: np.ndarray, short_exits: np.ndarray
) -> np.ndarray:
    """Position held after each bar (+1, 0, -1) from four boolean signal arrays."""
    n = len(entries)
    out = np.zeros(n, dtype=np.int8)
    pos = 0
    for t in range(n):
        if pos == 1 and exits[t] or pos == -1 and short_exits[t]:
            pos = 0
        if entries[t]:
            pos = 1
        elif short_entries[t] and pos == 0:
            pos = -1
        out[t] = pos
    return out


def signal_positions(signals: Signals) -> pd.Series:
    """The position (+1/0/-1) a strategy holds after each bar, from its signals."""
    arrays = [np.ascontiguousarray(s.to_numpy(dtype=bool)) for s in
              (signals.entries, signals.exits, signals.short_entries, signals.short_exits)]
    return pd.Series(positions_from_signals_nb(*arrays), index=signals.entries.index,
                     name="position")


class RegimeSwitch:
    """Trade the strategy each regime names: ``RegimeSwitch({"trending": "sma_cross", ...})``.

    ``strategies`` maps a regime name to a built-in strategy name, a strategy object, or None
    (stay flat). ``params`` optionally maps a regime name to that strategy's parameters.
    ``model`` is a fitted regime model used when no labels are passed to :meth:`positions`.
    """

    def __init__(
        self, strategies: Mapping[str, Any], model: Any = None,
        params: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        self.strategies = dict(strategies)
        self.model = model
        self.params = {k: dict(v) for k, v in (params or {}).items()}

    def _labels(self, bars: pd.DataFrame, labels: Any) -> pd.Series:
        if labels is None:
            if self.model is None:
                raise ValidationError("no regime labels and no regime model", field="labels",
                                      value=None, fix="pass labels=model.transform(bars)['regime'] "
                                      "or RegimeSwitch(..., model=fitted_model)")
            labels = self.model.transform(bars)["regime"]
        if not isinstance(labels, pd.Series):
            labels = pd.Series(labels, index=bars.index)
        if not labels.index.equals(bars.index):
            raise ValidationError("regime labels are not on the bars' index", field="labels",
                                  value=len(labels), fix="compute labels from the same bars")
        known = {lab for lab in labels.dropna().unique()}
        missing = sorted(known - set(self.strategies))
        if missing:
            raise ValidationError("a regime has no strategy", field="strategies",
                                  value=missing[0], fix=f"map every regime in {sorted(known)} "
                                  "to a strategy name or None")
        return labels

    def strategy_positions(self, bars: pd.DataFrame) -> pd.DataFrame:
        """One column per regime: the position its strategy would hold (0 for None)."""
        from signaltrust.strategy import get_strategy

        out = {}
        for regime, strategy in self.strategies.items():
            if strategy is None:
                out[regime] = pd.Series(0, index=bars.index, dtype=np.int8)
                continue
            sig = get_strategy(strategy).signals(bars, **self.params.get(regime, {}))
            out[regime] = signal_positions(sig)
        return pd.DataFrame(out, index=bars.index)

    def positions(self, bars: pd.DataFrame, labels: Any = None) -> pd.Series:
        """Target position per bar (+1/0/-1): the active regime's strategy position."""
        labels = self._labels(bars, labels)
        each = self.strategy_positions(bars)
        target = np.zeros(len(bars), dtype=np.int8)
        lab = labels.to_numpy(dtype=object)
        for regime in each.columns:
            mask = np.array([x == regime for x in lab], dtype=bool)
            target[mask] = each[regime].to_numpy()[mask]
        return pd.Series(target, index=bars.index, name="target_position")

    def signals(self, bars: pd.DataFrame, labels: Any = None) -> Signals:
        """Entry/exit signals that move the vectorized engine to :meth:`positions`."""
        from signaltrust.strategy.base import signals_from_arrays

        pos = self.positions(bars, labels).to_numpy()
        prev = np.concatenate([[0], pos[:-1]])
        entries = (pos == 1) & (prev != 1)
        exits = (prev == 1) & (pos != 1)
        short_entries = (pos == -1) & (prev != -1)
        short_exits = (prev == -1) & (pos != -1)
        return signals_from_arrays(bars.index, entries, exits, short_entries, short_exits)
