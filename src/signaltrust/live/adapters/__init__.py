"""Venue adapters: Alpaca, CCXT exchanges, OANDA and Robinhood crypto behind one contract
(:mod:`signaltrust.live.contract`), opened by name with :func:`open_venue`."""

from __future__ import annotations

from typing import Any

VENUES = ("alpaca", "ccxt:<exchange>", "oanda", "robinhood")


def open_venue(name: str, venues: Any, plumbing: Any = None):
    """The venue called ``name`` (``alpaca``, ``ccxt:binance``, ``oanda``, ``robinhood``) from the
    ``[venues]`` settings (``load_settings().venues``); a ``ValidationError`` for other names
    and a ``ConfigError`` naming the missing key."""
    from signaltrust.core.errors import ValidationError

    text = name.strip().lower()
    if text == "alpaca":
        from signaltrust.live.adapters.alpaca import open_alpaca

        return open_alpaca(venues.alpaca, plumbing)
    if text == "oanda":
        from signaltrust.live.adapters.oanda import open_oanda

        return open_oanda(venues.oanda, plumbing)
    if text == "robinhood":
        from signaltrust.live.adapters.robinhood import open_robinhood

        return open_robinhood(venues.robinhood, plumbing)
    if text.startswith("ccxt:") and len(text) > 5:
        from signaltrust.core.config import CcxtSettings
        from signaltrust.live.adapters.ccxt import open_ccxt

        exchange = text.split(":", 1)[1]
        return open_ccxt(exchange, venues.ccxt.get(exchange) or CcxtSettings(), plumbing)
    raise ValidationError("unknown venue", field="venue", value=name,
                          fix=f"use one of {', '.join(VENUES)}")


__all__ = ["VENUES", "open_venue"]
