"""Ledger invariants under random fills and marks (hypothesis): it always balances, exactly."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from signaltrust.core.orders import Fill
from signaltrust.execution.ledger import Ledger

T0 = datetime(2024, 1, 2, tzinfo=UTC)
SYMBOLS = ["GOOG", "MSFT", "ES"]
MULTIPLIER = {"GOOG": 1, "MSFT": 1, "ES": 50}

prices = st.decimals(min_value="0.01", max_value="5000", places=4)
quantities = st.decimals(min_value="0.001", max_value="1000", places=3)
fees = st.decimals(min_value="0", max_value="25", places=6)

fill_steps = st.tuples(
    st.just("fill"),
    st.sampled_from(SYMBOLS),
    st.sampled_from(["a", "b"]),
    st.sampled_from(["BUY", "SELL"]),
    quantities,
    prices,
    fees,
)
mark_steps = st.tuples(st.just("mark"), st.sampled_from(SYMBOLS), prices | st.floats(0.01, 5000))
steps = st.lists(st.one_of(fill_steps, mark_steps), min_size=1, max_size=40)


def _run(sequence, leverage=1):
    ledger = Ledger({"USD": Decimal("100000")}, leverage=leverage)
    snapshots = []
    for i, step in enumerate(sequence):
        if step[0] == "fill":
            _, symbol, strategy, side, qty, price, fee = step
            f = Fill(
                f"f-{i}",
                f"o-{i}",
                symbol,
                side,
                qty,
                price,
                fee=fee,
                timestamp=T0,
                strategy_id=strategy,
            )
            ledger.apply_fill(f, multiplier=MULTIPLIER[symbol])
        else:
            ledger.mark({step[1]: step[2]})
        assert ledger.check_balanced()
        snapshots.append(ledger.account())
    return ledger, snapshots


@settings(max_examples=300, deadline=None)
@given(steps)
def test_ledger_when_random_fills_and_marks_then_balances_exactly_at_every_step(sequence):
    ledger, _ = _run(sequence)
    equity = ledger.equity()
    assert equity == ledger.cash() + sum(
        p.quantity * p.mark_price * p.multiplier for p in ledger.positions()
    )
    assert (
        equity
        == ledger.initial_cash()
        + ledger.realised_pnl()
        + ledger.unrealised_pnl()
        - ledger.fees_paid()
    )
    assert ledger.fees_paid() >= 0


@settings(max_examples=200, deadline=None)
@given(st.lists(fill_steps, min_size=1, max_size=30))
def test_ledger_when_everything_is_flattened_then_realised_equals_net_cash_flow(sequence):
    ledger, _ = _run(sequence)
    flows = Decimal(0)
    for _, symbol, _, side, qty, price, _ in sequence:
        flows += (-1 if side == "BUY" else 1) * qty * price * MULTIPLIER[symbol]
    n = len(sequence)
    for position in ledger.positions():
        side = "SELL" if position.quantity > 0 else "BUY"
        price = ledger.position(position.symbol).mark_price
        f = Fill(
            f"close-{n}",
            f"c-{n}",
            position.symbol,
            side,
            abs(position.quantity),
            price,
            timestamp=T0,
            strategy_id=position.strategy_id,
        )
        n += 1
        flows += (
            (-1 if side == "BUY" else 1)
            * abs(position.quantity)
            * price
            * MULTIPLIER[position.symbol]
        )
        ledger.apply_fill(f, multiplier=MULTIPLIER[position.symbol])
    # method-independent: once flat, total realised P&L is the net cash flow of the trades
    assert ledger.realised_pnl() == flows
    assert ledger.unrealised_pnl() == 0 and ledger.positions() == []
    assert ledger.equity() == Decimal(100000) + flows - ledger.fees_paid()


@settings(max_examples=50, deadline=None)
@given(steps, st.sampled_from([1, 2, 4]))
def test_ledger_when_same_inputs_twice_then_same_results(sequence, leverage):
    first, snaps1 = _run(sequence, leverage)
    second, snaps2 = _run(sequence, leverage)
    assert snaps1 == snaps2
    assert first.positions(include_flat=True) == second.positions(include_flat=True)


@settings(max_examples=100, deadline=None)
@given(steps, st.sampled_from([1, 2, 3]))
def test_margin_when_random_positions_then_exposure_identities_hold(sequence, leverage):
    ledger, _ = _run(sequence, leverage)
    gross = ledger.gross_exposure()
    assert gross >= 0
    assert ledger.buying_power() == ledger.equity() * leverage - gross
    assert abs(ledger.margin_used() * leverage - gross) <= gross * Decimal("1e-30")
