"""A replay's results: the same BacktestResult (and tables) as the vectorized engine.

The recorder listens to the trading core's fills and keeps one record per fill with the cash
and position after it (both re-read from the exact ledger); the equity curve is derived at the
end: cash + sum(units x close), with each
asset's last known close. Trades are built from the fills with the vectorized engine's rules:
average entry price, entry fees shared pro rata by the units closed, a fill through zero
closes the trade and opens the other side, positions still open at the end are marked at the
last close with status "open".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from operator import attrgetter
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.backtest.nb import layout
from signaltrust.backtest.replay.trades_nb import trades_from_fills
from signaltrust.backtest.result import BacktestResult, orders_frame, trades_frame
from signaltrust.core.orders import Fill, Order, OrderType

_REASON = {name: code for code, name in enumerate(layout.EXIT_REASONS)}
ORDER_LOG_COLUMNS = (
    "client_order_id",
    "symbol",
    "side",
    "type",
    "quantity",
    "filled",
    "status",
    "average_price",
    "fees",
    "reason",
    "created_at",
)
FILL_COLUMNS = (
    "fill_id",
    "client_order_id",
    "symbol",
    "side",
    "quantity",
    "price",
    "fee",
    "timestamp",
)
ROW_FIELDS = layout.ORDER_FIELDS + 2  # a recorder row: the order fields, position and cash after


_TRAILING = OrderType.TRAILING_STOP
_LIMIT = OrderType.LIMIT


def _named_reason(tags: tuple[str, ...]) -> int | None:
    """The exit-reason code of the first tag that names one (not "open"), else None."""
    for tag in tags:
        if tag in _REASON and tag != "open":
            return _REASON[tag]
    return None


def fill_reason(order: Order) -> int:
    """The exit-reason code of a fill: the order's tag when it names one, else by order type."""
    named = _named_reason(order.tags)
    if named is not None:
        return named
    if order.parent_id is None:
        return layout.R_SIGNAL
    if order.order_type is _TRAILING:
        return layout.R_TRAILING_STOP
    if order.order_type is _LIMIT:
        return layout.R_TAKE_PROFIT
    return layout.R_STOP_LOSS


class Recorder:
    """The fills of one run as float rows, each with the position and cash after it (read
    from the exact ledger); equity and trades are derived from them at the end
    (:func:`build_result`, :func:`.trades_nb.trades_from_fills`).

    A row is ``(bar, asset, side, units, price, fee, reason, position after, cash after)``:
    the first seven are the vectorized engine's order fields (``layout.ORDER_FIELDS``),
    ``side`` is +1.0 (buy) or -1.0 (sell), ``reason`` an exit-reason code; ``bar`` is the
    symbol's own bar row while recording (:meth:`table` maps it to the run's index).
    """

    def __init__(self, core: Any) -> None:
        self.rows: list[tuple[Any, ...]] = []
        self._slots = core.portfolio.slots
        self._portfolio = core.portfolio
        self._current = core.current_row
        core.add_fill_listener(self.record)

    def record(self, order: Order, fill: Fill) -> None:
        """One booked fill (the trading core's fill listener): kept as it is, with its bar row
        and the position and cash after it; turned into floats once, by :meth:`table`."""
        slot = self._slots[order.symbol]
        pf = self._portfolio
        self.rows.append((self._current[slot], slot, order, fill, pf.qty[slot], pf.cash_f))

    def table(self, bar_of: list[np.ndarray]) -> np.ndarray:
        """The rows as a float array, one row per fill (9 columns; 0 rows when none), with
        each fill's bar as its position in the run's index (``bar_of[slot][row]``)."""
        table = np.empty((len(self.rows), ROW_FIELDS), dtype=np.float64)
        if self.rows:
            # column by column, converted in C (NumPy takes each Decimal's float())
            rows, slots, orders, fills, held, cash = zip(*self.rows, strict=True)
            table[:, 0], table[:, 1], table[:, 7], table[:, 8] = rows, slots, held, cash
            for column, field in ((2, "side.sign"), (3, "quantity"), (4, "price"), (5, "fee")):
                table[:, column] = np.array(list(map(attrgetter(field), fills)),
                                            dtype=np.float64)
            table[:, 6] = list(map(fill_reason, orders))
        for slot, positions in enumerate(bar_of):
            mine = table[:, 1] == slot
            table[mine, 0] = positions[table[mine, 0].astype(np.int64)]
        return table


