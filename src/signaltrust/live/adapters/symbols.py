"""Our symbols and the venues' own: ``BTC-USD`` <-> ``BTC/USD`` (CCXT), ``EUR_USD`` (OANDA).

Ours use letters, digits and ``.-_^=``; a pair is ``BASE-QUOTE``. Every mapping is exact in both
directions, and a symbol that cannot be mapped raises a ``ValidationError`` naming it.
"""

from __future__ import annotations

from signaltrust.core.errors import ValidationError


def _pair(symbol: str, venue: str) -> tuple[str, str]:
    base, sep, quote = symbol.partition("-")
    if not sep or not base or not quote or "-" in quote:
        raise ValidationError(
            f"{venue} trades pairs; {symbol!r} is not one", field="symbol", value=symbol,
            fix="write a pair as BASE-QUOTE, e.g. BTC-USD or EUR-USD",
        )
    return base.upper(), quote.upper()


def to_ccxt(symbol: str) -> str:
    """``BTC-USD`` -> ``BTC/USD`` (CCXT's unified spot symbol)."""
    base, quote = _pair(symbol, "a CCXT exchange")
    return f"{base}/{quote}"


def from_ccxt(symbol: str) -> str:
    """``BTC/USD`` -> ``BTC-USD``; a derivative's settle suffix (``:USDT``) is refused."""
    if ":" in symbol or symbol.count("/") != 1:
        raise ValidationError("only spot pairs map to our symbols", field="symbol",
                              value=symbol, fix="trade spot markets such as BTC/USDT")
    base, quote = symbol.split("/")
    return f"{base}-{quote}"


def to_oanda(symbol: str) -> str:
    """``EUR-USD`` -> ``EUR_USD`` (also accepts ``EURUSD``)."""
    text = symbol.upper()
    if "-" not in text and len(text) == 6 and text.isalpha():
        text = f"{text[:3]}-{text[3:]}"
    base, quote = _pair(text, "OANDA")
    return f"{base}_{quote}"


def from_oanda(name: str) -> str:
    """``EUR_USD`` -> ``EUR-USD``."""
    base, sep, quote = name.partition("_")
    if not sep:
        raise ValidationError("an OANDA instrument is BASE_QUOTE", field="instrument",
                              value=name, fix="use names such as EUR_USD")
    return f"{base}-{quote}"


def to_alpaca(symbol: str) -> str:
    """``AAPL`` stays ``AAPL``; ``BRK.B`` stays ``BRK.B``; a pair ``BTC-USD`` -> ``BTC/USD``."""
    return to_ccxt(symbol) if "-" in symbol else symbol.upper()


def from_alpaca(symbol: str) -> str:
    """``BTC/USD`` -> ``BTC-USD``; stocks are unchanged."""
    return symbol.replace("/", "-")


__all__ = ["from_alpaca", "from_ccxt", "from_oanda", "to_alpaca", "to_ccxt", "to_oanda"]
