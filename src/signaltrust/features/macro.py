"""Macro features (core CPI, credit spreads, Fama-French factors, VIX, oil) without look-ahead.

A monthly figure becomes known at its publication, not at the start of its month. Each bundled
series is given the instant its value becomes known by the publication lag in ``MACRO_LAGS``
(conservative choices, see docs/features.md), and reaches the bars only through
``align_asof``: the value at bar t is the latest one published before the close of t.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from signaltrust.core.timeframe import Timeframe
from signaltrust.data import load
from signaltrust.features.align import align_asof, bar_ends
from signaltrust.features.base import FeatureSet, check_periods, hash_frame

_DAY = pd.Timedelta(days=1)


def _month_start(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    local = index.tz_convert("UTC").tz_localize(None)
    return pd.DatetimeIndex(local.to_period("M").to_timestamp()).tz_localize("UTC").as_unit("ns")


@dataclass(frozen=True)
class PublicationLag:
    """When a value of a bundled series becomes known, from the label of its observation."""

    dataset: str
    frequency: str
    rule: str
    known_at: Callable[[pd.DatetimeIndex], pd.DatetimeIndex]
    max_age: pd.Timedelta


MACRO_LAGS: dict[str, PublicationLag] = {
    "core_cpi": PublicationLag(
        "core_cpi",
        "monthly",
        "month M is published mid-month M+1 (BLS): usable from the close of the day 45 days after "
        "the start of M (Jan -> Feb 15)",
        lambda idx: _month_start(idx) + pd.Timedelta(days=45) + _DAY,
        pd.Timedelta(days=75),
    ),
    "credit_spreads": PublicationLag(
        "credit_spreads",
        "monthly",
        "Moody's AAA/BAA monthly averages of month M are complete at its end: usable from the "
        "close of the first day of M+1 (Jan -> Feb 1)",
        lambda idx: _month_start(idx) + pd.DateOffset(months=1) + _DAY,
        pd.Timedelta(days=75),
    ),
    "fama_french": PublicationLag(
        "fama_french",
        "monthly",
        "Fama-French factors of month M are published with a lag: usable from the close of the "
        "last day of M+1 (Jan -> Feb 28/29)",
        lambda idx: _month_start(idx) + pd.DateOffset(months=2),
        pd.Timedelta(days=75),
    ),
    "crude": PublicationLag(
        "crude",
        "monthly",
        "monthly Brent/WTI prices of month M (dated the 15th): usable from the close of the first "
        "day of M+1",
        lambda idx: _month_start(idx) + pd.DateOffset(months=1) + _DAY,
        pd.Timedelta(days=75),
    ),
    "vix": PublicationLag(
        "vix",
        "daily",
        "VIX close of day D: usable from the close of D",
        lambda idx: idx + _DAY,
        pd.Timedelta(days=10),
    ),
    "wti": PublicationLag(
        "wti",
        "daily",
        "WTI spot price of day D: usable from the close of D",
        lambda idx: idx + _DAY,
        pd.Timedelta(days=10),
    ),
}
"""Publication lag of every macro series: the single table MacroFeatures and the docs follow."""


def _monthly(frame: pd.DataFrame) -> pd.DataFrame:
    """A monthly frame on a regular month grid (missing months as NaN), labelled at month start."""
    frame = frame.copy()
    frame.index = _month_start(frame.index)
    frame = frame[~frame.index.duplicated(keep="last")]
    grid = pd.date_range(frame.index.min(), frame.index.max(), freq="MS", tz="UTC").as_unit("ns")
    return frame.reindex(grid)


def _daily(series: pd.Series) -> pd.Series:
    return series.dropna()  # '.' rows of FRED files are holidays, not observations


class MacroFeatures(FeatureSet):
    """Core CPI, credit spread, Fama-French, VIX and oil features aligned at publication time.

    Columns: ``core_cpi_yoy``, ``core_cpi_mom`` (inflation over 12 and 1 months);
    ``credit_spread`` (BAA - AAA, percentage points) and ``credit_spread_chg_1m``;
    ``ff_<factor>_sum_<n>m`` for mkt_rf, smb, hml (trailing sums of monthly returns, as
    fractions) over ``ff_months``; ``vix``, ``vix_chg_1``, ``vix_chg_5`` (points); ``wti_ret_N``
    (daily returns over ``oil_horizons`` trading days); ``brent_ret_1m`` (monthly). Each is
    computed on its series' own calendar, then aligned with ``align_asof`` using ``MACRO_LAGS``.
    ``timeframe`` of the bars is inferred when None.
    """

    version = "1"

    def __init__(
        self,
        ff_months: tuple[int, ...] = (3, 12),
        oil_horizons: tuple[int, ...] = (1, 5, 20),
        timeframe: str | None = None,
    ) -> None:
        self.ff_months = ff_months
        self.oil_horizons = oil_horizons
        self.timeframe = timeframe

    def _required_columns(self) -> tuple[str, ...]:
        return ()

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        ff_months = check_periods("ff_months", self.ff_months)
        oil = check_periods("oil_horizons", self.oil_horizons)
        names = ["core_cpi_yoy", "core_cpi_mom", "credit_spread", "credit_spread_chg_1m"]
        names += [f"ff_{f}_sum_{n}m" for f in ("mkt_rf", "smb", "hml") for n in ff_months]
        names += ["vix", "vix_chg_1", "vix_chg_5"]
        names += [f"wti_ret_{h}" for h in oil]
        names += ["brent_ret_1m"]
        return names, {}

    def _source_fingerprint(self) -> str:
        digest = hashlib.sha256()
        for name in MACRO_LAGS:
            digest.update(hash_frame(load(name)).encode())
        return digest.hexdigest()

    def source_series(self) -> dict[str, tuple[pd.Series, str]]:
        """Every macro feature on its own calendar, with the dataset whose lag applies."""
        out: dict[str, tuple[pd.Series, str]] = {}
        cpi = _monthly(load("core_cpi"))["core_cpi"]
        out["core_cpi_yoy"] = (cpi / cpi.shift(12) - 1.0, "core_cpi")
        out["core_cpi_mom"] = (cpi / cpi.shift(1) - 1.0, "core_cpi")
        credit = _monthly(load("credit_spreads"))
        spread = credit["baa"] - credit["aaa"]
        out["credit_spread"] = (spread, "credit_spreads")
        out["credit_spread_chg_1m"] = (spread.diff(1), "credit_spreads")
        ff = _monthly(load("fama_french")) / 100.0
        for factor in ("mkt_rf", "smb", "hml"):
            for n in check_periods("ff_months", self.ff_months):
                total = ff[factor].rolling(n, min_periods=n).sum()
                out[f"ff_{factor}_sum_{n}m"] = (total, "fama_french")
        vix = _daily(load("vix")["vix"])
        out["vix"] = (vix, "vix")
        out["vix_chg_1"] = (vix.diff(1), "vix")
        out["vix_chg_5"] = (vix.diff(5), "vix")
        wti = _daily(load("wti")["wti"])
        for h in check_periods("oil_horizons", self.oil_horizons):
            out[f"wti_ret_{h}"] = (wti / wti.shift(h) - 1.0, "wti")
        brent = _monthly(load("crude"))["brent"]
        out["brent_ret_1m"] = (brent / brent.shift(1) - 1.0, "crude")
        return out

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        names, _ = self._plan(bars)
        timeframe = (
            Timeframe.parse(self.timeframe) if self.timeframe else Timeframe.infer(bars.index)
        )
        decided = bar_ends(bars.index, timeframe)
        out = {}
        for name, (series, dataset) in self.source_series().items():
            lag = MACRO_LAGS[dataset]
            aligned = align_asof(
                series,
                bars.index,
                lag.known_at(series.index),
                decided_at=decided,
                max_age=lag.max_age,
            )
            out[name] = aligned.to_numpy()
        return {name: out[name] for name in names}
