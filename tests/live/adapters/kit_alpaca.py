"""Alpaca recordings (shapes of docs.alpaca.markets' trading and market-data API reference)."""

from __future__ import annotations

import json
from decimal import Decimal

from pydantic import SecretStr

from signaltrust.core.config import AlpacaSettings
from signaltrust.live.adapters.alpaca import open_alpaca
from signaltrust.live.adapters.plumbing import Plumbing
from tests.live.adapters.kits import Expected, Kit, with_cid
from tests.live.adapters.loopback import Answer, FakeTime, Loopback, golden

KEY = "PKTEST7Q2W3E4R5T6Y7U"
SECRET = "alpacasecret-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c"
OID = "61e69015-8549-4bfd-b9c3-01e75843f47d"
FILL_ID = f"{OID}:100"  # the order and its cumulative quantity after the fill
BARS = "/v2/stocks/bars"


def settings(server: Loopback, **overrides) -> AlpacaSettings:
    return AlpacaSettings(api_key=SecretStr(KEY), secret_key=SecretStr(SECRET),
                          trading_url=server.url, data_url=server.url,
                          trading_stream_url=server.ws_url + "/stream",
                          **{"retries": 3, **overrides})


def plumbing(time: FakeTime) -> Plumbing:
    return Plumbing(sleep=time.sleep, clock=time.clock, clock_ns=time.clock_ns, seed=7,
                    poll_interval_s=0)


class AlpacaKit(Kit):
    def __init__(self) -> None:
        super().__init__(
            name="alpaca", symbol="AAPL", secrets=(KEY, SECRET), poll_for_fills=True,
            history_index=tuple(f"2024-01-02T15:0{i}:00Z" for i in range(5)),
            stream_index=("2024-01-02T15:03:00Z", "2024-01-02T15:04:00Z",
                          "2024-01-02T15:05:00Z"),
        )

    def open(self, server: Loopback, time: FakeTime, **overrides):
        return open_alpaca(settings(server, **overrides), plumbing(time))

    def script_instruments(self, server, *first):
        server.on("GET", "/v2/assets", *first, Answer(200, golden("alpaca/assets.json")))

    def script_history(self, server):
        server.on("GET", BARS, Answer(200, golden("alpaca/bars_page1.json")),
                  Answer(200, golden("alpaca/bars_page2.json")))

    def script_stream(self, server):
        page1, page2 = golden("alpaca/bars_page1.json"), golden("alpaca/bars_page2.json")
        b = page2["bars"]["AAPL"]
        forming = dict(b[3], c=185.58, v=4100)  # 15:05 while it still forms
        server.on(
            "GET", BARS,
            Answer(200, {"bars": {"AAPL": [b[1], b[2], forming]}, "next_page_token": None}),
            Answer(drop=True),
            # after the drop: 15:04 again, 15:02 out of order, 15:05 complete
            Answer(200, {"bars": {"AAPL": [b[2], page1["bars"]["AAPL"][2], b[3]]},
                         "next_page_token": None}),
        )

    def _poll_answers(self, server, cid):
        server.on("GET", "/v2/account", Answer(200, golden("alpaca/account.json")))
        server.on("GET", "/v2/positions", Answer(200, golden("alpaca/positions.json")))
        server.on("GET", "/v2/orders", Answer(200, [with_cid("alpaca/order_market_filled.json",
                                                             cid)]))
        server.on("GET", "/v2/account/activities/FILL",
                  Answer(200, golden("alpaca/activities_fill.json")))

    def script_fill(self, server, cid):
        server.on("POST", "/v2/orders",
                  Answer(200, with_cid("alpaca/order_market_accepted.json", cid)))
        self._poll_answers(server, cid)
        return Expected(FILL_ID, Decimal("185.64"), Decimal("0"), OID)

    def script_resting(self, server, cid):
        server.on("POST", "/v2/orders", Answer(200, with_cid("alpaca/order_limit_new.json", cid)))

    def script_cancel(self, server, cid):
        server.on("DELETE", f"/v2/orders/{OID}", Answer(204, None))
        server.on("GET", f"/v2/orders/{OID}",
                  Answer(200, with_cid("alpaca/order_limit_canceled.json", cid)))

    def script_reject(self, server, cid):
        server.on("POST", "/v2/orders", Answer(403, golden("alpaca/reject_buying_power.json")))
        return "insufficient buying power"

    def script_unanswered(self, server, cid, *first):
        server.on("POST", "/v2/orders", *first,
                  Answer(422, golden("alpaca/reject_duplicate.json")))
        server.on("GET", "/v2/orders:by_client_order_id",
                  Answer(200, with_cid("alpaca/order_market_filled.json", cid)))
        self._poll_answers(server, cid)
        return Expected(FILL_ID, Decimal("185.64"), Decimal("0"), OID)

    def order_calls(self, server):
        return server.calls("POST", "/v2/orders")

    def sent_client_id(self, seen):
        return json.loads(seen.body)["client_order_id"]
