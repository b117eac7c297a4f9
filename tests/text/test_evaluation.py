"""The labelled corpus and the evaluation: the combined model beats VADER alone on it."""

from __future__ import annotations

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.text.entities import TickerDictionary
from signaltrust.text.evaluation import compare_models, evaluate, load_corpus, ticker_recall


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_corpus_when_loaded_then_300_plus_labelled_sentences_with_known_tickers(corpus):
    assert len(corpus) >= 300 and corpus["id"].is_unique and corpus["text"].is_unique
    counts = corpus["label"].value_counts()
    assert set(counts.index) == {"positive", "negative", "neutral"} and counts.min() >= 100
    known = TickerDictionary.default().names
    assert all(t and all(s in known for s in t) for t in corpus["tickers"])


def test_compare_when_run_on_corpus_then_combined_beats_vader_alone(corpus):
    table = compare_models(corpus).set_index("model")
    combined, vader = table.loc["combined"], table.loc["vader"]
    assert combined["accuracy"] > vader["accuracy"]
    assert combined["macro_f1"] > vader["macro_f1"]
    # each label, not only the average: the finance model reads bad news VADER misses
    assert combined["recall_negative"] > vader["recall_negative"]


def test_evaluate_when_predictor_always_neutral_then_accuracy_is_the_neutral_share(corpus):
    result = evaluate(lambda texts: ["neutral"] * len(texts), corpus)
    assert result.accuracy == pytest.approx((corpus["label"] == "neutral").mean())
    assert result.recall == {"negative": 0.0, "neutral": 1.0, "positive": 0.0}
    assert int(result.confusion.to_numpy().sum()) == len(corpus)


def test_evaluate_when_labels_unknown_or_counts_differ_then_validation_error(corpus):
    with pytest.raises(ValidationError, match="labels"):
        evaluate(lambda t: t, corpus.assign(label="bullish"))
    with pytest.raises(ValidationError, match="one label per text"):
        evaluate(lambda t: ["neutral"], corpus)


def test_ticker_recall_when_dictionary_extractor_then_finds_the_labelled_tickers(corpus):
    scores = ticker_recall(corpus)
    assert scores["recall"] > 0.95 and scores["precision"] > 0.95
