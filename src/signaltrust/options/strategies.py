"""P/L of option strategies (verticals, straddles, strangles, covered calls, collars), with costs.

Quantities are in contracts (positive long, negative short); one contract is ``multiplier``
shares (100 by default) and a stock leg's quantity counts contracts' worth of shares (1 = 100
shares). Entry premiums are Black-Scholes-Merton at the entry state unless a leg gives its own
``premium``. Costs are on by default: a commission per contract and half the bid-ask spread
(a fraction of the premium) on every option trade, and basis points on the stock. Before expiry
the strategy is marked at Black-Scholes prices and charged what closing it would cost; at expiry
options settle at intrinsic value without a trade, and a stock leg is sold (its cost charged).
Dividends the stock pays while held are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from signaltrust.core.errors import ValidationError
from signaltrust.options.bsm import bsm_price

LEG_KINDS = ("call", "put", "stock")


@dataclass(frozen=True)
class Leg:
    """One leg: ``kind`` 'call', 'put' or 'stock', ``quantity`` (+ long, - short), ``strike``."""

    kind: str
    quantity: float
    strike: float = 0.0
    premium: float | None = None  # paid per share at entry; None: Black-Scholes at entry

    def __post_init__(self) -> None:
        if self.kind not in LEG_KINDS:
            raise ValidationError("unknown leg kind", field="kind", value=self.kind,
                                  fix="use 'call', 'put' or 'stock'")
        if self.kind != "stock" and not self.strike > 0:
            raise ValidationError("an option leg needs a strike above zero", field="strike",
                                  value=self.strike, fix="give the strike price")


@dataclass(frozen=True)
class OptionCosts:
    """What trading costs: per contract, a fraction of premium, and basis points on stock."""

    commission_per_contract: float = 0.65
    half_spread: float = 0.02  # of the option's premium, paid on each trade
    stock_bps: float = 1.0  # per side, of the traded value
    multiplier: float = 100.0

    @classmethod
    def free(cls) -> OptionCosts:
        """No costs at all (for comparison with the textbook payoff)."""
        return cls(0.0, 0.0, 0.0)


@dataclass(frozen=True)
class MarketState:
    """The underlying's spot, time left to the options' expiry (years), vol, rate, dividend."""

    spot: float
    years: float
    vol: float
    rate: float = 0.0
    dividend: float = 0.0


@dataclass(frozen=True)
class OptionStrategy:
    """Named legs on one underlying with one expiry."""

    name: str
    legs: tuple[Leg, ...]

    def entry_premiums(self, entry: MarketState) -> np.ndarray:
        """Premium per share of each leg at entry (the spot for a stock leg)."""
        return np.array([_leg_value(leg, entry.spot, entry) if leg.premium is None
                         else leg.premium for leg in self.legs])

    def pnl(self, spots: Any, entry: MarketState, at: MarketState | None = None,
            costs: OptionCosts | None = None) -> StrategyPnl:
        """P/L (currency) over underlying prices ``spots``: at expiry when ``at`` is None,
        else marked at ``at`` (its ``spot`` is ignored: each of ``spots`` is used)."""
        costs = OptionCosts() if costs is None else costs
        s = np.atleast_1d(np.asarray(spots, dtype=float))
        if np.any(~np.isfinite(s) | (s <= 0)):
            raise ValidationError("underlying prices must be above zero", field="spots",
                                  value=float(s[~np.isfinite(s) | (s <= 0)][0]),
                                  fix="give a grid of positive prices")
        if at is not None and not 0 < at.years <= entry.years:
            raise ValidationError("the mark date must fall between entry and expiry",
                                  field="at.years", value=at.years,
                                  fix=f"give 0 < years <= {entry.years}")
        premiums = self.entry_premiums(entry)
        mult = costs.multiplier
        gross = np.zeros_like(s)
        entry_cost = exit_cost = np.zeros_like(s)
        entry_cost = entry_cost + sum(_trade_cost(leg, p, costs) for leg, p in
                                      zip(self.legs, premiums, strict=True))
        for leg, paid in zip(self.legs, premiums, strict=True):
            value = _leg_value(leg, s, at) if at is not None else _leg_payoff(leg, s)
            gross = gross + leg.quantity * (value - paid) * mult
            if at is not None or leg.kind == "stock":
                exit_cost = exit_cost + _trade_cost(leg, value, costs)
        net_debit = float(np.dot([leg.quantity for leg in self.legs], premiums) * mult)
        return StrategyPnl(self.name, s, gross - entry_cost - exit_cost, gross,
                           entry_cost + exit_cost, net_debit)


def _leg_payoff(leg: Leg, s: np.ndarray) -> np.ndarray:
    if leg.kind == "stock":
        return s
    sign = 1.0 if leg.kind == "call" else -1.0
    return np.maximum(sign * (s - leg.strike), 0.0)


def _leg_value(leg: Leg, s: Any, state: MarketState) -> Any:
    if leg.kind == "stock":
        return np.asarray(s, dtype=float)
    return bsm_price(leg.kind, s, leg.strike, state.years, state.vol, state.rate,
                     state.dividend)


def _trade_cost(leg: Leg, price: Any, costs: OptionCosts) -> Any:
    size = abs(leg.quantity)
    if leg.kind == "stock":
        return size * costs.multiplier * np.asarray(price) * costs.stock_bps / 1e4
    return size * (costs.commission_per_contract
                   + costs.half_spread * np.asarray(price) * costs.multiplier)


@dataclass(frozen=True)
class StrategyPnl:
    """P/L over a grid of underlying prices: net of costs, gross, the costs, the entry debit."""

    name: str
    spots: np.ndarray
    pnl: np.ndarray
    gross: np.ndarray
    costs: np.ndarray
    net_debit: float  # premium paid at entry (negative: a credit received)
    extra: dict[str, Any] = field(default_factory=dict)

    def breakevens(self) -> list[float]:
        """Underlying prices where net P/L crosses zero (linear between grid points)."""
        p, s = self.pnl, self.spots
        out = []
        for i in np.flatnonzero(np.sign(p[:-1]) * np.sign(p[1:]) < 0):
            out.append(float(s[i] - p[i] * (s[i + 1] - s[i]) / (p[i + 1] - p[i])))
        return out

    def __plain__(self) -> dict[str, Any]:
        return {"name": self.name, "spots": self.spots.tolist(), "pnl": self.pnl.tolist(),
                "gross": self.gross.tolist(), "costs": self.costs.tolist(),
                "net_debit": self.net_debit, "breakevens": self.breakevens(),
                "max_profit_on_grid": float(self.pnl.max()),
                "max_loss_on_grid": float(self.pnl.min())}


def vertical(kind: str, long_strike: float, short_strike: float,
             quantity: float = 1.0) -> OptionStrategy:
    """A vertical spread: long one strike, short another, same kind and expiry."""
    return OptionStrategy(f"{kind} vertical {long_strike:g}/{short_strike:g}",
                          (Leg(kind, quantity, long_strike), Leg(kind, -quantity, short_strike)))


def straddle(strike: float, quantity: float = 1.0) -> OptionStrategy:
    """Call and put at the same strike (long when quantity > 0)."""
    return OptionStrategy(f"straddle {strike:g}",
                          (Leg("call", quantity, strike), Leg("put", quantity, strike)))


def strangle(put_strike: float, call_strike: float, quantity: float = 1.0) -> OptionStrategy:
    """Out-of-the-money put and call (long when quantity > 0)."""
    if put_strike >= call_strike:
        raise ValidationError("a strangle's put strike must be below its call strike",
                              field="put_strike", value=put_strike,
                              fix=f"use a put strike below {call_strike:g}")
    return OptionStrategy(f"strangle {put_strike:g}/{call_strike:g}",
                          (Leg("put", quantity, put_strike), Leg("call", quantity, call_strike)))


def covered_call(call_strike: float, quantity: float = 1.0) -> OptionStrategy:
    """Long the stock, short a call on it."""
    return OptionStrategy(f"covered call {call_strike:g}",
                          (Leg("stock", quantity), Leg("call", -quantity, call_strike)))


def collar(put_strike: float, call_strike: float, quantity: float = 1.0) -> OptionStrategy:
    """Long the stock, long a protective put, short a call to pay for it."""
    return OptionStrategy(f"collar {put_strike:g}/{call_strike:g}",
                          (Leg("stock", quantity), Leg("put", quantity, put_strike),
                           Leg("call", -quantity, call_strike)))
