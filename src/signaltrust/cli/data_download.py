"""``signaltrust data download``: bars from a venue or Yahoo Finance into the bar store."""

from __future__ import annotations

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, progress
from signaltrust.core.config import load_settings
from signaltrust.core.errors import BarConflictError


@handles_errors
def download_command(
    symbol: str = typer.Argument(..., help="Our symbol: AAPL, BTC-USDT, EUR-USD, ^GSPC."),
    source: str = typer.Option(
        ..., "--source", help="alpaca, ccxt:<exchange> (ccxt:binance, ccxt:kraken...), oanda, "
        "yahoo, or fred (SYMBOL is a FRED series id; every vintage is kept)."),
    start: str | None = typer.Option(None, "--start", help="First bar, e.g. 2024-01-02 (UTC); "
                                     "needed except for fred."),
    end: str | None = typer.Option(None, "--end", help="Up to (not including); default: now."),
    timeframe: str = typer.Option("1d", "--timeframe", help="Bar length: 1m, 5m, 1h, 1d..."),
    as_symbol: str | None = typer.Option(
        None, "--as", help="Store under this symbol (default: SYMBOL)."),
    on_conflict: str = typer.Option(
        "raise", "--on-conflict", help="When a stored bar differs: raise, keep or overwrite."),
    as_json: bool = JSON_OPTION,
) -> None:
    """Download bars through a venue adapter (keys from [venues] or the environment) or
    yfinance, check them like `data ingest` and land them in the bar store.

    Example: signaltrust data download --source ccxt:binance BTC-USDT --start 2024-01-01
    --timeframe 1h
    """
    from signaltrust.data.store import open_store
    from signaltrust.live.adapters.download import check_source, download

    if source.strip().lower() == "fred":
        from signaltrust.cli.data_fred import download_fred

        return download_fred(symbol, start, as_json)
    source = check_source(source)
    if start is None:
        from signaltrust.core.errors import ValidationError

        raise ValidationError("--start is needed for bars", field="--start", value=None,
                              fix="give the first bar's date, e.g. --start 2024-01-02")
    settings = load_settings()
    with progress(f"downloading {symbol} from {source}", total=2, quiet=as_json) as advance:
        got = download(source, symbol, start, end, timeframe, settings.venues)
        advance()
        store = open_store(settings)
        try:
            result = store.write(got.bars, symbol=as_symbol or symbol, venue=got.venue,
                                 timeframe=timeframe, on_conflict=on_conflict)  # type: ignore[arg-type]
        except BarConflictError as exc:
            exc.fix = "download again with --on-conflict keep or --on-conflict overwrite"
            raise
        finally:
            store.close()
        advance()
    payload = {"source": source, "symbol": as_symbol or symbol, "venue": got.venue,
               "timeframe": timeframe, "bars": len(got.bars),
               "first": got.bars.index[0].isoformat() if len(got.bars) else None,
               "last": got.bars.index[-1].isoformat() if len(got.bars) else None,
               **result.to_dict()}
    if as_json:
        print_json(payload)
        return
    console.print(f"{payload['symbol']}.{got.venue} {timeframe} from {source}: {len(got.bars)} "
                  f"bars ({payload['first']} .. {payload['last']}), {result.inserted} inserted, "
                  f"{result.unchanged} unchanged, {result.conflicts} conflicts", highlight=False)


def register(app: typer.Typer) -> None:
    """Add ``download`` to the `data` sub-app."""
    app.command("download")(download_command)
