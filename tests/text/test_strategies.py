"""The news sentiment and news events strategies: causal signals, same trades in both engines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.backtest import run
from signaltrust.core.errors import ValidationError
from signaltrust.strategy.news_events import NewsEvents
from signaltrust.strategy.news_sentiment import NewsSentiment

INDEX = pd.date_range("2022-01-03", periods=250, freq="D", tz="UTC")


@pytest.fixture(scope="module")
def market():
    rng = np.random.default_rng(21)
    close = 100 * np.exp(np.cumsum(rng.normal(0, 0.012, len(INDEX))))
    opens = close * np.exp(rng.normal(0, 0.003, len(INDEX)))
    bars = pd.DataFrame({"open": opens, "high": np.maximum(opens, close) * 1.004,
                         "low": np.minimum(opens, close) * 0.996, "close": close,
                         "volume": 1e6}, index=INDEX)
    rows = []
    for i, day in enumerate(rng.choice(len(INDEX) - 2, 45, replace=False)):
        sign = 1 if rng.random() < 0.55 else -1
        kind = ("earnings", "guidance", "rating_change")[i % 3]
        rows.append({"symbol": "AAPL", "sentiment": float(sign * rng.uniform(0.2, 0.9)),
                     "first_seen_at": INDEX[day] + pd.Timedelta(hours=int(rng.integers(0, 24))),
                     "events": [{"type": kind, "direction": sign, "trigger": "x"}],
                     "content_hash": f"h{i}", "title": f"story {i}"})
    return bars, pd.DataFrame(rows)


def _same_trades(vectorized, event):
    tv, te = vectorized.trades, event.trades
    assert len(tv) == len(te) > 3
    assert (tv["entry_time"].to_numpy() == te["entry_time"].to_numpy()).all()
    np.testing.assert_allclose(te["entry_price"], tv["entry_price"], rtol=1e-12)
    np.testing.assert_allclose(te["pnl"], tv["pnl"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(event.equity.to_numpy(), vectorized.equity.to_numpy(), rtol=1e-9)


@pytest.mark.parametrize("allow_short", [False, True])
def test_news_sentiment_when_run_in_both_engines_then_same_trades(market, allow_short):
    bars, mentions = market
    strategy = NewsSentiment(mentions=mentions, window=3)
    params = {"entry": 0.2, "exit": 0.0, "allow_short": allow_short}
    _same_trades(run(bars, strategy, params), run(bars, strategy, params, engine="event"))


@pytest.mark.parametrize("allow_short", [False, True])
def test_news_events_when_run_in_both_engines_then_same_trades(market, allow_short):
    bars, mentions = market
    strategy = NewsEvents(mentions=mentions)
    params = {"hold": 3, "allow_short": allow_short}
    _same_trades(run(bars, strategy, params), run(bars, strategy, params, engine="event"))


def test_news_events_when_good_event_then_entry_on_its_bar_and_exit_after_hold(market):
    bars, _ = market
    mentions = pd.DataFrame([{"symbol": "AAPL", "first_seen_at": INDEX[10] + pd.Timedelta("3h"),
                              "sentiment": 0.5, "events": [{"type": "earnings", "direction": 1,
                                                            "trigger": "beat"}]}])
    signals = NewsEvents(mentions=mentions).signals(bars, hold=4)
    assert signals.entries[signals.entries].index.tolist() == [INDEX[10]]
    assert signals.exits[signals.exits].index.tolist() == [INDEX[14]]


def test_news_events_when_unsigned_event_then_no_trade(market):
    bars, _ = market
    mentions = pd.DataFrame([{"symbol": "AAPL", "first_seen_at": INDEX[10],
                              "sentiment": 0.0, "events": [{"type": "mna", "direction": 0,
                                                            "trigger": "merger"}]}])
    assert not NewsEvents(mentions=mentions).signals(bars).entries.any()


def test_news_sentiment_when_future_news_planted_then_earlier_signals_unchanged(market):
    bars, mentions = market
    cut = INDEX[150]
    past = mentions[mentions["first_seen_at"] < cut]
    planted = pd.concat([past, pd.DataFrame([{
        "symbol": "AAPL", "first_seen_at": cut + pd.Timedelta("1h"), "sentiment": 0.95,
        "events": [], "content_hash": "planted", "title": "planted"}])], ignore_index=True)
    clean = NewsSentiment(mentions=past).signals(bars).as_frame()
    dirty = NewsSentiment(mentions=planted).signals(bars).as_frame()
    pd.testing.assert_frame_equal(clean[clean.index < cut], dirty[dirty.index < cut])
    assert bool(dirty.loc[cut, "entries"]) and not bool(clean.loc[cut, "entries"])


def test_news_sentiment_when_no_mentions_then_validation_error_with_fix(market):
    bars, _ = market
    with pytest.raises(ValidationError, match="mentions") as info:
        NewsSentiment().signals(bars)
    assert "mentions_frame" in info.value.fix


def test_news_sentiment_when_several_symbols_and_none_chosen_then_asks_for_symbol(market):
    bars, mentions = market
    two = pd.concat([mentions, mentions.assign(symbol="MSFT")], ignore_index=True)
    with pytest.raises(ValidationError, match="which symbol"):
        NewsSentiment(mentions=two).signals(bars)
    assert NewsSentiment(mentions=two, symbol="msft").signals(bars).entries.any()


def test_news_sentiment_when_exit_not_below_entry_then_validation_error(market):
    bars, mentions = market
    with pytest.raises(ValidationError, match="exit must be < entry"):
        NewsSentiment(mentions=mentions).signals(bars, entry=0.2, exit=0.3)
