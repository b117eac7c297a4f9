"""The tick lake and PostgreSQL keep ticks the same way: idempotent writes, refusals with the
row-level report, contradictions refused, windows read back, book messages in order."""

from __future__ import annotations

import pandas as pd
import pytest

from signaltrust.data.ticks import TickQualityError, tick_frame
from signaltrust.data.ticks_lake import TickLake
from signaltrust.data.ticks_postgres import TickPostgres
from tests.microstructure.conftest import make_quotes, make_trades


@pytest.fixture(params=["lake", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "lake":
        return TickLake(tmp_path)
    return TickPostgres(request.getfixturevalue("postgres_url"),
                        request.getfixturevalue("postgres_schema"))


def test_write_when_same_ticks_twice_then_stored_once_and_read_back_equal(store):
    trades = make_trades(300, with_side=True)
    trades["seq"] = range(300)
    first = store.write(trades, "trades", "BTC-USDT", "BINANCE")
    again = store.write(trades.iloc[50:200], "trades", "BTC-USDT", "BINANCE")
    assert (first.added, again.added) == (300, 0)
    pd.testing.assert_frame_equal(store.read("trades", "BTC-USDT", "BINANCE"),
                                  tick_frame(trades, "trades"))


def test_write_when_halves_overlap_then_union_and_windows_read_back(store):
    quotes = make_quotes(400)
    store.write(quotes.iloc[200:], "quotes", "ES", "CME")
    assert store.write(quotes.iloc[:250], "quotes", "ES", "CME").added == 200
    window = store.read("quotes", "ES", "CME", start=quotes["ts"].iloc[10],
                        end=quotes["ts"].iloc[20])
    assert window["seq"].tolist() == list(range(10, 20))


def test_write_when_a_row_is_bad_or_contradicts_a_stored_one_then_refused_whole(store):
    quotes = make_quotes(100)
    bad = quotes.copy()
    bad.loc[17, "bid"] = bad.loc[17, "ask"] + 1
    with pytest.raises(TickQualityError) as caught:
        store.write(bad, "quotes", "ES")
    assert caught.value.report.issues["row"].tolist() == [17]
    store.write(quotes, "quotes", "ES")
    changed = quotes.iloc[[40]].assign(bid_size=99.0)
    with pytest.raises(TickQualityError, match="out_of_order_seq"):
        store.write(changed, "quotes", "ES")
    assert len(store.read("quotes", "ES")) == 100


def test_write_when_book_messages_then_rows_of_a_message_keep_their_order(store):
    book = pd.DataFrame({
        "ts": pd.to_datetime([1, 1, 1, 2, 2], unit="s", utc=True), "seq": [5, 5, 5, 6, 6],
        "side": [1, -1, 1, 1, 1], "price": [99.0, 101.0, 98.0, 99.5, 99.0],
        "size": [1.0, 2.0, 3.0, 4.0, 0.0], "snapshot": [True, True, True, False, False]})
    store.write(book, "book", "X")
    store.write(book, "book", "X")
    pd.testing.assert_frame_equal(store.read("book", "X"), tick_frame(book, "book"))
