"""Trading-core work counted, not timed: Python bytecodes and calls per bar and per order.

    .venv/bin/python benchmarks/bench_event_ops.py [--bars 400]

``bench_event.py``'s timings swing by tens of percent on a shared machine; the number of
bytecodes the interpreter runs does not (it is the same on every run and every machine for one
Python version). It counts them with ``sys.settrace`` opcode events while the trading core
consumes a short replay, for:

- ``idle``: a strategy that reads two indicators' handles and does nothing (the core's per-bar
  loop);
- ``flip`` / ``flip + risk``: all in on one bar, flat on the next (one order per bar), without
  and with the risk engine's default limits (the order path, from ``order_percent`` to the
  booked fill);
- ``hand-written + risk`` and ``sma_cross``: ``bench_event.py``'s two strategies on fast
  SMAs (3/7), per order, the bars between orders included.

C work (Decimal arithmetic, float conversions, building the bars) is not counted: compare
timings for that. Counting slows the run about a hundredfold, hence the short replay.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_event import SmaCross  # noqa: E402
from peers import random_walk_bars  # noqa: E402

from signaltrust.backtest import Costs  # noqa: E402
from signaltrust.backtest.replay.driver import build_replay  # noqa: E402
from signaltrust.risk import RiskEngine  # noqa: E402
from signaltrust.strategy import Strategy, get_strategy  # noqa: E402


class Flip(Strategy):
    """All in on one bar, flat on the next."""

    def on_bar(self, ctx, bar):
        if ctx.position(bar.symbol):
            ctx.close_position(bar.symbol)
        else:
            ctx.order_percent(bar.symbol, 1.0)


class Idle(Strategy):
    """Two indicator handles, no orders."""

    def on_start(self, ctx):
        self.fast = ctx.indicator(ctx.symbols[0], "sma", timeperiod=10)
        self.slow = ctx.indicator(ctx.symbols[0], "sma", timeperiod=30)

    def on_bar(self, ctx, bar):
        pass


def count(bars: Any, strategy: Strategy, params: dict | None, risk: bool) -> tuple[int, int, int]:
    """(bytecodes, calls, orders) of consuming ``bars`` (the core built and started first)."""
    kwargs: dict[str, Any] = {}
    if risk:
        engine = RiskEngine()
        kwargs = {"check": engine, "attach": engine.attach}
    replay = build_replay({"asset": bars}, strategy, params, cash=1e6, costs=Costs.zero(),
                          **kwargs)
    stream = replay.feed.in_order()
    counts = [0, 0]

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if event == "opcode":
            counts[0] += 1
        elif event == "call":
            counts[1] += 1
            frame.f_trace_opcodes = True
        return tracer

    sys.settrace(tracer)
    try:
        replay.core.consume(stream)
    finally:
        sys.settrace(None)
    return counts[0], counts[1], len(replay.core.manager)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=400)
    args = parser.parse_args()
    bars = random_walk_bars(args.bars)
    fast = {"fast": 3, "slow": 7}
    cases = (
        ("idle", Idle(), None, False),
        ("flip", Flip(), None, False),
        ("flip + risk", Flip(), None, True),
        ("hand-written + risk", SmaCross(**fast), None, True),
        ("sma_cross", get_strategy("sma_cross"), fast, False),
    )
    print(f"bars: {args.bars:,}; bytecodes and calls while the core consumes them")
    print(f"{'strategy':<22}{'orders':>8}{'bytecodes':>12}{'per unit':>12}{'calls':>9}  unit")
    for label, strategy, params, risk in cases:
        ops, calls, orders = count(bars, strategy, params, risk)
        unit, n = ("order", orders) if orders else ("bar", args.bars)
        print(f"{label:<22}{orders:>8}{ops:>12,}{ops / n:>12.1f}{calls / n:>9.1f}  {unit}")


if __name__ == "__main__":
    main()
