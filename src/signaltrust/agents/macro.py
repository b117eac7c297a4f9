"""The macro agent: inflation, credit spreads, rates and volatility as they were known at the time.

Every series is a vintage table (:mod:`signaltrust.data.vintages`): each observation with the
real-time period in which each of its values held, ALFRED's semantics. At ``as_of`` the agent
reads the vintage in effect then (a release day's values are usable from that day's close), so
a figure revised later is seen with the value published before the revision, and a figure not
yet published is not seen at all. Where FRED vintages were downloaded (``signaltrust data
download --source fred CPILFESL``) or exported from ALFRED as CSV into the folder given to
:meth:`MacroAgent.from_folder`, they are used; otherwise the bundled series with the fixed
publication lags of :data:`signaltrust.features.macro.MACRO_LAGS` (core CPI of month M from
mid M+1, Moody's spreads of M from the first day of M+1, the VIX close of D from D's close).
A value whose observation is older than the series' ``max_age`` is stale and left out.

Rules, each in [-1, 1]:

- VIX: (20 - VIX) / 15 (calm markets are friendly, above 35 a crisis);
- credit: (2.5 - (BAA - AAA)) / 1.5 (a wide default spread is stress);
- inflation: (3 - core CPI year on year in %) / 3 (hot inflation means tighter policy);
- rates (only with a rate series' vintages, DGS10 or FEDFUNDS): -(change over 3 months in
  points) / 1.0 (rising rates tighten).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from signaltrust.agents.base import Agent, AgentSpec, clip
from signaltrust.agents.reports import AgentReport, stance_of

#: FRED series ids the agent reads, by reading; the first found of ``rates`` is used
SERIES = {"vix": ("VIXCLS",), "inflation": ("CPILFESL",), "credit": ("BAA", "AAA"),
          "rates": ("DGS10", "FEDFUNDS")}
#: the bundled fallback of each FRED series: (dataset, column, publication lag)
BUNDLED = {"VIXCLS": ("vix", "vix", "vix"), "CPILFESL": ("core_cpi", "core_cpi", "core_cpi"),
           "BAA": ("credit_spreads", "baa", "credit_spreads"),
           "AAA": ("credit_spreads", "aaa", "credit_spreads")}
DAILY_MAX_AGE = pd.Timedelta(days=10)
MONTHLY_MAX_AGE = pd.Timedelta(days=75)
READ_BACK = pd.Timedelta(days=500)
MAX_AGE = {"VIXCLS": DAILY_MAX_AGE, "DGS10": DAILY_MAX_AGE, "CPILFESL": MONTHLY_MAX_AGE,
           "BAA": MONTHLY_MAX_AGE, "AAA": MONTHLY_MAX_AGE, "FEDFUNDS": MONTHLY_MAX_AGE}


def bundled_vintages() -> dict[str, Any]:
    """The bundled series as never-revised vintages with their fixed publication lags."""
    from signaltrust.data import load
    from signaltrust.data.vintages import vintages_from_lag
    from signaltrust.features.macro import MACRO_LAGS

    frames: dict[str, pd.DataFrame] = {}
    out = {}
    for series_id, (dataset, column, lag) in BUNDLED.items():
        if dataset not in frames:
            frames[dataset] = load(dataset)
        out[series_id] = vintages_from_lag(frames[dataset][column], series_id,
                                           MACRO_LAGS[lag].known_at)
    return out


@dataclass
class MacroAgent(Agent):
    """``vintages``: FRED series id -> ``FredVintages`` (missing ids: the bundled series)."""

    spec: ClassVar[AgentSpec] = AgentSpec(
        "macro", "inflation, credit spreads, rates and volatility, with publication lags and "
        "FRED vintages", "daily (after the close)",
        "FRED/ALFRED vintages when downloaded, else bundled series (vix, core_cpi, "
        "credit_spreads) with fixed publication lags", tools=("readings",))
    vintages: dict[str, Any] = field(default_factory=dict, repr=False)
    _tables: dict[str, Any] = field(default_factory=dict, repr=False)
    _sources: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def from_folder(cls, folder: str | Path | None, **kwargs: Any) -> MacroAgent:
        """Vintages from ``folder`` (``<home>/fred``: downloads and ALFRED CSV exports)."""
        from signaltrust.data.vintages import load_folder

        return cls(vintages=load_folder(folder) if folder is not None else {}, **kwargs)

    def _load(self) -> dict[str, Any]:
        """Each series' as-of lookup (FRED vintages where given, else bundled with lags)."""
        if not self._tables:
            from signaltrust.data.vintages import AsOfVintages

            fallback = bundled_vintages()
            for series_id, data in fallback.items():
                given = self.vintages.get(series_id)
                self._tables[series_id] = AsOfVintages(given if given is not None else data)
                self._sources[series_id] = "FRED vintages" if given is not None else \
                    "bundled, fixed publication lag"
            for series_id, data in self.vintages.items():
                if series_id not in self._tables:
                    self._tables[series_id] = AsOfVintages(data)
                    self._sources[series_id] = "FRED vintages"
        return self._tables

    def source_of(self, series_id: str) -> str:
        """Where ``series_id`` comes from: FRED vintages, or bundled with a fixed lag."""
        self._load()
        return self._sources.get(series_id, "absent")

    def known(self, series_id: str, as_of: pd.Timestamp, since: Any = None
              ) -> pd.Series | None:
        """``series_id`` as known at ``as_of``, observations from ``since`` on (all when None);
        None when absent or stale."""
        table = self._load().get(series_id)
        if table is None:
            return None
        known = table.known(as_of, since)
        max_age = MAX_AGE.get(series_id, MONTHLY_MAX_AGE)
        if known.empty or as_of - known.index[-1] > max_age:
            return None
        return known

    def _reading(self, series_id: str, known: pd.Series, value: float, score: float
                 ) -> dict[str, Any]:
        usable = known.attrs["usable_from"].iloc[-1]
        return {"value": round(value, 3), "published": str(usable), "series": series_id,
                "observation": str(known.index[-1].date()), "source": self._sources[series_id],
                "score": score}

    def readings(self, as_of: pd.Timestamp) -> dict[str, dict[str, Any]]:
        """Each reading known at ``as_of``: its value, ``published`` (when it became usable:
        the end of its release day), series, observation date, source and score."""
        as_of = pd.Timestamp(as_of)
        as_of = as_of.tz_localize("UTC") if as_of.tzinfo is None else as_of.tz_convert("UTC")
        out = {}
        since = as_of - READ_BACK  # the readings look back at most 13 months past max age
        vix = self.known("VIXCLS", as_of, since)
        if vix is not None:
            level = float(vix.iloc[-1])
            out["vix"] = self._reading("VIXCLS", vix, level, clip((20 - level) / 15))
        cpi = self.known("CPILFESL", as_of, since)
        if cpi is not None:
            year_ago = cpi.index[-1] - pd.DateOffset(months=12)
            if year_ago in cpi.index:
                yoy = 100 * (float(cpi.iloc[-1]) / float(cpi[year_ago]) - 1)
                out["inflation"] = self._reading("CPILFESL", cpi, yoy, clip((3 - yoy) / 3))
        baa, aaa = self.known("BAA", as_of, since), self.known("AAA", as_of, since)
        if baa is not None and aaa is not None and baa.index[-1] in aaa.index:
            spread = float(baa.iloc[-1]) - float(aaa[baa.index[-1]])
            reading = self._reading("BAA", baa, spread, clip((2.5 - spread) / 1.5))
            reading["series"] = "BAA-AAA"
            out["credit"] = reading
        for series_id in SERIES["rates"]:
            rate = self.known(series_id, as_of, since)
            if rate is None:
                continue
            before = rate[rate.index <= rate.index[-1] - pd.DateOffset(months=3)]
            if before.empty:
                continue
            change = float(rate.iloc[-1]) - float(before.iloc[-1])
            out["rates"] = self._reading(series_id, rate, float(rate.iloc[-1]), clip(-change))
            out["rates"]["change_3m"] = round(change, 3)
            break
        return out

    def assess(self, inputs: Any) -> AgentReport:
        as_of = pd.Timestamp(inputs.as_of)
        found = self.readings(as_of)
        as_of_dt = as_of.to_pydatetime()
        if not found:
            return AgentReport(agent=self.name, as_of=as_of_dt, data={"readings": {}},
                               summary=f"no macro series was published and fresh at {as_of}")
        score = clip(sum(r["score"] for r in found.values()) / len(found))
        names = {"vix": "VIX", "inflation": "core CPI y/y %", "credit": "BAA-AAA spread %",
                 "rates": "rate %"}
        reasons = [f"{names[k]} {r['value']:.2f} (published {r['published'][:10]}, "
                   f"{r['series']}, {r['source']})" for k, r in found.items()]
        return AgentReport(
            agent=self.name, stance=stance_of(score), score=score, as_of=as_of_dt,
            confidence=round(clip(abs(score) * len(found) / 3, 0, 1), 4),
            summary=f"macro backdrop {stance_of(score)} ({score:+.2f})", reasons=reasons,
            data={"readings": found})

    def tools(self, inputs: Any) -> dict[str, Any]:
        def readings() -> dict[str, Any]:
            """The macro readings known at the time, with when each became usable."""
            return self.readings(pd.Timestamp(inputs.as_of))

        return {"readings": readings}


__all__ = ["BUNDLED", "SERIES", "MacroAgent", "bundled_vintages"]
