"""The ``signaltrust`` command: one Typer app, one sub-command or sub-app per concern.

Sub-commands load on use (see ``cli.lazy``), so ``signaltrust --help`` answers without importing
pandas, numba, scikit-learn or the rest; each command imports its heavy work when it runs.
"""

from __future__ import annotations

import logging

import typer

from signaltrust import __version__
from signaltrust.cli.lazy import LazyCommand, LazyGroup


class SignalTrustGroup(LazyGroup):
    """The top-level command group: every sub-command below is imported when first used."""

    LAZY = (
        LazyCommand("demo", "signaltrust.cli.demo:demo",
                    "Run the main job: ingest the bundled real data into the store, check it, "
                    "summarise."),
        LazyCommand("backtest", "signaltrust.cli.backtest:backtest",
                    "Backtest a strategy on bundled data and print its statistics (costs on by "
                    "default)."),
        LazyCommand("sweep", "signaltrust.cli.backtest:sweep",
                    "Backtest every combination of a parameter grid in one compiled pass; show "
                    "the best."),
        LazyCommand("optimize", "signaltrust.cli.optimize:optimize_command",
                    "Search a strategy's parameters; the best comes with its deflated Sharpe "
                    "ratio and PBO."),
        LazyCommand("walkforward", "signaltrust.cli.optimize:walkforward_command",
                    "Walk-forward optimisation: choose in sample, trade out of sample, stitch, "
                    "judge stability."),
        LazyCommand("config", "signaltrust.cli.config:app", "Show the effective configuration."),
        LazyCommand("data", "signaltrust.cli.data:app",
                    "Datasets, the bar store and data-quality checks."),
        LazyCommand("models", "signaltrust.cli.models:app",
                    "Registered models (MLflow): list, show a version's record, promote by "
                    "alias."),
        LazyCommand("check", "signaltrust.cli.check:app", "Research-integrity checks."),
        LazyCommand("risk", "signaltrust.cli.risk:app",
                    "Risk: VaR/CVaR, exposures and stress tests."),
        LazyCommand("ml", "signaltrust.cli.ml:app",
                    "Machine-learning signals judged honestly (walk-forward, out of sample, "
                    "after costs)."),
    )


app = typer.Typer(
    name="signaltrust",
    cls=SignalTrustGroup,
    help="SignalTrust: trading signals with the evidence of how far to trust them.\n\n"
    "Example: signaltrust demo",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Validate the configuration before any command runs (a bad value exits 1).

    The settings read here are the run's: commands find them in ``ctx.obj`` and pass them on.
    """
    from signaltrust.cli.console import err_console
    from signaltrust.core.config import load_settings
    from signaltrust.core.errors import SignalTrustError

    try:
        settings = load_settings()
    except SignalTrustError as exc:
        err_console.print(f"[bold red]configuration error:[/] {exc}", highlight=False)
        raise typer.Exit(code=1) from None
    ctx.obj = settings
    logging.basicConfig(level=settings.log.level, format="%(levelname)s %(name)s: %(message)s")


def run() -> None:
    """Console-script entry point."""
    app()
