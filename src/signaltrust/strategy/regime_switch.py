"""Switch between strategies by regime: each bar follows the strategy its regime names.

The position each strategy would hold is rebuilt from its causal signals (an exit first
flattens, then an entry opens: long entry -> +1, short entry -> -1, both on one bar -> +1). At
bar t the switch holds the position of the strategy mapped to bar t's regime (``None``: flat;
no label yet: flat). Both inputs are known at the close of t, so the target decided at t is
filled at t + 1's open, like any strategy signal.

:class:`RegimeSwitch` is a rule strategy: its vectorised signals drive the vectorised engine,
and in the trading core it runs one bar at a time (each component's streaming signals and the
regime label of the bar, joined to the bars as a ``regime_code`` column before a replay).

It lives in ``strategy`` because it composes strategies with a regime model from ``ml``
(the layer below).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from numba import njit

from signaltrust.core.errors import ValidationError
from signaltrust.strategy.base import FIELDS, Param, RuleStrategy, Signals, signals_from_arrays
from signaltrust.strategy.streams import ENTRY, EXIT, SHORT_ENTRY, SHORT_EXIT

REGIME_COLUMN = "regime_code"


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


def _target_signals(index: pd.Index, pos: np.ndarray) -> Signals:
    """Entry/exit signals that move the vectorized engine to the target positions ``pos``."""
    prev = np.concatenate([[0], pos[:-1]])
    entries = (pos == 1) & (prev != 1)
    exits = (prev == 1) & (pos != 1)
    short_entries = (pos == -1) & (prev != -1)
    short_exits = (prev == -1) & (pos != -1)
    return signals_from_arrays(index, entries, exits, short_entries, short_exits)


class RegimeSwitch(RuleStrategy):
    """Trade the strategy each regime names: ``RegimeSwitch({"trending": "sma_cross", ...})``.

    ``strategies`` maps a regime name to a built-in strategy name, a rule strategy object, or
    None (stay flat). ``params`` optionally maps a regime name to that strategy's parameters.
    ``labels`` (a Series of regime names on the bars' index, known at each bar's close) or
    ``model`` (a fitted regime model whose ``transform(bars)["regime"]`` gives them) say which
    regime each bar is in.
    """

    name: ClassVar[str] = "regime_switch"
    summary: ClassVar[str] = "trade the strategy each regime names"
    parameters: ClassVar[tuple[Param, ...]] = ()

    def __init__(
        self, strategies: Mapping[str, Any], model: Any = None,
        params: Mapping[str, Mapping[str, Any]] | None = None, labels: pd.Series | None = None,
    ) -> None:
        super().__init__()
        self.strategies = dict(strategies)
        self.model = model
        self.labels = labels
        self.strategy_params = {k: dict(v) for k, v in (params or {}).items()}
        self.codes = {regime: float(i) for i, regime in enumerate(self.strategies)}

    def __repr__(self) -> str:
        return f"RegimeSwitch({self.strategies!r})"

    def _components(self) -> dict[str, tuple[RuleStrategy, dict[str, Any]]]:
        from signaltrust.strategy import get_strategy

        out = {}
        for regime, strategy in self.strategies.items():
            if strategy is not None:
                chosen = get_strategy(strategy)
                if not isinstance(chosen, RuleStrategy):
                    raise ValidationError(
                        "a regime switch composes rule strategies", field="strategies",
                        value=f"{regime}: {chosen!r}",
                        fix="map each regime to a rule strategy (sma_cross, ...) or None",
                    )
                out[regime] = (chosen, chosen.resolve(self.strategy_params.get(regime, {})))
        return out

    def warmup(self, params: Any = None) -> int:
        return max((s.warmup(p) for s, p in self._components().values()), default=0)

    # -- labels ----------------------------------------------------------------------------
    def _labels(self, bars: pd.DataFrame, labels: Any) -> pd.Series:
        if labels is None:
            labels = self.labels
        if labels is None:
            if self.model is None:
                raise ValidationError("no regime labels and no regime model", field="labels",
                                      value=None, fix="pass labels=model.transform(bars)['regime'] "
                                      "or RegimeSwitch(..., model=fitted_model)")
            labels = self.model.transform(bars)["regime"]
        if not isinstance(labels, pd.Series):
            labels = pd.Series(labels, index=bars.index)
        elif not labels.index.equals(bars.index):
            if not labels.index.isin(bars.index).all() or len(labels) < len(bars):
                labels = labels.reindex(bars.index)
            else:
                labels = labels.loc[bars.index]
        known = {lab for lab in labels.dropna().unique()}
        missing = sorted(known - set(self.strategies))
        if missing:
            raise ValidationError("a regime has no strategy", field="strategies",
                                  value=missing[0], fix=f"map every regime in {sorted(known)} "
                                  "to a strategy name or None")
        return labels

    def _regime_codes(self, bars: pd.DataFrame, labels: Any = None) -> np.ndarray:
        if labels is None and REGIME_COLUMN in bars.columns:
            return bars[REGIME_COLUMN].to_numpy(dtype=np.float64)
        named = self._labels(bars, labels).to_numpy(dtype=object)
        return np.array([self.codes.get(x, np.nan) if x is not None else np.nan for x in named],
                        dtype=np.float64)

    def prepare_bars(self, bars: pd.DataFrame) -> pd.DataFrame:
        """The bars with each bar's regime as a ``regime_code`` column (the order of the
        ``strategies`` mapping; NaN: no label yet)."""
        if REGIME_COLUMN in bars.columns:
            return bars
        return bars.assign(**{REGIME_COLUMN: self._regime_codes(bars)})

    # -- the vectorised form ---------------------------------------------------------------
    def strategy_positions(self, bars: pd.DataFrame) -> pd.DataFrame:
        """One column per regime: the position its strategy would hold (0 for None)."""
        components = self._components()
        out = {}
        for regime in self.strategies:
            if regime not in components:
                out[regime] = pd.Series(0, index=bars.index, dtype=np.int8)
                continue
            strategy, params = components[regime]
            out[regime] = signal_positions(strategy.compute(bars, params))
        return pd.DataFrame(out, index=bars.index)

    def positions(self, bars: pd.DataFrame, labels: Any = None) -> pd.Series:
        """Target position per bar (+1/0/-1): the active regime's strategy position."""
        codes = self._regime_codes(bars, labels)
        each = self.strategy_positions(bars)
        target = np.zeros(len(bars), dtype=np.int8)
        for regime in each.columns:
            mask = codes == self.codes[regime]
            target[mask] = each[regime].to_numpy()[mask]
        return pd.Series(target, index=bars.index, name="target_position")

    def signals(self, bars: pd.DataFrame, labels: Any = None, **params: Any) -> Signals:
        """Entry/exit signals that move the vectorized engine to :meth:`positions`."""
        self.resolve(params)
        return _target_signals(bars.index, self.positions(bars, labels).to_numpy())

    def compute(self, bars: pd.DataFrame, params: dict[str, Any]) -> Signals:
        return self.signals(bars)

    # -- one bar at a time ------------------------------------------------------------------
    def signal_inputs(self, fields: tuple[str, ...]) -> tuple[str, ...]:
        return (*FIELDS, REGIME_COLUMN)

    def signal_stream(self, params: dict[str, Any], inputs: tuple[str, ...]) -> Any:
        components = self._components()
        streams = {
            self.codes[regime]: strategy.signal_stream(p, FIELDS)
            for regime, (strategy, p) in components.items()
        }
        return RegimeSwitchSignal(streams)


