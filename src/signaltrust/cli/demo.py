"""``signaltrust demo``: the main job on the embedded defaults."""

from __future__ import annotations

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, progress, table
from signaltrust.core.config import load_settings
from signaltrust.research.demo import run_demo


@handles_errors
def demo(as_json: bool = JSON_OPTION) -> None:
    """Run the main job: ingest the bundled real data into the store, check it, summarise.

    Runs on the embedded defaults (DuckDB over a Parquet lake in the data home); running it twice
    changes nothing in the store.

    Example: SIGNALTRUST_HOME=/tmp/st signaltrust demo
    """
    settings = load_settings()
    with progress("demo", total=None, quiet=as_json) as advance:
        report = run_demo(settings, advance)
    if as_json:
        print_json(report.to_dict())
        return
    console.print(f"[bold]SignalTrust demo[/] — home {report.home}, store {report.store}")
    console.print(
        table(
            "Ingested into the bar store",
            ["dataset", "symbol", "timeframe", "bars", "inserted", "unchanged", "conflicts"],
            [list(r.values()) for r in report.ingested],
        )
    )
    console.print(
        table(
            "Data-quality checks (report only, nothing fixed)",
            ["dataset", "errors", "warnings", "findings"],
            [list(r.values()) for r in report.checks],
        )
    )
