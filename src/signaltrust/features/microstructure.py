"""Market microstructure features: spreads, microprice, book imbalance, order-flow imbalance,
VPIN, Kyle's lambda, Amihud illiquidity, Roll's spread, the volume profile.

Every value at a row uses that row and the rows before it only (causal; checked by the
look-ahead detector in the tests). Inputs are the tick frames of :mod:`signaltrust.data.ticks`
(quotes: ``bid``/``ask``/``bid_size``/``ask_size``; book levels from
:func:`signaltrust.data.ticks_book.book_levels`: ``bid_price_1``...; trades: ``ts``/``price``/
``size``) or bars (``close``/``volume``). Functions return pandas objects on the input's index.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.data.info_bars import trade_arrays
from signaltrust.features import microstructure_nb as nb


def _level1(quotes: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Best bid, best ask and their sizes from a quotes frame or a book-levels frame."""
    for names in (("bid", "ask", "bid_size", "ask_size"),
                  ("bid_price_1", "ask_price_1", "bid_size_1", "ask_size_1")):
        if all(n in quotes.columns for n in names[:2]):
            out = []
            for n in names:
                out.append(quotes[n].to_numpy(np.float64) if n in quotes.columns
                           else np.full(len(quotes), np.nan))
            return out[0], out[1], out[2], out[3]
    raise ValidationError("quotes need bid and ask columns", field="columns",
                          value=list(quotes.columns),
                          fix="pass quotes (bid, ask, bid_size, ask_size) or book_levels(...)")


def _window(name: str, value: int) -> int:
    if not isinstance(value, int | np.integer) or value < 1:
        raise ValidationError(f"{name} must be a positive whole number", field=name,
                              value=value, fix=f"pass e.g. {name}=50")
    return int(value)


def spread(quotes: pd.DataFrame) -> pd.DataFrame:
    """Quoted spread (ask - bid), mid price and relative spread (spread / mid) of each quote."""
    bid, ask, _, _ = _level1(quotes)
    mid = 0.5 * (bid + ask)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = (ask - bid) / mid
    return pd.DataFrame({"spread": ask - bid, "mid": mid, "relative_spread": rel},
                        index=quotes.index)


def microprice(quotes: pd.DataFrame) -> pd.Series:
    """The size-weighted mid: (bid x ask_size + ask x bid_size) / (bid_size + ask_size); it leans
    toward the side more likely to trade away (the thinner one)."""
    bid, ask, bs, az = _level1(quotes)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = (bid * az + ask * bs) / (bs + az)
    return pd.Series(value, index=quotes.index, name="microprice")


def book_imbalance(book: pd.DataFrame, depths: tuple[int, ...] = (1, 5)) -> pd.DataFrame:
    """(bid size - ask size) / (bid size + ask size) over the best k levels, for each k in
    ``depths`` (columns ``imbalance_k``), from a book-levels frame; from -1 (asks only) to +1."""
    out = {}
    for k in depths:
        k = _window("depth", k)
        bid_cols = [f"bid_size_{j}" for j in range(1, k + 1)]
        ask_cols = [f"ask_size_{j}" for j in range(1, k + 1)]
        missing = [c for c in bid_cols + ask_cols if c not in book.columns]
        if missing:
            raise ValidationError("the book has fewer levels than asked", field="depths",
                                  value=k, fix=f"build book_levels with depth >= {k}")
        b = book[bid_cols].fillna(0.0).to_numpy().sum(axis=1)
        a = book[ask_cols].fillna(0.0).to_numpy().sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[f"imbalance_{k}"] = (b - a) / (b + a)
    return pd.DataFrame(out, index=book.index)


def order_flow_imbalance(quotes: pd.DataFrame, window: int | None = None) -> pd.Series:
    """Cont, Kukanov and Stoikov's order-flow imbalance: each quote update's net change of the
    demand at the best bid minus the supply at the best ask; summed over the last ``window``
    updates when given (their OFI over the window), else per update."""
    bid, ask, bs, az = _level1(quotes)
    if np.isnan(bs).all() or np.isnan(az).all():
        raise ValidationError("order-flow imbalance needs the sizes at the best quotes",
                              field="columns", value=list(quotes.columns),
                              fix="pass quotes with bid_size and ask_size")
    events = pd.Series(nb.ofi_events(bid, bs, ask, az), index=quotes.index, name="ofi")
    if window is None:
        return events
    return events.rolling(_window("window", window), min_periods=1).sum()


def effective_spread(trades: pd.DataFrame, quotes: pd.DataFrame) -> pd.Series:
    """2 |price - mid| / mid of each trade, the mid being that of the last quote strictly
    before the trade (a quote stamped with the trade's own time may already reflect it);
    NaN before the first quote."""
    ts, price, _, _ = trade_arrays(trades)
    bid, ask, _, _ = _level1(quotes)
    qts = pd.DatetimeIndex(quotes["ts"] if "ts" in quotes.columns else quotes.index).as_unit(
        "ns").asi8
    at = np.searchsorted(qts, ts, side="left") - 1  # last quote with qts < ts
    mid = np.where(at >= 0, 0.5 * (bid[np.maximum(at, 0)] + ask[np.maximum(at, 0)]), np.nan)
    index = trades.index if len(trades.index) == len(ts) else None
    return pd.Series(2.0 * np.abs(price - mid) / mid, index=index, name="effective_spread")


