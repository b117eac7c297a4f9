"""Every feature set is causal: the value at t is the same whether or not bars after t exist.

The truncation test of research integrity: compute on bars[:t+1] and on the full bars, at many cut points
of the bundled S&P 500 and GOOG; every row up to t must be identical (NaN where NaN). Macro and
cross-asset sets read other series too: there the sources are also cut to what was known at
the close of t, so a value that needed a later publication would show up as a difference.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.data import load
from signaltrust.data.catalog import get_spec
from signaltrust.features import (
    Alpha158Features,
    CrossAssetFeatures,
    MacroFeatures,
    TechnicalFeatures,
    bar_ends,
)
from signaltrust.features import cross_asset as cross_module
from signaltrust.features import macro as macro_module
from signaltrust.features.macro import MACRO_LAGS


def _cuts(n: int, count: int = 12) -> list[int]:
    # early cuts inside the warm-ups, then spread over the whole history
    early = [1, 2, 14, 25, 61, 199, 200]
    spread = np.linspace(300, n - 2, count - len(early)).astype(int).tolist()
    return sorted(set(early + spread))


def _assert_prefix_equal(feature_set, bars: pd.DataFrame, cuts: list[int]) -> None:
    full = feature_set.fit(bars).transform(bars)
    for t in cuts:
        part = bars.iloc[: t + 1]
        truncated = feature_set.fit(part).transform(part)
        pd.testing.assert_frame_equal(
            truncated, full.iloc[: t + 1], check_exact=True, obj=f"cut {t}"
        )


@pytest.mark.parametrize("dataset", ["sp500", "goog"])
@pytest.mark.parametrize(
    "feature_set", [TechnicalFeatures(), Alpha158Features()], ids=["technical", "alpha158"]
)
def test_transform_when_bars_after_t_removed_then_values_up_to_t_unchanged(feature_set, dataset):
    bars = load(dataset)
    _assert_prefix_equal(feature_set, bars, _cuts(len(bars)))


def test_transform_when_future_bars_changed_then_past_values_unchanged():
    bars = load("sp500")
    full = Alpha158Features().fit_transform(bars)
    shocked = bars.copy()
    shocked.iloc[3000:, :5] *= 1.5  # a crash-and-rally that never happened
    after = Alpha158Features().fit_transform(shocked)
    pd.testing.assert_frame_equal(after.iloc[:3000], full.iloc[:3000], check_exact=True)
    assert not after.iloc[3000:3100].equals(full.iloc[3000:3100])  # the test can fail


def _cut_sources(monkeypatch, module, decided: pd.Timestamp, known_at) -> None:
    real_load = load

    def known_only(name: str) -> pd.DataFrame:
        frame = real_load(name)
        return frame[np.asarray(known_at(name, frame.index) <= decided)]

    monkeypatch.setattr(module, "load", known_only)


@pytest.mark.parametrize("t", [3800, 4000, 4321, 4600, 4900, 5030])
def test_macro_when_sources_cut_at_close_of_t_then_value_at_t_unchanged(monkeypatch, t):
    bars = load("sp500")
    full = MacroFeatures().fit_transform(bars)
    decided = bar_ends(bars.index[: t + 1])[-1]
    _cut_sources(
        monkeypatch, macro_module, decided, lambda name, idx: MACRO_LAGS[name].known_at(idx)
    )
    part = bars.iloc[: t + 1]
    cut = MacroFeatures().fit_transform(part)
    pd.testing.assert_series_equal(cut.iloc[-1], full.iloc[t], check_exact=True)
    assert cut.iloc[-1].notna().all()


@pytest.mark.parametrize("t", [1500, 2500, 3900, 4700, 5030])
def test_cross_asset_when_sources_cut_at_close_of_t_then_value_at_t_unchanged(monkeypatch, t):
    bars = load("sp500")
    sources = ("goog", "vix", "wti", "stocks:AAPL", "btcusd")
    full = CrossAssetFeatures(sources=sources).fit_transform(bars)
    decided = bar_ends(bars.index[: t + 1])[-1]

    def source_end(name, idx):
        return bar_ends(idx, get_spec(name).timeframe)

    _cut_sources(monkeypatch, cross_module, decided, source_end)
    cut = CrossAssetFeatures(sources=sources).fit_transform(bars.iloc[: t + 1])
    pd.testing.assert_series_equal(cut.iloc[-1], full.iloc[t], check_exact=True)
