"""``signaltrust text`` and ``signaltrust news`` through the CLI runner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app

runner = CliRunner()
PAYLOADS = __import__("pathlib").Path(__file__).resolve().parent / "payloads"


def _json(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_text_sentiment_when_outlook_cut_then_json_negative_score_and_label():
    payload = _json(["text", "sentiment", "Shares plunged after the company cut its outlook",
                     "--json"])
    assert payload["score"] < 0 and payload["label"] == "negative"
    assert "cut its outlook" in payload["terms"]


def test_text_entities_when_two_companies_then_json_lists_aapl_and_msft():
    assert _json(["text", "entities", "Apple and Microsoft rose", "--json"])["tickers"] == [
        "AAPL", "MSFT"]


def test_text_events_when_guidance_raised_then_json_has_signed_event():
    events = _json(["text", "events", "Nike raises its annual guidance", "--json"])["events"]
    assert events == [{"type": "guidance", "direction": 1,
                       "trigger": "raises its annual guidance"}]


def test_text_sentiment_when_text_empty_then_error_without_traceback():
    result = runner.invoke(app, ["text", "sentiment", "  "])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "empty" in result.output


def _write(tmp_path):
    path = tmp_path / "news.jsonl"
    path.write_text(
        '{"title": "Microsoft cuts its outlook on weak cloud demand", '
        '"published_at": "2024-03-05T10:00:00Z", "first_seen_at": "2024-03-05T10:01:00Z"}\n'
        '{"title": "Microsoft outlook cut again", "published_at": "2024-03-06T10:00:00Z", '
        '"first_seen_at": "2024-03-06T10:01:00Z"}\n'
        '{"title": "Apple beats estimates", "published_at": "2024-03-05T10:00:00Z", '
        '"first_seen_at": "2024-03-05T11:00:00Z"}\n'
        'not json\n', encoding="utf-8")
    return path


def test_news_ingest_when_file_twice_then_second_stores_nothing_and_bad_line_named(tmp_path):
    path = _write(tmp_path)
    first = _json(["news", "ingest", str(path), "--json"])
    second = _json(["news", "ingest", str(path), "--json"])
    assert (first["stored"], first["malformed"], first["annotated"]) == (3, 1, 3)
    assert first["errors"][0]["item"] == "#3 (id line 4)"
    assert (second["stored"], second["duplicates"]) == (0, 3)


def test_news_ingest_when_saved_feed_with_source_then_parsed_as_that_source():
    payload = _json(["news", "ingest", str(PAYLOADS / "rss.xml"), "--source", "rss", "--json"])
    assert (payload["stored"], payload["malformed"]) == (2, 2)


def test_news_ingest_when_url_from_loopback_then_stored(feed_server, tmp_path):
    base, _ = feed_server
    db = f"sqlite:///{tmp_path / 'n.db'}"
    payload = _json(["news", "ingest", "--source", "reddit", "--url", f"{base}/reddit.json",
                     "--db", db, "--json"])
    assert payload["stored"] == 2


def test_news_ingest_when_neither_file_nor_url_then_error_names_the_fix():
    result = runner.invoke(app, ["news", "ingest"])
    assert result.exit_code != 0 and "--source" in result.output


def test_news_search_when_as_of_then_no_later_document_and_symbol_filters(tmp_path):
    runner.invoke(app, ["news", "ingest", str(_write(tmp_path))])
    args = ["news", "search", "Microsoft outlook cut", "--embedder", "hashing", "--json"]
    early = _json([*args, "--as-of", "2024-03-05T12:00:00Z"])["results"]
    assert [r["title"] for r in early][:1] == ["Microsoft cuts its outlook on weak cloud demand"]
    assert all(r["first_seen_at"] <= "2024-03-05T12:00:00+00:00" for r in early)
    late = _json(args)["results"]
    assert late[0]["title"] == "Microsoft outlook cut again"
    apple = _json([*args, "--symbol", "AAPL"])["results"]
    assert [r["title"] for r in apple] == ["Apple beats estimates"]


@pytest.mark.parametrize("as_of", ["2024-03-05 12:00", "yesterday"])
def test_news_search_when_as_of_has_no_zone_then_error_asks_for_one(as_of):
    result = runner.invoke(app, ["news", "search", "x", "--embedder", "hashing", "--as-of",
                                 as_of])
    assert result.exit_code != 0 and "zone" in result.output
