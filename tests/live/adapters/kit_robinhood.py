"""Robinhood crypto trading API recordings (shapes of docs.robinhood.com/crypto/trading)."""

from __future__ import annotations

import json
from decimal import Decimal

from pydantic import SecretStr

from signaltrust.core.config import RobinhoodSettings
from signaltrust.live.adapters.plumbing import Plumbing
from signaltrust.live.adapters.robinhood import client_uuid, open_robinhood
from tests.live.adapters.kits import Expected, Kit
from tests.live.adapters.loopback import Answer, FakeTime, Loopback, golden

API_KEY = "rh-api-4f2a9c1e-7b3d-4e8f-a6c5-1d2e3f4a5b6c"
PRIVATE_KEY = "xQmXh3GtE3cM3bRr0S6Dq1mZrJ4n8cKpU0Y4e5Lw7aA="  # a base64 ed25519 seed (32 bytes)
TRADING = "/api/v1/crypto/trading"
OID = "65a1b2c3-4d5e-4f60-8a71-92b3c4d5e6f7"


def with_uuid(name: str, cid: str):
    """A recording with the UUID we send for ``cid`` where it has ``CID``."""
    return json.loads(json.dumps(golden(name)).replace('"CID"', json.dumps(client_uuid(cid))))


class RobinhoodKit(Kit):
    def __init__(self) -> None:
        super().__init__(name="robinhood", symbol="BTC-USD", secrets=(API_KEY,),
                         has_bars=False, poll_for_fills=True)

    def open(self, server: Loopback, time: FakeTime, **overrides):
        config = RobinhoodSettings(api_key=SecretStr(API_KEY), private_key=SecretStr(PRIVATE_KEY),
                                   api_url=server.url, **{"retries": 3, **overrides})
        return open_robinhood(config, Plumbing(sleep=time.sleep, clock=time.clock,
                                               clock_ns=time.clock_ns, seed=7,
                                               poll_interval_s=0))

    def script_instruments(self, server, *first):
        server.on("GET", f"{TRADING}/trading_pairs/", *first,
                  Answer(200, golden("robinhood/trading_pairs.json")))

    def _filled(self, server, cid):
        server.on("GET", f"{TRADING}/orders/", Answer(200, with_uuid("robinhood/orders_filled.json",
                                                                     cid)))
        server.on("GET", f"{TRADING}/accounts/", Answer(200, golden("robinhood/account.json")))
        server.on("GET", f"{TRADING}/holdings/", Answer(200, golden("robinhood/holdings.json")))
        # one execution, keyed by the order and the cumulative quantity after it
        return Expected(f"{OID}:0.01", Decimal("45012.33"), Decimal("0"), OID)

    def script_fill(self, server, cid):
        server.on("POST", f"{TRADING}/orders/",
                  Answer(201, with_uuid("robinhood/order_market_open.json", cid)))
        return self._filled(server, cid)

    def script_resting(self, server, cid):
        server.on("POST", f"{TRADING}/orders/",
                  Answer(201, with_uuid("robinhood/order_limit_open.json", cid)))

    def script_cancel(self, server, cid):
        server.on("POST", f"{TRADING}/orders/{OID}/cancel/",
                  Answer(200, f"Cancel request was submitted for order {OID}"))
        server.on("GET", f"{TRADING}/orders/",
                  Answer(200, with_uuid("robinhood/orders_canceled.json", cid)))

    def script_reject(self, server, cid):
        server.on("POST", f"{TRADING}/orders/",
                  Answer(400, golden("robinhood/reject_buying_power.json")))
        return "insufficient buying power"

    def script_unanswered(self, server, cid, *first):
        server.on("POST", f"{TRADING}/orders/", *first,
                  Answer(400, golden("robinhood/reject_duplicate.json")))
        return self._filled(server, cid)

    def order_calls(self, server):
        return server.calls("POST", f"{TRADING}/orders/")

    def sent_client_id(self, seen):
        sent = json.loads(seen.body)["client_order_id"]
        return "st-5" if sent == client_uuid("st-5") else sent