class RegimeSwitchSignal:
    """:class:`RegimeSwitch`'s signals one bar at a time: every component's stream, the position
    it implies, and the position of the bar's regime as the target."""

    def __init__(self, streams: Mapping[float, Any]) -> None:
        self.streams = dict(streams)
        self.positions = dict.fromkeys(self.streams, 0)
        self.target = 0

    def update(self, o: float, h: float, lo: float, c: float, v: float, regime: float) -> int:
        positions = self.positions
        for key, stream in self.streams.items():
            code = stream.update(o, h, lo, c, v)
            pos = positions[key]
            if pos == 1 and code & EXIT or pos == -1 and code & SHORT_EXIT:
                pos = 0
            if code & ENTRY:
                pos = 1
            elif code & SHORT_ENTRY and pos == 0:
                pos = -1
            positions[key] = pos
        target = positions.get(regime, 0) if regime == regime else 0
        prev, self.target = self.target, target
        if target == prev:
            return 0
        return ((ENTRY if target == 1 else 0) | (EXIT if prev == 1 else 0)
                | (SHORT_ENTRY if target == -1 else 0) | (SHORT_EXIT if prev == -1 else 0))


__all__ = ["REGIME_COLUMN", "RegimeSwitch", "RegimeSwitchSignal", "positions_from_signals_nb",
           "signal_positions"]
