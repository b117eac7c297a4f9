"""Instrument and asset class: what is traded, where, and in which units."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator


class AssetClass(StrEnum):
    """Broad class of an instrument; decides the default trading calendar."""

    EQUITY = "equity"
    INDEX = "index"
    ETF = "etf"
    FX = "fx"
    CRYPTO = "crypto"
    COMMODITY = "commodity"
    FUTURE = "future"
    BOND = "bond"
    RATE = "rate"
    MACRO = "macro"


class Instrument(BaseModel):
    """A tradable (or observable) instrument: symbol, venue, asset class and contract units.

    >>> Instrument(symbol="GOOG", venue="XNAS", asset_class="equity")
    Instrument(symbol='GOOG', venue='XNAS', asset_class=<AssetClass.EQUITY: 'equity'>, ...)
    """

    model_config = ConfigDict(frozen=True)

    symbol: str = Field(min_length=1, max_length=64)
    venue: str = Field(default="SIM", min_length=1, max_length=32)
    asset_class: AssetClass = AssetClass.EQUITY
    currency: str = Field(default="USD", min_length=3, max_length=5)
    tick_size: Decimal = Field(default=Decimal("0.01"), gt=0)
    lot_size: Decimal = Field(default=Decimal("1"), gt=0)
    multiplier: Decimal = Field(default=Decimal("1"), gt=0)
    calendar: str | None = None

    @field_validator("symbol", "venue")
    @classmethod
    def _no_path_characters(cls, value: str) -> str:
        bad = set(value) & set('/\\:*?"<>|\n\t ')
        if bad:
            raise ValueError(
                f"{value!r} contains {''.join(sorted(bad))!r}; use letters, digits, '.', '-', '_', '^' or '='"
            )
        return value

    @field_validator("currency")
    @classmethod
    def _upper_currency(cls, value: str) -> str:
        return value.upper()

    @property
    def key(self) -> str:
        """Stable identifier used by stores: ``SYMBOL.VENUE``."""
        return f"{self.symbol}.{self.venue}"

    def __repr__(self) -> str:  # compact, for logs and doctests
        return (
            f"Instrument(symbol={self.symbol!r}, venue={self.venue!r}, "
            f"asset_class={self.asset_class!r}, ...)"
        )
