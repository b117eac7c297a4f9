"""QuantLib's prices and Greeks for the same inputs (a test dependency only, never in src/).

QuantLib's units: ``vega()`` per 1.00 of volatility, ``theta()`` per year, ``rho()`` per 1.00
of the rate; time is Actual/365 Fixed from the evaluation date, flat continuous curves.
"""

from __future__ import annotations

import pytest

ql = pytest.importorskip("QuantLib")

TODAY = (7, 12, 2026)


def _process(spot, vol, rate, dividend):
    today = ql.Date(*TODAY)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    return today, ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(spot)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, dividend, dc)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, rate, dc)),
        ql.BlackVolTermStructureHandle(ql.BlackConstantVol(today, ql.NullCalendar(), vol, dc)),
    )


def _payoff(kind, strike):
    return ql.PlainVanillaPayoff(ql.Option.Call if kind == "call" else ql.Option.Put, strike)


def european(kind, spot, strike, days, vol, rate, dividend) -> dict[str, float]:
    """AnalyticEuropeanEngine: price, delta, gamma, vega, theta, rho."""
    today, process = _process(spot, vol, rate, dividend)
    option = ql.VanillaOption(_payoff(kind, strike), ql.EuropeanExercise(today + days))
    option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return {"price": option.NPV(), "delta": option.delta(), "gamma": option.gamma(),
            "vega": option.vega(), "theta": option.theta(), "rho": option.rho()}


def american(kind, spot, strike, days, vol, rate, dividend, steps) -> dict[str, float]:
    """BinomialVanillaEngine('crr', steps): price, delta, gamma, theta."""
    today, process = _process(spot, vol, rate, dividend)
    option = ql.VanillaOption(_payoff(kind, strike), ql.AmericanExercise(today, today + days))
    option.setPricingEngine(ql.BinomialVanillaEngine(process, "crr", steps))
    return {"price": option.NPV(), "delta": option.delta(), "gamma": option.gamma(),
            "theta": option.theta()}


def implied(kind, spot, strike, days, price, rate, dividend) -> float:
    """VanillaOption.impliedVolatility with a tight accuracy."""
    today, process = _process(spot, 0.2, rate, dividend)
    option = ql.VanillaOption(_payoff(kind, strike), ql.EuropeanExercise(today + days))
    option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return option.impliedVolatility(price, process, 1e-12, 1000, 1e-7, 10.0)
