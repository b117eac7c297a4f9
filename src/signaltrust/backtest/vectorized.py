"""The vectorized engine's pandas API: simulate entry/exit signals or target positions on bars.

See docs/backtesting.md for the semantics (fills, costs, stops, sizing, shared cash).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from signaltrust.backtest.costs import BacktestCosts, check_positive, check_stop, resolve_costs
from signaltrust.backtest.inputs import BarArrays, prepare_bars, prepare_signal, prepare_targets
from signaltrust.backtest.nb import layout, simulate_signals_nb, simulate_targets_nb
from signaltrust.backtest.result import BacktestResult, orders_frame, trades_frame
from signaltrust.core.errors import ValidationError

Bars = pd.DataFrame | Mapping[str, pd.DataFrame]
Signal = pd.Series | pd.DataFrame | None

#: periods per year handed to the kernels when none is given (the result infers its own)
_KERNEL_PPY = 252.0


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> int:
    if value not in allowed:
        raise ValidationError(
            f"unknown {name}", field=name, value=value, fix=f"use one of {', '.join(allowed)}"
        )
    return allowed.index(value)


def _periods(periods_per_year: float | None) -> float | None:
    if periods_per_year is None:
        return None
    return check_positive(
        "periods_per_year",
        periods_per_year,
        fix="pass e.g. 252 (daily stocks), 365 (crypto) or None",
    )


def _result(
    data: BarArrays,
    out: tuple,
    costs: BacktestCosts,
    params: dict[str, Any],
    periods_per_year: float | None,
    benchmark: pd.Series | None,
) -> BacktestResult:
    equity, cash, positions, trades, orders, _ = out
    index = data.index
    assets = list(data.assets)
    return BacktestResult(
        equity=pd.Series(equity, index=index, name="equity"),
        cash=pd.Series(cash, index=index, name="cash"),
        positions=pd.DataFrame(positions, index=index, columns=assets),
        trades=trades_frame(trades, index, data.assets),
        orders=orders_frame(orders, index, data.assets),
        close=data.close_frame,
        params=params,
        settings=costs.to_dict(),
        periods_per_year=periods_per_year,
        benchmark=benchmark,
        bars=data.frames,
    )


def simulate_signals(
    bars: Bars,
    entries: Signal,
    exits: Signal = None,
    short_entries: Signal = None,
    short_exits: Signal = None,
    *,
    cash: float | None = None,
    fees: float | None = None,
    fixed_fees: float | None = None,
    min_fees: float | None = None,
    slippage: float | None = None,
    fill_at: str | None = None,
    size: float = 1.0,
    size_type: str = "percent",
    sl_stop: float | None = None,
    tp_stop: float | None = None,
    tsl_stop: float | None = None,
    leverage: float = 1.0,
    allow_short: bool = True,
    periods_per_year: float | None = None,
    benchmark: pd.Series | None = None,
) -> BacktestResult:
    """Backtest entry/exit signals (long and short) on bars with realistic fills and costs.

    ``bars`` is a bar DataFrame or ``{asset: DataFrame}`` (one shared cash balance); signals are
    bool Series (broadcast to every asset) or DataFrames with one column per asset, on the
    bars' index. A signal at bar t fills at the open of t+1 (``fill_at="next_open"``) or the close
    of t (``"close"``). ``cash``, ``fees`` (fraction of notional), ``fixed_fees``, ``min_fees``,
    ``slippage`` (fraction of price) and ``fill_at`` default to the configuration's
    ``backtest`` section (costs on). ``size_type``: "percent" (``size`` x equity, fractional
    units), "units" or "value" (cash amount). Stops are fractions of the entry price.
    ``leverage`` caps gross exposure / equity.
    """
    costs = resolve_costs(
        cash=cash,
        fees=fees,
        fixed_fees=fixed_fees,
        min_fees=min_fees,
        slippage=slippage,
        fill_at=fill_at,
    )
    size_code = _choice("size_type", size_type, layout.SIZE_TYPES)
    size_value = check_positive(
        "size", size, fix="pass size > 0 (1.0 = all equity with size_type='percent')"
    )
    lev = check_positive("leverage", leverage, fix="pass leverage > 0 (1.0 = no borrowing)")
    sl, tp, tsl = (
        check_stop("sl_stop", sl_stop),
        check_stop("tp_stop", tp_stop),
        check_stop("tsl_stop", tsl_stop),
    )
    ppy = _periods(periods_per_year)
    data = prepare_bars(bars)
    arrays = [
        prepare_signal(sig, data, name)
        for sig, name in (
            (entries, "entries"),
            (exits, "exits"),
            (short_entries, "short_entries"),
            (short_exits, "short_exits"),
        )
    ]
    if not allow_short and arrays[2].any():
        raise ValidationError(
            "short entries given while shorting is off",
            field="short_entries",
            value=int(arrays[2].sum()),
            fix="pass allow_short=True, or drop short_entries",
        )
    out = simulate_signals_nb(
        data.open,
        data.high,
        data.low,
        data.close,
        *arrays,
        costs.cash,
        costs.fees,
        costs.fixed_fees,
        costs.min_fees,
        costs.slippage,
        costs.fill_at == "close",
        size_code,
        size_value,
        sl,
        tp,
        tsl,
        lev,
        bool(allow_short),
        ppy or _KERNEL_PPY,
    )
    params = {
        "engine": "vectorized",
        "input": "signals",
        "size": size_value,
        "size_type": size_type,
        "sl_stop": sl_stop,
        "tp_stop": tp_stop,
        "tsl_stop": tsl_stop,
        "leverage": lev,
        "allow_short": bool(allow_short),
    }
    return _result(data, out, costs, params, ppy, benchmark)


def simulate_targets(
    bars: Bars,
    targets: pd.Series | pd.DataFrame,
    *,
    target_type: str = "weight",
    cash: float | None = None,
    fees: float | None = None,
    fixed_fees: float | None = None,
    min_fees: float | None = None,
    slippage: float | None = None,
    fill_at: str | None = None,
    leverage: float = 1.0,
    periods_per_year: float | None = None,
    benchmark: pd.Series | None = None,
) -> BacktestResult:
    """Backtest target positions: weights of equity (``target_type="weight"``) or units per bar.

    A target at bar t is traded at the open of t+1 (or the close of t with ``fill_at="close"``);
    NaN means hold. Negative targets are short positions; increases are capped by buying power
    (``leverage`` x equity - gross exposure). Costs as in :func:`simulate_signals`.
    """
    costs = resolve_costs(
        cash=cash,
        fees=fees,
        fixed_fees=fixed_fees,
        min_fees=min_fees,
        slippage=slippage,
        fill_at=fill_at,
    )
    target_code = _choice("target_type", target_type, layout.TARGET_TYPES)
    lev = check_positive("leverage", leverage, fix="pass leverage > 0 (1.0 = no borrowing)")
    ppy = _periods(periods_per_year)
    data = prepare_bars(bars)
    values = prepare_targets(targets, data)
    out = simulate_targets_nb(
        data.open,
        data.close,
        values,
        target_code,
        costs.cash,
        costs.fees,
        costs.fixed_fees,
        costs.min_fees,
        costs.slippage,
        costs.fill_at == "close",
        lev,
        ppy or _KERNEL_PPY,
    )
    params = {
        "engine": "vectorized",
        "input": "targets",
        "target_type": target_type,
        "leverage": lev,
    }
    return _result(data, out, costs, params, ppy, benchmark)


__all__ = ["simulate_signals", "simulate_targets"]
