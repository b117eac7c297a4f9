"""The news and social sentiment agents: the tone of what was published about a symbol.

Each reads the documents first seen by ``as_of`` (never later) in its look-back window
(``window_days``, 3 for news, 1 for social posts), scores each with
:class:`signaltrust.text.sentiment.SentimentModel` (finance lexicon + VADER), and reports the
mean tone. Confidence grows with the number of documents (n / (n + 5)) and the agreement of
their tones. No documents: neutral, confidence 0, and it says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from signaltrust.agents.base import Agent, AgentSpec, MarketInputs, clip
from signaltrust.agents.reports import AgentReport, stance_of

SOCIAL_SOURCES = ("reddit", "stocktwits", "twitter", "x", "social")


def documents_as_of(documents: pd.DataFrame | None, symbol: str, as_of: pd.Timestamp,
                    window: pd.Timedelta, social: bool | None = None) -> pd.DataFrame:
    """Documents about ``symbol`` first seen in (as_of - window, as_of]."""
    if documents is None or documents.empty:
        return pd.DataFrame(columns=["first_seen_at", "title", "body", "source", "symbols"])
    seen = pd.to_datetime(documents["first_seen_at"], utc=True)
    keep = (seen <= as_of) & (seen > as_of - window)
    if "symbols" in documents and symbol:
        keep &= documents["symbols"].map(
            lambda s: not s or symbol.upper() in {str(x).upper() for x in
                                                  (s if isinstance(s, (list, tuple, set))
                                                   else str(s).split(","))})
    if social is not None and "source" in documents:
        is_social = documents["source"].astype(str).str.lower().str.startswith(SOCIAL_SOURCES)
        keep &= is_social if social else ~is_social
    return documents[keep]


@dataclass
class NewsSentimentAgent(Agent):
    spec: ClassVar[AgentSpec] = AgentSpec(
        "news_sentiment", "tone of the news about a symbol, as of now", "on_document / on_bar",
        "MarketInputs.documents", tools=("headlines",))
    window_days: float = 3.0
    social: bool | None = False
    model: Any = field(default=None, repr=False)

    def _scorer(self) -> Any:
        if self.model is None:
            from signaltrust.text.sentiment import SentimentModel

            self.model = SentimentModel()
        return self.model

    def recent(self, inputs: MarketInputs) -> pd.DataFrame:
        return documents_as_of(inputs.documents, inputs.symbol, inputs.as_of,
                               pd.Timedelta(days=self.window_days), self.social)

    def assess(self, inputs: MarketInputs) -> AgentReport:
        docs = self.recent(inputs)
        as_of = inputs.as_of.to_pydatetime()
        if docs.empty:
            return AgentReport(agent=self.name, as_of=as_of, summary=(
                f"no {'posts' if self.social else 'news'} about {inputs.symbol} in the "
                f"{self.window_days:g} days to {inputs.as_of:%Y-%m-%d}"), data={"documents": 0})
        texts = (docs["title"].fillna("").astype(str) + ". "
                 + docs.get("body", pd.Series("", index=docs.index)).fillna("").astype(str))
        tones = np.array([self._scorer().score(t) for t in texts], dtype=float)
        score = clip(float(tones.mean()))
        agreement = 1.0 - min(float(tones.std()), 1.0) if len(tones) > 1 else 0.5
        confidence = len(tones) / (len(tones) + 5) * agreement
        worst, best = int(tones.argmin()), int(tones.argmax())
        return AgentReport(
            agent=self.name, stance=stance_of(score), score=score,
            confidence=round(clip(confidence, 0, 1), 4), as_of=as_of,
            summary=f"{len(tones)} documents, mean tone {score:+.2f}",
            reasons=[f"most positive: {docs['title'].iloc[best]!s}",
                     f"most negative: {docs['title'].iloc[worst]!s}"],
            data={"documents": len(tones), "tone_std": round(float(tones.std()), 4)})

    def tools(self, inputs: MarketInputs) -> dict[str, Any]:
        def headlines() -> list[str]:
            """The titles of the documents in the window."""
            return self.recent(inputs)["title"].astype(str).tolist()[:20]

        return {"headlines": headlines}


@dataclass
class SocialSentimentAgent(NewsSentimentAgent):
    spec: ClassVar[AgentSpec] = AgentSpec(
        "social_sentiment", "tone of social posts about a symbol, as of now",
        "on_document / on_bar", "MarketInputs.documents", tools=("headlines",))
    window_days: float = 1.0
    social: bool | None = True


__all__ = ["NewsSentimentAgent", "SocialSentimentAgent", "documents_as_of"]
