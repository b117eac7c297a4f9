"""Numba kernels of the vectorized engine: NumPy arrays in and out, callable from other njit code.

``simulate_signals_nb`` / ``simulate_targets_nb`` keep curves and trade records;
``signals_stats_nb`` / ``targets_stats_nb`` run the same simulation in O(assets) memory and
return the summary vector named by ``layout.STAT_NAMES`` (for parameter sweeps).
"""

from signaltrust.backtest.nb import layout
from signaltrust.backtest.nb.orders import fill_price, order_fees, units_for_cash
from signaltrust.backtest.nb.signals import signals_stats_nb, simulate_signals_nb
from signaltrust.backtest.nb.stops import stop_exit
from signaltrust.backtest.nb.targets import simulate_targets_nb, targets_stats_nb

__all__ = [
    "fill_price",
    "layout",
    "order_fees",
    "signals_stats_nb",
    "simulate_signals_nb",
    "simulate_targets_nb",
    "stop_exit",
    "targets_stats_nb",
    "units_for_cash",
]
