"""``signaltrust options price | iv | chain``: QuantLib's numbers, clear errors, a chain."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from signaltrust.cli.main import app
from tests.options import quantlib_reference as ref
from tests.options.served import ServedLoopback
from tests.options.test_options_yahoo import PATH, golden

runner = CliRunner()
PRICE = ["options", "price", "--type", "call", "--spot", "100", "--strike", "105", "--vol", "0.2",
         "--rate", "0.01", "--days", "30"]


def _json(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("extra,kind,dividend", [([], "call", 0.0),
                                                 (["--dividend", "0.02"], "call", 0.02)])
def test_price_when_european_then_price_and_greeks_equal_quantlib_to_1e8(extra, kind, dividend):
    got = _json([*PRICE, *extra, "--json"])
    expected = ref.european(kind, 100.0, 105.0, 30, 0.2, 0.01, dividend)
    for name, value in expected.items():  # QuantLib's units: vega/rho per 1.00, theta per year
        assert got[name] == pytest.approx(value, abs=1e-8), name
    assert got["theta_per_day"] == pytest.approx(expected["theta"] / 365, abs=1e-10)


def test_price_when_american_put_then_tree_matches_quantlib_binomial():
    args = [*PRICE, "--style", "american", "--steps", "301", "--json"]
    args[args.index("call")] = "put"
    got = _json(args)
    expected = ref.american("put", 100.0, 105.0, 30, 0.2, 0.01, 0.0, steps=301)
    for name, value in expected.items():
        assert got[name] == pytest.approx(value, abs=1e-8), name


def test_iv_when_given_the_price_of_a_vol_then_returns_that_vol():
    price = _json([*PRICE, "--json"])["price"]
    got = _json(["options", "iv", "--type", "call", "--spot", "100", "--strike", "105",
                 "--price", repr(price), "--rate", "0.01", "--days", "30", "--json"])
    assert got["implied_vol"] == pytest.approx(0.2, abs=1e-10)


def test_iv_when_price_is_below_intrinsic_then_error_message_and_exit_1_without_traceback():
    result = runner.invoke(app, ["options", "iv", "--type", "call", "--spot", "100", "--strike",
                                 "80", "--price", "19", "--days", "30"])
    assert result.exit_code == 1
    assert "intrinsic" in result.output and "Traceback" not in result.output


def test_price_when_style_is_unknown_then_error_names_the_option():
    result = runner.invoke(app, [*PRICE, "--style", "bermudan", "--json"])
    assert result.exit_code == 1 and json.loads(result.stdout)["field"] == "--style"


def test_chain_when_served_from_loopback_then_prints_quotes_with_our_implied_vols():
    with ServedLoopback() as server:
        server.json("GET", PATH, golden("yahoo_options_spy.json"))
        got = _json(["options", "chain", "SPY", "--base-url", server.url, "--rate", "0.04",
                     "--dividend", "0.012", "--json"])
        table = runner.invoke(app, ["options", "chain", "SPY", "--base-url", server.url])
    assert got["spot"] == 604.21 and len(got["quotes"]) == 26
    fitted = [q for q in got["quotes"] if q["iv"] is not None]
    assert len(fitted) >= 6 and all(abs(q["iv"] - q["venue_iv"]) < 0.03 for q in fitted)
    assert table.exit_code == 0 and "SPY" in table.output and "our iv" in table.output
