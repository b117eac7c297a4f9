"""Which rule fired: the built-in rule strategies' entry and exit conditions, written out with
the values they compared at the bar the decision was made (the close of that bar)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust import ta


def _f(value: float) -> str:
    return f"{value:,.2f}"


def context_features(bars: pd.DataFrame, at: int) -> dict[str, float]:
    """A few features every trader reads, as known at the close of bar ``at``."""
    close = bars["close"].iloc[: at + 1]
    high, low = bars["high"].iloc[: at + 1], bars["low"].iloc[: at + 1]
    features = {
        "close": float(close.iloc[-1]),
        "ret_1": float(close.iloc[-1] / close.iloc[-2] - 1) if at >= 1 else np.nan,
        "ret_5": float(close.iloc[-1] / close.iloc[-6] - 1) if at >= 5 else np.nan,
        "ret_20": float(close.iloc[-1] / close.iloc[-21] - 1) if at >= 20 else np.nan,
        "rsi_14": float(ta.rsi(close, timeperiod=14).iloc[-1]),
        "natr_14": float(ta.natr(high, low, close, timeperiod=14).iloc[-1]),
        "volatility_20": float(close.pct_change().iloc[-20:].std() * np.sqrt(252))
        if at >= 20 else np.nan,
    }
    return {k: round(v, 6) for k, v in features.items()}


def rule_fired(strategy: str, params: dict[str, Any], bars: pd.DataFrame, at: int,
               action: str) -> tuple[str, dict[str, float]]:
    """The rule of ``strategy`` behind ``action`` ("entry", "exit", "short_entry",
    "short_exit") at bar ``at``, in words, and the values it compared."""
    describe = _RULES.get(strategy)
    if describe is None:
        return (f"{strategy}'s {action.replace('_', ' ')} signal was true at the close of "
                f"{bars.index[at].date()}", {})
    return describe(params, bars.iloc[: at + 1], action)


def _sma_cross(params: dict[str, Any], bars: pd.DataFrame, action: str
               ) -> tuple[str, dict[str, float]]:
    fast_n, slow_n = int(params["fast"]), int(params["slow"])
    fast = ta.sma(bars["close"], timeperiod=fast_n)
    slow = ta.sma(bars["close"], timeperiod=slow_n)
    now, before = fast.iloc[-1] - slow.iloc[-1], fast.iloc[-2] - slow.iloc[-2]
    values = {f"sma_{fast_n}": float(fast.iloc[-1]), f"sma_{slow_n}": float(slow.iloc[-1]),
              f"sma_{fast_n}_before": float(fast.iloc[-2]),
              f"sma_{slow_n}_before": float(slow.iloc[-2])}
    up = action in ("entry", "short_exit")
    verb = "crossed above" if up else "crossed below"
    was = "<=" if up else ">="
    is_ = ">" if up else "<"
    text = (f"SMA({fast_n}) {verb} SMA({slow_n}): {_f(fast.iloc[-1])} {is_} "
            f"{_f(slow.iloc[-1])} at this close, after {_f(fast.iloc[-2])} {was} "
            f"{_f(slow.iloc[-2])} the bar before (difference {now:+.2f}, was {before:+.2f})")
    return text, {k: round(v, 6) for k, v in values.items()}


def _bollinger_rsi(params: dict[str, Any], bars: pd.DataFrame, action: str
                   ) -> tuple[str, dict[str, float]]:
    close = bars["close"]
    upper, middle, lower = ta.bbands(close, timeperiod=int(params["period"]),
                                     nbdevup=float(params["nbdev"]),
                                     nbdevdn=float(params["nbdev"]), matype=0)
    rsi = ta.rsi(close, timeperiod=int(params["rsi_period"]))
    c, u, m, lo, r = (float(s.iloc[-1]) for s in (close, upper, middle, lower, rsi))
    values = {"close": c, "upper_band": u, "middle_band": m, "lower_band": lo, "rsi": r}
    entry, exit_ = float(params["rsi_entry"]), float(params["rsi_exit"])
    if action == "entry":
        text = (f"close {_f(c)} below the lower band {_f(lo)} and RSI {r:.1f} below "
                f"{entry:g}: oversold")
    elif action == "exit":
        parts = []
        if c >= m:
            parts.append(f"close {_f(c)} back at or above the middle band {_f(m)}")
        if r > exit_:
            parts.append(f"RSI {r:.1f} above {exit_:g}")
        text = " and ".join(parts) or "the exit condition held"
    elif action == "short_entry":
        text = (f"close {_f(c)} above the upper band {_f(u)} and RSI {r:.1f} above "
                f"{100 - entry:g}: overbought")
    else:
        text = f"close {_f(c)} back at or below the middle band {_f(m)} or RSI {r:.1f} fell"
    return text, {k: round(v, 6) for k, v in values.items()}


def _donchian(params: dict[str, Any], bars: pd.DataFrame, action: str
              ) -> tuple[str, dict[str, float]]:
    c = float(bars["close"].iloc[-1])
    n_in, n_out = int(params["entry_period"]), int(params["exit_period"])
    prior = bars.iloc[:-1]
    high_in = float(prior["high"].iloc[-n_in:].max())
    low_in = float(prior["low"].iloc[-n_in:].min())
    high_out, low_out = (float(prior["high"].iloc[-n_out:].max()),
                         float(prior["low"].iloc[-n_out:].min()))
    values = {"close": c, f"high_{n_in}": high_in, f"low_{n_out}": low_out}
    text = {
        "entry": f"close {_f(c)} broke above the prior {n_in}-bar high {_f(high_in)}",
        "exit": f"close {_f(c)} fell below the prior {n_out}-bar low {_f(low_out)}",
        "short_entry": f"close {_f(c)} broke below the prior {n_in}-bar low {_f(low_in)}",
        "short_exit": f"close {_f(c)} rose above the prior {n_out}-bar high {_f(high_out)}",
    }[action]
    return text, {k: round(v, 6) for k, v in values.items()}


def _ts_momentum(params: dict[str, Any], bars: pd.DataFrame, action: str
                 ) -> tuple[str, dict[str, float]]:
    n, threshold = int(params["lookback"]), float(params["threshold"])
    close = bars["close"]
    ret = float(close.iloc[-1] / close.iloc[-1 - n] - 1) if len(close) > n else np.nan
    above = ret > threshold
    text = (f"at this rebalance the {n}-bar return was {ret:+.2%}, "
            f"{'above' if above else 'at or below'} the threshold {threshold:+.2%}")
    return text, {f"ret_{n}": round(ret, 6), "threshold": threshold}


_RULES = {"sma_cross": _sma_cross, "bollinger_rsi": _bollinger_rsi,
          "donchian_breakout": _donchian, "ts_momentum": _ts_momentum}

__all__ = ["context_features", "rule_fired"]
