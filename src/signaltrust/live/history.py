"""A node's history read back from its journal: its equity curve and its log.

The journal is what the node wrote as it ran (see :mod:`signaltrust.storage.journal`): each
step's input (bars, a broker report, an operator's command, a risk state change) and what
followed (orders, fills with the account's cash and position after each). Nothing here runs
the node's code again: the equity curve is the journalled cash after the latest fill plus the
journalled positions marked at the latest journalled close, after each bar step, so it is the
figure the node itself reported at that bar (``TradingCore.equity``: cash plus positions marked
at their latest prices).

>>> from signaltrust.storage import Database, Journal
>>> db = Database("sqlite://"); _ = db.upgrade()
>>> day = 86_400 * 10**9
>>> bar = lambda n, close: {"bars": [{"symbol": "X", "end_ns": n * day, "close": close}]}
>>> fill = {"account": "main", "symbol": "X", "side": "BUY", "quantity": "10",
...         "price": "100", "fee": "1", "cash_after": "999", "position_after": "10"}
>>> _ = Journal(db, "demo").append([("bars", day, bar(1, 100.0)),
...                                 ("bars", 2 * day, bar(2, 101.0)), ("fill", 2 * day, fill),
...                                 ("bars", 3 * day, bar(3, 103.0))])
>>> [(p["time"][:10], p["equity"]["main"]) for p in equity_history(db, "demo", {"main": 2000.0})]
[('1970-01-02', 2000.0), ('1970-01-03', 2009.0), ('1970-01-04', 2029.0)]
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.storage import Database, Journal

#: journal kinds that say what happened to the node itself (not market data, orders, fills)
LOG_KINDS = ("command", "state", "reconcile")


def _iso(ns: int) -> str:
    return pd.Timestamp(ns, tz="UTC").isoformat()


class EquityCurve:
    """A node's equity points folded from its journal, kept between reads: :meth:`advance`
    folds only the entries journalled since the last call (a journal only grows), so a long
    run's curve is read once, not at every request."""

    def __init__(self, start_cash: Mapping[str, float]) -> None:
        self.cash = {account: float(value) for account, value in start_cash.items()}
        self.held: dict[str, dict[str, float]] = {account: {} for account in self.cash}
        self.closes: dict[str, float] = {}
        self.bar_end: int | None = None
        self.done: list[tuple[int, dict[str, float]]] = []  # bar steps whose fills are all in
        self.after = 0  # the last journal seq folded
        self.lock = threading.Lock()

    def _point(self, end: int) -> tuple[int, dict[str, float]]:
        closes = self.closes
        return end, {account: self.cash[account] + sum(
            quantity * closes.get(symbol, 0.0) for symbol, quantity in held.items())
            for account, held in self.held.items()}

    def advance(self, database: Database, node: str) -> EquityCurve:
        """Fold the bars and fills journalled since the last call."""
        for entry in Journal(database, node).entries(self.after, kinds=("bars", "fill")):
            self.after = entry.seq
            if entry.kind == "bars":
                if self.bar_end is not None:  # the previous bar's step is whole: fills are in
                    self.done.append(self._point(self.bar_end))
                for bar in entry.payload.get("bars", ()):
                    self.closes[bar["symbol"]] = float(bar["close"])
                    self.bar_end = max(self.bar_end or 0, int(bar["end_ns"]))
            else:
                account = entry.payload["account"]
                if account not in self.cash:  # an account the configuration did not name
                    self.cash[account], self.held[account] = 0.0, {}
                self.cash[account] = float(entry.payload["cash_after"])
                self.held[account][entry.payload["symbol"]] = float(
                    entry.payload["position_after"])
        return self

    def points(self) -> list[tuple[int, dict[str, float]]]:
        """Every bar step's point, the latest one as it stands now."""
        return self.done + ([self._point(self.bar_end)] if self.bar_end is not None else [])


def equity_history(database: Database, node: str, start_cash: Mapping[str, float], *,
                   limit: int = 2000, curve: EquityCurve | None = None) -> list[dict[str, Any]]:
    """The node's equity after each bar step, per account: ``[{"time", "equity": {account:
    value}, "total"}]``, oldest first; at most ``limit`` points, evenly spaced over the run
    (the first and the latest always kept). A ``curve`` kept by the caller (made with the
    same ``start_cash``) is advanced rather than the journal read from its start."""
    if not isinstance(limit, int) or limit < 2:
        raise ValidationError("an equity history needs at least 2 points", field="limit",
                              value=limit, fix="pass a limit of 2 or more")
    if curve is None:
        curve = EquityCurve(start_cash)
    with curve.lock:
        points = curve.advance(database, node).points()
    if len(points) > limit:
        step = (len(points) - 1) / (limit - 1)
        points = [points[round(i * step)] for i in range(limit)]
    return [{"time": _iso(ns), "equity": values, "total": sum(values.values())}
            for ns, values in points]


def _message(kind: str, payload: Mapping[str, Any]) -> str:
    if kind == "command":
        args = {k: v for k, v in (payload.get("args") or {}).items() if v is not None}
        said = ", ".join(f"{k} {v}" for k, v in args.items())
        return f"{payload.get('actor', 'operator')}: {payload.get('command')}" + (
            f" ({said})" if said else "")
    if kind == "state":
        return (f"{payload.get('account')}: risk state {payload.get('state')} "
                f"({payload.get('actor')}: {payload.get('reason')})")
    differences = payload.get("differences") or []
    unexplained = sum(1 for d in differences if not d.get("explained"))
    return (f"{payload.get('account', 'node')}: reconciliation found {len(differences)} "
            f"difference(s), {unexplained} unexplained; state {payload.get('state')}")


def journal_log(database: Database, node: str, *, limit: int = 200) -> list[dict[str, Any]]:
    """The latest ``limit`` journal entries that say what happened to the node (operators'
    commands, risk state changes, reconciliations), oldest first, each with a ``message``."""
    journal = Journal(database, node)
    found: list[dict[str, Any]] = []
    for entry in journal.entries(kinds=LOG_KINDS):
        found.append({"seq": entry.seq, "ts": _iso(entry.ts_ns), "kind": entry.kind,
                      "source": "journal", "message": _message(entry.kind, entry.payload),
                      **entry.payload})
        del found[:-limit]
    return found


def process_log(path: str | Path, *, limit: int = 200, tail_bytes: int = 256_000
                ) -> list[dict[str, Any]]:
    """The last ``limit`` lines the node's process wrote to its log file (what the API started
    it with), oldest first; none when it has no such file (a node started elsewhere)."""
    path = Path(path)
    if not path.is_file():
        return []
    with path.open("rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - tail_bytes))
        text = handle.read().decode("utf-8", errors="replace")
    lines = text.splitlines()
    if size > tail_bytes:
        lines = lines[1:]  # the first one is cut
    return [{"seq": None, "ts": None, "kind": "process", "source": "process", "message": line}
            for line in lines if line.strip()][-limit:]


__all__ = ["LOG_KINDS", "EquityCurve", "equity_history", "journal_log", "process_log"]
