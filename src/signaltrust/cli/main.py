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
        LazyCommand("rl", "signaltrust.cli.rl:app", "Reinforcement-learning agents judged "
                    "honestly (out of sample, after costs, against buy-and-hold)."),
        LazyCommand("paper", "signaltrust.cli.paper:paper",
                    "Paper-trade a strategy on a node that replays stored bars; every step is "
                    "journalled, and the same --name resumes."),
        LazyCommand("live", "signaltrust.cli.paper:live",
                    "Trade a strategy through a venue: its paper endpoint unless --real is "
                    "given and confirmed."),
        LazyCommand("up", "signaltrust.cli.up:up",
                    "Start the API, the dashboard and a paper node replaying the S&P 500; "
                    "Ctrl-C stops."),
        LazyCommand("api", "signaltrust.cli.api:api",
                    "Serve the SignalTrust API (FastAPI on uvicorn): /docs, /openapi.json, "
                    "/api/v1/..."),
        LazyCommand("jobs", "signaltrust.cli.jobs:app",
                    "Research jobs of the API: run the queued ones in a worker of their own."),
        LazyCommand("users", "signaltrust.cli.users:app",
                    "API users and their roles (viewer < trader < admin)."),
        LazyCommand("keys", "signaltrust.cli.keys:app",
                    "API keys (X-API-Key): create one for a user, list, revoke."),
        LazyCommand("node", "signaltrust.cli.node:app",
                    "Trading nodes: list them, see one, send it a command."),
        LazyCommand("text", "signaltrust.cli.text:app",
                    "Text signals: sentiment, tickers and events of a text."),
        LazyCommand("news", "signaltrust.cli.news:app",
                    "News: ingest feeds and files, search them as of a time."),
        LazyCommand("loop", "signaltrust.cli.loop:app",
                    "The continuous learning loop: simulate it over history, run its scheduled "
                    "jobs, see its state."),
        LazyCommand("drift", "signaltrust.cli.drift:app",
                    "Drift: PSI and Kolmogorov-Smirnov per feature, recent window against a "
                    "reference."),
        LazyCommand("options", "signaltrust.cli.options:app",
                    "Options: prices and Greeks, implied volatility, a venue's chain."),
        LazyCommand("signal", "signaltrust.cli.signal:signal",
                    "The explained signal: score, model probability, LLM confidence (when "
                    "configured), features, each agent's view, the breakout score, related "
                    "documents, in plain language."),
        LazyCommand("agents", "signaltrust.cli.agents:app",
                    "Oversight agents: list them, read their audit trail and usage, decide "
                    "pending approvals."),
        LazyCommand("backup", "signaltrust.cli.backup:backup",
                    "Back up the database, the bar lake and the model registry into a new "
                    "folder."),
        LazyCommand("restore", "signaltrust.cli.backup:restore",
                    "Restore a backup folder; existing data is replaced only with --force."),
        LazyCommand("explain", "signaltrust.cli.explain:explain",
                    "Explain a trade of a saved run or a node: rule, features, checks, sizing, "
                    "fills, costs, outcome."),
        LazyCommand("learn", "signaltrust.cli.learn:app",
                    "Lessons on the platform's own data, quizzes, your progress, saved runs."),
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

    The command line is the boundary that reads the configuration: the settings read here are
    kept in ``ctx.obj``, and commands pass settings on to the library as arguments.
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
    """Console-script entry point: no traceback reaches the user unless SIGNALTRUST_DEBUG=1.

    Commands turn user errors and environment faults into one-line messages themselves; what
    still escapes is a bug, reported as one and kept visible with ``SIGNALTRUST_DEBUG=1``.
    Secrets are masked in every log line.
    """
    import os
    import sys

    def mask_secrets(text: object) -> str:  # loaded when needed: --help does not need it
        from signaltrust.core.config import mask_secrets as mask

        return mask(text)

    make_record = logging.getLogRecordFactory()

    def masked_record(*args: object, **kwargs: object) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if "://" in str(record.msg) or any("://" in str(a) for a in record.args or ()):
            record.msg, record.args = mask_secrets(record.getMessage()), None
        return record

    logging.setLogRecordFactory(masked_record)
    debug = os.environ.get("SIGNALTRUST_DEBUG", "").strip().lower() not in ("", "0", "false", "no")
    try:
        app()
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        sys.exit(130)
    except Exception as exc:
        if debug:
            raise
        from signaltrust.core.errors import SignalTrustError

        if isinstance(exc, SignalTrustError):  # a command without handles_errors
            sys.stderr.write(f"error: {mask_secrets(exc)}\n")
            sys.exit(exc.exit_code)
        if isinstance(exc, OSError):
            from signaltrust.cli.console import os_fault

            sys.stderr.write(f"error: {mask_secrets(os_fault(exc))}\n")
            sys.exit(1)
        sys.stderr.write(
            f"internal error: {type(exc).__name__}: {mask_secrets(exc)}\n"
            "This is a bug in SignalTrust, not in your input. Run the command again with "
            "SIGNALTRUST_DEBUG=1 to see the traceback, and report it.\n"
        )
        sys.exit(1)
