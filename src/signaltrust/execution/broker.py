"""The broker interface: where orders go after the risk check, and how brokers answer.

A broker takes orders (:meth:`Broker.submit`) and cancels (:meth:`Broker.cancel`) and answers
with :class:`~signaltrust.core.events.ExecutionReport` values sent to the report sink it was
connected to (the order router of a trading core). It may answer at once (the simulated venue),
later, in pieces, twice or out of order (a real broker over the network): the router
deduplicates fills by the broker's fill id and accepts a fill that arrives before the
acknowledgement.

The broker also offers estimates of its costs (``fees``, ``slippage``): the router sizes
orders given as money or weights with them before the broker prices the fill; the fee a fill
pays is always the one the broker reports.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Protocol

from signaltrust.core.events import ExecutionReport
from signaltrust.core.orders import Order
from signaltrust.execution.models import FeeModel, FixedSlippage, PercentFee, SlippageModel


class ReportSink(Protocol):
    """Who receives a broker's execution reports (the order router)."""

    def on_execution_report(self, report: ExecutionReport) -> None: ...


class Broker(ABC):
    """Where orders go after the risk check: the simulated venue, a paper or a real broker."""

    #: cost estimates for sizing (the fee a fill pays is the one the broker reports)
    fees: FeeModel = PercentFee()
    slippage: SlippageModel = FixedSlippage()

    def connect(self, reports: ReportSink, symbols: tuple[str, ...]) -> None:
        """Send execution reports to ``reports``; ``symbols`` are the instruments traded."""
        self.reports = reports
        self.symbols = symbols

    #: orders the broker is working now (0 when it holds none)
    working: int = 0

    @abstractmethod
    def submit(self, order: Order, now_ns: int) -> None:
        """Take an order (it passed the risk check); report ACCEPTED or REJECTED, then fills."""

    @abstractmethod
    def cancel(self, order: Order, now_ns: int) -> None:
        """Stop working an order; report CANCELED (or the fills that beat the cancel)."""


class BarSimulator(Protocol):
    """A broker that fills orders against bars itself (the simulated venue): the trading core
    hands it each bar's open, range and close before and after the strategies see the bar.

    Market orders fill at the open of the bar after they were placed (``fill_at="next_open"``)
    or at the close of the bar they were placed on (``fill_at="close"``).
    """

    fill_at: str
    working: int

    def has_orders(self, slot: int) -> bool: ...

    def open_bar(self, slot: int, start_ns: int) -> None: ...

    def match_market(
        self, slot: int, price: float, volume: float, now_ns: int, bar_ns: int, reducing: bool
    ) -> None: ...

    def match_range(
        self, slot: int, o: float, h: float, lo: float, volume: float, now_ns: int, bar_ns: int
    ) -> None: ...


__all__ = ["BarSimulator", "Broker", "ReportSink"]
