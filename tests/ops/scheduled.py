"""A job for the scheduler tests: each call appends one line (this process's id) to the file
``SIGNALTRUST_TEST_FIRINGS`` names."""

from __future__ import annotations

import os
from pathlib import Path


def record() -> None:
    with Path(os.environ["SIGNALTRUST_TEST_FIRINGS"]).open("a", encoding="utf-8") as out:
        out.write(f"{os.getpid()}\n")
