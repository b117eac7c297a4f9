"""A venue in this process for the live node's tests: an execution client that fills market
orders at the last streamed close with a fee, deduplicates client order ids and answers
``account_state``; a data client that streams a frame's bars. Switches make it lose reports,
lose orders or trade on its own (what reconciliation must find)."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import pandas as pd

from signaltrust.core.events import Bar, ExecutionReport, ReportKind
from signaltrust.core.orders import Liquidity, OrderSide, OrderStatus
from signaltrust.execution.venue_state import VenueAccountState, VenueFill, VenueOrder
from signaltrust.live.contract import DataClient, ExecutionClient, Venue


class FakeExecution(ExecutionClient):
    venue = "fake"

    def __init__(self, cash: float = 100_000.0, fee_rate: str = "0.001") -> None:
        self.cash = Decimal(str(cash))
        self.fee_rate = Decimal(fee_rate)
        self.last: dict[str, Decimal] = {}
        self.orders: dict[str, VenueOrder] = {}
        self.fills: list[VenueFill] = []
        self.positions: dict[str, Decimal] = {}
        self.received: Counter[str] = Counter()
        self.lose_reports = False  # fills happen, reports do not reach the node
        self.lose_orders = False  # orders never reach the venue (lost on the way)

    def submit(self, order, now_ns: int) -> None:
        if self.lose_orders:
            return
        self.received[order.client_order_id] += 1
        if self.received[order.client_order_id] > 1:  # the venue deduplicates client order ids
            return
        asyncio.get_running_loop().call_soon(self._fill, order, now_ns)

    def cancel(self, order, now_ns: int) -> None:
        return

    def _fill(self, order, now_ns: int) -> None:
        cid, n = order.client_order_id, len(self.fills) + 1
        price = self.last[order.symbol]
        fee = (price * order.quantity * self.fee_rate).quantize(Decimal("0.0001"))
        self._book(cid, order.symbol, order.side, order.quantity, price, fee, f"F{n}", now_ns)
        if not self.lose_reports:
            self.reports.on_execution_report(
                ExecutionReport(ReportKind.ACCEPTED, cid, f"V{cid}", now_ns))
            self.reports.on_execution_report(ExecutionReport(
                ReportKind.FILL, cid, f"V{cid}", now_ns, venue_fill_id=f"F{n}",
                quantity=order.quantity, price=price, fee=fee))

    def _book(self, cid, symbol, side, quantity, price, fee, fill_id, now_ns) -> None:
        self.orders[cid] = VenueOrder(cid, f"V{cid}", symbol, side, quantity, quantity,
                                      OrderStatus.FILLED, now_ns, price)
        self.fills.append(VenueFill(fill_id, cid, f"V{cid}", symbol, side, quantity, price, fee,
                                    now_ns, None, Liquidity.TAKER))
        signed = quantity if side is OrderSide.BUY else -quantity
        self.positions[symbol] = self.positions.get(symbol, Decimal(0)) + signed
        self.cash -= signed * price + fee

    def trade_by_hand(self, symbol: str, quantity: int) -> None:
        """Someone else buys on the account (not through the node)."""
        self._book(f"manual-{len(self.fills)}", symbol, OrderSide.BUY, Decimal(quantity),
                   self.last[symbol], Decimal(0), f"M{len(self.fills)}", 0)

    async def account_state(self, since_ns: int | None = None) -> VenueAccountState:
        return VenueAccountState(0, {"USD": self.cash},
                                 {s: q for s, q in self.positions.items() if q},
                                 tuple(self.orders.values()), tuple(self.fills))


class FakeData(DataClient):
    venue = "fake"

    def __init__(self, frames: dict[str, pd.DataFrame], execution: FakeExecution) -> None:
        self.frames = frames
        self.execution = execution
        self.streamed = 0
        self.pause = 0.002

    async def history(self, symbol, start, end, timeframe):
        frame = self.frames[symbol]
        return frame[(frame.index >= start) & (frame.index < end)]

    async def stream(self, symbols, *, timeframe="1d", quotes=False, trades=False):
        symbol = symbols[0]
        frame = self.frames[symbol]
        step = frame.index[1] - frame.index[0]
        for ts, row in frame.iterrows():
            bar = Bar(symbol, int(ts.value), int((ts + step).value), float(row.open),
                      float(row.high), float(row.low), float(row.close), float(row.volume))
            self.execution.last[symbol] = Decimal(str(row.close))
            self.streamed += 1
            yield bar
            await asyncio.sleep(self.pause)  # the next bar comes later: reports come first


def fake_venue(frames: dict[str, pd.DataFrame], **options) -> Venue:
    execution = FakeExecution(**options)
    return Venue("fake", None, FakeData(frames, execution), execution)
