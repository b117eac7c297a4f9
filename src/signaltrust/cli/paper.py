"""``signaltrust paper`` and ``signaltrust live``: a strategy on a trading node.

``paper`` replays stored or bundled bars into a node whose account is the backtest's simulated
venue (no keys, no network), journalled in the application database; started again with the
same ``--name`` it resumes from its journal. ``live`` trades through a venue's adapter, on the
venue's paper endpoint unless ``--real`` is given and confirmed.
"""

from __future__ import annotations

import asyncio
from typing import Any

import typer

from signaltrust.cli.backtest import (
    CASH_OPTION,
    DATA_OPTION,
    FEES_OPTION,
    FILL_OPTION,
    PARAM_OPTION,
    SLIPPAGE_OPTION,
    STRATEGY_OPTION,
    parse_params,
)
from signaltrust.cli.console import JSON_OPTION, console, err_console, handles_errors, print_json
from signaltrust.cli.data_options import import_options
from signaltrust.cli.observability import METRICS_PORT_OPTION, node_observability
from signaltrust.core.errors import ValidationError

NAME_OPTION = typer.Option(
    ..., "--name", "-n",
    help="The node's name: its journal's key. Run again with the same name to resume.",
)
PARTICIPATION_OPTION = typer.Option(
    None, "--participation", min=0.0, max=1.0,
    help="Largest share of a bar's volume an order may fill (partial fills; default: no cap).",
)
LATENCY_OPTION = typer.Option(0.0, "--latency-ms", min=0.0, help="Order latency of the venue.")
SPEED_OPTION = typer.Option(
    "max", "--speed",
    help="Replay speed: max (as fast as it goes) or a factor of real time (60 = a minute of "
    "market time per second).",
)

TICKS_OPTION = typer.Option(
    None, "--ticks",
    help="Recorded book data from the tick lake to replay with the bars (SYMBOL@VENUE, e.g. "
    "BTC-USDT@BINANCE, as `data record` stores it): resting limit orders fill by queue position.",
)


def open_app_database() -> Any:
    """The application database of the configuration (``[database] url``; SQLite under home)."""
    from signaltrust.core.config import load_settings
    from signaltrust.storage import open_database

    settings = load_settings()
    url = settings.database.url.get_secret_value() if settings.database.url else None
    return open_database(url, settings.home)


async def run_node(node_factory: Any) -> Any:
    """Run a node, publishing on the configured event bus when it is NATS or Redis (the
    in-process bus would have no one to follow it)."""
    from signaltrust.core.config import load_settings

    settings = load_settings()
    if settings.bus.backend == "memory":
        return await node_factory(None).run()
    from signaltrust.live.bus import open_bus

    bus = await open_bus(settings)
    try:
        return await node_factory(bus).run()
    finally:
        await bus.close()


def compliance_hooks() -> tuple[Any, ...]:
    """The compliance check of ``[agents] restricted_file`` / ``sanctions_file``, in front of
    every account's risk engine (vetoes orders in paper and live); none when neither is set."""
    from signaltrust.core.config import load_settings

    agents = load_settings().agents
    if agents.restricted_file is None and agents.sanctions_file is None:
        return ()
    from signaltrust.agents.compliance import ComplianceRules
    from signaltrust.research.agents.compliance import compliance_hook

    return (compliance_hook(ComplianceRules.from_settings(agents)),)


def _printer(quiet: bool) -> Any:
    if quiet:
        return None

    def show(summary: dict[str, Any]) -> None:
        main = summary["accounts"][0] if summary["accounts"] else {}
        err_console.print(
            f"[dim]{summary['name']}[/] {summary['status']} step {summary['steps']:,} "
            f"bar {summary['last_bar'] or '-'}  equity {main.get('equity', 0):,.2f}  "
            f"fills {main.get('fills', 0)}  risk {main.get('risk_state', '-')}",
            highlight=False,
        )

    return show


