"""Trade-by-trade explanations from the real decisions of a backtest or a node.

For one trade: the rule that fired and the values it compared, the features known at that
close, the checks the order passed (or failed), how it was sized, its fills and what they cost,
how it left, and its outcome against what the strategy's earlier trades led one to expect.
Everything shown for the entry is as of the decision's close: nothing later.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.learn.rules import context_features, rule_fired

#: exits by market or stop orders (they slip); a take-profit is a limit order
SLIPPED = ("signal", "stop_loss", "trailing_stop", "reverse", "kill_switch", "operator_close")


@dataclass(frozen=True)
class TradeRecord:
    """What an explanation reads: the asset's bars, the strategy, the settings, every trade
    (the backtest trades table's columns) and, for a node, the order events of the trade."""

    run: str
    source: str  # "backtest" or "node"
    bars: pd.DataFrame
    strategy: str
    params: dict[str, Any]
    settings: dict[str, Any]
    options: dict[str, Any]
    trades: pd.DataFrame
    equity: pd.Series | None = None
    order_events: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    #: a model strategy's explainer: (bar, action) -> (rule, values, SHAP); None: the rules
    decisions: Callable[[int, str], tuple[str, dict[str, float], dict[str, Any]]] | None = None


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class TradeExplanation:
    """One trade explained; ``text()`` is what ``signaltrust explain`` prints."""

    run: str
    source: str
    number: int
    trades: int
    asset: str
    direction: str
    strategy: str
    params: dict[str, Any]
    entry: dict[str, Any]
    exit: dict[str, Any]
    features: dict[str, float]
    checks: tuple[Check, ...]
    sizing: dict[str, Any]
    costs: dict[str, float]
    outcome: dict[str, Any]
    shap: dict[str, Any] | None = None

    def __plain__(self) -> dict[str, Any]:
        from dataclasses import asdict

        out = asdict(self)
        out["checks"] = [asdict(c) for c in self.checks]
        out["text"] = self.text()
        return out

    def text(self) -> str:
        e, x, s, c, o = self.entry, self.exit, self.sizing, self.costs, self.outcome
        params = ", ".join(f"{k}={v}" for k, v in self.params.items() if k != "allow_short")
        lines = [
            f"Trade {self.number} of {self.trades} in {self.source} '{self.run}': "
            f"{self.direction} {self.asset}, {self.strategy}({params})",
            "",
            f"Signal   decided at the close of {e['decided_at']}: {e['rule']}",
            "Features " + ", ".join(f"{k} {v:,.4g}" for k, v in self.features.items()),
        ]
        if self.shap:
            lines.append(
                f"SHAP     base {self.shap['base_value']:.3f} + contributions = score "
                f"{self.shap['score']:.3f}: " + ", ".join(
                    f"{k} {v:+.3f}" for k, v in list(self.shap["contributions"].items())[:5]))
        lines += [
            "Checks   " + "; ".join(
                f"{ch.name} {'passed' if ch.passed else 'FAILED'} ({ch.detail})"
                for ch in self.checks),
            f"Sizing   {s['rule']}: equity {s['equity']:,.2f} -> {s['units']:,.4f} units, "
            f"notional {s['notional']:,.2f} ({s['share_of_equity']:.1%} of equity)",
            f"Entry    {e['side']} {s['units']:,.4f} at {e['fill_price']:,.4f} on {e['filled_at']}"
            f" ({e['reference']} {e['reference_price']:,.4f}; slippage {c['entry_slippage']:,.2f}"
            f", fee {c['entry_fee']:,.2f})",
            f"Exit     {x['reason']}: {x['why']}",
        ]
        if x.get("fill_price") is not None:
            lines.append(
                f"         {x['side']} at {x['fill_price']:,.4f} on {x['filled_at']} "
                f"(slippage {c['exit_slippage']:,.2f}, fee {c['exit_fee']:,.2f})")
        lines += [
            f"Costs    {c['total']:,.2f} in all ({c['total_bps']:.1f} bps of the entry "
            "notional)",
            f"Outcome  pnl {o['pnl']:+,.2f} ({o['return']:+.2%}) over {o['bars_held']} bars; "
            f"best {o['max_favourable']:+.2%}, worst {o['max_adverse']:+.2%} while held; "
            f"the asset {o['asset_return']:+.2%}",
            f"Expected {o['expectation']}",
        ]
        return "\n".join(lines)


def _side(direction: str, opening: bool) -> str:
    return "buy" if (direction == "long") == opening else "sell"


def _date(stamp: Any) -> str:
    stamp = pd.Timestamp(stamp)
    return str(stamp.date()) if stamp == stamp.normalize() else stamp.isoformat()


def explain_trade(record: TradeRecord, number: int) -> TradeExplanation:
    """Explain trade ``number`` (1 = the first) of ``record``."""
    trades = record.trades
    if not 1 <= int(number) <= len(trades):
        raise ValidationError("no trade of that number", field="trade", value=number,
                              fix=f"choose 1 to {len(trades)}" if len(trades)
                              else "this run made no trade")
    trade = trades.iloc[int(number) - 1]
    bars = record.bars
    direction = str(trade["direction"])
    long = direction == "long"
    fill_at = record.settings.get("fill_at", "next_open")
    entry_bar = int(trade["entry_bar"])
    decided = entry_bar - 1 if fill_at == "next_open" else entry_bar
    if decided < 0:
        raise ValidationError("the trade has no decision bar in the data", field="trade",
                              value=number, fix="explain another trade")
    action = "entry" if long else "short_entry"
    shap = None
    if record.decisions is not None:
        rule, values, shap = record.decisions(decided, "entry" if long else "short_entry")
    else:
        rule, values = rule_fired(record.strategy, record.params, bars, decided, action)
    features = {**context_features(bars, decided), **values}
    slippage = float(record.settings.get("slippage", 0.0))
    units = float(trade["size"])
    entry_price = float(trade["entry_price"])
    reference = float(bars["open"].iloc[entry_bar] if fill_at == "next_open"
                      else bars["close"].iloc[entry_bar])
    entry_slip = abs(entry_price - reference) * units
    fees = _fees(record, trade)
    equity = _equity_before(record, decided, trade)
    notional = units * entry_price
    checks = _checks(record, number, trade, equity, notional)
    size = record.options.get("size", 1.0)
    size_type = record.options.get("size_type", "percent")
    sizing_rule = {"percent": f"{size:g} x equity (fees included), capped by buying power",
                   "units": f"{size:g} units", "value": f"{size:,.2f} of cash",
                   "weight": "target weight x equity (the strategy's)"}.get(
                       size_type, size_type)
    exit_info, exit_slip = _exit(record, trade, bars, slippage)
    outcome = _outcome(record, trade, bars, number)
    total = entry_slip + exit_slip + fees[0] + fees[1]
    return TradeExplanation(
        run=record.run, source=record.source, number=int(number), trades=len(trades),
        asset=str(trade["asset"]), direction=direction, strategy=record.strategy,
        params=dict(record.params),
        entry={"decided_at": _date(bars.index[decided]), "rule": rule, "action": action,
               "side": _side(direction, True), "filled_at": _date(trade["entry_time"]),
               "fill_price": entry_price,
               "reference": "the open" if fill_at == "next_open" else "the close",
               "reference_price": reference},
        exit=exit_info, features=features, checks=tuple(checks),
        sizing={"rule": sizing_rule, "equity": equity, "units": units, "notional": notional,
                "share_of_equity": notional / equity if equity else float("nan")},
        costs={"entry_slippage": entry_slip, "entry_fee": fees[0], "exit_slippage": exit_slip,
               "exit_fee": fees[1], "total": total,
               "total_bps": total / notional * 1e4 if notional else 0.0},
        outcome=outcome, shap=shap,
    )


def _fees(record: TradeRecord, trade: pd.Series) -> tuple[float, float]:
    fee_rate = float(record.settings.get("fees", 0.0))
    fixed = float(record.settings.get("fixed_fees", 0.0))
    minimum = float(record.settings.get("min_fees", 0.0))
    units = float(trade["size"])
    entry = max(fee_rate * units * float(trade["entry_price"]) + fixed, minimum)
    return entry, float(trade["fees"]) - entry


def _equity_before(record: TradeRecord, decided: int, trade: pd.Series) -> float:
    if record.equity is not None and len(record.equity) > decided:
        return float(record.equity.iloc[decided])
    cash = float(record.settings.get("cash", 0.0))
    earlier = record.trades[record.trades["exit_bar"].between(0, decided)]
    return cash + float(earlier["pnl"].sum())


def _checks(record: TradeRecord, number: int, trade: pd.Series, equity: float,
            notional: float) -> list[Check]:
    leverage = float(record.options.get("leverage", 1.0))
    power = leverage * equity
    units = float(trade["size"])
    checks = [
        Check("equity_positive", equity > 0, f"equity {equity:,.2f} at the decision"),
        Check("buying_power", notional <= power * (1 + 1e-9),
              f"notional {notional:,.2f} within {leverage:g} x equity = {power:,.2f}"),
        Check("minimum_order", notional > 1e-9 * equity,
              f"{units:,.4f} units is more than 1e-9 of equity"),
    ]
    earlier = record.trades.iloc[: number - 1]
    overlapping = earlier[(earlier["asset"] == trade["asset"])
                          & ((earlier["exit_bar"] < 0)
                             | (earlier["exit_bar"] > int(trade["entry_bar"])))]
    checks.append(Check("no_pyramiding", overlapping.empty,
                        "no position in this asset was open" if overlapping.empty
                        else "a position was already open"))
    for event in record.order_events.get(number, []):
        if event.get("status") == "DENIED":
            checks.append(Check("risk_engine", False, str(event.get("reason"))))
            break
    else:
        if record.order_events.get(number):
            checks.append(Check("risk_engine", True, "the pre-trade check submitted the order"))
    return checks


def _exit(record: TradeRecord, trade: pd.Series, bars: pd.DataFrame, slippage: float
          ) -> tuple[dict[str, Any], float]:
    reason = str(trade["exit_reason"])
    long = trade["direction"] == "long"
    if reason == "open" or int(trade["exit_bar"]) < 0:
        return ({"reason": "open", "why": "still open at the end of the data, marked at the "
                 "last close", "fill_price": None}, 0.0)
    exit_bar = int(trade["exit_bar"])
    units = float(trade["size"])
    price = float(trade["exit_price"])
    bar = bars.iloc[exit_bar]
    entry = float(trade["entry_price"])
    opts = record.options
    info: dict[str, Any] = {"reason": reason, "side": _side(str(trade["direction"]), False),
                            "filled_at": _date(trade["exit_time"]), "fill_price": price,
                            "bar": {k: float(bar[k]) for k in ("open", "high", "low", "close")}}
    slipped = reason in SLIPPED
    reference = price / (1 - slippage) if long else price / (1 + slippage)
    if not slipped:
        reference = price
    if reason == "signal":
        fill_at = record.settings.get("fill_at", "next_open")
        decided = exit_bar - 1 if fill_at == "next_open" else exit_bar
        if record.decisions is not None:
            rule, values, _ = record.decisions(decided, "exit" if long else "short_exit")
        else:
            rule, values = rule_fired(record.strategy, record.params, bars, decided,
                                      "exit" if long else "short_exit")
        info.update(why=f"decided at the close of {_date(bars.index[decided])}: {rule}",
                    values=values)
    elif reason in ("stop_loss", "take_profit"):
        sign = -1 if (reason == "stop_loss") == long else 1
        placed = float(trade.get("exit_level", float("nan")))
        if placed == placed:  # a node's journal holds the order's own level
            level, fraction = placed, abs(placed / entry - 1)
        else:
            fraction = float(opts.get("sl_stop" if reason == "stop_loss" else "tp_stop") or 0)
            level = entry * (1 + sign * fraction)
        kind = "stop-market" if reason == "stop_loss" else "limit"
        gapped = (bar["open"] <= level) if (reason == "stop_loss") == long else (
            bar["open"] >= level)
        both = _both_touched(opts, entry, bar, long)
        why = (f"the {fraction:.1%} {reason.replace('_', '-')} ({kind}) level was "
               f"{level:,.4f}; the bar ranged {bar['low']:,.2f} to {bar['high']:,.2f}")
        why += (f" and opened beyond it at {bar['open']:,.2f}, so it filled at the open"
                if gapped else ", so it filled at the level")
        why += " plus slippage" if slipped else " without slippage (a limit order)"
        if both:
            why += ("; the range also reached the other level: the stop is taken first "
                    "(adverse first)")
        info.update(why=why, level=level)
    elif reason == "trailing_stop":
        trail = float(trade.get("exit_trail_percent", float("nan")))
        fraction = trail / 100 if trail == trail else float(opts.get("tsl_stop") or 0)
        info.update(why=f"price moved {fraction:.1%} against the position from its best since "
                    "entry; the trailing stop (stop-market) filled at its level, or the open "
                    "when the bar gapped through it, plus slippage")
    elif reason == "operator_close":
        info.update(why=f"{trade.get('exit_by') or 'an operator'} closed the position with a "
                    "market order (the node's close command), not the strategy's signal")
    elif reason == "kill_switch":
        info.update(why="the kill switch closed the position: the risk engine halted trading "
                    "and flattened every position with market orders (not the strategy's "
                    "signal)")
    elif reason == "reverse":
        info.update(why="an opposite entry reversed the position: closed, then opened the "
                    "other way")
    else:
        info.update(why=reason)
    return info, abs(reference - price) * units


def _both_touched(opts: dict[str, Any], entry: float, bar: pd.Series, long: bool) -> bool:
    sl, tp = opts.get("sl_stop"), opts.get("tp_stop")
    if not sl or not tp:
        return False
    if long:
        return bar["low"] <= entry * (1 - sl) and bar["high"] >= entry * (1 + tp)
    return bar["high"] >= entry * (1 + sl) and bar["low"] <= entry * (1 - tp)


def _outcome(record: TradeRecord, trade: pd.Series, bars: pd.DataFrame, number: int
             ) -> dict[str, Any]:
    entry_bar = int(trade["entry_bar"])
    exit_bar = int(trade["exit_bar"]) if int(trade["exit_bar"]) >= 0 else len(bars) - 1
    held = bars.iloc[entry_bar: exit_bar + 1]
    entry = float(trade["entry_price"])
    long = trade["direction"] == "long"
    up, down = float(held["high"].max()) / entry - 1, float(held["low"].min()) / entry - 1
    favourable, adverse = (up, down) if long else (-down, -up)
    asset = float(bars["close"].iloc[exit_bar] / bars["open"].iloc[entry_bar] - 1)
    ret = float(trade["return"])
    earlier = record.trades.iloc[: number - 1]
    known = earlier[(earlier["exit_bar"] >= 0) & (earlier["exit_bar"] < entry_bar)]
    if known.empty:
        expectation = "no earlier trade had closed: nothing to expect from yet"
        expected = None
    else:
        expected = float(known["return"].mean())
        wins = float((known["pnl"] > 0).mean())
        verdict = "better than" if ret > expected else "worse than"
        counted = f"{len(known)} trade{'s' if len(known) > 1 else ''}"
        expectation = (f"{expected:+.2%} a trade (the mean of the {counted} closed before "
                       f"this entry, {wins:.0%} of them winners); this one did "
                       f"{ret:+.2%}, {verdict} expected")
    return {"pnl": float(trade["pnl"]), "return": ret, "bars_held": exit_bar - entry_bar,
            "max_favourable": favourable, "max_adverse": adverse, "asset_return": asset,
            "expected_return": expected, "expectation": expectation}


__all__ = ["Check", "TradeExplanation", "TradeRecord", "explain_trade"]
