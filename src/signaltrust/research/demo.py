"""The demo pipeline: the main job on the embedded defaults (bundled data, DuckDB over Parquet).

Each step is a function that returns plain data, so the CLI only renders and tests only assert.
Later waves add steps (backtest, sweep, models, risk) to :func:`run_demo`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from signaltrust.core.config import Settings, load_settings


@dataclass
class DemoReport:
    """What the demo did: one entry per step, each a list of rows of plain values."""

    home: str
    store: str
    ingested: list[dict[str, Any]] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    extras: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "home": self.home,
            "store": self.store,
            "ingested": self.ingested,
            "checks": self.checks,
            **self.extras,
        }


def ingest_bundled(settings: Settings, advance: Callable[[int], None] = lambda n=1: None) -> list[dict]:
    """Write every bundled bar dataset into the configured store (idempotent)."""
    from signaltrust.data.catalog import list_datasets, load
    from signaltrust.data.store import open_store

    store = open_store(settings)
    rows = []
    for spec in list_datasets():
        if spec.kind != "bars":
            continue
        bars = load(spec.name)
        result = store.write(
            bars[[c for c in ("open", "high", "low", "close", "volume") if c in bars.columns]],
            symbol=spec.instrument.symbol,
            venue=spec.instrument.venue,
            timeframe=str(spec.timeframe),
        )
        rows.append(
            {
                "dataset": spec.name,
                "symbol": spec.instrument.symbol,
                "timeframe": str(spec.timeframe),
                "bars": len(bars),
                "inserted": result.inserted,
                "unchanged": result.unchanged,
                "conflicts": result.conflicts,
            }
        )
        advance(1)
    return rows


def check_bundled(advance: Callable[[int], None] = lambda n=1: None) -> list[dict]:
    """Run the data-quality checks on every bundled dataset and count what they find."""
    from signaltrust.data.catalog import list_datasets
    from signaltrust.data.quality import check_dataset

    rows = []
    for spec in list_datasets():
        report = check_dataset(spec.name)
        by_check = report.summary()
        rows.append(
            {
                "dataset": spec.name,
                "errors": len(report.errors),
                "warnings": len(report.warnings),
                "findings": ", ".join(f"{k}: {v}" for k, v in sorted(by_check.items())) or "clean",
            }
        )
        advance(1)
    return rows


def run_demo(
    settings: Settings | None = None, advance: Callable[[int], None] = lambda n=1: None
) -> DemoReport:
    """Ingest the bundled data into the store, check it, and return a summary."""
    settings = settings or load_settings()
    report = DemoReport(home=str(settings.home), store=settings.store.backend)
    report.ingested = ingest_bundled(settings, advance)
    report.checks = check_bundled(advance)
    return report
