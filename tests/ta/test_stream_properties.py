"""Property: for any indicator, parameters and series (ties, flat runs, zeros, infinities, NaN
before and inside the data), the streaming indicator fed bar by bar equals the batch function."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signaltrust.ta import stream

from .test_stream import assert_stream_equals_batch


def _periods(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


def _params(**fields: st.SearchStrategy) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries(fields)


MATYPE = st.sampled_from([0, 1, 2, 3, 4, 6])
NUMBER = st.floats(-3.0, 3.0, allow_nan=False)
POSITIVE = st.floats(0.1, 4.0)
ONE_PERIOD = {"timeperiod": _periods(1, 12)}
TWO_PERIOD = {"timeperiod": _periods(2, 12)}
DM_PERIOD = {"timeperiod": _periods(1, 10)}
PARAMETERS: dict[str, st.SearchStrategy[dict]] = {
    **{name: _params(**ONE_PERIOD) for name in ("sma", "ema", "wma", "kama", "roc", "mom")},
    **{name: _params(timeperiod=_periods(1, 8)) for name in ("dema", "tema", "trix")},
    **{name: _params(**TWO_PERIOD) for name in ("rsi", "willr", "cci", "aroon", "mfi", "zscore")},
    **{name: _params(timeperiod=_periods(2, 10)) for name in ("adx", "dx")},
    **{name: _params(**DM_PERIOD) for name in ("plus_di", "minus_di", "atr", "natr")},
    **{name: _params() for name in ("trange", "obv", "ad")},
    "bbands": _params(timeperiod=_periods(2, 10), nbdevup=NUMBER, nbdevdn=NUMBER, matype=MATYPE),
    "sar": _params(acceleration=st.floats(0.0, 0.3), maximum=st.floats(0.0, 0.5)),
    "macd": _params(
        fastperiod=_periods(2, 12), slowperiod=_periods(2, 15), signalperiod=_periods(1, 8)
    ),
    "stoch": _params(
        fastk_period=_periods(1, 8),
        slowk_period=_periods(1, 5),
        slowk_matype=MATYPE,
        slowd_period=_periods(1, 5),
        slowd_matype=MATYPE,
    ),
    "stochf": _params(
        fastk_period=_periods(1, 8), fastd_period=_periods(1, 5), fastd_matype=MATYPE
    ),
    "stochrsi": _params(
        timeperiod=_periods(2, 8),
        fastk_period=_periods(1, 6),
        fastd_period=_periods(1, 4),
        fastd_matype=MATYPE,
    ),
    "ultosc": _params(
        timeperiod1=_periods(1, 10), timeperiod2=_periods(1, 10), timeperiod3=_periods(1, 10)
    ),
    "adosc": _params(fastperiod=_periods(2, 8), slowperiod=_periods(2, 12)),
    "keltner": _params(timeperiod=_periods(1, 10), atr_period=_periods(1, 10), multiplier=POSITIVE),
    "donchian": _params(**ONE_PERIOD),
    "supertrend": _params(timeperiod=_periods(1, 10), multiplier=POSITIVE),
    "vwap": _params(timeperiod=st.none() | _periods(1, 10)),
    "realized_volatility": _params(
        timeperiod=_periods(2, 12), periods_per_year=st.floats(1.0, 365.0)
    ),
    "ichimoku": _periods(1, 6).flatmap(
        lambda tenkan: _params(
            timeperiod1=st.just(tenkan),
            timeperiod2=_periods(tenkan, 10),
            timeperiod3=_periods(1, 15),
        )
    ),
}

SPECIAL = np.array([0.0, -1.0, 1.0, np.inf, -np.inf, 0.1, 2.0, 1e-300, 5e-324])


def _series(rng: np.random.Generator, style: str, field: str, n: int) -> np.ndarray:
    if style == "walk":
        values = (100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))).round(2)
    elif style == "ties":  # few distinct values: equal highs and lows, flat windows
        values = rng.integers(0, 4, n) * rng.choice([1.0, 0.1, 3.7])
    elif style == "special":
        values = rng.choice(SPECIAL, n)
    else:
        values = np.full(n, rng.choice([0.1, 1.0, 0.0]))
    if field == "volume":
        values = np.abs(values)
    elif field == "high" and style in ("walk", "ties"):
        values = values + 0.5
    return values


def test_parameter_strategies_when_listed_then_cover_every_indicator():
    assert set(PARAMETERS) == set(stream.available())


@pytest.mark.parametrize("name", stream.available())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.data(),
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(0, 120),
    style=st.sampled_from(["walk", "ties", "special", "flat"]),
    leading=st.integers(0, 6),
    nan_rate=st.sampled_from([0.0, 0.02, 0.2]),
)
def test_stream_when_any_series_and_parameters_then_equals_batch(
    name, data, seed, n, style, leading, nan_rate
):
    params = data.draw(PARAMETERS[name], label="params")
    rng = np.random.default_rng(seed)
    arrays = []
    for field in stream.INDICATORS[name].inputs:
        values = _series(rng, style, field, n)
        values[: int(rng.integers(0, leading + 1))] = np.nan
        values[rng.random(n) < nan_rate] = np.nan
        arrays.append(values)
    with np.errstate(all="ignore"):
        assert_stream_equals_batch(name, params, arrays)
