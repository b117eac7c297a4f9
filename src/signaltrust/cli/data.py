"""``signaltrust data``: bundled datasets, imports, the bar store and quality checks."""

from __future__ import annotations

import typer

from signaltrust.cli import data_catalog, data_check, data_download, data_record, data_store

app = typer.Typer(
    help="Datasets, the bar store and data-quality checks.\n\nExample: signaltrust data show sp500",
    no_args_is_help=True,
)
data_catalog.register(app)
data_store.register(app)
data_check.register(app)
data_download.register(app)
data_record.register(app)
