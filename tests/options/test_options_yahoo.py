"""The Yahoo option-chain adapter on loopback, replaying answers in Yahoo's v7 format.

The payloads in golden/ follow Yahoo's ``/v7/finance/options`` answer field by field; they
were built offline (this machine has no network), with the quirks real answers have: a
contract listed twice, a quote without bid and ask, a far strike with a zero bid.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import BrokerError, ValidationError
from signaltrust.live.adapters.options_yahoo import YahooOptionChains, expiry_at_close
from signaltrust.live.adapters.plumbing import Plumbing
from tests.live.adapters.loopback import Answer, FakeTime, Loopback

GOLDEN = Path(__file__).parent / "golden"
PATH = "/v7/finance/options/SPY"


def golden(name: str):
    return json.loads((GOLDEN / name).read_text())


def _chain(server_setup, **call):
    async def main():
        async with Loopback() as server:
            server_setup(server)
            time = FakeTime(1_765_227_600 * 10**9)
            client = YahooOptionChains(server.url, plumbing=Plumbing(
                sleep=time.sleep, clock=time.clock, clock_ns=time.clock_ns, seed=1))
            try:
                return await client.chain("SPY", **call), server, time
            finally:
                await client.close()

    return asyncio.run(main())


def test_chain_when_yahoo_answers_then_quotes_are_ours_with_expiry_at_the_new_york_close():
    chain, _, _ = _chain(lambda s: s.json("GET", PATH, golden("yahoo_options_spy.json")))
    assert chain.symbol == "SPY" and chain.spot == 604.21
    assert chain.as_of == pd.Timestamp("2025-12-08T21:00Z")
    assert chain.expiries == [pd.Timestamp("2025-12-11T21:00Z")]  # 16:00 EST
    q = chain.quotes
    assert len(q) == 26 and set(q["kind"]) == {"call", "put"}
    assert q["contract"].is_unique  # the repeated contract keeps its latest trade
    repeated = q[q["contract"] == "SPY251211C00605000"].iloc[0]
    assert repeated["bid"] != 1.0
    missing = q[(q["kind"] == "put") & (q["strike"] == 560.0)].iloc[0]
    assert np.isnan(missing["bid"]) and np.isnan(missing["ask"])  # never a made-up zero


def test_chain_when_an_expiry_is_asked_then_it_is_fetched_by_its_epoch():
    wanted = expiry_at_close(1766016000)

    def setup(server):
        server.json("GET", PATH, golden("yahoo_options_spy.json"))
        server.on("GET", PATH, Answer(200, golden("yahoo_options_spy_20251218.json")),
                  when={"date": "1766016000"})

    chain, server, _ = _chain(setup, expiries=[wanted])
    assert chain.expiries == [wanted]
    assert [s.query.get("date") for s in server.calls("GET", PATH)] == [None, "1766016000"]


def test_chain_when_rate_limited_then_waits_retry_after_and_gets_the_answer():
    def setup(server):
        server.on("GET", PATH, Answer(429, {"finance": {"error": "Too Many Requests"}},
                                      headers={"Retry-After": "3"}),
                  Answer(200, golden("yahoo_options_spy.json")))

    chain, server, time = _chain(setup)
    assert len(server.calls("GET", PATH)) == 2 and 3.0 in time.slept
    assert len(chain.quotes) == 26


def test_chain_when_rate_limited_every_time_then_a_broker_error_says_so_after_the_retries():
    with pytest.raises(BrokerError, match="rate limited"):
        _chain(lambda s: s.on("GET", PATH, Answer(429, {"message": "slow down"})))


def test_chain_when_yahoo_has_no_such_symbol_then_validation_error_with_its_words():
    with pytest.raises(ValidationError, match="delisted") as err:
        _chain(lambda s: s.on("GET", PATH, Answer(404, golden("yahoo_options_unknown.json"))))
    assert err.value.field == "symbol"


def test_chain_when_expiry_is_not_listed_then_validation_error_lists_them():
    with pytest.raises(ValidationError, match="no such expiry"):
        _chain(lambda s: s.json("GET", PATH, golden("yahoo_options_spy.json")),
               expiries=[pd.Timestamp("2030-01-01T21:00Z")])


def test_recorded_chain_when_implied_vols_taken_then_close_to_yahoos_own():
    chain, _, _ = _chain(lambda s: s.json("GET", PATH, golden("yahoo_options_spy.json")))
    ivs = chain.implied_vols(rate=0.04, dividend=0.012)
    # three days out, far strikes have no bid: only the quotes near the money are fitted
    assert len(ivs) >= 6 and ivs.attrs["dropped"]["no two-sided quote"] >= 2
    assert np.allclose(ivs["iv"], ivs["venue_iv"], atol=0.03)
