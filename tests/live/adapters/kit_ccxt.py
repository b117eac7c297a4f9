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
    markets: tuple[tuple[str, str], ...] = ()  # (route, golden file) ccxt loads markets from
    method = "GET"
    ws_prefix = ""

    def open(self, server: Loopback, time: FakeTime, **overrides):
        for route, name in self.markets:
            if (self.method, route) not in server.routes:  # a scenario may have scripted it
                server.on(self.method, route, Answer(200, golden(name)))
        config = CcxtSettings(api_key=SecretStr(self.key), secret=SecretStr(self.secret),
                              api_url=server.url, ws_url=server.ws_url + self.ws_prefix,
                              **{"retries": 3, **overrides})
        venue = open_ccxt(self.exchange, config, Plumbing(
            sleep=time.sleep, clock=time.clock, clock_ns=time.clock_ns, seed=7,
            poll_interval_s=0))
        venue.data.page = 3
        return venue

    def script_instruments(self, server, *first):
        route, name = self.markets[0]
        server.on(self.method, route, *first, Answer(200, golden(name)))


BINANCE_KEY = "vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A"
BINANCE_SECRET = "NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j"


class BinanceKit(CcxtKit):
    exchange = "binance"
    key, secret = BINANCE_KEY, BINANCE_SECRET
    markets = (("/api/v3/exchangeInfo", "binance/exchange_info.json"),)
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


KRAKEN_KEY = "Kq7x0rQ3pN4mT8vB2cL6yH1sD9fG5jW0eR3tY7uI2oP4aS6dF8gH1jK"
KRAKEN_SECRET = ("kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6"
                 "F1huXg==")
PRIVATE = "/0/private/"


class KrakenKit(CcxtKit):
    exchange = "kraken"
    key, secret = KRAKEN_KEY, KRAKEN_SECRET
    markets = (("/0/public/Assets", "kraken/assets.json"),
               ("/0/public/AssetPairs", "kraken/asset_pairs.json"))

    def __init__(self) -> None:
        super().__init__(
            name="ccxt:kraken", symbol="BTC-USD", secrets=(KRAKEN_KEY,), poll_for_fills=True,
            rate_limit_wait=3.0,  # Kraken names no wait: the adapter's documented pause
            history_index=tuple(f"2024-01-02T15:0{i}:00Z" for i in range(5)),
            stream_index=("2024-01-02T15:03:00Z", "2024-01-02T15:04:00Z",
                          "2024-01-02T15:05:00Z"),
        )

    def open(self, server, time, **overrides):
        venue = super().open(server, time, **overrides)
        server.on("POST", PRIVATE + "BalanceEx", Answer(200, golden("kraken/balance_ex.json")))
        server.on("POST", PRIVATE + "OpenOrders",
                  Answer(200, golden("kraken/open_orders_empty.json")))
        return venue

    def script_instruments(self, server, *first):
        # Kraken says "rate limited" in a 200 answer's error list
        first = tuple(Answer(200, golden("kraken/rate_limited.json")) if a.status == 429 else a
                      for a in first)
        super().script_instruments(server, *first)

    def script_history(self, server):
        server.on("GET", "/0/public/OHLC", Answer(200, golden("kraken/ohlc_page1.json")),
                  Answer(200, golden("kraken/ohlc_page2.json")))

    def script_stream(self, server):
        server.ws("/v2", *frames("kraken/ohlc_stream.json"))

    def _filled(self, server, cid):
        server.on("POST", PRIVATE + "ClosedOrders",
                  Answer(200, with_cid("kraken/closed_orders_filled.json", cid)))
        server.on("POST", PRIVATE + "TradesHistory",
                  Answer(200, golden("kraken/trades_history.json")))
        return Expected("TCCCTY-WE2O6-P3NB37", Decimal("45002.0"), Decimal("1.17"),
                        "OUF4EM-FRGI2-MQMWZD")

    def script_fill(self, server, cid):
        server.on("POST", PRIVATE + "AddOrder", Answer(200, golden("kraken/add_order_market.json")))
        return self._filled(server, cid)

    def script_resting(self, server, cid):
        server.on("POST", PRIVATE + "AddOrder", Answer(200, golden("kraken/add_order_limit.json")))

    def script_cancel(self, server, cid):
        server.on("POST", PRIVATE + "CancelOrder", Answer(200, golden("kraken/cancel_order.json")))
        server.on("POST", PRIVATE + "ClosedOrders",
                  Answer(200, with_cid("kraken/closed_orders_canceled.json", cid)))

    def script_reject(self, server, cid):
        self.script_instruments(server)
        server.on("POST", PRIVATE + "AddOrder", Answer(200, golden("kraken/reject_funds.json")))
        return "insufficient funds"

    def script_unanswered(self, server, cid, *first):
        server.on("POST", PRIVATE + "AddOrder", *first,
                  Answer(200, golden("kraken/reject_duplicate.json")))
        return self._filled(server, cid)

    def order_calls(self, server):
        return server.calls("POST", PRIVATE + "AddOrder")

    def sent_client_id(self, seen):
        return parse_qs(seen.body)["cl_ord_id"][0]