@dataclass
class EventBacktestResult(BacktestResult):
    """A BacktestResult with the replay's order log, fills and order events added."""

    manager: Any = field(default=None, repr=False)

    @cached_property
    def order_log(self) -> pd.DataFrame:
        """Every order: id, symbol, side, type, quantity, filled, final status, reason, fees."""
        # enum members' _value_ (the value behind .value, without its descriptor)
        return pd.DataFrame.from_records(
            [
                (
                    o.client_order_id,
                    o.symbol,
                    o.side._value_,
                    o.order_type._value_,
                    float(o.quantity),
                    float(o.filled_quantity),
                    o.status._value_,
                    None if o.average_fill_price is None else float(o.average_fill_price),
                    float(o.fees),
                    o.reason,
                    o.created_at,
                )
                for o in self.manager
            ],
            columns=ORDER_LOG_COLUMNS,
        )

    @cached_property
    def fills(self) -> pd.DataFrame:
        """Every fill: id, order id, symbol, side, quantity, price, fee, timestamp."""
        return pd.DataFrame.from_records(
            [
                (
                    f.fill_id,
                    f.client_order_id,
                    f.symbol,
                    f.side._value_,
                    float(f.quantity),
                    float(f.price),
                    float(f.fee),
                    f.timestamp,
                )
                for f in self.manager.fills
            ],
            columns=FILL_COLUMNS,
        )

    @property
    def events(self) -> list[Any]:
        """Every order state change, in order (OrderEvent)."""
        return list(self.manager.events)


def steps(n: int, first: float, at: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A state over ``n`` bars that is ``first`` until it changes to ``values[i]`` at bar
    ``at[i]`` (``at`` ascending; of several changes in one bar the last one holds)."""
    last_of_bar = np.append(at[1:] != at[:-1], True) if len(at) else np.zeros(0, dtype=bool)
    at, values = at[last_of_bar], values[last_of_bar]
    counts = np.diff(np.concatenate(([0], at, [n])))
    return np.repeat(np.concatenate(([first], values)), counts)


def build_result(
    recorder: Recorder,
    bar_of: list[np.ndarray],
    index: pd.DatetimeIndex,
    close: pd.DataFrame,
    cash0: float,
    manager: Any,
    *,
    params: dict[str, Any],
    settings: dict[str, Any],
    periods_per_year: float | None,
    benchmark: pd.Series | None,
    bars: dict[str, pd.DataFrame],
) -> EventBacktestResult:
    """Equity, cash, positions, trades and orders of a run from its records."""
    assets = tuple(close.columns)
    n, k = len(index), len(assets)
    table = recorder.table(bar_of)
    recorder.rows.clear()
    at, asset_of = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64)
    # a bar keeps the position and cash after its last fill
    positions = np.empty((n, k))
    for asset in range(k):
        mine = asset_of == asset
        positions[:, asset] = steps(n, 0.0, at[mine], table[mine, 7])
    cash = steps(n, cash0, at, table[:, 8])
    filled_close = close.ffill().to_numpy(dtype=np.float64)
    pos = pd.DataFrame(positions, index=index, columns=list(assets))
    cash_s = pd.Series(cash, index=index, name="cash")
    value = (positions * np.nan_to_num(filled_close, nan=0.0)).sum(axis=1)
    equity = pd.Series(cash + value, index=index, name="equity")
    orders = np.ascontiguousarray(table[:, : layout.ORDER_FIELDS])
    trades, state = trades_from_fills(orders, k)
    last = filled_close[-1] if n else np.zeros(k)
    open_rows = []
    for asset in range(k):
        units, avg, efees, ebar = state[asset].tolist()
        if units != 0.0:
            direction = 1.0 if units > 0 else -1.0
            pnl = direction * abs(units) * (last[asset] - avg) - efees
            open_rows.append(
                [
                    asset,
                    direction,
                    ebar,
                    -1,
                    avg,
                    last[asset],
                    abs(units),
                    pnl,
                    efees,
                    layout.R_OPEN,
                ]
            )
    if open_rows:
        trades = np.vstack([trades, np.array(open_rows, dtype=np.float64)])
    return EventBacktestResult(
        equity=equity,
        cash=cash_s,
        positions=pos,
        trades=trades_frame(trades, index, assets),
        orders=orders_frame(orders, index, assets),
        close=close,
        params=params,
        settings=settings,
        periods_per_year=periods_per_year,
        benchmark=benchmark,
        bars=bars,
        manager=manager,
    )
