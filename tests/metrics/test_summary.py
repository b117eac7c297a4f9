"""performance_summary: the headline statistics, consistent with the single functions."""

from __future__ import annotations

import math
import re
from pathlib import Path

import empyrical
import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.metrics import (
    BENCHMARK_SUMMARY,
    EQUITY_SUMMARY,
    TRADE_COLUMNS,
    TRADE_SUMMARY,
    performance_summary,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


@pytest.fixture(scope="module")
def goog_equity() -> pd.Series:
    close = load("goog")["close"]
    return 1_000_000.0 * close / close.iloc[0]


def test_performance_summary_when_equity_only_then_equity_keys_in_order(goog_equity):
    assert list(performance_summary(goog_equity)) == list(EQUITY_SUMMARY)


def test_performance_summary_when_goog_equity_then_statistics_equal_empyrical(goog_equity, same):
    stats = performance_summary(goog_equity)
    returns = goog_equity.pct_change().iloc[1:]
    assert stats["periods_per_year"] == 252.0
    assert stats["start"] == goog_equity.index[0] and stats["end"] == goog_equity.index[-1]
    assert stats["duration"] == goog_equity.index[-1] - goog_equity.index[0]
    same(stats["final_equity"], goog_equity.iloc[-1])
    same(stats["total_return"], empyrical.cum_returns_final(returns))
    for key in (
        "annual_return",
        "annual_volatility",
        "sharpe_ratio",
        "sortino_ratio",
        "calmar_ratio",
        "max_drawdown",
        "omega_ratio",
        "tail_ratio",
        "value_at_risk",
        "conditional_value_at_risk",
    ):
        same(stats[key], getattr(empyrical, key)(returns))
    same(stats["stability"], empyrical.stability_of_timeseries(returns))


def test_performance_summary_when_risk_free_given_then_sharpe_uses_it(goog_equity, same):
    stats = performance_summary(goog_equity, risk_free=0.0001)
    returns = goog_equity.pct_change().iloc[1:]
    same(stats["sharpe_ratio"], empyrical.sharpe_ratio(returns, risk_free=0.0001))
    same(stats["sortino_ratio"], empyrical.sortino_ratio(returns, required_return=0.0001))


def test_performance_summary_when_benchmark_given_then_relative_keys_equal_empyrical(
    goog_equity, same
):
    sp500 = load("sp500")["close"]
    stats = performance_summary(goog_equity, benchmark=sp500)
    assert list(stats)[-len(BENCHMARK_SUMMARY) :] == list(BENCHMARK_SUMMARY)
    returns = goog_equity.pct_change().iloc[1:]
    window = sp500.loc[goog_equity.index[0] : goog_equity.index[-1]]
    alpha, beta = empyrical.alpha_beta(returns, window.pct_change().iloc[1:])
    same(stats["alpha"], alpha)
    same(stats["beta"], beta)
    same(stats["benchmark_return"], window.iloc[-1] / window.iloc[0] - 1.0)


def test_performance_summary_when_benchmark_is_the_equity_then_beta_one_alpha_zero(goog_equity):
    stats = performance_summary(goog_equity, benchmark=goog_equity)
    assert stats["beta"] == pytest.approx(1.0, rel=1e-12)
    assert stats["alpha"] == pytest.approx(0.0, abs=1e-12)
    assert stats["tracking_error"] == 0.0
    assert stats["benchmark_return"] == pytest.approx(stats["total_return"], rel=1e-12)


def test_performance_summary_when_trades_given_then_trade_keys_with_trades_count(goog_equity):
    trades = pd.DataFrame(
        [
            [
                "GOOG",
                "long",
                goog_equity.index[0],
                goog_equity.index[10],
                100.0,
                110.0,
                5.0,
                49.0,
                0.098,
                1.0,
                "signal",
                "closed",
            ]
        ],
        columns=list(TRADE_COLUMNS),
    )
    positions = pd.Series(0.0, index=goog_equity.index)
    positions.iloc[:10] = 5.0
    stats = performance_summary(goog_equity, trades=trades, positions=positions)
    assert list(stats) == list(EQUITY_SUMMARY) + list(TRADE_SUMMARY)
    assert stats["trades"] == 1 and stats["open_trades"] == 0
    assert stats["exposure"] == pytest.approx(10 / len(goog_equity))
    assert stats["turnover"] > 0


def test_performance_summary_when_single_equity_value_then_zero_return_and_nan_ratios():
    stats = performance_summary(
        pd.Series([1000.0], index=pd.DatetimeIndex(["2020-01-01"], tz="UTC"))
    )
    assert stats["total_return"] == 0.0 and stats["max_drawdown"] == 0.0
    assert math.isnan(stats["sharpe_ratio"]) and math.isnan(stats["annual_return"])


def test_performance_summary_when_plain_array_then_needs_periods_per_year():
    equity = np.array([100.0, 101.0, 99.0, 103.0])
    with pytest.raises(ValidationError, match="periods_per_year"):
        performance_summary(equity)
    assert performance_summary(equity, periods_per_year=365)["duration"] == 3


def test_performance_summary_when_empty_then_error_names_equity():
    with pytest.raises(ValidationError, match="equity"):
        performance_summary(pd.Series([], dtype=float))


def test_docs_when_read_then_every_summary_key_is_documented():
    text = DOCS.read_text()
    first_cells = re.findall(r"^\| ([^|]+) \|", text, flags=re.MULTILINE)
    documented = {name for cell in first_cells for name in re.findall(r"`([a-z_]+)`", cell)}
    assert set(EQUITY_SUMMARY) | set(TRADE_SUMMARY) | set(BENCHMARK_SUMMARY) <= documented


def test_docs_when_example_is_run_then_it_works():
    code = re.search(r"```python\n(.*?)```", DOCS.read_text(), flags=re.DOTALL).group(1)
    exec(compile(code, str(DOCS), "exec"), {})