COINBASE_KEY = "Lg8bRkP2nV4xT7qL1mZc"  # a legacy (HMAC) key; CDP keys sign a JWT
COINBASE_SECRET = "cbsecret-5Xq2Lr9WmT4kN7pB1vC8zH3dJ6fG0sA"
BROKERAGE = "/api/v3/brokerage"
CB_OID = "52cfe5e2-0b29-4c19-a245-a6a773de5030"


class CoinbaseKit(CcxtKit):
    exchange = "coinbase"
    key, secret = COINBASE_KEY, COINBASE_SECRET
    markets = ((BROKERAGE + "/market/products", "coinbase/products.json"),
               ("/v2/currencies", "coinbase/currencies.json"),
               ("/v2/currencies/crypto", "coinbase/currencies_crypto.json"),
               ("/v2/exchange-rates", "coinbase/exchange_rates.json"),
               (BROKERAGE + "/transaction_summary", "coinbase/transaction_summary.json"))

    def __init__(self) -> None:
        super().__init__(
            name="ccxt:coinbase", symbol="BTC-USD", secrets=(COINBASE_KEY,), poll_for_fills=True,
            history_index=tuple(f"2024-01-02T15:0{i}:00Z" for i in range(5)),
            stream_index=("2024-01-02T15:03:00Z", "2024-01-02T15:04:00Z",
                          "2024-01-02T15:05:00Z"),
        )

    def open(self, server, time, **overrides):
        server.on("GET", BROKERAGE + "/market/products",
                  Answer(200, golden("coinbase/products_future.json")),
                  when={"product_type": "FUTURE"})
        venue = super().open(server, time, **overrides)
        server.on("GET", BROKERAGE + "/accounts", Answer(200, golden("coinbase/accounts.json")))
        return venue

    def script_history(self, server):
        path = BROKERAGE + "/market/products/BTC-USD/candles"
        server.on("GET", path, Answer(200, golden("coinbase/candles_page1.json")),
                  Answer(200, golden("coinbase/candles_page2.json")))

    def script_stream(self, server):
        page1, page2 = golden("coinbase/candles_page1.json"), golden("coinbase/candles_page2.json")
        c = page2["candles"]  # 15:05, 15:04, 15:03
        forming = dict(c[0], close="44999.00", volume="1.2")
        server.on("GET", BROKERAGE + "/market/products/BTC-USD/candles",
                  Answer(200, {"candles": [forming, c[1], c[2]]}), Answer(drop=True),
                  Answer(200, {"candles": [c[0], page1["candles"][0], c[1]]}))

    def _filled(self, server, cid):
        server.on("GET", BROKERAGE + "/orders/historical/batch",
                  Answer(200, with_cid("coinbase/orders_filled.json", cid)))
        server.on("GET", BROKERAGE + "/orders/historical/fills",
                  Answer(200, golden("coinbase/fills.json")))
        return Expected("1111-11111-111111", Decimal("45002.01"), Decimal("2.7001206"), CB_OID)

    def script_fill(self, server, cid):
        server.on("POST", BROKERAGE + "/orders",
                  Answer(200, with_cid("coinbase/create_order_ok.json", cid)))
        return self._filled(server, cid)

    def script_resting(self, server, cid):
        server.on("POST", BROKERAGE + "/orders",
                  Answer(200, with_cid("coinbase/create_order_limit_ok.json", cid)))

    def script_cancel(self, server, cid):
        server.on("POST", BROKERAGE + "/orders/batch_cancel",
                  Answer(200, golden("coinbase/batch_cancel.json")))
        server.on("GET", BROKERAGE + "/orders/historical/batch",
                  Answer(200, with_cid("coinbase/orders_canceled.json", cid)))

    def script_reject(self, server, cid):
        self.script_instruments(server)
        server.on("POST", BROKERAGE + "/orders",
                  Answer(200, golden("coinbase/create_order_funds.json")))
        return "insufficient"

    def script_unanswered(self, server, cid, *first):
        # Coinbase answers a known client_order_id with the order it already holds
        server.on("POST", BROKERAGE + "/orders", *first,
                  Answer(200, with_cid("coinbase/create_order_ok.json", cid)))
        return self._filled(server, cid)

    def order_calls(self, server):
        return server.calls("POST", BROKERAGE + "/orders")

    def sent_client_id(self, seen):
        import json

        return json.loads(seen.body)["client_order_id"]
