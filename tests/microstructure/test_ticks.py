"""Tick frames: quality checks with a row-level report, the lake's idempotent writes, file
imports in exchange formats, and book replay equal to the core's OrderBook."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.book import BookLevel, BookUpdate, OrderBook
from signaltrust.core.errors import ValidationError
from signaltrust.data.ticks import TickQualityError, check_ticks, tick_frame
from signaltrust.data.ticks_book import book_levels
from signaltrust.data.ticks_import import read_ticks
from signaltrust.data.ticks_lake import TickLake
from tests.microstructure.conftest import T0, make_quotes, make_trades


def _book_messages(n: int = 300, seed: int = 5) -> list[BookUpdate]:
    rng = np.random.default_rng(seed)
    bids = {100.0 - 0.01 * k: float(rng.integers(1, 9)) for k in range(1, 11)}
    asks = {100.0 + 0.01 * k: float(rng.integers(1, 9)) for k in range(0, 10)}
    out = [BookUpdate("X", T0, 0, tuple(BookLevel(p, s) for p, s in bids.items()),
                      tuple(BookLevel(p, s) for p, s in asks.items()), snapshot=True)]
    for seq in range(1, n):
        side = rng.integers(0, 2)
        book = bids if side == 0 else asks
        price = round(rng.choice(list(book)) if rng.random() < 0.7 else
                      (max(bids) - 0.01 * rng.integers(0, 12) if side == 0
                       else min(asks) + 0.01 * rng.integers(0, 12)), 2)
        size = 0.0 if rng.random() < 0.3 and len(book) > 3 else float(rng.integers(1, 9))
        level = (BookLevel(price, size),)
        out.append(BookUpdate("X", T0 + seq * 1000, seq, level if side == 0 else (),
                              level if side == 1 else ()))
        if size == 0:
            book.pop(price, None)
        else:
            book[price] = size
    return out


def _book_frame(messages: list[BookUpdate]) -> pd.DataFrame:
    rows = [(m.ts_ns, m.seq, s, lv.price, lv.size, m.snapshot)
            for m in messages for s, levels in ((1, m.bids), (-1, m.asks)) for lv in levels]
    frame = pd.DataFrame(rows, columns=["ts", "seq", "side", "price", "size", "snapshot"])
    frame["ts"] = pd.to_datetime(frame["ts"], unit="ns", utc=True)
    return frame


def _consistent(messages: list[BookUpdate]) -> list[BookUpdate]:
    """The messages a real book accepts (drops those that would cross it)."""
    book, kept = OrderBook("X"), []
    for m in messages:
        try:
            book.apply(m)
        except ValidationError:
            continue
        kept.append(m)
    return kept


def test_check_ticks_when_quotes_crossed_negative_or_out_of_sequence_then_rows_reported():
    quotes = make_quotes(50)
    quotes.loc[5, "bid"] = quotes.loc[5, "ask"] + 0.1
    quotes.loc[7, "ask_size"] = -2.0
    quotes.loc[9, "seq"] = 3
    report = check_ticks(quotes, "quotes")
    assert not report.ok
    assert report.issues[["row", "check"]].values.tolist() == [
        [5, "crossed"], [7, "negative_size"], [9, "out_of_order_seq"]]
    assert report.counts() == {"crossed": 1, "negative_size": 1, "out_of_order_seq": 1}


def test_check_ticks_when_trades_clean_then_ok_and_when_bad_then_each_row_named():
    trades = make_trades(100)
    assert check_ticks(trades, "trades").ok
    trades.loc[3, "price"] = -1.0
    trades.loc[4, "size"] = np.inf
    trades.loc[6, "ts"] = trades.loc[0, "ts"]
    report = check_ticks(trades, "trades")
    assert report.issues[["row", "check"]].values.tolist() == [
        [3, "bad_price"], [4, "bad_size"], [6, "out_of_order_time"]]


def test_lake_write_when_same_frame_twice_then_second_adds_nothing(tmp_path):
    lake, trades = TickLake(tmp_path), make_trades(400)
    first = lake.write(trades, "trades", "BTC/USDT", "binance")
    file = next((tmp_path / "ticks").rglob("ticks.parquet"))
    stamp = file.stat().st_mtime_ns
    second = lake.write(trades.iloc[100:300], "trades", "BTC/USDT", "binance")
    assert (first.added, second.added, second.days_written) == (400, 0, ())
    assert file.stat().st_mtime_ns == stamp
    back = lake.read("trades", "BTC/USDT", "binance")
    pd.testing.assert_frame_equal(back, tick_frame(trades, "trades"))


def test_lake_write_when_overlapping_halves_then_union_in_order(tmp_path):
    lake, quotes = TickLake(tmp_path), make_quotes(600)
    lake.write(quotes.iloc[300:], "quotes", "ES", "CME")
    result = lake.write(quotes.iloc[:400], "quotes", "ES", "CME")
    assert result.added == 300
    pd.testing.assert_frame_equal(lake.read("quotes", "ES", "CME"), tick_frame(quotes, "quotes"))
    window = lake.read("quotes", "ES", "CME", start=quotes["ts"].iloc[10],
                       end=quotes["ts"].iloc[20])
    assert window["seq"].tolist() == list(range(10, 20))


def test_lake_write_when_frame_has_a_bad_row_then_refused_whole_with_report(tmp_path):
    lake, quotes = TickLake(tmp_path), make_quotes(100)
    quotes.loc[42, "bid_size"] = -1.0
    with pytest.raises(TickQualityError) as caught:
        lake.write(quotes, "quotes", "ES")
    assert caught.value.report.issues["row"].tolist() == [42]
    assert lake.list().empty


def test_lake_write_when_record_contradicts_stored_one_then_refused(tmp_path):
    lake, quotes = TickLake(tmp_path), make_quotes(100)
    lake.write(quotes, "quotes", "ES")
    changed = quotes.iloc[[50]].copy()
    changed["bid_size"] += 1
    with pytest.raises(TickQualityError, match="out_of_order_seq"):
        lake.write(changed, "quotes", "ES")
    assert len(lake.read("quotes", "ES")) == 100


def test_book_levels_when_replayed_then_equal_core_order_book_after_each_message():
    messages = _consistent(_book_messages())
    levels = book_levels(_book_frame(messages), depth=3)
    book = OrderBook("X")
    assert len(levels) == len(messages)
    for k, message in enumerate(messages):
        book.apply(message)
        bids, asks = book.top(3)
        row = levels.iloc[k]
        assert [row[f"bid_price_{j + 1}"] for j in range(len(bids))] == [b.price for b in bids]
        assert [row[f"ask_size_{j + 1}"] for j in range(len(asks))] == [a.size for a in asks]
        assert row["seq"] == message.seq


def test_check_ticks_when_book_delta_crosses_then_that_message_reported():
    messages = _consistent(_book_messages(80))
    frame = _book_frame(messages)
    best_ask = min(lv.price for lv in messages[0].asks)
    crossing = pd.DataFrame({"ts": [frame["ts"].iloc[-1]], "seq": [10_000], "side": [1],
                             "price": [best_ask + 0.05], "size": [1.0], "snapshot": [False]})
    report = check_ticks(pd.concat([frame, crossing], ignore_index=True), "book")
    assert report.counts() == {"crossed": 1}
    assert report.issues["row"].tolist() == [len(frame)]
    assert check_ticks(frame, "book").ok


def test_order_book_when_delta_out_of_sequence_or_before_snapshot_then_refused():
    book = OrderBook("X")
    with pytest.raises(ValidationError, match="before any snapshot"):
        book.apply(BookUpdate("X", T0, 1, (BookLevel(99.0, 1.0),)))
    book.apply(BookUpdate("X", T0, 2, (BookLevel(99.0, 1.0),), (BookLevel(101.0, 2.0),), True))
    with pytest.raises(ValidationError, match="out of order"):
        book.apply(BookUpdate("X", T0, 2, (BookLevel(99.5, 1.0),)))
    assert book.quote().mid == 100.0


def test_read_ticks_when_binance_trade_dump_then_sides_from_buyer_maker(tmp_path):
    path = tmp_path / "BTCUSDT-trades-2024-01-02.csv"
    path.write_text("1,42000.5,0.01,420.005,1704153600000,true,true\n"
                    "2,42001.0,0.20,8400.2,1704153600123,false,true\n")
    trades = read_ticks(path, "binance-trades")
    assert trades["side"].tolist() == [-1, 1]
    assert trades["seq"].tolist() == [1, 2]
    assert trades["ts"].iloc[1] == pd.Timestamp("2024-01-02 00:00:00.123", tz="UTC")
    assert check_ticks(trades, "trades").ok


def test_read_ticks_when_tardis_book_then_messages_grouped_by_timestamp(tmp_path):
    path = tmp_path / "book.csv"
    path.write_text(
        "exchange,symbol,timestamp,local_timestamp,is_snapshot,side,price,amount\n"
        "binance,BTCUSDT,1704153600000000,1704153600001000,true,bid,99,1\n"
        "binance,BTCUSDT,1704153600000000,1704153600001000,true,ask,101,2\n"
        "binance,BTCUSDT,1704153600500000,1704153600501000,false,bid,100,3\n"
        "binance,BTCUSDT,1704153600500000,1704153600501000,false,bid,99,0\n")
    book = read_ticks(path, "tardis-book")
    assert book["seq"].tolist() == [0, 0, 1, 1]
    levels = book_levels(book, depth=2)
    assert levels[["bid_price_1", "bid_size_1", "ask_price_1"]].values.tolist() == [
        [99.0, 1.0, 101.0], [100.0, 3.0, 101.0]]
    assert np.isnan(levels["bid_price_2"].iloc[1])


def test_read_ticks_when_format_unknown_or_kind_mismatch_then_validation_error(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("ts,price,size\n2024-01-02T00:00:00Z,1,1\n")
    assert len(read_ticks(path)) == 1
    with pytest.raises(ValidationError, match="unknown tick file format"):
        read_ticks(path, "kaiko")
    with pytest.raises(ValidationError, match="holds trades"):
        read_ticks(path, "binance-trades", kind="quotes")


def test_book_levels_when_a_snapshot_arrives_mid_stream_then_book_replaced_as_core_does():
    first = _consistent(_book_messages(120, seed=8))
    later = _consistent(_book_messages(120, seed=9))
    shift = first[-1].seq + 1
    later = [BookUpdate("X", m.ts_ns + 10**9, m.seq + shift, m.bids, m.asks, m.snapshot)
             for m in later]
    messages = first + later
    levels = book_levels(_book_frame(messages), depth=4)
    book = OrderBook("X")
    for k, message in enumerate(messages):
        book.apply(message)
        bids, asks = book.top(4)
        row = levels.iloc[k]
        assert [row[f"bid_size_{j + 1}"] for j in range(len(bids))] == [b.size for b in bids]
        assert [row[f"ask_price_{j + 1}"] for j in range(len(asks))] == [a.price for a in asks]
        assert np.isnan(row["bid_price_4"]) == (len(bids) < 4)


def test_read_ticks_when_parquet_in_canonical_columns_then_same_frame(tmp_path):
    quotes = make_quotes(30)
    quotes.to_parquet(tmp_path / "quotes.parquet")
    back = read_ticks(tmp_path / "quotes.parquet", kind="quotes")
    pd.testing.assert_frame_equal(back, tick_frame(quotes, "quotes"))
