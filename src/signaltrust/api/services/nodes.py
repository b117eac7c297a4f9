"""Paper trading nodes for the API: list them, start one as a background process, read its
orders, fills, positions and P&L, and queue operators' commands to it.

A node is :class:`signaltrust.live.node.TradingNode` run by ``signaltrust paper ... --name N``
in its own process (the API never trades in its own process: a crash of one does not stop the
other). It shares the application database: its registry row (status, heartbeat, summary)
and its journal are what this service reads, and the registry's command queue is how it is
told to stop, pause, resume, reconcile, acknowledge, cancel or close.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from signaltrust.api.services.job_kinds import check_data, check_strategy
from signaltrust.core.errors import ValidationError
from signaltrust.storage import Database, Journal, NodeRegistry
from signaltrust.storage.journal import COMMANDS

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,47}$")
RUNNING = ("running", "starting")


def check_node_name(name: Any) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValidationError(
            "a node's name is 1-48 letters, digits, - or _ (starting with a letter or digit)",
            field="name", value=name, fix="choose a name such as demo or spx-sma")
    return name


def _when(ns: int | None) -> str | None:
    return None if ns is None else pd.Timestamp(ns, tz="UTC").isoformat()


class NodeService:
    """The nodes of ``database``; started nodes get ``home`` as their data home and write their
    output to ``log_dir``."""

    def __init__(self, database: Database, *, home: str | Path, log_dir: str | Path,
                 env: Mapping[str, str] | None = None) -> None:
        self.database = database
        self.registry = NodeRegistry(database)
        self.home = Path(home)
        self.log_dir = Path(log_dir)
        self.env = dict(env or {})
        self._processes: dict[str, subprocess.Popen] = {}
        self._curves: dict[tuple[str, tuple[tuple[str, float], ...]], Any] = {}

    # -- reading ------------------------------------------------------------------------------
    def equity(self, name: str, start_cash: Mapping[str, float], limit: int
               ) -> list[dict[str, Any]]:
        """The node's equity history (:func:`~signaltrust.live.history.equity_history`), its
        curve kept between calls: each call folds only what the node journalled since."""
        from signaltrust.live.history import EquityCurve, equity_history

        key = (name, tuple(sorted(start_cash.items())))
        curve = self._curves.get(key)
        if curve is None:
            if len(self._curves) > 256:  # bounded: one per node and starting cash
                self._curves.clear()
            curve = self._curves.setdefault(key, EquityCurve(start_cash))
        return equity_history(self.database, name, start_cash, limit=limit, curve=curve)

    def status_of(self, record: Any) -> str:
        """The stored status, corrected for a node whose process is gone (a crash)."""
        process = self._processes.get(record.name)
        if process is not None and process.poll() is not None and record.status in RUNNING:
            return "down"
        if record.status in RUNNING and not record.running:  # stale heartbeat or process gone
            return "down"
        return record.status

    def describe(self, record: Any) -> dict[str, Any]:
        summary = record.summary or {}
        accounts = summary.get("accounts", [])
        starting = {a.get("name"): a.get("cash") for a in record.config.get("accounts", [])}
        pnl = [{"account": a["account"], "equity": a["equity"], "cash": a["cash"],
                "start_cash": starting.get(a["account"]),
                "pnl": None if starting.get(a["account"]) is None
                else a["equity"] - starting[a["account"]]} for a in accounts]
        return {
            "name": record.name, "mode": record.mode, "status": self.status_of(record),
            "pid": record.pid, "heartbeat": _when(record.heartbeat_ns),
            "steps": summary.get("steps"), "last_bar": summary.get("last_bar"),
            "data": record.config.get("data", []), "accounts": accounts, "pnl": pnl,
        }

    def list(self) -> list[dict[str, Any]]:
        return [self.describe(r) for r in self.registry.list()]

    def get(self, name: str) -> dict[str, Any]:
        return self.describe(self.registry.require(check_node_name(name)))

    def journal(self, name: str, kinds: tuple[str, ...], *, after: int = 0,
                limit: int = 200) -> list[dict[str, Any]]:
        """The node's journal entries of ``kinds`` after seq ``after`` (oldest first)."""
        self.registry.require(check_node_name(name))
        out = []
        for entry in Journal(self.database, name).entries(after=after, kinds=kinds,
                                                          batch=max(limit, 1)):
            out.append({"seq": entry.seq, "ts": _when(entry.ts_ns), "kind": entry.kind,
                        **entry.payload})
            if len(out) >= limit:
                break
        return out

    def orders(self, name: str, *, after: int = 0, limit: int = 200) -> list[dict[str, Any]]:
        """Order events (each status change of each order)."""
        return self.journal(name, ("order",), after=after, limit=limit)

    def open_orders(self, name: str) -> list[dict[str, Any]]:
        """Each order's latest status, where it is still working."""
        latest: dict[str, dict[str, Any]] = {}
        for entry in Journal(self.database, check_node_name(name)).entries(kinds=("order",)):
            latest[f"{entry.payload['account']}:{entry.payload['client_order_id']}"] = {
                "seq": entry.seq, **entry.payload}
        done = ("FILLED", "CANCELED", "CANCELLED", "REJECTED", "EXPIRED", "DENIED")
        return [o for o in latest.values() if str(o.get("status")).upper() not in done]

    def fills(self, name: str, *, after: int = 0, limit: int = 200) -> list[dict[str, Any]]:
        return self.journal(name, ("fill",), after=after, limit=limit)

    def positions(self, name: str) -> list[dict[str, Any]]:
        record = self.registry.require(check_node_name(name))
        return [{"account": a["account"], "symbol": symbol, "quantity": quantity}
                for a in (record.summary or {}).get("accounts", [])
                for symbol, quantity in a.get("positions", {}).items()]

    def pnl(self, name: str) -> list[dict[str, Any]]:
        return self.get(name)["pnl"]

    # -- starting ---------------------------------------------------------------------------
    def start(self, name: str, *, data: str, strategy: str, params: Mapping[str, Any] | None =
              None, speed: str = "max", cash: float | None = None) -> dict[str, Any]:
        """Start ``signaltrust paper`` as a background process named ``name``."""
        check_node_name(name)
        data = check_data(data)
        strategy = check_strategy(strategy)
        record = self.registry.get(name)
        if record is not None and self.status_of(record) in RUNNING:
            raise ValidationError(f"the node {name} is already running", field="name",
                                  value=name, fix="stop it first, or choose another name")
        if speed != "max":
            try:
                factor = float(speed)
            except ValueError:
                factor = -1.0
            if not factor > 0:
                raise ValidationError("speed is max or a positive factor of real time",
                                      field="speed", value=speed, fix="pass max or e.g. 3600")
        command = [sys.executable, "-c", "from signaltrust.cli.main import run; run()",
                   "paper", "--data", data, "--strategy", strategy, "--name", name,
                   "--speed", str(speed), "--json"]
        for key, value in (params or {}).items():
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", str(key)):
                raise ValidationError("a parameter name is letters, digits and _",
                                      field="params", value=key, fix="e.g. fast")
            command += ["--param", f"{key}={value}"]
        if cash is not None:
            command += ["--cash", str(float(cash))]
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - the child owns it
        env = {**os.environ, "SIGNALTRUST_HOME": str(self.home),
               "SIGNALTRUST__DATABASE__URL": self.database.url.render_as_string(
                   hide_password=False), **self.env}
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self._processes[name] = process
        return {"name": name, "pid": process.pid, "status": "starting",
                "command": ["signaltrust", *command[3:]]}

    def wait_started(self, name: str, timeout: float = 30.0) -> dict[str, Any]:
        """Wait until the node registers (tests, scripts); its description."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            record = self.registry.get(name)
            if record is not None and record.pid == self._pid(name):
                return self.describe(record)
            process = self._processes.get(name)
            if process is not None and process.poll() is not None:
                tail = (self.log_dir / f"{name}.log").read_text(errors="replace")[-800:]
                raise ValidationError(f"the node {name} ended at start: {tail}", field="name",
                                      value=name, fix="read its log")
            time.sleep(0.1)
        raise ValidationError(f"the node {name} did not register within {timeout:g}s",
                              field="name", value=name, fix="read its log")

    def _pid(self, name: str) -> int | None:
        process = self._processes.get(name)
        return None if process is None else process.pid

    # -- commands -------------------------------------------------------------------------------
    def command(self, name: str, command: str, args: Mapping[str, Any] | None = None, *,
                actor: str, wait: float = 0.0) -> dict[str, Any]:
        """Queue ``command`` for the node; its answer when it comes within ``wait`` seconds."""
        if command not in COMMANDS:
            raise ValidationError("unknown node command", field="command", value=command,
                                  fix=f"use one of {list(COMMANDS)}")
        record = self.registry.require(check_node_name(name))
        command_id = self.registry.post(name, command, dict(args or {}), actor=actor)
        answer = None
        deadline = time.monotonic() + max(0.0, min(wait, 10.0))
        while True:
            answer = self.registry.command(command_id).result
            if answer is not None or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        running = self.status_of(record) in RUNNING
        return {"node": name, "command": command, "id": command_id, "answered": answer is
                not None, "answer": answer if answer is not None else (
                    "queued: the node is not running; it acts on the command when it starts"
                    if not running else "queued: the node has not answered yet")}

    def reap(self) -> None:
        """Collect the exit status of started nodes that ended (no zombies)."""
        for name, process in list(self._processes.items()):
            if process.poll() is not None:
                del self._processes[name]


__all__ = ["NodeService", "check_node_name"]
