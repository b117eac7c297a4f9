"""UTC timestamps from int64 nanoseconds, one object per distinct time (per run, never shared)."""

from __future__ import annotations

from datetime import UTC

import pandas as pd


class TimestampCache:
    """``stamps(ns)`` is ``pd.Timestamp(ns, tz="UTC")``, the last one reused: the events of one
    moment share their timestamp. Each run (engine, node) owns its own cache."""

    __slots__ = ("_ns", "_stamp")

    def __init__(self) -> None:
        self._ns: int | None = None
        self._stamp: pd.Timestamp = pd.Timestamp(0, tz=UTC)

    def __call__(self, ns: int) -> pd.Timestamp:
        if ns != self._ns:
            self._ns, self._stamp = ns, pd.Timestamp(ns, tz=UTC)
        return self._stamp
