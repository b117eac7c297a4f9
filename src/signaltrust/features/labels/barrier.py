"""Triple-barrier labels and meta-labels (López de Prado, AFML ch. 3)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.features.labels._inputs import end_times, non_negative, positive_int, price_series
from signaltrust.features.labels.nb import PROFIT_TAKING, STOP_LOSS, VERTICAL, triple_barrier_nb

BARRIER_NAMES = {PROFIT_TAKING: "pt", STOP_LOSS: "sl", VERTICAL: "vertical"}


def ewm_volatility(
    close: pd.Series, span: int = 20, *, min_periods: int | None = None
) -> pd.Series:
    """Causal volatility: exponentially weighted std of one-bar log returns.

    The value at t uses closes up to t only (it is the ``volatility`` default of
    :func:`triple_barrier_labels`). It is NaN until ``min_periods`` returns (default ``span``)
    have been seen.
    """
    close = price_series("close", close)
    span = positive_int("span", span)
    min_periods = span if min_periods is None else positive_int("min_periods", min_periods)
    log_returns = np.log(close).diff()
    vol = log_returns.ewm(span=span, min_periods=min_periods).std()
    return vol.rename("volatility")


def _aligned(name: str, value: Any, index: pd.Index) -> np.ndarray:
    if not isinstance(value, pd.Series):
        raise ValidationError(
            f"{name} must be a pandas Series on the index of close",
            field=name,
            value=type(value).__name__,
            fix="pass a Series, e.g. pd.Series(values, index=close.index)",
        )
    if not value.index.isin(index).all():
        raise ValidationError(
            f"{name} has timestamps that close does not have",
            field=name,
            value=str(value.index[~value.index.isin(index)][0]),
            fix=f"compute {name} on the same bars, or {name}.reindex(close.index)",
        )
    return value.reindex(index).to_numpy(dtype="float64", na_value=np.nan)


def _pt_sl(pt_sl: Any) -> tuple[float, float]:
    try:
        pt, sl = (float(x) for x in pt_sl)
    except (TypeError, ValueError):
        pt = sl = float("nan")
    if not (np.isfinite(pt) and np.isfinite(sl) and pt >= 0 and sl >= 0):
        raise ValidationError(
            "pt_sl must be two multiples of volatility >= 0 (profit-taking, stop-loss)",
            field="pt_sl",
            value=pt_sl,
            fix="pass e.g. pt_sl=(1.0, 1.0); 0 disables a barrier",
        )
    return pt, sl


def triple_barrier_labels(
    close: pd.Series,
    *,
    horizon: int = 10,
    pt_sl: tuple[float, float] = (1.0, 1.0),
    volatility: pd.Series | None = None,
    side: pd.Series | None = None,
    min_return: float = 0.0,
    high: pd.Series | None = None,
    low: pd.Series | None = None,
) -> pd.DataFrame:
    """Triple-barrier labels: which of profit-taking, stop-loss or the time limit comes first.

    For each bar t (the event start, t0) the barriers are ``pt_sl[0] * volatility[t]`` above and
    ``pt_sl[1] * volatility[t]`` below the close at t, in simple return of the bet
    (``side[t] * (close / close[t] - 1)``; side +1 when not given), and a vertical barrier
    ``horizon`` bars later. A multiple of 0 disables that barrier. ``volatility`` defaults to
    :func:`ewm_volatility` (span 20, per bar, known at t); scale it yourself, e.g. by
    ``sqrt(horizon)``, for wider barriers.

    Returns a DataFrame on ``close.index`` with columns

    - ``t1``: the timestamp of the bar whose price decided the label (its outcome is known
      at that bar's close); pass it to the purged splitters,
    - ``ret``: the bet's return at t1 (at the barrier when high/low are given),
    - ``label``: +1 profit-taking, -1 stop-loss, and at the vertical barrier the sign of
      ``ret`` (0 only for an exactly flat return),
    - ``barrier``: "pt", "sl" or "vertical".

    Rows are NaN (t1 NaT, barrier missing) where the label is unknown: no bet (side 0 or NaN),
    no volatility yet, a volatility below ``min_return`` (too small a target to trade), or no
    barrier touched before the data end. With ``high`` and ``low`` barriers are touched
    within a bar; when one bar spans both, the stop-loss counts first (adverse first).
    """
    close = price_series("close", close)
    horizon = positive_int("horizon", horizon)
    pt, sl = _pt_sl(pt_sl)
    min_return = non_negative("min_return", min_return)
    index = close.index
    if (high is None) != (low is None):
        raise ValidationError(
            "high and low go together",
            field="high" if high is None else "low",
            value=None,
            fix="pass both high= and low= for intrabar barriers, or neither",
        )
    values = close.to_numpy()
    use_range = high is not None
    if use_range:
        hi = price_series("high", high, index=index).to_numpy()
        lo = price_series("low", low, index=index).to_numpy()
        broken = (hi < np.maximum(values, lo)) | (lo > np.minimum(values, hi))
        if broken.any():
            raise ValidationError(
                "high must be >= close and low, and low <= close",
                field="high/low",
                value=str(index[broken][0]),
                fix="check the bars with signaltrust.data.check_bars",
            )
    else:
        hi = lo = values
    target = (
        ewm_volatility(close).to_numpy()
        if volatility is None
        else _aligned("volatility", volatility, index)
    )
    bet = np.ones(len(values)) if side is None else _aligned("side", side, index)
    if side is not None:
        unknown = ~np.isin(bet[~np.isnan(bet)], (-1.0, 0.0, 1.0))
        if unknown.any():
            raise ValidationError(
                "side must hold +1 (long), -1 (short), 0 or NaN (no bet)",
                field="side",
                value=float(bet[~np.isnan(bet)][unknown][0]),
                fix="pass np.sign(primary_signal)",
            )
    end, ret, code = triple_barrier_nb(
        values, hi, lo, use_range, target, bet, horizon, pt, sl, min_return
    )
    label = np.sign(ret)
    label[code == PROFIT_TAKING] = 1.0
    label[code == STOP_LOSS] = -1.0
    barrier = pd.Series(
        pd.Categorical.from_codes(
            np.asarray(code, dtype=np.int64) - 1, categories=["pt", "sl", "vertical"]
        ),
        index=index,
    )
    return pd.DataFrame(
        {
            "t1": end_times(index, end),
            "ret": ret,
            "label": label,
            "barrier": barrier,
            "side": np.where(code > 0, bet, np.nan),
        },
        index=index,
    )


def meta_labels(
    primary_side: pd.Series, close: pd.Series, **triple_barrier_kwargs: Any
) -> pd.DataFrame:
    """Meta-labels: 1 where the primary model's bet was profitable, 0 where it was not.

    The bet at t is ``primary_side[t]`` (+1 long, -1 short, 0 or NaN no bet), scored with
    :func:`triple_barrier_labels` (same keyword arguments, ``side`` excluded): label 1 when the
    bet's return at its first barrier is > 0, else 0; NaN where there was no bet or the outcome
    is not known yet. A secondary model trained on these learns when to trust the primary one.
    """
    if "side" in triple_barrier_kwargs:
        raise ValidationError(
            "meta_labels takes the side from primary_side",
            field="side",
            value="given twice",
            fix="drop side= and pass the bets as primary_side",
        )
    frame = triple_barrier_labels(close, side=primary_side, **triple_barrier_kwargs)
    known = frame["ret"].notna()
    frame["label"] = np.where(known, (frame["ret"] > 0).astype("float64"), np.nan)
    return frame
