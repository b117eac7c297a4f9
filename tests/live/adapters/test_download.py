"""``signaltrust data download``: bars from the venue adapters (loopback) and Yahoo (yfinance's
network call replaced by a recorded chart answer) land in the bar store."""

from __future__ import annotations

import asyncio
import json
import threading

import pandas as pd
import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from signaltrust.cli.main import app
from signaltrust.core.config import AlpacaSettings, CcxtSettings, OandaSettings, load_settings
from signaltrust.core.errors import ValidationError
from signaltrust.data.store import open_store
from signaltrust.live.adapters.download import check_source, venue_history
from signaltrust.live.adapters.plumbing import Plumbing
from tests.live.adapters.kits import START_NS
from tests.live.adapters.loopback import Answer, FakeTime, Loopback, golden

runner = CliRunner()


class ServedLoopback:
    """A loopback server on its own thread, for commands that run their own event loop."""

    def __init__(self) -> None:
        self.server = Loopback()
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def __enter__(self) -> Loopback:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(), self.loop).result(10)
        return self.server

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


def _history(source, settings, symbol, start, end, timeframe):
    time = FakeTime(START_NS)
    plumbing = Plumbing(sleep=time.sleep, clock=time.clock, clock_ns=time.clock_ns, seed=1)
    return asyncio.run(venue_history(source, symbol, pd.Timestamp(start), pd.Timestamp(end),
                                     timeframe, settings, plumbing))


def test_download_when_ccxt_binance_then_bars_land_in_the_store(isolated_home, monkeypatch):
    with ServedLoopback() as server:
        server.on("GET", "/api/v3/exchangeInfo",
                  Answer(200, golden("binance/exchange_info.json")))
        klines = golden("binance/klines_page1.json") + golden("binance/klines_page2.json")
        server.on("GET", "/api/v3/klines", Answer(200, klines))
        monkeypatch.setenv("SIGNALTRUST__VENUES__CCXT__BINANCE__API_URL", server.url)
        args = ["data", "download", "BTC-USDT", "--source", "ccxt:binance", "--start",
                "2024-01-02T15:00", "--end", "2024-01-02T15:05", "--timeframe", "1m", "--json"]
        first = runner.invoke(app, args)
        again = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    payload = json.loads(first.stdout)
    assert (payload["venue"], payload["bars"], payload["inserted"]) == ("BINANCE", 5, 5)
    assert json.loads(again.stdout)["unchanged"] == 5
    store = open_store(load_settings())
    try:
        bars = store.read("BTC-USDT", "1m", venue="BINANCE")
    finally:
        store.close()
    assert len(bars) == 5 and bars["close"].iloc[0] == pytest.approx(45031.20)
    assert str(bars.index[0].tz) == "UTC" and bars.index[0] == pd.Timestamp("2024-01-02T15:00Z")


def test_download_when_yahoo_then_daily_bars_are_labelled_by_session_date(isolated_home,
                                                                          monkeypatch, tmp_path):
    import yfinance as yf
    from yfinance.data import YfData

    chart = golden("yahoo/chart_spy_1d.json")
    asked = []

    class Recorded:  # what yfinance reads of a curl_cffi response
        status_code = 200
        url = "https://query2.finance.yahoo.com/v8/finance/chart/SPY"
        text = json.dumps(chart)

        def json(self):
            return chart

    def get(self, url, params=None, timeout=30):
        asked.append((url, dict(params or {})))
        return Recorded()

    monkeypatch.setattr(YfData, "get", get)
    yf.set_tz_cache_location(str(tmp_path / "yf-cache"))
    result = runner.invoke(app, ["data", "download", "SPY", "--source", "yahoo", "--start",
                                 "2024-01-02", "--end", "2024-01-05", "--json"])
    assert result.exit_code == 0, result.output
    assert any("/v8/finance/chart/SPY" in url and p.get("interval") == "1d" for url, p in asked)
    store = open_store(load_settings())
    try:
        bars = store.read("SPY", "1d", venue="YAHOO")
    finally:
        store.close()
    assert list(bars.index) == [pd.Timestamp(d, tz="UTC") for d in
                                ("2024-01-02", "2024-01-03", "2024-01-04")]
    assert bars["close"].tolist() == pytest.approx([472.65, 468.79, 467.28])  # unadjusted
    assert bars["volume"].iloc[0] == 123623700


