"""News sentiment: long while the recent news about a stock reads well, out when it turns.

The signal reads two text features of the bar (:class:`~signaltrust.text.TextFeatures`, built
from a mentions table given to the constructor and joined to the bars by
:meth:`NewsSentiment.prepare_bars`): ``news_sentiment``, the decayed mean sentiment of the
mentions of the last ``window`` bars, and ``news_volume``, how many there were. A mention
counts from the first bar that ends after it was first seen, so a decision at a bar's close
reads only news seen before it.

Entry when news_sentiment >= ``entry`` and news_volume >= ``min_mentions``; exit when it falls
below ``exit`` or the window holds no news. With ``allow_short`` the mirror image: short at
<= -entry, cover above -exit or without news. The same signals drive the vectorised engine
and the trading core (an O(1) stream), so both give the same trades.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from signaltrust.core.errors import ValidationError
from signaltrust.strategy.base import Param, RuleStrategy, Signals
from signaltrust.strategy.streams import ENTRY, EXIT, SHORT_ENTRY, SHORT_EXIT

SENTIMENT, VOLUME = "news_sentiment", "news_volume"


def mentions_symbol(mentions: pd.DataFrame | None, symbol: str | None, bars: pd.DataFrame,
                    strategy: str) -> tuple[pd.DataFrame, str]:
    """The mentions table and the symbol whose news a text strategy trades on these bars."""
    if not isinstance(mentions, pd.DataFrame):
        raise ValidationError(f"{strategy} needs a mentions table", field="mentions",
                              value=type(mentions).__name__,
                              fix="pass mentions=signaltrust.text.mentions_frame(documents)")
    if symbol:
        return mentions, symbol.strip().upper()
    found = sorted(mentions["symbol"].astype(str).str.upper().unique()) if len(mentions) else []
    if len(found) == 1:
        return mentions, found[0]
    named = bars.attrs.get("symbol") or bars.attrs.get("dataset")
    if isinstance(named, str) and named.strip().upper() in found:
        return mentions, named.strip().upper()
    raise ValidationError(f"{strategy} cannot tell which symbol's news to trade",
                          field="symbol", value=found[:5], fix="pass symbol='AAPL'")


class NewsSentiment(RuleStrategy):
    """Long (optionally short) on the decayed sentiment of recent news about the stock."""

    name: ClassVar[str] = "news_sentiment"
    summary: ClassVar[str] = "long while recent news sentiment is high; out when it fades"
    parameters: ClassVar[tuple[Param, ...]] = (
        Param("entry", 0.3, "float", low=0.0, high=1.0, step=0.05,
              doc="enter at or above this news sentiment"),
        Param("exit", 0.0, "float", low=-1.0, high=1.0, step=0.05,
              doc="exit below this news sentiment"),
        Param("min_mentions", 1, "int", low=1, high=100_000, step=1,
              doc="mentions in the window needed to enter"),
        Param("allow_short", False, "bool", doc="also short on negative news"),
    )
    default_grid: ClassVar[dict[str, Any]] = {"entry": (0.1, 0.2, 0.3, 0.4, 0.5),
                                              "exit": (-0.2, 0.0, 0.1)}

    def __init__(self, *, mentions: pd.DataFrame | None = None, symbol: str | None = None,
                 window: int = 5, halflife: float = 2.0, timeframe: str | None = None,
                 **params: Any) -> None:
        super().__init__(**params)
        self.mentions = mentions
        self.symbol = symbol
        self.window = window
        self.halflife = halflife
        self.timeframe = timeframe

    def check(self, params: dict[str, Any]) -> None:
        if params["exit"] >= params["entry"]:
            raise ValidationError(
                f"parameter exit must be < entry (got exit={params['exit']}, "
                f"entry={params['entry']})", field=f"{self.name}.exit", value=params["exit"],
                fix=f"choose exit below entry={params['entry']}, e.g. exit=0")

    def prepare_bars(self, bars: pd.DataFrame) -> pd.DataFrame:
        """The bars with ``news_sentiment`` and ``news_volume`` joined (causal)."""
        if SENTIMENT in bars.columns and VOLUME in bars.columns:
            return bars
        from signaltrust.text.features import TextFeatures

        mentions, symbol = mentions_symbol(self.mentions, self.symbol, bars, self.name)
        features = TextFeatures(mentions, symbol, timeframe=self.timeframe,
                                window=self.window, halflife=self.halflife).fit_transform(bars)
        return bars.assign(**{SENTIMENT: features["news_sentiment"].to_numpy(),
                              VOLUME: features[f"news_volume_{int(self.window)}"].to_numpy()})

    def signal_inputs(self, fields: tuple[str, ...]) -> tuple[str, ...]:
        return (SENTIMENT, VOLUME)

    def signal_stream(self, params: dict[str, Any], inputs: tuple[str, ...]) -> SentimentSignal:
        return SentimentSignal(params)

    def compute(self, bars: pd.DataFrame, params: dict[str, Any]) -> Signals:
        bars = self.prepare_bars(bars)
        stream = SentimentSignal(params)
        codes = np.array([stream.update(s, v) for s, v in zip(
            bars[SENTIMENT].to_numpy(dtype=float), bars[VOLUME].to_numpy(dtype=float),
            strict=True)], dtype=np.int64)
        return signals_from_codes(bars.index, codes)


class SentimentSignal:
    """:class:`NewsSentiment`'s signal code for one bar from its two feature values."""

    def __init__(self, params: dict[str, Any]) -> None:
        self.entry, self.exit = float(params["entry"]), float(params["exit"])
        self.min_mentions = float(params["min_mentions"])
        self.short = bool(params["allow_short"])

    def update(self, sentiment: float, volume: float) -> int:
        if sentiment != sentiment:  # no news in the window
            return EXIT | (SHORT_EXIT if self.short else 0)
        enough = volume >= self.min_mentions
        code = 0
        if sentiment >= self.entry and enough:
            code |= ENTRY
        if sentiment < self.exit:
            code |= EXIT
        if self.short:
            if sentiment <= -self.entry and enough:
                code |= SHORT_ENTRY
            if sentiment > -self.exit:
                code |= SHORT_EXIT
        return code


def signals_from_codes(index: pd.Index, codes: np.ndarray) -> Signals:
    """Signals from one code per bar (ENTRY | EXIT | SHORT_ENTRY | SHORT_EXIT bits)."""
    def series(bit: int, name: str) -> pd.Series:
        return pd.Series((codes & bit) != 0, index=index, name=name)

    return Signals(series(ENTRY, "entries"), series(EXIT, "exits"),
                   series(SHORT_ENTRY, "short_entries"), series(SHORT_EXIT, "short_exits"))


__all__ = ["NewsSentiment", "SentimentSignal", "mentions_symbol", "signals_from_codes"]
