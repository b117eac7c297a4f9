"""The explained signal with the breakout score wired in (what the CLI and the API call).

:func:`signaltrust.agents.signal.explained_signal` lives in the signals layer, below the
strategies, so it takes the breakout scorer as an argument; :func:`breakout_scorer` is
:class:`signaltrust.strategy.breakout_score.BreakoutScore`'s component frame, and
:func:`signal_engine` an engine built from the settings with it.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from signaltrust.agents.signal import ExplainedSignal, SignalEngine
from signaltrust.agents.signal import explained_signal as _explained_signal


def breakout_scorer(bars: pd.DataFrame, series: dict[str, pd.Series]) -> pd.DataFrame:
    """The breakout score's components and total at each bar (series aligned causally)."""
    from signaltrust.strategy.breakout_score import BreakoutScore

    return BreakoutScore(**series).score(bars)


def signal_engine(settings: Any = None, **kwargs: Any) -> SignalEngine:
    """A signal engine with the breakout score (and the ``[agents]`` settings when given)."""
    kwargs.setdefault("breakout", breakout_scorer)
    if settings is not None:
        if "macro" not in kwargs:  # FRED vintages downloaded or exported to <home>/fred
            from signaltrust.agents.macro import MacroAgent

            kwargs["macro"] = MacroAgent.from_folder(settings.home / "fred")
        if "chains" not in kwargs:  # option chains saved as <home>/chains/<symbol>.json
            from signaltrust.agents.options import chains_in

            kwargs["chains"] = chains_in(settings.home / "chains")
        return SignalEngine.from_settings(settings, **kwargs)
    return SignalEngine(**kwargs)


def documents_in(home: Any, as_of: Any = None) -> pd.DataFrame | None:
    """The document store's frame under ``home`` as of ``as_of`` (None when no store was ever
    written, or it holds nothing): what the engine's news agents and related documents read."""
    from pathlib import Path

    if not (Path(home) / "text" / "documents.db").is_file():
        return None
    from signaltrust.text.store import DocumentStore

    store = DocumentStore.open(None, home=home)
    try:
        frame = store.frame(as_of=as_of)
    finally:
        store.close()
    return frame if len(frame) else None


def explained_signal(symbol: str, *, engine: SignalEngine | None = None, **kwargs: Any
                     ) -> ExplainedSignal:
    """:func:`signaltrust.agents.signal.explained_signal` with the breakout score."""
    if engine is None:
        bars, as_of = kwargs.pop("bars", None), kwargs.pop("as_of", None)
        engine = signal_engine(kwargs.pop("settings", None), **kwargs)
        return engine.explain(symbol, bars=bars, as_of=as_of)
    return _explained_signal(symbol, engine=engine, **kwargs)


__all__ = ["breakout_scorer", "documents_in", "explained_signal", "signal_engine"]
