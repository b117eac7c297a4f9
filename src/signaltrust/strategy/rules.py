"""The built-in rule strategies with compiled signal kernels: trend, mean reversion, breakout,
time-series momentum."""

from __future__ import annotations

from typing import Any, ClassVar

from signaltrust.core.errors import ValidationError
from signaltrust.strategy import nb
from signaltrust.strategy.base import Param, RuleStrategy
from signaltrust.strategy.streams import (
    BollingerRsiSignal,
    DonchianSignal,
    SmaCrossSignal,
    TsMomentumSignal,
)

_ALLOW_SHORT = Param("allow_short", False, "bool", doc="also trade the mirrored short signals")


class SmaCross(RuleStrategy):
    """Moving-average crossover (trend following): long when SMA(fast) crosses above SMA(slow).

    Entry at bar t when SMA(fast) - SMA(slow) turns from <= 0 at t - 1 to > 0 at t; exit when it
    turns from >= 0 to < 0. With ``allow_short`` the cross below also opens a short and the cross
    above closes it. No signal before both averages exist at t - 1.
    """

    name: ClassVar[str] = "sma_cross"
    summary: ClassVar[str] = "trend following: long when SMA(fast) crosses above SMA(slow)"
    parameters: ClassVar[tuple[Param, ...]] = (
        Param("fast", 10, "int", low=1, high=100_000, step=1, doc="bars of the fast average"),
        Param("slow", 30, "int", low=2, high=100_000, step=5, doc="bars of the slow average"),
        _ALLOW_SHORT,
    )
    signal_kernel = nb.sma_cross_kernel
    default_grid: ClassVar[dict[str, Any]] = {"fast": range(5, 51), "slow": range(20, 201, 5)}

    def check(self, params: dict[str, Any]) -> None:
        if params["fast"] >= params["slow"]:
            raise ValidationError(
                f"parameter fast must be < slow (got fast={params['fast']}, slow={params['slow']})",
                field=f"{self.name}.fast", value=params["fast"],
                fix=f"choose fast below slow={params['slow']}, e.g. fast=10 slow=30",
            )

    def warmup(self, params: Any) -> int:
        return int(self.resolve(params)["slow"])

    def signal_stream(self, params: dict[str, Any], inputs: tuple[str, ...]) -> SmaCrossSignal:
        return SmaCrossSignal(params["fast"], params["slow"], params["allow_short"])


class BollingerRsi(RuleStrategy):
    """Bollinger/RSI mean reversion: long below the lower band while RSI is oversold.

    Bands: SMA(period) +/- nbdev x population standard deviation of the close (TA-Lib BBANDS);
    RSI: Wilder's (TA-Lib RSI). Entry when close < lower band and RSI < rsi_entry; exit when
    close >= middle band or RSI > rsi_exit. ``allow_short`` mirrors it: short above the upper band
    with RSI > 100 - rsi_entry, cover at the middle band or RSI < 100 - rsi_exit.
    """

    name: ClassVar[str] = "bollinger_rsi"
    summary: ClassVar[str] = "mean reversion: long below the lower Bollinger band with low RSI"
    parameters: ClassVar[tuple[Param, ...]] = (
        Param("period", 20, "int", low=2, high=100_000, step=5, doc="bars of the bands"),
        Param("nbdev", 2.0, "float", low=0.0, high=10.0, step=0.5, doc="band width in std devs"),
        Param("rsi_period", 14, "int", low=2, high=100_000, step=2, doc="bars of the RSI"),
        Param("rsi_entry", 30.0, "float", low=0.0, high=100.0, step=5, doc="enter below this RSI"),
        Param("rsi_exit", 50.0, "float", low=0.0, high=100.0, step=5, doc="exit above this RSI"),
        _ALLOW_SHORT,
    )
    signal_kernel = nb.bollinger_rsi_kernel
    default_grid: ClassVar[dict[str, Any]] = {
        "period": range(10, 41, 5), "nbdev": (1.5, 2.0, 2.5), "rsi_entry": (20.0, 25.0, 30.0, 35.0),
    }

    def check(self, params: dict[str, Any]) -> None:
        if params["rsi_entry"] >= params["rsi_exit"]:
            raise ValidationError(
                "parameter rsi_entry must be < rsi_exit "
                f"(got rsi_entry={params['rsi_entry']}, rsi_exit={params['rsi_exit']})",
                field=f"{self.name}.rsi_entry", value=params["rsi_entry"],
                fix=f"choose rsi_entry below rsi_exit={params['rsi_exit']}, e.g. 30 and 50",
            )

    def warmup(self, params: Any) -> int:
        full = self.resolve(params)
        return max(int(full["period"]), int(full["rsi_period"]) + 1)

    def signal_stream(self, params: dict[str, Any], inputs: tuple[str, ...]) -> BollingerRsiSignal:
        return BollingerRsiSignal(params["period"], params["nbdev"], params["rsi_period"],
                                  params["rsi_entry"], params["rsi_exit"], params["allow_short"])


