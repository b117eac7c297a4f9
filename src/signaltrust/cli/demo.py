"""``signaltrust demo``: the main job on the embedded defaults."""

from __future__ import annotations

import typer


def demo() -> None:
    """Ingest the bundled data into the store, check it and print a summary.

    Example: SIGNALTRUST_HOME=/tmp/st signaltrust demo
    """
    typer.echo("demo: being written")