def vpin_buckets(trades: pd.DataFrame, bucket_volume: float, window: int = 50,
                 sigma_window: int | None = None) -> pd.DataFrame:
    """VPIN's working: the buckets of exactly ``bucket_volume`` (end time, close, price change,
    buy and sell volume by bulk-volume classification) and VPIN over ``window`` buckets."""
    ts, price, size, _ = trade_arrays(trades)
    volume = float(bucket_volume)
    if not volume > 0:
        raise ValidationError("bucket_volume must be positive", field="bucket_volume",
                              value=bucket_volume, fix="pass e.g. a fiftieth of daily volume")
    window = _window("window", window)
    sigma = _window("sigma_window", sigma_window if sigma_window is not None else window)
    end_ts, close = nb.volume_buckets(ts, price, size, volume)
    first = price[0] if len(price) else np.nan
    dp, buy, vpin_values = nb.bvc_vpin(first, close, window, sigma)
    return pd.DataFrame({"close": close, "price_change": dp, "buy_volume": buy * volume,
                         "sell_volume": (1.0 - buy) * volume, "vpin": vpin_values},
                        index=pd.DatetimeIndex(pd.to_datetime(end_ts, unit="ns", utc=True),
                                               name="end"))


def vpin(trades: pd.DataFrame, bucket_volume: float, window: int = 50,
         sigma_window: int | None = None) -> pd.Series:
    """Volume-synchronised probability of informed trading (Easley, López de Prado, O'Hara):
    the mean absolute order imbalance |V_buy - V_sell| / V over the last ``window`` volume
    buckets, the buy volume classified in bulk, Phi(dP / sigma), sigma over the trailing
    ``sigma_window`` buckets (default ``window``). Indexed by each bucket's end time."""
    return vpin_buckets(trades, bucket_volume, window, sigma_window)["vpin"]


def _signed_volume(bars: pd.DataFrame) -> np.ndarray:
    if "buy_volume" in bars.columns and "sell_volume" in bars.columns:
        return bars["buy_volume"].to_numpy(np.float64) - bars["sell_volume"].to_numpy(np.float64)
    close = bars["close"].to_numpy(np.float64)
    change = np.diff(close, prepend=np.nan)
    return np.sign(np.nan_to_num(change)) * bars["volume"].to_numpy(np.float64)


def kyle_lambda(bars: pd.DataFrame, window: int = 50) -> pd.Series:
    """Kyle's lambda, the price impact of order flow: the slope of the close's change on the
    signed volume over the last ``window`` bars (signed by buy_volume - sell_volume when the
    bars have them, else by the sign of the close's change)."""
    window = _window("window", window)
    dp = bars["close"].diff()
    q = pd.Series(_signed_volume(bars), index=bars.index)
    cov = dp.rolling(window).cov(q)
    var = q.rolling(window).var()
    return (cov / var.where(var > 0)).rename("kyle_lambda")


def amihud(bars: pd.DataFrame, window: int = 20) -> pd.Series:
    """Amihud's illiquidity: the mean of |return| / dollar volume over the last ``window`` bars
    (dollar volume from ``dollar_volume`` when present, else close x volume)."""
    window = _window("window", window)
    dollars = bars["dollar_volume"] if "dollar_volume" in bars.columns else (
        bars["close"] * bars["volume"])
    ratio = bars["close"].pct_change().abs() / dollars.where(dollars > 0)
    return ratio.rolling(window).mean().rename("amihud")


def roll_spread(close: pd.Series, window: int = 50) -> pd.Series:
    """Roll's spread estimator: 2 sqrt(-cov(dP_t, dP_t-1)) over the last ``window`` changes;
    0 where the autocovariance is not negative (the model then sees no bid-ask bounce)."""
    window = _window("window", window)
    dp = pd.Series(np.asarray(close, dtype=np.float64), index=getattr(close, "index", None))
    dp = dp.diff()
    cov = dp.rolling(window).cov(dp.shift(1))
    return (2.0 * np.sqrt((-cov).clip(lower=0.0))).rename("roll_spread")


def volume_profile(trades: pd.DataFrame, tick_size: float) -> pd.DataFrame:
    """Traded volume at each price level (prices rounded to ``tick_size``), with the share of
    the total; the attribute ``point_of_control`` holds the level with the most volume."""
    _, price, size, side = trade_arrays(trades)
    step = float(tick_size)
    if not step > 0:
        raise ValidationError("tick_size must be positive", field="tick_size", value=tick_size,
                              fix="pass the instrument's tick size, e.g. 0.01")
    level = np.round(np.round(price / step) * step, 12)
    frame = pd.DataFrame({"price": level, "volume": size,
                          "buy_volume": np.where(side > 0, size, 0.0),
                          "sell_volume": np.where(side < 0, size, 0.0)})
    profile = frame.groupby("price").sum().sort_index()
    total = profile["volume"].sum()
    profile["share"] = profile["volume"] / total if total > 0 else np.nan
    profile.attrs["point_of_control"] = (float(profile["volume"].idxmax()) if len(profile)
                                         else float("nan"))
    return profile


__all__ = ["amihud", "book_imbalance", "effective_spread", "kyle_lambda", "microprice",
           "order_flow_imbalance", "roll_spread", "spread", "volume_profile", "vpin",
           "vpin_buckets"]
