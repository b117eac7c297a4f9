"""The venue adapter contract, checked the same way against every adapter on recorded payloads
served from loopback (HTTP and WebSocket), with drops, rate limits, duplicates and
out-of-order messages in the recordings."""

from __future__ import annotations

import asyncio
import logging

import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.core.events import Bar
from signaltrust.core.orders import Order, OrderType
from tests.live.adapters.kit_alpaca import AlpacaKit
from tests.live.adapters.kit_ccxt import BinanceKit, CoinbaseKit, KrakenKit
from tests.live.adapters.kit_oanda import OandaKit
from tests.live.adapters.kit_robinhood import RobinhoodKit
from tests.live.adapters.kits import START_NS
from tests.live.adapters.loopback import Answer, FakeTime, Loopback

KITS = [OandaKit(), AlpacaKit(), BinanceKit(), KrakenKit(), CoinbaseKit(), RobinhoodKit()]


@pytest.fixture(params=KITS, ids=lambda kit: kit.name)
def kit(request):
    return request.param


class Sink:
    def __init__(self) -> None:
        self.reports = []

    def on_execution_report(self, report) -> None:
        self.reports.append(report)

    def kinds(self) -> list[str]:
        return [r.kind.value for r in self.reports]


def run(coroutine):
    return asyncio.run(asyncio.wait_for(coroutine, 20))


async def _venue(kit, server, **settings):
    time = FakeTime(START_NS)
    venue = kit.open(server, time, **settings)
    sink = Sink()
    if venue.execution is not None:
        venue.execution.connect(sink, (kit.symbol,))
    return venue, sink, time


def _order(kit, cid, **kwargs):
    return Order(cid, kit.symbol, "BUY", kwargs.pop("quantity", 100), **kwargs)


async def _close(venue):
    if venue.execution is not None:
        await venue.execution.close()
    if venue.data is not None:
        await venue.data.close()


def test_load_when_asked_then_instruments_are_keyed_by_our_symbol(kit):
    async def scenario():
        async with Loopback() as server:
            kit.script_instruments(server)
            venue, _, _ = await _venue(kit, server)
            instruments = await venue.instruments.load()
            await _close(venue)
            return instruments, venue

    instruments, venue = run(scenario())
    assert kit.symbol in instruments
    assert venue.instruments.instrument(kit.symbol).symbol == kit.symbol
    assert instruments[kit.symbol].tick_size > 0
    with pytest.raises(ValidationError) as err:  # an unknown symbol names itself and the fix
        venue.instruments.instrument("NOPE-NOPE")
    assert err.value.field == "symbol" and err.value.value == "NOPE-NOPE" and err.value.fix


def test_history_when_it_spans_pages_then_bars_are_utc_ascending_unique_by_start(kit):
    if not kit.has_bars:
        pytest.skip(f"{kit.name} offers no bars")

    async def scenario():
        async with Loopback() as server:
            kit.script_history(server)
            venue, _, _ = await _venue(kit, server)
            start, end = (pd.Timestamp(t) for t in kit.history_range)
            frame = await venue.data.history(kit.symbol, start, end, kit.timeframe)
            await _close(venue)
            return frame, server

    frame, server = run(scenario())
    assert list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert str(frame.index.tz) == "UTC"
    assert frame.index.is_monotonic_increasing and frame.index.is_unique
    assert list(frame.index) == [pd.Timestamp(t) for t in kit.history_index]
    assert len(server.seen) >= 2, "the history was not paged"
    assert (frame["high"] >= frame[["open", "close"]].max(axis=1)).all()


def test_stream_when_the_feed_drops_and_repeats_then_complete_bars_come_once_in_order(kit):
    if not kit.has_bars:
        pytest.skip(f"{kit.name} offers no bars")

    async def scenario():
        async with Loopback() as server:
            kit.script_stream(server)
            venue, _, time = await _venue(kit, server)
            bars: list[Bar] = []
            stream = venue.data.stream([kit.symbol], timeframe=kit.timeframe)
            async for bar in stream:
                bars.append(bar)
                assert bar.end_ns <= time.clock_ns(), "a bar came out before it ended"
                if len(bars) == len(kit.stream_index):
                    break
            await stream.aclose()
            await _close(venue)
            return bars

    bars = run(scenario())
    assert [pd.Timestamp(b.ts_ns, tz="UTC") for b in bars] == [
        pd.Timestamp(t) for t in kit.stream_index]
    assert all(b.symbol == kit.symbol for b in bars)


def test_submit_when_the_venue_fills_then_accepted_then_fill_with_its_ids_fees_prices(kit):
    async def scenario():
        async with Loopback() as server:
            venue, sink, _ = await _venue(kit, server)
            expected = kit.script_fill(server, "st-1")
            venue.execution.submit(_order(kit, "st-1"), START_NS)
            await venue.execution.settle()
            await venue.execution.poll_reports() if kit.poll_for_fills else None
            await _close(venue)
            return sink, expected

    sink, expected = run(scenario())
    assert sink.kinds()[:2] == ["ACCEPTED", "FILL"]
    fill = sink.reports[1]
    assert fill.client_order_id == "st-1"
    assert fill.venue_fill_id == expected.fill_id
    assert fill.price == expected.price and fill.fee == expected.fee
    assert fill.venue_order_id == expected.venue_order_id
    assert "REJECTED" not in sink.kinds()


