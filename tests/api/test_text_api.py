"""News and text over the API: a symbol's news, sentiment and events as of a time never include
a document first seen later; the NLP of a text; every route needs a signed-in viewer."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.config import load_settings
from signaltrust.text.documents import Document
from signaltrust.text.store import DocumentStore

T0 = pd.Timestamp("2024-03-05T15:00:00Z")


@pytest.fixture
def stored_news(app):
    store = DocumentStore.open(None, home=load_settings().home)
    docs = [
        Document(source="wire", title="Apple beats earnings estimates and raises guidance",
                 symbols=("AAPL",), first_seen_at=T0 - pd.Timedelta(hours=3),
                 published_at=T0 - pd.Timedelta(hours=3), url="https://example.com/1"),
        Document(source="wire", title="Apple shares plunge after regulators open a probe",
                 symbols=("AAPL",), first_seen_at=T0 - pd.Timedelta(hours=1),
                 published_at=T0 - pd.Timedelta(hours=1), url="https://example.com/2"),
        Document(source="wire", title="Apple announces record buyback, shares soar",
                 symbols=("AAPL",), first_seen_at=T0 + pd.Timedelta(hours=2),  # the future
                 published_at=T0 - pd.Timedelta(hours=5), url="https://example.com/3"),
    ]
    store.add(docs, source="wire")
    store.close()
    return docs


def test_news_when_asked_as_of_a_time_then_no_document_first_seen_later(client, headers,
                                                                         stored_news):
    answer = client.get("/api/v1/news/AAPL", params={"as_of": T0.isoformat()},
                        headers=headers["viewer"])
    assert answer.status_code == 200, answer.text
    titles = [d["title"] for d in answer.json()["documents"]]
    assert titles == [stored_news[1].title, stored_news[0].title]  # newest first
    later = client.get("/api/v1/news/AAPL", params={"as_of": "2024-03-06T00:00:00Z"},
                       headers=headers["viewer"]).json()["documents"]
    assert len(later) == 3


def test_news_sentiment_and_events_when_asked_then_from_the_documents_known_then(
        client, headers, stored_news):
    summary = client.get("/api/v1/news/AAPL/sentiment",
                         params={"as_of": T0.isoformat(), "window_days": 1},
                         headers=headers["viewer"]).json()
    assert summary["documents"] == 2 and summary["positive"] == 1 and summary["negative"] == 1
    events = client.get("/api/v1/news/AAPL/events", params={"as_of": T0.isoformat()},
                        headers=headers["viewer"]).json()["events"]
    assert events and all(e["first_seen_at"] <= T0.isoformat() for e in events)
    assert not any("buyback" in e["title"] for e in events)


def test_news_search_when_asked_as_of_a_time_then_the_future_document_is_not_found(
        client, headers, stored_news):
    found = client.get("/api/v1/news", params={"q": "buyback shares soar", "as_of":
                                               T0.isoformat(), "symbol": "AAPL"},
                       headers=headers["viewer"]).json()["results"]
    assert found and all("buyback" not in r["title"] for r in found)


def test_text_endpoints_when_given_a_text_then_sentiment_and_tickers(client, headers):
    sentiment = client.post("/api/v1/text/sentiment", json={
        "text": "Shares plunged after the company cut its outlook"}, headers=headers["viewer"])
    assert sentiment.status_code == 200 and sentiment.json()["score"] < 0
    assert sentiment.json()["label"] == "negative"
    tickers = client.post("/api/v1/text/entities", json={"text": "Apple and Microsoft rose"},
                          headers=headers["viewer"]).json()["tickers"]
    assert tickers == ["AAPL", "MSFT"]
    assert client.post("/api/v1/text/sentiment", json={"text": ""},
                       headers=headers["viewer"]).status_code == 422


def test_news_routes_when_anonymous_then_401(client, stored_news):
    assert client.get("/api/v1/news/AAPL").status_code == 401
    assert client.post("/api/v1/text/sentiment", json={"text": "x"}).status_code == 401


def test_news_when_as_of_is_outside_storable_times_then_422_naming_the_field(client, headers):
    answer = client.get("/api/v1/news/AAPL", params={"as_of": "0927-01-01T00:00:00Z"},
                        headers=headers["viewer"])
    assert answer.status_code == 422 and answer.json()["field"] == "as_of"
