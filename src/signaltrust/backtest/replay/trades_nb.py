"""Trades of an event-driven run, built from its fills in one compiled pass at the end.

The rules are the vectorized engine's: a position's entry price is the average of the fills
that opened it; a closing fill realises ``direction x units x (exit - entry)`` less the entry
fees of the units closed (shared pro rata) and its own fee (shared pro rata when the fill goes
through zero: the part that closes pays its share, the rest opens the other side).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from signaltrust.backtest.nb.layout import (
    O_ASSET,
    O_BAR,
    O_FEES,
    O_PRICE,
    O_REASON,
    O_SIDE,
    O_SIZE,
    TRADE_FIELDS,
)

#: per asset: units (signed), average entry price, entry fees still open, entry bar
UNITS, AVG, EFEES, EBAR = 0, 1, 2, 3


@njit(cache=True)
def trades_from_fills(orders: np.ndarray, n_assets: int) -> tuple[np.ndarray, np.ndarray]:
    """``(closed trade records, open state per asset)`` from fill records in time order
    (``layout`` order fields); the state rows are ``[units, average entry, entry fees, bar]``."""
    state = np.zeros((n_assets, 4))
    trades = np.empty((orders.shape[0], TRADE_FIELDS))
    n = 0
    for i in range(orders.shape[0]):
        bar = orders[i, O_BAR]
        asset = int(orders[i, O_ASSET])
        side = orders[i, O_SIDE]
        units = orders[i, O_SIZE]
        price = orders[i, O_PRICE]
        fee = orders[i, O_FEES]
        reason = orders[i, O_REASON]
        st = state[asset]
        held = abs(st[UNITS])
        if held > 0.0 and (st[UNITS] > 0.0) != (side > 0.0):
            closed = min(units, held)
            direction = 1.0 if st[UNITS] > 0.0 else -1.0
            share = fee * closed / units
            entry_fee = st[EFEES] * (closed / held)
            pnl = direction * closed * (price - st[AVG]) - entry_fee - share
            row = trades[n]
            row[0], row[1], row[2], row[3], row[4] = asset, direction, st[EBAR], bar, st[AVG]
            row[5], row[6], row[7], row[8], row[9] = (
                price,
                closed,
                pnl,
                entry_fee + share,
                reason,
            )
            n += 1
            st[EFEES] -= entry_fee
            rest = held - closed
            st[UNITS] = direction * rest if rest > 0.0 else 0.0
            if rest <= 0.0:
                st[EFEES] = 0.0
            units -= closed
            fee -= share
            if units <= 0.0:
                continue
        held = abs(st[UNITS])
        if held == 0.0:
            st[AVG], st[EBAR], st[EFEES] = price, bar, fee
        else:
            st[AVG] = (st[AVG] * held + price * units) / (held + units)
            st[EFEES] += fee
        st[UNITS] = side * (held + units)
    return trades[:n], state