def test_history_when_alpaca_daily_then_new_york_midnight_becomes_the_session_date():
    async def serve():
        async with Loopback() as server:
            bars = [{"t": f"2024-01-0{d}T05:00:00Z", "o": 1.0 + d, "h": 2.0 + d, "l": 0.5 + d,
                     "c": 1.5 + d, "v": 100 * d, "n": 10, "vw": 1.4} for d in (2, 3, 4)]
            server.on("GET", "/v2/stocks/bars",
                      Answer(200, {"bars": {"AAPL": bars}, "next_page_token": None}))
            settings = type("Venues", (), {"alpaca": AlpacaSettings(
                api_key=SecretStr("PKTESTKEY1234"), secret_key=SecretStr("secret-5678"),
                data_url=server.url, trading_url=server.url)})()
            return await asyncio.to_thread(_history, "alpaca", settings, "AAPL", "2024-01-02",
                                           "2024-01-05", "1d"), server

    frame, server = asyncio.run(serve())
    assert list(frame.index) == [pd.Timestamp(f"2024-01-0{d}", tz="UTC") for d in (2, 3, 4)]
    assert frame["close"].tolist() == [3.5, 4.5, 5.5]
    assert server.seen[0].query["timeframe"] == "1Day"


def test_history_when_oanda_then_bars_come_through_the_adapter():
    async def serve():
        async with Loopback() as server:
            page1, page2 = golden("oanda/candles_page1.json"), golden("oanda/candles_page2.json")
            server.on("GET", "/v3/instruments/EUR_USD/candles",
                      Answer(200, {**page1, "candles": page1["candles"] + page2["candles"]}))
            settings = type("Venues", (), {"oanda": OandaSettings(
                token=SecretStr("oanda-token-1234"), account_id="101-004-1-001",
                api_url=server.url, stream_url=server.url)})()
            return await asyncio.to_thread(_history, "oanda", settings, "EUR-USD",
                                           "2024-01-02T15:00Z", "2024-01-02T15:05Z", "1m")

    frame = asyncio.run(serve())
    assert len(frame) == 5 and frame.index.is_monotonic_increasing


def test_download_when_the_source_is_unknown_then_error_lists_the_sources():
    with pytest.raises(ValidationError, match="unknown download source"):
        check_source("bloomberg")
    result = runner.invoke(app, ["data", "download", "AAPL", "--source", "bloomberg",
                                 "--start", "2024-01-02"])
    assert result.exit_code != 0 and "ccxt:<exchange>" in result.output


def test_download_when_alpaca_has_no_keys_then_the_error_names_the_setting(isolated_home,
                                                                           monkeypatch):
    for name in ("API_KEY", "SECRET_KEY"):
        monkeypatch.delenv(f"SIGNALTRUST__VENUES__ALPACA__{name}", raising=False)
    result = runner.invoke(app, ["data", "download", "AAPL", "--source", "alpaca", "--start",
                                 "2024-01-02", "--end", "2024-01-05"])
    assert result.exit_code != 0
    assert "venues.alpaca.api_key" in result.output


def test_ccxt_settings_when_given_in_the_environment_then_per_exchange(monkeypatch):
    monkeypatch.setenv("SIGNALTRUST__VENUES__CCXT__KRAKEN__API_URL", "http://127.0.0.1:9")
    venues = load_settings().venues
    assert isinstance(venues.ccxt["kraken"], CcxtSettings)
    assert venues.ccxt["kraken"].api_url == "http://127.0.0.1:9"
