"""Event engine speed: a Python ``on_bar`` SMA crossover over 100,000 bars vs backtesting.py and
backtrader trading the same orders (all in, long only, next-open fills, no costs).

    .venv/bin/python benchmarks/bench_event.py [--bars 100000] [--repeat 5]

Prints bars per second of each and the ratios (the issue's target: >= 5x backtesting.py and
>= 50x backtrader). Each figure is the best of ``--repeat`` runs, imports and data loading
excluded; SignalTrust's time includes building the result (equity, cash, positions, trades and
orders tables). Its statistics and its Order/Fill/OrderEvent objects are built when first read,
so two more lines time the run with ``result.stats`` (backtesting.py's ``run()`` computes its
statistics too) and with every object read as well.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from peers import backtesting_py_backtest, backtrader_backtest, random_walk_bars  # noqa: E402

from signaltrust.backtest.event import run_strategy  # noqa: E402
from signaltrust.strategy import Param  # noqa: E402
from signaltrust.strategy.api import Strategy  # noqa: E402


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
    args = parser.parse_args()
    bars = random_walk_bars(args.bars)
    cash = 1_000_000.0

    def run_ours():
        return run_strategy(
            {"asset": bars},
            SmaCross(fast=args.fast, slow=args.slow),
            cash=cash,
            fees=0.0,
            slippage=0.0,
            fixed_fees=0.0,
            min_fees=0.0,
            fill_at="next_open",
        )

    def ours():
        result = run_ours()
        return float(result.equity.iloc[-1]), int((result.trades["status"] == "closed").sum())

    def ours_with_stats():  # backtesting.py's run() computes its statistics too
        return run_ours().stats["final_equity"]

    def ours_everything_read():  # and every Order, Fill and OrderEvent object built
        result = run_ours()
        result.stats, result.order_log, result.events  # noqa: B018
        return len(result.events)

    ours()  # compile the indicator kernels once
    t_ours, (eq_ours, trades) = best_of(args.repeat, ours)
    t_stats, _ = best_of(args.repeat, ours_with_stats)
    t_all, n_events = best_of(args.repeat, ours_everything_read)
    t_bt, eq_bt = best_of(
        args.repeat, lambda: backtesting_py_backtest(bars, args.fast, args.slow, cash)
    )
    t_btr, eq_btr = best_of(
        max(1, args.repeat - 2), lambda: backtrader_backtest(bars, args.fast, args.slow, cash)
    )
    n = args.bars
    print(f"bars: {n:,}; SMA({args.fast})/SMA({args.slow}) all in, next-open fills, no costs")
    print(f"{'engine':<28}{'seconds':>10}{'bars/s':>14}{'final equity':>20}")
    for label, t, eq in (
        ("signaltrust event (on_bar)", t_ours, eq_ours),
        ("backtesting.py", t_bt, eq_bt),
        ("backtrader", t_btr, eq_btr),
    ):
        print(f"{label:<28}{t:>10.3f}{n / t:>14,.0f}{eq:>20,.2f}")
    print(f"closed trades (signaltrust): {trades}")
    print(f"ratio vs backtesting.py: {t_bt / t_ours:.1f}x (target >= 5x)")
    print(f"ratio vs backtrader:     {t_btr / t_ours:.1f}x (target >= 50x)")
    print(
        "signaltrust's result builds its statistics and its Order/Fill/OrderEvent objects when"
        " first read; with them:"
    )
    print(
        f"  + result.stats:                  {t_stats:.3f} s -> {t_bt / t_stats:.1f}x"
        f" backtesting.py, {t_btr / t_stats:.1f}x backtrader"
    )
    print(
        f"  + stats, order_log, {n_events:,} events: {t_all:.3f} s -> {t_bt / t_all:.1f}x"
        f" backtesting.py, {t_btr / t_all:.1f}x backtrader"
    )


if __name__ == "__main__":
    main()
