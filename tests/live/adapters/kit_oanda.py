"""OANDA v20 recordings (examples of developer.oanda.com's REST-V20 reference)."""

from __future__ import annotations

import json
from decimal import Decimal

from pydantic import SecretStr

from signaltrust.core.config import OandaSettings
from signaltrust.live.adapters.oanda import open_oanda
from signaltrust.live.adapters.plumbing import Plumbing
from tests.live.adapters.kits import Expected, Kit, with_cid
from tests.live.adapters.loopback import Answer, FakeTime, Loopback, golden

ACCOUNT = "101-004-1435156-001"
TOKEN = "f1e2d3c4b5a6-oanda-token-0987"
BASE = f"/v3/accounts/{ACCOUNT}"
CANDLES = "/v3/instruments/EUR_USD/candles"


class OandaKit(Kit):
    def __init__(self) -> None:
        super().__init__(
            name="oanda", symbol="EUR-USD", secrets=(TOKEN,),
            history_index=tuple(f"2024-01-02T15:0{i}:00Z" for i in range(5)),
            stream_index=("2024-01-02T15:03:00Z", "2024-01-02T15:04:00Z",
                          "2024-01-02T15:05:00Z"),
        )

    def open(self, server: Loopback, time: FakeTime, **settings):
        config = OandaSettings(token=SecretStr(TOKEN), account_id=ACCOUNT, api_url=server.url,
                               stream_url=server.url, **{"retries": 3, **settings})
        venue = open_oanda(config, Plumbing(sleep=time.sleep, clock=time.clock,
                                            clock_ns=time.clock_ns, seed=7,
                                            poll_interval_s=0))
        venue.data.page = 3
        return venue

    def script_instruments(self, server, *first):
        server.on("GET", f"{BASE}/instruments", *first, Answer(200, golden("oanda/instruments.json")))

    def script_history(self, server):
        server.on("GET", CANDLES, Answer(200, golden("oanda/candles_page1.json")),
                  Answer(200, golden("oanda/candles_page2.json")))

    def script_stream(self, server):
        page1, page2 = golden("oanda/candles_page1.json"), golden("oanda/candles_page2.json")
        last = dict(page2["candles"][-1], time="2024-01-02T15:05:00.000000000Z")
        forming = dict(last, complete=False)
        server.on(
            "GET", CANDLES,
            # 15:05:30: 15:03 and 15:04 complete, 15:05 still forming (not yielded)
            Answer(200, {**page2, "candles": [page2["candles"][0], page2["candles"][1], forming]}),
            Answer(drop=True),                                  # the connection drops
            # after the reconnect: 15:04 again (a duplicate), 15:02 (out of order), 15:05 done
            Answer(200, {**page2, "candles": [page2["candles"][1], page1["candles"][2], last]}),
        )

    def script_fill(self, server, cid):
        server.on("POST", f"{BASE}/orders", Answer(201, with_cid("oanda/order_market_filled.json", cid)))
        return Expected("6357", Decimal("1.09884"), Decimal("0.0000"), "6356")

    def script_resting(self, server, cid):
        server.on("POST", f"{BASE}/orders", Answer(201, with_cid("oanda/order_limit_created.json", cid)))

    def script_cancel(self, server, cid):
        server.on("PUT", f"{BASE}/orders/@{cid}/cancel", Answer(200, with_cid("oanda/order_cancel.json", cid)))

    def script_reject(self, server, cid):
        server.on("POST", f"{BASE}/orders", Answer(400, with_cid("oanda/order_reject_margin.json", cid)))
        return "Insufficient margin"

    def script_unanswered(self, server, cid, *first):
        server.on("POST", f"{BASE}/orders", *first,
                  Answer(400, with_cid("oanda/order_reject_duplicate.json", cid)))
        server.on("GET", f"{BASE}/orders/@{cid}", Answer(200, with_cid("oanda/order_by_client_id.json", cid)))
        server.on("GET", f"{BASE}/transactions/6357", Answer(200, with_cid("oanda/transaction_fill.json", cid)))
        server.on("GET", BASE, Answer(200, golden("oanda/account.json")))
        return Expected("6357", Decimal("1.09884"), Decimal("0.0000"), "6356")

    def order_calls(self, server):
        return server.calls("POST", f"{BASE}/orders")

    def sent_client_id(self, seen):
        return json.loads(seen.body)["order"]["clientExtensions"]["id"]
