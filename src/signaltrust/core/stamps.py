"""UTC timestamps from int64 nanoseconds, one object per distinct time (per run, never shared)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class TimestampCache:
    """``stamps(ns)`` is the UTC time ``ns``, the last one reused: the events of one moment
    share their timestamp. Each run (engine, node) owns its own cache.

    A time on a whole microsecond is a ``datetime`` (what a ``pandas.Timestamp`` compares
    equal to, built several times faster); a time with nanoseconds is a ``pandas.Timestamp``.
    """

    __slots__ = ("_ns", "_stamp")

    def __init__(self) -> None:
        self._ns: int | None = None
        self._stamp: datetime = _EPOCH

    def __call__(self, ns: int) -> datetime:
        if ns != self._ns:
            micros, nanos = divmod(ns, 1000)
            self._ns = ns
            self._stamp = (
                _EPOCH + timedelta(0, 0, micros) if not nanos  # positional: faster
                else pd.Timestamp(ns, tz=UTC)
            )
        return self._stamp
