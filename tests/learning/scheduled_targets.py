"""Job targets the scheduler tests import by path: each firing appends a line to a file."""

from __future__ import annotations

import os
import time


def mark() -> None:
    """Append ``pid time`` to $LOOP_MARK_FILE, slowly enough for a rival to try the same firing."""
    with open(os.environ["LOOP_MARK_FILE"], "a") as handle:
        handle.write(f"{os.getpid()} {time.time_ns()}\n")
    time.sleep(0.3)


def explode() -> None:
    raise RuntimeError("disk full")
