"""Sentiment sign, tickers and event rules on clear sentences."""

from __future__ import annotations

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.text import EntityExtractor, SentimentModel, TextAnalyzer, detect_events
from signaltrust.text.sentiment import FinanceLexicon


@pytest.fixture(scope="module")
def model():
    return SentimentModel()


@pytest.mark.parametrize("text", [
    "Shares plunged after the company cut its outlook",
    "Tesla misses estimates and warns on margins",
    "Regulators open an antitrust probe into the bank",
    "The company did not beat expectations",
])
def test_sentiment_when_clearly_bad_news_then_negative(model, text):
    result = model.analyze(text)
    assert result.score < -0.1 and result.label == "negative"


@pytest.mark.parametrize("text", [
    "Apple beats estimates and raises its guidance",
    "Shares soared after record quarterly profit",
    "Analysts upgrade the stock to buy",
])
def test_sentiment_when_clearly_good_news_then_positive(model, text):
    result = model.analyze(text)
    assert result.score > 0.1 and result.label == "positive"


def test_sentiment_when_plain_statement_then_neutral(model):
    assert model.analyze("The company will hold its annual meeting in May").label == "neutral"


def test_sentiment_when_vader_false_friend_then_finance_model_stays_neutral(model):
    # VADER alone reads "vice" and "outstanding" as sentiment; in finance they are not
    from signaltrust.text.sentiment import vader_analyzer

    text = "The vice president said shares outstanding were unchanged"
    assert abs(vader_analyzer().polarity_scores(text)["compound"]) > 0.1
    assert model.analyze(text).label == "neutral"


def test_lexicon_when_term_negated_then_sign_reverses():
    lexicon = FinanceLexicon.default()
    assert lexicon.score("beat estimates")[0] > 0
    assert lexicon.score("failed to beat estimates")[0] < 0


def test_sentiment_when_weight_out_of_range_then_validation_error():
    with pytest.raises(ValidationError, match="finance_weight"):
        SentimentModel(finance_weight=1.5).analyze("x")


def test_sentiment_when_not_text_then_validation_error(model):
    with pytest.raises(ValidationError, match="text"):
        model.analyze_many([3])


def test_entities_when_companies_named_then_their_tickers_in_order():
    assert EntityExtractor(use_spacy=False).tickers_in("Apple and Microsoft rose") == [
        "AAPL", "MSFT"]


def test_entities_when_cashtag_and_exchange_then_found_and_ambiguous_words_ignored():
    extractor = EntityExtractor(use_spacy=False)
    assert extractor.tickers_in("$NVDA and (NASDAQ: AMZN) rallied") == ["NVDA", "AMZN"]
    assert extractor.tickers_in("It is NOW time to buy ALL of it") == []
    assert extractor.tickers_in("an apple pie") == []


@pytest.mark.slow
def test_entities_when_spacy_on_then_org_resolved_by_fuzzy_match():
    extractor = EntityExtractor(use_spacy=True)
    found = extractor.extract("Goldman Sachs Group said on Monday it would hire")
    assert "GS" in [m.ticker for m in found]


@pytest.mark.parametrize("text,expected", [
    ("Apple beats estimates on strong iPhone sales", ("earnings", 1)),
    ("Intel misses revenue estimates", ("earnings", -1)),
    ("Microsoft cuts its full-year outlook", ("guidance", -1)),
    ("Nike raises its annual guidance", ("guidance", 1)),
    ("Amazon agreed to acquire iRobot", ("mna", 0)),
    ("Regulators open an antitrust probe into Google", ("litigation", -1)),
    ("FDA approves the company's new drug", ("litigation", 1)),
    ("Apple unveils a new headset", ("product_launch", 1)),
    ("The CEO abruptly resigned on Friday", ("management_change", -1)),
    ("Morgan Stanley downgrades Tesla to underweight", ("rating_change", -1)),
    ("US CPI rose 0.4% in February", ("macro_release", 0)),
])
def test_events_when_rule_matches_then_type_and_direction(text, expected):
    found = {(e.type, e.direction) for e in detect_events(text)}
    assert expected in found


def test_events_when_beat_is_not_about_results_then_no_earnings_event():
    assert [e.type for e in detect_events("The drummer kept the beat")] == []


def test_analyzer_when_text_then_tickers_sentiment_and_events_together():
    result = TextAnalyzer(EntityExtractor(use_spacy=False)).analyze(
        "Apple beats estimates as iPhone sales jump")
    assert result.tickers == ("AAPL",) and result.sentiment > 0
    assert [e.type for e in result.events] == ["earnings"]
