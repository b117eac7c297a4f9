"""Gymnasium environments that drive the trading core: one asset, and a portfolio.

An environment is a driver of :class:`~signaltrust.trading.TradingCore`, like the backtest
replay: each episode builds a core over its bars with
:func:`~signaltrust.backtest.replay.build_replay` (the market, the simulated venue with the
backtest's fees, slippage and volume cap, the clock, the recorder) and hands it one bar per
step. The agent acts at the close of bar t, seeing the features up to that close, its
position and its cash; its order is a target weight sized and filled at the open of bar t+1
by the simulated venue (nothing here fills anything); the reward is paid from the equity at
the close of t+1. ``result()`` after an episode is the backtest result of what was traded.

Observation (float32): the scaled features of each asset (the sets of
``signaltrust.features`` on the bars up to the close), then each asset's weight of equity,
then the cash share of equity. Masks (``action_masks()``) hide "short" when shorting is off.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

try:
    import gymnasium as gym
except ImportError as exc:  # pragma: no cover - the rl extra is missing
    raise ImportError(
        "signaltrust.rl needs the rl extra: pip install 'signaltrust[rl]'"
    ) from exc

from signaltrust.backtest.replay import EventBacktestResult, ReplaySettings, build_replay
from signaltrust.core.bars import validate_bars
from signaltrust.core.errors import ValidationError
from signaltrust.execution import FixedSlippage, PercentFee, SimulatedVenue
from signaltrust.metrics.periods import periods_per_year
from signaltrust.research.rl.actions import ActionMap, EnvSettings
from signaltrust.rl.features import (
    FeatureScaler,
    FeatureSpec,
    feature_frame,
    first_complete_row,
    symbol_frames,
)
from signaltrust.rl.rewards import Reward, make_reward
from signaltrust.strategy.api import Strategy

_REPLAY = ReplaySettings(precompute=True, stream=False, fast_path=True, compact_log=True)


class Seat(Strategy):
    """The agent's seat in the trading core: a strategy that decides nothing by itself; the
    environment places the agent's orders through its context between two bars."""

    name = "rl_agent"

    def on_start(self, ctx: Any) -> None:
        self.ctx = ctx


def make_venue(settings: EnvSettings) -> SimulatedVenue:
    """The simulated venue of the settings' costs and volume cap (the backtest's models)."""
    c = settings.costs
    return SimulatedVenue(fees=PercentFee(c.fees, c.fixed_fees, c.min_fees),
                          slippage=FixedSlippage(c.slippage), participation=settings.participation,
                          fill_at=c.fill_at)


