"""The ``signaltrust`` command: one Typer app, one sub-app per concern."""

from __future__ import annotations

import logging

import typer

from signaltrust import __version__
from signaltrust.cli import config as config_cli
from signaltrust.cli.console import err_console
from signaltrust.core.config import load_settings
from signaltrust.core.errors import SignalTrustError

app = typer.Typer(
    name="signaltrust",
    help="SignalTrust: trading signals with the evidence of how far to trust them.\n\n"
    "Example: signaltrust demo",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.add_typer(config_cli.app, name="config")


def _register_optional() -> None:
    """Sub-apps of other modules; each registers itself if present."""
    from signaltrust.cli import data as data_cli
    from signaltrust.cli import demo as demo_cli

    app.add_typer(data_cli.app, name="data")
    app.command("demo")(demo_cli.demo)

    from signaltrust.cli import backtest as backtest_cli

    backtest_cli.register(app)

    from signaltrust.cli import models as models_cli

    app.add_typer(models_cli.app, name="models")

    from signaltrust.cli import check as check_cli

    app.add_typer(check_cli.app, name="check")

    from signaltrust.cli import optimize as optimize_cli

    optimize_cli.register(app)

    from signaltrust.cli import risk as risk_cli

    app.add_typer(risk_cli.app, name="risk")

    from signaltrust.cli import ml as ml_cli

    app.add_typer(ml_cli.app, name="ml")


_register_optional()


def _version(value: bool) -> None:
    if value:
        typer.echo(__version__)
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Validate the configuration before any command runs (a bad value exits 1)."""
    try:
        settings = load_settings()
    except SignalTrustError as exc:
        err_console.print(f"[bold red]configuration error:[/] {exc}", highlight=False)
        raise typer.Exit(code=1) from None
    logging.basicConfig(level=settings.log.level, format="%(levelname)s %(name)s: %(message)s")


def run() -> None:
    """Console-script entry point."""
    app()
