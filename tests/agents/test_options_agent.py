"""The options agent: realised vol and the hedge priced from it when no chain exists (the
bundled data), the chain's smile, term structure and put/call ratio when one does, and no
chain from after the signal's time."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from vollib.black_scholes_merton import black_scholes_merton

from signaltrust.agents.options import OptionsAgent, OptionsInputs, bars_per_year
from signaltrust.core.errors import ValidationError
from signaltrust.data import load
from signaltrust.options.svi import SviSmile, synthetic_chain


@pytest.fixture(scope="module")
def bars():
    return load("sp500").iloc[-600:]


def smile(years: float, forward: float, level: float) -> SviSmile:
    """A smile with a put skew: total variance level x years at the money."""
    return SviSmile(a=level * years * 0.8, b=0.1 * years, rho=-0.6, m=0.0, sigma=0.2,
                    years=years, forward=forward)


def chain_for(bars, *, quoted=None, volumes=(300, 200)):
    as_of = quoted if quoted is not None else bars.index[-1] + pd.Timedelta(days=1)
    spot = float(bars["close"].iloc[-1])
    near, far = as_of + pd.Timedelta(days=30), as_of + pd.Timedelta(days=90)
    smiles = {near: smile(30 / 365, spot, 0.04), far: smile(90 / 365, spot, 0.05)}
    chain = synthetic_chain("SPX", spot, as_of, smiles, np.linspace(0.7, 1.3, 25) * spot,
                            half_spread=0.01)
    quotes = chain.quotes.assign(volume=np.where(chain.quotes["kind"] == "put", volumes[0],
                                                 volumes[1]))
    return type(chain)(chain.symbol, chain.spot, chain.as_of, quotes), smiles


def test_options_when_no_chain_then_neutral_and_hedge_priced_at_realised_vol(bars):
    report = OptionsAgent().assess(OptionsInputs(symbol="sp500", as_of=bars.index[-1],
                                                 bars=bars, position=200))
    close = bars["close"].astype(float)
    expected_rv = float(np.log(close).diff().iloc[-20:].std() * math.sqrt(bars_per_year(
        close.index)))
    assert report.realised_vol["rv_20"] == pytest.approx(expected_rv, rel=1e-5)
    assert report.stance == "neutral" and report.confidence == 0 and report.implied_vol is None
    assert report.vol_source == "realised (no option chain)"
    assert "no option chain" in report.reasons[0]
    put = report.hedge["protective"]
    spot = float(close.iloc[-1])
    assert put["strike"] == pytest.approx(0.95 * spot, rel=1e-6)
    textbook = black_scholes_merton("p", spot, put["strike"], 30 / 365, 0.0, expected_rv, 0.0)
    assert put["premium"] == pytest.approx(textbook, rel=1e-4)
    assert put["cost"] > put["premium"] * 200  # commissions and half the spread on top
    assert report.hedge["collar"]["net_cost"] < put["cost"]  # the sold call pays for some


def test_options_when_chain_then_implied_vol_skew_term_structure_and_put_call_from_it(bars):
    chain, smiles = chain_for(bars)
    as_of = chain.as_of
    report = OptionsAgent().assess(OptionsInputs(symbol="sp500", as_of=as_of, bars=bars,
                                                 chain=chain))
    near, far = sorted(smiles)
    spot = chain.spot
    assert report.vol_source == "chain"
    assert report.implied_vol == pytest.approx(float(smiles[near].vol(spot)), abs=2e-3)
    expected_skew = float(smiles[near].vol(0.9 * spot) - smiles[near].vol(spot))
    assert report.skew == pytest.approx(expected_skew, abs=3e-3) and report.skew > 0
    assert [round(t["days"]) for t in report.term_structure] == [30, 90]
    assert report.term_structure[1]["atm_vol"] == pytest.approx(float(smiles[far].vol(spot)),
                                                                abs=2e-3)
    assert report.put_call_ratio["volume"] == pytest.approx(1.5)
    assert report.put_call_ratio["open_interest"] is None  # none was quoted
    assert set(report.data["parts"]) == {"vol_premium", "skew", "put_call"}
    assert report.stance == "bearish"  # a steep skew and puts traded 1.5 to 1 read as fear
    assert report.hedge["vol_source"].startswith("the chain's smile")
    assert report.hedge["protective"]["vol"] > report.implied_vol  # the put sits on the skew


def test_options_when_chain_quoted_after_the_signal_then_not_used(bars):
    chain, _ = chain_for(bars, quoted=bars.index[-1] + pd.Timedelta(days=5))
    report = OptionsAgent().assess(OptionsInputs(symbol="sp500", as_of=bars.index[-1],
                                                 bars=bars, chain=chain))
    assert report.vol_source == "realised (no option chain)" and report.implied_vol is None
    assert "after" in report.reasons[0]


def test_options_when_position_short_then_hedged_with_a_call_and_a_put_sold(bars):
    report = OptionsAgent().assess(OptionsInputs(symbol="sp500", as_of=bars.index[-1],
                                                 bars=bars, position=-100))
    assert report.hedge["protective"]["kind"] == "call"
    assert report.hedge["collar"]["sold"] == "put"
    assert report.hedge["position_delta_hedged"] == pytest.approx(
        -1 + report.hedge["protective"]["delta"])


def test_options_inputs_when_moneyness_wrong_then_validation_error_names_field(bars):
    with pytest.raises(ValueError, match="put_moneyness"):
        OptionsInputs(symbol="sp500", as_of=bars.index[-1], bars=bars, put_moneyness=1.2)


@pytest.mark.slow
def test_signal_when_chain_configured_then_options_view_reads_it_else_says_none(bars):
    from signaltrust.research.agents.signal import signal_engine

    chain, _ = chain_for(bars)
    with_chain = signal_engine(chains={"sp500": chain}).explain("sp500", bars=bars)
    without = signal_engine().explain("sp500", bars=bars)
    assert with_chain.agents["options"]["vol_source"] == "chain"
    assert without.agents["options"]["vol_source"] == "realised (no option chain)"
    assert without.agents["options"]["hedge"]["protective"]["cost"] > 0
    assert with_chain.score == without.score  # the options view is shown, not blended


def test_read_chain_when_saved_as_the_cli_writes_it_then_same_quotes_and_found_by_symbol(
        bars, tmp_path, isolated_home):
    import json

    from signaltrust.agents.options import chains_in, read_chain
    from signaltrust.core import to_plain
    from signaltrust.core.config import load_settings
    from signaltrust.research.agents.signal import signal_engine

    chain, _ = chain_for(bars)
    (isolated_home / "chains").mkdir(parents=True)
    path = isolated_home / "chains" / "SP500.json"
    path.write_text(json.dumps(to_plain(chain)))
    again = read_chain(path)
    assert again.as_of == chain.as_of and again.spot == chain.spot
    pd.testing.assert_frame_equal(again.quotes, chain.quotes, check_dtype=False)
    assert list(chains_in(isolated_home / "chains")) == ["sp500"]
    assert list(signal_engine(load_settings()).chains) == ["sp500"]
    path.write_text("{}")
    with pytest.raises(ValidationError, match="cannot be read") as error:
        read_chain(path)
    assert error.value.field == "chain"
