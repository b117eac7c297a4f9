"""Stop-loss, take-profit and trailing-stop checks inside one bar, adverse first."""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.backtest.nb.layout import (
    AVG,
    PEAK,
    POS,
    R_STOP_LOSS,
    R_TAKE_PROFIT,
    R_TRAILING_STOP,
)


@njit(cache=True)
def stop_exit(direction, open_, high, low, entry_price, peak, sl_stop, tp_stop, tsl_stop):
    """(raw exit price, reason) of the stop a bar triggers, or (NaN, 0) when none does.

    Stops are fractions of the entry fill price (NaN or <= 0: off); the trailing stop trails the
    best price since entry (``peak``), which the bar's open updates before the check. A bar that
    opens beyond a stop exits at the open (the worse price), beyond the take-profit at the open
    (a better one); otherwise a protective stop touched by the bar's range is assumed hit before
    the take-profit, and fills at its level. The caller adds slippage to stop-loss and trailing
    stop exits (stop-market orders), not to the take-profit (a limit order).
    """
    if direction > 0.0:
        stop_level = -np.inf
        stop_reason = 0
        if sl_stop > 0.0:
            stop_level = entry_price * (1.0 - sl_stop)
            stop_reason = R_STOP_LOSS
        if tsl_stop > 0.0:
            trail = max(peak, open_) * (1.0 - tsl_stop)
            if trail > stop_level:
                stop_level = trail
                stop_reason = R_TRAILING_STOP
        take_level = entry_price * (1.0 + tp_stop) if tp_stop > 0.0 else np.inf
        if stop_reason != 0 and open_ <= stop_level:
            return open_, stop_reason
        if open_ >= take_level:
            return open_, R_TAKE_PROFIT
        if stop_reason != 0 and low <= stop_level:
            return stop_level, stop_reason
        if high >= take_level:
            return take_level, R_TAKE_PROFIT
        return np.nan, 0
    stop_level = np.inf
    stop_reason = 0
    if sl_stop > 0.0:
        stop_level = entry_price * (1.0 + sl_stop)
        stop_reason = R_STOP_LOSS
    if tsl_stop > 0.0:
        trail = min(peak, open_) * (1.0 + tsl_stop)
        if trail < stop_level:
            stop_level = trail
            stop_reason = R_TRAILING_STOP
    take_level = entry_price * (1.0 - tp_stop) if tp_stop > 0.0 else -np.inf
    if stop_reason != 0 and open_ >= stop_level:
        return open_, stop_reason
    if open_ <= take_level:
        return open_, R_TAKE_PROFIT
    if stop_reason != 0 and high >= stop_level:
        return stop_level, stop_reason
    if low <= take_level:
        return take_level, R_TAKE_PROFIT
    return np.nan, 0


@njit(cache=True)
def check_stops(state, asset, open_, high, low, sl_stop, tp_stop, tsl_stop):
    """The stop exit of ``asset`` in this bar, as stop_exit; then moves the trailing peak."""
    position = state[asset, POS]
    direction = 1.0 if position > 0.0 else -1.0
    price, reason = stop_exit(
        direction,
        open_,
        high,
        low,
        state[asset, AVG],
        state[asset, PEAK],
        sl_stop,
        tp_stop,
        tsl_stop,
    )
    if reason == 0:
        if direction > 0.0:
            state[asset, PEAK] = max(state[asset, PEAK], open_, high)
        else:
            state[asset, PEAK] = min(state[asset, PEAK], open_, low)
    return price, reason
