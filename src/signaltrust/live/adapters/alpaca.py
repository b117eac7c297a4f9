"""Alpaca (US stocks and ETFs, and its crypto pairs) on alpaca-py, paper by default.

Endpoints: trading ``https://paper-api.alpaca.markets`` (``paper = false``:
``https://api.alpaca.markets``), market data ``https://data.alpaca.markets``, trade updates
``wss://paper-api.alpaca.markets/stream``; keys ``venues.alpaca.api_key`` and ``secret_key``
(or ``SIGNALTRUST__VENUES__ALPACA__API_KEY`` / ``..._SECRET_KEY``). The session, instruments
and bars are in :mod:`.alpaca_data`, orders and the trade-updates stream in
:mod:`.alpaca_trading`.
"""

from __future__ import annotations

from typing import Any

from signaltrust.live.adapters.alpaca_data import AlpacaData, AlpacaInstruments, AlpacaSession
from signaltrust.live.adapters.alpaca_trading import AlpacaExecution
from signaltrust.live.adapters.plumbing import Plumbing
from signaltrust.live.contract import Venue


def open_alpaca(settings: Any, plumbing: Plumbing | None = None) -> Venue:
    """The Alpaca venue from ``settings.venues.alpaca`` (paper unless ``paper = false``)."""
    session = AlpacaSession(settings, plumbing or Plumbing())
    return Venue("alpaca", AlpacaInstruments(session), AlpacaData(session),
                 AlpacaExecution(session))


__all__ = ["open_alpaca"]
