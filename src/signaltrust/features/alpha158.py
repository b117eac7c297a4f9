"""An Alpha158-style factor set: candle (KBAR) features, price ratios and rolling factors.

Written from the published definitions of Qlib's Alpha158 (Microsoft Qlib, ``Alpha158``
handler): 9 KBAR features, the open/high/low/VWAP ratios to the close, and 29 rolling
operators over windows 5, 10, 20, 30 and 60 bars, 158 columns in all. Names follow Qlib's
(``KMID``, ``ROC5``, ``STD20`` ...) so that results can be set beside published ones.

Differences from Qlib, all deliberate: windows must be full (Qlib accepts partial windows, so
its first rows mix window lengths); ``VWAP0`` needs a ``vwap`` column in the bars and is skipped
otherwise; volume factors are skipped (with the reason recorded) when the bars have no volume.
Every value at bar t uses bars up to t only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.features import kernels as nb
from signaltrust.features.base import FeatureSet, column, has_volume

_EPS = 1e-12
KBAR = ("KMID", "KLEN", "KMID2", "KUP", "KUP2", "KLOW", "KLOW2", "KSFT", "KSFT2")
PRICE = ("OPEN0", "HIGH0", "LOW0", "VWAP0")
PRICE_ROLLING = (
    "ROC",
    "MA",
    "STD",
    "BETA",
    "RSQR",
    "RESI",
    "MAX",
    "MIN",
    "QTLU",
    "QTLD",
    "RANK",
    "RSV",
    "IMAX",
    "IMIN",
    "IMXD",
)
VOLUME_ROLLING = ("CORR", "CORD")
COUNT_ROLLING = ("CNTP", "CNTN", "CNTD", "SUMP", "SUMN", "SUMD")
VOLUME_ONLY = ("VMA", "VSTD", "WVMA", "VSUMP", "VSUMN", "VSUMD")
ROLLING = (*PRICE_ROLLING, *VOLUME_ROLLING, *COUNT_ROLLING, *VOLUME_ONLY)
"""The 29 rolling operators, in Qlib's order."""
NEEDS_VOLUME = frozenset((*VOLUME_ROLLING, *VOLUME_ONLY))


def _previous(x: np.ndarray) -> np.ndarray:
    return np.concatenate(([np.nan], x[:-1]))


def _shift(x: np.ndarray, lag: int) -> np.ndarray:
    out = np.full(x.shape[0], np.nan)
    if lag < x.shape[0]:
        out[lag:] = x[:-lag]
    return out


def _indicator(condition: np.ndarray, defined: np.ndarray) -> np.ndarray:
    out = condition.astype(np.float64)
    out[~defined] = np.nan
    return out