def _print_result(result: Any, as_json: bool) -> None:
    plain = result.__plain__()
    if as_json:
        accounts = {
            name: {k: v for k, v in figures.items() if k != "stats"}
            for name, figures in plain["accounts"].items()
        }
        stats = next(iter(plain["accounts"].values()), {}).get("stats", {})
        print_json({**plain, "accounts": accounts, "stats": stats})
        return
    console.print(
        f"node {plain['name']}: {plain['status']} after {plain['steps']:,} steps "
        f"({plain['recovered_steps']:,} recovered from its journal, "
        f"{plain['journal_entries']:,} journal entries, {plain['elapsed']:.2f}s)"
    )
    for name, figures in plain["accounts"].items():
        equity = figures.get("final_equity", figures.get("equity"))
        console.print(
            f"  account {name}: final equity {equity:,.2f}, trades {figures.get('trades', '-')},"
            f" cash {figures['cash']:,.2f}, positions {figures['positions'] or 'none'}, "
            f"risk {figures['risk_state']}"
        )


@handles_errors
@import_options
def paper(
    data: list[str] = DATA_OPTION,
    strategy: str = STRATEGY_OPTION,
    param: list[str] = PARAM_OPTION,
    name: str = NAME_OPTION,
    speed: str = SPEED_OPTION,
    ticks: str | None = TICKS_OPTION,
    cash: float = CASH_OPTION,
    fees: float = FEES_OPTION,
    slippage_bps: float = SLIPPAGE_OPTION,
    fill_at: str = FILL_OPTION,
    participation: float = PARTICIPATION_OPTION,
    latency_ms: float = LATENCY_OPTION,
    metrics_port: int | None = METRICS_PORT_OPTION,
    as_json: bool = JSON_OPTION,
    import_options: Any = None,
) -> None:
    """Paper-trade a strategy on a node that replays stored bars; every step is journalled,
    and the same --name resumes.

    The node replays bundled, stored or your own bars (no keys, no network) with the
    backtest's venue models and defaults. Started again with the same --name it resumes from
    its journal; a node started with other options, data or strategy code is refused.

    Example: signaltrust paper --data sp500 --strategy sma_cross --speed max --name demo
    """
    from signaltrust.cli.data_options import bars_for
    from signaltrust.cli.run_options import configured_costs
    from signaltrust.live.config import AccountConfig, NodeConfig, StrategyConfig
    from signaltrust.live.feeds import parse_speed
    from signaltrust.live.node import TradingNode

    params = parse_params(param)
    bars = bars_for(data, import_options)
    frames = bars if isinstance(bars, dict) else {str(data[0]): bars}
    recorded = None
    if ticks is not None:
        from signaltrust.core.config import load_settings
        from signaltrust.data.ticks_lake import TickLake
        from signaltrust.live.tick_feed import lake_ticks

        recorded = lake_ticks(TickLake(load_settings().lake_path), ticks, list(frames))
    costs = configured_costs(cash, fees, slippage_bps, fill_at)
    try:
        account = AccountConfig(strategies=[StrategyConfig(spec=strategy, params=params)],
                                participation=participation, latency_ms=latency_ms, **costs)
        config = NodeConfig(name=name, mode="paper", data=list(data), speed=parse_speed(speed),
                            accounts=[account])
    except Exception as exc:  # pydantic: name the field
        raise _config_error(exc, name) from None
    database = open_app_database()
    hooks = compliance_hooks()
    with node_observability(metrics_port) as metrics:
        result = asyncio.run(run_node(lambda bus: TradingNode(
            config, database, frames=frames, on_progress=_printer(as_json), bus=bus,
            hooks=hooks, metrics=metrics, ticks=recorded, freeze_heap=True)))
    _print_result(result, as_json)


