"""The bar store: a Parquet lake queried with DuckDB (default) or PostgreSQL, one interface.

>>> from signaltrust.core.config import load_settings    # doctest: +SKIP
>>> store = open_store(load_settings())                 # the backend the configuration names
>>> store.write(bars, symbol="GOOG", timeframe="1d")    # idempotent upsert
"""

from __future__ import annotations

from signaltrust.core.config import Settings
from signaltrust.core.errors import ConfigError
from signaltrust.data.store.base import BarStore, SeriesKey, WriteResult
from signaltrust.data.store.lake import ParquetLake
from signaltrust.data.store.postgres import PostgresBarStore

__all__ = ["BarStore", "ParquetLake", "PostgresBarStore", "SeriesKey", "WriteResult", "open_store"]


def open_store(settings: Settings) -> BarStore:
    """Open the bar store ``settings`` name: the lake at ``Settings.lake_path`` or PostgreSQL.

    ``store.backend = "duckdb"`` (default) opens :class:`ParquetLake` (removing the temporary
    files of interrupted writes); ``"postgres"`` opens :class:`PostgresBarStore` at
    ``store.postgres_url`` in schema ``store.postgres_schema``.
    """
    if settings.store.backend == "postgres":
        url = settings.store.postgres_url.get_secret_value() if settings.store.postgres_url else ""
        if not url:
            raise ConfigError(
                "store.backend is postgres but no PostgreSQL URL is configured",
                field="store.postgres_url",
                fix="set SIGNALTRUST__STORE__POSTGRES_URL=postgresql://user@host:5432/db "
                '(or [store] postgres_url in config.toml), or use backend = "duckdb"',
            )
        return PostgresBarStore(url, schema=settings.store.postgres_schema)
    lake = ParquetLake(settings.lake_path)
    lake.recover()  # temporary files of writes that were killed
    return lake
