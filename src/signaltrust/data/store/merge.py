"""How incoming bars meet the stored ones: new, unchanged or conflicting, and what a write did."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from signaltrust.core.bars import BAR_COLUMNS, INDEX_NAME
from signaltrust.core.errors import BarConflictError
from signaltrust.core.serialize import to_plain

OnConflict = Literal["raise", "keep", "overwrite"]
RELATIVE_TOLERANCE = 1e-12


@dataclass
class WriteResult:
    """What a write did: bars inserted, bars already stored with equal values, and conflicts.

    ``conflict_rows`` holds one row per clashing timestamp with ``stored_<column>`` and
    ``incoming_<column>`` values; ``overwritten`` counts the conflicts replaced (only with
    ``on_conflict="overwrite"``); ``dropped_columns`` names incoming columns the store does not
    keep; ``flagged`` counts the bars written with a hard rule broken by permission (``allowed``
    names those rules).
    """

    symbol: str
    venue: str
    timeframe: str
    inserted: int = 0
    unchanged: int = 0
    conflicts: int = 0
    overwritten: int = 0
    on_conflict: str = "raise"
    conflict_rows: pd.DataFrame = field(default_factory=lambda: empty_conflicts(), repr=False)
    dropped_columns: list[str] = field(default_factory=list)
    flagged: int = 0
    allowed: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.overwritten)

    def to_dict(self) -> dict:
        """JSON-ready plain data (``core.serialize.to_plain``)."""
        return to_plain(self)

    def __plain__(self) -> dict:
        """The counts of the write, the conflicting timestamps and what was dropped or allowed."""
        return {
            "symbol": self.symbol,
            "venue": self.venue,
            "timeframe": self.timeframe,
            "inserted": self.inserted,
            "unchanged": self.unchanged,
            "conflicts": self.conflicts,
            "overwritten": self.overwritten,
            "on_conflict": self.on_conflict,
            "conflict_timestamps": self.conflict_rows.index,
            "dropped_columns": list(self.dropped_columns),
            "flagged": self.flagged,
            "allowed": list(self.allowed),
        }


def empty_conflicts() -> pd.DataFrame:
    columns = [f"{side}_{c}" for c in BAR_COLUMNS for side in ("stored", "incoming")]
    index = pd.DatetimeIndex([], tz="UTC", name=INDEX_NAME).as_unit("ns")
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in columns}, index=index)


def _same(stored: np.ndarray, incoming: np.ndarray) -> np.ndarray:
    both_nan = np.isnan(stored) & np.isnan(incoming)
    equal = stored == incoming  # infinities equal themselves; their difference is NaN
    with np.errstate(invalid="ignore"):
        close = np.abs(stored - incoming) <= RELATIVE_TOLERANCE * np.maximum(
            np.abs(stored), np.abs(incoming)
        )
    return both_nan | equal | close


@dataclass
class MergePlan:
    """How incoming bars relate to the stored ones at the same timestamps."""

    new: pd.DataFrame
    unchanged: int
    conflicts: pd.DataFrame

    def result(self, key, policy: OnConflict, dropped: Sequence[str]) -> WriteResult:
        """Raise on conflicts under the ``raise`` policy, else describe the write."""
        if len(self.conflicts) and policy == "raise":
            shown = ", ".join(ts.isoformat() for ts in self.conflicts.index[:10])
            more = f" and {len(self.conflicts) - 10} more" if len(self.conflicts) > 10 else ""
            raise BarConflictError(
                f"{len(self.conflicts)} bar(s) of {key} differ from the stored ones at "
                f"{shown}{more}; "
                "nothing was written",
                conflicts=self.conflicts,
                fix="check which source is right, then write again with on_conflict='keep' "
                "(stored values win) or on_conflict='overwrite' (incoming values win)",
            )
        return WriteResult(
            symbol=key.symbol,
            venue=key.venue,
            timeframe=key.timeframe,
            inserted=len(self.new),
            unchanged=self.unchanged,
            conflicts=len(self.conflicts),
            overwritten=len(self.conflicts) if policy == "overwrite" else 0,
            on_conflict=policy,
            conflict_rows=self.conflicts,
            dropped_columns=list(dropped),
            flagged=int((self.new["flags"] != 0).sum()) if "flags" in self.new else 0,
        )


def plan_merge(stored: pd.DataFrame, incoming: pd.DataFrame) -> MergePlan:
    """Split ``incoming`` into new bars, bars equal to the stored ones, and conflicts.

    ``stored`` needs only the stored bars at timestamps that ``incoming`` also has (more is fine).
    Values are equal within a relative tolerance of 1e-12; NaN equals NaN and an infinity
    equals itself. Flags are not compared: a bar is the same bar whatever was allowed.
    """
    overlap = incoming.index.intersection(stored.index)
    if len(overlap) == 0:
        return MergePlan(new=incoming, unchanged=0, conflicts=empty_conflicts())
    new = incoming.loc[~incoming.index.isin(overlap)]
    old = stored.loc[overlap, list(BAR_COLUMNS)].to_numpy("float64")
    inc = incoming.loc[overlap, list(BAR_COLUMNS)].to_numpy("float64")
    differs = ~_same(old, inc).all(axis=1)
    report = {}
    for j, column in enumerate(BAR_COLUMNS):
        report[f"stored_{column}"] = old[differs, j]
        report[f"incoming_{column}"] = inc[differs, j]
    conflicts = pd.DataFrame(report, index=overlap[differs].rename(INDEX_NAME))
    return MergePlan(new=new, unchanged=int((~differs).sum()), conflicts=conflicts)


