"""TextFeatures: a document counts from the first bar that ends after it was first seen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.text import TextFeatures, mentions_frame
from signaltrust.text.documents import Document
from signaltrust.text.features import breakout_components


def _bars(n=10, freq="D"):
    index = pd.date_range("2024-03-01", periods=n, freq=freq, tz="UTC")
    close = np.linspace(100, 110, n)
    return pd.DataFrame({"open": close, "high": close + 1, "low": close - 1, "close": close,
                         "volume": 1e6}, index=index)


def _mention(seen, sentiment=0.5, events=(), title="Apple news"):
    return {"symbol": "AAPL", "first_seen_at": pd.Timestamp(seen), "sentiment": sentiment,
            "events": list(events), "content_hash": f"h{seen}{title}", "title": title}


def test_features_when_seen_mid_bar_then_counted_in_the_bar_that_ends_after():
    # daily bar labelled 03-02 ends 03-03 00:00; a story seen 03-02 15:59 reaches bar 03-02
    mentions = pd.DataFrame([_mention("2024-03-02T15:59:59Z"),
                             _mention("2024-03-04T00:00:00Z", title="at a bar's end")])
    out = TextFeatures(mentions, "AAPL").fit_transform(_bars())
    counts = out["news_count"]
    assert counts.loc["2024-03-02"].item() == 1
    # seen exactly when bar 03-03 ends: it belongs to the next bar, 03-04
    assert counts.loc["2024-03-03"].item() == 0 and counts.loc["2024-03-04"].item() == 1
    assert counts.sum() == 2


def test_features_when_future_documents_planted_then_earlier_bars_unchanged():
    bars = _bars(10)
    past = [_mention("2024-03-02T12:00:00Z", 0.8), _mention("2024-03-04T12:00:00Z", -0.4)]
    planted = [_mention("2024-03-08T12:00:00Z", -1.0, [{"type": "earnings", "direction": -1,
                                                         "trigger": "miss"}], "planted")]
    clean = TextFeatures(pd.DataFrame(past), "AAPL").fit_transform(bars)
    dirty = TextFeatures(pd.DataFrame(past + planted), "AAPL").fit_transform(bars)
    before = bars.index < pd.Timestamp("2024-03-08T00:00:00Z")
    pd.testing.assert_frame_equal(clean[before], dirty[before])
    assert dirty.loc["2024-03-08", "event_earnings"].item() == 1.0
    assert not clean.equals(dirty)


def test_features_when_published_backdated_then_first_seen_decides():
    doc = Document("wire", "Apple beats estimates",
                   published_at=pd.Timestamp("2024-03-01T00:00:00Z"),
                   first_seen_at=pd.Timestamp("2024-03-05T10:00:00Z"))
    out = TextFeatures(mentions_frame([doc]), "AAPL").fit_transform(_bars())
    assert out["news_count"].idxmax() == pd.Timestamp("2024-03-05", tz="UTC")
    assert out.loc[:"2024-03-04", "news_count"].sum() == 0


def test_features_when_sentiment_decays_then_level_is_weighted_mean():
    mentions = pd.DataFrame([_mention("2024-03-02T12:00:00Z", 1.0),
                             _mention("2024-03-03T12:00:00Z", -1.0, title="other")])
    out = TextFeatures(mentions, "AAPL", window=5, halflife=1.0).fit_transform(_bars())
    # bar 03-03: weights 1 (today, -1) and 0.5 (yesterday, +1): (-1 + 0.5) / 1.5
    assert out.loc["2024-03-03", "news_sentiment"].item() == pytest.approx(-1 / 3)
    assert np.isnan(out.loc["2024-03-01", "news_sentiment"].item())
    assert out.loc["2024-03-03", "news_sentiment_change"].item() == pytest.approx(-1 / 3 - 1)


def test_features_when_same_headline_repeats_then_novelty_drops():
    mentions = pd.DataFrame([_mention("2024-03-02T12:00:00Z", title="Apple beats estimates"),
                             _mention("2024-03-03T12:00:00Z", title="Apple beats estimates")])
    out = TextFeatures(mentions, "AAPL").fit_transform(_bars())
    assert out.loc["2024-03-02", "news_novelty"].item() == 1.0
    assert out.loc["2024-03-03", "news_novelty"].item() == 0.0


def test_features_when_checked_by_lookahead_detector_then_causal():
    from signaltrust.optimize.lookahead import check_features

    bars = _bars(40)
    rng = np.random.default_rng(3)
    seen = bars.index[0] + pd.to_timedelta(rng.uniform(0, 40, 60), unit="D")
    mentions = pd.DataFrame([_mention(s, float(rng.uniform(-1, 1)), title=f"t{i}")
                             for i, s in enumerate(seen)])
    report = check_features(bars, TextFeatures(mentions, "AAPL", surprise_window=5))
    assert report.clean, report.leaking_columns


def test_features_when_symbol_missing_then_validation_error():
    with pytest.raises(ValidationError, match="symbol"):
        TextFeatures(pd.DataFrame([_mention("2024-03-02T00:00:00Z")])).fit_transform(_bars())


def test_breakout_components_when_no_news_then_news_component_is_missing():
    mentions = pd.DataFrame([_mention("2024-03-02T12:00:00Z", 0.6,
                                      [{"type": "guidance", "direction": 1, "trigger": "x"}])])
    out = breakout_components(TextFeatures(mentions, "AAPL", window=2).fit_transform(_bars()))
    assert np.isnan(out.loc["2024-03-01", "news"].item())
    assert out.loc["2024-03-02", "news"].item() == pytest.approx(np.tanh(1.0))
    assert out.loc["2024-03-02", "sentiment"].item() == pytest.approx(0.6)
