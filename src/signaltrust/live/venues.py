"""Venues by name: which keys each needs, and opening its adapter on the paper or live endpoint.

Names: ``alpaca``, ``oanda``, ``robinhood`` and ``ccxt.<exchange>`` (``ccxt.binance``,
``ccxt.kraken``, ...). Keys come from the configuration's ``[venues]`` section, which also reads
the environment (``SIGNALTRUST__VENUES__ALPACA__API_KEY``, ...); they stay ``SecretStr``.
"""

from __future__ import annotations

from typing import Any

from signaltrust.core.errors import ValidationError

#: the keys each venue needs, by its settings' field names
REQUIRED_KEYS = {
    "alpaca": ("api_key", "secret_key"),
    "oanda": ("token", "account_id"),
    "robinhood": ("api_key", "private_key"),
    "ccxt": ("api_key", "secret"),
}


def _split(name: str) -> tuple[str, str | None]:
    family, _, exchange = name.strip().lower().replace(":", ".").partition(".")
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


def _has_sandbox(exchange: str | None) -> bool:
    import ccxt

    factory = getattr(ccxt, str(exchange), None)
    if factory is None:
        raise ValidationError("ccxt has no such exchange", field="broker",
                              value=f"ccxt.{exchange}", fix="use a ccxt exchange id, e.g. kraken")
    return bool(factory().urls.get("test"))


def open_venue(name: str, settings: Any, *, paper: bool = True) -> Any:
    """The :class:`~signaltrust.live.contract.Venue` of ``name`` (``ccxt.kraken`` or
    ``ccxt:kraken``): its paper, practice or sandbox endpoint unless ``paper=False``."""
    from signaltrust.live.adapters import open_venue as open_adapter

    family, exchange = _split(name)
    if family == "ccxt" and paper and not _has_sandbox(exchange):
        raise ValidationError(
            f"{exchange} has no sandbox (testnet) endpoint", field="broker", value=name,
            fix="paper-trade with `signaltrust paper` (no keys), or pass --real to trade real "
            "money on it",
        )
    section = venue_settings(name, settings)
    flag = {"alpaca": "paper", "oanda": "practice", "ccxt": "sandbox"}.get(family)
    venues = settings.venues
    if flag is not None and section is not None:
        section = section.model_copy(update={flag: paper})
        if family == "ccxt":
            venues = venues.model_copy(update={"ccxt": {**venues.ccxt, exchange: section}})
        else:
            venues = venues.model_copy(update={family: section})
    return open_adapter(f"ccxt:{exchange}" if family == "ccxt" else family, venues)


__all__ = ["REQUIRED_KEYS", "missing_keys", "open_venue", "venue_settings"]
