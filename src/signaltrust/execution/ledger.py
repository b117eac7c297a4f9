"""The exact ledger: cash per currency, net positions per (instrument, strategy), P&L, fees, margin.

Arithmetic is :class:`~decimal.Decimal` in :data:`~signaltrust.core.orders.EXACT_CONTEXT`
(60 digits, and any rounding raises): cash, cost basis, realised P&L and fees are sums of exact
products, so the ledger balances to the last digit. Floats appear only at the edges (inputs are
converted through ``repr``; reports may call ``float()``).

Average-cost method. Each position keeps its signed ``cost_basis`` (money paid for the open
quantity: ``sum(quantity * price * multiplier)`` of the fills that opened it; negative for a
short). A fill that reduces a position removes the closed fraction of the cost basis
(``cost_basis * closed / open``; the whole of it when the position closes, so a round trip
leaves no residue) and realises ``proceeds - removed cost``. Only the closed fraction of a
partial reduction can be inexact: it is rounded half-even to the cost basis's own decimals or
1e-12, whichever is finer, and the same rounded amount leaves the cost basis, so the
invariants below still hold exactly. A fill that goes through zero closes the position and
opens the rest on the other side at the fill price.

Invariants, per currency, at every step (:meth:`Ledger.check_balanced`)::

    equity == cash + sum(quantity * mark * multiplier)
    equity == initial cash + realised P&L + unrealised P&L - fees

where ``unrealised = market value - cost basis``. A position is valued at the latest mark
(:meth:`Ledger.mark`) or, before any mark, at its latest fill price; a fill also updates the mark.

Margin: ``margin_used = gross exposure / leverage`` and ``buying_power = equity * leverage -
gross exposure`` (negative when over-extended). The ledger records what happened; refusing
orders that exceed the buying power is the risk engine's job.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Context, Decimal, Inexact, localcontext

from signaltrust.core.errors import LedgerError, ValidationError
from signaltrust.core.orders import (
    EXACT_CONTEXT,
    RATIO_CONTEXT,
    ZERO,
    Account,
    Fill,
    OrderSide,
    Position,
    to_decimal,
)

_SPLIT_CONTEXT = Context(prec=60, rounding=ROUND_HALF_EVEN)
_ONE = Decimal(1)
_MIN_SCALE = -12


_BUY = OrderSide.BUY


@dataclass(slots=True)
class _Book:
    """Mutable state of one (symbol, strategy) position."""

    symbol: str
    strategy_id: str
    currency: str
    multiplier: Decimal
    quantity: Decimal = ZERO
    cost_basis: Decimal = ZERO
    realised_pnl: Decimal = ZERO


def _split_cost(cost: Decimal, closed: Decimal, open_abs: Decimal) -> Decimal:
    """The part of ``cost`` that ``closed`` of ``open_abs`` units carry, exact when possible."""
    if closed == open_abs:
        return cost
    ctx = _SPLIT_CONTEXT.copy()
    ctx.clear_flags()  # fresh flags: the exactness test below must not see earlier splits
    share = ctx.divide(ctx.multiply(cost, closed), open_abs)
    if not ctx.flags[Inexact]:
        return share
    exponent = cost.as_tuple().exponent
    scale = min(exponent, _MIN_SCALE) if isinstance(exponent, int) else _MIN_SCALE
    return share.quantize(Decimal(1).scaleb(scale), context=ctx)


class Ledger:
    """Cash per currency, positions netted per (symbol, strategy), exact P&L, fees and margin.

    >>> from datetime import datetime, timezone
    >>> from decimal import Decimal
    >>> t = datetime(2024, 1, 2, tzinfo=timezone.utc)
    >>> ledger = Ledger({"USD": Decimal("100000")})
    >>> _ = ledger.apply_fill(Fill("f1", "o1", "GOOG", "BUY", 10, 100, fee=1, timestamp=t))
    >>> _ = ledger.apply_fill(Fill("f2", "o2", "GOOG", "SELL", 4, 110, fee=1, timestamp=t))
    >>> ledger.realised_pnl(), ledger.fees_paid(), ledger.cash()
    (Decimal('40'), Decimal('2'), Decimal('99438'))
    >>> ledger.check_balanced()
    True
    """

    def __init__(
        self,
        initial_cash: Mapping[str, Decimal | int | float | str] | None = None,
        *,
        leverage: Decimal | int | float | str = 1,
        base_currency: str | None = None,
    ) -> None:
        cash = dict(initial_cash) if initial_cash is not None else {"USD": ZERO}
        self._initial: dict[str, Decimal] = {}
        for ccy, amount in cash.items():
            self._initial[self._currency(ccy)] = to_decimal(amount, f"initial_cash[{ccy!r}]")
        self.base_currency = (
            self._currency(base_currency) if base_currency else next(iter(self._initial), "USD")
        )
        self._initial.setdefault(self.base_currency, ZERO)
        self.leverage = to_decimal(leverage, "leverage")
        if self.leverage <= 0:
            raise ValidationError(
                "must be > 0", field="leverage", value=leverage, fix="pass e.g. leverage=2"
            )
        self._cash = dict(self._initial)
        self._fees: dict[str, Decimal] = {c: ZERO for c in self._initial}
        self._realised: dict[str, Decimal] = {c: ZERO for c in self._initial}
        self._books: dict[tuple[str, str], _Book] = {}
        self._by_currency: dict[str, list[_Book]] = {}
        self._by_symbol: dict[str, list[_Book]] = {}
        self._marks: dict[str, Decimal] = {}
        self._fill_ids: set[str] = set()

    @staticmethod
    def _currency(code: str) -> str:
        if not isinstance(code, str) or not 3 <= len(code) <= 5 or not code.isalnum():
            raise ValidationError(
                "must be a currency code", field="currency", value=code, fix="pass e.g. 'USD'"
            )
        return code.upper()

    def _ccy(self, currency: str | None) -> str:
        return self.base_currency if currency is None else self._currency(currency)

    # ------------------------------------------------------------------ changes

    def apply_fill(self, fill: Fill, multiplier: Decimal | int | float | str = 1) -> Position:
        """Book a fill (cash moves by ``-signed qty * price * multiplier - fee``); its position.

        Refuses (:class:`LedgerError`, nothing changed) a fill id already booked, and a fill whose
        currency or multiplier differs from its open position's. Any finite fee >= 0 is booked
        exactly, however small (see :data:`~signaltrust.core.orders.EXACT_CONTEXT`).
        """
        return self._snapshot(self._book_fill(fill, multiplier))

    def book_fill(self, fill: Fill, multiplier: Decimal | int | float | str = 1) -> None:
        """Book a fill like :meth:`apply_fill`, without building the Position snapshot (faster)."""
        self._book_fill(fill, multiplier)

    def _book_fill(self, fill: Fill, multiplier: Decimal | int | float | str) -> _Book:
        if fill.fill_id in self._fill_ids:
            raise LedgerError(
                "this fill was already booked",
                field="fill_id",
                value=fill.fill_id,
                fix="book each fill once",
            )
        if fill.fee < 0:  # Fill refuses this too; the ledger never trusts it blindly
            raise LedgerError(
                "fees are never negative", field="fee", value=fill.fee, fix="pass a fee >= 0"
            )
        if type(multiplier) is int and multiplier == 1:
            mult = _ONE
        else:
            mult = to_decimal(multiplier, "multiplier")
        if mult <= 0:
            raise LedgerError(
                "must be > 0",
                field="multiplier",
                value=multiplier,
                fix="pass the contract multiplier",
            )
        key = (fill.symbol, fill.strategy_id)
        book = self._books.get(key)
        if book is None or book.quantity == 0:
            if book is None:
                book = self._books[key] = _Book(fill.symbol, fill.strategy_id, fill.currency, mult)
                self._by_currency.setdefault(fill.currency, []).append(book)
                self._by_symbol.setdefault(fill.symbol, []).append(book)
            elif book.currency != fill.currency:
                raise LedgerError(
                    f"{fill.symbol} is booked in {book.currency}",
                    field="currency",
                    value=fill.currency,
                    fix="trade an instrument in one currency",
                )
            book.currency, book.multiplier = fill.currency, mult
        elif book.currency != fill.currency or book.multiplier != mult:
            raise LedgerError(
                f"the open {fill.symbol} position is in {book.currency} "
                f"with multiplier {book.multiplier}",
                field="currency" if book.currency != fill.currency else "multiplier",
                value=fill.currency if book.currency != fill.currency else mult,
                fix="book fills of one instrument in one currency with one multiplier",
            )
        for accounts in (self._initial, self._cash, self._fees, self._realised):
            accounts.setdefault(fill.currency, ZERO)
        self._post(
            book,
            fill.fill_id,
            fill.symbol,
            fill.side is _BUY,
            fill.quantity,
            fill.price,
            fill.fee,
            fill.currency,
            mult,
        )
        return book

    def book_trusted(self, fill: Fill) -> tuple[Decimal, Decimal]:
        """Book a fill the engine built itself (:meth:`Fill.trusted`: a fee >= 0, no contract
        multiplier); returns the cash of its currency and the net quantity of its symbol after
        it. The common case (a position of one strategy already booked in this currency) skips
        the checks that such a fill cannot fail; anything else takes :meth:`book_fill`'s."""
        symbol, currency = fill.symbol, fill.currency
        book = self._books.get((symbol, fill.strategy_id))
        if (
            book is None
            or book.multiplier is not _ONE
            or book.currency != currency
            or fill.fill_id in self._fill_ids
        ):
            book = self._book_fill(fill, 1)
        else:
            self._post(book, fill.fill_id, symbol, fill.side is _BUY, fill.quantity,
                       fill.price, fill.fee, currency, _ONE)
        books = self._by_symbol[symbol]
        held = book.quantity if len(books) == 1 else self.quantity(symbol)
        return self._cash[currency], held

    def book_fields(
        self,
        fill_id: str,
        symbol: str,
        strategy_id: str,
        buy: bool,
        quantity: Decimal,
        price: Decimal,
        fee: Decimal,
        currency: str,
        make_fill: Callable[[], Fill],
    ) -> tuple[Decimal, Decimal]:
        """:meth:`book_trusted` for a fill given as its fields (no :class:`Fill` built in the
        common case); ``make_fill()`` builds it when the booking needs the full checks."""
        book = self._books.get((symbol, strategy_id))
        if (
            book is None
            or book.multiplier is not _ONE
            or book.currency != currency
            or fill_id in self._fill_ids
        ):
            book = self._book_fill(make_fill(), 1)
        else:
            self._post(book, fill_id, symbol, buy, quantity, price, fee, currency, _ONE)
        books = self._by_symbol[symbol]
        held = book.quantity if len(books) == 1 else self.quantity(symbol)
        return self._cash[currency], held

    def _post(
        self,
        book: _Book,
        fill_id: str,
        symbol: str,
        buy: bool,
        qty: Decimal,
        price: Decimal,
        fee: Decimal,
        ccy: str,
        mult: Decimal,
    ) -> None:
        """The arithmetic of a booking, after the checks (``ccy`` already has its accounts)."""
        # explicit context methods: operators (even unary minus and abs) would round to the
        # thread's default context, not the exact one
        c = EXACT_CONTEXT
        add, sub, mul = c.add, c.subtract, c.multiply
        value = mul(qty, price) if mult is _ONE else mul(mul(qty, price), mult)  # unsigned
        q = book.quantity
        if not q or (q > 0) is buy:  # opens or adds to the position
            if buy:
                book.cost_basis = add(book.cost_basis, value)
                book.quantity = add(q, qty)
            else:
                book.cost_basis = sub(book.cost_basis, value)
                book.quantity = sub(q, qty)
        else:  # reduces it, and through zero opens the rest on the other side
            open_abs = c.abs(q)
            closed = qty if qty <= open_abs else open_abs
            moved = value  # money of the closed part
            if closed is not qty:
                moved = mul(closed, price) if mult is _ONE else mul(mul(closed, price), mult)
            removed = _split_cost(book.cost_basis, closed, open_abs)
            # a sell closes a long (proceeds - cost), a buy closes a short (-paid - cost < 0)
            realised = sub(c.minus(moved), removed) if buy else sub(moved, removed)
            book.cost_basis = sub(book.cost_basis, removed)
            book.quantity = add(q, closed) if buy else sub(q, closed)
            if closed is not qty:
                rest = sub(qty, closed)
                opened = mul(rest, price) if mult is _ONE else mul(mul(rest, price), mult)
                cost = book.cost_basis
                book.cost_basis = add(cost, opened) if buy else sub(cost, opened)
                book.quantity = add(book.quantity, rest) if buy else sub(book.quantity, rest)
            book.realised_pnl = add(book.realised_pnl, realised)
            self._realised[ccy] = add(self._realised[ccy], realised)
        cash = sub(self._cash[ccy], value) if buy else add(self._cash[ccy], value)
        if fee:
            cash = sub(cash, fee)
            self._fees[ccy] = add(self._fees[ccy], fee)
        self._cash[ccy] = cash
        self._marks[symbol] = price
        self._fill_ids.add(fill_id)

    def mark(self, prices: Mapping[str, Decimal | int | float | str]) -> None:
        """Set the latest price of symbols (e.g. bar closes); positions are valued at it."""
        for symbol, price in prices.items():
            if (
                type(price) is float and price > 0 and price != float("inf")
            ):  # the common case, fast
                self._marks[symbol] = Decimal(repr(price))
                continue
            value = to_decimal(price, f"prices[{symbol!r}]")
            if value <= 0:
                raise LedgerError(
                    "a mark price must be > 0",
                    field=f"prices[{symbol!r}]",
                    value=price,
                    fix="pass a positive price",
                )
            self._marks[symbol] = value

    def deposit(self, amount: Decimal | int | float | str, currency: str | None = None) -> None:
        """Add (or, negative, withdraw) cash; counts as initial capital in the balance identity."""
        ccy = self._ccy(currency)
        value = to_decimal(amount, "amount")
        self._initial[ccy] = EXACT_CONTEXT.add(self._initial.get(ccy, ZERO), value)
        self._cash[ccy] = EXACT_CONTEXT.add(self._cash.get(ccy, ZERO), value)

    # ------------------------------------------------------------------ positions

    def _price(self, book: _Book) -> Decimal | None:
        return self._marks.get(book.symbol)

    def _value(self, book: _Book) -> Decimal:
        if book.quantity == 0:
            return ZERO
        return EXACT_CONTEXT.multiply(
            EXACT_CONTEXT.multiply(book.quantity, self._marks[book.symbol]), book.multiplier
        )

    def _snapshot(self, book: _Book) -> Position:
        return self._position(book.symbol, book.strategy_id, [book])

    def _position(self, symbol: str, strategy_id: str | None, books: list[_Book]) -> Position:
        with localcontext(EXACT_CONTEXT):
            qty = sum((b.quantity for b in books), ZERO)
            cost = sum((b.cost_basis for b in books), ZERO)
            realised = sum((b.realised_pnl for b in books), ZERO)
            value = sum((self._value(b) for b in books), ZERO)
        mult = books[0].multiplier if books else Decimal(1)
        avg = None if qty == 0 else RATIO_CONTEXT.divide(cost, RATIO_CONTEXT.multiply(qty, mult))
        return Position(
            symbol=symbol,
            strategy_id=strategy_id,
            quantity=qty,
            average_price=avg,
            cost_basis=cost,
            realised_pnl=realised,
            mark_price=self._marks.get(symbol),
            market_value=value,
            unrealised_pnl=EXACT_CONTEXT.subtract(value, cost),
            multiplier=mult,
            currency=books[0].currency if books else self.base_currency,
        )

    def quantity(self, symbol: str, strategy_id: str | None = None) -> Decimal:
        """Signed net quantity of ``symbol`` for one strategy, or all when None (fast)."""
        if strategy_id is not None:
            book = self._books.get((symbol, strategy_id))
            return ZERO if book is None else book.quantity
        books = self._by_symbol.get(symbol)
        if not books:
            return ZERO
        if len(books) == 1:
            return EXACT_CONTEXT.add(ZERO, books[0].quantity)
        total = ZERO
        for b in books:
            total = EXACT_CONTEXT.add(total, b.quantity)
        return total

    def position(self, symbol: str, strategy_id: str | None = None) -> Position:
        """The position in ``symbol`` for ``strategy_id``, or netted over all strategies when None.

        A symbol never traded gives a flat position.
        """
        if strategy_id is not None:
            book = self._books.get((symbol, strategy_id))
            return self._position(symbol, strategy_id, [book] if book is not None else [])
        return self._position(symbol, None, [b for b in self._books.values() if b.symbol == symbol])

    def open_quantities(self) -> dict[tuple[str, str], Decimal]:
        """Signed quantity of every open (symbol, strategy) position, exactly."""
        return {(b.symbol, b.strategy_id): b.quantity for b in self._books.values() if b.quantity}

    def positions(self, include_flat: bool = False) -> list[Position]:
        """Every (symbol, strategy) position, open ones only unless ``include_flat``."""
        return [self._snapshot(b) for b in self._books.values() if include_flat or b.quantity != 0]

    # ------------------------------------------------------------------ money figures

    def _books_in(self, ccy: str) -> list[_Book]:
        return self._by_currency.get(ccy, [])

    def currencies(self) -> list[str]:
        """Every currency with cash or positions, base currency first."""
        seen = dict.fromkeys(
            [self.base_currency, *self._cash, *(b.currency for b in self._books.values())]
        )
        return list(seen)

    def initial_cash(self, currency: str | None = None) -> Decimal:
        """Starting cash plus deposits in ``currency`` (base currency when None)."""
        return self._initial.get(self._ccy(currency), ZERO)

    def cash(self, currency: str | None = None) -> Decimal:
        """Cash in ``currency`` (base currency when None); negative when borrowing."""
        return self._cash.get(self._ccy(currency), ZERO)

    def market_value(self, currency: str | None = None) -> Decimal:
        """Signed marked value of positions in ``currency``: ``sum(qty * mark * multiplier)``."""
        ccy = self.base_currency if currency is None else self._currency(currency)
        total = ZERO
        marks, add, mul = self._marks, EXACT_CONTEXT.add, EXACT_CONTEXT.multiply
        for b in self._by_currency.get(ccy, ()):
            if b.quantity:
                total = add(total, mul(mul(b.quantity, marks[b.symbol]), b.multiplier))
        return total

    def gross_exposure(self, currency: str | None = None) -> Decimal:
        """``sum(|quantity * mark * multiplier|)`` of the positions in ``currency``."""
        with localcontext(EXACT_CONTEXT):
            return sum((abs(self._value(b)) for b in self._books_in(self._ccy(currency))), ZERO)

    def equity(self, currency: str | None = None) -> Decimal:
        """Cash plus marked positions in ``currency`` (base currency when None)."""
        ccy = self.base_currency if currency is None else self._currency(currency)
        return EXACT_CONTEXT.add(self._cash.get(ccy, ZERO), self.market_value(ccy))

    def realised_pnl(self, currency: str | None = None) -> Decimal:
        """P&L realised by reductions, before fees, in ``currency``."""
        return self._realised.get(self._ccy(currency), ZERO)

    def unrealised_pnl(self, currency: str | None = None) -> Decimal:
        """Marked value minus cost basis of the open positions in ``currency``."""
        ccy = self._ccy(currency)
        with localcontext(EXACT_CONTEXT):
            return sum((self._value(b) - b.cost_basis for b in self._books_in(ccy)), ZERO)

    def fees_paid(self, currency: str | None = None) -> Decimal:
        """Total fees charged to cash in ``currency``."""
        return self._fees.get(self._ccy(currency), ZERO)

    def margin_used(self, currency: str | None = None) -> Decimal:
        """Initial margin held: ``gross exposure / leverage`` (34 significant digits)."""
        return RATIO_CONTEXT.divide(self.gross_exposure(currency), self.leverage)

    def buying_power(self, currency: str | None = None) -> Decimal:
        """Further gross exposure the account can take: ``equity * leverage - gross exposure``."""
        ccy = self._ccy(currency)
        with localcontext(EXACT_CONTEXT):
            return self.equity(ccy) * self.leverage - self.gross_exposure(ccy)

    def account(self, currency: str | None = None) -> Account:
        """A snapshot of cash (every currency), equity, P&L, fees and margin in ``currency``."""
        ccy = self._ccy(currency)
        return Account(
            currency=ccy,
            cash_by_currency=dict(self._cash),
            equity=self.equity(ccy),
            realised_pnl=self.realised_pnl(ccy),
            unrealised_pnl=self.unrealised_pnl(ccy),
            fees_paid=self.fees_paid(ccy),
            margin_used=self.margin_used(ccy),
            buying_power=self.buying_power(ccy),
            leverage=self.leverage,
        )

    def check_balanced(self) -> bool:
        """Verify both balance identities exactly in every currency: True or LedgerError."""
        with localcontext(EXACT_CONTEXT):
            for ccy in self.currencies():
                books = self._books_in(ccy)
                marked = self._cash.get(ccy, ZERO) + sum((self._value(b) for b in books), ZERO)
                unrealised = sum((self._value(b) - b.cost_basis for b in books), ZERO)
                by_pnl = (
                    self._initial.get(ccy, ZERO)
                    + self._realised.get(ccy, ZERO)
                    + unrealised
                    - self._fees.get(ccy, ZERO)
                )
                by_positions = sum((b.realised_pnl for b in books), ZERO)
                if (
                    marked != self.equity(ccy)
                    or by_pnl != marked
                    or by_positions != self._realised.get(ccy, ZERO)
                ):
                    raise LedgerError(
                        f"the {ccy} ledger does not balance: cash + marked positions = {marked}, "
                        f"initial + realised + unrealised - fees = {by_pnl}, "
                        f"realised by position = {by_positions} vs {self._realised.get(ccy, ZERO)}",
                        field="equity",
                        value=marked,
                        fix="report this as a bug with the fills that led here",
                    )
        return True