class TradingEnv(gym.Env):  # type: ignore[misc]
    """A Gymnasium environment over the bars of one asset (a DataFrame) or several
    (``{symbol: DataFrame}`` on one index: a portfolio), driven by the trading core.

    ``features``: feature sets (names or :class:`~signaltrust.features.FeatureSet`);
    ``settings``: :class:`EnvSettings`; ``scaler``: the :class:`FeatureScaler` fitted on the
    training span (None: fitted here, on these bars: only for the environment an agent trains
    on; pass the training one to any other); ``span``: ``(first, last)`` bar rows episodes may
    use (default: from the end of the features' warm-up to the last bar).
    """

    metadata: dict[str, Any] = {"render_modes": []}

    def __init__(
        self,
        bars: pd.DataFrame | Mapping[str, pd.DataFrame],
        features: FeatureSpec = "technical",
        settings: EnvSettings | None = None,
        *,
        scaler: FeatureScaler | None = None,
        span: tuple[int, int] | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings or EnvSettings()
        self.frames = {s: validate_bars(f) for s, f in symbol_frames(bars).items()}
        self.symbols = tuple(self.frames)
        self.index = next(iter(self.frames.values())).index
        tables = [feature_frame(f, features) for f in self.frames.values()]
        self.feature_columns = [str(c) for c in tables[0].columns]
        self.feature_names = [f"{s}:{c}" if len(tables) > 1 else str(c)
                              for s, t in zip(self.symbols, tables, strict=True)
                              for c in t.columns]
        raw = np.hstack([t.to_numpy(dtype=np.float64) for t in tables])
        warm = first_complete_row(raw)
        first, last = span if span is not None else (warm, len(raw) - 1)
        if not (0 <= first < last < len(raw)):
            raise ValidationError("the span must hold at least two bars of the data",
                                  field="span", value=span,
                                  fix=f"pass rows (first, last), 0 <= first < last < {len(raw)}")
        self.first, self.last, self.warm_up = int(first), int(last), warm
        if scaler is None:
            scaler = FeatureScaler(self.settings.clip).fit(raw[max(first, warm): last + 1])
        self.scaler = scaler
        self.matrix = scaler.transform(raw)
        self.actions = ActionMap(self.settings, len(self.symbols))
        self.action_space = self.actions.space()
        n_obs = self.matrix.shape[1] + len(self.symbols) + 1
        clip = float(self.settings.clip)
        self.observation_space = gym.spaces.Box(-clip, clip, shape=(n_obs,), dtype=np.float32)
        self.periods_per_year = float(periods_per_year(self.index))
        self._reward: Reward = copy.deepcopy(make_reward(self.settings.reward))
        self._masks = self.actions.masks()
        self._replay: Any = None
        self._done = True
        self.masked_actions = 0

    # -- the episode -------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None,
              options: dict[str, Any] | None = None) -> tuple[np.ndarray, dict[str, Any]]:
        """Start an episode: a fresh core over its bars, the first bar handed to it.

        ``options={"start": row, "end": row}`` chooses the bars (rows of the data); otherwise
        the whole span, or ``episode_bars`` from a random start (seeded by ``seed``).
        """
        super().reset(seed=seed)
        start, end = self._episode(options or {})
        frames = {s: f.iloc[start: end + 1] for s, f in self.frames.items()}
        seat = Seat()
        settings = self.settings
        self._replay = build_replay(frames, seat, venue=make_venue(settings),
                                    cash=float(settings.cash), settings=_REPLAY)
        core = self._replay.core
        self._core, self._ctx, self._pf = core, seat.ctx, core.portfolio
        self._capped = settings.participation is not None
        self._waiting: dict[str, str] = {}
        if len(self.symbols) == 1:
            self._steps: list[Any] = list(self._replay.feed.bars_of(0))
            self._feed = core.on_bar
        else:
            self._steps = [bars for _, _, bars in self._replay.feed.events()]
            self._feed = core.on_bars
        self._start, self._k = start, 1
        self._feed(self._steps[0])
        self._row = start
        equity = self._pf.equity
        self._reward.reset(equity)
        self._done = False
        self.masked_actions = 0
        return self._observation(), {"equity": equity, "time": self.index[start]}

    def _episode(self, options: dict[str, Any]) -> tuple[int, int]:
        if "start" in options or "end" in options:
            start = int(options.get("start", self.first))
            end = int(options.get("end", self.last))
            if not (0 <= start < end < len(self.index)):
                raise ValidationError("an episode needs two bars or more inside the data",
                                      field="options", value=options,
                                      fix=f"pass 0 <= start < end < {len(self.index)}")
            return start, end
        length = self.settings.episode_bars
        if length is None or length >= self.last - self.first + 1:
            return self.first, self.last
        start = int(self.np_random.integers(self.first, self.last - length + 2))
        return start, start + length - 1

    def step(self, action: Any) -> tuple[np.ndarray, float, bool, bool, dict[str, Any]]:
        """Act at the close of the current bar; the next bar fills the order at its open and
        pays the reward at its close."""
        if self._done:
            raise ValidationError("the episode has ended", field="step", value=None,
                                  fix="call reset() to start another episode")
        targets, masked = self.actions.targets(action)
        self.masked_actions += masked
        pf = self._pf
        qty, last = pf.qty, pf.last
        equity = pf.equity
        positions = list(qty)
        weights = [q * p / equity if q else 0.0 for q, p in zip(qty, last, strict=True)]
        self.actions.trade(self._ctx, self.symbols, targets, weights, positions,
                           self._waiting, self._capped)
        self._feed(self._steps[self._k])
        self._k += 1
        self._row += 1
        equity = pf.equity
        reward = self._reward.step(equity)
        terminated = equity <= 0.0
        truncated = self._k >= len(self._steps)
        if terminated or truncated:
            self._done = True
            self._core.stop()
        return self._observation(), float(reward), bool(terminated), bool(truncated and not
                                                                          terminated), \
            {"equity": equity, "masked": masked}

    def _observation(self) -> np.ndarray:
        # filled element by element: a fresh small array per step, no temporaries (the hot path)
        pf = self._pf
        equity = pf.equity
        clip = float(self.settings.clip)
        width = self.matrix.shape[1]
        out = np.empty(width + len(self.symbols) + 1, dtype=np.float32)
        out[:width] = self.matrix[self._row]
        i = width
        for q, p in zip(pf.qty, pf.last, strict=True):
            weight = q * p / equity if q and equity > 0 else 0.0
            out[i] = min(max(weight, -clip), clip)
            i += 1
        cash = pf.cash_f / equity if equity > 0 else 0.0
        out[i] = min(max(cash, -clip), clip)
        return out

    def action_masks(self) -> np.ndarray:
        """The actions allowed now (sb3-contrib's MaskablePPO reads this)."""
        return self._masks.copy()

    # -- after an episode ----------------------------------------------------------------------
    def result(self, benchmark: pd.Series | None = None) -> EventBacktestResult:
        """The backtest result of the last episode (equity, trades, orders, fees, stats)."""
        if self._replay is None:
            raise ValidationError("no episode was run", field="result", value=None,
                                  fix="call reset() and step() first")
        return self._replay.result(self.periods_per_year, benchmark)

    @property
    def time(self) -> pd.Timestamp:
        """The label of the current bar (the one whose close the agent sees)."""
        return self.index[self._row]


__all__ = ["EnvSettings", "Seat", "TradingEnv", "make_venue"]
