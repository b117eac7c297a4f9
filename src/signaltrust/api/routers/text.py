"""News and text (viewer): a symbol's stored news with sentiment and events as of a time, its
sentiment summary, its events, retrieval by meaning, and the NLP of a text.

The documents are the installation's document store (``signaltrust news ingest`` fills it;
SQLite under the data home). ``as_of`` is applied to the time a document was **first seen**:
nothing first seen later is ever returned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from signaltrust.api.errors import ApiError
from signaltrust.api.security import Principal, require_role
from signaltrust.core.serialize import to_plain

router = APIRouter(tags=["news"])
_SYMBOL = r"^[A-Za-z0-9^][A-Za-z0-9_.^=-]{0,31}$"
AS_OF = Query(description="Only documents first seen at or before this time (ISO 8601 "
              "with a zone); default: now")


class TextIn(BaseModel):
    text: str = Field(min_length=1, max_length=20_000,
                      examples=["Shares plunged after the company cut its outlook"])


class SentimentOut(BaseModel):
    score: float = Field(ge=-1, le=1, examples=[-0.62])
    label: str = Field(examples=["negative"])


class EntitiesOut(BaseModel):
    tickers: list[str] = Field(examples=[["AAPL", "MSFT"]])


class SentimentSummary(BaseModel):
    symbol: str
    as_of: str | None
    documents: int = Field(description="documents naming the symbol in the window")
    mean: float | None = Field(description="mean sentiment score in [-1, 1]; null without news")
    positive: int
    negative: int
    neutral: int
    window_days: int


def _analyzer() -> Any:
    from signaltrust.text.analysis import TextAnalyzer
    from signaltrust.text.entities import EntityExtractor

    return TextAnalyzer(EntityExtractor(use_spacy=False))


def _store(request: Request) -> Any:
    from signaltrust.text.store import DocumentStore

    return DocumentStore.open(None, home=request.app.state.settings.home)


def _cutoff(as_of: datetime | None) -> Any:
    import pandas as pd

    from signaltrust.text.documents import as_utc

    if as_of is None:
        return pd.Timestamp.now(tz="UTC")
    if not 1678 <= as_of.year <= 2261:
        raise ApiError(422, "ValidationError", "as_of is outside the times that can be stored",
                       field="as_of", value=as_of.isoformat(),
                       fix="give a time between 1678 and 2261, e.g. 2024-03-05T15:00:00Z")
    return as_utc(as_of, "as_of")


def _news(request: Request, symbol: str, as_of: datetime | None, limit: int | None = None,
          since: Any = None) -> Any:
    analyzer = _analyzer()
    store = _store(request)
    try:
        store.annotate(analyzer)
        frame = store.frame(symbol=symbol, as_of=_cutoff(as_of), since=since,
                            analyzer=analyzer.name)
    finally:
        store.close()
    return frame.iloc[-limit:] if limit is not None else frame


@router.get("/news/{symbol}", summary="A symbol's news as of a time, with sentiment and events")
def news(
    request: Request,
    symbol: Annotated[str, Path(pattern=_SYMBOL, examples=["AAPL"])],
    _: Annotated[Principal, Depends(require_role("viewer"))],
    as_of: Annotated[datetime | None, AS_OF] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    frame = _news(request, symbol, as_of, limit)
    columns = ["source", "title", "url", "published_at", "first_seen_at", "tickers",
               "sentiment", "events"]
    rows = frame[[c for c in columns if c in frame.columns]].iloc[::-1]
    return {"symbol": symbol.upper(), "as_of": to_plain(_cutoff(as_of)),
            "documents": to_plain(rows.to_dict("records"))}


@router.get("/news/{symbol}/sentiment", response_model=SentimentSummary,
            summary="A symbol's news sentiment over a window ending at a time")
def sentiment_summary(
    request: Request,
    symbol: Annotated[str, Path(pattern=_SYMBOL, examples=["AAPL"])],
    _: Annotated[Principal, Depends(require_role("viewer"))],
    as_of: Annotated[datetime | None, AS_OF] = None,
    window_days: Annotated[int, Query(ge=1, le=365)] = 7,
) -> SentimentSummary:
    import pandas as pd

    cutoff = _cutoff(as_of)
    frame = _news(request, symbol, as_of, since=cutoff - pd.Timedelta(days=window_days))
    scores = pd.to_numeric(frame.get("sentiment"), errors="coerce").dropna() \
        if len(frame) else pd.Series(dtype=float)
    return SentimentSummary(
        symbol=symbol.upper(), as_of=cutoff.isoformat(), documents=len(frame),
        mean=float(scores.mean()) if len(scores) else None,
        positive=int((scores > 0.05).sum()), negative=int((scores < -0.05).sum()),
        neutral=int(((scores >= -0.05) & (scores <= 0.05)).sum()), window_days=window_days,
    )


@router.get("/news/{symbol}/events", summary="Events found in a symbol's news as of a time")
def events(
    request: Request,
    symbol: Annotated[str, Path(pattern=_SYMBOL, examples=["AAPL"])],
    _: Annotated[Principal, Depends(require_role("viewer"))],
    as_of: Annotated[datetime | None, AS_OF] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    frame = _news(request, symbol, as_of)
    found = []
    for row in frame.itertuples(index=False):
        for event in getattr(row, "events", []) or []:
            found.append({"first_seen_at": row.first_seen_at, "title": row.title,
                          "event": event})
    return {"symbol": symbol.upper(), "as_of": to_plain(_cutoff(as_of)),
            "events": to_plain(found[-limit:][::-1])}


@router.get("/news", summary="Stored news most similar to a query, as of a time")
def search(
    request: Request,
    _: Annotated[Principal, Depends(require_role("viewer"))],
    q: Annotated[str, Query(min_length=1, max_length=500, examples=["guidance cut"])],
    symbol: Annotated[str | None, Query(pattern=_SYMBOL)] = None,
    as_of: Annotated[datetime | None, AS_OF] = None,
    k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    """Retrieval with the hashing embedder (shared words, fast; `signaltrust news search`
    offers the MiniLM model)."""
    from signaltrust.text.embeddings import embedder_for
    from signaltrust.text.retrieval import NewsIndex

    cutoff = _cutoff(as_of)
    index = NewsIndex(embedder_for("hashing"))
    store = _store(request)
    try:
        index.refresh(store)
        found = index.search(q, k, as_of=cutoff, symbol=symbol)
    finally:
        store.close()
    return {"query": q, "as_of": to_plain(cutoff), "symbol": symbol,
            "results": to_plain(found.to_dict("records"))}


@router.post("/text/sentiment", response_model=SentimentOut,
             summary="Finance sentiment of a text in [-1, 1]")
def text_sentiment(body: TextIn,
                   _: Annotated[Principal, Depends(require_role("viewer"))]) -> SentimentOut:
    from signaltrust.text.sentiment import SentimentModel

    result = SentimentModel().analyze(body.text)
    return SentimentOut(score=float(result.score), label=result.label)


@router.post("/text/entities", response_model=EntitiesOut,
             summary="The tickers a text names (alias dictionary and fuzzy matching)")
def text_entities(body: TextIn,
                  _: Annotated[Principal, Depends(require_role("viewer"))]) -> EntitiesOut:
    from signaltrust.text.entities import EntityExtractor

    return EntitiesOut(tickers=EntityExtractor(use_spacy=False).tickers_in(body.text))
