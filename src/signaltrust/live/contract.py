"""The venue adapter contract: an instrument provider, a data client and an execution client.

Every venue (the paper broker, Alpaca, CCXT exchanges, OANDA, Robinhood crypto, ...) is three
objects behind one contract, bundled in a :class:`Venue`:

- :class:`InstrumentProvider` loads the venue's tradable instruments (symbol, tick and lot size);
- :class:`DataClient` downloads history and streams completed bars, quotes and trades;
- :class:`ExecutionClient` is a :class:`~signaltrust.execution.broker.Broker`: the trading core's
  router hands it orders that passed the risk engine, and it answers with
  :class:`~signaltrust.core.events.ExecutionReport` values sent to the sink it was connected to.

Threading and time: the node runs one asyncio event loop and steps the trading core on it.
``ExecutionClient.submit`` and ``cancel`` are called from that loop and must not block: they
schedule the request (``asyncio.get_running_loop().create_task``) and return. Reports are
delivered later, from the same loop, by calling ``self.reports.on_execution_report(report)``
(the node's sink journals each report before the core applies it).

Errors: a refusal the venue states is a :class:`~signaltrust.core.errors.DefinitiveBrokerError`
(reported as ``REJECTED``); a timeout or a dropped connection after the request left is an
:class:`~signaltrust.core.errors.AmbiguousBrokerError` and is **never** reported as rejected or
canceled: the order stays open until the venue's reports or reconciliation
(:meth:`ExecutionClient.account_state`, looked up by our client order id) say what happened.
Client order ids are deterministic and the venue is asked to deduplicate on them, so sending
an order again after a crash never creates a second order.

Symbols are ours (letters, digits, ``.-_^=``; ``BTC-USD`` for a crypto pair); each adapter maps
them to the venue's own (``BTC/USD``, ``EUR_USD``). Keys come from the configuration or the
environment, are held as ``pydantic.SecretStr`` and are never printed or logged.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar, Tick
from signaltrust.core.instrument import Instrument
from signaltrust.execution.broker import Broker
from signaltrust.execution.venue_state import VenueAccountState


class InstrumentProvider(ABC):
    """The instruments a venue trades."""

    venue: str
    #: what :meth:`load` fetched, keyed by our symbol
    loaded: dict[str, Instrument]
    #: how the error for an unknown symbol names the venue's things, and how they are written
    unknown = "unknown instrument"
    spelling = "call load() first"

    @abstractmethod
    async def load(self) -> dict[str, Instrument]:
        """Fetch the venue's instruments, keyed by our symbol (and keep them in ``loaded``)."""

    def instrument(self, symbol: str) -> Instrument:
        """One loaded instrument; a ``ValidationError`` naming the symbol when unknown."""
        found = getattr(self, "loaded", {}).get(symbol)
        if found is None:
            raise ValidationError(self.unknown, field="symbol", value=symbol, fix=self.spelling)
        return found


class DataClient(ABC):
    """History and live market data of one venue."""

    venue: str

    async def connect(self) -> None:  # noqa: B027 - optional
        """Open connections (a stream's socket); the default needs none."""

    async def close(self) -> None:  # noqa: B027 - optional
        """Close connections; safe to call twice."""

    @abstractmethod
    async def history(
        self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, timeframe: str
    ) -> pd.DataFrame:
        """Bars ``[start, end)`` as a DataFrame (open, high, low, close, volume) indexed by the
        UTC start of each bar, ascending, without duplicates; pages through the venue's limits."""

    @abstractmethod
    def stream(
        self, symbols: Sequence[str], *, timeframe: str = "1m", quotes: bool = False,
        trades: bool = False,
    ) -> AsyncIterator[Bar | Tick]:
        """Completed bars (and quotes or trades when asked) as they arrive; reconnects by
        itself after a disconnect, never yields a bar twice or a bar that is not complete."""


class ExecutionClient(Broker):
    """A broker the trading core sends orders to (see the module doc for the rules)."""

    venue: str

    # not ``connect``: that name is Broker.connect(reports, symbols), which the router calls
    async def open(self) -> None:  # noqa: B027 - optional
        """Open the account's connections (a trade-updates stream, the report poller)."""

    async def close(self) -> None:  # noqa: B027 - optional
        """Close connections; safe to call twice."""

    @abstractmethod
    async def account_state(self, since_ns: int | None = None) -> VenueAccountState:
        """The account as the venue sees it now: cash, positions, open orders (and recent
        ended ones), and fills since ``since_ns`` (all it keeps when None)."""


@dataclass
class Venue:
    """One venue's three clients; ``name`` is what the CLI calls it (``alpaca``,
    ``ccxt:binance``, ``oanda``, ``robinhood``, ``paper``)."""

    name: str
    instruments: InstrumentProvider
    data: DataClient | None
    execution: ExecutionClient | None


__all__ = ["DataClient", "ExecutionClient", "InstrumentProvider", "Venue"]
