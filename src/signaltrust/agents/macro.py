"""The macro agent: inflation, credit spreads and volatility as they were known at the time.

Each series is read as of ``as_of`` with its publication lag
(:data:`signaltrust.features.macro.MACRO_LAGS`: core CPI of month M from mid M+1, Moody's
spreads of M from the first day of M+1, the VIX close of D from D's close). A value older than
the series' ``max_age`` is stale and left out. Rules, each in [-1, 1]:

- VIX: (20 - VIX) / 15 (calm markets are friendly, above 35 a crisis);
- credit: (2.5 - (BAA - AAA)) / 1.5 (a wide default spread is stress);
- inflation: (3 - core CPI year on year in %) / 3 (hot inflation means tighter policy).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import pandas as pd

from signaltrust.agents.base import Agent, AgentSpec, clip
from signaltrust.agents.reports import AgentReport, stance_of


def publication_times(series: pd.Series, lag_name: str) -> tuple[pd.Series, pd.Series]:
    """The series without gaps, and when each value became known (its publication lag)."""
    from signaltrust.features.macro import MACRO_LAGS

    clean = series.dropna()
    known = MACRO_LAGS[lag_name].known_at(pd.DatetimeIndex(clean.index))
    return clean, pd.Series(known, index=clean.index)


def known_value(series: pd.Series, lag_name: str, as_of: pd.Timestamp,
                published: tuple[pd.Series, pd.Series] | None = None) -> tuple[Any, Any]:
    """The values of ``series`` published by ``as_of`` (the last is the latest) and when the
    latest was published (None, None when none is, or it is older than the series' max age)."""
    from signaltrust.features.macro import MACRO_LAGS

    clean, known = published if published is not None else publication_times(series, lag_name)
    count = int(known.searchsorted(as_of, side="right"))  # publication times are sorted
    usable = clean.iloc[:count]
    if usable.empty or as_of - usable.index[-1] > MACRO_LAGS[lag_name].max_age:
        return None, None
    return usable, known.iloc[count - 1]


@dataclass
class MacroAgent(Agent):
    spec: ClassVar[AgentSpec] = AgentSpec(
        "macro", "inflation, credit spreads and volatility, with publication lags",
        "daily (after the close)", "bundled macro series (vix, core_cpi, credit_spreads)",
        tools=("readings",))
    series: dict[str, Any] = field(default_factory=dict, repr=False)
    _published: dict[str, Any] = field(default_factory=dict, repr=False)

    def _known(self, name: str, series: pd.Series, lag: str, as_of: pd.Timestamp
               ) -> tuple[Any, Any]:
        if name not in self._published:
            self._published[name] = publication_times(series, lag)
        return known_value(series, lag, as_of, self._published[name])

    def _load(self) -> dict[str, pd.DataFrame]:
        if not self.series:
            from signaltrust.data import load

            self.series = {name: load(name) for name in ("vix", "core_cpi", "credit_spreads")}
        return self.series

    def readings(self, as_of: pd.Timestamp) -> dict[str, dict[str, Any]]:
        data, out = self._load(), {}
        vix, when = self._known("vix", data["vix"]["vix"], "vix", as_of)
        if vix is not None:
            out["vix"] = {"value": float(vix.iloc[-1]), "published": str(when),
                          "score": clip((20 - float(vix.iloc[-1])) / 15)}
        cpi, when = self._known("core_cpi", data["core_cpi"]["core_cpi"], "core_cpi", as_of)
        if cpi is not None and len(cpi) > 12:
            yoy = 100 * (float(cpi.iloc[-1]) / float(cpi.iloc[-13]) - 1)
            out["inflation"] = {"value": round(yoy, 3), "published": str(when),
                                "score": clip((3 - yoy) / 3)}
        spreads = data["credit_spreads"]
        gap = (spreads["baa"] - spreads["aaa"]).rename("spread")
        credit, when = self._known("credit", gap, "credit_spreads", as_of)
        if credit is not None:
            out["credit"] = {"value": round(float(credit.iloc[-1]), 3), "published": str(when),
                             "score": clip((2.5 - float(credit.iloc[-1])) / 1.5)}
        return out

    def assess(self, inputs: Any) -> AgentReport:
        as_of = pd.Timestamp(inputs.as_of)
        found = self.readings(as_of)
        as_of_dt = as_of.to_pydatetime()
        if not found:
            return AgentReport(agent=self.name, as_of=as_of_dt, data={"readings": {}},
                               summary=f"no macro series was published and fresh at {as_of}")
        score = clip(sum(r["score"] for r in found.values()) / len(found))
        names = {"vix": "VIX", "inflation": "core CPI y/y %", "credit": "BAA-AAA spread %"}
        reasons = [f"{names[k]} {r['value']:.2f} (published {r['published'][:10]})"
                   for k, r in found.items()]
        return AgentReport(
            agent=self.name, stance=stance_of(score), score=score, as_of=as_of_dt,
            confidence=round(clip(abs(score) * len(found) / 3, 0, 1), 4),
            summary=f"macro backdrop {stance_of(score)} ({score:+.2f})", reasons=reasons,
            data={"readings": found})

    def tools(self, inputs: Any) -> dict[str, Any]:
        def readings() -> dict[str, Any]:
            """The macro readings known at the time, with their publication dates."""
            return self.readings(pd.Timestamp(inputs.as_of))

        return {"readings": readings}


__all__ = ["MacroAgent", "known_value"]
