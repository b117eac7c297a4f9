"""On-chain adapters on loopback: Whale Alert, Etherscan and Blockchair-style answers.

The answers follow each API's JSON (Whale Alert ``/v1/transactions`` with its cursor,
Etherscan ``txlist``, Blockchair's ``data`` rows), built offline with what real ones do:
pages that overlap, transfers out of time order, rate limits, failed and zero-value txs.
"""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data.onchain import BlockchairClient, EtherscanClient, WhaleAlertClient
from tests.live.adapters.loopback import Answer
from tests.options.served import ServedLoopback

T0 = 1_700_000_000  # 2023-11-14T22:13:20Z


def whale_tx(i, seconds, usd, src, dst, symbol="btc"):
    return {"blockchain": "bitcoin", "symbol": symbol, "id": str(i), "transaction_type": "transfer",
            "hash": f"h{i}", "from": {"address": f"a{i}", "owner": src[1], "owner_type": src[0]},
            "to": {"address": f"b{i}", "owner": dst[1], "owner_type": dst[0]},
            "timestamp": T0 + seconds, "amount": usd / 40_000, "amount_usd": usd,
            "transaction_count": 1}


EXCHANGE, WALLET = ("exchange", "binance"), ("unknown", "")
PAGE1 = {"result": "success", "cursor": "c1", "count": 2, "transactions": [
    whale_tx(2, 600, 2_000_000, WALLET, EXCHANGE), whale_tx(1, 60, 5_000_000, EXCHANGE, WALLET)]}
PAGE2 = {"result": "success", "cursor": "c2", "count": 2, "transactions": [
    whale_tx(2, 600, 2_000_000, WALLET, EXCHANGE),  # repeated from the first page
    whale_tx(3, 7200, 1_500_000, EXCHANGE, ("exchange", "coinbase"))]}
PAGE3 = {"result": "success", "cursor": "c2", "count": 0, "transactions": []}


def test_whale_alert_when_paged_then_transfers_are_sorted_deduplicated_and_typed():
    slept = []
    with ServedLoopback() as server:
        server.on("GET", "/v1/transactions", Answer(200, PAGE1))
        server.on("GET", "/v1/transactions", Answer(429, {"result": "error"},
                                                    headers={"Retry-After": "5"}),
                  Answer(200, PAGE2), when={"cursor": "c1"})
        server.on("GET", "/v1/transactions", Answer(200, PAGE3), when={"cursor": "c2"})
        client = WhaleAlertClient("wk", server.url, sleep=slept.append)
        got = client.transfers(pd.Timestamp(T0, unit="s"), pd.Timestamp(T0 + 86400, unit="s"))
        client.close()
    assert got["hash"].tolist() == ["h1", "h2", "h3"]  # time order, h2 once
    assert got["from_type"].tolist() == ["exchange", "unknown", "exchange"]
    assert got["symbol"].unique().tolist() == ["BTC"] and slept == [5.0]
    assert got["time"].iloc[0] == pd.Timestamp(T0 + 60, unit="s", tz="UTC")


def test_whale_alert_when_key_is_refused_then_error_without_the_key():
    with ServedLoopback() as server:
        server.on("GET", "/v1/transactions", Answer(401, {"result": "error",
                                                          "message": "invalid api_key s3cr3t"}))
        client = WhaleAlertClient("s3cr3t", server.url)
        with pytest.raises(ValidationError) as err:
            client.transfers(pd.Timestamp(T0, unit="s"), pd.Timestamp(T0 + 60, unit="s"))
        client.close()
    assert "s3cr3t" not in str(err.value) and "***" in str(err.value)


HOT = "0x28c6c06298d514db089934071355e5743bf21d60"  # an exchange's hot wallet (labelled)
WATCHED = "0xabc0000000000000000000000000000000000001"


def eth_tx(i, seconds, eth, src, dst, error="0"):
    return {"blockNumber": str(18_000_000 + i), "timeStamp": str(T0 + seconds), "hash": f"0x{i}",
            "from": src, "to": dst, "value": str(int(eth * 10**18)), "isError": error,
            "txreceipt_status": "1" if error == "0" else "0", "gas": "21000"}


def test_etherscan_when_rate_limited_then_retries_and_labels_exchange_wallets():
    page = {"status": "1", "message": "OK", "result": [
        eth_tx(1, 100, 120.0, WATCHED, HOT.upper().replace("0X", "0x")),
        eth_tx(2, 200, 50.0, HOT, WATCHED),
        eth_tx(3, 300, 7.0, WATCHED, HOT, error="1"),  # failed: moved nothing
        eth_tx(4, 400, 0.0, WATCHED, HOT),  # a contract call without value
    ]}
    limited = {"status": "0", "message": "NOTOK", "result": "Max rate limit reached"}
    slept = []
    with ServedLoopback() as server:
        server.on("GET", "/api", Answer(200, limited), Answer(200, page))
        client = EtherscanClient("ek", server.url, sleep=slept.append, backoff_s=0.5)
        got = client.transfers(WATCHED, {HOT: "binance"})
        client.close()
    assert got["amount"].tolist() == [120.0, 50.0]
    assert got["to_type"].tolist() == ["exchange", "unknown"]
    assert got["from_owner"].tolist()[1] == "binance" and slept == [0.5]


def test_etherscan_when_no_transactions_then_empty_frame():
    with ServedLoopback() as server:
        server.on("GET", "/api", Answer(200, {"status": "0", "message": "No transactions found",
                                              "result": []}))
        client = EtherscanClient("ek", server.url)
        assert client.transfers(WATCHED, {}).empty
        client.close()


def test_blockchair_when_daily_counts_come_back_then_a_day_indexed_series():
    body = {"data": [{"date": "2023-11-15", "count(distinct(recipient))": 910_000},
                     {"date": "2023-11-14", "count(distinct(recipient))": 880_000}],
            "context": {"code": 200, "limit": 10000, "offset": 0}}
    with ServedLoopback() as server:
        server.on("GET", "/bitcoin/inputs", Answer(200, body))
        client = BlockchairClient(None, server.url)
        got = client.active_addresses("bitcoin", "2023-11-14", "2023-11-15")
        client.close()
        query = server.calls("GET", "/bitcoin/inputs")[0].query
    assert got.tolist() == [880_000, 910_000] and got.name == "active_addresses"
    assert query["q"] == "time(2023-11-14..2023-11-15)"


def test_clients_when_no_key_then_validation_error_names_the_variable():
    with pytest.raises(ValidationError, match="Whale Alert") as err:
        WhaleAlertClient("")
    assert "WHALE_ALERT_API_KEY" in err.value.fix
