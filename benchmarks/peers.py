"""The same SMA-crossover backtest in the peer libraries, for the benchmarks (never for tests).

Every peer trades SMA(fast)/SMA(slow) crossovers long only, all in, filling at the next bar's
open without costs, so its final equity can be printed beside SignalTrust's. vectorbt sizes in
fractional units as SignalTrust does; backtesting.py and backtrader are driven to the same
orders (see each function for how and for what differs).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd


def random_walk_bars(n_bars: int, seed: int = 7) -> pd.DataFrame:
    """Seeded random-walk hourly bars (UTC, ns) with a consistent open/high/low/close."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.01, n_bars)))
    open_ = np.r_[100.0, close[:-1]] * np.exp(rng.normal(0.0, 0.002, n_bars))
    high = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0.0, 0.004, n_bars)))
    low = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0.0, 0.004, n_bars)))
    # hourly from 1970, so that a million bars stays inside the nanosecond range
    index = pd.date_range("1970-01-01", periods=n_bars, freq="h", tz="UTC").as_unit("ns")
    volume = rng.integers(1_000, 1_000_000, n_bars).astype(float)
    return pd.DataFrame(
        {"open": open_, "high": high, "low": low, "close": close, "volume": volume}, index=index
    )


def naive(bars: pd.DataFrame) -> pd.DataFrame:
    """The bars with a timezone-naive index: vectorbt's crossing and shifting helpers take a
    slow path on tz-aware indexes under pandas 3 (1.3 s instead of 15 ms at 100,000 bars)."""
    out = bars.copy()
    out.index = out.index.tz_localize(None)
    return out


def vectorbt_backtest(bars: pd.DataFrame, fast: int, slow: int, cash: float) -> float:
    """vectorbt: MA.run, ma_crossed_above/below, from_signals at the next open; final value."""
    import vectorbt as vbt

    bars = naive(bars)
    close = bars["close"]
    fast_ma = vbt.MA.run(close, fast)
    slow_ma = vbt.MA.run(close, slow)
    entries = fast_ma.ma_crossed_above(slow_ma).vbt.fshift(1, fill_value=False)
    exits = fast_ma.ma_crossed_below(slow_ma).vbt.fshift(1, fill_value=False)
    pf = vbt.Portfolio.from_signals(
        close, entries, exits, price=bars["open"], init_cash=cash, fees=0.0
    )
    return float(pf.final_value())


def backtesting_py_backtest(bars: pd.DataFrame, fast: int, slow: int, cash: float) -> float:
    """backtesting.py: Strategy with crossover(); FractionalBacktest so units are fractional.

    Buys with size 1 - 1e-9 (a fraction of equity; 1 would mean one unit). The open trade
    stays open at the end (finalize_trades=True would close it at the last bar's open), so
    the final equity is marked at the last close as in SignalTrust.
    """
    from backtesting import Strategy
    from backtesting.lib import FractionalBacktest, crossover

    def sma(values, n):
        return pd.Series(values).rolling(n).mean().to_numpy()

    class SmaCross(Strategy):
        def init(self):
            self.fast = self.I(sma, self.data.Close, fast)
            self.slow = self.I(sma, self.data.Close, slow)

        def next(self):
            if crossover(self.fast, self.slow):
                if not self.position:
                    self.buy(size=1 - 1e-9)  # a fraction of equity; 1 would mean 1 unit
            elif crossover(self.slow, self.fast) and self.position:
                self.position.close()

    frame = bars.rename(columns=str.capitalize)
    frame.index = frame.index.tz_localize(None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        test = FractionalBacktest(
            frame, SmaCross, cash=cash, commission=0.0, fractional_unit=1e-6,
            finalize_trades=False,
        )
        stats = test.run()
    return float(stats["Equity Final [$]"])


def backtrader_backtest(
    bars: pd.DataFrame, fast: int, slow: int, cash: float, entries_out: list | None = None
) -> float:
    """backtrader: CrossOver indicator; with cheat-on-open the order placed in next_open
    (which sees the indicators of the previous bar's close) fills at this bar's open, sized to
    all cash (less 1e-12, which backtrader would refuse for margin by float rounding)."""
    import backtrader as bt

    class SmaCross(bt.Strategy):
        def __init__(self):
            self.cross = bt.ind.CrossOver(bt.ind.SMA(period=fast), bt.ind.SMA(period=slow))
            self.entry_dates = []

        def next_open(self):
            if self.cross[0] > 0 and not self.position:
                # a hair under all cash: an order costing cash + 1 ulp is refused as margin
                self.buy(size=self.broker.getcash() / self.data.open[0] * (1 - 1e-12))
                self.entry_dates.append(self.data.datetime.date(0))
            elif self.cross[0] < 0 and self.position:
                self.close()

    cerebro = bt.Cerebro(stdstats=False, cheat_on_open=True)
    frame = bars.copy()
    frame.index = frame.index.tz_localize(None)
    cerebro.adddata(bt.feeds.PandasData(dataname=frame))
    cerebro.addstrategy(SmaCross)
    cerebro.broker.setcash(cash)
    cerebro.broker.set_coc(False)
    cerebro.broker.set_checksubmit(False)
    strategies = cerebro.run()
    if entries_out is not None:
        entries_out.extend(strategies[0].entry_dates)
    return float(cerebro.broker.getvalue())