class DonchianBreakout(RuleStrategy):
    """Donchian channel breakout: long on a close above the prior ``entry_period``-bar high.

    Entry at t when close[t] > max(high[t-entry_period .. t-1]); exit when
    close[t] < min(low[t-exit_period .. t-1]). ``allow_short`` mirrors it (short below the prior
    entry_period-bar low, cover above the prior exit_period-bar high).
    """

    name: ClassVar[str] = "donchian_breakout"
    summary: ClassVar[str] = (
        "breakout: long above the prior N-bar high, exit below the prior M-bar low"
    )
    parameters: ClassVar[tuple[Param, ...]] = (
        Param("entry_period", 20, "int", low=1, high=100_000, step=5, doc="N: bars of the high"),
        Param("exit_period", 10, "int", low=1, high=100_000, step=5, doc="M: bars of the low"),
        _ALLOW_SHORT,
    )
    signal_kernel = nb.donchian_breakout_kernel
    default_grid: ClassVar[dict[str, Any]] = {
        "entry_period": range(10, 101, 5), "exit_period": range(5, 51, 5),
    }

    def warmup(self, params: Any) -> int:
        full = self.resolve(params)
        return max(int(full["entry_period"]), int(full["exit_period"]))

    def signal_stream(self, params: dict[str, Any], inputs: tuple[str, ...]) -> DonchianSignal:
        return DonchianSignal(params["entry_period"], params["exit_period"],
                              params["allow_short"])


class TsMomentum(RuleStrategy):
    """Time-series momentum: long when the trailing ``lookback``-bar return is positive.

    Decided every ``rebalance`` bars (21 daily bars is about monthly), first at bar
    ``lookback``: return = close[t] / close[t - lookback] - 1; above ``threshold`` -> long (entry),
    else flat (exit), or short when ``allow_short``. Between rebalances nothing changes.
    """

    name: ClassVar[str] = "ts_momentum"
    summary: ClassVar[str] = "time-series momentum: long when the trailing return is positive"
    parameters: ClassVar[tuple[Param, ...]] = (
        Param("lookback", 252, "int", low=1, high=100_000, step=21, doc="bars of the return"),
        Param("rebalance", 21, "int", low=1, high=100_000, step=1, doc="bars between decisions"),
        Param("threshold", 0.0, "float", low=-1.0, high=10.0, step=0.01, doc="minimum return"),
        _ALLOW_SHORT,
    )
    signal_kernel = nb.ts_momentum_kernel
    default_grid: ClassVar[dict[str, Any]] = {
        "lookback": range(21, 253, 21), "rebalance": (5, 10, 21, 63),
    }

    def warmup(self, params: Any) -> int:
        return int(self.resolve(params)["lookback"]) + 1

    def signal_stream(self, params: dict[str, Any], inputs: tuple[str, ...]) -> TsMomentumSignal:
        return TsMomentumSignal(params["lookback"], params["rebalance"], params["threshold"],
                                params["allow_short"])