class Alpha158Features(FeatureSet):
    """Qlib-style Alpha158 factors: KBAR shape, price ratios and 29 rolling operators per window.

    ``windows`` are the rolling lengths in bars (default 5, 10, 20, 30, 60). Definitions (c, o, h,
    l, v: close, open, high, low, volume; ``Ref(x, d)`` x d bars ago; rolling over d bars):
    KMID (c-o)/o, KLEN (h-l)/o, KMID2 (c-o)/(h-l), KUP (h-max(o,c))/o, KUP2 ... /(h-l),
    KLOW (min(o,c)-l)/o, KLOW2 ... /(h-l), KSFT (2c-h-l)/o, KSFT2 ... /(h-l); OPEN0 o/c,
    HIGH0 h/c, LOW0 l/c, VWAP0 vwap/c; ROCd Ref(c,d)/c, MAd mean(c)/c, STDd std(c)/c,
    BETAd slope(c)/c, RSQRd R² of c on time, RESId last residual/c, MAXd max(h)/c, MINd min(l)/c,
    QTLUd / QTLDd 80 % / 20 % quantile of c over c, RANKd percentile of c in its window,
    RSVd (c-min l)/(max h-min l), IMAXd / IMINd position of max h / min l (1..d) over d, IMXDd
    their difference over d, CORRd corr(c, log(v+1)), CORDd corr(c/Ref(c,1), log(v/Ref(v,1)+1)),
    CNTPd / CNTNd share of up / down bars, CNTDd their difference, SUMPd / SUMNd / SUMDd gains /
    losses / net over total absolute moves, VMAd mean(v)/v, VSTDd std(v)/v, WVMAd
    std(|ret|·v)/mean(|ret|·v), VSUMPd / VSUMNd / VSUMDd as SUMP/SUMN/SUMD on volume.
    """

    version = "1"

    def __init__(self, windows: tuple[int, ...] = (5, 10, 20, 30, 60)) -> None:
        self.windows = windows

    def _windows(self) -> tuple[int, ...]:
        items = tuple(self.windows) if not isinstance(self.windows, int) else (self.windows,)
        if (
            not items
            or any(int(w) != w or int(w) < 2 for w in items)
            or len(set(items)) != len(items)
        ):
            raise ValidationError(
                "windows must be distinct whole numbers of bars >= 2",
                field="windows",
                value=self.windows,
                fix="for example windows=(5, 10, 20, 30, 60)",
            )
        return tuple(int(w) for w in items)

    def _plan(self, bars: pd.DataFrame | None) -> tuple[list[str], dict[str, str]]:
        windows = self._windows()
        skipped: dict[str, str] = {}
        if bars is not None and "vwap" not in bars.columns:
            skipped["VWAP0"] = "the bars have no 'vwap' column"
        if bars is not None and not has_volume(bars):
            skipped["volume"] = (
                "the bars have no volume (column absent, all missing or all zero): "
                + ", ".join(op for op in ROLLING if op in NEEDS_VOLUME)
                + " skipped"
            )
        names = list(KBAR) + [p for p in PRICE if p not in skipped]
        for op in ROLLING:
            if op in NEEDS_VOLUME and "volume" in skipped:
                continue
            names.extend(f"{op}{w}" for w in windows)
        return names, skipped

    def _compute(self, bars: pd.DataFrame) -> dict[str, np.ndarray]:
        names, skipped = self._plan(bars)
        o, h, lo, c = (column(bars, name) for name in ("open", "high", "low", "close"))
        out: dict[str, np.ndarray] = {}
        with np.errstate(divide="ignore", invalid="ignore"):
            span = h - lo + _EPS
            top, bottom = np.maximum(o, c), np.minimum(o, c)
            out.update(
                KMID=(c - o) / o,
                KLEN=(h - lo) / o,
                KMID2=(c - o) / span,
                KUP=(h - top) / o,
                KUP2=(h - top) / span,
                KLOW=(bottom - lo) / o,
                KLOW2=(bottom - lo) / span,
                KSFT=(2 * c - h - lo) / o,
                KSFT2=(2 * c - h - lo) / span,
                OPEN0=o / c,
                HIGH0=h / c,
                LOW0=lo / c,
            )
            if "VWAP0" not in skipped:
                out["VWAP0"] = column(bars, "vwap") / c
            move = c - _previous(c)
            moved = ~np.isnan(move)
            up = _indicator(move > 0, moved)
            down = _indicator(move < 0, moved)
            gain = np.where(moved, np.maximum(move, 0.0), np.nan)
            loss = np.where(moved, np.maximum(-move, 0.0), np.nan)
            size = np.abs(move)
            with_volume = "volume" not in skipped
            if with_volume:
                v = column(bars, "volume")
                log_volume = np.log(v + 1.0)
                volume_change = np.log(v / _previous(v) + 1.0)
                ret = c / _previous(c)
                weighted = np.abs(ret - 1.0) * v
                v_move = v - _previous(v)
                v_moved = ~np.isnan(v_move)
                v_gain = np.where(v_moved, np.maximum(v_move, 0.0), np.nan)
                v_loss = np.where(v_moved, np.maximum(-v_move, 0.0), np.nan)
                v_size = np.abs(v_move)
            for w in self._windows():
                mean, std = nb.rolling_mean_std(c, w)
                slope, rsq, resid = nb.rolling_regression(c, w)
                high_max, high_at = nb.rolling_extremes(h, w, True)
                low_min, low_at = nb.rolling_extremes(lo, w, False)
                out[f"ROC{w}"] = _shift(c, w) / c
                out[f"MA{w}"] = mean / c
                out[f"STD{w}"] = std / c
                out[f"BETA{w}"] = slope / c
                out[f"RSQR{w}"] = rsq
                out[f"RESI{w}"] = resid / c
                out[f"MAX{w}"] = high_max / c
                out[f"MIN{w}"] = low_min / c
                out[f"QTLU{w}"] = nb.rolling_quantile(c, w, 0.8) / c
                out[f"QTLD{w}"] = nb.rolling_quantile(c, w, 0.2) / c
                out[f"RANK{w}"] = nb.rolling_rank(c, w)
                out[f"RSV{w}"] = (c - low_min) / (high_max - low_min + _EPS)
                out[f"IMAX{w}"] = high_at / w
                out[f"IMIN{w}"] = low_at / w
                out[f"IMXD{w}"] = (high_at - low_at) / w
                count_up = nb.rolling_mean_std(up, w)[0]
                count_down = nb.rolling_mean_std(down, w)[0]
                out[f"CNTP{w}"] = count_up
                out[f"CNTN{w}"] = count_down
                out[f"CNTD{w}"] = count_up - count_down
                total = nb.rolling_sum(size, w) + _EPS
                gains, losses = nb.rolling_sum(gain, w), nb.rolling_sum(loss, w)
                out[f"SUMP{w}"] = gains / total
                out[f"SUMN{w}"] = losses / total
                out[f"SUMD{w}"] = (gains - losses) / total
                if with_volume:
                    out[f"CORR{w}"] = nb.rolling_corr(c, log_volume, w)
                    out[f"CORD{w}"] = nb.rolling_corr(ret, volume_change, w)
                    v_mean, v_std = nb.rolling_mean_std(v, w)
                    out[f"VMA{w}"] = v_mean / (v + _EPS)
                    out[f"VSTD{w}"] = v_std / (v + _EPS)
                    w_mean, w_std = nb.rolling_mean_std(weighted, w)
                    out[f"WVMA{w}"] = w_std / (w_mean + _EPS)
                    v_total = nb.rolling_sum(v_size, w) + _EPS
                    v_gains, v_losses = nb.rolling_sum(v_gain, w), nb.rolling_sum(v_loss, w)
                    out[f"VSUMP{w}"] = v_gains / v_total
                    out[f"VSUMN{w}"] = v_losses / v_total
                    out[f"VSUMD{w}"] = (v_gains - v_losses) / v_total
        for values in out.values():
            values[~np.isfinite(values)] = np.nan
        return {name: out[name] for name in names}
