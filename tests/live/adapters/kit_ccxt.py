"""CCXT exchanges' recordings (shapes of each exchange's REST and WebSocket API reference),
served from loopback by moving ccxt's URLs there (``api_url`` / ``ws_url``)."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import parse_qs

from pydantic import SecretStr

from signaltrust.core.config import CcxtSettings
from signaltrust.live.adapters.ccxt import open_ccxt
from signaltrust.live.adapters.plumbing import Plumbing
from tests.live.adapters.kits import Expected, Kit, with_cid
from tests.live.adapters.loopback import DROP, Answer, FakeTime, Loopback, golden


def frames(name: str) -> list[list]:
    connections = golden(name)["connections"]
    return [[DROP if f == "DROP" else f for f in frames] for frames in connections]


class CcxtKit(Kit):
    exchange = ""
    key = ""
    secret = ""
    markets: tuple[str, str] = ("", "")  # route, golden file
    ws_prefix = ""

    def open(self, server: Loopback, time: FakeTime, **overrides):
        if ("GET", self.markets[0]) not in server.routes:  # a scenario may have scripted it
            server.on("GET", self.markets[0], Answer(200, golden(self.markets[1])))
        config = CcxtSettings(api_key=SecretStr(self.key), secret=SecretStr(self.secret),
                              api_url=server.url, ws_url=server.ws_url + self.ws_prefix,
                              **{"retries": 3, **overrides})
        venue = open_ccxt(self.exchange, config, Plumbing(
            sleep=time.sleep, clock=time.clock, clock_ns=time.clock_ns, seed=7,
            poll_interval_s=0))
        venue.data.page = 3
        return venue

    def script_instruments(self, server, *first):
        server.on("GET", self.markets[0], *first, Answer(200, golden(self.markets[1])))


BINANCE_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


class BinanceKit(CcxtKit):
    exchange = "binance"
    key, secret = BINANCE_KEY, BINANCE_SECRET
    markets = ("/api/v3/exchangeInfo", "binance/exchange_info.json")
    ws_prefix = "/stream"  # ccxt tells Binance's spot streams from futures by "/stream" in the URL

    def __init__(self) -> None:
        super().__init__(
            name="ccxt:binance", symbol="BTC-USDT", secrets=(BINANCE_KEY,),  # the secret only signs
            history_index=tuple(f"2024-01-02T15:0{i}:00Z" for i in range(5)),
            stream_index=("2024-01-02T15:03:00Z", "2024-01-02T15:04:00Z",
                          "2024-01-02T15:05:00Z"),
        )

    def open(self, server, time, **overrides):
        venue = super().open(server, time, **overrides)
        server.on("GET", "/api/v3/account", Answer(200, golden("binance/account.json")))
        server.on("GET", "/api/v3/openOrders", Answer(200, []))
        return venue

    def script_history(self, server):
        server.on("GET", "/api/v3/klines", Answer(200, golden("binance/klines_page1.json")),
                  Answer(200, golden("binance/klines_page2.json")))

    def script_stream(self, server):
        server.ws("/stream/ws/0", *frames("binance/kline_stream.json"))

    def script_fill(self, server, cid):
        server.on("POST", "/api/v3/order",
                  Answer(200, with_cid("binance/order_market_filled.json", cid)))
        return Expected("3315442", Decimal("45002.01"), Decimal("0.00001"), "28457")

    def script_resting(self, server, cid):
        server.on("POST", "/api/v3/order", Answer(200, with_cid("binance/order_limit_new.json",
                                                                cid)))

    def script_cancel(self, server, cid):
        server.on("DELETE", "/api/v3/order", Answer(200, with_cid("binance/order_cancel.json",
                                                                  cid)))

    def script_reject(self, server, cid):
        self.script_instruments(server)  # ccxt loads the markets before it places an order
        server.on("POST", "/api/v3/order", Answer(400, golden("binance/reject_balance.json")))
        return "insufficient balance"

    def script_unanswered(self, server, cid, *first):
        server.on("POST", "/api/v3/order", *first,
                  Answer(400, golden("binance/reject_duplicate.json")))
        server.on("GET", "/api/v3/order", Answer(200, with_cid("binance/order_query_filled.json",
                                                               cid)))
        server.on("GET", "/api/v3/myTrades", Answer(200, golden("binance/my_trades.json")))
        return Expected("3315442", Decimal("45002.01"), Decimal("0.00001"), "28457")

    def order_calls(self, server):
        return server.calls("POST", "/api/v3/order")

    def sent_client_id(self, seen):
        fields = {**parse_qs(seen.body), **{k: [v] for k, v in seen.query.items()}}
        return fields["newClientOrderId"][0]
