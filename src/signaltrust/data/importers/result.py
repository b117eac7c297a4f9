"""What an importer returns: the frame and the problems it found."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from signaltrust.core.errors import ParseError


@dataclass
class ImportResult:
    """What an importer read: the frame (UTC ``timestamp`` index) and every problem it found.

    ``notes`` say what was decided on the way (the separator found, the zone naive times were
    read in, how daily bars were labelled); ``lines`` gives the file line of each frame row.
    """

    frame: pd.DataFrame
    problems: list[ParseError] = field(default_factory=list)
    path: str | None = None
    date_format: str | None = None
    notes: list[str] = field(default_factory=list)
    lines: np.ndarray | None = field(default=None, repr=False)
    hints: str = "python"  # how the "see them all" advice is phrased: python or cli
    headers: dict[str, str] = field(default_factory=dict)  # frame column -> the file's header

    @property
    def ok(self) -> bool:
        """True when every cell and every date was read."""
        return not self.problems

    def raise_first(self) -> None:
        """Raise the first problem (its message says how many more there are)."""
        if not self.problems:
            return
        first = self.problems[0]
        more = len(self.problems) - 1
        if more:
            detail = getattr(first, "detail", first.message)
            see = (f"signaltrust data check {self.path} lists them all" if self.hints == "cli"
                   else "scan_csv/scan_parquet list them all")
            raise ParseError(
                f"{detail} (and {more} more problem{'s' if more > 1 else ''}; {see})",
                path=first.path,
                row=first.row,
                column=first.column,
                value=first.value,
                fix=first.fix,
            )
        raise first


def problem(detail: str, **where: Any) -> ParseError:
    """A ParseError that remembers its message without the location, for re-raising with a count."""
    error = ParseError(detail, **where)
    error.detail = detail  # type: ignore[attr-defined]
    return error
