"""Technical features from ``signaltrust.ta``: momentum, trend, volatility, volume, candle shape.

Every column is scale-free (a ratio, a percentage or an oscillator), so a model trained on the
S&P 500 at 600 points can be applied at 2,900. Every value at bar t uses bars up to t only.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust import ta
from signaltrust.core.errors import ValidationError
from signaltrust.features.base import (
    FeatureSet,
    check_periods,
    column,
    has_volume,
    lagged_ratio,
    safe_divide,
)


class TechnicalFeatures(FeatureSet):
    """Momentum, trend, volatility, volume and candle-shape features, each causal and scale-free.

    Columns (default parameters): ``ret_1 .. ret_60`` simple returns; ``rsi_14``; ``roc_10``
    (percent); ``macd_12_26_9``, ``macd_signal_12_26_9``, ``macd_hist_12_26_9`` (as fractions of
    the close); ``stoch_k_14_3``, ``stoch_d_14_3``; ``sma_ratio_N`` and ``ema_ratio_N``
    (close / average - 1); ``adx_14``; ``aroon_up_25``, ``aroon_down_25``, ``aroon_osc_25``;
    ``natr_14`` (ATR as percent of the close); ``realized_vol_N`` (annualised);
    ``realized_vol_ratio_5_20``; ``bb_width_20``, ``bb_pctb_20``; volume: ``obv_change_20``
    (OBV change over the volume traded), ``mfi_14``, ``volume_zscore_20``, ``volume_ratio_20``;
    candle: ``body_ratio``, ``upper_shadow_ratio``, ``lower_shadow_ratio`` (of the bar's range),
    ``gap`` (open / previous close - 1).

    Bars without volume skip the volume group; ``skipped_`` (after ``fit``) and the frame's
    ``attrs["skipped_features"]`` say why.
    """

    version = "1"

    def __init__(
        self,
        return_horizons: tuple[int, ...] = (1, 5, 10, 20, 60),
        rsi_period: int = 14,
        roc_period: int = 10,
        macd_periods: tuple[int, int, int] = (12, 26, 9),
        stoch_periods: tuple[int, int] = (14, 3),
        ma_periods: tuple[int, ...] = (10, 20, 50, 200),
        adx_period: int = 14,
        aroon_period: int = 25,
        atr_period: int = 14,
        vol_periods: tuple[int, ...] = (20, 60),
        bb_period: int = 20,
        bb_dev: float = 2.0,
        volume_period: int = 20,
        mfi_period: int = 14,
        periods_per_year: float = 252.0,
    ) -> None:
        self.return_horizons = return_horizons
        self.rsi_period = rsi_period
        self.roc_period = roc_period
        self.macd_periods = macd_periods
        self.stoch_periods = stoch_periods
        self.ma_periods = ma_periods
        self.adx_period = adx_period
        self.aroon_period = aroon_period
        self.atr_period = atr_period
        self.vol_periods = vol_periods
        self.bb_period = bb_period
        self.bb_dev = bb_dev
        self.volume_period = volume_period
        self.mfi_period = mfi_period
        self.periods_per_year = periods_per_year

    # names -------------------------------------------------------------------------------------
    def _params(self) -> dict[str, Any]:
        macd = check_periods("macd_periods", self.macd_periods)
        stoch = check_periods("stoch_periods", self.stoch_periods)
        if len(macd) != 3 or macd[0] >= macd[1]:
            raise ValidationError(
                "macd_periods must be (fast, slow, signal) with fast < slow",
                field="macd_periods",
                value=self.macd_periods,
                fix="for example (12, 26, 9)",
            )
        if len(stoch) != 2:
            raise ValidationError(
                "stoch_periods must be (k_period, smoothing)",
                field="stoch_periods",
                value=self.stoch_periods,
                fix="for example (14, 3)",
            )
        return {
            "ret": check_periods("return_horizons", self.return_horizons),
            "rsi": check_periods("rsi_period", self.rsi_period, 2)[0],
            "roc": check_periods("roc_period", self.roc_period)[0],
            "macd": macd,
            "stoch": stoch,
            "ma": check_periods("ma_periods", self.ma_periods, 2),
            "adx": check_periods("adx_period", self.adx_period, 2)[0],
            "aroon": check_periods("aroon_period", self.aroon_period, 2)[0],
            "atr": check_periods("atr_period", self.atr_period)[0],
            "vol": check_periods("vol_periods", self.vol_periods, 2),
            "bb": check_periods("bb_period", self.bb_period, 2)[0],
            "volume": check_periods("volume_period", self.volume_period, 2)[0],
            "mfi": check_periods("mfi_period", self.mfi_period, 2)[0],
        }

    def _groups(self) -> dict[str, list[str]]:
        p = self._params()
        macd = "_".join(map(str, p["macd"]))
        stoch = "_".join(map(str, p["stoch"]))
        return {
            "momentum": [
                *(f"ret_{h}" for h in p["ret"]),
                f"rsi_{p['rsi']}",
                f"roc_{p['roc']}",
                f"macd_{macd}",
                f"macd_signal_{macd}",
                f"macd_hist_{macd}",
                f"stoch_k_{stoch}",
                f"stoch_d_{stoch}",
            ],
            "trend": [
                *(f"sma_ratio_{n}" for n in p["ma"]),
                *(f"ema_ratio_{n}" for n in p["ma"]),
                f"adx_{p['adx']}",
                f"aroon_up_{p['aroon']}",
                f"aroon_down_{p['aroon']}",
                f"aroon_osc_{p['aroon']}",
            ],
            "volatility": [
                f"natr_{p['atr']}",
                *(f"realized_vol_{n}" for n in p["vol"]),
                f"realized_vol_ratio_5_{p['vol'][0]}",
                f"bb_width_{p['bb']}",
                f"bb_pctb_{p['bb']}",
            ],
            "volume": [
                f"obv_change_{p['volume']}",
                f"mfi_{p['mfi']}",
                f"volume_zscore_{p['volume']}",
                f"volume_ratio_{p['volume']}",
            ],
            "candle": ["body_ratio", "upper_shadow_ratio", "lower_shadow_ratio", "gap"],
        }

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        groups = self._groups()
        skipped: dict[str, str] = {}
        if bars is not None and not has_volume(bars):
            skipped["volume"] = "the bars have no volume (column absent, all missing or all zero)"
        names = [name for group, items in groups.items() if group not in skipped for name in items]
        return names, skipped

    # values ------------------------------------------------------------------------------------
    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        p = self._params()
        names, skipped = self._plan(bars)
        o, h, lo, c = (column(bars, name) for name in ("open", "high", "low", "close"))
        out: dict[str, np.ndarray] = {}
        for horizon in p["ret"]:
            out[f"ret_{horizon}"] = lagged_ratio(c, horizon)
        out[f"rsi_{p['rsi']}"] = ta.rsi(c, timeperiod=p["rsi"])
        out[f"roc_{p['roc']}"] = ta.roc(c, timeperiod=p["roc"])
        fast, slow, signal = p["macd"]
        macd, macd_signal, macd_hist = ta.macd(
            c, fastperiod=fast, slowperiod=slow, signalperiod=signal
        )
        tag = f"{fast}_{slow}_{signal}"
        out[f"macd_{tag}"] = safe_divide(macd, c)
        out[f"macd_signal_{tag}"] = safe_divide(macd_signal, c)
        out[f"macd_hist_{tag}"] = safe_divide(macd_hist, c)
        k_period, smooth = p["stoch"]
        slowk, slowd = ta.stoch(
            h, lo, c, fastk_period=k_period, slowk_period=smooth, slowd_period=smooth
        )
        out[f"stoch_k_{k_period}_{smooth}"] = slowk
        out[f"stoch_d_{k_period}_{smooth}"] = slowd
        for n in p["ma"]:
            out[f"sma_ratio_{n}"] = safe_divide(c, ta.sma(c, timeperiod=n)) - 1.0
        for n in p["ma"]:
            out[f"ema_ratio_{n}"] = safe_divide(c, ta.ema(c, timeperiod=n)) - 1.0
        out[f"adx_{p['adx']}"] = ta.adx(h, lo, c, timeperiod=p["adx"])
        aroon_down, aroon_up = ta.aroon(h, lo, timeperiod=p["aroon"])
        out[f"aroon_up_{p['aroon']}"] = aroon_up
        out[f"aroon_down_{p['aroon']}"] = aroon_down
        out[f"aroon_osc_{p['aroon']}"] = aroon_up - aroon_down
        out[f"natr_{p['atr']}"] = ta.natr(h, lo, c, timeperiod=p["atr"])
        year = float(self.periods_per_year)
        for n in p["vol"]:
            out[f"realized_vol_{n}"] = ta.realized_volatility(
                c, timeperiod=n, periods_per_year=year
            )
        short_vol = ta.realized_volatility(c, timeperiod=5, periods_per_year=year)
        out[f"realized_vol_ratio_5_{p['vol'][0]}"] = safe_divide(
            short_vol, out[f"realized_vol_{p['vol'][0]}"]
        )
        upper, middle, lower = ta.bbands(
            c, timeperiod=p["bb"], nbdevup=self.bb_dev, nbdevdn=self.bb_dev
        )
        out[f"bb_width_{p['bb']}"] = safe_divide(upper - lower, middle)
        out[f"bb_pctb_{p['bb']}"] = safe_divide(c - lower, upper - lower)
        if "volume" not in skipped:
            v = column(bars, "volume")
            n = p["volume"]
            obv_change = lagged_difference(ta.obv(c, v), n)
            traded = rolling_sum_strict(v, n)
            out[f"obv_change_{n}"] = safe_divide(obv_change, traded)
            out[f"mfi_{p['mfi']}"] = ta.mfi(h, lo, c, v, timeperiod=p["mfi"])
            out[f"volume_zscore_{n}"] = ta.zscore(v, timeperiod=n)
            out[f"volume_ratio_{n}"] = safe_divide(v, ta.sma(v, timeperiod=n))
        bar_range = h - lo
        out["body_ratio"] = safe_divide(c - o, bar_range)
        out["upper_shadow_ratio"] = safe_divide(h - np.maximum(o, c), bar_range)
        out["lower_shadow_ratio"] = safe_divide(np.minimum(o, c) - lo, bar_range)
        previous_close = np.concatenate(([np.nan], c[:-1]))
        out["gap"] = safe_divide(o, previous_close) - 1.0
        return {name: out[name] for name in names}


def lagged_difference(values: np.ndarray, lag: int) -> np.ndarray:
    """``values[t] - values[t - lag]`` (NaN for the first ``lag`` bars)."""
    out = np.full(values.shape[0], np.nan)
    if lag < values.shape[0]:
        out[lag:] = values[lag:] - values[:-lag]
    return out


def rolling_sum_strict(values: np.ndarray, window: int) -> np.ndarray:
    """Sum of the last ``window`` values, the current one included; NaN until the window is full."""
    out = np.full(values.shape[0], np.nan)
    if window <= values.shape[0]:
        sums = np.convolve(values, np.ones(window), mode="valid")
        out[window - 1 :] = sums
    return out
