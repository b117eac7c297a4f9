"""The pre-trade hook: pass-through, one simple limit, a chain, named deny reasons."""

from __future__ import annotations

import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.execution import Order
from signaltrust.risk import AllowAll, CheckChain, MaxOrderNotional, MaxOrderQuantity


class View:
    def __init__(self, price: float) -> None:
        self._price = price
        self.equity = 1_000.0

    def price(self, symbol: str) -> float:
        return self._price

    def position(self, symbol: str) -> float:
        return 0.0


def test_check_when_allow_all_then_every_order_passes():
    assert AllowAll().check(Order("a-1", "X", "BUY", 10**9), View(1.0)).allowed


def test_check_when_quantity_above_limit_then_denied_with_named_reason():
    verdict = MaxOrderQuantity(100).check(Order("a-1", "X", "BUY", 101), View(1.0))
    assert not verdict.allowed
    assert verdict.reason.startswith("MaxOrderQuantity:") and "101" in verdict.reason
    assert MaxOrderQuantity(100).check(Order("a-2", "X", "SELL", 100), View(1.0)).allowed


def test_check_when_notional_above_limit_then_denied():
    check = MaxOrderNotional(1_000)
    assert not check.check(Order("a-1", "X", "BUY", 11), View(100.0)).allowed
    assert check.check(Order("a-2", "X", "BUY", 10), View(100.0)).allowed
    limit = Order("a-3", "X", "BUY", 10, "LIMIT", limit_price=101)
    assert not check.check(limit, View(1.0)).allowed  # valued at its limit price


def test_check_when_no_price_yet_then_notional_check_denies():
    verdict = MaxOrderNotional(1_000).check(Order("a-1", "X", "BUY", 1), View(float("nan")))
    assert not verdict.allowed and "no price" in verdict.reason


def test_chain_when_one_check_denies_then_its_reason_wins():
    chain = CheckChain([AllowAll(), MaxOrderQuantity(5), MaxOrderNotional(1)])
    verdict = chain.check(Order("a-1", "X", "BUY", 6), View(1.0))
    assert verdict.reason.startswith("MaxOrderQuantity")


def test_limit_when_not_positive_then_validation_error():
    with pytest.raises(ValidationError, match="limit"):
        MaxOrderQuantity(0)
