"""``signaltrust node``: the trading nodes of this installation's database, and commands to them.

A command (stop, pause, resume, cancel, close, reconcile, ack) is queued in the database; the running node
picks it up within a fraction of a second, journals it and answers. A node that is not running
answers nothing: its status says so.
"""

from __future__ import annotations

import os
import time
from typing import Any

import pandas as pd
import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, table

app = typer.Typer(help="Trading nodes: list them, see one, send it a command.",
                  no_args_is_help=True)

NAME_ARGUMENT = typer.Argument(..., help="The node's name (see `signaltrust node list`).")
WAIT_OPTION = typer.Option(5.0, "--wait", min=0, help="Seconds to wait for the node's answer.")
NOTE_OPTION = typer.Option("", "--note", help="Why (kept in the journal).")


def _registry() -> Any:
    from signaltrust.cli.paper import open_app_database
    from signaltrust.storage import NodeRegistry

    return NodeRegistry(open_app_database())


def _when(ns: int | None) -> str:
    return "" if ns is None else pd.Timestamp(ns, tz="UTC").strftime("%Y-%m-%d %H:%M:%S")


@app.command("list")
@handles_errors
def list_nodes(as_json: bool = JSON_OPTION) -> None:
    """Every node: name, mode, status, last heartbeat, equity."""
    records = _registry().list()
    rows = []
    for r in records:
        accounts = (r.summary or {}).get("accounts", [])
        equity = sum(a.get("equity", 0.0) for a in accounts)
        rows.append({"name": r.name, "mode": r.mode, "status": r.effective_status(),
                     "heartbeat": _when(r.heartbeat_ns), "steps": (r.summary or {}).get("steps"),
                     "equity": equity if accounts else None})
    if as_json:
        print_json({"nodes": rows})
        return
    if not rows:
        console.print("no nodes yet: start one with `signaltrust paper --data sp500 --name demo`")
        return
    console.print(table("trading nodes", list(rows[0]), [
        [("" if v is None else f"{v:,.2f}" if isinstance(v, float) else str(v))
         for v in row.values()] for row in rows]))


@app.command("status")
@handles_errors
def status(name: str = NAME_ARGUMENT, as_json: bool = JSON_OPTION) -> None:
    """One node's status, configuration and accounts (cash, equity, positions, risk state)."""
    record = _registry().require(name)
    summary = record.summary or {}
    payload = {"name": record.name, "mode": record.mode, "status": record.effective_status(),
               "pid": record.pid, "heartbeat": _when(record.heartbeat_ns),
               "steps": summary.get("steps"), "last_bar": summary.get("last_bar"),
               "accounts": summary.get("accounts", []), "config": record.config}
    if as_json:
        print_json(payload)
        return
    console.print(f"node {name} ({record.mode}): {payload['status']}, {payload['steps']} steps, "
                  f"last bar {payload['last_bar']}, heartbeat {payload['heartbeat']}")
    for account in payload["accounts"]:
        console.print(
            f"  {account['account']} ({account['broker']}): equity {account['equity']:,.2f}, "
            f"cash {account['cash']:,.2f}, positions {account['positions'] or 'none'}, "
            f"fills {account['fills']}, risk {account['risk_state']}"
            + (", paused" if account.get("paused") else "")
        )


def _send(name: str, command: str, wait: float, as_json: bool, args: dict | None = None) -> None:
    registry = _registry()
    record = registry.require(name)
    command_id = registry.post(name, command, args, actor=os.environ.get("USER", "cli"))
    answer = None
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        answer = registry.command(command_id).result
        if answer is not None:
            break
        time.sleep(0.1)
    running = record.running
    if answer is None:
        answer = ("queued: the node is not running; it acts on the command when it starts"
                  if not running else f"queued: no answer within {wait:g}s")
    if as_json:
        print_json({"node": name, "command": command, "id": command_id, "answer": answer})
    else:
        console.print(f"{name}: {command}: {answer}")


@app.command("stop")
@handles_errors
def stop(name: str = NAME_ARGUMENT, wait: float = WAIT_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Stop a node after its current step (it snapshots; start it again to resume)."""
    _send(name, "stop", wait, as_json)


@app.command("pause")
@handles_errors
def pause(name: str = NAME_ARGUMENT, wait: float = WAIT_OPTION,
          as_json: bool = JSON_OPTION) -> None:
    """Deny every new order until resume (working orders and cancels are untouched)."""
    _send(name, "pause", wait, as_json)


@app.command("resume")
@handles_errors
def resume(name: str = NAME_ARGUMENT, wait: float = WAIT_OPTION,
           as_json: bool = JSON_OPTION) -> None:
    """Let a paused node trade again."""
    _send(name, "resume", wait, as_json)


@app.command("cancel")
@handles_errors
def cancel(name: str = NAME_ARGUMENT, wait: float = WAIT_OPTION,
           as_json: bool = JSON_OPTION) -> None:
    """Cancel every open order of the node (positions stay as they are)."""
    _send(name, "cancel", wait, as_json)


@app.command("close")
@handles_errors
def close(name: str = NAME_ARGUMENT,
          symbol: str = typer.Option(None, "--symbol",
                                     help="Close only this symbol's position (default: all)."),
          wait: float = WAIT_OPTION, as_json: bool = JSON_OPTION) -> None:
    """Close the node's positions with market orders: every one, or one symbol's."""
    _send(name, "close", wait, as_json, {"symbol": symbol} if symbol else None)


@app.command("reconcile")
@handles_errors
def reconcile(name: str = NAME_ARGUMENT, wait: float = WAIT_OPTION,
              as_json: bool = JSON_OPTION) -> None:
    """Compare the node's orders, fills and positions with its brokers' now; report differences."""
    _send(name, "reconcile", wait, as_json)


@app.command("ack")
@handles_errors
def ack(name: str = NAME_ARGUMENT, note: str = NOTE_OPTION, wait: float = WAIT_OPTION,
        as_json: bool = JSON_OPTION) -> None:
    """Acknowledge the differences that put the node in REDUCING or HALTED: it trades again."""
    _send(name, "ack", wait, as_json, {"note": note})


__all__ = ["app"]
