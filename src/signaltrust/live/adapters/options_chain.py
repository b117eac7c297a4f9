"""The option-chain part of the venue contract: a client that fetches an underlying's chain.

It sits beside :class:`~signaltrust.live.contract.DataClient` (bars and ticks) for venues
that quote options (a broker's chain endpoint, Yahoo's options API). ``chain`` answers an
:class:`~signaltrust.options.chain.OptionChain` in our symbols and units (UTC expiries at the
close, prices per share, vols as fractions) and raises the errors of ``live.http`` for what
the network did: ``RateLimitedError`` after the retries, ``DefinitiveBrokerError`` for a
refusal, ``ValidationError`` for an underlying the venue has no options on.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import pandas as pd

from signaltrust.options.chain import OptionChain


class OptionChainClient(ABC):
    """Option chains of one venue."""

    venue: str

    async def close(self) -> None:  # noqa: B027 - optional
        """Close connections; safe to call twice."""

    @abstractmethod
    async def expiries(self, symbol: str) -> list[pd.Timestamp]:
        """Listed expiries of ``symbol``'s options (UTC, at the close), soonest first."""

    @abstractmethod
    async def chain(self, symbol: str,
                    expiries: Sequence[pd.Timestamp] | None = None) -> OptionChain:
        """Every quoted contract of ``symbol`` for ``expiries`` (default: the nearest)."""


__all__ = ["OptionChainClient"]
