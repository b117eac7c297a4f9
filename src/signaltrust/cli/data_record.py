"""``signaltrust data record``: trades and order books from a venue's streams into the tick lake.

Through the CCXT adapter (``--source ccxt:<exchange>``): ``watch_trades`` and
``watch_order_book`` (ccxt.pro WebSockets; the book synchronised with its REST snapshot by
ccxt). Trades are kept once per trade id (streams repeat trades after a reconnect) and sorted
by time; the book is stored as a snapshot of its best ``--depth`` levels after every update
(``seq`` the venue's update id; an update that does not advance it is skipped), stamped
with the venue's event time. The book as first fetched over REST carries no time and is not
stored: the first stored row is the book after the first streamed update. Every stored time
is the venue's, so recording the same stream twice stores it once. A dropped
stream is opened again after a short backoff, a refusal (unknown symbol) ends the recording.
At the end both go through the tick lake's checks and idempotent write.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json
from signaltrust.core.config import load_settings
from signaltrust.core.errors import DefinitiveBrokerError, ValidationError

BACKOFF_S = (0.2, 0.5, 1.0, 2.0)


@dataclass
class Recording:
    """What a recording collected: trade and book rows (tick frames), and how it went."""

    trades: list[dict[str, Any]] = field(default_factory=list)
    book: list[dict[str, Any]] = field(default_factory=list)
    trade_ids: set[str] = field(default_factory=set)
    repeated_trades: int = 0
    stale_books: int = 0
    unstamped_books: int = 0
    reconnects: int = 0
    last_nonce: int = -1

    def trades_frame(self) -> Any:
        import pandas as pd

        frame = pd.DataFrame(self.trades, columns=["ts", "price", "size", "side", "seq",
                                                   "trade_id"])
        frame["ts"] = pd.to_datetime(frame["ts"].astype("int64"), unit="ns", utc=True)
        return frame.sort_values(["ts", "seq"], kind="stable", ignore_index=True)

    def book_frame(self) -> Any:
        import pandas as pd

        frame = pd.DataFrame(self.book, columns=["ts", "seq", "side", "price", "size",
                                                 "snapshot"])
        frame["ts"] = pd.to_datetime(frame["ts"].astype("int64"), unit="ns", utc=True)
        return frame

    def add_trades(self, items: list[dict[str, Any]], now_ns: int) -> None:
        for item in items:
            key = str(item.get("id"))
            if key in self.trade_ids:
                self.repeated_trades += 1
                continue
            self.trade_ids.add(key)
            stamp = item.get("timestamp")
            side = {"buy": 1, "sell": -1}.get(str(item.get("side")).lower(), 0)
            self.trades.append({
                "ts": int(stamp) * 1_000_000 if stamp is not None else now_ns,
                "price": float(item["price"]), "size": float(item["amount"]), "side": side,
                "seq": int(key) if key.isdigit() else -1, "trade_id": key})

    def add_book(self, book: dict[str, Any], depth: int) -> None:
        stamp = book.get("timestamp")
        if stamp is None:  # the REST snapshot, before any update: it carries no venue time
            self.unstamped_books += 1
            return
        nonce = book.get("nonce")
        seq = int(nonce) if nonce is not None else self.last_nonce + 1
        if seq <= self.last_nonce:
            self.stale_books += 1
            return
        self.last_nonce = seq
        ts = int(stamp) * 1_000_000
        for side, levels in ((1, book.get("bids", [])), (-1, book.get("asks", []))):
            for level in list(levels)[:depth]:
                self.book.append({"ts": ts, "seq": seq, "side": side, "price": float(level[0]),
                                  "size": float(level[1]), "snapshot": True})


async def _watch(name: str, call: Callable[[], Awaitable[Any]], take: Callable[[Any], None],
                 session: Any, deadline: float, recording: Recording) -> None:
    attempt = 0
    while (left := deadline - time.monotonic()) > 0:
        try:
            answer = await asyncio.wait_for(call(), timeout=left)
        except TimeoutError:
            return
        except Exception as exc:  # noqa: BLE001 - sorted: refusals end, drops reconnect
            error = session.classify(name, exc)
            if isinstance(error, DefinitiveBrokerError):
                raise error from None
            recording.reconnects += 1
            await asyncio.sleep(min(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)],
                                    max(0.0, deadline - time.monotonic())))
            attempt += 1
            continue
        attempt = 0
        take(answer)


async def record_ticks(venue: Any, symbol: str, *, seconds: float, book: bool = True,
                       trades: bool = True, depth: int = 20,
                       stop_when: Callable[[Recording], bool] | None = None) -> Recording:
    """Record ``symbol`` (our ``BASE-QUOTE``) from a CCXT venue's streams for ``seconds``, or
    until ``stop_when(recording)`` holds (checked after every update)."""
    from signaltrust.live.adapters.symbols import to_ccxt

    session = getattr(getattr(venue, "data", None), "session", None)
    exchange = getattr(session, "exchange", None)
    if exchange is None or not hasattr(exchange, "watch_trades"):
        raise ValidationError("recording needs a CCXT venue with WebSocket streams",
                              field="source", value=getattr(venue, "name", venue),
                              fix="record from --source ccxt:<exchange>, e.g. ccxt:binance")
    market = to_ccxt(symbol)
    recording = Recording()
    done = asyncio.Event()

    def checked(add: Callable[[Any], None]) -> Callable[[Any], None]:
        def take(answer: Any) -> None:
            add(answer)
            if stop_when is not None and stop_when(recording):
                done.set()
        return take

    await exchange.load_markets()  # before the watchers: their streams then open in order
    deadline = time.monotonic() + seconds
    watchers = []
    if book:
        watchers.append(_watch("watch_order_book", lambda: exchange.watch_order_book(market),
                               checked(lambda b: recording.add_book(b, depth)), session,
                               deadline, recording))
    if trades:
        watchers.append(_watch("watch_trades", lambda: exchange.watch_trades(market),
                               checked(lambda t: recording.add_trades(t, time.time_ns())),
                               session, deadline, recording))
    pending = {asyncio.ensure_future(w) for w in watchers}
    stopper = asyncio.ensure_future(done.wait())
    try:
        while pending:
            finished, _ = await asyncio.wait(pending | {stopper},
                                             return_when=asyncio.FIRST_COMPLETED)
            for task in finished & pending:
                task.result()  # a refusal ends the recording with its error
            pending -= finished
            if stopper in finished:
                break
    finally:
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        stopper.cancel()
    return recording


def _our_symbol(symbol: str) -> str:
    from signaltrust.live.adapters.symbols import from_ccxt

    return from_ccxt(symbol.upper()) if "/" in symbol else symbol.upper()


def record(source: str, symbol: str, *, minutes: float, book: bool, trades: bool, depth: int,
           settings: Any, venue: Any = None,
           stop_when: Callable[[Recording], bool] | None = None) -> dict[str, Any]:
    """Record, then write to the tick lake; answers what was stored (also for ``--json``)."""
    from signaltrust.data.ticks_lake import TickLake
    from signaltrust.live.adapters import open_venue
    from signaltrust.live.adapters.download import store_venue

    if not source.strip().lower().startswith("ccxt:"):
        raise ValidationError("recording ticks works through the CCXT adapter", field="source",
                              value=source, fix="pass --source ccxt:<exchange>, e.g. ccxt:binance")
    if not minutes > 0 or not (book or trades):
        raise ValidationError("nothing to record", field="minutes", value=minutes,
                              fix="pass --minutes > 0 and --book and/or --trades")
    ours = _our_symbol(symbol)
    venue = venue if venue is not None else open_venue(source.strip().lower(), settings.venues)

    async def run() -> Recording:
        try:
            return await record_ticks(venue, ours, seconds=minutes * 60, book=book,
                                      trades=trades, depth=depth, stop_when=stop_when)
        finally:
            await venue.data.close()

    recording = asyncio.run(run())
    lake, where = TickLake(settings.lake_path), store_venue(source)
    stored: dict[str, Any] = {"source": source, "symbol": ours, "venue": where,
                              "reconnects": recording.reconnects,
                              "repeated_trades": recording.repeated_trades}
    if trades:
        frame = recording.trades_frame()
        stored["trades"] = len(frame)
        stored["trades_added"] = lake.write(frame, "trades", ours, where).added if len(
            frame) else 0
    if book:
        frame = recording.book_frame()
        stored["book_updates"] = int(frame["seq"].nunique()) if len(frame) else 0
        stored["book_rows_added"] = lake.write(frame, "book", ours, where).added if len(
            frame) else 0
    return stored


@handles_errors
def record_command(
    symbol: str = typer.Argument(..., help="The pair: BTC/USDT or BTC-USDT."),
    source: str = typer.Option(..., "--source", help="ccxt:<exchange>, e.g. ccxt:binance."),
    book: bool = typer.Option(False, "--book", help="Record the order book."),
    trades: bool = typer.Option(False, "--trades", help="Record the trades."),
    minutes: float = typer.Option(1.0, "--minutes", help="How long to record."),
    depth: int = typer.Option(20, "--depth", help="Book levels a side to keep per update."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Record trades and/or the order book from a venue's streams into the tick lake.

    Example: signaltrust data record --source ccxt:binance BTC/USDT --book --trades --minutes 5
    """
    settings = load_settings()
    if not as_json:
        console.print(f"recording {symbol} from {source} for {minutes:g} min ...",
                      highlight=False)
    stored = record(source, symbol, minutes=minutes, book=book, trades=trades, depth=depth,
                    settings=settings)
    if as_json:
        print_json(stored)
        return
    console.print(", ".join(f"{k}: {v}" for k, v in stored.items()), highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``record`` to the `data` sub-app."""
    app.command("record")(record_command)
