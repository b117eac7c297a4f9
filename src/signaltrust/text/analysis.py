"""One pass of the NLP over texts: tickers, sentiment and events together."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from signaltrust.text.entities import EntityExtractor, EntityMention, unique_tickers
from signaltrust.text.events import Event, detect_events
from signaltrust.text.sentiment import SentimentModel, SentimentResult


@dataclass(frozen=True)
class TextAnalysis:
    """What the NLP found in one text."""

    tickers: tuple[str, ...]
    mentions: tuple[EntityMention, ...]
    sentiment: float
    label: str
    events: tuple[Event, ...]
    detail: SentimentResult

    def __plain__(self) -> dict[str, Any]:
        return {"tickers": list(self.tickers), "sentiment": self.sentiment, "label": self.label,
                "events": [e.__plain__() for e in self.events],
                "mentions": [m.__plain__() for m in self.mentions],
                "components": dict(self.detail.components)}


class TextAnalyzer:
    """Entities, sentiment and events; each part loads on first use and stays with this object.

    ``TextAnalyzer()`` uses the dictionary and spaCy for entities and the combined lexicon
    model for sentiment; ``TextAnalyzer(EntityExtractor(use_spacy=False))`` skips spaCy (about
    ten times faster, misses names that are not in the alias list).
    """

    def __init__(self, entities: EntityExtractor | None = None,
                 sentiment: SentimentModel | None = None) -> None:
        self.entities = entities if entities is not None else EntityExtractor()
        self.sentiment = sentiment if sentiment is not None else SentimentModel()

    @property
    def name(self) -> str:
        """Identifies the configuration; annotations are stored under it."""
        return f"{self.entities.name}+{self.sentiment.name}"

    def analyze(self, text: str) -> TextAnalysis:
        return self.analyze_many([text])[0]

    def analyze_many(self, texts: Sequence[str]) -> list[TextAnalysis]:
        mentions = self.entities.extract_many(texts)
        scores = self.sentiment.analyze_many(texts)
        return [
            TextAnalysis(tuple(unique_tickers(found)), tuple(found), score.score, score.label,
                         tuple(detect_events(text)), score)
            for text, found, score in zip(texts, mentions, scores, strict=True)
        ]


__all__ = ["TextAnalysis", "TextAnalyzer"]
