"""``signaltrust options``: price and Greeks, implied volatility, and a venue's option chain."""

from __future__ import annotations

from typing import Any

import typer

from signaltrust.cli.console import JSON_OPTION, console, handles_errors, print_json, table

app = typer.Typer(help="Options: prices and Greeks, implied volatility, a venue's chain.",
                  no_args_is_help=True)

TYPE_OPTION = typer.Option(..., "--type", help="call or put.")
SPOT_OPTION = typer.Option(..., "--spot", help="The underlying's price.")
STRIKE_OPTION = typer.Option(..., "--strike", help="The strike price.")
RATE_OPTION = typer.Option(0.0, "--rate", help="Risk-free rate, continuous, per year (0.01 = 1%).")
DAYS_OPTION = typer.Option(..., "--days", help="Calendar days to expiry (years = days / 365).")
DIVIDEND_OPTION = typer.Option(0.0, "--dividend", help="Continuous dividend yield per year.")
STYLE_OPTION = typer.Option("european", "--style", help="european (Black-Scholes-Merton) or "
                            "american (CRR binomial tree).")
STEPS_OPTION = typer.Option(801, "--steps", help="Tree steps for --style american.")
EXPIRY_OPTION = typer.Option(None, "--expiry", help="Expiry date (YYYY-MM-DD); repeat for "
                             "several; default: the nearest.")


def _style(style: str) -> str:
    from signaltrust.core.errors import ValidationError

    key = style.strip().lower()
    if key not in ("european", "american"):
        raise ValidationError("unknown exercise style", field="--style", value=style,
                              fix="use european or american")
    return key


@app.command("price")
@handles_errors
def price_command(
    kind: str = TYPE_OPTION, spot: float = SPOT_OPTION, strike: float = STRIKE_OPTION,
    vol: float = typer.Option(..., "--vol", help="Volatility per year (0.2 = 20%)."),
    rate: float = RATE_OPTION, days: float = DAYS_OPTION, dividend: float = DIVIDEND_OPTION,
    style: str = STYLE_OPTION, steps: int = STEPS_OPTION, as_json: bool = JSON_OPTION,
) -> None:
    """Price and Greeks (vega and rho per 1.00, theta per year, as QuantLib reports them).

    Example: signaltrust options price --type call --spot 100 --strike 105 --vol 0.2
    --rate 0.01 --days 30 --json
    """
    from signaltrust.options import bsm_greeks, tree_greeks

    years = days / 365.0
    if _style(style) == "european":
        greeks = bsm_greeks(kind, spot, strike, years, vol, rate, dividend)
    else:
        greeks = tree_greeks(kind, spot, strike, years, vol, rate, dividend, steps=steps)
    payload: dict[str, Any] = {
        "type": kind, "style": _style(style), "spot": spot, "strike": strike, "vol": vol,
        "rate": rate, "days": days, "years": years, "dividend": dividend, **greeks.__plain__(),
    }
    if as_json:
        print_json(payload)
        return
    rows = [[name, f"{payload[name]:.10g}", greeks.units.get(name, "per share")]
            for name in ("price", "delta", "gamma", "vega", "theta", "rho")]
    rows += [["theta_per_day", f"{payload['theta_per_day']:.10g}", "per calendar day"],
             ["vega_per_point", f"{payload['vega_per_point']:.10g}", "per vol point"]]
    console.print(table(f"{style} {kind} {strike:g} on {spot:g}, {days:g} days ({greeks.method})",
                        ["", "value", "unit"], rows))


@app.command("iv")
@handles_errors
def iv_command(
    kind: str = TYPE_OPTION, spot: float = SPOT_OPTION, strike: float = STRIKE_OPTION,
    price: float = typer.Option(..., "--price", help="The option's price per share."),
    rate: float = RATE_OPTION, days: float = DAYS_OPTION, dividend: float = DIVIDEND_OPTION,
    style: str = STYLE_OPTION, steps: int = STEPS_OPTION, as_json: bool = JSON_OPTION,
) -> None:
    """Implied volatility of a price (an error, exit 2, outside the no-arbitrage bounds).

    Example: signaltrust options iv --type put --spot 100 --strike 95 --price 1.3 --days 45
    """
    from signaltrust.options import implied_vol
    from signaltrust.options.implied_american import american_implied_vol

    years = days / 365.0
    if _style(style) == "european":
        vol = implied_vol(price, kind, spot, strike, years, rate, dividend)
        method = "Let's Be Rational (vollib) on Black-Scholes-Merton"
    else:
        vol = american_implied_vol(price, kind, spot, strike, years, rate, dividend, steps=steps)
        method = f"Brent's root of the CRR tree ({steps} steps)"
    payload = {"type": kind, "style": _style(style), "spot": spot, "strike": strike,
               "price": price, "rate": rate, "days": days, "dividend": dividend,
               "implied_vol": float(vol), "method": method}
    if as_json:
        print_json(payload)
        return
    console.print(f"implied vol {float(vol):.6%} ({method})")


@app.command("chain")
@handles_errors
def chain_command(
    symbol: str = typer.Argument(..., help="The underlying: SPY, AAPL..."),
    expiry: list[str] = EXPIRY_OPTION,
    rate: float = RATE_OPTION, dividend: float = DIVIDEND_OPTION,
    base_url: str = typer.Option("https://query2.finance.yahoo.com", "--base-url",
                                 help="Yahoo's options API (a recording server in tests)."),
    as_json: bool = JSON_OPTION,
) -> None:
    """A chain from Yahoo Finance with our implied vol of each out-of-the-money mid.

    Example: signaltrust options chain SPY --expiry 2026-12-18 --rate 0.04
    """
    import asyncio

    from signaltrust.live.adapters.options_yahoo import YahooOptionChains, expiry_at_close

    wanted = None
    if expiry:
        import pandas as pd

        wanted = [expiry_at_close(int(pd.Timestamp(e, tz="UTC").timestamp())) for e in expiry]

    async def fetch() -> Any:
        client = YahooOptionChains(base_url)
        try:
            return await client.chain(symbol, wanted)
        finally:
            await client.close()

    chain = asyncio.run(fetch())
    fitted = chain.implied_vols(rate, dividend)
    ivs = dict(zip(fitted["contract"], fitted["iv"], strict=True))
    payload = chain.__plain__()
    for row in payload["quotes"]:
        row["iv"] = ivs.get(row["contract"])
    payload["dropped"] = fitted.attrs.get("dropped", {})
    if as_json:
        print_json(payload)
        return

    def cell(x: Any) -> str:
        return "-" if x is None else f"{x:.4g}"

    rows = [[r["expiry"][:10], r["kind"], f"{r['strike']:g}", cell(r["bid"]), cell(r["ask"]),
             cell(r["venue_iv"]), cell(r["iv"])] for r in payload["quotes"]]
    console.print(table(f"{chain.symbol} at {chain.spot:g} ({chain.as_of:%Y-%m-%d %H:%M} UTC)",
                        ["expiry", "kind", "strike", "bid", "ask", "yahoo iv", "our iv"], rows))
