"""The document store: SQLite under the data home by default, PostgreSQL when configured.

Why SQLite (through SQLAlchemy 2) rather than DuckDB/Parquet for documents: ingestion is many
small, idempotent upserts keyed on a content hash, read back by row (search results, one
symbol's news); that is a row store's job, SQLite does it transactionally with no server, and
the same SQLAlchemy Core statements run unchanged on PostgreSQL (``ON CONFLICT DO NOTHING`` on
both). Bulk analytics read a DataFrame out of it (:meth:`DocumentStore.frame`).

Times are stored as integer UTC nanoseconds (exact, zone-free, sortable on both back-ends).
Nothing stored is ever updated by an ingest: a document already present (same content hash)
keeps its first-seen time and fields.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from signaltrust.core.errors import StoreError, ValidationError
from signaltrust.text.documents import Document, ItemError, as_utc

_CHUNK = 500


@dataclass
class IngestReport:
    """What an ingest did: new documents stored, duplicates skipped, malformed items."""

    source: str
    stored: int = 0
    duplicates: int = 0
    errors: list[ItemError] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)

    @property
    def seen(self) -> int:
        return self.stored + self.duplicates + len(self.errors)

    def __plain__(self) -> dict[str, Any]:
        return {"source": self.source, "stored": self.stored, "duplicates": self.duplicates,
                "malformed": len(self.errors), "errors": [e.__plain__() for e in self.errors]}


def _ns(stamp: pd.Timestamp | None) -> int | None:
    return None if stamp is None else int(stamp.as_unit("ns").value)


def _symbols_text(symbols: Iterable[str]) -> str:
    # " AAPL MSFT ": a LIKE '% AAPL %' finds one symbol on both back-ends
    items = sorted({s.strip().upper() for s in symbols if s and s.strip()})
    return f" {' '.join(items)} " if items else ""


class DocumentStore:
    """Documents and their NLP annotations in one SQL database.

    ``DocumentStore.open(url=None, home=...)``: ``url`` is a SQLAlchemy URL
    (``postgresql+psycopg://...`` or ``sqlite:///path``); without one, SQLite at
    ``<home>/text/documents.db``. ``schema`` places the tables in a PostgreSQL schema.
    """

    def __init__(self, engine: sa.Engine, schema: str | None = None) -> None:
        self.engine = engine
        self.schema = schema
        self.metadata = sa.MetaData(schema=schema)
        self.documents = sa.Table(
            "text_documents", self.metadata,
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("content_hash", sa.String(64), nullable=False, unique=True),
            sa.Column("source", sa.String(64), nullable=False),
            sa.Column("external_id", sa.Text, nullable=False, default=""),
            sa.Column("url", sa.Text, nullable=False, default=""),
            sa.Column("title", sa.Text, nullable=False),
            sa.Column("body", sa.Text, nullable=False, default=""),
            sa.Column("published_ns", sa.BigInteger, nullable=True),
            sa.Column("first_seen_ns", sa.BigInteger, nullable=False, index=True),
            sa.Column("language", sa.String(16), nullable=False, default="und"),
            sa.Column("symbols", sa.Text, nullable=False, default=""),
        )
        self.annotations = sa.Table(
            "text_annotations", self.metadata,
            sa.Column("content_hash", sa.String(64), primary_key=True),
            sa.Column("analyzer", sa.String(128), primary_key=True),
            sa.Column("tickers", sa.Text, nullable=False, default=""),
            sa.Column("sentiment", sa.Float, nullable=False),
            sa.Column("events", sa.Text, nullable=False, default="[]"),
        )
        try:
            if schema and engine.dialect.name == "postgresql":
                with engine.begin() as conn:
                    conn.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            self.metadata.create_all(engine)
        except sa.exc.SQLAlchemyError as exc:
            raise StoreError(
                f"cannot open the document store: {exc.__class__.__name__}: "
                f"{getattr(exc, 'orig', exc)}",
                field="text.store", value=str(engine.url),
                fix="check the database URL and that the server is running",
            ) from None

    @classmethod
    def open(cls, url: str | None = None, *, home: Path | str | None = None,
             schema: str | None = None) -> DocumentStore:
        """The store at ``url``, or SQLite under ``<home>/text`` (ValidationError without
        either)."""
        if url is None:
            if home is None:
                raise ValidationError(
                    "the document store needs a database URL or a data home", field="url",
                    fix="pass url='sqlite:///news.db', a PostgreSQL URL, or home=settings.home",
                )
            folder = Path(home).expanduser() / "text"
            folder.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{folder / 'documents.db'}"
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        try:
            engine = sa.create_engine(url)
        except (sa.exc.ArgumentError, ModuleNotFoundError) as exc:
            raise ValidationError("not a usable database URL", field="url", value=url,
                                  fix="use sqlite:///path.db or postgresql://user@host/db") from exc
        return cls(engine, schema=schema)

    # -- writing ---------------------------------------------------------------------------
    def _insert(self, table: sa.Table) -> Any:
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        return insert(table)

    def add(self, documents: Sequence[Document], *, source: str = "",
            errors: Sequence[ItemError] = ()) -> IngestReport:
        """Store the documents not yet present (by content hash); present ones are untouched.

        Every document needs ``first_seen_at``. Returns an :class:`IngestReport`.
        """
        report = IngestReport(source=source or (documents[0].source if documents else ""),
                              errors=list(errors))
        unique: dict[str, Document] = {}
        for doc in documents:
            if doc.first_seen_at is None:
                raise ValidationError("a stored document needs its first-seen time",
                                      field="first_seen_at", value=doc.title[:60],
                                      fix="set first_seen_at (ingest() does it)")
            unique.setdefault(doc.content_hash, doc)
        report.duplicates += len(documents) - len(unique)
        report.hashes = list(unique)
        hashes = list(unique)
        with self.engine.begin() as conn:
            present: set[str] = set()
            for start in range(0, len(hashes), _CHUNK):
                chunk = hashes[start:start + _CHUNK]
                rows = conn.execute(sa.select(self.documents.c.content_hash)
                                    .where(self.documents.c.content_hash.in_(chunk)))
                present.update(r[0] for r in rows)
            new = [unique[h] for h in hashes if h not in present]
            report.duplicates += len(present)
            if new:
                rows = [{
                    "content_hash": d.content_hash, "source": d.source,
                    "external_id": d.external_id, "url": d.url, "title": d.title,
                    "body": d.body, "published_ns": _ns(d.published_at),
                    "first_seen_ns": _ns(d.first_seen_at), "language": d.language,
                    "symbols": _symbols_text(d.symbols),
                } for d in new]
                statement = self._insert(self.documents).on_conflict_do_nothing(
                    index_elements=["content_hash"])
                for start in range(0, len(rows), _CHUNK):
                    conn.execute(statement, rows[start:start + _CHUNK])
            report.stored = len(new)
        return report

    def annotate(self, analyzer: Any, *, batch: int = 256) -> int:
        """Run ``analyzer`` (a :class:`~signaltrust.text.analysis.TextAnalyzer`) over the
        documents it has not annotated yet and store tickers, sentiment and events; returns
        how many it annotated."""
        name = analyzer.name
        a, d = self.annotations, self.documents
        done = 0
        while True:
            missing = (sa.select(d.c.content_hash, d.c.title, d.c.body, d.c.symbols)
                       .where(~sa.exists().where((a.c.content_hash == d.c.content_hash)
                                                 & (a.c.analyzer == name)))
                       .order_by(d.c.id).limit(batch))
            with self.engine.connect() as conn:
                rows = conn.execute(missing).all()
            if not rows:
                return done
            texts = [f"{r.title}. {r.body}".strip(" .") if r.body else r.title for r in rows]
            results = analyzer.analyze_many(texts)
            values = [{
                "content_hash": r.content_hash, "analyzer": name,
                "tickers": _symbols_text([*r.symbols.split(), *res.tickers]),
                "sentiment": float(res.sentiment),
                "events": json.dumps([e.__plain__() for e in res.events]),
            } for r, res in zip(rows, results, strict=True)]
            with self.engine.begin() as conn:
                conn.execute(self._insert(a).on_conflict_do_nothing(
                    index_elements=["content_hash", "analyzer"]), values)
            done += len(values)

    # -- reading ---------------------------------------------------------------------------
    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(self.documents))
                       .scalar_one())

    def frame(self, *, symbol: str | None = None, as_of: Any = None, since: Any = None,
              source: str | None = None, analyzer: str | None = None,
              ids: Sequence[int] | None = None, limit: int | None = None) -> pd.DataFrame:
        """Documents as a DataFrame (one row each, by first-seen time), optionally only those
        first seen at or before ``as_of`` and after ``since``, of one ``source`` or ``symbol``.

        With ``analyzer``, its annotations are joined (``tickers``, ``sentiment``,
        ``events``) and ``symbol`` matches the tickers it found as well as the source's.
        """
        d, a = self.documents, self.annotations
        columns = [d.c.id, d.c.content_hash, d.c.source, d.c.external_id, d.c.url, d.c.title,
                   d.c.body, d.c.published_ns, d.c.first_seen_ns, d.c.language, d.c.symbols]
        query = sa.select(*columns)
        if analyzer is not None:
            query = sa.select(*columns, a.c.tickers, a.c.sentiment, a.c.events).join(
                a, (a.c.content_hash == d.c.content_hash) & (a.c.analyzer == analyzer),
                isouter=True)
        if as_of is not None:
            query = query.where(d.c.first_seen_ns <= _ns(as_utc(as_of, "as_of")))
        if since is not None:
            query = query.where(d.c.first_seen_ns > _ns(as_utc(since, "since")))
        if source is not None:
            query = query.where(d.c.source == source)
        if ids is not None:
            query = query.where(d.c.id.in_([int(i) for i in ids]))
        if symbol is not None:
            pattern = f"% {symbol.strip().upper()} %"
            cond = d.c.symbols.like(pattern)
            if analyzer is not None:
                cond = cond | a.c.tickers.like(pattern)
            query = query.where(cond)
        query = query.order_by(d.c.first_seen_ns, d.c.id)
        if limit is not None:
            query = query.limit(int(limit))
        with self.engine.connect() as conn:
            frame = pd.DataFrame(conn.execute(query).mappings().all())
        if frame.empty:
            names = [c.name for c in columns] + (
                ["tickers", "sentiment", "events"] if analyzer else [])
            frame = pd.DataFrame(columns=names)
        for name in ("published_ns", "first_seen_ns"):
            stamps = pd.to_datetime(frame[name].astype("Int64"), unit="ns", utc=True)
            frame[name.replace("_ns", "_at")] = stamps
        frame = frame.drop(columns=["published_ns", "first_seen_ns"])
        frame["symbols"] = frame["symbols"].map(lambda s: tuple(str(s).split()))
        if analyzer is not None:
            frame["tickers"] = frame["tickers"].map(
                lambda s: tuple(str(s).split()) if isinstance(s, str) else ())
            frame["events"] = frame["events"].map(
                lambda s: json.loads(s) if isinstance(s, str) else [])
        return frame

    def close(self) -> None:
        self.engine.dispose()


__all__ = ["DocumentStore", "IngestReport"]
