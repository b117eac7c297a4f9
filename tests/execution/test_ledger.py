"""The ledger: hand-computed P&L (average cost), fees, shorts, reversals, multipliers and margin."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, localcontext
from itertools import count

import pytest

from signaltrust.core.errors import LedgerError, ValidationError
from signaltrust.core.orders import EXACT_CONTEXT, Fill
from signaltrust.execution.ledger import Ledger

T0 = datetime(2024, 1, 2, 14, 30, tzinfo=UTC)
D = Decimal
_ids = count(1)


def fill(side, qty, price, fee=0, symbol="GOOG", strategy="default", currency="USD"):
    n = next(_ids)
    return Fill(
        f"f-{n}",
        f"o-{n}",
        symbol,
        side,
        qty,
        price,
        fee=fee,
        currency=currency,
        timestamp=T0,
        strategy_id=strategy,
    )


def test_apply_fill_when_buy_then_partial_sells_with_fees_then_hand_computed_pnl():
    ledger = Ledger({"USD": D("100000")})
    ledger.apply_fill(fill("BUY", 10, 100, fee=1))
    assert ledger.cash() == D("98999")
    ledger.apply_fill(fill("SELL", 4, 110, fee=1))
    assert ledger.realised_pnl() == D("40")  # 4 * (110 - 100)
    assert ledger.cash() == D("99438")
    assert ledger.position("GOOG").quantity == D("6")
    assert ledger.position("GOOG").average_price == D("100")
    ledger.apply_fill(fill("SELL", 6, 90, fee=1))
    assert ledger.realised_pnl() == D("-20")  # 40 + 6 * (90 - 100)
    assert ledger.fees_paid() == D("3")
    assert ledger.cash() == D("99977") == ledger.equity()
    assert ledger.position("GOOG").is_flat and ledger.unrealised_pnl() == 0
    assert ledger.check_balanced()


def test_apply_fill_when_short_then_cash_rises_and_cover_realises_the_drop():
    ledger = Ledger({"USD": D("100000")})
    ledger.apply_fill(fill("SELL", 5, 200, fee=2))
    assert ledger.cash() == D("100998")
    ledger.mark({"GOOG": D("180")})
    position = ledger.position("GOOG")
    assert position.is_short and position.quantity == D("-5")
    assert position.average_price == D("200") and position.cost_basis == D("-1000")
    assert ledger.unrealised_pnl() == D("100") and ledger.equity() == D("100098")
    ledger.apply_fill(fill("BUY", 5, 190, fee=2))
    assert ledger.realised_pnl() == D("50")
    assert ledger.cash() == ledger.equity() == D("100046")
    assert ledger.check_balanced()


def test_apply_fill_when_sell_goes_through_zero_then_closes_and_opens_short_at_fill_price():
    ledger = Ledger({"USD": D("100000")})
    ledger.apply_fill(fill("BUY", 10, 100))
    position = ledger.apply_fill(fill("SELL", 15, 120))
    assert ledger.realised_pnl() == D("200")  # only the 10 closed realise
    assert position.quantity == D("-5") and position.average_price == D("120")
    ledger.mark({"GOOG": 110})
    assert ledger.unrealised_pnl() == D("50")
    assert ledger.equity() == D("100250") and ledger.cash() == D("100800")
    assert ledger.check_balanced()


def test_apply_fill_when_adding_at_two_prices_then_average_cost_realises():
    ledger = Ledger({"USD": D("100000")})
    ledger.apply_fill(fill("BUY", 10, 100))
    ledger.apply_fill(fill("BUY", 10, 110))
    assert ledger.position("GOOG").average_price == D("105")
    ledger.apply_fill(fill("SELL", 5, 120))
    assert ledger.realised_pnl() == D("75")
    assert ledger.position("GOOG").cost_basis == D("1575")


def test_apply_fill_when_partial_close_is_inexact_then_round_trip_realises_exactly():
    ledger = Ledger({"USD": D("1000")})
    ledger.apply_fill(fill("BUY", 1, 100))
    ledger.apply_fill(fill("BUY", 2, 101))
    ledger.apply_fill(fill("SELL", 1, 102))
    # the closed third of the cost basis 302 is rounded half-even to 12 decimals
    assert ledger.realised_pnl() == D("102") - D("100.666666666667")
    assert ledger.check_balanced()
    ledger.apply_fill(fill("SELL", 2, 102))
    assert ledger.realised_pnl() == D("4")  # 3 * 102 - 302, no rounding residue
    assert ledger.position("GOOG").cost_basis == 0
    assert ledger.check_balanced()


def test_apply_fill_when_multiplier_then_cash_and_pnl_scale():
    ledger = Ledger({"USD": D("1000000")})
    ledger.apply_fill(fill("BUY", 2, 4000, symbol="ES"), multiplier=50)
    assert ledger.cash() == D("600000")
    ledger.mark({"ES": D("4010.25")})
    assert ledger.unrealised_pnl() == D("1025")  # 2 * 10.25 * 50
    assert ledger.position("ES").average_price == D("4000")
    with pytest.raises(LedgerError) as err:
        ledger.apply_fill(fill("BUY", 1, 4000, symbol="ES"), multiplier=5)
    assert err.value.field == "multiplier"
    assert ledger.check_balanced()


def test_margin_when_leveraged_then_margin_is_exposure_over_leverage():
    ledger = Ledger({"USD": 100000}, leverage=2)
    ledger.apply_fill(fill("BUY", 10, 100))
    ledger.apply_fill(fill("SELL", 20, 50, symbol="MSFT"))
    assert ledger.gross_exposure() == D("2000")
    assert ledger.margin_used() == D("1000")
    assert ledger.buying_power() == D("198000")  # 100000 * 2 - 2000
    account = ledger.account()
    assert account.equity == ledger.equity() and account.margin_used == D("1000")
    assert account.cash == ledger.cash()


def test_apply_fill_when_borrowing_beyond_cash_then_cash_negative_and_buying_power_shows_it():
    ledger = Ledger({"USD": 1000}, leverage=1)
    ledger.apply_fill(fill("BUY", 20, 100))
    assert ledger.cash() == D("-1000")
    assert ledger.buying_power() == D("-1000")  # equity 1000, exposure 2000
    assert ledger.check_balanced()


def test_positions_when_two_strategies_trade_one_symbol_then_netted_per_strategy():
    ledger = Ledger({"USD": 100000})
    ledger.apply_fill(fill("BUY", 10, 100, strategy="a"))
    ledger.apply_fill(fill("SELL", 4, 100, strategy="b"))
    assert ledger.position("GOOG", "a").quantity == D("10")
    assert ledger.position("GOOG", "b").quantity == D("-4")
    assert ledger.position("GOOG").quantity == D("6") == ledger.quantity("GOOG")
    assert ledger.realised_pnl() == 0  # b's sale opened a short, it closed nothing of a
    assert len(ledger.positions()) == 2


def test_apply_fill_when_other_currency_then_cash_kept_apart():
    ledger = Ledger({"USD": 1000, "EUR": 500})
    ledger.apply_fill(fill("BUY", 1, 100, fee=1, symbol="SAP", currency="EUR"))
    assert ledger.cash("USD") == D("1000") and ledger.cash("EUR") == D("399")
    assert ledger.equity("EUR") == D("499") and ledger.fees_paid("EUR") == D("1")
    assert ledger.fees_paid() == 0
    with pytest.raises(LedgerError):
        ledger.apply_fill(fill("SELL", 1, 100, symbol="SAP", currency="USD"))
    assert ledger.check_balanced()


def test_apply_fill_when_same_fill_id_twice_then_refused_and_nothing_changes():
    ledger = Ledger({"USD": 1000})
    f = fill("BUY", 1, 100)
    ledger.apply_fill(f)
    with pytest.raises(LedgerError) as err:
        ledger.apply_fill(f)
    assert err.value.field == "fill_id"
    assert ledger.cash() == D("900") and ledger.quantity("GOOG") == 1


def test_mark_when_price_not_positive_or_not_numeric_then_refused():
    ledger = Ledger({"USD": 1000})
    with pytest.raises(LedgerError):
        ledger.mark({"GOOG": 0})
    with pytest.raises(ValidationError):
        ledger.mark({"GOOG": "x"})


def test_deposit_when_added_then_counts_as_initial_capital():
    ledger = Ledger({"USD": 1000})
    ledger.deposit(500)
    assert ledger.initial_cash() == D("1500") == ledger.equity()
    assert ledger.check_balanced()


def test_init_when_leverage_not_positive_then_error():
    with pytest.raises(ValidationError) as err:
        Ledger({"USD": 1}, leverage=0)
    assert err.value.field == "leverage"


def test_apply_fill_when_an_inexact_split_happened_before_then_later_exact_splits_stay_exact():
    earlier = Ledger({"USD": D("1000")})
    earlier.apply_fill(fill("BUY", 1, 100))
    earlier.apply_fill(fill("BUY", 2, 101))
    earlier.apply_fill(fill("SELL", 1, 102))  # a third of the cost basis 302: rounded
    ledger = Ledger({"USD": D("100000")})
    ledger.apply_fill(fill("BUY", 10, 100))
    ledger.apply_fill(fill("SELL", 4, 110))
    assert str(ledger.realised_pnl()) == "40"  # not "40.000000000000"


@pytest.mark.parametrize("fee", [1e-260, 5e-324, "1E-1000", 0.1 + 0.2])
def test_apply_fill_when_tiny_or_long_fee_then_booked_exactly_and_balanced(fee):
    ledger = Ledger({"USD": D("1000000.01")})
    ledger.apply_fill(fill("BUY", "3.3", "101.7", fee=fee))
    ledger.apply_fill(fill("SELL", "1.1", "99.9", fee=fee))
    exact_fee = D(repr(fee)) if isinstance(fee, float) else D(fee)
    with localcontext(EXACT_CONTEXT):  # the default context (28 digits) would round
        expected_cash = D("1000000.01") - D("3.3") * D("101.7") + D("1.1") * D("99.9")
        expected_cash -= 2 * exact_fee
    assert ledger.fees_paid() == 2 * exact_fee
    assert ledger.cash() == expected_cash and expected_cash != D("999774.29")
    assert ledger.check_balanced()


def test_book_fill_when_used_instead_of_apply_fill_then_same_books():
    a, b = Ledger({"USD": D(1000)}), Ledger({"USD": D(1000)})
    fills = [fill("BUY", 3, "10.5", fee="0.1"), fill("SELL", 5, "11.25", fee="0.2")]
    for f in fills:
        a.apply_fill(f)
        b.book_fill(f)
    assert a.positions() == b.positions() and a.account() == b.account()


def test_book_trusted_when_engine_fills_then_same_books_as_book_fill():
    checked, trusted = Ledger({"USD": D("100000")}), Ledger({"USD": D("100000")})
    fills = [
        fill("BUY", 10, 100, fee=1),
        fill("SELL", 4, "110.5", fee="0.25"),
        fill("SELL", 16, 90, fee=1),  # through zero: closes 6, opens a short of 10
        fill("BUY", 10, 95),
    ]
    for f in fills:
        checked.book_fill(f)
        cash, quantity = trusted.book_trusted(f)
        assert (cash, quantity) == (checked.cash(), checked.quantity("GOOG"))
    assert trusted.realised_pnl() == checked.realised_pnl()
    assert trusted.fees_paid() == checked.fees_paid()
    assert trusted.check_balanced()


def test_book_trusted_when_symbol_held_by_two_strategies_then_net_quantity():
    ledger = Ledger({"USD": D("100000")})
    ledger.book_fill(fill("BUY", 5, 100, strategy="a"))
    ledger.book_trusted(fill("BUY", 3, 100, strategy="b"))
    _, quantity = ledger.book_trusted(fill("SELL", 1, 100, strategy="b"))
    assert quantity == D("7") == ledger.quantity("GOOG")


def test_book_trusted_when_fill_id_booked_twice_then_refused_and_nothing_changes():
    ledger = Ledger({"USD": D("100000")})
    first = fill("BUY", 10, 100)
    ledger.book_trusted(first)
    with pytest.raises(LedgerError) as err:
        ledger.book_trusted(first)
    assert err.value.field == "fill_id"
    assert ledger.cash() == D("99000") and ledger.quantity("GOOG") == D("10")
