"""``signaltrust explain``: why a trade of a saved backtest run or of a node was made, how it
was sized, filled and charged, and how it ended against what was expected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, table

RUN_OPTION = typer.Option(..., "--run", "-r", help="A saved run's name (`signaltrust learn "
                          "runs`), a saved run's .json file, or a node's name.")
TRADE_OPTION = typer.Option(None, "--trade", "-t", min=1,
                            help="The trade's number (1 = the first); without it, the list.")
SYMBOL_OPTION = typer.Option(None, "--symbol", help="A node's symbol (default: its first).")


def runs_folder() -> Path:
    """Where saved runs live: ``<home>/runs``."""
    from signaltrust.core.config import load_settings

    return load_settings().home / "runs"


def open_trades(run: str, symbol: str | None = None) -> Any:
    """The record of ``run``: a saved backtest run, else a node of the database."""
    from signaltrust.learn.sources import open_record

    folder = runs_folder()
    if (folder / f"{run}.json").exists() or run.endswith(".json"):
        return open_record(run, runs_folder=folder, allow_paths=True)
    from signaltrust.cli.paper import open_app_database

    return open_record(run, runs_folder=folder, database=open_app_database(), symbol=symbol)


@handles_errors
def explain(run: str = RUN_OPTION, trade: int | None = TRADE_OPTION,
            symbol: str | None = SYMBOL_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Explain a trade of a saved run or a node: rule, features, checks, sizing, fills, costs,
    outcome.

    The rule that fired and the values it compared, the features at the decision's close, the
    checks the order passed, how it was sized, filled and charged, and how it ended against
    the mean of the trades closed before it.

    Example: signaltrust learn save demo --data goog --strategy sma_cross --sl-stop 0.05
    then: signaltrust explain --run demo --trade 1
    """
    from signaltrust.learn.explain import explain_trade

    record = open_trades(run, symbol)
    if trade is None:
        rows = record.trades
        if as_json:
            print_json({"run": record.run, "source": record.source, "trades": rows})
            return
        console.print(table(f"trades of {record.source} '{record.run}'",
                            ["#", "asset", "direction", "entry", "exit", "pnl", "exit reason"],
                            [[str(i + 1), str(r.asset), str(r.direction),
                              str(r.entry_time)[:19], str(r.exit_time)[:19], f"{r.pnl:,.2f}",
                              str(r.exit_reason)] for i, r in enumerate(rows.itertuples())]))
        return
    why = explain_trade(record, trade)
    if as_json:
        print_json(why.__plain__())
        return
    console.print(why.text(), markup=False, highlight=False)