def test_cancel_when_the_venue_confirms_then_canceled(kit):
    async def scenario():
        async with Loopback() as server:
            venue, sink, _ = await _venue(kit, server)
            kit.script_resting(server, "st-2")
            kit.script_cancel(server, "st-2")
            order = _order(kit, "st-2", order_type=OrderType.LIMIT, limit_price="1.08")
            venue.execution.submit(order, START_NS)
            await venue.execution.settle()
            venue.execution.cancel(order, START_NS)
            await venue.execution.settle()
            await _close(venue)
            return sink

    sink = run(scenario())
    assert sink.kinds() == ["ACCEPTED", "CANCELED"]


def test_submit_when_the_venue_refuses_then_rejected_with_its_reason(kit):
    async def scenario():
        async with Loopback() as server:
            venue, sink, _ = await _venue(kit, server)
            word = kit.script_reject(server, "st-3")
            venue.execution.submit(_order(kit, "st-3"), START_NS)
            await venue.execution.settle()
            await _close(venue)
            return sink, word, server

    sink, word, server = run(scenario())
    assert sink.kinds() == ["REJECTED"]
    assert word.lower() in sink.reports[0].reason.lower()
    assert len(kit.order_calls(server)) == 1, "a refusal was sent again"


@pytest.mark.parametrize("failure", ["timeout", "drop"])
def test_submit_when_no_answer_then_never_rejected_and_found_by_client_order_id(kit, failure):
    first = Answer(delay=2.0) if failure == "timeout" else Answer(drop=True)

    async def scenario():
        async with Loopback() as server:
            venue, sink, _ = await _venue(kit, server, timeout_s=0.5, retries=0)
            expected = kit.script_unanswered(server, "st-4", first)
            venue.execution.submit(_order(kit, "st-4"), START_NS)
            await venue.execution.settle()
            before = list(sink.kinds())
            ambiguous = set(venue.execution.ambiguous)
            state = await venue.execution.poll_reports()
            await _close(venue)
            return sink, before, ambiguous, expected, state

    sink, before, ambiguous, expected, state = run(scenario())
    assert before == [] and ambiguous == {"st-4"}, "an unanswered order was reported"
    assert "REJECTED" not in sink.kinds() and "CANCELED" not in sink.kinds()
    assert sink.kinds() == ["ACCEPTED", "FILL"]
    assert sink.reports[1].venue_fill_id == expected.fill_id
    assert state.ts_ns > 0


def test_submit_when_the_first_try_drops_then_the_resend_reuses_the_id_and_one_order_exists(kit):
    async def scenario():
        async with Loopback() as server:
            venue, sink, _ = await _venue(kit, server, timeout_s=0.5, retries=2)
            expected = kit.script_unanswered(server, "st-5", Answer(drop=True))
            venue.execution.submit(_order(kit, "st-5"), START_NS)
            await venue.execution.settle()
            await _close(venue)
            return sink, expected, server

    sink, expected, server = run(scenario())
    calls = kit.order_calls(server)
    assert len(calls) == 2
    assert {kit.sent_client_id(c) for c in calls} == {"st-5"}
    assert sink.kinds() == ["ACCEPTED", "FILL"]
    assert sink.reports[0].venue_order_id == expected.venue_order_id


def test_request_when_rate_limited_then_waits_retry_after_and_retries(kit):
    async def scenario():
        async with Loopback() as server:
            kit.script_instruments(server, Answer(429, {"message": "Too many requests"},
                                                  headers={"Retry-After": "7"}))
            venue, _, time = await _venue(kit, server)
            instruments = await venue.instruments.load()
            await _close(venue)
            return instruments, time

    instruments, time = run(scenario())
    assert kit.symbol in instruments
    assert any(s >= kit.rate_limit_wait for s in time.slept), time.slept


def test_keys_when_requests_fail_then_never_in_logs_errors_or_reprs(kit, caplog):
    caplog.set_level(logging.DEBUG)
    errors = []

    async def scenario():
        async with Loopback() as server:
            kit.script_instruments(server, *[Answer(500, {"message": "boom"})] * 5)
            venue, sink, _ = await _venue(kit, server, retries=2)
            try:
                await venue.instruments.load()
            except Exception as exc:  # noqa: BLE001 - inspected below
                errors.append(exc)
            kit.script_reject(server, "st-6")
            venue.execution.submit(_order(kit, "st-6"), START_NS)
            await venue.execution.settle()
            await _close(venue)
            return venue, sink, server

    venue, sink, server = run(scenario())
    assert errors, "a failing venue raised nothing"
    text = " ".join([caplog.text, *map(str, errors), *map(repr, errors), repr(venue),
                     *[r.reason or "" for r in sink.reports]])
    for secret in kit.secrets:
        assert secret not in text
        assert any(secret in " ".join(s.headers.values()) + s.body + str(s.query)
                   for s in server.seen), "the key was not sent at all"
