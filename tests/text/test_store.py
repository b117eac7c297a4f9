"""The document store on SQLite and PostgreSQL: idempotent ingest, as-of reads, annotations."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.text import DocumentStore, TextAnalyzer, ingest_batch, ingest_file
from signaltrust.text.documents import Batch, Document, content_hash
from signaltrust.text.entities import EntityExtractor

T0 = pd.Timestamp("2024-03-05T10:00:00Z")


def _docs():
    return [
        Document("wire", "Apple beats estimates", "Record iPhone sales.", "https://w/1",
                 published_at=T0, first_seen_at=T0 + pd.Timedelta("1min")),
        Document("wire", "Microsoft cuts its outlook", "", "https://w/2", published_at=T0,
                 first_seen_at=T0 + pd.Timedelta("2h"), symbols=("MSFT",)),
        Document("wire", "Fed holds rates", "", "https://w/3", published_at=T0,
                 first_seen_at=T0 + pd.Timedelta("1D")),
    ]


def _exercise(store: DocumentStore) -> None:
    first = store.add(_docs())
    assert (first.stored, first.duplicates) == (3, 0)
    # the same items again, one seen later: nothing changes, first-seen kept
    later = [Document(d.source, d.title, d.body, d.url, published_at=d.published_at,
                      first_seen_at=d.first_seen_at + pd.Timedelta("5D"), symbols=d.symbols)
             for d in _docs()]
    again = store.add(later)
    assert (again.stored, again.duplicates) == (0, 3)
    frame = store.frame()
    assert store.count() == 3
    assert frame["first_seen_at"].tolist() == [d.first_seen_at for d in _docs()]
    # as of: only documents first seen at or before the time
    as_of = store.frame(as_of=T0 + pd.Timedelta("2h"))
    assert as_of["title"].tolist() == ["Apple beats estimates", "Microsoft cuts its outlook"]
    assert store.frame(since=T0 + pd.Timedelta("2h"))["title"].tolist() == ["Fed holds rates"]
    assert store.frame(symbol="msft")["title"].tolist() == ["Microsoft cuts its outlook"]
    # annotations: tickers the NLP finds join the source's symbols
    analyzer = TextAnalyzer(EntityExtractor(use_spacy=False))
    assert store.annotate(analyzer) == 3
    assert store.annotate(analyzer) == 0  # done once per analyzer
    annotated = store.frame(analyzer=analyzer.name, symbol="AAPL")
    assert annotated["title"].tolist() == ["Apple beats estimates"]
    row = annotated.iloc[0]
    assert row["tickers"] == ("AAPL",) and row["sentiment"] > 0
    assert [e["type"] for e in row["events"]] == ["earnings"]


def test_store_when_sqlite_then_reingest_changes_nothing_and_as_of_reads_hold(sqlite_store):
    _exercise(sqlite_store)


def test_store_when_postgresql_then_same_behaviour_in_its_own_schema(postgres_url,
                                                                      postgres_schema):
    store = DocumentStore.open(postgres_url, schema=postgres_schema)
    try:
        _exercise(store)
    finally:
        store.close()


def test_store_when_document_has_no_first_seen_time_then_refused(sqlite_store):
    with pytest.raises(ValidationError, match="first-seen"):
        sqlite_store.add([Document("wire", "undated")])


def test_open_when_neither_url_nor_home_then_validation_error_with_fix():
    with pytest.raises(ValidationError) as info:
        DocumentStore.open()
    assert "sqlite" in info.value.fix


def test_open_when_home_given_then_sqlite_under_home_text(tmp_path):
    store = DocumentStore.open(home=tmp_path)
    store.close()
    assert (tmp_path / "text" / "documents.db").is_file()


def test_ingest_when_batch_has_errors_then_good_documents_stored_errors_reported(
        sqlite_store, clock):
    from signaltrust.text.documents import ItemError

    batch = Batch([Document("wire", "Apple rises")],
                  [ItemError("wire", "#1", "title", "missing")])
    report = ingest_batch(sqlite_store, batch, clock=clock)
    assert (report.stored, len(report.errors)) == (1, 1)
    assert report.__plain__()["errors"][0]["field"] == "title"
    assert sqlite_store.frame()["first_seen_at"].iloc[0] == clock.now


def test_ingest_file_when_run_twice_then_second_run_stores_nothing(sqlite_store, clock,
                                                                   tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text('{"title": "Apple rises", "published_at": "2024-03-05T10:00:00Z"}\n'
                    '{"title": "Tesla falls", "published_at": "2024-03-05T11:00:00Z"}\n',
                    encoding="utf-8")
    first = ingest_file(sqlite_store, path, clock=clock)
    clock.now = clock.now + pd.Timedelta("1D")
    second = ingest_file(sqlite_store, path, clock=clock)
    assert (first.stored, second.stored, second.duplicates) == (2, 0, 2)
    assert set(sqlite_store.frame()["first_seen_at"]) == {pd.Timestamp("2024-03-06T09:00:00Z")}


def test_content_hash_when_whitespace_differs_then_same_identity():
    assert content_hash("Wire", "u", "Apple  rises\n", "x") == content_hash("wire", "u",
                                                                          "Apple rises", "x")
    assert content_hash("wire", "u", "Apple rises", "x") != content_hash("wire", "u",
                                                                       "Apple falls", "x")