def _config_error(exc: Exception, name: str) -> ValidationError:
    from pydantic import ValidationError as PydanticError

    if isinstance(exc, PydanticError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        if where == "name":
            return ValidationError("a node's name is 1-48 letters, digits, - or _ (starting "
                                   "with a letter or digit)", field="name", value=name,
                                   fix="choose a name such as demo or spx-sma")
        return ValidationError(first["msg"], field=where or "node", value=first.get("input"),
                               fix="check the option's value")
    if isinstance(exc, ValidationError):
        return exc
    return ValidationError(str(exc), field="node", value=name, fix="check the options")


BROKER_OPTION = typer.Option(
    ..., "--broker", "-b", help="alpaca, oanda, robinhood or ccxt.<exchange> (e.g. ccxt.kraken).",
)
SYMBOL_OPTION = typer.Option(..., "--symbol", help="Symbol to trade (repeatable).")
TIMEFRAME_OPTION = typer.Option("1m", "--timeframe", help="Bar timeframe the strategy runs on.")
REAL_OPTION = typer.Option(
    False, "--real", help="Trade real money on the venue's live endpoint (asks to confirm).",
)
CONFIRM_OPTION = typer.Option(
    None, "--confirm", help="The confirmation --real asks for, given in advance (scripts).",
)
BOOK_OPTION = typer.Option(
    False, "--book", help="Forward the venue's order book and trades to the node as market "
    "steps (ccxt venues; coalesced per symbol, see docs/microstructure.md).",
)
BOOK_DEPTH_OPTION = typer.Option(10, "--book-depth", min=1, help="Book levels a side kept.")


@handles_errors
def live(
    broker: str = BROKER_OPTION,
    symbol: list[str] = SYMBOL_OPTION,
    strategy: str = STRATEGY_OPTION,
    param: list[str] = PARAM_OPTION,
    name: str = NAME_OPTION,
    timeframe: str = TIMEFRAME_OPTION,
    real: bool = REAL_OPTION,
    confirm: str = CONFIRM_OPTION,
    book: bool = BOOK_OPTION,
    book_depth: int = BOOK_DEPTH_OPTION,
    metrics_port: int | None = METRICS_PORT_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Trade a strategy through a venue: its paper endpoint unless --real is given and
    confirmed.

    --real asks you to type the node's name. Refuses to start without the venue's keys.

    Keys come from the configuration's [venues.<broker>] section or the environment
    (SIGNALTRUST__VENUES__ALPACA__KEY_ID, ...); they are masked everywhere.

    Example: signaltrust live --broker alpaca --symbol AAPL --strategy sma_cross --name a1
    """
    from signaltrust.core.config import load_settings
    from signaltrust.live.config import AccountConfig, NodeConfig, StrategyConfig
    from signaltrust.live.node import TradingNode
    from signaltrust.live.venues import missing_keys, open_venue

    params = parse_params(param)
    settings = load_settings()
    lacking = missing_keys(broker, settings)
    if lacking:
        raise ValidationError(
            f"no keys for {broker}: {', '.join(lacking)} not set", field=f"venues.{broker}",
            value=None, fix=f"set them in the configuration's [venues.{broker}] section or as "
            f"SIGNALTRUST__VENUES__{broker.upper().replace('.', '__')}__<KEY>",
        )
    if real:
        answer = confirm if confirm is not None else typer.prompt(
            f"Real money on {broker}. Type the node's name ({name}) to confirm", default="")
        if answer != name:
            raise ValidationError(
                "real trading was not confirmed", field="confirm", value=answer,
                fix=f"type the node's name ({name}) exactly, or leave out --real to use the "
                "venue's paper endpoint",
            )
    try:
        account = AccountConfig(name="main", broker=broker,
                                strategies=[StrategyConfig(spec=strategy, params=params)])
        config = NodeConfig(name=name, mode="live", symbols=list(symbol), timeframe=timeframe,
                            accounts=[account])
    except Exception as exc:
        raise _config_error(exc, name) from None
    venue = open_venue(broker, settings, paper=not real)
    market_stream = None
    if book:
        from signaltrust.live.tick_feed import VenueMarketStream

        if not VenueMarketStream.supported(getattr(venue, "data", None)):
            raise ValidationError(
                f"{broker} does not stream order books and trades here", field="book",
                value=broker, fix="use --book with a ccxt.<exchange> broker, or leave it out",
            )
        market_stream = VenueMarketStream(venue.data, list(symbol), depth=book_depth)
    database = open_app_database()
    hooks = compliance_hooks()
    with node_observability(metrics_port) as metrics:
        result = asyncio.run(run_node(lambda bus: TradingNode(
            config, database, venues={broker: venue}, on_progress=_printer(as_json), bus=bus,
            hooks=hooks, metrics=metrics, market_stream=market_stream, freeze_heap=True)))
    _print_result(result, as_json)


__all__ = ["live", "open_app_database", "paper"]
