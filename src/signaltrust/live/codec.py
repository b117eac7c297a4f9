"""Events and results as journal payloads (plain JSON) and back, exactly.

Floats are written with their shortest exact text (``repr``) by the JSON encoder and read back
bit for bit; NaN (a quote without a trade price) is written as null; Decimals as text.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from signaltrust.core.events import Bar, ExecutionReport, ReportKind, Tick, Timer
from signaltrust.core.orders import Fill, Liquidity, OrderEvent

_NAN = float("nan")


def _num(value: float) -> float | None:
    return None if value != value or math.isinf(value) else value


def _float(value: Any) -> float:
    return _NAN if value is None else float(value)


def bar_payload(bar: Bar) -> dict[str, Any]:
    return {"symbol": bar.symbol, "ts_ns": bar.ts_ns, "end_ns": bar.end_ns, "open": bar.open,
            "high": bar.high, "low": bar.low, "close": bar.close, "volume": bar.volume}


def bar_from(payload: dict[str, Any]) -> Bar:
    p = payload
    return Bar(p["symbol"], int(p["ts_ns"]), int(p["end_ns"]), float(p["open"]),
               float(p["high"]), float(p["low"]), float(p["close"]), float(p["volume"]))


def tick_payload(tick: Tick) -> dict[str, Any]:
    return {"symbol": tick.symbol, "ts_ns": tick.ts_ns, "kind": tick.kind,
            "price": _num(tick.price), "size": _num(tick.size), "bid": _num(tick.bid),
            "ask": _num(tick.ask)}


def tick_from(payload: dict[str, Any]) -> Tick:
    p = payload
    return Tick(p["symbol"], int(p["ts_ns"]), p["kind"], _float(p["price"]), _float(p["size"]),
                _float(p["bid"]), _float(p["ask"]))


def _dec(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _from_dec(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def report_payload(report: ExecutionReport, account: str) -> dict[str, Any]:
    return {
        "account": account, "kind": report.kind.value, "client_order_id": report.client_order_id,
        "venue_order_id": report.venue_order_id, "ts_ns": report.ts_ns,
        "venue_fill_id": report.venue_fill_id, "quantity": _dec(report.quantity),
        "price": _dec(report.price), "fee": _dec(report.fee),
        "liquidity": report.liquidity.value, "fee_currency": report.fee_currency,
        "reason": report.reason,
    }


def report_from(payload: dict[str, Any]) -> ExecutionReport:
    p = payload
    return ExecutionReport(
        ReportKind(p["kind"]), p["client_order_id"], p["venue_order_id"], int(p["ts_ns"]),
        p["venue_fill_id"], _from_dec(p["quantity"]), _from_dec(p["price"]),
        _from_dec(p["fee"]), Liquidity(p["liquidity"]), p["fee_currency"], p["reason"],
    )


def timer_payload(timer: Timer) -> dict[str, Any]:
    return {"ts_ns": timer.ts_ns, "name": timer.name}


def timer_from(payload: dict[str, Any]) -> Timer:
    return Timer(int(payload["ts_ns"]), payload["name"])


def order_event_payload(event: OrderEvent, account: str) -> dict[str, Any]:
    return {
        "account": account, "client_order_id": event.client_order_id,
        "previous": None if event.previous_status is None else event.previous_status.value,
        "status": event.status.value, "reason": event.reason, "strategy_id": event.strategy_id,
        "symbol": event.symbol,
        "time": None if event.timestamp is None else event.timestamp.isoformat(),
    }


def fill_payload(fill: Fill, account: str, cash: Decimal, position: Decimal) -> dict[str, Any]:
    """A fill with the ledger entry it made: the account's cash and the symbol's position."""
    return {
        "account": account, "fill_id": fill.fill_id, "client_order_id": fill.client_order_id,
        "symbol": fill.symbol, "side": fill.side.value, "quantity": str(fill.quantity),
        "price": str(fill.price), "fee": str(fill.fee), "currency": fill.currency,
        "liquidity": fill.liquidity.value, "strategy_id": fill.strategy_id,
        "time": None if fill.timestamp is None else fill.timestamp.isoformat(),
        "cash_after": str(cash), "position_after": str(position),
    }


__all__ = [
    "bar_from", "bar_payload", "fill_payload", "order_event_payload", "report_from",
    "report_payload", "tick_from", "tick_payload", "timer_from", "timer_payload",
]
