"""The options agent: implied against realised volatility, skew, term structure, put/call ratio,
and what hedging the position would cost (a protective put, a collar).

Inputs are the symbol's bars up to ``as_of`` and, when one is available, its option chain
(:class:`~signaltrust.options.chain.OptionChain`, e.g. from
``signaltrust.live.adapters.options_yahoo``) quoted at or before ``as_of`` and not older than
``max_chain_age``. No option chain ships with SignalTrust: without one the agent says so, takes
no view of the options market and prices the hedge at the realised volatility.

- realised volatility: the standard deviation of log close-to-close returns over 20 and 60
  bars, annualised by the number of bars in a year of the data;
- with a chain (implied vols by :meth:`OptionChain.implied_vols`, out-of-the-money quotes):
  each expiry's at-the-money vol (interpolated in log-moneyness), the term structure's slope
  (last minus first), the skew of the expiry nearest ``horizon_days`` (vol at 90 % of the
  forward minus at-the-money; an SVI fit when it has 5 quotes, else interpolation), the
  put/call ratio of volume and of open interest;
- the hedge: a put at ``put_moneyness`` x spot and, for the collar, a call sold at
  ``call_moneyness`` x spot, ``horizon_days`` out (the chain's nearest expiry to it), priced by
  Black-Scholes-Merton at the chain's vol at each strike or the 20-bar realised vol, with
  commissions and half the spread (:class:`~signaltrust.options.strategies.OptionCosts`). A
  short position is hedged with a call (and a put sold for the collar).

Score (the options market's view, each part in [-1, 1], averaged; none without a chain):
implied over realised, ``-(iv - rv) / 0.10`` (protection priced 10 vol points above what the
market moves is fear); skew, ``-skew / 0.10``; put/call volume ratio, ``(0.7 - ratio) / 0.5``.
The agent is not one of the coordinator's directional agents: its view is shown, not blended.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from signaltrust.agents.base import Agent, AgentSpec, clip, utc
from signaltrust.agents.reports import AgentReport, stance_of
from signaltrust.core.errors import ValidationError
from signaltrust.options.chain import COLUMNS, OptionChain

DAYS_PER_YEAR = 365.0
MIN_EXPIRY_DAYS = 7  # nearer expiries are dominated by noise and pin risk
SKEW_MONEYNESS = 0.9


def read_chain(path: str | Path) -> OptionChain:
    """A chain saved as JSON (``signaltrust options chain SPY --json > spy.json``)."""
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
        quotes = pd.DataFrame(payload["quotes"])
        quotes["expiry"] = pd.to_datetime(quotes["expiry"], utc=True)
        for column in ("strike", "bid", "ask", "last", "volume", "open_interest", "venue_iv"):
            quotes[column] = pd.to_numeric(quotes[column], errors="coerce")
        return OptionChain(str(payload["symbol"]), float(payload["spot"]),
                           utc(payload["as_of"]), quotes[list(COLUMNS)])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValidationError(f"the option chain file cannot be read ({type(exc).__name__}: "
                              f"{exc})", field="chain", value=str(path),
                              fix="save one with `signaltrust options chain SYMBOL --json`"
                              ) from None


def chains_in(folder: str | Path) -> dict[str, OptionChain]:
    """The chains saved in ``folder`` as ``<symbol>.json``, keyed by the file's name in lower
    case (the explained signal's symbol); a missing folder holds none."""
    path = Path(folder)
    if not path.is_dir():
        return {}
    return {file.stem.lower(): read_chain(file) for file in sorted(path.glob("*.json"))}


class OptionsInputs(BaseModel):
    """What the options agent reads about one symbol, all of it known at ``as_of``."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    symbol: str
    as_of: pd.Timestamp
    bars: pd.DataFrame
    chain: OptionChain | None = None
    position: float = Field(default=100.0, description="shares held (negative: short)")
    rate: float = Field(default=0.0, ge=-0.05, le=0.5)
    dividend: float = Field(default=0.0, ge=0.0, le=0.5)
    horizon_days: int = Field(default=30, ge=MIN_EXPIRY_DAYS, le=3 * 365)
    put_moneyness: float = Field(default=0.95, gt=0.5, lt=1.0)
    call_moneyness: float = Field(default=1.05, gt=1.0, lt=2.0)
    max_chain_age: pd.Timedelta = pd.Timedelta(days=3)

    @field_validator("as_of", mode="before")
    @classmethod
    def _utc(cls, value: object) -> pd.Timestamp:
        return utc(value)


class OptionsReport(AgentReport):
    """The options agent's view: volatility, skew, term structure, put/call, the hedge."""

    realised_vol: dict[str, float | None] = Field(default_factory=dict)
    implied_vol: float | None = None
    vol_source: str = ""
    term_structure: list[dict[str, Any]] = Field(default_factory=list)
    skew: float | None = None
    put_call_ratio: dict[str, float | None] = Field(default_factory=dict)
    hedge: dict[str, Any] = Field(default_factory=dict)


def realised_vol(close: pd.Series, window: int, per_year: float | None = None) -> float | None:
    """Annualised standard deviation of the last ``window`` log returns (None: too few);
    ``per_year`` bars in a year (default: :func:`bars_per_year` of the index)."""
    values = close.to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if len(values) <= window:
        return None
    returns = np.diff(np.log(values[-window - 1:]))
    per_year = per_year if per_year is not None else bars_per_year(close.index)
    return float(returns.std(ddof=1) * math.sqrt(per_year))


def bars_per_year(index: pd.DatetimeIndex) -> float:
    """Bars in a year of this index: counted over the last year, or by the median spacing."""
    if len(index) < 2:
        raise ValueError("need two bars")
    last = index[-1]
    if last - index[0] >= pd.Timedelta(days=365):
        return float((index > last - pd.Timedelta(days=365)).sum())
    spacing = pd.Series(index).diff().median()
    return float(pd.Timedelta(days=DAYS_PER_YEAR) / spacing)


def _atm_vol(rows: pd.DataFrame, forward: float) -> float:
    """Vol at the forward, interpolated in log-moneyness (the nearest quote beyond the range)."""
    k = np.log(rows["strike"].to_numpy(dtype=float) / forward)
    order = np.argsort(k)
    return float(np.interp(0.0, k[order], rows["iv"].to_numpy(dtype=float)[order]))


def _vol_at(rows: pd.DataFrame, strike: float, forward: float) -> float:
    """Vol at ``strike`` for one expiry: SVI with 5 quotes or more, else interpolation."""
    if len(rows) >= 5:
        from signaltrust.options.svi import fit_svi

        smile = fit_svi(rows["strike"], rows["iv"], float(rows["years"].iloc[0]), forward)
        return float(smile.vol(strike))
    k = np.log(rows["strike"].to_numpy(dtype=float) / forward)
    order = np.argsort(k)
    return float(np.interp(math.log(strike / forward), k[order],
                           rows["iv"].to_numpy(dtype=float)[order]))


@dataclass
class OptionsAgent(Agent):
    spec: ClassVar[AgentSpec] = AgentSpec(
        "options", "implied vs realised volatility, skew, term structure, put/call ratio and "
        "the cost of hedging the position", "daily (after the close), or when a chain arrives",
        "OptionsInputs (bars, an option chain when available, the position)",
        report="OptionsReport", tools=("volatility", "hedge"))

    def _chain(self, inputs: OptionsInputs) -> tuple[OptionChain | None, str | None]:
        chain = inputs.chain
        if chain is None:
            return None, "no option chain was available"
        quoted = utc(chain.as_of)
        if quoted > inputs.as_of:
            return None, f"the chain was quoted at {quoted}, after {inputs.as_of}: not used"
        if inputs.as_of - quoted > inputs.max_chain_age:
            return None, f"the chain of {quoted} is older than {inputs.max_chain_age}: not used"
        return chain, None

    def _surface(self, chain: OptionChain, inputs: OptionsInputs) -> pd.DataFrame:
        ivs = chain.implied_vols(inputs.rate, inputs.dividend,
                                 min_years=MIN_EXPIRY_DAYS / DAYS_PER_YEAR)
        return ivs[np.isfinite(ivs["iv"])] if len(ivs) else ivs

    def assess(self, inputs: OptionsInputs) -> OptionsReport:
        bars = inputs.bars[inputs.bars.index <= inputs.as_of]
        close = bars["close"].astype(float) if len(bars) else pd.Series(dtype=float)
        if close.empty:
            return OptionsReport(agent=self.name, as_of=inputs.as_of.to_pydatetime(),
                                 summary=f"{inputs.symbol}: no bars up to {inputs.as_of}")
        spot = float(close.iloc[-1])
        per_year = bars_per_year(close.index) if len(close) > 1 else None
        rv = {f"rv_{n}": realised_vol(close, n, per_year) for n in (20, 60)}
        chain, why_not = self._chain(inputs)
        if chain is not None and abs(chain.spot / spot - 1) > 0.2:
            chain, why_not = None, (f"the chain's spot {chain.spot:g} is far from the last "
                                    f"close {spot:g}: not used")
        surface = self._surface(chain, inputs) if chain is not None else pd.DataFrame()
        if chain is not None and surface.empty:
            chain, why_not = None, "no quote of the chain could be inverted to a vol"
        reasons: list[str] = []
        parts: dict[str, float] = {}
        term: list[dict[str, Any]] = []
        skew = iv = None
        pcr: dict[str, float | None] = {"volume": None, "open_interest": None}
        if chain is not None:
            for expiry, rows in surface.groupby("expiry", sort=True):
                years = float(rows["years"].iloc[0])
                forward = spot * math.exp((inputs.rate - inputs.dividend) * years)
                term.append({"expiry": pd.Timestamp(expiry).isoformat(),
                             "days": round(years * DAYS_PER_YEAR, 1),
                             "atm_vol": round(_atm_vol(rows, forward), 6), "quotes": len(rows)})
            target = min(term, key=lambda t: abs(t["days"] - inputs.horizon_days))
            iv = target["atm_vol"]
            rows = surface[surface["expiry"] == pd.Timestamp(target["expiry"])]
            years = float(rows["years"].iloc[0])
            forward = spot * math.exp((inputs.rate - inputs.dividend) * years)
            skew = _vol_at(rows, SKEW_MONEYNESS * forward, forward) - iv
            quotes = chain.quotes
            for key, column in (("volume", "volume"), ("open_interest", "open_interest")):
                calls = float(quotes.loc[quotes["kind"] == "call", column].fillna(0).sum())
                puts = float(quotes.loc[quotes["kind"] == "put", column].fillna(0).sum())
                pcr[key] = round(puts / calls, 4) if calls > 0 else None
            reasons.append(f"implied vol {iv:.1%} at the money ({target['days']:.0f} days)"
                           + (f" against {rv['rv_20']:.1%} realised over 20 bars"
                              if rv["rv_20"] is not None else ""))
            if rv["rv_20"] is not None:
                parts["vol_premium"] = clip(-(iv - rv["rv_20"]) / 0.10)
            parts["skew"] = clip(-skew / 0.10)
            reasons.append(f"skew {skew:+.1%} (vol at 90 % of the forward minus at the money)")
            if len(term) > 1:
                slope = term[-1]["atm_vol"] - term[0]["atm_vol"]
                reasons.append(f"term structure {'upward' if slope >= 0 else 'inverted'} "
                               f"({slope:+.1%} from {term[0]['days']:.0f} to "
                               f"{term[-1]['days']:.0f} days)")
            if pcr["volume"] is not None:
                parts["put_call"] = clip((0.7 - pcr["volume"]) / 0.5)
                reasons.append(f"put/call volume ratio {pcr['volume']:.2f}")
        else:
            reasons.append(f"{why_not}: no view of the options market; the hedge is priced "
                           "from realised volatility")
        hedge = self._hedge(inputs, spot, rv["rv_20"], chain, surface, term)
        if hedge:
            reasons.append(hedge["summary"])
        score = clip(sum(parts.values()) / len(parts)) if parts else 0.0
        confidence = clip(abs(score) * len(parts) / 3, 0.0, 1.0) if parts else 0.0
        source = "chain" if chain is not None else "realised (no option chain)"
        stance = stance_of(score)
        return OptionsReport(
            agent=self.name, stance=stance, score=score, confidence=round(confidence, 4),
            summary=(f"{inputs.symbol}: options market {stance} ({score:+.2f})"
                     if parts else f"{inputs.symbol}: {why_not}; hedge priced at realised vol"),
            reasons=reasons, as_of=inputs.as_of.to_pydatetime(),
            realised_vol={k: None if v is None else round(v, 6) for k, v in rv.items()},
            implied_vol=iv, vol_source=source, term_structure=term,
            skew=None if skew is None else round(skew, 6), put_call_ratio=pcr, hedge=hedge,
            data={"parts": {k: round(v, 4) for k, v in parts.items()}, "spot": spot})

    def _hedge(self, inputs: OptionsInputs, spot: float, rv20: float | None,
               chain: OptionChain | None, surface: pd.DataFrame,
               term: list[dict[str, Any]]) -> dict[str, Any]:
        from signaltrust.options.bsm import bsm_greeks, bsm_price
        from signaltrust.options.strategies import OptionCosts

        if inputs.position == 0:
            return {}
        long = inputs.position > 0
        protect, finance = ("put", "call") if long else ("call", "put")
        k_protect = round(spot * (inputs.put_moneyness if long else inputs.call_moneyness), 4)
        k_finance = round(spot * (inputs.call_moneyness if long else inputs.put_moneyness), 4)
        if chain is not None:
            target = min(term, key=lambda t: abs(t["days"] - inputs.horizon_days))
            rows = surface[surface["expiry"] == pd.Timestamp(target["expiry"])]
            years = float(rows["years"].iloc[0])
            forward = spot * math.exp((inputs.rate - inputs.dividend) * years)
            vol_p = _vol_at(rows, k_protect, forward)
            vol_f = _vol_at(rows, k_finance, forward)
            source = f"the chain's smile at {target['expiry'][:10]}"
        elif rv20 is not None and rv20 > 0:
            years = inputs.horizon_days / DAYS_PER_YEAR
            vol_p = vol_f = rv20
            source = "20-bar realised vol (no option chain)"
        else:
            return {}
        protect_price = float(bsm_price(protect, spot, k_protect, years, vol_p, inputs.rate,
                                        inputs.dividend))
        finance_price = float(bsm_price(finance, spot, k_finance, years, vol_f, inputs.rate,
                                        inputs.dividend))
        delta = float(bsm_greeks(protect, spot, k_protect, years, vol_p, inputs.rate,
                                 inputs.dividend).delta)
        costs = OptionCosts()
        shares = abs(inputs.position)
        contracts = shares / costs.multiplier
        fees_one = contracts * costs.commission_per_contract
        protective = protect_price * shares + fees_one + costs.half_spread * protect_price * shares
        collar_net = (protect_price - finance_price) * shares + 2 * fees_one + \
            costs.half_spread * (protect_price + finance_price) * shares
        days = round(years * DAYS_PER_YEAR)
        name = "protective put" if long else "protective call"
        return {
            "position": inputs.position, "spot": spot, "days": days, "vol_source": source,
            "protective": {"kind": protect, "strike": k_protect, "vol": round(vol_p, 6),
                           "premium": round(protect_price, 6), "delta": round(delta, 6),
                           "cost": round(protective, 2),
                           "cost_pct": round(protective / (spot * shares), 6)},
            "collar": {"sold": finance, "strike": k_finance, "vol": round(vol_f, 6),
                       "premium": round(finance_price, 6), "net_cost": round(collar_net, 2),
                       "net_cost_pct": round(collar_net / (spot * shares), 6)},
            "position_delta_hedged": round(math.copysign(1.0, inputs.position) + delta, 6),
            "summary": (f"a {name} at {k_protect:g} for {days} days costs "
                        f"{protective:,.2f} ({protective / (spot * shares):.2%} of the position);"
                        f" a collar selling the {k_finance:g} {finance} costs "
                        f"{collar_net:,.2f} ({source})"),
        }

    def tools(self, inputs: OptionsInputs) -> dict[str, Any]:
        def volatility() -> dict[str, Any]:
            """Realised and implied vol, skew, term structure and put/call ratio."""
            report = self.assess(inputs)
            return report.model_dump(include={"realised_vol", "implied_vol", "vol_source",
                                              "term_structure", "skew", "put_call_ratio"})

        def hedge() -> dict[str, Any]:
            """The cost of a protective option and of a collar for the position."""
            return self.assess(inputs).hedge

        return {"volatility": volatility, "hedge": hedge}


__all__ = ["OptionsAgent", "OptionsInputs", "OptionsReport", "bars_per_year", "chains_in",
           "read_chain", "realised_vol"]
