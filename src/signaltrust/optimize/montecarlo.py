"""Monte Carlo of a backtest: trade-order reshuffling and block bootstrap of bar returns.

Both answer "how much of this equity curve was the luck of the sequence?". Reshuffling the
closed trades keeps every trade and changes only their order: the final equity of
compounded trade returns cannot change (a product does not depend on its order), but the
drawdowns and the time under water do. The bootstrap redraws the bar returns (in blocks, to
keep their serial dependence), so the final equity varies too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.optimize.bootstrap import (
    FINAL,
    LONGEST_UNDERWATER,
    MAX_DRAWDOWN,
    SCHEMES,
    UNDERWATER_SHARE,
    check_block,
    clean_returns,
    resolve_seed,
    simulate,
)

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
#: bands are kept at every step up to this many path-steps, else at about MAX_BAND_POINTS steps
FULL_BANDS_LIMIT = 20_000_000
MAX_BAND_POINTS = 1000


@dataclass(frozen=True)
class MonteCarloResult:
    """Distributions of final equity, maximum drawdown and time under water over simulated paths.

    ``final_equity`` (in the units of ``start_equity``), ``max_drawdown`` (negative fraction),
    ``longest_underwater`` (the longest stretch below a previous peak, in steps: trades for a
    reshuffle, bars for a bootstrap) and ``underwater_share`` (share of steps below a previous
    peak) hold one value per path. ``bands`` has one row per recorded step (index: the step
    number, 0 = start, k = after k trades or bars) and the equity quantiles q05, q25, q50,
    q75, q95 as columns. ``original`` holds the same
    statistics of the path as it happened.
    """

    method: str
    final_equity: np.ndarray
    max_drawdown: np.ndarray
    longest_underwater: np.ndarray
    underwater_share: np.ndarray
    bands: pd.DataFrame
    original: dict[str, float]
    start_equity: float
    n_paths: int
    n_steps: int
    seed: int
    block: float | None = None
    quantiles: tuple[float, ...] = QUANTILES
    settings: dict[str, Any] = field(default_factory=dict)

    def __plain__(self) -> dict[str, Any]:
        """What ``--json`` and the API show: the summary table and the bands (not every path)."""
        return {
            "method": self.method, "n_paths": self.n_paths, "n_steps": self.n_steps,
            "seed": self.seed, "block": self.block, "start_equity": self.start_equity,
            "original": self.original, "summary": self.summary().rename_axis("quantile"),
            "bands": self.bands.rename_axis("step"), "settings": self.settings,
        }

    def distributions(self) -> pd.DataFrame:
        """One row per path: final_equity, max_drawdown, longest_underwater, underwater_share."""
        return pd.DataFrame(
            {
                "final_equity": self.final_equity,
                "max_drawdown": self.max_drawdown,
                "longest_underwater": self.longest_underwater,
                "underwater_share": self.underwater_share,
            }
        )

    def summary(self) -> pd.DataFrame:
        """Quantiles (rows) of each statistic (columns), with the original path and the mean."""
        table = self.distributions().quantile(list(self.quantiles))
        table.index = [f"q{round(q * 100):02d}" for q in self.quantiles]
        table.loc["mean"] = self.distributions().mean()
        table.loc["original"] = pd.Series(self.original)
        return table

    def probability(self, statistic: str, threshold: float) -> float:
        """Share of paths whose ``statistic`` is at or below ``threshold`` (drawdown <= -0.3)."""
        values = self.distributions().get(statistic)
        if values is None:
            raise ValidationError(
                "unknown statistic",
                field="statistic",
                value=statistic,
                fix="use final_equity, max_drawdown, longest_underwater or underwater_share",
            )
        return float(np.mean(values.to_numpy() <= threshold))


def band_steps(n_steps: int, n_paths: int, points: int | None = None) -> np.ndarray:
    """The steps (0 .. n_steps) at which equity quantiles are recorded, ending at the last."""
    if points is None:
        points = n_steps + 1 if n_paths * (n_steps + 1) <= FULL_BANDS_LIMIT else MAX_BAND_POINTS
    points = max(2, min(int(points), n_steps + 1))
    return np.unique(np.linspace(0, n_steps, points).round().astype(np.int64))


def _original(returns: np.ndarray) -> dict[str, float]:
    equity = np.concatenate([[1.0], np.cumprod(1.0 + returns)])
    peak = np.maximum.accumulate(equity)
    under = equity < peak
    longest = run = 0
    for flag in under[1:]:
        run = run + 1 if flag else 0
        longest = max(longest, run)
    return {
        "final_equity": float(equity[-1]),
        "max_drawdown": float((equity / peak - 1.0).min()),
        "longest_underwater": float(longest),
        "underwater_share": float(under[1:].mean()),
    }


def _result(
    method: str,
    returns: np.ndarray,
    stats: np.ndarray,
    bands: np.ndarray,
    steps: np.ndarray,
    start_equity: float,
    seed: int,
    block: float | None,
) -> MonteCarloResult:
    quantiles = np.quantile(bands, QUANTILES, axis=0).T * start_equity
    table = pd.DataFrame(
        quantiles,
        index=pd.Index(steps, name="step"),
        columns=[f"q{round(q * 100):02d}" for q in QUANTILES],
    )
    original = _original(returns)
    original["final_equity"] *= start_equity
    return MonteCarloResult(
        method=method,
        final_equity=stats[:, FINAL] * start_equity,
        max_drawdown=stats[:, MAX_DRAWDOWN],
        longest_underwater=stats[:, LONGEST_UNDERWATER],
        underwater_share=stats[:, UNDERWATER_SHARE],
        bands=table,
        original=original,
        start_equity=start_equity,
        n_paths=stats.shape[0],
        n_steps=returns.size,
        seed=seed,
        block=block,
    )


def _trade_returns(trades: Any) -> np.ndarray:
    if isinstance(trades, pd.DataFrame):
        if "return" not in trades.columns:
            raise ValidationError(
                "the trades table has no 'return' column",
                field="trades",
                value=list(trades.columns),
                fix="pass BacktestResult.trades or trade returns",
            )
        closed = trades["status"] == "closed" if "status" in trades.columns else slice(None)
        frame = trades.loc[closed]
        if "exit_time" in frame.columns:
            frame = frame.sort_values("exit_time", kind="stable")  # the order they closed
        return clean_returns(frame["return"], field="trades")
    return clean_returns(trades, field="trades")


def reshuffle_trades(
    trades: Any,
    n_paths: int = 10_000,
    seed: int | None = None,
    *,
    start_equity: float = 1.0,
    band_points: int | None = None,
) -> MonteCarloResult:
    """Monte Carlo by trade-order reshuffling: permute the closed trades' returns, rebuild equity.

    ``trades``: a backtest's trades table (closed trades' ``return`` column, in exit order) or
    a sequence of per-trade returns. Each path compounds the same trade returns in a random
    order, one step per trade, as if each trade risked the whole equity: final equity is the
    same on every path (and equals the product of the trades), drawdowns and time under water
    are what varies. The seed (drawn when None) is recorded.
    """
    returns = _trade_returns(trades)
    used = resolve_seed(seed)
    steps = band_steps(returns.size, n_paths, band_points)
    stats, bands = simulate(
        returns,
        scheme=SCHEMES["permute"],
        block=1.0,
        n_paths=int(n_paths),
        n_out=returns.size,
        seed=used,
        band_steps=steps,
    )
    return _result(
        "reshuffle_trades", returns, stats, bands, steps, float(start_equity), used, None
    )


def bootstrap_returns(
    returns: Any,
    n_paths: int = 10_000,
    block: float | None = 5,
    seed: int | None = None,
    *,
    method: str = "stationary",
    start_equity: float = 1.0,
    band_points: int | None = None,
) -> MonteCarloResult:
    """Monte Carlo by block bootstrap of bar returns: new paths of the same length from old blocks.

    ``returns``: per-bar simple returns (``equity_returns(result.equity)``; NaN are dropped).
    ``block``: mean block length for the stationary bootstrap (fixed
    for ``method="circular"``; None or 1 draws bars independently, which destroys volatility
    clustering and usually understates drawdowns). The seed (drawn when None) is recorded.
    """
    values = clean_returns(returns)
    size = check_block(block, method, values.size)
    used = resolve_seed(seed)
    steps = band_steps(values.size, n_paths, band_points)
    stats, bands = simulate(
        values,
        scheme=SCHEMES[method],
        block=size,
        n_paths=int(n_paths),
        n_out=values.size,
        seed=used,
        band_steps=steps,
    )
    return _result(
        f"bootstrap_{method}", values, stats, bands, steps, float(start_equity), used, size
    )


def equity_returns(equity: pd.Series) -> pd.Series:
    """Per-bar simple returns of an equity curve, the first bar dropped (it has no return)."""
    return equity.astype(np.float64).pct_change().iloc[1:]
