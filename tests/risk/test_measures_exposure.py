import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.core.instrument import Instrument
from signaltrust.risk.exposure import (
    correlation_matrix,
    effective_number_of_bets,
    exposures,
    herfindahl,
)

AAPL = Instrument(symbol="AAPL", venue="XNAS", asset_class="equity", currency="USD")
SAP = Instrument(symbol="SAP", venue="XETR", asset_class="equity", currency="EUR")
BTC = Instrument(symbol="BTC-USD", venue="CBSE", asset_class="crypto", currency="USD")


def test_exposures_when_by_instrument_then_long_short_net_gross():
    table = exposures({AAPL: 50_000.0, BTC: -20_000.0}, equity=100_000)
    assert table.loc["AAPL", "long"] == 50_000 and table.loc["BTC-USD", "short"] == -20_000
    assert table.loc["TOTAL", "net"] == 30_000 and table.loc["TOTAL", "gross"] == 70_000
    assert table.loc["TOTAL", "gross_pct"] == pytest.approx(0.7)


def test_exposures_when_by_asset_class_and_currency_then_converted_to_base():
    positions = {AAPL: 10_000.0, SAP: 5_000.0, BTC: -3_000.0}
    by_class = exposures(positions, "asset_class", fx_rates={"EUR": 1.1})
    assert by_class.loc["equity", "net"] == pytest.approx(15_500.0)
    assert by_class.loc["crypto", "gross"] == pytest.approx(3_000.0)
    by_ccy = exposures(positions, "currency", fx_rates={"EUR": 1.1})
    assert by_ccy.loc["EUR", "net"] == pytest.approx(5_500.0)
    assert by_ccy.loc["USD", "gross"] == pytest.approx(13_000.0)


def test_exposures_when_currency_has_no_rate_then_error_names_currency():
    with pytest.raises(ValidationError, match="EUR"):
        exposures({SAP: 1.0})


def test_exposures_when_frame_of_quantities_then_value_is_quantity_times_price():
    frame = pd.DataFrame(
        {"symbol": ["AAPL", "BTC-USD"], "quantity": [10, -0.5], "price": [150.0, 40_000.0]}
    )
    table = exposures(frame, instruments={"AAPL": AAPL, "BTC-USD": BTC})
    assert table.loc["AAPL", "net"] == 1_500.0 and table.loc["BTC-USD", "net"] == -20_000.0


def test_exposures_when_symbol_lacks_metadata_then_error_names_symbol():
    with pytest.raises(ValidationError, match="MSFT"):
        exposures({"MSFT": 1.0})


def test_herfindahl_when_equal_or_single_then_bounds():
    assert herfindahl([0.25] * 4) == pytest.approx(0.25)
    assert effective_number_of_bets([0.25] * 4) == pytest.approx(4.0)
    assert effective_number_of_bets([1.0, 0.0, 0.0]) == pytest.approx(1.0)
    assert herfindahl([0.5, 0.3, 0.2]) == pytest.approx(0.25 + 0.09 + 0.04)
    assert herfindahl([0.5, -0.5]) == pytest.approx(0.5)


def test_correlation_matrix_when_nan_then_error_and_else_unit_diagonal():
    r = pd.DataFrame(np.random.default_rng(0).normal(size=(50, 3)), columns=list("abc"))
    corr = correlation_matrix(r)
    assert np.allclose(np.diag(corr), 1.0)
    r.iloc[3, 1] = np.nan
    with pytest.raises(ValidationError, match="dropna"):
        correlation_matrix(r)
