"""The rule agents on real bundled data and recorded payloads: macro with publication lags,
the whale watcher through the Whale Alert adapter, news as of a time, the analysts, the
coordinator's conflicts and fallbacks, the portfolio agent, and as-of memory."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pandas as pd
import pytest

from signaltrust.agents.base import Agent, AgentSpec, MarketInputs, MLView
from signaltrust.agents.coordinator import Coordinator, Supervisor, resolve
from signaltrust.agents.macro import MacroAgent
from signaltrust.agents.market import CryptoAnalyst, StockAnalyst, analyst_for
from signaltrust.agents.memory import LongTermMemory
from signaltrust.agents.news import NewsSentimentAgent, SocialSentimentAgent
from signaltrust.agents.onchain import WhaleWatcher
from signaltrust.agents.reports import AgentReport
from signaltrust.data import load
from signaltrust.data.onchain import WhaleAlertClient
from signaltrust.research.agents.portfolio import PortfolioAgent, PortfolioInputs

RECORDED = Path(__file__).parent / "recorded" / "whale_alert_btc.json"
T0 = pd.Timestamp(1_700_000_000, unit="s", tz="UTC")


def market(as_of, **kw) -> MarketInputs:
    return MarketInputs(symbol=kw.pop("symbol", "BTC"), as_of=pd.Timestamp(as_of),
                        bars=pd.DataFrame(), **kw)


@pytest.fixture(scope="module")
def transfers():
    """The recorded Whale Alert answer, read through the adapter on a mock transport."""
    payload = json.loads(RECORDED.read_text())
    transport = httpx.MockTransport(lambda request: httpx.Response(200, json=payload))
    client = WhaleAlertClient("recorded", "https://whale.test", transport=transport)
    try:
        return client.transfers(T0, T0 + pd.Timedelta(days=3))
    finally:
        client.close()


def test_macro_when_cpi_of_last_month_is_not_yet_published_then_the_month_before_is_used():
    agent = MacroAgent()
    # core CPI of November 2018 is usable from 17 December: on the 10th, October's is the latest
    before = agent.readings(pd.Timestamp("2018-12-10", tz="UTC"))["inflation"]
    after = agent.readings(pd.Timestamp("2018-12-20", tz="UTC"))["inflation"]
    assert before["published"][:10] == "2018-11-16"  # October's, from 1 Oct + 45 days
    assert after["published"][:10] == "2018-12-17"
    assert before["value"] != after["value"]


def test_macro_when_every_series_is_stale_then_neutral_with_no_readings():
    report = MacroAgent().assess(market("2023-06-01", symbol="SPX"))
    assert report.stance == "neutral" and report.data["readings"] == {}


def test_macro_when_vix_is_high_then_bearish_backdrop():
    report = MacroAgent().assess(market("2018-12-27", symbol="SPX"))  # VIX above 30
    assert report.data["readings"]["vix"]["value"] > 30
    assert report.data["readings"]["vix"]["score"] < 0


def test_whale_watcher_when_recorded_withdrawals_dominate_then_bullish(transfers):
    report = WhaleWatcher().assess(market(T0 + pd.Timedelta(hours=12), asset_class="crypto",
                                          transfers=transfers))
    assert report.data["outflow_usd"] == 70_000_000  # two withdrawals
    assert report.data["inflow_usd"] == 9_000_000  # the exchange-to-exchange move is neither
    assert report.data["transfers"] == 4  # the 0.4M transfer is below the whale size
    assert report.stance == "bullish"


def test_whale_watcher_when_transfer_comes_after_as_of_then_it_is_not_seen(transfers):
    early = WhaleWatcher().assess(market(T0 + pd.Timedelta(minutes=30), asset_class="crypto",
                                         transfers=transfers))
    assert early.data["transfers"] == 1 and early.data["outflow_usd"] == 48_000_000


def test_whale_watcher_when_symbol_is_an_index_then_no_onchain_view(transfers):
    report = WhaleWatcher().assess(market(T0, asset_class="index", transfers=transfers))
    assert report.data == {"applicable": False} and report.confidence == 0


def test_news_agent_when_posts_and_news_mixed_then_each_agent_reads_its_own(tmp_path):
    as_of = pd.Timestamp("2024-03-05T15:00", tz="UTC")
    docs = pd.DataFrame({
        "first_seen_at": [as_of - pd.Timedelta(hours=2), as_of - pd.Timedelta(hours=1),
                          as_of + pd.Timedelta(hours=1)],
        "title": ["Record profit and strong growth", "to the moon, huge gains",
                  "Company misses estimates badly"],
        "body": ["", "", ""], "source": ["newswire", "reddit", "newswire"],
        "symbols": [("MSFT",), ("MSFT",), ("MSFT",)]})
    news = NewsSentimentAgent().assess(market(as_of, symbol="MSFT", documents=docs))
    social = SocialSentimentAgent().assess(market(as_of, symbol="MSFT", documents=docs))
    assert news.data["documents"] == 1 and news.stance == "bullish"
    assert social.data["documents"] == 1


def test_analysts_when_features_are_bullish_then_bullish_and_crypto_needs_more():
    inputs = market("2020-01-01", symbol="X", features={
        "sma_ratio_50": 0.02, "sma_ratio_200": 0.01, "rsi_14": 58.0},
        ml=MLView(probability=0.6))
    stock, crypto = StockAnalyst().assess(inputs), CryptoAnalyst().assess(inputs)
    assert stock.stance == "bullish" and stock.score == crypto.score
    assert crypto.stance == "neutral"  # the same score sits inside crypto's wider band
    assert isinstance(analyst_for("crypto"), CryptoAnalyst)


class Broken(Agent):
    spec = AgentSpec("broken", "fails", "never", "anything")

    def assess(self, inputs):
        raise RuntimeError("feed down")


class Fixed(Agent):
    def __init__(self, name, score, confidence):
        super().__init__()
        self.report = AgentReport(agent=name, score=score, confidence=confidence,
                                  stance="bullish" if score > 0 else "bearish")
        self._name = name

    spec = AgentSpec("fixed", "fixed view", "test", "none")

    @property
    def name(self):
        return self._name

    def assess(self, inputs):
        return self.report


def test_coordinator_when_an_agent_fails_then_fallback_report_and_the_workflow_goes_on():
    supervisor = Supervisor()
    result = Coordinator([Broken(), Fixed("macro", 0.5, 0.8)], supervisor=supervisor).run(
        lambda agent, memory: None)
    assert [r.source for r in result.reports] == ["fallback", "rules"]
    assert supervisor.status()["agents"]["broken"]["failures"] == 1
    assert result.consensus == pytest.approx(0.5)
    assert supervisor.trail.records(kind="error")


def test_resolve_when_confident_agents_disagree_then_conflict_named_and_confidence_halved():
    agree = [AgentReport(agent="macro", score=0.6, confidence=0.8, stance="bullish"),
             AgentReport(agent="stock_analyst", score=0.4, confidence=0.8, stance="bullish")]
    clash = [agree[0], AgentReport(agent="stock_analyst", score=-0.6, confidence=0.8,
                                   stance="bearish")]
    _, sure, none = resolve(agree)
    _, unsure, conflicts = resolve(clash)
    assert none == [] and conflicts == ["macro bullish against stock_analyst bearish"]
    assert unsure < sure


def test_portfolio_agent_when_probabilities_given_then_kelly_scales_optimiser_weights():
    prices = load("stocks")[["AAPL", "MSFT", "IBM"]].loc["2010":"2019"]
    inputs = PortfolioInputs(as_of=pd.Timestamp("2019-12-31", tz="UTC"), prices=prices,
                             probabilities={"AAPL": 0.6, "MSFT": 0.55, "IBM": 0.45})
    report = PortfolioAgent(method="min_variance").assess(inputs)
    base = report.data["optimiser_weights"]
    assert report.weights["IBM"] == 0  # no edge: Kelly says no bet
    assert report.weights["AAPL"] == pytest.approx(base["AAPL"] * 0.5 * (0.6 - 0.4), abs=1e-6)
    assert sum(report.weights.values()) < 1


def test_memory_when_recalled_as_of_a_time_then_later_memories_and_outcomes_are_hidden():
    memory = LongTermMemory()
    key = memory.remember("bullish breakout on strong volume", "2020-01-01", symbol="SPX")
    memory.remember("bearish reversal after the breakout failed", "2020-02-01", symbol="SPX")
    memory.record_outcome(key, {"return_20d": 0.04}, "2020-01-29")
    early = memory.recall("breakout", "2020-01-15", symbol="SPX")
    late = memory.recall("breakout", "2020-03-01", symbol="SPX")
    assert [m["key"] for m in early] == [key] and early[0]["outcomes"] == []
    assert len(late) == 2
    assert next(m for m in late if m["key"] == key)["outcomes"] == [{"return_20d": 0.04}]
