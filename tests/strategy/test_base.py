"""The rule-strategy contract: registry, declared parameters, validation, causality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from signaltrust.core.errors import ValidationError
from signaltrust.data.catalog import load
from signaltrust.strategy import BreakoutScore, Param, get_strategy, list_strategies

BUILTINS = ["sma_cross", "bollinger_rsi", "donchian_breakout", "ts_momentum", "breakout_score"]
SHORTS = {"sma_cross", "bollinger_rsi", "donchian_breakout", "ts_momentum"}


def test_registry_when_listed_then_every_builtin_is_there():
    assert list_strategies() == BUILTINS


def test_get_strategy_when_unknown_then_error_lists_the_builtins():
    with pytest.raises(ValidationError) as info:
        get_strategy("golden_cross")
    assert info.value.field == "strategy"
    for name in BUILTINS:
        assert name in str(info.value)


@pytest.mark.parametrize("name", BUILTINS)
def test_parameters_when_declared_then_defaults_validate_and_describe(name):
    strategy = get_strategy(name)
    assert strategy.resolve() == strategy.defaults()
    described = strategy.describe()
    assert [p["name"] for p in described["parameters"]] == strategy.param_names()
    for declared in strategy.parameters:
        assert isinstance(declared, Param) and declared.type in ("int", "float", "bool", "str")


def test_resolve_when_value_out_of_bounds_then_error_names_parameter_value_and_range():
    with pytest.raises(ValidationError) as info:
        get_strategy("bollinger_rsi").resolve({"rsi_entry": 150})
    assert info.value.field == "bollinger_rsi.rsi_entry"
    assert info.value.value == 150
    assert "[0, 100]" in str(info.value)


def test_resolve_when_wrong_type_then_error_names_the_parameter():
    with pytest.raises(ValidationError) as info:
        get_strategy("sma_cross").resolve({"fast": 2.5})
    assert info.value.field == "sma_cross.fast"
    assert "integer" in str(info.value)


def test_resolve_when_unknown_parameter_then_error_lists_known_ones():
    with pytest.raises(ValidationError, match="fast, slow, allow_short"):
        get_strategy("sma_cross").resolve({"fats": 3})


def test_resolve_when_strings_given_then_converted_as_declared():
    params = get_strategy("sma_cross").resolve({"fast": "5", "slow": "20", "allow_short": "true"})
    assert params == {"fast": 5, "slow": 20, "allow_short": True}


@pytest.mark.parametrize(
    ("name", "params", "field"),
    [
        ("sma_cross", {"fast": 30, "slow": 30}, "sma_cross.fast"),
        ("bollinger_rsi", {"rsi_entry": 60, "rsi_exit": 50}, "bollinger_rsi.rsi_entry"),
        ("breakout_score", {"exit_threshold": 0.8}, "breakout_score.exit_threshold"),
    ],
)
def test_resolve_when_parameters_contradict_then_error_names_the_parameter(name, params, field):
    with pytest.raises(ValidationError) as info:
        get_strategy(name).resolve(params)
    assert info.value.field == field
    assert get_strategy(name).is_valid(params) is False


def test_constructor_when_params_given_then_stored_and_used_as_defaults():
    strategy = get_strategy("sma_cross", fast=5)
    assert strategy.params == {"fast": 5}
    assert strategy.resolve()["fast"] == 5
    assert strategy.resolve({"fast": 7})["fast"] == 7


def _with_alt_data(bars: pd.DataFrame) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    out = bars.copy()
    out["sentiment"] = rng.uniform(-1, 1, len(out))
    out["onchain_flow"] = rng.normal(0, 1, len(out))
    return out


def _strategy(name: str):
    if name != "breakout_score":
        return get_strategy(name)
    bars = load("goog")
    monthly = pd.Series(np.arange(120, dtype=float) % 7,
                        index=pd.date_range("2004-01-01", periods=120, freq="MS", tz="UTC"))
    return BreakoutScore(macro=monthly, news=pd.Series(np.sin(np.arange(len(bars))),
                                                        index=bars.index))


@pytest.mark.parametrize("name", BUILTINS)
@pytest.mark.parametrize("short", [False, True])
def test_signals_when_data_after_t_removed_then_signals_up_to_t_unchanged(name, short):
    if short and name not in SHORTS:
        pytest.skip("long only")
    strategy = _strategy(name)
    params = {"allow_short": True} if short else {}
    if name == "ts_momentum":
        params.update(lookback=63, rebalance=5)
    bars = _with_alt_data(load("goog"))
    full = strategy.signals(bars, **params).as_frame()
    assert full.to_numpy().any()
    for cut in (100, 777, 1500, len(bars) - 1):
        part = strategy.signals(bars.iloc[:cut], **params).as_frame()
        pd.testing.assert_frame_equal(part, full.iloc[:cut], check_freq=False)


def test_signals_when_nothing_happens_then_all_four_series_share_the_bars_index():
    bars = load("goog")
    signals = get_strategy("donchian_breakout").signals(bars)
    for series in (signals.entries, signals.exits, signals.short_entries, signals.short_exits):
        assert series.index.equals(bars.index) and series.dtype == bool
