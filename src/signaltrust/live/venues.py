"""Venues by name: which keys each needs, and opening its adapter on the paper or live endpoint.

Names: ``alpaca``, ``oanda``, ``robinhood`` and ``ccxt.<exchange>`` (``ccxt.binance``,
``ccxt.kraken``, ...). Keys come from the configuration's ``[venues]`` section, which also reads
the environment (``SIGNALTRUST__VENUES__ALPACA__API_KEY``, ...); they stay ``SecretStr``.
"""

from __future__ import annotations

import importlib
from typing import Any

from signaltrust.core.errors import ValidationError

#: the keys each venue needs, by its settings' field names
REQUIRED_KEYS = {
    "alpaca": ("api_key", "secret_key"),
    "oanda": ("token", "account_id"),
    "robinhood": ("api_key", "private_key"),
    "ccxt": ("api_key", "secret"),
}
#: where each adapter's opener lives (module, function)
OPENERS = {
    "alpaca": ("signaltrust.live.adapters.alpaca", "open_alpaca"),
    "oanda": ("signaltrust.live.adapters.oanda", "open_oanda"),
    "robinhood": ("signaltrust.live.adapters.robinhood", "open_robinhood"),
    "ccxt": ("signaltrust.live.adapters.ccxt", "open_ccxt"),
}


def _split(name: str) -> tuple[str, str | None]:
    family, _, exchange = name.partition(".")
    if family not in REQUIRED_KEYS or (family == "ccxt") != bool(exchange):
        raise ValidationError(
            "unknown broker", field="broker", value=name,
            fix="use alpaca, oanda, robinhood or ccxt.<exchange> (e.g. ccxt.kraken); "
            "paper trading needs no broker: signaltrust paper",
        )
    return family, exchange or None


def venue_settings(name: str, settings: Any) -> Any:
    """The ``[venues]`` section of the venue ``name`` (None for an unconfigured exchange)."""
    family, exchange = _split(name)
    venues = settings.venues
    if family == "ccxt":
        return venues.ccxt.get(exchange)
    return getattr(venues, family)


def missing_keys(name: str, settings: Any) -> list[str]:
    """The keys the venue needs that the configuration and environment do not give."""
    family, _ = _split(name)
    section = venue_settings(name, settings)
    lacking = []
    for key in REQUIRED_KEYS[family]:
        value = None if section is None else getattr(section, key, None)
        text = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        if not text:
            lacking.append(key)
    return lacking


def open_venue(name: str, settings: Any, *, paper: bool = True) -> Any:
    """The :class:`~signaltrust.live.contract.Venue` of ``name``: its paper or practice
    endpoint unless ``paper=False``."""
    family, exchange = _split(name)
    module_name, opener = OPENERS[family]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValidationError(
            f"the {family} adapter cannot load ({exc})", field="broker", value=name,
            fix="install SignalTrust with its venue dependencies (pip install signaltrust)",
        ) from None
    section = venue_settings(name, settings)
    flag = {"alpaca": "paper", "oanda": "practice", "ccxt": "sandbox"}.get(family)
    if flag is not None and section is not None:
        section = section.model_copy(update={flag: paper})
        venues = settings.venues
        if family == "ccxt":
            venues = venues.model_copy(update={"ccxt": {**venues.ccxt, exchange: section}})
        else:
            venues = venues.model_copy(update={family: section})
        settings = settings.model_copy(update={"venues": venues})
    open_fn = getattr(module, opener)
    return open_fn(settings, exchange) if family == "ccxt" else open_fn(settings)


__all__ = ["OPENERS", "REQUIRED_KEYS", "missing_keys", "open_venue", "venue_settings"]
