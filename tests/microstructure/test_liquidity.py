"""The liquidity analyser picks the algorithm and child size from spread, depth and VPIN."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.execution.algos import POV, TWAP, Iceberg
from signaltrust.execution.liquidity import (
    LiquidityAnalyser,
    LiquidityPolicy,
    LiquiditySnapshot,
    walk_book,
)

ANALYSER = LiquidityAnalyser()


def test_plan_when_order_fits_the_depth_at_a_tight_spread_then_one_market_order():
    plan = ANALYSER.plan(20, LiquiditySnapshot(spread_bps=2.0, depth=400.0, vpin=0.3))
    assert (plan.algorithm, plan.mode, plan.child_quantity) == ("MARKET", "taker", Decimal(20))
    assert plan.algorithm_for("BTC/USDT", 20) is None


def test_plan_when_order_exceeds_a_quarter_of_depth_then_twap_in_depth_sized_children():
    plan = ANALYSER.plan(-1000, LiquiditySnapshot(spread_bps=2.0, depth=400.0, vpin=0.3))
    assert (plan.algorithm, plan.child_quantity, plan.children) == ("TWAP", Decimal(100), 10)
    algo = plan.algorithm_for("ES", -1000)
    assert isinstance(algo, TWAP) and algo.side == "SELL" and algo.bars == 10


def test_plan_when_spread_is_wide_then_maker_iceberg_showing_one_child():
    plan = ANALYSER.plan(300, LiquiditySnapshot(spread_bps=35.0, depth=400.0, vpin=0.2))
    assert (plan.algorithm, plan.mode, plan.child_quantity) == ("ICEBERG", "maker", Decimal(100))
    algo = plan.algorithm_for("X", 300)
    assert isinstance(algo, Iceberg) and algo.display == Decimal(100)


def test_plan_when_vpin_is_toxic_then_small_taker_pov_and_half_the_child_size():
    calm = ANALYSER.plan(300, LiquiditySnapshot(spread_bps=35.0, depth=400.0, vpin=0.3))
    toxic = ANALYSER.plan(300, LiquiditySnapshot(spread_bps=35.0, depth=400.0, vpin=0.8))
    assert (toxic.algorithm, toxic.mode, toxic.rate) == ("POV", "taker", 0.05)
    assert toxic.child_quantity == calm.child_quantity / 2
    assert any("toxic" in reason for reason in toxic.reasons)
    assert isinstance(toxic.algorithm_for("X", 300), POV)


def test_plan_when_lot_is_coarse_then_children_are_whole_lots():
    plan = ANALYSER.plan(1000, LiquiditySnapshot(2.0, depth=170.0), lot=25)
    assert plan.child_quantity == Decimal(25) and plan.children == 40


def test_snapshot_from_book_when_buying_then_counts_ask_depth_and_spread_in_bp():
    row = pd.Series({"bid_price_1": 99.99, "ask_price_1": 100.01, "bid_size_1": 5.0,
                     "ask_size_1": 3.0, "ask_size_2": 4.0, "ask_size_3": float("nan")})
    snap = LiquiditySnapshot.from_book(row, "BUY", depth_levels=3, vpin=0.4)
    assert snap.depth == 7.0 and snap.spread_bps == pytest.approx(2.0)
    assert LiquiditySnapshot.from_book(row, "SELL").depth == 5.0


def test_analyser_when_inputs_are_bad_then_validation_error():
    with pytest.raises(ValidationError, match="fraction"):
        LiquidityPolicy(max_take_of_depth=1.5)
    with pytest.raises(ValidationError, match="no depth"):
        ANALYSER.plan(10, LiquiditySnapshot(2.0, depth=0.0))
    with pytest.raises(ValidationError, match="uncrossed"):
        LiquiditySnapshot.from_book({"bid_price_1": 101.0, "ask_price_1": 100.0}, "BUY")


BOOK = pd.Series({"bid_price_1": 99.0, "bid_size_1": 2.0, "bid_price_2": 98.0,
                  "bid_size_2": 5.0, "ask_price_1": 101.0, "ask_size_1": 1.0,
                  "ask_price_2": 102.0, "ask_size_2": 3.0, "ask_price_3": float("nan"),
                  "ask_size_3": float("nan")})


def test_walk_book_when_order_exceeds_the_touch_then_average_of_the_levels_taken():
    fill = walk_book(BOOK, "BUY", 3.0)
    assert (fill.filled, fill.levels) == (3.0, 2)
    assert fill.average_price == pytest.approx((101.0 + 2 * 102.0) / 3)
    assert fill.slippage_bps == pytest.approx((fill.average_price - 100.0) / 100.0 * 1e4)
    sell = walk_book(BOOK, "SELL", 1.0)
    assert sell.average_price == 99.0 and sell.slippage_bps == pytest.approx(100.0)


def test_walk_book_when_order_exceeds_displayed_depth_then_only_displayed_size_fills():
    fill = walk_book(BOOK, "BUY", 10.0)
    assert fill.filled == 4.0 and fill.levels == 2
