"""Agent memory: what a workflow saw so far, and long-term memory searched as of a time.

:class:`WorkflowMemory` holds one workflow run's reports in order (the coordinator hands it
to each later agent). :class:`LongTermMemory` keeps past reports, decisions and, once known,
their outcomes in a FAISS vector store (``signaltrust.text.vectors``) keyed by when each
became known: :meth:`LongTermMemory.recall` at time t returns only what was known at t, and an
outcome recorded later than t stays hidden from a recall at t.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from signaltrust.agents.base import utc
from signaltrust.agents.reports import AgentReport


@dataclass
class WorkflowMemory:
    """The reports of one workflow run, by agent, in the order they came."""

    workflow: str
    reports: list[AgentReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, report: AgentReport) -> None:
        self.reports.append(report)

    def get(self, agent: str) -> AgentReport | None:
        return next((r for r in reversed(self.reports) if r.agent == agent), None)


@dataclass
class Memory:
    key: str
    text: str
    known_at: pd.Timestamp
    kind: str
    symbol: str
    payload: dict[str, Any]


class LongTermMemory:
    """Past reports, decisions and outcomes in a vector store, recalled as of a time."""

    def __init__(self, embedder: Any = None, vectors: Any = None) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self._items: dict[str, Memory] = {}
        self._outcomes: dict[str, list[tuple[pd.Timestamp, dict[str, Any]]]] = {}

    def _ready(self) -> tuple[Any, Any]:
        if self.embedder is None:
            from signaltrust.text.embeddings import HashingEmbedder

            self.embedder = HashingEmbedder(dim=256)
        if self.vectors is None:
            from signaltrust.text.vectors import FaissVectorStore

            self.vectors = FaissVectorStore(dim=int(self.embedder.dim))
        return self.embedder, self.vectors

    def __len__(self) -> int:
        return len(self._items)

    def remember(self, text: str, known_at: Any, *, kind: str = "report", symbol: str = "",
                 payload: dict[str, Any] | None = None, key: str | None = None) -> str:
        """Store ``text`` (a report's summary, a decision) as known from ``known_at``."""
        embedder, vectors = self._ready()
        stamp = utc(known_at)
        key = key or f"{kind}:{symbol}:{stamp.value}:{len(self._items)}"
        vectors.add([key], embedder.embed([text]), [stamp], [[symbol.upper()] if symbol else []])
        self._items[key] = Memory(key, text, stamp, kind, symbol, dict(payload or {}))
        return key

    def remember_report(self, report: AgentReport, symbol: str = "") -> str:
        return self.remember_reports([report], symbol)[0]

    def remember_reports(self, reports: list[AgentReport], symbol: str = "") -> list[str]:
        """Store reports (their summary and reasons), each known from its ``as_of``."""
        if not reports:
            return []
        embedder, vectors = self._ready()
        texts = [f"{r.agent} {r.stance}: {r.summary}. " + " ".join(r.reasons) for r in reports]
        stamps = [utc(r.as_of or pd.Timestamp.now(tz="UTC")) for r in reports]
        keys = [f"report:{symbol}:{t.value}:{len(self._items) + i}"
                for i, t in enumerate(stamps)]
        vectors.add(keys, embedder.embed(texts), stamps,
                    [[symbol.upper()] if symbol else [] for _ in reports])
        for key, text, stamp, report in zip(keys, texts, stamps, reports, strict=True):
            self._items[key] = Memory(key, text, stamp, "report", symbol,
                                      report.model_dump(mode="json"))
        return keys

    def record_outcome(self, key: str, outcome: dict[str, Any], known_at: Any) -> None:
        """What followed a remembered decision (e.g. the return after it), known from then."""
        stamp = utc(known_at)
        self._outcomes.setdefault(key, []).append((stamp, dict(outcome)))

    def recall(self, query: str, as_of: Any, k: int = 5,
               symbol: str | None = None) -> list[dict[str, Any]]:
        """The ``k`` memories most like ``query`` known at ``as_of``, with the outcomes known
        by then."""
        if not self._items:
            return []
        embedder, vectors = self._ready()
        stamp = utc(as_of)
        hits = vectors.search(embedder.embed([query]), k, as_of=stamp,
                              symbol=symbol.upper() if symbol else None)[0]
        out = []
        for hit in hits:
            item = self._items[hit.key]
            outcomes = [o for t, o in self._outcomes.get(hit.key, []) if t <= stamp]
            out.append({"key": item.key, "kind": item.kind, "text": item.text,
                        "known_at": item.known_at.isoformat(), "score": round(hit.score, 4),
                        "outcomes": outcomes})
        return out


__all__ = ["LongTermMemory", "WorkflowMemory"]
