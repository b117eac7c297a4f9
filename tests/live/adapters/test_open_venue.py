"""Opening a venue by the name the CLI uses."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from signaltrust.core.config import VenuesSettings
from signaltrust.core.errors import ConfigError, ValidationError
from signaltrust.live.adapters import open_venue
from tests.live.adapters.kit_robinhood import API_KEY, PRIVATE_KEY


def test_open_venue_when_named_then_that_adapter_with_its_name():
    venues = VenuesSettings.model_validate({
        "alpaca": {"api_key": "PKTEST1234", "secret_key": "s3cret-abcd"},
        "robinhood": {"api_key": API_KEY, "private_key": PRIVATE_KEY},
        "oanda": {"token": "tok-123456", "account_id": "101-004-1-001"},
        "ccxt": {"kraken": {"api_key": "kr-key-1234", "secret": "c2VjcmV0c2VjcmV0"}},
    })
    names = [open_venue(n, venues).name for n in ("alpaca", "robinhood", "oanda", "ccxt:kraken",
                                                   "CCXT:Binance")]
    assert names == ["alpaca", "robinhood", "oanda", "ccxt:kraken", "ccxt:binance"]
    assert isinstance(venues.robinhood.private_key, SecretStr)
    kraken = open_venue("ccxt:kraken", venues)
    assert kraken.execution is not None
    asyncio.run(kraken.data.close())


def test_open_venue_when_the_name_is_unknown_then_validation_error_lists_them():
    with pytest.raises(ValidationError, match="unknown venue") as info:
        open_venue("ibkr", VenuesSettings())
    assert "ccxt:<exchange>" in str(info.value.fix)


def test_open_venue_when_keys_are_missing_then_config_error_names_the_key():
    with pytest.raises(ConfigError, match="venues.robinhood.api_key"):
        open_venue("robinhood", VenuesSettings())
