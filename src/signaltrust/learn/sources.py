"""Where a trade comes from: a saved backtest run or a trading node's journal, turned into the
one record an explanation reads (:class:`~signaltrust.learn.explain.TradeRecord`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.learn.explain import TradeRecord
from signaltrust.learn.runs import SavedRun, load_run
from signaltrust.risk import KILL_TAG
from signaltrust.storage import Database, Journal, NodeRegistry


def backtest_record(saved: SavedRun) -> TradeRecord:
    """A saved run, replayed (and checked against its saved trades)."""
    from signaltrust.backtest.api import load_bars

    result = saved.replay()
    return TradeRecord(
        run=saved.name, source="backtest", bars=load_bars(saved.spec.data),
        strategy=saved.spec.strategy, params=dict(saved.spec.params),
        settings=dict(saved.spec.settings), options=dict(saved.spec.options),
        trades=result.trades, equity=result.equity)


def node_record(database: Database, node: str, *, symbol: str | None = None,
                account: str | None = None) -> TradeRecord:
    """The round trips of a node's account on one symbol, from its journal: its bars, fills
    (paired into trades as the position leaves and returns to zero) and order events."""
    record = NodeRegistry(database).require(node)
    accounts = record.config.get("accounts", [])
    chosen = next((a for a in accounts if account is None or a.get("name") == account), None)
    if chosen is None:
        raise ValidationError("the node has no such account", field="account", value=account,
                              fix="one of: " + ", ".join(a.get("name", "") for a in accounts))
    strategies = chosen.get("strategies", [])
    spec = strategies[0] if strategies else {"spec": "unknown", "params": {}}
    bars: dict[str, list[dict[str, Any]]] = {}
    fills: list[dict[str, Any]] = []
    events: dict[str, list[dict[str, Any]]] = {}
    registered: dict[str, dict[str, Any]] = {}  # each order as it registered (type, tags)
    step: Any = None  # the input of the step that journalled the entries after it
    for entry in Journal(database, node).entries():
        if entry.kind in NODE_INPUTS:
            step = entry
        if entry.kind in ("bars", "warmup"):
            for bar in entry.payload.get("bars", []):
                bars.setdefault(bar["symbol"], []).append(bar)
        elif entry.kind == "fill" and entry.payload.get("account") == chosen["name"]:
            fills.append(entry.payload)
        elif entry.kind == "order" and entry.payload.get("account") == chosen["name"]:
            events.setdefault(entry.payload["client_order_id"], []).append(entry.payload)
            if entry.payload.get("previous") is None:
                registered[entry.payload["client_order_id"]] = _registered(entry.payload, step)
    symbols = sorted({f["symbol"] for f in fills}) or sorted(bars)
    if symbol is None:
        if not symbols:
            raise ValidationError("the node's journal holds no bars", field="run", value=node,
                                  fix="run the node first")
        symbol = symbols[0]
    if symbol not in bars:
        raise ValidationError("the node has no bars of that symbol", field="symbol",
                              value=symbol, fix="one of: " + ", ".join(sorted(bars)))
    frame = pd.DataFrame(bars[symbol]).drop_duplicates("ts_ns", keep="last")
    frame.index = pd.to_datetime(frame.pop("ts_ns"), utc=True)
    frame = frame[["open", "high", "low", "close", "volume"]].astype(float)
    trades, orders_of = _round_trips([f for f in fills if f["symbol"] == symbol], frame,
                                     registered)
    settings = {k: chosen.get(k) for k in ("cash", "fees", "fixed_fees", "min_fees",
                                           "slippage", "fill_at") if chosen.get(k) is not None}
    return TradeRecord(
        run=node, source="node", bars=frame, strategy=spec.get("spec", "unknown"),
        params=_resolved(spec.get("spec"), spec.get("params", {})), settings=settings,
        options={"leverage": chosen.get("leverage", 1.0)}, trades=trades,
        order_events={n: [e for oid in ids for e in events.get(oid, [])]
                      for n, ids in orders_of.items()})


def _resolved(name: str | None, params: dict[str, Any]) -> dict[str, Any]:
    from signaltrust.strategy import RuleStrategy, get_strategy

    try:
        strategy = get_strategy(name)
    except ValidationError:
        return dict(params)
    return strategy.resolve(params) if isinstance(strategy, RuleStrategy) else dict(params)


#: tags that name why an order closed a position, as the strategies and the kill switch tag them
EXIT_TAGS = (KILL_TAG, "stop_loss", "take_profit", "trailing_stop", "reverse")
#: the journal kinds that start a node's step (its inputs; orders and fills are its outputs):
#: the node's own INPUTS (a test keeps the two equal)
NODE_INPUTS = ("bars", "warmup", "market", "report", "timer", "command", "state")


def _registered(order: dict[str, Any], step: Any) -> dict[str, Any]:
    """An order's registration, with who closed the position when an operator's ``close``
    command sent it (the node flattens with the kill switch's market orders)."""
    if step is not None and step.kind == "command" and step.payload.get("command") == "close":
        return {**order, "closed_by": f"operator {step.payload.get('actor') or 'operator'}"}
    return order


def exit_reason(order: dict[str, Any] | None) -> str:
    """Why an order closed a position, from its journalled registration: the first tag that
    names an exit (a stop, a take-profit, a trailing stop, a reversal, the kill switch, or an
    operator's ``close`` command, which flattens with the kill switch's orders); a bracket's
    child by its type, as the backtest labels it; else the strategy's signal."""
    if order is None:
        return "signal"
    for tag in order.get("tags") or ():
        if tag == KILL_TAG and order.get("closed_by"):
            return "operator_close"
        if tag in EXIT_TAGS:
            return str(tag)
    if order.get("parent_id"):
        return {"TRAILING_STOP": "trailing_stop", "LIMIT": "take_profit"}.get(
            str(order.get("type")), "stop_loss")
    return "signal"


def _exit_level(order: dict[str, Any] | None) -> float:
    """The price level of a stop or a take-profit order (NaN for others)."""
    for key in ("stop_price", "limit_price"):
        if order is not None and order.get(key) is not None:
            return float(order[key])
    return float("nan")


def _round_trips(fills: list[dict[str, Any]], bars: pd.DataFrame,
                 registered: dict[str, dict[str, Any]] | None = None
                 ) -> tuple[pd.DataFrame, dict[int, list[str]]]:
    """Trades from fills: one opens when the position leaves zero, closes when it returns;
    its exit is labelled by what the closing order was (``registered``: the orders' journalled
    registrations; without them, the signal)."""
    registered = registered or {}
    rows: list[dict[str, Any]] = []
    orders_of: dict[int, list[str]] = {}
    position, current = 0.0, None
    positions = {stamp: i for i, stamp in enumerate(bars.index)}
    for fill in fills:
        qty = float(fill["quantity"]) * (1 if fill["side"] == "BUY" else -1)
        price, fee = float(fill["price"]), float(fill["fee"])
        stamp = pd.Timestamp(fill["time"])
        bar = positions.get(stamp, int(bars.index.searchsorted(stamp, side="right")) - 1)
        if current is None:
            current = {"asset": fill["symbol"], "direction": "long" if qty > 0 else "short",
                       "entry_time": stamp, "entry_bar": bar, "qty": 0.0, "cost": 0.0,
                       "exit_qty": 0.0, "proceeds": 0.0, "fees": 0.0, "orders": []}
        opening = (qty > 0) == (current["direction"] == "long")
        if opening:
            current["qty"] += abs(qty)
            current["cost"] += abs(qty) * price
        else:
            current["exit_qty"] += abs(qty)
            current["proceeds"] += abs(qty) * price
        current["fees"] += fee
        current["orders"].append(fill["client_order_id"])
        position += qty
        if abs(position) < 1e-9:
            closing = registered.get(fill["client_order_id"])
            rows.append(_close(current, stamp, bar, exit_reason(closing),
                               _exit_level(closing), closing))
            orders_of[len(rows)] = list(dict.fromkeys(current["orders"]))
            current, position = None, 0.0
    if current is not None:
        last = float(bars["close"].iloc[-1])
        current["exit_qty"], current["proceeds"] = current["qty"], current["qty"] * last
        row = _close(current, pd.NaT, -1, "open", float("nan"), None)
        row.update(status="open")
        rows.append(row)
        orders_of[len(rows)] = list(dict.fromkeys(current["orders"]))
    columns = ["asset", "direction", "entry_time", "exit_time", "entry_price", "exit_price",
               "size", "pnl", "return", "fees", "exit_reason", "status", "entry_bar",
               "exit_bar", "exit_level", "exit_trail_percent", "exit_by"]
    return pd.DataFrame(rows, columns=columns), orders_of


def _close(trade: dict[str, Any], stamp: Any, bar: int, reason: str, level: float,
           order: dict[str, Any] | None) -> dict[str, Any]:
    entry = trade["cost"] / trade["qty"]
    exit_price = trade["proceeds"] / trade["exit_qty"] if trade["exit_qty"] else np.nan
    sign = 1 if trade["direction"] == "long" else -1
    pnl = sign * (trade["proceeds"] - trade["cost"]) - trade["fees"]
    return {"asset": trade["asset"], "direction": trade["direction"],
            "entry_time": trade["entry_time"], "exit_time": stamp, "entry_price": entry,
            "exit_price": exit_price, "size": trade["qty"], "pnl": pnl,
            "return": pnl / trade["cost"], "fees": trade["fees"], "exit_reason": reason,
            "status": "closed", "entry_bar": trade["entry_bar"], "exit_bar": bar,
            "exit_level": level,
            "exit_trail_percent": float((order or {}).get("trail_percent") or "nan"),
            "exit_by": (order or {}).get("closed_by")}


def open_record(run: str, *, runs_folder: str | Path, database: Database | None = None,
                symbol: str | None = None, allow_paths: bool = False) -> TradeRecord:
    """A saved backtest run named ``run`` in ``runs_folder`` (or, with ``allow_paths``, a
    .json file at that path: the CLI, never the API), else the node of that name in
    ``database``."""
    from signaltrust.learn.runs import check_name

    path = Path(run)
    if allow_paths and path.suffix == ".json" and path.exists():
        return backtest_record(load_run(path, runs_folder))
    if (Path(runs_folder) / f"{check_name(run)}.json").exists():
        return backtest_record(load_run(run, runs_folder))
    if database is not None and NodeRegistry(database).get(run) is not None:
        return node_record(database, run, symbol=symbol)
    raise ValidationError("no saved run or node of that name", field="run", value=run,
                          fix="save a run with `signaltrust learn save NAME --data goog "
                          "--strategy sma_cross`, or give a node's name (`signaltrust node "
                          "list`)")


__all__ = ["EXIT_TAGS", "backtest_record", "exit_reason", "node_record", "open_record"]
