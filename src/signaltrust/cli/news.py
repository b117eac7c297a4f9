"""``signaltrust news``: ingest news into the document store, search it as of a time."""

from __future__ import annotations

from pathlib import Path

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, progress

app = typer.Typer(help="News: ingest feeds and files, search them as of a time.",
                  no_args_is_help=True)

DB_OPTION = typer.Option(None, "--db", help="Database URL of the document store (default: "
                         "SQLite at <home>/text/documents.db).")
FILE_ARGUMENT = typer.Argument(None, help="A .jsonl or .csv file of documents, or a saved "
                               "feed or API answer with --source (e.g. --source rss).")
HEADER_OPTION = typer.Option(None, "--header", help="Extra HTTP header Name=value (an API key; "
                             "the contact address EDGAR asks for).")


def _store(db: str | None):
    from signaltrust.core.config import default_home
    from signaltrust.text.store import DocumentStore

    return DocumentStore.open(db, home=default_home())


def _index_folder(db: str | None, embedder: str) -> Path | None:
    from signaltrust.core.config import default_home

    if db is not None:
        return None  # an index cached under the home belongs to the home's store only
    return default_home() / "text" / f"index-{embedder}"


@app.command("ingest")
@handles_errors
def ingest(
    file: Path = FILE_ARGUMENT,
    source: str = typer.Option(None, "--source", help="With --url: rss, newsapi, edgar, "
                               "edgar-index, reddit, stocktwits, jsonl, csv."),
    url: str = typer.Option(None, "--url", help="The feed or API address to fetch."),
    header: list[str] = HEADER_OPTION,
    annotate: bool = typer.Option(True, "--annotate/--no-annotate", help="Find tickers, "
                                  "sentiment and events of the new documents."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Store new documents (the same item twice changes nothing); malformed items are listed.

    Examples: signaltrust news ingest headlines.jsonl;
    signaltrust news ingest --source rss --url https://example.com/feed.xml
    """
    from signaltrust.core.errors import ValidationError
    from signaltrust.text.analysis import TextAnalyzer
    from signaltrust.text.connectors import parse_payload
    from signaltrust.text.entities import EntityExtractor
    from signaltrust.text.fetch import FetchOptions
    from signaltrust.text.ingest import ingest_batch, ingest_file, ingest_url

    if (file is None) == (url is None):
        raise ValidationError("give a file, or --source and --url", field="file",
                              fix="signaltrust news ingest news.jsonl, or --source rss --url URL")
    headers = {}
    for item in header or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValidationError("a header is Name=value", field="--header", value=item,
                                  fix="e.g. --header 'X-Api-Key=...'")
        headers[name.strip()] = value
    store = _store(db)
    try:
        with progress("ingesting", total=None, quiet=as_json):
            if url is not None:
                if source is None:
                    raise ValidationError("--url needs --source", field="--source",
                                          fix="e.g. --source rss")
                report = ingest_url(store, source, url, options=FetchOptions(headers=headers))
            elif source is not None and file.suffix.lower() not in (".jsonl", ".ndjson",
                                                                    ".json", ".csv"):
                # a saved feed or API answer: parsed as the source it came from
                batch = parse_payload(source, file.read_bytes(), where=str(file))
                report = ingest_batch(store, batch, source=source)
            else:
                report = ingest_file(store, file, source=source)
            annotated = store.annotate(TextAnalyzer(EntityExtractor(use_spacy=False))) \
                if annotate else 0
    finally:
        store.close()
    if as_json:
        print_json({**report.__plain__(), "annotated": annotated})
        return
    console.print(f"stored {report.stored}, duplicates {report.duplicates}, malformed "
                  f"{len(report.errors)}", highlight=False)
    for error in report.errors:
        console.print(f"  malformed: {error}", highlight=False)


@app.command("search")
@handles_errors
def search(
    query: str = typer.Argument(..., help="What to look for, in words."),
    symbol: str = typer.Option(None, "--symbol", help="Only documents naming this ticker."),
    as_of: str = typer.Option(None, "--as-of", help="Only documents first seen at or before "
                              "this time (ISO 8601 with a zone, e.g. 2024-03-05T15:00:00Z)."),
    k: int = typer.Option(10, "--k", min=1, help="How many results."),
    embedder: str = typer.Option("minilm", "--embedder", help="minilm (meaning) or hashing "
                                 "(shared words; fast)."),
    db: str = DB_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The stored documents most similar to a query, as of a time (never a later one).

    Example: signaltrust news search "guidance cut" --symbol MSFT --as-of 2024-03-05T15:00:00Z
    """
    from signaltrust.text.documents import as_utc
    from signaltrust.text.embeddings import embedder_for
    from signaltrust.text.retrieval import NewsIndex

    cutoff = as_utc(as_of, "--as-of") if as_of is not None else None
    model = embedder_for(embedder)
    folder = _index_folder(db, embedder)
    store = _store(db)
    try:
        with progress("indexing", total=None, quiet=as_json):
            index = (NewsIndex.load(folder, model) if folder is not None
                     and (folder / "meta.json").is_file() else NewsIndex(model))
            if index.refresh(store) and folder is not None:
                index.save(folder)
            found = index.search(query, k, as_of=cutoff, symbol=symbol)
    finally:
        store.close()
    if as_json:
        print_json({"query": query, "as_of": cutoff, "symbol": symbol,
                    "results": found.to_dict("records")})
        return
    if found.empty:
        console.print("no documents")
    for row in found.itertuples(index=False):
        console.print(f"{row.score:.3f}  {row.first_seen_at:%Y-%m-%d %H:%M}  {row.title}  "
                      f"[{' '.join(row.symbols)}]", highlight=False)
