"""The application database as portable table dumps: one JSON-lines file per table, read back
into SQLite or PostgreSQL through SQLAlchemy (so a SQLite backup restores into PostgreSQL)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, LargeBinary, MetaData, Table, func, select, text

from signaltrust.core.errors import ValidationError

_SKIP = {"alembic_version"}  # the target's migrations write their own
_BATCH = 2000


def _tables(engine: Engine) -> list[Table]:
    metadata = MetaData()
    metadata.reflect(bind=engine)
    return [t for t in metadata.sorted_tables if t.name not in _SKIP]


def _binary_columns(table: Table) -> set[str]:
    return {c.name for c in table.columns if isinstance(c.type, LargeBinary)}


def _encode(row: dict[str, Any], binary: set[str]) -> str:
    for name in binary:
        if row[name] is not None:
            row[name] = base64.b64encode(bytes(row[name])).decode("ascii")
    return json.dumps(row, separators=(",", ":"), allow_nan=True)


def _decode(line: str, binary: set[str]) -> dict[str, Any]:
    row = json.loads(line)
    for name in binary & row.keys():
        if row[name] is not None:
            row[name] = base64.b64decode(row[name])
    return row


def dump_tables(engine: Engine, folder: Path) -> dict[str, int]:
    """Write every table (parents before children) to ``folder/<table>.jsonl``; rows per table."""
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for table in _tables(engine):
            binary = _binary_columns(table)
            key = list(table.primary_key.columns) or list(table.columns)
            result = connection.execution_options(stream_results=True).execute(
                select(table).order_by(*key))
            n = 0
            with (folder / f"{table.name}.jsonl").open("w", encoding="utf-8") as out:
                for row in result.mappings():
                    out.write(_encode(dict(row), binary) + "\n")
                    n += 1
            counts[table.name] = n
    return counts


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows per application table."""
    with engine.connect() as connection:
        return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
                for t in _tables(engine)}


def rows_in(engine: Engine) -> int:
    """How many rows the application's tables hold (0 for a new database)."""
    return sum(table_counts(engine).values())


def _lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield line


def load_tables(engine: Engine, folder: Path, counts: dict[str, int]) -> dict[str, int]:
    """Empty the target's tables and load the dumps, in one transaction; rows loaded per table.

    ``counts`` are the manifest's rows per table: a dump that holds another number is refused
    and nothing is changed."""
    tables = {t.name: t for t in _tables(engine)}
    missing = sorted(set(counts) - set(tables))
    if missing:
        raise ValidationError(
            "the backup holds tables this database does not have", field="database",
            value=missing, fix="restore with the SignalTrust version that made the backup",
        )
    loaded: dict[str, int] = {}
    with engine.begin() as connection:
        for table in reversed(list(tables.values())):
            connection.execute(table.delete())
        for name, table in tables.items():
            if name not in counts:
                continue
            binary = _binary_columns(table)
            batch: list[dict[str, Any]] = []
            n = 0
            for line in _lines(folder / f"{name}.jsonl"):
                batch.append(_decode(line, binary))
                if len(batch) >= _BATCH:
                    connection.execute(table.insert(), batch)
                    n += len(batch)
                    batch = []
            if batch:
                connection.execute(table.insert(), batch)
                n += len(batch)
            if n != counts[name]:
                raise ValidationError(
                    f"the dump of {name} holds {n} rows, its manifest says {counts[name]}",
                    field=f"database/{name}.jsonl", value=n,
                    fix="use an intact copy of the backup",
                )
            loaded[name] = n
        if engine.dialect.name == "postgresql":
            _reset_sequences(connection, tables)
    return loaded


def _reset_sequences(connection: Any, tables: dict[str, Table]) -> None:
    """Move each serial column's sequence past the restored ids, or the next insert collides."""
    for name, table in tables.items():
        for column in table.primary_key.columns:
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:t, :c)"),
                {"t": f'"{name}"', "c": column.name}).scalar()
            if sequence:
                connection.execute(
                    text(f'SELECT setval(:s, COALESCE((SELECT MAX("{column.name}") FROM "{name}"), '
                         "0) + 1, false)"), {"s": sequence})
