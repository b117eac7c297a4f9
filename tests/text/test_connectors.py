"""Connectors on recorded payloads served from loopback: documents, item errors, cursors."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.core.errors import ParseError, ValidationError
from signaltrust.text.connectors import fetch_batch, parse_payload, read_document_file
from signaltrust.text.fetch import FetchError, FetchOptions


def _errors(batch):
    return {(e.item, e.field) for e in batch.errors}


def test_rss_when_fetched_from_loopback_then_good_items_kept_and_bad_ones_named(feed_server):
    base, _ = feed_server
    batch = fetch_batch("rss", f"{base}/rss.xml")
    titles = [d.title for d in batch.documents]
    assert titles == ["Apple beats estimates as iPhone sales rise",
                      "Microsoft cuts its outlook after weak cloud demand"]
    first = batch.documents[0]
    assert first.published_at == pd.Timestamp("2024-03-05T14:30:00Z")
    assert first.body == "Apple reported record revenue."  # HTML stripped
    assert first.language == "en" and first.url == "https://news.example.com/a/1"
    assert first.first_seen_at is None  # the ingest sets it, not the parser
    assert _errors(batch) == {("#2 (id news-3)", "title"), ("#3 (id news-4)", "published")}
    assert "news-4" in str(batch.errors[1]) and "'published'" in str(batch.errors[1])


def test_atom_when_parsed_then_entry_time_and_feed_language_used(feed_server):
    base, _ = feed_server
    batch = fetch_batch("rss", f"{base}/atom.xml")
    (doc,) = batch.documents
    assert doc.title == "Amazon to acquire a robotics maker"
    assert doc.published_at == pd.Timestamp("2024-03-05T16:00:00Z")
    assert doc.url == "https://wire.example.com/1"


def test_newsapi_when_items_malformed_then_errors_name_item_and_field_rest_kept(feed_server):
    base, _ = feed_server
    batch = fetch_batch("newsapi", f"{base}/newsapi.json")
    assert [d.url for d in batch.documents] == ["https://newsapi.example.com/1",
                                                "https://newsapi.example.com/2"]
    assert batch.documents[0].external_id == "reuters"
    assert "recall" in batch.documents[0].body
    assert _errors(batch) == {("#2 (id https://newsapi.example.com/3)", "publishedAt"),
                              ("#3 (id https://newsapi.example.com/4)", "title")}


def test_newsapi_when_answer_is_an_error_then_parse_error_says_so():
    with pytest.raises(ParseError, match="apiKeyInvalid"):
        parse_payload("newsapi", {"status": "error", "code": "apiKeyInvalid", "message": "bad"})


def test_reddit_when_listing_then_posts_kept_comments_skipped_cursor_returned(feed_server):
    base, _ = feed_server
    batch = fetch_batch("reddit", f"{base}/reddit.json")
    assert [d.external_id for d in batch.documents] == ["t3_aaa", "t3_ccc"]
    assert batch.documents[0].url == "https://www.reddit.com/r/stocks/comments/aaa/nvidia/"
    assert batch.documents[0].published_at == pd.Timestamp(1709650800, unit="s", tz="UTC")
    assert _errors(batch) == {("#2 (id t3_bbb)", "data.created_utc")}
    assert batch.next_cursor == "t3_ccc"


def test_stocktwits_when_stream_then_cashtags_become_symbols_and_cursor_is_max(feed_server):
    base, _ = feed_server
    batch = fetch_batch("stocktwits", f"{base}/stocktwits.json")
    assert [d.external_id for d in batch.documents] == ["100", "99"]
    assert batch.documents[1].symbols == ("AAPL", "MSFT")
    assert batch.documents[0].url == "https://stocktwits.com/trader1/message/100"
    assert _errors(batch) == {("#2 (id 98)", "body"), ("#3", "id")}
    assert batch.next_cursor == "97"


def test_edgar_submissions_when_parsed_then_items_in_words_and_acceptance_time(feed_server):
    base, _ = feed_server
    batch = fetch_batch("edgar", f"{base}/edgar_submissions.json")
    first, second = batch.documents
    assert first.title == ("Apple Inc. files 8-K: Item 2.02 Results of Operations and Financial "
                           "Condition; Item 9.01 Financial Statements and Exhibits")
    assert first.published_at == pd.Timestamp("2024-02-02T16:30:12Z")
    assert first.symbols == ("AAPL",)
    assert first.url.endswith("/edgar/data/320193/000032019324000006/aapl-20240201.htm")
    assert second.published_at == pd.Timestamp("2024-01-31T00:00:00Z")  # filing date only
    assert _errors(batch) == {("#2", "accessionNumber")}


def test_edgar_index_when_lines_malformed_then_line_numbers_named(feed_server):
    base, _ = feed_server
    batch = fetch_batch("edgar-index", f"{base}/master.20240305.idx")
    assert [d.title for d in batch.documents] == ["Apple Inc. files 8-K", "MICROSOFT CORP files 4"]
    assert _errors(batch) == {("#2 (id line 8)", "CIK"), ("#3 (id line 9)", "line")}


def test_fetch_when_rate_limited_once_then_retried_and_parsed(feed_server):
    base, _ = feed_server
    waits = []
    from signaltrust.text.fetch import fetch_bytes

    body = fetch_bytes(f"{base}/limited/rss.xml", FetchOptions(retries=1),
                       sleep=waits.append)
    assert b"Apple beats" in body and waits == [0.0]


def test_fetch_when_server_keeps_failing_then_error_names_status_and_url(feed_server):
    base, _ = feed_server
    with pytest.raises(FetchError, match="HTTP 503") as info:
        from signaltrust.text.fetch import fetch_bytes

        fetch_bytes(f"{base}/down", FetchOptions(retries=1), sleep=lambda s: None)
    assert info.value.value == f"{base}/down"


def test_fetch_when_port_closed_then_refused_is_told_apart_from_no_answer():
    import socket

    with socket.socket() as sock:  # a free port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(FetchError, match="refused"):
        fetch_batch("rss", f"http://127.0.0.1:{port}/feed.xml", FetchOptions(retries=0))


def test_fetch_when_requests_sent_then_user_agent_names_signaltrust(feed_server):
    base, server = feed_server
    fetch_batch("rss", f"{base}/atom.xml")
    assert server.user_agents[-1].startswith("SignalTrust/")


def test_unknown_source_when_named_then_validation_error_lists_sources():
    with pytest.raises(ValidationError, match="unknown source") as info:
        parse_payload("twitter", b"{}")
    assert "rss" in info.value.fix


def test_jsonl_when_lines_malformed_then_line_and_field_named(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text(
        '{"title": "Apple rises", "published_at": "2024-03-05T10:00:00Z", "symbols": "aapl"}\n'
        '{"title": "no zone", "published_at": "2024-03-05T10:00:00"}\n'
        "not json\n"
        '{"title": "seen early", "published_at": "2024-03-05T10:00:00Z", '
        '"first_seen_at": "2024-03-05T09:00:00Z"}\n'
        '{"body": "title missing"}\n', encoding="utf-8")
    batch = read_document_file(path)
    assert [d.title for d in batch.documents] == ["Apple rises"]
    assert batch.documents[0].symbols == ("AAPL",)
    assert _errors(batch) == {("#1 (id line 2)", "published_at"), ("#2 (id line 3)", "line"),
                              ("#3 (id line 4)", "first_seen_at"), ("#4 (id line 5)", "title")}


def test_csv_when_without_title_column_then_parse_error_names_the_column(tmp_path):
    path = tmp_path / "news.csv"
    path.write_text("headline,body\nApple rises,text\n", encoding="utf-8")
    with pytest.raises(ParseError, match="title"):
        read_document_file(path)
