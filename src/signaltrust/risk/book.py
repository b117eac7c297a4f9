"""Portfolio limits before the trade: VaR and CVaR, correlation, sector and asset-class exposure.

These limits look at the whole book, not one order: the order is added to the positions held
(valued as in :mod:`signaltrust.risk.limits`, filled in full) and the book is measured before
and after. An order is denied only when it takes a measure beyond its limit *and* raises it,
so cutting risk always passes.

* ``max_var_pct`` / ``max_cvar_pct``: the book's one-bar historical VaR / CVaR loss as a
  fraction of equity, at the ``var_cutoff`` tail (0.05: 95 %), over the last
  ``risk_lookback`` bars of returns of the symbols held. The denial carries the figure before
  and after and the order's marginal VaR (after - before). The returns are each symbol's close
  to close over the bars the engine has seen (the trading core hands them over after each
  step; :meth:`ReturnHistory.update` otherwise).
* ``max_correlation``: the correlation of the order's symbol with each other symbol held,
  signed by the two exposures (long with long, or short with short, is a positive figure; a
  hedge is negative); the largest must not exceed the limit when the order adds exposure.
* ``max_sector_exposure`` / ``max_asset_class_exposure``: the gross value of the order's sector
  (``sectors``: symbol -> sector) or asset class (``asset_classes``) as a fraction of equity;
  a symbol missing from the map is in the group ``"unclassified"``.

VaR, CVaR and correlation need ``MIN_RETURNS`` aligned returns of every symbol involved; with
fewer (the first bars of a run, a new listing) they are not measured and the order passes
them: the denial would have no figure to show.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from signaltrust.core.config import RiskSettings
from signaltrust.execution.portfolio import Portfolio
from signaltrust.risk import limits as L

MIN_RETURNS = 20
UNCLASSIFIED = "unclassified"


class ReturnHistory:
    """The last ``lookback + 1`` closes of each symbol, by bar time (for aligned returns)."""

    def __init__(self, lookback: int, previous: ReturnHistory | None = None) -> None:
        self.lookback = int(lookback)
        self._closes: dict[str, deque[tuple[int, float]]] = {}
        self._cache: dict[tuple[str, ...], np.ndarray | None] = {}
        for symbol, closes in (previous._closes.items() if previous is not None else ()):
            self._closes[symbol] = deque(closes, maxlen=self.lookback + 1)

    def update(self, symbol: str, end_ns: int, close: float) -> None:
        """A bar of ``symbol`` closed at ``close`` at ``end_ns`` (a later close of the same
        bar time replaces the earlier one)."""
        if close != close or close <= 0.0:
            return
        closes = self._closes.get(symbol)
        if closes is None:
            closes = self._closes[symbol] = deque(maxlen=self.lookback + 1)
        if closes and closes[-1][0] == end_ns:
            closes[-1] = (int(end_ns), float(close))
        elif not closes or closes[-1][0] < end_ns:
            closes.append((int(end_ns), float(close)))
        self._cache.clear()

    def returns(self, symbols: tuple[str, ...]) -> np.ndarray | None:
        """Simple returns (bars x symbols) over the bar times every symbol has, the last
        ``lookback`` of them; None with fewer than ``MIN_RETURNS``."""
        if symbols not in self._cache:
            self._cache[symbols] = self._aligned(symbols)
        return self._cache[symbols]

    def _aligned(self, symbols: tuple[str, ...]) -> np.ndarray | None:
        series = [self._closes.get(s) for s in symbols]
        if any(s is None or len(s) <= MIN_RETURNS for s in series):
            return None
        times = set.intersection(*({t for t, _ in s} for s in series))  # type: ignore[union-attr]
        if len(times) <= MIN_RETURNS:
            return None
        matrix = np.array([[c for t, c in s if t in times] for s in series],  # type: ignore
                          dtype=np.float64).T
        returns = matrix[1:] / matrix[:-1] - 1.0
        return returns[-self.lookback:]


def _values(portfolio: Any, impact: L.OrderImpact) -> tuple[dict[str, float], dict[str, float]]:
    """Signed position values by symbol before and after the order (other symbols at their
    last price; the order's symbol after at the order's price, as the exposure limits do)."""
    before: dict[str, float] = {}
    if type(portfolio) is Portfolio:
        for other, held, mark in zip(portfolio.symbols, portfolio.qty, portfolio.last,
                                     strict=True):
            if held and other != impact.symbol and mark == mark:
                before[other] = held * mark
    else:
        held_by = portfolio.positions() if hasattr(portfolio, "positions") else {}
        for other, held in held_by.items():
            if held and other != impact.symbol:
                before[other] = float(held) * float(portfolio.price(other))
    after = dict(before)
    mark = impact.last_price if impact.last_price == impact.last_price else impact.price
    if impact.position:
        before[impact.symbol] = impact.position * mark
    if impact.position_after:
        after[impact.symbol] = impact.position_after * impact.price
    return before, after


def _tail(pnl: np.ndarray, cutoff: float) -> tuple[float, float]:
    """(VaR, CVaR) of a P&L sample as positive losses (empyrical's percentile and tail mean)."""
    var = float(np.percentile(pnl, 100.0 * cutoff))
    tail = pnl[pnl <= var]
    return -var, -float(tail.mean()) if tail.size else -var


class BookLimits:
    """The portfolio limits of a :class:`RiskSettings` over a :class:`ReturnHistory`."""

    def __init__(self, limits: RiskSettings, history: ReturnHistory) -> None:
        self.limits = limits
        self.history = history

    @staticmethod
    def wanted(limits: RiskSettings) -> bool:
        """True when any portfolio limit is set."""
        return any(getattr(limits, name) is not None for name in (
            "max_var_pct", "max_cvar_pct", "max_correlation", "max_sector_exposure",
            "max_asset_class_exposure"))

    @staticmethod
    def needs_returns(limits: RiskSettings) -> bool:
        """True when a limit measures returns (the engine must see the bars)."""
        return any(getattr(limits, name) is not None
                   for name in ("max_var_pct", "max_cvar_pct", "max_correlation"))

    def check(self, impact: L.OrderImpact, portfolio: Any) -> L.Denial | None:
        """The first portfolio limit the order breaks while adding exposure, or None."""
        if abs(impact.position_after) <= abs(impact.position) + 1e-12:
            return None  # the order does not add exposure to its symbol
        lim = self.limits
        before, after = _values(portfolio, impact)
        equity = impact.equity
        if lim.max_sector_exposure is not None and (d := self._group(
                L.Reason.MAX_SECTOR_EXPOSURE, "sector", lim.sectors, lim.max_sector_exposure,
                impact.symbol, before, after, equity)):
            return d
        if lim.max_asset_class_exposure is not None and (d := self._group(
                L.Reason.MAX_ASSET_CLASS_EXPOSURE, "asset class", lim.asset_classes,
                lim.max_asset_class_exposure, impact.symbol, before, after, equity)):
            return d
        if lim.max_correlation is not None and (d := self._correlation(
                impact, after, lim.max_correlation)):
            return d
        if lim.max_var_pct is not None or lim.max_cvar_pct is not None:
            return self._tail_risk(before, after, equity)
        return None

    # ------------------------------------------------------------------ groups
    @staticmethod
    def _group(reason: L.Reason, kind: str, groups: dict[str, str], limit: float, symbol: str,
               before: dict[str, float], after: dict[str, float], equity: float
               ) -> L.Denial | None:
        group = groups.get(symbol, UNCLASSIFIED)
        members = [s for s in after.keys() | before.keys()
                   if groups.get(s, UNCLASSIFIED) == group]
        gross_before = sum(abs(before.get(s, 0.0)) for s in members)
        gross_after = sum(abs(after.get(s, 0.0)) for s in members)
        if gross_after <= gross_before + 1e-9:
            return None
        share = gross_after / equity if equity > 0.0 else float("inf")
        if share > limit + 1e-12:
            return L.Denial(reason, f"{kind} {group} would hold {share:.2%} of equity (limit "
                            f"{limit:.2%})", {kind.replace(" ", "_"): group,
                                              "exposure_before": gross_before,
                                              "exposure_after": gross_after, "equity": equity,
                                              "share_after": share, "limit": limit})
        return None

    # ------------------------------------------------------------------ correlation
    def _correlation(self, impact: L.OrderImpact, after: dict[str, float], limit: float
                     ) -> L.Denial | None:
        others = tuple(s for s, v in after.items() if v and s != impact.symbol)
        if not others:
            return None
        returns = self.history.returns((impact.symbol, *others))
        if returns is None:
            return None
        corr = np.corrcoef(returns, rowvar=False)[0, 1:]
        direction = 1.0 if impact.position_after > 0 else -1.0
        signed = corr * direction * np.sign([after[s] for s in others])
        worst = int(np.nanargmax(signed)) if np.isfinite(signed).any() else -1
        if worst >= 0 and signed[worst] > limit + 1e-12:
            other = others[worst]
            return L.Denial(L.Reason.MAX_CORRELATION,
                            f"{impact.symbol} {'long' if direction > 0 else 'short'} would "
                            f"correlate {signed[worst]:.2f} with the {other} position (limit "
                            f"{limit:.2f})", {"symbol": impact.symbol, "other": other,
                                              "correlation": float(corr[worst]),
                                              "signed_correlation": float(signed[worst]),
                                              "bars": len(returns), "limit": limit})
        return None

    # ------------------------------------------------------------------ VaR, CVaR
    def _tail_risk(self, before: dict[str, float], after: dict[str, float], equity: float
                   ) -> L.Denial | None:
        lim = self.limits
        symbols = tuple(sorted(s for s in after.keys() | before.keys()
                               if before.get(s) or after.get(s)))
        returns = self.history.returns(symbols) if symbols else None
        if returns is None or not equity > 0.0:
            return None
        v_before = np.array([before.get(s, 0.0) for s in symbols])
        v_after = np.array([after.get(s, 0.0) for s in symbols])
        var0, cvar0 = _tail(returns @ v_before, lim.var_cutoff)
        var1, cvar1 = _tail(returns @ v_after, lim.var_cutoff)
        values = {"var_before": var0 / equity, "var_after": var1 / equity,
                  "marginal_var": (var1 - var0) / equity, "cvar_before": cvar0 / equity,
                  "cvar_after": cvar1 / equity, "marginal_cvar": (cvar1 - cvar0) / equity,
                  "cutoff": lim.var_cutoff, "bars": len(returns), "equity": equity}
        level = f"{1 - lim.var_cutoff:.0%}"
        if lim.max_var_pct is not None and var1 / equity > lim.max_var_pct + 1e-12 \
                and var1 > var0 + 1e-9:
            return L.Denial(L.Reason.MAX_VAR, f"the book's {level} one-bar VaR would be "
                            f"{var1 / equity:.2%} of equity (now {var0 / equity:.2%}, limit "
                            f"{lim.max_var_pct:.2%})", {**values, "limit": lim.max_var_pct})
        if lim.max_cvar_pct is not None and cvar1 / equity > lim.max_cvar_pct + 1e-12 \
                and cvar1 > cvar0 + 1e-9:
            return L.Denial(L.Reason.MAX_CVAR, f"the book's {level} one-bar CVaR would be "
                            f"{cvar1 / equity:.2%} of equity (now {cvar0 / equity:.2%}, limit "
                            f"{lim.max_cvar_pct:.2%})", {**values, "limit": lim.max_cvar_pct})
        return None
