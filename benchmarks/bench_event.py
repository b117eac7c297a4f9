"""Trading-core speed: SMA(10)/SMA(30) over 100,000 bars, through the trading core, against
backtesting.py and backtrader trading the same orders (all in, long only, next-open fills, no
costs).

    .venv/bin/python benchmarks/bench_event.py [--bars 100000] [--repeat 5]

Two SignalTrust lines, both through the trading core (the replay driver):

- the built-in ``sma_cross`` through ``backtest.run(..., engine="event")``;
- a hand-written ``on_bar`` strategy with the risk engine's default limits on (every order
  passes its pre-trade check).

Each prints bars per second and the ratio to backtesting.py (the issue's target: each >= 5x)
and backtrader. Each figure is the best of ``--repeat`` runs, imports and data loading
excluded; SignalTrust's time includes building the result (equity, cash, positions, trades and
orders tables). Its statistics are computed when first read, so a last line times the
hand-written run with ``result.stats`` too (backtesting.py's ``run()`` computes its statistics).
Benchmarks print figures; they never run as timed tests.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import backtesting_py_backtest, backtrader_backtest, random_walk_bars  # noqa: E402

from signaltrust.backtest import Costs, run, run_strategy  # noqa: E402
from signaltrust.risk import RiskEngine  # noqa: E402
from signaltrust.strategy import Param, Strategy  # noqa: E402


class SmaCross(Strategy):
    """Long when SMA(fast) crosses above SMA(slow), flat when it crosses below."""

    parameters = (Param("fast", 10), Param("slow", 30))

    def on_start(self, ctx):
        symbol = ctx.symbols[0]
        self.fast = ctx.indicator(symbol, "sma", timeperiod=self.p.fast)
        self.slow = ctx.indicator(symbol, "sma", timeperiod=self.p.slow)

    def on_bar(self, ctx, bar):
        fast, slow = self.fast, self.slow
        if len(fast) < 2:
            return
        f0, f1, s0, s1 = fast[-2], fast[-1], slow[-2], slow[-1]
        if f1 > s1 and f0 <= s0 and not ctx.position(bar.symbol):
            ctx.order_percent(bar.symbol, 1.0)
        elif f1 < s1 and f0 >= s0 and ctx.position(bar.symbol):
            ctx.close_position(bar.symbol)


def best_of(repeat: int, fn):
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = fn()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bars", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--fast", type=int, default=10)
    parser.add_argument("--slow", type=int, default=30)
    parser.add_argument("--no-backtrader", action="store_true", help="skip backtrader (slow)")
    args = parser.parse_args()
    bars = random_walk_bars(args.bars)
    cash = 1_000_000.0
    params = {"fast": args.fast, "slow": args.slow}

    def hand_written():
        risk = RiskEngine()  # the default limits: buying power checked on every order
        result = run_strategy({"asset": bars}, SmaCross(**params), cash=cash,
                              costs=Costs.zero(), check=risk, attach=risk.attach)
        return result

    def built_in():
        return run(bars, "sma_cross", params, engine="event", cash=cash, costs=Costs.zero())

    def summary(result):
        closed = int((result.trades["status"] == "closed").sum())
        return float(result.equity.iloc[-1]), closed

    hand_written()  # compile the indicator kernels once
    built_in()
    t_hand, r_hand = best_of(args.repeat, hand_written)
    t_rule, r_rule = best_of(args.repeat, built_in)
    t_stats, _ = best_of(args.repeat, lambda: hand_written().stats["final_equity"])
    t_bt, eq_bt = best_of(
        args.repeat, lambda: backtesting_py_backtest(bars, args.fast, args.slow, cash)
    )
    rows = [
        ("signaltrust sma_cross (run)", t_rule, summary(r_rule)[0]),
        ("signaltrust on_bar + risk", t_hand, summary(r_hand)[0]),
        ("backtesting.py", t_bt, eq_bt),
    ]
    t_btr = None
    if not args.no_backtrader:
        t_btr, eq_btr = best_of(
            max(1, args.repeat - 2), lambda: backtrader_backtest(bars, args.fast, args.slow, cash)
        )
        rows.append(("backtrader", t_btr, eq_btr))
    n = args.bars
    print(f"bars: {n:,}; SMA({args.fast})/SMA({args.slow}) all in, next-open fills, no costs")
    print(f"{'engine':<30}{'seconds':>10}{'bars/s':>14}{'final equity':>20}")
    for label, t, eq in rows:
        print(f"{label:<30}{t:>10.3f}{n / t:>14,.0f}{eq:>20,.2f}")
    print(f"closed trades: {summary(r_hand)[1]} (hand-written), {summary(r_rule)[1]} (built-in)")
    for label, t in (("built-in sma_cross via run", t_rule), ("hand-written + risk engine", t_hand)):
        line = f"{label:<28} {t_bt / t:5.1f}x backtesting.py (target >= 5x)"
        if t_btr is not None:
            line += f", {t_btr / t:5.1f}x backtrader"
        print(line)
    print(f"hand-written + risk engine + result.stats: {t_stats:.3f} s -> "
          f"{t_bt / t_stats:.1f}x backtesting.py")


if __name__ == "__main__":
    main()
