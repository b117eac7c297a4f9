"""Order, fill and status types: validation at construction names the field, value and fix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.core.orders import (
    Fill,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    to_decimal,
)

T0 = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)


def test_construct_when_limit_without_limit_price_then_error_names_field_and_fix():
    with pytest.raises(ValidationError) as err:
        Order("a-1", "GOOG", "BUY", 10, OrderType.LIMIT)
    assert err.value.field == "limit_price"
    assert "fix" in str(err.value) and "limit_price" in str(err.value)


@pytest.mark.parametrize("missing", ["limit_price", "stop_price"])
def test_construct_when_stop_limit_lacks_a_price_then_error_names_it(missing):
    prices = {"limit_price": 101, "stop_price": 100}
    del prices[missing]
    with pytest.raises(ValidationError) as err:
        Order("a-1", "GOOG", "BUY", 10, OrderType.STOP_LIMIT, **prices)
    assert err.value.field == missing


def test_construct_when_stop_without_stop_price_then_error():
    with pytest.raises(ValidationError) as err:
        Order("a-1", "GOOG", "SELL", 1, "STOP")
    assert err.value.field == "stop_price"


@pytest.mark.parametrize("quantity", [0, -1, "-0.5", Decimal("0")])
def test_construct_when_quantity_not_positive_then_error_names_value(quantity):
    with pytest.raises(ValidationError) as err:
        Order("a-1", "GOOG", "BUY", quantity)
    assert err.value.field == "quantity"
    assert str(quantity) in str(err.value)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), "abc", True])
def test_construct_when_quantity_not_a_finite_number_then_error(value):
    with pytest.raises(ValidationError):
        Order("a-1", "GOOG", "BUY", value)


def test_construct_when_market_order_has_a_limit_price_then_refused_not_ignored():
    with pytest.raises(ValidationError) as err:
        Order("a-1", "GOOG", "BUY", 1, limit_price=100)
    assert err.value.field == "limit_price"


def test_construct_when_trailing_stop_has_both_or_neither_trail_then_error():
    with pytest.raises(ValidationError):
        Order("a-1", "GOOG", "SELL", 1, "TRAILING_STOP")
    with pytest.raises(ValidationError):
        Order("a-1", "GOOG", "SELL", 1, "TRAILING_STOP", trail_amount=1, trail_percent=2)
    with pytest.raises(ValidationError) as err:
        Order("a-1", "GOOG", "SELL", 1, "TRAILING_STOP", trail_percent=100)
    assert err.value.field == "trail_percent"


def test_construct_when_trail_given_to_a_limit_order_then_error():
    with pytest.raises(ValidationError) as err:
        Order("a-1", "GOOG", "SELL", 1, "LIMIT", limit_price=5, trail_amount=1)
    assert err.value.field == "trail_amount"


def test_construct_when_strings_and_floats_given_then_enums_and_exact_decimals():
    order = Order("a-1", "GOOG", "buy", 0.1, "limit", limit_price=101.1, time_in_force="day")
    assert order.side is OrderSide.BUY and order.order_type is OrderType.LIMIT
    assert order.time_in_force is TimeInForce.DAY
    assert order.quantity == Decimal("0.1") and order.limit_price == Decimal("101.1")
    assert order.status is OrderStatus.NEW and order.remaining_quantity == Decimal("0.1")


def test_construct_when_side_unknown_then_error_lists_choices():
    with pytest.raises(ValidationError) as err:
        Order("a-1", "GOOG", "HOLD", 1)
    assert err.value.field == "side" and "BUY" in str(err.value)


def test_construct_when_created_at_naive_then_error_and_aware_is_converted_to_utc():
    with pytest.raises(ValidationError) as err:
        Order("a-1", "GOOG", "BUY", 1, created_at=datetime(2024, 1, 2))
    assert err.value.field == "created_at"
    ny = pd.Timestamp("2024-01-02 09:30", tz="America/New_York")
    order = Order("a-1", "GOOG", "BUY", 1, created_at=ny)
    assert order.created_at.utcoffset() == timedelta(0)
    assert order.created_at == ny


def test_construct_when_client_order_id_blank_then_error():
    with pytest.raises(ValidationError) as err:
        Order(" ", "GOOG", "BUY", 1)
    assert err.value.field == "client_order_id"


def test_status_when_terminal_then_not_open():
    terminal = {s for s in OrderStatus if s.is_terminal}
    assert terminal == {
        OrderStatus.FILLED,
        OrderStatus.CANCELED,
        OrderStatus.REJECTED,
        OrderStatus.EXPIRED,
        OrderStatus.DENIED,
    }
    assert all(s.is_open != s.is_terminal for s in OrderStatus)


def test_same_request_when_only_state_differs_then_true_else_false():
    a = Order("a-1", "GOOG", "BUY", 10, created_at=T0)
    b = Order("a-1", "GOOG", "BUY", 10)
    b.status = OrderStatus.ACCEPTED
    assert a.same_request(b)
    assert not a.same_request(Order("a-1", "GOOG", "BUY", 11))
    assert not a.same_request(Order("a-1", "GOOG", "SELL", 10))


def test_fill_when_fee_negative_then_refused():
    with pytest.raises(ValidationError) as err:
        Fill("f-1", "a-1", "GOOG", "BUY", 1, 100, fee=-0.01, timestamp=T0)
    assert err.value.field == "fee"


def test_fill_when_timestamp_missing_or_naive_then_refused():
    with pytest.raises(ValidationError):
        Fill("f-1", "a-1", "GOOG", "BUY", 1, 100)
    with pytest.raises(ValidationError):
        Fill("f-1", "a-1", "GOOG", "BUY", 1, 100, timestamp=datetime(2024, 1, 2))


def test_fill_when_sell_then_signed_quantity_negative_and_notional_exact():
    fill = Fill("f-1", "a-1", "GOOG", "SELL", "3", 0.1, timestamp=T0, currency="usd")
    assert fill.signed_quantity == Decimal("-3")
    assert fill.notional == Decimal("0.3")
    assert fill.currency == "USD"


def test_to_decimal_when_float_then_shortest_repr_not_binary_expansion():
    assert to_decimal(0.1, "x") == Decimal("0.1")
    assert to_decimal(Decimal("1.50"), "x") == Decimal("1.5")


def test_to_decimal_when_numpy_scalars_then_same_as_python_numbers():
    import numpy as np

    assert to_decimal(np.float64(0.1), "x") == Decimal("0.1")
    assert to_decimal(np.float32(0.5), "x") == Decimal("0.5")
    assert to_decimal(np.int64(7), "x") == Decimal(7)
    order = Order("s-1", "GOOG", "BUY", np.float64(2.5), OrderType.LIMIT, limit_price=np.float64(0.1))
    assert (order.quantity, order.limit_price) == (Decimal("2.5"), Decimal("0.1"))
    with pytest.raises(ValidationError, match="finite"):
        to_decimal(np.float64("nan"), "price")


def test_market_when_built_unchecked_then_equals_the_validated_order():
    checked = Order("s-1", "GOOG", "SELL", "2.5", time_in_force="DAY", strategy_id="s", tags=("x",))
    fast = Order.market("s-1", "GOOG", OrderSide.SELL, Decimal("2.5"), TimeInForce.DAY, "s", ("x",))
    assert repr(fast) == repr(checked)
    assert fast.same_request(checked)


def test_trusted_fill_when_built_unchecked_then_equals_the_validated_fill():
    checked = Fill("f1", "s-1", "GOOG", "BUY", 3, "100.5", fee="0.25", timestamp=T0)
    fast = Fill.trusted(
        "f1", "s-1", "GOOG", OrderSide.BUY, Decimal(3), Decimal("100.5"), Decimal("0.25"),
        "USD", T0, "default",
    )  # fmt: skip
    assert fast == checked
